// @ts-check
// The file tree on the left (not on a phone): lazily listed directories
// (`listDirectory`), expanded and collapsed in place, its refresh button, and the
// keyboard of a tree (arrows, Home, End, Enter, type-ahead).
//
// The tree is a flat list of rows (role=tree > treeitem with aria-level, -setsize and
// -posinset), so every treeitem is exactly one clickable row. Each row carries
// data-path (relative to the working directory) and data-kind.

import { h, setChildren, spinner, formatNumber, joinPath } from '../../dom.js';
import { errorText, socketErrorBox } from './errors.js';
import { rootNode as newRoot, makeNode, isDirLike, iconFor } from './tree-model.js';

/** @typedef {import('./tree-model.js').TreeNode} TreeNode */

/**
 * createFileTree({request, isAlive(), current(), open(path), onRefresh()}) → {el, root,
 * node(path), load(node, {force}), applyListing(node, data), reveal(path, isStale),
 * markCurrent(path), markDirLike(path), setWorkingDir(dir)}.
 * `current()` is what the viewer shows ({path, state}); `open(path)` shows a path the
 * user picked; `onRefresh()` follows the refresh button.
 *
 * @param {{request: (type: string, data: object) => Promise<any>, isAlive: () => boolean,
 *   current: () => {path: string | null, state: string}, open: (path: string) => void,
 *   onRefresh: () => void}} deps
 */
export function createFileTree({ request, isAlive, current, open, onRefresh }) {
  /** @type {Map<string, TreeNode>} path → node. The root ("") is not shown as a row. */
  const nodes = new Map();
  /** @type {Map<string, HTMLElement>} path → <li role=treeitem> currently in the tree. */
  const rows = new Map();
  const root = newRoot();
  nodes.set('', root);
  let focusPath = null;

  const treeMsg = h('div', { class: 'tree-msg' });
  const tree = h('ul', { id: 'file-tree', class: 'tree', role: 'tree', 'aria-label': 'Files' });
  const refreshButton = h('button', {
    type: 'button', class: 'btn btn-ghost btn-icon', title: 'Refresh', 'aria-label': 'Refresh files',
  }, h('span', { class: 'glyph glyph-refresh', 'aria-hidden': 'true' }));
  // On a phone the tree is not shown: Files shows the directory listing, which is the
  // same navigation in a width a thumb can use (app.css).
  const el = h('aside', { class: 'tree-pane', 'aria-label': 'File tree' },
    h('div', { class: 'pane-head' },
      h('span', { class: 'pane-title' }, 'Files'),
      h('span', { class: 'pane-actions' }, refreshButton)),
    h('div', { id: 'tree-body', class: 'tree-body' }, treeMsg, tree));

  refreshButton.addEventListener('click', () => {
    load(root, { force: true });
    for (const node of nodes.values()) {
      if (node !== root && node.loaded && node.expanded && rows.has(node.path)) load(node, { force: true });
    }
    onRefresh();
  });

  // ---------------------------------------------------------------- model

  function dropSubtree(node) {
    for (const p of node.children) {
      const child = nodes.get(p);
      if (child) dropSubtree(child);
    }
    nodes.delete(node.path);
  }

  /** A listing of `node` into the model (and the rows, if it is shown). */
  function applyListing(node, data) {
    const entries = data && Array.isArray(data.entries) ? data.entries : [];
    const old = new Map(node.children.map((p) => [p, nodes.get(p)]));
    const children = [];
    const seen = new Set();
    for (const entry of entries) {
      if (!entry || typeof entry !== 'object') continue;
      const fresh = makeNode(node, entry);
      if (!fresh.name || fresh.name.includes('/') || seen.has(fresh.path)) continue;
      seen.add(fresh.path);
      const prev = old.get(fresh.path);
      if (prev && prev.kind === fresh.kind) {
        prev.size = fresh.size;
        prev.modified = fresh.modified;
        old.delete(fresh.path);
      } else {
        if (prev) {
          dropSubtree(prev);
          old.delete(fresh.path);
        }
        nodes.set(fresh.path, fresh);
      }
      children.push(fresh.path);
    }
    for (const gone of old.values()) if (gone) dropSubtree(gone);
    node.children = children;
    node.loaded = true;
    node.truncated = Boolean(data && data.truncated);
    node.lastError = null;
    if (node === root || (node.expanded && rows.has(node.path))) renderChildren(node);
  }

  /**
   * listDirectory into the model (deduplicated); resolves true/false.
   * @param {TreeNode} node
   * @returns {Promise<boolean>}
   */
  function load(node, { force = false } = {}) {
    if (node.loading) return node.loading;
    if (node.loaded && !force) return Promise.resolve(true);
    const row = rows.get(node.path);
    if (row) {
      row.classList.add('is-loading');
      row.setAttribute('aria-busy', 'true');
    }
    if (node === root && !node.loaded) setChildren(treeMsg, h('p', { class: 'muted tree-note-text' }, spinner('Loading files…')));
    node.loading = request('listDirectory', { path: node.path })
      .then((data) => {
        if (!isAlive()) return false;
        if (node === root) treeMsg.replaceChildren();
        applyListing(node, data);
        return true;
      })
      .catch((err) => {
        if (!isAlive()) return false;
        node.lastError = err;
        treeError(node, err);
        return false;
      })
      .finally(() => {
        node.loading = null;
        const r = rows.get(node.path);
        if (r) {
          r.classList.remove('is-loading');
          r.removeAttribute('aria-busy');
        }
      });
    return node.loading;
  }

  function treeError(node, err) {
    if (node === root) {
      if (node.loaded) return; // keep showing what we have
      const retry = h('button', { type: 'button', class: 'btn btn-sm' }, 'Retry');
      retry.addEventListener('click', () => load(root, { force: true }));
      const text = err.code === 'machine_offline'
        ? 'Files appear here when the machine is online.'
        : errorText(err, '');
      if (current().path === '') {
        // The viewer already shows the error; keep this one quiet.
        setChildren(treeMsg, h('div', { class: 'tree-note-text muted' }, h('p', null, text), retry));
      } else {
        setChildren(treeMsg, socketErrorBox(err, ''), retry);
      }
      return;
    }
    const row = rows.get(node.path);
    if (!row || node.loaded) return; // a failed refresh keeps what is shown
    node.expanded = false;
    row.setAttribute('aria-expanded', 'false');
    removeDescendantRows(node);
    if (node.path === current().path) return; // the viewer shows it
    const noteRow = h('li', { class: 'tree-note is-error', role: 'none', 'data-level': node.level + 1 },
      h('span', { class: 'error', role: 'alert' }, errorText(err, node.path)));
    noteRow.style.setProperty('--level', String(node.level + 1));
    row.after(noteRow);
  }

  // ---------------------------------------------------------------- rows

  function makeRow(node, pos, size) {
    const selected = node.path === current().path;
    const row = h('li', {
      role: 'treeitem',
      class: 'tree-item',
      'data-path': node.path,
      'data-kind': node.kind,
      'data-level': node.level,
      'aria-level': node.level,
      'aria-setsize': size,
      'aria-posinset': pos,
      'aria-selected': String(selected),
      tabindex: node.path === focusPath ? '0' : '-1',
      title: node.path,
    },
    h('span', { class: 'twisty', 'aria-hidden': 'true' }),
    h('span', { class: `ficon ficon-${iconFor(node)}`, 'aria-hidden': 'true' }),
    h('span', { class: 'tree-label' }, node.name));
    if (isDirLike(node)) row.setAttribute('aria-expanded', String(node.expanded && node.loaded));
    if (node.kind === 'symlink') row.setAttribute('aria-description', 'symbolic link');
    row.style.setProperty('--level', String(node.level));
    rows.set(node.path, row);
    return row;
  }

  function noteRow(level, text) {
    const li = h('li', { class: 'tree-note', role: 'none', 'aria-hidden': 'true', 'data-level': level }, text);
    li.style.setProperty('--level', String(level));
    return li;
  }

  function forgetRow(rowEl) {
    const p = rowEl.dataset.path;
    if (p != null && rowEl.getAttribute('role') === 'treeitem' && rows.get(p) === rowEl) rows.delete(p);
  }

  function removeDescendantRows(node) {
    if (node === root) {
      for (const child of tree.children) forgetRow(child);
      tree.replaceChildren();
      return;
    }
    const row = rows.get(node.path);
    if (!row) return;
    let next = /** @type {HTMLElement | null} */ (row.nextElementSibling);
    while (next && Number(next.dataset.level) > node.level) {
      const after = /** @type {HTMLElement | null} */ (next.nextElementSibling);
      forgetRow(next);
      next.remove();
      next = after;
    }
  }

  function appendVisible(node, frag) {
    const level = node.level + 1;
    if (node.children.length === 0) {
      if (node !== root) frag.append(noteRow(level, 'Empty'));
      return;
    }
    node.children.forEach((p, i) => {
      const child = nodes.get(p);
      if (!child) return;
      frag.append(makeRow(child, i + 1, node.children.length));
      if (child.expanded && child.loaded) appendVisible(child, frag);
    });
    if (node.truncated) {
      frag.append(noteRow(level, `Only the first ${formatNumber(node.children.length)} entries are listed.`));
    }
  }

  function renderChildren(node) {
    const active = /** @type {HTMLElement | null} */ (document.activeElement);
    const focusedPath = active && tree.contains(active) ? active.dataset.path : null;
    removeDescendantRows(node);
    const frag = document.createDocumentFragment();
    appendVisible(node, frag);
    if (node === root) {
      tree.append(frag);
      if (node.children.length === 0) {
        setChildren(treeMsg, h('p', { class: 'muted tree-note-text' }, 'The working directory is empty.'));
      }
    } else {
      const row = rows.get(node.path);
      if (!row) return;
      row.after(frag);
      row.setAttribute('aria-expanded', String(node.expanded && node.loaded));
    }
    ensureTabStop();
    if (focusedPath != null && !tree.contains(document.activeElement)) {
      const again = rows.get(focusedPath) || rows.get(node.path);
      if (again) focusRow(again);
    }
  }

  async function expand(node) {
    if (!isDirLike(node)) return false;
    if (node.expanded && node.loaded) return true;
    node.expanded = true;
    if (!node.loaded) {
      const ok = await load(node);
      if (!ok) {
        node.expanded = false;
        const row = rows.get(node.path);
        if (row) row.setAttribute('aria-expanded', 'false');
        return false;
      }
      // load rendered the children if the row is still there; if the user
      // collapsed meanwhile, respect that.
      return node.expanded;
    }
    if (rows.has(node.path)) renderChildren(node);
    return true;
  }

  function collapse(node) {
    if (node === root) return;
    const active = /** @type {HTMLElement | null} */ (document.activeElement);
    const hadFocusInside = active && tree.contains(active) && active.dataset.path !== node.path
      && String(active.dataset.path || '').startsWith(`${node.path}/`);
    node.expanded = false;
    removeDescendantRows(node);
    const row = rows.get(node.path);
    if (row) {
      row.setAttribute('aria-expanded', 'false');
      if (hadFocusInside) focusRow(row);
    }
    ensureTabStop();
  }

  function toggle(node) {
    if (node.expanded && node.loaded) collapse(node);
    else expand(node);
  }

  // ---------------------------------------------------------------- focus

  function treeItems() {
    return Array.from(tree.querySelectorAll('[role="treeitem"]'));
  }

  function setTabStop(row) {
    if (!row) return;
    const previous = focusPath != null ? rows.get(focusPath) : null;
    if (previous && previous !== row) previous.setAttribute('tabindex', '-1');
    for (const item of tree.querySelectorAll('[role="treeitem"][tabindex="0"]')) {
      if (item !== row) item.setAttribute('tabindex', '-1');
    }
    row.setAttribute('tabindex', '0');
    focusPath = row.dataset.path;
  }

  function focusRow(row) {
    if (!row) return;
    setTabStop(row);
    row.focus();
  }

  function ensureTabStop() {
    const shownPath = current().path;
    const row = (focusPath != null && rows.get(focusPath))
      || (shownPath != null && rows.get(shownPath))
      || tree.querySelector('[role="treeitem"]');
    if (row) setTabStop(row);
  }

  /** The row of what the viewer shows is the selected one. @param {string} path */
  function markCurrent(path) {
    for (const item of tree.querySelectorAll('[role="treeitem"][aria-selected="true"]')) {
      item.setAttribute('aria-selected', 'false');
    }
    const row = rows.get(path);
    if (row) row.setAttribute('aria-selected', 'true');
  }

  function sibling(row, step) {
    let next = step > 0 ? row.nextElementSibling : row.previousElementSibling;
    while (next && next.getAttribute('role') !== 'treeitem') {
      next = step > 0 ? next.nextElementSibling : next.previousElementSibling;
    }
    return next;
  }

  function typeahead(row, key) {
    const items = treeItems();
    const start = items.indexOf(row);
    const k = key.toLowerCase();
    for (let i = 1; i <= items.length; i++) {
      const candidate = items[(start + i) % items.length];
      const label = candidate.querySelector('.tree-label');
      if (label && label.textContent.toLowerCase().startsWith(k)) {
        focusRow(candidate);
        return;
      }
    }
  }

  // ---------------------------------------------------------------- input

  /** Click or Enter on a row. */
  function activate(node) {
    if (isDirLike(node)) {
      if (current().path === node.path) {
        toggle(node);
        return;
      }
      expand(node);
    }
    open(node.path);
  }

  tree.addEventListener('click', (event) => {
    const target = /** @type {Element} */ (event.target);
    const row = /** @type {HTMLElement | null} */ (target.closest('[role="treeitem"]'));
    if (!row || !tree.contains(row)) return;
    const node = nodes.get(row.dataset.path);
    if (!node) return;
    focusRow(row);
    if (target.closest('.twisty') && isDirLike(node)) {
      toggle(node);
      return;
    }
    activate(node);
  });

  tree.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = /** @type {Element} */ (event.target);
    const row = target.closest && /** @type {HTMLElement | null} */ (target.closest('[role="treeitem"]'));
    if (!row || !tree.contains(row)) return;
    const node = nodes.get(row.dataset.path);
    if (!node) return;
    switch (event.key) {
      case 'ArrowDown': {
        const next = sibling(row, 1);
        if (next) focusRow(next);
        break;
      }
      case 'ArrowUp': {
        const prev = sibling(row, -1);
        if (prev) focusRow(prev);
        break;
      }
      case 'Home': {
        focusRow(tree.querySelector('[role="treeitem"]'));
        break;
      }
      case 'End': {
        const items = treeItems();
        focusRow(items[items.length - 1]);
        break;
      }
      case 'ArrowRight': {
        if (!isDirLike(node)) break;
        if (!(node.expanded && node.loaded)) {
          expand(node);
        } else {
          const next = sibling(row, 1);
          if (next && Number(next.dataset.level) === node.level + 1) focusRow(next);
        }
        break;
      }
      case 'ArrowLeft': {
        if (isDirLike(node) && node.expanded && node.loaded) {
          collapse(node);
        } else if (node.level > 1) {
          focusRow(rows.get(node.parent));
        }
        break;
      }
      case 'Enter':
      case ' ':
        activate(node);
        break;
      default:
        if (event.key.length === 1 && /\S/.test(event.key)) {
          typeahead(row, event.key);
          break;
        }
        return;
    }
    event.preventDefault();
  });

  // ---------------------------------------------------------------- reveal

  /**
   * Expand the ancestors of `path` (and `path` itself if it is a directory), then mark
   * it and scroll it into view; stops once `isStale()` (the viewer moved on).
   * @param {string} path
   * @param {() => boolean} isStale
   */
  async function reveal(path, isStale) {
    if (!(await load(root))) return;
    const segs = path ? path.split('/') : [];
    let prefix = '';
    for (let i = 0; i < segs.length; i++) {
      if (!isAlive() || isStale()) return;
      prefix = joinPath(prefix, segs[i]);
      const node = nodes.get(prefix);
      if (!node) return;
      const last = i === segs.length - 1;
      if (!isDirLike(node)) {
        if (!last) return;
        break;
      }
      if (!(await expand(node))) return;
    }
    if (!isAlive() || isStale()) return;
    markCurrent(path);
    const row = rows.get(path);
    if (row) {
      if (!tree.contains(document.activeElement)) setTabStop(row);
      row.scrollIntoView({ block: 'nearest' });
    }
  }

  return {
    el,
    root,
    /** @param {string} path */
    node: (path) => nodes.get(path),
    load,
    applyListing,
    reveal,
    markCurrent,
    /**
     * `path` turned out to be a directory (a symlink to one): show it as one.
     * @param {string} path
     * @returns {boolean} whether it was taken for a file until now
     */
    markDirLike(path) {
      const n = nodes.get(path);
      if (!n || isDirLike(n)) return false;
      n.dirLike = true;
      const row = rows.get(path);
      if (row) {
        row.setAttribute('aria-expanded', 'false');
        const icon = row.querySelector('.ficon');
        if (icon) icon.className = `ficon ficon-${iconFor(n)}`;
      }
      return true;
    },
    /** @param {string} dir the machine's working directory ('' unknown) */
    setWorkingDir(dir) {
      tree.setAttribute('aria-label', dir ? `Files in ${dir}` : 'Files');
    },
  };
}
