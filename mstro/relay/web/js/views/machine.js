// @ts-check
// #/m/{machineId}[/{path}]: one machine. A lazily loaded file tree on the left (not on
// a phone); on the right either the chat (session/chat.js: tabs, transcript, prompt, history) or the
// current directory or file, switched with Chat / Files (a path in the address shows
// the file). All over one machine socket.
//
// The tree is a flat list of rows (role=tree > treeitem with aria-level, -setsize and
// -posinset), so every treeitem is exactly one clickable row. Each row carries
// data-path (relative to the working directory) and data-kind.

import { get } from '../api.js';
import { CLOSE_TOO_MANY, MachineSocket } from '../socket.js';
import { createChat } from '../session/chat.js';
import {
  h, errorBox, setChildren, spinner, formatBytes, formatNumber, timeAgo, formatDateTime,
  platformLabel, basename, parentPath, joinPath, encodePath,
} from '../dom.js';

/** @typedef {import('../../types/protocol').Machines} Machines */
/** @typedef {import('../../types/protocol').MachineSummary} MachineSummary */

const KINDS = new Set(['file', 'dir', 'symlink', 'other']);
const LOADING_DELAY_MS = 150;
const BANNER_DELAY_MS = 600;
const REFRESH_DEBOUNCE_MS = 120;

/** "./a//b/" → "a/b"; "." and "/" → "". */
function normalizePath(path) {
  return String(path || '')
    .split('/')
    .filter((seg) => seg !== '' && seg !== '.')
    .join('/');
}

function errorText(err, path) {
  const where = path ? `“${path}”` : 'the working directory';
  switch (err && err.code) {
    case 'forbidden':
      return "You don't have permission to do that on this machine.";
    case 'outside_workspace':
      return `${where} is outside the machine's working directory.`;
    case 'machine_offline':
      return 'The machine is offline. This loads by itself when mstro runs on it again.';
    case 'not_found':
      return `${where} was not found. It may have been moved or deleted.`;
    case 'not_a_directory':
      return `${where} is not a directory.`;
    case 'is_a_directory':
      return `${where} is a directory.`;
    case 'too_large':
      return 'This is too large to show.';
    case 'busy':
      return 'The machine is busy. Try again in a moment.';
    case 'io':
      return `The machine couldn't read ${where}: ${err.message}`;
    case 'malformed':
      return `The machine refused the request: ${err.message}`;
    case 'unknown_type':
      return 'This machine runs a version of mstro that does not support this yet.';
    default:
      return (err && err.message) || 'Something went wrong.';
  }
}

function socketErrorBox(err, path) {
  const errCode = (err && err.code) || 'error';
  return errorBox([errorText(err, path), ' ', h('span', { class: 'error-code' }, `(${errCode})`)], { code: errCode });
}

function isDirLike(node) {
  return node.kind === 'dir' || node.dirLike === true;
}

function iconFor(node) {
  if (isDirLike(node)) return node.kind === 'symlink' ? 'dirlink' : 'dir';
  return node.kind;
}

export function mount(container, route, ctx) {
  const machineId = route.id;
  let alive = true;
  /** @type {MachineSummary | null} */
  let machine = null; // from /api/machines
  let online = null; // from machineStatus (or the list until the socket says)
  let sockState = { state: 'idle', everOpened: false };
  let goSeq = 0;
  let current = { path: null, kind: null, state: 'idle' };
  let focusPath = null;
  let bannerTimer = 0;
  let countdownTimer = 0;
  let refreshTimer = 0;

  /** path → node. The root ("") is not shown as a row. */
  const nodes = new Map();
  /** path → <li role=treeitem> currently in the tree. */
  const rows = new Map();
  const rootNode = {
    path: '', name: '', kind: 'dir', level: 0, parent: null, expanded: true, loaded: false,
    loading: null, children: [], dirLike: true, truncated: false, lastError: null,
  };
  nodes.set('', rootNode);

  ctx.setTitle('Machine');

  // ---------------------------------------------------------------- layout

  const titleEl = h('h1', { class: 'mv-title' }, 'Machine');
  const statusEl = h('span', { class: 'status', 'data-online': 'false' }, 'offline');
  const badgeSlot = h('span', { class: 'mv-badges' });
  const metaEl = h('p', { class: 'mv-meta muted' });
  const bannerText = h('span', { class: 'banner-text' });
  const bannerCountdown = h('span', { class: 'banner-countdown', 'aria-hidden': 'true' });
  const bannerRetry = h('button', { type: 'button', class: 'btn btn-sm' }, 'Retry now');
  const banner = h('div', { id: 'connection-banner', class: 'banner', role: 'status', 'aria-live': 'polite', hidden: true },
    h('span', { class: 'banner-dot', 'aria-hidden': 'true' }), bannerText, bannerCountdown, bannerRetry);

  const treeMsg = h('div', { class: 'tree-msg' });
  const tree = h('ul', { id: 'file-tree', class: 'tree', role: 'tree', 'aria-label': 'Files' });
  const refreshButton = h('button', {
    type: 'button', class: 'btn btn-ghost btn-icon', title: 'Refresh', 'aria-label': 'Refresh files',
  }, h('span', { class: 'glyph glyph-refresh', 'aria-hidden': 'true' }));
  // On a phone the tree is not shown: Files shows the directory listing, which is the
  // same navigation in a width a thumb can use (app.css).
  const treePane = h('aside', { class: 'tree-pane', 'aria-label': 'File tree' },
    h('div', { class: 'pane-head' },
      h('span', { class: 'pane-title' }, 'Files'),
      h('span', { class: 'pane-actions' }, refreshButton)),
    h('div', { id: 'tree-body', class: 'tree-body' }, treeMsg, tree));

  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Path' });
  const content = h('div', { class: 'content-body' });
  const contentPane = h('section', { class: 'content-pane', 'aria-label': 'Viewer' }, crumbs, content);

  const showChatButton = h('button', { id: 'show-chat', type: 'button', class: 'pane-btn', 'aria-pressed': 'true' },
    h('span', { class: 'pane-btn-dot', 'aria-hidden': 'true' }), 'Chat');
  const showFilesButton = h('button', { id: 'show-files', type: 'button', class: 'pane-btn', 'aria-pressed': 'false' }, 'Files');
  const paneSwitch = h('div', { class: 'pane-switch', role: 'group', 'aria-label': 'Show' }, showChatButton, showFilesButton);

  // One row of chrome above the panes: the header's Machines link is the way back, and
  // the working directory is the root of the path above the files.
  const view = h('section', { id: 'machine-view', class: 'machine-view', 'data-online': 'false', 'data-machine-id': machineId },
    h('header', { class: 'mv-head' },
      h('div', { class: 'mv-titlebar' }, titleEl, statusEl, badgeSlot),
      metaEl,
      paneSwitch),
    banner,
    h('div', { class: 'mv-body' }, treePane, h('div', { class: 'mv-main', 'data-pane': 'chat' })));
  setChildren(container, view);
  const mainEl = /** @type {HTMLElement} */ (view.querySelector('.mv-main'));

  // ---------------------------------------------------------------- chat / files

  let pane = 'chat';

  function showPane(next, { focus = false } = {}) {
    pane = next === 'files' ? 'files' : 'chat';
    mainEl.dataset.pane = pane;
    showChatButton.setAttribute('aria-pressed', String(pane === 'chat'));
    showFilesButton.setAttribute('aria-pressed', String(pane === 'files'));
    if (pane === 'chat') {
      chat.shown();
      if (focus) chat.focusPrompt();
    }
  }

  showChatButton.addEventListener('click', () => showPane('chat', { focus: true }));
  showFilesButton.addEventListener('click', () => showPane('files'));

  // ---------------------------------------------------------------- machine info

  function machineName() {
    return (machine && (machine.name || machine.hostname)) || 'Machine';
  }

  function applyMeta() {
    titleEl.textContent = machineName();
    const bits = [];
    if (machine.hostname && machine.hostname !== machine.name) bits.push(machine.hostname);
    const platform = platformLabel(machine.osType, machine.cpuArch);
    if (platform) bits.push(platform);
    /** @type {Array<string | HTMLElement>} */
    const children = [bits.join(' · ')];
    if (machine.workingDir) {
      if (bits.length) children.push(h('span', { class: 'sep', 'aria-hidden': 'true' }, ' · '));
      children.push(h('span', { class: 'mono', title: 'Working directory' }, machine.workingDir));
    }
    setChildren(metaEl, ...children);
    badgeSlot.replaceChildren();
    if (machine.permission === 'view') {
      badgeSlot.append(h('span', { class: 'badge', title: 'Shared with you; you can browse but not change anything' }, 'shared (view)'));
    }
    tree.setAttribute('aria-label', machine.workingDir ? `Files in ${machine.workingDir}` : 'Files');
    updateTitle();
    updateBanner();
    renderCrumbs(current.path || '');
  }

  function updateTitle() {
    const name = machineName();
    ctx.setTitle(current.path ? `${basename(current.path)} — ${name}` : name);
  }

  function showMissing() {
    stopEverything();
    ctx.setTitle('Machine not found');
    setChildren(container, h('section', { class: 'page narrow center-page' },
      h('div', { class: 'card' },
        h('h1', { class: 'card-title' }, 'Machine not found'),
        errorBox("This machine doesn't exist, or it isn't shared with you."),
        h('div', { class: 'actions' }, h('a', { class: 'btn btn-primary', href: '#/' }, 'Back to your machines')))));
  }

  get('/api/machines')
    .then((/** @type {Machines} */ data) => {
      if (!alive) return;
      const list = data && Array.isArray(data.machines) ? data.machines : [];
      const found = list.find((m) => m && m.id === machineId);
      if (!found) {
        showMissing();
        return;
      }
      machine = found;
      applyMeta();
      chat.setPermission(found.permission);
      if (online === null) setOnline(Boolean(found.online));
    })
    .catch((err) => {
      if (!alive) return;
      if (err.status === 401) ctx.signedOut();
      // Otherwise carry on: the socket tells us the rest (the machine refuses what
      // a viewer may not do).
      else chat.setPermission(null);
    });

  // ---------------------------------------------------------------- socket

  const sock = new MachineSocket(machineId, {
    async shouldRetry() {
      // The upgrade may have been refused: signed out (401) or no such machine (403/404).
      try {
        /** @type {Machines} */
        const data = await get('/api/machines');
        const list = data && Array.isArray(data.machines) ? data.machines : [];
        if (!list.some((m) => m && m.id === machineId)) {
          if (alive) showMissing();
          return false;
        }
        return true;
      } catch (err) {
        if (err.status === 401) {
          if (alive) ctx.signedOut();
          return false;
        }
        return true;
      }
    },
  });

  const chat = createChat({
    sock,
    machineId,
    workingDir: () => (machine && machine.workingDir) || '',
    onRunningChange(running) {
      showChatButton.classList.toggle('is-running', running);
      showChatButton.title = running ? 'A prompt is running' : '';
    },
  });
  mainEl.append(chat.el, contentPane);
  showPane(route.path ? 'files' : 'chat');

  sock.addEventListener('state', (event) => {
    sockState = /** @type {CustomEvent} */ (event).detail;
    updateBanner();
  });
  sock.addEventListener('open', (event) => {
    if (/** @type {CustomEvent} */ (event).detail.reconnected) scheduleRefresh();
    chat.onOpen();
  });
  sock.addEventListener('frame', (event) => {
    const frame = /** @type {CustomEvent} */ (event).detail;
    if (frame.type === 'machineStatus' && frame.data && typeof frame.data === 'object') {
      setOnline(Boolean(frame.data.online));
      return;
    }
    if (frame.type === 'gap') {
      // Frames the machine queued while the relay was unreachable were dropped: what
      // is on screen may be missing some of them (docs/relay-api.md, machine socket).
      scheduleRefresh();
      chat.onGap();
      return;
    }
    chat.onFrame(frame);
  });

  function setOnline(value) {
    const before = online;
    online = value;
    view.dataset.online = String(value);
    statusEl.dataset.online = String(value);
    statusEl.textContent = value ? 'online' : 'offline';
    if (machine) machine.online = value;
    updateBanner();
    chat.setOnline(value);
    if (value && before === false) scheduleRefresh();
  }

  function setBanner(kind, text, { retry = false, countdownTo = 0 } = {}) {
    banner.hidden = false;
    banner.dataset.kind = kind;
    if (bannerText.textContent !== text) bannerText.textContent = text;
    bannerRetry.hidden = !retry;
    clearInterval(countdownTimer);
    bannerCountdown.textContent = '';
    if (countdownTo) {
      const tick = () => {
        const s = Math.max(0, Math.ceil((countdownTo - Date.now()) / 1000));
        bannerCountdown.textContent = s > 0 ? `Retrying in ${s} s.` : 'Retrying…';
      };
      tick();
      countdownTimer = setInterval(tick, 1000);
    }
  }

  function hideBanner() {
    banner.hidden = true;
    clearInterval(countdownTimer);
  }

  function updateBanner() {
    clearTimeout(bannerTimer);
    const { state, everOpened, retryAt } = sockState;
    if (state === 'waiting' && sockState.closeCode === CLOSE_TOO_MANY) {
      setBanner('error', 'Too many open connections for this account or machine. Close other tabs or devices.',
        { retry: true, countdownTo: retryAt });
    } else if (state === 'waiting') {
      setBanner('error', everOpened
        ? 'Lost the connection to the relay.'
        : "Can't connect to the relay.", { retry: true, countdownTo: retryAt });
    } else if (state === 'connecting') {
      if (everOpened || sockState.attempt > 0) {
        setBanner('info', 'Reconnecting…');
      } else {
        // Don't flash a banner for a connection that opens at once.
        bannerTimer = setTimeout(() => {
          if (sockState.state === 'connecting') setBanner('info', 'Connecting…');
        }, BANNER_DELAY_MS);
      }
    } else if (state === 'open' && online === false) {
      setBanner('warn', `${machineName()} is offline. Start mstro on it; this page picks it up by itself.`);
    } else {
      hideBanner();
    }
  }

  bannerRetry.addEventListener('click', () => sock.retryNow());

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshCurrent, REFRESH_DEBOUNCE_MS);
  }

  /** After a reconnect or the machine coming back: re-request what is on screen. */
  function refreshCurrent() {
    if (!alive) return;
    loadDir(rootNode, { force: rootNode.loaded });
    if (current.path == null) return;
    if (current.kind === 'file' && current.state === 'ok') {
      const parent = nodes.get(parentPath(current.path));
      if (parent && parent !== rootNode && parent.loaded) loadDir(parent, { force: true });
      return;
    }
    go(current.path, { force: true });
  }

  refreshButton.addEventListener('click', () => {
    loadDir(rootNode, { force: true });
    for (const node of nodes.values()) {
      if (node !== rootNode && node.loaded && node.expanded && rows.has(node.path)) loadDir(node, { force: true });
    }
    if (current.path != null) go(current.path, { force: true });
  });

  // ---------------------------------------------------------------- tree model

  function makeNode(parent, entry) {
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

  function dropSubtree(node) {
    for (const p of node.children) {
      const child = nodes.get(p);
      if (child) dropSubtree(child);
    }
    nodes.delete(node.path);
  }

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
    if (node === rootNode || (node.expanded && rows.has(node.path))) renderChildren(node);
  }

  /** listDirectory into the model (deduplicated); resolves true/false. */
  function loadDir(node, { force = false } = {}) {
    if (node.loading) return node.loading;
    if (node.loaded && !force) return Promise.resolve(true);
    const row = rows.get(node.path);
    if (row) {
      row.classList.add('is-loading');
      row.setAttribute('aria-busy', 'true');
    }
    if (node === rootNode && !node.loaded) setChildren(treeMsg, h('p', { class: 'muted tree-note-text' }, spinner('Loading files…')));
    node.loading = sock.request('listDirectory', { path: node.path })
      .then((data) => {
        if (!alive) return false;
        if (node === rootNode) treeMsg.replaceChildren();
        applyListing(node, data);
        return true;
      })
      .catch((err) => {
        if (!alive) return false;
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
    if (node === rootNode) {
      if (node.loaded) return; // keep showing what we have
      const retry = h('button', { type: 'button', class: 'btn btn-sm' }, 'Retry');
      retry.addEventListener('click', () => loadDir(rootNode, { force: true }));
      const text = err.code === 'machine_offline'
        ? 'Files appear here when the machine is online.'
        : errorText(err, '');
      if (current.path === '') {
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
    if (node.path === current.path) return; // the viewer shows it
    const noteRow = h('li', { class: 'tree-note is-error', role: 'none', 'data-level': node.level + 1 },
      h('span', { class: 'error', role: 'alert' }, errorText(err, node.path)));
    noteRow.style.setProperty('--level', String(node.level + 1));
    row.after(noteRow);
  }

  // ---------------------------------------------------------------- tree rows

  function makeRow(node, pos, size) {
    const selected = node.path === current.path;
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

  function forgetRow(el) {
    const p = el.dataset.path;
    if (p != null && el.getAttribute('role') === 'treeitem' && rows.get(p) === el) rows.delete(p);
  }

  function removeDescendantRows(node) {
    if (node === rootNode) {
      for (const el of tree.children) forgetRow(el);
      tree.replaceChildren();
      return;
    }
    const row = rows.get(node.path);
    if (!row) return;
    let next = row.nextElementSibling;
    while (next && Number(next.dataset.level) > node.level) {
      const after = next.nextElementSibling;
      forgetRow(next);
      next.remove();
      next = after;
    }
  }

  function appendVisible(node, frag) {
    const level = node.level + 1;
    if (node.children.length === 0) {
      if (node !== rootNode) frag.append(noteRow(level, 'Empty'));
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
    if (node === rootNode) {
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
      const ok = await loadDir(node);
      if (!ok) {
        node.expanded = false;
        const row = rows.get(node.path);
        if (row) row.setAttribute('aria-expanded', 'false');
        return false;
      }
      // loadDir rendered the children if the row is still there; if the user
      // collapsed meanwhile, respect that.
      return node.expanded;
    }
    if (rows.has(node.path)) renderChildren(node);
    return true;
  }

  function collapse(node) {
    if (node === rootNode) return;
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

  function treeItems() {
    return Array.from(tree.querySelectorAll('[role="treeitem"]'));
  }

  function setTabStop(row) {
    if (!row) return;
    const previous = focusPath != null ? rows.get(focusPath) : null;
    if (previous && previous !== row) previous.setAttribute('tabindex', '-1');
    for (const el of tree.querySelectorAll('[role="treeitem"][tabindex="0"]')) {
      if (el !== row) el.setAttribute('tabindex', '-1');
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
    const row = (focusPath != null && rows.get(focusPath))
      || (current.path != null && rows.get(current.path))
      || tree.querySelector('[role="treeitem"]');
    if (row) setTabStop(row);
  }

  function markCurrent(path) {
    for (const el of tree.querySelectorAll('[role="treeitem"][aria-selected="true"]')) {
      el.setAttribute('aria-selected', 'false');
    }
    const row = rows.get(path);
    if (row) row.setAttribute('aria-selected', 'true');
  }

  function sibling(row, step) {
    let el = step > 0 ? row.nextElementSibling : row.previousElementSibling;
    while (el && el.getAttribute('role') !== 'treeitem') {
      el = step > 0 ? el.nextElementSibling : el.previousElementSibling;
    }
    return el;
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

  function hrefFor(path) {
    return `#/m/${encodeURIComponent(machineId)}${path ? `/${encodePath(path)}` : ''}`;
  }

  function navigateTo(path) {
    showPane('files');
    const hash = hrefFor(path);
    if (location.hash === hash) go(path, { force: current.state === 'error' });
    else ctx.navigate(hash);
  }

  /** Click or Enter on a row. */
  function activate(node) {
    if (isDirLike(node)) {
      if (current.path === node.path) {
        toggle(node);
        return;
      }
      expand(node);
    }
    navigateTo(node.path);
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

  // ---------------------------------------------------------------- viewer

  function renderCrumbs(path) {
    const rootLabel = (machine && (basename(machine.workingDir) || machine.workingDir)) || machineName();
    const segs = path ? path.split('/') : [];
    const items = [{ label: rootLabel, path: '' }];
    segs.forEach((seg, i) => items.push({ label: seg, path: segs.slice(0, i + 1).join('/') }));
    const list = h('ol', null, items.map((item, i) => {
      const last = i === items.length - 1;
      const label = i === 0
        ? [h('span', { class: 'ficon ficon-home', 'aria-hidden': 'true' }), h('span', null, item.label)]
        : item.label;
      return h('li', null, last
        ? h('span', { class: 'crumb-current', 'aria-current': 'page' }, label)
        : h('a', { href: hrefFor(item.path) }, label));
    }));
    setChildren(crumbs, list);
  }

  function showLoading(seq) {
    setTimeout(() => {
      if (alive && seq === goSeq && current.state === 'loading') {
        setChildren(content, h('div', { class: 'viewer-loading muted', role: 'status' }, spinner('Loading…')));
      }
    }, LOADING_DELAY_MS);
  }

  function showError(err, path) {
    const retry = h('button', { type: 'button', class: 'btn btn-sm' }, 'Try again');
    retry.addEventListener('click', () => go(path, { force: true }));
    setChildren(content, h('div', { class: 'viewer-error' }, socketErrorBox(err, path), h('div', { class: 'actions' }, retry)));
  }

  /** Show `path` (a directory or a file) in the viewer, and reveal it in the tree. */
  async function go(rawPath, { force = false } = {}) {
    const path = normalizePath(rawPath);
    if (!force && current.path === path && (current.state === 'ok' || current.state === 'loading')) return;
    goSeq += 1;
    const seq = goSeq;
    const samePlace = current.path === path && current.state === 'ok';
    current = { path, kind: null, state: 'loading' };
    markCurrent(path);
    renderCrumbs(path);
    updateTitle();
    if (!samePlace) showLoading(seq);
    reveal(path, seq);

    const node = nodes.get(path);
    if (path === '' || (node && isDirLike(node))) {
      await showDir(path, seq, force);
      return;
    }
    if (node && node.kind === 'other') {
      current.kind = 'file';
      current.state = 'ok';
      setChildren(content, h('article', { id: 'file-view', class: 'file-view', 'data-path': path },
        fileHead(path, node.size, null),
        h('div', { class: 'viewer-note' },
          h('p', null, `“${node.name}” is a special file (a socket, device or pipe). It can't be shown.`))));
      return;
    }

    let data;
    try {
      data = await sock.request('readFile', { path });
    } catch (err) {
      if (!alive || seq !== goSeq) return;
      if (err.code === 'is_a_directory') {
        const n = nodes.get(path);
        if (n && !isDirLike(n)) {
          n.dirLike = true;
          const row = rows.get(path);
          if (row) {
            row.setAttribute('aria-expanded', 'false');
            const icon = row.querySelector('.ficon');
            if (icon) icon.className = `ficon ficon-${iconFor(n)}`;
          }
          reveal(path, seq);
        }
        await showDir(path, seq, true);
        return;
      }
      current.state = 'error';
      showError(err, path);
      return;
    }
    if (!alive || seq !== goSeq) return;
    current.kind = 'file';
    current.state = 'ok';
    renderFile(path, data || {});
  }

  async function showDir(path, seq, force) {
    current.kind = 'dir';
    let node = nodes.get(path);
    let items;
    let truncated = false;
    if (node) {
      const ok = await loadDir(node, { force });
      if (!alive || seq !== goSeq) return;
      if (!ok) {
        current.state = 'error';
        showError(node.lastError || { code: 'error', message: 'The directory could not be listed.' }, path);
        return;
      }
      items = node.children.map((p) => nodes.get(p)).filter(Boolean);
      truncated = node.truncated;
    } else {
      let data;
      try {
        data = await sock.request('listDirectory', { path });
      } catch (err) {
        if (!alive || seq !== goSeq) return;
        current.state = 'error';
        showError(err, path);
        return;
      }
      if (!alive || seq !== goSeq) return;
      node = nodes.get(path);
      if (node) applyListing(node, data);
      const parent = { path, level: 0 };
      items = (data && Array.isArray(data.entries) ? data.entries : [])
        .filter((e) => e && typeof e === 'object')
        .map((e) => makeNode(parent, e))
        .filter((n) => n.name);
      truncated = Boolean(data && data.truncated);
    }
    current.state = 'ok';
    renderDir(path, items, truncated);
  }

  function renderDir(path, items, truncated) {
    const title = path ? basename(path) : ((machine && machine.workingDir) || 'Working directory');
    const head = h('div', { class: 'file-head' },
      h('span', { class: 'ficon ficon-dir', 'aria-hidden': 'true' }),
      h('h2', { class: 'file-name' }, title),
      h('span', { class: 'file-meta muted' }, `${formatNumber(items.length)} ${items.length === 1 ? 'item' : 'items'}`));

    let body;
    if (items.length === 0) {
      body = h('div', { class: 'viewer-note' }, h('p', null, 'This directory is empty.'));
    } else {
      body = h('table', { class: 'listing' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Name'),
          h('th', { scope: 'col', class: 'col-size' }, 'Size'),
          h('th', { scope: 'col', class: 'col-mod' }, 'Modified'))),
        h('tbody', null, items.map((item) => h('tr', null,
          h('td', { class: 'col-name' },
            h('a', { class: 'entry', href: hrefFor(item.path), 'data-kind': item.kind },
              h('span', { class: `ficon ficon-${iconFor(item)}`, 'aria-hidden': 'true' }),
              h('span', { class: 'entry-name' }, item.name),
              item.kind === 'symlink' ? h('span', { class: 'entry-tag' }, 'link') : null)),
          h('td', { class: 'col-size' }, item.kind === 'file' && item.size != null ? formatBytes(item.size) : ''),
          h('td', { class: 'col-mod' }, item.modified
            ? h('time', { datetime: String(item.modified), title: formatDateTime(item.modified) }, timeAgo(item.modified))
            : '')))));
    }
    setChildren(content, h('div', { id: 'dir-view', class: 'dir-view', 'data-path': path },
      head,
      truncated ? h('p', { class: 'viewer-banner' }, `This directory is large: only the first ${formatNumber(items.length)} entries are listed.`) : null,
      body));
  }

  function fileHead(path, size, extra) {
    const meta = [size != null ? formatBytes(size) : null, extra].filter(Boolean).join(' · ');
    return h('div', { class: 'file-head' },
      h('span', { class: 'ficon ficon-file', 'aria-hidden': 'true' }),
      h('h2', { class: 'file-name', title: path }, basename(path) || path),
      meta ? h('span', { class: 'file-meta muted' }, meta) : null);
  }

  function renderFile(path, data) {
    const size = typeof data.size === 'number' ? data.size : null;
    const article = h('article', { id: 'file-view', class: 'file-view', 'data-path': path });

    if (data.binary || typeof data.content !== 'string') {
      article.append(
        fileHead(path, size, 'binary'),
        h('div', { class: 'viewer-note binary-note' },
          h('span', { class: 'ficon ficon-binary', 'aria-hidden': 'true' }),
          h('p', null, `Binary file (${size != null ? size : '?'} bytes) — not shown`)));
      setChildren(content, article);
      return;
    }

    const text = data.content;
    let lines = 0;
    if (text.length) {
      lines = 1;
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines += 1;
      if (text.charCodeAt(text.length - 1) === 10) lines -= 1;
    }
    const numbers = new Array(lines);
    for (let i = 0; i < lines; i++) numbers[i] = i + 1;

    article.append(fileHead(path, size, `${formatNumber(lines)} ${lines === 1 ? 'line' : 'lines'}`));
    if (data.truncated) {
      article.append(h('p', { class: 'viewer-banner' },
        `Showing the first 1 MiB${size != null ? ` of ${formatBytes(size)}` : ''}. The rest is not loaded.`));
    }
    if (!text.length) {
      article.append(h('div', { class: 'viewer-note' }, h('p', null, 'This file is empty.')));
    }
    article.append(h('div', { class: 'code-scroll', tabindex: '0', role: 'region', 'aria-label': `Contents of ${basename(path)}` },
      h('pre', { class: 'gutter', 'aria-hidden': 'true' }, numbers.join('\n')),
      h('pre', { id: 'file-content', class: 'code' }, text)));
    setChildren(content, article);
  }

  /** Expand the ancestors of `path` (and `path` itself if it is a directory). */
  async function reveal(path, seq) {
    if (!(await loadDir(rootNode))) return;
    const segs = path ? path.split('/') : [];
    let prefix = '';
    for (let i = 0; i < segs.length; i++) {
      if (!alive || seq !== goSeq) return;
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
    if (!alive || seq !== goSeq) return;
    markCurrent(path);
    const row = rows.get(path);
    if (row) {
      if (!tree.contains(document.activeElement)) setTabStop(row);
      row.scrollIntoView({ block: 'nearest' });
    }
  }

  // ---------------------------------------------------------------- lifecycle

  function stopEverything() {
    alive = false;
    chat.destroy();
    clearTimeout(bannerTimer);
    clearTimeout(refreshTimer);
    clearInterval(countdownTimer);
    sock.stop();
  }

  sock.start();
  go(route.path || '', { force: true });

  return {
    update(next) {
      if (!alive) return;
      // Following a link to a file or directory shows the viewer.
      showPane('files');
      go(next.path || '');
    },
    unmount() {
      stopEverything();
    },
  };
}
