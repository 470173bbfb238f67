// Generated from mstro-protocol's Rust types by ts-rs (mstro/protocol/src/typescript.rs).
// Do not edit: `MSTRO_UPDATE_TS=1 cargo test -p mstro-protocol typescript` rewrites it.

/**
 * A frame's `id`: chosen by the browser, echoed in the reply.
 */
export type Id = string | number;

/**
 * What a browser may do on a machine. Set by the relay from its own records, never
 * taken from a browser.
 */
export type Permission = "owner" | "view";

/**
 * One frame.
 */
export type Envelope = { 
/**
 * The message type (`readFile`, `machineStatus`, `error`, ...).
 */
type: string, 
/**
 * Chosen by the browser; replies echo it. A string or a number.
 */
id?: Id, tabId?: string, data: unknown, 
/**
 * Relay → machine: the browser connection the frame came from.
 */
from?: string, 
/**
 * Machine → relay: the one browser a reply is for (absent: every browser on the
 * machine).
 */
to?: string, 
/**
 * Relay → machine: what the sending browser's user may do.
 */
permission?: Permission, };

/**
 * Why a request got an error answer instead of a reply.
 */
export type ErrorCode = "unknown_type" | "malformed" | "forbidden" | "machine_offline" | "busy" | "tab_busy" | "outside_workspace" | "not_found" | "not_a_directory" | "is_a_directory" | "too_large" | "io" | "internal" | "rate_limited" | "unauthenticated" | "invalid" | "conflict" | "unknown_user" | "cross_origin" | "json_required" | "bad_credentials" | "invalid_link" | "invalid_token" | "unknown_code" | "expired" | "already_decided" | "unknown_host";

/**
 * A request from a browser.
 */
export type Request = { "type": "ping", "data": Record<symbol, never> } | { "type": "listDirectory", "data": PathArg } | { "type": "readFile", "data": PathArg } | { "type": "getActiveTabs", "data": Record<symbol, never> } | { "type": "createTab", "data": CreateTabArg } | { "type": "removeTab", "data": Record<symbol, never> } | { "type": "initTab", "data": InitTabArg } | { "type": "execute", "data": ExecuteArg } | { "type": "cancel", "data": Record<symbol, never> } | { "type": "new", "data": Record<symbol, never> } | { "type": "getSessions", "data": PageArg } | { "type": "getSessionById", "data": SessionPageArg } | { "type": "deleteSession", "data": SessionArg } | { "type": "searchHistory", "data": SearchArg };

/**
 * `{path}`: relative to the workspace root.
 */
export type PathArg = { path?: string, };

/**
 * `createTab {tabId?, sessionId?}`.
 */
export type CreateTabArg = { tabId?: string, sessionId?: string, };

/**
 * `initTab {epoch?, lastSeenSeq?, sessionId?}`.
 */
export type InitTabArg = { epoch?: string, lastSeenSeq?: number, sessionId?: string, };

/**
 * `execute {prompt, msgId, model?, attachments?}`.
 */
export type ExecuteArg = { prompt: string, msgId: string, model?: string, 
/**
 * Files attached to the prompt (the machine checks and saves them:
 * `mstro/src/session/attachments.rs`).
 */
attachments?: Array<AttachmentArg>, };

/**
 * One file attached to an `execute`, as the browser sends it.
 */
export type AttachmentArg = { 
/**
 * The file name (the machine refuses paths and odd names).
 */
name: string, 
/**
 * The content, base64 (standard alphabet, padded).
 */
data: string, };

/**
 * `getSessions {offset?, limit?}`.
 */
export type PageArg = { offset?: number, limit?: number, };

/**
 * `{sessionId}`.
 */
export type SessionArg = { sessionId: string, };

/**
 * `getSessionById {sessionId, before?}`: `before` is the `omitted` of a previous
 * answer, to ask for the movements before those it had.
 */
export type SessionPageArg = { sessionId: string, before?: number, };

/**
 * `searchHistory {query, limit?}`.
 */
export type SearchArg = { query: string, limit?: number, };

/**
 * One event of a tab, serialised as `{"type": <camelCase variant>, "data": {...}}`.
 */
export type TabEvent = { "type": "movementStart", "data": MovementStart } | { "type": "output", "data": TextChunk } | { "type": "thinking", "data": TextChunk } | { "type": "toolUse", "data": ToolUse } | { "type": "bouncerDecision", "data": BouncerDecision } | { "type": "streamingTokens", "data": StreamingTokens } | { "type": "movementWarning", "data": MovementWarning } | { "type": "movementComplete", "data": MovementComplete } | { "type": "movementError", "data": MovementError } | { "type": "tabStateChanged", "data": TabStateChanged };

/**
 * `movementStart`.
 */
export type MovementStart = { movementId: string, 
/**
 * The browser's id for the prompt (de-duplication).
 */
msgId: string, prompt: string, 
/**
 * RFC 3339.
 */
startedAt: string, 
/**
 * The Claude Code session resumed, if any.
 */
resume?: string, 
/**
 * Where the prompt's attached files were saved, relative to the workspace.
 */
attachments?: Array<string>, };

/**
 * `output` and `thinking`.
 */
export type TextChunk = { movementId: string, text: string, 
/**
 * Set for a sub-agent's text: the `Task`/`Agent` tool call it belongs to.
 */
parentToolUseId?: string, };

/**
 * Which step of a tool call a [`ToolUse`] reports.
 */
export type ToolPhase = "start" | "input" | "result";

/**
 * `toolUse`.
 */
export type ToolUse = { movementId: string, phase: ToolPhase, toolUseId: string, 
/**
 * The tool's name (`Bash`, `Read`, `mcp__srv__tool`); empty on a result whose
 * start was never seen.
 */
name: string, 
/**
 * `input` phase: the complete input object.
 */
input?: unknown, 
/**
 * `result` phase: the result text (cut to a bound; see `truncated`).
 */
result?: string, isError?: boolean, 
/**
 * The result text was longer than what is sent.
 */
truncated?: boolean, parentToolUseId?: string, };

/**
 * `bouncerDecision`: one decision of `mstro-bouncer mcp` for this movement.
 */
export type BouncerDecision = { movementId: string, 
/**
 * The tool call decided, when Claude Code said which.
 */
toolUseId?: string, tool: string, 
/**
 * The operation judged (a command, `write <path>`, a URL...), secrets redacted.
 */
operation: string, 
/**
 * The engine's verdict: `allow`, `review` or `deny`.
 */
verdict: string, 
/**
 * What the session was told: `allow` or `deny`.
 */
outcome: string, 
/**
 * Why, as the model was told.
 */
reason: string, ruleIds: Array<string>, 
/**
 * Which layer decided: `rule`, `default`, `cache`, `ai`, `ai-error`, `budget`.
 */
layer: string, latencyMs: number, 
/**
 * The AI reviewer's own reasoning, when it decided.
 */
reviewerReason?: string, };

/**
 * What the bouncer decided about one tool call, as `mstro-bouncer mcp` reports it
 * (`session::decision_report`) and browsers see it.
 */
export type Decision = { 
/**
 * The tool call decided, when Claude Code said which.
 */
toolUseId?: string, tool: string, 
/**
 * The operation judged (a command, `write <path>`, a URL...), secrets redacted.
 */
operation: string, 
/**
 * The engine's verdict: `allow`, `review` or `deny`.
 */
verdict: string, 
/**
 * What the session was told: `allow` or `deny`.
 */
outcome: string, 
/**
 * Why, as the model was told.
 */
reason: string, ruleIds: Array<string>, 
/**
 * Which layer decided: `rule`, `default`, `cache`, `ai`, `ai-error`, `budget`.
 */
layer: string, latencyMs: number, 
/**
 * The AI reviewer's own reasoning, when it decided.
 */
reviewerReason?: string, };

/**
 * `streamingTokens`.
 */
export type StreamingTokens = { movementId: string, 
/**
 * Output tokens of this movement so far (all turns, sub-agents included).
 */
outputTokens: number, };

/**
 * `movementWarning`.
 */
export type MovementWarning = { movementId: string, message: string, 
/**
 * Seconds without output when the warning was raised.
 */
silentSecs: number, };

/**
 * How a movement that did not fail ended.
 */
export type MovementStatus = "completed" | "cancelled";

/**
 * Token counts and cost, from Claude Code's `result` line.
 */
export type Usage = { inputTokens: number, outputTokens: number, cacheReadInputTokens: number, cacheCreationInputTokens: number, costUsd: number, durationMs: number, numTurns: number, };

/**
 * `movementComplete`.
 */
export type MovementComplete = { movementId: string, status: MovementStatus, 
/**
 * The final answer text (Claude Code's `result.result`).
 */
result?: string, 
/**
 * Absent when the run ended before Claude Code reported (a cancel).
 */
usage?: Usage, 
/**
 * Claude Code's session id, to `--resume` next time.
 */
claudeSessionId?: string, finishedAt: string, };

/**
 * Why a movement failed.
 */
export type MovementErrorKind = "claude_missing" | "claude_error" | "crashed" | "stalled" | "setup" | "internal";

/**
 * `movementError`.
 */
export type MovementError = { movementId: string, kind: MovementErrorKind, 
/**
 * What happened and what to do, for a person.
 */
message: string, exitCode?: number, usage?: Usage, claudeSessionId?: string, finishedAt: string, };

/**
 * A tab's state.
 */
export type TabState = "idle" | "running" | "removed";

/**
 * `tabStateChanged`.
 */
export type TabStateChanged = { state: TabState, 
/**
 * The history session the tab shows (absent before its first prompt).
 */
sessionId?: string, };
