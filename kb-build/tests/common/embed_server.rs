//! A fake OpenAI-compatible embedding server (`POST /v1/embeddings`) that records every request and
//! can be told to misbehave: an HTTP error, a body that is not JSON or lacks `data`, one vector too
//! few, vectors of another size, or an answer slower than the client's timeout. Dropping it stops it,
//! so its URL then refuses connections like a server that is down.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Ok,
    Status(u16),
    NotJson,
    NoData,
    OneShort,
    OtherDims,
    Slow(Duration),
    /// Answers the first `n` requests (counted since the last `clear`), then HTTP 500.
    FailAfter(usize),
}

pub struct EmbedServer {
    /// `http://127.0.0.1:PORT/v1`, as given to --embedding-url.
    pub base: String,
    pub dims: usize,
    mode: Arc<Mutex<Mode>>,
    log: Arc<Mutex<Vec<Value>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

/// The vector the fake server gives a text: deterministic, `dims` long.
pub fn vector_for(text: &str, dims: usize) -> Vec<f32> {
    let h = Sha256::digest(text.as_bytes());
    (0..dims).map(|i| f32::from(h[i % 32]) / 255.0 - 0.5).collect()
}

/// A base URL nothing listens on (connections are refused).
pub fn dead_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}/v1")
}

impl EmbedServer {
    pub fn start(dims: usize) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let base = format!("http://{}/v1", server.server_addr().to_ip().unwrap());
        let mode = Arc::new(Mutex::new(Mode::Ok));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (srv, m, sink) = (Arc::clone(&server), Arc::clone(&mode), Arc::clone(&log));
        let thread = std::thread::spawn(move || {
            while let Ok(mut req) = srv.recv() {
                let mut body = Vec::new();
                req.as_reader().read_to_end(&mut body).unwrap();
                let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let seen = {
                    let mut log = sink.lock().unwrap();
                    log.push(parsed.clone());
                    log.len()
                };
                let mode = match *m.lock().unwrap() {
                    Mode::FailAfter(n) if seen > n => Mode::Status(500),
                    Mode::FailAfter(_) => Mode::Ok,
                    other => other,
                };
                let (status, text) = answer(mode, req.url(), &parsed, dims);
                let resp = tiny_http::Response::from_string(text)
                    .with_status_code(status)
                    .with_header("Content-Type: application/json".parse::<tiny_http::Header>().unwrap());
                let _ = req.respond(resp);
            }
        });
        Self {
            base,
            dims,
            mode,
            log,
            server,
            thread: Some(thread),
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Request bodies so far.
    pub fn requests(&self) -> Vec<Value> {
        self.log.lock().unwrap().clone()
    }

    /// Every text sent so far, in order.
    pub fn texts(&self) -> Vec<String> {
        self.requests()
            .iter()
            .flat_map(|r| r["input"].as_array().cloned().unwrap_or_default())
            .map(|t| t.as_str().unwrap_or_default().to_string())
            .collect()
    }

    pub fn clear(&self) {
        self.log.lock().unwrap().clear();
    }
}

impl Drop for EmbedServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn answer(mode: Mode, url: &str, req: &Value, dims: usize) -> (u16, String) {
    if url != "/v1/embeddings" {
        return (404, json!({ "error": "not found" }).to_string());
    }
    let texts: Vec<&str> = req["input"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let data = |n: usize, dims: usize| -> Value {
        let d: Vec<Value> = texts
            .iter()
            .take(n)
            .enumerate()
            .map(|(i, t)| json!({ "object": "embedding", "index": i, "embedding": vector_for(t, dims) }))
            .collect();
        json!({ "object": "list", "data": d, "model": req["model"] })
    };
    match mode {
        Mode::Ok => (200, data(texts.len(), dims).to_string()),
        Mode::Slow(d) => {
            std::thread::sleep(d);
            (200, data(texts.len(), dims).to_string())
        }
        Mode::Status(code) => (code, json!({ "error": { "message": "model overloaded" } }).to_string()),
        Mode::NotJson => (200, "<html>502 Bad Gateway</html>".into()),
        Mode::NoData => (200, json!({ "object": "list", "embeddings": [] }).to_string()),
        Mode::OneShort => (200, data(texts.len().saturating_sub(1), dims).to_string()),
        Mode::OtherDims => (200, data(texts.len(), dims + 1).to_string()),
        Mode::FailAfter(_) => unreachable!("resolved per request"),
    }
}
