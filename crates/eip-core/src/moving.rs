//! Fenced moves and takeovers of an address (the failover of an HA group).
//!
//! [`claim`] is a compare-and-swap on the binding: it observes the address, checks an
//! [`Expect`]ation, unbinds the current holder fenced on that holder, and binds the new target.
//! [`MoveOptions`] can carry a [`Guard`], asked before every mutating request (each retry and
//! each re-send of a lost answer included) so that only the current holder of a cluster lease
//! writes, and a deadline tied to that lease, which cuts waits and retries alike.
//!
//! A write whose answer was lost (a timeout, a dropped connection, a gateway 5xx) may still be
//! applied later: a gateway can hold a request and deliver it after the client gave up. Huawei's
//! v1 unbind (`PUT /v1/{project_id}/publicips/{id}` with an empty `port_id`, "Updating an EIP",
//! <https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0004.html>) has no condition, so
//! such a stale unbind removes whatever binding it finds when it lands, a competing mover's fresh
//! one included. A claim therefore never goes on (to the bind, or to its report) while one of
//! its own writes may still land: it waits until the write's late-delivery horizon
//! ([`MoveOptions::late_delivery`]) has passed, then reads the address again and decides from
//! what it sees. Only the mover that lost an answer can know its request is in flight, so the
//! wait falls on it, and a move whose answers all came back costs nothing more.

use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::{Error, Result};
use crate::model::{Binding, Eip, EipStatus, TargetKind};
use crate::provider::EipProvider;
use crate::request::AssociateTarget;
use crate::wait::{TransitionKind, WaitPolicy};

/// A check that must pass before every mutating request of a fenced operation.
///
/// A failover agent implements it with its cluster lease: "I still hold the lease, by my own
/// monotonic clock, and I am the newest leader". The retry loop calls it right before each
/// attempt of a write, so a leader that lost its lease mid-move (a pause, a partition) stops
/// at the next request instead of finishing the move.
#[async_trait]
pub trait Guard: Send + Sync + Debug {
    /// `Ok(())` when writing is still allowed; otherwise why not.
    async fn check(&self) -> std::result::Result<(), String>;
}

tokio::task_local! {
    static FENCE: Arc<dyn Guard>;
    static LOST: Arc<LostWrites>;
}

/// The writes of one claim whose answers were lost: until when the latest of them may land.
#[derive(Debug, Default)]
struct LostWrites {
    /// [`MoveOptions::late_delivery`], overriding the retry policy's settle window.
    horizon: Option<Duration>,
    until: Mutex<Option<Instant>>,
}

impl LostWrites {
    fn new(horizon: Option<Duration>) -> Arc<Self> {
        Arc::new(Self {
            horizon,
            until: Mutex::new(None),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.until.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn note(&self, window: Duration) {
        let window = self.horizon.unwrap_or(window);
        let ends = Instant::now()
            .checked_add(window)
            .unwrap_or_else(Instant::now);
        let mut until = self.lock();
        *until = Some(until.map_or(ends, |at| at.max(ends)));
    }

    /// When the latest lost write noted since the last call may still land, if any.
    fn take(&self) -> Option<Instant> {
        self.lock().take()
    }
}

/// Tells the claim running on this task, if any, that an attempt of the write `action` lost its
/// answer, and that the retry policy takes such a write to land at most `window` later. Called
/// by the retry loop whenever a write's outcome is unknown.
pub(crate) fn note_lost_write(action: &str, window: Duration) {
    let noted = LOST.try_with(|lost| lost.note(window)).is_ok();
    if noted {
        tracing::debug!(action, "a write of the claim lost its answer");
    }
}

/// Runs `work` with `guard` asked before every mutating request it makes through the retry loop
/// (on this task), as [`claim`] does with [`MoveOptions::guard`].
pub async fn with_guard<F: std::future::Future>(guard: Arc<dyn Guard>, work: F) -> F::Output {
    FENCE.scope(guard, work).await
}

/// Asks the guard of the fenced operation running on this task, if any, whether a write may be
/// sent. Called by the retry loop before each attempt of a write; `maybe_sent` is whether an
/// earlier attempt of the same call may have been processed.
pub(crate) async fn check_fence(action: &str, maybe_sent: bool) -> Result<()> {
    let Ok(guard) = FENCE.try_with(Arc::clone) else {
        return Ok(());
    };
    guard.check().await.map_err(|reason| {
        tracing::warn!(action, %reason, maybe_sent, "fenced: write refused");
        Error::Fenced { reason, maybe_sent }
    })
}

/// How to move or claim.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct MoveOptions {
    /// How to wait for the unbind and the bind to take effect.
    pub wait: WaitPolicy,
    /// When the whole operation must be over (waits, retries and read-backs included), typically
    /// the end of the caller's lease; past it the operation stops with [`Error::Timeout`].
    pub deadline: Option<Instant>,
    /// Asked before every mutating request; a refusal stops the operation with
    /// [`Error::Fenced`].
    pub guard: Option<Arc<dyn Guard>>,
    /// How long after a write's answer was lost the cloud may still apply it (a gateway that
    /// held the request delivers it late). A claim with a write in that state waits this long
    /// from the loss before it binds or reports, then reads the address again. `None` (the
    /// default): the provider's [`SettlePolicy::window`](crate::retry::SettlePolicy::window),
    /// the same assumption its retry loop makes before it believes "not applied" (10 s by
    /// default). No cloud documents how late a gateway may deliver; see RELIABILITY.md.
    pub late_delivery: Option<Duration>,
}

impl PartialEq for MoveOptions {
    fn eq(&self, other: &Self) -> bool {
        self.wait == other.wait
            && self.deadline == other.deadline
            && self.late_delivery == other.late_delivery
            && match (&self.guard, &other.guard) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }
}

impl MoveOptions {
    /// Options with this wait policy.
    pub fn with_wait(wait: WaitPolicy) -> Self {
        Self {
            wait,
            ..Self::default()
        }
    }

    /// Sets the deadline of the whole operation.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Sets the guard asked before every mutating request.
    pub fn guard(mut self, guard: Arc<dyn Guard>) -> Self {
        self.guard = Some(guard);
        self
    }

    /// Sets how long after a lost answer a write may still land ([`MoveOptions::late_delivery`]).
    pub fn late_delivery(mut self, horizon: Duration) -> Self {
        self.late_delivery = Some(horizon);
        self
    }
}

/// When each phase of a move ended, measured from its start.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct MoveReport {
    /// The cloud accepted the unbind.
    pub disassociate_accepted: Duration,
    /// The address was seen unbound.
    pub unbound: Duration,
    /// The cloud accepted the bind.
    pub associate_accepted: Duration,
    /// The address was seen bound to the new target.
    pub bound: Duration,
    /// The address as last seen, bound to the new target.
    pub eip: Eip,
}

/// What a [`claim`] requires of the address before it acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Bound to this target (a move from a known holder).
    BoundTo(AssociateTarget),
    /// Not bound to anything.
    Unbound,
    /// Anything: move it from whoever holds it, or bind it if it is free.
    Any,
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BoundTo(target) => write!(f, "bound to {target}"),
            Self::Unbound => f.write_str("unbound"),
            Self::Any => f.write_str("any"),
        }
    }
}

/// What a [`claim`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimAction {
    /// The address was bound to the target already; nothing was sent.
    AlreadyHeld,
    /// The address was free and has been bound.
    Bound,
    /// The address has been taken from its previous holder.
    Moved {
        /// The binding it had.
        from: Binding,
    },
}

/// What a [`claim`] observed and did, with the time of each phase from its start.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ClaimReport {
    /// The address as first observed.
    pub observed: Eip,
    /// What was done.
    pub action: ClaimAction,
    /// The cloud accepted the unbind of the previous holder.
    pub disassociate_accepted: Option<Duration>,
    /// The address was seen unbound.
    pub unbound: Option<Duration>,
    /// The cloud accepted the bind.
    pub associate_accepted: Option<Duration>,
    /// The address was seen bound to the target (or found there).
    pub bound: Duration,
    /// The address as last seen, bound to the target.
    pub eip: Eip,
}

/// Claims `id` for `to`, a compare-and-swap on its binding.
///
/// 1. Observe the address (waiting out a transition under way, so that the holder is known).
///    Bound to `to` already: success, nothing sent.
/// 2. Check `expect` against what was seen; not met: [`Error::Conflict`] naming what was seen.
/// 3. If bound, unbind fenced on the holder that was seen (the provider refuses when the
///    address is bound to anything else), and wait until unbound.
/// 4. Bind `to` and wait until bound; a refusal because someone else got there first, or the
///    address bound elsewhere, is a conflict.
///
/// The address is never bound to two targets: the bind is only sent once it has been seen
/// unbound, and the cloud refuses a bind of a bound address. With a [`Guard`] in `options`
/// every write is preceded by its check; with a deadline, everything stops at it.
///
/// When the answer to one of its writes was lost, the claim waits until that write can no
/// longer land ([`MoveOptions::late_delivery`]) before it goes on, and reads the address again:
/// after a lost unbind it binds only if the address is then unbound (its own unbind may have
/// removed a competing mover's binding, which it then replaces rather than leave the address
/// unbound), and it reports a conflict, saying so, if another mover holds it.
pub async fn claim<P: EipProvider + ?Sized>(
    provider: &P,
    id: &str,
    to: &AssociateTarget,
    expect: &Expect,
    options: &MoveOptions,
) -> Result<ClaimReport> {
    let caps = provider.capabilities();
    to.validate(caps)?;
    if let Expect::BoundTo(from) = expect {
        from.validate(caps)?;
    }
    let span = tracing::info_span!("eip.claim", provider = %provider.kind(), id, %to, %expect);
    let sent = AtomicBool::new(false);
    let lost = LostWrites::new(options.late_delivery);
    let work = LOST.scope(
        Arc::clone(&lost),
        fenced_claim(provider, id, to, expect, options, &sent, &lost),
    );
    let started = Instant::now();
    let bounded = async {
        match options.deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline, work).await {
                Ok(outcome) => outcome,
                Err(_) => Err(Error::Timeout {
                    operation: "claim".into(),
                    elapsed: started.elapsed(),
                    maybe_sent: sent.load(Ordering::Relaxed),
                }),
            },
            None => work.await,
        }
    };
    match &options.guard {
        Some(guard) => {
            FENCE
                .scope(Arc::clone(guard), bounded)
                .instrument(span)
                .await
        }
        None => bounded.instrument(span).await,
    }
}

/// Moves `id` from `from` to `to`: a [`claim`] expecting it bound to `from`.
pub async fn move_between<P: EipProvider + ?Sized>(
    provider: &P,
    id: &str,
    from: &AssociateTarget,
    to: &AssociateTarget,
    options: &MoveOptions,
) -> Result<MoveReport> {
    if from == to {
        return Err(Error::invalid_input("to", "the destination is the source"));
    }
    let report = claim(provider, id, to, &Expect::BoundTo(from.clone()), options).await?;
    Ok(MoveReport {
        disassociate_accepted: report.disassociate_accepted.unwrap_or_default(),
        unbound: report.unbound.unwrap_or_default(),
        associate_accepted: report.associate_accepted.unwrap_or_default(),
        bound: report.bound,
        eip: report.eip,
    })
}

async fn fenced_claim<P: EipProvider + ?Sized>(
    provider: &P,
    id: &str,
    to: &AssociateTarget,
    expect: &Expect,
    options: &MoveOptions,
    sent: &AtomicBool,
    lost: &LostWrites,
) -> Result<ClaimReport> {
    let started = Instant::now();
    let mut observed = provider.get(id).await?;
    if in_flux(&observed) {
        observed =
            crate::wait::until_kind(provider, id, &options.wait, None, |eip| !in_flux(eip)).await?;
    }
    if observed.is_bound_to(to) {
        tracing::info!(reason = "bound to the target already", "claimed");
        return Ok(ClaimReport {
            action: ClaimAction::AlreadyHeld,
            disassociate_accepted: None,
            unbound: None,
            associate_accepted: None,
            bound: started.elapsed(),
            eip: observed.clone(),
            observed,
        });
    }
    let holder = holder_to_unbind(&observed, expect)?;

    let (mut disassociate_accepted, mut unbound) = (None, None);
    if let Some(holder) = &holder {
        sent.store(true, Ordering::Relaxed);
        let unbind = provider.disassociate(id, Some(holder)).await;
        disassociate_accepted = Some(started.elapsed());
        let late = after_lost_writes(provider, id, lost).await?;
        // "Bound elsewhere" is judged by the binding, not the status: after an unbind a
        // Neutron-style floating IP clears its port at once and changes its status later, so an
        // address can read as active with no binding for a while (OpenStack Networking API,
        // floating IPs).
        let over = |eip: &Eip| {
            eip.status == EipStatus::Available
                || eip.binding.as_ref().is_some_and(|b| !b.matches(holder))
        };
        let note = if late.is_some() {
            "; this mover's unbind had lost its answer and was waited out until it could no longer land"
        } else {
            ""
        };
        let seen = match (unbind, late) {
            (Ok(()), Some(eip)) if over(&eip) => eip,
            (Ok(()), _) => {
                crate::wait::until_kind(
                    provider,
                    id,
                    &options.wait,
                    Some(TransitionKind::Disassociate),
                    over,
                )
                .await?
            }
            // Whatever the unbind's own error, the address is free or taken now, and the unbind
            // can no longer land: go on from what is seen (a refused guard still stops the bind).
            (Err(error), Some(eip)) if !matches!(error, Error::Fenced { .. }) && over(&eip) => {
                tracing::info!(%error, "the unbind's outcome was unknown; settled by waiting it out");
                eip
            }
            (Err(error), _) => return Err(error),
        };
        if seen.status != EipStatus::Available {
            return Err(conflict(
                &seen,
                &format!("another mover bound it while it was being unbound{note}"),
            ));
        }
        unbound = Some(started.elapsed());
    }

    sent.store(true, Ordering::Relaxed);
    let bind = provider.associate(id, to).await;
    let late = after_lost_writes(provider, id, lost).await?;
    if let Err(error) = bind {
        match late {
            // The bind that lost its answer landed after all.
            Some(eip) if eip.is_bound_to(to) => {}
            Some(eip) if eip.binding.is_some() => {
                return Err(conflict(
                    &eip,
                    "another mover bound it first; this mover's bind had lost its answer and was waited out",
                ))
            }
            _ => return Err(bind_refused(provider, id, to, holder.is_some(), error).await),
        }
    }
    let associate_accepted = started.elapsed();

    let eip = crate::wait::until_kind(
        provider,
        id,
        &options.wait,
        Some(TransitionKind::Associate),
        |eip| eip.status.is_bound() && eip.binding.is_some(),
    )
    .await?;
    if !eip.is_bound_to(to) {
        return Err(conflict(&eip, "it ended up bound elsewhere"));
    }
    let bound = started.elapsed();
    tracing::info!(
        unbind_ms = disassociate_accepted.map(millis),
        unbound_ms = unbound.map(millis),
        bind_ms = millis(associate_accepted),
        bound_ms = millis(bound),
        "claimed"
    );
    let action = match observed.binding.clone() {
        Some(from) if holder.is_some() => ClaimAction::Moved { from },
        _ => ClaimAction::Bound,
    };
    Ok(ClaimReport {
        observed,
        action,
        disassociate_accepted,
        unbound,
        associate_accepted: Some(associate_accepted),
        bound,
        eip,
    })
}

/// When a write of this claim lost its answer since the last call: waits until it can no
/// longer land, then reads the address (`None` when no answer was lost).
async fn after_lost_writes<P: EipProvider + ?Sized>(
    provider: &P,
    id: &str,
    lost: &LostWrites,
) -> Result<Option<Eip>> {
    let Some(until) = lost.take() else {
        return Ok(None);
    };
    tracing::info!(
        wait_ms = millis(until.saturating_duration_since(Instant::now())),
        "a write's answer was lost: waiting until it can no longer land"
    );
    tokio::time::sleep_until(until).await;
    provider.get(id).await.map(Some)
}

/// The error of a bind the cloud refused: a conflict when someone else got there first.
async fn bind_refused<P: EipProvider + ?Sized>(
    provider: &P,
    id: &str,
    to: &AssociateTarget,
    unbound_first: bool,
    error: Error,
) -> Error {
    match error {
        Error::AlreadyAssociated { .. } | Error::InvalidState { .. } => {
            match provider.get(id).await {
                Ok(eip) if !eip.is_bound_to(to) && eip.binding.is_some() => {
                    conflict(&eip, "another mover bound it first")
                }
                _ => error,
            }
        }
        Error::Fenced { reason, maybe_sent } if unbound_first => Error::Fenced {
            reason: format!("{reason} (before the bind; the unbind was accepted)"),
            maybe_sent,
        },
        other => other,
    }
}

/// Whether the holder cannot be told yet: a transition is under way, or the address reads as
/// bound with no binding, as a Neutron-style floating IP does right after an unbind (its port
/// is cleared at once, its status later; OpenStack Networking API, floating IPs).
fn in_flux(eip: &Eip) -> bool {
    eip.status.is_transitional() || (eip.status.is_bound() && eip.binding.is_none())
}

/// Checks the expectation against what was seen; the holder to unbind, when bound.
fn holder_to_unbind(observed: &Eip, expect: &Expect) -> Result<Option<AssociateTarget>> {
    if observed.status.is_failed() {
        // The raw status is what the cloud said (`InUse (locked: financial)`, `FREEZED`): name
        // it, so the person reading the error knows which lock to lift.
        let service = crate::error::ServiceError::new(
            observed.provider,
            "claim",
            observed.raw_status.clone(),
            "the address is locked or failed; the cloud refuses to change it until that is cleared",
        );
        return Err(Error::InvalidState {
            current: Some(observed.status.clone()),
            service: Some(Box::new(service)),
        });
    }
    let free = observed.status == EipStatus::Available && observed.binding.is_none();
    match expect {
        Expect::BoundTo(from) if observed.is_bound_to(from) => Ok(Some(from.clone())),
        Expect::BoundTo(from) => Err(conflict(observed, &format!("was expected bound to {from}"))),
        Expect::Unbound if free => Ok(None),
        Expect::Unbound => Err(conflict(observed, "was expected unbound")),
        Expect::Any if free => Ok(None),
        Expect::Any => match observed.binding.as_ref().and_then(target_of) {
            Some(holder) => Ok(Some(holder)),
            None => Err(conflict(
                observed,
                "is bound to a target that cannot be named",
            )),
        },
    }
}

/// The target a binding names, so that an unbind can be fenced on it.
fn target_of(binding: &Binding) -> Option<AssociateTarget> {
    let instance = binding.instance_id.clone();
    let nic = || {
        binding
            .nic_id
            .clone()
            .map(|id| AssociateTarget::NetworkInterface {
                id,
                private_ip: None,
            })
    };
    match &binding.kind {
        TargetKind::Instance => instance
            .map(|id| AssociateTarget::Instance { id })
            .or_else(nic),
        TargetKind::NetworkInterface => nic(),
        TargetKind::HighAvailabilityVip => {
            instance.map(|id| AssociateTarget::HighAvailabilityVip { id })
        }
        TargetKind::NatGateway => instance.map(|id| AssociateTarget::NatGateway { id }),
        TargetKind::LoadBalancer => instance.map(|id| AssociateTarget::LoadBalancer { id }),
        _ => nic(),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn conflict(eip: &Eip, what: &str) -> Error {
    let holder = eip
        .binding
        .as_ref()
        .map(|b| b.to_string())
        .unwrap_or_else(|| "nothing".into());
    Error::Conflict {
        reason: format!("{} {what}; now {} ({holder})", eip.id, eip.status),
        service: None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::model::ProviderKind;
    use crate::provider::{Capabilities, EipProviderExt};
    use crate::request::{AllocateRequest, ListFilter, Modification, Page, PageRequest};
    use crate::retry::{self, Call, DefaultClassifier, RetryPolicy, Timeouts};
    use crate::validate::{Charset, TextRule};
    use std::sync::atomic::AtomicU32;
    use std::sync::Mutex;

    const KIND: ProviderKind = ProviderKind::new("fake");

    /// One address; binds and unbinds take `transition`; every write goes through the retry
    /// loop, like a real provider's, and is counted.
    #[derive(Debug)]
    struct Fake {
        caps: Capabilities,
        eip: Mutex<Eip>,
        transition: Duration,
        writes: AtomicU32,
        /// The next unbind is applied but its answer is lost; then the address is left as
        /// this says (`None`: unbound; `Some(i)`: bound to `i` by someone else meanwhile).
        lose_unbind: Mutex<Option<Option<&'static str>>>,
        /// When the bind was sent, from the fake's creation.
        bind_sent: Mutex<Option<Instant>>,
    }

    impl Fake {
        fn new(bound_to: Option<&str>, transition: Duration) -> Self {
            let mut eip = Eip::new(
                KIND,
                "r",
                "eip-1",
                "192.0.2.1".parse().unwrap(),
                EipStatus::Available,
                "Available",
            );
            if let Some(instance) = bound_to {
                eip.status = EipStatus::Bound;
                eip.binding = Some(instance_binding(instance));
            }
            Self {
                caps: Capabilities::new(TextRule {
                    min_chars: 1,
                    max_chars: 64,
                    starts_with_letter: false,
                    charset: Charset::Printable,
                    forbidden_prefixes: &[],
                }),
                eip: Mutex::new(eip),
                transition,
                writes: AtomicU32::new(0),
                lose_unbind: Mutex::new(None),
                bind_sent: Mutex::new(None),
            }
        }

        fn writes(&self) -> u32 {
            self.writes.load(Ordering::Relaxed)
        }

        async fn write(
            &self,
            action: &'static str,
            change: impl Fn(&mut Eip) -> Result<()>,
        ) -> Result<()> {
            retry::run(
                &Call::write(KIND, action, false),
                &RetryPolicy::default(),
                &Timeouts::default(),
                &DefaultClassifier,
                |_| {
                    self.writes.fetch_add(1, Ordering::Relaxed);
                    let result = change(&mut self.eip.lock().unwrap());
                    async move { result }
                },
            )
            .await
        }
    }

    fn instance_binding(id: &str) -> Binding {
        let mut binding = Binding::new(TargetKind::Instance);
        binding.instance_id = Some(id.into());
        binding
    }

    #[async_trait]
    impl EipProvider for Fake {
        fn kind(&self) -> ProviderKind {
            KIND
        }
        fn region(&self) -> &str {
            "r"
        }
        fn capabilities(&self) -> &Capabilities {
            &self.caps
        }
        async fn allocate(&self, _: &AllocateRequest) -> Result<Eip> {
            Err(Error::Unsupported {
                what: "allocate".into(),
            })
        }
        async fn get(&self, _: &str) -> Result<Eip> {
            Ok(self.eip.lock().unwrap().clone())
        }
        async fn list_page(&self, _: &ListFilter, _: &PageRequest) -> Result<Page> {
            Err(Error::Unsupported {
                what: "list".into(),
            })
        }
        async fn associate(&self, _: &str, target: &AssociateTarget) -> Result<()> {
            let AssociateTarget::Instance { id } = target else {
                return Err(Error::Unsupported {
                    what: "target".into(),
                });
            };
            *self.bind_sent.lock().unwrap() = Some(Instant::now());
            self.write("Associate", |eip| {
                if eip.status != EipStatus::Available {
                    return Err(Error::InvalidState {
                        current: Some(eip.status.clone()),
                        service: None,
                    });
                }
                eip.status = EipStatus::Associating;
                eip.binding = Some(instance_binding(id));
                Ok(())
            })
            .await?;
            tokio::time::sleep(self.transition).await;
            self.eip.lock().unwrap().status = EipStatus::Bound;
            Ok(())
        }
        async fn disassociate(&self, _: &str, from: Option<&AssociateTarget>) -> Result<()> {
            let lose = self.lose_unbind.lock().unwrap().take();
            if let Some(then) = lose {
                return self
                    .write("Unassociate", |eip| {
                        eip.status = EipStatus::Available;
                        eip.binding = None;
                        if let Some(other) = then {
                            eip.status = EipStatus::Bound;
                            eip.binding = Some(instance_binding(other));
                        }
                        Err(Error::Timeout {
                            operation: "Unassociate".into(),
                            elapsed: Duration::from_secs(1),
                            maybe_sent: true,
                        })
                    })
                    .await;
            }
            self.write("Unassociate", |eip| {
                let held = eip
                    .binding
                    .as_ref()
                    .is_some_and(|b| from.is_none_or(|f| b.matches(f)));
                if !held {
                    return Err(Error::Conflict {
                        reason: "not bound there".into(),
                        service: None,
                    });
                }
                eip.status = EipStatus::Unassociating;
                Ok(())
            })
            .await?;
            tokio::time::sleep(self.transition).await;
            let mut eip = self.eip.lock().unwrap();
            eip.status = EipStatus::Available;
            eip.binding = None;
            Ok(())
        }
        async fn modify(&self, _: &str, _: &Modification) -> Result<()> {
            Err(Error::Unsupported {
                what: "modify".into(),
            })
        }
        async fn release(&self, _: &str) -> Result<()> {
            Err(Error::Unsupported {
                what: "release".into(),
            })
        }
    }

    /// Allows `allowed` checks, then refuses; counts the checks.
    #[derive(Debug)]
    struct Budget {
        allowed: u32,
        checks: AtomicU32,
    }

    impl Budget {
        fn new(allowed: u32) -> Arc<Self> {
            Arc::new(Self {
                allowed,
                checks: AtomicU32::new(0),
            })
        }
    }

    #[async_trait]
    impl Guard for Budget {
        async fn check(&self) -> std::result::Result<(), String> {
            if self.checks.fetch_add(1, Ordering::Relaxed) < self.allowed {
                Ok(())
            } else {
                Err("lease lost".into())
            }
        }
    }

    fn target(id: &str) -> AssociateTarget {
        AssociateTarget::instance(id)
    }

    #[tokio::test(start_paused = true)]
    async fn claim_any_takes_the_address_from_its_holder_and_reports_each_phase() {
        let fake = Fake::new(Some("i-a"), Duration::from_millis(300));
        let report = fake
            .claim(
                "eip-1",
                &target("i-b"),
                &Expect::Any,
                &MoveOptions::default(),
            )
            .await
            .unwrap();
        assert!(fake.get("eip-1").await.unwrap().is_bound_to(&target("i-b")));
        assert_eq!(
            report.action,
            ClaimAction::Moved {
                from: instance_binding("i-a")
            }
        );
        assert!(report.observed.is_bound_to(&target("i-a")));
        let phases = [
            report.disassociate_accepted.unwrap(),
            report.unbound.unwrap(),
            report.associate_accepted.unwrap(),
            report.bound,
        ];
        assert!(phases.windows(2).all(|w| w[0] <= w[1]), "{phases:?}");
        assert!(report.unbound.unwrap() >= Duration::from_millis(300));
        assert_eq!(fake.writes(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn claim_of_a_free_address_binds_it_and_already_held_sends_nothing() {
        let fake = Fake::new(None, Duration::from_millis(10));
        let report = fake
            .claim(
                "eip-1",
                &target("i-b"),
                &Expect::Unbound,
                &MoveOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(
            (report.action, report.disassociate_accepted),
            (ClaimAction::Bound, None)
        );
        assert_eq!(fake.writes(), 1);
        let again = fake
            .claim(
                "eip-1",
                &target("i-b"),
                &Expect::BoundTo(target("i-z")),
                &MoveOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(again.action, ClaimAction::AlreadyHeld);
        assert_eq!(fake.writes(), 1, "a claim of what is held sends nothing");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unmet_expectation_is_a_conflict_naming_what_was_seen() {
        let fake = Fake::new(Some("i-a"), Duration::from_millis(10));
        for expect in [Expect::Unbound, Expect::BoundTo(target("i-c"))] {
            let error = fake
                .claim("eip-1", &target("i-b"), &expect, &MoveOptions::default())
                .await
                .unwrap_err();
            assert!(
                matches!(&error, Error::Conflict { reason, .. } if reason.contains("i-a")),
                "{expect}: {error:?}"
            );
        }
        assert_eq!(fake.writes(), 0);
        assert!(fake.get("eip-1").await.unwrap().is_bound_to(&target("i-a")));
    }

    #[tokio::test(start_paused = true)]
    async fn a_guard_that_refuses_stops_the_claim_before_any_write() {
        let fake = Fake::new(Some("i-a"), Duration::from_millis(10));
        let guard = Budget::new(0);
        let options = MoveOptions::default().guard(guard.clone());
        let error = fake
            .claim("eip-1", &target("i-b"), &Expect::Any, &options)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::Fenced {
                    maybe_sent: false,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(fake.writes(), 0);
        assert!(fake.get("eip-1").await.unwrap().is_bound_to(&target("i-a")));
    }

    #[tokio::test(start_paused = true)]
    async fn a_lease_lost_mid_move_stops_before_the_bind_and_says_the_unbind_went_out() {
        let fake = Fake::new(Some("i-a"), Duration::from_millis(10));
        let guard = Budget::new(1);
        let options = MoveOptions::default().guard(guard.clone());
        let error = fake
            .claim("eip-1", &target("i-b"), &Expect::Any, &options)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::Fenced { reason, .. } if reason.contains("unbind was accepted")),
            "{error:?}"
        );
        assert_eq!(
            (fake.writes(), guard.checks.load(Ordering::Relaxed)),
            (1, 2)
        );
        assert_eq!(
            fake.get("eip-1").await.unwrap().binding,
            None,
            "unbound, never bound to i-b"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_cuts_a_wait_that_would_outlast_it() {
        let fake = Fake::new(Some("i-a"), Duration::from_secs(60));
        let started = Instant::now();
        let options = MoveOptions::default().deadline(started + Duration::from_secs(5));
        let error = fake
            .claim("eip-1", &target("i-b"), &Expect::Any, &options)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::Timeout {
                    maybe_sent: true,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(started.elapsed(), Duration::from_secs(5));
        assert_eq!(fake.writes(), 1, "the bind was never sent");
    }

    #[tokio::test(start_paused = true)]
    async fn move_to_is_a_claim_bound_to_its_source() {
        let fake = Fake::new(Some("i-a"), Duration::from_millis(10));
        let report = fake
            .move_to(
                "eip-1",
                &target("i-a"),
                &target("i-b"),
                &MoveOptions::default(),
            )
            .await
            .unwrap();
        assert!(report.eip.is_bound_to(&target("i-b")));
        assert!(matches!(
            fake.move_to(
                "eip-1",
                &target("i-a"),
                &target("i-c"),
                &MoveOptions::default()
            )
            .await,
            Err(Error::Conflict { .. })
        ));
        assert_eq!(fake.writes(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_unbind_is_waited_out_before_the_bind() {
        let fake = Fake::new(Some("i-a"), Duration::from_millis(10));
        *fake.lose_unbind.lock().unwrap() = Some(None);
        let started = Instant::now();
        let horizon = Duration::from_secs(3);
        let options = MoveOptions::default().late_delivery(horizon);
        let report = fake
            .claim("eip-1", &target("i-b"), &Expect::Any, &options)
            .await
            .unwrap();
        assert!(report.eip.is_bound_to(&target("i-b")));
        assert!(fake.get("eip-1").await.unwrap().is_bound_to(&target("i-b")));
        let bind_sent = fake.bind_sent.lock().unwrap().unwrap();
        assert!(
            bind_sent - started >= horizon,
            "bound {:?} after the lost unbind, before its horizon",
            bind_sent - started
        );
        assert_eq!(fake.writes(), 2, "one unbind, one bind");
    }

    #[tokio::test(start_paused = true)]
    async fn a_mover_whose_unbind_was_lost_and_finds_another_holder_says_so_and_does_not_bind() {
        let fake = Fake::new(Some("i-a"), Duration::from_millis(10));
        *fake.lose_unbind.lock().unwrap() = Some(Some("i-c"));
        let options = MoveOptions::default().late_delivery(Duration::from_secs(1));
        let error = fake
            .claim("eip-1", &target("i-b"), &Expect::Any, &options)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::Conflict { reason, .. }
                if reason.contains("i-c") && reason.contains("lost its answer")),
            "{error:?}"
        );
        assert!(fake.bind_sent.lock().unwrap().is_none(), "no bind sent");
        assert!(fake.get("eip-1").await.unwrap().is_bound_to(&target("i-c")));
    }

    #[tokio::test(start_paused = true)]
    async fn a_move_whose_answers_all_came_back_waits_for_no_horizon() {
        let fake = Fake::new(Some("i-a"), Duration::from_millis(10));
        let started = Instant::now();
        let options = MoveOptions::default().late_delivery(Duration::from_secs(60));
        fake.claim("eip-1", &target("i-b"), &Expect::Any, &options)
            .await
            .unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
}
