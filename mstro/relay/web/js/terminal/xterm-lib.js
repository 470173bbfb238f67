// @ts-check
// xterm.js and its add-ons (vendor/xterm/, served by the relay like the app's own
// files), loaded the first time a terminal is shown: the chat and the files never
// pay for them.

/**
 * @typedef {{
 *   Terminal: typeof import('../../vendor/xterm/xterm.mjs').Terminal,
 *   FitAddon: typeof import('../../vendor/xterm/addon-fit.mjs').FitAddon,
 *   WebLinksAddon: typeof import('../../vendor/xterm/addon-web-links.mjs').WebLinksAddon,
 *   Unicode11Addon: typeof import('../../vendor/xterm/addon-unicode11.mjs').Unicode11Addon,
 * }} XtermLib
 */

/** @type {Promise<XtermLib> | null} */
let loading = null;

const STYLESHEET = '/vendor/xterm/xterm.css';

/** The stylesheet, once, before the first terminal opens (its sizes depend on it). */
function loadStylesheet() {
  if (document.querySelector(`link[href="${STYLESHEET}"]`)) return Promise.resolve();
  return new Promise((resolve) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = STYLESHEET;
    // A stylesheet that fails leaves the terminal plainer, not broken.
    link.addEventListener('load', () => resolve(undefined));
    link.addEventListener('error', () => resolve(undefined));
    document.head.append(link);
  });
}

/**
 * xterm.js and the add-ons (the same promise every time; a failure is retried on the
 * next call).
 * @returns {Promise<XtermLib>}
 */
export function loadXterm() {
  if (!loading) {
    loading = Promise.all([
      import('../../vendor/xterm/xterm.mjs'),
      import('../../vendor/xterm/addon-fit.mjs'),
      import('../../vendor/xterm/addon-web-links.mjs'),
      import('../../vendor/xterm/addon-unicode11.mjs'),
      loadStylesheet(),
    ]).then(([xterm, fit, links, unicode]) => ({
      Terminal: xterm.Terminal,
      FitAddon: fit.FitAddon,
      WebLinksAddon: links.WebLinksAddon,
      Unicode11Addon: unicode.Unicode11Addon,
    }));
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}
