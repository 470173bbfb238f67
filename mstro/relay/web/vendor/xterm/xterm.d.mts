// Types for xterm.mjs: the declarations of the npm package (typings/), which name it
// @xterm/xterm (jsconfig.json maps that name to them).
export { Terminal } from '@xterm/xterm';
