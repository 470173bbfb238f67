// @ts-check
// Formatting for the chat: durations, tokens, cost, bouncer badges, error kinds.
// Pure functions (no DOM), so they can be tested in node.

/** @typedef {import('../../types/protocol').Decision} Decision */
/** @typedef {import('../../types/protocol').MovementErrorKind} MovementErrorKind */

/**
 * The timing fields of a movement of the transcript model (store.js) that these
 * functions read.
 * @typedef {{
 *   usage?: {durationMs?: number | null} | null,
 *   startedAt?: string | null,
 *   finishedAt?: string | null,
 *   receivedAt?: number | null,
 * }} MovementTiming
 */

/**
 * 42_000 → "0:42"; 3_725_000 → "1:02:05" (a ticking clock).
 * @param {number} ms
 * @returns {string}
 */
export function formatClock(ms) {
  const total = Math.max(0, Math.floor((Number(ms) || 0) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * 12_345 → "12.3 s"; 185_000 → "3 min 5 s"; 4_000_000 → "1 h 6 min".
 * @param {number} ms
 * @returns {string} "" for a negative or non-finite duration
 */
export function formatDuration(ms) {
  const n = Number(ms);
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 60000) return `${(n / 1000).toFixed(n < 10000 ? 1 : 0)} s`;
  const s = Math.round(n / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * 0.01234 → "$0.0123"; 0.5 → "$0.500"; 12.3 → "$12.30".
 * @param {number | null | undefined} usd
 * @returns {string} "" when there is no cost
 */
export function formatCost(usd) {
  const n = Number(usd);
  if (usd == null || !Number.isFinite(n) || n < 0) return '';
  if (n === 0) return '$0';
  if (n < 0.01) return `$${n.toFixed(4)}`;
  if (n < 1) return `$${n.toFixed(3)}`;
  return `$${n.toFixed(2)}`;
}

/**
 * 1234 → "1,234" (locale grouping).
 * @param {number} n
 * @returns {string}
 */
export function formatCount(n) {
  try {
    return new Intl.NumberFormat().format(n);
  } catch {
    return String(n);
  }
}

/**
 * Milliseconds between two RFC 3339 times, or null.
 * @param {string | null | undefined} start
 * @param {string | null | undefined} end
 * @returns {number | null}
 */
export function between(start, end) {
  // Date.parse turns its argument into a string first: null and undefined give NaN.
  const a = Date.parse(/** @type {string} */ (start));
  const b = Date.parse(/** @type {string} */ (end));
  if (Number.isNaN(a) || Number.isNaN(b) || b < a) return null;
  return b - a;
}

/**
 * How long a movement took: Claude Code's durationMs, else its start and finish.
 * @param {MovementTiming} m
 * @returns {number | null} milliseconds
 */
export function movementDuration(m) {
  if (m.usage && typeof m.usage.durationMs === 'number') return m.usage.durationMs;
  return between(m.startedAt, m.finishedAt);
}

/**
 * Milliseconds a running movement has been running at `now`.
 * @param {MovementTiming} m
 * @param {number} now
 * @returns {number}
 */
export function elapsedOf(m, now) {
  if (typeof m.receivedAt === 'number') return Math.max(0, now - m.receivedAt);
  const start = Date.parse(/** @type {string} */ (m.startedAt)); // null → NaN, as below
  return Number.isNaN(start) ? 0 : Math.max(0, now - start);
}

/**
 * The words of a bouncer badge: {label, detail}. The label is short (it sits in a tool
 * call's summary line); the reason is shown once, in the decision card, not in it.
 * `detail` is the reason a denied call was given, for the card's headline.
 * @param {Pick<Decision, 'layer' | 'outcome' | 'reason' | 'reviewerReason'> & {decidedBy?: string | null}} d
 * @returns {{label: string, detail: string}}
 */
export function decisionText(d) {
  const who = d.decidedBy || 'the owner';
  if (d.outcome === 'deny') {
    const label = d.layer === 'ai' ? 'denied by the reviewer'
      : d.layer === 'person' ? `denied by ${who}` : 'denied';
    return { label, detail: d.reason || d.reviewerReason || '' };
  }
  if (d.layer === 'person') return { label: `approved by ${who}`, detail: '' };
  if (d.layer === 'ai') return { label: 'allowed by the reviewer', detail: d.reviewerReason || '' };
  if (d.layer === 'cache') return { label: 'allowed (cached review)', detail: '' };
  return { label: 'allowed', detail: '' };
}

/** @type {Record<string, string>} */
const LAYERS = {
  rule: 'a rule',
  default: 'the default policy',
  cache: 'a cached review',
  ai: 'the AI reviewer',
  'ai-error': 'the reviewer failing',
  budget: 'the review budget',
  person: 'a person, from the browser',
};

/**
 * "by a rule", "by the AI reviewer" …
 * @param {string} layer
 * @returns {string}
 */
export function layerText(layer) {
  return LAYERS[layer] ? `by ${LAYERS[layer]}` : (layer ? `by ${layer}` : '');
}

/** @type {Record<MovementErrorKind, string>} a heading for every kind (tsc checks none is missing) */
const ERROR_KINDS = {
  claude_missing: 'Claude Code is not installed on the machine',
  claude_error: 'Claude Code reported an error',
  crashed: 'Claude Code stopped unexpectedly',
  stalled: 'Stopped: no output for too long',
  setup: "mstro couldn't start the run",
  internal: 'mstro failed during the run',
};

/**
 * A heading for a movementError kind.
 * @param {MovementErrorKind | string} kind a kind this page does not know gets a generic heading
 * @returns {string}
 */
export function errorKindText(kind) {
  return /** @type {Record<string, string | undefined>} */ (ERROR_KINDS)[kind] || 'The run failed';
}

/**
 * A one-line summary of a tool call's input ("npm test", "src/main.rs").
 * @param {string} name the tool's name
 * @param {unknown} input the tool's input: whatever JSON Claude Code sent
 * @returns {string}
 */
export function toolBrief(name, input) {
  if (!input || typeof input !== 'object') return '';
  const fields = /** @type {Record<string, unknown>} */ (input);
  const pick = ['command', 'file_path', 'notebook_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt', 'skill'];
  for (const key of pick) {
    const value = fields[key];
    if (typeof value === 'string' && value.trim()) {
      const line = value.replace(/\s+/g, ' ').trim();
      return line.length > 120 ? `${line.slice(0, 119)}…` : line;
    }
  }
  if (name === 'TodoWrite' && Array.isArray(fields.todos)) return `${fields.todos.length} items`;
  return '';
}

/**
 * Input as pretty JSON (never throws).
 * @param {unknown} value
 * @returns {string}
 */
export function prettyJson(value) {
  try {
    const text = JSON.stringify(value, null, 2);
    return text === undefined ? String(value) : text;
  } catch {
    return String(value);
  }
}
