// @ts-check
// What the machine view says when a file request fails: one sentence per error code
// (docs/relay-api.md), naming the path it was about.

import { h, errorBox } from '../../dom.js';

/**
 * @param {{code?: string, message?: string} | null | undefined} err
 * @param {string} path "" for the working directory
 * @returns {string}
 */
export function errorText(err, path) {
  const where = path ? `“${path}”` : 'the working directory';
  switch (err && err.code) {
    case 'forbidden':
      return "You don't have permission to do that on this machine.";
    case 'outside_workspace':
      return `${where} is outside the machine's working directory.`;
    case 'machine_offline':
      return 'The machine is offline. This loads by itself when mstro runs on it again.';
    case 'not_found':
      return `${where} was not found. It may have been moved or deleted.`;
    case 'not_a_directory':
      return `${where} is not a directory.`;
    case 'is_a_directory':
      return `${where} is a directory.`;
    case 'too_large':
      return 'This is too large to show.';
    case 'busy':
      return 'The machine is busy. Try again in a moment.';
    case 'io':
      return `The machine couldn't read ${where}: ${err.message}`;
    case 'malformed':
      return `The machine refused the request: ${err.message}`;
    case 'unknown_type':
      return 'This machine runs a version of mstro that does not support this yet.';
    default:
      return (err && err.message) || 'Something went wrong.';
  }
}

/**
 * An error box with the sentence and the code.
 * @param {{code?: string, message?: string} | null | undefined} err
 * @param {string} path
 */
export function socketErrorBox(err, path) {
  const errCode = (err && err.code) || 'error';
  return errorBox([errorText(err, path), ' ', h('span', { class: 'error-code' }, `(${errCode})`)], { code: errCode });
}
