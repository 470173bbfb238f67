// @ts-check
// A directory in the viewer (#dir-view[data-path]): its name and count, then a table
// of its entries (name linking to the entry, size, modified), or a note when empty.

import { h, formatBytes, formatNumber, timeAgo, formatDateTime } from '../../dom.js';
import { iconFor } from './tree-model.js';

/**
 * @param {{path: string, title: string, items: import('./tree-model.js').TreeNode[],
 *   truncated: boolean, hrefFor: (path: string) => string}} dir
 * @returns {HTMLElement}
 */
export function renderDir({ path, title, items, truncated, hrefFor }) {
  const head = h('div', { class: 'file-head' },
    h('span', { class: 'ficon ficon-dir', 'aria-hidden': 'true' }),
    h('h2', { class: 'file-name' }, title),
    h('span', { class: 'file-meta muted' }, `${formatNumber(items.length)} ${items.length === 1 ? 'item' : 'items'}`));

  let body;
  if (items.length === 0) {
    body = h('div', { class: 'viewer-note' }, h('p', null, 'This directory is empty.'));
  } else {
    body = h('table', { class: 'listing' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Name'),
        h('th', { scope: 'col', class: 'col-size' }, 'Size'),
        h('th', { scope: 'col', class: 'col-mod' }, 'Modified'))),
      h('tbody', null, items.map((item) => h('tr', null,
        h('td', { class: 'col-name' },
          h('a', { class: 'entry', href: hrefFor(item.path), 'data-kind': item.kind },
            h('span', { class: `ficon ficon-${iconFor(item)}`, 'aria-hidden': 'true' }),
            h('span', { class: 'entry-name' }, item.name),
            item.kind === 'symlink' ? h('span', { class: 'entry-tag' }, 'link') : null)),
        h('td', { class: 'col-size' }, item.kind === 'file' && item.size != null ? formatBytes(item.size) : ''),
        h('td', { class: 'col-mod' }, item.modified
          ? h('time', { datetime: String(item.modified), title: formatDateTime(item.modified) }, timeAgo(item.modified))
          : '')))));
  }
  return h('div', { id: 'dir-view', class: 'dir-view', 'data-path': path },
    head,
    truncated ? h('p', { class: 'viewer-banner' }, `This directory is large: only the first ${formatNumber(items.length)} entries are listed.`) : null,
    body);
}
