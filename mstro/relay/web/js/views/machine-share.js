// @ts-check
// Sharing one machine, under its card in the machine list (the owner's only): whom it
// is shared with (GET /api/machines/{id}/shares), a way to share it read-only with a
// user by name (POST …/shares {user, permission: "view"}) and to take a share back
// (DELETE …/shares/{user}: their open connections close at once). Folded until opened,
// so the list is read only when someone looks.
//
// The relay answers a share the same whether or not the name has an account; the list
// read after it is what says whether it took.

import { del, get, post } from '../api.js';
import { h } from '../dom.js';

/** @typedef {import('../../types/protocol').MachineShares} MachineShares */
/** @typedef {import('../../types/protocol').MachineShare} MachineShare */

/** The longest user name the relay takes (its MAX_NAME_CHARS). */
const MAX_NAME = 64;

/**
 * createSharePanel(machineId, {signedOut}) → {el, destroy}: a <details
 * class="machine-share" data-share-for=ID>.
 * @param {string} machineId
 * @param {{signedOut: () => void}} ctx
 */
export function createSharePanel(machineId, ctx) {
  const base = `/api/machines/${encodeURIComponent(machineId)}/shares`;
  let alive = true;
  let loading = 0; // the latest load; an older answer is dropped

  const count = h('span', { class: 'share-count muted' });
  const summary = h('summary', { class: 'share-summary' }, h('span', null, 'Sharing'), count);
  const list = h('ul', { class: 'share-list', 'aria-label': 'Shared with' });
  const input = h('input', {
    type: 'text',
    name: 'user',
    class: 'share-user',
    placeholder: 'User name',
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    maxlength: String(MAX_NAME),
    'aria-label': 'User name to share with',
  });
  const add = h('button', { type: 'submit', class: 'btn btn-sm btn-primary share-add' }, 'Share');
  const form = h('form', { class: 'share-form' }, input, add);
  const status = h('p', { class: 'share-status muted', role: 'status' });
  const el = h('details', { class: 'machine-share', 'data-share-for': machineId },
    summary,
    h('div', { class: 'share-body' },
      h('p', { class: 'muted share-help' },
        'People you share with see its files and sessions as they happen. They cannot change files, run prompts or answer approvals.'),
      list,
      form,
      status));

  function say(text, problem = false) {
    status.textContent = text;
    status.classList.toggle('share-problem', problem);
  }

  function failed(err, what) {
    if (!alive) return;
    if (err && err.status === 401) {
      ctx.signedOut();
      return;
    }
    say(`${what}: ${err && err.message ? err.message : 'something went wrong'}`, true);
  }

  /** @param {MachineShare[]} shares */
  function render(shares) {
    count.textContent = shares.length ? `${shares.length}` : '';
    count.title = shares.length ? `Shared with ${shares.length} ${shares.length === 1 ? 'person' : 'people'}` : '';
    if (!shares.length) {
      list.replaceChildren(h('li', { class: 'share-none muted' }, 'Only you can see it.'));
      return;
    }
    list.replaceChildren(...shares.map((share) => {
      const revoke = h('button', { type: 'button', class: 'btn btn-sm btn-danger-outline', 'data-unshare': share.user },
        'Revoke');
      revoke.addEventListener('click', () => unshare(share.user, revoke));
      return h('li', { class: 'share-row', 'data-share-user': share.user },
        h('span', { class: 'share-name' }, share.user),
        h('span', { class: 'share-permission muted' }, 'view only'),
        revoke);
    }));
  }

  /**
   * Read the list; `then` runs with it once it is shown.
   * @param {(shares: MachineShare[]) => void} [then]
   */
  async function load(then) {
    const mine = ++loading;
    if (!list.firstChild) list.replaceChildren(h('li', { class: 'share-none muted' }, 'Loading…'));
    try {
      /** @type {MachineShares} */
      const data = await get(base);
      if (!alive || mine !== loading) return;
      const shares = Array.isArray(data && data.shares)
        ? data.shares.filter((s) => s && typeof s.user === 'string')
        : [];
      render(shares);
      if (then) then(shares);
    } catch (err) {
      if (mine === loading) failed(err, 'The list could not be read');
    }
  }

  async function unshare(user, button) {
    button.disabled = true;
    say('');
    try {
      await del(`${base}/${encodeURIComponent(user)}`);
      if (!alive) return;
      say(`${user} can no longer see this machine.`);
      await load();
    } catch (err) {
      button.disabled = false;
      failed(err, `Could not take it back from ${user}`);
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const user = input.value.trim();
    if (!user) {
      input.focus();
      return;
    }
    add.disabled = true;
    say('');
    try {
      await post(base, { user, permission: 'view' });
      if (!alive) return;
      input.value = '';
      const wanted = user.toLowerCase();
      await load((shares) => {
        const found = shares.some((s) => s.user.toLowerCase() === wanted);
        say(found
          ? `Shared with ${user}, view only.`
          : `Nobody named “${user}” has an account on this relay.`, !found);
      });
    } catch (err) {
      failed(err, `Could not share with ${user}`);
    } finally {
      add.disabled = false;
    }
  });

  el.addEventListener('toggle', () => {
    if (/** @type {HTMLDetailsElement} */ (el).open) load();
  });

  return {
    el,
    destroy() {
      alive = false;
    },
  };
}
