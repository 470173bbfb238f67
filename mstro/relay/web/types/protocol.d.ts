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
permission?: Permission, 
/**
 * Relay → machine: the name of the signed-in person who sent it, for the records
 * that say who decided (an approval). Overwritten by the relay like `permission`.
 */
user?: string, };

/**
 * Why a request got an error answer instead of a reply.
 */
export type ErrorCode = "unknown_type" | "malformed" | "forbidden" | "machine_offline" | "busy" | "tab_busy" | "outside_workspace" | "not_found" | "not_a_directory" | "is_a_directory" | "too_large" | "already_exists" | "limit_reached" | "io" | "internal" | "rate_limited" | "unauthenticated" | "invalid" | "conflict" | "unknown_user" | "cross_origin" | "json_required" | "bad_credentials" | "invalid_link" | "invalid_token" | "unknown_code" | "expired" | "already_decided" | "unknown_host";

/**
 * The `data` of an `error` frame.
 */
export type ErrorData = { code: ErrorCode, 
/**
 * For a person: what went wrong, and what to do if anything can be done.
 */
message: string, };

/**
 * The `data` of a `gap` frame ([`Envelope::gap`]). A browser that gets one re-reads
 * what it shows: a tab's missing events come back through `initTab`'s replay, a
 * listing through a new read.
 */
export type Gap = { 
/**
 * How many frames were lost.
 */
dropped: number, };

/**
 * The `data` of a `machineStatus` frame ([`Envelope::machine_status`]).
 */
export type MachineStatus = { online: boolean, };

/**
 * A request from a browser.
 */
export type Request = { "type": "ping", "data": Record<symbol, never> } | { "type": "listDirectory", "data": PathArg } | { "type": "readFile", "data": PathArg } | { "type": "findFiles", "data": FindFilesArg } | { "type": "getActiveTabs", "data": Record<symbol, never> } | { "type": "createTab", "data": CreateTabArg } | { "type": "removeTab", "data": Record<symbol, never> } | { "type": "initTab", "data": InitTabArg } | { "type": "execute", "data": ExecuteArg } | { "type": "cancel", "data": Record<symbol, never> } | { "type": "new", "data": Record<symbol, never> } | { "type": "getSessions", "data": PageArg } | { "type": "getSessionById", "data": SessionPageArg } | { "type": "deleteSession", "data": SessionArg } | { "type": "searchHistory", "data": SearchArg } | { "type": "answerApproval", "data": AnswerApprovalArg } | { "type": "terminalCreate", "data": TerminalCreateArg } | { "type": "terminalList", "data": Record<symbol, never> } | { "type": "terminalAttach", "data": TerminalAttachArg } | { "type": "terminalDetach", "data": TerminalArg } | { "type": "terminalAck", "data": TerminalAckArg } | { "type": "terminalInput", "data": TerminalInputArg } | { "type": "terminalResize", "data": TerminalResizeArg } | { "type": "terminalClose", "data": TerminalArg } | { "type": "setTabSettings", "data": SetTabSettingsArg } | { "type": "createFile", "data": CreateFileArg } | { "type": "createDirectory", "data": CreateDirectoryArg } | { "type": "rename", "data": RenameArg } | { "type": "copy", "data": CopyArg } | { "type": "delete", "data": DeleteArg } | { "type": "restoreTrash", "data": RestoreTrashArg } | { "type": "listTrash", "data": Record<symbol, never> } | { "type": "writeFile", "data": WriteFileArg } | { "type": "watch", "data": WatchArg } | { "type": "unwatch", "data": UnwatchArg };

/**
 * `{path}`: relative to the workspace root.
 */
export type PathArg = { path?: string, };

/**
 * `findFiles {query, limit?}`.
 */
export type FindFilesArg = { 
/**
 * What the person typed after `@` (at most 256 bytes).
 */
query: string, 
/**
 * How many files to answer with (default 50, at most 200).
 */
limit?: number, };

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
 * `terminalCreate {cols, rows, title?}` (owner).
 */
export type TerminalCreateArg = { cols: number, rows: number, title?: string, };

/**
 * `{terminalId}`: `terminalClose` (owner), `terminalDetach` (anyone who can see it).
 */
export type TerminalArg = { terminalId: string, };

/**
 * `terminalAttach {terminalId, fromOffset?}`: start receiving a terminal's output,
 * from `fromOffset` (what this browser already has) or, without it or when those
 * bytes are no longer kept, from the oldest byte of the scrollback.
 */
export type TerminalAttachArg = { terminalId: string, fromOffset?: number, };

/**
 * `terminalInput {terminalId, data}` (owner): keystrokes or a paste, as typed (UTF-8).
 */
export type TerminalInputArg = { terminalId: string, data: string, };

/**
 * `terminalResize {terminalId, cols, rows}` (owner).
 */
export type TerminalResizeArg = { terminalId: string, cols: number, rows: number, };

/**
 * `terminalAck {terminalId, offset}`: this browser has taken the output up to
 * `offset`; the machine sends it at most a window beyond.
 */
export type TerminalAckArg = { terminalId: string, offset: number, };

/**
 * What runs a terminal.
 */
export type TerminalBackend = "pty" | "tmux";

/**
 * One terminal, as lists and replies show it.
 */
export type TerminalInfo = { terminalId: string, title: string, cols: number, rows: number, backend: TerminalBackend, 
/**
 * RFC 3339.
 */
createdAt: string, 
/**
 * How it ended, once it has; `null` while it runs.
 */
exit: TerminalExit | null, };

/**
 * `{terminals}`: `terminalList`'s answer, and the `terminals` event every browser on
 * the machine gets when one is created, renamed, resized, ends or is closed.
 */
export type TerminalList = { terminals: Array<TerminalInfo>, };

/**
 * How a terminal's shell ended: its exit code, or the signal that killed it.
 */
export type TerminalExit = { code: number | null, signal: string | null, 
/**
 * Why, in words ("closed from the browser", "the shell exited", "idle for 24 h").
 */
reason: string, };

/**
 * `terminalAttach`'s answer: the kept output from `offset` on, then live
 * `terminalOutput` events continue from `offset + len(data)`.
 */
export type TerminalAttached = { terminal: TerminalInfo, 
/**
 * The offset of the first byte of `data`.
 */
offset: number, 
/**
 * Base64.
 */
data: string, 
/**
 * True when the browser's `fromOffset` could not be continued (those bytes are no
 * longer kept, or it gave none): it should clear its screen before writing `data`.
 */
reset: boolean, };

/**
 * A terminal's reply to input, resize, ack, detach and close: `{ok: true}`.
 */
export type TerminalOk = { ok: boolean, };

/**
 * `terminalOutput {terminalId, offset, data}`: the next bytes for one browser (the
 * frame's `to`), after what it was sent before.
 */
export type TerminalOutput = { terminalId: string, offset: number, 
/**
 * Base64.
 */
data: string, 
/**
 * True when this browser fell further behind than the scrollback keeps: the bytes
 * between what it was sent and `offset` are lost to it, so it should clear its
 * screen before writing `data`.
 */
reset: boolean, };

/**
 * `terminalExit {terminalId, exit}`: to every browser on the machine.
 */
export type TerminalExited = { terminalId: string, exit: TerminalExit, };

/**
 * `createFile {path, content?}`: a new file (missing parent directories are made too);
 * something already there is `already_exists`.
 */
export type CreateFileArg = { path: string, 
/**
 * UTF-8 text; empty without it.
 */
content?: string, };

/**
 * `createDirectory {path}`: a new directory (and its missing parents).
 */
export type CreateDirectoryArg = { path: string, };

/**
 * `rename {from, to, overwrite?}`: moves a file, directory or link (the link itself)
 * anywhere in the workspace; missing parents of `to` are made. Something at `to` is
 * `already_exists` unless `overwrite` (then a file or an empty directory there is
 * replaced).
 */
export type RenameArg = { from: string, to: string, overwrite?: boolean, };

/**
 * `copy {from, to}`: copies a file, a link (as a link) or a directory tree to `to`,
 * which must not exist; bounded (`limit_reached` before anything is copied).
 */
export type CopyArg = { from: string, to: string, };

/**
 * `delete {path}`: moves a file, directory or link into the workspace's trash
 * (`.mstro/trash/<id>/`), from which `restoreTrash` brings it back.
 */
export type DeleteArg = { path: string, };

/**
 * `restoreTrash {id}`: puts a deleted entry back where it was (its missing parents
 * made); something now at that path is `already_exists`.
 */
export type RestoreTrashArg = { id: string, };

/**
 * `writeFile {path, content, baseHash?}`: replaces a file's content, atomically,
 * keeping its mode. `baseHash` is the `hash` of the version the writer edited (from
 * `readFile` or an earlier `writeFile`): when the file on disk has another, the answer
 * is a `conflict` error ([`ConflictData`]) and nothing is written. Without `baseHash`
 * the file must not exist yet (it is created; one that exists is a `conflict` too).
 */
export type WriteFileArg = { path: string, 
/**
 * UTF-8 text, at most [`MAX_WRITE_BYTES`].
 */
content: string, 
/**
 * Lowercase hex SHA-256 of the bytes the writer started from.
 */
baseHash?: string, };

/**
 * `watch {paths}`: this browser wants `fileChanged` events for these directories
 * (their entries) and files. Viewers may.
 */
export type WatchArg = { paths: Array<string>, };

/**
 * `unwatch {paths?}`: no more events for these paths (as `watch` answered them);
 * without `paths`, for any.
 */
export type UnwatchArg = { paths?: Array<string>, };

/**
 * `createFile` and `createDirectory`: what now exists.
 */
export type Created = { 
/**
 * Its display path (its real place, if an ancestor was reached through a link).
 */
path: string, kind: EntryKind, 
/**
 * A file's content hash (lowercase hex SHA-256, what a later `writeFile` sends as
 * `baseHash`); `null` for a directory.
 */
hash: string | null, };

/**
 * `writeFile`: the new version.
 */
export type Written = { path: string, 
/**
 * Lowercase hex SHA-256 of what was written: the next `baseHash`.
 */
hash: string, size: number, };

/**
 * `rename`: where the entry is now.
 */
export type Moved = { from: string, to: string, kind: EntryKind, };

/**
 * `copy`: what was made.
 */
export type Copied = { path: string, kind: EntryKind, 
/**
 * Files, directories and links copied (the top one included).
 */
entries: number, 
/**
 * Bytes of file content copied.
 */
bytes: number, 
/**
 * FIFOs, sockets and devices in the tree, which are not copied.
 */
skipped: number, };

/**
 * `delete`: the entry is in the trash, under `id`.
 */
export type Trashed = { path: string, id: string, kind: EntryKind, };

/**
 * `restoreTrash`: the entry is back at `path`.
 */
export type Restored = { id: string, path: string, kind: EntryKind, };

/**
 * `listTrash`: what the trash holds, newest first.
 */
export type TrashList = { entries: Array<TrashEntry>, 
/**
 * More entries than a listing holds (1 000); the newest are listed.
 */
truncated: boolean, };

/**
 * One entry of [`TrashList`].
 */
export type TrashEntry = { id: string, 
/**
 * Where it was (where `restoreTrash` puts it).
 */
path: string, kind: EntryKind, 
/**
 * Bytes of a file (or a link); 0 for a directory.
 */
size: number, 
/**
 * RFC 3339.
 */
deletedAt: string, 
/**
 * RFC 3339: when the machine empties it from the trash for good.
 */
expiresAt: string, };

/**
 * `watch` and `unwatch`: what this browser now watches, and the paths of this request
 * that could not be watched.
 */
export type Watching = { 
/**
 * Display paths (a directory or file reached through a link: its real place).
 */
paths: Array<string>, refused: Array<WatchRefused>, };

/**
 * A path `watch` did not take, and why.
 */
export type WatchRefused = { 
/**
 * As the request wrote it.
 */
path: string, code: ErrorCode, message: string, };

/**
 * How a watched path changed.
 */
export type FileChangeKind = "created" | "modified" | "removed" | "overflow";

/**
 * `fileChanged {path, kind}`: to one browser (the frame's `to`), about a path it
 * watches (a watched directory's entry, the directory itself, or a watched file).
 * Changes to one path within a fraction of a second come as one event.
 */
export type FileChanged = { path: string, kind: FileChangeKind, };

/**
 * The `data` of a `conflict` error answering `writeFile`: the `ErrorData` fields plus
 * the hash of the file as it is now.
 */
export type ConflictData = { 
/**
 * Always `conflict`.
 */
code: ErrorCode, message: string, 
/**
 * Lowercase hex SHA-256 of the file on disk; `null` when it is gone (or is no
 * longer a regular file).
 */
currentHash: string | null, };

/**
 * `searchHistory {query, limit?}`.
 */
export type SearchArg = { query: string, limit?: number, };

/**
 * `ping`: `{pong: true}`.
 */
export type Pong = { 
/**
 * Always `true`.
 */
pong: boolean, };

/**
 * The reply to `listDirectory`.
 */
export type Listing = { 
/**
 * The display path of the directory listed (`""` for the root). For a directory
 * reached through a symlink this is its real (canonical) place.
 */
path: string, 
/**
 * Directories first, then everything else; each group by case-insensitive name (ties
 * by exact name).
 */
entries: Array<Entry>, 
/**
 * The directory has more than 10 000 (`MAX_ENTRIES` on the machine) entries and reading stopped there. The
 * entries kept are the first ones the OS returned (an arbitrary subset), sorted as
 * usual.
 */
truncated: boolean, };

/**
 * One directory entry, as `listDirectory` reports it.
 */
export type Entry = { 
/**
 * The file name (lossy if it is not UTF-8).
 */
name: string, 
/**
 * The entry's display path (relative to the root, `/`-separated).
 */
path: string, 
/**
 * What it is, without following a symlink.
 */
kind: EntryKind, 
/**
 * The length in bytes for files (and, for symlinks, of the link itself); 0 for
 * directories and other kinds.
 */
size: number, 
/**
 * Last modification, RFC 3339 UTC to the second (`2026-11-21T10:00:00Z`); `None` when
 * the platform does not say or the year is outside 0000–9999.
 */
modified: string | null, };

/**
 * What an entry is, without following symlinks.
 */
export type EntryKind = "file" | "dir" | "symlink" | "other";

/**
 * The reply to `readFile`.
 */
export type FileContent = { 
/**
 * The display path of the file read (its real place if reached through a symlink).
 */
path: string, 
/**
 * The file's full size in bytes.
 */
size: number, 
/**
 * The content is not UTF-8 text; `content` is then `None`.
 */
binary: boolean, 
/**
 * Only the first 1 MiB (`MAX_READ_BYTES` on the machine) bytes were read.
 */
truncated: boolean, 
/**
 * The text read. When truncated in the middle of a multi-byte character, the partial
 * character is dropped.
 */
content: string | null, 
/**
 * Lowercase hex SHA-256 of the file's bytes: what `writeFile` sends back as
 * `baseHash` to replace exactly this version. `null` when `truncated` (the file
 * was not read whole).
 */
hash: string | null, };

/**
 * `findFiles`: the workspace's files whose paths match the query, best first.
 */
export type FoundFiles = { files: Array<FoundFile>, 
/**
 * The search stopped before it had looked at every file (too many files, or it
 * took too long): a better match may exist.
 */
truncated: boolean, };

/**
 * One file of [`FoundFiles`].
 */
export type FoundFile = { 
/**
 * Relative to the workspace root, `/`-separated.
 */
path: string, 
/**
 * [`EntryKind::File`], or [`EntryKind::Symlink`] for a link that stays inside the
 * workspace.
 */
kind: EntryKind, };

/**
 * `getActiveTabs`: the open tabs of this machine process, in the order they were
 * opened.
 */
export type ActiveTabs = { 
/**
 * The machine's event-log epoch (it changes with every start).
 */
epoch: string, tabs: Array<TabSummary>, 
/**
 * What a tab setting left at `null` means on this machine (`model: null`:
 * Claude Code's own default).
 */
defaults: TabSettings, };

/**
 * One tab of [`ActiveTabs`].
 */
export type TabSummary = { tabId: string, 
/**
 * The history session it shows; `null` before its first prompt.
 */
sessionId: string | null, 
/**
 * That session's title; `null` without one.
 */
title: string | null, state: TabState, 
/**
 * The seq of the tab's last event (0 before any).
 */
seq: number, settings: TabSettings, };

/**
 * `createTab`: the tab, new or already open (a known tab id, or the tab that already
 * shows the session asked for).
 */
export type TabInfo = { tabId: string, 
/**
 * `null` before the tab's first prompt.
 */
sessionId: string | null, state: TabState, epoch: string, 
/**
 * The seq of the tab's last event (0 before any).
 */
seq: number, settings: TabSettings, };

/**
 * `initTab`: what the browser missed since its `{epoch, lastSeenSeq}`, or, when the
 * machine's log cannot say (another epoch, or the gap was evicted), a snapshot of the
 * tab. Tagged by `mode`.
 */
export type InitTab = { "mode": "replay", epoch: string, events: Array<ReplayedEvent>, settings: TabSettings, } | { "mode": "snapshot", epoch: string, seq: number, snapshot: TabSnapshot, };

/**
 * One event of an [`InitTab::Replay`]: the frame the browser missed, as it was sent
 * (a [`crate::event::TabEvent`]'s `type` and `data`, the data stamped with `epoch`
 * and `seq`).
 */
export type ReplayedEvent = { type: string, tabId: string | null, data: unknown, };

/**
 * The tab in an [`InitTab::Snapshot`]: its session's newest movements that fit in one
 * frame, and how many older ones were left out (`getSessionById {before}` has them).
 */
export type TabSnapshot = { tabId: string, 
/**
 * `null` before the tab's first prompt.
 */
sessionId: string | null, 
/**
 * The session's title as browsers are shown it; `null` without a session.
 */
title: string | null, state: TabState, movements: Array<MovementRecord>, omitted: number, settings: TabSettings, };

/**
 * `removeTab`: `{removed: true}` (a running prompt is cancelled first).
 */
export type Removed = { removed: boolean, };

/**
 * `executeAck`, the answer to `execute`.
 */
export type ExecuteAck = { 
/**
 * The `msgId` of the prompt.
 */
msgId: string, 
/**
 * The movement started; `null` for a duplicate, which starts nothing.
 */
movementId: string | null, 
/**
 * This `msgId` ran already: the prompt is not run twice.
 */
duplicate: boolean, };

/**
 * `cancel`: whether there was a run to cancel.
 */
export type Cancelled = { cancelled: boolean, };

/**
 * `new`: the tab leaves its session; its next prompt starts a fresh one.
 */
export type NewSession = { 
/**
 * Always `null`: the new session has no id until its first prompt.
 */
sessionId: null, };

/**
 * `getSessionById`: the session, with its newest movements that fit in one frame.
 */
export type SessionById = { 
/**
 * The session; its `movements` are only the window sent.
 */
session: SessionRecord, 
/**
 * How many movements come before those sent: the `before` that asks for more.
 */
omitted: number, };

/**
 * `deleteSession`: whether there was such a session.
 */
export type Deleted = { deleted: boolean, };

/**
 * `searchHistory`: the matching sessions, newest first.
 */
export type SearchResults = { results: Array<SearchHit>, };

/**
 * One page of the session list: the reply to `getSessions`.
 */
export type Page = { 
/**
 * Newest first (by `updatedAt`, then id).
 */
sessions: Array<SessionSummary>, 
/**
 * How many sessions there are in all.
 */
total: number, 
/**
 * Files in the history directory that could not be listed, by file name.
 */
problems: Array<Problem>, };

/**
 * A history file left out of the list, and why.
 */
export type Problem = { 
/**
 * The file's name (not its path).
 */
file: string, 
/**
 * What is wrong and what to do, for a person.
 */
error: string, };

/**
 * What the session list shows of a session (`getSessions`).
 */
export type SessionSummary = { id: string, title: string, createdAt: string, updatedAt: string, claudeSessionId: string | null, movementCount: number, 
/**
 * How the last movement ended: `completed`, `cancelled`, `error`, or `running` when
 * it has no end event (it was saved mid-run, or mstro died during it); `None`
 * without movements.
 */
lastStatus: string | null, };

/**
 * One session that matched (`searchHistory`'s `results`).
 */
export type SearchHit = { sessionId: string, title: string, updatedAt: string, 
/**
 * About 120 characters on one line around the first match in a prompt
 * or output (else in a tool call), `…` where text was left out; the start of the
 * first prompt when only the title matched.
 */
snippet: string, };

/**
 * One session: every movement (prompt run) of a tab's conversation, in order.
 */
export type SessionRecord = { 
/**
 * [`FORMAT_VERSION`].
 */
version: number, 
/**
 * The session id; the machine stores it as `<id>.json`.
 */
id: string, 
/**
 * From the first prompt (see [`SessionRecord::new`]).
 */
title: string, 
/**
 * RFC 3339.
 */
createdAt: string, 
/**
 * RFC 3339; the list is ordered by it, newest first.
 */
updatedAt: string, 
/**
 * Claude Code's session id, to continue with `claude --resume`. Written as `null`
 * when unknown so the field is always present, as the format says.
 */
claudeSessionId: string | null, movements: Array<MovementRecord>, };

/**
 * One prompt's run and what it streamed.
 */
export type MovementRecord = { movementId: string, 
/**
 * The browser's id for the prompt, remembered to refuse a duplicate `execute`.
 */
msgId: string, prompt: string, 
/**
 * RFC 3339.
 */
startedAt: string, 
/**
 * Where the prompt's attached files were saved, relative to the workspace.
 */
attachments?: Array<string>, 
/**
 * The movement's events, adjacent text chunks merged (see [`MovementRecord::push`]).
 */
events: Array<TabEvent>, };

/**
 * One event of a tab, serialised as `{"type": <camelCase variant>, "data": {...}}`.
 */
export type TabEvent = { "type": "movementStart", "data": MovementStart } | { "type": "output", "data": TextChunk } | { "type": "thinking", "data": TextChunk } | { "type": "toolUse", "data": ToolUse } | { "type": "bouncerDecision", "data": BouncerDecision } | { "type": "streamingTokens", "data": StreamingTokens } | { "type": "movementWarning", "data": MovementWarning } | { "type": "movementComplete", "data": MovementComplete } | { "type": "movementError", "data": MovementError } | { "type": "tabStateChanged", "data": TabStateChanged } | { "type": "approvalRequest", "data": ApprovalRequest } | { "type": "approvalResolved", "data": ApprovalResolved } | { "type": "tabSettingsChanged", "data": TabSettings };

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
 * Why, as the model was told (with the excerpt, the rules and the safer way).
 */
reason: string, 
/**
 * The rules' own reason, without the wording for the model: what a person reads.
 */
ruleReason?: string, ruleIds: Array<string>, 
/**
 * Which layer decided: `rule`, `default`, `cache`, `ai`, `ai-error`, `budget`,
 * `person`.
 */
layer: string, latencyMs: number, 
/**
 * The AI reviewer's own reasoning, when it decided.
 */
reviewerReason?: string, 
/**
 * The safer way to get the same done, when the rule knows one.
 */
alternative?: string, 
/**
 * Who approved or denied it from the browser, when a person decided (layer
 * `person`).
 */
decidedBy?: string, };

/**
 * What the bouncer decided about one tool call, as `mstro-bouncer mcp` reports it
 * (`mstro_bouncer::run_channel`) and browsers see it.
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
 * Why, as the model was told (with the excerpt, the rules and the safer way).
 */
reason: string, 
/**
 * The rules' own reason, without the wording for the model: what a person reads.
 */
ruleReason?: string, ruleIds: Array<string>, 
/**
 * Which layer decided: `rule`, `default`, `cache`, `ai`, `ai-error`, `budget`,
 * `person`.
 */
layer: string, latencyMs: number, 
/**
 * The AI reviewer's own reasoning, when it decided.
 */
reviewerReason?: string, 
/**
 * The safer way to get the same done, when the rule knows one.
 */
alternative?: string, 
/**
 * Who approved or denied it from the browser, when a person decided (layer
 * `person`).
 */
decidedBy?: string, };

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

/**
 * `approvalRequest`: a call waits for a person's answer until `deadline`.
 */
export type ApprovalRequest = { movementId: string, 
/**
 * Names this request in `answerApproval` and `approvalResolved`.
 */
approvalId: string, 
/**
 * The tool call waiting, when Claude Code said which.
 */
toolUseId?: string, tool: string, 
/**
 * The operation in full (secrets redacted), not an excerpt.
 */
operation: string, 
/**
 * Why the bouncer wants a person: the rules' reason.
 */
reason: string, 
/**
 * The safer way to get the same done, when the rule knows one.
 */
alternative?: string, ruleIds: Array<string>, 
/**
 * What the AI reviewer said, when it was asked and did not settle it.
 */
reviewerReason?: string, 
/**
 * When an unanswered request is denied (RFC 3339).
 */
deadline: string, };

/**
 * `approvalResolved`: the end of an approval request.
 */
export type ApprovalResolved = { movementId: string, approvalId: string, outcome: ApprovalOutcome, 
/**
 * Who answered (the name the relay knows them by), when a person did.
 */
by?: string, };

/**
 * How an approval request ended.
 */
export type ApprovalOutcome = "approved" | "approvedForSession" | "denied" | "expired" | "ended";

/**
 * What the owner answers.
 */
export type ApprovalChoice = "once" | "session" | "deny";

/**
 * `answerApproval {approvalId, choice}` (owner only; the tab is the envelope's `tabId`).
 */
export type AnswerApprovalArg = { approvalId: string, choice: ApprovalChoice, };

/**
 * The reply to `answerApproval`: the answer was taken. A request already decided
 * (in another window, or by its deadline) is an `error` with code `not_found`.
 */
export type ApprovalAnswered = { approvalId: string, outcome: ApprovalOutcome, };

/**
 * A tab's settings. `null` is the machine's default:
 * [`ActiveTabs::defaults`](crate::reply::ActiveTabs::defaults) says what that is.
 */
export type TabSettings = { 
/**
 * The model passed to Claude Code (`--model`); `null`: Claude Code's own choice.
 * A prompt's own `execute {model}` comes first.
 */
model: string | null, 
/**
 * When the owner is asked to approve a call in this tab's runs.
 */
askPerson: AskPerson | null, };

/**
 * When the owner is asked to approve a `review` (the bouncer's `--ask-person`,
 * `MSTRO_ASK_PERSON` for the whole machine).
 */
export type AskPerson = "after-reviewer" | "first" | "never";

/**
 * `setTabSettings {model?, askPerson?}` (envelope `tabId`): a field left out stays
 * as it is, `null` goes back to the machine's default. Any other field is refused.
 */
export type SetTabSettingsArg = { 
/**
 * 1–100 characters of `A-Z a-z 0-9 . _ : - [ ] @ /`, not starting with `-`.
 */
model?: string | null, askPerson?: AskPerson | null, };

/**
 * `GET /health`: `{"status": "ok", "version"}`.
 */
export type Health = { 
/**
 * Always `ok`: a relay that answers is up.
 */
status: string, 
/**
 * The relay's version (`0.1.0`).
 */
version: string, };

/**
 * A person with an account on the relay, as the web app shows them.
 */
export type Person = { 
/**
 * A uuid, stable for the person's life.
 */
id: string, 
/**
 * The name they sign in with, as it was given when the account was created.
 */
name: string, };

/**
 * `GET /api/auth/options`: how people sign in to this relay, for the sign-in page.
 */
export type SignInOptions = { 
/**
 * Whether anyone has a password here. Nobody does on a relay that only `mstro up`
 * or `mstro relay add-user` (without `--password-stdin`) made: everyone signs in
 * with one-time links, and a password form would only mislead.
 */
passwordSignIn: boolean, };

/**
 * `{"user"}`: whom a browser is signed in as (`POST /api/auth/login`,
 * `POST /api/auth/link`, `GET /api/me`), or whom a sign-in link would sign it in as
 * (`POST /api/auth/link/peek`).
 */
export type SignedInAs = { user: Person, };

/**
 * `GET /api/machines`, and the data of each `machines` event of
 * `GET /api/machines/events`: the person's own machines and those shared with them.
 */
export type Machines = { machines: Array<MachineSummary>, };

/**
 * One machine of [`Machines`].
 */
export type MachineSummary = { 
/**
 * The relay's id for the machine (a uuid).
 */
id: string, 
/**
 * Its display name (its host name until it reports one).
 */
name: string, hostname: string, 
/**
 * As the machine reports it (`linux`, `macos`, ...).
 */
osType: string, 
/**
 * As the machine reports it (`x86_64`, `aarch64`, ...).
 */
cpuArch: string, 
/**
 * The directory it serves; empty until it has connected.
 */
workingDir: string, 
/**
 * Connected to the relay now.
 */
online: boolean, 
/**
 * When it was last connected or heard from, RFC 3339; `null` if never.
 */
lastSeen: string | null, 
/**
 * What the person may do on it.
 */
permission: Permission, 
/**
 * For a machine shared with the person (`permission: "view"`), the name of its
 * owner, who shared it; `null` for their own.
 */
sharedBy: string | null, };

/**
 * `GET /api/machines/{id}/shares` (the owner only): whom the machine is shared with,
 * by name.
 */
export type MachineShares = { shares: Array<MachineShare>, };

/**
 * One person of [`MachineShares`].
 */
export type MachineShare = { 
/**
 * Their sign-in name.
 */
user: string, 
/**
 * What they may do there (only `view` exists).
 */
permission: Permission, };

/**
 * `GET /api/sessions`: the person's signed-in browsers, newest first.
 */
export type BrowserSessions = { sessions: Array<BrowserSession>, };

/**
 * One signed-in browser of [`BrowserSessions`].
 */
export type BrowserSession = { 
/**
 * 16 hex digits: enough to tell the person's sessions apart, not to sign in.
 */
id: string, 
/**
 * When it signed in, RFC 3339 (`null` only for a date RFC 3339 cannot write).
 */
createdAt: string | null, 
/**
 * When it stops being signed in, RFC 3339 (`null` as for `createdAt`).
 */
expiresAt: string | null, 
/**
 * It is the session of the browser asking.
 */
current: boolean, };

/**
 * `POST /api/sessions/end-others`: how many other sessions were signed out.
 */
export type EndedSessions = { ended: number, };

/**
 * A machine asking to sign in with `mstro login`, as it describes itself to the
 * person asked to approve it.
 */
export type DeviceDescription = { hostname: string, osType: string, cpuArch: string, 
/**
 * The version of mstro asking.
 */
cliVersion: string, };

/**
 * A [`DeviceDescription`] still waiting for a decision, with when it asked.
 */
export type WaitingDevice = { 
/**
 * When the machine asked, RFC 3339 (`null` only for a date RFC 3339 cannot write).
 */
requestedAt: string | null, hostname: string, osType: string, cpuArch: string, 
/**
 * The version of mstro asking.
 */
cliVersion: string, };

/**
 * `POST /api/device/lookup`: the machine waiting with the user code.
 */
export type DeviceLookup = { device: WaitingDevice, };

/**
 * `POST /api/device/approve`: the machine now signed in as the person.
 */
export type DeviceApproved = { device: DeviceDescription, };

/**
 * Every error answer of the API, with a status that fits the code:
 * `{"error": {"code", "message"}}`. Two answers keep older shapes: the device-login
 * poll's RFC 8628 errors ([`crate::device::PollError`]) and the 421 for an unknown
 * host ([`UnknownHostBody`]).
 */
export type ErrorBody = { error: ErrorData, };

/**
 * The 421 answer to a request whose `Host` names neither the server nor a loopback
 * name or IP address: `{"error": "unknown_host", "message"}`, the code not nested as
 * in [`ErrorBody`] (a historical shape, kept so that clients reading it still do).
 */
export type UnknownHostBody = { 
/**
 * Always [`ErrorCode::UnknownHost`].
 */
error: ErrorCode, message: string, };
