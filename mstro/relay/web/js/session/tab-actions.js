// @ts-check
// Opening and closing tabs on the machine: a new tab gets an id chosen here
// (`createTab {tabId}`; the machine may choose another, which is then followed), shown
// at once and loaded when the machine has it; closing asks `removeTab` (a running tab
// only after a confirmation). A read-only tab from the history is only closed here.

import * as store from './store.js';
import { friendly } from './chat-errors.js';

/**
 * createTabActions({...}) → {createTab(options), closeTab(tabId)}.
 *
 * @param {{
 *   sock: {request: (type: string, data: object, opts?: object) => Promise<any>},
 *   tabs: ReturnType<typeof import('./tabs.js').createTabs>,
 *   markDirty: (tab: import('./tabs.js').Tab) => void,
 *   isAlive: () => boolean,
 *   isOwner: () => boolean,
 *   setSupported: () => void,
 *   markUnsupported: () => void,
 *   initTab: (tab: import('./tabs.js').Tab) => Promise<void>,
 *   showAlert: (message: string, err?: any) => void,
 *   focusTab: (tab: import('./tabs.js').Tab | null) => boolean,
 *   focusNew: () => void,
 * }} deps
 */
export function createTabActions({ sock, tabs, markDirty, isAlive, isOwner, setSupported, markUnsupported, initTab, showAlert, focusTab, focusNew }) {
  /**
   * A new tab (for `sessionId`, if given), selected unless `select: false`. Resolves to
   * the tab once the machine has it, or null.
   * @param {{sessionId?: string | null, title?: string, select?: boolean}} [options]
   * @returns {Promise<import('./tabs.js').Tab | null>}
   */
  function createTab(options = {}) {
    const tabId = store.freshId('t');
    const ctl = tabs.add({ tabId, sessionId: options.sessionId || null, title: options.title || '', select: options.select !== false });
    ctl.creating = true;
    ctl.ready = createOnMachine(ctl, options);
    return ctl.ready;
  }

  async function createOnMachine(ctl, { sessionId = null, title = '', select: doSelect = true } = {}) {
    const tabId = ctl.model.tabId;
    markDirty(ctl);
    try {
      const reply = await sock.request('createTab', sessionId ? { tabId, sessionId } : { tabId });
      if (!isAlive() || tabs.get(tabId) !== ctl) return null;
      ctl.creating = false;
      let target = ctl;
      if (reply && store.isValidId(reply.tabId) && reply.tabId !== tabId) {
        // The machine chose another id: follow it.
        const index = tabs.indexOf(tabId);
        tabs.remove(tabId);
        target = tabs.add({ tabId: reply.tabId, sessionId: reply.sessionId, title, select: doSelect, at: index });
      } else if (reply && store.isValidId(reply.sessionId)) {
        ctl.model.sessionId = reply.sessionId;
      }
      setSupported();
      tabs.persist();
      await initTab(target);
      return target;
    } catch (err) {
      if (!isAlive()) return null;
      ctl.creating = false;
      tabs.remove(tabId);
      if (err.code === 'unknown_type') markUnsupported();
      else if (err.code !== 'closed') showAlert(`Couldn't open a tab: ${friendly(err)}`, err);
      return null;
    }
  }

  /** @param {string} tabId */
  async function closeTab(tabId) {
    const ctl = tabs.get(tabId);
    if (!ctl) return;
    if (ctl.model.readOnly) {
      tabs.remove(tabId);
      return;
    }
    if (!isOwner()) return;
    // eslint-disable-next-line no-alert
    if (ctl.model.state === 'running' && !window.confirm('This tab is running a prompt. Close it and stop the run?')) return;
    const wasSelected = tabs.isSelected(tabId);
    try {
      await sock.request('removeTab', {}, { tabId });
    } catch (err) {
      if (err.code !== 'not_found') {
        showAlert(`Couldn't close the tab: ${friendly(err)}`, err);
        return;
      }
    }
    tabs.remove(tabId);
    if (wasSelected && !focusTab(tabs.selected())) focusNew();
  }

  return { createTab, closeTab };
}
