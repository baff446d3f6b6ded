//! Hostile answers fed to every answer parser of the provider (publicip, publicip lists, ports,
//! IAM token and project answers, error bodies) through its public operations, over HTTP from
//! eip-testkit's raw server: arbitrary bytes and arbitrary JSON shapes built from
//! `eip_testkit::fuzz::HUAWEI`. Never a panic; always a value or a typed `eip_core::Error` of the
//! kind the answer calls for. (The end-to-end mix of statuses, truncations and closed
//! connections is `hostile.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use eip_core::retry::SettlePolicy;
use eip_core::{
    AssociateTarget, Eip, EipProvider, EipStatus, Error, ListFilter, PageRequest, RetryPolicy,
    Timeouts,
};
use eip_huawei::{AccessKey, HuaweiBuilder, HuaweiProvider, PasswordAuth};
use eip_testkit::fuzz::{body_from, config, is_json, nested, Vocabulary};
use eip_testkit::hostile::{RawServer, Reply};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};

/// Huawei's words, shared with the end-to-end hostile tests.
const WORDS: Vocabulary = eip_testkit::fuzz::HUAWEI;

const ID: &str = "6285e7be-fd9f-497c-bc2d-dd0bdea6efe0";
const REQUEST_ID: &str = "req-1";
const SECRETS: [&str; 3] = [
    "hostile-password",
    "hostile-secret-key",
    "hostile-token-value",
];

// ---- generators ----

/// The four error shapes of huaweicloud-sdk-python-v3
/// `huaweicloudsdkcore/exceptions/exception_handler.py` with hostile values, or anything else.
fn error_json() -> BoxedStrategy<Value> {
    let shapes = (
        WORDS.field_value(),
        WORDS.field_value(),
        WORDS.field_value(),
        0u8..4,
    )
        .prop_map(|(code, message, id, shape)| match shape {
            0 => json!({ "code": code, "message": message }),
            1 => json!({ "error_code": code, "error_msg": message, "request_id": id }),
            2 => json!({ "error": { "code": code, "message": message, "title": id } }),
            _ => json!({ "NeutronError": { "type": code, "message": message, "detail": id } }),
        });
    prop_oneof![3 => shapes, 1 => WORDS.any_json()].boxed()
}

/// Huawei's own bodies no generator reaches by chance: its shapes with numbers out of range,
/// wrong types, impossible times (added to the testkit's common special bodies).
fn huawei_specials() -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = [
        &b"\"publicip\""[..],
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
    bodies.push(nested(10_000, "{\"publicip\":", "}"));
    bodies
}

fn bodies(json: BoxedStrategy<Value>) -> BoxedStrategy<Vec<u8>> {
    body_from(json, huawei_specials())
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

// ---- the harness: one raw server answering what the case says, providers aimed at it ----

struct Harness {
    runtime: tokio::runtime::Runtime,
    server: RawServer,
    reply: Arc<Mutex<Reply>>,
}

impl Harness {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let reply = Arc::new(Mutex::new(Reply::json(200, json!({}))));
        let answer = reply.clone();
        let server = runtime.block_on(RawServer::start(move |_| answer.lock().unwrap().clone()));
        Self {
            runtime,
            server,
            reply,
        }
    }

    /// Every request is answered `status` with `body`, the request id and an IAM token header.
    fn answer(&self, status: u16, body: &[u8]) {
        *self.reply.lock().unwrap() = Reply {
            status,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("X-Request-Id".into(), REQUEST_ID.into()),
                ("X-Subject-Token".into(), "hostile-token-value".into()),
            ],
            body: body.to_vec(),
        };
    }

    fn builder(&self) -> HuaweiBuilder {
        HuaweiProvider::builder()
            .with_region("cn-north-4")
            .with_iam_endpoint(&self.server.url)
            .with_vpc_endpoint(&self.server.url)
            // One attempt, and a lost write settled by reads for a moment only: each case
            // sees exactly the answer it generated.
            .with_retry(RetryPolicy::never().with_settle(SettlePolicy::new(
                Duration::from_millis(2),
                Duration::from_millis(1),
            )))
            .with_rate_limiter(None)
            .with_timeouts(Timeouts::new(
                Duration::from_secs(2),
                Duration::from_secs(5),
                Duration::from_secs(10),
            ))
    }

    /// AK/SK with the project id: no IAM request.
    fn key_provider(&self) -> HuaweiProvider {
        self.builder()
            .with_access_key(AccessKey::new("HOSTILEAK", "hostile-secret-key"))
            .with_project_id("0123456789abcdef0123456789abcdef")
            .build()
            .unwrap()
    }

    /// An IAM password: a token request first.
    fn password_provider(&self) -> HuaweiProvider {
        self.builder()
            .with_password(PasswordAuth::new(
                "hostile-user",
                "hostile-password",
                "acct",
            ))
            .build()
            .unwrap()
    }

    /// AK/SK without a project id: a project lookup first.
    fn lookup_provider(&self) -> HuaweiProvider {
        self.builder()
            .with_access_key(AccessKey::new("HOSTILEAK", "hostile-secret-key"))
            .build()
            .unwrap()
    }

    /// Runs `cases` cases of `strategy` through `check`.
    fn run<S>(&self, cases: u32, strategy: S, check: impl Fn(&Self, S::Value))
    where
        S: Strategy,
        S::Value: Debug,
    {
        TestRunner::new(config(cases))
            .run(&strategy, |value| {
                check(self, value);
                Ok(())
            })
            .unwrap();
    }
}

/// Display and Debug never panic and never show a secret.
fn shown(error: &Error) {
    let text = format!("{error} {error:?} {}", error.kind_name());
    for secret in SECRETS {
        assert!(!text.contains(secret), "{text}");
    }
}

/// A 2xx whose body is not the documented shape is an invalid response naming its status and
/// request id.
fn assert_invalid_2xx(error: &Error, status: u16) {
    match error {
        Error::InvalidResponse {
            http_status: Some(got),
            request_id,
            ..
        } if *got == status => {
            assert_eq!(
                request_id.as_deref(),
                Some(REQUEST_ID),
                "the request id is kept"
            );
        }
        other => panic!("a {status} that cannot be read is an invalid response: {other:?}"),
    }
    shown(error);
}

/// A 2xx that cannot be used is an invalid response: [`assert_invalid_2xx`], or, when the shape
/// holds an unusable address (no id, no readable address: refused while mapping wire to model,
/// after the answer), one naming neither status nor request id.
fn assert_unusable(error: &Error, status: u16) {
    match error {
        Error::InvalidResponse {
            http_status: None,
            request_id: None,
            ..
        } => shown(error),
        other => assert_invalid_2xx(other, status),
    }
}

/// What a successfully read address must look like.
fn check_eip(eip: &Eip, body: &[u8]) {
    assert!(
        is_json(body),
        "only JSON parses: {:?}",
        String::from_utf8_lossy(body)
    );
    assert!(!eip.id.is_empty());
    assert!(eip.bandwidth_mbps.is_none_or(|b| b > 0), "{eip:?}");
    let _ = serde_json::to_string(eip).unwrap();
}

// ---- the parsers, through the operations that use them ----

/// ShowPublicip (through `get`) and ListPublicips (through `list_page`) on a 200 with `body`.
fn check_publicips(h: &Harness, provider: &HuaweiProvider, body: &[u8]) {
    h.answer(200, body);
    h.runtime.block_on(async {
        match provider.get(ID).await {
            Ok(eip) => {
                check_eip(&eip, body);
                // The id is the one the answer names.
                let value: Value = serde_json::from_slice(body).unwrap();
                if let Some(id) = value["publicip"]["id"].as_str() {
                    assert_eq!(eip.id, id);
                }
            }
            Err(error) => assert_unusable(&error, 200),
        }
        match provider
            .list_page(&ListFilter::new(), &PageRequest::default())
            .await
        {
            Ok(page) => page.items.iter().for_each(|eip| check_eip(eip, body)),
            Err(error) => assert_unusable(&error, 200),
        }
    });
}

/// The ids of the ports in `body`, as text (a number is read as its digits).
fn port_ids(body: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let Some(ports) = value["ports"].as_array() else {
        return Vec::new();
    };
    ports
        .iter()
        .filter_map(|p| match &p["id"] {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

/// ListPorts (through `associate` with each kind of target) on a 200 with `body`: either a
/// bind naming a port of the answer, or a typed refusal.
fn check_ports(h: &Harness, provider: &HuaweiProvider, body: &[u8]) {
    h.answer(200, body);
    let ip: IpAddr = "192.168.0.11".parse().unwrap();
    let targets = [
        AssociateTarget::instance("srv-1"),
        AssociateTarget::nic("p1", Some(ip)),
        AssociateTarget::PrivateIp { address: ip },
    ];
    for target in targets {
        let before = h.server.received().len();
        let outcome = h.runtime.block_on(provider.associate(ID, &target));
        match outcome {
            Ok(()) => {
                let bind = h.server.received()[before..]
                    .iter()
                    .rev()
                    .find(|r| r.method == "PUT")
                    .cloned()
                    .expect("a bind was sent");
                let sent: Value = serde_json::from_slice(&bind.body).unwrap();
                let port = sent["publicip"]["port_id"].as_str().unwrap_or_default();
                assert!(
                    port_ids(body).iter().any(|id| id == port),
                    "the bind names a port of the answer: {port:?} from {:?}",
                    String::from_utf8_lossy(body)
                );
            }
            Err(error) => {
                assert!(
                    matches!(
                        error,
                        Error::NotFound { .. }
                            | Error::Conflict { .. }
                            | Error::InvalidInput { .. }
                            | Error::InvalidResponse {
                                http_status: Some(200),
                                ..
                            }
                    ),
                    "{error:?}"
                );
                shown(&error);
            }
        }
    }
}

/// KeystoneCreateToken (a password provider) and KeystoneListProjects (AK/SK without a project
/// id) on a 2xx with `body`: the call that follows fails typed or reads the same body.
fn check_iam(h: &Harness, body: &[u8]) {
    for (status, provider) in [(201, h.password_provider()), (200, h.lookup_provider())] {
        h.answer(status, body);
        match h.runtime.block_on(provider.get(ID)) {
            Ok(eip) => check_eip(&eip, body),
            Err(error) => shown(&error),
        }
    }
}

/// The code the documented error shapes name (huaweicloud-sdk-python-v3
/// `exception_handler.py`): `error_code` / `errorCode` / `code`, at the top or one level down
/// (`{"error":{...}}`), or a `NeutronError`'s `type` beside its `message`.
fn documented_code(body: &[u8]) -> Option<String> {
    fn text(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    fn code(value: &Value) -> Option<String> {
        for key in ["error_code", "errorCode", "code"] {
            if let Some(code) = value.get(key).and_then(text) {
                return Some(code);
            }
        }
        value.get("message").and_then(text)?;
        Some(value.get("type").and_then(text).unwrap_or_default())
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    code(&value).or_else(|| object.values().find_map(code))
}

/// A refusal (`get` on `status` with `body`) is the kind the answer calls for.
fn check_error(h: &Harness, provider: &HuaweiProvider, status: u16, body: &[u8]) {
    h.answer(status, body);
    let error = h
        .runtime
        .block_on(provider.get(ID))
        .expect_err("a refusal is an error");
    shown(&error);
    match documented_code(body) {
        // The cloud's code is kept (VPC.0501 and VPC.0007 name it in an InvalidInput).
        Some(code) => assert!(
            error
                .service()
                .is_some_and(|s| s.code == code && s.http_status == Some(status))
                || matches!(&error, Error::InvalidInput { reason, .. } if reason.contains(&code)),
            "{error:?}"
        ),
        // Not JSON at all (a gateway page): eip-http's one rule, invalid with its status unless
        // 401, 403, 429 or 5xx; a gateway page is not proof the EIP is gone.
        None if !is_json(body) && !matches!(status, 401 | 403 | 429 | 500..=599) => {
            assert!(
                matches!(error, Error::InvalidResponse { http_status: Some(s), .. } if s == status),
                "{error:?}"
            );
        }
        // JSON without the API's code: the status decides, and the code says so.
        None => {
            assert_eq!(
                error.service().map(|s| s.code.clone()),
                Some(format!("HTTP {status}")),
                "{error:?}"
            );
            match status {
                401 => assert!(matches!(error, Error::Unauthenticated { .. }), "{error:?}"),
                404 => assert!(matches!(error, Error::NotFound { .. }), "{error:?}"),
                429 => assert!(matches!(error, Error::RateLimited { .. }), "{error:?}"),
                500..=599 => assert!(
                    matches!(
                        error,
                        Error::Service {
                            retryable: true,
                            ..
                        }
                    ),
                    "{error:?}"
                ),
                _ => {}
            }
        }
    }
}

/// An address with `status` and `create_time` as the answer gives them.
fn publicip_with(status: &str, create_time: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"publicip": {
        "id": ID,
        "public_ip_address": "161.17.101.9",
        "status": status,
        "create_time": create_time,
    }}))
    .unwrap()
}

// ---- the properties ----

#[test]
fn publicip_answers_parse_or_fail_typed() {
    let h = Harness::start();
    let provider = h.key_provider();
    let json = prop_oneof![
        WORDS.wrapped("publicip", false),
        WORDS.wrapped("publicips", true)
    ];
    h.run(256, bodies(json.boxed()), |h, body| {
        check_publicips(h, &provider, &body)
    });
}

#[test]
fn port_lists_parse_or_fail_typed() {
    let h = Harness::start();
    let provider = h.key_provider();
    h.run(256, bodies(WORDS.wrapped("ports", true)), |h, body| {
        check_ports(h, &provider, &body)
    });
}

#[test]
fn iam_answers_parse_or_fail_typed() {
    let h = Harness::start();
    let json = prop_oneof![
        WORDS.wrapped("token", false),
        WORDS.wrapped("projects", true)
    ];
    h.run(128, bodies(json.boxed()), |h, body| check_iam(h, &body));
}

#[test]
fn error_answers_are_typed() {
    let h = Harness::start();
    let provider = h.key_provider();
    let statuses = prop_oneof![
        Just(400u16),
        Just(401),
        Just(403),
        Just(404),
        Just(409),
        Just(429),
        Just(500),
        Just(502),
        400u16..600,
    ];
    h.run(
        256,
        (statuses, bodies(error_json())),
        |h, (status, body)| check_error(h, &provider, status, &body),
    );
}

#[test]
fn any_time_and_status_text_reads_as_documented_or_kept() {
    let h = Harness::start();
    let provider = h.key_provider();
    h.run(256, ".{0,32}", |h, raw: String| {
        h.answer(200, &publicip_with(&raw, &raw));
        let eip = h.runtime.block_on(provider.get(ID)).unwrap();
        // A time is read only from the documented shapes, and reads back as the same instant.
        if let Some(t) = eip.created_at {
            let shown = format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day());
            assert!(raw.trim().starts_with(&shown), "{raw:?} read as {t}");
        }
        // An unknown status keeps its raw text; a known one is one of the 13 documented values.
        match &eip.status {
            EipStatus::Unknown(kept) => {
                assert_eq!(kept, &raw);
                assert!(
                    !DOCUMENTED_STATUSES.contains(&raw.as_str()),
                    "{raw:?} is documented"
                );
            }
            _ => assert!(DOCUMENTED_STATUSES.contains(&raw.as_str()), "{raw:?}"),
        }
    });
}

#[test]
fn a_documented_time_reads_back_exactly() {
    let h = Harness::start();
    let provider = h.key_provider();
    let times = (1970i32..2100, 1u8..=12, 1u8..=28, 0u8..24, 0u8..60, 0u8..60);
    h.run(64, times, |h, (y, mo, d, hh, mi, s)| {
        let raw = format!("{y:04}-{mo:02}-{d:02} {hh:02}:{mi:02}:{s:02}");
        h.answer(200, &publicip_with("ACTIVE", &raw));
        let t = h
            .runtime
            .block_on(provider.get(ID))
            .unwrap()
            .created_at
            .expect("a documented time is read");
        assert_eq!((t.year(), u8::from(t.month()), t.day()), (y, mo, d));
        assert_eq!((t.hour(), t.minute(), t.second()), (hh, mi, s));
        assert_eq!(t.offset(), time::UtcOffset::UTC);
    });
}

#[test]
fn documented_hostile_answers_get_the_expected_kinds() {
    let h = Harness::start();
    let provider = h.key_provider();
    let get = |status: u16, body: &[u8]| {
        h.answer(status, body);
        h.runtime.block_on(provider.get(ID))
    };
    // A proxy's HTML page: invalid with its status on a 200; typed on a 502.
    let page = b"<html>502 Bad Gateway</html>";
    check_error(&h, &provider, 502, page);
    assert_invalid_2xx(&get(200, page).unwrap_err(), 200);
    // An empty 200, and an empty IAM answer.
    assert_invalid_2xx(&get(200, b"").unwrap_err(), 200);
    h.answer(201, b"");
    let error = h
        .runtime
        .block_on(h.password_provider().get(ID))
        .unwrap_err();
    assert_invalid_2xx(&error, 201);
    // Deep nesting hits serde_json's recursion limit instead of the stack.
    assert_invalid_2xx(&get(200, &nested(100_000, "[", "]")).unwrap_err(), 200);
    h.answer(200, &nested(100_000, "[", "]"));
    let error = h
        .runtime
        .block_on(provider.associate(ID, &AssociateTarget::instance("srv-1")))
        .unwrap_err();
    assert_invalid_2xx(&error, 200);
    // A bandwidth beyond f64 makes the answer unreadable; beyond u32 or below zero it is absent.
    let beyond_f64 =
        br#"{"publicip":{"id":"e1","public_ip_address":"1.2.3.4","bandwidth_size":1e400}}"#;
    assert_invalid_2xx(&get(200, beyond_f64).unwrap_err(), 200);
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
        let eip = get(200, body.as_bytes()).unwrap();
        assert_eq!(eip.bandwidth_mbps, None, "bandwidth_size {size}");
    }
    // Wrong types: an id that is a list and an address that is an object are absent, so the
    // answer names no address.
    let wrong_types = br#"{"publicip":{"id":["e1"],"public_ip_address":{"v":4},"port_id":7}}"#;
    assert_unusable(&get(200, wrong_types).unwrap_err(), 200);
    // Every special body, through every parser.
    let mut specials = eip_testkit::fuzz::common_special_bodies();
    specials.extend(huawei_specials());
    for body in &specials {
        check_publicips(&h, &provider, body);
        check_ports(&h, &provider, body);
        check_iam(&h, body);
        for status in [400, 401, 404, 429, 502] {
            check_error(&h, &provider, status, body);
        }
    }
}
