// @ts-check
// Files attached to a prompt: checked against the machine's limits before they are
// read, then sent as `execute {attachments: [{name, data}]}` with `data` in base64
// (docs/sessions.md). The machine checks again; this only says it sooner.

export const MAX_FILES = 10;
export const MAX_TOTAL_BYTES = 512 * 1024;
const MAX_NAME_BYTES = 128;

/** @typedef {import('../../types/protocol').AttachmentArg} AttachmentArg */

/**
 * Why `files` ([{name, size}]) cannot be attached, or null. Pure, for tests.
 * @param {ReadonlyArray<{name: string, size: number}>} files File objects, or plain
 *   objects in tests; a non-array counts as none
 * @returns {string | null}
 */
export function attachProblem(files) {
  const list = Array.isArray(files) ? files : [];
  if (list.length > MAX_FILES) return `At most ${MAX_FILES} files can be attached to one prompt.`;
  const seen = new Set();
  let total = 0;
  for (const f of list) {
    const name = f && typeof f.name === 'string' ? f.name : '';
    if (!validName(name)) return `"${name.slice(0, 40)}" can't be attached: rename it first.`;
    if (seen.has(name)) return `"${name}" is attached twice.`;
    seen.add(name);
    total += Number(f.size) || 0;
  }
  if (total > MAX_TOTAL_BYTES) return `Attached files can hold at most ${MAX_TOTAL_BYTES / 1024} KiB together.`;
  return null;
}

/**
 * @param {string} name
 * @returns {boolean}
 */
function validName(name) {
  return name.length > 0
    && new TextEncoder().encode(name).length <= MAX_NAME_BYTES
    && name !== '.' && name !== '..'
    // eslint-disable-next-line no-control-regex
    && !/[/\\\u0000-\u001f\u007f-\u009f]/.test(name);
}

/**
 * Base64 of bytes (a Uint8Array). Pure, for tests.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function toBase64(bytes) {
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/**
 * `[{name, data}]` for `execute`, from File objects.
 * @param {Iterable<File>} files
 * @returns {Promise<AttachmentArg[]>}
 */
export async function encodeFiles(files) {
  const out = [];
  for (const file of files) {
    out.push({ name: file.name, data: toBase64(new Uint8Array(await file.arrayBuffer())) });
  }
  return out;
}

/**
 * The name shown for a saved attachment's path (`…/<n>-<name>` → `<name>`).
 * @param {string | null | undefined} path
 * @returns {string} "" for no path
 */
export function baseName(path) {
  const s = typeof path === 'string' ? path : '';
  return s.slice(s.lastIndexOf('/') + 1).replace(/^\d+-/, '');
}
