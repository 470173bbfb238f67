// @ts-check
// What the owner asks of a tab's run: send a prompt (`execute`), stop it (`cancel`),
// start a fresh session in the tab (`new`).
//
// A prompt is sent with a fresh msgId and shown as pending until its movement starts.
// If the connection drops before the ack it stays pending ("waiting") and is sent again
// with the same msgId after the next sync (resume): the machine runs a msgId once. A
// prompt that could not be sent goes back into the box, with its files.
//
// A tab runs one prompt at a time. A prompt sent while one runs is queued: shown at the
// end of the transcript as queued, sent by itself when the run ends (sendQueued), or
// taken back into the box with Don't send. One prompt waits at a time; a second one
// stays in the box, with a note saying why.

import * as store from './store.js';
import { encodeFiles } from './attachments.js';
import { friendly } from './chat-errors.js';

/** A browser frame the relay takes, less room for what the relay adds. */
const MAX_SEND_BYTES = 1024 * 1024 - 4096;
const ACK_TIMEOUT_MS = 30000;
/** How long an acked prompt may wait for its movementStart before it is let go. */
const START_GRACE_MS = 15000;
/** How many times a prompt is sent before it is given up. */
const MAX_TRIES = 6;

/** What the alert says to a prompt that cannot be queued behind another. */
export const ALREADY_QUEUED = 'A prompt is already queued in this tab: it is sent when the run ends. Your text stays here; send it after, or take the queued one back with Don\'t send.';

/**
 * createSender({sock, tabs, prompt, area, later, isAlive, isOwner, isSupported,
 * createTab, showAlert, showNote, clearAlert, refresh}) → {send(text, files),
 * resume(tab), sendQueued(tab), drop(tab), stop(), newSession()}.
 *
 * @param {{
 *   sock: {request: (type: string, data: object, opts?: object) => Promise<any>, isOpen?: boolean},
 *   tabs: ReturnType<typeof import('./tabs.js').createTabs>,
 *   prompt: ReturnType<typeof import('./prompt.js').createPrompt>,
 *   area: ReturnType<typeof import('./transcript-area.js').createTranscriptArea>,
 *   later: (fn: () => void, ms: number) => any,
 *   isAlive: () => boolean,
 *   isOwner: () => boolean,
 *   isSupported: () => boolean | null,
 *   createTab: (options?: {select?: boolean}) => Promise<import('./tabs.js').Tab | null>,
 *   showAlert: (message: string, err?: any) => void,
 *   showNote: (message: string) => void,
 *   clearAlert: () => void,
 *   refresh: () => void,
 * }} deps
 */
export function createSender({ sock, tabs, prompt, area, later, isAlive, isOwner, isSupported, createTab, showAlert, showNote, clearAlert, refresh }) {
  let sendLock = false;

  /**
   * Send `text` (and `files`) in the selected tab (a new one if there is none, or it is
   * read only), or queue it while the tab runs a prompt. Resolves true when it left the
   * box.
   * @param {string} text
   * @param {File[]} [files]
   */
  async function send(text, files = []) {
    if (sendLock || !isOwner() || isSupported() === false || !text.trim()) return false;
    sendLock = true;
    try {
      return await sendNow(text, files);
    } finally {
      sendLock = false;
    }
  }

  async function sendNow(text, files) {
    let ctl = tabs.selected();
    if (!ctl || ctl.model.readOnly) ctl = await createTab({ select: true });
    else if (ctl.creating && ctl.ready) ctl = await ctl.ready; // a new tab still on its way
    if (!ctl || !isAlive()) return false;
    const m = ctl.model;
    if (m.pending) {
      // Never lose what was typed: it stays in the box.
      showNote(m.pending.status === 'queued' ? ALREADY_QUEUED : 'The last prompt is still on its way. Your text stays here; send it when that one has started.');
      return false;
    }
    const queue = m.state === 'running';
    clearAlert();
    let attachments = [];
    try {
      attachments = await encodeFiles(files || []);
    } catch (err) {
      showAlert(`Couldn't read the attached files: ${err && err.message ? err.message : err}`, err);
      return false;
    }
    // The relay takes a browser frame of at most 1 MiB; say so now rather than after
    // a send that can only fail.
    const frame = JSON.stringify({ type: 'execute', id: 0, tabId: m.tabId, data: { prompt: text, msgId: 'm', attachments } });
    if (new TextEncoder().encode(frame).length > MAX_SEND_BYTES) {
      showAlert('The prompt and its attached files are too large to send together (1 MiB at most). Attach fewer or smaller files.');
      return false;
    }
    store.setPending(m, { msgId: store.freshId('m'), prompt: text, attachments, files: files || [], status: queue ? 'queued' : 'sending', tries: 0 });
    ctl.draft = '';
    ctl.draftFiles = [];
    if (ctl === tabs.selected()) {
      prompt.setValue('');
      prompt.clearFiles();
    }
    area.scrollToEnd(ctl);
    area.markDirty(ctl);
    if (queue) {
      tabs.persist(); // a reload brings the queued text back into the box
      refresh();
    } else {
      execute(ctl);
    }
    return true;
  }

  /** The tab's run ended: a queued prompt goes now. */
  function sendQueued(ctl) {
    const p = ctl.model.pending;
    if (!p || p.inFlight || p.status !== 'queued' || ctl.model.state !== 'idle' || !isOwner()) return;
    execute(ctl);
    tabs.persist(); // no longer queued: a reload must not offer it again
  }

  /** Send the tab's pending prompt (again, with the same msgId). */
  async function execute(ctl) {
    const m = ctl.model;
    const p = m.pending;
    if (!p || p.inFlight) return;
    p.inFlight = true;
    p.status = 'sending';
    p.tries += 1;
    m.rev += 1;
    area.markDirty(ctl);
    try {
      const data = { prompt: p.prompt, msgId: p.msgId };
      if (p.attachments && p.attachments.length) data.attachments = p.attachments;
      const ack = await sock.request('execute', data, {
        tabId: m.tabId, replyType: 'executeAck', timeoutMs: ACK_TIMEOUT_MS,
      });
      p.inFlight = false;
      if (m.pending !== p) return;
      const started = ack && typeof ack.movementId === 'string' && m.byId[ack.movementId];
      if ((ack && ack.duplicate) || started || store.hasMsg(m, p.msgId)) {
        store.setPending(m, null);
      } else {
        p.status = 'acked';
        m.rev += 1;
        // movementStart normally follows at once; don't leave a ghost forever.
        later(() => {
          if (m.pending === p) {
            store.setPending(m, null);
            area.markDirty(ctl);
          }
        }, START_GRACE_MS);
      }
      area.markDirty(ctl);
    } catch (err) {
      p.inFlight = false;
      if (!isAlive() || m.pending !== p) return;
      if (err.code === 'tab_busy' && p.tries < MAX_TRIES) {
        // Another window started a prompt first: this one waits for that run too.
        p.status = 'queued';
        m.rev += 1;
        area.markDirty(ctl);
        if (m.state === 'idle') later(() => sendQueued(ctl), 1000);
        return;
      }
      if ((err.code === 'connection_lost' || err.code === 'machine_offline' || err.code === 'timeout') && p.tries < MAX_TRIES) {
        // We can't tell if it ran: send it again (same msgId) after the next sync.
        p.status = 'waiting';
        m.rev += 1;
        area.markDirty(ctl);
        if (err.code === 'timeout' && sock.isOpen) later(() => resume(ctl), 2000);
        return;
      }
      store.setPending(m, null);
      giveBack(ctl, p);
      if (err.code !== 'closed') showAlert(`Not sent: ${friendly(err)}`, err);
      area.markDirty(ctl);
      tabs.persist();
    }
  }

  /** After a (re)init: a prompt that never got its ack is sent again, same msgId. */
  function resume(ctl) {
    const m = ctl.model;
    const p = m.pending;
    if (!p || p.inFlight) return;
    if (store.hasMsg(m, p.msgId)) {
      store.setPending(m, null);
      area.markDirty(ctl);
      return;
    }
    if (p.status === 'waiting') execute(ctl);
    else sendQueued(ctl);
  }

  /** "Don't send": the pending prompt goes back into the box. */
  function drop(ctl) {
    const p = ctl.model.pending;
    if (!p || p.inFlight) return;
    store.setPending(ctl.model, null);
    giveBack(ctl, p);
    if (ctl === tabs.selected()) prompt.focus();
    area.markDirty(ctl);
    tabs.persist();
    refresh();
  }

  /**
   * A prompt that was not sent goes back into its tab's box, with its files, before
   * whatever was typed since (nothing typed is lost).
   */
  function giveBack(ctl, p) {
    const shown = ctl === tabs.selected();
    const typed = shown ? prompt.value : ctl.draft;
    const text = typed && typed.trim() ? `${p.prompt}\n\n${typed}` : p.prompt;
    const files = (p.files || []).concat(shown ? prompt.files : (ctl.draftFiles || []));
    if (shown) {
      prompt.setValue(text);
      prompt.setFiles(files);
    } else {
      ctl.draft = text;
      ctl.draftFiles = files;
    }
  }

  async function stop() {
    const ctl = tabs.selected();
    if (!ctl || ctl.model.state !== 'running' || ctl.cancelling) return;
    ctl.cancelling = true;
    refresh();
    try {
      const reply = await sock.request('cancel', {}, { tabId: ctl.model.tabId });
      if (reply && reply.cancelled === false) ctl.cancelling = false;
    } catch (err) {
      ctl.cancelling = false;
      if (err.code !== 'closed') showAlert(`Couldn't stop: ${friendly(err)}`, err);
    }
    refresh();
  }

  async function newSession() {
    const ctl = tabs.selected();
    if (!ctl || ctl.model.state === 'running') return;
    try {
      await sock.request('new', {}, { tabId: ctl.model.tabId });
      const m = ctl.model;
      // The next prompt starts a fresh session: the tab shows nothing until then.
      store.loadMovements(m, []);
      m.sessionId = null;
      m.title = '';
      tabs.persist();
      area.markDirty(ctl);
      prompt.focus();
    } catch (err) {
      showAlert(`Couldn't start a new session: ${friendly(err)}`, err);
    }
  }

  return { send, resume, sendQueued, drop, stop, newSession };
}
