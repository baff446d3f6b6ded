//! Line types per region are checked before anything is sent; the default line is one the
//! region offers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use eip_core::{AllocateRequest, EipProvider, Error};
use eip_huawei::PasswordAuth;
use eip_testkit::Auth;

#[tokio::test]
async fn a_line_the_region_does_not_offer_is_refused_naming_the_ones_it_does() {
    let sim = eip_testkit::sim().await;
    let info = sim.huawei().clone();
    let dalian = eip_testkit::huawei_builder(&sim)
        .with_region("cn-northeast-1")
        .with_password(PasswordAuth::new(
            info.user_name.clone(),
            info.password.clone(),
            info.domain_name.clone(),
        ))
        .build()
        .unwrap();
    for request in [
        AllocateRequest::new().line("5_bgp"),
        AllocateRequest::new().line("5_bgp").idempotency_key("k-1"),
    ] {
        match dalian.allocate(&request).await {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "line");
                assert!(
                    reason.contains("5_telcom") && reason.contains("5_union"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
    let singapore = eip_testkit::huawei_builder(&sim)
        .with_region("ap-southeast-3")
        .with_password(PasswordAuth::new(
            info.user_name.clone(),
            info.password.clone(),
            info.domain_name.clone(),
        ))
        .build()
        .unwrap();
    assert!(matches!(
        singapore.allocate(&AllocateRequest::new().line("5_sbgp")).await,
        Err(Error::InvalidInput { field, .. }) if field == "line"
    ));
    assert!(
        sim.requests().is_empty(),
        "{:?}",
        eip_testkit::actions(&sim)
    );
    assert!(sim.inventory().is_empty());

    // The emulator's region (cn-north-4) allocates on its default line.
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let eip = huawei.allocate(&AllocateRequest::new()).await.unwrap();
    assert_eq!(sim.inventory().len(), 1);
    assert_eq!(sim.inventory()[0].id, eip.id);
}
