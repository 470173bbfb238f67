// One terminal on screen (js/terminal/screen.js) against a stand-in for xterm.js and
// the machine socket: what it asks the machine, what it writes, and what it says, as
// the connection drops and comes back, the terminal resets, the owner or a viewer
// types, pastes and resizes, and the shell exits.
import test from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './dom-shim.mjs';

installDom();
Object.assign(globalThis, {
  cancelAnimationFrame: (id) => clearTimeout(id),
  ResizeObserver: class { observe() {} disconnect() {} },
  MutationObserver: class { observe() {} disconnect() {} },
  navigator: {},
});
const { createScreen } = await import('../js/terminal/screen.js');

const text = (data) => (typeof data === 'string' ? data : new TextDecoder().decode(data));
const b64 = (s) => Buffer.from(s).toString('base64');
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** xterm.js as far as the screen uses it; it writes at once, and says so a tick later. */
class FakeTerminal {
  constructor(options) {
    this.options = { ...options };
    this.cols = options.cols;
    this.rows = options.rows;
    this.written = [];
    this.resizes = [];
    this.unicode = { activeVersion: '6' };
    this.modes = { applicationCursorKeysMode: false };
    this.textarea = document.createElement('textarea');
    FakeTerminal.last = this;
  }

  loadAddon(addon) {
    if (addon.activate) addon.activate(this);
  }

  open(el) {
    this.element = el;
  }

  attachCustomKeyEventHandler(fn) {
    this.keyHandler = fn;
  }

  onData(fn) {
    this.dataHandler = fn;
  }

  write(data, done) {
    this.written.push(text(data));
    if (done) setTimeout(done, 0);
  }

  resize(cols, rows) {
    this.cols = cols;
    this.rows = rows;
    this.resizes.push([cols, rows]);
  }

  hasSelection() {
    return false;
  }

  focus() {}

  blur() {}

  dispose() {
    this.disposed = true;
  }

  /** What the screen shows: everything written since the last full reset. */
  get screen() {
    const all = this.written.join('');
    const at = all.lastIndexOf('\x1bc');
    return at < 0 ? all : all.slice(at + 2);
  }
}

class FakeFit {
  activate(term) {
    this.term = term;
  }

  proposeDimensions() {
    return FakeFit.size;
  }
}
FakeFit.size = { cols: 100, rows: 30 };

const lib = {
  Terminal: FakeTerminal,
  FitAddon: FakeFit,
  WebLinksAddon: class {},
  Unicode11Addon: class {},
};

/** The machine socket: every request recorded; answered by `answer(type, data)`. */
function fakeSocket(answer) {
  const sock = {
    isOpen: true,
    requests: [],
    request(type, data) {
      sock.requests.push({ type, data });
      try {
        return Promise.resolve(answer(type, data));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    of(type) {
      return sock.requests.filter((r) => r.type === type).map((r) => r.data);
    },
  };
  return sock;
}

const INFO = { terminalId: 'term-1', title: 'bash', cols: 100, rows: 30, backend: 'pty', createdAt: '2026-01-01T00:00:00Z', exit: null };

/** A screen on `INFO`, opened and shown; the machine's scrollback is `kept`. */
function setUp({ owner = true, kept = 'hello\r\n' } = {}) {
  const machine = { stream: kept, start: 0 };
  const sock = fakeSocket((type, data) => {
    if (type === 'terminalAttach') {
      const from = data.fromOffset;
      const end = machine.start + machine.stream.length;
      if (from === undefined || from < machine.start || from > end) {
        return { terminal: INFO, offset: machine.start, data: b64(machine.stream), reset: true };
      }
      return { terminal: INFO, offset: from, data: b64(machine.stream.slice(from - machine.start)), reset: false };
    }
    return { ok: true };
  });
  const screen = createScreen({ sock, lib, isOwner: () => owner, fontSize: 13 });
  document.body.append(screen.el);
  screen.bind(INFO);
  screen.setShown(true);
  screen.open({ cols: INFO.cols, rows: INFO.rows });
  const term = FakeTerminal.last;
  return { machine, sock, screen, term };
}

const statusOf = (screen) => {
  const status = screen.el.querySelector('.term-status');
  return status.hidden ? '' : status.textContent;
};

test('attached: the scrollback is written, then acknowledged', async () => {
  const { sock, screen, term } = setUp();
  screen.setConnected(true);
  await settle();
  assert.deepEqual(sock.of('terminalAttach'), [{ terminalId: 'term-1' }], 'nothing held: all that is kept');
  assert.equal(term.screen, 'hello\r\n');
  await settle();
  assert.deepEqual(sock.of('terminalAck'), [{ terminalId: 'term-1', offset: 7 }]);
  assert.equal(screen.el.dataset.state, 'attached');
  assert.equal(statusOf(screen), '');
});

test('reconnecting: said, no keys taken, then attached again from the bytes held, nothing twice', async () => {
  const { machine, sock, screen, term } = setUp();
  screen.setConnected(true);
  await settle();
  screen.onOutput({ terminalId: 'term-1', offset: 7, data: b64('$ '), reset: false });
  assert.equal(term.screen, 'hello\r\n$ ');

  screen.setConnected(false, 'Reconnecting…');
  assert.equal(statusOf(screen), 'Reconnecting…');
  term.dataHandler('x');
  assert.deepEqual(sock.of('terminalInput'), [], 'no keys while away');
  // Output of the old connection, late: not written.
  screen.onOutput({ terminalId: 'term-1', offset: 9, data: b64('late'), reset: false });

  // Meanwhile the terminal printed more.
  machine.stream = 'hello\r\n$ ls\r\nfile\r\n$ ';
  screen.setConnected(true);
  await settle();
  assert.deepEqual(sock.of('terminalAttach').at(-1), { terminalId: 'term-1', fromOffset: 9 });
  assert.equal(term.screen, 'hello\r\n$ ls\r\nfile\r\n$ ', 'continued, nothing written twice');
  assert.equal(term.written.filter((w) => w === '\x1bc').length, 1, 'one clear, at the start');
  assert.equal(statusOf(screen), '');
  term.dataHandler('x');
  assert.deepEqual(sock.of('terminalInput'), [{ terminalId: 'term-1', data: 'x' }]);
});

test('a reset clears the screen first, in the same write queue', async () => {
  const { machine, screen, term } = setUp();
  screen.setConnected(true);
  await settle();
  // The machine moved this browser past bytes it no longer keeps.
  screen.onOutput({ terminalId: 'term-1', offset: 5000, data: b64('fresh'), reset: true });
  assert.deepEqual(term.written.slice(-2), ['\x1bc', 'fresh']);
  assert.equal(term.screen, 'fresh');
  // A reattach whose bytes are gone (the scrollback moved on): cleared too.
  machine.start = 9000;
  machine.stream = 'newer';
  screen.setConnected(false);
  screen.setConnected(true);
  await settle();
  assert.equal(term.screen, 'newer');
});

test('output that arrives while the attach is on its way is written after it, once', async () => {
  let release;
  const sock = fakeSocket((type) => {
    if (type === 'terminalAttach') {
      return new Promise((resolve) => {
        release = () => resolve({ terminal: INFO, offset: 0, data: b64('abc'), reset: true });
      });
    }
    return { ok: true };
  });
  const screen = createScreen({ sock, lib, isOwner: () => true, fontSize: 13 });
  screen.bind(INFO);
  screen.setShown(true);
  screen.open();
  const term = FakeTerminal.last;
  screen.setConnected(true);
  screen.onOutput({ terminalId: 'term-1', offset: 2, data: b64('cde'), reset: false });
  assert.equal(term.screen, '');
  release();
  await settle();
  assert.equal(term.screen, 'abcde');
});

test('keys and pastes go as terminalInput, a paste in pieces of at most 64 KiB', async () => {
  const { sock, screen, term } = setUp();
  screen.setConnected(true);
  await settle();
  term.dataHandler('ls\r');
  const paste = 'y'.repeat(100 * 1024);
  term.dataHandler(paste);
  const sent = sock.of('terminalInput').map((r) => r.data);
  assert.deepEqual(sent.map((d) => d.length), [3, 64 * 1024, 36 * 1024]);
  assert.equal(sent.slice(1).join(''), paste, 'in order');
  // Ctrl+Shift+V is the browser's paste, not xterm.js's ^V; Ctrl+Shift+L leaves.
  let left = 0;
  const leaving = createScreen({ sock, lib, isOwner: () => true, fontSize: 13, onLeave: () => { left += 1; } });
  leaving.bind(INFO);
  leaving.open();
  const keys = FakeTerminal.last.keyHandler;
  const key = (code, extra = {}) => ({ type: 'keydown', code, ctrlKey: true, shiftKey: true, altKey: false, metaKey: false, preventDefault() {}, ...extra });
  assert.equal(keys(key('KeyV')), false);
  assert.equal(keys(key('KeyL')), false);
  assert.equal(left, 1);
  assert.equal(keys({ ...key('KeyC'), shiftKey: false }), true, 'Ctrl+C is the terminal\'s');
  assert.equal(keys({ type: 'keydown', code: 'Escape', ctrlKey: false, shiftKey: false, altKey: false, metaKey: false }), true, 'Escape is the terminal\'s');
});

test('the owner fits the terminal and resizes it, debounced; a viewer never does', async () => {
  FakeFit.size = { cols: 120, rows: 40 };
  const { sock, screen, term } = setUp();
  screen.setConnected(true);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual([term.cols, term.rows], [120, 40]);
  assert.deepEqual(sock.of('terminalResize'), [{ terminalId: 'term-1', cols: 120, rows: 40 }]);

  const viewer = setUp({ owner: false });
  viewer.screen.setConnected(true);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(viewer.sock.of('terminalResize'), [], 'a viewer sends no size');
  assert.deepEqual([viewer.term.cols, viewer.term.rows], [INFO.cols, INFO.rows], "at the owner's size");
  viewer.term.dataHandler('rm -rf ~\r');
  assert.deepEqual(viewer.sock.of('terminalInput'), [], 'a viewer types nothing');
  assert.ok(viewer.screen.el.classList.contains('is-readonly'));
  FakeFit.size = { cols: 100, rows: 30 };
});

test('another browser of the owner sized it: shown so, until this one types', async () => {
  FakeFit.size = { cols: 100, rows: 30 };
  const { sock, screen, term } = setUp();
  screen.setConnected(true);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(sock.of('terminalResize'), [], 'already the size of the pane');
  screen.setInfo({ ...INFO, cols: 60, rows: 20 });
  assert.deepEqual([term.cols, term.rows], [60, 20], "shown at the other browser's size");
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(sock.of('terminalResize'), [], 'not resized back in answer');
  term.dataHandler('l');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(sock.of('terminalResize'), [{ terminalId: 'term-1', cols: 100, rows: 30 }], 'this browser, used again, wins');
});

test('an exit is shown with its status, and ends typing', async () => {
  const { sock, screen, term } = setUp();
  screen.setConnected(true);
  await settle();
  screen.onExit({ code: 3, signal: null, reason: 'the shell exited' });
  assert.equal(statusOf(screen), 'Ended (exit 3): the shell exited');
  assert.equal(screen.el.dataset.state, 'ended');
  term.dataHandler('ls\r');
  assert.deepEqual(sock.of('terminalInput'), []);
  assert.equal(term.options.disableStdin, true);
});

test('a terminal gone from the machine is reported, not retried', async () => {
  const gone = [];
  const sock = fakeSocket((type) => {
    if (type === 'terminalAttach') throw Object.assign(new Error('no such terminal'), { code: 'not_found' });
    return { ok: true };
  });
  const screen = createScreen({ sock, lib, isOwner: () => true, fontSize: 13, onGone: (id) => gone.push(id) });
  screen.bind(INFO);
  screen.open();
  screen.setConnected(true);
  await settle();
  assert.deepEqual(gone, ['term-1']);
});
