//! Hostile answers: arbitrary bytes and arbitrary JSON shapes fed to every
//! answer parser of the provider, then to the provider itself over HTTP. Never a panic; always
//! `Ok` or a typed `eip_core::Error` of the kind the answer calls for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use eip_alibaba::mapping;
use eip_alibaba::wire::{self, Acknowledgement, AllocateResponse, DescribeResponse};
use eip_alibaba::{AccessKey, AlibabaProvider};
use eip_core::{
    AllocateRequest, EipProvider, Error, ListFilter, PageRequest, RetryPolicy, Timeouts,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const DESCRIBE: &str = "DescribeEipAddresses";
const ALLOCATE: &str = "AllocateEipAddress";

// ---- generators ----

/// The names the parsers look for, so generated objects hit real fields with wrong values.
const KEYS: &[&str] = &[
    "RequestId",
    "TotalCount",
    "PageNumber",
    "PageSize",
    "EipAddresses",
    "EipAddress",
    "AllocationId",
    "IpAddress",
    "Status",
    "RegionId",
    "Name",
    "Description",
    "AllocationTime",
    "Bandwidth",
    "BandwidthPackageId",
    "InstanceId",
    "InstanceType",
    "PrivateIpAddress",
    "Mode",
    "InternetChargeType",
    "ChargeType",
    "ISP",
    "Tags",
    "Tag",
    "Key",
    "Value",
    "Code",
    "Message",
    "HostId",
    "Recommend",
];

/// Values a real answer might hold, in the wrong places too.
const PLAUSIBLE: &[&str] = &[
    "",
    "eip-bp1abc",
    "47.0.0.1",
    "::1",
    "2001:db8::1",
    "999.1.1.1",
    "InUse",
    "Available",
    "Associating",
    "EcsInstance",
    "NetworkInterface",
    "HaVip",
    "Nat",
    "SlbInstance",
    "PayByTraffic",
    "PayByBandwidth",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00Z",
    "-5",
    "5",
    "5.5",
    "1e400",
    "18446744073709551616",
    "Throttling.User",
    "IncorrectEipStatus",
    "InvalidBindingStatus",
    "InvalidAllocationId.NotFound",
    "SignatureDoesNotMatch",
    "InvalidParameter.Bandwidth",
    "Forbidden.RAM",
    "ServiceUnavailable",
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

fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => "[A-Za-z]{1,8}"]
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

/// An `EipAddress` item with any subset of its fields, each holding anything.
fn item() -> BoxedStrategy<Value> {
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

/// A Describe page in the documented shape, every value hostile; or any JSON at all.
fn describe_json() -> BoxedStrategy<Value> {
    let page = (field_value(), field_value(), prop::collection::vec(item(), 0..4), any::<u8>()).prop_map(
        |(request_id, total, items, wrap)| {
            // The list as documented, as a single object, or as something else entirely.
            let list = match wrap % 4 {
                0 | 1 => json!({ "EipAddress": items }),
                2 => json!({ "EipAddress": items.first().cloned().unwrap_or(Value::Null) }),
                _ => Value::Array(items),
            };
            json!({ "RequestId": request_id, "TotalCount": total, "PageNumber": 1, "EipAddresses": list })
        },
    );
    prop_oneof![3 => page, 1 => any_json()].boxed()
}

fn allocate_json() -> BoxedStrategy<Value> {
    let answer = (field_value(), field_value(), field_value()).prop_map(
        |(r, id, address)| json!({ "RequestId": r, "AllocationId": id, "EipAddress": address }),
    );
    prop_oneof![3 => answer, 1 => any_json()].boxed()
}

fn error_json() -> BoxedStrategy<Value> {
    let refusal = (field_value(), field_value(), field_value()).prop_map(|(r, code, message)| {
        json!({ "RequestId": r, "HostId": "vpc.aliyuncs.com", "Code": code, "Message": message })
    });
    prop_oneof![3 => refusal, 1 => any_json()].boxed()
}

fn nested(depth: usize, open: &str, close: &str) -> Vec<u8> {
    format!("{}{}", open.repeat(depth), close.repeat(depth)).into_bytes()
}

/// The documented `Status` values (<https://api.alibabacloud.com/document/Vpc/2016-04-28/DescribeEipAddresses>).
const DOCUMENTED_STATUSES: [&str; 5] = [
    "Available",
    "InUse",
    "Associating",
    "Unassociating",
    "Releasing",
];
/// The AssociateEipAddress `InstanceType` values with a normalized kind (empty = the default,
/// `EcsInstance`); `IpAddress` and anything else stay `Other`.
const INSTANCE_TYPES: [&str; 6] = [
    "",
    "EcsInstance",
    "SlbInstance",
    "Nat",
    "NetworkInterface",
    "HaVip",
];

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
        b"\"EipAddresses\"",
        b"{\"TotalCount\":1e400}",
        b"{\"TotalCount\":18446744073709551616,\"PageSize\":-1}",
        br#"{"EipAddresses":{"EipAddress":[{"AllocationId":"eip-1","IpAddress":"1.2.3.4","Bandwidth":-5}]}}"#,
        br#"{"EipAddresses":{"EipAddress":[{"AllocationId":"eip-1","IpAddress":"1.2.3.4","Bandwidth":1e400}]}}"#,
        br#"{"EipAddresses":{"EipAddress":[{"AllocationId":"eip-1","IpAddress":"1.2.3.4","Bandwidth":18446744073709551616}]}}"#,
        br#"{"EipAddresses":{"EipAddress":[{"AllocationId":["eip-1"],"IpAddress":{"v":4}}]}}"#,
        br#"{"EipAddresses":"none","AllocationId":7,"EipAddress":[]}"#,
        b"{\"RequestId\":\"\xff\xfe\",\"Code\":\"X\"}",
        b"\xef\xbb\xbf{\"RequestId\":\"r\"}",
        b"{\"Code\":\"Throttling\",\"Message\":\"a\0b\"}",
    ]
    .iter()
    .map(|b| b.to_vec())
    .collect();
    bodies.push(nested(100_000, "[", "]"));
    bodies.push(nested(10_000, "{\"EipAddresses\":", "}"));
    bodies.push(format!("{{\"Message\":\"{}\"}}", "x".repeat(200_000)).into_bytes());
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

fn assert_invalid_response(error: &Error) {
    assert!(
        matches!(
            error,
            Error::InvalidResponse {
                http_status: Some(200),
                ..
            }
        ),
        "a 2xx that cannot be read is an invalid response: {error:?}"
    );
    // Display and Debug of a hostile answer never panic.
    let _ = (error.to_string(), format!("{error:?}"));
}

// ---- the parsers ----

/// `cases` cases; no regression files written into the source tree.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases)
    }
}

fn check_describe(body: &[u8]) {
    match mapping::parse::<DescribeResponse>(DESCRIBE, body) {
        Ok(page) => {
            assert!(is_json(body), "only JSON parses");
            for item in page.items() {
                match mapping::to_eip(item, "cn-hangzhou") {
                    Ok(eip) => {
                        assert_eq!(Some(eip.id.as_str()), item.allocation_id.as_deref());
                        assert_eq!(
                            eip.bandwidth_mbps.map(u64::from),
                            item.bandwidth.filter(|b| *b <= u64::from(u32::MAX))
                        );
                        let _ = serde_json::to_string(&eip).unwrap();
                    }
                    Err(error) => assert_invalid_response(&error),
                }
            }
        }
        Err(error) => assert_invalid_response(&error),
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn describe_pages_parse_or_fail_typed(body in body_from(describe_json())) {
        check_describe(&body);
    }

    #[test]
    fn allocate_answers_parse_or_fail_typed(body in body_from(allocate_json())) {
        match mapping::parse::<AllocateResponse>(ALLOCATE, &body) {
            Ok(_) => prop_assert!(is_json(&body)),
            Err(error) => assert_invalid_response(&error),
        }
        match mapping::parse::<Acknowledgement>("ReleaseEipAddress", &body) {
            Ok(_) => prop_assert!(is_json(&body)),
            Err(error) => assert_invalid_response(&error),
        }
    }

    #[test]
    fn any_status_and_body_is_ok_or_a_typed_error(status in prop_oneof![100u16..600, Just(200), Just(400), Just(429), Just(502)], body in body_from(error_json())) {
        match mapping::read_answer(ALLOCATE, status, &body) {
            Ok(returned) => {
                prop_assert!((200..300).contains(&status), "only a 2xx is a success, got {status}");
                prop_assert_eq!(&returned[..], &body[..]);
            }
            Err(error) => {
                prop_assert!(!(200..300).contains(&status));
                let _ = (error.to_string(), format!("{error:?}"), error.kind_name());
                let code = serde_json::from_slice::<wire::ErrorBody>(&body).ok().and_then(|e| e.code);
                match (status, code) {
                    // The API's error JSON: the cloud's code is kept (or names the field).
                    (400..=599, Some(code)) => prop_assert!(
                        error.service().is_some_and(|s| s.code == code && s.http_status == Some(status))
                            || matches!(error, Error::InvalidInput { .. }),
                        "{error:?}"
                    ),
                    // A proxy page or garbage: a 5xx may be retried, a 429 is a rate limit.
                    (500..=599, None) => prop_assert!(matches!(error, Error::Service { retryable: true, .. }), "{error:?}"),
                    (429, None) => prop_assert!(matches!(error, Error::RateLimited { .. }), "{error:?}"),
                    _ => prop_assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}"),
                }
            }
        }
    }

    #[test]
    fn any_status_text_maps_to_a_status(raw in prop_oneof![".{0,24}", prop::sample::select(DOCUMENTED_STATUSES.to_vec()).prop_map(str::to_owned)]) {
        // Five documented values land on known variants; anything else keeps
        // its raw text.
        match eip_alibaba::mapping::status_from_alibaba(&raw) {
            eip_core::EipStatus::Unknown(kept) => {
                prop_assert_eq!(&kept, &raw);
                prop_assert!(!DOCUMENTED_STATUSES.contains(&raw.as_str()), "{raw:?} is documented");
            }
            _ => prop_assert!(DOCUMENTED_STATUSES.contains(&raw.as_str()), "{raw:?}"),
        }
        match eip_alibaba::mapping::target_kind_from_alibaba(&raw) {
            eip_core::TargetKind::Other(kept) => {
                prop_assert_eq!(&kept, &raw);
                prop_assert!(!INSTANCE_TYPES.contains(&raw.as_str()), "{raw:?} is documented");
            }
            _ => prop_assert!(INSTANCE_TYPES.contains(&raw.as_str()), "{raw:?}"),
        }
    }
}

#[test]
fn documented_hostile_answers_get_the_expected_kinds() {
    // A proxy's HTML page: retryable on 502, an invalid response on a 200.
    let page = b"<html>502 Bad Gateway</html>";
    let error = mapping::read_answer(DESCRIBE, 502, page).unwrap_err();
    match &error {
        Error::Service {
            retryable: true,
            service,
        } => {
            assert_eq!(service.code, "HTTP 502");
            assert!(service.message.contains("502 Bad Gateway"), "{service:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_invalid_response(&mapping::parse::<DescribeResponse>(DESCRIBE, page).unwrap_err());
    // An empty 200.
    assert_invalid_response(&mapping::parse::<DescribeResponse>(DESCRIBE, b"").unwrap_err());
    assert_invalid_response(&mapping::parse::<AllocateResponse>(ALLOCATE, b"").unwrap_err());
    // Deep nesting hits serde_json's recursion limit instead of the stack.
    assert_invalid_response(
        &mapping::parse::<DescribeResponse>(DESCRIBE, &nested(100_000, "[", "]")).unwrap_err(),
    );
    // A number beyond f64 makes the page unreadable; one beyond u64 or below zero is no bandwidth.
    assert_invalid_response(
        &mapping::parse::<DescribeResponse>(DESCRIBE, b"{\"TotalCount\":1e400}").unwrap_err(),
    );
    for bandwidth in [
        "18446744073709551616",
        "-5",
        "4294967296",
        "\"lots\"",
        "[5]",
    ] {
        let body = format!(
            r#"{{"EipAddresses":{{"EipAddress":[{{"AllocationId":"eip-1","IpAddress":"1.2.3.4","Bandwidth":{bandwidth}}}]}}}}"#
        );
        let page = mapping::parse::<DescribeResponse>(DESCRIBE, body.as_bytes()).unwrap();
        let eip = mapping::to_eip(&page.items()[0], "cn-hangzhou").unwrap();
        assert_eq!(eip.bandwidth_mbps, None, "Bandwidth {bandwidth}");
    }
    // Wrong types: an id that is a list, an address that is an object.
    let body =
        br#"{"EipAddresses":{"EipAddress":[{"AllocationId":["eip-1"],"IpAddress":{"v":4}}]}}"#;
    let page = mapping::parse::<DescribeResponse>(DESCRIBE, body).unwrap();
    assert_invalid_response(&mapping::to_eip(&page.items()[0], "cn-hangzhou").unwrap_err());
    // A number where an item belongs is not a page. (An array is read positionally, as serde
    // reads any struct: `[["eip-1","1.2.3.4"]]` is an item with that id and address.)
    assert_invalid_response(
        &mapping::parse::<DescribeResponse>(DESCRIBE, br#"{"EipAddresses":{"EipAddress":[7]}}"#)
            .unwrap_err(),
    );
    // Invalid UTF-8 in a refusal: still a refusal the error table can read, or a typed error.
    let error = mapping::read_answer(DESCRIBE, 400, b"{\"RequestId\":\"\xff\",\"Code\":\"X\"}")
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidResponse {
                http_status: Some(400),
                ..
            }
        ),
        "{error:?}"
    );
    for body in special_bodies() {
        check_describe(&body);
    }
}

// ---- the provider over HTTP ----

/// What the hostile server answers to one request.
#[derive(Clone, Debug)]
enum Answer {
    /// A complete answer.
    Http {
        status: u16,
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

fn answer() -> impl Strategy<Value = Answer> {
    let status = prop_oneof![4 => Just(200u16), 1 => Just(400), 1 => Just(404), 1 => Just(429), 1 => Just(503), 1 => 100u16..600];
    let retry_after = prop::option::of(prop_oneof![
        Just("18446744073709551615".to_owned()),
        Just("-1".to_owned()),
        "[0-9]{1,4}",
        ".{0,8}",
    ]);
    let body = prop_oneof![
        body_from(describe_json()),
        body_from(allocate_json()),
        body_from(error_json())
    ];
    prop_oneof![
        6 => (status.clone(), retry_after, body.clone()).prop_map(|(status, retry_after, body)| Answer::Http { status, retry_after, body }),
        1 => (status, body).prop_map(|(status, body)| Answer::Truncated { status, body }),
        1 => Just(Answer::Close),
    ]
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
    async fn start(answers: Vec<Answer>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let served = Arc::new(AtomicUsize::new(0));
        let counter = served.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let answer = answers[n % answers.len()].clone();
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
    let (status, retry_after, body, announced) = match answer {
        Answer::Close => return,
        Answer::Http {
            status,
            retry_after,
            body,
        } => {
            let len = body.len();
            (status, retry_after, body, len)
        }
        Answer::Truncated { status, body } => {
            let len = body.len() + 100;
            (status, None, body, len)
        }
    };
    let mut head = format!(
        "HTTP/1.1 {status} Hostile\r\ncontent-length: {announced}\r\nconnection: close\r\n"
    );
    if let Some(value) = retry_after {
        if value.bytes().all(|b| b.is_ascii_graphic()) {
            head.push_str(&format!("x-acs-retry-after: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    let _ = socket.write_all(head.as_bytes()).await;
    let _ = socket.write_all(&body).await;
    let _ = socket.shutdown().await;
}

fn provider(endpoint: &str) -> AlibabaProvider {
    AlibabaProvider::builder()
        .with_region("cn-hangzhou")
        .with_endpoint(endpoint)
        .with_credentials(AccessKey::new("hostile-test-id", "hostile-test-secret"))
        .with_retry(RetryPolicy::never())
        .with_timeouts(Timeouts::new(
            Duration::from_secs(2),
            Duration::from_secs(3),
            Duration::from_secs(5),
        ))
        .build()
        .unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn the_provider_survives_any_answer_over_http(answers in prop::collection::vec(answer(), 1..4)) {
        runtime().block_on(async {
            let server = HostileServer::start(answers.clone()).await;
            let provider = provider(&server.endpoint);
            let outcomes: Vec<Result<(), Error>> = vec![
                provider.get("eip-bp1hostile").await.map(drop),
                provider.list_page(&ListFilter::new(), &PageRequest::default()).await.map(drop),
                provider.allocate(&AllocateRequest::new().bandwidth(5)).await.map(drop),
            ];
            assert!(server.served.load(Ordering::SeqCst) >= 3, "each call reached the server");
            for outcome in outcomes {
                if let Err(error) = &outcome {
                    let _ = (error.to_string(), format!("{error:?}"), error.kind_name());
                    assert!(!error.to_string().contains("hostile-test-secret"), "{error}");
                }
                // Nothing succeeds without a 2xx answer.
                if !answers.iter().any(Answer::is_success) {
                    assert!(outcome.is_err(), "{outcome:?} from {answers:?}");
                }
            }
        });
    }
}
