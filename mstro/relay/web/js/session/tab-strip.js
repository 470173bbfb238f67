// @ts-check
// The tab strip (#tabs, role=tablist) and the new-tab button (#new-tab): one button
// per tab (its title, a dot for its state, read-only and waiting-for-approval marks)
// with a close button beside it, and the keyboard of a tablist (arrows, Home, End;
// Delete closes). It draws what it is given; what a click means is the caller's.

import { h } from '../dom.js';
import * as store from './store.js';

/**
 * createTabStrip({select(tabId, {focusTab}), close(tabId), canClose(tab), newTab()}) →
 * {tablist, newButton, render(tabs, selectedId), focus(tab) → bool, focusNew(),
 * setNewEnabled(bool)}.
 *
 * @param {{select: (tabId: string, opts?: {focusTab?: boolean}) => void,
 *   close: (tabId: string) => void,
 *   canClose: (tab: import('./tabs.js').Tab) => boolean,
 *   newTab: () => void}} actions
 */
export function createTabStrip({ select, close, canClose, newTab }) {
  const tablist = h('div', { id: 'tabs', class: 'tabs', role: 'tablist', 'aria-label': 'Sessions' });
  const newButton = h('button', {
    id: 'new-tab', type: 'button', class: 'btn btn-ghost btn-icon new-tab', 'aria-label': 'New tab', title: 'New tab',
  }, h('span', { 'aria-hidden': 'true' }, '+'));
  /** @type {WeakMap<import('./tabs.js').Tab, {tab: HTMLElement, close: HTMLElement, wrap: HTMLElement}>} */
  const els = new WeakMap();
  /** The tabs drawn last, in order. */
  let shown = [];

  /** @param {import('./tabs.js').Tab} ctl */
  function elementsOf(ctl) {
    let e = els.get(ctl);
    if (e) return e;
    const id = ctl.model.tabId;
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
    const closeEl = h('button', { type: 'button', class: 'tab-close', tabindex: '-1' }, h('span', { 'aria-hidden': 'true' }, '×'));
    closeEl.addEventListener('click', (event) => {
      event.stopPropagation();
      close(id);
    });
    e = { tab, close: closeEl, wrap: h('div', { class: 'tab-wrap', role: 'presentation' }, tab, closeEl) };
    els.set(ctl, e);
    return e;
  }

  /**
   * Draw `tabs` (in order), `selectedId` the selected one.
   * @param {import('./tabs.js').Tab[]} tabs
   * @param {string | null} selectedId
   */
  function render(tabs, selectedId) {
    shown = tabs.slice();
    const wraps = [];
    for (const ctl of tabs) {
      const m = ctl.model;
      const isSel = m.tabId === selectedId;
      const label = store.tabLabel(m);
      const e = elementsOf(ctl);
      const tab = e.tab;
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
      e.close.hidden = !canClose(ctl);
      e.close.setAttribute('aria-label', `Close ${label}`);
      e.wrap.classList.toggle('is-selected', isSel);
      wraps.push(e.wrap);
    }
    const kids = tablist.children;
    let same = kids.length === wraps.length;
    for (let i = 0; same && i < wraps.length; i++) same = kids[i] === wraps[i];
    if (!same) {
      const focused = /** @type {HTMLElement | null} */ (document.activeElement);
      tablist.replaceChildren(...wraps);
      if (focused && tablist.contains(focused)) focused.focus();
    }
  }

  tablist.addEventListener('keydown', (event) => {
    const target = /** @type {Element} */ (event.target);
    const tab = /** @type {HTMLElement | null} */ (target.closest('[role="tab"]'));
    if (!tab) return;
    const order = shown.map((ctl) => ctl.model.tabId);
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
      case 'Delete': {
        const ctl = shown[i];
        if (ctl && canClose(ctl)) close(tab.dataset.tabId);
        event.preventDefault();
        return;
      }
      default:
        return;
    }
    event.preventDefault();
    if (next) select(next, { focusTab: true });
  });

  newButton.addEventListener('click', () => newTab());

  return {
    tablist,
    newButton,
    render,
    /**
     * Focus a tab's button; false when it has none yet.
     * @param {import('./tabs.js').Tab | null} ctl
     */
    focus(ctl) {
      const e = ctl && els.get(ctl);
      if (!e) return false;
      e.tab.focus();
      return true;
    },
    focusNew() {
      newButton.focus();
    },
    /** @param {boolean} enabled */
    setNewEnabled(enabled) {
      newButton.disabled = !enabled;
    },
  };
}
