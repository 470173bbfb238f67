// @ts-check
// The machine's header (.mv-head): its name, online status, a badge when it is shared
// with you, the host, platform and working directory, and the pane switch at its end.

import { h, setChildren, platformLabel } from '../../dom.js';

/** @typedef {import('../../../types/protocol').MachineSummary} MachineSummary */

/** The name to show for a machine (null: not known yet). @param {MachineSummary | null} machine */
export function machineName(machine) {
  return (machine && (machine.name || machine.hostname)) || 'Machine';
}

/**
 * createMachineHead({paneSwitch}) → {el, setMachine(machine), setOnline(value)}.
 * @param {{paneSwitch: HTMLElement}} parts
 */
export function createMachineHead({ paneSwitch }) {
  const titleEl = h('h1', { class: 'mv-title' }, 'Machine');
  const statusEl = h('span', { class: 'status', 'data-online': 'false' }, 'offline');
  const badgeSlot = h('span', { class: 'mv-badges' });
  const metaEl = h('p', { class: 'mv-meta muted' });
  // One row of chrome above the panes: the header's Machines link is the way back, and
  // the working directory is the root of the path above the files.
  const el = h('header', { class: 'mv-head' },
    h('div', { class: 'mv-titlebar' }, titleEl, statusEl, badgeSlot),
    metaEl,
    paneSwitch);

  return {
    el,
    /** @param {MachineSummary} machine */
    setMachine(machine) {
      titleEl.textContent = machineName(machine);
      const bits = [];
      if (machine.hostname && machine.hostname !== machine.name) bits.push(machine.hostname);
      const platform = platformLabel(machine.osType, machine.cpuArch);
      if (platform) bits.push(platform);
      /** @type {Array<string | HTMLElement>} */
      const children = [bits.join(' · ')];
      if (machine.workingDir) {
        if (bits.length) children.push(h('span', { class: 'sep', 'aria-hidden': 'true' }, ' · '));
        children.push(h('span', { class: 'mono', title: 'Working directory' }, machine.workingDir));
      }
      setChildren(metaEl, ...children);
      badgeSlot.replaceChildren();
      if (machine.permission === 'view') {
        badgeSlot.append(h('span', { class: 'badge', title: 'Shared with you; you can browse but not change anything' }, 'shared (view)'));
      }
    },
    /** @param {boolean} value */
    setOnline(value) {
      statusEl.dataset.online = String(value);
      statusEl.textContent = value ? 'online' : 'offline';
    },
  };
}
