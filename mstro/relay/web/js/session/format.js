// Formatting for the chat: durations, tokens, cost, bouncer badges, error kinds.
// Pure functions (no DOM), so they can be tested in node.

/** 42_000 → "0:42"; 3_725_000 → "1:02:05" (a ticking clock). */
export function formatClock(ms) {
  const total = Math.max(0, Math.floor((Number(ms) || 0) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** 12_345 → "12.3 s"; 185_000 → "3 min 5 s"; 4_000_000 → "1 h 6 min". */
export function formatDuration(ms) {
  const n = Number(ms);
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 60000) return `${(n / 1000).toFixed(n < 10000 ? 1 : 0)} s`;
  const s = Math.round(n / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** 0.01234 → "$0.0123"; 0.5 → "$0.500"; 12.3 → "$12.30". */
export function formatCost(usd) {
  const n = Number(usd);
  if (usd == null || !Number.isFinite(n) || n < 0) return '';
  if (n === 0) return '$0';
  if (n < 0.01) return `$${n.toFixed(4)}`;
  if (n < 1) return `$${n.toFixed(3)}`;
  return `$${n.toFixed(2)}`;
}

/** 1234 → "1,234" (locale grouping). */
export function formatCount(n) {
  try {
    return new Intl.NumberFormat().format(n);
  } catch {
    return String(n);
  }
}

/** Milliseconds between two RFC 3339 times, or null. */
export function between(start, end) {
  const a = Date.parse(start);
  const b = Date.parse(end);
  if (Number.isNaN(a) || Number.isNaN(b) || b < a) return null;
  return b - a;
}

/** How long a movement took: Claude Code's durationMs, else its start and finish. */
export function movementDuration(m) {
  if (m.usage && typeof m.usage.durationMs === 'number') return m.usage.durationMs;
  return between(m.startedAt, m.finishedAt);
}

/** Milliseconds a running movement has been running at `now`. */
export function elapsedOf(m, now) {
  if (typeof m.receivedAt === 'number') return Math.max(0, now - m.receivedAt);
  const start = Date.parse(m.startedAt);
  return Number.isNaN(start) ? 0 : Math.max(0, now - start);
}

/** The words of a bouncer badge: {label, detail} (detail: the reason to show). */
export function decisionText(d) {
  const reviewed = d.layer === 'ai';
  if (d.outcome === 'deny') {
    const who = reviewed ? 'denied by the reviewer' : 'denied';
    const why = d.reason || d.reviewerReason || '';
    return { label: why ? `${who}: ${why}` : who, detail: reviewed ? (d.reviewerReason || '') : '' };
  }
  if (reviewed) return { label: 'reviewed', detail: d.reviewerReason || d.reason || '' };
  if (d.layer === 'cache') return { label: 'allowed (cached review)', detail: '' };
  return { label: 'allowed', detail: '' };
}

const LAYERS = {
  rule: 'a rule',
  default: 'the default policy',
  cache: 'a cached review',
  ai: 'the AI reviewer',
  'ai-error': 'the reviewer failing',
  budget: 'the review budget',
};

/** "by a rule", "by the AI reviewer" … */
export function layerText(layer) {
  return LAYERS[layer] ? `by ${LAYERS[layer]}` : (layer ? `by ${layer}` : '');
}

const ERROR_KINDS = {
  claude_missing: 'Claude Code is not installed on the machine',
  claude_error: 'Claude Code reported an error',
  crashed: 'Claude Code stopped unexpectedly',
  stalled: 'Stopped: no output for too long',
  setup: "mstro couldn't start the run",
  internal: 'mstro failed during the run',
};

/** A heading for a movementError kind. */
export function errorKindText(kind) {
  return ERROR_KINDS[kind] || 'The run failed';
}

/** A one-line summary of a tool call's input ("npm test", "src/main.rs"). */
export function toolBrief(name, input) {
  if (!input || typeof input !== 'object') return '';
  const pick = ['command', 'file_path', 'notebook_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt', 'skill'];
  for (const key of pick) {
    const value = input[key];
    if (typeof value === 'string' && value.trim()) {
      const line = value.replace(/\s+/g, ' ').trim();
      return line.length > 120 ? `${line.slice(0, 119)}…` : line;
    }
  }
  if (name === 'TodoWrite' && Array.isArray(input.todos)) return `${input.todos.length} items`;
  return '';
}

/** Input as pretty JSON (never throws). */
export function prettyJson(value) {
  try {
    const text = JSON.stringify(value, null, 2);
    return text === undefined ? String(value) : text;
  } catch {
    return String(value);
  }
}
