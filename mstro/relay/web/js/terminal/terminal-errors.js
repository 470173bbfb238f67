// @ts-check
// What the Terminal view says when a terminal request fails: one sentence per error
// code (docs/terminal.md, docs/relay-api.md).

export { TRANSIENT } from '../session/chat-errors.js';

/** What an older mstro answers to the terminal requests. */
export const UNSUPPORTED = 'This machine runs a version of mstro without terminals. Update mstro on it to open one here.';

/**
 * A sentence for a failed terminal request.
 * @param {{code?: string, message?: string} | null | undefined} err
 * @returns {string}
 */
export function friendlyTerminalError(err) {
  switch (err && err.code) {
    case 'limit_reached':
      return 'This machine runs as many terminals as it takes. Close one first.';
    case 'not_found':
      return 'This terminal no longer exists on the machine.';
    case 'invalid':
      return 'This terminal has ended.';
    case 'forbidden':
      return 'This machine is shared with you to watch: only its owner can type, open or close terminals.';
    case 'machine_offline':
      return 'The machine is offline.';
    case 'unknown_type':
      return UNSUPPORTED;
    case 'busy':
      return 'The machine is busy. Try again in a moment.';
    case 'malformed':
      return `The machine refused the request: ${err.message}`;
    default:
      return (err && err.message) || 'Something went wrong.';
  }
}
