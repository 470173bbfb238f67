// @ts-check
// The browser's socket to one machine, through the relay (`/ws/web?machine=ID`).
//
// - request(type, data) sends `{type, id, data}` and resolves with the reply's `data`
//   (same `type` and `id`), or rejects with a SocketError for `{type: "error", id,
//   data: {code, message}}`, a timeout, or a dropped connection.
// - Requests made while the socket is (re)connecting wait in a queue and go out when it
//   opens (still bounded by the timeout).
// - When the socket closes it reconnects with exponential backoff (1 s, 2 s, 4 s … 15 s,
//   with jitter). `online` and tab-visible events retry at once.
// - Events (EventTarget): `state` {state, attempt, retryAt, everOpened, reason},
//   `open` {reconnected}, `frame` (any frame that is not a reply to one of ours, e.g.
//   `machineStatus`, and the machine's session events, which carry no `id`).

/** @typedef {import('../types/protocol').Envelope} Envelope */
/** @typedef {import('../types/protocol').ErrorCode} ErrorCode */
/** @typedef {import('../types/protocol').Request} Request */

/**
 * What the machine answers each request with: the reply's `data` (mstro-protocol's
 * `reply.rs`). A type not listed here answers `any`.
 * @typedef {{
 *   ping: import('../types/protocol').Pong,
 *   listDirectory: import('../types/protocol').Listing,
 *   readFile: import('../types/protocol').FileContent,
 *   findFiles: import('../types/protocol').FoundFiles,
 *   getActiveTabs: import('../types/protocol').ActiveTabs,
 *   createTab: import('../types/protocol').TabInfo,
 *   removeTab: import('../types/protocol').Removed,
 *   initTab: import('../types/protocol').InitTab,
 *   execute: import('../types/protocol').ExecuteAck,
 *   cancel: import('../types/protocol').Cancelled,
 *   new: import('../types/protocol').NewSession,
 *   getSessions: import('../types/protocol').Page,
 *   getSessionById: import('../types/protocol').SessionById,
 *   deleteSession: import('../types/protocol').Deleted,
 *   searchHistory: import('../types/protocol').SearchResults,
 *   setTabSettings: import('../types/protocol').TabSettings,
 *   terminalCreate: import('../types/protocol').TerminalInfo,
 *   terminalList: import('../types/protocol').TerminalList,
 *   terminalAttach: import('../types/protocol').TerminalAttached,
 *   terminalAck: import('../types/protocol').TerminalOk,
 *   terminalDetach: import('../types/protocol').TerminalOk,
 *   terminalInput: import('../types/protocol').TerminalOk,
 *   terminalResize: import('../types/protocol').TerminalOk,
 *   terminalClose: import('../types/protocol').TerminalOk,
 * }} Replies
 */

/**
 * A failed request: `code` is an ErrorCode from the machine or relay, or one of the
 * socket's own (`timeout`, `closed`, `connection_lost`, `error`), never on the wire.
 */
export class SocketError extends Error {
  /**
   * @param {ErrorCode | 'timeout' | 'closed' | 'connection_lost' | 'error'} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'SocketError';
    this.code = code;
  }
}

const MAX_BACKOFF_MS = 15000;

// Close codes the relay sends (docs/relay-api.md, "Browser socket").
export const CLOSE_TOO_MANY = 4029;
export const CLOSE_SIGNED_OUT = 4401;
export const CLOSE_REVOKED = 4403;

function randomPrefix() {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function machineSocketUrl(machineId) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws/web?machine=${encodeURIComponent(machineId)}`;
}

export class MachineSocket extends EventTarget {
  /**
   * @param {string} machineId
   * @param {object} options
   * @param {number} [options.timeoutMs=15000] per request
   * @param {(info: {attempt: number}) => Promise<boolean>} [options.shouldRetry]
   *   asked after an attempt that never opened (the relay may have refused the upgrade:
   *   signed out, or no such machine); resolve false to stop for good.
   */
  constructor(machineId, { timeoutMs = 15000, shouldRetry } = {}) {
    super();
    this.url = machineSocketUrl(machineId);
    this.timeoutMs = timeoutMs;
    this.shouldRetry = shouldRetry;
    this.prefix = randomPrefix();
    this.counter = 0;
    this.pending = new Map();
    this.ws = null;
    this.state = 'idle';
    this.attempt = 0;
    this.everOpened = false;
    this.stopped = false;
    this.retryTimer = null;
    this.retryAt = 0;
    this.onOnline = () => this.retryNow();
    this.onVisible = () => {
      if (document.visibilityState === 'visible') this.retryNow();
    };
  }

  start() {
    window.addEventListener('online', this.onOnline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.connect();
    return this;
  }

  get isOpen() {
    return this.state === 'open';
  }

  /**
   * Send a request; resolves with the reply's `data`. Options: `tabId` (put in the
   * envelope), `replyType` (the reply's type when it is not `type`, e.g. `execute` →
   * `executeAck`), `timeoutMs`.
   * @template {string} T
   * @param {T} type
   * @param {T extends Request['type'] ? Extract<Request, {type: T}>['data'] : unknown} [data]
   * @param {{timeoutMs?: number, tabId?: string, replyType?: string}} [options]
   * @returns {Promise<T extends keyof Replies ? Replies[T] : any>}
   */
  request(type, data = /** @type {any} */ ({}), { timeoutMs = this.timeoutMs, tabId, replyType } = {}) {
    if (this.stopped) {
      return Promise.reject(new SocketError('closed', 'The connection to this machine is closed.'));
    }
    this.counter += 1;
    const id = `${this.prefix}-${this.counter}`;
    return new Promise((resolve, reject) => {
      const envelope = tabId != null ? { type, id, tabId, data } : { type, id, data };
      const entry = {
        id,
        type,
        replyType: replyType || type,
        frame: JSON.stringify(envelope),
        sent: false,
        resolve,
        reject,
        timer: 0,
      };
      entry.timer = setTimeout(() => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        const seconds = Math.round(timeoutMs / 1000);
        reject(entry.sent
          ? new SocketError('timeout', `The machine didn't answer within ${seconds} seconds.`)
          : new SocketError('timeout', `Couldn't reach the relay within ${seconds} seconds. Still trying to reconnect.`));
      }, timeoutMs);
      this.pending.set(id, entry);
      if (this.state === 'open') this.send(entry);
    });
  }

  /** Reconnect now instead of waiting for the backoff. */
  retryNow() {
    if (this.stopped || this.state !== 'waiting') return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  /** Close for good: no reconnect, every pending request rejected. */
  stop(reason = 'closed') {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    window.removeEventListener('online', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisible);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      try {
        ws.close(1000, 'bye');
      } catch {
        // already closing
      }
    }
    this.failPending(() => new SocketError('closed', 'The connection to this machine is closed.'), true);
    this.setState('stopped', { reason });
  }

  // ------------------------------------------------------------------ internals

  connect() {
    if (this.stopped) return;
    this.setState('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.afterClose(false);
      return;
    }
    this.ws = ws;
    let opened = false;

    ws.addEventListener('open', () => {
      if (ws !== this.ws) return;
      opened = true;
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.setState('open');
      for (const entry of this.pending.values()) {
        if (!entry.sent) this.send(entry);
      }
      this.emit('open', { reconnected });
    });
    ws.addEventListener('message', (event) => {
      if (ws !== this.ws) return;
      if (typeof event.data === 'string') this.receive(event.data);
    });
    ws.addEventListener('close', (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.afterClose(opened, event.code);
    });
    // 'error' is always followed by 'close'; nothing to do here.
  }

  send(entry) {
    try {
      this.ws.send(entry.frame);
      entry.sent = true;
    } catch {
      // The socket is going away; the entry goes out after the reconnect.
    }
  }

  /** @param {string} raw */
  receive(raw) {
    /** @type {Envelope} */
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') return;

    const entry = frame.id != null ? this.pending.get(String(frame.id)) : undefined;
    if (entry && (frame.type === 'error' || frame.type === entry.replyType || frame.type === entry.type)) {
      this.pending.delete(entry.id);
      clearTimeout(entry.timer);
      if (frame.type === 'error') {
        /** @type {{code?: unknown, message?: unknown}} */
        const data = frame.data && typeof frame.data === 'object' ? frame.data : {};
        const code = typeof data.code === 'string' ? /** @type {ErrorCode} */ (data.code) : 'error';
        const message = typeof data.message === 'string' && data.message ? data.message : code;
        entry.reject(new SocketError(code, message));
      } else {
        entry.resolve(frame.data);
      }
      return;
    }
    this.emit('frame', frame);
  }

  afterClose(opened, closeCode) {
    // Requests already on the wire will never be answered on a new socket.
    this.failPending(
      () => new SocketError('connection_lost', 'The connection dropped before the machine answered.'),
      false,
    );
    if (this.stopped) return;
    this.attempt += 1;
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (this.attempt - 1));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.retryAt = Date.now() + delay;
    this.setState('waiting', { closeCode, delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);

    // The relay closed it for a reason that a retry cannot fix by itself: signed out
    // (4401) or access taken back (4403). Ask, as for a refused upgrade.
    const refused = closeCode === CLOSE_SIGNED_OUT || closeCode === CLOSE_REVOKED;
    if ((!opened || refused) && this.shouldRetry) {
      const attempt = this.attempt;
      Promise.resolve()
        .then(() => this.shouldRetry({ attempt }))
        .then((keepGoing) => {
          if (keepGoing === false) this.stop('refused');
        })
        .catch(() => {});
    }
  }

  failPending(makeError, includeUnsent) {
    for (const [id, entry] of this.pending) {
      if (!entry.sent && !includeUnsent) continue;
      this.pending.delete(id);
      clearTimeout(entry.timer);
      entry.reject(makeError());
    }
  }

  setState(state, extra = {}) {
    this.state = state;
    this.emit('state', {
      state,
      attempt: this.attempt,
      retryAt: this.retryAt,
      everOpened: this.everOpened,
      ...extra,
    });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
