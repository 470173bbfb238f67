// @ts-check
// The chat of one machine (#chat): tabs (each shows one session), their transcripts,
// the prompt, the run state and the history panel, over the machine socket
// (docs/sessions.md). This module puts the parts together and owns what they share:
// whether the chat is alive, the viewer's permission, whether the machine has
// sessions at all, the notice above the transcripts and the alert above the prompt.
//
// The parts, each in its own module:
//   tabs.js             the tabs held here, the selected one, remembered per machine
//   tab-strip.js        the tab buttons and the + button
//   transcript-area.js  a panel per tab, redrawn when its model changes
//   run-status.js       the run state line and New session
//   sender.js           sending a prompt (msgId, ack, resend), Stop, New session
//   tab-sync.js         keeping the tabs in step with the machine (sync, initTab, events)
//   tab-actions.js      opening and closing tabs on the machine
//   history-dock.js     the History toggle and panel, opening past sessions
//   approvals.js        answering approval cards
//   tab-settings.js     the selected tab's model and when to ask the owner

import { h, errorBox } from '../dom.js';
import { createPrompt, PLACEHOLDER } from './prompt.js';
import { createTabs } from './tabs.js';
import { createTabStrip } from './tab-strip.js';
import { createTranscriptArea } from './transcript-area.js';
import { createRunStatus } from './run-status.js';
import { createSender } from './sender.js';
import { createTabSync } from './tab-sync.js';
import { createTabActions } from './tab-actions.js';
import { createHistoryDock } from './history-dock.js';
import { approvalsFor } from './approvals.js';
import { createTabSettings } from './tab-settings.js';

const PERMISSION_WAIT_MS = 5000;
const OFFLINE_NOTICE = 'The machine is offline. The chat picks up where it was when it is back.';
const QUEUE_PLACEHOLDER = 'A prompt is running. What you send now waits and is sent when it ends.';
const UNSUPPORTED_NOTICE = 'This machine runs a version of mstro without sessions. Update mstro on it to run Claude Code from here.';

/**
 * createChat({sock, machineId, workingDir(), onRunningChange(running)}) → {el,
 * onFrame(frame), onOpen(), onGap(), setOnline(bool), setPermission(p), shown(),
 * focusPrompt(), isRunning(), destroy()}
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
  let lastRunning = false;
  const timers = new Set();

  // ---------------------------------------------------------------- shared

  const isAlive = () => alive;
  const isOwner = () => permission !== 'view';
  const isSupported = () => supported;
  const setSupported = () => {
    supported = true;
  };

  /** setTimeout that destroy() cancels. */
  function later(fn, ms) {
    const id = setTimeout(() => {
      timers.delete(id);
      if (alive) fn();
    }, ms);
    timers.add(id);
    return id;
  }

  /** Resolves once the permission is known (or after a while without it). */
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

  const notice = h('div', { class: 'chat-notice', role: 'status', hidden: true });
  const alertSlot = h('div', { class: 'chat-alert error-slot', 'aria-live': 'assertive' });

  function setNotice(text) {
    notice.hidden = !text;
    notice.textContent = text || '';
  }

  function showAlert(message, err) {
    alertSlot.replaceChildren(errorBox(message, { code: err && err.code }));
  }

  /** Not an error: why what was asked did not happen yet. */
  function showNote(message) {
    alertSlot.replaceChildren(h('p', { class: 'warning chat-note', role: 'status' }, message));
  }

  function clearAlert() {
    alertSlot.replaceChildren();
  }

  function markUnsupported() {
    supported = false;
    setNotice(UNSUPPORTED_NOTICE);
    updateChrome();
  }

  // ---------------------------------------------------------------- parts
  //
  // The parts reach each other through the arrow functions given here, which name
  // parts made further down: none of them runs before every part exists (the first
  // call is updateChrome() at the end, then the socket's events).

  const tabs = createTabs({
    machineId,
    attach: (ctl) => area.attach(ctl, {
      onDropPending: () => sender.drop(ctl),
      onLoadEarlier: () => historyDock.loadEarlier(ctl),
      approvals: approvalsFor(ctl, { request: (...args) => sock.request(...args), isOwner }),
    }),
    detach: (ctl) => area.detach(ctl),
    onSelect(before, ctl, { focusTab }) {
      if (before && before !== ctl) {
        before.draft = prompt.value;
        before.draftFiles = prompt.files;
      }
      area.show(ctl);
      if (before !== ctl) {
        // Files picked in one tab never go with another tab's prompt.
        prompt.setValue(ctl.draft || '');
        prompt.setFiles(ctl.draftFiles || []);
      }
      clearAlert();
      renderTabs();
      updateChrome();
      if (focusTab) strip.focus(ctl);
    },
    onChange: () => {
      renderTabs();
      updateChrome();
    },
  });

  const strip = createTabStrip({
    select: (tabId, opts) => tabs.select(tabId, opts),
    close: (tabId) => actions.closeTab(tabId),
    canClose: (ctl) => isOwner() || ctl.model.readOnly,
    newTab: async () => {
      if (!isOwner()) return;
      const ctl = await actions.createTab({ select: true });
      if (ctl) prompt.focus();
    },
  });

  const area = createTranscriptArea({
    isAlive,
    isOwner,
    workingDir,
    isCurrent: (ctl) => tabs.has(ctl.model.tabId),
    isSelected: (ctl) => tabs.isSelected(ctl.model.tabId),
    onFlushed(tabsChanged) {
      if (tabsChanged) renderTabs();
      updateChrome();
    },
  });
  const markDirty = (ctl) => area.markDirty(ctl);

  const runStatus = createRunStatus({ onNewSession: () => sender.newSession() });

  const prompt = createPrompt({
    status: runStatus.el,
    listDirectory: (path) => sock.request('listDirectory', { path }),
    findFiles: (query, limit) => sock.request('findFiles', { query, limit }),
    onSubmit: (text, files) => sender.send(text, files),
    onStop: () => sender.stop(),
    onChange: (text) => {
      const ctl = tabs.selected();
      if (ctl) ctl.draft = text;
    },
  });

  const actions = createTabActions({
    sock,
    tabs,
    markDirty,
    isAlive,
    isOwner,
    setSupported,
    markUnsupported,
    initTab: (ctl) => tabSync.initTab(ctl),
    showAlert,
    focusTab: (ctl) => strip.focus(ctl),
    focusNew: () => strip.focusNew(),
  });

  const sender = createSender({
    sock,
    tabs,
    prompt,
    area,
    later,
    isAlive,
    isOwner,
    isSupported,
    createTab: (options) => actions.createTab(options),
    showAlert,
    showNote,
    clearAlert,
    refresh: () => updateChrome(),
  });

  const historyDock = createHistoryDock({
    sock,
    tabs,
    markDirty,
    later,
    isAlive,
    isOwner,
    isSupported,
    createTab: (options) => actions.createTab(options),
    showAlert,
    focusTab: (ctl) => strip.focus(ctl),
  });

  const tabSync = createTabSync({
    sock,
    tabs,
    markDirty,
    later,
    isAlive,
    isOwner,
    permissionReady,
    isSupported,
    setSupported,
    markUnsupported,
    setNotice,
    showAlert,
    createTab: (options) => actions.createTab(options),
    resume: (ctl) => sender.resume(ctl),
    onIdle: (ctl) => sender.sendQueued(ctl),
    onMovementStart: (ctl) => {
      if (tabs.isSelected(ctl.model.tabId)) clearAlert();
    },
    onRunEnded: () => historyDock.runEnded(),
    refresh: () => {
      renderTabs();
      updateChrome();
    },
  });

  const tabSettings = createTabSettings({ sock, selected: () => tabs.selected(), isOwner });

  const el = h('section', { id: 'chat', class: 'chat', 'aria-label': 'Chat' },
    h('div', { class: 'chat-bar' },
      h('div', { class: 'tabs-scroll' }, strip.tablist),
      strip.newButton,
      h('span', { class: 'chat-bar-spacer' }),
      tabSettings.toggle,
      historyDock.toggle),
    tabSettings.panel,
    h('div', { class: 'chat-main' },
      h('div', { class: 'chat-column' },
        notice,
        area.el,
        h('div', { class: 'chat-foot' }, alertSlot, prompt.el)),
      historyDock.panel));

  // ---------------------------------------------------------------- chrome

  function renderTabs() {
    strip.render(tabs.list(), tabs.selectedId);
  }

  function anyRunning() {
    return tabs.list().some((ctl) => ctl.model.state === 'running');
  }

  /** The run state, buttons and prompt for the selected tab. */
  function updateChrome() {
    const ctl = tabs.selected();
    const m = ctl ? ctl.model : null;
    const running = Boolean(m && m.state === 'running');
    const owner = isOwner();
    const usable = supported !== false;
    const readOnly = Boolean(m && m.readOnly);
    runStatus.show(ctl, { owner, usable });

    let placeholder = PLACEHOLDER;
    if (!owner) placeholder = 'Shared with you: only the owner can run prompts.';
    else if (readOnly) placeholder = 'Read only.';
    else if (!usable) placeholder = 'Sessions are not available on this machine.';
    else if (running) placeholder = QUEUE_PLACEHOLDER;
    // While a prompt runs, Send queues the next one; what cannot go yet is said by
    // the sender (a note), never swallowed by a disabled button.
    prompt.setState({
      disabled: !owner || !usable || readOnly,
      canSend: true,
      queue: running,
      canStop: owner && running && !ctl.cancelling && !readOnly,
      placeholder,
    });
    strip.setNewEnabled(owner && usable);
    tabSettings.refresh();
    area.setNoTabs(tabs.size === 0 && supported === true, owner);

    const nowRunning = anyRunning();
    if (nowRunning !== lastRunning) {
      lastRunning = nowRunning;
      if (onRunningChange) onRunningChange(nowRunning);
    }
  }

  updateChrome();

  return {
    el,
    onFrame: (frame) => tabSync.onFrame(frame),
    /** The socket opened (first time or after a reconnect): bring every tab up to date. */
    onOpen() {
      prompt.clearCache();
      tabSync.sync();
    },
    /**
     * The machine lost frames it had queued for the relay (a `gap` frame): events of
     * any tab may be among them, so bring every tab up to date as after a reconnect.
     */
    onGap() {
      tabSync.sync();
    },
    setOnline(value) {
      const before = online;
      online = value;
      if (value === false) {
        if (supported !== false) setNotice(OFFLINE_NOTICE);
      } else if (value && before === false) {
        setNotice('');
        tabSync.sync();
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
      for (const ctl of tabs.list()) markDirty(ctl);
    },
    /** The chat became visible. */
    shown() {
      const ctl = tabs.selected();
      if (ctl) area.shown(ctl);
    },
    focusPrompt() {
      prompt.focus();
    },
    isRunning: anyRunning,
    destroy() {
      alive = false;
      runStatus.destroy();
      for (const id of timers) clearTimeout(id);
      timers.clear();
    },
  };
}
