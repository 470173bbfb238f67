// @ts-check
// The file tree's data: a node per path (relative to the working directory) with its
// kind, size and time, and for a directory its children's paths once listed. Pure
// functions; file-tree.js holds the nodes.

import { basename, joinPath } from '../../dom.js';

const KINDS = new Set(['file', 'dir', 'symlink', 'other']);

/**
 * A path in the tree. `dirLike`: a directory, or a symlink found to lead to one.
 * @typedef {{
 *   path: string, name: string, kind: string, size: number | null, modified: any,
 *   level: number, parent: string | null, expanded: boolean, loaded: boolean,
 *   loading: Promise<boolean> | null, children: string[], dirLike: boolean,
 *   truncated: boolean, lastError: any,
 * }} TreeNode
 */

/** "./a//b/" → "a/b"; "." and "/" → "". @param {unknown} path */
export function normalizePath(path) {
  return String(path || '')
    .split('/')
    .filter((seg) => seg !== '' && seg !== '.')
    .join('/');
}

/** @returns {TreeNode} the working directory */
export function rootNode() {
  return {
    path: '', name: '', kind: 'dir', size: null, modified: null, level: 0, parent: null, expanded: true,
    loaded: false, loading: null, children: [], dirLike: true, truncated: false, lastError: null,
  };
}

/**
 * A node for a listing's entry under `parent`.
 * @param {{path: string, level: number}} parent
 * @param {any} entry a DirEntry, read field by field
 * @returns {TreeNode}
 */
export function makeNode(parent, entry) {
  let name = typeof entry.name === 'string' ? entry.name : '';
  if (!name && typeof entry.path === 'string') name = basename(entry.path);
  // Children are named through their parent's path (a directory reached through a
  // symlink lists its real place; we keep the path the user navigated).
  const path = joinPath(parent.path, name);
  const kind = KINDS.has(entry.kind) ? entry.kind : 'other';
  return {
    path,
    name,
    kind,
    size: typeof entry.size === 'number' ? entry.size : null,
    modified: entry.modified == null ? null : entry.modified,
    level: parent.level + 1,
    parent: parent.path,
    expanded: false,
    loaded: false,
    loading: null,
    children: [],
    dirLike: kind === 'dir',
    truncated: false,
    lastError: null,
  };
}

/** @param {{kind: string, dirLike?: boolean}} node */
export function isDirLike(node) {
  return node.kind === 'dir' || node.dirLike === true;
}

/** The icon's name (CSS ficon-*). @param {{kind: string, dirLike?: boolean}} node */
export function iconFor(node) {
  if (isDirLike(node)) return node.kind === 'symlink' ? 'dirlink' : 'dir';
  return node.kind;
}
