// @ts-check
// The banner under the machine's header (#connection-banner): connecting (only after a
// moment, so a connection that opens at once does not flash it), reconnecting, lost
// with a countdown to the next try and Retry now, too many connections, or the machine
// offline. Hidden when all is well.

import { h } from '../../dom.js';
import { CLOSE_TOO_MANY } from '../../socket.js';

const BANNER_DELAY_MS = 600;

/**
 * createConnectionBanner({retryNow(), machineName()}) → {el, setSocketState(state),
 * setOnline(value), update(), destroy()}. `state` is the socket's `state` event detail.
 *
 * @param {{retryNow: () => void, machineName: () => string}} deps
 */
export function createConnectionBanner({ retryNow, machineName }) {
  const text = h('span', { class: 'banner-text' });
  const countdown = h('span', { class: 'banner-countdown', 'aria-hidden': 'true' });
  const retry = h('button', { type: 'button', class: 'btn btn-sm' }, 'Retry now');
  const el = h('div', { id: 'connection-banner', class: 'banner', role: 'status', 'aria-live': 'polite', hidden: true },
    h('span', { class: 'banner-dot', 'aria-hidden': 'true' }), text, countdown, retry);
  let sockState = { state: 'idle', everOpened: false };
  let online = null;
  let delayTimer = 0;
  let countdownTimer = 0;

  retry.addEventListener('click', () => retryNow());

  function show(kind, message, { withRetry = false, countdownTo = 0 } = {}) {
    el.hidden = false;
    el.dataset.kind = kind;
    if (text.textContent !== message) text.textContent = message;
    retry.hidden = !withRetry;
    clearInterval(countdownTimer);
    countdown.textContent = '';
    if (countdownTo) {
      const tick = () => {
        const s = Math.max(0, Math.ceil((countdownTo - Date.now()) / 1000));
        countdown.textContent = s > 0 ? `Retrying in ${s} s.` : 'Retrying…';
      };
      tick();
      countdownTimer = setInterval(tick, 1000);
    }
  }

  function hide() {
    el.hidden = true;
    clearInterval(countdownTimer);
  }

  function update() {
    clearTimeout(delayTimer);
    const { state, everOpened, retryAt } = sockState;
    if (state === 'waiting' && sockState.closeCode === CLOSE_TOO_MANY) {
      show('error', 'Too many open connections for this account or machine. Close other tabs or devices.',
        { withRetry: true, countdownTo: retryAt });
    } else if (state === 'waiting') {
      show('error', everOpened
        ? 'Lost the connection to the relay.'
        : "Can't connect to the relay.", { withRetry: true, countdownTo: retryAt });
    } else if (state === 'connecting') {
      if (everOpened || sockState.attempt > 0) {
        show('info', 'Reconnecting…');
      } else {
        // Don't flash a banner for a connection that opens at once.
        delayTimer = setTimeout(() => {
          if (sockState.state === 'connecting') show('info', 'Connecting…');
        }, BANNER_DELAY_MS);
      }
    } else if (state === 'open' && online === false) {
      show('warn', `${machineName()} is offline. Start mstro on it; this page picks it up by itself.`);
    } else {
      hide();
    }
  }

  return {
    el,
    /** @param {any} state the socket's `state` event detail */
    setSocketState(state) {
      sockState = state;
      update();
    },
    /** @param {boolean | null} value */
    setOnline(value) {
      online = value;
      update();
    },
    update,
    destroy() {
      clearTimeout(delayTimer);
      clearInterval(countdownTimer);
    },
  };
}
