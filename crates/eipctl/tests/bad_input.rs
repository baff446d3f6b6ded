//! Bad input on the command line: every case exits 2 with a stderr line naming
//! the field at fault, and the emulator's request log shows that not one request was sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use common::{Cloud, Harness};

/// One bad command line.
struct Case {
    /// What is wrong, for failure messages.
    what: &'static str,
    cloud: Cloud,
    /// A provider spec to use instead of the emulator's (`{sim}` is replaced by its endpoint).
    spec: Option<&'static str>,
    args: Vec<OsString>,
    /// Text the stderr line must contain: the field, as eipctl or clap names it.
    field: &'static str,
}

fn case(what: &'static str, cloud: Cloud, args: &[&str], field: &'static str) -> Case {
    Case {
        what,
        cloud,
        spec: None,
        args: args.iter().map(OsString::from).collect(),
        field,
    }
}

fn with_spec(what: &'static str, cloud: Cloud, spec: &'static str, field: &'static str) -> Case {
    Case {
        what,
        cloud,
        spec: Some(spec),
        args: vec!["list".into()],
        field,
    }
}

/// Runs every case against one emulator; reports all failures at once.
async fn refuse_all(cases: Vec<Case>) {
    let h = Harness::start().await;
    let mut failures = Vec::new();
    for case in &cases {
        let spec = match case.spec {
            Some(spec) => spec.replace("{sim}", &h.sim.endpoint()),
            None => h.spec(case.cloud),
        };
        let mut args: Vec<OsString> = vec!["--provider".into(), spec.into()];
        args.extend(case.args.iter().cloned());
        let run = h.run_with(&h.credentials(case.cloud), &args).await;
        let requests = h.sim.requests();
        let named = run.stderr.lines().any(|line| line.contains(case.field));
        // eipctl's own errors are one line; clap's usage errors add a hint below theirs.
        let own_errors = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("eipctl: "))
            .count();
        let one_line = own_errors == 0 || run.stderr.lines().count() == 1;
        if run.code != 2 || !named || !one_line || !requests.is_empty() || !run.stdout.is_empty() {
            failures.push(format!(
                "{} ({:?}): exit {}, {} request(s), stderr {:?}, expected a line naming {:?}",
                case.what,
                case.cloud,
                run.code,
                requests.len(),
                run.stderr,
                case.field
            ));
        }
        h.sim.clear_requests();
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn malformed_ids_are_refused_before_any_request() {
    let long = "e".repeat(10 * 1024);
    let long: &'static str = Box::leak(long.into_boxed_str());
    refuse_all(vec![
        case("empty id", Cloud::Alibaba, &["show", ""], "invalid id"),
        case(
            "id with /",
            Cloud::Alibaba,
            &["release", "eip-1/../x"],
            "invalid id",
        ),
        case(
            "id with ..",
            Cloud::Huawei,
            &["disassociate", "..", "--wait"],
            "invalid id",
        ),
        case(
            "id with ?",
            Cloud::Alibaba,
            &["show", "eip-1?Action=ReleaseEipAddress"],
            "invalid id",
        ),
        case(
            "id with #",
            Cloud::Huawei,
            &["modify", "eip-1#x", "--name", "web"],
            "invalid id",
        ),
        case(
            "id with %",
            Cloud::Huawei,
            &["wait", "eip-%2F", "--until", "bound"],
            "invalid id",
        ),
        case(
            "id with whitespace",
            Cloud::Alibaba,
            &["associate", "eip 1", "--instance", "i-1"],
            "invalid id",
        ),
        case(
            "id with a control character",
            Cloud::Alibaba,
            &["show", "eip-\u{7}1"],
            "invalid id",
        ),
        case("10 KB id", Cloud::Huawei, &["show", long], "invalid id"),
        case(
            "Huawei id escaping the path",
            Cloud::Huawei,
            &["release", "../../v3/auth/tokens"],
            "invalid id",
        ),
        case(
            "instance with /",
            Cloud::Alibaba,
            &["associate", "eip-1", "--instance", "i-1/x"],
            "invalid instance",
        ),
        case(
            "nic with whitespace",
            Cloud::Huawei,
            &["associate", "eip-1", "--nic", "port 1"],
            "invalid nic",
        ),
        case(
            "move --from with ?",
            Cloud::Alibaba,
            &["move", "eip-1", "--from", "i-1?", "--to", "i-2"],
            "invalid from",
        ),
        case(
            "move --to empty",
            Cloud::Huawei,
            &["move", "eip-1", "--from", "i-1", "--to", ""],
            "invalid to",
        ),
        case(
            "list --instance with %",
            Cloud::Alibaba,
            &["list", "--instance", "i-%00"],
            "invalid instance",
        ),
        case(
            "idempotency key of 65 characters",
            Cloud::Alibaba,
            &["allocate", "--idempotency-key", &"k".repeat(65)],
            "invalid idempotency_key",
        ),
        case(
            "idempotency key with a space",
            Cloud::Huawei,
            &["allocate", "--idempotency-key", "deploy 42"],
            "invalid idempotency_key",
        ),
    ])
    .await;
}

#[tokio::test]
async fn arguments_that_are_not_utf8_are_refused_by_name() {
    let bytes = |b: &[u8]| OsString::from_vec(b.to_vec());
    refuse_all(vec![
        Case {
            what: "id that is not UTF-8",
            cloud: Cloud::Alibaba,
            spec: None,
            // `show`'s id is optional (`show --address IP` instead), hence the brackets.
            args: vec!["show".into(), bytes(b"eip-\xff\xfe")],
            field: "'[ID]'",
        },
        Case {
            what: "name that is not UTF-8",
            cloud: Cloud::Huawei,
            spec: None,
            args: vec!["allocate".into(), "--name".into(), bytes(b"web\xc3")],
            field: "'--name <NAME>'",
        },
        Case {
            what: "instance that is not UTF-8",
            cloud: Cloud::Alibaba,
            spec: None,
            args: vec![
                "associate".into(),
                "eip-1".into(),
                "--instance".into(),
                bytes(b"\x80i-1"),
            ],
            field: "'--instance <INSTANCE>'",
        },
    ])
    .await;
}

#[tokio::test]
async fn bandwidths_names_and_addresses_outside_the_rules_are_refused() {
    refuse_all(vec![
        case(
            "bandwidth 0",
            Cloud::Alibaba,
            &["allocate", "--bandwidth", "0"],
            "invalid bandwidth_mbps",
        ),
        case(
            "bandwidth 100000",
            Cloud::Alibaba,
            &["allocate", "--bandwidth", "100000"],
            "invalid bandwidth_mbps",
        ),
        case(
            "bandwidth above Huawei's maximum",
            Cloud::Huawei,
            &["allocate", "--bandwidth", "2500"],
            "invalid bandwidth_mbps",
        ),
        case(
            "bandwidth off Huawei's steps",
            Cloud::Huawei,
            &["allocate", "--bandwidth", "325"],
            "invalid bandwidth_mbps",
        ),
        case(
            "negative bandwidth",
            Cloud::Alibaba,
            &["allocate", "--bandwidth", "-5"],
            "'--bandwidth <MBPS>'",
        ),
        case(
            "bandwidth that is not a number",
            Cloud::Huawei,
            &["allocate", "--bandwidth", "5m"],
            "'--bandwidth <MBPS>'",
        ),
        case(
            "modify to bandwidth 0",
            Cloud::Alibaba,
            &["modify", "eip-1", "--bandwidth", "0"],
            "invalid bandwidth_mbps",
        ),
        case(
            "negative timeout",
            Cloud::Alibaba,
            &["wait", "eip-1", "--until", "bound", "--timeout", "-1"],
            "'--timeout <SECONDS>'",
        ),
        case(
            "wait --timeout u64::MAX",
            Cloud::Alibaba,
            &[
                "wait",
                "eip-1",
                "--until",
                "bound",
                "--timeout",
                "18446744073709551615",
            ],
            "invalid timeout",
        ),
        case(
            "move --timeout u64::MAX",
            Cloud::Huawei,
            &[
                "move",
                "eip-1",
                "--from",
                "i-1",
                "--to",
                "i-2",
                "--timeout",
                "18446744073709551615",
            ],
            "invalid timeout",
        ),
        case(
            "wait --timeout a week and a second",
            Cloud::Huawei,
            &["wait", "eip-1", "--until", "gone", "--timeout", "604801"],
            "invalid timeout",
        ),
        case(
            "move --timeout past u64",
            Cloud::Alibaba,
            &[
                "move",
                "eip-1",
                "--from",
                "i-1",
                "--to",
                "i-2",
                "--timeout",
                "18446744073709551616",
            ],
            "'--timeout <SECONDS>'",
        ),
        case(
            "name starting with a digit",
            Cloud::Alibaba,
            &["allocate", "--name", "1web"],
            "invalid name",
        ),
        case(
            "name with a slash",
            Cloud::Alibaba,
            &["allocate", "--name", "web/1"],
            "invalid name",
        ),
        case(
            "name of 129 characters",
            Cloud::Alibaba,
            &["allocate", "--name", &"w".repeat(129)],
            "invalid name",
        ),
        case(
            "name with whitespace",
            Cloud::Huawei,
            &["allocate", "--name", "web 1"],
            "invalid name",
        ),
        case(
            "name of 65 characters",
            Cloud::Huawei,
            &["modify", "eip-1", "--name", &"w".repeat(65)],
            "invalid name",
        ),
        case(
            "description starting with http://",
            Cloud::Alibaba,
            &["allocate", "--description", "http://x"],
            "invalid description",
        ),
        case(
            "description on Huawei, which has none",
            Cloud::Huawei,
            &["allocate", "--description", "front"],
            "description",
        ),
        case(
            "invalid --private-ip",
            Cloud::Alibaba,
            &[
                "associate",
                "eip-1",
                "--nic",
                "eni-1",
                "--private-ip",
                "10.0.0",
            ],
            "'--private-ip <IP>'",
        ),
        case(
            "invalid --address",
            Cloud::Huawei,
            &["list", "--address", "300.1.2.3"],
            "'--address <ADDRESS>'",
        ),
    ])
    .await;
}

#[tokio::test]
async fn unknown_choices_are_refused() {
    refuse_all(vec![
        case(
            "--charge-mode weird",
            Cloud::Alibaba,
            &["allocate", "--charge-mode", "weird"],
            "invalid charge-mode",
        ),
        case(
            "wait --until nonsense",
            Cloud::Huawei,
            &["wait", "eip-1", "--until", "nonsense"],
            "invalid until",
        ),
        case(
            "list --status weird",
            Cloud::Alibaba,
            &["list", "--status", "weird"],
            "invalid status",
        ),
        case(
            "--output yaml",
            Cloud::Alibaba,
            &["--output", "yaml", "list"],
            "'--output <OUTPUT>'",
        ),
        case(
            "associate to nothing",
            Cloud::Alibaba,
            &["associate", "eip-1"],
            "--instance",
        ),
    ])
    .await;
}

#[tokio::test]
async fn malformed_provider_specs_are_refused_before_any_request() {
    refuse_all(vec![
        with_spec(
            "unknown region",
            Cloud::Alibaba,
            "alibaba://CN_HANGZHOU!?endpoint={sim}",
            "invalid region",
        ),
        with_spec(
            "unknown Huawei region",
            Cloud::Huawei,
            "huawei://CN_NORTH_4!?iam_endpoint={sim}&vpc_endpoint={sim}",
            "invalid region",
        ),
        with_spec(
            "unknown scheme",
            Cloud::Alibaba,
            "nope://x",
            "invalid provider",
        ),
        with_spec(
            "no region",
            Cloud::Alibaba,
            "alibaba://",
            "invalid provider",
        ),
        with_spec(
            "not a URL",
            Cloud::Alibaba,
            "cn-hangzhou",
            "invalid provider",
        ),
        with_spec(
            "unknown option",
            Cloud::Alibaba,
            "alibaba://cn-hangzhou?bogus=1",
            "invalid provider",
        ),
        with_spec(
            "option given twice",
            Cloud::Alibaba,
            "alibaba://cn-hangzhou?endpoint={sim}&endpoint={sim}",
            "invalid provider",
        ),
        with_spec(
            "path after the region",
            Cloud::Huawei,
            "huawei://cn-north-4/v3?iam_endpoint={sim}",
            "invalid provider",
        ),
        with_spec(
            "unknown signature",
            Cloud::Alibaba,
            "alibaba://cn-hangzhou?endpoint={sim}&signature=v2",
            "invalid signature",
        ),
        with_spec(
            "unknown auth",
            Cloud::Huawei,
            "huawei://cn-north-4?auth=kerberos&iam_endpoint={sim}&vpc_endpoint={sim}",
            "invalid auth",
        ),
        with_spec(
            "plain http to a remote host",
            Cloud::Alibaba,
            "alibaba://cn-hangzhou?endpoint=http://example.com",
            "invalid endpoint",
        ),
        with_spec(
            "plain http to a remote IAM",
            Cloud::Huawei,
            "huawei://cn-north-4?iam_endpoint=http://example.com&vpc_endpoint={sim}",
            "invalid iam_endpoint",
        ),
        with_spec(
            "endpoint with a path",
            Cloud::Alibaba,
            "alibaba://cn-hangzhou?endpoint={sim}/x",
            "invalid endpoint",
        ),
        with_spec(
            "unknown emulated cloud",
            Cloud::Alibaba,
            "sim://nowhere",
            "invalid provider",
        ),
    ])
    .await;
}
