//! Who is connected to the relay right now, and the routing between them: a frame
//! from a browser goes to its machine; a machine's reply goes to the one browser named
//! in `to` (only if that browser is looking at this machine), an event to every
//! browser on the machine.
//!
//! Hostile or slow browsers must not grow the relay: a frame sent to many sockets is
//! one shared buffer ([`Utf8Bytes`] clones share it), each socket may hold at most
//! [`SOCKET_QUEUE`] frames and [`SOCKET_BYTE_BUDGET`] bytes before it is cut off, and
//! the sockets of one user and of one machine are capped.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{Notify, broadcast, mpsc};

/// Frames queued for one socket. A socket that falls this far behind is cut off
/// rather than slowing everyone else down.
pub const SOCKET_QUEUE: usize = 256;
/// Bytes queued for one socket (counted per socket, though broadcast frames are
/// shared) beyond which it is cut off: a browser that does not read cannot make the
/// relay hold more than this for it.
pub const SOCKET_BYTE_BUDGET: usize = 16 * 1024 * 1024;
/// Browser sockets one user may hold open, over all machines and sessions.
pub const MAX_SOCKETS_PER_USER: usize = 32;
/// Browser sockets open on one machine, over all users.
pub const MAX_BROWSERS_PER_MACHINE: usize = 64;

/// Close codes the relay sends browsers (4000-4999 is the application's range).
pub mod close {
    /// Too many sockets for this user or this machine.
    pub const TOO_MANY: u16 = 4029;
    /// The browser session was signed out or has expired.
    pub const SIGNED_OUT: u16 = 4401;
    /// The user may no longer see this machine (its share was revoked).
    pub const REVOKED: u16 = 4403;
}

/// What a socket task is told to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Outbound {
    Text(Utf8Bytes),
    Close(u16, String),
}

/// One socket's queue, the bytes waiting in it, and the switch that ends its task at
/// once (for when the queue is full and even a Close frame cannot be queued).
#[derive(Clone)]
pub struct Link {
    pub tx: mpsc::Sender<Outbound>,
    pub kill: Arc<Notify>,
    queued: Arc<AtomicUsize>,
    /// A machine's second queue, written before the first: the owner's `cancel` and
    /// `removeTab` must not wait behind viewers' floods.
    urgent: Option<mpsc::Sender<Outbound>>,
}

/// Frames an urgent queue holds.
pub const URGENT_QUEUE: usize = 32;

/// Request types that overtake others on their way to the machine when the owner
/// sends them.
pub const URGENT_KINDS: &[&str] = &["cancel", "removeTab", "answerApproval"];

impl Link {
    pub fn new(tx: mpsc::Sender<Outbound>) -> Link {
        Link {
            tx,
            kill: Arc::new(Notify::new()),
            queued: Arc::new(AtomicUsize::new(0)),
            urgent: None,
        }
    }

    /// A machine's link, with its urgent queue (see [`Hub::to_machine_urgent`]).
    pub fn with_urgent(tx: mpsc::Sender<Outbound>, urgent: mpsc::Sender<Outbound>) -> Link {
        Link {
            urgent: Some(urgent),
            ..Link::new(tx)
        }
    }

    /// Close with `code`, or cut the socket off if its queue is full.
    fn close(&self, code: u16, reason: &str) {
        if self
            .tx
            .try_send(Outbound::Close(code, reason.to_owned()))
            .is_err()
        {
            self.kill.notify_one();
        }
    }

    /// Queue `text`, or cut the socket off when it is over its frame or byte budget
    /// (it reconnects and catches up).
    pub fn deliver(&self, text: &Utf8Bytes) {
        let len = text.len();
        let before = self.queued.fetch_add(len, Ordering::Relaxed);
        if before + len > SOCKET_BYTE_BUDGET {
            self.queued.fetch_sub(len, Ordering::Relaxed);
            self.kill.notify_one();
            return;
        }
        if self.tx.try_send(Outbound::Text(text.clone())).is_err() {
            self.queued.fetch_sub(len, Ordering::Relaxed);
            self.kill.notify_one();
        }
    }

    /// The socket task wrote (or dropped) a frame of `len` bytes.
    pub fn sent(&self, len: usize) {
        self.queued.fetch_sub(len, Ordering::Relaxed);
    }

    /// Bytes queued and not yet written.
    pub fn queued_bytes(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }
}

/// Who a browser socket belongs to.
#[derive(Debug, Clone)]
pub struct BrowserIdentity {
    pub machine_id: String,
    pub user_id: String,
    /// The hash of the session token it was opened with (see `Store::session_key`).
    pub session: String,
}

/// Why a browser socket was not attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooMany(pub &'static str);

struct MachineLink {
    connection_id: String,
    link: Link,
}

struct BrowserLink {
    identity: BrowserIdentity,
    link: Link,
}

#[derive(Default)]
struct Links {
    machines: HashMap<String, MachineLink>,
    browsers: HashMap<String, BrowserLink>,
}

/// The relay's live connections.
pub struct Hub {
    links: Mutex<Links>,
    /// Ticks whenever a machine goes on- or offline (for the machine list).
    presence: broadcast::Sender<()>,
}

/// Why a browser's frame did not reach its machine.
#[derive(Debug, PartialEq, Eq)]
pub enum SendError {
    Offline,
    Busy,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            links: Mutex::new(Links::default()),
            presence: broadcast::channel(64).0,
        }
    }
}

impl Hub {
    fn links(&self) -> std::sync::MutexGuard<'_, Links> {
        // A panic while holding the lock leaves plain maps behind: still usable.
        self.links.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Register a machine's socket, replacing (and closing) an older one.
    pub fn attach_machine(&self, machine_id: &str, connection_id: &str, link: Link) {
        let old = self.links().machines.insert(
            machine_id.to_owned(),
            MachineLink {
                connection_id: connection_id.to_owned(),
                link,
            },
        );
        if let Some(old) = old {
            old.link.close(
                mstro_protocol::handshake::CLOSE_REPLACED,
                "replaced by a newer connection",
            );
        }
        self.machine_status_changed(machine_id, true);
    }

    /// Forget a machine's socket, unless a newer one has replaced it already.
    pub fn detach_machine(&self, machine_id: &str, connection_id: &str) {
        let removed = {
            let mut links = self.links();
            match links.machines.get(machine_id) {
                Some(l) if l.connection_id == connection_id => {
                    links.machines.remove(machine_id);
                    true
                }
                _ => false,
            }
        };
        if removed {
            self.machine_status_changed(machine_id, false);
        }
    }

    pub fn is_online(&self, machine_id: &str) -> bool {
        self.links().machines.contains_key(machine_id)
    }

    /// Close a machine's socket (its device was revoked).
    pub fn disconnect_machine(&self, machine_id: &str, code: u16, reason: &str) {
        if let Some(l) = self.links().machines.get(machine_id) {
            l.link.close(code, reason);
        }
    }

    fn machine_status_changed(&self, machine_id: &str, online: bool) {
        let status = mstro_protocol::Envelope::machine_status(online).to_text();
        self.to_browsers_of(machine_id, status.into());
        let _ = self.presence.send(());
    }

    /// Ticks whenever a machine list may have changed: a machine went on- or offline,
    /// or was shared or unshared. Each machine-list stream reads its person's list anew.
    pub fn presence(&self) -> broadcast::Receiver<()> {
        self.presence.subscribe()
    }

    /// Who may see a machine changed (a share given or taken back): every open machine
    /// list is read anew, so the person it was shared with sees it come or go.
    pub fn machines_changed(&self) {
        let _ = self.presence.send(());
    }

    /// Register a browser's socket, unless its user or its machine already has as many
    /// as allowed.
    pub fn attach_browser(
        &self,
        browser_id: &str,
        identity: BrowserIdentity,
        link: Link,
    ) -> Result<(), TooMany> {
        let mut links = self.links();
        let (mut of_user, mut on_machine) = (0, 0);
        for b in links.browsers.values() {
            of_user += usize::from(b.identity.user_id == identity.user_id);
            on_machine += usize::from(b.identity.machine_id == identity.machine_id);
        }
        if of_user >= MAX_SOCKETS_PER_USER {
            return Err(TooMany(
                "too many open connections for this user: close other tabs or devices",
            ));
        }
        if on_machine >= MAX_BROWSERS_PER_MACHINE {
            return Err(TooMany("too many browsers are connected to this machine"));
        }
        links
            .browsers
            .insert(browser_id.to_owned(), BrowserLink { identity, link });
        Ok(())
    }

    /// Close every socket opened with the session whose key is `session` (it signed
    /// out or was ended).
    pub fn close_session(&self, session: &str) {
        self.close_browsers(|b| b.session == session, close::SIGNED_OUT, "signed out");
    }

    /// Close every socket of user `user_id` on machine `machine_id` (a revoked share).
    pub fn close_viewer(&self, user_id: &str, machine_id: &str) {
        self.close_browsers(
            |b| b.user_id == user_id && b.machine_id == machine_id,
            close::REVOKED,
            "access to this machine was revoked",
        );
    }

    fn close_browsers(&self, which: impl Fn(&BrowserIdentity) -> bool, code: u16, reason: &str) {
        for b in self
            .links()
            .browsers
            .values()
            .filter(|b| which(&b.identity))
        {
            b.link.close(code, reason);
        }
    }

    pub fn detach_browser(&self, browser_id: &str) {
        self.links().browsers.remove(browser_id);
    }

    /// A browser's frame (already stamped with `from` and `permission`) to its machine.
    pub fn to_machine(&self, machine_id: &str, text: String) -> Result<(), SendError> {
        let links = self.links();
        let machine = links.machines.get(machine_id).ok_or(SendError::Offline)?;
        // A machine is never cut off for being slow: the browser is told to retry.
        let link = &machine.link;
        let len = text.len();
        if link.queued.fetch_add(len, Ordering::Relaxed) + len > SOCKET_BYTE_BUDGET {
            link.queued.fetch_sub(len, Ordering::Relaxed);
            return Err(SendError::Busy);
        }
        link.tx.try_send(Outbound::Text(text.into())).map_err(|e| {
            link.queued.fetch_sub(len, Ordering::Relaxed);
            match e {
                mpsc::error::TrySendError::Full(_) => SendError::Busy,
                mpsc::error::TrySendError::Closed(_) => SendError::Offline,
            }
        })
    }

    /// An owner's control frame (`cancel`, `removeTab`) to its machine, ahead of
    /// whatever else is queued for it.
    pub fn to_machine_urgent(&self, machine_id: &str, text: String) -> Result<(), SendError> {
        let links = self.links();
        let machine = links.machines.get(machine_id).ok_or(SendError::Offline)?;
        let Some(urgent) = &machine.link.urgent else {
            drop(links);
            return self.to_machine(machine_id, text);
        };
        // Counted like any frame (the writer subtracts what it wrote), never refused
        // for the budget: it is small and it is what stops the flow.
        let len = text.len();
        machine.link.queued.fetch_add(len, Ordering::Relaxed);
        urgent.try_send(Outbound::Text(text.into())).map_err(|e| {
            machine.link.queued.fetch_sub(len, Ordering::Relaxed);
            match e {
                mpsc::error::TrySendError::Full(_) => SendError::Busy,
                mpsc::error::TrySendError::Closed(_) => SendError::Offline,
            }
        })
    }

    /// A machine's frame: to the browser named `to` if it is on this machine, else to
    /// nobody; without `to`, to every browser on the machine.
    pub fn from_machine(&self, machine_id: &str, to: Option<&str>, text: Utf8Bytes) {
        match to {
            Some(browser) => {
                let links = self.links();
                if let Some(b) = links.browsers.get(browser)
                    && b.identity.machine_id == machine_id
                {
                    b.link.deliver(&text);
                }
            }
            None => self.to_browsers_of(machine_id, text),
        }
    }

    /// One buffer for all of them: each socket's queue holds a reference, not a copy.
    fn to_browsers_of(&self, machine_id: &str, text: Utf8Bytes) {
        let links = self.links();
        for b in links
            .browsers
            .values()
            .filter(|b| b.identity.machine_id == machine_id)
        {
            b.link.deliver(&text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recv(rx: &mut mpsc::Receiver<Outbound>) -> Vec<Outbound> {
        let mut out = Vec::new();
        while let Ok(o) = rx.try_recv() {
            out.push(o);
        }
        out
    }

    fn text(s: &str) -> Outbound {
        Outbound::Text(s.into())
    }

    fn who(machine: &str, user: &str, session: &str) -> BrowserIdentity {
        BrowserIdentity {
            machine_id: machine.into(),
            user_id: user.into(),
            session: session.into(),
        }
    }

    #[test]
    fn replies_reach_only_the_browser_that_asked_on_that_machine() {
        let hub = Hub::default();
        let (m1, mut m1_rx) = mpsc::channel(8);
        hub.attach_machine("m1", "c1", Link::new(m1));
        let (a, mut a_rx) = mpsc::channel(8);
        let (b, mut b_rx) = mpsc::channel(8);
        let (c, mut c_rx) = mpsc::channel(8);
        hub.attach_browser("a", who("m1", "u", "s"), Link::new(a))
            .unwrap();
        hub.attach_browser("b", who("m1", "u", "s"), Link::new(b))
            .unwrap();
        hub.attach_browser("c", who("m2", "u", "s"), Link::new(c))
            .unwrap();
        hub.to_machine("m1", "x".into()).unwrap();
        assert_eq!(recv(&mut m1_rx), [text("x")]);
        hub.from_machine("m1", Some("a"), "reply".into());
        // A machine cannot address a browser of another machine.
        hub.from_machine("m1", Some("c"), "stolen".into());
        assert_eq!(recv(&mut a_rx), [text("reply")]);
        assert!(recv(&mut b_rx).is_empty());
        assert!(recv(&mut c_rx).is_empty());
        hub.from_machine("m1", None, "event".into());
        assert_eq!(recv(&mut b_rx), [text("event")]);
        assert!(recv(&mut c_rx).is_empty());
        assert_eq!(hub.to_machine("m2", "y".into()), Err(SendError::Offline));
    }

    #[test]
    fn a_newer_machine_socket_replaces_the_older() {
        let hub = Hub::default();
        let (old, mut old_rx) = mpsc::channel(8);
        let (new, _new_rx) = mpsc::channel(8);
        hub.attach_machine("m", "1", Link::new(old));
        hub.attach_machine("m", "2", Link::new(new));
        assert!(matches!(recv(&mut old_rx)[..], [Outbound::Close(4000, _)]));
        // The old socket's task ending does not take the new one offline.
        hub.detach_machine("m", "1");
        assert!(hub.is_online("m"));
        hub.detach_machine("m", "2");
        assert!(!hub.is_online("m"));
    }

    #[tokio::test]
    async fn a_browser_that_does_not_read_is_cut_off() {
        let hub = Hub::default();
        let (m, _m_rx) = mpsc::channel(8);
        hub.attach_machine("m", "c", Link::new(m));
        let (b, _b_rx) = mpsc::channel(2);
        let link = Link::new(b);
        let kill = link.kill.clone();
        hub.attach_browser("b", who("m", "u", "s"), link).unwrap();
        for _ in 0..3 {
            hub.from_machine("m", None, "event".into());
        }
        tokio::time::timeout(std::time::Duration::from_secs(1), kill.notified())
            .await
            .expect("the socket task is told to end");
    }

    #[tokio::test]
    async fn a_broadcast_is_one_buffer_and_a_socket_over_its_byte_budget_is_cut_off() {
        let hub = Hub::default();
        let (slow, _slow_rx) = mpsc::channel(SOCKET_QUEUE);
        let slow = Link::new(slow);
        let (fast, mut fast_rx) = mpsc::channel(SOCKET_QUEUE);
        let fast = Link::new(fast);
        hub.attach_browser("slow", who("m", "u", "s"), slow.clone())
            .unwrap();
        hub.attach_browser("fast", who("m", "v", "t"), fast.clone())
            .unwrap();
        let big = "x".repeat(1024 * 1024);
        let frame: Utf8Bytes = big.into();
        hub.from_machine("m", None, frame.clone());
        let Some(Outbound::Text(got)) = fast_rx.recv().await else {
            panic!("the fast socket got the frame");
        };
        // The same bytes, not a copy.
        assert_eq!(got.as_str().as_ptr(), frame.as_str().as_ptr());
        fast.sent(got.len());
        assert_eq!(fast.queued_bytes(), 0);
        assert_eq!(slow.queued_bytes(), 1024 * 1024);
        for _ in 1..SOCKET_BYTE_BUDGET / (1024 * 1024) {
            hub.from_machine("m", None, frame.clone());
            fast.sent(fast_rx.recv().await.map_or(0, |_| frame.len()));
        }
        assert_eq!(slow.queued_bytes(), SOCKET_BYTE_BUDGET);
        // One more byte than the budget: cut off, and the fast one is not.
        hub.from_machine("m", None, "y".into());
        tokio::time::timeout(std::time::Duration::from_secs(1), slow.kill.notified())
            .await
            .expect("the slow socket is told to end");
        assert!(matches!(fast_rx.recv().await, Some(Outbound::Text(t)) if t.as_str() == "y"));
    }

    #[test]
    fn a_machine_over_its_byte_budget_makes_browsers_retry_and_is_not_cut_off() {
        let hub = Hub::default();
        let (m, _m_rx) = mpsc::channel(SOCKET_QUEUE);
        let link = Link::new(m);
        hub.attach_machine("m", "c", link.clone());
        let big = "x".repeat(SOCKET_BYTE_BUDGET / 2);
        hub.to_machine("m", big.clone()).unwrap();
        hub.to_machine("m", big.clone()).unwrap();
        assert_eq!(hub.to_machine("m", "x".into()), Err(SendError::Busy));
        link.sent(big.len());
        hub.to_machine("m", "x".into()).unwrap();
        assert!(hub.is_online("m"));
    }

    #[test]
    fn control_frames_overtake_a_full_queue() {
        let hub = Hub::default();
        let (tx, mut rx) = mpsc::channel(2);
        let (utx, mut urx) = mpsc::channel(URGENT_QUEUE);
        hub.attach_machine("m", "c", Link::with_urgent(tx, utx));
        hub.to_machine("m", "read 1".into()).unwrap();
        hub.to_machine("m", "read 2".into()).unwrap();
        assert_eq!(hub.to_machine("m", "read 3".into()), Err(SendError::Busy));
        hub.to_machine_urgent("m", "cancel".into()).unwrap();
        assert_eq!(recv(&mut urx), [text("cancel")]);
        let link = hub.links().machines["m"].link.clone();
        assert_eq!(
            link.queued_bytes(),
            "read 1read 2cancel".len(),
            "counted once each"
        );
        assert_eq!(recv(&mut rx), [text("read 1"), text("read 2")]);
    }

    #[test]
    fn sockets_are_capped_per_user_and_per_machine() {
        let hub = Hub::default();
        let mut keep = Vec::new();
        let mut attach = |id: String, who: BrowserIdentity| {
            let (tx, rx) = mpsc::channel(1);
            keep.push(rx);
            hub.attach_browser(&id, who, Link::new(tx))
        };
        for i in 0..MAX_SOCKETS_PER_USER {
            attach(format!("a{i}"), who(&format!("m{}", i % 3), "ana", "s")).unwrap();
        }
        let refused = attach("a-last".into(), who("m9", "ana", "s2")).unwrap_err();
        assert!(refused.0.contains("this user"), "{refused:?}");
        // Other users are not affected by ana's count...
        for i in 0..MAX_BROWSERS_PER_MACHINE {
            attach(format!("b{i}"), who("busy", &format!("user{i}"), "s")).unwrap();
        }
        // ...but a machine has its own cap.
        let refused = attach("b-last".into(), who("busy", "zed", "z")).unwrap_err();
        assert!(refused.0.contains("machine"), "{refused:?}");
        hub.detach_browser("b0");
        attach("b-again".into(), who("busy", "zed", "z")).unwrap();
    }

    #[test]
    fn logout_and_revocation_close_exactly_the_sockets_they_name() {
        let hub = Hub::default();
        let mut rx = HashMap::new();
        for (id, who) in [
            ("ana-phone", who("m1", "ana", "s-phone")),
            ("ana-phone-2", who("m2", "ana", "s-phone")),
            ("ana-laptop", who("m1", "ana", "s-laptop")),
            ("bob", who("m1", "bob", "s-bob")),
        ] {
            let (tx, r) = mpsc::channel(8);
            rx.insert(id, r);
            hub.attach_browser(id, who, Link::new(tx)).unwrap();
        }
        let closed = |rx: &mut HashMap<&'static str, mpsc::Receiver<Outbound>>| {
            let mut ids: Vec<(&'static str, u16)> = rx
                .iter_mut()
                .filter_map(|(id, r)| match recv(r).pop() {
                    Some(Outbound::Close(code, _)) => Some((*id, code)),
                    _ => None,
                })
                .collect();
            ids.sort();
            ids
        };
        hub.close_session("s-phone");
        assert_eq!(
            closed(&mut rx),
            [
                ("ana-phone", close::SIGNED_OUT),
                ("ana-phone-2", close::SIGNED_OUT)
            ]
        );
        hub.close_viewer("bob", "m2");
        assert_eq!(closed(&mut rx), []);
        hub.close_viewer("bob", "m1");
        assert_eq!(closed(&mut rx), [("bob", close::REVOKED)]);
    }
}
