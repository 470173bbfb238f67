// The Terminal view's logic (js/terminal/): the output stream's offsets, resets and
// acknowledgements (feed.js), a paste cut into requests (input.js), the phone's keys
// (keys.js) and what is remembered (terminal-storage.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './dom-shim.mjs';

installDom();
const { Feed, ACK_EVERY, decodeBase64 } = await import('../js/terminal/feed.js');
const { splitInput, MAX_INPUT_BYTES } = await import('../js/terminal/input.js');
const { keySequence, withCtrl, KEY_ROW } = await import('../js/terminal/keys.js');
const { parseFontSize, stepFontSize, DEFAULT_FONT_SIZE, FONT_SIZES } = await import('../js/terminal/terminal-storage.js');
const { endedText } = await import('../js/terminal/screen.js');

const bytes = (text) => new TextEncoder().encode(text);
const text = (data) => new TextDecoder().decode(data);

/**
 * A screen that writes what the feed says, in order, and reports each write done when
 * told (xterm.js writes asynchronously): what it shows, and the acknowledgements.
 */
function screen() {
  const feed = new Feed();
  const s = { feed, shown: '', clears: 0, acks: [], queue: [], gaps: 0 };
  s.apply = (step) => {
    if (!step) return;
    if (step.gap) {
      s.gaps += 1;
      return;
    }
    if (step.clear) {
      s.clears += 1;
      s.shown = '';
    }
    s.shown += text(step.write);
    s.queue.push(step);
  };
  // The screen finishes its writes (all, or the first n).
  s.flush = (n = s.queue.length) => {
    for (const step of s.queue.splice(0, n)) {
      const ack = feed.wrote(step.gen, step.end);
      if (ack != null) s.acks.push(ack);
    }
  };
  return s;
}

test('the first attach shows the scrollback and acknowledges it once written', () => {
  const s = screen();
  assert.equal(s.feed.fromOffset, undefined, 'nothing held: ask for all that is kept');
  s.apply(s.feed.attached({ offset: 100, data: bytes('$ echo hi\r\nhi\r\n'), reset: true }, undefined));
  assert.equal(s.clears, 1);
  assert.equal(s.shown, '$ echo hi\r\nhi\r\n');
  assert.deepEqual(s.acks, [], 'nothing acknowledged before it is written');
  s.flush();
  assert.deepEqual(s.acks, [115]);
  assert.equal(s.feed.fromOffset, 115);
});

test('output continues in order; what is already held is not written twice', () => {
  const s = screen();
  s.apply(s.feed.attached({ offset: 0, data: bytes('abc'), reset: true }, undefined));
  s.apply(s.feed.output({ offset: 3, data: bytes('def'), reset: false }));
  // A chunk that overlaps (sent before an attach answer that already had part of it).
  s.apply(s.feed.output({ offset: 4, data: bytes('efgh'), reset: false }));
  // One entirely held.
  s.apply(s.feed.output({ offset: 0, data: bytes('abcdefgh'), reset: false }));
  assert.equal(s.shown, 'abcdefgh');
  assert.equal(s.clears, 1);
  assert.equal(s.feed.end, 8);
});

test('a reattach from the bytes held continues without clearing', () => {
  const s = screen();
  s.apply(s.feed.attached({ offset: 0, data: bytes('before'), reset: true }, undefined));
  s.flush();
  const asked = s.feed.fromOffset;
  assert.equal(asked, 6);
  s.apply(s.feed.attached({ offset: 6, data: bytes(' after'), reset: false }, asked));
  assert.equal(s.clears, 1, 'no second clear');
  assert.equal(s.shown, 'before after');
});

test('a reset clears the screen: bytes lost to this browser, or a stream that started afresh', () => {
  // Fell behind the scrollback: the machine moves it forward with a reset.
  const s = screen();
  s.apply(s.feed.attached({ offset: 0, data: bytes('old'), reset: true }, undefined));
  s.apply(s.feed.output({ offset: 5000, data: bytes('new'), reset: true }));
  assert.equal(s.clears, 2);
  assert.equal(s.shown, 'new');
  assert.equal(s.feed.end, 5003);

  // The attach answer says its bytes are gone.
  const t = screen();
  t.apply(t.feed.attached({ offset: 0, data: bytes('old'), reset: true }, undefined));
  t.apply(t.feed.attached({ offset: 900, data: bytes('kept'), reset: true }, 3));
  assert.equal(t.shown, 'kept');
  assert.equal(t.feed.end, 904);

  // The terminal's stream started again (mstro restarted, tmux kept the shell): an
  // answer at another offset than asked is a new screen even without the flag.
  const u = screen();
  u.apply(u.feed.attached({ offset: 0, data: bytes('0123456789'), reset: true }, undefined));
  u.apply(u.feed.attached({ offset: 0, data: bytes('redrawn'), reset: false }, 10));
  assert.equal(u.shown, 'redrawn');
  assert.equal(u.clears, 2);
});

test('a gap without a reset is asked for again; output before an attach is ignored', () => {
  const s = screen();
  assert.equal(s.feed.output({ offset: 0, data: bytes('x'), reset: false }), null);
  s.apply(s.feed.attached({ offset: 0, data: bytes('abc'), reset: true }, undefined));
  s.apply(s.feed.output({ offset: 10, data: bytes('z'), reset: false }));
  assert.equal(s.gaps, 1);
  assert.equal(s.shown, 'abc');
  assert.equal(s.feed.fromOffset, 3, 'asked again from what it holds');
});

test('acknowledged when a batch is written, and every 32 KiB of a long one', () => {
  const s = screen();
  s.apply(s.feed.attached({ offset: 0, data: new Uint8Array(0), reset: true }, undefined));
  s.flush();
  assert.deepEqual(s.acks, [], 'nothing to acknowledge');
  // Keystroke echoes: each a batch of its own, each acknowledged (the machine allows
  // only 16 frames in flight, however small).
  for (let i = 0; i < 20; i++) {
    s.apply(s.feed.output({ offset: i, data: bytes('x'), reset: false }));
    s.flush();
  }
  assert.equal(s.acks.length, 20);
  assert.equal(s.acks.at(-1), 20);
  // A flood: 64 KiB frames arriving faster than they are written. Acknowledged as the
  // written part passes 32 KiB, not only at the end, and never beyond what is written.
  s.acks = [];
  const frame = new Uint8Array(64 * 1024);
  let offset = 20;
  for (let i = 0; i < 4; i++) {
    s.apply(s.feed.output({ offset, data: frame, reset: false }));
    offset += frame.length;
  }
  s.flush(1);
  assert.deepEqual(s.acks, [20 + 65536], 'one frame written while three wait');
  s.flush(2);
  assert.deepEqual(s.acks, [20 + 65536, 20 + 2 * 65536, 20 + 3 * 65536]);
  s.flush();
  assert.equal(s.acks.at(-1), offset);
  assert.ok(ACK_EVERY <= 64 * 1024);
});

test('writes of a screen that was cleared acknowledge nothing beyond the new stream', () => {
  const s = screen();
  s.apply(s.feed.attached({ offset: 0, data: bytes('a'.repeat(100)), reset: true }, undefined));
  // Before it is written, the stream starts afresh lower down (a restarted terminal).
  s.apply(s.feed.attached({ offset: 0, data: bytes('b'.repeat(10)), reset: false }, 100));
  s.flush();
  assert.ok(s.acks.every((a) => a <= 10), `acks ${s.acks}`);
});

test('base64 from the machine, and garbage', () => {
  assert.deepEqual([...decodeBase64('aGk=')], [104, 105]);
  assert.deepEqual([...decodeBase64('4pyT')], [0xe2, 0x9c, 0x93]);
  assert.equal(decodeBase64('not base64!').length, 0);
  assert.equal(decodeBase64(/** @type {any} */ (null)).length, 0);
});

test('a paste goes in pieces of at most 64 KiB, never cut inside a character', () => {
  assert.deepEqual(splitInput(''), []);
  assert.deepEqual(splitInput('ls\r'), ['ls\r']);
  const big = 'é'.repeat(40000) + '😀'.repeat(20000) + 'x'.repeat(10);
  const pieces = splitInput(big);
  assert.equal(pieces.join(''), big);
  assert.ok(pieces.length >= 3);
  for (const piece of pieces) {
    const size = new TextEncoder().encode(piece).length;
    assert.ok(size <= MAX_INPUT_BYTES, `${size} bytes`);
    assert.ok(!/[\ud800-\udbff]$/.test(piece), 'no piece ends inside a surrogate pair');
  }
  // Exactly full pieces.
  const exact = splitInput('a'.repeat(2 * MAX_INPUT_BYTES));
  assert.deepEqual(exact.map((p) => p.length), [MAX_INPUT_BYTES, MAX_INPUT_BYTES]);
  // Small pieces cut between code points: a 4-byte character never straddles.
  assert.deepEqual(splitInput('ab😀c', 4), ['ab', '😀', 'c']);
  // A lone surrogate is not text: it goes as U+FFFD.
  assert.deepEqual(splitInput('a\ud800b'), ['a\ufffdb']);
  assert.deepEqual(splitInput('\udc00'), ['\ufffd']);
});

test('the key row sends what a hardware keyboard would', () => {
  assert.deepEqual(KEY_ROW.map((k) => k.id), ['esc', 'tab', 'ctrl', 'left', 'up', 'down', 'right', 'pipe', 'tilde', 'slash']);
  assert.equal(keySequence('esc'), '\x1b');
  assert.equal(keySequence('tab'), '\t');
  assert.equal(keySequence('ctrl'), '');
  assert.equal(keySequence('up'), '\x1b[A');
  assert.equal(keySequence('down'), '\x1b[B');
  assert.equal(keySequence('right'), '\x1b[C');
  assert.equal(keySequence('left'), '\x1b[D');
  // vi and less ask for application cursor keys.
  assert.equal(keySequence('up', { appCursor: true }), '\x1bOA');
  assert.equal(keySequence('left', { appCursor: true }), '\x1bOD');
  // Ctrl with an arrow: a word left or right in a shell.
  assert.equal(keySequence('left', { ctrl: true }), '\x1b[1;5D');
  assert.equal(keySequence('right', { ctrl: true, appCursor: true }), '\x1b[1;5C');
  assert.equal(keySequence('pipe'), '|');
  assert.equal(keySequence('tilde'), '~');
  assert.equal(keySequence('slash'), '/');
  assert.equal(keySequence('slash', { ctrl: true }), '\x1f');
  assert.equal(keySequence('esc', { ctrl: true }), '\x1b');
});

test('Ctrl from the row turns the next key into its control character', () => {
  assert.equal(withCtrl('c'), '\x03');
  assert.equal(withCtrl('C'), '\x03');
  assert.equal(withCtrl('a'), '\x01');
  assert.equal(withCtrl('z'), '\x1a');
  assert.equal(withCtrl('d'), '\x04');
  assert.equal(withCtrl('['), '\x1b');
  assert.equal(withCtrl('\\'), '\x1c');
  assert.equal(withCtrl(']'), '\x1d');
  assert.equal(withCtrl(' '), '\x00');
  assert.equal(withCtrl('@'), '\x00');
  assert.equal(withCtrl('?'), '\x7f');
  assert.equal(withCtrl('_'), '\x1f');
  // Nothing to make of these: unchanged.
  assert.equal(withCtrl('é'), 'é');
  assert.equal(withCtrl('1'), '1');
  assert.equal(withCtrl('hello'), 'hello', 'a word from the suggestions');
  assert.equal(withCtrl(''), '');
});

test('the font size remembered is one of the sizes offered', () => {
  assert.equal(parseFontSize('14'), 14);
  assert.equal(parseFontSize(null), DEFAULT_FONT_SIZE);
  assert.equal(parseFontSize('13.5'), DEFAULT_FONT_SIZE);
  assert.equal(parseFontSize('999'), DEFAULT_FONT_SIZE);
  assert.equal(stepFontSize(13, 1), 14);
  assert.equal(stepFontSize(13, -1), 12);
  assert.equal(stepFontSize(FONT_SIZES[0], -1), FONT_SIZES[0]);
  assert.equal(stepFontSize(FONT_SIZES.at(-1), 1), FONT_SIZES.at(-1));
});

test('how a terminal ended, in words', () => {
  assert.equal(endedText({ code: 3, signal: null, reason: 'the shell exited' }), 'Ended (exit 3): the shell exited');
  assert.equal(endedText({ code: null, signal: 'SIGKILL', reason: 'closed from the browser' }), 'Ended (SIGKILL): closed from the browser');
  assert.equal(endedText({ code: null, signal: null, reason: '' }), 'Ended');
});
