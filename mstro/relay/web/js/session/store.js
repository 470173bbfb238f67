// @ts-check
// The transcript model of one tab, and the reducer that builds it from the machine's
// events (docs/sessions.md). Pure data, no DOM: a live event, a replayed one and one
// from a snapshot or a history file all go through `reduce`.
//
// tab = {tabId, sessionId, state, title, epoch, seq, movements: [movement], pending,
//        rev, generation, readOnly}
// movement = {movementId, msgId, prompt, startedAt, receivedAt, status, items,
//             tools: {toolUseId → tool item}, outputTokens, usage, result, error,
//             finishedAt, rev, nextKey}
// item = {key, rev, kind: 'text' | 'thinking' | 'tool' | 'decision' | 'approval' | 'warning', …}
//   text/thinking: {text}
//   tool: {toolUseId, name, input, hasInput, result, hasResult, isError, truncated,
//          status: 'running' | 'done' | 'error' | 'unfinished', decisions: [], children: [items],
//          parentToolUseId}
//   decision: {decision}   (a bouncer decision no tool call claimed)
//   approval: {approval: {approvalId, toolUseId, tool, operation, reason, alternative,
//              ruleIds, reviewerReason, deadline, outcome (null while it waits), by}}
//   warning: {message, silentSecs}
//
// `rev` numbers grow on every change (tab, movement, item, and the tool items a change
// is nested in), so a renderer can redo only what changed. `generation` grows when the
// transcript is replaced (a snapshot).

/** @typedef {import('../../types/protocol').TabEvent} TabEvent */

const HOP = Object.prototype.hasOwnProperty;

/** Is this a tab, session or prompt id (1–64 of A-Z a-z 0-9 _ -)? */
export function isValidId(id) {
  return typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id);
}

/** A fresh random id with a prefix ("t-…", "m-…"), valid as a tab or msg id. */
export function freshId(prefix) {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function str(value) {
  return typeof value === 'string' ? value : '';
}

function optStr(value) {
  return typeof value === 'string' && value ? value : null;
}

function num(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * @param {{tabId?: string, sessionId?: string | null, title?: string, state?: string, readOnly?: boolean}} [fields]
 */
export function newTab({ tabId, sessionId = null, title = '', state = 'idle', readOnly = false } = {}) {
  return {
    tabId,
    sessionId: optStr(sessionId),
    state: state === 'running' ? 'running' : 'idle',
    title: str(title),
    epoch: null,
    seq: 0,
    movements: [],
    byId: Object.create(null),
    pending: null,
    omitted: 0,
    rev: 1,
    generation: 1,
    readOnly,
    // The tab's own settings (setTabSettings); null: the machine's default.
    settings: settingsOf(null),
  };
}

const ASK_PERSON = ['after-reviewer', 'first', 'never'];

/**
 * A tab's settings from the machine (`tabSettingsChanged`, an initTab reply, a
 * getActiveTabs row), field by field: anything else is the default (null).
 * @returns {{model: string | null, askPerson: 'after-reviewer' | 'first' | 'never' | null}}
 */
export function settingsOf(value) {
  const v = value && typeof value === 'object' ? value : {};
  return {
    model: typeof v.model === 'string' && v.model ? v.model : null,
    askPerson: ASK_PERSON.includes(v.askPerson) ? v.askPerson : null,
  };
}

function touch(tab, movement, ...items) {
  tab.rev += 1;
  if (movement) movement.rev += 1;
  for (const item of items) {
    if (!item) continue;
    item.rev += 1;
    // A nested change is a change of every tool call it sits in.
    let parentId = item.parentToolUseId;
    let guard = 0;
    while (movement && parentId && guard < 64) {
      const parent = movement.tools[parentId];
      if (!parent) break;
      parent.rev += 1;
      parentId = parent.parentToolUseId;
      guard += 1;
    }
  }
}

function makeMovement(fields) {
  return {
    movementId: fields.movementId,
    msgId: str(fields.msgId),
    prompt: str(fields.prompt),
    startedAt: optStr(fields.startedAt),
    receivedAt: null,
    resume: optStr(fields.resume),
    attachments: Array.isArray(fields.attachments) ? fields.attachments.filter((a) => typeof a === 'string' && a).slice(0, 10) : [],
    status: 'running',
    items: [],
    tools: Object.create(null),
    approvals: Object.create(null),
    outputTokens: null,
    usage: null,
    result: null,
    error: null,
    finishedAt: null,
    claudeSessionId: null,
    rev: 1,
    nextKey: 1,
  };
}

function getMovement(tab, movementId, create = true) {
  const id = typeof movementId === 'string' && movementId ? movementId : null;
  if (id && HOP.call(tab.byId, id)) return tab.byId[id];
  if (!create) return null;
  // An event whose start we never saw: attach to the last movement when the id is
  // missing, else start a placeholder so nothing is dropped.
  if (!id && tab.movements.length) return tab.movements[tab.movements.length - 1];
  const m = makeMovement({ movementId: id || `unknown-${tab.movements.length + 1}` });
  tab.movements.push(m);
  tab.byId[m.movementId] = m;
  return m;
}

/** What both ends of a movement (`movementComplete`, `movementError`) carry. */
function ended(tab, m, data) {
  m.usage = usageOf(data.usage) || m.usage;
  m.claudeSessionId = optStr(data.claudeSessionId);
  m.finishedAt = optStr(data.finishedAt);
  finishTools(tab, m);
  touch(tab, m);
  return true;
}

function newItem(m, kind, fields) {
  const item = { key: m.nextKey, rev: 1, kind, ...fields };
  m.nextKey += 1;
  return item;
}

/** The list new items go to: the movement's, or a tool call's (sub-agents). */
function containerFor(tab, m, parentToolUseId) {
  const parentId = optStr(parentToolUseId);
  if (!parentId) return { list: m.items, parent: null };
  let parent = m.tools[parentId];
  if (!parent) {
    // A sub-agent event before its tool call: hold it in a placeholder call.
    parent = newItem(m, 'tool', toolFields(parentId, '', null));
    m.tools[parentId] = parent;
    m.items.push(parent);
  }
  return { list: parent.children, parent };
}

function toolFields(toolUseId, name, parentToolUseId) {
  return {
    toolUseId,
    name: str(name),
    input: null,
    hasInput: false,
    result: null,
    hasResult: false,
    isError: false,
    truncated: false,
    status: 'running',
    decisions: [],
    children: [],
    parentToolUseId: optStr(parentToolUseId),
  };
}

function addText(tab, m, kind, data) {
  const text = str(data.text);
  if (!text) return;
  const { list, parent } = containerFor(tab, m, data.parentToolUseId);
  const last = list[list.length - 1];
  if (last && last.kind === kind) {
    last.text += text;
    touch(tab, m, last);
    return;
  }
  const item = newItem(m, kind, { text, parentToolUseId: parent ? parent.toolUseId : null });
  list.push(item);
  touch(tab, m, item);
}

function ensureTool(tab, m, data) {
  const id = optStr(data.toolUseId);
  if (!id) return null;
  let tool = m.tools[id];
  if (tool) {
    if (!tool.name && str(data.name)) tool.name = data.name;
    return tool;
  }
  const { list, parent } = containerFor(tab, m, data.parentToolUseId);
  tool = newItem(m, 'tool', toolFields(id, data.name, parent ? parent.toolUseId : null));
  m.tools[id] = tool;
  list.push(tool);
  // Decisions that came before their tool call move onto it.
  const claimed = m.items.filter((it) => it.kind === 'decision' && it.decision.toolUseId === id);
  if (claimed.length) {
    m.items = m.items.filter((it) => !claimed.includes(it));
    for (const it of claimed) tool.decisions.push(it.decision);
  }
  return tool;
}

function toolUse(tab, m, data) {
  const tool = ensureTool(tab, m, data);
  if (!tool) return;
  switch (data.phase) {
    case 'input':
      if (HOP.call(data, 'input')) {
        tool.input = data.input === undefined ? null : data.input;
        tool.hasInput = true;
      }
      break;
    case 'result':
      tool.result = typeof data.result === 'string' ? data.result : (data.result == null ? '' : JSON.stringify(data.result));
      tool.hasResult = true;
      tool.isError = data.isError === true;
      tool.truncated = data.truncated === true;
      tool.status = tool.isError ? 'error' : 'done';
      break;
    default:
      break;
  }
  touch(tab, m, tool);
}

function decisionOf(data) {
  return {
    toolUseId: optStr(data.toolUseId),
    tool: str(data.tool),
    operation: str(data.operation),
    verdict: str(data.verdict),
    outcome: data.outcome === 'allow' ? 'allow' : 'deny',
    reason: str(data.reason),
    ruleIds: Array.isArray(data.ruleIds) ? data.ruleIds.filter((r) => typeof r === 'string') : [],
    layer: str(data.layer),
    latencyMs: num(data.latencyMs),
    reviewerReason: optStr(data.reviewerReason),
    alternative: optStr(data.alternative),
    decidedBy: optStr(data.decidedBy),
    ruleReason: optStr(data.ruleReason),
  };
}

const APPROVAL_OUTCOMES = new Set(['approved', 'approvedForSession', 'denied', 'expired', 'ended']);

function approvalRequest(tab, m, data) {
  const id = optStr(data.approvalId);
  if (!id || m.approvals[id]) return;
  const item = newItem(m, 'approval', {
    approval: {
      approvalId: id,
      toolUseId: optStr(data.toolUseId),
      tool: str(data.tool),
      operation: str(data.operation),
      reason: str(data.reason),
      alternative: optStr(data.alternative),
      ruleIds: Array.isArray(data.ruleIds) ? data.ruleIds.filter((r) => typeof r === 'string') : [],
      reviewerReason: optStr(data.reviewerReason),
      deadline: optStr(data.deadline),
      outcome: null,
      by: null,
    },
    parentToolUseId: null,
  });
  m.approvals[id] = item;
  m.items.push(item);
  touch(tab, m, item);
}

function approvalResolved(tab, m, data) {
  const item = m.approvals[optStr(data.approvalId) || ''];
  if (!item) return;
  item.approval.outcome = APPROVAL_OUTCOMES.has(data.outcome) ? data.outcome : 'ended';
  item.approval.by = optStr(data.by);
  touch(tab, m, item);
}

/**
 * The approval requests of `tab` still waiting for an answer.
 * @param {any} tab
 * @returns {any[]} their `approval` records
 */
export function waitingApprovals(tab) {
  const out = [];
  for (const m of tab.movements) {
    if (m.status !== 'running') continue;
    for (const item of Object.values(m.approvals)) {
      if (item.approval.outcome === null) out.push(item.approval);
    }
  }
  return out;
}

function bouncerDecision(tab, m, data) {
  const decision = decisionOf(data);
  const tool = decision.toolUseId ? m.tools[decision.toolUseId] : null;
  if (tool) {
    tool.decisions.push(decision);
    touch(tab, m, tool);
    return;
  }
  const item = newItem(m, 'decision', { decision, parentToolUseId: null });
  m.items.push(item);
  touch(tab, m, item);
}

function usageOf(u) {
  if (!u || typeof u !== 'object') return null;
  return {
    inputTokens: num(u.inputTokens) ?? 0,
    outputTokens: num(u.outputTokens) ?? 0,
    cacheReadInputTokens: num(u.cacheReadInputTokens) ?? 0,
    cacheCreationInputTokens: num(u.cacheCreationInputTokens) ?? 0,
    costUsd: num(u.costUsd),
    durationMs: num(u.durationMs),
    numTurns: num(u.numTurns),
  };
}

function finishTools(tab, m) {
  for (const tool of Object.values(m.tools)) {
    if (tool.status === 'running') {
      tool.status = 'unfinished';
      touch(tab, m, tool);
    }
  }
  // The machine ends its requests with the run; one that never said so (mstro
  // stopped) waits for nobody either.
  for (const item of Object.values(m.approvals)) {
    if (item.approval.outcome === null) {
      item.approval.outcome = 'ended';
      touch(tab, m, item);
    }
  }
}

/**
 * Apply one event (type and data, without the epoch/seq check) to `tab`.
 * `meta.now` (ms) is recorded as the local time a live movement started;
 * `meta.inSnapshot` skips tab-level state changes (the snapshot has its own).
 * @param {any} tab
 * @param {TabEvent['type'] | 'input' | 'result' | string} type
 * @param {any} data the event's `data`, checked field by field (it may be from an older machine)
 * @param {{now?: number, inSnapshot?: boolean}} [meta]
 */
export function reduce(tab, type, data, meta = {}) {
  if (!data || typeof data !== 'object') return false;
  switch (type) {
    case 'movementStart': {
      const id = optStr(data.movementId);
      if (!id) return false;
      let m = tab.byId[id];
      if (!m) {
        m = makeMovement(data);
        tab.movements.push(m);
        tab.byId[id] = m;
      } else {
        if (!m.msgId) m.msgId = str(data.msgId);
        if (!m.prompt) m.prompt = str(data.prompt);
        if (!m.startedAt) m.startedAt = optStr(data.startedAt);
        if (!m.resume) m.resume = optStr(data.resume);
        if (!m.attachments.length) m.attachments = makeMovement(data).attachments;
      }
      if (typeof meta.now === 'number' && m.receivedAt == null) m.receivedAt = meta.now;
      if (tab.pending && tab.pending.msgId && tab.pending.msgId === m.msgId) tab.pending = null;
      if (!tab.title && m.prompt) tab.title = titleFrom(m.prompt);
      touch(tab, m);
      return true;
    }
    case 'output':
    case 'thinking': {
      const m = getMovement(tab, data.movementId);
      addText(tab, m, type === 'output' ? 'text' : 'thinking', data);
      return true;
    }
    case 'toolUse': {
      const m = getMovement(tab, data.movementId);
      toolUse(tab, m, data);
      return true;
    }
    case 'bouncerDecision': {
      const m = getMovement(tab, data.movementId);
      bouncerDecision(tab, m, data);
      return true;
    }
    case 'approvalRequest': {
      const m = getMovement(tab, data.movementId);
      approvalRequest(tab, m, data);
      return true;
    }
    case 'approvalResolved': {
      const m = getMovement(tab, data.movementId);
      approvalResolved(tab, m, data);
      return true;
    }
    case 'streamingTokens': {
      const m = getMovement(tab, data.movementId);
      const n = num(data.outputTokens);
      if (n != null) m.outputTokens = n;
      touch(tab, m);
      return true;
    }
    case 'movementWarning': {
      const m = getMovement(tab, data.movementId);
      const item = newItem(m, 'warning', {
        message: str(data.message) || 'No output for a while.',
        silentSecs: num(data.silentSecs),
        parentToolUseId: null,
      });
      m.items.push(item);
      touch(tab, m, item);
      return true;
    }
    case 'movementComplete': {
      const m = getMovement(tab, data.movementId);
      m.status = data.status === 'cancelled' ? 'cancelled' : 'completed';
      m.result = optStr(data.result);
      return ended(tab, m, data);
    }
    case 'movementError': {
      const m = getMovement(tab, data.movementId);
      m.status = 'error';
      m.error = {
        kind: str(data.kind) || 'error',
        message: str(data.message) || 'The run failed.',
        exitCode: num(data.exitCode),
      };
      return ended(tab, m, data);
    }
    case 'tabSettingsChanged': {
      if (meta.inSnapshot) return false;
      tab.settings = settingsOf(data);
      touch(tab, null);
      return true;
    }
    case 'tabStateChanged': {
      if (meta.inSnapshot) return false;
      if (data.state === 'running' || data.state === 'idle' || data.state === 'removed') tab.state = data.state;
      // sessionId absent: before the first prompt (or `new`); null after `new`.
      if (HOP.call(data, 'sessionId')) tab.sessionId = optStr(data.sessionId);
      touch(tab, null);
      return true;
    }
    default:
      return false;
  }
}

/** The text of a tab's label from a prompt. */
export function titleFrom(prompt) {
  const line = str(prompt).replace(/\s+/g, ' ').trim();
  return line.length > 48 ? `${line.slice(0, 47)}…` : line;
}

function frameParts(frame) {
  if (!frame || typeof frame !== 'object') return null;
  const data = frame.data && typeof frame.data === 'object' ? frame.data : null;
  if (typeof frame.type !== 'string' || !data) return null;
  return { type: frame.type, data };
}

/**
 * Apply a live (or replayed) event frame `{type, data: {epoch, seq, …}}`, checking
 * its stamp. Returns:
 *   'applied'; 'duplicate' (seq already applied: ignored); 'gap' (events missing:
 *   re-init); 'epoch' (another epoch: re-init); 'uninitialized' (no epoch yet);
 *   'ignored' (not an event).
 */
export function applyEvent(tab, frame, meta = {}) {
  const parts = frameParts(frame);
  if (!parts) return 'ignored';
  const { type, data } = parts;
  const seq = num(data.seq);
  if (seq == null || typeof data.epoch !== 'string') return 'ignored';
  if (tab.epoch == null) return 'uninitialized';
  if (data.epoch !== tab.epoch) return 'epoch';
  if (seq <= tab.seq) return 'duplicate';
  if (seq > tab.seq + 1) return 'gap';
  tab.seq = seq;
  reduce(tab, type, data, meta);
  tab.rev += 1;
  return 'applied';
}

function resetTranscript(tab) {
  tab.omitted = 0;
  tab.movements = [];
  tab.byId = Object.create(null);
  tab.generation += 1;
  tab.rev += 1;
}

/**
 * Replace the transcript with stored movements ({movementId, msgId, prompt,
 * startedAt, events: [{type, data}]} — a snapshot's or a history file's).
 * `running`: the tab runs its last movement.
 */
export function loadMovements(tab, movements, { running = false } = {}) {
  resetTranscript(tab);
  const list = Array.isArray(movements) ? movements : [];
  list.forEach((mv, index) => {
    if (!mv || typeof mv !== 'object') return;
    const id = optStr(mv.movementId) || optStr(mv.id) || `stored-${index + 1}`;
    const m = makeMovement({ ...mv, movementId: id });
    tab.movements.push(m);
    tab.byId[id] = m;
    const events = Array.isArray(mv.events) ? mv.events : [];
    for (const ev of events) {
      const parts = frameParts(ev);
      if (!parts) continue;
      const data = parts.data.movementId ? parts.data : { ...parts.data, movementId: id };
      reduce(tab, parts.type, data, { inSnapshot: true });
    }
    const last = index === list.length - 1;
    if (m.status === 'running' && !(running && last)) {
      // No ending was recorded (mstro stopped mid-run).
      const stored = mv.status === 'completed' || mv.status === 'cancelled' || mv.status === 'error' ? mv.status : null;
      m.status = stored || 'interrupted';
      finishTools(tab, m);
    }
  });
  if (!tab.title && tab.movements.length) tab.title = titleFrom(tab.movements[0].prompt);
  if (tab.pending && tab.movements.some((m) => m.msgId === tab.pending.msgId)) tab.pending = null;
  tab.rev += 1;
}

/** An `initTab` reply with mode "snapshot": replace everything, continue from `seq`. */
export function applySnapshot(tab, reply) {
  const snap = reply && reply.snapshot && typeof reply.snapshot === 'object' ? reply.snapshot : {};
  if (snap.state === 'running' || snap.state === 'idle') tab.state = snap.state;
  if (HOP.call(snap, 'sessionId')) tab.sessionId = optStr(snap.sessionId);
  if (typeof snap.title === 'string' && snap.title) tab.title = snap.title;
  if (HOP.call(snap, 'settings')) tab.settings = settingsOf(snap.settings);
  loadMovements(tab, snap.movements, { running: tab.state === 'running' });
  tab.omitted = count(snap.omitted); // older movements left out (size)
  tab.epoch = typeof reply.epoch === 'string' ? reply.epoch : null;
  tab.seq = num(reply.seq) ?? 0;
}

/**
 * An `initTab` reply with mode "replay": its events, through the seq check. Returns
 * 'ok', or the first result that needs a re-init ('gap', 'epoch').
 */
export function applyReplay(tab, reply, meta = {}) {
  if (!reply || reply.epoch !== tab.epoch) return 'epoch';
  const events = Array.isArray(reply.events) ? reply.events : [];
  for (const ev of events) {
    const result = applyEvent(tab, ev, meta);
    if (result === 'gap' || result === 'epoch') return result;
  }
  // The settings as they are now (also when no event changed them while away).
  if (HOP.call(reply, 'settings')) {
    tab.settings = settingsOf(reply.settings);
    tab.rev += 1;
  }
  return 'ok';
}

/** Apply an `initTab` reply of either mode. */
export function applyInit(tab, reply, meta = {}) {
  if (reply && reply.mode === 'replay' && tab.epoch != null) return applyReplay(tab, reply, meta);
  if (reply && reply.mode === 'replay') {
    // A replay for a tab we hold nothing of (e.g. lastSeenSeq 0): take it from scratch.
    resetTranscript(tab);
    tab.epoch = typeof reply.epoch === 'string' ? reply.epoch : null;
    tab.seq = 0;
    return applyReplay(tab, reply, meta);
  }
  applySnapshot(tab, reply || {});
  return 'ok';
}

/**
 * A read-only tab's transcript from a `getSessionById` answer: its session (the newest
 * movements that fit in one frame) and `omitted`, how many older ones it left out.
 */
export function applySession(tab, session, omitted) {
  const s = session && typeof session === 'object' ? session : {};
  tab.sessionId = optStr(s.id) || optStr(s.sessionId) || tab.sessionId;
  if (typeof s.title === 'string' && s.title) tab.title = s.title;
  tab.state = 'idle';
  loadMovements(tab, s.movements, { running: false });
  tab.omitted = count(omitted);
}

/**
 * Older movements (a `getSessionById {before}` answer) go before those the tab has;
 * `omitted` is how many are older still. Movements the tab already has are skipped.
 * `before` is what was asked for: an answer that no longer ends where the tab's
 * movements begin (a snapshot or a new session came meanwhile) is dropped, and false
 * returned, since it would leave a hole nothing mentions.
 */
export function prependMovements(tab, movements, omitted, before) {
  if (tab.omitted !== before) return false;
  const older = newTab({ tabId: tab.tabId });
  loadMovements(older, movements, { running: false });
  const fresh = older.movements.filter((m) => !HOP.call(tab.byId, m.movementId));
  for (const m of fresh) tab.byId[m.movementId] = m;
  tab.movements = [...fresh, ...tab.movements];
  tab.omitted = Math.min(count(omitted), tab.omitted);
  tab.rev += 1;
  return true;
}

function count(value) {
  const n = num(value);
  return n != null && n > 0 ? Math.floor(n) : 0;
}

/** A prompt sent but not yet seen starting (shown greyed; resent after a reconnect). */
export function setPending(tab, pending) {
  tab.pending = pending;
  tab.rev += 1;
}

/** The movement running now, if any. */
export function runningMovement(tab) {
  for (let i = tab.movements.length - 1; i >= 0; i--) {
    if (tab.movements[i].status === 'running') return tab.movements[i];
  }
  return null;
}

/** Has this tab seen a movement for `msgId`? */
export function hasMsg(tab, msgId) {
  return tab.movements.some((m) => m.msgId === msgId);
}

/** The label of a tab. */
export function tabLabel(tab) {
  return tab.title || (tab.movements.length ? titleFrom(tab.movements[0].prompt) : '') || 'New chat';
}
