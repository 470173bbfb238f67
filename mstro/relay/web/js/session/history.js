// @ts-check
// The history panel (#history): past sessions of the machine's workspace, newest
// first (`getSessions`, paged), a search box (#history-search, `searchHistory`), and
// per session (.session-item[data-session-id]) open and delete (`deleteSession`,
// owners only).

import { h, errorBox, spinner, timeAgo, formatDateTime } from '../dom.js';
import { isValidId } from './store.js';

const PAGE = 30;
const SEARCH_DELAY_MS = 250;

function sessionIdOf(s) {
  const id = s && (typeof s.sessionId === 'string' ? s.sessionId : s.id);
  return isValidId(id) ? id : null;
}

function errorMessage(err) {
  switch (err && err.code) {
    case 'machine_offline':
      return 'The machine is offline.';
    case 'unknown_type':
      return "This machine's mstro has no session history yet. Update mstro on it.";
    case 'forbidden':
      return "You don't have permission to do that on this machine.";
    case 'not_found':
      return 'That session no longer exists.';
    default:
      return (err && err.message) || 'Something went wrong.';
  }
}

/**
 * createHistory({request(type, data) → Promise, canDelete() → bool,
 * onOpen({sessionId, title}), onClose()}) → {el, open(), close(), isOpen, refresh()}
 */
export function createHistory({ request, canDelete, onOpen, onClose }) {
  const search = h('input', {
    id: 'history-search',
    type: 'search',
    class: 'history-search',
    placeholder: 'Search sessions',
    'aria-label': 'Search sessions',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const status = h('p', { class: 'history-status muted', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'session-list', 'aria-label': 'Sessions' });
  const more = h('button', { type: 'button', class: 'btn btn-sm history-more', hidden: true }, 'Load more');
  const errorSlot = h('div', { class: 'error-slot' });
  const closeButton = h('button', { type: 'button', class: 'btn btn-ghost btn-icon history-close', 'aria-label': 'Close history', title: 'Close' }, '×');
  const el = h('aside', { id: 'history', class: 'history', 'aria-label': 'History', hidden: true },
    h('div', { class: 'history-head' },
      h('h2', { class: 'history-title' }, 'History'),
      closeButton),
    h('div', { class: 'history-search-row' }, search),
    errorSlot,
    status,
    list,
    more);

  let seq = 0;
  let offset = 0;
  let total = null;
  let query = '';
  let searchTimer = 0;
  let loading = false;

  /**
   * @param {any} s a SessionSummary or a SearchHit, read field by field (it may come
   *   from an older machine)
   * @param {{snippet?: string}} [options]
   */
  function item(s, { snippet } = {}) {
    const id = sessionIdOf(s);
    if (!id) return null;
    const title = typeof s.title === 'string' && s.title.trim() ? s.title.trim() : 'Untitled session';
    const when = s.updatedAt || s.createdAt;
    const count = typeof s.movementCount === 'number' ? s.movementCount
      : (typeof s.movements === 'number' ? s.movements : null);
    const last = { error: 'last run failed', cancelled: 'last run cancelled', running: 'running or interrupted' }[s.lastStatus] || '';
    const meta = [when ? timeAgo(when) : '', count != null ? `${count} ${count === 1 ? 'prompt' : 'prompts'}` : '', last]
      .filter(Boolean).join(' · ');
    const open = h('button', { type: 'button', class: 'session-open', title: when ? formatDateTime(when) : null },
      h('span', { class: 'session-title' }, title),
      meta ? h('span', { class: 'session-meta muted' }, meta) : null,
      snippet ? h('span', { class: 'session-snippet' }, snippet) : null);
    const li = h('li', { class: 'session-item', 'data-session-id': id }, open);
    li.addEventListener('click', (event) => {
      if (/** @type {Element} */ (event.target).closest('.session-delete')) return;
      onOpen({ sessionId: id, title: s.title || '' });
    });
    if (canDelete()) {
      const del = h('button', {
        type: 'button', class: 'btn btn-ghost btn-icon session-delete', 'aria-label': `Delete “${title}”`, title: 'Delete',
      }, h('span', { class: 'glyph glyph-trash', 'aria-hidden': 'true' }));
      del.addEventListener('click', (event) => {
        event.stopPropagation();
        remove(id, title, li, del);
      });
      li.append(del);
    }
    return li;
  }

  async function remove(id, title, li, button) {
    // eslint-disable-next-line no-alert
    if (!window.confirm(`Delete the session “${title}”? Its history file is removed from the machine.`)) return;
    button.disabled = true;
    errorSlot.replaceChildren();
    try {
      await request('deleteSession', { sessionId: id });
      li.remove();
      if (total != null) total = Math.max(0, total - 1);
      if (!list.children.length) status.textContent = query ? 'No sessions match.' : 'No sessions yet.';
    } catch (err) {
      button.disabled = false;
      errorSlot.replaceChildren(errorBox(`Couldn't delete “${title}”: ${errorMessage(err)}`, { code: err.code }));
    }
  }

  function showError(err) {
    if (err && (err.code === 'machine_offline' || err.code === 'unknown_type')) {
      status.textContent = errorMessage(err);
      errorSlot.replaceChildren();
    } else {
      status.textContent = '';
      errorSlot.replaceChildren(errorBox(errorMessage(err), { code: err && err.code }));
    }
  }

  async function loadPage(reset) {
    const mine = ++seq;
    if (reset) {
      offset = 0;
      total = null;
    }
    loading = true;
    more.disabled = true;
    errorSlot.replaceChildren();
    if (reset) {
      list.replaceChildren();
      status.replaceChildren(spinner('Loading sessions…'));
    }
    try {
      const data = await request('getSessions', { offset, limit: PAGE });
      if (mine !== seq) return;
      const sessions = data && Array.isArray(data.sessions) ? data.sessions : [];
      total = data && typeof data.total === 'number' ? data.total : null;
      for (const s of sessions) {
        const li = item(s);
        if (li) list.append(li);
      }
      offset += sessions.length;
      const problems = data && Array.isArray(data.problems) ? data.problems.length : 0;
      const bits = [];
      if (!list.children.length) bits.push('No sessions yet.');
      if (problems) bits.push(`${problems} history ${problems === 1 ? 'file' : 'files'} could not be read.`);
      status.textContent = bits.join(' ');
      more.hidden = !(sessions.length && (total == null ? sessions.length === PAGE : offset < total));
    } catch (err) {
      if (mine !== seq) return;
      showError(err);
    } finally {
      if (mine === seq) {
        loading = false;
        more.disabled = false;
      }
    }
  }

  async function runSearch(q) {
    const mine = ++seq;
    more.hidden = true;
    errorSlot.replaceChildren();
    status.replaceChildren(spinner('Searching…'));
    try {
      const data = await request('searchHistory', { query: q, limit: 50 });
      if (mine !== seq) return;
      const results = data && Array.isArray(data.results) ? data.results : [];
      list.replaceChildren(...results.map((r) => item(r, { snippet: typeof r.snippet === 'string' ? r.snippet : '' })).filter(Boolean));
      status.textContent = results.length
        ? `${results.length} ${results.length === 1 ? 'session matches' : 'sessions match'}.`
        : 'No sessions match.';
    } catch (err) {
      if (mine !== seq) return;
      list.replaceChildren();
      showError(err);
    }
  }

  function refresh() {
    if (el.hidden) return;
    if (query) runSearch(query);
    else loadPage(true);
  }

  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      const q = search.value.trim();
      if (q === query) return;
      query = q;
      refresh();
    }, SEARCH_DELAY_MS);
  });
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      clearTimeout(searchTimer);
      query = search.value.trim();
      refresh();
    } else if (event.key === 'Escape' && search.value) {
      event.preventDefault();
      event.stopPropagation();
      search.value = '';
      query = '';
      refresh();
    }
  });
  more.addEventListener('click', () => {
    if (!loading) loadPage(false);
  });
  closeButton.addEventListener('click', () => {
    api.close();
    if (onClose) onClose();
  });
  el.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      api.close();
      if (onClose) onClose();
    }
  });

  const api = {
    el,
    get isOpen() {
      return !el.hidden;
    },
    open() {
      if (!el.hidden) return;
      el.hidden = false;
      refresh();
    },
    close() {
      el.hidden = true;
      seq += 1;
    },
    refresh,
    focusSearch() {
      search.focus();
    },
  };
  return api;
}
