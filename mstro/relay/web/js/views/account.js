// @ts-check
// #/account: the person's signed-in browsers (GET /api/sessions), each with a way to
// sign it out (DELETE /api/sessions/{id}: its open connections close at once), and
// "sign out every other browser" (POST /api/sessions/end-others); and the machines the
// person owns, each with a way to sign it out (POST /api/machines/{id}/sign-out: its
// token stops working and it disconnects): how access taken by a lost phone, a shared
// computer or a stolen laptop is taken back.

import { del, get, post } from '../api.js';
import { h, errorBox, formatDateTime, setChildren, spinner, timeAgo } from '../dom.js';

/** @typedef {import('../../types/protocol').BrowserSession} BrowserSession */
/** @typedef {import('../../types/protocol').BrowserSessions} BrowserSessions */
/** @typedef {import('../../types/protocol').Machines} Machines */
/** @typedef {import('../../types/protocol').MachineSummary} MachineSummary */

export function mount(root, _route, ctx) {
  ctx.setTitle('Account');
  let alive = true;
  const status = h('p', { class: 'muted', role: 'status', id: 'sessions-status' });
  const list = h('ul', { id: 'session-list', class: 'browser-session-list', 'aria-label': 'Signed-in browsers' });
  const endOthers = h('button', { id: 'end-other-sessions', type: 'button', class: 'btn' },
    'Sign out every other browser');
  const errorSlot = h('div', { class: 'error-slot' });
  const machineList = h('ul', { id: 'owned-machine-list', class: 'browser-session-list', 'aria-label': 'Your machines' });
  setChildren(root, h('section', { class: 'page narrow' },
    h('header', { class: 'page-head' }, h('h1', null, 'Account')),
    h('h2', null, 'Signed-in browsers'),
    h('p', { class: 'muted' },
      'Each browser signed in to this relay as you. Signing one out closes its open connections at once.'),
    errorSlot,
    list,
    status,
    h('div', { class: 'actions' }, endOthers),
    h('h2', null, 'Your machines'),
    h('p', { class: 'muted' },
      'Signing a machine out stops it at once; it needs mstro login --force on that machine to come back.'),
    machineList));

  /** @param {MachineSummary[]} machines */
  function renderMachines(machines) {
    const owned = machines.filter((m) => m && m.permission === 'owner' && typeof m.id === 'string');
    if (owned.length === 0) {
      machineList.replaceChildren(h('li', { class: 'muted' }, 'No machine is signed in as you.'));
      return;
    }
    machineList.replaceChildren(...owned.map((m) => {
      const out = h('button', { type: 'button', class: 'btn btn-sm', 'data-sign-out-machine': m.id },
        'Sign out');
      out.addEventListener('click', async () => {
        if (!window.confirm(`Sign out ${m.name || m.hostname}? It stops at once.`)) return;
        out.disabled = true;
        try {
          await post(`/api/machines/${encodeURIComponent(m.id)}/sign-out`);
          out.textContent = 'Signed out';
        } catch (err) {
          out.disabled = false;
          fail(err);
        }
      });
      return h('li', { class: 'browser-session card', 'data-machine-id': m.id },
        h('div', { class: 'browser-session-main' },
          h('strong', null, m.name || m.hostname || 'Machine'),
          h('span', { class: 'muted' }, m.online ? ' · online' : ' · offline')),
        out);
    }));
  }

  function fail(err) {
    if (!alive) return;
    if (err.status === 401) {
      ctx.signedOut();
      return;
    }
    setChildren(errorSlot, errorBox(err.message));
  }

  /** @param {BrowserSession[]} sessions */
  function render(sessions) {
    list.replaceChildren(...sessions.map((s) => {
      const ended = h('button', { type: 'button', class: 'btn btn-sm', 'data-end-session': s.id },
        'Sign out');
      ended.addEventListener('click', async () => {
        ended.disabled = true;
        try {
          await del(`/api/sessions/${encodeURIComponent(s.id)}`);
          await load();
        } catch (err) {
          ended.disabled = false;
          fail(err);
        }
      });
      return h('li', { class: 'browser-session card', 'data-session-id': s.id, 'data-current': String(Boolean(s.current)) },
        h('div', { class: 'browser-session-main' },
          h('strong', null, s.current ? 'This browser' : 'Another browser'),
          h('span', { class: 'muted', title: formatDateTime(s.createdAt) },
            ` · signed in ${timeAgo(s.createdAt)}`)),
        s.current ? null : ended);
    }));
    const others = sessions.filter((s) => !s.current).length;
    status.textContent = others === 0
      ? 'No other browser is signed in as you.'
      : `${others} other ${others === 1 ? 'browser is' : 'browsers are'} signed in as you.`;
    endOthers.disabled = others === 0;
  }

  async function load() {
    try {
      const [data, machines] = /** @type {[BrowserSessions, Machines]} */ (
        await Promise.all([get('/api/sessions'), get('/api/machines')]));
      if (!alive) return;
      errorSlot.replaceChildren();
      render(Array.isArray(data && data.sessions) ? data.sessions : []);
      renderMachines(Array.isArray(machines && machines.machines) ? machines.machines : []);
    } catch (err) {
      fail(err);
    }
  }

  endOthers.addEventListener('click', async () => {
    endOthers.disabled = true;
    try {
      await post('/api/sessions/end-others');
      await load();
    } catch (err) {
      endOthers.disabled = false;
      fail(err);
    }
  });

  setChildren(status, spinner('Loading…'));
  load();
  return {
    unmount() {
      alive = false;
    },
  };
}
