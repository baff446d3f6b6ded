//! etcd v3 through its JSON gateway (`/v3/...`, served by every etcd on its client port).
//!
//! The gateway maps the gRPC API to JSON: keys and values are base64, 64-bit integers are
//! strings, fields at their zero value are left out (etcd docs, "gRPC gateway",
//! <https://etcd.io/docs/v3.5/dev-guide/api_grpc_gateway/>). Only unary calls are used; a
//! keep-alive is one request on the streaming `/v3/lease/keepalive`, answered with one message.

use std::time::Duration;

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Value};

use crate::coordinator::{Campaign, Candidate, Coordinator, CoordinatorError, Leader, Term};

/// An etcd cluster, reached through its JSON gateway, holding one leader key.
#[derive(Clone, Debug)]
pub struct Etcd {
    http: reqwest::Client,
    endpoint: String,
    key: String,
}

impl Etcd {
    /// A client of the etcd at `endpoint` (`http://127.0.0.1:2379`), electing on `key`, each
    /// request cut after `timeout`.
    pub fn new(endpoint: &str, key: &str, timeout: Duration) -> Result<Self, CoordinatorError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| CoordinatorError::Invalid(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
        })
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, CoordinatorError> {
        let url = format!("{}{path}", self.endpoint);
        let response = self
            .http
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| CoordinatorError::Unreachable(format!("{path}: {e}")))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| CoordinatorError::Unreachable(format!("{path}: {e}")))?;
        // The streaming keep-alive answers one JSON object per line; the first is ours.
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let value: Value = serde_json::from_str(first).map_err(|e| {
            CoordinatorError::Invalid(format!("{path}: HTTP {status}, not JSON ({e})"))
        })?;
        if !status.is_success() || value.get("error").is_some() {
            let message = value
                .get("message")
                .or_else(|| value.pointer("/error/message"))
                .and_then(Value::as_str)
                .unwrap_or("no message");
            if message.contains("lease not found") {
                return Err(CoordinatorError::LeaseLost(message.to_owned()));
            }
            return Err(CoordinatorError::Unreachable(format!(
                "{path}: HTTP {status}: {message}"
            )));
        }
        Ok(value)
    }

    fn key_b64(&self) -> String {
        B64.encode(self.key.as_bytes())
    }
}

/// A gateway integer: a JSON string (int64) or number; absent means 0.
fn int(value: Option<&Value>) -> i64 {
    match value {
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        _ => 0,
    }
}

fn leader_of(kv: &Value) -> Result<Leader, CoordinatorError> {
    let raw = kv.get("value").and_then(Value::as_str).unwrap_or("");
    let bytes = B64
        .decode(raw)
        .map_err(|e| CoordinatorError::Invalid(format!("leader value: {e}")))?;
    let candidate: Candidate = serde_json::from_slice(&bytes)
        .map_err(|e| CoordinatorError::Invalid(format!("leader value: {e}")))?;
    Ok(Leader {
        candidate,
        revision: int(kv.get("create_revision")),
        lease: int(kv.get("lease")),
    })
}

#[async_trait]
impl Coordinator for Etcd {
    async fn campaign(&self, me: &Candidate, ttl: Duration) -> Result<Campaign, CoordinatorError> {
        let seconds = ttl.as_secs().max(1);
        let grant = self
            .post("/v3/lease/grant", json!({ "TTL": seconds.to_string() }))
            .await?;
        let lease = int(grant.get("ID"));
        if lease == 0 {
            return Err(CoordinatorError::Invalid(
                "lease grant without an ID".into(),
            ));
        }
        let value = serde_json::to_vec(me)
            .map_err(|e| CoordinatorError::Invalid(format!("candidate: {e}")))?;
        let txn = json!({
            "compare": [{
                "key": self.key_b64(),
                "target": "CREATE",
                "result": "EQUAL",
                "create_revision": "0",
            }],
            "success": [{ "request_put": {
                "key": self.key_b64(),
                "value": B64.encode(value),
                "lease": lease.to_string(),
            }}],
            "failure": [{ "request_range": { "key": self.key_b64() } }],
        });
        let answer = match self.post("/v3/kv/txn", txn).await {
            Ok(answer) => answer,
            Err(e) => {
                let _ = self.revoke(lease).await;
                return Err(e);
            }
        };
        if answer.get("succeeded").and_then(Value::as_bool) == Some(true) {
            // The put is the key's creation, so its create revision is the txn's revision.
            let revision = int(answer.pointer("/header/revision"));
            return Ok(Campaign::Elected(Term {
                lease,
                revision,
                ttl: Duration::from_secs(seconds),
            }));
        }
        let _ = self.revoke(lease).await;
        let kv = answer.pointer("/responses/0/response_range/kvs/0");
        Ok(Campaign::Lost(kv.map(leader_of).transpose()?))
    }

    async fn keep_alive(&self, term: &Term) -> Result<(), CoordinatorError> {
        let answer = self
            .post(
                "/v3/lease/keepalive",
                json!({ "ID": term.lease.to_string() }),
            )
            .await?;
        // An expired lease is answered with a TTL of 0 (left out).
        if int(answer.pointer("/result/TTL")) <= 0 {
            return Err(CoordinatorError::LeaseLost(format!(
                "lease {} expired",
                term.lease
            )));
        }
        Ok(())
    }

    async fn resign(&self, term: &Term) -> Result<(), CoordinatorError> {
        self.revoke(term.lease).await
    }

    async fn leader(&self) -> Result<Option<Leader>, CoordinatorError> {
        let answer = self
            .post("/v3/kv/range", json!({ "key": self.key_b64() }))
            .await?;
        answer.pointer("/kvs/0").map(leader_of).transpose()
    }
}

impl Etcd {
    async fn revoke(&self, lease: i64) -> Result<(), CoordinatorError> {
        match self
            .post("/v3/lease/revoke", json!({ "ID": lease.to_string() }))
            .await
        {
            Ok(_) | Err(CoordinatorError::LeaseLost(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
