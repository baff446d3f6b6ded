//! Fenced moves of an address between two targets (the failover of an HA pair).

use std::time::Duration;

use tokio::time::Instant;
use tracing::Instrument;

use crate::error::{Error, Result};
use crate::model::{Eip, EipStatus};
use crate::provider::EipProvider;
use crate::request::AssociateTarget;
use crate::wait::{TransitionKind, WaitPolicy};

/// How to move.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct MoveOptions {
    /// How to wait for the unbind and the bind to take effect.
    pub wait: WaitPolicy,
}

impl MoveOptions {
    /// Options with this wait policy.
    pub fn with_wait(wait: WaitPolicy) -> Self {
        Self { wait }
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

/// Moves `id` from `from` to `to`.
///
/// 1. Unbind, fenced on `from`: the provider refuses (with [`Error::Conflict`]) when the address is
///    not bound to `from`, so a mover working from a stale view does nothing.
/// 2. Wait until unbound. If another mover binds it meanwhile, stop with a conflict.
/// 3. Bind to `to`; a refusal because someone else got there first is a conflict.
/// 4. Wait until bound; bound anywhere but `to` is a conflict.
///
/// The address is never bound to two targets, because the bind is only sent once the address has
/// been seen unbound, and the cloud refuses a bind of a bound address.
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
    let caps = provider.capabilities();
    from.validate(caps)?;
    to.validate(caps)?;
    let span = tracing::info_span!("eip.move", provider = %provider.kind(), id, %from, %to);
    fenced_move(provider, id, from, to, options)
        .instrument(span)
        .await
}

async fn fenced_move<P: EipProvider + ?Sized>(
    provider: &P,
    id: &str,
    from: &AssociateTarget,
    to: &AssociateTarget,
    options: &MoveOptions,
) -> Result<MoveReport> {
    let started = Instant::now();

    provider.disassociate(id, Some(from)).await?;
    let disassociate_accepted = started.elapsed();

    // "Bound elsewhere" is judged by the binding, not the status: after an unbind a Neutron-style
    // floating IP clears its port at once and changes its status later, so an address can read
    // as active with no binding for a while (OpenStack Networking API, floating IPs).
    let seen = crate::wait::until_kind(
        provider,
        id,
        &options.wait,
        Some(TransitionKind::Disassociate),
        |eip| {
            eip.status == EipStatus::Available
                || eip.binding.as_ref().is_some_and(|b| !b.matches(from))
        },
    )
    .await?;
    if seen.status != EipStatus::Available {
        return Err(conflict(
            &seen,
            "another mover bound it while it was being unbound",
        ));
    }
    let unbound = started.elapsed();

    if let Err(error) = provider.associate(id, to).await {
        return Err(match error {
            Error::AlreadyAssociated { .. } | Error::InvalidState { .. } => {
                match provider.get(id).await {
                    Ok(eip) if !eip.is_bound_to(to) && eip.binding.is_some() => {
                        conflict(&eip, "another mover bound it first")
                    }
                    _ => error,
                }
            }
            other => other,
        });
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
        unbind_ms = disassociate_accepted.as_millis() as u64,
        unbound_ms = unbound.as_millis() as u64,
        bind_ms = associate_accepted.as_millis() as u64,
        bound_ms = bound.as_millis() as u64,
        "moved"
    );
    Ok(MoveReport {
        disassociate_accepted,
        unbound,
        associate_accepted,
        bound,
        eip,
    })
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
