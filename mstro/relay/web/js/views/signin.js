// @ts-check
// #/signin: how to get in. Everyone can sign in with a one-time link (`mstro up` and
// `mstro relay add-user` print one; `mstro relay link NAME` prints a new one); the
// name + password form is shown only when someone on this relay has a password
// (GET /api/auth/options), so a `mstro up` user is not asked for one they never had.

import { get, post } from '../api.js';
import { h, code, errorBox, setChildren } from '../dom.js';

/** @typedef {import('../../types/protocol').SignedInAs} SignedInAs */
/** @typedef {import('../../types/protocol').SignInOptions} SignInOptions */

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

  // Until the relay says whether anyone has a password, the form stays hidden; if it
  // cannot say, the form is shown (a relay that answers nothing else still takes it).
  form.hidden = true;
  const lede = h('p', { class: 'auth-lede muted' }, 'Your machines and their Claude Code sessions, from any browser.');
  const linkHelp = h('div', { id: 'signin-link-help', class: 'auth-hint muted' },
    h('p', {}, 'Sign in with the one-time link ', code('mstro up'), ' or ', code('mstro relay add-user'),
      ' printed: open it in this browser.'),
    h('p', {}, 'Lost it, or it expired? On the machine that runs the relay, ',
      code('mstro relay link YOUR-NAME'), ' prints a new one (with the same ', code('--data'),
      ' and ', code('--listen'), ' as the relay, if you gave them).'));

  function showForm(passwords) {
    form.hidden = !passwords;
    if (passwords) {
      name.focus();
    }
  }
  get('/api/auth/options')
    .then((/** @type {SignInOptions} */ options) => {
      if (alive) showForm(Boolean(options && options.passwordSignIn));
    })
    .catch(() => {
      if (alive) showForm(true);
    });

  setChildren(root, h('section', { class: 'auth-page' },
    h('div', { class: 'auth-card card' },
      h('div', { class: 'auth-brand' },
        h('img', { src: '/favicon.svg', alt: '', width: 40, height: 40 }),
        h('span', { class: 'auth-brand-name' }, 'mstro')),
      h('h1', { class: 'auth-title' }, 'Sign in'),
      lede,
      form,
      linkHelp)));

  return {
    unmount() {
      alive = false;
    },
  };
}
