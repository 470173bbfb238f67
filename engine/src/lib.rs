pub mod path;
pub mod policy;
pub mod shell;
pub mod span;
pub mod verdict;
