// node --test mstro/relay/web/tests/
import test from 'node:test';
import assert from 'node:assert/strict';
import { Document, allElements, Element } from './dom-shim.mjs';
import { parseMarkdown, parseInline, renderMarkdown, safeHref } from '../js/markdown.js';

const ALLOWED_TAGS = new Set([
  'P', 'H3', 'H4', 'H5', 'H6', 'EM', 'STRONG', 'DEL', 'CODE', 'PRE', 'A', 'SPAN', 'UL', 'OL', 'LI',
  'BLOCKQUOTE', 'HR', 'DIV', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'INPUT', 'BUTTON',
]);
const ALLOWED_ATTRS = new Set(['class', 'href', 'target', 'rel', 'referrerpolicy', 'title', 'start', 'scope', 'type', 'disabled', 'checked', 'aria-label']);

function render(text) {
  const doc = new Document();
  const root = doc.createElement('div');
  root.appendChild(renderMarkdown(text, { doc, copy: true }));
  return root;
}

/** Every element is from the safe set, with safe attributes; every link is http(s). */
function assertSafe(root) {
  for (const el of allElements(root)) {
    assert.ok(ALLOWED_TAGS.has(el.tagName), `unexpected element <${el.tagName}>`);
    for (const name of el.attributes.keys()) {
      assert.ok(ALLOWED_ATTRS.has(name), `unexpected attribute ${name} on <${el.tagName}>`);
    }
    if (el.tagName === 'A') {
      assert.match(el.getAttribute('href'), /^https?:\/\//);
      assert.equal(el.getAttribute('rel'), 'noopener noreferrer');
      assert.equal(el.getAttribute('target'), '_blank');
    }
    if (el.tagName === 'INPUT') assert.equal(el.getAttribute('type'), 'checkbox');
  }
}

test('hostile HTML stays text', () => {
  const inputs = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    'a <iframe srcdoc="<script>alert(1)</script>"></iframe> b',
    '<a href="javascript:alert(1)">x</a>',
    '```html\n<script>alert(1)</script>\n```',
    '<style>body{display:none}</style>',
    '<svg onload=alert(1)>',
  ];
  for (const input of inputs) {
    const root = render(input);
    assertSafe(root);
    assert.ok(!allElements(root).some((el) => ['SCRIPT', 'IMG', 'IFRAME', 'STYLE', 'SVG'].includes(el.tagName)));
    assert.ok(root.textContent.includes('<'), `the markup is shown as text: ${input}`);
  }
  assert.equal(render('<script>alert(1)</script>').textContent, '<script>alert(1)</script>');
});

test('links only for http(s)', () => {
  const bad = [
    '[x](javascript:alert(1))',
    '[x](JAVASCRIPT:alert(1))',
    '[x]( javascript:alert(1) )',
    '[x](java\nscript:alert(1))',
    '[x](data:text/html,<script>alert(1)</script>)',
    '[x](vbscript:msgbox)',
    '[x](//evil.example/path)',
    '[x](/relative)',
    '[x](file:///etc/passwd)',
    '<javascript:alert(1)>',
    '![img](javascript:alert(1))',
    'javascript:alert(1)',
    '[x](https:/\\evil)',
  ];
  for (const input of bad) {
    const root = render(input);
    assertSafe(root);
    assert.equal(allElements(root).filter((el) => el.tagName === 'A').length, 0, `no link for ${JSON.stringify(input)}`);
  }
  for (const href of ['javascript:alert(1)', ' JavaScript:x', 'data:x', '', null, 'https://', 'mailto:a@b.c']) {
    assert.equal(safeHref(href), null, String(href));
  }
  assert.equal(safeHref('https://example.com/a b'), 'https://example.com/a%20b');

  const root = render('see [the docs](https://example.com/docs?a=1&b=2 "title") and https://example.org/x.');
  assertSafe(root);
  const links = allElements(root).filter((el) => el.tagName === 'A');
  assert.equal(links.length, 2);
  assert.equal(links[0].getAttribute('href'), 'https://example.com/docs?a=1&b=2');
  assert.equal(links[0].textContent, 'the docs');
  assert.equal(links[1].getAttribute('href'), 'https://example.org/x');
  assert.ok(root.textContent.endsWith('x.'), 'the full stop is not part of the URL');
});

test('blocks', () => {
  const blocks = parseMarkdown([
    '# Title',
    '',
    'A paragraph',
    'on two lines.',
    '',
    '- one',
    '- two',
    '  - nested',
    '- [x] done',
    '',
    '1. first',
    '2. second',
    '',
    '> quoted',
    '> more',
    '',
    '---',
    '',
    '```rust',
    'fn main() {}',
    '```',
    '',
    '| a | b |',
    '|:--|--:|',
    '| 1 | 2 |',
  ].join('\n'));
  assert.deepEqual(blocks.map((b) => b.t), ['h', 'p', 'list', 'list', 'quote', 'hr', 'code', 'table']);
  assert.equal(blocks[0].level, 1);
  assert.equal(blocks[2].items.length, 3);
  assert.equal(blocks[2].items[1].blocks[1].t, 'list', 'a nested list');
  assert.equal(blocks[2].items[2].task, true);
  assert.equal(blocks[3].ordered, true);
  assert.equal(blocks[6].lang, 'rust');
  assert.equal(blocks[6].text, 'fn main() {}');
  assert.deepEqual(blocks[7].aligns, ['left', 'right']);

  const root = render('# Title\n\n```rust\nfn main() { let x = "s"; } // c\n```\n\n1. a\n2. b');
  assertSafe(root);
  const h = root.querySelector('h3');
  assert.equal(h.textContent, 'Title', 'h1 is shown as h3 inside a transcript');
  const code = root.querySelector('pre code');
  assert.equal(code.className, 'language-rust');
  assert.equal(code.textContent, 'fn main() { let x = "s"; } // c');
  assert.ok(code.querySelector('.tok-kw'), 'keywords highlighted');
  assert.ok(code.querySelector('.tok-str'), 'strings highlighted');
  assert.ok(code.querySelector('.tok-com'), 'comments highlighted');
  assert.equal(root.querySelectorAll('ol li').length, 2);
});

test('an unclosed fence (streaming) is code to the end', () => {
  const blocks = parseMarkdown('text\n```js\nconst a = 1;\nconst b');
  assert.deepEqual(blocks.map((b) => b.t), ['p', 'code']);
  assert.equal(blocks[1].closed, false);
  assert.equal(blocks[1].text, 'const a = 1;\nconst b');
});

test('inlines', () => {
  const simple = (s) => parseInline(s).map((n) => n.t);
  assert.deepEqual(simple('a **b** c'), ['text', 'strong', 'text']);
  assert.deepEqual(simple('*em* and _em_'), ['em', 'text', 'em']);
  assert.deepEqual(simple('snake_case_name stays'), ['text'], 'no emphasis inside words');
  assert.deepEqual(simple('~~gone~~'), ['del']);
  assert.deepEqual(simple('`a*b*c`'), ['code'], 'no emphasis inside code');
  assert.deepEqual(simple('\\*not em\\*'), ['text']);
  assert.deepEqual(simple('2 * 3 * 4'), ['text'], 'spaced stars are not emphasis');
  const nested = parseInline('***both***');
  assert.equal(nested[0].t, 'strong');
  assert.equal(nested[0].c[0].t, 'em');
  assert.equal(parseInline('``a ` b``')[0].v, 'a ` b');
});

test('pathological input stays fast', () => {
  const inputs = [
    '*a '.repeat(20000),
    '_'.repeat(50000),
    '['.repeat(20000) + ']('.repeat(5000),
    '`'.repeat(3) + 'x`'.repeat(20000),
    '> '.repeat(2000) + 'deep',
    `${'- '.repeat(500)}x`,
    '**a '.repeat(10000),
  ];
  for (const input of inputs) {
    const start = Date.now();
    const root = render(input);
    assertSafe(root);
    const ms = Date.now() - start;
    assert.ok(ms < 3000, `took ${ms} ms for ${JSON.stringify(input.slice(0, 20))}…`);
  }
});

test('code blocks render with a copy button and no HTML parsing', () => {
  const root = render('```\n<b>bold?</b>\n```');
  assertSafe(root);
  assert.equal(root.querySelector('pre').textContent, '<b>bold?</b>');
  assert.ok(!allElements(root).some((el) => el.tagName === 'B'));
  assert.ok(root.querySelector('button.md-copy'));
  assert.ok(root.querySelector('pre') instanceof Element);
});
