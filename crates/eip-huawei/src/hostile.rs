//! Hostile answers fed to every answer parser of the crate (publicip, publicip lists, ports,
//! IAM token and project answers, error bodies): arbitrary bytes and arbitrary JSON shapes.
//! Never a panic; always `Ok` or a typed `eip_core::Error` of the kind the answer calls for.
//!
//! In-crate because the parsers are private; the same answers sent to the provider over HTTP
//! are `tests/hostile.rs`, on eip-testkit's hostile server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;

use eip_core::{EipStatus, Error};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use crate::error::{from_answer, parse_body, FailedAnswer};
use crate::mapping::{eip_from, parse_create_time, resolve_binding, status_of};
use crate::ports::{named_port, port_holding, primary_port};
use crate::wire::{parse, PortList, ProjectList, PublicipEnvelope, PublicipList, TokenEnvelope};

// ---- generators ----

/// The names the parsers look for and values a real answer might hold, in the wrong places too
/// (one list with the crate's end-to-end hostile tests).
const KEYS: &[&str] = eip_testkit::fuzz::HUAWEI.keys;
const PLAUSIBLE: &[&str] = eip_testkit::fuzz::HUAWEI.plausible;

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

/// The four error shapes of huaweicloud-sdk-python-v3 `huaweicloudsdkcore/exceptions/exception_handler.py` with hostile values, or anything else.
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

/// huaweicloudsdkeip `v2/model/publicip_show_resp.py`, `status`: the 13 documented statuses.
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
        // Not JSON at all (a gateway page): eip-http's one rule, invalid with its status unless
        // 429 or 5xx; a gateway page is not proof the EIP is gone.
        None if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err()
            && !matches!(status, 401 | 403 | 429 | 500..=599) =>
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
