// A file in the viewer (views/machine/file-view.js), in the DOM shim: code
// highlighted by its language, Markdown rendered with its source a click away, and
// the warning over a file that likely holds secrets.
import test from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './dom-shim.mjs';

installDom();
const { renderFile } = await import('../js/views/machine/file-view.js');

const shown = (el) => !el.hidden;

test('code is highlighted by its language, and its text is the file as it is', () => {
  const text = 'fn main() {\n    let x = "<b>hi</b>"; // done\n}\n';
  const view = renderFile('src/main.rs', { content: text, size: text.length });
  const code = view.querySelector('#file-content');
  assert.equal(code.textContent, text);
  assert.equal(code.getAttribute('data-language'), 'rs');
  assert.equal(view.querySelector('#file-content .tok-kw').textContent, 'fn');
  assert.equal(view.querySelector('#file-content .tok-str').textContent, '"<b>hi</b>"');
  assert.equal(view.querySelector('#file-content b'), null, 'HTML in the file stays text');
  assert.equal(view.querySelector('.gutter').textContent, '1\n2\n3');
  // A file of no known language is plain text.
  const plain = renderFile('notes.txt', { content: 'fn x', size: 4 });
  assert.equal(plain.querySelector('#file-content').textContent, 'fn x');
  assert.equal(plain.querySelector('#file-content .tok-kw'), null);
});

test('Markdown opens rendered, Source shows the text, and the choice is told', () => {
  const text = '# Title\n\nSome **bold** and <script>alert(1)</script>.\n';
  const picked = [];
  const view = renderFile('README.md', { content: text, size: text.length }, { onPreview: (p) => picked.push(p) });
  const preview = view.querySelector('#file-preview');
  const source = view.querySelector('.code-scroll');
  assert.ok(shown(preview) && !shown(source));
  assert.equal(preview.querySelector('.md-h1, h1').textContent, 'Title');
  assert.equal(preview.querySelector('strong').textContent, 'bold');
  assert.equal(preview.querySelector('script'), null);
  assert.equal(view.querySelector('#md-preview').getAttribute('aria-pressed'), 'true');

  view.querySelector('#md-source').click();
  assert.ok(!shown(preview) && shown(source));
  assert.equal(view.querySelector('#file-content').textContent, text);
  assert.equal(view.querySelector('#md-source').getAttribute('aria-pressed'), 'true');
  assert.equal(view.querySelector('#md-preview').getAttribute('aria-pressed'), 'false');
  view.querySelector('#md-preview').click();
  assert.ok(shown(preview) && !shown(source));
  assert.deepEqual(picked, [false, true]);

  // Opened as source when the reader chose it last.
  const again = renderFile('docs/b.md', { content: text, size: text.length }, { preview: false });
  assert.ok(!shown(again.querySelector('#file-preview')) && shown(again.querySelector('.code-scroll')));
  // Not Markdown: no switch.
  assert.equal(renderFile('a.txt', { content: text, size: 1 }).querySelector('#md-preview'), null);
});

test('a file that likely holds secrets is shown under a warning; others are not', () => {
  for (const path of ['.env', 'deploy/server.pem', '.ssh/id_rsa', '.npmrc']) {
    const view = renderFile(path, { content: 'TOKEN=abc\n', size: 10 });
    const warning = view.querySelector('#secret-warning');
    assert.ok(warning, path);
    assert.match(warning.textContent, /may contain secrets/);
    assert.match(warning.textContent, /sent from the machine to this browser/);
    assert.match(warning.textContent, /shared with/);
    // Before the contents.
    const kids = view.children;
    assert.ok(kids.indexOf(warning) < kids.indexOf(view.querySelector('.code-scroll')), path);
  }
  for (const path of ['hello.txt', 'src/main.rs', 'id_rsa.pub']) {
    assert.equal(renderFile(path, { content: 'x', size: 1 }).querySelector('#secret-warning'), null, path);
  }
  // A binary is not shown: nothing to warn about.
  assert.equal(renderFile('cert.p12', { binary: true, size: 100 }).querySelector('#secret-warning'), null);
});
