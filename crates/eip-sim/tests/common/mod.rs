//! A small test-only Alibaba client: its own V1 and V3 signing (built on the `percent-encoding`
//! crate and written separately from the emulator's verifier), raw reqwest calls, and polling.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use base64::Engine as _;
use eip_sim::{AlibabaConfig, Sim, SimBuilder};
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// RFC 3986 unreserved characters stay; everything else is escaped with upper-case hex.
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn enc(text: &str) -> String {
    utf8_percent_encode(text, RESERVED).to_string()
}

pub fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub fn timestamp_at(offset_secs: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(offset_secs);
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.format(&format).unwrap()
}

pub fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn sorted_query(params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> =
        params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    encoded.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then(a.1.cmp(&b.1)));
    encoded
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The V1 (HMAC-SHA1) signature over every parameter but `Signature`.
pub fn sign_v1(method: &str, params: &[(String, String)], secret: &str) -> String {
    let unsigned: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "Signature")
        .cloned()
        .collect();
    let text = format!("{method}&%2F&{}", enc(&sorted_query(&unsigned)));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).unwrap();
    mac.update(text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The `Authorization` value of a V3 request, signing `headers` (all of them).
pub fn sign_v3(
    method: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    body: &[u8],
    key_id: &str,
    secret: &str,
) -> String {
    let mut lower: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    lower.sort();
    let names: Vec<&str> = lower.iter().map(|(k, _)| k.as_str()).collect();
    let canonical_headers: String = lower.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let canonical = format!(
        "{method}\n/\n{}\n{canonical_headers}\n{}\n{}",
        sorted_query(query),
        names.join(";"),
        hex::encode(Sha256::digest(body))
    );
    let to_sign = format!(
        "ACS3-HMAC-SHA256\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(to_sign.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    format!(
        "ACS3-HMAC-SHA256 Credential={key_id},SignedHeaders={},Signature={signature}",
        names.join(";")
    )
}

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub json: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.json["Code"].as_str().unwrap_or("")
    }

    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "unexpected answer: {:?}", self.json);
        self.json
    }

    /// Asserts an error answer with its documented body.
    pub fn expect_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "answer: {:?}",
            self.json
        );
        for key in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
            assert!(
                self.json[key].is_string(),
                "{key} missing in {:?}",
                self.json
            );
        }
    }
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.bytes().await.unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        content_type,
        json,
    }
}

/// A test client for the emulated Alibaba API.
#[derive(Clone)]
pub struct Ali {
    pub http: reqwest::Client,
    pub endpoint: String,
    pub key_id: String,
    pub secret: String,
    pub token: Option<String>,
}

impl Ali {
    pub fn new(sim: &Sim) -> Self {
        let info = sim.alibaba();
        Self {
            http: reqwest::Client::new(),
            endpoint: info.endpoint.clone(),
            key_id: info.access_key_id.clone(),
            secret: info.access_key_secret.clone(),
            token: None,
        }
    }

    /// The V1 common parameters plus `params`, signed.
    pub fn v1_params(
        &self,
        method: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let mut all = owned(&[
            ("Action", action),
            ("Version", "2016-04-28"),
            ("Format", "JSON"),
            ("AccessKeyId", &self.key_id),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", &nonce()),
            ("Timestamp", &timestamp_at(0)),
        ]);
        if !params.iter().any(|(k, _)| *k == "RegionId") {
            all.push(("RegionId".to_owned(), "cn-hangzhou".to_owned()));
        }
        if let Some(token) = &self.token {
            all.push(("SecurityToken".to_owned(), token.clone()));
        }
        all.extend(owned(params));
        let signature = sign_v1(method, &all, &self.secret);
        all.push(("Signature".to_owned(), signature));
        all
    }

    /// Sends already-signed parameters in the URL query (unsorted, `%20` for spaces).
    pub async fn send_query(&self, method: &str, params: &[(String, String)]) -> Reply {
        let query = params
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let url = format!("{}/?{query}", self.endpoint);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        reply(self.http.request(method, url).send().await.unwrap()).await
    }

    /// A V1 call: POST with every parameter in the query, like the official SDKs (the RPC signature page, <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>).
    pub async fn call(&self, action: &str, params: &[(&str, &str)]) -> Reply {
        let signed = self.v1_params("POST", action, params);
        self.send_query("POST", &signed).await
    }

    /// A V3 call: operation parameters in the query, the rest in signed headers.
    pub async fn call_v3(&self, action: &str, params: &[(&str, &str)]) -> Reply {
        let query = owned(params);
        let host = self.endpoint.trim_start_matches("http://").to_owned();
        let mut headers = owned(&[
            ("host", &host),
            ("x-acs-action", action),
            ("x-acs-version", "2016-04-28"),
            ("x-acs-date", &timestamp_at(0)),
            ("x-acs-signature-nonce", &nonce()),
            ("x-acs-content-sha256", &hex::encode(Sha256::digest(b""))),
        ]);
        if let Some(token) = &self.token {
            headers.push(("x-acs-security-token".to_owned(), token.clone()));
        }
        let authorization = sign_v3("POST", &query, &headers, b"", &self.key_id, &self.secret);
        self.send_v3("POST", &query, &headers, &authorization, Vec::new())
            .await
    }

    pub async fn send_v3(
        &self,
        method: &str,
        query: &[(String, String)],
        headers: &[(String, String)],
        authorization: &str,
        body: Vec<u8>,
    ) -> Reply {
        let query = query
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{}/?{query}", self.endpoint));
        for (name, value) in headers.iter().filter(|(k, _)| k != "host") {
            request = request.header(name, value);
        }
        let request = request.header("authorization", authorization).body(body);
        reply(request.send().await.unwrap()).await
    }

    pub async fn allocate(&self, params: &[(&str, &str)]) -> String {
        let json = self.call("AllocateEipAddress", params).await.ok();
        json["AllocationId"].as_str().unwrap().to_owned()
    }

    /// The EIP's Describe entry, or `None` when it is gone.
    pub async fn describe_one(&self, id: &str) -> Option<Value> {
        let json = self
            .call("DescribeEipAddresses", &[("AllocationId", id)])
            .await
            .ok();
        json["EipAddresses"]["EipAddress"]
            .as_array()
            .unwrap()
            .first()
            .cloned()
    }

    pub async fn status(&self, id: &str) -> Option<String> {
        self.describe_one(id)
            .await
            .map(|e| e["Status"].as_str().unwrap().to_owned())
    }

    /// Polls until the EIP has `status` (`None`: gone), failing after 5 s.
    pub async fn wait_for(&self, id: &str, status: Option<&str>) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let now = self.status(id).await;
            if now.as_deref() == status {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{id} stuck in {now:?}, waiting for {status:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// An emulator with a short transition delay.
pub async fn start_sim(delay_ms: u64) -> Sim {
    start_with(delay_ms, AlibabaConfig::default()).await
}

pub async fn start_with(delay_ms: u64, config: AlibabaConfig) -> Sim {
    SimBuilder::new()
        .seed(42)
        .transition_delay(Duration::from_millis(delay_ms))
        .alibaba(config)
        .start()
        .await
        .unwrap()
}
