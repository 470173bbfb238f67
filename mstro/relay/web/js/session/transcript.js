// @ts-check
// Renders a tab's transcript model (store.js) into DOM, incrementally: a movement,
// and each item in it, is rebuilt or patched only when its `rev` changed, so a
// streaming answer does not reset open <details>, scroll position or selection
// elsewhere. Everything from the machine goes in as text (textContent) or through the
// Markdown renderer, which builds nodes too.
//
// DOM: .movement[data-movement-id][data-status] > .prompt, .movement-body (items),
// .movement-foot. Items: .output (assistant text; .subagent-output when nested),
// details.thinking, details.tool-call[data-tool-use-id][data-name][data-status] with
// .badge.bouncer[data-outcome][data-layer] and a .decision card per decision,
// .decision-inline (a decision no tool claimed), section.approval[data-approval-id]
// [data-state] (a call waiting for the owner), .movement-warning; .movement-error for a
// failed run; .movement-denied in the foot when a call was refused.

import { h, setChildren, formatDateTime } from '../dom.js';
import { renderMarkdown } from '../markdown.js';
import { highlight } from '../highlight.js';
import { baseName } from './attachments.js';
import {
  formatDuration, formatCost, formatCount, movementDuration, decisionText, layerText,
  errorKindText, toolBrief, prettyJson,
} from './format.js';

const NEAR_BOTTOM_PX = 80;

function md(text) {
  return renderMarkdown(text, { copy: true });
}

// ---------------------------------------------------------------- bouncer badges

export function bouncerBadge(d) {
  const { label } = decisionText(d);
  const titleBits = [
    `${d.outcome === 'allow' ? 'Allowed' : 'Denied'} ${layerText(d.layer)}`.trim(),
    d.operation ? `Operation: ${d.operation}` : '',
    d.reason ? `Reason: ${d.reason}` : '',
    d.reviewerReason ? `Reviewer: ${d.reviewerReason}` : '',
    d.ruleIds.length ? `Rules: ${d.ruleIds.join(', ')}` : '',
  ].filter(Boolean);
  return h('span', {
    class: 'badge bouncer',
    'data-outcome': d.outcome,
    'data-layer': d.layer || 'unknown',
    'data-verdict': d.verdict || null,
    title: titleBits.join('\n'),
  }, label);
}

/** Rule ids, the reviewer's notes and what the model was told, behind a disclosure. */
function decisionMore(d) {
  const rows = [];
  if (d.ruleIds.length) rows.push(h('p', { class: 'decision-rules' }, h('strong', null, 'Rules: '), d.ruleIds.join(', ')));
  if (d.reviewerReason) rows.push(h('p', { class: 'decision-reviewer' }, h('strong', null, 'Reviewer: '), d.reviewerReason));
  if (d.reason && d.ruleReason && d.reason !== d.ruleReason) {
    rows.push(h('p', { class: 'decision-told' }, h('strong', null, 'The model was told: '), d.reason));
  }
  if (!rows.length) return null;
  return h('details', { class: 'decision-more' }, h('summary', null, 'Details'), ...rows);
}

/**
 * A decision as a card: the verdict as its headline, the operation in full, the
 * reason once, the safer way, and the rest behind a disclosure.
 */
export function decisionCard(d) {
  const { label } = decisionText(d);
  const denied = d.outcome === 'deny';
  const why = d.ruleReason || d.reason;
  const by = [layerText(d.layer), d.latencyMs != null ? `${Math.round(d.latencyMs)} ms` : ''].filter(Boolean).join(' · ');
  return h('div', { class: 'decision', 'data-outcome': d.outcome, 'data-layer': d.layer || 'unknown' },
    h('div', { class: 'decision-head' },
      h('strong', { class: 'decision-verdict' }, label[0].toUpperCase() + label.slice(1)),
      by ? h('span', { class: 'decision-by muted' }, by) : null),
    d.operation ? h('pre', { class: 'decision-op' }, h('code', null, d.operation)) : null,
    // An allow's reason ("nothing risky") is noise; a denial's, or a reviewer's, is the point.
    why && (denied || d.layer === 'ai' || d.layer === 'person') ? h('p', { class: 'decision-reason' }, why) : null,
    denied && d.alternative ? h('p', { class: 'decision-alternative' }, h('strong', null, 'Safer: '), d.alternative) : null,
    decisionMore(d));
}

/** When `deadline` (RFC 3339) is, from `now` (ms): "in 4:05", or "now". */
function timeLeft(deadline, now) {
  const at = Date.parse(deadline || '');
  if (Number.isNaN(at)) return '';
  const secs = Math.max(0, Math.round((at - now) / 1000));
  if (secs === 0) return 'now';
  return `in ${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`;
}

const APPROVAL_ENDINGS = {
  approved: (by) => `Approved by ${by || 'the owner'}: it ran.`,
  approvedForSession: (by) => `Approved by ${by || 'the owner'} for this session: it ran, and the same operation runs again without asking.`,
  denied: (by) => `Denied by ${by || 'the owner'}: it did not run.`,
  expired: () => 'Nobody answered in time: it was denied.',
  ended: () => 'The run ended before anyone answered: it did not run.',
};

/**
 * A call waiting for the owner: the operation in full, why, the safer way, and the
 * answers (only for the owner, only while it waits), with the time left.
 */
function approvalView(item, ctx) {
  const a = item.approval;
  const stateEl = h('p', { class: 'approval-state', role: 'status' });
  const leftEl = h('span', { class: 'approval-left muted' });
  const errorEl = h('p', { class: 'approval-error', role: 'alert', hidden: true });
  const actions = h('div', { class: 'approval-actions' });
  const viewerNote = h('p', { class: 'approval-viewer muted', hidden: true }, "Only the machine's owner can answer this.");
  const el = h('section', { class: 'approval', 'data-approval-id': a.approvalId, 'aria-label': 'Approval needed' },
    h('div', { class: 'approval-head' },
      h('strong', { class: 'approval-title' }, `Approve this ${a.tool || 'call'}?`), leftEl),
    h('pre', { class: 'approval-op' }, h('code', null, a.operation)),
    a.reason ? h('p', { class: 'approval-reason' }, a.reason) : null,
    a.alternative ? h('p', { class: 'decision-alternative' }, h('strong', null, 'Safer: '), a.alternative) : null,
    decisionMore({ ruleIds: a.ruleIds, reviewerReason: a.reviewerReason, reason: '', ruleReason: '' }),
    actions, viewerNote, errorEl, stateEl);
  let timer = 0;
  const buttons = [
    ['once', 'Approve once', 'btn btn-primary btn-sm'],
    ['session', 'Approve for this session', 'btn btn-sm'],
    ['deny', 'Deny', 'btn btn-danger-outline btn-sm'],
  ].map(([choice, text, cls]) => {
    const b = h('button', { type: 'button', class: cls, 'data-choice': choice }, text);
    b.addEventListener('click', async () => {
      for (const other of actions.querySelectorAll('button')) other.disabled = true;
      errorEl.hidden = true;
      try {
        await ctx.answer(a.approvalId, choice);
      } catch (err) {
        errorEl.textContent = (err && err.message) || 'The answer did not reach the machine.';
        errorEl.hidden = false;
        for (const other of actions.querySelectorAll('button')) other.disabled = false;
      }
    });
    return b;
  });
  actions.append(...buttons);

  function tick() {
    leftEl.textContent = a.deadline ? `denied ${timeLeft(a.deadline, Date.now())} unless answered` : '';
  }

  return {
    el,
    patch(it) {
      const ap = it.approval;
      const waiting = ap.outcome === null;
      el.dataset.state = waiting ? 'waiting' : ap.outcome;
      const owner = Boolean(ctx && ctx.canAnswer && ctx.canAnswer());
      actions.hidden = !(waiting && owner);
      viewerNote.hidden = !(waiting && !owner);
      stateEl.textContent = waiting ? '' : APPROVAL_ENDINGS[ap.outcome](ap.by);
      stateEl.hidden = waiting;
      if (waiting && !timer) {
        tick();
        timer = setInterval(() => {
          if (!el.isConnected && timer) {
            // Re-attached later by the same view; stop while away.
            clearInterval(timer);
            timer = 0;
            return;
          }
          tick();
        }, 1000);
      } else if (!waiting) {
        if (timer) clearInterval(timer);
        timer = 0;
        leftEl.textContent = '';
      }
    },
  };
}

// ---------------------------------------------------------------- items

function itemView(item, ctx) {
  switch (item.kind) {
    case 'text':
      return textView(item);
    case 'thinking':
      return thinkingView(item);
    case 'tool':
      return toolView(item, ctx);
    case 'decision':
      return {
        el: h('div', { class: 'decision-inline', 'data-tool-use-id': item.decision.toolUseId || null },
          item.decision.tool ? h('span', { class: 'decision-tool' }, item.decision.tool) : null,
          decisionCard(item.decision)),
        patch() {},
      };
    case 'approval':
      return approvalView(item, ctx);
    case 'warning':
      return {
        el: h('div', { class: 'movement-warning', role: 'status' },
          h('span', { class: 'warn-icon', 'aria-hidden': 'true' }, '!'),
          h('span', null, item.message)),
        patch() {},
      };
    default:
      return { el: h('div', { hidden: true }), patch() {} };
  }
}

function textView(item) {
  const nested = Boolean(item.parentToolUseId);
  const el = h('div', { class: nested ? 'md subagent-output' : 'md output' });
  return {
    el,
    patch(it) {
      el.replaceChildren(md(it.text));
    },
  };
}

function thinkingView(item) {
  const body = h('div', { class: 'md thinking-text' });
  const el = h('details', { class: 'thinking' },
    h('summary', null, h('span', { class: 'thinking-label' }, 'Thinking')),
    body);
  let shownLength = -1;
  return {
    el,
    patch(it) {
      // Rendering closed thinking is wasted work: do it when opened.
      if (!el.open) {
        shownLength = -1;
        return;
      }
      if (shownLength === it.text.length) return;
      shownLength = it.text.length;
      body.replaceChildren(md(it.text));
    },
    onToggle(it) {
      this.patch(it);
    },
  };
}

const TOOL_STATE_TEXT = {
  running: 'running…',
  error: 'error',
  unfinished: 'did not finish',
  done: '',
};

function toolView(item, ctx) {
  const nameEl = h('span', { class: 'tool-name' });
  const briefEl = h('span', { class: 'tool-brief' });
  const badgesEl = h('span', { class: 'tool-badges' });
  const stateEl = h('span', { class: 'tool-state' });
  const summary = h('summary', { class: 'tool-summary' },
    h('span', { class: 'tool-icon', 'aria-hidden': 'true' }), nameEl, briefEl, badgesEl, stateEl);
  const decisionsEl = h('div', { class: 'tool-decisions', hidden: true });
  const inputEl = h('div', { class: 'tool-section tool-input', hidden: true });
  const resultEl = h('div', { class: 'tool-section tool-result', hidden: true });
  const childrenEl = h('div', { class: 'subagent', hidden: true });
  const childrenList = h('div', { class: 'subagent-items' });
  childrenEl.append(h('div', { class: 'tool-section-title' }, 'Sub-agent'), childrenList);
  const el = h('details', { class: 'tool-call', 'data-tool-use-id': item.toolUseId },
    summary, h('div', { class: 'tool-body' }, decisionsEl, inputEl, childrenEl, resultEl));
  const shown = { name: null, hasInput: false, hasResult: false, decisions: 0, status: null };
  const childCache = new Map();

  return {
    el,
    patch(it) {
      const name = it.name || 'tool';
      if (shown.name !== name) {
        shown.name = name;
        el.dataset.name = it.name || '';
        nameEl.textContent = name;
      }
      if (shown.status !== it.status) {
        shown.status = it.status;
        el.dataset.status = it.status;
        stateEl.textContent = TOOL_STATE_TEXT[it.status] || '';
        el.classList.toggle('is-error', it.status === 'error');
      }
      if (it.hasInput && !shown.hasInput) {
        shown.hasInput = true;
        briefEl.textContent = toolBrief(it.name, it.input);
        briefEl.title = briefEl.textContent;
        const json = prettyJson(it.input);
        inputEl.replaceChildren(
          h('div', { class: 'tool-section-title' }, 'Input'),
          h('pre', { class: 'tool-pre tool-json' }, h('code', { class: 'language-json' }, highlight(json, 'json'))));
        inputEl.hidden = false;
      }
      if (it.decisions.length !== shown.decisions) {
        shown.decisions = it.decisions.length;
        badgesEl.replaceChildren(...it.decisions.map(bouncerBadge));
        decisionsEl.replaceChildren(...it.decisions.map(decisionCard));
        decisionsEl.hidden = it.decisions.length === 0;
        // A refused call shows why without a click.
        if (it.decisions.some((d) => d.outcome === 'deny')) el.open = true;
      }
      if (it.hasResult && (!shown.hasResult || shown.isError !== it.isError)) {
        shown.hasResult = true;
        shown.isError = it.isError;
        resultEl.dataset.error = String(it.isError);
        setChildren(resultEl,
          h('div', { class: 'tool-section-title' }, it.isError ? 'Error' : 'Result'),
          it.result
            ? h('pre', { class: `tool-pre tool-output${it.isError ? ' is-error' : ''}` }, it.result)
            : h('p', { class: 'muted tool-empty' }, '(no output)'),
          it.truncated ? h('p', { class: 'tool-truncated muted' }, 'The result was cut: only the first 64 KiB are shown.') : null);
        resultEl.hidden = false;
      }
      if (it.children.length) {
        childrenEl.hidden = false;
        reconcile(childrenList, it.children, childCache, ctx);
      }
    },
  };
}

/** Make `container`'s children the views of `items`, creating and patching as needed. */
function reconcile(container, items, cache, ctx) {
  const els = [];
  for (const item of items) {
    let v = cache.get(item.key);
    if (!v) {
      v = itemView(item, ctx);
      v.rev = -1;
      cache.set(item.key, v);
      if (v.onToggle) {
        const view = v;
        const ref = item;
        v.el.addEventListener('toggle', () => view.onToggle(view.item || ref));
      }
    }
    v.item = item;
    if (v.rev !== item.rev) {
      v.patch(item);
      v.rev = item.rev;
    }
    els.push(v.el);
  }
  syncChildren(container, els);
}

function syncChildren(container, els) {
  const kids = container.children;
  let same = kids.length === els.length;
  let prefix = kids.length <= els.length;
  for (let i = 0; i < kids.length && (same || prefix); i++) {
    if (kids[i] !== els[i]) {
      same = false;
      prefix = false;
    }
  }
  if (same) return;
  if (prefix) {
    for (let i = kids.length; i < els.length; i++) container.append(els[i]);
    return;
  }
  container.replaceChildren(...els);
}

// ---------------------------------------------------------------- movements

function usageText(m) {
  const bits = [];
  const dur = movementDuration(m);
  if (dur != null) bits.push(formatDuration(dur));
  if (m.usage) {
    bits.push(`${formatCount(m.usage.inputTokens + m.usage.cacheReadInputTokens + m.usage.cacheCreationInputTokens)} in · ${formatCount(m.usage.outputTokens)} out tokens`);
    const cost = formatCost(m.usage.costUsd);
    if (cost) bits.push(cost);
  } else if (m.outputTokens != null) {
    bits.push(`${formatCount(m.outputTokens)} tokens`);
  }
  return bits.join(' · ');
}

function movementView(m, ctx) {
  const promptEl = h('div', { class: 'prompt' });
  const attachedEl = h('ul', { class: 'attachments', 'aria-label': 'Attached files', hidden: true });
  const promptWrap = h('div', { class: 'prompt-row' },
    h('span', { class: 'sr-only' }, 'You: '),
    promptEl,
    attachedEl);
  const body = h('div', { class: 'movement-body' });
  // The final answer when no text streamed; it is an .output only while shown.
  const resultEl = h('div', { class: 'md final-result', hidden: true });
  const foot = h('div', { class: 'movement-foot' });
  const el = h('article', { class: 'movement', 'data-movement-id': m.movementId }, promptWrap, body, resultEl, foot);
  const cache = new Map();
  let shownPrompt = null;
  let shownResult = null;
  let shownFoot = '';

  return {
    el,
    rev: -1,
    patch(mv) {
      el.dataset.status = mv.status;
      if (shownPrompt !== mv.prompt) {
        shownPrompt = mv.prompt;
        promptEl.textContent = mv.prompt;
        promptWrap.title = mv.startedAt ? formatDateTime(mv.startedAt) : '';
      }
      if (attachedEl.childElementCount !== mv.attachments.length) {
        attachedEl.hidden = mv.attachments.length === 0;
        attachedEl.replaceChildren(...mv.attachments.map((path) =>
          h('li', { class: 'attachment', title: path }, h('span', { class: 'attachment-name' }, baseName(path)))));
      }
      reconcile(body, mv.items, cache, ctx);

      // The final answer, when no text streamed (e.g. a replay of an old run).
      const hasText = mv.items.some((it) => it.kind === 'text');
      const result = !hasText && mv.result ? mv.result : null;
      if (result !== shownResult) {
        shownResult = result;
        resultEl.hidden = !result;
        resultEl.classList.toggle('output', Boolean(result));
        resultEl.replaceChildren(result ? md(result) : '');
      }

      const key = `${mv.status}|${mv.error ? mv.error.message : ''}|${usageText(mv)}|${deniedCount(mv)}`;
      if (key !== shownFoot) {
        shownFoot = key;
        foot.replaceChildren(...footFor(mv));
      }
    },
  };
}

/** How many of the movement's calls the bouncer (or a person) refused. */
function deniedCount(m) {
  let n = 0;
  const count = (items) => {
    for (const it of items) {
      if (it.kind === 'decision' && it.decision.outcome === 'deny') n += 1;
      if (it.kind === 'tool') {
        n += it.decisions.filter((d) => d.outcome === 'deny').length;
        count(it.children);
      }
    }
  };
  count(m.items);
  return n;
}

function footFor(m) {
  const out = [];
  if (m.status === 'running') {
    out.push(h('div', { class: 'movement-working muted' },
      h('span', { class: 'dots', 'aria-hidden': 'true' }, h('span'), h('span'), h('span')),
      h('span', null, 'Working…')));
    return out;
  }
  if (m.status === 'error' && m.error) {
    out.push(h('div', { class: 'movement-error', role: 'alert', 'data-kind': m.error.kind },
      h('strong', { class: 'movement-error-title' }, errorKindText(m.error.kind)),
      h('p', { class: 'movement-error-message' }, m.error.message),
      m.error.exitCode != null ? h('p', { class: 'movement-error-code muted' }, `Exit code ${m.error.exitCode}`) : null));
  }
  const stats = usageText(m);
  const label = {
    completed: 'Done',
    cancelled: 'Cancelled',
    error: 'Failed',
    interrupted: 'Interrupted: mstro stopped before this finished',
  }[m.status] || '';
  const denied = deniedCount(m);
  out.push(h('div', { class: 'movement-stats muted', 'data-status': m.status },
    h('span', { class: 'movement-status' }, label),
    denied ? h('span', { class: 'movement-denied', 'data-count': String(denied) },
      ` · ${denied === 1 ? '1 call was' : `${denied} calls were`} denied`) : null,
    stats ? h('span', { class: 'movement-usage' }, ` · ${stats}`) : null));
  return out;
}

/** What a prompt not yet started says of itself, by its state (sender.js). */
const PENDING_TEXT = {
  waiting: 'Not sent yet: waiting for the connection. It is sent when the machine is back.',
  queued: 'Queued: it is sent when the running prompt ends.',
  acked: 'Starting…',
  sending: 'Sending…',
};

function pendingView(pending, onDrop) {
  // A prompt that has not gone out can be taken back into the box.
  const droppable = pending.status === 'waiting' || pending.status === 'queued';
  const drop = h('button', { type: 'button', class: 'btn btn-ghost btn-sm pending-drop' }, "Don't send");
  drop.addEventListener('click', () => onDrop());
  return h('article', { class: 'movement pending', 'data-msg-id': pending.msgId, 'data-status': 'pending', 'data-pending': pending.status },
    h('div', { class: 'prompt-row' }, h('span', { class: 'sr-only' }, 'You: '), h('div', { class: 'prompt' }, pending.prompt)),
    h('div', { class: 'movement-foot' },
      h('div', { class: 'movement-working muted', role: pending.status === 'queued' ? 'status' : null },
        h('span', { class: 'pending-text' }, PENDING_TEXT[pending.status] || PENDING_TEXT.sending),
        droppable ? drop : null)));
}

// ---------------------------------------------------------------- the transcript

/** The note above a large session's newest movements, with a button for older ones. */
function omittedView(omitted, onLoadEarlier) {
  const one = omitted === 1;
  const note = h('p', { class: 'transcript-omitted muted' },
    `${omitted} earlier ${one ? 'prompt' : 'prompts'} of this session ${one ? 'is' : 'are'} not shown: the session is too large to load at once.`);
  if (!onLoadEarlier) return note;
  const button = h('button', { type: 'button', class: 'btn btn-ghost btn-sm load-earlier' }, 'Load earlier');
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = 'Loading…';
    try {
      await onLoadEarlier();
    } finally {
      // Replaced when the count changes; otherwise (a failure) it can be tried again.
      button.disabled = false;
      button.textContent = 'Load earlier';
    }
  });
  note.append(' ', button);
  return note;
}

/**
 * A transcript for one tab. `scroller` is the element that scrolls (the tab panel).
 * Options: `emptyHint()` → node shown when there is nothing yet; `onDropPending()`;
 * `onLoadEarlier()` → a promise, asked for the movements a large session left out.
 * `approvals` answers approval cards: `canAnswer()` (the owner, on a live tab) and
 * `answer(approvalId, choice)` → a promise that rejects with what went wrong.
 *
 * @param {HTMLElement} scroller
 * @param {{emptyHint?: (tab: any) => Node | string, onDropPending?: () => void,
 *   onLoadEarlier?: () => Promise<unknown>,
 *   approvals?: {canAnswer: () => boolean, answer: (approvalId: string, choice: string) => Promise<unknown>}}} [options]
 */
export function createTranscript(scroller, { emptyHint, onDropPending, onLoadEarlier, approvals } = {}) {
  const list = h('div', { class: 'movements', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-busy': 'false' });
  const views = new Map();
  let generation = -1;
  let stick = true;
  let pendingKey = '';
  let pendingEl = null;
  let emptyEl = null;
  let omittedEl = null;
  let omittedShown = 0;

  scroller.append(list);
  scroller.addEventListener('scroll', () => {
    if (scroller.clientHeight === 0) return; // hidden
    stick = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  }, { passive: true });

  function toEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  return {
    el: list,
    /** Render `tab` (store.js model). */
    update(tab) {
      if (tab.generation !== generation) {
        generation = tab.generation;
        views.clear();
        list.replaceChildren();
        stick = true;
      }
      const els = [];
      if (tab.omitted > 0) {
        if (!omittedEl || omittedShown !== tab.omitted) {
          omittedShown = tab.omitted;
          omittedEl = omittedView(tab.omitted, onLoadEarlier);
        }
        els.push(omittedEl);
      }
      const present = new Set();
      for (const m of tab.movements) {
        present.add(m.movementId);
        let v = views.get(m.movementId);
        if (!v) {
          v = movementView(m, approvals || null);
          views.set(m.movementId, v);
        }
        if (v.rev !== m.rev) {
          v.patch(m);
          v.rev = m.rev;
        }
        els.push(v.el);
      }
      for (const id of views.keys()) if (!present.has(id)) views.delete(id);

      if (tab.pending) {
        const key = `${tab.pending.msgId}|${tab.pending.status}`;
        if (key !== pendingKey || !pendingEl) {
          pendingKey = key;
          pendingEl = pendingView(tab.pending, () => onDropPending && onDropPending());
        }
        els.push(pendingEl);
      } else {
        pendingKey = '';
        pendingEl = null;
      }
      if (!els.length || (els.length === 1 && els[0] === omittedEl && !tab.movements.length)) {
        if (!emptyEl) emptyEl = h('div', { class: 'transcript-empty' }, emptyHint ? emptyHint(tab) : 'Nothing here yet.');
        els.push(emptyEl);
      } else {
        emptyEl = null;
      }
      syncChildren(list, els);
      list.setAttribute('aria-busy', String(tab.state === 'running'));
      if (stick) toEnd();
    },
    /** The panel became visible: keep it at the end if it was there. */
    shown() {
      if (stick) toEnd();
    },
    scrollToEnd() {
      stick = true;
      toEnd();
    },
  };
}
