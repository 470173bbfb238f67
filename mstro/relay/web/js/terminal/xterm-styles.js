// @ts-check
// xterm.js's own styles under the relay's Content-Security-Policy (`style-src 'self'`,
// which refuses inline <style> elements). xterm.js's DOM renderer writes its theme
// (the 256 colours), its cell sizes and its scroll bar's colours as the text of
// <style> elements; the vendored build makes those inert <xterm-style> elements
// (vendor/xterm/README.md), and this adopts each one's text as a constructed style
// sheet, which CSP allows, kept in step as xterm.js rewrites it (a resize, a font
// size, a theme).

/**
 * Adopt the styles of the xterm.js instances under `root` until dispose().
 * @param {HTMLElement} root the element xterm.js was (or is about to be) opened in
 * @returns {{dispose: () => void}}
 */
export function adoptXtermStyles(root) {
  /** @type {Map<Element, {sheet: CSSStyleSheet, text: string}>} */
  const sheets = new Map();

  function sync() {
    for (const el of root.querySelectorAll('xterm-style')) {
      let entry = sheets.get(el);
      if (!entry) {
        entry = { sheet: new CSSStyleSheet(), text: '' };
        sheets.set(el, entry);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, entry.sheet];
      }
      const text = el.textContent || '';
      if (entry.text !== text) {
        entry.sheet.replaceSync(text);
        entry.text = text;
      }
    }
    for (const [el, entry] of sheets) {
      if (!root.contains(el)) drop(el, entry.sheet);
    }
  }

  /**
   * @param {Element} el
   * @param {CSSStyleSheet} sheet
   */
  function drop(el, sheet) {
    sheets.delete(el);
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
  }

  /** @param {Node} node */
  const holdsStyle = (node) => node instanceof Element
    && (node.localName === 'xterm-style' || (node.firstElementChild !== null && node.querySelector('xterm-style') !== null));

  // The renderer redraws rows all the time: only changes that touch a style element
  // (its text, or the element coming or going) are worth a look.
  const observer = new MutationObserver((records) => {
    const touched = records.some((r) => {
      const target = r.target.nodeType === Node.TEXT_NODE ? r.target.parentNode : r.target;
      if (target instanceof Element && target.localName === 'xterm-style') return true;
      return [...r.addedNodes].some(holdsStyle) || [...r.removedNodes].some(holdsStyle);
    });
    if (touched) sync();
  });
  observer.observe(root, { subtree: true, childList: true, characterData: true });

  return {
    dispose() {
      observer.disconnect();
      for (const [el, entry] of [...sheets]) drop(el, entry.sheet);
    },
  };
}
