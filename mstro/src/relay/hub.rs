//! Who is connected to the relay right now, and the routing between them: a frame
//! from a browser goes to its machine; a machine's reply goes to the one browser named
//! in `to` (only if that browser is looking at this machine), an event to every
//! browser on the machine.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, broadcast, mpsc};

/// Frames queued for one socket. A socket that falls this far behind is cut off
/// rather than slowing everyone else down.
pub const SOCKET_QUEUE: usize = 256;

/// What a socket task is told to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Outbound {
    Text(String),
    Close(u16, String),
}

/// One socket's queue, and the switch that ends its task at once (for when the queue
/// is full and even a Close frame cannot be queued).
#[derive(Clone)]
pub struct Link {
    pub tx: mpsc::Sender<Outbound>,
    pub kill: Arc<Notify>,
}

impl Link {
    pub fn new(tx: mpsc::Sender<Outbound>) -> Link {
        Link {
            tx,
            kill: Arc::new(Notify::new()),
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

    fn deliver(&self, text: &str) {
        if let Err(mpsc::error::TrySendError::Full(_)) =
            self.tx.try_send(Outbound::Text(text.to_owned()))
        {
            // Not reading: cut it off; it reconnects and catches up.
            self.kill.notify_one();
        }
    }
}

struct MachineLink {
    connection_id: String,
    link: Link,
}

struct BrowserLink {
    machine_id: String,
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
                crate::protocol::handshake::CLOSE_REPLACED,
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
        let status = crate::protocol::Envelope::new(
            "machineStatus",
            serde_json::json!({ "online": online }),
        )
        .to_text();
        self.to_browsers_of(machine_id, &status);
        let _ = self.presence.send(());
    }

    pub fn presence(&self) -> broadcast::Receiver<()> {
        self.presence.subscribe()
    }

    pub fn attach_browser(&self, browser_id: &str, machine_id: &str, link: Link) {
        self.links().browsers.insert(
            browser_id.to_owned(),
            BrowserLink {
                machine_id: machine_id.to_owned(),
                link,
            },
        );
    }

    pub fn detach_browser(&self, browser_id: &str) {
        self.links().browsers.remove(browser_id);
    }

    /// A browser's frame (already stamped with `from` and `permission`) to its machine.
    pub fn to_machine(&self, machine_id: &str, text: String) -> Result<(), SendError> {
        let links = self.links();
        let machine = links.machines.get(machine_id).ok_or(SendError::Offline)?;
        machine
            .link
            .tx
            .try_send(Outbound::Text(text))
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => SendError::Busy,
                mpsc::error::TrySendError::Closed(_) => SendError::Offline,
            })
    }

    /// A machine's frame: to the browser named `to` if it is on this machine, else to
    /// nobody; without `to`, to every browser on the machine.
    pub fn from_machine(&self, machine_id: &str, to: Option<&str>, text: &str) {
        match to {
            Some(browser) => {
                let links = self.links();
                if let Some(b) = links.browsers.get(browser)
                    && b.machine_id == machine_id
                {
                    b.link.deliver(text);
                }
            }
            None => self.to_browsers_of(machine_id, text),
        }
    }

    fn to_browsers_of(&self, machine_id: &str, text: &str) {
        let links = self.links();
        for b in links
            .browsers
            .values()
            .filter(|b| b.machine_id == machine_id)
        {
            b.link.deliver(text);
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

    #[test]
    fn replies_reach_only_the_browser_that_asked_on_that_machine() {
        let hub = Hub::default();
        let (m1, mut m1_rx) = mpsc::channel(8);
        hub.attach_machine("m1", "c1", Link::new(m1));
        let (a, mut a_rx) = mpsc::channel(8);
        let (b, mut b_rx) = mpsc::channel(8);
        let (c, mut c_rx) = mpsc::channel(8);
        hub.attach_browser("a", "m1", Link::new(a));
        hub.attach_browser("b", "m1", Link::new(b));
        hub.attach_browser("c", "m2", Link::new(c));
        hub.to_machine("m1", "x".into()).unwrap();
        assert_eq!(recv(&mut m1_rx), [Outbound::Text("x".into())]);
        hub.from_machine("m1", Some("a"), "reply");
        // A machine cannot address a browser of another machine.
        hub.from_machine("m1", Some("c"), "stolen");
        assert_eq!(recv(&mut a_rx), [Outbound::Text("reply".into())]);
        assert!(recv(&mut b_rx).is_empty());
        assert!(recv(&mut c_rx).is_empty());
        hub.from_machine("m1", None, "event");
        assert_eq!(recv(&mut b_rx), [Outbound::Text("event".into())]);
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
        hub.attach_browser("b", "m", link);
        for _ in 0..3 {
            hub.from_machine("m", None, "event");
        }
        tokio::time::timeout(std::time::Duration::from_secs(1), kill.notified())
            .await
            .expect("the socket task is told to end");
    }
}
