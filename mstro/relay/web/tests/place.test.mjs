// Where a machine view opens again (views/machine/place-memory.js): the pane and the
// path remembered per machine, and how a path in the address is weighed against them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './dom-shim.mjs';

installDom();
const { initialPlace, parsePlace, loadPlace, savePlace } = await import('../js/views/machine/place-memory.js');

test('with no path in the address, the place remembered (or the chat)', () => {
  assert.deepEqual(initialPlace('', null), { pane: 'chat', path: '' });
  assert.deepEqual(initialPlace('', { pane: 'files', path: '' }), { pane: 'files', path: '' });
  assert.deepEqual(initialPlace('', { pane: 'files', path: 'src/main.rs' }), { pane: 'files', path: 'src/main.rs' });
  // The chat was shown over a file: the chat again, the file still open behind it.
  assert.deepEqual(initialPlace('', { pane: 'chat', path: 'src' }), { pane: 'chat', path: 'src' });
});

test('a path in the address wins; its pane is the one remembered only if it is the same path', () => {
  // A reload of the chat shown over src/main.rs.
  assert.deepEqual(initialPlace('src/main.rs', { pane: 'chat', path: 'src/main.rs' }), { pane: 'chat', path: 'src/main.rs' });
  // A link to another file shows that file.
  assert.deepEqual(initialPlace('README.md', { pane: 'chat', path: 'src/main.rs' }), { pane: 'files', path: 'README.md' });
  assert.deepEqual(initialPlace('./src//main.rs/', null), { pane: 'files', path: 'src/main.rs' });
});

test('what is read back is checked', () => {
  assert.equal(parsePlace(null), null);
  assert.equal(parsePlace('not json'), null);
  assert.equal(parsePlace('{"pane":"shell","path":""}'), null);
  assert.deepEqual(parsePlace('{"pane":"terminal","path":"src"}'), { pane: 'terminal', path: 'src' });
  assert.equal(parsePlace('{"pane":"files","path":3}'), null);
  assert.equal(parsePlace(JSON.stringify({ pane: 'files', path: 'a'.repeat(5000) })), null);
  assert.deepEqual(parsePlace('{"pane":"files","path":"./a//b"}'), { pane: 'files', path: 'a/b' });
});

test('remembered per machine', () => {
  localStorage.clear();
  savePlace('M1', { pane: 'files', path: 'src' });
  savePlace('M2', { pane: 'chat', path: '' });
  assert.deepEqual(loadPlace('M1'), { pane: 'files', path: 'src' });
  assert.deepEqual(loadPlace('M2'), { pane: 'chat', path: '' });
  assert.equal(loadPlace('M3'), null);
});
