// @ts-check
// One terminal's output as this browser holds it (docs/terminal.md): a byte stream
// numbered by offset, handed to the screen in order, each byte once, and acknowledged
// once the screen has written it (the machine sends at most a window beyond the last
// acknowledgement, so a browser that stops acknowledging stops the flow to itself).
//
// No DOM and no socket here: the caller writes what a step says and reports back
// when the screen has written it (the node tests drive it directly).

/** Acknowledge at least every this many written bytes while more are on their way. */
export const ACK_EVERY = 32 * 1024;

/**
 * What to do with a piece of output: `clear` the screen first (the stream starts
 * afresh), then `write` these bytes (which end at offset `end`, in generation `gen`);
 * or, for a `gap`, ask for the stream again from where this browser is.
 * @typedef {{clear: boolean, write: Uint8Array | null, end: number, gen: number, gap: boolean}} Step
 */

/** @typedef {{offset: number, data: Uint8Array, reset: boolean}} Chunk */

export class Feed {
  constructor() {
    /** @type {number | null} The offset after the last byte handed to the screen (null: nothing yet). */
    this.end = null;
    /** The offset after the last byte the screen has written. */
    this.written = 0;
    /** The offset last acknowledged (or that the machine counts as taken). */
    this.acked = 0;
    /** Writes handed out and not yet reported written. */
    this.pending = 0;
    /** Bumped at each clear: writes of an earlier screen report nothing. */
    this.gen = 0;
  }

  /** What `terminalAttach` asks for: everything kept (undefined), or what follows the bytes held. */
  get fromOffset() {
    return this.end == null ? undefined : this.end;
  }

  /**
   * The answer to `terminalAttach {fromOffset: asked}`. It is the truth: a `reset`, or
   * an offset other than the one asked for (the terminal's stream started afresh, as
   * after a restart of mstro with tmux, and this browser held another stream's bytes),
   * starts the screen again.
   * @param {Chunk} answer
   * @param {number | undefined} asked
   * @returns {Step | null}
   */
  attached(answer, asked) {
    const { offset, data } = answer;
    // The machine counts the bytes before `offset` as taken by this attachment.
    if (answer.reset || asked === undefined || offset !== asked || this.end == null) {
      this.acked = offset;
      this.written = offset;
      return this.restart(offset, data);
    }
    this.acked = Math.max(this.acked, offset);
    return this.output({ offset, data, reset: false });
  }

  /**
   * A `terminalOutput` event. Bytes already held are dropped (an attach answer may
   * overlap output already on its way); a `reset` past the end means bytes were lost
   * to this browser (it fell behind the scrollback), so the screen starts again; a gap
   * without a reset is asked for again (null: nothing to do).
   * @param {Chunk} chunk
   * @returns {Step | null}
   */
  output({ offset, data, reset }) {
    if (this.end == null) return null; // not attached: nothing to continue
    const chunkEnd = offset + data.length;
    if (offset > this.end) {
      if (reset) {
        this.acked = Math.max(this.acked, offset);
        this.written = Math.max(this.written, offset);
        return this.restart(offset, data);
      }
      return { clear: false, write: null, end: this.end, gen: this.gen, gap: true };
    }
    if (chunkEnd <= this.end) return null;
    const fresh = data.subarray(this.end - offset);
    this.end = chunkEnd;
    this.pending += 1;
    return { clear: false, write: fresh, end: chunkEnd, gen: this.gen, gap: false };
  }

  /**
   * @param {number} offset
   * @param {Uint8Array} data
   * @returns {Step}
   */
  restart(offset, data) {
    this.gen += 1;
    this.end = offset + data.length;
    this.pending += 1;
    return { clear: true, write: data, end: this.end, gen: this.gen, gap: false };
  }

  /**
   * The screen has written a step's bytes. Returns the offset to acknowledge now, or
   * null: acknowledged when nothing else waits to be written (a batch is done), or
   * when a good part of the window has been written meanwhile.
   * @param {number} gen
   * @param {number} end
   * @returns {number | null}
   */
  wrote(gen, end) {
    this.pending = Math.max(0, this.pending - 1);
    if (gen === this.gen) this.written = Math.max(this.written, end);
    const ahead = this.written - this.acked;
    if (ahead > 0 && (this.pending === 0 || ahead >= ACK_EVERY)) {
      this.acked = this.written;
      return this.acked;
    }
    return null;
  }
}

/**
 * Base64 (the machine's encoding of output) → bytes. Anything that is not base64
 * gives no bytes rather than an exception.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function decodeBase64(text) {
  let binary;
  try {
    binary = atob(typeof text === 'string' ? text : '');
  } catch {
    return new Uint8Array(0);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
