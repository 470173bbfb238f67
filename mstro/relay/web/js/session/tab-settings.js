// @ts-check
// A tab's settings (#tab-settings-toggle opens #tab-settings): the model the tab's
// next runs use, and when the owner is asked about a call the bouncer wants reviewed
// (docs/sessions.md, "Tab settings"). The owner changes them with setTabSettings; a
// viewer sees them and cannot. Every browser learns of a change through the tab's
// `tabSettingsChanged` event (store.js keeps `tab.settings`), so this panel only asks
// and shows what the selected tab has.

import { h } from '../dom.js';
import { friendly } from './chat-errors.js';
import { settingsOf } from './store.js';

/** Models offered as suggestions; any other name the machine accepts works too. */
export const SUGGESTED_MODELS = ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5'];

/** The choices for `askPerson`, as the panel words them ('' is the machine's default). */
export const ASK_CHOICES = [
  ['', "The machine's default"],
  ['after-reviewer', 'Ask the AI reviewer; ask me when it cannot decide'],
  ['first', 'Ask me first (the AI reviewer is not asked)'],
  ['never', 'Never ask me: what is not decided is denied'],
];

/**
 * What setTabSettings is sent for what the form holds: a blank model is the machine's
 * default (null), as is the first choice.
 * @param {string} model
 * @param {string} askPerson
 */
export function settingsRequest(model, askPerson) {
  const name = model.trim();
  return {
    model: name ? name : null,
    askPerson: askPerson ? askPerson : null,
  };
}

/**
 * createTabSettings({sock, selected, isOwner}) → {toggle, panel, refresh()}.
 *
 * @param {{
 *   sock: {request: (type: string, data?: object, opts?: object) => Promise<any>},
 *   selected: () => (import('./tabs.js').Tab | null),
 *   isOwner: () => boolean,
 * }} deps
 */
export function createTabSettings({ sock, selected, isOwner }) {
  let open = false;
  let saving = false;
  // The person changed the form since it was filled: a live update must not undo it.
  let dirty = false;

  const toggle = h('button', {
    id: 'tab-settings-toggle', type: 'button', class: 'btn btn-ghost btn-sm settings-toggle',
    'aria-expanded': 'false', 'aria-controls': 'tab-settings', title: 'Tab settings',
  }, h('span', { class: 'glyph glyph-settings', 'aria-hidden': 'true' }),
  h('span', { class: 'settings-toggle-label' }, 'Settings'));

  const model = h('input', {
    id: 'tab-model', type: 'text', list: 'tab-model-suggestions', autocomplete: 'off',
    autocapitalize: 'none', spellcheck: 'false', maxlength: 100,
    placeholder: "The machine's default",
  });
  const suggestions = h('datalist', { id: 'tab-model-suggestions' },
    ...SUGGESTED_MODELS.map((m) => h('option', { value: m })));
  /** @type {HTMLInputElement[]} */
  const radios = [];
  const choices = h('fieldset', { class: 'settings-ask' },
    h('legend', {}, 'When the bouncer wants a call reviewed'),
    ...ASK_CHOICES.map(([value, label]) => {
      const input = /** @type {HTMLInputElement} */ (h('input', {
        type: 'radio', name: 'tab-ask-person', value, id: `tab-ask-${value || 'default'}`,
      }));
      radios.push(input);
      return h('label', { class: 'settings-choice', for: input.id }, input, ' ', label);
    }));
  const status = h('p', { class: 'settings-status muted', role: 'status' });
  const save = h('button', { id: 'tab-settings-save', type: 'submit', class: 'btn btn-primary btn-sm' }, 'Save');
  const close = h('button', { type: 'button', class: 'btn btn-ghost btn-sm' }, 'Close');
  const viewOnly = h('p', { class: 'settings-view-only muted', hidden: true },
    'Shared with you: only the owner can change these.');
  const form = h('form', { class: 'settings-form', novalidate: true },
    h('label', { class: 'settings-label', for: 'tab-model' }, 'Model for this tab'),
    model, suggestions,
    choices,
    h('p', { class: 'settings-note muted' }, 'Changes apply from the next prompt of this tab.'),
    viewOnly,
    h('div', { class: 'settings-actions' }, save, close),
    status);
  const panel = h('div', {
    id: 'tab-settings', class: 'tab-settings', role: 'dialog', 'aria-label': 'Tab settings', hidden: true,
  }, form);

  /** Show the selected tab's settings (and who may change them). */
  function refresh() {
    const ctl = selected();
    const settings = ctl ? ctl.model.settings : { model: null, askPerson: null };
    const owner = isOwner();
    const usable = Boolean(ctl) && !ctl.model.readOnly;
    if (!saving && !dirty) {
      model.value = settings.model || '';
      for (const r of radios) r.checked = r.value === (settings.askPerson || '');
    }
    const editable = owner && usable && !saving;
    model.disabled = !editable;
    for (const r of radios) r.disabled = !editable;
    save.disabled = !editable;
    viewOnly.hidden = owner;
    toggle.disabled = !ctl;
  }

  function setOpen(value) {
    open = value;
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) {
      dirty = false;
      status.textContent = '';
      refresh();
      (model.disabled ? close : model).focus();
    }
  }

  form.addEventListener('input', () => {
    dirty = true;
  });
  form.addEventListener('change', () => {
    dirty = true;
  });
  toggle.addEventListener('click', () => setOpen(!open));
  close.addEventListener('click', () => {
    setOpen(false);
    toggle.focus();
  });
  panel.addEventListener('keydown', (event) => {
    if (/** @type {KeyboardEvent} */ (event).key === 'Escape') {
      setOpen(false);
      toggle.focus();
    }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const ctl = selected();
    if (!ctl || !isOwner() || saving) return;
    const chosen = radios.find((r) => r.checked);
    const data = settingsRequest(model.value, chosen ? chosen.value : '');
    saving = true;
    refresh();
    status.textContent = 'Saving…';
    try {
      const reply = await sock.request('setTabSettings', data, { tabId: ctl.model.tabId });
      // The same as the tabSettingsChanged event that every browser gets.
      ctl.model.settings = settingsOf(reply);
      dirty = false;
      status.textContent = 'Saved. The next prompt of this tab uses them.';
    } catch (err) {
      status.textContent = friendly(err);
    } finally {
      saving = false;
      refresh();
    }
  });

  return {
    toggle,
    panel,
    refresh,
    get isOpen() {
      return open;
    },
  };
}
