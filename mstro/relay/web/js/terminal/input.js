// @ts-check
// What the keyboard and a paste give a terminal, made fit for `terminalInput`: UTF-8
// text of at most 64 KiB per request (docs/terminal.md), so a long paste goes as
// several requests, in order, never cut inside a character.

/** The most bytes one `terminalInput` carries (mstro-protocol's MAX_INPUT_BYTES). */
export const MAX_INPUT_BYTES = 64 * 1024;

/**
 * The UTF-8 length of one code point.
 * @param {number} cp
 */
function utf8Length(cp) {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

/**
 * `text` in pieces of at most `max` UTF-8 bytes, cut between code points. A lone
 * surrogate (which is not text, and which the machine would refuse as JSON) becomes
 * U+FFFD, as a UTF-8 encoder makes it.
 * @param {string} text
 * @param {number} [max]
 * @returns {string[]}
 */
export function splitInput(text, max = MAX_INPUT_BYTES) {
  if (max < 4) throw new RangeError('splitInput: a piece must hold any character');
  // Keystrokes: short, no surrogates (a character is at most 3 bytes without them).
  if (text.length * 3 <= max && !/[\ud800-\udfff]/.test(text)) return text ? [text] : [];
  const pieces = [];
  let piece = '';
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    let ch = text[i];
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        ch = text.slice(i, i + 2);
        i += 1;
      } else {
        ch = '\ufffd';
      }
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      ch = '\ufffd';
    }
    const size = utf8Length(/** @type {number} */ (ch.codePointAt(0)));
    if (bytes + size > max) {
      pieces.push(piece);
      piece = '';
      bytes = 0;
    }
    piece += ch;
    bytes += size;
  }
  if (piece) pieces.push(piece);
  return pieces;
}
