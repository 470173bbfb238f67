import test from 'node:test';
import assert from 'node:assert/strict';
import { Document, allElements } from './dom-shim.mjs';
import { tokenize, highlight, resolveLanguage, languageClass } from '../js/highlight.js';

const SAMPLES = {
  js: 'const a = `x ${y}`; // note\nfunction f(b) { return b * 2.5e3 + "s" + \'t\'; } /* block */',
  ts: 'interface A { b: string } export type C = A | null;',
  python: '@dec\ndef f(x):\n    """doc"""\n    return x + 1  # c\nprint(f(True))',
  rust: '#[derive(Debug)]\nfn main<\'a>(s: &\'a str) -> Option<u8> { let c = \'x\'; println!("{}", r#"raw"#); None }',
  go: 'package main\nfunc main() { s := `raw`; fmt.Println("hi", 0x1F) }',
  c: '#include <stdio.h>\nint main(void) { printf("%d\\n", 42); /* c */ return 0; }',
  sh: 'if [ -n "$HOME" ]; then echo ${PATH} # comment\nfi\nls -la | grep x#y',
  json: '{"a": [1, -2.5e3, true, null], "b": "s\\"q"}',
  yaml: 'key: value # c\nlist:\n  - "a"\n  - 3\nflag: true',
  toml: '[package]\nname = "mstro"\nversion = "0.1.0" # c\n[[bin]]\nx = 1_000',
  css: '.a > b:hover { color: #fff; margin: 0 2px !important; } @media (x) {}',
  html: '<!-- c --><a href="x" class=\'y\'>t &amp; u</a><script>alert(1)</script>',
  sql: 'SELECT a, COUNT(*) FROM t WHERE b = \'x\' -- c\nORDER BY a;',
  diff: 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n same',
  ruby: 'def f(x) = x + 1 # c\nputs :sym, @ivar',
  unknown: 'just <text> & stuff',
};

test('tokens give the code back, for every language', () => {
  for (const [lang, code] of Object.entries(SAMPLES)) {
    const tokens = tokenize(code, lang);
    assert.equal(tokens.map((t) => t.text).join(''), code, lang);
  }
});

test('keywords, strings, comments, numbers', () => {
  const types = (code, lang) => {
    const out = {};
    for (const t of tokenize(code, lang)) if (t.type) (out[t.type] ||= []).push(t.text);
    return out;
  };
  const js = types(SAMPLES.js, 'js');
  assert.ok(js.kw.includes('const') && js.kw.includes('function') && js.kw.includes('return'));
  assert.ok(js.str.some((s) => s.startsWith('`')));
  assert.ok(js.com.includes('// note'));
  assert.ok(js.num.includes('2.5e3'));
  assert.ok(js.fn.includes('f'));

  const py = types(SAMPLES.python, 'py');
  assert.ok(py.kw.includes('def') && py.kw.includes('return'));
  assert.ok(py.str.includes('"""doc"""'));
  assert.ok(py.com.includes('# c'));
  assert.ok(py.lit.includes('True'));
  assert.ok(py.meta.includes('@dec'));

  const rs = types(SAMPLES.rust, 'rust');
  assert.ok(rs.kw.includes('fn') && rs.kw.includes('let'));
  assert.ok(rs.lit.includes("'a"), 'a lifetime is not a string');
  assert.ok(rs.str.includes("'x'"));
  assert.ok(rs.str.includes('r#"raw"#'));
  assert.ok(rs.fn.includes('println!'));
  assert.ok(rs.meta.includes('#[derive(Debug)]'));

  const sh = types(SAMPLES.sh, 'bash');
  assert.ok(sh.com.includes('# comment'));
  assert.ok(!(sh.com || []).some((c) => c.includes('#y')), '# inside a word is not a comment');
  assert.ok(sh.var.includes('${PATH}'));

  const json = types(SAMPLES.json, 'json');
  assert.deepEqual(json.key, ['"a"', '"b"']);
  assert.ok(json.lit.includes('true') && json.lit.includes('null'));

  const sql = types(SAMPLES.sql, 'sql');
  assert.ok(sql.kw.includes('SELECT') && sql.kw.includes('WHERE'));

  const diff = types(SAMPLES.diff, 'diff');
  assert.deepEqual(diff.add, ['+new']);
  assert.deepEqual(diff.del, ['-old']);

  assert.deepEqual(tokenize(SAMPLES.unknown, 'nope'), [{ type: '', text: SAMPLES.unknown }]);
});

test('highlighted code is text nodes and spans only', () => {
  const doc = new Document();
  const root = doc.createElement('code');
  root.appendChild(highlight(SAMPLES.html, 'html', doc));
  assert.equal(root.textContent, SAMPLES.html);
  for (const el of allElements(root)) {
    assert.equal(el.tagName, 'SPAN');
    assert.deepEqual([...el.attributes.keys()], ['class']);
    assert.match(el.className, /^tok-[a-z]+$/);
  }
});

test('language names', () => {
  assert.equal(resolveLanguage('TypeScript'), 'js');
  assert.equal(resolveLanguage('c++'), 'clike');
  assert.equal(resolveLanguage('constructor'), null);
  assert.equal(resolveLanguage('__proto__'), null);
  assert.equal(languageClass('C#'), 'language-csharp');
  assert.equal(languageClass('"><x'), 'language-x');
  assert.equal(languageClass(''), '');
});

test('long or odd input stays linear', () => {
  const big = 'let x = "a"; // c\n'.repeat(10000);
  const start = Date.now();
  assert.equal(tokenize(big, 'js').map((t) => t.text).join(''), big);
  assert.ok(Date.now() - start < 2000);
  const quotes = '"'.repeat(50000);
  assert.equal(tokenize(quotes, 'js').map((t) => t.text).join(''), quotes);
});
