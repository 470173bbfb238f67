// @ts-check
// Where you were on a machine, remembered per machine on this browser
// (localStorage `mstro.place.{machineId}`): the pane (chat, files or terminal) and the
// path the viewer shows, so that a reload, or coming back from the machine list, opens
// the same pane on the same file or directory.

import { normalizePath } from './tree-model.js';

const PREFIX = 'mstro.place.';
const MAX_PATH = 4096;

/** @typedef {{pane: 'chat' | 'files' | 'terminal', path: string}} Place */

/**
 * Stored text → the place (null on anything malformed).
 * @param {string | null} raw
 * @returns {Place | null}
 */
export function parsePlace(raw) {
  let data;
  try {
    data = raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
  if (!data || typeof data !== 'object') return null;
  if (data.pane !== 'chat' && data.pane !== 'files' && data.pane !== 'terminal') return null;
  if (typeof data.path !== 'string' || data.path.length > MAX_PATH) return null;
  return { pane: data.pane, path: normalizePath(data.path) };
}

/**
 * Where to open: a path in the address wins (a link names what it shows), in the
 * pane it was left in if it is the place remembered (a reload), else in Files. With
 * no path in the address, the place remembered (or the chat).
 * @param {string} routePath the path in the address ('' for none)
 * @param {Place | null} saved
 * @returns {Place}
 */
export function initialPlace(routePath, saved) {
  const path = normalizePath(routePath);
  if (path) return { pane: saved && saved.path === path ? saved.pane : 'files', path };
  return saved ? { pane: saved.pane, path: saved.path } : { pane: 'chat', path: '' };
}

/** @param {string} machineId */
export function loadPlace(machineId) {
  try {
    return parsePlace(localStorage.getItem(`${PREFIX}${machineId}`));
  } catch {
    return null;
  }
}

/**
 * @param {string} machineId
 * @param {Place} place
 */
export function savePlace(machineId, { pane, path }) {
  try {
    localStorage.setItem(`${PREFIX}${machineId}`, JSON.stringify({ pane, path }));
  } catch {
    // storage full or unavailable: the next visit opens the chat, nothing else breaks
  }
}
