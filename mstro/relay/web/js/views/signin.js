// @ts-check
// #/signin: name + password. A one-time link from `mstro relay add-user` works too.

import { get, post } from '../api.js';
import { h, code, errorBox, setChildren } from '../dom.js';

/** @typedef {import('../../types/protocol').SignedInAs} SignedInAs */

export function mount(root, _route, ctx) {
  ctx.setTitle('Sign in');
  let alive = true;

  // Already signed in (e.g. a bookmarked #/signin)? Go where the user was headed.
  if (ctx.user) {
    queueMicrotask(() => ctx.afterSignIn());
  } else if (!ctx.knownSignedOut) {
    get('/api/me')
      .then((/** @type {SignedInAs} */ data) => {
        if (alive && ctx.isCurrent() && data && data.user) {
          ctx.setUser(data.user);
          ctx.afterSignIn();
        }
      })
      .catch(() => {});
  }

  const name = h('input', {
    id: 'signin-name',
    name: 'username',
    type: 'text',
    autocomplete: 'username',
    autocapitalize: 'none',
    autocorrect: 'off',
    spellcheck: 'false',
    required: true,
    autofocus: true,
  });
  const password = h('input', {
    id: 'signin-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const submit = h('button', { id: 'signin-submit', type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const errorSlot = h('div', { class: 'error-slot' });

  const form = h('form', { id: 'signin-form', class: 'form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: 'signin-name' }, 'Name'),
      name),
    h('div', { class: 'field' },
      h('label', { for: 'signin-password' }, 'Password'),
      password),
    errorSlot,
    submit);

  function showError(message) {
    setChildren(errorSlot, errorBox(message));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errorSlot.replaceChildren();
    const nameValue = name.value.trim();
    if (!nameValue || !password.value) {
      showError('Enter your name and password.');
      (nameValue ? password : name).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    form.setAttribute('aria-busy', 'true');
    try {
      /** @type {SignedInAs} */
      const data = await post('/api/auth/login', { name: nameValue, password: password.value });
      if (!alive) return;
      ctx.setUser(data && data.user ? data.user : { name: nameValue });
      ctx.afterSignIn();
    } catch (err) {
      if (!alive) return;
      submit.disabled = false;
      submit.textContent = 'Sign in';
      form.removeAttribute('aria-busy');
      if (err.code === 'bad_credentials' || err.status === 401) {
        showError('Wrong name or password.');
      } else if (err.status === 429) {
        showError('Too many attempts. Wait a minute and try again.');
      } else {
        showError(err.message);
      }
      password.select();
      password.focus();
    }
  });

  setChildren(root, h('section', { class: 'auth-page' },
    h('div', { class: 'auth-card card' },
      h('div', { class: 'auth-brand' },
        h('img', { src: '/favicon.svg', alt: '', width: 40, height: 40 }),
        h('span', { class: 'auth-brand-name' }, 'mstro')),
      h('h1', { class: 'auth-title' }, 'Sign in'),
      h('p', { class: 'auth-lede muted' }, 'Your machines and their Claude Code sessions, from any browser.'),
      form,
      h('p', { class: 'auth-hint muted' },
        'Got a one-time sign-in link from ', code('mstro relay add-user'),
        '? Open it in this browser: it signs you in without a password.'))));

  return {
    unmount() {
      alive = false;
    },
  };
}
