//! Session history (docs/sessions.md, "History"): one JSON file per session under
//! `<project>/.mstro/history/`, replaced atomically after every movement, listed,
//! loaded, deleted and searched for browsers (`getSessions`, `getSessionById`,
//! `deleteSession`, `searchHistory`).
//!
//! - [`record`]: the file format: [`SessionRecord`], [`MovementRecord`] (which merges
//!   adjacent text chunks as events are pushed), [`SessionSummary`].
//! - [`store`]: [`HistoryStore`], the directory: atomic saves, a list that parses only
//!   changed files, and distrust of everything found on disk (symlinks, huge or
//!   damaged files).
//! - [`search`]: case-insensitive search with snippets ([`SearchHit`]).
//! - [`window`]: what of a session fits in one frame ([`Window`]): the newest
//!   movements, and how many older ones to ask for next.

pub mod record;
pub mod search;
pub mod store;
pub mod window;

pub use record::{FORMAT_VERSION, MovementRecord, SessionRecord, SessionSummary};
pub use search::SearchHit;
pub use store::{HistoryError, HistoryStore, Page, Problem};
pub use window::{MAX_WINDOW_BYTES, Window};
