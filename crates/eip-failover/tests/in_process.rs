//! Three agents on the in-process coordinator against the emulator over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use eip_alibaba::{AccessKey, AlibabaProvider};
use eip_failover::{Agent, InProcess, Role, Settings};
use eip_sim::{Sim, SimBuilder};
use multicloud_eip::{AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, WaitPolicy};
use tokio::task::JoinHandle;

const TTL: Duration = Duration::from_secs(1);

struct Group {
    sim: Sim,
    provider: Arc<dyn EipProvider>,
    eip: String,
    targets: Vec<AssociateTarget>,
    agents: Vec<Arc<Agent>>,
    links: Vec<InProcess>,
    tasks: Vec<Option<JoinHandle<()>>>,
}

fn connect(sim: &Sim) -> Arc<dyn EipProvider> {
    let info = sim.alibaba();
    Arc::new(
        AlibabaProvider::builder()
            .with_region(info.region.clone())
            .with_credentials(AccessKey::new(
                info.access_key_id.clone(),
                info.access_key_secret.clone(),
            ))
            .with_endpoint(&info.endpoint)
            .build()
            .unwrap(),
    )
}

fn wait() -> WaitPolicy {
    WaitPolicy::default()
        .first_delay(Duration::from_millis(20))
        .intervals(Duration::from_millis(20), Duration::from_millis(100))
}

async fn group(transition: Duration) -> Group {
    let sim = SimBuilder::new()
        .transition_delay(transition)
        .start()
        .await
        .unwrap();
    let provider = connect(&sim);
    let eip = provider
        .allocate(&AllocateRequest::new().bandwidth(5).name("ha"))
        .await
        .unwrap();
    provider
        .wait_until_available(&eip.id, &wait())
        .await
        .unwrap();
    sim.clear_requests();
    let targets: Vec<_> = sim.alibaba().instances[..4]
        .iter()
        .map(AssociateTarget::instance)
        .collect();
    let server = InProcess::new();
    let mut group = Group {
        provider,
        eip: eip.id,
        targets,
        agents: Vec::new(),
        links: Vec::new(),
        tasks: Vec::new(),
        sim,
    };
    for n in 0..3 {
        let link = server.client();
        let settings = Settings::new(format!("agent-{n}"), &group.eip, group.targets[n].clone())
            .ttl(TTL)
            .interval(Duration::from_millis(100))
            .wait(wait());
        let agent = Arc::new(Agent::new(
            settings,
            connect(&group.sim),
            Arc::new(link.clone()),
        ));
        group.agents.push(agent);
        group.links.push(link);
        group.tasks.push(None);
    }
    group
}

impl Group {
    fn start(&mut self, n: usize) {
        let agent = Arc::clone(&self.agents[n]);
        self.tasks[n] = Some(tokio::spawn(async move {
            agent.run_until(std::future::pending()).await;
        }));
    }

    fn kill(&mut self, n: usize) {
        if let Some(task) = self.tasks[n].take() {
            task.abort();
        }
    }

    fn leaders(&self) -> Vec<usize> {
        (0..self.agents.len())
            .filter(|&n| self.tasks[n].is_some() && self.agents[n].status().role == Role::Leader)
            .collect()
    }

    /// Waits (bounded) until the address is bound to a live agent's target; that agent.
    async fn bound_to_a_leader(&self, not: Option<usize>) -> usize {
        for _ in 0..300 {
            let eip = self.provider.get(&self.eip).await.unwrap();
            let leaders = self.leaders();
            if let [leader] = leaders.as_slice() {
                if Some(*leader) != not && eip.is_bound_to(&self.targets[*leader]) {
                    return *leader;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "no leader holds the address: {:?}",
            self.agents.iter().map(|a| a.status()).collect::<Vec<_>>()
        );
    }

    fn one_address_bound_to(&self, n: usize) {
        let inventory = self.sim.inventory();
        assert_eq!(inventory.len(), 1, "the emulator holds exactly one EIP");
        let AssociateTarget::Instance { id } = &self.targets[n] else {
            unreachable!()
        };
        assert_eq!(inventory[0].bound_to.as_deref(), Some(id.as_str()));
    }

    fn writes(&self) -> Vec<String> {
        self.sim
            .requests()
            .into_iter()
            .map(|r| r.action)
            .filter(|a| !a.starts_with("Describe"))
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_leader_and_the_address_follows_it() {
    let mut g = group(Duration::from_millis(100)).await;
    (0..3).for_each(|n| g.start(n));
    let leader = g.bound_to_a_leader(None).await;
    for _ in 0..10 {
        assert_eq!(
            g.leaders(),
            vec![leader],
            "exactly one leader, always the same"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    g.one_address_bound_to(leader);
    assert_eq!(
        g.writes(),
        vec!["AssociateEipAddress"],
        "followers never write"
    );
    let followers: Vec<_> = (0..3).filter(|&n| n != leader).collect();
    for n in followers {
        assert_eq!(
            g.agents[n]
                .metrics()
                .moves
                .load(std::sync::atomic::Ordering::Relaxed),
            0
        );
        let status = g.agents[n].status();
        assert_eq!(status.role, Role::Follower);
        assert_eq!(
            status.holder.map(|h| h.candidate.name),
            Some(format!("agent-{leader}"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_leader_is_replaced_and_the_address_moves_to_the_new_one() {
    let mut g = group(Duration::from_millis(100)).await;
    (0..3).for_each(|n| g.start(n));
    let old = g.bound_to_a_leader(None).await;
    g.sim.clear_requests();
    let killed = Instant::now();
    g.kill(old);
    let new = g.bound_to_a_leader(Some(old)).await;
    let takeover = killed.elapsed();
    println!("takeover after kill: {takeover:?} (TTL {TTL:?})");
    assert_ne!(new, old);
    assert!(
        takeover >= TTL.saturating_sub(TTL / 4),
        "nobody took over before the old lease could have expired ({takeover:?})"
    );
    g.one_address_bound_to(new);
    assert_eq!(
        g.writes(),
        vec!["UnassociateEipAddress", "AssociateEipAddress"],
        "one move: unbind the dead leader's target, bind the new one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_leader_never_writes_after_its_lease_expired() {
    // Transitions longer than the lease: the first leader's move (unbind the outsider, then
    // bind) cannot finish within its lease once its keep-alives stop.
    let mut g = group(Duration::from_millis(1000)).await;
    g.provider.associate(&g.eip, &g.targets[3]).await.unwrap();
    g.provider
        .wait_until_bound_to(&g.eip, &g.targets[3], &wait())
        .await
        .unwrap();
    (0..3).for_each(|n| g.start(n));
    let (old, valid_for) = loop {
        if let [leader] = g.leaders().as_slice() {
            let lease = g.agents[*leader].status().lease.unwrap();
            g.links[*leader].stall_keep_alive(true);
            break (*leader, Duration::from_millis(lease.valid_for_ms));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    // Past the end of the lease by the old leader's clock, before the coordinator's (a quarter
    // TTL later): from here on, any write by the old leader would be a write without a lease.
    tokio::time::sleep(valid_for + TTL / 10).await;
    g.sim.clear_requests();

    let new = g.bound_to_a_leader(Some(old)).await;
    g.links[old].stall_keep_alive(false);
    tokio::time::sleep(Duration::from_millis(1500)).await;

    g.one_address_bound_to(new);
    let writes = g.writes();
    assert_eq!(
        writes
            .iter()
            .filter(|a| *a == "AssociateEipAddress")
            .count(),
        1,
        "only the new leader binds after the old lease expired: {writes:?}"
    );
    assert!(
        writes
            .iter()
            .filter(|a| *a == "UnassociateEipAddress")
            .count()
            <= 1,
        "{writes:?}"
    );
    let status = g.agents[old].status();
    assert_ne!(status.role, Role::Leader, "{status:?}");
    assert_eq!(g.leaders(), vec![new]);
    let lost = g.agents[old].metrics();
    assert!(lost.lease_losses.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    assert_eq!(
        lost.moves.load(std::sync::atomic::Ordering::Relaxed),
        0,
        "its move never completed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unhealthy_agent_steps_down_and_does_not_campaign() {
    let mut g = group(Duration::from_millis(100)).await;
    let flag = std::env::temp_dir().join(format!("eip-failover-health-{}", std::process::id()));
    std::fs::write(&flag, "up").unwrap();
    let settings = Settings::new("agent-0", &g.eip, g.targets[0].clone())
        .ttl(TTL)
        .interval(Duration::from_millis(100))
        .wait(wait())
        .health_check(vec!["test".into(), "-e".into(), flag.display().to_string()]);
    g.agents[0] = Arc::new(Agent::new(
        settings,
        connect(&g.sim),
        Arc::new(g.links[0].clone()),
    ));
    g.start(0);
    assert_eq!(g.bound_to_a_leader(None).await, 0);
    g.start(1);
    std::fs::remove_file(&flag).unwrap();
    let new = g.bound_to_a_leader(Some(0)).await;
    assert_eq!(new, 1);
    assert_eq!(g.agents[0].status().role, Role::Unhealthy);
    g.one_address_bound_to(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takeovers_under_lost_answers_and_throttling_end_bound_to_the_new_leader() {
    use eip_sim::{Cloud, FaultKind, FaultRule, InjectedError, Trigger};
    let mut g = group(Duration::from_millis(100)).await;
    for action in ["AssociateEipAddress", "UnassociateEipAddress"] {
        g.sim.faults().add(
            FaultRule::new(FaultKind::CommitThenDrop, Trigger::Probability(0.3))
                .cloud(Cloud::Alibaba)
                .action(action),
        );
    }
    g.sim.faults().add(
        FaultRule::new(
            FaultKind::Error(InjectedError::Throttled),
            Trigger::Probability(0.2),
        )
        .cloud(Cloud::Alibaba),
    );
    (0..3).for_each(|n| g.start(n));
    let mut leader = g.bound_to_a_leader(None).await;
    for _ in 0..2 {
        g.kill(leader);
        let new = g.bound_to_a_leader(Some(leader)).await;
        // A takeover that reported success stays: the address is not left unbound after it.
        tokio::time::sleep(Duration::from_millis(500)).await;
        g.one_address_bound_to(new);
        assert_eq!(g.leaders(), vec![new]);
        leader = new;
    }
    let injected = g.sim.faults().stats();
    println!("faults injected: {injected:?}");
}
