//! The web app's TypeScript declarations, generated from these types with `ts-rs`
//! (a dev-dependency: the derives exist in test builds only). The committed file,
//! `mstro/relay/web/types/protocol.d.ts`, must be what the types generate; the test
//! fails when it is not. Regenerate with
//! `MSTRO_UPDATE_TS=1 cargo test -p mstro-protocol typescript`.

use ts_rs::{Config, TS};

use crate::approval::{ApprovalAnswered, ApprovalChoice, ApprovalOutcome};
use crate::envelope::{Envelope, ErrorData, Gap, MachineStatus, Permission};
use crate::error::ErrorCode;
use crate::event::*;
use crate::files::*;
use crate::history::*;
use crate::http::*;
use crate::reply::*;
use crate::request::*;
use crate::tab_settings::*;
use crate::terminal::*;

/// A frame's `id`: chosen by the browser, echoed in the reply.
#[derive(ts_rs::TS)]
#[ts(type = "string | number")]
#[allow(dead_code)]
pub(crate) struct Id;

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../relay/web/types/protocol.d.ts"
);

fn decl<T: TS>(cfg: &Config, out: &mut String) {
    out.push('\n');
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push('\n');
}

fn generate() -> String {
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from mstro-protocol's Rust types by ts-rs (mstro/protocol/src/typescript.rs).\n\
         // Do not edit: `MSTRO_UPDATE_TS=1 cargo test -p mstro-protocol typescript` rewrites it.\n",
    );
    decl::<Id>(&cfg, &mut out);
    decl::<Permission>(&cfg, &mut out);
    decl::<Envelope>(&cfg, &mut out);
    decl::<ErrorCode>(&cfg, &mut out);
    decl::<ErrorData>(&cfg, &mut out);
    decl::<Gap>(&cfg, &mut out);
    decl::<MachineStatus>(&cfg, &mut out);
    decl::<Request>(&cfg, &mut out);
    decl::<PathArg>(&cfg, &mut out);
    decl::<FindFilesArg>(&cfg, &mut out);
    decl::<CreateTabArg>(&cfg, &mut out);
    decl::<InitTabArg>(&cfg, &mut out);
    decl::<ExecuteArg>(&cfg, &mut out);
    decl::<AttachmentArg>(&cfg, &mut out);
    decl::<PageArg>(&cfg, &mut out);
    decl::<SessionArg>(&cfg, &mut out);
    decl::<SessionPageArg>(&cfg, &mut out);
    decl::<TerminalCreateArg>(&cfg, &mut out);
    decl::<TerminalArg>(&cfg, &mut out);
    decl::<TerminalAttachArg>(&cfg, &mut out);
    decl::<TerminalInputArg>(&cfg, &mut out);
    decl::<TerminalResizeArg>(&cfg, &mut out);
    decl::<TerminalAckArg>(&cfg, &mut out);
    decl::<TerminalBackend>(&cfg, &mut out);
    decl::<TerminalInfo>(&cfg, &mut out);
    decl::<TerminalList>(&cfg, &mut out);
    decl::<TerminalExit>(&cfg, &mut out);
    decl::<TerminalAttached>(&cfg, &mut out);
    decl::<TerminalOk>(&cfg, &mut out);
    decl::<TerminalOutput>(&cfg, &mut out);
    decl::<TerminalExited>(&cfg, &mut out);
    decl::<CreateFileArg>(&cfg, &mut out);
    decl::<CreateDirectoryArg>(&cfg, &mut out);
    decl::<RenameArg>(&cfg, &mut out);
    decl::<CopyArg>(&cfg, &mut out);
    decl::<DeleteArg>(&cfg, &mut out);
    decl::<RestoreTrashArg>(&cfg, &mut out);
    decl::<WriteFileArg>(&cfg, &mut out);
    decl::<WatchArg>(&cfg, &mut out);
    decl::<UnwatchArg>(&cfg, &mut out);
    decl::<Created>(&cfg, &mut out);
    decl::<Written>(&cfg, &mut out);
    decl::<Moved>(&cfg, &mut out);
    decl::<Copied>(&cfg, &mut out);
    decl::<Trashed>(&cfg, &mut out);
    decl::<Restored>(&cfg, &mut out);
    decl::<TrashList>(&cfg, &mut out);
    decl::<TrashEntry>(&cfg, &mut out);
    decl::<Watching>(&cfg, &mut out);
    decl::<WatchRefused>(&cfg, &mut out);
    decl::<FileChangeKind>(&cfg, &mut out);
    decl::<FileChanged>(&cfg, &mut out);
    decl::<ConflictData>(&cfg, &mut out);
    decl::<SearchArg>(&cfg, &mut out);
    decl::<Pong>(&cfg, &mut out);
    decl::<Listing>(&cfg, &mut out);
    decl::<Entry>(&cfg, &mut out);
    decl::<EntryKind>(&cfg, &mut out);
    decl::<FileContent>(&cfg, &mut out);
    decl::<FoundFiles>(&cfg, &mut out);
    decl::<FoundFile>(&cfg, &mut out);
    decl::<ActiveTabs>(&cfg, &mut out);
    decl::<TabSummary>(&cfg, &mut out);
    decl::<TabInfo>(&cfg, &mut out);
    decl::<InitTab>(&cfg, &mut out);
    decl::<ReplayedEvent>(&cfg, &mut out);
    decl::<TabSnapshot>(&cfg, &mut out);
    decl::<Removed>(&cfg, &mut out);
    decl::<ExecuteAck>(&cfg, &mut out);
    decl::<Cancelled>(&cfg, &mut out);
    decl::<NewSession>(&cfg, &mut out);
    decl::<SessionById>(&cfg, &mut out);
    decl::<Deleted>(&cfg, &mut out);
    decl::<SearchResults>(&cfg, &mut out);
    decl::<Page>(&cfg, &mut out);
    decl::<Problem>(&cfg, &mut out);
    decl::<SessionSummary>(&cfg, &mut out);
    decl::<SearchHit>(&cfg, &mut out);
    decl::<SessionRecord>(&cfg, &mut out);
    decl::<MovementRecord>(&cfg, &mut out);
    decl::<TabEvent>(&cfg, &mut out);
    decl::<MovementStart>(&cfg, &mut out);
    decl::<TextChunk>(&cfg, &mut out);
    decl::<ToolPhase>(&cfg, &mut out);
    decl::<ToolUse>(&cfg, &mut out);
    decl::<BouncerDecision>(&cfg, &mut out);
    decl::<Decision>(&cfg, &mut out);
    decl::<StreamingTokens>(&cfg, &mut out);
    decl::<MovementWarning>(&cfg, &mut out);
    decl::<MovementStatus>(&cfg, &mut out);
    decl::<Usage>(&cfg, &mut out);
    decl::<MovementComplete>(&cfg, &mut out);
    decl::<MovementErrorKind>(&cfg, &mut out);
    decl::<MovementError>(&cfg, &mut out);
    decl::<TabState>(&cfg, &mut out);
    decl::<TabStateChanged>(&cfg, &mut out);
    decl::<ApprovalRequest>(&cfg, &mut out);
    decl::<ApprovalResolved>(&cfg, &mut out);
    decl::<ApprovalOutcome>(&cfg, &mut out);
    decl::<ApprovalChoice>(&cfg, &mut out);
    decl::<AnswerApprovalArg>(&cfg, &mut out);
    decl::<ApprovalAnswered>(&cfg, &mut out);
    decl::<TabSettings>(&cfg, &mut out);
    decl::<AskPerson>(&cfg, &mut out);
    decl::<SetTabSettingsArg>(&cfg, &mut out);
    decl::<Health>(&cfg, &mut out);
    decl::<Person>(&cfg, &mut out);
    decl::<SignInOptions>(&cfg, &mut out);
    decl::<SignedInAs>(&cfg, &mut out);
    decl::<Machines>(&cfg, &mut out);
    decl::<MachineSummary>(&cfg, &mut out);
    decl::<MachineShares>(&cfg, &mut out);
    decl::<MachineShare>(&cfg, &mut out);
    decl::<BrowserSessions>(&cfg, &mut out);
    decl::<BrowserSession>(&cfg, &mut out);
    decl::<EndedSessions>(&cfg, &mut out);
    decl::<DeviceDescription>(&cfg, &mut out);
    decl::<WaitingDevice>(&cfg, &mut out);
    decl::<DeviceLookup>(&cfg, &mut out);
    decl::<DeviceApproved>(&cfg, &mut out);
    decl::<ErrorBody>(&cfg, &mut out);
    decl::<UnknownHostBody>(&cfg, &mut out);
    out
}

#[test]
fn typescript_declarations_are_current() {
    let generated = generate();
    if std::env::var_os("MSTRO_UPDATE_TS").is_some() {
        std::fs::create_dir_all(std::path::Path::new(PATH).parent().unwrap()).unwrap();
        std::fs::write(PATH, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "{PATH} is stale; regenerate it: MSTRO_UPDATE_TS=1 cargo test -p mstro-protocol typescript"
    );
}
