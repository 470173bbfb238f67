// @ts-check
// The key row (#terminal-keys) a phone shows above its keyboard, under the terminal:
// the keys its keyboard lacks (keys.js) and one that puts the keyboard away. Tapping
// a key leaves the focus where it is (the keyboard stays up). Ctrl is sticky: it
// applies to the next key, from the row or from the keyboard, then lets go.

import { h } from '../dom.js';
import { KEY_ROW, keySequence, withCtrl } from './keys.js';

/**
 * createKeyRow({send(data), appCursor(), hideKeyboard()}) → {el, takeCtrl(data) →
 * data, reset()}. `takeCtrl` is for what the keyboard types: with Ctrl pressed on the
 * row, the next key becomes its control character.
 *
 * @param {{send: (data: string) => void, appCursor: () => boolean, hideKeyboard: () => void}} deps
 */
export function createKeyRow({ send, appCursor, hideKeyboard }) {
  let ctrl = false;
  /** @type {HTMLButtonElement | null} */
  let ctrlButton = null;

  /** @param {boolean} value */
  function setCtrl(value) {
    ctrl = value;
    if (ctrlButton) ctrlButton.setAttribute('aria-pressed', String(value));
  }

  const keys = KEY_ROW.map((key) => {
    const button = h('button', {
      type: 'button', class: 'term-key', 'data-key': key.id, 'aria-label': key.name, title: key.name,
    }, key.label);
    if (key.id === 'ctrl') {
      ctrlButton = button;
      button.setAttribute('aria-pressed', 'false');
    }
    button.addEventListener('click', () => {
      if (key.id === 'ctrl') {
        setCtrl(!ctrl);
        return;
      }
      const data = keySequence(key.id, { ctrl, appCursor: appCursor() });
      setCtrl(false);
      send(data);
    });
    return button;
  });
  const hide = h('button', {
    type: 'button', class: 'term-key term-key-hide', 'data-key': 'hide', 'aria-label': 'Put the keyboard away', title: 'Put the keyboard away',
  }, '⌄');
  hide.addEventListener('click', () => {
    setCtrl(false);
    hideKeyboard();
  });

  const el = h('div', { id: 'terminal-keys', class: 'term-keys', role: 'toolbar', 'aria-label': 'Keys' }, keys, hide);
  // A tap must not take the focus from the terminal: the phone's keyboard would go.
  el.addEventListener('mousedown', (event) => event.preventDefault());
  el.addEventListener('pointerdown', (event) => {
    if (event.pointerType !== 'mouse') event.preventDefault();
  });

  return {
    el,
    /**
     * What the keyboard typed, with Ctrl applied if it was pressed on the row.
     * @param {string} data
     */
    takeCtrl(data) {
      if (!ctrl) return data;
      setCtrl(false);
      return withCtrl(data);
    },
    reset() {
      setCtrl(false);
    },
  };
}
