//! A raw, hostile HTTP server on loopback: it answers whatever the test says, byte for byte —
//! truncated bodies, connections closed without a byte, odd statuses and headers — and counts
//! the requests it read. Unlike the emulator it knows no API: it is for the answers no real
//! cloud should send but a proxy, a gateway or an attacker can.

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
