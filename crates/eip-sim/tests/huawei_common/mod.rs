//! Shared helpers of the Huawei tests: a small AK/SK signer written for the tests (independent
//! of the emulator's verifier), and raw-HTTP calls to the in-process emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::time::Duration;

use hmac::{Hmac, Mac};
use reqwest::{Method, Url};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The request headers the Python SDK sends on VPC calls (what huaweicloud-sdk-python-v3 3.1.219 sends).
pub const PY_SIGNED: &[&str] = &[
    "content-type",
    "host",
    "user-agent",
    "x-project-id",
    "x-sdk-date",
];
pub const PY_UA: &str = "huaweicloud-usdk-python/3.0; os/Linux; app/7c1e0b3e";

/// Percent-encodes everything but `A-Za-z0-9-_.~`.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `SDK-HMAC-SHA256` over `method url`, the `signed` headers (lower-case names, values from
/// `headers`) and `body`; returns the `Authorization` value.
pub fn authorization(
    ak: &str,
    sk: &str,
    method: &str,
    url: &Url,
    headers: &[(String, String)],
    signed: &[&str],
    body: &[u8],
) -> String {
    let mut names: Vec<&str> = signed.to_vec();
    names.sort_unstable();
    let mut uri = url
        .path()
        .split('/')
        .map(encode)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    let mut query: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    query.sort();
    let query = query
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let value_of = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap()
    };
    let block: String = names
        .iter()
        .map(|n| format!("{n}:{}\n", value_of(n)))
        .collect();
    let body_hash = hex::encode(Sha256::digest(body));
    let canonical = format!(
        "{method}\n{uri}\n{query}\n{block}\n{}\n{body_hash}",
        names.join(";")
    );
    let date = value_of("x-sdk-date");
    let to_sign = format!(
        "SDK-HMAC-SHA256\n{date}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(sk.as_bytes()).unwrap();
    mac.update(to_sign.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    format!(
        "SDK-HMAC-SHA256 Access={ak}, SignedHeaders={}, Signature={signature}",
        names.join(";")
    )
}

/// `X-Sdk-Date` for now plus `offset_secs`.
pub fn sdk_date(offset_secs: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(offset_secs);
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    at.format(format).unwrap()
}

/// An answer: status, `X-Request-Id`, the other headers and the body as JSON (`Null` if empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub request_id: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

impl Answer {
    /// The VPC error code (`code`) or gateway code (`error_code`).
    pub fn code(&self) -> &str {
        self.json["code"]
            .as_str()
            .or_else(|| self.json["error_code"].as_str())
            .unwrap_or("")
    }
}

/// How a call authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Token(String),
    /// Signed like the Python SDK (what huaweicloud-sdk-python-v3 3.1.219 sends).
    Aksk,
}

/// A signed request to send.
pub struct Spec<'a> {
    pub method: Method,
    pub path_and_query: &'a str,
    /// The body the signature covers.
    pub sign_body: &'a str,
    /// The body actually sent.
    pub send_body: &'a str,
    pub date: &'a str,
    pub signed: &'a [&'a str],
    pub extra: &'a [(&'a str, &'a str)],
    pub sk: &'a str,
    /// The AK to sign as; `None`: the configured one.
    pub ak: Option<&'a str>,
}

/// A test's view of the emulator.
pub struct Hw {
    pub sim: eip_sim::Sim,
    pub http: reqwest::Client,
    pub base: String,
    pub project: String,
}

pub async fn start() -> Hw {
    start_with(eip_sim::SimBuilder::new().transition_delay(Duration::from_millis(30))).await
}

pub async fn start_with(builder: eip_sim::SimBuilder) -> Hw {
    let sim = builder.start().await.expect("the emulator starts");
    let base = sim.huawei().vpc_endpoint.clone();
    let project = sim.huawei().project_id.clone();
    Hw {
        sim,
        http: reqwest::Client::new(),
        base,
        project,
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let request_id = headers
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.bytes().await.unwrap();
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    Answer {
        status,
        request_id,
        headers,
        json,
    }
}

impl Hw {
    pub fn info(&self) -> &eip_sim::HuaweiInfo {
        self.sim.huawei()
    }

    /// Signs and sends a request like the Python SDK: headers content-type, host, user-agent,
    /// x-project-id, x-sdk-date, all signed; `extra` headers are added (and signed if listed).
    pub async fn signed(
        &self,
        method: Method,
        path_and_query: &str,
        body: &str,
        date: &str,
    ) -> Answer {
        self.signed_with(method, path_and_query, body, date, PY_SIGNED, &[])
            .await
    }

    pub async fn signed_with(
        &self,
        method: Method,
        path_and_query: &str,
        body: &str,
        date: &str,
        signed: &[&str],
        extra: &[(&str, &str)],
    ) -> Answer {
        let sk = self.info().secret_key.clone();
        let spec = Spec {
            method,
            path_and_query,
            sign_body: body,
            send_body: body,
            date,
            signed,
            extra,
            sk: &sk,
            ak: None,
        };
        self.send(spec).await
    }

    /// Sends a request signed as `spec` says (possibly with another SK or body than sent).
    pub async fn send(&self, spec: Spec<'_>) -> Answer {
        let (url, headers) = self.signed_headers(&spec);
        let mut request = self.http.request(spec.method, url);
        for (name, value) in headers.iter().filter(|(k, _)| k != "host") {
            request = request.header(name.as_str(), value.as_str());
        }
        answer(
            request
                .body(spec.send_body.to_owned())
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// The URL and every header (`host` and `authorization` included) of a signed request.
    pub fn signed_headers(&self, spec: &Spec<'_>) -> (Url, Vec<(String, String)>) {
        let url = Url::parse(&format!("{}{}", self.base, spec.path_and_query)).unwrap();
        let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
        let mut headers: Vec<(String, String)> = vec![
            (
                "content-type".into(),
                "application/json;charset=UTF-8".into(),
            ),
            ("host".into(), host),
            ("user-agent".into(), PY_UA.into()),
            ("x-project-id".into(), self.project.clone()),
            ("x-sdk-date".into(), spec.date.into()),
        ];
        for (name, value) in spec.extra {
            // An extra header replaces a default one of the same name.
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
            headers.push(((*name).to_owned(), (*value).to_owned()));
        }
        let ak = spec
            .ak
            .map_or_else(|| self.info().access_key.clone(), str::to_owned);
        let auth = authorization(
            &ak,
            spec.sk,
            spec.method.as_str(),
            &url,
            &headers,
            spec.signed,
            spec.sign_body.as_bytes(),
        );
        headers.push(("authorization".into(), auth));
        (url, headers)
    }

    /// A VPC call with the given authentication; `path` is relative to `/v1/{project}`.
    pub async fn vpc(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        auth: &Auth,
    ) -> Answer {
        let full = format!("/v1/{}{path}", self.project);
        self.call(method, &full, body, auth).await
    }

    /// A call to any path with the given authentication.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        auth: &Auth,
    ) -> Answer {
        let text = body.map(|b| b.to_string()).unwrap_or_default();
        match auth {
            Auth::Aksk => self.signed(method, path, &text, &sdk_date(0)).await,
            Auth::Token(token) => {
                let request = self
                    .http
                    .request(method, format!("{}{path}", self.base))
                    .header("x-auth-token", token);
                let request = if text.is_empty() {
                    request
                } else {
                    request
                        .header("content-type", "application/json")
                        .body(text)
                };
                answer(request.send().await.unwrap()).await
            }
            Auth::None => {
                let request = self.http.request(method, format!("{}{path}", self.base));
                let request = if text.is_empty() {
                    request
                } else {
                    request
                        .header("content-type", "application/json")
                        .body(text)
                };
                answer(request.send().await.unwrap()).await
            }
        }
    }

    /// `POST /v3/auth/tokens` with a password body scoped as `scope`.
    pub async fn password_token(&self, password: &str, scope: Value, query: &str) -> Answer {
        let info = self.info();
        let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": info.user_name, "password": password, "domain": {"name": info.domain_name}}}},
            "scope": scope}});
        let url = format!("{}/v3/auth/tokens{query}", info.iam_endpoint);
        let request = self
            .http
            .post(url)
            .header("content-type", "application/json;charset=utf8")
            .body(body.to_string());
        answer(request.send().await.unwrap()).await
    }

    /// A project-scoped token.
    pub async fn token(&self) -> String {
        let scope = json!({"project": {"name": self.info().region}});
        let answer = self
            .password_token(&self.info().password.clone(), scope, "?nocatalog=true")
            .await;
        assert_eq!(answer.status, 201, "{:?}", answer.json);
        answer.headers["x-subject-token"]
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// Creates a dedicated-bandwidth EIP and returns its id.
    pub async fn create(&self, auth: &Auth, alias: Option<&str>) -> String {
        let mut publicip = json!({"type": "5_bgp"});
        if let Some(alias) = alias {
            publicip["alias"] = json!(alias);
        }
        let body = json!({"publicip": publicip, "bandwidth": {"name": "bw-test", "size": 5, "share_type": "PER"}});
        let answer = self.vpc(Method::POST, "/publicips", Some(body), auth).await;
        assert_eq!(answer.status, 200, "{:?}", answer.json);
        answer.json["publicip"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn show(&self, id: &str, auth: &Auth) -> Answer {
        self.vpc(Method::GET, &format!("/publicips/{id}"), None, auth)
            .await
    }

    /// Polls until the EIP has `status` (at most 5 s).
    pub async fn wait_status(&self, id: &str, status: &str, auth: &Auth) -> Value {
        for _ in 0..500 {
            let answer = self.show(id, auth).await;
            if answer.json["publicip"]["status"] == status {
                return answer.json["publicip"].clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{id} never reached {status}");
    }

    /// Polls until GET answers 404 (at most 5 s).
    pub async fn wait_gone(&self, id: &str, auth: &Auth) {
        for _ in 0..500 {
            if self.show(id, auth).await.status == 404 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{id} never went away");
    }

    pub async fn bind(&self, id: &str, port: &str, auth: &Auth) -> Answer {
        self.vpc(
            Method::PUT,
            &format!("/publicips/{id}"),
            Some(json!({"publicip": {"port_id": port}})),
            auth,
        )
        .await
    }

    /// A DOWN EIP ready to use.
    pub async fn ready(&self, auth: &Auth) -> String {
        let id = self.create(auth, None).await;
        self.wait_status(&id, "DOWN", auth).await;
        id
    }
}
