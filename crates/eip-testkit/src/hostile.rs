//! A raw, hostile HTTP server on loopback: it answers whatever the test says, byte for byte —
//! truncated bodies, connections closed without a byte, odd statuses and headers — and counts
//! the requests it read. Unlike the emulator it knows no API: it is for the answers no real
//! cloud should send but a proxy, a gateway or an attacker can.
//!
//! [`HostileServer`] answers from a fixed list, byte for byte; [`RawServer`] answers each
//! request with what a handler returns (keep-alive, requests recorded), and [`gateway`] puts
//! one in front of the emulator to forward and then misbehave.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server answers to one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A complete answer: the status, extra headers (`Content-Length` is added), the body.
    Http {
        /// The status code (any number, even one HTTP does not define).
        status: u16,
        /// Extra headers; a value with a byte outside printable ASCII is left out.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// The status line and a `Content-Length` 100 bytes longer than the body that follows.
    Truncated {
        /// The status code.
        status: u16,
        /// The bytes sent before the connection closes.
        body: Vec<u8>,
    },
    /// The connection is closed without a byte.
    Close,
}

impl Answer {
    /// A complete answer without extra headers.
    pub fn http(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::Http {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header to a complete answer (other answers are returned unchanged).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Self::Http { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Whether it is a complete 2xx answer.
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            Self::Http {
                status: 200..=299,
                ..
            }
        )
    }
}

/// Statuses, weighted towards the ones APIs send: 200 most, then 201, 400, 401, 404, 429, 503,
/// and any number from 100 to 599.
pub fn status() -> BoxedStrategy<u16> {
    prop_oneof![
        4 => Just(200u16),
        1 => Just(201),
        1 => Just(400),
        1 => Just(401),
        1 => Just(404),
        1 => Just(429),
        1 => Just(503),
        1 => 100u16..600,
    ]
    .boxed()
}

/// Delay-header values: `u64::MAX`, negative, small numbers, and any short text.
pub fn delay_value() -> BoxedStrategy<String> {
    prop_oneof![
        Just(u64::MAX.to_string()),
        Just("-1".to_owned()),
        "[0-9]{1,4}",
        ".{0,8}",
    ]
    .boxed()
}

/// Answers: mostly complete ones with a `body` and, sometimes, the delay header `delay_header`
/// holding a [`delay_value`]; sometimes truncated; sometimes a closed connection.
pub fn answer(body: BoxedStrategy<Vec<u8>>, delay_header: &'static str) -> BoxedStrategy<Answer> {
    let complete = (status(), prop::option::of(delay_value()), body.clone()).prop_map(
        move |(status, delay, body)| {
            let answer = Answer::http(status, body);
            match delay {
                Some(value) => answer.with_header(delay_header, value),
                None => answer,
            }
        },
    );
    prop_oneof![
        6 => complete,
        1 => (status(), body).prop_map(|(status, body)| Answer::Truncated { status, body }),
        1 => Just(Answer::Close),
    ]
    .boxed()
}

/// A running hostile server; dropping it stops it.
#[derive(Debug)]
pub struct HostileServer {
    endpoint: String,
    served: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HostileServer {
    /// Answers the n-th connection with `answers[n % len]` (one request per connection).
    ///
    /// # Panics
    /// When `answers` is empty or loopback cannot be bound.
    pub async fn start(answers: Vec<Answer>) -> Self {
        Self::start_with_first(None, answers).await
    }

    /// Answers the first connection with `first` when given (an IAM token that lets the
    /// provider through, say), then cycles through `answers`.
    ///
    /// # Panics
    /// When `answers` is empty or loopback cannot be bound.
    pub async fn start_with_first(first: Option<Answer>, answers: Vec<Answer>) -> Self {
        assert!(!answers.is_empty(), "a hostile server needs answers");
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(e) => panic!("cannot bind loopback: {e}"),
        };
        let endpoint = match listener.local_addr() {
            Ok(addr) => format!("http://{addr}"),
            Err(e) => panic!("no local address: {e}"),
        };
        let served = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (counter, seen) = (served.clone(), heads.clone());
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let answer = match (&first, n) {
                    (Some(first), 0) => first.clone(),
                    (Some(_), n) => answers[(n - 1) % answers.len()].clone(),
                    (None, n) => answers[n % answers.len()].clone(),
                };
                tokio::spawn(serve(socket, answer, seen.clone()));
            }
        });
        Self {
            endpoint,
            served,
            heads,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Connections accepted so far (one request each).
    pub fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }

    /// The request lines and headers read so far, in arrival order.
    pub fn heads(&self) -> Vec<String> {
        self.heads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Reads one request (headers and `Content-Length` bytes of body), then answers.
async fn serve(mut socket: TcpStream, answer: Answer, heads: Arc<Mutex<Vec<String>>>) {
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&chunk[..n]),
        }
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
    let length: usize = head
        .to_ascii_lowercase()
        .lines()
        .find_map(|l| {
            l.strip_prefix("content-length:")
                .map(|v| v.trim().to_owned())
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    heads
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(head);
    while request.len() < head_end.saturating_add(length) {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&chunk[..n]),
        }
    }
    let (head, body) = match answer {
        Answer::Close => return,
        Answer::Http {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} Hostile\r\ncontent-length: {}\r\n",
                body.len()
            );
            for (name, value) in headers {
                if name.bytes().all(|b| b.is_ascii_graphic())
                    && value.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
                {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
            }
            (head, body)
        }
        Answer::Truncated { status, body } => (
            format!(
                "HTTP/1.1 {status} Hostile\r\ncontent-length: {}\r\n",
                body.len() + 100
            ),
            body,
        ),
    };
    let head = format!("{head}connection: close\r\n\r\n");
    let _ = socket.write_all(head.as_bytes()).await;
    let _ = socket.write_all(&body).await;
    let _ = socket.shutdown().await;
}

/// One request as a [`RawServer`] received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The method (`GET`, `PUT`...).
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The request line and the headers, as sent.
    pub head: String,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
}

/// One answer of a [`RawServer`] (`Content-Length` is added).
#[derive(Clone, Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Answers one request of a [`RawServer`].
pub type Handler = Arc<
    dyn Fn(Received) -> std::pin::Pin<Box<dyn std::future::Future<Output = Reply> + Send>>
        + Send
        + Sync,
>;

/// A tiny HTTP/1.1 server on loopback that answers every request (keep-alive included) with
/// what a handler returns and records what it received: a misbehaving endpoint for tests the
/// emulator cannot stage (redirects, answers naming bad ids), or, with [`gateway`], a gateway in
/// front of the emulator. It stops when dropped.
#[derive(Debug)]
pub struct RawServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RawServer {
    /// A server answering each request with `handler`.
    ///
    /// # Panics
    /// When loopback cannot be bound.
    pub async fn start(handler: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Self {
        let handler = Arc::new(handler);
        Self::start_async(Arc::new(move |received: Received| {
            let reply = handler(&received);
            Box::pin(async move { reply })
                as std::pin::Pin<Box<dyn std::future::Future<Output = Reply> + Send>>
        }))
        .await
    }

    /// A server whose handler may await (a gateway forwarding to the emulator).
    ///
    /// # Panics
    /// When loopback cannot be bound.
    pub async fn start_async(handler: Handler) -> Self {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(e) => panic!("cannot bind loopback: {e}"),
        };
        let url = match listener.local_addr() {
            Ok(addr) => format!("http://{addr}"),
            Err(e) => panic!("no local address: {e}"),
        };
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve_raw(socket, handler.clone(), log.clone()));
            }
        });
        Self {
            url,
            received,
            task,
        }
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

async fn serve_raw(mut socket: TcpStream, handler: Handler, log: Arc<Mutex<Vec<Received>>>) {
    let mut buffer = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let length = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let body_start = head_end + 4;
        let body_end = body_start.saturating_add(length);
        while buffer.len() < body_end {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buffer[body_start..body_end].to_vec();
        buffer.drain(..body_end);
        let mut words = head.split_whitespace();
        let received = Received {
            method: words.next().unwrap_or_default().to_owned(),
            target: words.next().unwrap_or_default().to_owned(),
            head: head.clone(),
            body,
        };
        log.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(received.clone());
        let reply = handler(received).await;
        let mut out = format!("HTTP/1.1 {} X\r\n", reply.status);
        for (name, value) in &reply.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&reply.body);
        if socket.write_all(&bytes).await.is_err() {
            return;
        }
    }
}

/// A gateway in front of the emulator that forwards each request and then misbehaves the way
/// real gateways do: it answers `504 APIG.0201` (or an HTML page) for a request the emulator has
/// executed, or makes reads lag behind writes by rewriting their answers.
pub mod gateway {
    use std::sync::Arc;

    use super::{RawServer, Received, Reply};

    /// What the gateway does with one request.
    pub enum Step {
        /// Answer this without forwarding (the emulator never sees the request).
        Refuse(Reply),
        /// Forward, then answer this instead of the emulator's answer (commit, then an error).
        CommitThen(Reply),
        /// Forward, then pass the emulator's answer through `rewrite`.
        Rewrite(Box<dyn FnOnce(Reply) -> Reply + Send>),
        /// Forward and pass the answer through.
        Forward,
    }

    /// Huawei API Gateway's answer when the backend did not answer in time.
    pub fn backend_timeout() -> Reply {
        Reply::json(
            504,
            serde_json::json!({"error_code": "APIG.0201", "error_msg": "Backend timeout."}),
        )
    }

    /// A proxy's HTML page.
    pub fn html_page(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: format!("<html><body><h1>{status} Bad Gateway</h1></body></html>").into_bytes(),
        }
    }

    /// Starts a gateway to `upstream` (an endpoint of the emulator) deciding with `rule`. A
    /// request the emulator cannot be reached for is answered `502` with an HTML page.
    ///
    /// # Panics
    /// When loopback cannot be bound or no HTTP client can be built.
    pub async fn start(
        upstream: &str,
        rule: impl Fn(&Received) -> Step + Send + Sync + 'static,
    ) -> RawServer {
        let upstream = upstream.trim_end_matches('/').to_owned();
        let client = match reqwest::Client::builder().no_proxy().build() {
            Ok(client) => client,
            Err(e) => panic!("no HTTP client: {e}"),
        };
        let rule = Arc::new(rule);
        RawServer::start_async(Arc::new(move |received: Received| {
            let (client, upstream, rule) = (client.clone(), upstream.clone(), rule.clone());
            Box::pin(async move {
                let step = rule(&received);
                if let Step::Refuse(reply) = step {
                    return reply;
                }
                let real = forward(&client, &upstream, &received)
                    .await
                    .unwrap_or_else(|| html_page(502));
                match step {
                    Step::CommitThen(reply) => reply,
                    Step::Rewrite(rewrite) => rewrite(real),
                    Step::Forward | Step::Refuse(_) => real,
                }
            })
        }))
        .await
    }

    async fn forward(
        client: &reqwest::Client,
        upstream: &str,
        received: &Received,
    ) -> Option<Reply> {
        let method = reqwest::Method::from_bytes(received.method.as_bytes()).ok()?;
        let mut request = client.request(method, format!("{upstream}{}", received.target));
        for line in received.head.lines().skip(1) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let name = name.trim();
            if ["host", "content-length", "connection"]
                .iter()
                .any(|h| name.eq_ignore_ascii_case(h))
            {
                continue;
            }
            request = request.header(name, value.trim());
        }
        let response = request.body(received.body.clone()).send().await.ok()?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter(|(n, _)| {
                !["content-length", "transfer-encoding", "connection"]
                    .iter()
                    .any(|h| n.as_str().eq_ignore_ascii_case(h))
            })
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let body = response.bytes().await.ok()?.to_vec();
        Some(Reply {
            status,
            headers,
            body,
        })
    }
}
