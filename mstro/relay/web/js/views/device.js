// @ts-check
// #/device and #/device/{userCode}: approve (or deny) a machine running `mstro login`.

import { post } from '../api.js';
import {
  h, code, errorBox, setChildren, spinner, formatDateTime, timeAgo, platformLabel,
} from '../dom.js';

/** @typedef {import('../../types/protocol').DeviceLookup} DeviceLookup */
/** @typedef {import('../../types/protocol').WaitingDevice} WaitingDevice */

/** "bcdf 2345" / "BCDF2345" / "bcdf-2345" → "BCDF-2345"; other input is only trimmed. */
export function normalizeCode(input) {
  const compact = String(input || '').toUpperCase().replace(/[\s\u2010-\u2015-]+/g, '');
  if (/^[A-Z0-9]{8}$/.test(compact)) return `${compact.slice(0, 4)}-${compact.slice(4)}`;
  return String(input || '').trim().toUpperCase();
}

function messageFor(err) {
  switch (err.code) {
    case 'unknown_code':
      return 'No machine is waiting with this code. Check it against the one in your terminal.';
    case 'expired':
      return ['This code has expired. Run ', code('mstro login'), ' again to get a new one.'];
    case 'already_decided':
      return 'This code has already been approved or denied.';
    case 'malformed':
      return 'Enter the code your terminal shows, like BCDF-2345.';
    default:
      return err.message;
  }
}

export function mount(root, route, ctx) {
  ctx.setTitle('Connect a device');
  let alive = true;
  let looked = null; // the code the details below belong to

  const input = h('input', {
    id: 'device-code',
    name: 'code',
    type: 'text',
    inputmode: 'text',
    autocomplete: 'off',
    autocapitalize: 'characters',
    autocorrect: 'off',
    spellcheck: 'false',
    placeholder: 'XXXX-XXXX',
    maxlength: 16,
    class: 'code-input',
    'aria-describedby': 'device-code-help',
    autofocus: route.code ? null : true,
    value: route.code ? normalizeCode(route.code) : '',
  });
  const lookupButton = h('button', { id: 'device-lookup', type: 'submit', class: 'btn btn-primary' }, 'Continue');
  const errorSlot = h('div', { class: 'error-slot' });
  const details = h('div', { class: 'device-details', 'aria-live': 'polite' });

  const form = h('form', { id: 'device-form', class: 'form device-form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: 'device-code' }, 'Code'),
      h('div', { class: 'inline-field' }, input, lookupButton),
      h('p', { id: 'device-code-help', class: 'field-help muted' },
        'The 8-character code ', code('mstro login'), ' shows in the terminal.')),
    errorSlot);

  setChildren(root, h('section', { class: 'page narrow' },
    h('header', { class: 'page-head' },
      h('h1', null, 'Connect a device'),
      h('p', { class: 'muted' },
        'Approve a machine that is signing in with ', code('mstro login'),
        '. Once approved it can connect to this relay as ',
        h('strong', null, ctx.user ? ctx.user.name : 'you'), '.')),
    h('div', { class: 'card' }, form, details)));

  function showError(message) {
    setChildren(errorSlot, errorBox(message));
  }

  function clearDetails() {
    looked = null;
    details.replaceChildren();
  }

  input.addEventListener('input', () => {
    errorSlot.replaceChildren();
    if (looked && normalizeCode(input.value) !== looked) clearDetails();
  });
  input.addEventListener('blur', () => {
    if (input.value) input.value = normalizeCode(input.value);
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    lookup();
  });

  async function lookup() {
    errorSlot.replaceChildren();
    const userCode = normalizeCode(input.value);
    input.value = userCode;
    if (!userCode) {
      showError('Enter the code your terminal shows, like BCDF-2345.');
      input.focus();
      return;
    }
    if (!/^[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(userCode)) {
      showError('Codes have 8 letters and digits, like BCDF-2345.');
      input.focus();
      return;
    }
    clearDetails();
    lookupButton.disabled = true;
    setChildren(details, h('p', { class: 'muted', role: 'status' }, spinner('Looking up the code…')));
    try {
      /** @type {DeviceLookup} */
      const data = await post('/api/device/lookup', { userCode });
      if (!alive) return;
      showDevice(userCode, (data && data.device) || {});
    } catch (err) {
      if (!alive) return;
      details.replaceChildren();
      if (err.status === 401) {
        ctx.signedOut();
        return;
      }
      showError(messageFor(err));
      input.focus();
      input.select();
    } finally {
      lookupButton.disabled = false;
    }
  }

  /**
   * @param {string} userCode
   * @param {Partial<WaitingDevice>} device
   */
  function showDevice(userCode, device) {
    looked = userCode;
    const requested = device.requestedAt;
    /** @type {[string, string | Node][]} */
    const rows = [
      ['Hostname', device.hostname || '—'],
      ['System', platformLabel(device.osType, device.cpuArch) || '—'],
      ['mstro version', device.cliVersion || '—'],
    ];
    if (requested != null) {
      rows.push(['Requested', h('time', { title: formatDateTime(requested) }, timeAgo(requested) || formatDateTime(requested))]);
    }

    const approve = h('button', { id: 'device-approve', type: 'button', class: 'btn btn-primary' }, 'Approve');
    const deny = h('button', { id: 'device-deny', type: 'button', class: 'btn btn-danger-outline' }, 'Deny');
    const actions = h('div', { class: 'actions' }, approve, deny);
    const heading = h('h2', { class: 'section-title', tabindex: '-1' }, 'Is this your machine?');

    approve.addEventListener('click', () => decide('approve', userCode, device, actions));
    deny.addEventListener('click', () => decide('deny', userCode, device, actions));

    setChildren(details,
      h('div', { class: 'device-card' },
        heading,
        h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
        h('p', { class: 'warning' },
          'Approve only if you started ', code('mstro login'),
          ' on this machine yourself, just now. It will be able to connect as ',
          h('strong', null, ctx.user ? ctx.user.name : 'you'),
          ' and serve its files to you here.'),
        actions));
    heading.focus();
  }

  async function decide(action, userCode, device, actions) {
    errorSlot.replaceChildren();
    for (const b of actions.querySelectorAll('button')) b.disabled = true;
    try {
      await post(`/api/device/${action}`, { userCode });
      if (!alive) return;
      const result = action === 'approve'
        ? h('div', { id: 'device-result', class: 'result result-ok', role: 'status', tabindex: '-1' },
          h('p', { class: 'result-title' }, 'Approved. You can return to your terminal.'),
          h('p', { class: 'muted' },
            device.hostname ? [h('strong', null, device.hostname), ' will appear in '] : 'The machine will appear in ',
            h('a', { href: '#/' }, 'your machines'), ' once ', code('mstro'), ' runs on it.'))
        : h('div', { id: 'device-result', class: 'result result-denied', role: 'status', tabindex: '-1' },
          h('p', { class: 'result-title' }, 'Denied. The machine was not signed in.'),
          h('p', { class: 'muted' }, 'If that was a mistake, run ', code('mstro login'), ' on it again.'));
      actions.replaceWith(result);
      input.value = '';
      looked = null;
      result.focus();
    } catch (err) {
      if (!alive) return;
      for (const b of actions.querySelectorAll('button')) b.disabled = false;
      if (err.status === 401) {
        ctx.signedOut();
        return;
      }
      showError(messageFor(err));
    }
  }

  if (route.code) lookup();

  return {
    unmount() {
      alive = false;
    },
  };
}
