// @ts-check
// #/link/{token}: the one-time sign-in link `mstro relay add-user NAME` prints.
// The token lives only in the fragment; it is posted to /api/auth/link once.
//
// A link must not switch a signed-in browser to another account without asking: a
// stranger's link is a lure (the person then approves the stranger's `mstro login`
// into the stranger's account). So the page first asks whom the link signs in
// (/api/auth/link/peek, which does not use it up) and, when someone else is signed in
// here, shows both names and waits for a choice.

import { get, post } from '../api.js';
import { h, code, errorBox, setChildren, spinner } from '../dom.js';

/** @typedef {import('../../types/protocol').Person} Person */
/** @typedef {import('../../types/protocol').SignedInAs} SignedInAs */

export function mount(root, route, ctx) {
  ctx.setTitle('Signing in');
  let alive = true;
  const token = (route.token || '').trim();

  // Keep the token out of the address bar and the history (it is single-use anyway).
  try {
    history.replaceState(null, '', '#/link');
  } catch {
    // ignore
  }

  const body = h('div', { class: 'link-body' });
  const card = h('div', { class: 'auth-card card' },
    h('div', { class: 'auth-brand' },
      h('img', { src: '/favicon.svg', alt: '', width: 40, height: 40 }),
      h('span', { class: 'auth-brand-name' }, 'mstro')),
    h('h1', { class: 'auth-title' }, 'Sign-in link'),
    body);
  setChildren(root, h('section', { class: 'auth-page' }, card));

  function expiredMessage() {
    return [
      'This sign-in link has already been used or has expired. Get a new one with ',
      code('mstro relay link NAME'),
      ' (or run ',
      code('mstro up'),
      ' again).',
    ];
  }

  function showFailure(message, { retry = false } = {}) {
    const actions = h('div', { class: 'actions' });
    if (retry) {
      const again = h('button', { type: 'button', class: 'btn btn-primary' }, 'Try again');
      again.addEventListener('click', redeem);
      actions.append(again);
    }
    actions.append(h('a', { class: retry ? 'btn' : 'btn btn-primary', href: '#/signin' }, 'Sign in with a password'));
    setChildren(body, errorBox(message), actions);
  }

  async function redeem() {
    if (!token) {
      showFailure('This link has no sign-in token. Copy the whole link from your terminal, or sign in with your password.');
      return;
    }
    setChildren(body, h('p', { class: 'muted', role: 'status' }, spinner('Signing you in…')));
    try {
      /** @type {SignedInAs} */
      const data = await post('/api/auth/link', { token });
      if (!alive) return;
      ctx.setUser(data && data.user ? data.user : null);
      ctx.afterSignIn({ home: true });
    } catch (err) {
      if (!alive) return;
      if (err.code === 'invalid_link' || err.status === 401) {
        showFailure(expiredMessage());
      } else if (err.status === 400) {
        showFailure(expiredMessage());
      } else {
        showFailure(err.message, { retry: true });
      }
    }
  }

  async function start() {
    if (!token) {
      redeem();
      return;
    }
    setChildren(body, h('p', { class: 'muted', role: 'status' }, spinner('Checking the link…')));
    let target = null;
    let current = null;
    try {
      const [peek, me] = /** @type {[SignedInAs, SignedInAs | null]} */ (await Promise.all([
        post('/api/auth/link/peek', { token }),
        get('/api/me').catch((err) => {
          if (err.status === 401) return null;
          throw err;
        }),
      ]));
      target = peek && peek.user ? peek.user : null;
      current = me && me.user ? me.user : null;
    } catch (err) {
      if (!alive) return;
      if (err.code === 'invalid_link' || err.status === 401 || err.status === 400) {
        showFailure(expiredMessage());
      } else {
        showFailure(err.message, { retry: true });
      }
      return;
    }
    if (!alive) return;
    if (!current || !target || current.id === target.id) {
      redeem();
      return;
    }
    askBeforeSwitching(current, target);
  }

  /**
   * @param {Person} current
   * @param {Person} target
   */
  function askBeforeSwitching(current, target) {
    const name = (user) => h('strong', { class: 'account-name' }, user.name);
    const switchButton = h('button', { id: 'link-switch', type: 'button', class: 'btn btn-primary' },
      'Sign in as ', target.name);
    switchButton.addEventListener('click', redeem);
    const stay = h('a', { id: 'link-stay', class: 'btn', href: '#/' }, 'Stay signed in as ', current.name);
    setChildren(body,
      h('p', { id: 'link-switch-question', role: 'alert' },
        'You are signed in as ', name(current), '. This link signs in as ', name(target),
        ' instead. Only continue if you asked for this link yourself: someone else\'s link would put you in their account.'),
      h('div', { class: 'actions' }, switchButton, stay));
  }

  start();

  return {
    unmount() {
      alive = false;
    },
  };
}
