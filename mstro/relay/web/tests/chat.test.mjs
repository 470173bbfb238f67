// The chat controller against a fake machine (docs/sessions.md), in the DOM shim:
// tabs, initTab replay/snapshot, reconnects, a machine restart, the msgId resend,
// history, the viewer role and the @ autocomplete.
import test from 'node:test';
import assert from 'node:assert/strict';
import { installDom, Event } from './dom-shim.mjs';

installDom();
const { createChat } = await import('../js/session/chat.js');
const { SocketError } = await import('../js/socket.js');
const { mentionAt, matchEntries } = await import('../js/session/prompt.js');
const { settingsRequest } = await import('../js/session/tab-settings.js');

const settle = async (rounds = 6) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 1));
};

/** A machine: tabs with event logs, sessions in history, the contract's requests. */
class FakeMachine {
  constructor() {
    this.epoch = 'e1';
    this.tabs = new Map();
    this.sessions = new Map(); // sessionId → {id, title, movements: [{movementId, msgId, prompt, events}]}
    this.seen = new Set(); // msgIds run
    this.listeners = [];
    this.online = true;
    this.failNext = new Map(); // type → SocketError (once)
    this.hold = null; // type → promise to wait for before answering
    this.counter = 0;
    this.files = { '': [{ name: 'src', kind: 'dir' }, { name: 'README.md', kind: 'file' }, { name: '.git', kind: 'dir' }], src: [{ name: 'main.rs', kind: 'file' }, { name: 'lib.rs', kind: 'file' }] };
  }

  restart() {
    this.epoch = `e${Number(this.epoch.slice(1)) + 1}`;
    this.tabs.clear();
  }

  emit(tabId, type, data) {
    const tab = this.tabs.get(tabId);
    tab.seq += 1;
    const frame = { type, tabId, data: { epoch: this.epoch, seq: tab.seq, ...data } };
    tab.log.push(frame);
    if (type === 'movementStart') {
      tab.movements.push({ movementId: data.movementId, msgId: data.msgId, prompt: data.prompt, startedAt: data.startedAt, events: [] });
    }
    if (data.movementId) {
      const mv = tab.movements.find((m) => m.movementId === data.movementId);
      mv.events.push({ type, data: { ...data } });
    }
    if (type === 'tabStateChanged' && data.sessionId) tab.sessionId = data.sessionId;
    if (this.connected !== false) for (const fn of this.listeners) fn(frame);
    return frame;
  }

  makeTab(tabId, sessionId) {
    const session = sessionId ? this.sessions.get(sessionId) : null;
    const tab = { tabId, sessionId: session ? sessionId : null, state: 'idle', seq: 0, log: [], movements: session ? structuredClone(session.movements) : [] };
    this.tabs.set(tabId, tab);
    return tab;
  }

  snapshot(tab) {
    return { mode: 'snapshot', epoch: this.epoch, seq: tab.seq, snapshot: { tabId: tab.tabId, sessionId: tab.sessionId, state: tab.state, movements: structuredClone(tab.movements), settings: tab.settings || { model: null, askPerson: null } } };
  }

  /** Run a prompt: start, some output, a denied tool call, complete. */
  run(tabId, prompt, msgId) {
    const tab = this.tabs.get(tabId);
    const movementId = `mv${++this.counter}`;
    tab.sessionId = tab.sessionId || `s${this.counter}`;
    this.seen.add(msgId);
    this.emit(tabId, 'movementStart', { movementId, msgId, prompt, startedAt: new Date().toISOString() });
    tab.state = 'running';
    this.emit(tabId, 'tabStateChanged', { state: 'running', sessionId: tab.sessionId });
    this.emit(tabId, 'output', { movementId, text: 'Working on **it**.' });
    return movementId;
  }

  finish(tabId, movementId) {
    const tab = this.tabs.get(tabId);
    this.emit(tabId, 'toolUse', { movementId, phase: 'start', toolUseId: 'tu1', name: 'Bash' });
    this.emit(tabId, 'toolUse', { movementId, phase: 'input', toolUseId: 'tu1', name: 'Bash', input: { command: 'rm -rf /' } });
    this.emit(tabId, 'bouncerDecision', { movementId, toolUseId: 'tu1', tool: 'Bash', operation: 'rm -rf /', verdict: 'deny', outcome: 'deny', reason: 'never delete the root', ruleIds: ['rm'], layer: 'rule', latencyMs: 1 });
    this.emit(tabId, 'toolUse', { movementId, phase: 'result', toolUseId: 'tu1', name: 'Bash', result: 'denied', isError: true });
    this.emit(tabId, 'movementComplete', { movementId, status: 'completed', finishedAt: new Date().toISOString(), usage: { inputTokens: 100, outputTokens: 20, costUsd: 0.0042, durationMs: 1500, numTurns: 1 } });
    tab.state = 'idle';
    this.emit(tabId, 'tabStateChanged', { state: 'idle', sessionId: tab.sessionId });
    this.sessions.set(tab.sessionId, { id: tab.sessionId, title: tab.movements[0].prompt, updatedAt: new Date().toISOString(), movements: structuredClone(tab.movements) });
  }

  answers = [];

  async handle(type, data, opts) {
    if (this.hold && this.hold.type === type) await this.hold.promise;
    const fail = this.failNext.get(type);
    if (fail) {
      this.failNext.delete(type);
      if (fail.run) fail.run(data, opts);
      throw fail.error;
    }
    if (!this.online) throw new SocketError('machine_offline', 'offline');
    const tabId = opts.tabId;
    switch (type) {
      case 'getActiveTabs':
        return { epoch: this.epoch, tabs: [...this.tabs.values()].map((t) => ({ tabId: t.tabId, sessionId: t.sessionId, state: t.state, title: '', seq: t.seq })) };
      case 'createTab': {
        const tab = this.makeTab(data.tabId || `t${++this.counter}`, data.sessionId);
        return { tabId: tab.tabId, sessionId: tab.sessionId, state: tab.state, epoch: this.epoch, seq: tab.seq };
      }
      case 'initTab': {
        let tab = this.tabs.get(tabId);
        if (!tab) {
          if (opts.viewer) throw new SocketError('not_found', 'no such tab');
          tab = this.makeTab(tabId, data.sessionId); // an owner's initTab makes unknown tabs
        }
        if (data.epoch === this.epoch && typeof data.lastSeenSeq === 'number') {
          return { mode: 'replay', epoch: this.epoch, events: tab.log.filter((f) => f.data.seq > data.lastSeenSeq) };
        }
        return this.snapshot(tab);
      }
      case 'execute': {
        if (this.seen.has(data.msgId)) return { msgId: data.msgId, movementId: null, duplicate: true };
        const movementId = this.run(tabId, data.prompt, data.msgId);
        return { msgId: data.msgId, movementId, duplicate: false };
      }
      case 'cancel':
        return { cancelled: true };
      case 'answerApproval': {
        if (opts.viewer) throw new SocketError('forbidden', '`answerApproval` needs the owner\'s permission');
        this.answers.push({ tabId, ...data });
        if (this.answers.length > 1) throw new SocketError('not_found', 'that approval is no longer waiting');
        return { approvalId: data.approvalId, outcome: data.choice === 'deny' ? 'denied' : 'approved' };
      }
      case 'removeTab':
        this.tabs.delete(tabId);
        return { removed: true };
      case 'getSessions':
        return { sessions: [...this.sessions.values()].map((s) => ({ sessionId: s.id, title: s.title, updatedAt: s.updatedAt, movementCount: s.movements.length })), total: this.sessions.size, problems: [] };
      case 'searchHistory':
        return { results: [...this.sessions.values()].filter((s) => s.title.includes(data.query)).map((s) => ({ sessionId: s.id, title: s.title, updatedAt: s.updatedAt, snippet: `…${data.query}…` })) };
      case 'getSessionById':
        return { session: structuredClone(this.sessions.get(data.sessionId)) };
      case 'deleteSession':
        return { deleted: this.sessions.delete(data.sessionId) };
      case 'listDirectory':
        if (!this.files[data.path]) throw new SocketError('not_found', 'nope');
        return { path: data.path, entries: this.files[data.path], truncated: false };
      case 'setTabSettings': {
        if (opts.viewer) throw new SocketError('forbidden', 'owner only');
        const settings = { model: data.model ?? null, askPerson: data.askPerson ?? null };
        this.tabs.get(tabId).settings = settings;
        this.emit(tabId, 'tabSettingsChanged', settings);
        return settings;
      }
      case 'findFiles': {
        // Every file of the tree whose path holds the query's letters in order.
        const paths = Object.entries(this.files).flatMap(([dir, entries]) => entries
          .filter((e) => e.kind === 'file' && !e.name.startsWith('.'))
          .map((e) => (dir ? `${dir}/${e.name}` : e.name)));
        const q = data.query.toLowerCase();
        const fits = (p) => {
          let i = 0;
          for (const c of p.toLowerCase()) if (c === q[i]) i += 1;
          return i === q.length;
        };
        return { files: paths.filter(fits).map((path) => ({ path, kind: 'file' })), truncated: false };
      }
      default:
        throw new SocketError('unknown_type', type);
    }
  }
}

class FakeSocket {
  constructor(machine, { viewer = false } = {}) {
    this.machine = machine;
    this.viewer = viewer;
    this.log = [];
    this.isOpen = true;
  }

  request(type, data = {}, opts = {}) {
    this.log.push({ type, data, tabId: opts.tabId, replyType: opts.replyType });
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        this.machine.handle(type, data, { ...opts, viewer: this.viewer }).then(resolve, reject);
      }, 0);
    });
  }

  sent(type) {
    return this.log.filter((r) => r.type === type);
  }
}

function mountChat(machine, { permission = 'owner', machineId = 'M1' } = {}) {
  const sock = new FakeSocket(machine, { viewer: permission === 'view' });
  const chat = createChat({ sock, machineId, workingDir: () => '/home/me/proj' });
  document.body.replaceChildren(chat.el);
  machine.listeners = [(frame) => chat.onFrame(frame)];
  chat.setPermission(permission);
  return { chat, sock, $: (s) => chat.el.querySelector(s), $$: (s) => chat.el.querySelectorAll(s) };
}

function typeAndSend(ui, text) {
  const ta = ui.$('#prompt');
  ta.value = text;
  ta.selectionStart = ta.selectionEnd = text.length;
  ta.dispatchEvent(new Event('input'));
  ta.dispatchEvent(new Event('keydown', { key: 'Enter' }));
}

test.beforeEach(() => {
  localStorage.clear();
});

test('first visit: a tab is created, a prompt runs, the transcript and run state follow', async () => {
  const machine = new FakeMachine();
  const ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  assert.equal(ui.sock.sent('createTab').length, 1);
  const tabs = ui.$$('#tabs [role="tab"]');
  assert.equal(tabs.length, 1);
  assert.equal(tabs[0].getAttribute('aria-selected'), 'true');
  const tabId = tabs[0].dataset.tabId;
  assert.ok(machine.tabs.has(tabId), 'the browser chose the tab id the machine uses');
  assert.equal(ui.$('#run-state').dataset.state, 'idle');
  assert.equal(ui.$('#stop').disabled, true);

  typeAndSend(ui, 'fix the bug');
  await settle();
  const exec = ui.sock.sent('execute');
  assert.equal(exec.length, 1);
  assert.equal(exec[0].tabId, tabId);
  assert.equal(exec[0].replyType, 'executeAck');
  assert.match(exec[0].data.msgId, /^[A-Za-z0-9_-]{1,64}$/);
  assert.equal(ui.$('#prompt').value, '', 'the box is cleared');
  const movement = ui.$('.movement[data-movement-id]');
  assert.equal(movement.dataset.status, 'running');
  assert.equal(ui.$('.movement .prompt').textContent, 'fix the bug');
  assert.equal(ui.$('.movement .output').textContent, 'Working on it.');
  assert.ok(ui.$('.movement .output strong'), 'Markdown rendered');
  assert.equal(ui.$('#run-state').dataset.state, 'running');
  assert.equal(ui.$('#stop').disabled, false);
  assert.equal(ui.$('#send').disabled, true);
  assert.equal(ui.$('#tabs [role="tab"] .tab-title').textContent, 'fix the bug');

  ui.$('#stop').click();
  await settle();
  assert.equal(ui.sock.sent('cancel').length, 1);
  assert.equal(ui.sock.sent('cancel')[0].tabId, tabId);

  machine.finish(tabId, movement.dataset.movementId);
  await settle();
  assert.equal(movement.dataset.status, 'completed');
  const call = ui.$('.tool-call[data-tool-use-id="tu1"][data-name="Bash"]');
  assert.ok(call, 'the tool call');
  // The badge is a word; the reason is said once, in the decision card the call opens on.
  const badge = call.querySelector('.badge.bouncer[data-outcome="deny"][data-layer="rule"]');
  assert.equal(badge.textContent, 'denied');
  assert.ok(call.open, 'a refused call opens on why');
  const cards = call.querySelectorAll('.decision[data-outcome="deny"]');
  assert.equal(cards.length, 1);
  assert.ok(cards[0].querySelector('.decision-reason').textContent.includes('never delete the root'));
  assert.equal(ui.$$('.decision-reason').length, 1, 'the reason once');
  assert.ok(movement.querySelector('.movement-denied').textContent.includes('1 call was denied'));
  assert.equal(call.querySelector('.tool-output').textContent, 'denied');
  assert.ok(call.querySelector('.tool-output').classList.contains('is-error'));
  assert.ok(call.querySelector('.tool-json').textContent.includes('"command": "rm -rf /"'));
  assert.equal(ui.$('#run-state').dataset.state, 'idle');
  // The run's figures once: at its end in the transcript, not again in the run state.
  assert.equal(ui.$('#run-state .run-label').textContent, 'Done');
  const usage = movement.querySelector('.movement-usage').textContent;
  for (const figure of ['$0.0042', '100 in', '20 out']) {
    assert.ok(usage.includes(figure), `${figure} in ${usage}`);
    assert.equal(ui.chat.el.textContent.split(figure).length - 1, 1, `${figure} is shown once`);
  }
  assert.equal(ui.$('#stop').disabled, true);
  ui.chat.destroy();
});

test('a reconnect replays what was missed, once; live events during initTab are not doubled', async () => {
  const machine = new FakeMachine();
  const ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  const tabId = ui.$('#tabs [role="tab"]').dataset.tabId;
  typeAndSend(ui, 'one');
  await settle();
  const mvId = ui.$('.movement[data-movement-id]').dataset.movementId;

  // The connection drops: events are lost on the way.
  machine.connected = false;
  machine.emit(tabId, 'output', { movementId: mvId, text: ' Missed.' });
  machine.connected = true;

  // Reconnect; while initTab is in flight, a live event arrives too.
  let release;
  machine.hold = { type: 'initTab', promise: new Promise((r) => { release = r; }) };
  ui.chat.onOpen();
  await settle();
  machine.emit(tabId, 'output', { movementId: mvId, text: ' Live.' });
  await settle();
  machine.hold = null;
  release();
  await settle();
  const init = ui.sock.sent('initTab').at(-1);
  assert.equal(init.tabId, tabId);
  assert.equal(init.data.epoch, 'e1');
  assert.equal(init.data.lastSeenSeq, 3, 'what the browser had applied');
  assert.equal(ui.$('.movement .output').textContent, 'Working on it. Missed. Live.');

  // The same event again (e.g. a relay resend) changes nothing.
  const again = machine.tabs.get(tabId).log.at(-1);
  ui.chat.onFrame(again);
  await settle();
  assert.equal(ui.$('.movement .output').textContent, 'Working on it. Missed. Live.');

  // A gap (an event lost while connected) asks initTab with lastSeenSeq.
  machine.connected = false;
  machine.emit(tabId, 'output', { movementId: mvId, text: ' Gap.' });
  machine.connected = true;
  machine.emit(tabId, 'output', { movementId: mvId, text: ' After.' });
  await settle();
  assert.equal(ui.$('.movement .output').textContent, 'Working on it. Missed. Live. Gap. After.');
  ui.chat.destroy();
});

test('a gap frame (the machine dropped queued frames) brings back the last events, which no later event would reveal', async () => {
  const machine = new FakeMachine();
  const ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  const tabId = ui.$('#tabs [role="tab"]').dataset.tabId;
  typeAndSend(ui, 'one');
  await settle();
  const mvId = ui.$('.movement[data-movement-id]').dataset.movementId;

  // The machine's outbox overflowed: the run's last events never arrive, and nothing
  // after them shows a hole in the sequence.
  machine.connected = false;
  machine.emit(tabId, 'output', { movementId: mvId, text: ' Lost.' });
  machine.finish(tabId, mvId);
  machine.connected = true;
  await settle();
  assert.equal(ui.$('.movement').dataset.status, 'running', 'the browser cannot know yet');

  const inits = ui.sock.sent('initTab').length;
  ui.chat.onGap();
  await settle();
  assert.equal(ui.sock.sent('initTab').length, inits + 1, 'the tab is brought up to date');
  assert.equal(ui.$('.movement .output').textContent, 'Working on it. Lost.');
  assert.equal(ui.$('.movement').dataset.status, 'completed');
  ui.chat.destroy();
});

test('a prompt whose ack was lost is sent again with the same msgId, and runs once', async () => {
  const machine = new FakeMachine();
  const ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  const tabId = ui.$('#tabs [role="tab"]').dataset.tabId;

  // 1. The request never reached the machine.
  machine.failNext.set('execute', { error: new SocketError('connection_lost', 'dropped') });
  typeAndSend(ui, 'first');
  await settle();
  assert.equal(ui.$('.movement.pending .prompt').textContent, 'first');
  assert.equal(ui.$('.movement.pending').dataset.status, 'pending');
  ui.chat.onOpen(); // reconnected
  await settle();
  const [a, b] = ui.sock.sent('execute');
  assert.equal(b.data.msgId, a.data.msgId, 'the resend reuses the msgId');
  assert.equal(ui.$$('.movement[data-movement-id]').length, 1);
  assert.equal(ui.$('.movement.pending'), null);
  machine.finish(tabId, ui.$('.movement[data-movement-id]').dataset.movementId);
  await settle();

  // 2. It ran, but the ack (and the events) were lost: no second run.
  machine.failNext.set('execute', {
    error: new SocketError('connection_lost', 'dropped'),
    run: (data, opts) => {
      machine.connected = false;
      machine.run(opts.tabId, data.prompt, data.msgId);
      machine.connected = true;
    },
  });
  typeAndSend(ui, 'second');
  await settle();
  ui.chat.onOpen();
  await settle();
  const prompts = ui.$$('.movement[data-movement-id] .prompt').map((p) => p.textContent);
  assert.deepEqual(prompts, ['first', 'second']);
  assert.equal(ui.sock.sent('execute').length, 3, 'not sent again: the replay showed it ran');
  assert.equal(ui.$('.movement.pending'), null);
  ui.chat.destroy();
});

test('Enter while a prompt runs queues it, says so, and sends it when the run ends; nothing typed is lost', async () => {
  const machine = new FakeMachine();
  let ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  const tabId = ui.$('#tabs [role="tab"]').dataset.tabId;
  typeAndSend(ui, 'first');
  await settle();
  const first = ui.$('.movement[data-movement-id]').dataset.movementId;
  assert.equal(ui.$('#run-state').dataset.state, 'running');
  assert.equal(ui.$('#send').textContent, 'Queue', 'Send says what it does while a prompt runs');
  assert.match(ui.$('#prompt').placeholder, /sent when it ends/);

  // Enter queues: out of the box, shown at the end of the transcript, not sent yet.
  typeAndSend(ui, 'second');
  await settle();
  assert.equal(ui.sock.sent('execute').length, 1, 'not sent while the first runs');
  assert.equal(ui.$('#prompt').value, '');
  const queued = ui.$('.movement.pending[data-pending="queued"]');
  assert.equal(queued.querySelector('.prompt').textContent, 'second');
  assert.match(queued.querySelector('.pending-text').textContent, /Queued: it is sent when the running prompt ends/);
  assert.equal(queued.parentNode.children.at(-1), queued, 'after the running prompt');
  assert.equal(JSON.parse(localStorage.getItem('mstro.chat.M1')).tabs[0].queued, 'second', 'a reload keeps it');

  // A second one cannot queue behind it: it stays in the box, and a note says why.
  typeAndSend(ui, 'third');
  await settle();
  assert.equal(ui.$('#prompt').value, 'third');
  assert.match(ui.$('.chat-alert .chat-note').textContent, /already queued/);
  assert.equal(ui.$$('.movement.pending').length, 1);

  // The run ends: the queued prompt goes by itself; the box keeps what was typed.
  machine.finish(tabId, first);
  await settle();
  const exec = ui.sock.sent('execute');
  assert.equal(exec.length, 2);
  assert.equal(exec[1].data.prompt, 'second');
  assert.deepEqual(ui.$$('.movement[data-movement-id] .prompt').map((p) => p.textContent), ['first', 'second']);
  assert.equal(ui.$('.movement.pending'), null);
  assert.equal(ui.$('#prompt').value, 'third');
  assert.equal(JSON.parse(localStorage.getItem('mstro.chat.M1')).tabs[0].queued, undefined, 'sent: no longer remembered as queued');

  // Queued, then taken back: it returns to the box before what was typed since.
  ui.$('#prompt').value = '';
  typeAndSend(ui, 'fourth');
  await settle();
  assert.ok(ui.$('.movement.pending[data-pending="queued"]'));
  const ta = ui.$('#prompt');
  ta.value = 'and more';
  ta.dispatchEvent(new Event('input'));
  ui.$('.movement.pending .pending-drop').click();
  await settle();
  assert.equal(ui.$('.movement.pending'), null);
  assert.equal(ui.$('#prompt').value, 'fourth\n\nand more');

  // Queued when the page goes away: after a reload it is back in the box, not sent.
  ta.value = '';
  typeAndSend(ui, 'fifth');
  await settle();
  ui.chat.destroy();
  ui = mountChat(machine);
  ui.chat.onOpen();
  await settle(10);
  assert.equal(ui.$('#prompt').value, 'fifth');
  assert.equal(ui.sock.sent('execute').length, 0);
  ui.chat.destroy();
});

test('a machine restart: the tab is made again from its session (snapshot)', async () => {
  const machine = new FakeMachine();
  const ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  const tabId = ui.$('#tabs [role="tab"]').dataset.tabId;
  typeAndSend(ui, 'remember me');
  await settle();
  machine.finish(tabId, ui.$('.movement[data-movement-id]').dataset.movementId);
  await settle();

  ui.chat.setOnline(false);
  machine.restart();
  ui.chat.setOnline(true);
  await settle(10);
  const init = ui.sock.sent('initTab').at(-1);
  assert.equal(init.data.epoch, 'e1', 'the old epoch is sent: the machine answers with a snapshot');
  assert.ok(init.data.sessionId, 'with the session to continue');
  assert.ok(machine.tabs.has(tabId), 'the tab exists again');
  assert.deepEqual(ui.$$('.movement[data-movement-id] .prompt').map((p) => p.textContent), ['remember me']);
  assert.equal(ui.$('.movement').dataset.status, 'completed');

  // New events in the new epoch apply.
  typeAndSend(ui, 'after restart');
  await settle();
  assert.deepEqual(ui.$$('.movement[data-movement-id] .prompt').map((p) => p.textContent), ['remember me', 'after restart']);
  ui.chat.destroy();
});

test('a reload restores the tabs from localStorage, by snapshot', async () => {
  const machine = new FakeMachine();
  let ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  typeAndSend(ui, 'in tab one');
  await settle();
  ui.$('#new-tab').click();
  await settle();
  assert.equal(ui.$$('#tabs [role="tab"]').length, 2);
  const ids = ui.$$('#tabs [role="tab"]').map((t) => t.dataset.tabId);
  ui.chat.destroy();

  ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  assert.deepEqual(ui.$$('#tabs [role="tab"]').map((t) => t.dataset.tabId), ids);
  assert.equal(ui.sock.sent('createTab').length, 0);
  const inits = ui.sock.sent('initTab');
  assert.equal(inits.length, 2);
  assert.ok(inits.every((r) => r.data.epoch === undefined), 'nothing held: a snapshot is asked for');
  assert.equal(ui.$('[role="tab"][aria-selected="true"]').dataset.tabId, ids[1], 'the selected tab too');
  ui.$(`[role="tab"][data-tab-id="${ids[0]}"]`).click();
  await settle();
  assert.equal(ui.$('#panel-' + ids[0] + ' .movement .prompt').textContent, 'in tab one');

  // Closing a tab removes it on the machine.
  ui.$(`[role="tab"][data-tab-id="${ids[0]}"]`).parentNode.querySelector('.tab-close').click();
  await settle();
  assert.equal(ui.sock.sent('removeTab')[0].tabId, ids[0]);
  assert.equal(ui.$$('#tabs [role="tab"]').length, 1);
  ui.chat.destroy();
});

test('history: list, search, open in a new tab, delete', async () => {
  const machine = new FakeMachine();
  machine.sessions.set('old1', { id: 'old1', title: 'Refactor the parser', updatedAt: new Date().toISOString(), movements: [{ movementId: 'x', msgId: 'y', prompt: 'refactor it', events: [{ type: 'output', data: { movementId: 'x', text: 'Refactored.' } }, { type: 'movementComplete', data: { movementId: 'x', status: 'completed', finishedAt: 'z' } }] }] });
  const ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  ui.$('#history-toggle').click();
  await settle();
  assert.equal(ui.$('#history').hidden, false);
  assert.equal(ui.$$('#history .session-item[data-session-id]').length, 1);
  const search = ui.$('#history-search');
  search.value = 'parser';
  search.dispatchEvent(new Event('keydown', { key: 'Enter' }));
  await settle();
  assert.equal(ui.sock.sent('searchHistory')[0].data.query, 'parser');
  assert.ok(ui.$('.session-item .session-snippet').textContent.includes('parser'));

  ui.$('.session-item[data-session-id="old1"]').click();
  await settle();
  const create = ui.sock.sent('createTab').at(-1);
  assert.equal(create.data.sessionId, 'old1');
  assert.equal(ui.$$('#tabs [role="tab"]').length, 2);
  const selected = ui.$('[role="tab"][aria-selected="true"]');
  assert.equal(ui.$(`#panel-${selected.dataset.tabId} .movement .output`).textContent, 'Refactored.');

  // Opening it again selects the tab that shows it.
  ui.$('.session-item[data-session-id="old1"]').click();
  await settle();
  assert.equal(ui.$$('#tabs [role="tab"]').length, 2);

  ui.$('.session-item[data-session-id="old1"] .session-delete').click();
  await settle();
  assert.equal(ui.sock.sent('deleteSession')[0].data.sessionId, 'old1');
  assert.equal(ui.$$('.session-item').length, 0);
  ui.chat.destroy();
});

test('a viewer follows tabs but cannot run or create', async () => {
  const machine = new FakeMachine();
  machine.makeTab('shared', null);
  const ui = mountChat(machine, { permission: 'view' });
  ui.chat.onOpen();
  await settle();
  assert.equal(ui.sock.sent('createTab').length, 0);
  assert.equal(ui.$$('#tabs [role="tab"]').length, 1);
  assert.equal(ui.$('#prompt').disabled, true);
  assert.equal(ui.$('#new-tab').disabled, true);
  machine.run('shared', 'the owner types', 'm-x');
  await settle();
  assert.equal(ui.$('.movement .prompt').textContent, 'the owner types');
  assert.equal(ui.$('#stop').disabled, true);
  ui.chat.destroy();
});

test('a tab opened in another browser shows up with its first event', async () => {
  const machine = new FakeMachine();
  const ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  machine.makeTab('elsewhere', null);
  machine.run('elsewhere', 'from my phone', 'm-phone');
  await settle();
  assert.equal(ui.$$('#tabs [role="tab"]').length, 2);
  const tab = ui.$('[role="tab"][data-tab-id="elsewhere"]');
  assert.equal(tab.dataset.state, 'running');
  tab.click();
  await settle();
  assert.equal(ui.$('#panel-elsewhere .movement .prompt').textContent, 'from my phone');
  assert.equal(ui.$$('#panel-elsewhere .movement').length, 1);
  ui.chat.destroy();
});

test('an mstro without sessions: a quiet notice, no error', async () => {
  const machine = new FakeMachine();
  machine.handle = async (type) => {
    if (type === 'getActiveTabs') return { tabs: [] };
    throw new SocketError('unknown_type', type);
  };
  const ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  assert.equal(ui.$$('.error').length, 0);
  assert.equal(ui.$('.chat-notice').hidden, false);
  assert.equal(ui.$('#prompt').disabled, true);
  ui.chat.destroy();
});

test('@ autocomplete searches the whole tree, and lists a directory typed so far', async () => {
  assert.deepEqual(mentionAt('look at @src/ma', 15), { start: 8, end: 15, query: 'src/ma', dir: 'src', filter: 'ma' });
  assert.equal(mentionAt('mail me@x', 9), null, 'an @ inside a word is not a mention');
  assert.equal(mentionAt('@../etc', 7), null);
  assert.equal(mentionAt('@/etc', 5), null);
  assert.deepEqual(matchEntries([{ name: 'main.rs' }, { name: 'domain.rs' }, { name: '.hidden' }], 'ma').map((e) => e.name), ['main.rs', 'domain.rs']);

  const machine = new FakeMachine();
  const ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  const ta = ui.$('#prompt');
  const type = (text) => {
    ta.value = text;
    ta.selectionStart = ta.selectionEnd = text.length;
    ta.dispatchEvent(new Event('input'));
  };
  // A name anywhere in the tree: the machine's findFiles, once typing pauses.
  type('read @lib');
  await new Promise((resolve) => setTimeout(resolve, 200));
  await settle();
  let options = ui.$$('#autocomplete [role="option"]');
  assert.deepEqual(options.map((o) => o.dataset.path), ['src/lib.rs']);
  assert.deepEqual(ui.sock.sent('findFiles').map((r) => r.data.query), ['lib']);
  // "@" alone lists the top directory; a directory picked lists its contents.
  type('read @');
  await settle();
  options = ui.$$('#autocomplete [role="option"]');
  assert.deepEqual(options.map((o) => o.dataset.path), ['src', 'README.md']);
  ta.dispatchEvent(new Event('keydown', { key: 'Enter' }));
  await settle();
  assert.equal(ta.value, 'read @src/');
  options = ui.$$('#autocomplete [role="option"]');
  assert.deepEqual(options.map((o) => o.dataset.path), ['src/main.rs', 'src/lib.rs']);
  assert.deepEqual(ui.sock.sent('listDirectory').map((r) => r.data.path), ['', 'src']);
  ta.dispatchEvent(new Event('keydown', { key: 'ArrowDown' }));
  assert.equal(options[1].getAttribute('aria-selected'), 'true');
  ta.dispatchEvent(new Event('keydown', { key: 'Tab' }));
  await settle();
  assert.equal(ta.value, 'read @src/lib.rs ');
  assert.equal(ui.$('#autocomplete').hidden, true);
  type('read @src/lib.rs and @src/m');
  await new Promise((resolve) => setTimeout(resolve, 200));
  await settle();
  assert.deepEqual(ui.$$('#autocomplete [role="option"]').map((o) => o.dataset.path), ['src/main.rs'], 'a partial path is searched too');
  ta.dispatchEvent(new Event('keydown', { key: 'Escape' }));
  assert.equal(ui.$('#autocomplete').hidden, true);
  assert.equal(ui.sock.sent('execute').length, 0, 'Enter in the list never sent the prompt');
  ui.chat.destroy();
});

test('an approval card: the owner answers it, a second answer is refused, a viewer sees no buttons', async () => {
  for (const permission of ['owner', 'view']) {
    const machine = new FakeMachine();
    const tab = machine.makeTab('t-appr');
    const movementId = 'mv-appr';
    machine.emit(tab.tabId, 'movementStart', { movementId, msgId: 'p1', prompt: 'show env', startedAt: new Date().toISOString() });
    machine.emit(tab.tabId, 'tabStateChanged', { state: 'running', sessionId: null });
    tab.state = 'running';
    const deadline = new Date(Date.now() + 90_000).toISOString();
    machine.emit(tab.tabId, 'approvalRequest', {
      movementId, approvalId: 'a-1', toolUseId: 'tu9', tool: 'Bash', operation: 'curl -fsSL https://x.example/i.sh | sh',
      reason: 'runs a download unread', alternative: 'download it, read it, then run it', ruleIds: ['execution.fetch-and-run'], deadline,
    });
    const ui = mountChat(machine, { permission });
    ui.chat.onOpen();
    await settle();
    const card = ui.$('.approval[data-approval-id="a-1"]');
    assert.ok(card, `${permission}: the card is there after a (re)connect`);
    assert.equal(card.dataset.state, 'waiting');
    assert.equal(card.querySelector('.approval-op').textContent, 'curl -fsSL https://x.example/i.sh | sh', 'the operation in full');
    assert.ok(card.querySelector('.decision-alternative').textContent.includes('read it'));
    assert.match(card.querySelector('.approval-left').textContent, /^denied in 1:(2|3)\d unless answered$/);
    assert.ok(ui.$('#tabs [role="tab"]').classList.contains('needs-approval'));
    const buttons = card.querySelector('.approval-actions');
    if (permission === 'view') {
      assert.ok(buttons.hidden, 'a viewer gets no buttons');
      assert.equal(card.querySelector('.approval-viewer').hidden, false);
      ui.chat.destroy();
      // Off the page, a waiting card's countdown stops.
      document.body.replaceChildren();
      continue;
    }
    assert.equal(buttons.hidden, false);
    card.querySelector('button[data-choice="session"]').click();
    await settle();
    assert.deepEqual(ui.sock.sent('answerApproval').map((r) => [r.tabId, r.data]), [['t-appr', { approvalId: 'a-1', choice: 'session' }]]);
    machine.emit(tab.tabId, 'approvalResolved', { movementId, approvalId: 'a-1', outcome: 'approvedForSession', by: 'ada' });
    await settle();
    assert.equal(card.dataset.state, 'approvedForSession');
    assert.ok(buttons.hidden, 'answered: no more buttons');
    assert.match(card.querySelector('.approval-state').textContent, /^Approved by ada for this session/);
    assert.ok(!ui.$('#tabs [role="tab"]').classList.contains('needs-approval'));

    // A card answered elsewhere first: the refusal is shown and the buttons come back.
    machine.emit(tab.tabId, 'approvalRequest', { movementId, approvalId: 'a-2', tool: 'Read', operation: '.env', reason: 'secrets', ruleIds: [], deadline });
    await settle();
    const second = ui.$('.approval[data-approval-id="a-2"]');
    second.querySelector('button[data-choice="once"]').click();
    await settle();
    assert.equal(second.querySelector('.approval-error').hidden, false);
    assert.match(second.querySelector('.approval-error').textContent, /no longer waiting/);
    assert.equal(second.querySelector('button[data-choice="deny"]').disabled, false);
    // The run ends: a waiting card says it will not run.
    machine.emit(tab.tabId, 'movementComplete', { movementId, status: 'cancelled', finishedAt: new Date().toISOString() });
    await settle();
    assert.equal(second.dataset.state, 'ended');
    ui.chat.destroy();
  }
});

test("a tab's settings: the owner sets the model and asks to be asked first; a viewer only sees them", async () => {
  assert.deepEqual(settingsRequest('  claude-opus-4-1 ', 'first'), { model: 'claude-opus-4-1', askPerson: 'first' });
  assert.deepEqual(settingsRequest('', ''), { model: null, askPerson: null }, 'blank is the machine default');

  const machine = new FakeMachine();
  const ui = mountChat(machine);
  ui.chat.onOpen();
  await settle();
  const toggle = ui.$('#tab-settings-toggle');
  assert.equal(ui.$('#tab-settings').hidden, true);
  toggle.dispatchEvent(new Event('click'));
  assert.equal(ui.$('#tab-settings').hidden, false);
  assert.equal(toggle.getAttribute('aria-expanded'), 'true');
  assert.equal(ui.$('#tab-ask-default').checked, true, 'nothing set: the machine default');
  ui.$('#tab-model').value = 'claude-opus-4-1';
  ui.$('#tab-ask-first').checked = true;
  ui.$('#tab-ask-default').checked = false;
  ui.$('#tab-settings form').dispatchEvent(new Event('submit'));
  await settle();
  const sent = ui.sock.sent('setTabSettings');
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].data, { model: 'claude-opus-4-1', askPerson: 'first' });
  assert.equal(sent[0].tabId, ui.$$('#tabs [role="tab"]')[0].dataset.tabId);
  assert.match(ui.$('.settings-status').textContent, /Saved/);
  ui.chat.destroy();

  // A viewer of the same tab: the values, no way to change them.
  const view = mountChat(machine, { permission: 'view' });
  view.chat.onOpen();
  await settle();
  view.$('#tab-settings-toggle').dispatchEvent(new Event('click'));
  assert.equal(view.$('#tab-model').value, 'claude-opus-4-1');
  assert.equal(view.$('#tab-ask-first').checked, true);
  assert.equal(view.$('#tab-model').disabled, true);
  assert.equal(view.$('#tab-settings-save').disabled, true);
  assert.equal(view.$('.settings-view-only').hidden, false);
  view.chat.destroy();
});
