// @ts-check
// The tabs of the chat as this browser holds them: each tab's model (store.js) and the
// state that keeps it in step with the machine, their order, which one is selected,
// the tabs closed here (their stray events are ignored), and remembering all that per
// machine (tab-storage.js). Local state only: asking the machine is tab-actions.js's
// and tab-sync.js's; drawing is tab-strip.js's and transcript-area.js's, told through
// the hooks.

import * as store from './store.js';
import { loadTabs, saveTabs } from './tab-storage.js';

/**
 * One tab: its transcript model and how far it is in step with the machine.
 * - buffer: live events held while its initTab is in flight (null when none is).
 * - initializing: the initTab in flight; reinit: ask again when it ends.
 * - failed: the error that ended its loading for good; retry/retryTimer: backoff.
 * - creating/ready: a createTab on its way (ready resolves to the tab to use).
 * - triedCreate: an owner's initTab already made it again once.
 * - draft/draftFiles: the prompt typed in it while another tab is shown.
 * - cancelling: Stop was pressed and the run has not ended yet.
 * @typedef {{
 *   model: any,
 *   buffer: any[] | null,
 *   initializing: Promise<void> | null,
 *   reinit: boolean,
 *   failed: any,
 *   creating: boolean,
 *   ready?: Promise<Tab | null>,
 *   triedCreate: boolean,
 *   retry: number,
 *   retryTimer: any,
 *   draft: string,
 *   draftFiles?: File[],
 *   cancelling: boolean,
 * }} Tab
 */

/**
 * createTabs({machineId, attach(tab), detach(tab), onSelect(before, tab, {focusTab}),
 * onChange()}) → the registry. `attach`/`detach` give a tab its view and take it away;
 * `onSelect` shows the selected tab (before: the one shown until now); `onChange`
 * follows any change of the set or the order.
 *
 * @param {{machineId?: string, attach: (tab: Tab) => void, detach: (tab: Tab) => void,
 *   onSelect: (before: Tab | null, tab: Tab, opts: {focusTab: boolean}) => void,
 *   onChange: () => void}} hooks
 */
export function createTabs({ machineId, attach, detach, onSelect, onChange }) {
  /** @type {Map<string, Tab>} */
  const tabs = new Map();
  /** @type {string[]} */
  const order = [];
  const removed = new Set(); // tabs we closed: ignore their stray events
  let selectedId = null;
  /** The machine's epoch the remembered tabs were seen in. */
  let savedEpoch = null;

  function selected() {
    return selectedId ? tabs.get(selectedId) || null : null;
  }

  /**
   * A tab, new or the one with this id already.
   * @param {{tabId: string, sessionId?: string | null, title?: string, state?: string,
   *   readOnly?: boolean, select?: boolean, at?: number | null, draft?: string}} fields
   * @returns {Tab}
   */
  function add({ tabId, sessionId = null, title = '', state = 'idle', readOnly = false, select: doSelect = false, at = null, draft = '' }) {
    let ctl = tabs.get(tabId);
    if (ctl) {
      if (doSelect) select(tabId);
      return ctl;
    }
    ctl = {
      model: store.newTab({ tabId, sessionId, title, state, readOnly }),
      buffer: null,
      initializing: null,
      reinit: false,
      failed: null,
      creating: false,
      triedCreate: false,
      retry: 0,
      retryTimer: 0,
      draft,
      cancelling: false,
    };
    tabs.set(tabId, ctl);
    if (at != null && at >= 0 && at <= order.length) order.splice(at, 0, tabId);
    else order.push(tabId);
    attach(ctl);
    removed.delete(tabId);
    onChange();
    if (doSelect || !selectedId) select(tabId);
    return ctl;
  }

  /** Forget a tab here (the machine closed it, or it was never made). */
  function remove(tabId) {
    const ctl = tabs.get(tabId);
    if (!ctl) return;
    clearTimeout(ctl.retryTimer);
    tabs.delete(tabId);
    removed.add(tabId);
    const i = order.indexOf(tabId);
    if (i >= 0) order.splice(i, 1);
    detach(ctl);
    if (selectedId === tabId) {
      selectedId = null;
      const next = order[Math.min(i, order.length - 1)];
      if (next) select(next);
    }
    onChange();
    persist();
  }

  function select(tabId, { focusTab = false } = {}) {
    const ctl = tabs.get(tabId);
    if (!ctl) return;
    const before = selected();
    selectedId = tabId;
    onSelect(before, ctl, { focusTab });
    persist();
  }

  function persist() {
    saveTabs(machineId, {
      epoch: savedEpoch,
      selected: selectedId,
      tabs: order
        .map((id) => tabs.get(id))
        .filter((ctl) => ctl && !ctl.model.readOnly)
        .map((ctl) => {
          const p = ctl.model.pending;
          const saved = { tabId: ctl.model.tabId, sessionId: ctl.model.sessionId, title: store.tabLabel(ctl.model) };
          return p && p.status === 'queued' ? { ...saved, queued: p.prompt } : saved;
        }),
    });
  }

  return {
    add,
    remove,
    select,
    selected,
    persist,
    /** What this browser remembered of the machine's tabs. */
    loadSaved: () => loadTabs(machineId),
    /** @param {string} tabId */
    get: (tabId) => tabs.get(tabId),
    /** @param {string} tabId */
    has: (tabId) => tabs.has(tabId),
    /** Closed here: its late events are ignored. @param {string} tabId */
    wasRemoved: (tabId) => removed.has(tabId),
    /** @param {string} tabId */
    isSelected: (tabId) => tabId === selectedId,
    get selectedId() {
      return selectedId;
    },
    /** The tab ids, in order (a copy). */
    ids: () => order.slice(),
    /** @param {string} tabId */
    indexOf: (tabId) => order.indexOf(tabId),
    /** The tabs, in order. */
    list: () => order.map((id) => tabs.get(id)).filter(Boolean),
    get size() {
      return order.length;
    },
    get savedEpoch() {
      return savedEpoch;
    },
    set savedEpoch(value) {
      savedEpoch = value;
    },
  };
}
