// @ts-check
// Keeping the tabs in step with the machine (docs/sessions.md):
// - Each tab keeps the `epoch` and highest `seq` it applied (store.js). Live events
//   go through onFrame: a seq already applied is ignored; a gap or another epoch asks
//   initTab again.
// - sync() (on open, on every reconnect, when the machine comes back online):
//   getActiveTabs, merged with the tabs remembered on this browser, then initTab
//   {epoch, lastSeenSeq, sessionId} for every tab. While a tab's initTab is in flight
//   its live events are buffered and applied after the reply.

import * as store from './store.js';
import { TRANSIENT, friendly } from './chat-errors.js';

const EVENT_TYPES = new Set([
  'movementStart', 'output', 'thinking', 'toolUse', 'bouncerDecision', 'streamingTokens',
  'movementWarning', 'movementComplete', 'movementError', 'tabStateChanged',
  'approvalRequest', 'approvalResolved',
]);
const MAX_BUFFER = 20000;
const INIT_TIMEOUT_MS = 30000;
const RETRY_DELAYS_MS = [1000, 3000, 8000, 15000];
const OFFLINE_NOTICE = 'The machine is offline. The chat picks up where it was when it is back.';

/**
 * createTabSync({...}) → {sync(), initTab(tab), onFrame(frame)}.
 * Hooks: `resume(tab)` after a tab is up to date (a prompt still pending is sent
 * again); `onIdle(tab)` when its run is over (a queued prompt goes);
 * `onMovementStart(tab)`; `onRunEnded(tab)`; `refresh()` the chrome.
 *
 * @param {{
 *   sock: {request: (type: string, data: object, opts?: object) => Promise<any>},
 *   tabs: ReturnType<typeof import('./tabs.js').createTabs>,
 *   markDirty: (tab: import('./tabs.js').Tab) => void,
 *   later: (fn: () => void, ms: number) => any,
 *   isAlive: () => boolean,
 *   isOwner: () => boolean,
 *   permissionReady: () => Promise<void>,
 *   isSupported: () => boolean | null,
 *   setSupported: () => void,
 *   markUnsupported: () => void,
 *   setNotice: (text: string) => void,
 *   showAlert: (message: string, err?: any) => void,
 *   createTab: (options?: {select?: boolean}) => Promise<import('./tabs.js').Tab | null>,
 *   resume: (tab: import('./tabs.js').Tab) => void,
 *   onIdle: (tab: import('./tabs.js').Tab) => void,
 *   onMovementStart: (tab: import('./tabs.js').Tab) => void,
 *   onRunEnded: (tab: import('./tabs.js').Tab) => void,
 *   refresh: () => void,
 * }} deps
 */
export function createTabSync({
  sock, tabs, markDirty, later, isAlive, isOwner, permissionReady, isSupported, setSupported,
  markUnsupported, setNotice, showAlert, createTab, resume, onIdle, onMovementStart, onRunEnded, refresh,
}) {
  let syncing = false;
  let syncAgain = false;
  let syncRetry = 0;
  let syncRetryTimer = 0;

  // ---------------------------------------------------------------- live events

  /** A frame from the machine socket; anything but a tab's event is ignored. */
  function onFrame(frame) {
    if (!isAlive() || !frame || !EVENT_TYPES.has(frame.type) || frame.id != null) return;
    const tabId = frame.tabId;
    if (!store.isValidId(tabId)) return;
    let ctl = tabs.get(tabId);
    if (!ctl) {
      const data = frame.data && typeof frame.data === 'object' ? frame.data : {};
      if (data.state === 'removed' || tabs.wasRemoved(tabId) || isSupported() === false) return;
      // A tab opened elsewhere (another browser): show it too.
      ctl = tabs.add({ tabId });
      ctl.buffer = [frame];
      tabs.persist();
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
        tabs.remove(ctl.model.tabId);
        return;
      }
      if (ctl.model.state === 'idle') ctl.cancelling = false;
      tabs.persist();
    }
    if (type === 'movementStart') {
      onMovementStart(ctl);
      tabs.persist();
    }
    if (type === 'movementComplete' || type === 'movementError') {
      ctl.cancelling = false;
      onRunEnded(ctl);
    }
    markDirty(ctl);
    if (type === 'tabStateChanged' && ctl.model.state === 'idle') onIdle(ctl);
  }

  // ---------------------------------------------------------------- initTab

  /** Bring one tab up to date (replay or snapshot); one at a time per tab. */
  function initTab(ctl) {
    if (!isAlive() || ctl.model.readOnly || ctl.creating) return Promise.resolve();
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
      } while (ctl.reinit && rounds < 4 && isAlive() && tabs.get(ctl.model.tabId) === ctl);
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
      if (!isAlive() || tabs.get(m.tabId) !== ctl) return false;
      if (err.code === 'not_found') {
        // Unknown in the epoch we last saw it in: closed elsewhere. Unknown after a
        // restart (another epoch): an owner makes it again, with its session.
        const closedElsewhere = m.epoch != null && m.epoch === tabs.savedEpoch;
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
        tabs.remove(m.tabId);
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
      if (tabs.isSelected(m.tabId)) showAlert(`Couldn't load this tab: ${friendly(err)}`, err);
      return false;
    }
    if (!isAlive() || tabs.get(m.tabId) !== ctl) return false;
    ctl.triedCreate = false;
    ctl.failed = null;
    ctl.retry = 0;
    setSupported();
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
          tabs.remove(m.tabId);
          return false;
        }
      }
    } else {
      ctl.buffer = buffered;
    }
    if (again) ctl.reinit = true;
    if (m.state === 'idle') ctl.cancelling = false;
    markDirty(ctl);
    tabs.persist();
    if (!again) resume(ctl);
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

  // ---------------------------------------------------------------- sync

  /** Every tab up to date with the machine; a sync asked for during one runs after it. */
  async function sync() {
    if (!isAlive()) return;
    if (syncing) {
      syncAgain = true;
      return;
    }
    syncing = true;
    clearTimeout(syncRetryTimer);
    try {
      await permissionReady();
      if (!isAlive()) return;
      let reply;
      try {
        reply = await sock.request('getActiveTabs', {});
      } catch (err) {
        if (!isAlive()) return;
        if (err.code === 'unknown_type') markUnsupported();
        else if (err.code === 'machine_offline') setNotice(OFFLINE_NOTICE);
        else if (err.code === 'timeout' || err.code === 'busy') {
          syncRetryTimer = later(() => sync(), RETRY_DELAYS_MS[Math.min(syncRetry++, RETRY_DELAYS_MS.length - 1)]);
        } else if (!TRANSIENT.has(err.code) && err.code !== 'closed') {
          showAlert(`Couldn't load the tabs: ${friendly(err)}`, err);
        }
        return;
      }
      if (!isAlive()) return;
      syncRetry = 0;
      const epoch = reply && typeof reply.epoch === 'string' ? reply.epoch : null;
      if (epoch == null) {
        // An mstro from before sessions answers getActiveTabs with no epoch.
        markUnsupported();
        return;
      }
      setSupported();
      setNotice('');
      const active = (reply && Array.isArray(reply.tabs) ? reply.tabs : [])
        .filter((t) => t && store.isValidId(t.tabId));
      const activeById = new Map(active.map((t) => [t.tabId, t]));
      const saved = tabs.loadSaved();

      // 1. On the first sync, the tabs remembered on this browser.
      if (!tabs.size) {
        for (const t of saved.tabs) {
          if (!tabs.wasRemoved(t.tabId)) tabs.add({ tabId: t.tabId, sessionId: t.sessionId, title: t.title, draft: t.queued || '' });
        }
        if (saved.selected && tabs.has(saved.selected)) tabs.select(saved.selected);
      }

      // 2. Tabs the machine no longer has: closed elsewhere (same epoch) are dropped;
      //    after a machine restart an owner's initTab makes them again.
      for (const id of tabs.ids()) {
        const ctl = tabs.get(id);
        if (!ctl || ctl.model.readOnly || ctl.creating || activeById.has(id)) continue;
        const knownEpoch = ctl.model.epoch != null ? ctl.model.epoch : saved.epoch;
        if (knownEpoch === epoch || !isOwner()) tabs.remove(id);
      }

      // 3. Tabs opened elsewhere.
      for (const t of active) {
        if (!tabs.has(t.tabId)) {
          tabs.add({ tabId: t.tabId, sessionId: store.isValidId(t.sessionId) ? t.sessionId : null, title: typeof t.title === 'string' ? t.title : '', state: t.state });
        } else {
          const m = tabs.get(t.tabId).model;
          if (!m.title && typeof t.title === 'string') m.title = t.title;
        }
      }
      tabs.savedEpoch = epoch;

      // 4. Nothing open: an owner gets a fresh tab.
      if (!tabs.size && isOwner()) {
        await createTab({ select: true });
      }
      if (!tabs.selected() && tabs.size) tabs.select(tabs.ids()[0]);
      tabs.persist();
      refresh();

      // 5. Every tab up to date (replay or snapshot).
      await Promise.all(tabs.list().map((ctl) => initTab(ctl)));
    } finally {
      syncing = false;
      if (syncAgain && isAlive()) {
        syncAgain = false;
        sync();
      }
    }
  }

  return { sync, initTab, onFrame };
}
