// @ts-check
// The history beside the chat: the History toggle (#history-toggle) and the panel
// (history.js), opening a past session (the tab that shows it, a new tab for an owner,
// a read-only tab from the history file for a viewer), loading the earlier movements
// of a large session, and refreshing the list when a run ends while it is open.

import { h } from '../dom.js';
import * as store from './store.js';
import { createHistory } from './history.js';
import { friendly } from './chat-errors.js';

/**
 * createHistoryDock({...}) → {toggle, panel, openSession({sessionId, title}),
 * loadEarlier(tab), runEnded()}.
 *
 * @param {{
 *   sock: {request: (type: string, data?: object, opts?: object) => Promise<any>},
 *   tabs: ReturnType<typeof import('./tabs.js').createTabs>,
 *   markDirty: (tab: import('./tabs.js').Tab) => void,
 *   later: (fn: () => void, ms: number) => any,
 *   isAlive: () => boolean,
 *   isOwner: () => boolean,
 *   isSupported: () => boolean | null,
 *   createTab: (options?: {sessionId?: string, title?: string}) => Promise<import('./tabs.js').Tab | null>,
 *   showAlert: (message: string, err?: any) => void,
 *   focusTab: (tab: import('./tabs.js').Tab | null) => boolean,
 * }} deps
 */
export function createHistoryDock({ sock, tabs, markDirty, later, isAlive, isOwner, isSupported, createTab, showAlert, focusTab }) {
  let refreshTimer = 0;
  const toggle = h('button', {
    id: 'history-toggle', type: 'button', class: 'btn btn-ghost btn-sm history-toggle', 'aria-expanded': 'false', 'aria-controls': 'history',
  }, h('span', { class: 'glyph glyph-history', 'aria-hidden': 'true' }), h('span', { class: 'history-toggle-label' }, 'History'));

  const history = createHistory({
    request: (type, data) => sock.request(type, data),
    canDelete: () => isOwner(),
    onOpen: (s) => openSession(s),
    onClose: () => {
      toggle.setAttribute('aria-expanded', 'false');
      toggle.focus();
    },
  });

  toggle.addEventListener('click', () => {
    if (history.isOpen) {
      history.close();
      toggle.setAttribute('aria-expanded', 'false');
    } else {
      history.open();
      toggle.setAttribute('aria-expanded', 'true');
      history.focusSearch();
    }
  });

  /** @param {{sessionId: string, title?: string}} session */
  async function openSession({ sessionId, title }) {
    if (!store.isValidId(sessionId)) return;
    for (const ctl of tabs.list()) {
      if (ctl.model.sessionId === sessionId) {
        tabs.select(ctl.model.tabId, { focusTab: true });
        return;
      }
    }
    if (isOwner() && isSupported() !== false) {
      const ctl = await createTab({ sessionId, title });
      if (ctl) focusTab(ctl);
      return;
    }
    // A viewer: a read-only tab from the history file.
    const ctl = tabs.add({ tabId: store.freshId('v'), sessionId, title, readOnly: true, select: true });
    try {
      const data = await sock.request('getSessionById', { sessionId });
      if (!isAlive() || tabs.get(ctl.model.tabId) !== ctl) return;
      store.applySession(ctl.model, data && data.session, data && data.omitted);
      markDirty(ctl);
    } catch (err) {
      tabs.remove(ctl.model.tabId);
      showAlert(`Couldn't open the session: ${friendly(err)}`, err);
    }
  }

  /**
   * The movements before those a large session's tab shows (`getSessionById {before}`).
   * @param {import('./tabs.js').Tab} ctl
   */
  async function loadEarlier(ctl) {
    const m = ctl.model;
    const { sessionId, omitted: before, generation } = m;
    if (!sessionId || !(before > 0)) return;
    try {
      const data = await sock.request('getSessionById', { sessionId, before });
      if (!isAlive() || tabs.get(m.tabId) !== ctl) return;
      // The transcript was replaced meanwhile: the answer is for what it was.
      if (m.generation !== generation || m.sessionId !== sessionId) return;
      if (store.prependMovements(m, data && data.session && data.session.movements, data && data.omitted, before)) markDirty(ctl);
    } catch (err) {
      if (isAlive() && !(err && err.code === 'closed')) showAlert(`Couldn't load the earlier prompts: ${friendly(err)}`, err);
    }
  }

  return {
    toggle,
    panel: history.el,
    openSession,
    loadEarlier,
    /** A run ended: the list may have changed. */
    runEnded() {
      if (!history.isOpen) return;
      clearTimeout(refreshTimer);
      refreshTimer = later(() => history.refresh(), 800);
    },
  };
}
