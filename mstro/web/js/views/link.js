// #/link/{token}: the one-time sign-in link `mstro relay add-user NAME` prints.
// The token lives only in the fragment; it is posted to /api/auth/link once.

import { post } from '../api.js';
import { h, code, errorBox, setChildren, spinner } from '../dom.js';

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

  redeem();

  return {
    unmount() {
      alive = false;
    },
  };
}
