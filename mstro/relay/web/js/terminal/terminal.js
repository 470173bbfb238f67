// @ts-check
// The Terminal view of a machine (#terminal, docs/terminal.md "In the browser"): a tab
// per terminal of the machine, the selected one on screen, over the machine socket.
// The owner opens (+), types into and closes (×) terminals; a viewer watches them,
// read-only, at the owner's size. Terminals live on the machine: this page attaches
// to them, and a reload, a lost connection or the machine coming back attaches again
// and continues where it was.
//
// This module puts the parts together and owns what they share: the machine's list
// of terminals, the selected one, the connection and the permission. The parts:
//   terminal-tabs.js     the tab strip and its +
//   screen.js            one terminal: xterm.js, its output (feed.js), input, size
//   key-row.js           the phone's extra keys (keys.js)
//   xterm-lib.js         loading xterm.js (vendor/xterm/) the first time it is shown
//   terminal-storage.js  the terminal shown last, the font size
//   terminal-errors.js   what a failed request says

import { h, errorBox } from '../dom.js';
import { createTerminalTabs, terminalLabel } from './terminal-tabs.js';
import { createScreen, LEAVE_KEY, LEAVE_KEY_LABEL } from './screen.js';
import { createKeyRow } from './key-row.js';
import { loadXterm } from './xterm-lib.js';
import { loadSelectedTerminal, saveSelectedTerminal, loadFontSize, saveFontSize, stepFontSize, FONT_SIZES } from './terminal-storage.js';
import { friendlyTerminalError, TRANSIENT, UNSUPPORTED } from './terminal-errors.js';

/** @typedef {import('../../types/protocol').TerminalInfo} TerminalInfo */
/** @typedef {ReturnType<typeof createScreen>} Screen */

/**
 * A list from the machine, with anything malformed left out.
 * @param {unknown} value
 * @returns {TerminalInfo[]}
 */
function validList(value) {
  if (!Array.isArray(value)) return [];
  return value.filter((t) => t && typeof t === 'object' && typeof t.terminalId === 'string' && t.terminalId
    && Number.isFinite(t.cols) && Number.isFinite(t.rows));
}

/**
 * createTerminalPane({sock, machineId, workingDir()}) → {el, onFrame(frame) → bool,
 * onSocketState(state), onGap(), setOnline(value), setPermission(p), shown({focus}),
 * hidden(), destroy()}.
 *
 * @param {{sock: import('../socket.js').MachineSocket, machineId: string, workingDir: () => string}} deps
 */
export function createTerminalPane({ sock, machineId, workingDir }) {
  let alive = true;
  /** @type {'owner' | 'view' | null} */
  let permission = null;
  /** @type {TerminalInfo[]} */
  let list = [];
  /** @type {'idle' | 'loading' | 'loaded' | 'unsupported' | 'error'} */
  let listState = 'idle';
  /** @type {Map<string, Screen>} */
  const screens = new Map();
  /** A terminal being created: on screen, not yet on the machine. @type {Screen | null} */
  let pending = null;
  let selectedId = loadSelectedTerminal(machineId);
  /** @type {import('./xterm-lib.js').XtermLib | null} */
  let lib = null;
  let libFailed = false;
  let started = false;
  let visible = false;
  let sockOpen = false;
  /** @type {boolean | null} */
  let online = null;
  let connected = false;
  let fontSize = loadFontSize();
  /** Focus the terminal once it is on screen (it was asked for before xterm.js loaded). */
  let wantFocus = false;
  /** Terminals this page is closing: their leaving the list is no news. */
  const closing = new Set();

  const isOwner = () => permission !== 'view';

  // ---------------------------------------------------------------- parts

  const tabs = createTerminalTabs({
    select: (id, opts) => select(id, opts),
    close: (id) => closeTerminal(id),
    newTerminal: () => newTerminal(),
  });
  const keyRow = createKeyRow({
    send: (data) => {
      const screen = current();
      if (screen) screen.send(data);
    },
    appCursor: () => {
      const screen = current();
      return Boolean(screen && screen.appCursor());
    },
    hideKeyboard: () => {
      const screen = current();
      if (screen) screen.blur();
    },
  });

  const viewOnly = h('span', { id: 'terminal-view-only', class: 'badge', title: 'Shared with you to watch: only its owner can type here', hidden: true }, 'view only');
  const smaller = h('button', { type: 'button', class: 'btn btn-ghost btn-icon term-font', id: 'terminal-font-smaller', 'aria-label': 'Smaller text', title: 'Smaller text' }, 'A−');
  const larger = h('button', { type: 'button', class: 'btn btn-ghost btn-icon term-font', id: 'terminal-font-larger', 'aria-label': 'Larger text', title: 'Larger text' }, 'A+');
  const leave = h('button', {
    type: 'button', id: 'terminal-leave', class: 'btn btn-ghost btn-sm term-leave', 'aria-keyshortcuts': LEAVE_KEY,
    title: `Give the keyboard back to the page (${LEAVE_KEY_LABEL}): while the terminal has it, every key goes to the terminal, Escape and Tab too`,
  }, `${LEAVE_KEY_LABEL} leaves`);
  const bar = h('div', { class: 'chat-bar term-bar' }, tabs.el, tabs.newButton,
    h('div', { class: 'term-bar-end' }, viewOnly, leave, smaller, larger));
  const notice = h('div', { class: 'chat-notice term-notice', role: 'status', hidden: true });
  const alertSlot = h('div', { class: 'chat-alert error-slot term-alert', 'aria-live': 'assertive' });
  const emptyText = h('p', { class: 'term-empty-text' });
  const emptyHint = h('p', { class: 'term-empty-hint muted' });
  const openButton = h('button', { type: 'button', id: 'open-terminal', class: 'btn btn-primary' }, 'Open a terminal');
  const empty = h('div', { class: 'term-empty', hidden: true }, emptyText, emptyHint, openButton);
  const stage = h('div', { id: 'terminal-stage', class: 'term-stage', role: 'tabpanel', 'aria-label': 'Terminal' }, empty);
  const el = h('section', { id: 'terminal', class: 'terminal-pane', 'aria-label': 'Terminal' },
    bar, notice, alertSlot, stage, keyRow.el);

  openButton.addEventListener('click', () => newTerminal());
  smaller.addEventListener('click', () => setFontSize(stepFontSize(fontSize, -1)));
  larger.addEventListener('click', () => setFontSize(stepFontSize(fontSize, 1)));
  leave.addEventListener('click', () => leaveTerminal());

  // ---------------------------------------------------------------- messages

  /** @param {string} message */
  function showAlert(message, err = null) {
    alertSlot.replaceChildren(errorBox(message, { code: err && err.code }));
  }

  /** @param {string} message */
  function showNote(message) {
    alertSlot.replaceChildren(h('p', { class: 'warning chat-note', role: 'status' }, message));
  }

  function clearAlert() {
    alertSlot.replaceChildren();
  }

  // ---------------------------------------------------------------- screens

  /** @returns {Screen | null} */
  function current() {
    return pending || (selectedId ? screens.get(selectedId) || null : null);
  }

  /** @returns {Screen} */
  function makeScreen() {
    const screen = createScreen({
      sock,
      lib: /** @type {import('./xterm-lib.js').XtermLib} */ (lib),
      isOwner,
      fontSize,
      transformInput: (data) => keyRow.takeCtrl(data),
      onFocusChange: (focused) => leave.classList.toggle('is-active', focused),
      onLeave: () => leaveTerminal(),
      onGone: (id) => forget(id, true),
    });
    stage.append(screen.el);
    return screen;
  }

  /** Show the selected terminal (making its screen the first time), hide the others. */
  function showSelected() {
    const info = selectedId ? list.find((t) => t.terminalId === selectedId) : null;
    if (visible && lib && info && !pending && !screens.has(info.terminalId)) {
      const screen = makeScreen();
      screen.bind(info);
      screens.set(info.terminalId, screen);
      screen.setShown(true);
      screen.open({ cols: info.cols, rows: info.rows });
      screen.setConnected(connected, whyNotConnected());
      if (wantFocus) screen.focus();
      wantFocus = false;
    }
    const shownScreen = current();
    for (const screen of screens.values()) screen.setShown(visible && screen === shownScreen);
    if (pending) pending.setShown(visible);
  }

  /**
   * @param {string} id
   * @param {{focusTab?: boolean}} [opts]
   */
  function select(id, { focusTab = false } = {}) {
    if (pending) return;
    selectedId = id;
    saveSelectedTerminal(machineId, id);
    keyRow.reset();
    showSelected();
    render();
    if (focusTab) tabs.focusSelected();
  }

  /**
   * A terminal the machine no longer has: its screen goes, and another is shown.
   * @param {string} id
   * @param {boolean} wasShown say so when it was the one on screen
   */
  function forget(id, wasShown) {
    const screen = screens.get(id);
    if (screen) {
      screens.delete(id);
      screen.dispose();
    }
    const index = list.findIndex((t) => t.terminalId === id);
    if (index >= 0) list = list.filter((t) => t.terminalId !== id);
    if (selectedId === id) {
      const next = list[Math.min(Math.max(0, index), list.length - 1)];
      selectedId = next ? next.terminalId : null;
      saveSelectedTerminal(machineId, selectedId);
      if (wasShown) showNote('That terminal is gone: it was closed, or mstro on the machine stopped.');
    }
    showSelected();
    render();
  }

  /** @param {unknown} terminals the machine's list */
  function setList(terminals) {
    list = validList(terminals);
    listState = 'loaded';
    for (const id of [...screens.keys()]) {
      if (!list.some((t) => t.terminalId === id)) forget(id, id === selectedId && !closing.has(id));
    }
    for (const info of list) {
      const screen = screens.get(info.terminalId);
      if (screen) screen.setInfo(info);
    }
    if (!selectedId || !list.some((t) => t.terminalId === selectedId)) {
      const last = list[list.length - 1];
      selectedId = last ? last.terminalId : null;
    }
    showSelected();
    render();
  }

  async function refresh() {
    if (!alive || !connected) return;
    if (listState !== 'loaded') listState = 'loading';
    render();
    try {
      const reply = await sock.request('terminalList', {});
      if (!alive) return;
      setList(reply && reply.terminals);
    } catch (err) {
      if (!alive) return;
      if (err && err.code === 'unknown_type') listState = 'unsupported';
      else if (!TRANSIENT.has(err && err.code)) {
        listState = listState === 'loaded' ? 'loaded' : 'error';
        showAlert(`Couldn't list the terminals: ${friendlyTerminalError(err)}`, err);
      }
      render();
    }
  }

  /** The first time the pane is shown: xterm.js, and the machine's terminals. */
  function start() {
    if (!started) {
      started = true;
      refresh();
    }
    if (!lib) {
      loadXterm().then((loaded) => {
        if (!alive) return;
        lib = loaded;
        libFailed = false;
        showSelected();
        render();
      }, () => {
        if (!alive) return;
        libFailed = true;
        render();
      });
    }
  }

  // ---------------------------------------------------------------- actions

  async function newTerminal() {
    if (!isOwner() || pending || !lib || !connected) return;
    clearAlert();
    const screen = makeScreen();
    pending = screen;
    showSelected();
    screen.open();
    const size = screen.proposed() || { cols: 80, rows: 24 };
    tabs.setCreating(true);
    render();
    try {
      /** @type {TerminalInfo} */
      const info = await sock.request('terminalCreate', size);
      if (!alive) return;
      pending = null;
      screen.bind(info);
      screens.set(info.terminalId, screen);
      if (!list.some((t) => t.terminalId === info.terminalId)) list = [...list, info];
      select(info.terminalId);
      screen.setConnected(connected, whyNotConnected());
      screen.focus();
    } catch (err) {
      if (!alive) return;
      pending = null;
      screen.dispose();
      showSelected();
      if (err && err.code === 'unknown_type') listState = 'unsupported';
      else showAlert(`Couldn't open a terminal: ${friendlyTerminalError(err)}`, err);
    } finally {
      tabs.setCreating(false);
      render();
    }
  }

  /** @param {string} id */
  async function closeTerminal(id) {
    if (!isOwner()) return;
    const info = list.find((t) => t.terminalId === id);
    if (!info) return;
    const label = terminalLabel(info);
    // eslint-disable-next-line no-alert
    if (!info.exit && !window.confirm(`Close the terminal “${label}”? Its shell and everything running in it are ended.`)) return;
    const wasSelected = selectedId === id;
    closing.add(id);
    try {
      await sock.request('terminalClose', { terminalId: id });
    } catch (err) {
      if (!alive) return;
      if (!err || err.code !== 'not_found') {
        showAlert(`Couldn't close the terminal: ${friendlyTerminalError(err)}`, err);
        return;
      }
    } finally {
      closing.delete(id);
    }
    if (!alive) return;
    forget(id, false);
    if (wasSelected && !tabs.focusSelected() && !tabs.newButton.hidden) tabs.newButton.focus();
  }

  /** Give the keyboard back to the page: to the terminal's tab (or the +). */
  function leaveTerminal() {
    const screen = current();
    if (screen) screen.blur();
    keyRow.reset();
    if (!tabs.focusSelected()) tabs.newButton.focus();
  }

  /** @param {number} size */
  function setFontSize(size) {
    if (!FONT_SIZES.includes(size)) return;
    fontSize = size;
    saveFontSize(size);
    for (const screen of screens.values()) screen.setFontSize(size);
    if (pending) pending.setFontSize(size);
    render();
  }

  // ---------------------------------------------------------------- connection

  function whyNotConnected() {
    if (!sockOpen) return 'Reconnecting…';
    return 'The machine is offline. A terminal that outlives mstro (tmux) comes back with it.';
  }

  function updateConnected() {
    const now = sockOpen && online !== false;
    const why = whyNotConnected();
    if (now === connected) {
      for (const screen of screens.values()) screen.setConnected(now, why);
      return;
    }
    connected = now;
    if (!now) {
      for (const screen of screens.values()) screen.setConnected(false, why);
      render();
      return;
    }
    // Back: the list first (terminals may have gone meanwhile, or come back from a
    // restart), then every screen attaches again from what it holds.
    const reattach = () => {
      if (!alive || !connected) return;
      for (const screen of screens.values()) screen.setConnected(true);
      render();
    };
    if (started) refresh().then(reattach);
    else reattach();
  }

  // ---------------------------------------------------------------- drawing

  function render() {
    const owner = isOwner();
    tabs.render(list, pending ? null : selectedId, { owner });
    tabs.setCreating(Boolean(pending) || !lib || !connected);
    viewOnly.hidden = owner;
    smaller.disabled = fontSize <= FONT_SIZES[0];
    larger.disabled = fontSize >= FONT_SIZES[FONT_SIZES.length - 1];

    let text = '';
    if (listState === 'unsupported') text = UNSUPPORTED;
    else if (libFailed) text = "Couldn't load the terminal's code from the relay. Reload the page to try again.";
    notice.hidden = !text;
    notice.textContent = text;

    const noTerminals = listState === 'loaded' && list.length === 0 && !pending;
    empty.hidden = !noTerminals || Boolean(text);
    if (noTerminals) {
      const dir = workingDir();
      emptyText.textContent = 'No terminals are open on this machine.';
      emptyHint.textContent = owner
        ? `A terminal runs your shell on the machine${dir ? ` in ${dir}` : ''}, and keeps running when you close this page.`
        : 'Its owner can open one; you can watch it here.';
      openButton.hidden = !owner;
      openButton.disabled = !lib || !connected;
    }
    const screen = current();
    const canType = owner && screen && screen.info && !screen.info.exit;
    keyRow.el.hidden = !canType;
    el.dataset.state = listState;
  }

  render();

  return {
    el,
    /**
     * A frame of the machine socket; true when it was the Terminal view's.
     * @param {{type: string, data?: any}} frame
     */
    onFrame(frame) {
      const data = frame.data && typeof frame.data === 'object' ? frame.data : null;
      switch (frame.type) {
        case 'terminalOutput': {
          const screen = data && screens.get(data.terminalId);
          if (screen) screen.onOutput(data);
          return true;
        }
        case 'terminalExit': {
          if (!data || !data.exit) return true;
          list = list.map((t) => (t.terminalId === data.terminalId ? { ...t, exit: data.exit } : t));
          const screen = screens.get(data.terminalId);
          if (screen) screen.onExit(data.exit);
          render();
          return true;
        }
        case 'terminals':
          if (data) setList(data.terminals);
          return true;
        default:
          return false;
      }
    },
    /** @param {{state: string}} detail the socket's `state` event */
    onSocketState(detail) {
      sockOpen = detail.state === 'open';
      updateConnected();
    },
    /** Frames were dropped on the way: the list again, and each screen from what it holds. */
    onGap() {
      if (!connected) return;
      if (started) refresh();
      for (const screen of screens.values()) {
        screen.setConnected(false);
        screen.setConnected(true);
      }
    },
    /** @param {boolean} value */
    setOnline(value) {
      online = value;
      updateConnected();
    },
    /** @param {'owner' | 'view' | null} value */
    setPermission(value) {
      permission = value;
      for (const screen of screens.values()) screen.permissionChanged();
      render();
    },
    /** @param {{focus?: boolean}} [opts] */
    shown({ focus = false } = {}) {
      visible = true;
      wantFocus = focus;
      start();
      showSelected();
      render();
      const screen = current();
      if (focus && screen) {
        screen.focus();
        wantFocus = false;
      }
    },
    hidden() {
      visible = false;
      wantFocus = false;
      keyRow.reset();
      for (const screen of screens.values()) screen.setShown(false);
    },
    destroy() {
      alive = false;
      for (const screen of screens.values()) screen.dispose();
      screens.clear();
      if (pending) pending.dispose();
      pending = null;
    },
  };
}
