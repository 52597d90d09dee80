//! A streamed response: the handler keeps the sending half of a channel (in a `wait_until` task) and the
//! response streams the receiving half as `text/event-stream`. Used by the chat stream, its resumption and
//! the OpenAI-compatible completions.

use std::time::Duration;

use futures_channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use nuzantara_shared::chat::reply::{HEARTBEAT_SECS, SSE_HEADERS};
use nuzantara_shared::chat::turn::EventOut;
use nuzantara_shared::chat::ChatEvent;
use nuzantara_shared::error::ApiResult;
use nuzantara_shared::sse;
use worker::{Delay, Response};

use crate::respond::internal;

type Bytes = Result<Vec<u8>, worker::Error>;

/// Where a streamed response's frames go. Sending after the client left is not an error: the work goes on
/// (and a chat turn is stored for resumption).
pub struct Frames(UnboundedSender<Bytes>);

/// A chat turn's events as SSE frames, as they come.
impl EventOut for Frames {
    fn emit(&mut self, _event: &ChatEvent, frame: String) {
        self.send(frame);
    }
}

impl Frames {
    pub fn send(&self, frame: String) {
        let _ = self.0.unbounded_send(Ok(frame.into_bytes()));
    }

    /// Ends the response now, whatever other clone (a heartbeat's) is still held.
    pub fn close(&self) {
        self.0.close_channel();
    }

    /// Sends an SSE comment every [`HEARTBEAT_SECS`] until the response is closed or the client leaves, so
    /// that proxies keep a quiet stream (a slow model, a long tool call) open.
    pub fn heartbeat(&self) {
        let tx = self.0.clone();
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                Delay::from(Duration::from_secs(HEARTBEAT_SECS)).await;
                if tx.unbounded_send(Ok(sse::heartbeat().as_bytes().to_vec())).is_err() {
                    break;
                }
            }
        });
    }
}

/// A sender for the frames and the SSE response that streams them.
pub fn sse() -> ApiResult<(Frames, Response)> {
    let (tx, rx): (_, UnboundedReceiver<Bytes>) = unbounded();
    let mut resp = Response::from_stream(rx).map_err(internal)?;
    for (k, v) in SSE_HEADERS {
        resp.headers_mut().set(k, v).map_err(internal)?;
    }
    Ok((Frames(tx), resp))
}
