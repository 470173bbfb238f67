// @ts-check
// The terminals' tab strip (#terminal-tabs, role=tablist) and its + (#new-terminal):
// a tab per terminal of the machine, oldest first, with its title, a mark when it has
// ended, and (for the owner) a × to close it; the keys of a tablist (arrows, Home,
// End; Delete closes). It draws what it is given; what a click means is the caller's.

import { h } from '../dom.js';

/** @typedef {import('../../types/protocol').TerminalInfo} TerminalInfo */

/**
 * A tab's words: its title, or "Terminal" for none.
 * @param {TerminalInfo} info
 */
export function terminalLabel(info) {
  return (info.title || '').trim() || 'Terminal';
}

/**
 * createTerminalTabs({select(id, {focusTab}), close(id), newTerminal()}) → {el,
 * newButton, render(terminals, selectedId, {owner}), focusSelected() → bool,
 * setCreating(bool)}.
 *
 * @param {{select: (id: string, opts?: {focusTab?: boolean}) => void,
 *   close: (id: string) => void,
 *   newTerminal: () => void}} actions
 */
export function createTerminalTabs({ select, close, newTerminal }) {
  const tablist = h('div', { id: 'terminal-tabs', class: 'tabs', role: 'tablist', 'aria-label': 'Terminals' });
  const newButton = h('button', {
    id: 'new-terminal', type: 'button', class: 'btn btn-ghost btn-icon new-tab', 'aria-label': 'New terminal', title: 'New terminal',
  }, h('span', { 'aria-hidden': 'true' }, '+'));
  const el = h('div', { class: 'tabs-scroll' }, tablist);
  /** @type {Map<string, {wrap: HTMLElement, tab: HTMLElement, title: HTMLElement, close: HTMLElement}>} */
  const els = new Map();
  /** @type {string[]} */
  let order = [];
  let owner = true;

  /** @param {string} id */
  function elementsOf(id) {
    let e = els.get(id);
    if (e) return e;
    const title = h('span', { class: 'tab-title' });
    const tab = h('button', {
      type: 'button', role: 'tab', id: `terminal-tab-${id}`, class: 'tab', 'data-terminal-id': id,
      'aria-controls': 'terminal-stage', 'aria-keyshortcuts': 'Delete',
    }, h('span', { class: 'tab-dot', 'aria-hidden': 'true' }), title);
    tab.addEventListener('click', () => select(id));
    const closeEl = h('button', { type: 'button', class: 'tab-close', tabindex: '-1' }, h('span', { 'aria-hidden': 'true' }, '×'));
    closeEl.addEventListener('click', (event) => {
      event.stopPropagation();
      close(id);
    });
    e = { wrap: h('div', { class: 'tab-wrap', role: 'presentation' }, tab, closeEl), tab, title, close: closeEl };
    els.set(id, e);
    return e;
  }

  /**
   * @param {TerminalInfo[]} terminals
   * @param {string | null} selectedId
   * @param {{owner: boolean}} opts
   */
  function render(terminals, selectedId, opts) {
    owner = opts.owner;
    order = terminals.map((t) => t.terminalId);
    for (const id of [...els.keys()]) {
      if (!order.includes(id)) els.delete(id);
    }
    const wraps = terminals.map((info) => {
      const id = info.terminalId;
      const e = elementsOf(id);
      const isSel = id === selectedId;
      const label = terminalLabel(info);
      const isEnded = Boolean(info.exit);
      e.tab.setAttribute('aria-selected', String(isSel));
      e.tab.tabIndex = isSel ? 0 : -1;
      e.tab.dataset.state = isEnded ? 'ended' : 'live';
      if (e.title.textContent !== label) e.title.textContent = label;
      e.tab.title = isEnded ? `${label} (ended)` : label;
      e.close.hidden = !owner;
      e.close.setAttribute('aria-label', `Close ${label}`);
      e.wrap.classList.toggle('is-selected', isSel);
      return e.wrap;
    });
    const kids = tablist.children;
    let same = kids.length === wraps.length;
    for (let i = 0; same && i < wraps.length; i++) same = kids[i] === wraps[i];
    if (!same) {
      const focused = /** @type {HTMLElement | null} */ (document.activeElement);
      tablist.replaceChildren(...wraps);
      if (focused && tablist.contains(focused)) focused.focus();
    }
    newButton.hidden = !owner;
  }

  tablist.addEventListener('keydown', (event) => {
    const target = /** @type {Element} */ (event.target);
    const tab = /** @type {HTMLElement | null} */ (target.closest('[role="tab"]'));
    if (!tab || !order.length) return;
    const i = order.indexOf(tab.dataset.terminalId || '');
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
        if (owner && tab.dataset.terminalId) close(tab.dataset.terminalId);
        event.preventDefault();
        return;
      default:
        return;
    }
    event.preventDefault();
    if (next) select(next, { focusTab: true });
  });

  newButton.addEventListener('click', () => newTerminal());

  return {
    el,
    newButton,
    render,
    /** Focus the selected tab's button; false when there is none. */
    focusSelected() {
      const tab = /** @type {HTMLElement | null} */ (tablist.querySelector('[role="tab"][aria-selected="true"]'));
      if (!tab) return false;
      tab.focus();
      return true;
    },
    /** @param {boolean} creating */
    setCreating(creating) {
      newButton.disabled = creating;
    },
  };
}
