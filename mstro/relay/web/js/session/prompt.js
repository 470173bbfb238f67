// @ts-check
// The prompt box: a textarea (#prompt) where Enter sends and Shift-Enter is a new
// line, Send (#send) and Stop (#stop), and an autocomplete of workspace files for
// "@path" (#autocomplete, role=listbox with role=option rows). With `findFiles` (the
// machine's `findFiles`), "@ma" searches the whole tree, best matches first (asked
// once typing pauses; an answer to an older query is dropped); "@", "@src/" (ending
// in /) and "@.e" (hidden names, which the search skips) list that one directory.
// Without it, "@src/ma" lists `src/` and keeps the names that match "ma". Arrow keys
// move, Enter or Tab picks, Escape closes. A directory picked keeps the list open on
// its contents.

import { h } from '../dom.js';
import { attachProblem } from './attachments.js';

/** @typedef {import('../../types/protocol').Listing} Listing */
/** @typedef {import('../../types/protocol').FoundFiles} FoundFiles */

const MAX_OPTIONS = 50;
const CACHE_MS = 10000;
const MAX_HEIGHT_RATIO = 0.4;
/** How long typing must pause before the tree is searched. */
export const FIND_DEBOUNCE_MS = 120;
export const PLACEHOLDER = 'Ask Claude Code…  (@ mentions a file · Shift+Enter for a new line)';

/** The "@…" token that ends at `caret` in `value`, or null. Pure, for tests. */
export function mentionAt(value, caret) {
  let start = caret;
  while (start > 0 && !/\s/.test(value[start - 1])) start -= 1;
  const token = value.slice(start, caret);
  if (!token.startsWith('@')) return null;
  let end = caret;
  while (end < value.length && !/\s/.test(value[end])) end += 1;
  const query = token.slice(1);
  const slash = query.lastIndexOf('/');
  const dir = slash >= 0 ? query.slice(0, slash) : '';
  const filter = slash >= 0 ? query.slice(slash + 1) : query;
  // Only paths inside the workspace: no absolute paths, no "..".
  if (query.startsWith('/') || dir.split('/').some((seg) => seg === '..')) return null;
  const cleanDir = dir.split('/').filter((seg) => seg && seg !== '.').join('/');
  return { start, end, query, dir: cleanDir, filter };
}

/**
 * Is `found` (a mentionAt result) a search of the whole tree rather than a listing of
 * one directory? Not for an empty query or one ending in "/" (browsing), nor for a
 * hidden name (the search skips those). Pure, for tests.
 */
export function searchesTree(found) {
  return Boolean(found && found.query && !found.query.endsWith('/') && !found.filter.startsWith('.'));
}

/** Entries of a listing that match `filter`: prefix matches first, then substrings. */
export function matchEntries(entries, filter, limit = MAX_OPTIONS) {
  const f = filter.toLowerCase();
  const list = (Array.isArray(entries) ? entries : []).filter((e) => e && typeof e.name === 'string' && e.name);
  const visible = list.filter((e) => f.startsWith('.') || !e.name.startsWith('.'));
  const prefix = [];
  const inside = [];
  for (const e of visible) {
    const name = e.name.toLowerCase();
    if (!f || name.startsWith(f)) prefix.push(e);
    else if (name.includes(f)) inside.push(e);
  }
  return prefix.concat(inside).slice(0, limit);
}

/**
 * createPrompt({listDirectory(path) → Promise<{entries}>, findFiles(query, limit) →
 * Promise<{files, truncated}>, onSubmit(text, files) → bool, onStop(), onChange(text),
 * status (an element shown left of the buttons)}) →
 * {el, textarea, value, setValue, focus, setState, clearFiles}. `files` are the File
 * objects attached with #attach (listed as #attachments chips), checked against the
 * machine's limits as they are picked.
 *
 * @param {{listDirectory?: (path: string) => Promise<Listing>,
 *   findFiles?: (query: string, limit: number) => Promise<FoundFiles>,
 *   onSubmit?: (text: string, files: File[]) => unknown,
 *   onStop?: () => void, onChange?: (text: string) => void,
 *   status?: HTMLElement | null}} [options]
 */
export function createPrompt({ listDirectory, findFiles, onSubmit, onStop, onChange, status = null } = {}) {
  const textarea = h('textarea', {
    id: 'prompt',
    class: 'prompt-input',
    rows: 1,
    placeholder: PLACEHOLDER,
    'aria-label': 'Prompt',
    'aria-autocomplete': 'list',
    'aria-controls': 'autocomplete',
    autocomplete: 'off',
    spellcheck: 'true',
  });
  const listbox = h('ul', { id: 'autocomplete', class: 'autocomplete', role: 'listbox', 'aria-label': 'Files', hidden: true });
  const acStatus = h('span', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
  const send = h('button', { id: 'send', type: 'submit', class: 'btn btn-primary btn-sm' }, 'Send');
  const stop = h('button', { id: 'stop', type: 'button', class: 'btn btn-sm btn-danger-outline', disabled: true }, 'Stop');
  const picker = h('input', { id: 'attach-input', type: 'file', multiple: true, hidden: true, tabindex: '-1' });
  const attach = h('button', { id: 'attach', type: 'button', class: 'btn btn-ghost btn-sm', title: 'Attach files to the prompt' }, 'Attach');
  const chips = h('ul', { id: 'attachments', class: 'attachments', 'aria-label': 'Attached files', hidden: true });
  const attachError = h('p', { class: 'attach-error', role: 'alert', hidden: true });
  const form = h('form', { class: 'prompt-box', 'aria-label': 'Prompt' },
    listbox,
    acStatus,
    chips,
    attachError,
    textarea,
    picker,
    h('div', { class: 'prompt-actions' }, status || h('span'), h('span', { class: 'prompt-buttons' }, attach, stop, send)));
  let files = [];

  let state = { canSend: true, canStop: false, disabled: false, queue: false };
  const cache = new Map(); // dir → {at, promise}
  let ac = null; // {start, end, dir, filter, options, active, search}
  let acSeq = 0;
  let findTimer = 0;
  let closedFor = null; // the token Escape closed (stays closed until it changes)

  // ---------------------------------------------------------------- sizing

  function autosize() {
    textarea.style.height = 'auto';
    const max = Math.max(120, Math.round(window.innerHeight * MAX_HEIGHT_RATIO));
    textarea.style.height = `${Math.min(max, textarea.scrollHeight + 2)}px`;
    textarea.style.overflowY = textarea.scrollHeight + 2 > max ? 'auto' : 'hidden';
  }

  function refreshButtons() {
    const hasText = textarea.value.trim().length > 0;
    send.disabled = state.disabled || !state.canSend || !hasText;
    stop.disabled = !state.canStop;
    const label = state.queue ? 'Queue' : 'Send';
    if (send.textContent !== label) send.textContent = label;
    send.title = state.queue ? 'Send when the running prompt ends' : '';
  }

  // ---------------------------------------------------------------- autocomplete

  function listing(dir) {
    const hit = cache.get(dir);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.promise;
    const promise = Promise.resolve(listDirectory(dir)).then((data) => (data && Array.isArray(data.entries) ? data.entries : []));
    cache.set(dir, { at: Date.now(), promise });
    promise.catch(() => cache.delete(dir));
    return promise;
  }

  function closeAc() {
    acSeq += 1;
    clearTimeout(findTimer);
    ac = null;
    listbox.hidden = true;
    listbox.replaceChildren();
    textarea.removeAttribute('aria-activedescendant');
    form.classList.remove('ac-open');
  }

  function optionId(i) {
    return `ac-option-${i}`;
  }

  function setActive(i) {
    if (!ac || !ac.options.length) return;
    const n = ac.options.length;
    ac.active = ((i % n) + n) % n;
    listbox.querySelectorAll('[role="option"]').forEach((el, idx) => {
      el.setAttribute('aria-selected', String(idx === ac.active));
      if (idx === ac.active) el.scrollIntoView({ block: 'nearest' });
    });
    textarea.setAttribute('aria-activedescendant', optionId(ac.active));
  }

  /** The workspace path an option stands for. */
  function pathOf(entry) {
    if (typeof entry.found === 'string') return entry.found;
    return ac && ac.dir ? `${ac.dir}/${entry.name}` : entry.name;
  }

  /** The directory an option is in, as shown beside its name ('' for the root). */
  function dirOf(entry) {
    if (typeof entry.found !== 'string') return ac && ac.dir ? `${ac.dir}/` : '';
    const slash = entry.found.lastIndexOf('/');
    return slash >= 0 ? entry.found.slice(0, slash + 1) : '';
  }

  function emptyText() {
    if (ac.loading) return 'Loading…';
    if (ac.error) return ac.error;
    if (ac.search) return `No files match “${ac.query}”`;
    return `No files match “${ac.filter}”${ac.dir ? ` in ${ac.dir}/` : ''}`;
  }

  function renderAc() {
    if (!ac) return;
    if (!ac.options.length) {
      listbox.replaceChildren(h('li', { class: 'ac-empty muted', role: 'presentation' }, emptyText()));
      textarea.removeAttribute('aria-activedescendant');
    } else {
      listbox.replaceChildren(...ac.options.map((entry, i) => {
        const isDir = entry.kind === 'dir';
        const path = pathOf(entry);
        const dir = dirOf(entry);
        const li = h('li', {
          id: optionId(i),
          role: 'option',
          class: 'ac-option',
          'aria-selected': String(i === ac.active),
          'data-path': path,
          'data-kind': entry.kind || 'file',
        },
        h('span', { class: `ficon ficon-${isDir ? 'dir' : entry.kind === 'symlink' ? 'symlink' : 'file'}`, 'aria-hidden': 'true' }),
        h('span', { class: 'ac-name' }, entry.name + (isDir ? '/' : '')),
        dir ? h('span', { class: 'ac-dir muted' }, dir) : null);
        li.addEventListener('mousedown', (event) => {
          event.preventDefault(); // keep focus in the textarea
          pick(i);
        });
        return li;
      }));
      textarea.setAttribute('aria-activedescendant', optionId(ac.active));
      if (ac.truncated) {
        listbox.append(h('li', { class: 'ac-more muted', role: 'presentation' }, 'Not every file was searched; type more to narrow it down'));
      }
    }
    listbox.hidden = false;
    form.classList.add('ac-open');
    acStatus.textContent = ac.loading ? '' : `${ac.options.length} ${ac.options.length === 1 ? 'file' : 'files'}`;
  }

  async function updateAc() {
    if (textarea.selectionStart !== textarea.selectionEnd) {
      closeAc();
      return;
    }
    const found = mentionAt(textarea.value, textarea.selectionStart);
    const tree = Boolean(findFiles) && searchesTree(found);
    if (!found || (!tree && !listDirectory)) {
      closedFor = null;
      closeAc();
      return;
    }
    const tokenKey = `${found.start}:${found.query}`;
    if (closedFor === tokenKey) return;
    closedFor = null;
    acSeq += 1;
    clearTimeout(findTimer);
    const seq = acSeq;
    if (tree) {
      search(found, seq);
      return;
    }
    const sameDir = ac && !ac.search && ac.dir === found.dir && ac.entries;
    ac = {
      ...found,
      options: sameDir ? matchEntries(ac.entries, found.filter) : [],
      entries: sameDir ? ac.entries : null,
      active: 0,
      loading: !sameDir,
      error: '',
    };
    renderAc();
    if (sameDir) return;
    try {
      const entries = await listing(found.dir);
      if (seq !== acSeq || !ac) return;
      ac.entries = entries;
      ac.options = matchEntries(entries, found.filter);
      ac.loading = false;
    } catch (err) {
      if (seq !== acSeq || !ac) return;
      ac.loading = false;
      ac.error = err && err.code === 'not_found' ? `No directory “${found.dir}”` : 'Files could not be listed';
      if (err && (err.code === 'not_a_directory' || err.code === 'outside_workspace')) {
        closeAc();
        return;
      }
    }
    renderAc();
  }

  /**
   * Search the tree for `found.query` once typing pauses. What is shown stays (the
   * previous answer) until the answer comes; an answer to an older query is dropped.
   */
  function search(found, seq) {
    const previous = ac && ac.search ? ac.options : [];
    ac = { ...found, search: true, options: previous, active: 0, loading: previous.length === 0, error: '', truncated: false };
    renderAc();
    findTimer = setTimeout(async () => {
      try {
        const reply = await findFiles(found.query, MAX_OPTIONS);
        if (seq !== acSeq || !ac) return;
        const files = reply && Array.isArray(reply.files) ? reply.files : [];
        ac.options = files
          .filter((f) => f && typeof f.path === 'string' && f.path)
          .map((f) => ({ name: f.path.slice(f.path.lastIndexOf('/') + 1), kind: f.kind === 'symlink' ? 'symlink' : 'file', found: f.path }));
        ac.truncated = Boolean(reply && reply.truncated);
        ac.loading = false;
      } catch {
        if (seq !== acSeq || !ac) return;
        ac.options = [];
        ac.loading = false;
        ac.error = 'Files could not be searched';
      }
      ac.active = 0;
      renderAc();
    }, FIND_DEBOUNCE_MS);
  }

  function pick(i) {
    if (!ac || !ac.options[i]) return;
    const entry = ac.options[i];
    const isDir = entry.kind === 'dir';
    const path = pathOf(entry);
    const insert = `@${path}${isDir ? '/' : ' '}`;
    const value = textarea.value;
    const after = value.slice(ac.end);
    const next = value.slice(0, ac.start) + insert + (isDir ? after : after.replace(/^ /, ''));
    textarea.value = next;
    const caret = ac.start + insert.length;
    textarea.setSelectionRange(caret, caret);
    changed();
    if (isDir) updateAc();
    else closeAc();
  }

  // ---------------------------------------------------------------- events

  function changed() {
    autosize();
    refreshButtons();
    if (onChange) onChange(textarea.value);
  }

  function submit() {
    const text = textarea.value;
    if (!text.trim() || send.disabled) return;
    closeAc();
    if (onSubmit) onSubmit(text, files.slice());
  }

  // ---------------------------------------------------------------- attachments

  function renderFiles() {
    chips.hidden = files.length === 0;
    chips.replaceChildren(...files.map((file) => {
      const remove = h('button', { type: 'button', class: 'attachment-remove', 'aria-label': `Remove ${file.name}` }, '×');
      remove.addEventListener('click', () => {
        files = files.filter((f) => f !== file);
        attachError.hidden = true;
        renderFiles();
        textarea.focus();
      });
      return h('li', { class: 'attachment' }, h('span', { class: 'attachment-name' }, file.name), remove);
    }));
  }

  attach.addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    const picked = Array.from(picker.files || []);
    picker.value = '';
    const next = files.concat(picked.filter((p) => !files.some((f) => f.name === p.name && f.size === p.size)));
    const problem = attachProblem(next);
    attachError.hidden = !problem;
    attachError.textContent = problem || '';
    if (!problem) files = next;
    renderFiles();
    textarea.focus();
  });

  textarea.addEventListener('input', () => {
    changed();
    updateAc();
  });
  textarea.addEventListener('click', () => updateAc());
  textarea.addEventListener('blur', () => {
    // Let a click on an option land first.
    setTimeout(() => {
      if (document.activeElement !== textarea) closeAc();
    }, 150);
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.isComposing || event.keyCode === 229) return;
    if (ac && !listbox.hidden) {
      const n = ac.options.length;
      switch (event.key) {
        case 'ArrowDown':
          if (n) setActive(ac.active + 1);
          event.preventDefault();
          return;
        case 'ArrowUp':
          if (n) setActive(ac.active - 1);
          event.preventDefault();
          return;
        case 'Enter':
        case 'Tab':
          if (n && !event.shiftKey) {
            event.preventDefault();
            pick(ac.active);
            return;
          }
          if (event.key === 'Tab') {
            closeAc();
            return;
          }
          break;
        case 'Escape':
          event.preventDefault();
          event.stopPropagation();
          closedFor = `${ac.start}:${ac.query}`;
          closeAc();
          return;
        default:
          break;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      submit();
      return;
    }
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  });
  textarea.addEventListener('keyup', (event) => {
    if (event.key === 'ArrowLeft' || event.key === 'ArrowRight' || event.key === 'Home' || event.key === 'End') updateAc();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  stop.addEventListener('click', () => {
    if (!stop.disabled && onStop) onStop();
  });

  refreshButtons();

  return {
    el: form,
    textarea,
    get value() {
      return textarea.value;
    },
    setValue(text) {
      textarea.value = text || '';
      closeAc();
      autosize();
      refreshButtons();
    },
    focus() {
      textarea.focus();
    },
    /** Forget the attached files (they went with a prompt). */
    clearFiles() {
      files = [];
      attachError.hidden = true;
      renderFiles();
    },
    /** The files attached now. */
    get files() {
      return files.slice();
    },
    /** Attach `list` again (a prompt that was not sent, or another tab's). */
    setFiles(list) {
      files = Array.from(list || []);
      attachError.hidden = true;
      renderFiles();
    },
    /** {canSend, canStop, disabled, placeholder, queue (Send queues: a prompt runs)} */
    setState(next) {
      state = { ...state, ...next };
      textarea.disabled = Boolean(state.disabled);
      attach.disabled = Boolean(state.disabled);
      if (next.placeholder) textarea.placeholder = next.placeholder;
      if (state.disabled) closeAc();
      refreshButtons();
    },
    autosize,
    /** Forget cached listings (after a reconnect). */
    clearCache() {
      cache.clear();
    },
  };
}
