// @ts-check
// The keys a phone's keyboard lacks (the key row above it, key-row.js) and what each
// sends to the terminal, as xterm sends them from a hardware keyboard: Esc, Tab, the
// arrows (in the cursor mode the program asked for), a few characters that are deep
// in a phone keyboard's pages, and Ctrl, which applies to the next key, from the row
// or from the keyboard.

/**
 * The row, left to right. `ctrl` is a modifier (it sends nothing itself).
 * @typedef {'esc' | 'tab' | 'ctrl' | 'left' | 'up' | 'down' | 'right' | 'pipe' | 'tilde' | 'slash'} KeyId
 * @type {ReadonlyArray<{id: KeyId, label: string, name: string}>}
 */
export const KEY_ROW = [
  { id: 'esc', label: 'Esc', name: 'Escape' },
  { id: 'tab', label: 'Tab', name: 'Tab' },
  { id: 'ctrl', label: 'Ctrl', name: 'Control (for the next key)' },
  { id: 'left', label: '←', name: 'Left' },
  { id: 'up', label: '↑', name: 'Up' },
  { id: 'down', label: '↓', name: 'Down' },
  { id: 'right', label: '→', name: 'Right' },
  { id: 'pipe', label: '|', name: 'Vertical bar' },
  { id: 'tilde', label: '~', name: 'Tilde' },
  { id: 'slash', label: '/', name: 'Slash' },
];

/** @type {Record<string, string>} the final byte of each arrow's sequence */
const ARROWS = { up: 'A', down: 'B', right: 'C', left: 'D' };

/** @type {Record<string, string>} */
const CHARACTERS = { pipe: '|', tilde: '~', slash: '/' };

/**
 * What a key of the row sends.
 * @param {KeyId} id
 * @param {{ctrl?: boolean, appCursor?: boolean}} [mods] `appCursor`: the program set
 *   application cursor keys (DECCKM, as vi and less do), in which the arrows are
 *   `ESC O A` rather than `ESC [ A`.
 * @returns {string} '' for Ctrl itself
 */
export function keySequence(id, { ctrl = false, appCursor = false } = {}) {
  if (id in ARROWS) {
    const final = ARROWS[id];
    if (ctrl) return `\x1b[1;5${final}`;
    return appCursor ? `\x1bO${final}` : `\x1b[${final}`;
  }
  if (id in CHARACTERS) return ctrl ? withCtrl(CHARACTERS[id]) : CHARACTERS[id];
  if (id === 'esc') return '\x1b';
  if (id === 'tab') return '\t';
  return '';
}

/** @type {Record<string, string>} the control characters of the keys that are not letters, as xterm sends them */
const CTRL_OF = {
  ' ': '\x00', '@': '\x00', 2: '\x00',
  '[': '\x1b', 3: '\x1b',
  '\\': '\x1c', '|': '\x1c', 4: '\x1c',
  ']': '\x1d', 5: '\x1d',
  '^': '\x1e', '~': '\x1e', 6: '\x1e',
  '_': '\x1f', '/': '\x1f', '-': '\x1f', 7: '\x1f',
  '?': '\x7f', 8: '\x7f',
};

/**
 * What a key typed with Ctrl held sends: its control character (Ctrl-C is `\x03`),
 * or the text unchanged when it has none (more than one character, as a paste or a
 * word from the keyboard's suggestions).
 * @param {string} text
 * @returns {string}
 */
export function withCtrl(text) {
  if (text.length !== 1) return text;
  const code = text.charCodeAt(0);
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) {
    return String.fromCharCode(code & 0x1f);
  }
  return CTRL_OF[text] ?? text;
}
