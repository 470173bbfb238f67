// @ts-check
// The path above the viewer (nav.crumbs): the working directory as its root, then a
// link per directory, the shown file or directory last (aria-current).

import { h, setChildren } from '../../dom.js';

/**
 * createBreadcrumbs({hrefFor(path), rootLabel()}) → {el, render(path)}.
 * @param {{hrefFor: (path: string) => string, rootLabel: () => string}} deps
 */
export function createBreadcrumbs({ hrefFor, rootLabel }) {
  const el = h('nav', { class: 'crumbs', 'aria-label': 'Path' });
  let shown = '';

  /** @param {string} path relative to the working directory ('' for it) */
  function render(path) {
    shown = path;
    const segs = path ? path.split('/') : [];
    const items = [{ label: rootLabel(), path: '' }];
    segs.forEach((seg, i) => items.push({ label: seg, path: segs.slice(0, i + 1).join('/') }));
    const list = h('ol', null, items.map((item, i) => {
      const last = i === items.length - 1;
      const label = i === 0
        ? [h('span', { class: 'ficon ficon-home', 'aria-hidden': 'true' }), h('span', null, item.label)]
        : item.label;
      return h('li', null, last
        ? h('span', { class: 'crumb-current', 'aria-current': 'page' }, label)
        : h('a', { href: hrefFor(item.path) }, label));
    }));
    setChildren(el, list);
  }

  return {
    el,
    render,
    /** Draw the same path again (the root's label changed). */
    redraw() {
      render(shown);
    },
  };
}
