// Types for addon-web-links.mjs: the declarations of the npm package (typings/), which name it
// @xterm/addon-web-links (jsconfig.json maps that name to them).
export { WebLinksAddon } from '@xterm/addon-web-links';
