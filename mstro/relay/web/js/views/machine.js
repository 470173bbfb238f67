// @ts-check
// #/m/{machineId}[/{path}]: one machine. A lazily loaded file tree on the left (not on
// a phone); on the right the chat (session/chat.js: tabs, transcript, prompt,
// history), the current directory or file, or the terminals (terminal/terminal.js),
// switched with Chat / Files / Terminal (a path in the address shows the file). All
// over one machine socket.
//
// This module puts the parts together and owns the machine's record, the socket and
// the route; the parts, in views/machine/:
//   machine-head.js       name, status, badges, host and working directory
//   pane-switch.js        Chat / Files / Terminal
//   connection-banner.js  connecting, lost, too many connections, machine offline
//   file-tree.js          the tree (tree-model.js: its nodes)
//   breadcrumbs.js        the path above the viewer
//   viewer.js             the shown directory or file (dir-view.js, file-view.js)
//   errors.js             what a failed file request says
//   place-memory.js       the pane and path to open again after a reload

import { get } from '../api.js';
import { MachineSocket } from '../socket.js';
import { createChat } from '../session/chat.js';
import { createTerminalPane } from '../terminal/terminal.js';
import { h, errorBox, setChildren, basename, encodePath } from '../dom.js';
import { createMachineHead, machineName as nameOf } from './machine/machine-head.js';
import { createPaneSwitch } from './machine/pane-switch.js';
import { createConnectionBanner } from './machine/connection-banner.js';
import { createFileTree } from './machine/file-tree.js';
import { createBreadcrumbs } from './machine/breadcrumbs.js';
import { createViewer } from './machine/viewer.js';
import { initialPlace, loadPlace, savePlace } from './machine/place-memory.js';

/** @typedef {import('../../types/protocol').Machines} Machines */
/** @typedef {import('../../types/protocol').MachineSummary} MachineSummary */

const REFRESH_DEBOUNCE_MS = 120;

export function mount(container, route, ctx) {
  const machineId = route.id;
  let alive = true;
  /** @type {MachineSummary | null} */
  let machine = null; // from /api/machines
  let online = null; // from machineStatus (or the list until the socket says)
  let refreshTimer = 0;
  const isAlive = () => alive;
  const machineName = () => nameOf(machine);

  ctx.setTitle('Machine');

  function hrefFor(path) {
    return `#/m/${encodeURIComponent(machineId)}${path ? `/${encodePath(path)}` : ''}`;
  }

  // ---------------------------------------------------------------- layout

  const mainEl = h('div', { class: 'mv-main', 'data-pane': 'chat' });
  const panes = createPaneSwitch({
    main: mainEl,
    onShow(pane, { focus }) {
      remember();
      if (pane === 'terminal') terminal.shown({ focus });
      else terminal.hidden();
      if (pane !== 'chat') return;
      chat.shown();
      if (focus) chat.focusPrompt();
    },
  });
  const head = createMachineHead({ paneSwitch: panes.el });
  const banner = createConnectionBanner({ retryNow: () => sock.retryNow(), machineName });
  const tree = createFileTree({
    request: (type, data) => sock.request(type, data),
    isAlive,
    current: () => viewer.current,
    open: (path) => navigateTo(path),
    onRefresh: () => {
      if (viewer.current.path != null) viewer.go(viewer.current.path, { force: true });
    },
  });
  const crumbs = createBreadcrumbs({
    hrefFor,
    rootLabel: () => (machine && (basename(machine.workingDir) || machine.workingDir)) || machineName(),
  });
  const viewer = createViewer({
    request: (type, data) => sock.request(type, data),
    tree,
    isAlive,
    hrefFor,
    workingDir: () => (machine && machine.workingDir) || '',
    onPlace: (path) => {
      crumbs.render(path);
      updateTitle();
      remember();
    },
  });
  const contentPane = h('section', { class: 'content-pane', 'aria-label': 'Viewer' }, crumbs.el, viewer.el);

  const view = h('section', { id: 'machine-view', class: 'machine-view', 'data-online': 'false', 'data-machine-id': machineId },
    head.el,
    banner.el,
    h('div', { class: 'mv-body' }, tree.el, mainEl));
  setChildren(container, view);

  // ---------------------------------------------------------------- machine info

  function applyMeta() {
    head.setMachine(machine);
    tree.setWorkingDir(machine.workingDir || '');
    updateTitle();
    banner.update();
    crumbs.render(viewer.current.path || '');
  }

  /** The pane and the path shown, for the next visit (place-memory.js). */
  function remember() {
    const path = viewer.current.path;
    if (path != null) savePlace(machineId, { pane: panes.pane, path });
  }

  function updateTitle() {
    const name = machineName();
    const path = viewer.current.path;
    ctx.setTitle(path ? `${basename(path)} — ${name}` : name);
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
      terminal.setPermission(found.permission);
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
    onRunningChange: (running) => panes.setRunning(running),
  });
  const terminal = createTerminalPane({
    sock,
    machineId,
    workingDir: () => (machine && machine.workingDir) || '',
  });
  mainEl.append(chat.el, contentPane, terminal.el);
  // A reload opens the pane it left, on the file or directory it showed; the address
  // names that path, as if it had been followed there.
  const place = initialPlace(route.path || '', loadPlace(machineId));
  if (place.path !== (route.path || '')) history.replaceState(null, '', hrefFor(place.path));
  panes.show(place.pane);

  sock.addEventListener('state', (event) => {
    banner.setSocketState(/** @type {CustomEvent} */ (event).detail);
    terminal.onSocketState(/** @type {CustomEvent} */ (event).detail);
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
      terminal.onGap();
      return;
    }
    if (terminal.onFrame(frame)) return;
    chat.onFrame(frame);
  });

  function setOnline(value) {
    const before = online;
    online = value;
    view.dataset.online = String(value);
    head.setOnline(value);
    if (machine) machine.online = value;
    banner.setOnline(value);
    chat.setOnline(value);
    terminal.setOnline(value);
    if (value && before === false) scheduleRefresh();
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => viewer.refresh(), REFRESH_DEBOUNCE_MS);
  }

  // ---------------------------------------------------------------- navigation

  function navigateTo(path) {
    panes.show('files');
    const hash = hrefFor(path);
    if (location.hash === hash) viewer.go(path, { force: viewer.current.state === 'error' });
    else ctx.navigate(hash);
  }

  // ---------------------------------------------------------------- lifecycle

  function stopEverything() {
    alive = false;
    chat.destroy();
    terminal.destroy();
    banner.destroy();
    clearTimeout(refreshTimer);
    sock.stop();
  }

  sock.start();
  viewer.go(place.path, { force: true });

  return {
    update(next) {
      if (!alive) return;
      // Following a link to a file or directory shows the viewer.
      panes.show('files');
      viewer.go(next.path || '');
    },
    unmount() {
      stopEverything();
    },
  };
}
