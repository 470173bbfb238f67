// @ts-check
// What this browser remembers of the Terminal view: the terminal shown last on each
// machine (localStorage `mstro.terminal.{machineId}`), so that a reload shows it
// again, and the font size (`mstro.terminal-font-size`), one for every machine.

const PREFIX = 'mstro.terminal.';
const FONT_KEY = 'mstro.terminal-font-size';
export const FONT_SIZES = [10, 11, 12, 13, 14, 15, 16, 18, 20];
export const DEFAULT_FONT_SIZE = 13;

/** @param {string} id */
function isTerminalId(id) {
  return typeof id === 'string' && id.length > 0 && id.length <= 200;
}

/**
 * @param {string} machineId
 * @returns {string | null}
 */
export function loadSelectedTerminal(machineId) {
  try {
    const id = localStorage.getItem(`${PREFIX}${machineId}`);
    return id && isTerminalId(id) ? id : null;
  } catch {
    return null;
  }
}

/**
 * @param {string} machineId
 * @param {string | null} terminalId
 */
export function saveSelectedTerminal(machineId, terminalId) {
  try {
    if (terminalId) localStorage.setItem(`${PREFIX}${machineId}`, terminalId);
    else localStorage.removeItem(`${PREFIX}${machineId}`);
  } catch {
    // storage full or unavailable: a reload shows the first terminal
  }
}

/**
 * A stored font size, if it is one of FONT_SIZES.
 * @param {string | null} raw
 * @returns {number}
 */
export function parseFontSize(raw) {
  const n = Number(raw);
  return FONT_SIZES.includes(n) ? n : DEFAULT_FONT_SIZE;
}

export function loadFontSize() {
  try {
    return parseFontSize(localStorage.getItem(FONT_KEY));
  } catch {
    return DEFAULT_FONT_SIZE;
  }
}

/** @param {number} size */
export function saveFontSize(size) {
  try {
    localStorage.setItem(FONT_KEY, String(size));
  } catch {
    // not remembered; nothing else breaks
  }
}

/**
 * The next size up (+1) or down (-1) from `size`, within FONT_SIZES.
 * @param {number} size
 * @param {1 | -1} step
 */
export function stepFontSize(size, step) {
  const i = FONT_SIZES.indexOf(size);
  const at = i < 0 ? FONT_SIZES.indexOf(DEFAULT_FONT_SIZE) : i;
  return FONT_SIZES[Math.min(FONT_SIZES.length - 1, Math.max(0, at + step))];
}
