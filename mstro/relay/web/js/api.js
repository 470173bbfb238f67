// @ts-check
// The relay's HTTP API: JSON in and out, same-origin cookie, one error shape.
// The bodies it answers with are mstro-protocol's `http` types (types/protocol.d.ts);
// callers name the one they expect with `@type`.
//
// Every failure is an ApiError with `status` (0 when the relay could not be reached),
// `code` (the relay's error code, or a local one) and a human `message`.

/** @typedef {import('../types/protocol').ErrorBody} ErrorBody */
/** @typedef {import('../types/protocol').UnknownHostBody} UnknownHostBody */

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const DEFAULT_MESSAGES = {
  400: 'The relay did not accept that request.',
  401: 'Please sign in.',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  409: 'That conflicts with the current state. Reload and try again.',
  410: 'That has expired.',
  413: 'That is too large.',
  429: 'Too many attempts. Wait a moment and try again.',
};

function defaultMessage(status) {
  if (DEFAULT_MESSAGES[status]) return DEFAULT_MESSAGES[status];
  if (status >= 500) return `The relay had a problem (HTTP ${status}). Try again in a moment.`;
  return `The request failed (HTTP ${status}).`;
}

/**
 * request('/api/me') → parsed JSON body (null for 204 / empty).
 * request('/api/auth/login', {method: 'POST', body: {...}})
 *
 * @param {string} path
 * @param {{method?: string, body?: unknown, signal?: AbortSignal}} [options]
 * @returns {Promise<any>}
 */
export async function request(path, { method = 'GET', body, signal } = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  /** @type {RequestInit} */
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', "Can't reach the relay. Check your connection and try again.");
  }

  let data = null;
  if (response.status !== 204) {
    const text = await response.text().catch(() => '');
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
  }

  if (!response.ok) {
    // `{"error": {code, message}}`, or the 421's flat `{"error": code, message}`; a
    // proxy in front of the relay may answer anything else.
    /** @type {Partial<ErrorBody> | Partial<UnknownHostBody> | null} */
    const body = data && typeof data === 'object' ? data : null;
    const error = body ? body.error : null;
    let code = `http_${response.status}`;
    let message = '';
    if (typeof error === 'string') {
      code = error;
    } else if (error && typeof error === 'object') {
      if (typeof error.code === 'string') code = error.code;
      if (typeof error.message === 'string') message = error.message;
    }
    throw new ApiError(response.status, code, message || defaultMessage(response.status));
  }
  return data;
}

export function get(path, options) {
  return request(path, { ...options, method: 'GET' });
}

/** POST with a JSON body (`{}` when none is given, so JSON extractors are happy). */
export function del(path, options) {
  return request(path, { ...options, method: 'DELETE' });
}

export function post(path, body = {}, options) {
  return request(path, { ...options, method: 'POST', body });
}

