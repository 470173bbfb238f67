// Types for addon-unicode11.mjs: the declarations of the npm package (typings/), which name it
// @xterm/addon-unicode11 (jsconfig.json maps that name to them).
export { Unicode11Addon } from '@xterm/addon-unicode11';
