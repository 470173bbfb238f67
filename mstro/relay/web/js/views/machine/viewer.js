// @ts-check
// The viewer beside the tree (.content-body): shows one path, a directory
// (dir-view.js) or a file (file-view.js), loading it over the socket. A newer go()
// wins over one still loading; a slow load shows a spinner after a moment; a failed
// one says why with a Try again. Going somewhere also reveals it in the tree.

import { h, setChildren, spinner, basename, parentPath } from '../../dom.js';
import { socketErrorBox } from './errors.js';
import { normalizePath, makeNode, isDirLike } from './tree-model.js';
import { renderDir } from './dir-view.js';
import { renderFile, renderSpecialFile } from './file-view.js';

const LOADING_DELAY_MS = 150;

/**
 * What the viewer shows: `path` (null before anything), `kind` ('file' | 'dir' | null
 * while unknown) and `state` ('idle' | 'loading' | 'ok' | 'error').
 * @typedef {{path: string | null, kind: string | null, state: string}} Place
 */

/**
 * createViewer({request, tree, isAlive(), hrefFor(path), workingDir(), onPlace(path)})
 * → {el, go(path, {force}), current, refresh()}. `onPlace` runs when the viewer turns
 * to another path (the crumbs and the title follow it).
 *
 * @param {{request: (type: string, data: object) => Promise<any>,
 *   tree: ReturnType<typeof import('./file-tree.js').createFileTree>,
 *   isAlive: () => boolean, hrefFor: (path: string) => string,
 *   workingDir: () => string, onPlace: (path: string) => void}} deps
 */
export function createViewer({ request, tree, isAlive, hrefFor, workingDir, onPlace }) {
  const el = h('div', { class: 'content-body' });
  /** @type {Place} */
  let current = { path: null, kind: null, state: 'idle' };
  let goSeq = 0;
  /** Markdown opens rendered until the reader picks Source; then as source. */
  let markdownPreview = true;

  function showLoading(seq) {
    setTimeout(() => {
      if (isAlive() && seq === goSeq && current.state === 'loading') {
        setChildren(el, h('div', { class: 'viewer-loading muted', role: 'status' }, spinner('Loading…')));
      }
    }, LOADING_DELAY_MS);
  }

  function showError(err, path) {
    const retry = h('button', { type: 'button', class: 'btn btn-sm' }, 'Try again');
    retry.addEventListener('click', () => go(path, { force: true }));
    setChildren(el, h('div', { class: 'viewer-error' }, socketErrorBox(err, path), h('div', { class: 'actions' }, retry)));
  }

  /**
   * Show `path` (a directory or a file), and reveal it in the tree.
   * @param {string} rawPath
   */
  async function go(rawPath, { force = false } = {}) {
    const path = normalizePath(rawPath);
    if (!force && current.path === path && (current.state === 'ok' || current.state === 'loading')) return;
    goSeq += 1;
    const seq = goSeq;
    const isStale = () => seq !== goSeq;
    const samePlace = current.path === path && current.state === 'ok';
    current = { path, kind: null, state: 'loading' };
    tree.markCurrent(path);
    onPlace(path);
    if (!samePlace) showLoading(seq);
    tree.reveal(path, isStale);

    const node = tree.node(path);
    if (path === '' || (node && isDirLike(node))) {
      await showDir(path, seq, force);
      return;
    }
    if (node && node.kind === 'other') {
      current.kind = 'file';
      current.state = 'ok';
      setChildren(el, renderSpecialFile(node));
      return;
    }

    let data;
    try {
      data = await request('readFile', { path });
    } catch (err) {
      if (!isAlive() || isStale()) return;
      if (err.code === 'is_a_directory') {
        if (tree.markDirLike(path)) tree.reveal(path, isStale);
        await showDir(path, seq, true);
        return;
      }
      current.state = 'error';
      showError(err, path);
      return;
    }
    if (!isAlive() || isStale()) return;
    current.kind = 'file';
    current.state = 'ok';
    setChildren(el, renderFile(path, data || {}, {
      preview: markdownPreview,
      onPreview: (preview) => {
        markdownPreview = preview;
      },
    }));
  }

  async function showDir(path, seq, force) {
    current.kind = 'dir';
    let node = tree.node(path);
    let items;
    let truncated = false;
    if (node) {
      const ok = await tree.load(node, { force });
      if (!isAlive() || seq !== goSeq) return;
      if (!ok) {
        current.state = 'error';
        showError(node.lastError || { code: 'error', message: 'The directory could not be listed.' }, path);
        return;
      }
      items = node.children.map((p) => tree.node(p)).filter(Boolean);
      truncated = node.truncated;
    } else {
      let data;
      try {
        data = await request('listDirectory', { path });
      } catch (err) {
        if (!isAlive() || seq !== goSeq) return;
        current.state = 'error';
        showError(err, path);
        return;
      }
      if (!isAlive() || seq !== goSeq) return;
      node = tree.node(path);
      if (node) tree.applyListing(node, data);
      const parent = { path, level: 0 };
      items = (data && Array.isArray(data.entries) ? data.entries : [])
        .filter((e) => e && typeof e === 'object')
        .map((e) => makeNode(parent, e))
        .filter((n) => n.name);
      truncated = Boolean(data && data.truncated);
    }
    current.state = 'ok';
    const title = path ? basename(path) : (workingDir() || 'Working directory');
    setChildren(el, renderDir({ path, title, items, truncated, hrefFor }));
  }

  return {
    el,
    go,
    /** @returns {Place} */
    get current() {
      return current;
    },
    /** After a reconnect or the machine coming back: re-request what is on screen. */
    refresh() {
      if (!isAlive()) return;
      tree.load(tree.root, { force: tree.root.loaded });
      if (current.path == null) return;
      if (current.kind === 'file' && current.state === 'ok') {
        const parent = tree.node(parentPath(current.path));
        if (parent && parent !== tree.root && parent.loaded) tree.load(parent, { force: true });
        return;
      }
      go(current.path, { force: true });
    },
  };
}
