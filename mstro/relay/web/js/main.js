// @ts-check
// Boot and router. Routes live in the URL fragment:
//   #/                 machines (or sign-in when not signed in)
//   #/signin           sign-in form
//   #/link/{token}     one-time sign-in link
//   #/device[/{code}]  approve a machine's `mstro login`
//   #/m/{id}[/{path}]  one machine: file tree and viewer
//
// A view module exports mount(root, route, ctx) → {unmount?(), update?(route)}.
// When the fragment changes but the view stays the same (same `key`) and the view has
// update(), it is updated in place instead of being rebuilt.

import { get, post, ApiError } from './api.js';
import { h, setChildren, errorBox } from './dom.js';
import * as signinView from './views/signin.js';
import * as linkView from './views/link.js';
import * as deviceView from './views/device.js';
import * as machinesView from './views/machines.js';
import * as machineView from './views/machine.js';
import * as accountView from './views/account.js';

const VIEWS = {
  signin: signinView,
  link: linkView,
  device: deviceView,
  machines: machinesView,
  machine: machineView,
  account: accountView,
  notfound: { mount: mountNotFound },
};

const RETURN_KEY = 'mstro.returnTo';

const appEl = document.getElementById('app');
const headerEl = document.getElementById('app-header');

let user = null;
let current = null; // {key, name, view}
let navSeq = 0;
let firstRender = true;
let signedOutAt = 0; // when we last learned there is no session (skip re-asking at once)

// ------------------------------------------------------------------ routes

function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function parseRoute(hash) {
  let path = (hash || '').replace(/^#/, '');
  if (!path.startsWith('/')) path = `/${path}`;
  const parts = path.split('/').filter((p) => p !== '');

  if (parts.length === 0) return { name: 'machines', key: 'machines', auth: true };
  const [head, ...rest] = parts;
  switch (head) {
    case 'signin':
      return { name: 'signin', key: 'signin', auth: false };
    case 'link':
      // The token is taken verbatim (it is URL-safe); decode in case it was escaped.
      return { name: 'link', key: 'link', auth: false, token: decodeSegment(rest.join('/')) };
    case 'account':
      return { name: 'account', key: 'account', auth: true };
    case 'device': {
      const code = rest.length ? decodeSegment(rest[0]) : '';
      return { name: 'device', key: `device:${code}`, auth: true, code };
    }
    case 'm':
      if (rest.length) {
        const id = decodeSegment(rest[0]);
        const filePath = rest.slice(1).map(decodeSegment).join('/');
        return { name: 'machine', key: `machine:${id}`, auth: true, id, path: filePath };
      }
      break;
    default:
      break;
  }
  return { name: 'notfound', key: 'notfound', auth: false };
}

// ------------------------------------------------------------------ navigation

function navigate(hash, { replace = false } = {}) {
  if (location.hash === hash || (hash === '#/' && (location.hash === '' || location.hash === '#'))) {
    // No hashchange would fire: route by hand.
    if (replace && location.hash !== hash) history.replaceState(null, '', hash);
    route();
    return;
  }
  if (replace) location.replace(hash);
  else location.hash = hash;
}

function saveReturnTo(hash) {
  if (typeof hash !== 'string' || !hash.startsWith('#/')) return;
  if (/^#\/(signin|link)(\/|$)/.test(hash)) return;
  try {
    sessionStorage.setItem(RETURN_KEY, hash);
  } catch {
    // storage may be unavailable; not important
  }
}

function takeReturnTo() {
  try {
    const value = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
    if (value && value.startsWith('#/') && !/^#\/(signin|link)(\/|$)/.test(value)) return value;
  } catch {
    // ignore
  }
  return null;
}

function clearReturnTo() {
  try {
    sessionStorage.removeItem(RETURN_KEY);
  } catch {
    // ignore
  }
}

function setTitle(title) {
  document.title = title ? `${title} · mstro` : 'mstro';
}

function makeCtx(seq) {
  return {
    get user() {
      return user;
    },
    /** We just learned there is no session (no need to ask /api/me again). */
    get knownSignedOut() {
      return !user && Date.now() - signedOutAt < 5000;
    },
    /** Still the page the user is looking at? (false once they navigated away) */
    isCurrent: () => seq === navSeq,
    setTitle,
    navigate,
    setUser(next) {
      user = next;
      renderHeader(current ? current.name : null);
    },
    /** After a successful sign-in: where the user was headed, or the machine list. */
    afterSignIn({ home = false } = {}) {
      const target = home ? null : takeReturnTo();
      if (home) clearReturnTo();
      navigate(target || '#/', { replace: true });
    },
    /** The session is gone (401): remember where we were and show sign-in. */
    signedOut() {
      user = null;
      signedOutAt = Date.now();
      saveReturnTo(location.hash);
      navigate('#/signin', { replace: true });
    },
  };
}

async function route() {
  navSeq += 1;
  const seq = navSeq;
  const next = parseRoute(location.hash);

  if (next.auth && !user) {
    try {
      /** @type {import('../types/protocol').SignedInAs} */
      const data = await get('/api/me');
      if (seq !== navSeq) return;
      user = data && data.user ? data.user : null;
      if (!user) throw new ApiError(401, 'unauthenticated', 'Please sign in.');
    } catch (err) {
      if (seq !== navSeq) return;
      if (err.status === 401) {
        signedOutAt = Date.now();
        saveReturnTo(location.hash || '#/');
        navigate('#/signin', { replace: true });
      } else {
        showFatal(err);
      }
      return;
    }
  }

  if (current && current.key === next.key && typeof current.view.update === 'function') {
    current.view.update(next);
    renderHeader(next.name);
    return;
  }

  if (current) {
    try {
      if (typeof current.view.unmount === 'function') current.view.unmount();
    } catch (err) {
      console.error(err);
    }
    current = null;
  }

  renderHeader(next.name);
  appEl.replaceChildren();
  appEl.dataset.view = next.name;
  const mod = VIEWS[next.name];
  let view;
  try {
    view = mod.mount(appEl, next, makeCtx(seq)) || {};
  } catch (err) {
    console.error(err);
    view = {};
    setChildren(appEl, h('section', { class: 'page narrow' },
      errorBox(`Something went wrong showing this page: ${err.message}`)));
  }
  current = { key: next.key, name: next.name, view };

  // Move focus to the new page so keyboard and screen-reader users land on it: a field
  // marked autofocus, else (after the first page) the page heading.
  const field = /** @type {HTMLElement | null} */ (appEl.querySelector('[autofocus]'));
  if (field) {
    field.focus();
  } else if (!firstRender) {
    const heading = appEl.querySelector('h1');
    if (heading) {
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }
  firstRender = false;
}

// ------------------------------------------------------------------ chrome

function renderHeader(routeName) {
  const showNav = Boolean(user) && routeName !== 'signin' && routeName !== 'link';
  const brand = h('a', { class: 'brand', href: '#/', 'aria-label': 'mstro, home' },
    h('img', { class: 'brand-mark', src: '/favicon.svg', alt: '', width: 24, height: 24 }),
    h('span', { class: 'brand-name' }, 'mstro'));

  if (!showNav) {
    setChildren(headerEl, h('div', { class: 'topbar-inner' }, brand));
    headerEl.hidden = routeName === 'signin' || routeName === 'link';
    return;
  }

  const navLink = (href, label, active) => h('a', {
    class: 'nav-link',
    href,
    'aria-current': active ? 'page' : null,
  }, label);

  // On a phone the header keeps every destination on one row: "a device" goes, the
  // account link's name shrinks, Sign out keeps only its icon (app.css).
  const signOutLabel = h('span', { class: 'sign-out-label' }, 'Sign out');
  const signOut = h('button', {
    id: 'sign-out', type: 'button', class: 'btn btn-ghost btn-sm sign-out', title: 'Sign out',
  }, h('span', { class: 'glyph glyph-sign-out', 'aria-hidden': 'true' }), signOutLabel);
  signOut.addEventListener('click', () => doSignOut(signOut, signOutLabel));

  setChildren(headerEl, h('div', { class: 'topbar-inner' },
    brand,
    h('nav', { class: 'topnav', 'aria-label': 'Main' },
      navLink('#/', 'Machines', routeName === 'machines' || routeName === 'machine'),
      navLink('#/device', ['Connect', h('span', { class: 'nav-more' }, ' a device')], routeName === 'device'),
      h('a', {
        class: 'nav-link account-link',
        href: '#/account',
        title: 'Account',
        'aria-label': `Account (${user.name})`,
        'aria-current': routeName === 'account' ? 'page' : null,
      },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, initial(user.name)),
      h('span', { id: 'user-name', class: 'user-name' }, user.name))),
    signOut));
  headerEl.hidden = false;
}

function initial(name) {
  const s = typeof name === 'string' ? name.trim() : '';
  return s ? Array.from(s)[0].toUpperCase() : '?';
}

async function doSignOut(button, label) {
  button.disabled = true;
  label.textContent = 'Signing out…';
  try {
    await post('/api/auth/logout');
  } catch (err) {
    if (err.status !== 401) {
      button.disabled = false;
      label.textContent = 'Sign out';
      showToast(`Couldn't sign out: ${err.message}`);
      return;
    }
  }
  user = null;
  signedOutAt = Date.now();
  clearReturnTo();
  navigate('#/signin', { replace: true });
}

let toastTimer = 0;
function showToast(message) {
  let toast = document.getElementById('toast');
  if (!toast) {
    toast = h('div', { id: 'toast', class: 'toast error', role: 'alert' });
    document.body.append(toast);
  }
  toast.textContent = message;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toast.remove();
  }, 6000);
}

function showFatal(err) {
  if (current) {
    try {
      if (typeof current.view.unmount === 'function') current.view.unmount();
    } catch {
      // ignore
    }
    current = null;
  }
  renderHeader(null);
  headerEl.hidden = false;
  appEl.dataset.view = 'fatal';
  const retry = h('button', { type: 'button', class: 'btn btn-primary' }, 'Try again');
  retry.addEventListener('click', () => route());
  setChildren(appEl, h('section', { class: 'page narrow center-page' },
    h('div', { class: 'card' },
      h('h1', { class: 'card-title' }, "Can't reach the relay"),
      errorBox(err.message || 'The relay did not answer.'),
      h('div', { class: 'actions' }, retry))));
  setTitle('Offline');
}

function mountNotFound(root, _route, ctx) {
  ctx.setTitle('Not found');
  setChildren(root, h('section', { class: 'page narrow center-page' },
    h('div', { class: 'card' },
      h('h1', { class: 'card-title' }, 'Page not found'),
      h('p', { class: 'muted' }, "There's nothing at this address."),
      h('div', { class: 'actions' }, h('a', { class: 'btn btn-primary', href: '#/' }, 'Go to your machines')))));
  return {};
}

window.addEventListener('hashchange', () => route());
route();
