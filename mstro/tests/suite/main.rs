//! The `mstro` crate's end-to-end tests, one test binary (linking the crate once
//! rather than once per file): the relay and the machine on loopback
//! ([`relay_machine`]), sessions of the real Claude Code CLI against the fake
//! Messages API ([`sessions`]), a person approving calls from the browser
//! ([`approvals`], and in Chromium: [`approval_browser`]), a tab's own settings
//! ([`tab_settings`]), `mstro up --demo` ([`demo`]), terminals on real pseudo-terminals
//! ([`terminal`]), changing and watching files ([`files`]), and the web app in headless Chromium ([`browser`], sharing a
//! machine: [`sharing_browser`], its layout on a phone and a desktop: [`layout`], the
//! machine view's panes and file viewer: [`machine_view`], the Terminal view:
//! [`terminal_browser`]).
//! Shared set-ups are in the `mstro-tests` crate (`tests/src/`).

mod approval_browser;
mod approvals;
mod browser;
mod demo;
mod files;
mod layout;
mod machine_view;
mod relay_machine;
mod sessions;
mod sharing_browser;
mod tab_settings;
mod terminal;
mod terminal_browser;
