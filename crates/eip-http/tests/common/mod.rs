//! A tiny HTTP/1.1 server on loopback for the client tests: it records every request it
//! reads and answers each with what the test's handler says, byte for byte.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server read it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The request line and headers, as sent.
    pub head: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Seen {
    /// The request line.
    pub fn line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }

    /// A header's value (names compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// What to answer.
pub enum Reply {
    /// These bytes, then close.
    Raw(Vec<u8>),
    /// A status line and headers, then `chunk` repeated until `total` bytes were written or
    /// the client stopped reading; `chunked` frames it with chunked transfer encoding,
    /// otherwise the head declares `Content-Length: total`.
    Stream {
        chunked: bool,
        chunk: usize,
        total: u64,
    },
    /// The head only (with a `Content-Length` that never arrives), then silence.
    HeadThenHang,
    /// Nothing at all, ever.
    Hang,
}

impl Reply {
    /// A complete answer with a body and extra header lines (`"Name: value"`).
    pub fn status(status: u16, headers: &[&str], body: &str) -> Self {
        let mut raw = format!(
            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        for header in headers {
            raw.push_str(header);
            raw.push_str("\r\n");
        }
        raw.push_str("\r\n");
        raw.push_str(body);
        Self::Raw(raw.into_bytes())
    }
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    written: Arc<AtomicU64>,
}

impl Server {
    /// Starts a server answering every request with `handler(request)`.
    pub async fn start<H>(handler: H) -> Self
    where
        H: Fn(&Seen) -> Reply + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let written = Arc::new(AtomicU64::new(0));
        let handler = Arc::new(handler);
        let (s, w) = (seen.clone(), written.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (s, w, handler) = (s.clone(), w.clone(), handler.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &s, &w, &*handler).await;
                });
            }
        });
        Self {
            addr,
            seen,
            written,
        }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> url::Url {
        url::Url::parse(&format!("http://{}{path}", self.addr)).unwrap()
    }

    /// The requests read so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Body bytes written to clients so far.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

async fn serve(
    mut stream: TcpStream,
    seen: &Mutex<Vec<Seen>>,
    written: &AtomicU64,
    handler: &(dyn Fn(&Seen) -> Reply + Send + Sync),
) -> std::io::Result<()> {
    let request = read_request(&mut stream).await?;
    seen.lock().unwrap().push(request.clone());
    match handler(&request) {
        Reply::Raw(bytes) => {
            stream.write_all(&bytes).await?;
            stream.shutdown().await
        }
        Reply::Stream {
            chunked,
            chunk,
            total,
        } => {
            let framing = if chunked {
                "Transfer-Encoding: chunked".to_owned()
            } else {
                format!("Content-Length: {total}")
            };
            let head =
                format!("HTTP/1.1 200 OK\r\n{framing}\r\nContent-Type: application/json\r\n\r\n");
            stream.write_all(head.as_bytes()).await?;
            let piece = vec![b' '; chunk];
            let mut sent = 0u64;
            while sent < total {
                if chunked {
                    stream
                        .write_all(format!("{chunk:x}\r\n").as_bytes())
                        .await?;
                    stream.write_all(&piece).await?;
                    stream.write_all(b"\r\n").await?;
                } else {
                    stream.write_all(&piece).await?;
                }
                sent += chunk as u64;
                written.fetch_add(chunk as u64, Ordering::Relaxed);
            }
            Ok(())
        }
        Reply::HeadThenHang => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{")
                .await?;
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        }
    }
}

/// Reads one request: the head up to the blank line, then `Content-Length` bytes of body.
pub async fn read_request(stream: &mut TcpStream) -> std::io::Result<Seen> {
    let mut buffer = Vec::new();
    let mut byte = [0u8; 1024];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut byte).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&byte[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut seen = Seen {
        head,
        body: buffer[head_end..].to_vec(),
    };
    let length: usize = seen
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while seen.body.len() < length {
        let n = stream.read(&mut byte).await?;
        if n == 0 {
            break;
        }
        seen.body.extend_from_slice(&byte[..n]);
    }
    Ok(seen)
}

/// A port nothing listens on (bound, then released).
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}
