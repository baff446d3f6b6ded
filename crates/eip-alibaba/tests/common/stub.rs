//! A scripted stand-in for the VPC endpoint, for answers the emulator does not give (a gateway
//! 5xx after a committed write, a locked address, the `Descritpion` spelling): each request is
//! logged and answered by the test's script. Loopback only.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use eip_testkit::hostile::{RawServer, Received};

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

/// The running stub (the test kit's loopback server with an Alibaba-shaped log); stops when
/// dropped.
pub struct Stub {
    pub endpoint: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    _server: RawServer,
}

impl Stub {
    /// Answers each request with `script(request, n)`, `n` counting the earlier requests of the
    /// same action.
    pub async fn start(script: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let server = RawServer::start(move |received: &Received| {
            let seen = parse(received);
            let (status, body) = {
                let mut log = log.lock().unwrap();
                let n = log
                    .iter()
                    .filter(|s: &&Seen| s.action == seen.action)
                    .count();
                log.push(seen.clone());
                script(&seen, n)
            };
            eip_testkit::hostile::Reply {
                status,
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: body.into_bytes(),
            }
        })
        .await;
        Self {
            endpoint: server.url.clone(),
            seen,
            _server: server,
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

/// The action (V1 `Action` query parameter or V3 `x-acs-action` header) and query of a request.
fn parse(received: &Received) -> Seen {
    let query = received
        .target
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("");
    let params: BTreeMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let header_action = received.head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("x-acs-action")
            .then(|| value.trim().to_owned())
    });
    let action = params
        .get("Action")
        .cloned()
        .or(header_action)
        .unwrap_or_default();
    Seen { action, params }
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
