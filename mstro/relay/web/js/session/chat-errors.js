// @ts-check
// What the chat says when a request to the machine fails: one sentence per error
// code (docs/relay-api.md), and which codes are passing (the next sync retries).

/** Codes that say nothing about the request itself: the connection or the machine was away. */
export const TRANSIENT = new Set(['connection_lost', 'machine_offline', 'timeout', 'busy']);

/**
 * A sentence for a failed request.
 * @param {{code?: string, message?: string} | null | undefined} err
 * @returns {string}
 */
export function friendly(err) {
  switch (err && err.code) {
    case 'tab_busy':
      return 'This tab is still running a prompt. Wait for it to finish, or stop it.';
    case 'forbidden':
      return "You don't have permission to do that on this machine.";
    case 'machine_offline':
      return 'The machine is offline.';
    case 'malformed':
      return `The machine refused the request: ${err.message}`;
    case 'not_found':
      return 'That tab or session no longer exists on the machine.';
    case 'unknown_type':
      return 'This machine runs a version of mstro without sessions. Update mstro on it.';
    case 'busy':
      return 'The machine is busy. Try again in a moment.';
    default:
      return (err && err.message) || 'Something went wrong.';
  }
}
