// @ts-check
// Small DOM and formatting helpers. Everything goes through createElement and
// textContent: nothing here ever parses HTML, so names and file contents from the
// server can't inject markup.

const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'htmlFor']);
const FORBIDDEN = new Set(['style', 'innerHTML', 'outerHTML', 'srcdoc']);

/**
 * A child for h(), append() and setChildren(): a node, a string or number (as text),
 * or an array of children; null, undefined and false are skipped. (Two typedefs: a
 * JSDoc alias can refer to itself only through another alias.)
 * @typedef {Node | string | number | boolean | null | undefined | ChildList} Child
 * @typedef {ReadonlyArray<Child>} ChildList
 */

/**
 * The attributes of h(): `class` (a string), `text`, on* handlers, the properties in
 * PROPS, anything else set as an attribute (true → "", else String(value)).
 * @typedef {{class?: string | null | false, [key: string]: unknown}} Attrs
 */

/**
 * h('a', {class: 'x', href: '#/', onClick: fn, 'data-id': 1}, 'text', child, [more])
 * Attributes: `class`, `text`, on* handlers (addEventListener), a few properties,
 * everything else through setAttribute. null/undefined/false values are skipped.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value == null || value === false) continue;
      if (FORBIDDEN.has(key)) throw new Error(`h(): "${key}" is not allowed`);
      if (key === 'class') el.className = /** @type {string} */ (value);
      else if (key === 'text') el.textContent = String(value);
      else if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
      } else if (PROPS.has(key)) /** @type {Record<string, unknown>} */ (el)[key] = value;
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * Append children (nodes, strings, numbers, nested arrays; null/false skipped).
 * @template {ParentNode} E
 * @param {E} el
 * @param {ReadonlyArray<Child>} children
 * @returns {E}
 */
export function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/**
 * Replace all children of `el`.
 * @template {ParentNode} E
 * @param {E} el
 * @param {...Child} children
 * @returns {E}
 */
export function setChildren(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/**
 * Inline code, e.g. a command.
 * @param {string} text
 */
export function code(text) {
  return h('code', null, text);
}

/**
 * An error message element: `.error[role=alert]`.
 * @param {Child} message
 * @param {{code?: string | null, extra?: Child}} [options] `code` goes in data-code;
 *   `extra` is appended after the message
 */
export function errorBox(message, { code: errCode, extra } = {}) {
  const box = h('div', { class: 'error', role: 'alert', 'data-code': errCode || null });
  append(box, Array.isArray(message) ? message : [message]);
  if (extra) append(box, [extra]);
  return box;
}

/**
 * A short-lived status note (not an error).
 * @param {Child} message
 * @param {string} [cls] more classes
 */
export function note(message, cls = '') {
  return h('p', { class: `note ${cls}`.trim() }, message);
}

/**
 * A small spinner with accessible text.
 * @param {string} [label]
 */
export function spinner(label = 'Loading…') {
  return h('span', { class: 'spinner-wrap' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    h('span', { class: 'spinner-label' }, label));
}

// ---------------------------------------------------------------- formatting

/**
 * 1536 → "1.5 KiB".
 * @param {number | null | undefined} n
 * @returns {string} "" for anything but a finite non-negative number
 */
export function formatBytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return n === 1 ? '1 byte' : `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  const digits = value < 10 ? 1 : 0;
  return `${value.toFixed(digits)} ${units[i]}`;
}

/**
 * 12345 → "12,345" (locale grouping).
 * @param {number} n
 * @returns {string}
 */
export function formatNumber(n) {
  try {
    return new Intl.NumberFormat().format(n);
  } catch {
    return String(n);
  }
}

/**
 * A time from the server: an RFC 3339 string, Unix seconds or Unix milliseconds.
 * Returns a Date or null.
 * @typedef {string | number | null | undefined} TimeValue
 * @param {TimeValue} value
 * @returns {Date | null}
 */
export function parseTime(value) {
  if (value == null || value === '') return null;
  let date;
  if (typeof value === 'number') {
    date = new Date(value < 1e12 ? value * 1000 : value);
  } else if (typeof value === 'string' && /^\d+$/.test(value)) {
    const n = Number(value);
    date = new Date(n < 1e12 ? n * 1000 : n);
  } else {
    date = new Date(String(value));
  }
  return Number.isNaN(date.getTime()) ? null : date;
}

/** @type {Array<[Intl.RelativeTimeFormatUnit, number]>} */
const RELATIVE_STEPS = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/**
 * "3 minutes ago", "yesterday", "just now".
 * @param {Date | TimeValue} value
 * @param {number} [now] Unix milliseconds
 * @returns {string} "" for no time
 */
export function timeAgo(value, now = Date.now()) {
  const date = value instanceof Date ? value : parseTime(value);
  if (!date) return '';
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  let rtf;
  try {
    rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  } catch {
    return date.toLocaleString();
  }
  for (const [unit, size] of RELATIVE_STEPS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(Math.round(seconds / 60) || -1, 'minute');
}

/**
 * A full local date and time, for tooltips.
 * @param {Date | TimeValue} value
 * @returns {string} "" for no time
 */
export function formatDateTime(value) {
  const date = value instanceof Date ? value : parseTime(value);
  if (!date) return '';
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  } catch {
    return date.toLocaleString();
  }
}

/** @type {Record<string, string>} */
const OS_NAMES = {
  linux: 'Linux',
  macos: 'macOS',
  darwin: 'macOS',
  windows: 'Windows',
  freebsd: 'FreeBSD',
  openbsd: 'OpenBSD',
  netbsd: 'NetBSD',
  android: 'Android',
  ios: 'iOS',
};

/**
 * ("linux", "x86_64") → "Linux · x86_64".
 * @param {string | null | undefined} osType
 * @param {string | null | undefined} cpuArch
 * @returns {string}
 */
export function platformLabel(osType, cpuArch) {
  const os = typeof osType === 'string' && osType
    ? (OS_NAMES[osType.toLowerCase()] || osType)
    : '';
  const arch = typeof cpuArch === 'string' ? cpuArch : '';
  return [os, arch].filter(Boolean).join(' · ');
}

/**
 * The last component of a path ("/home/a/proj" → "proj").
 * @param {string | null | undefined} path
 * @returns {string}
 */
export function basename(path) {
  if (typeof path !== 'string' || !path) return '';
  const trimmed = path.replace(/[\\/]+$/, '');
  const parts = trimmed.split(/[\\/]/);
  return parts[parts.length - 1] || trimmed || path;
}

/**
 * "a/b/c" → "a/b"; "a" → "".
 * @param {string} path
 * @returns {string}
 */
export function parentPath(path) {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * Join a directory path and a name ("" + "a" → "a").
 * @param {string} dir
 * @param {string} name
 * @returns {string}
 */
export function joinPath(dir, name) {
  return dir ? `${dir}/${name}` : name;
}

/**
 * Encode a relative path for a URL fragment, segment by segment.
 * @param {string} path
 * @returns {string}
 */
export function encodePath(path) {
  return path.split('/').map(encodeURIComponent).join('/');
}
