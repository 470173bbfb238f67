import test from 'node:test';
import assert from 'node:assert/strict';
import * as store from '../js/session/store.js';

const E = 'epoch-1';

/** A stream of stamped events for one tab. */
function stamper(epoch = E, start = 1) {
  let seq = start - 1;
  return (type, data) => {
    seq += 1;
    return { type, tabId: 't1', data: { epoch, seq, ...data } };
  };
}

function initedTab(epoch = E, seq = 0) {
  const tab = store.newTab({ tabId: 't1' });
  store.applySnapshot(tab, { mode: 'snapshot', epoch, seq, snapshot: { tabId: 't1', sessionId: null, state: 'idle', movements: [] } });
  return tab;
}

function run(tab, frames) {
  return frames.map((f) => store.applyEvent(tab, f, { now: 1000 }));
}

test('a movement: text chunks merge, tool phases, decision on its tool, completion', () => {
  const tab = initedTab();
  const ev = stamper();
  const results = run(tab, [
    ev('movementStart', { movementId: 'm1', msgId: 'x1', prompt: 'fix the bug', startedAt: '2025-01-01T00:00:00Z' }),
    ev('tabStateChanged', { state: 'running', sessionId: 's1' }),
    ev('thinking', { movementId: 'm1', text: 'Let me ' }),
    ev('thinking', { movementId: 'm1', text: 'look.' }),
    ev('output', { movementId: 'm1', text: 'Hello ' }),
    ev('output', { movementId: 'm1', text: 'world' }),
    ev('toolUse', { movementId: 'm1', phase: 'start', toolUseId: 'tu1', name: 'Bash' }),
    ev('toolUse', { movementId: 'm1', phase: 'input', toolUseId: 'tu1', name: 'Bash', input: { command: 'rm -rf /' } }),
    ev('bouncerDecision', {
      movementId: 'm1', toolUseId: 'tu1', tool: 'Bash', operation: 'rm -rf /', verdict: 'deny', outcome: 'deny',
      reason: 'destroys the disk', ruleIds: ['rm-root'], layer: 'rule', latencyMs: 0.4,
    }),
    ev('toolUse', { movementId: 'm1', phase: 'result', toolUseId: 'tu1', name: 'Bash', result: 'denied', isError: true }),
    ev('output', { movementId: 'm1', text: 'Done.' }),
    ev('streamingTokens', { movementId: 'm1', outputTokens: 42 }),
    ev('movementComplete', {
      movementId: 'm1', status: 'completed', result: 'Hello worldDone.', finishedAt: '2025-01-01T00:00:05Z',
      usage: { inputTokens: 10, outputTokens: 50, costUsd: 0.0123, durationMs: 5000, numTurns: 2 },
    }),
    ev('tabStateChanged', { state: 'idle', sessionId: 's1' }),
  ]);
  assert.ok(results.every((r) => r === 'applied'), results.join());
  assert.equal(tab.seq, 14);
  assert.equal(tab.state, 'idle');
  assert.equal(tab.sessionId, 's1');
  assert.equal(tab.title, 'fix the bug');
  const [m] = tab.movements;
  assert.equal(m.status, 'completed');
  assert.equal(m.outputTokens, 42);
  assert.equal(m.usage.costUsd, 0.0123);
  assert.equal(m.receivedAt, 1000);
  assert.deepEqual(m.items.map((i) => i.kind), ['thinking', 'text', 'tool', 'text']);
  assert.equal(m.items[0].text, 'Let me look.');
  assert.equal(m.items[1].text, 'Hello world');
  const tool = m.items[2];
  assert.equal(tool.name, 'Bash');
  assert.deepEqual(tool.input, { command: 'rm -rf /' });
  assert.equal(tool.result, 'denied');
  assert.equal(tool.isError, true);
  assert.equal(tool.status, 'error');
  assert.equal(tool.decisions.length, 1);
  assert.equal(tool.decisions[0].outcome, 'deny');
  assert.equal(tool.decisions[0].reason, 'destroys the disk');
});

test('events already applied are ignored; gaps and other epochs ask for a re-init', () => {
  const tab = initedTab(E, 5);
  const ev = stamper(E, 6);
  const a = ev('movementStart', { movementId: 'm1', msgId: 'x', prompt: 'p' });
  const b = ev('output', { movementId: 'm1', text: 'once' });
  assert.deepEqual(run(tab, [a, b]), ['applied', 'applied']);
  assert.deepEqual(run(tab, [a, b]), ['duplicate', 'duplicate']);
  assert.equal(tab.movements[0].items[0].text, 'once');
  const old = { type: 'output', data: { epoch: E, seq: 3, movementId: 'm1', text: 'old' } };
  assert.equal(store.applyEvent(tab, old), 'duplicate');
  const gap = { type: 'output', data: { epoch: E, seq: 10, movementId: 'm1', text: 'later' } };
  assert.equal(store.applyEvent(tab, gap), 'gap');
  assert.equal(tab.seq, 7, 'a gap applies nothing');
  const other = { type: 'output', data: { epoch: 'epoch-2', seq: 1, movementId: 'm1', text: 'x' } };
  assert.equal(store.applyEvent(tab, other), 'epoch');
  assert.equal(store.applyEvent(store.newTab({ tabId: 't' }), other), 'uninitialized');
  assert.equal(store.applyEvent(tab, { type: 'machineStatus', data: { online: true } }), 'ignored');
  assert.equal(tab.movements[0].items[0].text, 'once');
});

test('replay applies only what is new, in order', () => {
  const tab = initedTab();
  const ev = stamper();
  const frames = [
    ev('movementStart', { movementId: 'm1', msgId: 'x', prompt: 'p' }),
    ev('output', { movementId: 'm1', text: 'a' }),
    ev('output', { movementId: 'm1', text: 'b' }),
    ev('output', { movementId: 'm1', text: 'c' }),
  ];
  run(tab, frames.slice(0, 2));
  // The reply repeats seq 2 (already applied) and brings 3, 4.
  const result = store.applyInit(tab, { mode: 'replay', epoch: E, events: frames.slice(1) });
  assert.equal(result, 'ok');
  assert.equal(tab.seq, 4);
  assert.equal(tab.movements[0].items[0].text, 'abc');
  // A replay from another epoch is not trusted.
  assert.equal(store.applyInit(tab, { mode: 'replay', epoch: 'other', events: [] }), 'epoch');
  // A replay with a hole.
  const holey = [ev('output', { movementId: 'm1', text: 'd' }), ev('output', { movementId: 'm1', text: 'e' })];
  assert.equal(store.applyInit(tab, { mode: 'replay', epoch: E, events: [holey[1]] }), 'gap');
});

test('a snapshot replaces the transcript and sets epoch and seq', () => {
  const tab = initedTab();
  const ev = stamper();
  run(tab, [
    ev('movementStart', { movementId: 'old', msgId: 'x', prompt: 'old prompt' }),
    ev('output', { movementId: 'old', text: 'old text' }),
  ]);
  const generation = tab.generation;
  store.applyInit(tab, {
    mode: 'snapshot',
    epoch: 'epoch-2',
    seq: 40,
    snapshot: {
      tabId: 't1',
      sessionId: 's9',
      state: 'running',
      movements: [
        {
          movementId: 'm1', msgId: 'a', prompt: 'first', startedAt: '2025-01-01T00:00:00Z',
          events: [
            { type: 'movementStart', data: { movementId: 'm1', msgId: 'a', prompt: 'first', startedAt: '2025-01-01T00:00:00Z' } },
            { type: 'output', data: { movementId: 'm1', text: 'merged text' } },
            { type: 'movementComplete', data: { movementId: 'm1', status: 'completed', finishedAt: '2025-01-01T00:00:01Z' } },
            { type: 'tabStateChanged', data: { state: 'idle' } },
          ],
        },
        {
          movementId: 'm2', msgId: 'b', prompt: 'second', startedAt: '2025-01-01T00:01:00Z',
          events: [{ type: 'toolUse', data: { movementId: 'm2', phase: 'start', toolUseId: 'tu', name: 'Read' } }],
        },
      ],
    },
  });
  assert.equal(tab.epoch, 'epoch-2');
  assert.equal(tab.seq, 40);
  assert.equal(tab.omitted, 0);
  assert.equal(tab.sessionId, 's9');
  assert.equal(tab.state, 'running', "the snapshot's state wins over stored tabStateChanged");
  assert.ok(tab.generation > generation);
  assert.deepEqual(tab.movements.map((m) => m.movementId), ['m1', 'm2']);
  assert.equal(tab.movements[0].items[0].text, 'merged text');
  assert.equal(tab.movements[0].status, 'completed');
  assert.equal(tab.movements[1].status, 'running', 'the running movement is still running');
  assert.equal(tab.movements[1].receivedAt, null, 'elapsed time comes from startedAt');
  // Events the snapshot already holds are ignored; the next one applies.
  assert.equal(store.applyEvent(tab, { type: 'output', data: { epoch: 'epoch-2', seq: 40, movementId: 'm2', text: 'x' } }), 'duplicate');
  assert.equal(store.applyEvent(tab, { type: 'output', data: { epoch: 'epoch-2', seq: 41, movementId: 'm2', text: 'y' } }), 'applied');
  assert.equal(tab.movements[1].items.at(-1).text, 'y');
});

test('a stored movement without an ending is interrupted, unless it is the running one', () => {
  const tab = store.newTab({ tabId: 't' });
  store.loadMovements(tab, [
    { movementId: 'a', prompt: 'p', events: [{ type: 'toolUse', data: { phase: 'start', toolUseId: 'x', name: 'Bash' } }] },
    { movementId: 'b', prompt: 'q', events: [] },
  ], { running: false });
  assert.equal(tab.movements[0].status, 'interrupted');
  assert.equal(tab.movements[0].items[0].status, 'unfinished');
  assert.equal(tab.movements[0].items[0].toolUseId, 'x', 'events without movementId belong to their movement');
  assert.equal(tab.movements[1].status, 'interrupted');
});

test('decisions: before their tool call, without a tool id, reviewed by the AI', () => {
  const tab = initedTab();
  const ev = stamper();
  run(tab, [
    ev('movementStart', { movementId: 'm', msgId: 'x', prompt: 'p' }),
    ev('bouncerDecision', { movementId: 'm', toolUseId: 'late', tool: 'Write', operation: 'write a', verdict: 'review', outcome: 'allow', reason: 'ok', ruleIds: [], layer: 'ai', latencyMs: 800, reviewerReason: 'the user asked for it' }),
    ev('bouncerDecision', { movementId: 'm', tool: 'WebFetch', operation: 'https://x', verdict: 'allow', outcome: 'allow', reason: 'allowed', ruleIds: ['web'], layer: 'rule', latencyMs: 1 }),
    ev('toolUse', { movementId: 'm', phase: 'start', toolUseId: 'late', name: 'Write' }),
  ]);
  const m = tab.movements[0];
  assert.deepEqual(m.items.map((i) => i.kind), ['decision', 'tool'], 'the claimed decision moved onto its tool');
  assert.equal(m.items[0].decision.tool, 'WebFetch');
  assert.equal(m.items[1].decisions[0].reviewerReason, 'the user asked for it');
  assert.equal(m.items[1].decisions[0].layer, 'ai');
});

test('sub-agent events nest under their tool call, and bump its rev', () => {
  const tab = initedTab();
  const ev = stamper();
  run(tab, [
    ev('movementStart', { movementId: 'm', msgId: 'x', prompt: 'p' }),
    ev('toolUse', { movementId: 'm', phase: 'start', toolUseId: 'task', name: 'Task' }),
  ]);
  const task = tab.movements[0].items[0];
  const before = task.rev;
  run(tab, [
    ev('output', { movementId: 'm', text: 'sub says', parentToolUseId: 'task' }),
    ev('toolUse', { movementId: 'm', phase: 'start', toolUseId: 'inner', name: 'Grep', parentToolUseId: 'task' }),
    ev('output', { movementId: 'm', text: 'deeper', parentToolUseId: 'inner' }),
    ev('toolUse', { movementId: 'm', phase: 'result', toolUseId: 'inner', name: 'Grep', result: 'found' }),
    ev('toolUse', { movementId: 'm', phase: 'result', toolUseId: 'task', name: 'Task', result: 'sub done' }),
  ]);
  const m = tab.movements[0];
  assert.equal(m.items.length, 1, 'nothing leaked to the top level');
  assert.deepEqual(task.children.map((c) => c.kind), ['text', 'tool']);
  assert.equal(task.children[0].text, 'sub says');
  assert.equal(task.children[1].children[0].text, 'deeper');
  assert.equal(task.children[1].result, 'found');
  assert.ok(task.rev > before);
  assert.equal(task.status, 'done');
});

test('a failed movement; unfinished tools; a warning', () => {
  const tab = initedTab();
  const ev = stamper();
  run(tab, [
    ev('movementStart', { movementId: 'm', msgId: 'x', prompt: 'p' }),
    ev('toolUse', { movementId: 'm', phase: 'start', toolUseId: 't', name: 'Bash' }),
    ev('movementWarning', { movementId: 'm', message: 'No output for 5 minutes', silentSecs: 300 }),
    ev('movementError', { movementId: 'm', kind: 'stalled', message: 'killed by the watchdog', exitCode: -9, finishedAt: '2025-01-01T00:30:00Z' }),
  ]);
  const m = tab.movements[0];
  assert.equal(m.status, 'error');
  assert.deepEqual(m.error, { kind: 'stalled', message: 'killed by the watchdog', exitCode: -9 });
  assert.equal(m.items[0].status, 'unfinished');
  assert.equal(m.items[1].kind, 'warning');
  assert.equal(store.runningMovement(tab), null);
});

test('a pending prompt clears when its movement starts', () => {
  const tab = initedTab();
  store.setPending(tab, { msgId: 'mine', prompt: 'p', status: 'sending' });
  const ev = stamper();
  run(tab, [ev('movementStart', { movementId: 'other', msgId: 'theirs', prompt: 'q' })]);
  assert.ok(tab.pending, 'another prompt does not clear it');
  run(tab, [ev('movementStart', { movementId: 'm', msgId: 'mine', prompt: 'p' })]);
  assert.equal(tab.pending, null);
  assert.ok(store.hasMsg(tab, 'mine'));
});

test('tab state, removal and ids', () => {
  const tab = initedTab();
  const ev = stamper();
  run(tab, [ev('tabStateChanged', { state: 'running', sessionId: 's1' })]);
  assert.equal(tab.sessionId, 's1');
  run(tab, [ev('tabStateChanged', { state: 'idle', sessionId: null })]);
  assert.equal(tab.sessionId, null);
  run(tab, [ev('tabStateChanged', { state: 'removed' })]);
  assert.equal(tab.state, 'removed');
  assert.ok(store.isValidId(store.freshId('t')));
  assert.ok(store.freshId('m').length <= 64);
  for (const bad of ['', 'a/b', '../x', 'x'.repeat(65), null, 5, 'a b']) assert.equal(store.isValidId(bad), false);
});

test('history session for a read-only tab', () => {
  const tab = store.newTab({ tabId: 'v', readOnly: true });
  store.applySession(tab, {
    version: 1, id: 's1', title: 'Refactor', movements: [
      { movementId: 'm', msgId: 'x', prompt: 'do it', events: [{ type: 'output', data: { movementId: 'm', text: 'ok' } }, { type: 'movementComplete', data: { movementId: 'm', status: 'cancelled', finishedAt: 'x' } }] },
    ],
  });
  assert.equal(tab.sessionId, 's1');
  assert.equal(tab.title, 'Refactor');
  assert.equal(tab.movements[0].status, 'cancelled');
  assert.equal(store.tabLabel(tab), 'Refactor');
});

test('a large session opens with its newest movements and loads the older ones before them', () => {
  const mv = (id, text) => ({
    movementId: id, msgId: `msg-${id}`, prompt: `prompt ${id}`,
    events: [{ type: 'output', data: { movementId: id, text } }, { type: 'movementComplete', data: { movementId: id, status: 'completed', finishedAt: 'x' } }],
  });
  const tab = store.newTab({ tabId: 'v', readOnly: true });
  store.applySession(tab, { id: 's1', title: 'Long', movements: [mv('m3', 'three'), mv('m4', 'four')] }, 3);
  assert.equal(tab.omitted, 3);
  const rev = tab.rev;
  assert.equal(store.prependMovements(tab, [mv('m1', 'one'), mv('m2', 'two'), mv('m3', 'again')], 1, 3), true);
  assert.deepEqual(tab.movements.map((m) => m.movementId), ['m1', 'm2', 'm3', 'm4']);
  assert.equal(tab.omitted, 1);
  assert.ok(tab.rev > rev);
  assert.equal(tab.byId.m2.items[0].text, 'two');
  assert.equal(tab.byId.m3.items[0].text, 'three', 'a movement the tab has is kept, not replaced');
  assert.equal(tab.movements[0].status, 'completed');
  // A count that grows (a wrong answer) never hides what is shown; junk counts are 0.
  store.prependMovements(tab, [mv('m0', 'zero')], 9, 1);
  assert.deepEqual(tab.movements.map((m) => m.movementId), ['m0', 'm1', 'm2', 'm3', 'm4']);
  assert.equal(tab.omitted, 1);
  // An answer for a window the tab no longer starts at (a snapshot came meanwhile) is
  // dropped: it would leave a hole.
  const snap = store.newTab({ tabId: 't' });
  store.applySnapshot(snap, { mode: 'snapshot', epoch: 'e', seq: 1, snapshot: { movements: [mv('m7', 'seven')], omitted: 7 } });
  assert.equal(store.prependMovements(snap, [mv('m2', 'two'), mv('m3', 'three')], 2, 5), false);
  assert.deepEqual(snap.movements.map((m) => m.movementId), ['m7']);
  assert.equal(snap.omitted, 7);
  store.applySession(tab, { id: 's1', movements: [] }, 'lots');
  assert.equal(tab.omitted, 0);
});

test('a tab\'s settings: from a snapshot, an event, a replay; anything odd is the default', () => {
  const tab = store.newTab({ tabId: 't1' });
  assert.deepEqual(tab.settings, { model: null, askPerson: null });
  store.applySnapshot(tab, {
    mode: 'snapshot', epoch: E, seq: 0,
    snapshot: { tabId: 't1', sessionId: null, state: 'idle', movements: [], settings: { model: 'opus', askPerson: 'first' } },
  });
  assert.deepEqual(tab.settings, { model: 'opus', askPerson: 'first' });
  const ev = stamper();
  const rev = tab.rev;
  assert.deepEqual(run(tab, [ev('tabSettingsChanged', { model: null, askPerson: 'never' })]), ['applied']);
  assert.deepEqual(tab.settings, { model: null, askPerson: 'never' });
  assert.ok(tab.rev > rev, 'a change is a change of the tab');
  store.applyInit(tab, { mode: 'replay', epoch: E, events: [], settings: { model: 'sonnet', askPerson: 'always' } });
  assert.deepEqual(tab.settings, { model: 'sonnet', askPerson: null });
  assert.deepEqual(store.settingsOf({ model: 5, askPerson: 'after-reviewer' }), { model: null, askPerson: 'after-reviewer' });
});
