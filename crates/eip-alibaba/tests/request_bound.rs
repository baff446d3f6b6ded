//! The most requests one call can make, driven to its worst case: an Alibaba bind whose every
//! attempt reads the address back before re-sending, is refused for the address's state, reads
//! the status that refusal needs, and checks whether the refusal echoes an earlier attempt.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use eip_core::retry::RetryPolicy;
use eip_core::{AllocateRequest, AssociateTarget, EipProvider};
use eip_sim::{Cloud, FaultKind, FaultRule, InjectedError, Trigger};
use eip_testkit::Auth;

#[tokio::test]
async fn a_bind_in_its_worst_case_stays_within_the_stated_bound() {
    // A transition that outlasts the whole call: the address stays Associating to the first
    // instance while the second bind is tried.
    let sim = eip_testkit::sim_with(Duration::from_secs(60), 2).await;
    // The default policy (10 attempts, the default settle reads) with short backoffs.
    let policy = RetryPolicy::default()
        .delays(Duration::from_millis(2), Duration::from_millis(20))
        .budget(Duration::from_secs(20));
    let p = eip_testkit::alibaba_with(&sim, Auth::Default, policy.clone());
    let instances = eip_testkit::instances(&sim, Cloud::Alibaba);
    let (first, second) = (
        AssociateTarget::instance(instances[0].clone()),
        AssociateTarget::instance(instances[1].clone()),
    );
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    p.associate(&eip.id, &first).await.unwrap();
    sim.clear_requests();
    // The first bind's answer is a gateway 503: every later attempt may be its echo.
    sim.faults().add(
        FaultRule::new(
            FaultKind::Error(InjectedError::Unavailable),
            Trigger::Times(1),
        )
        .cloud(Cloud::Alibaba)
        .action("AssociateEipAddress"),
    );
    let outcome = p.associate(&eip.id, &second).await;
    assert!(outcome.is_err(), "{outcome:?}");
    let requests = sim.requests();
    let actions: Vec<&str> = requests.iter().map(|r| r.action.as_str()).collect();
    let binds = eip_testkit::count(&sim, "AssociateEipAddress");
    assert_eq!(binds, policy.max_attempts as usize, "{actions:?}");
    // The read before the bind is a call of its own (one request here); then the first
    // attempt (the 503), and every later one: read back, send, read the status the refusal
    // needs, check whether the refusal echoes the first attempt.
    let expected = 1 + 1 + 4 * (binds - 1);
    assert_eq!(requests.len(), expected, "{actions:?}");
    assert!(actions[2..].chunks(4).all(|attempt| attempt
        == [
            "DescribeEipAddresses",
            "AssociateEipAddress",
            "DescribeEipAddresses",
            "DescribeEipAddresses"
        ]));
    // Within the bound stated for an attempt of up to 4 requests, and over the one-request
    // bound, which an Alibaba call would therefore break.
    let bound = policy.max_requests_per_call_with(4) as usize + 1;
    assert!(requests.len() <= bound, "{} > {bound}", requests.len());
    assert!(requests.len() > policy.max_requests_per_call() as usize);
    // Still bound (in transition) to the first instance: nothing was moved.
    assert_eq!(sim.inventory()[0].bound_to, Some(instances[0].clone()));
}
