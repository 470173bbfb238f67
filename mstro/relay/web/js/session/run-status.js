// @ts-check
// The run state line left of the prompt's buttons (#run-state): what the selected tab
// is doing (Ready, Sending…, Running with the time and tokens so far, Stopping…, or how
// its last run ended) and the New session button. While a run goes it ticks every
// second. A run's final figures (duration, tokens, cost) are not repeated here: they
// are at the end of the run in the transcript.

import { h } from '../dom.js';
import * as store from './store.js';
import { formatClock, formatCount, elapsedOf } from './format.js';

const ENDINGS = { completed: 'Done', cancelled: 'Cancelled', error: 'Failed', interrupted: 'Interrupted' };

/**
 * createRunStatus({onNewSession()}) → {el, show(tab, {owner, usable}), destroy()}.
 *
 * @param {{onNewSession: () => void}} actions
 */
export function createRunStatus({ onNewSession }) {
  const label = h('span', { class: 'run-label' }, 'Ready');
  const elapsed = h('span', { class: 'elapsed' });
  const tokens = h('span', { class: 'tokens' });
  const newSession = h('button', { type: 'button', class: 'btn btn-ghost btn-sm new-session', hidden: true, title: 'Start a fresh session in this tab' }, 'New session');
  const el = h('div', { id: 'run-state', class: 'run-state', 'data-state': 'idle', role: 'status', 'aria-live': 'off' },
    h('span', { class: 'run-indicator', 'aria-hidden': 'true' }),
    label, elapsed, tokens,
    h('span', { class: 'run-spacer' }),
    newSession);
  let tickTimer = 0;
  /** @type {[import('./tabs.js').Tab | null, {owner: boolean, usable: boolean}]} */
  let last = [null, { owner: false, usable: false }];

  newSession.addEventListener('click', () => onNewSession());

  /**
   * @param {string} l
   * @param {string} [e]
   * @param {string} [t]
   */
  function set(l, e = '', t = '') {
    label.textContent = l;
    elapsed.textContent = e;
    tokens.textContent = t;
  }

  /**
   * Show the selected tab's run (null: no tab).
   * @param {import('./tabs.js').Tab | null} ctl
   * @param {{owner: boolean, usable: boolean}} access
   */
  function show(ctl, access) {
    last = [ctl, access];
    const m = ctl ? ctl.model : null;
    const running = Boolean(m && m.state === 'running');
    el.dataset.state = running ? 'running' : 'idle';
    if (running) {
      const current = store.runningMovement(m);
      set(ctl.cancelling ? 'Stopping…' : 'Running',
        current ? formatClock(elapsedOf(current, Date.now())) : '',
        current && current.outputTokens != null ? `${formatCount(current.outputTokens)} tokens` : '');
    } else {
      const lastRun = m && m.movements.length ? m.movements[m.movements.length - 1] : null;
      if (m && m.pending) {
        set(m.pending.status === 'waiting' ? 'Waiting for the connection' : 'Sending…');
      } else if (lastRun && lastRun.status !== 'running') {
        set(ENDINGS[lastRun.status] || 'Ready');
      } else {
        set(m ? 'Ready' : 'No tab open');
      }
    }
    newSession.hidden = !(access.owner && access.usable && m && !m.readOnly && !running && !m.pending && m.movements.length > 0);

    if (running && !tickTimer) {
      tickTimer = setInterval(() => show(...last), 1000);
    } else if (!running && tickTimer) {
      clearInterval(tickTimer);
      tickTimer = 0;
    }
  }

  return {
    el,
    show,
    destroy() {
      clearInterval(tickTimer);
      tickTimer = 0;
    },
  };
}
