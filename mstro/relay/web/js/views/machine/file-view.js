// @ts-check
// A file in the viewer (#file-view[data-path]): its name, size and line count, then
// its text with line numbers (#file-content, highlighted by its language), or a note
// for a binary, an empty or a special file, and a banner when only the first MiB was
// sent. A Markdown file is shown rendered (#file-preview) with Preview / Source to
// switch. A file that likely holds secrets (file-kinds.js) is shown under a warning
// (#secret-warning) saying so, for the owner and for a viewer alike.
//
// What comes from the machine goes in as text: the highlighter and the Markdown
// renderer build nodes with textContent, never HTML.

import { h, formatBytes, formatNumber, basename } from '../../dom.js';
import { highlight } from '../../highlight.js';
import { renderMarkdown } from '../../markdown.js';
import { languageForPath, isMarkdown, likelySecret } from './file-kinds.js';

/** Markdown longer than this is shown as source only (rendering it would stall the page). */
const MAX_PREVIEW = 300000;

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

/** The warning over a file that likely holds secrets. @param {string} path */
function secretWarning(path) {
  return h('div', { id: 'secret-warning', class: 'viewer-banner secret-warning', role: 'note' },
    h('strong', null, `“${basename(path)}” may contain secrets`),
    ' (keys, passwords, tokens). Its contents have been sent from the machine to this browser and are shown below; anyone this machine is shared with can open it too.');
}

/**
 * Preview / Source for a Markdown file.
 * @param {boolean} preview
 * @param {(preview: boolean) => void} onChange
 */
function markdownSwitch(preview, onChange) {
  const previewButton = h('button', { id: 'md-preview', type: 'button', class: 'pane-btn', 'aria-pressed': String(preview) }, 'Preview');
  const sourceButton = h('button', { id: 'md-source', type: 'button', class: 'pane-btn', 'aria-pressed': String(!preview) }, 'Source');
  previewButton.addEventListener('click', () => onChange(true));
  sourceButton.addEventListener('click', () => onChange(false));
  return h('div', { class: 'pane-switch view-switch', role: 'group', 'aria-label': 'Show the file as' }, previewButton, sourceButton);
}

/**
 * A file as `readFile` answered it. Options: `preview` (a Markdown file opens
 * rendered; false: as source) and `onPreview(preview)`, told when the reader switches.
 * @param {string} path
 * @param {any} data a FileContent, read field by field
 * @param {{preview?: boolean, onPreview?: (preview: boolean) => void}} [options]
 * @returns {HTMLElement}
 */
export function renderFile(path, data, { preview = true, onPreview } = {}) {
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

  const head = fileHead(path, size, `${formatNumber(lines)} ${lines === 1 ? 'line' : 'lines'}`);
  article.append(head);
  if (likelySecret(path)) article.append(secretWarning(path));
  if (data.truncated) {
    article.append(h('p', { class: 'viewer-banner' },
      `Showing the first 1 MiB${size != null ? ` of ${formatBytes(size)}` : ''}. The rest is not loaded.`));
  }
  if (!text.length) {
    article.append(h('div', { class: 'viewer-note' }, h('p', null, 'This file is empty.')));
  }
  const language = languageForPath(path);
  const code = h('pre', { id: 'file-content', class: 'code', 'data-language': language });
  code.append(highlight(text, language));
  const source = h('div', { class: 'code-scroll', tabindex: '0', role: 'region', 'aria-label': `Contents of ${basename(path)}` },
    h('pre', { class: 'gutter', 'aria-hidden': 'true' }, numbers.join('\n')),
    code);
  article.append(source);

  if (isMarkdown(path) && text.length && text.length <= MAX_PREVIEW) {
    const rendered = h('div', { id: 'file-preview', class: 'md file-preview', role: 'region', 'aria-label': `${basename(path)}, rendered` });
    rendered.append(renderMarkdown(text, { copy: true }));
    article.append(rendered);
    let shown = preview;
    const show = (p) => {
      shown = p;
      rendered.hidden = !p;
      source.hidden = p;
      for (const b of toggle.querySelectorAll('button')) b.setAttribute('aria-pressed', String((b.id === 'md-preview') === p));
    };
    const toggle = markdownSwitch(shown, (p) => {
      show(p);
      if (onPreview) onPreview(p);
    });
    head.append(toggle);
    show(shown);
  }
  return article;
}
