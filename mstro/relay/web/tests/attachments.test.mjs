import test from 'node:test';
import assert from 'node:assert/strict';
import { attachProblem, toBase64, baseName, MAX_FILES, MAX_TOTAL_BYTES } from '../js/session/attachments.js';

test('attachments are checked against the machine limits before they are read', () => {
  assert.equal(attachProblem([{ name: 'notes.txt', size: 10 }, { name: 'a b.png', size: 20 }]), null);
  for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'a\nb', 'x'.repeat(129)]) {
    assert.match(attachProblem([{ name: bad, size: 1 }]), /rename it/, JSON.stringify(bad));
  }
  assert.match(attachProblem([{ name: 'x', size: 1 }, { name: 'x', size: 1 }]), /twice/);
  const many = Array.from({ length: MAX_FILES + 1 }, (_, i) => ({ name: `f${i}`, size: 1 }));
  assert.match(attachProblem(many), /At most/);
  assert.match(attachProblem([{ name: 'a', size: MAX_TOTAL_BYTES }, { name: 'b', size: 1 }]), /KiB/);
});

test('base64 is the standard padded alphabet, also for large files', () => {
  assert.equal(toBase64(new TextEncoder().encode('remember the milk\n')), 'cmVtZW1iZXIgdGhlIG1pbGsK');
  assert.equal(toBase64(new Uint8Array([0, 255, 254])), 'AP/+');
  const big = new Uint8Array(100000).map((_, i) => i % 251);
  assert.deepEqual(Buffer.from(toBase64(big), 'base64'), Buffer.from(big));
  assert.equal(baseName('.mstro/attachments/m-1/2-note.txt'), 'note.txt');
  assert.equal(baseName(null), '');
});
