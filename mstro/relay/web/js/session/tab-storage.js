// @ts-check
// The tabs this browser remembers per machine (localStorage `mstro.chat.{machineId}`):
// the epoch they were seen in, the selected tab, and each tab's id, session and title.
// What is read back is checked field by field: storage is another page's to write too.

import { isValidId } from './store.js';

const STORAGE_PREFIX = 'mstro.chat.';
const MAX_TABS = 50;
const MAX_TITLE = 200;
/** A queued prompt longer than this is not remembered (storage is small). */
const MAX_QUEUED = 200000;

/**
 * A remembered tab. `queued`: the text of a prompt that was waiting for the tab's run
 * to end (a reload puts it back into the box rather than lose it).
 * @typedef {{tabId: string, sessionId: string | null, title: string, queued?: string}} SavedTab
 */

/**
 * What is remembered of a machine's chat.
 * @typedef {{epoch: string | null, selected: string | null, tabs: SavedTab[]}} SavedTabs
 */

/**
 * Stored text → the tabs it names (nothing on anything malformed).
 * @param {string | null} raw
 * @returns {SavedTabs}
 */
export function parseSavedTabs(raw) {
  const none = { epoch: null, selected: null, tabs: [] };
  let data;
  try {
    data = raw ? JSON.parse(raw) : null;
  } catch {
    return none;
  }
  if (!data || typeof data !== 'object') return none;
  const list = Array.isArray(data.tabs) ? data.tabs : [];
  return {
    epoch: typeof data.epoch === 'string' ? data.epoch : null,
    selected: isValidId(data.selected) ? data.selected : null,
    tabs: list
      .filter((t) => t && isValidId(t.tabId))
      .map((t) => ({
        tabId: t.tabId,
        sessionId: isValidId(t.sessionId) ? t.sessionId : null,
        title: typeof t.title === 'string' ? t.title.slice(0, MAX_TITLE) : '',
        queued: typeof t.queued === 'string' && t.queued.length <= MAX_QUEUED ? t.queued : '',
      }))
      .slice(0, MAX_TABS),
  };
}

/**
 * @param {string} machineId
 * @returns {SavedTabs}
 */
export function loadTabs(machineId) {
  try {
    return parseSavedTabs(localStorage.getItem(`${STORAGE_PREFIX}${machineId}`));
  } catch {
    return parseSavedTabs(null);
  }
}

/**
 * @param {string} machineId
 * @param {SavedTabs} saved
 */
export function saveTabs(machineId, { epoch, selected, tabs }) {
  try {
    localStorage.setItem(`${STORAGE_PREFIX}${machineId}`, JSON.stringify({ v: 1, epoch, selected, tabs }));
  } catch {
    // storage full or unavailable: tabs are not remembered, nothing else breaks
  }
}
