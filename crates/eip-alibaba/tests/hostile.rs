//! Hostile answers: arbitrary bytes and arbitrary JSON shapes fed to every
//! answer parser of the provider, then to the provider itself over HTTP. Never a panic; always
//! `Ok` or a typed `eip_core::Error` of the kind the answer calls for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use eip_alibaba::mapping;
use eip_alibaba::wire::{self, Acknowledgement, AllocateResponse, DescribeResponse};
use eip_alibaba::{AccessKey, AlibabaProvider};
use eip_core::{
    AllocateRequest, EipProvider, Error, ListFilter, PageRequest, RetryPolicy, Timeouts,
};
use eip_testkit::fuzz::{self, config, is_json, nested, Vocabulary};
use eip_testkit::hostile::{self, Answer, HostileServer};
use proptest::prelude::*;
use serde_json::{json, Value};

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
    "Descritpion",
    "EipBandwidth",
    "BusinessStatus",
    "OperationLocks",
    "LockReason",
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
    "financial",
    "OperationLock",
];

/// The words of Alibaba's answers, for the shared generators.
const WORDS: Vocabulary = Vocabulary {
    keys: KEYS,
    plausible: PLAUSIBLE,
};

/// An `EipAddress` item with any subset of its fields, each holding anything.
fn item() -> BoxedStrategy<Value> {
    WORDS.fields(14)
}

fn field_value() -> BoxedStrategy<Value> {
    WORDS.field_value()
}

fn any_json() -> BoxedStrategy<Value> {
    WORDS.any_json()
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

/// Alibaba's own bodies no generator reaches by chance (the shared ones come from
/// [`fuzz::common_special_bodies`]): its shapes with numbers out of range, values of the wrong
/// type, and nesting in its wrapper.
fn special_bodies() -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = [
        &b"\"EipAddresses\""[..],
        b"{\"TotalCount\":1e400}",
        b"{\"TotalCount\":18446744073709551616,\"PageSize\":-1}",
        br#"{"EipAddresses":{"EipAddress":[{"AllocationId":"eip-1","IpAddress":"1.2.3.4","Bandwidth":-5}]}}"#,
        br#"{"EipAddresses":{"EipAddress":[{"AllocationId":"eip-1","IpAddress":"1.2.3.4","Bandwidth":1e400}]}}"#,
        br#"{"EipAddresses":{"EipAddress":[{"AllocationId":"eip-1","IpAddress":"1.2.3.4","Bandwidth":18446744073709551616}]}}"#,
        br#"{"EipAddresses":{"EipAddress":[{"AllocationId":["eip-1"],"IpAddress":{"v":4}}]}}"#,
        br#"{"EipAddresses":{"EipAddress":[{"AllocationId":"eip-1","IpAddress":"1.2.3.4","OperationLocks":{"LockReason":[7,{"LockReason":null}]}}]}}"#,
        br#"{"EipAddresses":"none","AllocationId":7,"EipAddress":[]}"#,
        b"{\"RequestId\":\"\xff\xfe\",\"Code\":\"X\"}",
        b"\xef\xbb\xbf{\"RequestId\":\"r\"}",
        b"{\"Code\":\"Throttling\",\"Message\":\"a\0b\"}",
    ]
    .iter()
    .map(|b| b.to_vec())
    .collect();
    bodies.push(nested(10_000, "{\"EipAddresses\":", "}"));
    bodies
}

/// A body from `json`, Alibaba's special bodies among the shared ones.
fn body_from(json: BoxedStrategy<Value>) -> BoxedStrategy<Vec<u8>> {
    fuzz::body_from(json, special_bodies())
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

fn answer() -> BoxedStrategy<Answer> {
    let body = prop_oneof![
        body_from(describe_json()),
        body_from(allocate_json()),
        body_from(error_json())
    ]
    .boxed();
    hostile::answer(body, "x-acs-retry-after")
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
            let provider = provider(server.endpoint());
            let outcomes: Vec<Result<(), Error>> = vec![
                provider.get("eip-bp1hostile").await.map(drop),
                provider.list_page(&ListFilter::new(), &PageRequest::default()).await.map(drop),
                provider.allocate(&AllocateRequest::new().bandwidth(5)).await.map(drop),
            ];
            assert!(server.served() >= 3, "each call reached the server");
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
