//! A streamed server-sent-events body whose pieces may wait (a dribble's deltas).

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use serde_json::{Value, json};

/// A streamed SSE body, in pieces: each piece goes out after its pause, so only a
/// dribble's later deltas wait; everything else is sent at once.
pub(crate) struct Sse {
    pieces: Vec<(Duration, String)>,
}

impl Default for Sse {
    fn default() -> Sse {
        Sse {
            pieces: vec![(Duration::ZERO, String::new())],
        }
    }
}

impl Sse {
    pub(crate) fn event(&mut self, name: &str, data: Value) {
        let piece = self.pieces.last_mut().expect("never empty");
        piece
            .1
            .push_str(&format!("event: {name}\ndata: {data}\n\n"));
    }

    pub(crate) fn pause(&mut self, pause: Duration) {
        self.pieces.push((pause, String::new()));
    }

    pub(crate) fn start(&mut self, index: usize, block: Value) {
        self.event(
            "content_block_start",
            json!({"type": "content_block_start", "index": index, "content_block": block}),
        );
    }

    pub(crate) fn delta(&mut self, index: usize, delta: Value) {
        self.event(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index, "delta": delta}),
        );
    }

    pub(crate) fn stop(&mut self, index: usize) {
        self.event(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        );
    }

    /// A body that sends each piece after its pause. It ends when the client goes
    /// (hyper drops it) or, cut short, when the fake stops.
    pub(crate) fn into_body(self, stopping: tokio::sync::watch::Receiver<bool>) -> Body {
        let state = (self.pieces.into_iter(), stopping);
        let pieces = futures_util::stream::unfold(state, |(mut rest, mut stopping)| async move {
            let (pause, text) = rest.next()?;
            if !pause.is_zero() {
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    _ = stopping.wait_for(|stop| *stop) => return None,
                }
            }
            Some((Ok::<_, Infallible>(Bytes::from(text)), (rest, stopping)))
        });
        Body::from_stream(pieces)
    }
}
