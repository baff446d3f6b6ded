//! Shared-bandwidth membership through the v2.0 bandwidth API: `POST
//! /v2.0/{project_id}/bandwidths/{bandwidth_id}/insert` (AddPublicipsIntoSharedBandwidth,
//! <https://support.huaweicloud.com/intl/en-us/api-eip/eip_apisharedbandwidth_0004.html>) and
//! `/remove` with the dedicated bandwidth the address gets back (RemovePublicipsFromSharedBandwidth,
//! <https://support.huaweicloud.com/intl/en-us/api-eip/eip_apisharedbandwidth_0005.html>).

use eip_core::retry::{Attempt, Settled};
use eip_core::wait::{self, Progress, WaitPolicy};
use eip_core::{validate, ChargeMode, DedicatedBandwidth, Error};
use reqwest::Method;
use std::sync::atomic::AtomicBool;

use super::{HuaweiProvider, Reads};
use crate::mapping::check_bandwidth_step;
use crate::transport::{call_of, Api, VpcRequest};
use crate::wire::{self, Membership, MembershipRequest, Publicip, PublicipInfo};

/// The shared (`WHOLE`) bandwidth `ip` draws from, `None` for a dedicated one.
fn shared_of(ip: &Publicip) -> Option<&str> {
    match ip.bandwidth_share_type.as_deref() {
        Some("WHOLE") => ip.bandwidth_id.as_deref(),
        _ => None,
    }
}

/// Whether `ip` draws from the shared bandwidth `bandwidth_id`.
fn in_shared(ip: &Publicip, bandwidth_id: &str) -> bool {
    shared_of(ip) == Some(bandwidth_id)
}

impl HuaweiProvider {
    /// [`eip_core::EipProvider::join_shared_bandwidth`]: the address is read first. Already in
    /// `bandwidth_id` needs no request; in another shared bandwidth is [`Error::Conflict`]
    /// naming it (the insert page above takes only addresses with a dedicated bandwidth, so it
    /// has to leave first). The insert is not documented as idempotent, so a lost answer is
    /// settled by reading the address back: in the bandwidth means done, anywhere else means the
    /// insert did not arrive and it is sent again. Returns once a read shows the address in the
    /// bandwidth (reads lag writes), or [`Error::WaitTimeout`].
    pub(super) async fn join_checked(&self, id: &str, bandwidth_id: &str) -> Result<(), Error> {
        validate::id("id", id)?;
        validate::id("bandwidth_id", bandwidth_id)?;
        let current = self.show_raw(id, Reads::Retried).await?;
        match shared_of(&current) {
            Some(current) if current == bandwidth_id => return Ok(()),
            Some(current) => {
                return Err(Error::Conflict {
                    reason: format!("eip {id} is in shared bandwidth {current}; leave it first"),
                    service: None,
                })
            }
            None => {}
        }
        let request = VpcRequest {
            action: "AddPublicipsIntoSharedBandwidth",
            method: Method::POST,
            path: format!("bandwidths/{bandwidth_id}/insert"),
            query: Vec::new(),
            body: Some(wire::to_body(&MembershipRequest {
                bandwidth: Membership {
                    publicip_info: vec![PublicipInfo {
                        publicip_id: id.to_owned(),
                    }],
                    charge_mode: None,
                    size: None,
                },
            })?),
            idempotent: false,
            resource: format!("bandwidth {bandwidth_id}"),
            id: Some(id.to_owned()),
        };
        self.membership_write(&request, id, |ip| in_shared(ip, bandwidth_id))
            .await
    }

    /// [`eip_core::EipProvider::leave_shared_bandwidth`]: the address is read first (its shared
    /// bandwidth is the one it leaves; an address with a dedicated bandwidth is left as it is,
    /// nothing written), then removed with `dedicated`'s size and billing (`bandwidth` by
    /// default, the create's default). A lost answer is settled by reading back: a dedicated
    /// bandwidth again means done. Returns once a read shows the dedicated bandwidth.
    pub(super) async fn leave_checked(
        &self,
        id: &str,
        dedicated: &DedicatedBandwidth,
    ) -> Result<(), Error> {
        validate::id("id", id)?;
        dedicated.validate(&self.capabilities)?;
        check_bandwidth_step(dedicated.mbps)?;
        // The remove page above: `charge_mode` is `bandwidth` or `traffic`.
        let charge_mode = match &dedicated.charge_mode {
            None | Some(ChargeMode::ByBandwidth) => "bandwidth",
            Some(ChargeMode::ByTraffic) => "traffic",
            Some(other) => {
                return Err(Error::invalid_input(
                    "charge_mode",
                    format!("a dedicated bandwidth is billed by bandwidth or traffic, not {other}"),
                ))
            }
        };
        let current = self.show_raw(id, Reads::Retried).await?;
        let Some(bandwidth_id) = shared_of(&current).map(str::to_owned) else {
            return Ok(());
        };
        // An id from the cloud goes into a path: checked like a caller's.
        validate::id("bandwidth_id", &bandwidth_id)?;
        let request = VpcRequest {
            action: "RemovePublicipsFromSharedBandwidth",
            method: Method::POST,
            path: format!("bandwidths/{bandwidth_id}/remove"),
            query: Vec::new(),
            body: Some(wire::to_body(&MembershipRequest {
                bandwidth: Membership {
                    publicip_info: vec![PublicipInfo {
                        publicip_id: id.to_owned(),
                    }],
                    charge_mode: Some(charge_mode.to_owned()),
                    size: Some(dedicated.mbps),
                },
            })?),
            idempotent: false,
            resource: format!("bandwidth {bandwidth_id}"),
            id: Some(id.to_owned()),
        };
        self.membership_write(&request, id, |ip| {
            ip.bandwidth_share_type.as_deref() == Some("PER")
        })
        .await
    }

    /// One membership write in core's one loop: `done` says from the address whether it took
    /// effect. After an attempt that may have landed, a refusal (the cloud refuses an address
    /// already inserted, or one no longer in the bandwidth) is success when `done` holds.
    async fn membership_write(
        &self,
        request: &VpcRequest,
        id: &str,
        done: impl Fn(&Publicip) -> bool,
    ) -> Result<(), Error> {
        let reauthenticated = AtomicBool::new(false);
        let via = self.transport.on(Api::V2);
        let done = &done;
        self.transport
            .write(
                &call_of(request),
                |attempt: Attempt| {
                    let (via, reauthenticated) = (&via, &reauthenticated);
                    async move {
                        match via.send_once(request, reauthenticated).await {
                            Ok(_) => Ok(()),
                            Err(refusal) if attempt.earlier_maybe_processed => {
                                match self.show_raw(id, Reads::Once).await {
                                    Ok(current) if done(&current) => Ok(()),
                                    _ => Err(refusal),
                                }
                            }
                            Err(other) => Err(other),
                        }
                    }
                },
                || async {
                    Ok(if done(&self.show_raw(id, Reads::Once).await?) {
                        Settled::Applied(())
                    } else {
                        Settled::NotApplied
                    })
                },
            )
            .await?;
        // Reads lag writes: return once a read shows the change, as the Alibaba join returns
        // once the member is `BINDED`. Otherwise the next call's own first read (a leave right
        // after a join) would still see the old bandwidth and act on it.
        wait::poll(&WaitPolicy::default(), || async {
            Ok(if done(&self.show_raw(id, Reads::Retried).await?) {
                Progress::Done(())
            } else {
                Progress::Pending(None)
            })
        })
        .await
    }
}
