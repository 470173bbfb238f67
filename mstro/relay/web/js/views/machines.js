// @ts-check
// #/: the user's machines (own and shared), live through /api/machines/events. Under
// each of their own machines the owner shares it read-only and takes shares back
// (machine-share.js); a machine shared with the person says by whom, view only.

import { get } from '../api.js';
import { createSharePanel } from './machine-share.js';
import {
  h, code, errorBox, setChildren, spinner, timeAgo, formatDateTime, platformLabel,
} from '../dom.js';

/** @typedef {import('../../types/protocol').Machines} Machines */
/** @typedef {import('../../types/protocol').MachineSummary} MachineSummary */

const RECREATE_DELAY_MS = 5000;

export function mount(root, _route, ctx) {
  ctx.setTitle('Machines');
  let alive = true;
  let machines = null; // last list shown
  let gotLive = false; // an SSE list arrived: ignore the slower GET
  let source = null;
  let recreateTimer = 0;
  const cards = new Map(); // id → <a class="machine">
  const items = new Map(); // id → <li> holding the card (and, for the owner, its share panel)
  const shares = new Map(); // id → share panel

  const live = h('span', { class: 'live', 'data-state': 'connecting', role: 'status' }, 'Connecting…');
  const count = h('span', { class: 'muted page-count' });
  const list = h('ul', { id: 'machine-list', class: 'machine-grid', 'aria-label': 'Machines' });
  const body = h('div', { class: 'machines-body' }, h('p', { class: 'muted loading-line' }, spinner('Loading machines…')));
  const errorSlot = h('div', { class: 'error-slot' });

  setChildren(root, h('section', { class: 'page' },
    h('header', { class: 'page-head page-head-row' },
      h('div', null,
        h('h1', null, 'Machines'),
        count),
      live),
    errorSlot,
    list,
    body));

  function setLive(state) {
    live.dataset.state = state;
    live.textContent = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…';
    live.title = state === 'live'
      ? 'Online status updates as machines connect and disconnect'
      : 'Live updates are paused; trying to reconnect';
  }

  // ---------------------------------------------------------------- rendering

  /** @param {MachineSummary[] | null | undefined} next */
  function render(next) {
    machines = Array.isArray(next) ? next.filter((m) => m && typeof m.id === 'string') : [];
    errorSlot.replaceChildren();
    const online = machines.filter((m) => m.online).length;
    count.textContent = machines.length
      ? `${machines.length} ${machines.length === 1 ? 'machine' : 'machines'} · ${online} online`
      : '';

    if (machines.length === 0) {
      list.replaceChildren();
      cards.clear();
      items.clear();
      for (const panel of shares.values()) panel.destroy();
      shares.clear();
      setChildren(body, emptyState());
      return;
    }
    body.replaceChildren();

    const sorted = [...machines].sort((a, b) => {
      const an = String(a.name || a.hostname || '').toLowerCase();
      const bn = String(b.name || b.hostname || '').toLowerCase();
      return an < bn ? -1 : an > bn ? 1 : String(a.id).localeCompare(String(b.id));
    });

    const seen = new Set();
    for (const m of sorted) {
      seen.add(m.id);
      let card = cards.get(m.id);
      if (!card) {
        card = h('a', { class: 'machine', href: `#/m/${encodeURIComponent(m.id)}`, 'data-machine-id': m.id });
        cards.set(m.id, card);
        items.set(m.id, h('li', { class: 'machine-item', 'data-machine-id': m.id }, card));
      }
      fillCard(card, m);
      fillShare(m);
    }
    for (const [id, item] of items) {
      if (!seen.has(id)) {
        item.remove();
        items.delete(id);
        cards.delete(id);
        shares.get(id)?.destroy();
        shares.delete(id);
      }
    }
    // Order the items; only touch the DOM when the order changed (keeps focus, and
    // an open share panel open).
    const wanted = sorted.map((m) => items.get(m.id));
    const currentOrder = Array.from(list.children);
    const same = wanted.length === currentOrder.length && wanted.every((c, i) => c === currentOrder[i]);
    if (!same) {
      const focused = /** @type {HTMLElement | null} */ (document.activeElement);
      list.replaceChildren(...wanted);
      if (focused && document.activeElement !== focused && wanted.some((li) => li.contains(focused))) focused.focus();
    }
  }

  /**
   * The owner's share panel under the card; none for a machine shared with them.
   * @param {MachineSummary} m
   */
  function fillShare(m) {
    const item = items.get(m.id);
    const panel = shares.get(m.id);
    if (m.permission === 'owner' && !panel && item) {
      const created = createSharePanel(m.id, { signedOut: () => ctx.signedOut() });
      shares.set(m.id, created);
      item.append(created.el);
    } else if (m.permission !== 'owner' && panel) {
      panel.el.remove();
      panel.destroy();
      shares.delete(m.id);
    }
  }

  /**
   * @param {HTMLElement} card
   * @param {MachineSummary} m
   */
  function fillCard(card, m) {
    const online = Boolean(m.online);
    card.dataset.online = String(online);
    card.dataset.permission = m.permission === 'owner' ? 'owner' : 'view';
    const name = m.name || m.hostname || 'Unnamed machine';
    const platform = platformLabel(m.osType, m.cpuArch);
    const meta = [m.hostname && m.hostname !== name ? m.hostname : null, platform || null].filter(Boolean).join(' · ');

    let seen;
    if (online) {
      seen = h('span', null, 'Connected now');
    } else if (m.lastSeen) {
      seen = h('span', null, 'Last seen ', h('time', { datetime: m.lastSeen, title: formatDateTime(m.lastSeen) }, timeAgo(m.lastSeen)));
    } else {
      seen = h('span', null, 'Never connected');
    }

    setChildren(card,
      h('div', { class: 'machine-top' },
        h('span', { class: 'machine-icon', 'aria-hidden': 'true' }),
        h('span', { class: 'machine-name' }, name),
        h('span', { class: 'status', 'data-online': String(online) }, online ? 'online' : 'offline')),
      meta ? h('div', { class: 'machine-meta' }, meta) : null,
      m.workingDir ? h('div', { class: 'machine-dir', title: m.workingDir }, m.workingDir) : null,
      h('div', { class: 'machine-foot' },
        h('span', { class: 'machine-seen muted' }, seen),
        m.permission === 'view' ? sharedBadge(m) : null));
  }

  /** "Shared with you by X, view only". @param {MachineSummary} m */
  function sharedBadge(m) {
    const by = typeof m.sharedBy === 'string' && m.sharedBy ? m.sharedBy : null;
    return h('span', {
      class: 'badge shared-badge',
      title: 'Shared with you: you can follow its files and sessions but not change anything or run prompts',
    }, by ? `Shared with you by ${by} · view only` : 'Shared with you · view only');
  }

  function emptyState() {
    return h('div', { class: 'empty card' },
      h('div', { class: 'empty-art', 'aria-hidden': 'true' }),
      h('h2', null, 'Connect your first machine'),
      h('p', { class: 'muted' },
        'A machine is a computer running ', code('mstro'),
        ' in a project directory. It connects out to this relay, so you can open its files and Claude Code sessions from any browser.'),
      h('ol', { class: 'steps' },
        h('li', null,
          h('p', null, 'On that computer, sign it in to this relay:'),
          h('pre', { class: 'cmd' }, 'mstro login'),
          h('p', { class: 'muted' }, 'It prints a code. Approve it on ', h('a', { href: '#/device' }, 'Connect a device'), '.')),
        h('li', null,
          h('p', null, 'Start it in the directory you want to work in:'),
          h('pre', { class: 'cmd' }, 'mstro'),
          h('p', { class: 'muted' }, 'It shows up here, with a green dot while it is connected.'))),
      h('p', { class: 'muted empty-foot' },
        'Everything on one computer? ', code('mstro up'), ' runs the relay and connects that machine in one go.'));
  }

  // ---------------------------------------------------------------- data

  async function load() {
    try {
      /** @type {Machines} */
      const data = await get('/api/machines');
      if (!alive || gotLive) return;
      render(data && data.machines);
    } catch (err) {
      if (!alive) return;
      if (err.status === 401) {
        ctx.signedOut();
        return;
      }
      if (machines === null) body.replaceChildren();
      setChildren(errorSlot, errorBox(`Couldn't load your machines. ${err.message}`));
    }
  }

  function connect() {
    if (!alive || typeof EventSource === 'undefined') return;
    source = new EventSource('/api/machines/events');
    source.addEventListener('open', () => setLive('live'));
    source.addEventListener('machines', (event) => {
      /** @type {Machines} */
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      gotLive = true;
      setLive('live');
      render(data && data.machines);
    });
    source.addEventListener('error', (event) => {
      // A server-sent `error` event carries data; connection trouble does not.
      if (event && typeof /** @type {MessageEvent} */ (event).data === 'string') return;
      setLive('reconnecting');
      if (source && source.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. a 401 instead of a stream): find out why, retry later.
        source.close();
        source = null;
        clearTimeout(recreateTimer);
        get('/api/me')
          .then(() => {
            if (alive) recreateTimer = setTimeout(connect, RECREATE_DELAY_MS);
          })
          .catch((err) => {
            if (!alive) return;
            if (err.status === 401) ctx.signedOut();
            else recreateTimer = setTimeout(connect, RECREATE_DELAY_MS);
          });
      }
    });
  }

  // Keep "last seen 3 minutes ago" fresh.
  const tick = setInterval(() => {
    if (machines) for (const m of machines) {
      const card = cards.get(m.id);
      if (card) fillCard(card, m);
    }
  }, 30000);

  load();
  connect();

  return {
    unmount() {
      alive = false;
      clearInterval(tick);
      clearTimeout(recreateTimer);
      if (source) source.close();
      source = null;
      for (const panel of shares.values()) panel.destroy();
    },
  };
}
