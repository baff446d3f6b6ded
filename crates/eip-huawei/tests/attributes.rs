//! The attributes users set between allocate and release, over real HTTP against the emulator:
//! tags (set, read, filtered in the cloud, removed, at allocation, limits refused before
//! sending), shared-bandwidth membership, enterprise projects, a specific address, lines and
//! regions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use eip_core::retry::SettlePolicy;
use eip_core::{
    AllocateRequest, BandwidthKind, ChargeMode, DedicatedBandwidth, Eip, EipProvider,
    EipProviderExt, Error, ListFilter, PageRequest, RetryPolicy, TagChange, WaitPolicy,
};
use eip_huawei::{AccessKey, HuaweiBuilder, HuaweiProvider, PasswordAuth};
use eip_sim::{Cloud, FaultKind, FaultRule, HuaweiConfig, InjectedError, Sim, SimBuilder, Trigger};
use serde_json::{json, Value};

/// An enterprise project other than the default one (`0`).
const PROJECT: &str = "b261ac1f-2489-4bc7-b31b-c33c3346a439";

async fn sim() -> Sim {
    SimBuilder::new()
        .transition_delay(Duration::from_millis(20))
        .huawei(HuaweiConfig::default())
        .start()
        .await
        .unwrap()
}

fn base(sim: &Sim) -> HuaweiBuilder {
    let info = sim.huawei();
    HuaweiProvider::builder()
        .with_region(info.region.clone())
        .with_iam_endpoint(info.iam_endpoint.clone())
        .with_vpc_endpoint(info.vpc_endpoint.clone())
        // The emulator serves EPS on the same address.
        .with_eps_endpoint(info.vpc_endpoint.clone())
        .with_retry(
            RetryPolicy::default()
                .max_attempts(4)
                .delays(Duration::from_millis(5), Duration::from_millis(20))
                .with_settle(SettlePolicy::new(
                    Duration::from_millis(60),
                    Duration::from_millis(20),
                )),
        )
        .with_rate_limiter(None)
}

fn password_provider(sim: &Sim) -> HuaweiProvider {
    let info = sim.huawei();
    base(sim)
        .with_password(PasswordAuth::new(
            info.user_name.clone(),
            info.password.clone(),
            info.domain_name.clone(),
        ))
        .build()
        .unwrap()
}

fn key_builder(sim: &Sim) -> HuaweiBuilder {
    let info = sim.huawei();
    base(sim)
        .with_access_key(AccessKey::new(
            info.access_key.clone(),
            info.secret_key.clone(),
        ))
        .with_project_id(info.project_id.clone())
}

fn count(sim: &Sim, action: &str) -> usize {
    sim.requests().iter().filter(|r| r.action == action).count()
}

async fn list_all(huawei: &HuaweiProvider, filter: &ListFilter) -> Result<Vec<Eip>, Error> {
    use futures::TryStreamExt;
    huawei
        .list(filter, eip_core::paginate::ListOptions::default())
        .try_collect()
        .await
}

fn wait() -> WaitPolicy {
    WaitPolicy::default().max_wait(Duration::from_secs(10))
}

async fn available(huawei: &HuaweiProvider, request: &AllocateRequest) -> Eip {
    let eip = huawei.allocate(request).await.unwrap();
    huawei.wait_until_available(&eip.id, &wait()).await.unwrap()
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn field_of<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::InvalidInput { field, .. }) => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

/// The emulator's bandwidths (control `bandwidths`), by id.
fn bandwidths(sim: &Sim) -> Vec<Value> {
    let answer = sim.control(Cloud::Huawei, "bandwidths", json!({})).unwrap();
    answer["bandwidths"].as_array().unwrap().clone()
}

fn bandwidth_holding(sim: &Sim, eip: &str) -> Value {
    bandwidths(sim)
        .into_iter()
        .find(|b| b["publicips"].as_array().unwrap().iter().any(|p| p == eip))
        .unwrap_or_else(|| panic!("no bandwidth holds {eip}"))
}

#[tokio::test]
async fn tags_are_set_read_filtered_in_the_cloud_and_removed() {
    let sim = sim().await;
    let huawei = password_provider(&sim);
    let web = available(&huawei, &AllocateRequest::new()).await;
    let db = available(&huawei, &AllocateRequest::new()).await;

    huawei
        .set_tags(
            &web.id,
            &TagChange::new().add("team", "web").add("env", "prod"),
        )
        .await
        .unwrap();
    huawei
        .set_tags(&db.id, &TagChange::new().add("team", "db"))
        .await
        .unwrap();
    assert_eq!(count(&sim, "BatchCreatePublicipTags"), 2);
    assert_eq!(
        huawei.get(&web.id).await.unwrap().tags,
        tags(&[("env", "prod"), ("team", "web")])
    );

    sim.clear_requests();
    let filter = ListFilter::new().tag("team", "web");
    let found = list_all(&huawei, &filter).await.unwrap();
    assert_eq!(
        found.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        [web.id.as_str()]
    );
    assert_eq!(found[0].tags["env"], "prod");
    // Filtered by the cloud: one tag query and one read of the address it found.
    assert_eq!(
        (
            count(&sim, "ListPublicipsByTags"),
            count(&sim, "ListPublicips")
        ),
        (1, 1)
    );
    // Every address untouched by the filter is still listed without it.
    assert_eq!(
        list_all(&huawei, &ListFilter::new()).await.unwrap().len(),
        2
    );

    huawei
        .set_tags(&web.id, &TagChange::new().remove("team").remove("absent"))
        .await
        .unwrap();
    assert_eq!(count(&sim, "BatchDeletePublicipTags"), 1);
    assert_eq!(
        huawei.get(&web.id).await.unwrap().tags,
        tags(&[("env", "prod")])
    );
    assert!(list_all(&huawei, &filter).await.unwrap().is_empty());
    let dbs = list_all(&huawei, &ListFilter::new().tag("team", "db"))
        .await
        .unwrap();
    assert_eq!(dbs.len(), 1);
    assert_eq!(dbs[0].id, db.id);
}

#[tokio::test]
async fn tag_limits_are_refused_before_sending_with_the_field_named() {
    let sim = sim().await;
    let huawei = password_provider(&sim);
    let eip = available(&huawei, &AllocateRequest::new()).await;
    let ten: BTreeMap<String, String> = (0..10).map(|n| (format!("k{n}"), "v".into())).collect();
    let mut eleven = ten.clone();
    eleven.insert("k10".into(), "v".into());
    sim.clear_requests();

    let mut change = TagChange::new();
    change.add = eleven.clone();
    assert_eq!(field_of(huawei.set_tags(&eip.id, &change).await), "tags");
    // Huawei's rule: keys of at most 36 letters, digits, `_`, `-`; values of at most 43, `.` too.
    let long_key = TagChange::new().add("k".repeat(37), "v");
    assert_eq!(field_of(huawei.set_tags(&eip.id, &long_key).await), "tags");
    let dotted_key = TagChange::new().add("a.b", "v");
    assert_eq!(
        field_of(huawei.set_tags(&eip.id, &dotted_key).await),
        "tags"
    );
    let long_value = TagChange::new().add("k", "v".repeat(44));
    assert_eq!(
        field_of(huawei.set_tags(&eip.id, &long_value).await),
        "tags"
    );
    let mut at_allocation = AllocateRequest::new();
    at_allocation.tags = eleven;
    assert_eq!(field_of(huawei.allocate(&at_allocation).await), "tags");
    assert!(
        sim.requests().is_empty(),
        "nothing may be sent: {:?}",
        sim.requests()
    );
    assert_eq!(sim.inventory().len(), 1);

    // Ten is allowed; an eleventh on top of them is refused after the read, before any write.
    let mut full = TagChange::new();
    full.add = ten.clone();
    huawei.set_tags(&eip.id, &full).await.unwrap();
    sim.clear_requests();
    let more = huawei
        .set_tags(&eip.id, &TagChange::new().add("k10", "v"))
        .await;
    assert_eq!(field_of(more), "tags");
    assert_eq!(count(&sim, "BatchCreatePublicipTags"), 0);
    assert_eq!(huawei.get(&eip.id).await.unwrap().tags, ten);

    // At the limit, replacing one tag by another succeeds (the removal goes first), and
    // overwriting a key is not a new tag.
    huawei
        .set_tags(&eip.id, &TagChange::new().remove("k1").add("fresh", "v"))
        .await
        .unwrap();
    huawei
        .set_tags(&eip.id, &TagChange::new().add("k0", "changed"))
        .await
        .unwrap();
    let after = huawei.get(&eip.id).await.unwrap().tags;
    assert_eq!(after.len(), 10, "{after:?}");
    assert_eq!(after.get("k0").map(String::as_str), Some("changed"));
    assert!(after.contains_key("fresh") && !after.contains_key("k1"));
}

#[tokio::test]
async fn tags_at_allocation_are_read_back() {
    let sim = sim().await;
    let huawei = password_provider(&sim);
    let mut request = AllocateRequest::new().idempotency_key("tagged-1");
    request.tags = tags(&[("owner", "k8s-eip-operator"), ("pool", "edge")]);
    let eip = huawei.allocate(&request).await.unwrap();
    assert_eq!(eip.tags, request.tags);
    // Tagged once the create had ended, so the address it returns is usable.
    assert_eq!(eip.status, eip_core::EipStatus::Available, "{eip:?}");
    assert_eq!(
        (
            count(&sim, "CreatePublicip"),
            count(&sim, "BatchCreatePublicipTags")
        ),
        (1, 1)
    );
    let read = huawei.get(&eip.id).await.unwrap();
    assert_eq!(read.tags, request.tags);
    assert_eq!(sim.inventory().len(), 1);
}

fn throttle_tags(sim: &Sim) {
    sim.faults().add(
        FaultRule::new(
            FaultKind::Error(InjectedError::Throttled),
            Trigger::Times(100),
        )
        .cloud(Cloud::Huawei)
        .action("BatchCreatePublicipTags"),
    );
}

#[tokio::test]
async fn a_failed_tagging_after_the_create_never_leaks_the_address_silently() {
    // Creates that take a while: the tags, and the undo's delete, wait for the create to end.
    let sim = eip_testkit::sim_with(Duration::from_millis(300), 1).await;
    let huawei = password_provider(&sim);
    throttle_tags(&sim);

    // Without a key nothing could find the address again: it is released, and the error says so.
    let mut unkeyed = AllocateRequest::new();
    unkeyed.tags = tags(&[("team", "web")]);
    let error = huawei.allocate(&unkeyed).await.unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    assert!(error.to_string().contains("released"), "{error}");
    // One delete, accepted at once: it is sent once the create has ended, never to an address
    // still being created (which refuses it as busy).
    let deletes: Vec<u16> = sim
        .requests()
        .iter()
        .filter(|r| r.action == "DeletePublicip")
        .map(|r| r.status)
        .collect();
    assert_eq!(deletes, [204]);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(sim.inventory().is_empty(), "{:?}", sim.inventory());

    // With a key the address is kept, named in the error, and tagged by the next call.
    let mut keyed = AllocateRequest::new().idempotency_key("keep-me");
    keyed.tags = tags(&[("team", "web")]);
    let error = huawei.allocate(&keyed).await.unwrap_err();
    let kept = sim.inventory();
    let actions: Vec<_> = sim
        .requests()
        .iter()
        .map(|r| (r.action.clone(), r.status, r.at_ms))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?} after {actions:?}: {error}");
    assert!(error.to_string().contains(&kept[0].id), "{error}");
    sim.faults().clear();
    let eip = huawei.allocate(&keyed).await.unwrap();
    assert_eq!(eip.id, kept[0].id);
    assert_eq!(huawei.get(&eip.id).await.unwrap().tags, keyed.tags);
    assert_eq!(
        count(&sim, "CreatePublicip"),
        2,
        "one per allocation that created"
    );
}

#[tokio::test]
async fn joining_and_leaving_a_shared_bandwidth_changes_the_emulators_inventory() {
    let sim = sim().await;
    let huawei = password_provider(&sim);
    let shared = sim.huawei().shared_bandwidths[0].id.clone();
    let eip = available(&huawei, &AllocateRequest::new().bandwidth(5)).await;
    assert_eq!(eip.bandwidth_kind, Some(BandwidthKind::Dedicated));
    let dedicated = bandwidth_holding(&sim, &eip.id);
    assert_eq!(dedicated["share_type"], "PER");

    huawei
        .join_shared_bandwidth(&eip.id, &shared)
        .await
        .unwrap();
    let holder = bandwidth_holding(&sim, &eip.id);
    assert_eq!(
        (holder["id"].as_str(), holder["share_type"].as_str()),
        (Some(shared.as_str()), Some("WHOLE"))
    );
    assert!(
        bandwidths(&sim).iter().all(|b| b["id"] != dedicated["id"]),
        "the dedicated bandwidth is given up"
    );
    let joined = huawei.get(&eip.id).await.unwrap();
    assert_eq!(
        (joined.bandwidth_kind, joined.bandwidth_id.as_deref()),
        (Some(BandwidthKind::Shared), Some(shared.as_str()))
    );
    assert_eq!(count(&sim, "AddPublicipsIntoSharedBandwidth"), 1);

    huawei
        .leave_shared_bandwidth(
            &eip.id,
            &DedicatedBandwidth::new(10).charge_mode(ChargeMode::ByTraffic),
        )
        .await
        .unwrap();
    let own = bandwidth_holding(&sim, &eip.id);
    assert_eq!(
        (
            own["share_type"].as_str(),
            own["size"].as_u64(),
            own["charge_mode"].as_str()
        ),
        (Some("PER"), Some(10), Some("traffic"))
    );
    let left = huawei.get(&eip.id).await.unwrap();
    assert_eq!(
        (left.bandwidth_kind, left.bandwidth_mbps),
        (Some(BandwidthKind::Dedicated), Some(10))
    );

    // A size off Huawei's steps is refused before anything is sent.
    sim.clear_requests();
    let off_step = huawei
        .leave_shared_bandwidth(&eip.id, &DedicatedBandwidth::new(301))
        .await;
    assert_eq!(field_of(off_step), "bandwidth_mbps");
    assert_eq!(count(&sim, "RemovePublicipsFromSharedBandwidth"), 0);
    // Joining a bandwidth that does not exist is the cloud's "not found".
    let missing = huawei
        .join_shared_bandwidth(&eip.id, "00000000-0000-4000-8000-000000000000")
        .await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
}

/// The requests in the log that are not reads.
fn writes(sim: &Sim) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| r.action)
        .collect()
}

#[tokio::test]
async fn a_join_into_its_own_bandwidth_is_done_another_is_a_conflict_and_a_dedicated_leave_writes_nothing(
) {
    let mut config = HuaweiConfig::default();
    let other = eip_sim::huawei::BandwidthSeed {
        id: "9c1e7a52-0d4b-4f6e-8a3c-5b2d1e0f7a64".to_owned(),
        name: "sim-other-shared".to_owned(),
        size: 50,
    };
    config.shared_bandwidths.push(other.clone());
    let sim = SimBuilder::new()
        .transition_delay(Duration::from_millis(20))
        .huawei(config)
        .start()
        .await
        .unwrap();
    // AK/SK: no token request can show up among the writes.
    let huawei = key_builder(&sim).build().unwrap();
    let shared = sim.huawei().shared_bandwidths[0].id.clone();
    let eip = available(&huawei, &AllocateRequest::new().bandwidth(5)).await;

    // A leave of an address with its own bandwidth: done, nothing written, nothing changed.
    sim.clear_requests();
    huawei
        .leave_shared_bandwidth(&eip.id, &DedicatedBandwidth::new(10))
        .await
        .unwrap();
    assert_eq!(writes(&sim), Vec::<String>::new());
    let own = bandwidth_holding(&sim, &eip.id);
    assert_eq!(
        (own["share_type"].as_str(), own["size"].as_u64()),
        (Some("PER"), Some(5))
    );

    // Joining twice: one insert, one membership.
    huawei
        .join_shared_bandwidth(&eip.id, &shared)
        .await
        .unwrap();
    huawei
        .join_shared_bandwidth(&eip.id, &shared)
        .await
        .unwrap();
    assert_eq!(writes(&sim), ["AddPublicipsIntoSharedBandwidth"]);
    let holders: Vec<Value> = bandwidths(&sim)
        .into_iter()
        .filter(|b| {
            b["publicips"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == &eip.id)
        })
        .collect();
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert_eq!(holders[0]["id"], shared.as_str());

    // Another shared bandwidth: a conflict naming the current one, nothing written.
    sim.clear_requests();
    let elsewhere = huawei.join_shared_bandwidth(&eip.id, &other.id).await;
    match &elsewhere {
        Err(Error::Conflict { reason, .. }) => assert!(reason.contains(&shared), "{reason}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(writes(&sim), Vec::<String>::new());
    assert_eq!(bandwidth_holding(&sim, &eip.id)["id"], shared.as_str());
}

#[tokio::test]
async fn enterprise_projects_are_set_filtered_and_migrated() {
    let sim = sim().await;
    let huawei = password_provider(&sim);
    let inside = available(&huawei, &AllocateRequest::new().resource_group(PROJECT)).await;
    let outside = available(&huawei, &AllocateRequest::new()).await;
    assert_eq!(inside.resource_group.as_deref(), Some(PROJECT));
    assert_eq!(outside.resource_group.as_deref(), Some("0"));

    let in_project = ListFilter::new().resource_group(PROJECT);
    let listed = list_all(&huawei, &in_project).await.unwrap();
    assert_eq!(
        listed.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        [inside.id.as_str()]
    );
    // No filter: every enterprise project the caller may see (`all_granted_eps`).
    assert_eq!(
        list_all(&huawei, &ListFilter::new()).await.unwrap().len(),
        2
    );

    huawei
        .move_resource_group(&outside.id, PROJECT)
        .await
        .unwrap();
    assert_eq!(count(&sim, "MigrateResource"), 1);
    assert_eq!(list_all(&huawei, &in_project).await.unwrap().len(), 2);
    assert_eq!(
        huawei
            .get(&outside.id)
            .await
            .unwrap()
            .resource_group
            .as_deref(),
        Some(PROJECT)
    );

    // AK/SK: EPS is global and needs the account id, refused before sending without it.
    let keyed = key_builder(&sim).build().unwrap();
    sim.clear_requests();
    assert_eq!(
        field_of(keyed.move_resource_group(&outside.id, "0").await),
        "domain_id"
    );
    assert_eq!(count(&sim, "MigrateResource"), 0);
    let keyed = key_builder(&sim)
        .with_domain_id(sim.huawei().domain_id.clone())
        .build()
        .unwrap();
    keyed.move_resource_group(&outside.id, "0").await.unwrap();
    assert_eq!(
        keyed
            .get(&outside.id)
            .await
            .unwrap()
            .resource_group
            .as_deref(),
        Some("0")
    );
    // An id the cloud does not know is its refusal; a malformed one never leaves.
    let unknown = huawei
        .move_resource_group(&outside.id, "not-a-project")
        .await;
    assert!(
        matches!(unknown, Err(Error::NotFound { .. })),
        "{unknown:?}"
    );
    assert_eq!(
        field_of(huawei.move_resource_group(&outside.id, "a/b").await),
        "resource_group"
    );
}

#[tokio::test]
async fn a_specific_address_is_allocated_or_refused_by_the_cloud() {
    let sim = sim().await;
    let huawei = password_provider(&sim);
    let wanted: IpAddr = "121.36.9.9".parse().unwrap();
    let eip = huawei
        .allocate(&AllocateRequest::new().address(wanted))
        .await
        .unwrap();
    assert_eq!(eip.address, wanted);
    assert_eq!(sim.inventory()[0].address, wanted);

    // In use, or outside the region's pool: 409 VPC.0522, and no second address.
    let taken = huawei
        .allocate(&AllocateRequest::new().address(wanted))
        .await;
    assert!(taken.is_err(), "{taken:?}");
    let foreign = huawei
        .allocate(&AllocateRequest::new().address("8.8.8.8".parse().unwrap()))
        .await;
    assert!(foreign.is_err(), "{foreign:?}");
    assert_eq!(sim.inventory().len(), 1);
    // An IPv6 address for an IPv4 allocation never leaves.
    sim.clear_requests();
    let mismatched = huawei
        .allocate(&AllocateRequest::new().address("2001:db8::1".parse().unwrap()))
        .await;
    assert_eq!(field_of(mismatched), "address");
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn capabilities_lines_and_regions() {
    let sim = sim().await;
    let huawei = password_provider(&sim);
    let caps = huawei.capabilities();
    let rule = caps.tags.expect("tags are supported");
    assert_eq!(
        (
            rule.max_per_resource,
            rule.key.max_chars,
            rule.value.max_chars
        ),
        (10, 36, 43)
    );
    assert!(caps.server_side_tag_filter && caps.resource_groups && caps.specific_address);
    assert!(!caps.address_pools && !caps.deletion_protection);
    assert_eq!(caps.lines, ["5_bgp", "5_sbgp"]);

    sim.clear_requests();
    let line = huawei
        .allocate(&AllocateRequest::new().line("5_telcom"))
        .await;
    assert_eq!(field_of(line), "line");
    let pool = huawei
        .allocate(&AllocateRequest::new().address_pool("pool-1"))
        .await;
    assert!(matches!(pool, Err(Error::Unsupported { .. })), "{pool:?}");
    let protected = huawei
        .allocate(&AllocateRequest::new().deletion_protection(true))
        .await;
    assert!(
        matches!(protected, Err(Error::Unsupported { .. })),
        "{protected:?}"
    );

    let regions = huawei.regions().await.unwrap();
    let ids: Vec<&str> = regions.iter().map(|r| r.id.as_str()).collect();
    assert!(
        ids.contains(&"cn-north-4") && ids.contains(&"eu-west-101"),
        "{ids:?}"
    );
    assert_eq!(
        eip_huawei::region_endpoint("eu-west-101"),
        Some("https://vpc.eu-west-101.myhuaweicloud.eu")
    );
    assert!(sim.requests().is_empty(), "the region table is static");

    let page = huawei
        .list_page(
            &ListFilter::new().tag("team", "web"),
            &PageRequest {
                token: Some(eip_core::PageToken::Marker("x".into())),
                size: None,
            },
        )
        .await;
    assert_eq!(field_of(page), "page_token");
}

fn fault(sim: &Sim, kind: FaultKind, action: &str) {
    sim.faults().add(
        FaultRule::new(kind, Trigger::Times(1))
            .cloud(Cloud::Huawei)
            .action(action),
    );
}

#[tokio::test]
async fn lost_answers_are_settled_by_reading_back_or_repeated_where_harmless() {
    let sim = sim().await;
    let huawei = password_provider(&sim);
    let shared = sim.huawei().shared_bandwidths[0].id.clone();
    let eip = available(&huawei, &AllocateRequest::new()).await;

    // The insert took effect but its answer was lost: one read settles it, nothing is re-sent.
    fault(
        &sim,
        FaultKind::CommitThenDrop,
        "AddPublicipsIntoSharedBandwidth",
    );
    huawei
        .join_shared_bandwidth(&eip.id, &shared)
        .await
        .unwrap();
    assert_eq!(count(&sim, "AddPublicipsIntoSharedBandwidth"), 1);
    assert_eq!(bandwidth_holding(&sim, &eip.id)["id"], shared.as_str());

    // A gateway 504 after the remove was applied: settled the same way.
    fault(
        &sim,
        FaultKind::CommitThenError { status: 504 },
        "RemovePublicipsFromSharedBandwidth",
    );
    huawei
        .leave_shared_bandwidth(&eip.id, &DedicatedBandwidth::new(5))
        .await
        .unwrap();
    assert_eq!(count(&sim, "RemovePublicipsFromSharedBandwidth"), 1);
    assert_eq!(bandwidth_holding(&sim, &eip.id)["share_type"], "PER");

    // The tag batch is idempotent in the cloud: a lost answer is simply sent again.
    fault(&sim, FaultKind::CommitThenDrop, "BatchCreatePublicipTags");
    huawei
        .set_tags(&eip.id, &TagChange::new().add("team", "web"))
        .await
        .unwrap();
    assert_eq!(count(&sim, "BatchCreatePublicipTags"), 2);
    assert_eq!(
        huawei.get(&eip.id).await.unwrap().tags,
        tags(&[("team", "web")])
    );
}

#[tokio::test]
async fn a_migration_whose_answer_is_lost_is_settled_by_reading_back_not_sent_again() {
    // The emulator accepts a migration into the project the address is already in, so only
    // the lost answer is tested here: one migration lands, the read-back settles it.
    let sim = sim().await;
    let huawei = password_provider(&sim);
    let eip = available(&huawei, &AllocateRequest::new()).await;
    fault(&sim, FaultKind::CommitThenDrop, "MigrateResource");
    huawei.move_resource_group(&eip.id, PROJECT).await.unwrap();
    assert_eq!(count(&sim, "MigrateResource"), 1, "not sent again");
    assert_eq!(
        list_all(&huawei, &ListFilter::new().resource_group(PROJECT))
            .await
            .unwrap()
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        [eip.id.as_str()]
    );
}
