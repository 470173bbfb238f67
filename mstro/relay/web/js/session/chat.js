// @ts-check
// The chat of one machine (#chat): tabs (each shows one session), their transcripts,
// the prompt, the run state and the history panel, over the machine socket
// (docs/sessions.md).
//
// Keeping in step with the machine:
// - Each tab keeps the `epoch` and highest `seq` it applied (store.js). Live events
//   go through applyEvent: a seq already applied is ignored; a gap or another epoch
//   asks initTab again.
// - sync() (on open, on every reconnect, when the machine comes back online):
//   getActiveTabs, merge with the tabs remembered in localStorage (per machine),
//   then initTab {epoch, lastSeenSeq, sessionId} for every tab. While a tab's initTab
//   is in flight its live events are buffered and applied after the reply.
// - A prompt is sent with a fresh msgId; if the connection drops before the ack it
//   stays pending and is sent again with the same msgId after the next sync (the
//   machine runs a msgId once).

import { h, errorBox } from '../dom.js';
import * as store from './store.js';
import { createTranscript } from './transcript.js';
import { encodeFiles } from './attachments.js';
import { createPrompt, PLACEHOLDER } from './prompt.js';
import { createHistory } from './history.js';
import { formatClock, formatCost, formatCount, formatDuration, elapsedOf, movementDuration } from './format.js';

const STORAGE_PREFIX = 'mstro.chat.';
/** A browser frame the relay takes, less room for what the relay adds. */
const MAX_SEND_BYTES = 1024 * 1024 - 4096;
const EVENT_TYPES = new Set([
  'movementStart', 'output', 'thinking', 'toolUse', 'bouncerDecision', 'streamingTokens',
  'movementWarning', 'movementComplete', 'movementError', 'tabStateChanged',
  'approvalRequest', 'approvalResolved',
]);
const TRANSIENT = new Set(['connection_lost', 'machine_offline', 'timeout', 'busy']);
const MAX_BUFFER = 20000;
const INIT_TIMEOUT_MS = 30000;
const ACK_TIMEOUT_MS = 30000;
const PERMISSION_WAIT_MS = 5000;
const RETRY_DELAYS_MS = [1000, 3000, 8000, 15000];

function friendly(err) {
  switch (err && err.code) {
    case 'tab_busy':
      return 'This tab is still running a prompt. Wait for it to finish, or stop it.';
    case 'forbidden':
      return "You don't have permission to do that on this machine.";
    case 'machine_offline':
      return 'The machine is offline.';
    case 'malformed':
      return `The machine refused the request: ${err.message}`;
    case 'not_found':
      return 'That tab or session no longer exists on the machine.';
    case 'unknown_type':
      return 'This machine runs a version of mstro without sessions. Update mstro on it.';
    case 'busy':
      return 'The machine is busy. Try again in a moment.';
    default:
      return (err && err.message) || 'Something went wrong.';
  }
}

/**
 * createChat({sock, machineId, workingDir()}) → {el, onFrame(frame), onOpen(), onGap(),
 * setOnline(bool), setPermission(p), show(), destroy(), isRunning()}
 *
 * @param {{sock?: import('../socket.js').MachineSocket, machineId?: string,
 *   workingDir?: () => string, onRunningChange?: (running: boolean) => void}} [options]
 */
export function createChat({ sock, machineId, workingDir = () => '', onRunningChange } = {}) {
  let alive = true;
  let permission = null; // 'owner' | 'view'
  let permissionWaiters = [];
  let online = null;
  let supported = null; // false once the machine says unknown_type
  let syncing = false;
  let syncAgain = false;
  let syncRetry = 0;
  let syncRetryTimer = 0;
  let savedEpoch = null;
  let selectedId = null;
  let tickTimer = 0;
  let renderQueued = false;
  let historyTimer = 0;
  let lastRunning = false;
  const dirty = new Set();
  const timers = new Set();
  const removed = new Set(); // tabs we closed: ignore their stray events
  /** tabId → ctl */
  const tabs = new Map();
  const order = [];

  // ---------------------------------------------------------------- layout

  const tablist = h('div', { id: 'tabs', class: 'tabs', role: 'tablist', 'aria-label': 'Sessions' });
  const newTabButton = h('button', {
    id: 'new-tab', type: 'button', class: 'btn btn-ghost btn-icon new-tab', 'aria-label': 'New tab', title: 'New tab',
  }, h('span', { 'aria-hidden': 'true' }, '+'));
  const historyToggle = h('button', {
    id: 'history-toggle', type: 'button', class: 'btn btn-ghost btn-sm history-toggle', 'aria-expanded': 'false', 'aria-controls': 'history',
  }, h('span', { class: 'glyph glyph-history', 'aria-hidden': 'true' }), h('span', { class: 'history-toggle-label' }, 'History'));
  const notice = h('div', { class: 'chat-notice', role: 'status', hidden: true });
  const noTabs = h('div', { class: 'transcript-panel no-tabs', hidden: true });
  const panels = h('div', { class: 'transcripts' }, noTabs);
  const alertSlot = h('div', { class: 'chat-alert error-slot', 'aria-live': 'assertive' });

  const runLabel = h('span', { class: 'run-label' }, 'Ready');
  const runElapsed = h('span', { class: 'elapsed' });
  const runTokens = h('span', { class: 'tokens' });
  const runCost = h('span', { class: 'cost' });
  const newSession = h('button', { type: 'button', class: 'btn btn-ghost btn-sm new-session', hidden: true, title: 'Start a fresh session in this tab' }, 'New session');
  const runState = h('div', { id: 'run-state', class: 'run-state', 'data-state': 'idle', role: 'status', 'aria-live': 'off' },
    h('span', { class: 'run-indicator', 'aria-hidden': 'true' }),
    runLabel, runElapsed, runTokens, runCost,
    h('span', { class: 'run-spacer' }),
    newSession);

  const prompt = createPrompt({
    status: runState,
    listDirectory: (path) => sock.request('listDirectory', { path }),
    onSubmit: (text, files) => send(text, files),
    onStop: () => stop(),
    onChange: (text) => {
      const ctl = selected();
      if (ctl) ctl.draft = text;
    },
  });

  const history = createHistory({
    request: (type, data) => sock.request(type, data),
    canDelete: () => isOwner(),
    onOpen: (s) => openSession(s),
    onClose: () => {
      historyToggle.setAttribute('aria-expanded', 'false');
      historyToggle.focus();
    },
  });

  const el = h('section', { id: 'chat', class: 'chat', 'aria-label': 'Chat' },
    h('div', { class: 'chat-bar' },
      h('div', { class: 'tabs-scroll' }, tablist),
      newTabButton,
      h('span', { class: 'chat-bar-spacer' }),
      historyToggle),
    h('div', { class: 'chat-main' },
      h('div', { class: 'chat-column' },
        notice,
        panels,
        h('div', { class: 'chat-foot' }, alertSlot, prompt.el)),
      history.el));

  /** setTimeout that destroy() cancels. */
  function later(fn, ms) {
    const id = setTimeout(() => {
      timers.delete(id);
      if (alive) fn();
    }, ms);
    timers.add(id);
    return id;
  }

  // ---------------------------------------------------------------- permission

  function isOwner() {
    return permission !== 'view';
  }

  function permissionReady() {
    if (permission) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        permissionWaiters = permissionWaiters.filter((w) => w !== done);
        resolve();
      }, PERMISSION_WAIT_MS);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      permissionWaiters.push(done);
    });
  }

  // ---------------------------------------------------------------- storage

  function storageKey() {
    return `${STORAGE_PREFIX}${machineId}`;
  }

  function loadSaved() {
    try {
      const raw = localStorage.getItem(storageKey());
      const data = raw ? JSON.parse(raw) : null;
      if (!data || typeof data !== 'object') return { epoch: null, selected: null, tabs: [] };
      const list = Array.isArray(data.tabs) ? data.tabs : [];
      return {
        epoch: typeof data.epoch === 'string' ? data.epoch : null,
        selected: store.isValidId(data.selected) ? data.selected : null,
        tabs: list
          .filter((t) => t && store.isValidId(t.tabId))
          .map((t) => ({
            tabId: t.tabId,
            sessionId: store.isValidId(t.sessionId) ? t.sessionId : null,
            title: typeof t.title === 'string' ? t.title.slice(0, 200) : '',
          }))
          .slice(0, 50),
      };
    } catch {
      return { epoch: null, selected: null, tabs: [] };
    }
  }

  function persist() {
    const data = {
      v: 1,
      epoch: savedEpoch,
      selected: selectedId,
      tabs: order
        .map((id) => tabs.get(id))
        .filter((ctl) => ctl && !ctl.model.readOnly)
        .map((ctl) => ({ tabId: ctl.model.tabId, sessionId: ctl.model.sessionId, title: store.tabLabel(ctl.model) })),
    };
    try {
      localStorage.setItem(storageKey(), JSON.stringify(data));
    } catch {
      // storage full or unavailable: tabs are not remembered, nothing else breaks
    }
  }

  // ---------------------------------------------------------------- tabs

  function selected() {
    return selectedId ? tabs.get(selectedId) || null : null;
  }

  function addTab({ tabId, sessionId = null, title = '', state = 'idle', readOnly = false, select: doSelect = false, at = null }) {
    let ctl = tabs.get(tabId);
    if (ctl) {
      if (doSelect) select(tabId);
      return ctl;
    }
    const model = store.newTab({ tabId, sessionId, title, state, readOnly });
    const panel = h('div', {
      id: `panel-${tabId}`,
      class: 'transcript-panel',
      role: 'tabpanel',
      'aria-labelledby': `tab-${tabId}`,
      tabindex: '0',
      hidden: true,
    });
    ctl = {
      model,
      panel,
      view: null,
      tabEl: null,
      buffer: null,
      initializing: null,
      reinit: false,
      failed: null,
      creating: false,
      triedCreate: false,
      retry: 0,
      retryTimer: 0,
      draft: '',
      stale: true,
      cancelling: false,
    };
    ctl.view = createTranscript(panel, {
      emptyHint: (tab) => emptyHint(tab),
      onDropPending: () => dropPending(ctl),
      onLoadEarlier: () => loadEarlier(ctl),
      approvals: {
        canAnswer: () => isOwner() && !ctl.model.readOnly,
        answer: (approvalId, choice) => sock.request('answerApproval',
          { approvalId, choice: /** @type {import('../../types/protocol').ApprovalChoice} */ (choice) },
          { tabId: ctl.model.tabId }),
      },
    });
    tabs.set(tabId, ctl);
    if (at != null && at >= 0 && at <= order.length) order.splice(at, 0, tabId);
    else order.push(tabId);
    panels.append(panel);
    removed.delete(tabId);
    renderTabs();
    if (doSelect || !selectedId) select(tabId);
    return ctl;
  }

  function removeLocal(tabId) {
    const ctl = tabs.get(tabId);
    if (!ctl) return;
    clearTimeout(ctl.retryTimer);
    tabs.delete(tabId);
    removed.add(tabId);
    const i = order.indexOf(tabId);
    if (i >= 0) order.splice(i, 1);
    ctl.panel.remove();
    dirty.delete(ctl);
    if (selectedId === tabId) {
      selectedId = null;
      const next = order[Math.min(i, order.length - 1)];
      if (next) select(next);
      else updateChrome();
    }
    renderTabs();
    persist();
  }

  function select(tabId, { focusTab = false } = {}) {
    const ctl = tabs.get(tabId);
    if (!ctl) return;
    const before = selected();
    if (before && before !== ctl) {
      before.draft = prompt.value;
      before.draftFiles = prompt.files;
    }
    selectedId = tabId;
    for (const c of tabs.values()) c.panel.hidden = c !== ctl;
    if (ctl.stale) renderTab(ctl);
    ctl.view.shown();
    if (before !== ctl) {
      // Files picked in one tab never go with another tab's prompt.
      prompt.setValue(ctl.draft || '');
      prompt.setFiles(ctl.draftFiles || []);
    }
    alertSlot.replaceChildren();
    renderTabs();
    updateChrome();
    persist();
    if (focusTab && ctl.tabEl) ctl.tabEl.focus();
  }

  function renderTabs() {
    const els = [];
    for (const id of order) {
      const ctl = tabs.get(id);
      if (!ctl) continue;
      const m = ctl.model;
      const isSel = id === selectedId;
      const label = store.tabLabel(m);
      if (!ctl.tabEl) {
        const tab = h('button', {
          type: 'button',
          role: 'tab',
          id: `tab-${id}`,
          class: 'tab',
          'data-tab-id': id,
          'aria-controls': `panel-${id}`,
          'aria-keyshortcuts': 'Delete',
        }, h('span', { class: 'tab-dot', 'aria-hidden': 'true' }), h('span', { class: 'tab-title' }));
        tab.addEventListener('click', () => select(id));
        const close = h('button', { type: 'button', class: 'tab-close', tabindex: '-1' }, h('span', { 'aria-hidden': 'true' }, '×'));
        close.addEventListener('click', (event) => {
          event.stopPropagation();
          closeTab(id);
        });
        ctl.tabEl = tab;
        ctl.closeEl = close;
        ctl.tabWrap = h('div', { class: 'tab-wrap', role: 'presentation' }, tab, close);
      }
      const tab = ctl.tabEl;
      tab.setAttribute('aria-selected', String(isSel));
      tab.tabIndex = isSel ? 0 : -1;
      tab.dataset.state = m.state;
      tab.classList.toggle('is-readonly', m.readOnly);
      // A call waiting for a person shows on its tab, whichever tab is open.
      const waiting = store.waitingApprovals(m).length;
      tab.classList.toggle('needs-approval', waiting > 0);
      const titleEl = tab.querySelector('.tab-title');
      if (titleEl.textContent !== label) titleEl.textContent = label;
      tab.title = m.readOnly ? `${label} (read only)` : (waiting ? `${label} (waiting for your approval)` : label);
      ctl.closeEl.hidden = !(isOwner() || m.readOnly);
      ctl.closeEl.setAttribute('aria-label', `Close ${label}`);
      ctl.tabWrap.classList.toggle('is-selected', isSel);
      els.push(ctl.tabWrap);
    }
    const kids = tablist.children;
    let same = kids.length === els.length;
    for (let i = 0; same && i < els.length; i++) same = kids[i] === els[i];
    if (!same) {
      const focused = /** @type {HTMLElement | null} */ (document.activeElement);
      tablist.replaceChildren(...els);
      if (focused && tablist.contains(focused)) focused.focus();
    }
  }

  tablist.addEventListener('keydown', (event) => {
    const target = /** @type {Element} */ (event.target);
    const tab = /** @type {HTMLElement | null} */ (target.closest('[role="tab"]'));
    if (!tab) return;
    const i = order.indexOf(tab.dataset.tabId);
    let next = null;
    switch (event.key) {
      case 'ArrowRight':
        next = order[(i + 1) % order.length];
        break;
      case 'ArrowLeft':
        next = order[(i - 1 + order.length) % order.length];
        break;
      case 'Home':
        next = order[0];
        break;
      case 'End':
        next = order[order.length - 1];
        break;
      case 'Delete':
        if (isOwner() || tabs.get(tab.dataset.tabId)?.model.readOnly) closeTab(tab.dataset.tabId);
        event.preventDefault();
        return;
      default:
        return;
    }
    event.preventDefault();
    if (next) select(next, { focusTab: true });
  });

  function emptyHint(tab) {
    if (tab.readOnly) return 'This session has no prompts.';
    if (!isOwner()) return 'Nothing has run in this tab yet. This machine is shared with you to follow; only its owner can run prompts.';
    const dir = workingDir();
    return h('div', { class: 'empty-chat' },
      h('p', { class: 'empty-chat-title' }, 'Ask Claude Code to do something'),
      h('p', { class: 'muted' },
        dir ? ['It works in ', h('span', { class: 'mono' }, dir), ' on this machine. '] : 'It works in the machine\'s working directory. ',
        'Type ', h('code', null, '@'), ' to mention a file. Every tool call is checked by the bouncer.'));
  }

  // ---------------------------------------------------------------- rendering

  function markDirty(ctl) {
    dirty.add(ctl);
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(flush);
  }

  function flush() {
    renderQueued = false;
    if (!alive) return;
    let tabsChanged = false;
    for (const ctl of dirty) {
      if (!tabs.has(ctl.model.tabId)) continue;
      if (ctl.model.tabId === selectedId) renderTab(ctl);
      else ctl.stale = true;
      tabsChanged = true;
    }
    dirty.clear();
    if (tabsChanged) renderTabs();
    updateChrome();
  }

  function renderTab(ctl) {
    ctl.stale = false;
    ctl.view.update(ctl.model);
  }

  function setNotice(text) {
    notice.hidden = !text;
    notice.textContent = text || '';
  }

  function anyRunning() {
    for (const ctl of tabs.values()) if (ctl.model.state === 'running') return true;
    return false;
  }

  /** The run state, buttons and prompt for the selected tab. */
  function updateChrome() {
    const ctl = selected();
    const m = ctl ? ctl.model : null;
    const running = Boolean(m && m.state === 'running');
    const current = m ? store.runningMovement(m) : null;
    runState.dataset.state = running ? 'running' : 'idle';

    if (running) {
      runLabel.textContent = ctl.cancelling ? 'Stopping…' : 'Running';
      runElapsed.textContent = current ? formatClock(elapsedOf(current, Date.now())) : '';
      runTokens.textContent = current && current.outputTokens != null ? `${formatCount(current.outputTokens)} tokens` : '';
      runCost.textContent = '';
    } else {
      const last = m && m.movements.length ? m.movements[m.movements.length - 1] : null;
      if (m && m.pending) {
        runLabel.textContent = m.pending.status === 'waiting' ? 'Waiting for the connection' : 'Sending…';
        runElapsed.textContent = '';
        runTokens.textContent = '';
        runCost.textContent = '';
      } else if (last && last.status !== 'running') {
        runLabel.textContent = { completed: 'Done', cancelled: 'Cancelled', error: 'Failed', interrupted: 'Interrupted' }[last.status] || 'Ready';
        const dur = movementDuration(last);
        runElapsed.textContent = dur != null ? formatDuration(dur) : '';
        runTokens.textContent = last.usage
          ? `${formatCount(last.usage.inputTokens + last.usage.cacheReadInputTokens + last.usage.cacheCreationInputTokens)} in · ${formatCount(last.usage.outputTokens)} out`
          : (last.outputTokens != null ? `${formatCount(last.outputTokens)} tokens` : '');
        runCost.textContent = last.usage ? formatCost(last.usage.costUsd) : '';
      } else {
        runLabel.textContent = m ? 'Ready' : 'No tab open';
        runElapsed.textContent = '';
        runTokens.textContent = '';
        runCost.textContent = '';
      }
    }

    const owner = isOwner();
    const usable = supported !== false;
    const readOnly = Boolean(m && m.readOnly);
    let placeholder = PLACEHOLDER;
    if (!owner) placeholder = 'Shared with you: only the owner can run prompts.';
    else if (readOnly) placeholder = 'Read only.';
    else if (!usable) placeholder = 'Sessions are not available on this machine.';
    prompt.setState({
      disabled: !owner || !usable || readOnly,
      canSend: !running && !(m && m.pending),
      canStop: owner && running && !ctl.cancelling && !readOnly,
      placeholder,
    });
    newSession.hidden = !(owner && usable && m && !readOnly && !running && !m.pending && m.movements.length > 0);
    newTabButton.disabled = !owner || !usable;
    const showNoTabs = order.length === 0 && supported === true;
    if (showNoTabs !== !noTabs.hidden) {
      noTabs.hidden = !showNoTabs;
      noTabs.replaceChildren(h('div', { class: 'transcript-empty' }, owner
        ? 'No tab is open. Type a prompt to start one, or press + for a new tab.'
        : 'No session is open on this machine right now. Past sessions are in History.'));
    }

    if (running && !tickTimer) {
      tickTimer = setInterval(() => updateChrome(), 1000);
    } else if (!running && tickTimer) {
      clearInterval(tickTimer);
      tickTimer = 0;
    }
    const nowRunning = anyRunning();
    if (nowRunning !== lastRunning) {
      lastRunning = nowRunning;
      if (onRunningChange) onRunningChange(nowRunning);
    }
  }

  function showAlert(message, err) {
    alertSlot.replaceChildren(errorBox(message, { code: err && err.code }));
  }

  // ---------------------------------------------------------------- events

  function onFrame(frame) {
    if (!alive || !frame || !EVENT_TYPES.has(frame.type) || frame.id != null) return;
    const tabId = frame.tabId;
    if (!store.isValidId(tabId)) return;
    let ctl = tabs.get(tabId);
    if (!ctl) {
      const data = frame.data && typeof frame.data === 'object' ? frame.data : {};
      if (data.state === 'removed' || removed.has(tabId) || supported === false) return;
      // A tab opened elsewhere (another browser): show it too.
      ctl = addTab({ tabId });
      ctl.buffer = [frame];
      persist();
      initTab(ctl);
      return;
    }
    if (ctl.model.readOnly) return;
    if (ctl.buffer) {
      if (ctl.buffer.length < MAX_BUFFER) ctl.buffer.push(frame);
      else ctl.buffer = [];
      if (!ctl.initializing && !ctl.creating && !ctl.failed && !ctl.retryTimer) initTab(ctl);
      return;
    }
    const result = store.applyEvent(ctl.model, frame, { now: Date.now() });
    if (result === 'applied') {
      afterApply(ctl, frame);
    } else if (result === 'gap' || result === 'epoch' || result === 'uninitialized') {
      ctl.buffer = [frame];
      if (!ctl.failed && !ctl.creating) initTab(ctl);
    }
  }

  function afterApply(ctl, frame) {
    const type = frame.type;
    if (type === 'tabStateChanged') {
      if (ctl.model.state === 'removed') {
        removeLocal(ctl.model.tabId);
        return;
      }
      if (ctl.model.state === 'idle') ctl.cancelling = false;
      persist();
    }
    if (type === 'movementStart') {
      if (ctl.model.tabId === selectedId) alertSlot.replaceChildren();
      persist();
    }
    if (type === 'movementComplete' || type === 'movementError') {
      ctl.cancelling = false;
      scheduleHistoryRefresh();
    }
    markDirty(ctl);
  }

  function scheduleHistoryRefresh() {
    if (!history.isOpen) return;
    clearTimeout(historyTimer);
    historyTimer = later(() => history.refresh(), 800);
  }

  // ---------------------------------------------------------------- initTab

  function initTab(ctl) {
    if (!alive || ctl.model.readOnly || ctl.creating) return Promise.resolve();
    if (ctl.initializing) {
      ctl.reinit = true;
      return ctl.initializing;
    }
    clearTimeout(ctl.retryTimer);
    ctl.retryTimer = 0;
    if (!ctl.buffer) ctl.buffer = [];
    ctl.initializing = (async () => {
      let rounds = 0;
      do {
        ctl.reinit = false;
        rounds += 1;
        // eslint-disable-next-line no-await-in-loop
        const ok = await initOnce(ctl);
        // A failure ends it, unless a newer sync asked again meanwhile (reconnect).
        if (!ok && !ctl.reinit) break;
      } while (ctl.reinit && rounds < 4 && alive && tabs.get(ctl.model.tabId) === ctl);
    })().finally(() => {
      ctl.initializing = null;
    });
    return ctl.initializing;
  }

  async function initOnce(ctl) {
    const m = ctl.model;
    const data = {};
    if (m.epoch != null) {
      data.epoch = m.epoch;
      data.lastSeenSeq = m.seq;
    }
    if (m.sessionId) data.sessionId = m.sessionId;
    let reply;
    try {
      reply = await sock.request('initTab', data, { tabId: m.tabId, timeoutMs: INIT_TIMEOUT_MS });
    } catch (err) {
      if (!alive || tabs.get(m.tabId) !== ctl) return false;
      if (err.code === 'not_found') {
        // Unknown in the epoch we last saw it in: closed elsewhere. Unknown after a
        // restart (another epoch): an owner makes it again, with its session.
        const closedElsewhere = m.epoch != null && m.epoch === savedEpoch;
        if (isOwner() && !ctl.triedCreate && !closedElsewhere) {
          ctl.triedCreate = true;
          try {
            await sock.request('createTab', m.sessionId ? { tabId: m.tabId, sessionId: m.sessionId } : { tabId: m.tabId });
            ctl.reinit = true;
            return true;
          } catch (createErr) {
            if (TRANSIENT.has(createErr.code)) return false;
          }
        }
        removeLocal(m.tabId);
        return false;
      }
      if (err.code === 'unknown_type') {
        markUnsupported();
        return false;
      }
      if (err.code === 'timeout' || err.code === 'busy') {
        scheduleInitRetry(ctl);
        return false;
      }
      if (TRANSIENT.has(err.code) || err.code === 'closed') return false; // the next sync retries
      ctl.failed = err;
      ctl.buffer = null;
      if (m.tabId === selectedId) showAlert(`Couldn't load this tab: ${friendly(err)}`, err);
      return false;
    }
    if (!alive || tabs.get(m.tabId) !== ctl) return false;
    ctl.triedCreate = false;
    ctl.failed = null;
    ctl.retry = 0;
    supported = true;
    const result = store.applyInit(m, reply || {});
    const buffered = ctl.buffer || [];
    ctl.buffer = null;
    let again = result !== 'ok';
    if (!again) {
      for (let i = 0; i < buffered.length; i++) {
        const r = store.applyEvent(m, buffered[i], { now: Date.now() });
        if (r === 'gap' || r === 'epoch' || r === 'uninitialized') {
          again = true;
          ctl.buffer = buffered.slice(i);
          break;
        }
        if (r === 'applied' && buffered[i].type === 'tabStateChanged' && m.state === 'removed') {
          removeLocal(m.tabId);
          return false;
        }
      }
    } else {
      ctl.buffer = buffered;
    }
    if (again) ctl.reinit = true;
    if (m.state === 'idle') ctl.cancelling = false;
    markDirty(ctl);
    persist();
    if (!again) resumePending(ctl);
    return true;
  }

  function scheduleInitRetry(ctl) {
    const delay = RETRY_DELAYS_MS[Math.min(ctl.retry, RETRY_DELAYS_MS.length - 1)];
    ctl.retry += 1;
    clearTimeout(ctl.retryTimer);
    ctl.retryTimer = later(() => {
      ctl.retryTimer = 0;
      if (tabs.get(ctl.model.tabId) === ctl) initTab(ctl);
    }, delay);
  }

  function markUnsupported() {
    supported = false;
    setNotice('This machine runs a version of mstro without sessions. Update mstro on it to run Claude Code from here.');
    updateChrome();
  }

  // ---------------------------------------------------------------- sync

  async function sync() {
    if (!alive) return;
    if (syncing) {
      syncAgain = true;
      return;
    }
    syncing = true;
    clearTimeout(syncRetryTimer);
    try {
      await permissionReady();
      if (!alive) return;
      let reply;
      try {
        reply = await sock.request('getActiveTabs', {});
      } catch (err) {
        if (!alive) return;
        if (err.code === 'unknown_type') markUnsupported();
        else if (err.code === 'machine_offline') setNotice('The machine is offline. The chat picks up where it was when it is back.');
        else if (err.code === 'timeout' || err.code === 'busy') {
          syncRetryTimer = later(() => sync(), RETRY_DELAYS_MS[Math.min(syncRetry++, RETRY_DELAYS_MS.length - 1)]);
        } else if (!TRANSIENT.has(err.code) && err.code !== 'closed') {
          showAlert(`Couldn't load the tabs: ${friendly(err)}`, err);
        }
        return;
      }
      if (!alive) return;
      syncRetry = 0;
      const epoch = reply && typeof reply.epoch === 'string' ? reply.epoch : null;
      if (epoch == null) {
        // An mstro from before sessions answers getActiveTabs with no epoch.
        markUnsupported();
        return;
      }
      supported = true;
      setNotice('');
      const active = (reply && Array.isArray(reply.tabs) ? reply.tabs : [])
        .filter((t) => t && store.isValidId(t.tabId));
      const activeById = new Map(active.map((t) => [t.tabId, t]));
      const saved = loadSaved();

      // 1. On the first sync, the tabs remembered on this browser.
      if (!order.length) {
        for (const t of saved.tabs) {
          if (!removed.has(t.tabId)) addTab({ tabId: t.tabId, sessionId: t.sessionId, title: t.title });
        }
        if (saved.selected && tabs.has(saved.selected)) select(saved.selected);
      }

      // 2. Tabs the machine no longer has: closed elsewhere (same epoch) are dropped;
      //    after a machine restart an owner's initTab makes them again.
      for (const id of [...order]) {
        const ctl = tabs.get(id);
        if (!ctl || ctl.model.readOnly || ctl.creating || activeById.has(id)) continue;
        const knownEpoch = ctl.model.epoch != null ? ctl.model.epoch : saved.epoch;
        if (knownEpoch === epoch || !isOwner()) removeLocal(id);
      }

      // 3. Tabs opened elsewhere.
      for (const t of active) {
        if (!tabs.has(t.tabId)) {
          addTab({ tabId: t.tabId, sessionId: store.isValidId(t.sessionId) ? t.sessionId : null, title: typeof t.title === 'string' ? t.title : '', state: t.state });
        } else {
          const m = tabs.get(t.tabId).model;
          if (!m.title && typeof t.title === 'string') m.title = t.title;
        }
      }
      savedEpoch = epoch;

      // 4. Nothing open: an owner gets a fresh tab.
      if (!order.length && isOwner()) {
        await createTab({ select: true });
      }
      if (!selected() && order.length) select(order[0]);
      persist();
      renderTabs();
      updateChrome();

      // 5. Every tab up to date (replay or snapshot).
      await Promise.all(order.map((id) => tabs.get(id)).filter(Boolean).map((ctl) => initTab(ctl)));
    } finally {
      syncing = false;
      if (syncAgain && alive) {
        syncAgain = false;
        sync();
      }
    }
  }

  // ---------------------------------------------------------------- actions

  function createTab(options = {}) {
    const tabId = store.freshId('t');
    const ctl = addTab({ tabId, sessionId: options.sessionId || null, title: options.title || '', select: options.select !== false });
    ctl.creating = true;
    ctl.ready = createOnMachine(ctl, options);
    return ctl.ready;
  }

  async function createOnMachine(ctl, { sessionId = null, title = '', select: doSelect = true } = {}) {
    const tabId = ctl.model.tabId;
    markDirty(ctl);
    try {
      const reply = await sock.request('createTab', sessionId ? { tabId, sessionId } : { tabId });
      if (!alive || tabs.get(tabId) !== ctl) return null;
      ctl.creating = false;
      let target = ctl;
      if (reply && store.isValidId(reply.tabId) && reply.tabId !== tabId) {
        // The machine chose another id: follow it.
        const index = order.indexOf(tabId);
        removeLocal(tabId);
        target = addTab({ tabId: reply.tabId, sessionId: reply.sessionId, title, select: doSelect, at: index });
      } else if (reply && store.isValidId(reply.sessionId)) {
        ctl.model.sessionId = reply.sessionId;
      }
      supported = true;
      persist();
      await initTab(target);
      return target;
    } catch (err) {
      if (!alive) return null;
      ctl.creating = false;
      removeLocal(tabId);
      if (err.code === 'unknown_type') markUnsupported();
      else if (err.code !== 'closed') showAlert(`Couldn't open a tab: ${friendly(err)}`, err);
      return null;
    }
  }

  async function closeTab(tabId) {
    const ctl = tabs.get(tabId);
    if (!ctl) return;
    if (ctl.model.readOnly) {
      removeLocal(tabId);
      return;
    }
    if (!isOwner()) return;
    // eslint-disable-next-line no-alert
    if (ctl.model.state === 'running' && !window.confirm('This tab is running a prompt. Close it and stop the run?')) return;
    const wasSelected = tabId === selectedId;
    try {
      await sock.request('removeTab', {}, { tabId });
    } catch (err) {
      if (err.code !== 'not_found') {
        showAlert(`Couldn't close the tab: ${friendly(err)}`, err);
        return;
      }
    }
    removeLocal(tabId);
    if (wasSelected) {
      const next = selected();
      if (next && next.tabEl) next.tabEl.focus();
      else newTabButton.focus();
    }
  }

  async function openSession({ sessionId, title }) {
    if (!store.isValidId(sessionId)) return;
    for (const id of order) {
      const ctl = tabs.get(id);
      if (ctl && ctl.model.sessionId === sessionId) {
        select(id, { focusTab: true });
        return;
      }
    }
    if (isOwner() && supported !== false) {
      const ctl = await createTab({ sessionId, title });
      if (ctl && ctl.tabEl) ctl.tabEl.focus();
      return;
    }
    // A viewer: a read-only tab from the history file.
    const ctl = addTab({ tabId: store.freshId('v'), sessionId, title, readOnly: true, select: true });
    try {
      const data = await sock.request('getSessionById', { sessionId });
      if (!alive || tabs.get(ctl.model.tabId) !== ctl) return;
      store.applySession(ctl.model, data && data.session, data && data.omitted);
      markDirty(ctl);
    } catch (err) {
      removeLocal(ctl.model.tabId);
      showAlert(`Couldn't open the session: ${friendly(err)}`, err);
    }
  }

  /** The movements before those a large session's tab shows (`getSessionById {before}`). */
  async function loadEarlier(ctl) {
    const m = ctl.model;
    const { sessionId, omitted: before, generation } = m;
    if (!sessionId || !(before > 0)) return;
    try {
      const data = await sock.request('getSessionById', { sessionId, before });
      if (!alive || tabs.get(m.tabId) !== ctl) return;
      // The transcript was replaced meanwhile: the answer is for what it was.
      if (m.generation !== generation || m.sessionId !== sessionId) return;
      if (store.prependMovements(m, data && data.session && data.session.movements, data && data.omitted, before)) markDirty(ctl);
    } catch (err) {
      if (alive && !(err && err.code === 'closed')) showAlert(`Couldn't load the earlier prompts: ${friendly(err)}`, err);
    }
  }

  let sendLock = false;

  async function send(text, files = []) {
    if (sendLock || !isOwner() || supported === false || !text.trim()) return false;
    sendLock = true;
    try {
      return await sendNow(text, files);
    } finally {
      sendLock = false;
    }
  }

  async function sendNow(text, files) {
    let ctl = selected();
    if (!ctl || ctl.model.readOnly) ctl = await createTab({ select: true });
    else if (ctl.creating && ctl.ready) ctl = await ctl.ready; // a new tab still on its way
    if (!ctl || !alive) return false;
    const m = ctl.model;
    if (m.state === 'running' || m.pending) {
      showAlert(friendly({ code: 'tab_busy' }));
      return false;
    }
    alertSlot.replaceChildren();
    let attachments = [];
    try {
      attachments = await encodeFiles(files || []);
    } catch (err) {
      showAlert(`Couldn't read the attached files: ${err && err.message ? err.message : err}`, err);
      return false;
    }
    // The relay takes a browser frame of at most 1 MiB; say so now rather than after
    // a send that can only fail.
    const frame = JSON.stringify({ type: 'execute', id: 0, tabId: m.tabId, data: { prompt: text, msgId: 'm', attachments } });
    if (new TextEncoder().encode(frame).length > MAX_SEND_BYTES) {
      showAlert('The prompt and its attached files are too large to send together (1 MiB at most). Attach fewer or smaller files.');
      return false;
    }
    store.setPending(m, { msgId: store.freshId('m'), prompt: text, attachments, files: files || [], status: 'sending', tries: 0 });
    ctl.draft = '';
    ctl.draftFiles = [];
    if (ctl === selected()) {
      prompt.setValue('');
      prompt.clearFiles();
    }
    ctl.view.scrollToEnd();
    markDirty(ctl);
    execute(ctl);
    return true;
  }

  async function execute(ctl) {
    const m = ctl.model;
    const p = m.pending;
    if (!p || p.inFlight) return;
    p.inFlight = true;
    p.status = 'sending';
    p.tries += 1;
    m.rev += 1;
    markDirty(ctl);
    try {
      const data = { prompt: p.prompt, msgId: p.msgId };
      if (p.attachments && p.attachments.length) data.attachments = p.attachments;
      const ack = await sock.request('execute', data, {
        tabId: m.tabId, replyType: 'executeAck', timeoutMs: ACK_TIMEOUT_MS,
      });
      p.inFlight = false;
      if (m.pending !== p) return;
      const started = ack && typeof ack.movementId === 'string' && m.byId[ack.movementId];
      if ((ack && ack.duplicate) || started || store.hasMsg(m, p.msgId)) {
        store.setPending(m, null);
      } else {
        p.status = 'acked';
        m.rev += 1;
        // movementStart normally follows at once; don't leave a ghost forever.
        later(() => {
          if (m.pending === p) {
            store.setPending(m, null);
            markDirty(ctl);
          }
        }, 15000);
      }
      markDirty(ctl);
    } catch (err) {
      p.inFlight = false;
      if (!alive || m.pending !== p) return;
      if ((err.code === 'connection_lost' || err.code === 'machine_offline' || err.code === 'timeout') && p.tries < 6) {
        // We can't tell if it ran: send it again (same msgId) after the next sync.
        p.status = 'waiting';
        m.rev += 1;
        markDirty(ctl);
        if (err.code === 'timeout' && sock.isOpen) later(() => resumePending(ctl), 2000);
        return;
      }
      store.setPending(m, null);
      if (ctl === selected() && !prompt.value.trim()) restore(p);
      else if (!ctl.draft) {
        ctl.draft = p.prompt;
        ctl.draftFiles = p.files || [];
      }
      if (err.code !== 'closed') showAlert(`Not sent: ${friendly(err)}`, err);
      markDirty(ctl);
    }
  }

  /** After a (re)init: a prompt that never got its ack is sent again, same msgId. */
  function resumePending(ctl) {
    const m = ctl.model;
    const p = m.pending;
    if (!p || p.inFlight) return;
    if (store.hasMsg(m, p.msgId)) {
      store.setPending(m, null);
      markDirty(ctl);
      return;
    }
    if (p.status === 'waiting') execute(ctl);
  }

  function dropPending(ctl) {
    const p = ctl.model.pending;
    if (!p || p.inFlight) return;
    store.setPending(ctl.model, null);
    if (ctl === selected() && !prompt.value.trim()) restore(p);
    markDirty(ctl);
  }

  /** A prompt that was not sent goes back into the box, with its files. */
  function restore(p) {
    prompt.setValue(p.prompt);
    if (p.files && p.files.length) prompt.setFiles(p.files);
  }

  async function stop() {
    const ctl = selected();
    if (!ctl || ctl.model.state !== 'running' || ctl.cancelling) return;
    ctl.cancelling = true;
    updateChrome();
    try {
      const reply = await sock.request('cancel', {}, { tabId: ctl.model.tabId });
      if (reply && reply.cancelled === false) ctl.cancelling = false;
    } catch (err) {
      ctl.cancelling = false;
      if (err.code !== 'closed') showAlert(`Couldn't stop: ${friendly(err)}`, err);
    }
    updateChrome();
  }

  async function startNewSession() {
    const ctl = selected();
    if (!ctl || ctl.model.state === 'running') return;
    try {
      await sock.request('new', {}, { tabId: ctl.model.tabId });
      const m = ctl.model;
      // The next prompt starts a fresh session: the tab shows nothing until then.
      store.loadMovements(m, []);
      m.sessionId = null;
      m.title = '';
      persist();
      markDirty(ctl);
      prompt.focus();
    } catch (err) {
      showAlert(`Couldn't start a new session: ${friendly(err)}`, err);
    }
  }

  // ---------------------------------------------------------------- wiring

  newTabButton.addEventListener('click', async () => {
    if (!isOwner()) return;
    const ctl = await createTab({ select: true });
    if (ctl) prompt.focus();
  });
  newSession.addEventListener('click', () => startNewSession());
  historyToggle.addEventListener('click', () => {
    if (history.isOpen) {
      history.close();
      historyToggle.setAttribute('aria-expanded', 'false');
    } else {
      history.open();
      historyToggle.setAttribute('aria-expanded', 'true');
      history.focusSearch();
    }
  });

  updateChrome();

  return {
    el,
    onFrame,
    /** The socket opened (first time or after a reconnect): bring every tab up to date. */
    onOpen() {
      prompt.clearCache();
      sync();
    },
    /**
     * The machine lost frames it had queued for the relay (a `gap` frame): events of
     * any tab may be among them, so bring every tab up to date as after a reconnect.
     */
    onGap() {
      sync();
    },
    setOnline(value) {
      const before = online;
      online = value;
      if (value === false) {
        if (supported !== false) setNotice('The machine is offline. The chat picks up where it was when it is back.');
      } else if (value && before === false) {
        setNotice('');
        sync();
      } else if (value && supported !== false) {
        setNotice('');
      }
    },
    setPermission(value) {
      permission = value === 'view' ? 'view' : 'owner';
      const waiters = permissionWaiters;
      permissionWaiters = [];
      for (const w of waiters) w();
      renderTabs();
      updateChrome();
      for (const ctl of tabs.values()) markDirty(ctl);
    },
    /** The chat became visible. */
    shown() {
      const ctl = selected();
      if (ctl) {
        if (ctl.stale) renderTab(ctl);
        ctl.view.shown();
      }
    },
    focusPrompt() {
      prompt.focus();
    },
    isRunning: anyRunning,
    destroy() {
      alive = false;
      clearInterval(tickTimer);
      for (const id of timers) clearTimeout(id);
      timers.clear();
    },
  };
}
