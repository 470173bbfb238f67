//! Text deltas arrive a few characters at a time; browsers get them in chunks of about
//! [`COALESCE_EVERY`], so a fast model does not turn into thousands of frames. Order is
//! kept: any other event first flushes the text before it.

use std::time::Duration;

use mstro_protocol::event::{TabEvent, TextChunk};

/// How long text may wait before it is sent.
pub const COALESCE_EVERY: Duration = Duration::from_millis(50);

/// Pending text, at most one chunk (output or thinking, one parent) at a time.
#[derive(Debug, Default)]
pub struct Coalescer {
    pending: Option<TabEvent>,
}

impl Coalescer {
    /// Take one event; returns the events ready to send now, in order.
    pub fn push(&mut self, event: TabEvent) -> Vec<TabEvent> {
        let mut ready = Vec::new();
        match (&mut self.pending, event) {
            (Some(TabEvent::Output(p)), TabEvent::Output(e))
            | (Some(TabEvent::Thinking(p)), TabEvent::Thinking(e))
                if same_stream(p, &e) =>
            {
                p.text.push_str(&e.text);
            }
            (_, e @ (TabEvent::Output(_) | TabEvent::Thinking(_))) => {
                ready.extend(self.pending.take());
                self.pending = Some(e);
            }
            (_, e) => {
                ready.extend(self.pending.take());
                ready.push(e);
            }
        }
        ready
    }

    /// The text waiting, if any (the timer fired, or the run ended).
    pub fn flush(&mut self) -> Option<TabEvent> {
        self.pending.take()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_none()
    }
}

fn same_stream(a: &TextChunk, b: &TextChunk) -> bool {
    a.movement_id == b.movement_id && a.parent_tool_use_id == b.parent_tool_use_id
}

#[cfg(test)]
mod tests {
    use super::*;
    use mstro_protocol::event::{StreamingTokens, TabEvent};

    fn out(text: &str, parent: Option<&str>) -> TabEvent {
        TabEvent::Output(TextChunk {
            movement_id: "m".into(),
            text: text.into(),
            parent_tool_use_id: parent.map(Into::into),
        })
    }

    fn think(text: &str) -> TabEvent {
        TabEvent::Thinking(TextChunk {
            movement_id: "m".into(),
            text: text.into(),
            parent_tool_use_id: None,
        })
    }

    #[test]
    fn deltas_merge_until_something_else_comes() {
        let mut c = Coalescer::default();
        assert!(c.push(out("Hel", None)).is_empty());
        assert!(c.push(out("lo", None)).is_empty());
        let tokens = TabEvent::StreamingTokens(StreamingTokens {
            movement_id: "m".into(),
            output_tokens: 3,
        });
        assert_eq!(c.push(tokens.clone()), [out("Hello", None), tokens.clone()]);
        assert!(c.is_empty());
        assert!(c.push(think("hmm")).is_empty());
        assert_eq!(c.push(out("a", None)), [think("hmm")]);
        assert_eq!(c.push(out("b", Some("toolu_1"))), [out("a", None)]);
        assert_eq!(c.flush(), Some(out("b", Some("toolu_1"))));
        assert_eq!(c.flush(), None);
    }
}
