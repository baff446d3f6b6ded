//! A scripted stand-in for the VPC endpoint, for answers the emulator does not give (a gateway
//! 5xx after a committed write, a locked address, the `Descritpion` spelling): each request is
//! logged and answered by the test's script. One connection per request, loopback only.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the stub saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// `Action` (V1 query) or `x-acs-action` (V3 header).
    pub action: String,
    /// The query parameters, decoded.
    pub params: BTreeMap<String, String>,
}

/// The answer to one request: an HTTP status and a body.
pub type Reply = (u16, String);

type Script = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// The running stub; stops when dropped.
pub struct Stub {
    pub endpoint: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Stub {
    /// Answers each request with `script(request, n)`, `n` counting the earlier requests of the
    /// same action.
    pub async fn start(script: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let log = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, log.clone(), script.clone()));
            }
        });
        Self {
            endpoint,
            seen,
            task,
        }
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The actions requested so far, in order.
    pub fn actions(&self) -> Vec<String> {
        self.seen().into_iter().map(|s| s.action).collect()
    }

    /// How many requests named `action`.
    pub fn count(&self, action: &str) -> usize {
        self.seen().iter().filter(|s| s.action == action).count()
    }
}

async fn serve(mut socket: TcpStream, log: Arc<Mutex<Vec<Seen>>>, script: Arc<Script>) {
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
    let target = head.split_whitespace().nth(1).unwrap_or("/");
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let params: BTreeMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let header_action = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("x-acs-action")
            .then(|| value.trim().to_owned())
    });
    let action = params
        .get("Action")
        .cloned()
        .or(header_action)
        .unwrap_or_default();
    let seen = Seen { action, params };
    let (status, body) = {
        let mut log = log.lock().unwrap();
        let n = log.iter().filter(|s| s.action == seen.action).count();
        log.push(seen.clone());
        script(&seen, n)
    };
    let head = format!(
        "HTTP/1.1 {status} Stub\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = socket.write_all(head.as_bytes()).await;
    let _ = socket.write_all(body.as_bytes()).await;
    let _ = socket.shutdown().await;
}

/// A DescribeEipAddresses page holding these items (JSON objects), or none.
pub fn page(items: &[&str]) -> Reply {
    (
        200,
        format!(
            r#"{{"RequestId":"req-describe","TotalCount":{},"PageNumber":1,"PageSize":10,"EipAddresses":{{"EipAddress":[{}]}}}}"#,
            items.len(),
            items.join(",")
        ),
    )
}

/// A refusal in the API's shape.
pub fn refusal(status: u16, code: &str) -> Reply {
    (
        status,
        format!(
            r#"{{"RequestId":"req-{code}","HostId":"vpc.aliyuncs.com","Code":"{code}","Message":"{code}"}}"#
        ),
    )
}

/// A plain acknowledgement.
pub fn ok() -> Reply {
    (200, r#"{"RequestId":"req-ok"}"#.to_owned())
}

/// What a gateway answers when the backend did not answer in time.
pub fn gateway_timeout() -> Reply {
    (
        504,
        "<html><head><title>504 Gateway Time-out</title></head><body>504</body></html>".to_owned(),
    )
}
