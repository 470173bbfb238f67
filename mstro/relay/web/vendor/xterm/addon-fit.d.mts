// Types for addon-fit.mjs: the declarations of the npm package (typings/), which name it
// @xterm/addon-fit (jsconfig.json maps that name to them).
export { FitAddon } from '@xterm/addon-fit';
