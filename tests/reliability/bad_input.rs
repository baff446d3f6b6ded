//! The bad-input matrix for both providers (the CLI's own cases are in crates/eipctl/tests):
//! every case is a typed error naming the field, and the emulator sees ZERO requests.

use std::time::Duration;

use multicloud_eip::{
    AllocateRequest, AssociateTarget, EipProvider, Error, ListFilter, Modification, PageRequest,
};

use eip_testkit::{Auth, Cloud};

fn field_of(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::InvalidInput { field, .. }) => field,
        Err(Error::Unsupported { what }) => format!("unsupported:{what}"),
        other => panic!("expected a typed refusal, got {other:?}"),
    }
}

async fn matrix(cloud: Cloud) -> usize {
    let sim = eip_testkit::sim_with(Duration::from_millis(5), 8).await;
    let p = eip_testkit::provider_with(&sim, cloud, Auth::Default, eip_testkit::fast_retry());
    let p: &dyn EipProvider = p.as_ref();
    let long = "x".repeat(10 * 1024);
    let mut cases = 0;
    let mut check = |what: &str, field: String, expected: &str| {
        cases += 1;
        assert!(
            field.contains(expected),
            "{cloud:?} {what}: field {field:?}, expected {expected:?}"
        );
    };
    for (what, id) in [
        ("empty id", ""),
        ("id with /", "eip-1/../eip-2"),
        ("id with ..", "eip-.."),
        ("id with ?", "eip-1?x=1"),
        ("id with #", "eip-1#frag"),
        ("id with %", "eip-%2e%2e"),
        ("id with whitespace", "eip- 1"),
        ("id with a control character", "eip-\u{1b}[31m"),
        ("10 KB id", long.as_str()),
    ] {
        check(what, field_of(p.get(id).await), "id");
        check(what, field_of(p.release(id).await), "id");
    }
    let target = AssociateTarget::instance("i-..");
    check(
        "target with ..",
        field_of(p.associate("eip-1", &target).await),
        "target_id",
    );
    check(
        "bandwidth 0",
        field_of(p.allocate(&AllocateRequest::new().bandwidth(0)).await),
        "bandwidth_mbps",
    );
    let max = p.capabilities().bandwidth_mbps.end() + 1;
    check(
        "bandwidth above the maximum",
        field_of(p.allocate(&AllocateRequest::new().bandwidth(max)).await),
        "bandwidth_mbps",
    );
    check(
        "modify with nothing",
        field_of(p.modify("eip-1", &Modification::new()).await),
        "modification",
    );
    check(
        "name with a slash",
        field_of(p.allocate(&AllocateRequest::new().name("web/1")).await),
        "name",
    );
    check(
        "10 KB name",
        field_of(p.allocate(&AllocateRequest::new().name(long.clone())).await),
        "name",
    );
    check(
        "name with a newline",
        field_of(p.allocate(&AllocateRequest::new().name("web\n1")).await),
        "name",
    );
    check(
        "idempotency key with a space",
        field_of(
            p.allocate(&AllocateRequest::new().idempotency_key("a b"))
                .await,
        ),
        "idempotency_key",
    );
    check(
        "associate an empty id",
        field_of(p.associate("", &AssociateTarget::instance("i-1")).await),
        "id",
    );
    check(
        "disassociate an id with ?",
        field_of(p.disassociate("eip?1", None).await),
        "id",
    );
    check(
        "modify to bandwidth 0",
        field_of(p.modify("eip-1", &Modification::new().bandwidth(0)).await),
        "bandwidth_mbps",
    );
    check(
        "list filter id",
        field_of(
            p.list_page(&ListFilter::new().ids(["eip/1"]), &PageRequest::default())
                .await,
        ),
        "ids",
    );
    if cloud == Cloud::Alibaba {
        check(
            "name starting with a digit",
            field_of(p.allocate(&AllocateRequest::new().name("1web")).await),
            "name",
        );
        check(
            "description starting with http://",
            field_of(
                p.allocate(&AllocateRequest::new().description("http://x"))
                    .await,
            ),
            "description",
        );
    } else {
        check(
            "description (not in v1)",
            field_of(
                p.allocate(&AllocateRequest::new().description("front"))
                    .await,
            ),
            "unsupported",
        );
        check(
            "bandwidth off the 50 Mbit/s step",
            field_of(p.allocate(&AllocateRequest::new().bandwidth(333)).await),
            "bandwidth_mbps",
        );
    }
    assert!(
        sim.requests().is_empty(),
        "{cloud:?}: refused input sent requests: {:?}",
        sim.requests()
    );
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_alibaba_sends_nothing() {
    assert!(matrix(Cloud::Alibaba).await >= 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_huawei_sends_nothing() {
    assert!(matrix(Cloud::Huawei).await >= 30);
}

#[test]
fn bad_provider_specs_are_refused_before_anything() {
    for spec in [
        "",
        "nope://x",
        "alibaba://",
        "alibaba://cn-hangzhou?bogus=1",
        "alibaba://cn-hangzhou?signature=v9",
        "huawei://cn-north-4?auth=kerberos",
        "sim://gcp",
        "alibaba://cn-hangzhou/extra/path",
    ] {
        match multicloud_eip::connect(spec) {
            Err(Error::InvalidInput { field, reason }) => {
                assert!(
                    [
                        "provider",
                        "signature",
                        "auth",
                        "eps_endpoint",
                        "vpc_endpoint"
                    ]
                    .contains(&field.as_str()),
                    "{spec}: {field}: {reason}"
                );
            }
            other => panic!("{spec:?}: expected InvalidInput, got {other:?}"),
        }
    }
    // Each endpoint option is held to the cloud's domains, the EPS one included.
    for option in ["iam_endpoint", "vpc_endpoint", "eps_endpoint"] {
        let spec = format!("huawei://cn-north-4?{option}=https://api.example.net");
        match multicloud_eip::connect(&spec) {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, option, "{spec}"),
            other => panic!("{spec:?}: expected InvalidInput, got {other:?}"),
        }
    }
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let result = multicloud_eip::alibaba::AlibabaProvider::builder()
        .with_region("cn-hangzhou")
        .with_credentials(multicloud_eip::alibaba::AccessKey::new("id", "secret"))
        .with_endpoint("http://vpc.example.com")
        .build();
    assert!(
        matches!(result, Err(Error::InvalidInput { .. })),
        "{result:?}"
    );
    let result = multicloud_eip::huawei::HuaweiProvider::builder()
        .with_region("cn-north-4")
        .with_password(multicloud_eip::huawei::PasswordAuth::new("u", "p", "d"))
        .with_vpc_endpoint("http://vpc.example.com")
        .build();
    assert!(
        matches!(result, Err(Error::InvalidInput { .. })),
        "{result:?}"
    );
    let result = multicloud_eip::alibaba::AlibabaProvider::builder()
        .with_region("CN_HANGZHOU!")
        .with_credentials(multicloud_eip::alibaba::AccessKey::new("id", "secret"))
        .build();
    assert!(
        matches!(result, Err(Error::InvalidInput { .. })),
        "unknown region: {result:?}"
    );
}
