//! A loopback HTTP server that answers every request with one fixed answer, for what the
//! emulator never sends (terminal escapes in its text), and a bare TCP listener that only counts
//! who connects (to prove a request went, or did not go, to a host).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Serves `status` + `body` (JSON) with an `X-Request-Id` header to every request.
pub struct FixedServer {
    pub endpoint: String,
    served: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FixedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FixedServer {
    pub async fn start(status: u16, request_id: &str, body: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let served = Arc::new(AtomicUsize::new(0));
        let counter = served.clone();
        let head = format!(
            "HTTP/1.1 {status} Answer\r\ncontent-type: application/json\r\n\
             x-request-id: {request_id}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        let answer: Arc<Vec<u8>> = Arc::new([head.into_bytes(), body.into_bytes()].concat());
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(answer_one(socket, answer.clone()));
            }
        });
        Self {
            endpoint,
            served,
            task,
        }
    }

    /// How many requests it has answered.
    pub fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }
}

/// Reads one request (headers, then `Content-Length` bytes), then writes `answer`.
async fn answer_one(mut socket: TcpStream, answer: Arc<Vec<u8>>) {
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
    let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while request.len() < head_end + length {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&chunk[..n]),
        }
    }
    let _ = socket.write_all(&answer).await;
    let _ = socket.shutdown().await;
}

/// A TCP listener on loopback that accepts and drops connections, counting them.
pub struct Doorbell {
    pub port: u16,
    rung: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Doorbell {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Doorbell {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let rung = Arc::new(AtomicUsize::new(0));
        let counter = rung.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        Self { port, rung, task }
    }

    /// How many connections it has seen.
    pub fn rung(&self) -> usize {
        self.rung.load(Ordering::SeqCst)
    }
}
