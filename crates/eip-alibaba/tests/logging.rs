//! The V1 `SignatureDoesNotMatch` path: the server quotes its string to sign, which holds the STS
//! `SecurityToken`; it must reach neither the log (at any level) nor the error. In a file of its
//! own: the log subscriber is installed for this one test, with no other test in the process
//! racing it for the callsites' interest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::stub::Stub;
use common::*;
use eip_core::{EipProvider, Error};

/// Everything written to the log, at every level.
#[tokio::test]
async fn the_server_string_to_sign_never_reaches_the_log_or_the_error() {
    const TOKEN: &str = "sts-token-that-must-stay-secret";
    let stub = Stub::start(|seen, _| {
        // The server quotes its string to sign, which under V1 holds the SecurityToken.
        let token = seen.params.get("SecurityToken").cloned().unwrap_or_default();
        (
            400,
            format!(
                r#"{{"RequestId":"r-1","Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3Dstub-id%26SecurityToken%3D{token}"}}"#
            ),
        )
    })
    .await;
    let captured = eip_testkit::logs::capture_trace();
    let p = provider_at(&stub.endpoint, stub_key().with_security_token(TOKEN));
    let error = p.get("eip-1").await.unwrap_err();
    assert!(matches!(error, Error::Unauthenticated { .. }), "{error:?}");
    assert_eq!(
        stub.count("DescribeEipAddresses"),
        1,
        "a signature refusal is not retried"
    );
    let log = captured.text();
    assert!(!log.is_empty(), "the subscriber saw the call");
    for shown in [log, error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains(TOKEN), "{shown}");
    }
}
