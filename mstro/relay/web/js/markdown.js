// @ts-check
// A small Markdown renderer for model output. It parses into plain data (blocks and
// inlines) and builds DOM nodes with createElement and textContent: nothing is ever
// parsed as HTML, so `<script>` in the text stays text. Links are made only for
// http(s) URLs, and open in a new tab with rel="noopener noreferrer".
//
// Supported: paragraphs (single newlines kept), ATX headings, emphasis (* _ ** __ ***
// ~~), inline code, fenced and indented code blocks (highlighted by language),
// bullet, ordered and task lists (nested), blockquotes, horizontal rules, GitHub
// tables, [text](url) links, <https://…> and bare https:// URLs. Raw HTML is text.

import { highlight, languageClass } from './highlight.js';

const MAX_DEPTH = 12; // nesting of blocks and inlines
const SEARCH_LIMIT = 2000; // how far an emphasis or link looks for its end
const ESCAPABLE = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;

/**
 * An inline node: text, code, em, strong, del, link {href, c}.
 * @typedef {{t: 'text', v: string}
 *   | {t: 'code', v: string}
 *   | {t: 'em' | 'strong' | 'del', c: Inline[]}
 *   | {t: 'link', href: string, image?: boolean, c: Inline[]}} Inline
 */

/**
 * A block: paragraph, heading, horizontal rule, block quote, list, table or code.
 * Table cells are lists of inlines; `aligns` holds '', 'left', 'center' or 'right'.
 * @typedef {{t: 'p', c: Inline[]}
 *   | {t: 'h', level: number, c: Inline[]}
 *   | {t: 'hr'}
 *   | {t: 'quote', c: Block[]}
 *   | {t: 'list', ordered: boolean, start: number, loose: boolean, items: ListItem[]}
 *   | {t: 'table', aligns: string[], head: Inline[][], rows: Inline[][][]}
 *   | {t: 'code', lang: string, text: string, closed: boolean}} Block
 */

/**
 * One item of a list: `task` is null, or whether its task box is checked.
 * @typedef {{task: boolean | null, blocks: Block[]}} ListItem
 */

// ---------------------------------------------------------------- lines

/**
 * @param {string} line
 * @returns {boolean}
 */
function isBlank(line) {
  return /^[ \t]*$/.test(line);
}

/**
 * Columns of leading white space (a tab counts to the next multiple of 4).
 * @param {string} line
 * @returns {number}
 */
function indentOf(line) {
  let col = 0;
  for (const ch of line) {
    if (ch === ' ') col += 1;
    else if (ch === '\t') col += 4 - (col % 4);
    else break;
  }
  return col;
}

/**
 * Remove up to `n` columns of leading white space.
 * @param {string} line
 * @param {number} n
 * @returns {string}
 */
function stripIndent(line, n) {
  let col = 0;
  let i = 0;
  while (i < line.length && col < n) {
    const ch = line[i];
    if (ch === ' ') col += 1;
    else if (ch === '\t') {
      const next = col + 4 - (col % 4);
      if (next > n) return ' '.repeat(next - n) + line.slice(i + 1);
      col = next;
    } else break;
    i += 1;
  }
  return line.slice(i);
}

const FENCE = /^( {0,3})(`{3,}|~{3,})[ \t]*(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR = /^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const BULLET = /^( {0,3})([-*+])([ \t]+|$)(.*)$/;
const ORDERED = /^( {0,3})(\d{1,9})([.)])([ \t]+|$)(.*)$/;
const TABLE_SEP = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

/**
 * The opening of a fenced code block, or null.
 * @param {string} line
 * @returns {{indent: number, char: string, len: number, lang: string} | null}
 */
function fenceStart(line) {
  const m = FENCE.exec(line);
  if (!m) return null;
  const info = m[3].trim();
  if (m[2][0] === '`' && info.includes('`')) return null;
  return { indent: m[1].length, char: m[2][0], len: m[2].length, lang: info.split(/[\s{,]/)[0] || '' };
}

/**
 * A list item's marker.
 * @typedef {{
 *   ordered: boolean, kind: string, indent: number, contentIndent: number,
 *   text: string, start: number,
 * }} ListMarker
 */

/**
 * The list marker `line` starts with, or null.
 * @param {string} line
 * @returns {ListMarker | null}
 */
function listMarker(line) {
  let m = BULLET.exec(line);
  if (m && !HR.test(line)) {
    const spacing = m[3].length;
    return {
      ordered: false,
      kind: m[2],
      indent: m[1].length,
      contentIndent: m[1].length + 1 + (spacing >= 1 && spacing <= 4 ? spacing : 1),
      text: spacing > 4 ? m[3].slice(1) + m[4] : m[4],
      start: 1,
    };
  }
  m = ORDERED.exec(line);
  if (m) {
    const spacing = m[4].length;
    return {
      ordered: true,
      kind: m[3],
      indent: m[1].length,
      contentIndent: m[1].length + m[2].length + 1 + (spacing >= 1 && spacing <= 4 ? spacing : 1),
      text: spacing > 4 ? m[4].slice(1) + m[5] : m[5],
      start: Number.parseInt(m[2], 10),
    };
  }
  return null;
}

/**
 * @param {string[]} lines
 * @param {number} i
 * @returns {boolean}
 */
function isTableStart(lines, i) {
  return i + 1 < lines.length && lines[i].includes('|') && lines[i + 1].includes('|')
    && TABLE_SEP.test(lines[i + 1]) && !isBlank(lines[i]);
}

/**
 * Can `line` start a block that interrupts a paragraph?
 * @param {string[]} lines
 * @param {number} i
 * @returns {boolean}
 */
function interrupts(lines, i) {
  const line = lines[i];
  if (fenceStart(line) || HEADING.test(line) || HR.test(line) || QUOTE.test(line)) return true;
  const mk = listMarker(line);
  if (mk && mk.text.trim() !== '' && (!mk.ordered || mk.start === 1)) return true;
  return isTableStart(lines, i);
}

/**
 * The cells of a table row.
 * @param {string} line
 * @returns {string[]}
 */
function splitRow(line) {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells = [];
  let cur = '';
  let inCode = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && s[i + 1] === '|') {
      cur += '|';
      i += 1;
    } else if (ch === '`') {
      inCode = !inCode;
      cur += ch;
    } else if (ch === '|' && !inCode) {
      cells.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  cells.push(cur.trim());
  return cells;
}

// ---------------------------------------------------------------- blocks

/**
 * Markdown text → blocks (plain data).
 * @param {string | null | undefined} text
 * @returns {Block[]}
 */
export function parseMarkdown(text) {
  const src = String(text ?? '').replace(/\r\n?/g, '\n').replace(/\u0000/g, '\uFFFD');
  return parseBlocks(src.split('\n'), 0);
}

/**
 * @param {string[]} lines
 * @param {number} depth
 * @returns {Block[]}
 */
function parseBlocks(lines, depth) {
  if (depth > MAX_DEPTH) {
    return [{ t: 'p', c: [{ t: 'text', v: lines.join('\n') }] }];
  }
  /** @type {Block[]} */
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i += 1;
      continue;
    }

    const fence = fenceStart(line);
    if (fence) {
      const body = [];
      i += 1;
      let closed = false;
      while (i < lines.length) {
        const l = lines[i];
        const trimmed = l.replace(/^ {0,3}/, '');
        if (trimmed[0] === fence.char) {
          let run = 0;
          while (trimmed[run] === fence.char) run += 1;
          if (run >= fence.len && isBlank(trimmed.slice(run))) {
            closed = true;
            i += 1;
            break;
          }
        }
        body.push(stripIndent(l, fence.indent));
        i += 1;
      }
      blocks.push({ t: 'code', lang: fence.lang, text: body.join('\n'), closed });
      continue;
    }

    let m = HEADING.exec(line);
    if (m) {
      blocks.push({ t: 'h', level: m[1].length, c: parseInline(m[2] || '', depth) });
      i += 1;
      continue;
    }

    if (HR.test(line)) {
      blocks.push({ t: 'hr' });
      i += 1;
      continue;
    }

    if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length) {
        m = QUOTE.exec(lines[i]);
        if (m) inner.push(m[1]);
        else if (!isBlank(lines[i]) && inner.length && !isBlank(inner[inner.length - 1]) && !interrupts(lines, i)) {
          inner.push(lines[i]); // a lazy continuation of the quoted paragraph
        } else break;
        i += 1;
      }
      blocks.push({ t: 'quote', c: parseBlocks(inner, depth + 1) });
      continue;
    }

    if (listMarker(line)) {
      const [list, next] = parseList(lines, i, depth);
      blocks.push(list);
      i = next;
      continue;
    }

    if (isTableStart(lines, i)) {
      const head = splitRow(lines[i]);
      const aligns = splitRow(lines[i + 1]).map((cell) => {
        const left = cell.startsWith(':');
        const right = cell.endsWith(':');
        return left && right ? 'center' : right ? 'right' : left ? 'left' : '';
      });
      i += 2;
      const rows = [];
      while (i < lines.length && !isBlank(lines[i]) && lines[i].includes('|')) {
        rows.push(splitRow(lines[i]));
        i += 1;
      }
      const width = head.length;
      const fit = (/** @type {string[]} */ cells) => {
        const out = cells.slice(0, width);
        while (out.length < width) out.push('');
        return out.map((cell) => parseInline(cell, depth));
      };
      blocks.push({ t: 'table', aligns: aligns.slice(0, width), head: fit(head), rows: rows.map(fit) });
      continue;
    }

    if (indentOf(line) >= 4) {
      const body = [];
      while (i < lines.length && (isBlank(lines[i]) || indentOf(lines[i]) >= 4)) {
        body.push(stripIndent(lines[i], 4));
        i += 1;
      }
      while (body.length && isBlank(body[body.length - 1])) body.pop();
      blocks.push({ t: 'code', lang: '', text: body.join('\n'), closed: true });
      continue;
    }

    // A paragraph: up to a blank line or a block that interrupts it.
    const para = [line];
    i += 1;
    while (i < lines.length && !isBlank(lines[i]) && !interrupts(lines, i)) {
      para.push(lines[i]);
      i += 1;
    }
    const textOf = para.map((l) => l.replace(/^[ \t]+/, '').replace(/(?:[ \t]+|\\)$/, '')).join('\n');
    blocks.push({ t: 'p', c: parseInline(textOf, depth) });
  }
  return blocks;
}

/**
 * @param {ListMarker} a
 * @param {ListMarker} b
 * @returns {boolean}
 */
function sameList(a, b) {
  return a.ordered === b.ordered && a.kind === b.kind;
}

/**
 * The list starting at `lines[start]` (a line with a list marker), and the index of
 * the line after it.
 * @param {string[]} lines
 * @param {number} start
 * @param {number} depth
 * @returns {[Block, number]}
 */
function parseList(lines, start, depth) {
  const first = /** @type {ListMarker} */ (listMarker(lines[start])); // the caller saw one
  /** @type {ListItem[]} */
  const items = [];
  let loose = false;
  let i = start;
  while (i < lines.length) {
    const mk = listMarker(lines[i]);
    if (!mk || !sameList(mk, first) || mk.indent > first.indent + 3) break;
    const itemLines = [mk.text];
    i += 1;
    let sawBlank = false;
    while (i < lines.length) {
      const l = lines[i];
      if (isBlank(l)) {
        itemLines.push('');
        sawBlank = true;
        i += 1;
        continue;
      }
      if (indentOf(l) >= mk.contentIndent) {
        itemLines.push(stripIndent(l, mk.contentIndent));
        i += 1;
        continue;
      }
      if (sawBlank || listMarker(l) || interrupts(lines, i)) break;
      itemLines.push(l.replace(/^[ \t]+/, '')); // lazy continuation
      i += 1;
    }
    let trailing = 0;
    while (itemLines.length > 1 && isBlank(itemLines[itemLines.length - 1])) {
      itemLines.pop();
      trailing += 1;
    }
    /** @type {boolean | null} */
    let task = null;
    const t = /^\[([ xX])\][ \t]+/.exec(itemLines[0]);
    if (t) {
      task = t[1] !== ' ';
      itemLines[0] = itemLines[0].slice(t[0].length);
    }
    const blocks = parseBlocks(itemLines, depth + 1);
    if (blocks.filter((b) => b.t === 'p').length > 1) loose = true;
    items.push({ task, blocks });
    const next = i < lines.length ? listMarker(lines[i]) : null;
    if (trailing > 0) {
      if (next && sameList(next, first) && next.indent <= first.indent + 3) loose = true;
      else break;
    }
  }
  return [{ t: 'list', ordered: first.ordered, start: first.start, loose, items }, i];
}

// ---------------------------------------------------------------- inlines

/**
 * A link target we are willing to open: http(s) only, normalised; else null.
 * @param {string | null | undefined} href
 * @returns {string | null}
 */
export function safeHref(href) {
  const s = String(href ?? '').trim();
  if (!/^https?:\/\//i.test(s)) return null;
  try {
    const url = new URL(s);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!url.hostname) return null;
    return url.href;
  } catch {
    return null;
  }
}

/**
 * Trailing punctuation is not part of a bare URL ("see https://a.b/c." → no dot).
 * @param {string} url
 * @returns {string}
 */
function trimBareUrl(url) {
  let u = url;
  for (;;) {
    const last = u[u.length - 1];
    if (/[.,;:!?'"*_~]/.test(last)) {
      u = u.slice(0, -1);
    } else if (last === ')' || last === ']') {
      const open = last === ')' ? '(' : '[';
      const opens = u.split(open).length - 1;
      const closes = u.split(last).length - 1;
      if (closes > opens) u = u.slice(0, -1);
      else break;
    } else break;
  }
  return u;
}

/**
 * The length of the run of backticks at `src[i]`.
 * @param {string} src
 * @param {number} i
 * @returns {number}
 */
function backtickRun(src, i) {
  let n = 0;
  while (src[i + n] === '`') n += 1;
  return n;
}

/**
 * The index of a closing run of exactly `n` backticks at or after `from`, or -1.
 * @param {string} src
 * @param {number} from
 * @param {number} n
 * @returns {number}
 */
function findBackticks(src, from, n) {
  let k = src.indexOf('`', from);
  while (k >= 0) {
    const run = backtickRun(src, k);
    if (run === n) return k;
    k = src.indexOf('`', k + run);
  }
  return -1;
}

/**
 * For each "[" the index of its "]" (escapes skipped), computed once: -1 if none.
 * @param {string} src
 * @returns {Map<number, number>}
 */
function bracketPairs(src) {
  /** @type {Map<number, number>} */
  const pairs = new Map();
  /** @type {number[]} */
  const stack = [];
  for (let k = 0; k < src.length; k++) {
    const c = src[k];
    if (c === '\\') k += 1;
    else if (c === '[') stack.push(k);
    else if (c === ']' && stack.length) pairs.set(/** @type {number} */ (stack.pop()), k);
  }
  return pairs;
}

/**
 * What parseInline knows about its text, computed when first needed.
 * @typedef {{
 *   src: string,
 *   brackets: Map<number, number> | null,
 *   runs: DelimiterRun[] | null,
 *   closers: Map<string, number[]>,
 * }} InlineContext
 */

/**
 * A link `[text](href "title")` at `ctx.src[i]`, or null.
 * @param {InlineContext} ctx
 * @param {number} i
 * @returns {{text: string, href: string, end: number} | null}
 */
function parseLinkAt(ctx, i) {
  // src[i] === '['
  const src = ctx.src;
  if (!ctx.brackets) ctx.brackets = bracketPairs(src);
  const k = ctx.brackets.has(i) ? /** @type {number} */ (ctx.brackets.get(i)) : -1;
  if (k < 0 || k - i > SEARCH_LIMIT || src[k + 1] !== '(') return null;
  const text = src.slice(i + 1, k);
  let p = k + 2;
  while (src[p] === ' ' || src[p] === '\t' || src[p] === '\n') p += 1;
  let href = '';
  if (src[p] === '<') {
    const end = src.indexOf('>', p);
    if (end < 0 || end - p > SEARCH_LIMIT) return null;
    href = src.slice(p + 1, end);
    p = end + 1;
  } else {
    let parens = 0;
    const start = p;
    for (; p < src.length && p - start < SEARCH_LIMIT; p++) {
      const c = src[p];
      if (c === '\\') {
        p += 1;
      } else if (/\s/.test(c)) {
        break;
      } else if (c === '(') {
        parens += 1;
      } else if (c === ')') {
        if (parens === 0) break;
        parens -= 1;
      }
    }
    href = src.slice(start, p);
  }
  while (src[p] === ' ' || src[p] === '\t' || src[p] === '\n') p += 1;
  if (src[p] === '"' || src[p] === "'") {
    const end = src.indexOf(src[p], p + 1);
    if (end < 0) return null;
    p = end + 1;
    while (src[p] === ' ' || src[p] === '\t') p += 1;
  }
  if (src[p] !== ')') return null;
  return { text, href, end: p + 1 };
}

const WORDCHAR = /[\p{L}\p{N}]/u;

/**
 * Where an emphasis with `delim` ("*", "**", "***", "_", "__", "~~") could close:
 * the sorted positions of every delimiter run (outside code spans, not escaped) that
 * follows a non-space character. Whether a run closes does not depend on where the
 * emphasis opened, so this is computed once per text and searched with a bisection:
 * no quadratic rescans on hostile input.
 * @param {InlineContext} ctx
 * @param {string} delim
 * @returns {number[]}
 */
function closersFor(ctx, delim) {
  let list = ctx.closers.get(delim);
  if (list) return list;
  if (!ctx.runs) ctx.runs = delimiterRuns(ctx.src);
  const ch = delim[0];
  const src = ctx.src;
  list = [];
  for (const { at, ch: c, len } of ctx.runs) {
    if (c !== ch) continue;
    const before = src[at - 1];
    if (!before || /\s/.test(before)) continue;
    if (len === delim.length) {
      const after = src[at + len];
      if (!(ch === '_' && after && WORDCHAR.test(after))) list.push(at);
    } else if (delim.length === 2 && len === 3) {
      list.push(at + 1); // "**a *b***"
    } else if (delim.length === 1 && len === 3) {
      list.push(at + 2); // "*a **b***"
    }
  }
  ctx.closers.set(delim, list);
  return list;
}

/**
 * A run of `len` emphasis characters `ch` at `at`.
 * @typedef {{at: number, ch: string, len: number}} DelimiterRun
 */

/**
 * @param {string} src
 * @returns {DelimiterRun[]}
 */
function delimiterRuns(src) {
  /** @type {DelimiterRun[]} */
  const runs = [];
  let k = 0;
  while (k < src.length) {
    const c = src[k];
    if (c === '\\') {
      k += 2;
    } else if (c === '`') {
      const run = backtickRun(src, k);
      const end = findBackticks(src, k + run, run);
      k = end < 0 ? k + run : end + run;
    } else if (c === '*' || c === '_' || c === '~') {
      let len = 0;
      while (src[k + len] === c) len += 1;
      runs.push({ at: k, ch: c, len });
      k += len;
    } else {
      k += 1;
    }
  }
  return runs;
}

/**
 * The index of the closing `delim` for an emphasis whose text starts at `from`, or -1.
 * @param {InlineContext} ctx
 * @param {number} from
 * @param {string} delim
 * @returns {number}
 */
function findCloser(ctx, from, delim) {
  const list = closersFor(ctx, delim);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] <= from) lo = mid + 1;
    else hi = mid;
  }
  const k = lo < list.length ? list[lo] : -1;
  return k >= 0 && k - from <= SEARCH_LIMIT ? k : -1;
}

/**
 * An emphasis (em, strong, del) opening at `ctx.src[i]`, and where it ends; or null.
 * @param {InlineContext} ctx
 * @param {number} i
 * @param {number} depth
 * @returns {{node: Inline, end: number} | null}
 */
function parseEmphasis(ctx, i, depth) {
  const src = ctx.src;
  const ch = src[i];
  let run = 0;
  while (src[i + run] === ch) run += 1;
  if (ch === '~' && run !== 2) return null;
  if (ch === '_' && i > 0 && WORDCHAR.test(src[i - 1])) return null; // snake_case
  const after = src[i + run];
  if (!after || /\s/.test(after)) return null;

  if (run === 3 && ch !== '~') {
    const delim = ch.repeat(3);
    const end = findCloser(ctx, i + 3, delim);
    if (end > i + 3 && src.slice(end, end + 3) === delim) {
      const inner = parseInline(src.slice(i + 3, end), depth + 1);
      return { node: { t: 'strong', c: [{ t: 'em', c: inner }] }, end: end + 3 };
    }
  }
  const len = ch === '~' ? 2 : Math.min(run, 2);
  const delim = ch.repeat(len);
  const end = findCloser(ctx, i + len, delim);
  if (end < 0 || end <= i + len) return null;
  const inner = parseInline(src.slice(i + len, end), depth + 1);
  const t = ch === '~' ? 'del' : len === 2 ? 'strong' : 'em';
  return { node: { t, c: inner }, end: end + len };
}

const AUTOLINK = /<(https?:\/\/[^\s<>]{1,2048})>/iy;
const BARE_URL = /https?:\/\/[^\s<>"`]{1,2048}/iy;

/**
 * Inline Markdown → nodes: text, code, em, strong, del, link {href, c}.
 * @param {string | null | undefined} src
 * @param {number} [depth]
 * @returns {Inline[]}
 */
export function parseInline(src, depth = 0) {
  const text = String(src ?? '');
  if (depth > MAX_DEPTH) return text ? [{ t: 'text', v: text }] : [];
  /** @type {InlineContext} */
  const ctx = { src: text, brackets: null, runs: null, closers: new Map() };
  /** @type {Inline[]} */
  const out = [];
  let buf = '';
  const flush = () => {
    if (buf) {
      out.push({ t: 'text', v: buf });
      buf = '';
    }
  };
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < n && ESCAPABLE.test(text[i + 1])) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === '`') {
      const run = backtickRun(text, i);
      const end = findBackticks(text, i + run, run);
      if (end < 0) {
        buf += '`'.repeat(run);
        i += run;
        continue;
      }
      let code = text.slice(i + run, end).replace(/\n/g, ' ');
      if (code.length > 2 && code[0] === ' ' && code[code.length - 1] === ' ' && code.trim()) code = code.slice(1, -1);
      flush();
      out.push({ t: 'code', v: code });
      i = end + run;
      continue;
    }
    if ((ch === '[') || (ch === '!' && text[i + 1] === '[')) {
      const image = ch === '!';
      const link = parseLinkAt(ctx, image ? i + 1 : i);
      if (link) {
        flush();
        /** @type {Inline[]} */
        const children = image
          ? [{ t: 'text', v: link.text || 'image' }]
          : parseInline(link.text, depth + 1);
        out.push({ t: 'link', href: link.href, image, c: children });
        i = link.end;
        continue;
      }
    }
    if (ch === '<') {
      AUTOLINK.lastIndex = i;
      const m = AUTOLINK.exec(text);
      if (m) {
        flush();
        out.push({ t: 'link', href: m[1], c: [{ t: 'text', v: m[1] }] });
        i += m[0].length;
        continue;
      }
    }
    if ((ch === 'h' || ch === 'H') && (i === 0 || !/[\p{L}\p{N}_/:.@-]/u.test(text[i - 1]))) {
      BARE_URL.lastIndex = i;
      const m = BARE_URL.exec(text);
      if (m) {
        const url = trimBareUrl(m[0]);
        if (url.length > 8) {
          flush();
          out.push({ t: 'link', href: url, c: [{ t: 'text', v: url }] });
          i += url.length;
          continue;
        }
      }
    }
    if (ch === '*' || ch === '_' || ch === '~') {
      const em = parseEmphasis(ctx, i, depth);
      if (em) {
        flush();
        out.push(em.node);
        i = em.end;
        continue;
      }
      let run = 0;
      while (text[i + run] === ch) run += 1;
      buf += ch.repeat(run);
      i += run;
      continue;
    }
    buf += ch;
    i += 1;
  }
  flush();
  return out;
}

// ---------------------------------------------------------------- DOM

/**
 * @param {Document} doc
 * @param {string} tag
 * @param {string} [cls] the class name, if any
 * @returns {HTMLElement}
 */
function el(doc, tag, cls) {
  const node = doc.createElement(tag);
  if (cls) node.className = cls;
  return node;
}

/**
 * @param {Inline[]} nodes
 * @param {Node} parent
 * @param {Document} doc
 */
function renderInlines(nodes, parent, doc) {
  for (const node of nodes) {
    switch (node.t) {
      case 'text':
        parent.appendChild(doc.createTextNode(node.v));
        break;
      case 'code': {
        const code = el(doc, 'code', 'md-inline-code');
        code.textContent = node.v;
        parent.appendChild(code);
        break;
      }
      case 'em':
      case 'strong':
      case 'del': {
        const span = el(doc, node.t);
        renderInlines(node.c, span, doc);
        parent.appendChild(span);
        break;
      }
      case 'link': {
        const href = safeHref(node.href);
        if (href) {
          const a = el(doc, 'a', node.image ? 'md-link md-image-link' : 'md-link');
          a.setAttribute('href', href);
          a.setAttribute('target', '_blank');
          a.setAttribute('rel', 'noopener noreferrer');
          a.setAttribute('referrerpolicy', 'no-referrer');
          a.setAttribute('title', href);
          renderInlines(node.c, a, doc);
          parent.appendChild(a);
        } else {
          // Not a link we open (javascript:, data:, relative…): its text only.
          const span = el(doc, 'span', 'md-unsafe-link');
          renderInlines(node.c, span, doc);
          parent.appendChild(span);
        }
        break;
      }
      default:
        break;
    }
  }
}

/** @type {Record<string, string>} */
const ALIGN_CLASS = { left: 'align-left', center: 'align-center', right: 'align-right' };

/**
 * @typedef {{copy?: boolean}} RenderOptions `copy`: Copy buttons on code blocks
 */

/**
 * @param {Block} block
 * @param {Document} doc
 * @param {RenderOptions} opts
 * @returns {Node}
 */
function renderBlock(block, doc, opts) {
  switch (block.t) {
    case 'p': {
      const p = el(doc, 'p');
      renderInlines(block.c, p, doc);
      return p;
    }
    case 'h': {
      // Inside a transcript: h1 → h3 … so the page outline keeps its own h1/h2.
      const level = Math.min(6, block.level + 2);
      const h = el(doc, `h${level}`, `md-h md-h${block.level}`);
      renderInlines(block.c, h, doc);
      return h;
    }
    case 'hr':
      return el(doc, 'hr');
    case 'quote': {
      const q = el(doc, 'blockquote');
      for (const child of block.c) q.appendChild(renderBlock(child, doc, opts));
      return q;
    }
    case 'list': {
      const list = el(doc, block.ordered ? 'ol' : 'ul', block.loose ? 'md-list loose' : 'md-list');
      if (block.ordered && block.start !== 1) list.setAttribute('start', String(block.start));
      for (const item of block.items) {
        const li = el(doc, 'li');
        if (item.task !== null) {
          li.className = 'task';
          const box = el(doc, 'input');
          box.setAttribute('type', 'checkbox');
          box.setAttribute('disabled', '');
          if (item.task) box.setAttribute('checked', '');
          box.setAttribute('aria-label', item.task ? 'done' : 'not done');
          li.appendChild(box);
        }
        item.blocks.forEach((child, idx) => {
          if (!block.loose && idx === 0 && child.t === 'p') renderInlines(child.c, li, doc);
          else li.appendChild(renderBlock(child, doc, opts));
        });
        list.appendChild(li);
      }
      return list;
    }
    case 'table': {
      const wrap = el(doc, 'div', 'md-table-wrap');
      const table = el(doc, 'table', 'md-table');
      const thead = el(doc, 'thead');
      const headRow = el(doc, 'tr');
      block.head.forEach((cell, i) => {
        const th = el(doc, 'th', ALIGN_CLASS[block.aligns[i]] || '');
        th.setAttribute('scope', 'col');
        renderInlines(cell, th, doc);
        headRow.appendChild(th);
      });
      thead.appendChild(headRow);
      table.appendChild(thead);
      const tbody = el(doc, 'tbody');
      for (const row of block.rows) {
        const tr = el(doc, 'tr');
        row.forEach((cell, i) => {
          const td = el(doc, 'td', ALIGN_CLASS[block.aligns[i]] || '');
          renderInlines(cell, td, doc);
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      }
      table.appendChild(tbody);
      wrap.appendChild(table);
      return wrap;
    }
    case 'code':
      return renderCodeBlock(block.text, block.lang, doc, opts);
    default:
      return doc.createTextNode('');
  }
}

/**
 * A code block: <div.md-codeblock> with a header (language, Copy) and <pre><code>.
 * @param {string} text
 * @param {string} lang "" if none
 * @param {Document} [doc]
 * @param {RenderOptions} [opts]
 * @returns {HTMLElement}
 */
export function renderCodeBlock(text, lang, doc = globalThis.document, opts = {}) {
  const wrap = el(doc, 'div', 'md-codeblock');
  if (lang || opts.copy) {
    const head = el(doc, 'div', 'md-code-head');
    const label = el(doc, 'span', 'md-code-lang');
    label.textContent = lang || '';
    head.appendChild(label);
    if (opts.copy) {
      const button = el(doc, 'button', 'md-copy');
      button.setAttribute('type', 'button');
      button.textContent = 'Copy';
      button.setAttribute('aria-label', lang ? `Copy ${lang} code` : 'Copy code');
      if (typeof button.addEventListener === 'function') {
        button.addEventListener('click', () => copyText(text, button));
      }
      head.appendChild(button);
    }
    wrap.appendChild(head);
  }
  const pre = el(doc, 'pre', 'md-pre');
  const code = el(doc, 'code', languageClass(lang));
  code.appendChild(highlight(text, lang, doc));
  pre.appendChild(code);
  wrap.appendChild(pre);
  return wrap;
}

/**
 * @param {string} text
 * @param {HTMLElement} button
 */
function copyText(text, button) {
  const done = (/** @type {string} */ label) => {
    button.textContent = label;
    setTimeout(() => {
      button.textContent = 'Copy';
    }, 1500);
  };
  try {
    navigator.clipboard.writeText(text).then(() => done('Copied'), () => done('Copy failed'));
  } catch {
    done('Copy failed');
  }
}

/**
 * Markdown text → a DocumentFragment. Options: `doc` (a document; the page's by
 * default), `copy` (Copy buttons on code blocks).
 * @param {string | null | undefined} text
 * @param {{doc?: Document} & RenderOptions} [options]
 * @returns {DocumentFragment}
 */
export function renderMarkdown(text, { doc = globalThis.document, copy = false } = {}) {
  const frag = doc.createDocumentFragment();
  for (const block of parseMarkdown(text)) frag.appendChild(renderBlock(block, doc, { copy }));
  return frag;
}
