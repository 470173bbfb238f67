// The prompt's "@" completion over the whole tree (the machine's findFiles), in the
// DOM shim: asked once typing pauses, an answer to an older query dropped, the pick
// inserted; browsing a directory and hidden names still list one directory.
import test from 'node:test';
import assert from 'node:assert/strict';
import { installDom, Event } from './dom-shim.mjs';

installDom();
const { createPrompt, searchesTree, mentionAt, FIND_DEBOUNCE_MS } = await import('../js/session/prompt.js');

const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const debounced = () => pause(FIND_DEBOUNCE_MS + 40);

/** A prompt whose findFiles answers are released by the test, one per call. */
function mount() {
  const finds = []; // {query, limit, resolve}
  const listings = [];
  const prompt = createPrompt({
    findFiles: (query, limit) => new Promise((resolve) => finds.push({ query, limit, resolve })),
    listDirectory: (path) => {
      listings.push(path);
      return Promise.resolve({ path, entries: [{ name: '.env', kind: 'file' }, { name: 'src', kind: 'dir' }], truncated: false });
    },
  });
  document.body.replaceChildren(prompt.el);
  const ta = prompt.textarea;
  const type = (text) => {
    ta.value = text;
    ta.selectionStart = ta.selectionEnd = text.length;
    ta.dispatchEvent(new Event('input'));
  };
  const options = () => prompt.el.querySelectorAll('#autocomplete [role="option"]').map((o) => o.dataset.path);
  return { prompt, ta, type, finds, listings, options };
}

test('which mentions search the tree', () => {
  const at = (text) => searchesTree(mentionAt(text, text.length));
  assert.equal(at('read @ma'), true);
  assert.equal(at('read @src/ma'), true);
  assert.equal(at('read @'), false, 'browse the root');
  assert.equal(at('read @src/'), false, 'browse a directory');
  assert.equal(at('read @.e'), false, 'hidden names are not searched');
  assert.equal(at('read ma'), false);
});

test('"@ma" searches the tree once typing pauses, and a late answer to an older query is dropped', async () => {
  const ui = mount();
  ui.type('look at @m');
  ui.type('look at @ma');
  assert.equal(ui.finds.length, 0, 'not on every key');
  await debounced();
  assert.deepEqual(ui.finds.map((f) => f.query), ['ma'], 'once, for what was typed last');
  assert.equal(ui.finds[0].limit, 50);
  ui.type('look at @mai');
  await debounced();
  assert.deepEqual(ui.finds.map((f) => f.query), ['ma', 'mai']);

  // The newer answer first, then the older one: the older is dropped.
  ui.finds[1].resolve({ files: [{ path: 'src/deep/main.rs', kind: 'file' }, { path: 'main.go', kind: 'symlink' }], truncated: true });
  await pause(5);
  ui.finds[0].resolve({ files: [{ path: 'stale.rs', kind: 'file' }], truncated: false });
  await pause(5);
  assert.deepEqual(ui.options(), ['src/deep/main.rs', 'main.go']);
  const first = ui.prompt.el.querySelector('#autocomplete [role="option"]');
  assert.equal(first.querySelector('.ac-name').textContent, 'main.rs');
  assert.equal(first.querySelector('.ac-dir').textContent, 'src/deep/');
  assert.ok(ui.prompt.el.querySelector('#autocomplete .ac-more'), 'a truncated search says so');
  assert.equal(ui.listings.length, 0, 'no directory was listed');

  ui.ta.dispatchEvent(new Event('keydown', { key: 'Enter' }));
  assert.equal(ui.ta.value, 'look at @src/deep/main.rs ');
  assert.equal(ui.prompt.el.querySelector('#autocomplete').hidden, true);
});

test('an answer that comes after the mention was closed is not shown', async () => {
  const ui = mount();
  ui.type('@ma');
  await debounced();
  ui.type('@ma done');
  ui.finds[0].resolve({ files: [{ path: 'src/main.rs', kind: 'file' }], truncated: false });
  await pause(5);
  assert.equal(ui.prompt.el.querySelector('#autocomplete').hidden, true);
});

test('"@", "@src/" and "@.e" list one directory; a failed search says so', async () => {
  const ui = mount();
  ui.type('@');
  await pause(5);
  assert.deepEqual(ui.listings, ['']);
  assert.deepEqual(ui.options(), ['src']);
  ui.type('@src/');
  await pause(5);
  assert.deepEqual(ui.listings, ['', 'src']);
  ui.type('@.e');
  await pause(5);
  assert.deepEqual(ui.options(), ['.env']);
  assert.equal(ui.finds.length, 0);

  const failing = createPrompt({ findFiles: () => Promise.reject(new Error('offline')) });
  document.body.replaceChildren(failing.el);
  failing.textarea.value = '@ma';
  failing.textarea.selectionStart = failing.textarea.selectionEnd = 3;
  failing.textarea.dispatchEvent(new Event('input'));
  await debounced();
  assert.match(failing.el.querySelector('#autocomplete .ac-empty').textContent, /could not be searched/);
});
