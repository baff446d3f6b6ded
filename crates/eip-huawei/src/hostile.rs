//! Hostile answers (issue 7, item 6): arbitrary bytes and arbitrary JSON shapes fed to every
//! answer parser of the crate (publicip, publicip lists, ports, IAM token and project answers,
//! error bodies), then to the provider itself over HTTP with both kinds of authentication.
//! Never a panic; always `Ok` or a typed `eip_core::Error` of the kind the answer calls for.
//!
//! In-crate because the parsers are private.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use eip_core::{
    AllocateRequest, EipProvider, EipStatus, Error, ListFilter, PageRequest, RetryPolicy, Timeouts,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::error::{from_answer, parse_body, FailedAnswer};
use crate::mapping::{eip_from, parse_create_time, resolve_binding, status_of};
use crate::ports::{named_port, port_holding, primary_port};
use crate::wire::{parse, PortList, ProjectList, PublicipEnvelope, PublicipList, TokenEnvelope};
use crate::{AccessKey, HuaweiProvider, PasswordAuth};

// ---- generators ----

/// The names the parsers look for, so generated objects hit real fields with wrong values.
const KEYS: &[&str] = &[
    "publicip",
    "publicips",
    "id",
    "status",
    "type",
    "public_ip_address",
    "public_ipv6_address",
    "ip_version",
    "private_ip_address",
    "port_id",
    "create_time",
    "bandwidth_id",
    "bandwidth_name",
    "bandwidth_size",
    "bandwidth_share_type",
    "charge_mode",
    "bandwidth_charge_mode",
    "alias",
    "ports",
    "device_id",
    "device_owner",
    "fixed_ips",
    "subnet_id",
    "ip_address",
    "binding:vif_details",
    "primary_interface",
    "token",
    "expires_at",
    "issued_at",
    "project",
    "projects",
    "code",
    "message",
    "error_code",
    "error_msg",
    "request_id",
    "error",
    "NeutronError",
    "errorCode",
    "errorMsg",
];

/// Values a real answer might hold, in the wrong places too.
const PLAUSIBLE: &[&str] = &[
    "",
    "6285e7be-fd9f-497c-bc2d-dd0bdea6efe0",
    "p1",
    "161.17.101.9",
    "192.168.0.11",
    "2001:db8::1",
    "999.1.1.1",
    "DOWN",
    "ACTIVE",
    "BINDING",
    "FREEZED",
    "compute:cn-north-4a",
    "neutron:VIP_PORT",
    "true",
    "false",
    "4",
    "6",
    "5",
    "-5",
    "1e400",
    "18446744073709551616",
    "2015-07-16 04:22:32",
    "2015-07-16T04:22:32Z",
    "9999-12-31T23:59:59.999999Z",
    "-9999-01-01T00:00:00Z",
    "2024-02-30T25:61:61Z",
    "VPC.0504",
    "VPC.0517",
    "APIGW.0308",
    "APIGW.0301",
    "VPC.0501",
    "VPC.0512",
];

fn scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(PLAUSIBLE).prop_map(Value::from),
        ".{0,16}".prop_map(Value::String),
    ]
    .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => "[a-z_]{1,8}"].boxed()
}

fn object(entries: Vec<(String, Value)>) -> Value {
    Value::Object(entries.into_iter().collect::<Map<_, _>>())
}

/// Any JSON: scalars, arrays and objects (mostly with the API's keys), nested a few levels.
fn any_json() -> BoxedStrategy<Value> {
    scalar()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..6).prop_map(object),
            ]
        })
        .boxed()
}

/// A field's value: usually a scalar, sometimes a structure where a scalar belongs.
fn field_value() -> BoxedStrategy<Value> {
    prop_oneof![3 => scalar(), 1 => any_json()].boxed()
}

/// An object with any subset of the API's fields, each holding anything.
fn fields() -> BoxedStrategy<Value> {
    prop::collection::vec(
        (
            prop::sample::select(KEYS).prop_map(str::to_owned),
            field_value(),
        ),
        0..14,
    )
    .prop_map(object)
    .boxed()
}

/// `{wrapper: X}` where X is the documented shape (an object, or a list of them) with hostile
/// values, or anything else; or any JSON at all.
fn wrapped(wrapper: &'static str, list: bool) -> BoxedStrategy<Value> {
    let inner = if list {
        prop_oneof![
            3 => prop::collection::vec(fields(), 0..4).prop_map(Value::Array),
            1 => field_value(),
        ]
        .boxed()
    } else {
        prop_oneof![3 => fields(), 1 => field_value()].boxed()
    };
    let documented = inner.prop_map(move |v| json!({ wrapper: v }));
    prop_oneof![3 => documented, 1 => any_json()].boxed()
}

fn publicip_json() -> BoxedStrategy<Value> {
    wrapped("publicip", false)
}

fn publicips_json() -> BoxedStrategy<Value> {
    wrapped("publicips", true)
}

fn ports_json() -> BoxedStrategy<Value> {
    wrapped("ports", true)
}

fn token_json() -> BoxedStrategy<Value> {
    wrapped("token", false)
}

fn projects_json() -> BoxedStrategy<Value> {
    wrapped("projects", true)
}

/// The four error shapes of huawei.md §6.1 with hostile values, or anything else.
fn error_json() -> BoxedStrategy<Value> {
    let shapes = (field_value(), field_value(), field_value(), 0u8..4).prop_map(
        |(code, message, id, shape)| match shape {
            0 => json!({ "code": code, "message": message }),
            1 => json!({ "error_code": code, "error_msg": message, "request_id": id }),
            2 => json!({ "error": { "code": code, "message": message, "title": id } }),
            _ => json!({ "NeutronError": { "type": code, "message": message, "detail": id } }),
        },
    );
    prop_oneof![3 => shapes, 1 => any_json()].boxed()
}

fn nested(depth: usize, open: &str, close: &str) -> Vec<u8> {
    format!("{}{}", open.repeat(depth), close.repeat(depth)).into_bytes()
}

/// Bodies no generator reaches by chance: proxy pages, empty bodies, numbers out of range,
/// deep nesting, invalid UTF-8, a byte-order mark.
fn special_bodies() -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = [
        &b""[..],
        b" ",
        b"<html>502 Bad Gateway</html>",
        b"<html><head><title>504 Gateway Time-out</title></head><body>nginx</body></html>",
        b"null",
        b"[]",
        b"{}",
        b"\"publicip\"",
        b"{\"publicip\":null}",
        b"{\"publicips\":{\"id\":\"e1\"}}",
        br#"{"publicip":{"id":"e1","public_ip_address":"1.2.3.4","bandwidth_size":1e400}}"#,
        br#"{"publicip":{"id":"e1","public_ip_address":"1.2.3.4","bandwidth_size":18446744073709551616}}"#,
        br#"{"publicip":{"id":"e1","public_ip_address":"1.2.3.4","bandwidth_size":-5,"ip_version":"1e400"}}"#,
        br#"{"publicip":{"id":["e1"],"public_ip_address":{"v":4},"port_id":7}}"#,
        br#"{"ports":[{"id":"p1","fixed_ips":"none","binding:vif_details":[true]}]}"#,
        br#"{"token":{"expires_at":"9999-12-31T23:59:59.999999999Z","issued_at":"-9999-01-01T00:00:00Z","project":"p"}}"#,
        br#"{"projects":[{"id":"a"},{"id":"b"}]}"#,
        b"{\"code\":\"VPC.0504\",\"message\":\"\xff\xfe\"}",
        b"\xef\xbb\xbf{\"publicips\":[]}",
        b"{\"error_code\":\"APIGW.0308\",\"error_msg\":\"a\0b\"}",
    ]
    .iter()
    .map(|b| b.to_vec())
    .collect();
    bodies.push(nested(100_000, "[", "]"));
    bodies.push(nested(10_000, "{\"publicip\":", "}"));
    bodies.push(format!("{{\"message\":\"{}\"}}", "x".repeat(200_000)).into_bytes());
    bodies
}

/// A body: the JSON written out, cut short, with a stray byte, raw bytes, or a special body.
fn body_from(json: BoxedStrategy<Value>) -> BoxedStrategy<Vec<u8>> {
    let written = json.clone().prop_map(|v| serde_json::to_vec(&v).unwrap());
    let truncated = (json.clone(), any::<prop::sample::Index>()).prop_map(|(v, at)| {
        let mut bytes = serde_json::to_vec(&v).unwrap();
        bytes.truncate(at.index(bytes.len().max(1)));
        bytes
    });
    let corrupted = (json, any::<prop::sample::Index>(), any::<u8>()).prop_map(|(v, at, byte)| {
        let mut bytes = serde_json::to_vec(&v).unwrap();
        bytes.insert(at.index(bytes.len() + 1), byte | 0x80);
        bytes
    });
    prop_oneof![
        4 => written,
        2 => truncated,
        1 => corrupted,
        1 => prop::collection::vec(any::<u8>(), 0..300),
        1 => prop::sample::select(special_bodies()),
    ]
    .boxed()
}

/// Whether the body is JSON syntax (numbers beyond f64 included: a parser may skip a field it
/// does not read without converting its number).
fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
}

/// huawei.md §3.7: the 13 documented statuses.
const DOCUMENTED_STATUSES: [&str; 13] = [
    "FREEZED",
    "BIND_ERROR",
    "BINDING",
    "PENDING_DELETE",
    "PENDING_CREATE",
    "NOTIFYING",
    "NOTIFY_DELETE",
    "PENDING_UPDATE",
    "DOWN",
    "ACTIVE",
    "ELB",
    "VPN",
    "ERROR",
];

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases)
    }
}

fn assert_invalid_response(error: &Error, request_id: Option<&str>) {
    match error {
        Error::InvalidResponse {
            http_status: Some(200),
            request_id: got,
            ..
        } => {
            assert_eq!(got.as_deref(), request_id, "the request id is kept");
        }
        other => panic!("a 2xx that cannot be read is an invalid response: {other:?}"),
    }
    let _ = (error.to_string(), format!("{error:?}"));
}

/// Parses `body` as `T` the way the client does, checking the error kind.
fn parse_checked<T: serde::de::DeserializeOwned>(action: &str, body: &[u8]) -> Option<T> {
    match parse::<T>(action, 200, Some("req-1"), body) {
        Ok(value) => {
            assert!(
                is_json(body),
                "only JSON parses: {:?}",
                String::from_utf8_lossy(body)
            );
            Some(value)
        }
        Err(error) => {
            assert_invalid_response(&error, Some("req-1"));
            None
        }
    }
}

// ---- the parsers ----

fn check_publicips(body: &[u8]) {
    let from_list = parse_checked::<PublicipList>("ListPublicips", body).map(|l| l.publicips);
    let from_show =
        parse_checked::<PublicipEnvelope>("ShowPublicip", body).and_then(|e| e.publicip);
    for ip in from_list.unwrap_or_default().iter().chain(from_show.iter()) {
        match eip_from("ListPublicips", "cn-north-4", ip) {
            Ok(mut eip) => {
                assert_eq!(Some(&eip.id), ip.id.as_ref());
                assert!(eip.bandwidth_mbps.is_none_or(|b| b > 0));
                assert_eq!(eip.binding.is_some(), ip.port_id.is_some());
                resolve_binding(&mut eip, &[]);
                let _ = serde_json::to_string(&eip).unwrap();
            }
            Err(error) => assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}"),
        }
        let _ = status_of(ip.status.as_deref().unwrap_or_default());
        let _ = ip.create_time.as_deref().and_then(parse_create_time);
    }
}

fn check_ports(body: &[u8]) {
    let Some(list) = parse_checked::<PortList>("ListPorts", body) else {
        return;
    };
    let ip: IpAddr = "192.168.0.11".parse().unwrap();
    for outcome in [
        primary_port("srv-1", &list.ports),
        named_port("p1", Some(ip), &list.ports),
        port_holding(ip, &list.ports),
    ] {
        match outcome {
            Ok(port) => assert!(port.id.is_some(), "only ports with an id are chosen"),
            Err(error) => assert!(
                matches!(
                    error,
                    Error::NotFound { .. } | Error::Conflict { .. } | Error::InvalidInput { .. }
                ),
                "{error:?}"
            ),
        }
    }
    // A publicip bound to one of these ports resolves without a panic.
    let ip = crate::wire::Publicip {
        id: Some("e1".into()),
        public_ip_address: Some("161.17.101.9".into()),
        port_id: Some("p1".into()),
        ..Default::default()
    };
    let mut eip = eip_from("ShowPublicip", "cn-north-4", &ip).unwrap();
    resolve_binding(&mut eip, &list.ports);
    assert_eq!(eip.binding.unwrap().nic_id.as_deref(), Some("p1"));
}

fn check_error(status: u16, body: &[u8]) {
    let error = from_answer(&FailedAnswer {
        action: "ShowPublicip",
        resource: "eip e1",
        status,
        request_id: None,
        retry_after: None,
        body,
    });
    let _ = (error.to_string(), format!("{error:?}"), error.kind_name());
    match parse_body(body) {
        // The cloud's code is kept (VPC.0501 and VPC.0007 name it in an InvalidInput).
        Some((code, _, _)) => assert!(
            error
                .service()
                .is_some_and(|s| s.code == code && s.http_status == Some(status))
                || matches!(&error, Error::InvalidInput { reason, .. } if reason.contains(&code)),
            "{error:?}"
        ),
        // Not JSON at all (a gateway page): invalid, with the status, unless the status alone
        // means something (401, 403, 429); a gateway page is not proof the EIP is gone.
        None if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err()
            && !matches!(status, 401 | 403 | 429) =>
        {
            assert!(
                matches!(error, Error::InvalidResponse { http_status: Some(s), .. } if s == status),
                "{error:?}"
            );
        }
        // JSON without the API's code: the status decides, and the code says so.
        None => {
            assert_eq!(
                error.service().map(|s| s.code.clone()),
                Some(format!("HTTP {status}"))
            );
            match status {
                401 => assert!(matches!(error, Error::Unauthenticated { .. })),
                404 => assert!(matches!(error, Error::NotFound { .. })),
                429 => assert!(matches!(error, Error::RateLimited { .. })),
                500..=599 => assert!(matches!(
                    error,
                    Error::Service {
                        retryable: true,
                        ..
                    }
                )),
                _ => {}
            }
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn publicip_answers_parse_or_fail_typed(body in body_from(prop_oneof![publicip_json(), publicips_json()].boxed())) {
        check_publicips(&body);
    }

    #[test]
    fn port_lists_parse_or_fail_typed(body in body_from(ports_json())) {
        check_ports(&body);
    }

    #[test]
    fn iam_answers_parse_or_fail_typed(body in body_from(prop_oneof![token_json(), projects_json()].boxed())) {
        if let Some(envelope) = parse_checked::<TokenEnvelope>("KeystoneCreateToken", &body) {
            let token = envelope.token.unwrap_or_default();
            let _ = (token.expires_at, token.issued_at, token.project.and_then(|p| p.id));
        }
        if let Some(list) = parse_checked::<ProjectList>("KeystoneListProjects", &body) {
            let _ = list.projects.into_iter().filter_map(|p| p.id).count();
        }
    }

    #[test]
    fn error_answers_are_typed(status in prop_oneof![Just(400u16), Just(401), Just(403), Just(404), Just(409), Just(429), Just(500), Just(502), 300u16..600], body in body_from(error_json())) {
        check_error(status, &body);
    }

    #[test]
    fn any_time_text_is_a_time_or_none(raw in ".{0,32}") {
        // A time is read only from the documented shapes, and reads back as the same instant.
        if let Some(t) = parse_create_time(&raw) {
            let shown = format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day());
            prop_assert!(raw.trim().starts_with(&shown), "{raw:?} read as {t}");
        }
        // An unknown status keeps its raw text; a known one is one of the 13 documented values.
        match status_of(&raw) {
            EipStatus::Unknown(kept) => {
                prop_assert_eq!(&kept, &raw);
                prop_assert!(!DOCUMENTED_STATUSES.contains(&raw.as_str()), "{raw:?} is documented");
            }
            _ => prop_assert!(DOCUMENTED_STATUSES.contains(&raw.as_str()), "{raw:?}"),
        }
    }

    #[test]
    fn a_documented_time_reads_back_exactly(
        (y, mo, d, h, mi, s) in (1970i32..2100, 1u8..=12, 1u8..=28, 0u8..24, 0u8..60, 0u8..60)
    ) {
        let raw = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
        let t = parse_create_time(&raw).expect("a documented time parses");
        prop_assert_eq!((t.year(), u8::from(t.month()), t.day()), (y, mo, d));
        prop_assert_eq!((t.hour(), t.minute(), t.second()), (h, mi, s));
        prop_assert_eq!(t.offset(), time::UtcOffset::UTC);
    }
}

#[test]
fn documented_hostile_answers_get_the_expected_kinds() {
    // A proxy's HTML page: invalid with its status (retried on a read), invalid on a 200.
    let page = b"<html>502 Bad Gateway</html>";
    check_error(502, page);
    assert_invalid_response(
        &parse::<PublicipList>("ListPublicips", 200, None, page).unwrap_err(),
        None,
    );
    // An empty 200.
    assert_invalid_response(
        &parse::<PublicipEnvelope>("ShowPublicip", 200, Some("r"), b"").unwrap_err(),
        Some("r"),
    );
    assert_invalid_response(
        &parse::<TokenEnvelope>("KeystoneCreateToken", 200, None, b"").unwrap_err(),
        None,
    );
    // Deep nesting hits serde_json's recursion limit instead of the stack.
    assert_invalid_response(
        &parse::<PortList>("ListPorts", 200, None, &nested(100_000, "[", "]")).unwrap_err(),
        None,
    );
    // A bandwidth beyond f64 makes the answer unreadable; beyond u32 or below zero it is absent.
    let beyond_f64 =
        br#"{"publicip":{"id":"e1","public_ip_address":"1.2.3.4","bandwidth_size":1e400}}"#;
    assert_invalid_response(
        &parse::<PublicipEnvelope>("ShowPublicip", 200, None, beyond_f64).unwrap_err(),
        None,
    );
    for size in [
        "18446744073709551616",
        "-5",
        "4294967296",
        "\"lots\"",
        "[5]",
        "{}",
    ] {
        let body = format!(
            r#"{{"publicip":{{"id":"e1","public_ip_address":"1.2.3.4","bandwidth_size":{size}}}}}"#
        );
        let ip = parse::<PublicipEnvelope>("ShowPublicip", 200, None, body.as_bytes())
            .unwrap()
            .publicip
            .unwrap();
        let eip = eip_from("ShowPublicip", "cn-north-4", &ip).unwrap();
        assert_eq!(eip.bandwidth_mbps, None, "bandwidth_size {size}");
    }
    // Wrong types: an id that is a list and an address that is an object are absent.
    let wrong_types = br#"{"publicip":{"id":["e1"],"public_ip_address":{"v":4},"port_id":7}}"#;
    let ip = parse::<PublicipEnvelope>("ShowPublicip", 200, None, wrong_types)
        .unwrap()
        .publicip
        .unwrap();
    assert!(matches!(
        eip_from("ShowPublicip", "r", &ip),
        Err(Error::InvalidResponse { .. })
    ));
    for body in special_bodies() {
        check_publicips(&body);
        check_ports(&body);
        for status in [400, 401, 404, 429, 502] {
            check_error(status, &body);
        }
    }
}

// ---- the provider over HTTP ----

/// What the hostile server answers to one request.
#[derive(Clone, Debug)]
enum Answer {
    /// A complete answer, with an `X-Subject-Token` when `token` (so IAM may hand one out).
    Http {
        status: u16,
        token: bool,
        retry_after: Option<String>,
        body: Vec<u8>,
    },
    /// The status line and headers, then fewer bytes than `Content-Length` announced.
    Truncated { status: u16, body: Vec<u8> },
    /// The connection closed without a byte.
    Close,
}

impl Answer {
    fn is_success(&self) -> bool {
        matches!(
            self,
            Self::Http {
                status: 200..=299,
                ..
            }
        )
    }
}

fn answer() -> BoxedStrategy<Answer> {
    let status = prop_oneof![
        4 => Just(200u16),
        2 => Just(201),
        1 => Just(401),
        1 => Just(404),
        1 => Just(429),
        1 => Just(503),
        1 => 100u16..600,
    ]
    .boxed();
    let retry_after = prop::option::of(prop_oneof![Just("-1".to_owned()), "[0-9]{1,2}", ".{0,8}"]);
    let body = prop_oneof![
        body_from(publicip_json()),
        body_from(publicips_json()),
        body_from(ports_json()),
        body_from(token_json()),
        body_from(projects_json()),
        body_from(error_json()),
    ]
    .boxed();
    prop_oneof![
        6 => (status.clone(), any::<bool>(), retry_after, body.clone())
            .prop_map(|(status, token, retry_after, body)| Answer::Http { status, token, retry_after, body }),
        1 => (status, body).prop_map(|(status, body)| Answer::Truncated { status, body }),
        1 => Just(Answer::Close),
    ]
    .boxed()
}

/// Answers the n-th request with `answers[n % len]`, one connection per request.
struct HostileServer {
    endpoint: String,
    served: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HostileServer {
    /// Answers the first request with `first` when given, then cycles through `answers`.
    async fn start(first: Option<Answer>, answers: Vec<Answer>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let served = Arc::new(AtomicUsize::new(0));
        let counter = served.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let answer = match (&first, n) {
                    (Some(first), 0) => first.clone(),
                    (Some(_), n) => answers[(n - 1) % answers.len()].clone(),
                    (None, n) => answers[n % answers.len()].clone(),
                };
                tokio::spawn(serve(socket, answer));
            }
        });
        Self {
            endpoint,
            served,
            task,
        }
    }
}

/// Reads one request (headers and `Content-Length` bytes of body), then answers.
async fn serve(mut socket: TcpStream, answer: Answer) {
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
    let mut head = String::new();
    let body = match answer {
        Answer::Close => return,
        Answer::Http {
            status,
            token,
            retry_after,
            body,
        } => {
            head.push_str(&format!(
                "HTTP/1.1 {status} Hostile\r\ncontent-length: {}\r\n",
                body.len()
            ));
            head.push_str("x-request-id: hostile-req\r\n");
            if token {
                head.push_str("x-subject-token: hostile-token-value\r\n");
            }
            if let Some(value) = retry_after.filter(|v| v.bytes().all(|b| b.is_ascii_graphic())) {
                head.push_str(&format!("retry-after: {value}\r\n"));
            }
            body
        }
        Answer::Truncated { status, body } => {
            head.push_str(&format!(
                "HTTP/1.1 {status} Hostile\r\ncontent-length: {}\r\n",
                body.len() + 100
            ));
            body
        }
    };
    head.push_str("connection: close\r\n\r\n");
    let _ = socket.write_all(head.as_bytes()).await;
    let _ = socket.write_all(&body).await;
    let _ = socket.shutdown().await;
}

/// How the provider under test authenticates.
#[derive(Clone, Copy, Debug)]
enum Auth {
    /// An IAM password token (the first request goes to IAM).
    Password,
    /// AK/SK without a project id (the first request looks the project up at IAM).
    KeyLookingUpProject,
    /// AK/SK with a project id (every request goes to VPC).
    KeyWithProject,
}

/// The answer with which IAM lets `auth` through, so that the VPC parsers get hostile answers
/// too (a random answer rarely is a usable token).
fn iam_welcome(auth: Auth) -> Option<Answer> {
    let (status, body) = match auth {
        Auth::Password => (
            201,
            r#"{"token":{"expires_at":"2099-01-01T00:00:00Z","issued_at":"2024-01-01T00:00:00Z","project":{"id":"proj-1"}}}"#,
        ),
        Auth::KeyLookingUpProject => (200, r#"{"projects":[{"id":"proj-1"}]}"#),
        Auth::KeyWithProject => return None,
    };
    Some(Answer::Http {
        status,
        token: true,
        retry_after: None,
        body: body.as_bytes().to_vec(),
    })
}

fn provider(endpoint: &str, auth: Auth, retry: RetryPolicy) -> HuaweiProvider {
    let builder = HuaweiProvider::builder()
        .with_region("cn-north-4")
        .with_iam_endpoint(endpoint)
        .with_vpc_endpoint(endpoint)
        .with_retry(retry)
        .with_timeouts(Timeouts::new(
            Duration::from_secs(2),
            Duration::from_secs(3),
            Duration::from_secs(5),
        ));
    let key = AccessKey::new("HOSTILEAK", "hostile-secret-key");
    let builder = match auth {
        Auth::Password => builder.with_password(PasswordAuth::new(
            "hostile-user",
            "hostile-password",
            "acct",
        )),
        Auth::KeyLookingUpProject => builder.with_access_key(key),
        Auth::KeyWithProject => builder.with_access_key(key).with_project_id("proj-1"),
    };
    builder.build().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn exercise(provider: &HuaweiProvider) -> Vec<Result<(), Error>> {
    vec![
        provider
            .get("6285e7be-fd9f-497c-bc2d-dd0bdea6efe0")
            .await
            .map(drop),
        provider
            .list_page(&ListFilter::new(), &PageRequest::default())
            .await
            .map(drop),
        provider
            .allocate(&AllocateRequest::new().bandwidth(5))
            .await
            .map(drop),
    ]
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn the_provider_survives_any_answer_over_http(
        answers in prop::collection::vec(answer(), 1..5),
        auth in prop::sample::select(vec![Auth::Password, Auth::KeyLookingUpProject, Auth::KeyWithProject]),
        welcomed in any::<bool>(),
    ) {
        runtime().block_on(async {
            let first = if welcomed { iam_welcome(auth) } else { None };
            let server = HostileServer::start(first, answers.clone()).await;
            // Short settle windows: a 5xx on the create is settled by reads for a moment only.
            let fast = RetryPolicy::never().with_settle(eip_core::retry::SettlePolicy::new(
                Duration::from_millis(2),
                Duration::from_millis(1),
            ));
            let provider = provider(&server.endpoint, auth, fast);
            let outcomes = exercise(&provider).await;
            assert!(server.served.load(Ordering::SeqCst) >= 1, "the provider reached the server");
            for outcome in outcomes {
                if let Err(error) = &outcome {
                    let shown = format!("{error} {error:?}");
                    for secret in ["hostile-password", "hostile-secret-key", "hostile-token-value"] {
                        assert!(!shown.contains(secret), "{shown}");
                    }
                }
                // Nothing succeeds without a 2xx answer.
                if !answers.iter().any(Answer::is_success) {
                    assert!(outcome.is_err(), "{outcome:?} from {answers:?}");
                }
            }
        });
    }
}

/// A gateway answering `Retry-After: 18446744073709551615` (seconds) once a second has passed
/// used to panic the caller: the retry loop added the delay to the elapsed time unchecked. It now
/// saturates, and the wait, being beyond the budget, ends the call with the typed error.
#[test]
fn a_huge_retry_after_is_a_typed_error_not_an_overflow() {
    runtime().block_on(async {
        let throttled = |after: &str| Answer::Http {
            status: 429,
            token: false,
            retry_after: Some(after.to_owned()),
            body: br#"{"error_code":"APIGW.0308","error_msg":"over ratelimit"}"#.to_vec(),
        };
        // One second of honoured delay first, so the budget check adds a huge delay to a
        // non-zero elapsed time.
        let server =
            HostileServer::start(Some(throttled("1")), vec![throttled(&u64::MAX.to_string())])
                .await;
        let provider = provider(
            &server.endpoint,
            Auth::KeyWithProject,
            RetryPolicy::default().max_attempts(3),
        );
        let outcome = provider.get("6285e7be-fd9f-497c-bc2d-dd0bdea6efe0").await;
        assert!(
            matches!(outcome, Err(Error::RateLimited { .. })),
            "{outcome:?}"
        );
        assert_eq!(
            server.served.load(Ordering::SeqCst),
            2,
            "a delay beyond the budget is not waited for"
        );
    });
}
