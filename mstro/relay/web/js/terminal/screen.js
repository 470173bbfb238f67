// @ts-check
// One terminal on screen (docs/terminal.md, "In the browser"): an xterm.js instance fed
// the terminal's output (feed.js: each byte once, in order, acknowledged once
// written), the owner's keystrokes and pastes sent as `terminalInput` (input.js: at
// most 64 KiB each), its size fitted to the pane and sent as `terminalResize` (only
// by the owner: a viewer sees the terminal at the owner's size), and a status line
// for what is not running: reconnecting, the machine offline, ended with its exit.
//
// Keys: everything typed while the terminal has the focus goes to it, Escape and Tab
// included; Ctrl+Shift+C copies the selection, Ctrl+Shift+V (and the browser's own
// paste) pastes, Ctrl+Shift+L gives the keyboard back to the page (LEAVE_KEY).

import { h } from '../dom.js';
import { Feed, decodeBase64 } from './feed.js';
import { splitInput } from './input.js';
import { adoptXtermStyles } from './xterm-styles.js';
import { friendlyTerminalError, TRANSIENT } from './terminal-errors.js';

/** @typedef {import('../../types/protocol').TerminalInfo} TerminalInfo */
/** @typedef {import('../../types/protocol').TerminalExit} TerminalExit */
/** @typedef {import('../../types/protocol').TerminalOutput} TerminalOutput */
/** @typedef {import('./xterm-lib.js').XtermLib} XtermLib */
/** @typedef {import('../../vendor/xterm/xterm.mjs').Terminal} XTerminal */

/** The key that gives the keyboard back to the page, as aria-keyshortcuts names it. */
export const LEAVE_KEY = 'Control+Shift+L';
/** The same, for people. */
export const LEAVE_KEY_LABEL = 'Ctrl+Shift+L';

const RESIZE_DEBOUNCE_MS = 150;
const SCROLLBACK_LINES = 5000;
const MAX_COLS = 1000;
const MAX_ROWS = 500;
const FONT_FAMILY = 'ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace';

/** Dark in both colour schemes: programs pick their colours for a dark terminal. */
const THEME = {
  background: '#17171a',
  foreground: '#e4e4e0',
  cursor: '#e4e4e0',
  cursorAccent: '#17171a',
  selectionBackground: '#4f46e599',
  brightBlack: '#7a7a80',
};

/**
 * How a terminal ended, in words: "Ended (exit 3): the shell exited".
 * @param {TerminalExit} exit
 * @returns {string}
 */
export function endedText(exit) {
  let how = '';
  if (exit.code != null) how = ` (exit ${exit.code})`;
  else if (exit.signal) how = ` (${exit.signal})`;
  return exit.reason ? `Ended${how}: ${exit.reason}` : `Ended${how}`;
}

/**
 * @param {number} n
 * @param {number} max
 */
function clampSize(n, max) {
  return Math.min(max, Math.max(1, Math.floor(n)));
}

/**
 * A link in the terminal: http(s) only, in a new tab that cannot reach back to this one.
 * @param {MouseEvent} _event
 * @param {string} uri
 */
function openLink(_event, uri) {
  if (!/^https?:\/\//i.test(uri)) return;
  window.open(uri, '_blank', 'noopener,noreferrer');
}

/**
 * A link a program drew with OSC 8: its text need not be its address, so the address
 * is shown before it opens.
 * @param {MouseEvent} event
 * @param {string} uri
 */
function openHyperlink(event, uri) {
  // eslint-disable-next-line no-alert
  if (/^https?:\/\//i.test(uri) && window.confirm(`Open ${uri}?`)) openLink(event, uri);
}

/**
 * createScreen({...}) → a screen, not yet showing a terminal: open() it once its
 * element is on the page and shown, bind() it to a terminal, attach().
 *
 * @param {{
 *   sock: {request: (type: string, data?: any, opts?: object) => Promise<any>, isOpen: boolean},
 *   lib: XtermLib,
 *   isOwner: () => boolean,
 *   fontSize: number,
 *   transformInput?: (data: string) => string,
 *   onFocusChange?: (focused: boolean) => void,
 *   onLeave?: () => void,
 *   onGone?: (terminalId: string) => void,
 * }} deps
 */
export function createScreen({ sock, lib, isOwner, fontSize, transformInput, onFocusChange, onLeave, onGone }) {
  /** @type {TerminalInfo | null} */
  let info = null;
  /** @type {XTerminal | null} */
  let term = null;
  /** @type {import('../../vendor/xterm/addon-fit.mjs').FitAddon | null} */
  let fit = null;
  let feed = new Feed();
  /** @type {'none' | 'attaching' | 'attached'} */
  let attachment = 'none';
  /** Output that arrived while the attach was on its way. @type {TerminalOutput[]} */
  let early = [];
  let connected = false;
  let offlineText = 'Reconnecting…';
  /** @type {string | null} */
  let error = null;
  let shown = false;
  let disposed = false;
  /** The size this browser wants and has not yet sent or had confirmed. @type {{cols: number, rows: number} | null} */
  let wanted = null;
  let resizeTimer = 0;
  let resizing = false;
  /** Showing another browser's size until this one is used again. */
  let foreignSize = false;
  let fitFrame = 0;

  const mount = h('div', { class: 'term-mount' });
  const host = h('div', { class: 'term-host' }, mount);
  const status = h('div', { class: 'term-status', role: 'status', 'aria-live': 'polite', hidden: true });
  const el = h('div', { class: 'term-screen', hidden: true }, host, status);
  const styles = adoptXtermStyles(mount);
  const resizeObserver = new ResizeObserver(() => scheduleFit());
  resizeObserver.observe(host);

  const terminalId = () => (info ? info.terminalId : '');
  const ended = () => Boolean(info && info.exit);
  const canType = () => isOwner() && attachment === 'attached' && connected && !ended();

  // ---------------------------------------------------------------- xterm

  /**
   * Make the xterm.js instance (once), at `size` until it is fitted.
   * @param {{cols: number, rows: number}} [size]
   */
  function open(size) {
    if (term || disposed) return;
    term = new lib.Terminal({
      // The Unicode 11 widths (wide characters, emoji) are a proposed API.
      allowProposedApi: true,
      cols: size ? size.cols : 80,
      rows: size ? size.rows : 24,
      fontFamily: FONT_FAMILY,
      fontSize,
      scrollback: SCROLLBACK_LINES,
      theme: THEME,
      disableStdin: true,
      cursorBlink: true,
      linkHandler: { activate: openHyperlink, allowNonHttpProtocols: false },
    });
    fit = new lib.FitAddon();
    term.loadAddon(fit);
    term.loadAddon(new lib.WebLinksAddon(openLink));
    term.loadAddon(new lib.Unicode11Addon());
    term.unicode.activeVersion = '11';
    term.open(mount);

    term.attachCustomKeyEventHandler((event) => {
      const mod = event.ctrlKey || event.metaKey;
      if (!mod || !event.shiftKey || event.altKey) return true;
      if (event.code === 'KeyC') {
        if (event.type === 'keydown') copySelection();
        event.preventDefault();
        return false;
      }
      // Not for xterm.js (it would send ^V): the browser pastes, into the paste event
      // xterm.js takes (bracketed if the program asked), and onData sends it.
      if (event.code === 'KeyV') return false;
      if (event.code === 'KeyL' && event.ctrlKey) {
        if (event.type === 'keydown' && onLeave) onLeave();
        event.preventDefault();
        return false;
      }
      return true;
    });
    term.onData((data) => {
      if (!canType()) return;
      const text = transformInput ? transformInput(data) : data;
      if (foreignSize) fitNow(true);
      send(text);
    });
    // onBinary (old mouse reports past column 95) is not text; the machine takes text.
    const textarea = term.textarea;
    if (textarea) {
      textarea.addEventListener('focus', () => onFocusChange && onFocusChange(true));
      textarea.addEventListener('blur', () => onFocusChange && onFocusChange(false));
    }
    if (document.fonts) document.fonts.ready.then(() => scheduleFit()).catch(() => {});
    updateInputState();
  }

  function copySelection() {
    if (!term || !term.hasSelection()) return;
    const text = term.getSelection();
    const legacy = () => {
      // xterm.js fills the copy event from its selection.
      try {
        document.execCommand('copy');
      } catch {
        // nothing more to try
      }
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).catch(legacy);
    else legacy();
  }

  function updateInputState() {
    if (!term) return;
    term.options.disableStdin = !canType();
    el.classList.toggle('is-readonly', !isOwner());
  }

  // ---------------------------------------------------------------- size

  function scheduleFit() {
    if (fitFrame) return;
    fitFrame = requestAnimationFrame(() => {
      fitFrame = 0;
      fitNow(true);
    });
  }

  /** The columns and rows that fill the pane, or null when it is not measurable (hidden). */
  function proposed() {
    if (!fit) return null;
    const dims = fit.proposeDimensions();
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows) || dims.cols < 1 || dims.rows < 1) return null;
    return { cols: clampSize(dims.cols, MAX_COLS), rows: clampSize(dims.rows, MAX_ROWS) };
  }

  /**
   * Fit the terminal to the pane: the owner's browser resizes the terminal itself
   * (when `push`), a viewer's shows it at the terminal's size, whatever its pane.
   * @param {boolean} push
   */
  function fitNow(push) {
    if (!term || !shown || disposed) return;
    if (!isOwner() || ended()) {
      showInfoSize();
      return;
    }
    const size = proposed();
    if (!size) return;
    foreignSize = false;
    if (term.cols !== size.cols || term.rows !== size.rows) term.resize(size.cols, size.rows);
    if (push && info && (info.cols !== size.cols || info.rows !== size.rows || wanted)) {
      wanted = size;
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(sendResize, RESIZE_DEBOUNCE_MS);
    }
  }

  function showInfoSize() {
    if (term && info && (term.cols !== info.cols || term.rows !== info.rows)) {
      term.resize(clampSize(info.cols, MAX_COLS), clampSize(info.rows, MAX_ROWS));
    }
  }

  async function sendResize() {
    if (!info || !wanted || resizing || !canType()) return;
    const size = wanted;
    if (info.cols === size.cols && info.rows === size.rows) {
      wanted = null;
      return;
    }
    resizing = true;
    try {
      await sock.request('terminalResize', { terminalId: info.terminalId, cols: size.cols, rows: size.rows });
      if (info && wanted === size) {
        info = { ...info, cols: size.cols, rows: size.rows };
        wanted = null;
      }
    } catch {
      // Connection trouble: sent again after the next attach. Anything else (an
      // ended terminal): the size stays the machine's.
    } finally {
      resizing = false;
    }
    if (wanted && wanted !== size) sendResize();
  }

  // ---------------------------------------------------------------- output

  /** @param {import('./feed.js').Step | null} step */
  function apply(step) {
    if (!step || !term) return;
    if (step.gap) {
      // Output went missing (frames dropped on the way): ask again from here.
      attachment = 'none';
      attach();
      return;
    }
    // A full reset (RIS) through the same queue as the bytes: whatever is still being
    // written of the old stream goes first.
    if (step.clear) term.write('\x1bc');
    const { gen, end } = step;
    term.write(step.write || new Uint8Array(0), () => {
      const ack = feed.wrote(gen, end);
      if (ack != null && info && attachment === 'attached' && sock.isOpen) {
        sock.request('terminalAck', { terminalId: info.terminalId, offset: ack }).catch(() => {});
      }
    });
  }

  /** Attach (again): the output from what this screen holds on, or all that is kept. */
  async function attach() {
    if (!info || !term || disposed || !connected || attachment !== 'none') return;
    attachment = 'attaching';
    early = [];
    const id = info.terminalId;
    const asked = feed.fromOffset;
    render();
    try {
      const answer = await sock.request('terminalAttach', asked === undefined ? { terminalId: id } : { terminalId: id, fromOffset: asked });
      if (disposed || !info || info.terminalId !== id) return;
      attachment = 'attached';
      error = null;
      if (answer && answer.terminal) setInfo(answer.terminal);
      apply(feed.attached({ offset: Number(answer.offset) || 0, data: decodeBase64(answer.data), reset: Boolean(answer.reset) }, asked));
      const queued = early;
      early = [];
      for (const chunk of queued) onOutput(chunk);
      updateInputState();
      if (wanted) sendResize();
      else fitNow(true);
    } catch (err) {
      if (disposed) return;
      attachment = 'none';
      if (err && err.code === 'not_found') {
        if (onGone) onGone(id);
        return;
      }
      // Connection trouble: the next connection attaches again.
      if (!TRANSIENT.has(err && err.code)) error = `Couldn't show this terminal: ${friendlyTerminalError(err)}`;
    } finally {
      render();
    }
  }

  /** @param {TerminalOutput} out */
  function onOutput(out) {
    if (attachment === 'attaching') {
      early.push(out);
      return;
    }
    if (attachment !== 'attached') return;
    apply(feed.output({ offset: Number(out.offset) || 0, data: decodeBase64(out.data), reset: Boolean(out.reset) }));
  }

  // ---------------------------------------------------------------- input

  /**
   * Send text as typed (split into requests of at most 64 KiB, in order).
   * @param {string} data
   * @returns {boolean} false when this browser cannot type into it now
   */
  function send(data) {
    if (!info || !canType() || !data) return false;
    const id = info.terminalId;
    for (const piece of splitInput(data)) {
      sock.request('terminalInput', { terminalId: id, data: piece }).catch((err) => {
        if (disposed || TRANSIENT.has(err && err.code) || (err && err.code === 'invalid')) return;
        error = `Couldn't type into this terminal: ${friendlyTerminalError(err)}`;
        render();
      });
    }
    return true;
  }

  // ---------------------------------------------------------------- state

  /**
   * The terminal as the machine lists it (a list, an event, an attach answer).
   * @param {TerminalInfo} next
   */
  function setInfo(next) {
    const before = info;
    info = next;
    if (term && !wanted && !resizing) {
      if (!isOwner() || next.exit) showInfoSize();
      else if (before && (next.cols !== term.cols || next.rows !== term.rows)) {
        // Another browser of the owner sized it: show it so until this one is used.
        showInfoSize();
        foreignSize = true;
      }
    }
    updateInputState();
    render();
  }

  function render() {
    let text = '';
    let kind = '';
    if (info && info.exit) {
      text = endedText(info.exit);
      kind = 'ended';
    } else if (!connected && info) {
      text = offlineText;
      kind = 'offline';
    } else if (error) {
      text = error;
      kind = 'error';
    }
    status.hidden = !text;
    status.dataset.kind = kind;
    if (status.textContent !== text) status.textContent = text;
    el.dataset.state = info && info.exit ? 'ended' : attachment;
  }

  return {
    el,
    open,
    /** @param {TerminalInfo} next the terminal this screen shows */
    bind(next) {
      info = next;
      el.dataset.terminalId = next.terminalId;
      updateInputState();
      render();
    },
    get terminalId() {
      return terminalId();
    },
    get info() {
      return info;
    },
    get opened() {
      return term !== null;
    },
    setInfo,
    attach,
    onOutput,
    /** @param {TerminalExit} exit */
    onExit(exit) {
      if (info) setInfo({ ...info, exit });
    },
    /**
     * Whether the socket is open and the machine online. Losing it ends the
     * attachment (the relay tells the machine this browser left, or the machine
     * itself went away); getting it back attaches again from the bytes held.
     * @param {boolean} value
     * @param {string} [why] what the status line says meanwhile
     */
    setConnected(value, why) {
      if (why) offlineText = why;
      if (value === connected) {
        render();
        return;
      }
      connected = value;
      if (!value) {
        attachment = 'none';
        early = [];
      }
      updateInputState();
      render();
      if (value) attach();
    },
    /** The permission may have changed. */
    permissionChanged() {
      updateInputState();
      scheduleFit();
    },
    /** @param {boolean} value */
    setShown(value) {
      shown = value;
      el.hidden = !value;
      if (value) scheduleFit();
    },
    /** The columns and rows that fill the pane now (null: not measurable). */
    proposed,
    /** @param {number} size */
    setFontSize(size) {
      fontSize = size;
      if (!term) return;
      term.options.fontSize = size;
      scheduleFit();
    },
    focus() {
      if (term) term.focus();
    },
    blur() {
      if (term) term.blur();
    },
    /** Whether the keyboard is in this terminal. */
    hasFocus() {
      return Boolean(term && term.textarea && document.activeElement === term.textarea);
    },
    /** Whether the program asked for application cursor keys (the key row's arrows). */
    appCursor() {
      return Boolean(term && term.modes.applicationCursorKeysMode);
    },
    send,
    /** Stop showing it: no more output to this browser. */
    dispose() {
      if (disposed) return;
      disposed = true;
      clearTimeout(resizeTimer);
      cancelAnimationFrame(fitFrame);
      resizeObserver.disconnect();
      if (info && attachment !== 'none' && sock.isOpen) {
        sock.request('terminalDetach', { terminalId: info.terminalId }).catch(() => {});
      }
      attachment = 'none';
      if (term) term.dispose();
      term = null;
      styles.dispose();
      feed = new Feed();
      el.remove();
    },
  };
}
