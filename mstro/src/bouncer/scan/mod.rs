//! `mstro-bouncer scan`: find the commands files will run and judge them with the engine.
//!
//! - [`sources`]: one extractor per kind of file, each giving commands mapped back to
//!   the file ([`location`]).

mod location;
mod sources;
