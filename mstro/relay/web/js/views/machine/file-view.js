// @ts-check
// A file in the viewer (#file-view[data-path]): its name, size and line count, then
// its text with line numbers (#file-content), or a note for a binary, an empty or a
// special file, and a banner when only the first MiB was sent.

import { h, formatBytes, formatNumber, basename } from '../../dom.js';

/**
 * The head of a file: icon, name, and what is known of it.
 * @param {string} path
 * @param {number | null} size
 * @param {string | null} extra
 */
function fileHead(path, size, extra) {
  const meta = [size != null ? formatBytes(size) : null, extra].filter(Boolean).join(' · ');
  return h('div', { class: 'file-head' },
    h('span', { class: 'ficon ficon-file', 'aria-hidden': 'true' }),
    h('h2', { class: 'file-name', title: path }, basename(path) || path),
    meta ? h('span', { class: 'file-meta muted' }, meta) : null);
}

/** How many lines `text` has (a last line without a newline counts). @param {string} text */
export function countLines(text) {
  if (!text.length) return 0;
  let lines = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines += 1;
  if (text.charCodeAt(text.length - 1) === 10) lines -= 1;
  return lines;
}

/**
 * A special file (a socket, device or pipe): named, not read.
 * @param {{path: string, name: string, size: number | null}} node
 */
export function renderSpecialFile({ path, name, size }) {
  return h('article', { id: 'file-view', class: 'file-view', 'data-path': path },
    fileHead(path, size, null),
    h('div', { class: 'viewer-note' },
      h('p', null, `“${name}” is a special file (a socket, device or pipe). It can't be shown.`)));
}

/**
 * A file as `readFile` answered it.
 * @param {string} path
 * @param {any} data a FileContent, read field by field
 * @returns {HTMLElement}
 */
export function renderFile(path, data) {
  const size = typeof data.size === 'number' ? data.size : null;
  const article = h('article', { id: 'file-view', class: 'file-view', 'data-path': path });

  if (data.binary || typeof data.content !== 'string') {
    article.append(
      fileHead(path, size, 'binary'),
      h('div', { class: 'viewer-note binary-note' },
        h('span', { class: 'ficon ficon-binary', 'aria-hidden': 'true' }),
        h('p', null, `Binary file (${size != null ? size : '?'} bytes) — not shown`)));
    return article;
  }

  const text = data.content;
  const lines = countLines(text);
  const numbers = new Array(lines);
  for (let i = 0; i < lines; i++) numbers[i] = i + 1;

  article.append(fileHead(path, size, `${formatNumber(lines)} ${lines === 1 ? 'line' : 'lines'}`));
  if (data.truncated) {
    article.append(h('p', { class: 'viewer-banner' },
      `Showing the first 1 MiB${size != null ? ` of ${formatBytes(size)}` : ''}. The rest is not loaded.`));
  }
  if (!text.length) {
    article.append(h('div', { class: 'viewer-note' }, h('p', null, 'This file is empty.')));
  }
  article.append(h('div', { class: 'code-scroll', tabindex: '0', role: 'region', 'aria-label': `Contents of ${basename(path)}` },
    h('pre', { class: 'gutter', 'aria-hidden': 'true' }, numbers.join('\n')),
    h('pre', { id: 'file-content', class: 'code' }, text)));
  return article;
}
