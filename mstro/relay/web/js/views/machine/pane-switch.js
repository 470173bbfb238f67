// @ts-check
// Chat / Files / Terminal (#show-chat, #show-files, #show-terminal): which of the
// panes the main area shows (.mv-main[data-pane]). The Chat button carries a dot while
// a prompt runs, so a run is seen from the other panes too.

import { h } from '../../dom.js';

/** @typedef {'chat' | 'files' | 'terminal'} Pane */

/**
 * createPaneSwitch({main, onShow(pane, {focus})}) → {el, show(pane, {focus}), pane,
 * setRunning(bool)}. `onShow` follows every switch (a click or show()).
 *
 * @param {{main: HTMLElement, onShow: (pane: Pane, opts: {focus: boolean}) => void}} deps
 */
export function createPaneSwitch({ main, onShow }) {
  const chatButton = h('button', { id: 'show-chat', type: 'button', class: 'pane-btn', 'aria-pressed': 'true' },
    h('span', { class: 'pane-btn-dot', 'aria-hidden': 'true' }), 'Chat');
  const filesButton = h('button', { id: 'show-files', type: 'button', class: 'pane-btn', 'aria-pressed': 'false' }, 'Files');
  const terminalButton = h('button', { id: 'show-terminal', type: 'button', class: 'pane-btn', 'aria-pressed': 'false' }, 'Terminal');
  const el = h('div', { class: 'pane-switch', role: 'group', 'aria-label': 'Show' }, chatButton, filesButton, terminalButton);
  /** @type {Pane} */
  let pane = 'chat';

  /** @param {string} next */
  function show(next, { focus = false } = {}) {
    pane = next === 'files' || next === 'terminal' ? next : 'chat';
    main.dataset.pane = pane;
    chatButton.setAttribute('aria-pressed', String(pane === 'chat'));
    filesButton.setAttribute('aria-pressed', String(pane === 'files'));
    terminalButton.setAttribute('aria-pressed', String(pane === 'terminal'));
    onShow(pane, { focus });
  }

  chatButton.addEventListener('click', () => show('chat', { focus: true }));
  filesButton.addEventListener('click', () => show('files'));
  // A phone's keyboard comes up when the terminal is tapped, not at the switch.
  terminalButton.addEventListener('click', () => show('terminal', { focus: !matchMedia('(pointer: coarse)').matches }));

  return {
    el,
    show,
    /** @returns {Pane} */
    get pane() {
      return pane;
    },
    /** @param {boolean} running */
    setRunning(running) {
      chatButton.classList.toggle('is-running', running);
      chatButton.title = running ? 'A prompt is running' : '';
    },
  };
}
