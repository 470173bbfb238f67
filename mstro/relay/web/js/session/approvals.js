// @ts-check
// Answering a tab's approval cards (transcript.js): who may (the owner, on a live tab,
// not a read-only one from the history) and the `answerApproval` request.

/**
 * @param {import('./tabs.js').Tab} ctl
 * @param {{request: (type: string, data: object, opts?: object) => Promise<any>,
 *   isOwner: () => boolean}} deps
 * @returns {{canAnswer: () => boolean, answer: (approvalId: string, choice: string) => Promise<unknown>}}
 */
export function approvalsFor(ctl, { request, isOwner }) {
  return {
    canAnswer: () => isOwner() && !ctl.model.readOnly,
    answer: (approvalId, choice) => request('answerApproval',
      { approvalId, choice: /** @type {import('../../types/protocol').ApprovalChoice} */ (choice) },
      { tabId: ctl.model.tabId }),
  };
}
