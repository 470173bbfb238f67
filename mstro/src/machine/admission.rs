//! Which browser requests the machine starts serving now, and which are answered
//! `busy`: a bounded number at once, shared fairly, so that no browser (least of all
//! a view-only one) can take every slot, and the owner's control of a run (`cancel`,
//! `removeTab`) never waits behind anyone's reads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mstro_protocol::{Envelope, Permission};

/// Requests in progress at once, over all browsers.
pub const MAX_REQUESTS: usize = 16;
/// Requests in progress at once for one browser connection.
pub const MAX_PER_BROWSER: usize = 6;
/// Requests in progress at once for all view-only browsers together: the rest is
/// always the owner's.
pub const MAX_FOR_VIEWERS: usize = 8;

/// Cheap requests that stop or remove a run: an owner's are always served at once.
const CONTROL: &[&str] = &["cancel", "removeTab", "ping"];

/// The machine's request slots.
#[derive(Debug, Default)]
pub struct Admission {
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    viewers: usize,
    by_browser: HashMap<String, usize>,
}

/// A started request's hold on its slots, given back when it is dropped.
#[must_use]
pub struct Ticket {
    admission: Arc<Admission>,
    /// `None` for a control request, which holds no slot.
    held: Option<Held>,
}

struct Held {
    browser: String,
    viewer: bool,
}

impl Admission {
    /// A slot for `frame`, or `None` (answer it `busy`) when all slots, this browser's
    /// share, or the viewers' share are taken.
    pub fn admit(self: &Arc<Self>, frame: &Envelope) -> Option<Ticket> {
        let owner = frame.permission == Some(Permission::Owner);
        if owner && CONTROL.contains(&frame.kind.as_str()) {
            return Some(Ticket {
                admission: self.clone(),
                held: None,
            });
        }
        let viewer = !owner;
        let browser = frame.from.clone().unwrap_or_default();
        let mut counts = self.counts();
        let mine = counts.by_browser.get(&browser).copied().unwrap_or(0);
        if counts.total >= MAX_REQUESTS
            || mine >= MAX_PER_BROWSER
            || (viewer && counts.viewers >= MAX_FOR_VIEWERS)
        {
            return None;
        }
        counts.total += 1;
        counts.viewers += usize::from(viewer);
        *counts.by_browser.entry(browser.clone()).or_default() += 1;
        drop(counts);
        Some(Ticket {
            admission: self.clone(),
            held: Some(Held { browser, viewer }),
        })
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let Some(held) = self.held.take() else {
            return;
        };
        let mut counts = self.admission.counts();
        counts.total -= 1;
        counts.viewers -= usize::from(held.viewer);
        if let Some(n) = counts.by_browser.get_mut(&held.browser) {
            *n -= 1;
            if *n == 0 {
                counts.by_browser.remove(&held.browser);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: &str, from: &str, permission: Permission) -> Envelope {
        let mut e = Envelope::new(kind, serde_json::json!({}));
        e.from = Some(from.into());
        e.permission = Some(permission);
        e
    }

    #[test]
    fn viewers_and_single_browsers_cannot_take_every_slot() {
        let slots = Arc::new(Admission::default());
        let mut held = Vec::new();
        // Two view-only browsers flooding searches get the viewers' share between them.
        for i in 0..20 {
            let browser = if i % 2 == 0 { "v1" } else { "v2" };
            if let Some(t) = slots.admit(&frame("searchHistory", browser, Permission::View)) {
                held.push(t);
            }
        }
        assert_eq!(held.len(), MAX_FOR_VIEWERS);
        // One owner browser gets its own share, not more.
        let mut owner = 0;
        for _ in 0..20 {
            if let Some(t) = slots.admit(&frame("readFile", "o1", Permission::Owner)) {
                held.push(t);
                owner += 1;
            }
        }
        assert_eq!(owner, MAX_PER_BROWSER);
        // Another owner browser still gets what is left of the total.
        let mut second = 0;
        for _ in 0..20 {
            if let Some(t) = slots.admit(&frame("readFile", "o2", Permission::Owner)) {
                held.push(t);
                second += 1;
            }
        }
        assert_eq!(second, MAX_REQUESTS - MAX_FOR_VIEWERS - MAX_PER_BROWSER);
        // Every slot is taken: the owner's cancel and removeTab still go through; a
        // viewer's "cancel" (forbidden later anyway) does not skip the queue.
        assert!(
            slots
                .admit(&frame("readFile", "o3", Permission::Owner))
                .is_none()
        );
        for kind in ["cancel", "removeTab"] {
            assert!(slots.admit(&frame(kind, "o1", Permission::Owner)).is_some());
        }
        assert!(
            slots
                .admit(&frame("cancel", "v3", Permission::View))
                .is_none()
        );
        // Slots come back when requests end.
        held.clear();
        assert!(
            slots
                .admit(&frame("readFile", "o3", Permission::Owner))
                .is_some()
        );
        assert!(
            slots.counts().by_browser.len() <= 1,
            "no counts left behind"
        );
    }
}
