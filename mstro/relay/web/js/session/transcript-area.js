// @ts-check
// The transcripts: one panel (role=tabpanel) per tab with its transcript view
// (transcript.js), only the selected one shown, the "no tab is open" panel, and the
// rendering schedule: a tab whose model changed is marked dirty and redrawn on the
// next animation frame if it is shown, or when it is shown next.

import { h } from '../dom.js';
import { createTranscript } from './transcript.js';

/**
 * createTranscriptArea({isAlive(), isOwner(), workingDir(), isCurrent(tab),
 * isSelected(tab), onFlushed(tabsChanged)}) → {el, attach(tab, callbacks), detach(tab),
 * show(tab), shown(tab), markDirty(tab), scrollToEnd(tab), setNoTabs(show, owner)}.
 * `isCurrent` says a tab is still open (a closed one is not drawn); `onFlushed` runs
 * after each frame's redraw (tabsChanged: some tab's model changed).
 *
 * @param {{isAlive: () => boolean, isOwner: () => boolean, workingDir: () => string,
 *   isCurrent: (tab: import('./tabs.js').Tab) => boolean,
 *   isSelected: (tab: import('./tabs.js').Tab) => boolean,
 *   onFlushed: (tabsChanged: boolean) => void}} deps
 */
export function createTranscriptArea({ isAlive, isOwner, workingDir, isCurrent, isSelected, onFlushed }) {
  const noTabs = h('div', { class: 'transcript-panel no-tabs', hidden: true });
  const el = h('div', { class: 'transcripts' }, noTabs);
  /** @type {Map<import('./tabs.js').Tab, {panel: HTMLElement, view: ReturnType<typeof createTranscript>, stale: boolean}>} */
  const views = new Map();
  /** @type {Set<import('./tabs.js').Tab>} */
  const dirty = new Set();
  let renderQueued = false;

  function emptyHint(tab) {
    if (tab.readOnly) return 'This session has no prompts.';
    if (!isOwner()) return 'Nothing has run in this tab yet. This machine is shared with you to follow; only its owner can run prompts.';
    const dir = workingDir();
    return h('div', { class: 'empty-chat' },
      h('p', { class: 'empty-chat-title' }, 'Ask Claude Code to do something'),
      h('p', { class: 'muted' },
        dir ? ['It works in ', h('span', { class: 'mono' }, dir), ' on this machine. '] : 'It works in the machine\'s working directory. ',
        'Type ', h('code', null, '@'), ' to mention a file. Every tool call is checked by the bouncer.'));
  }

  function render(ctl) {
    const v = views.get(ctl);
    if (!v) return;
    v.stale = false;
    v.view.update(ctl.model);
  }

  /** @param {import('./tabs.js').Tab} ctl */
  function shown(ctl) {
    const v = views.get(ctl);
    if (!v) return;
    if (v.stale) render(ctl);
    v.view.shown();
  }

  function flush() {
    renderQueued = false;
    if (!isAlive()) return;
    let tabsChanged = false;
    for (const ctl of dirty) {
      if (!isCurrent(ctl)) continue;
      if (isSelected(ctl)) render(ctl);
      else {
        const v = views.get(ctl);
        if (v) v.stale = true;
      }
      tabsChanged = true;
    }
    dirty.clear();
    onFlushed(tabsChanged);
  }

  return {
    el,
    /**
     * Give a new tab its panel and transcript.
     * @param {import('./tabs.js').Tab} ctl
     * @param {{onDropPending: () => void, onLoadEarlier: () => Promise<unknown>,
     *   approvals: {canAnswer: () => boolean, answer: (approvalId: string, choice: string) => Promise<unknown>}}} callbacks
     */
    attach(ctl, { onDropPending, onLoadEarlier, approvals }) {
      const tabId = ctl.model.tabId;
      const panel = h('div', {
        id: `panel-${tabId}`,
        class: 'transcript-panel',
        role: 'tabpanel',
        'aria-labelledby': `tab-${tabId}`,
        tabindex: '0',
        hidden: true,
      });
      const view = createTranscript(panel, { emptyHint, onDropPending, onLoadEarlier, approvals });
      views.set(ctl, { panel, view, stale: true });
      el.append(panel);
    },
    /** @param {import('./tabs.js').Tab} ctl */
    detach(ctl) {
      const v = views.get(ctl);
      if (v) v.panel.remove();
      views.delete(ctl);
      dirty.delete(ctl);
    },
    /** Show `ctl`'s panel, and only it, up to date. @param {import('./tabs.js').Tab} ctl */
    show(ctl) {
      for (const [c, v] of views) v.panel.hidden = c !== ctl;
      shown(ctl);
    },
    /** `ctl`'s panel became visible: bring it up to date. */
    shown,
    /** `ctl`'s model changed: redraw it on the next frame. @param {import('./tabs.js').Tab} ctl */
    markDirty(ctl) {
      dirty.add(ctl);
      if (renderQueued) return;
      renderQueued = true;
      requestAnimationFrame(flush);
    },
    /** @param {import('./tabs.js').Tab} ctl */
    scrollToEnd(ctl) {
      const v = views.get(ctl);
      if (v) v.view.scrollToEnd();
    },
    /**
     * The "no tab is open" panel, in the owner's or a viewer's words.
     * @param {boolean} show
     * @param {boolean} owner
     */
    setNoTabs(show, owner) {
      if (show === !noTabs.hidden) return;
      noTabs.hidden = !show;
      noTabs.replaceChildren(h('div', { class: 'transcript-empty' }, owner
        ? 'No tab is open. Type a prompt to start one, or press + for a new tab.'
        : 'No session is open on this machine right now. Past sessions are in History.'));
    },
  };
}
