//! A gateway in front of the emulator that forwards each request and then misbehaves the way
//! real gateways do: it answers `504 APIG.0201` (or an HTML page) for a request the emulator has
//! executed, or makes reads lag behind writes by rewriting their answers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use super::raw::{RawServer, Received, Reply};

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

/// Starts a gateway to `upstream` (the emulator's Huawei endpoint) deciding with `rule`.
pub async fn start(
    upstream: &str,
    rule: impl Fn(&Received) -> Step + Send + Sync + 'static,
) -> RawServer {
    let upstream = upstream.trim_end_matches('/').to_owned();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let rule = Arc::new(rule);
    RawServer::start_async(Arc::new(move |received: Received| {
        let (client, upstream, rule) = (client.clone(), upstream.clone(), rule.clone());
        Box::pin(async move {
            let step = rule(&received);
            if let Step::Refuse(reply) = step {
                return reply;
            }
            let real = forward(&client, &upstream, &received).await;
            match step {
                Step::CommitThen(reply) => reply,
                Step::Rewrite(rewrite) => rewrite(real),
                Step::Forward | Step::Refuse(_) => real,
            }
        })
    }))
    .await
}

async fn forward(client: &reqwest::Client, upstream: &str, received: &Received) -> Reply {
    let method = reqwest::Method::from_bytes(received.method.as_bytes()).unwrap();
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
    let response = request.body(received.body.clone()).send().await.unwrap();
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
    let body = response.bytes().await.unwrap().to_vec();
    Reply {
        status,
        headers,
        body,
    }
}
