//! [`AlibabaProvider`]: the six actions behind [`EipProvider`], retries, reconciliation of lost
//! answers, and the mapping between the API's JSON and the normalized model.

use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use eip_core::retry::{self, Call, RetryPolicy, Settled, Timeouts};
use eip_core::validate;
use eip_core::{
    AllocateRequest, AssociateTarget, Capabilities, ChargeMode, Eip, EipProvider, EipStatus, Error,
    ListFilter, Modification, Page, PageRequest, PageToken, ProviderKind, Result,
};
use tracing::Instrument;
use url::Url;

use crate::builder::{AlibabaBuilder, SignatureVersion};
use crate::credential::AccessKey;
use crate::error::{self, AlibabaClassifier, Subject};
use crate::mapping::{self, wire_target};
use crate::rpc::{self, Failure, RpcRequest, Transport};
use crate::wire;
use crate::KIND;

const ALLOCATE: &str = "AllocateEipAddress";
const ASSOCIATE: &str = "AssociateEipAddress";
const UNASSOCIATE: &str = "UnassociateEipAddress";
const DESCRIBE: &str = "DescribeEipAddresses";
const MODIFY: &str = "ModifyEipAddressAttribute";
const RELEASE: &str = "ReleaseEipAddress";

/// alibaba.md §3.4: `AllocationId` and `EipAddress` take at most 50 comma-separated values.
const MAX_LIST_VALUES: usize = 50;
/// alibaba.md §3.1, §3.5: PayByTraffic allows at most 200 Mbit/s (PayByBandwidth 500).
const MAX_TRAFFIC_MBPS: u32 = 200;

/// Everything the builder checked.
pub(crate) struct Config {
    pub region: String,
    pub credentials: AccessKey,
    pub endpoint: Url,
    pub signature_version: SignatureVersion,
    pub retry: RetryPolicy,
    pub timeouts: Timeouts,
    pub http: reqwest::Client,
}

/// The Alibaba Cloud EIP provider (VPC API 2016-04-28).
///
/// Build it with [`AlibabaProvider::builder`] (or [`AlibabaBuilder::from_env`]). Every call is
/// validated before anything is sent, retried with the shared loop of `eip_core::retry`, and
/// signed afresh on each attempt; every write except Release carries a ClientToken minted once per
/// call (or the caller's idempotency key for allocate), so a retry never acts twice. A Release
/// whose answer was lost is settled by reading the address back, since that action has no token.
///
/// Status and target mappings are documented in [`crate::status`].
pub struct AlibabaProvider {
    region: String,
    endpoint: Url,
    retry: RetryPolicy,
    timeouts: Timeouts,
    transport: Transport,
    capabilities: Capabilities,
}

impl fmt::Debug for AlibabaProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlibabaProvider")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint.as_str())
            .field("signature_version", &self.transport.signature_version)
            .field("credentials", &self.transport.credentials)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl AlibabaProvider {
    /// A builder.
    pub fn builder() -> AlibabaBuilder {
        AlibabaBuilder::new()
    }

    pub(crate) fn from_config(config: Config) -> Self {
        Self {
            region: config.region,
            endpoint: config.endpoint.clone(),
            retry: config.retry,
            timeouts: config.timeouts,
            transport: Transport {
                endpoint: config.endpoint,
                credentials: config.credentials,
                signature_version: config.signature_version,
                http: config.http,
            },
            capabilities: mapping::capabilities(),
        }
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The signature scheme requests carry.
    pub fn signature_version(&self) -> SignatureVersion {
        self.transport.signature_version
    }

    fn request(&self, action: &'static str) -> RpcRequest {
        RpcRequest::new(action, &self.region)
    }

    /// One attempt, with a refusal mapped through the error table and a 2xx body read by
    /// `read` (in the attempt, so its request id lands in the attempt span). A wrong-state
    /// refusal reads the EIP's status first, so the classifier can tell a transition (retry)
    /// from a stable state.
    async fn attempt<T>(
        &self,
        request: &RpcRequest,
        read: fn(&str, &[u8]) -> Result<T>,
    ) -> Result<T> {
        let reply = self.transport.exchange(request).await?;
        match rpc::read_reply(request.action, reply) {
            Ok(body) => read(request.action, &body),
            Err(Failure::Other(error)) => Err(error),
            Err(Failure::Refused(api)) => {
                let subject = subject(request);
                let current = match subject.eip {
                    Some(id) if error::classify(&api.code, api.http_status).needs_eip_status() => {
                        self.current_status(id).await
                    }
                    _ => None,
                };
                Err(error::to_error(api, subject, current))
            }
        }
    }

    /// The EIP's status now, or `None` when it cannot be read. Kept apart from [`Self::attempt`]
    /// (it maps refusals without reading any status) so the two never recurse.
    async fn current_status(&self, id: &str) -> Option<EipStatus> {
        let request = self.request(DESCRIBE).set("AllocationId", id);
        let call = Call::read(KIND, DESCRIBE);
        let page: wire::DescribeResponse = retry::run(
            &call,
            &self.retry,
            &self.timeouts,
            &AlibabaClassifier,
            |_| async {
                let reply = self.transport.exchange(&request).await?;
                match rpc::read_reply(DESCRIBE, reply) {
                    Ok(body) => rpc::read_answer(DESCRIBE, &body),
                    Err(Failure::Refused(api)) => {
                        Err(error::to_error(api, subject(&request), None))
                    }
                    Err(Failure::Other(error)) => Err(error),
                }
            },
        )
        .await
        .ok()?;
        let item = page
            .items()
            .iter()
            .find(|e| e.allocation_id.as_deref() == Some(id))?;
        Some(mapping::status_from_alibaba(
            item.status.as_deref().unwrap_or_default(),
        ))
    }

    /// Runs a request through the retry loop, its 2xx body read by `read`. With `settle`, an
    /// error after an answer was lost is checked against the address's state: when the lost
    /// request evidently took effect, the call succeeded (`Ok(None)`).
    ///
    /// An answer that cannot be read is `InvalidResponse`, which is never retried nor settled,
    /// so reading inside the loop ends the call as reading after it did.
    async fn execute<T>(
        &self,
        call: Call,
        request: &RpcRequest,
        settle: Option<&Settle<'_>>,
        read: fn(&str, &[u8]) -> Result<T>,
    ) -> Result<Option<T>> {
        retry::run(&call, &self.retry, &self.timeouts, &AlibabaClassifier, |_| async move {
            if let Some(settle) = settle {
                settle.begin_attempt();
            }
            let outcome = self.attempt(request, read).await;
            let Some(settle) = settle else { return outcome.map(Some) };
            settle.end_attempt(outcome.as_ref().err());
            match outcome {
                Ok(answer) => Ok(Some(answer)),
                Err(error) if settle.worth_checking(&error) => {
                    let now = self.get(settle.id).await;
                    if settle.reached(&now) {
                        tracing::debug!(%error, "the earlier request took effect; treating the call as done");
                        Ok(None)
                    } else {
                        Err(error)
                    }
                }
                Err(error) => Err(error),
            }
        })
        .await
    }

    /// Runs a write whose answer carries nothing but its request id.
    async fn write(
        &self,
        call: Call,
        request: &RpcRequest,
        settle: Option<&Settle<'_>>,
    ) -> Result<()> {
        self.execute(call, request, settle, |_, body| {
            rpc::acknowledge(body);
            Ok(())
        })
        .await
        .map(drop)
    }

    async fn read(&self, request: &RpcRequest) -> Result<wire::DescribeResponse> {
        match self
            .execute(Call::read(KIND, DESCRIBE), request, None, rpc::read_answer)
            .await?
        {
            Some(page) => Ok(page),
            // Without `settle` an answer is always read; an empty body reads as one would.
            None => rpc::read_answer(DESCRIBE, b""),
        }
    }

    /// The EIP as the API reports it, or `None` when it does not exist.
    async fn describe(&self, id: &str) -> Result<Option<wire::EipAddress>> {
        let page = self
            .read(&self.request(DESCRIBE).set("AllocationId", id))
            .await?;
        // alibaba.md §3.4: an unknown or released AllocationId answers 200 with an empty list.
        Ok(page
            .eip_addresses
            .into_iter()
            .flat_map(|e| e.eip_address)
            .find(|e| e.allocation_id.as_deref() == Some(id)))
    }

    fn to_eip(&self, item: &wire::EipAddress) -> Result<Eip> {
        mapping::to_eip(item, &self.region)
    }

    async fn allocate_inner(&self, request: &AllocateRequest) -> Result<Eip> {
        request.validate(&self.capabilities)?;
        let charge = request
            .charge_mode
            .as_ref()
            .map(mapping::internet_charge_type)
            .transpose()?;
        if let Some(mbps) = request.bandwidth_mbps {
            check_traffic_bandwidth(charge, mbps)?;
        }
        let token = request.idempotency_key.clone().unwrap_or_else(mint_token);
        let rpc = self
            .request(ALLOCATE)
            .set_opt("Bandwidth", request.bandwidth_mbps.map(|b| b.to_string()))
            .set_opt("InternetChargeType", charge)
            .set_opt("ISP", request.line.as_deref())
            .set_opt("Name", request.name.as_deref())
            .set_opt("Description", request.description.as_deref())
            .tags(&request.tags)
            .set("ClientToken", token);
        let answer: wire::AllocateResponse = match self
            .execute(
                Call::write(KIND, ALLOCATE, true),
                &rpc,
                None,
                rpc::read_answer,
            )
            .await?
        {
            Some(answer) => answer,
            // Without `settle` an answer is always read; an empty body reads as one would.
            None => rpc::read_answer(ALLOCATE, b"")?,
        };
        let id = answer
            .allocation_id
            .clone()
            .ok_or_else(|| Error::InvalidResponse {
                operation: ALLOCATE.into(),
                reason: "the answer has no AllocationId".into(),
                http_status: Some(200),
                request_id: answer.request_id.clone(),
            })?;
        match self.get(&id).await {
            // alibaba.md §3.1: allocation is synchronous; if a read lags behind, the answer and
            // the request still describe the new, available address.
            Err(Error::NotFound { .. }) => {
                allocated_without_read(&answer, &id, request, &self.region)
            }
            other => other,
        }
    }

    async fn list_page_inner(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page> {
        filter.validate(&self.capabilities)?;
        let number = match &page.token {
            None => 1,
            Some(PageToken::Number(n)) if *n >= 1 => *n,
            Some(PageToken::Number(_)) => {
                return Err(Error::invalid_input("page", "page numbers start at 1"))
            }
            Some(PageToken::Marker(_)) => {
                return Err(Error::invalid_input(
                    "page",
                    "Alibaba pages are numbered, not marked",
                ))
            }
        };
        let size = page.size.unwrap_or(self.capabilities.max_page_size);
        if size == 0 || size > self.capabilities.max_page_size {
            return Err(Error::invalid_input(
                "page_size",
                format!("must be 1 to {}", self.capabilities.max_page_size),
            ));
        }
        let request = self
            .list_request(filter)?
            .set("PageNumber", number.to_string())
            .set("PageSize", size.to_string());
        let answer = self.read(&request).await?;
        let mut items = Vec::with_capacity(answer.items().len());
        for item in answer.items() {
            let eip = self.to_eip(item)?;
            // Filters the API cannot express (statuses it does not have, a NIC's private IP) are
            // applied here; for the others this only confirms what the server did.
            if filter.matches(&eip) {
                items.push(eip);
            }
        }
        let total = answer.total_count;
        let seen = u64::from(number) * u64::from(size);
        let next = match total {
            Some(total) if seen < total => Some(PageToken::Number(number + 1)),
            _ => None,
        };
        Ok(Page { items, next, total })
    }

    fn list_request(&self, filter: &ListFilter) -> Result<RpcRequest> {
        if filter.ids.len() > MAX_LIST_VALUES {
            return Err(Error::invalid_input(
                "ids",
                format!("at most {MAX_LIST_VALUES} ids per listing"),
            ));
        }
        if filter.addresses.len() > MAX_LIST_VALUES {
            return Err(Error::invalid_input(
                "addresses",
                format!("at most {MAX_LIST_VALUES} addresses per listing"),
            ));
        }
        let join = |values: Vec<String>| (!values.is_empty()).then(|| values.join(","));
        let bound = filter.bound_to.as_ref().map(wire_target).transpose()?;
        Ok(self
            .request(DESCRIBE)
            .set_opt("AllocationId", join(filter.ids.clone()))
            .set_opt(
                "EipAddress",
                join(filter.addresses.iter().map(IpAddr::to_string).collect()),
            )
            .set_opt(
                "Status",
                filter.status.as_ref().and_then(mapping::status_to_alibaba),
            )
            .set_opt(
                "AssociatedInstanceId",
                bound.as_ref().map(|b| b.instance_id.clone()),
            )
            .set_opt(
                "AssociatedInstanceType",
                bound.as_ref().map(|b| b.instance_type.clone()),
            )
            .set_opt("EipName", filter.name.as_deref())
            .tags(&filter.tags))
    }

    async fn associate_inner(&self, id: &str, target: &AssociateTarget) -> Result<()> {
        validate::id("id", id)?;
        target.validate(&self.capabilities)?;
        let wire_target = wire_target(target)?;
        let request = self
            .request(ASSOCIATE)
            .set("AllocationId", id)
            .set("InstanceId", wire_target.instance_id)
            .set("InstanceType", wire_target.instance_type)
            .set_opt("PrivateIpAddress", wire_target.private_ip)
            .set("ClientToken", mint_token());
        let settle = Settle::new(id, Goal::BoundTo(target));
        self.write(Call::write(KIND, ASSOCIATE, true), &request, Some(&settle))
            .await
    }

    async fn disassociate_inner(&self, id: &str, from: Option<&AssociateTarget>) -> Result<()> {
        validate::id("id", id)?;
        if let Some(from) = from {
            from.validate(&self.capabilities)?;
        }
        let item = self
            .describe(id)
            .await?
            .ok_or_else(|| Error::not_found(format!("eip {id}")))?;
        let eip = self.to_eip(&item)?;
        let bound = matches!(eip.status, EipStatus::Bound | EipStatus::Associating)
            && item.instance_id.is_some();
        if !bound {
            return match from {
                None => Ok(()),
                Some(from) => Err(conflict(&eip, &format!("it is not bound to {from}"))),
            };
        }
        if let Some(from) = from {
            if !eip.binding.as_ref().is_some_and(|b| b.matches(from)) {
                return Err(conflict(&eip, &format!("it is not bound to {from}")));
            }
        }
        // The InstanceId sent is the one just read (or the caller's `from`, which matched): the API
        // refuses with InvalidBindingStatus when the address is no longer bound to it, so the check
        // above and the unbind cannot be split by another mover (the server-side fence).
        let request = self
            .request(UNASSOCIATE)
            .set("AllocationId", id)
            .set_opt("InstanceId", item.instance_id.clone())
            .set(
                "InstanceType",
                item.instance_type
                    .clone()
                    .unwrap_or_else(|| mapping::DEFAULT_INSTANCE_TYPE.into()),
            )
            .set("ClientToken", mint_token());
        let settle = Settle::new(
            id,
            Goal::Unbound {
                unconditional: from.is_none(),
            },
        );
        self.write(
            Call::write(KIND, UNASSOCIATE, true),
            &request,
            Some(&settle),
        )
        .await
    }

    async fn modify_inner(&self, id: &str, change: &Modification) -> Result<()> {
        validate::id("id", id)?;
        change.validate(&self.capabilities)?;
        // alibaba.md §3.5 and §9 item 7: the ModifyEipAddressAttribute page wants 2–128
        // characters where the Allocate page allows 1–128; refuse what Modify would refuse.
        if change
            .name
            .as_ref()
            .is_some_and(|name| name.chars().count() < 2)
        {
            return Err(Error::invalid_input(
                "name",
                "must be 2 to 128 characters long when modifying",
            ));
        }
        if let Some(mbps) = change
            .bandwidth_mbps
            .filter(|mbps| *mbps > MAX_TRAFFIC_MBPS)
        {
            let eip = self.get(id).await?;
            if eip.charge_mode == Some(ChargeMode::ByTraffic) {
                check_traffic_bandwidth(Some("PayByTraffic"), mbps)?;
            }
        }
        let request = self
            .request(MODIFY)
            .set("AllocationId", id)
            .set_opt("Name", change.name.as_deref())
            .set_opt("Description", change.description.as_deref())
            .set_opt("Bandwidth", change.bandwidth_mbps.map(|b| b.to_string()));
        // Setting absolute values: repeating the request changes nothing more.
        self.write(Call::write(KIND, MODIFY, true), &request, None)
            .await
    }

    async fn release_inner(&self, id: &str) -> Result<()> {
        validate::id("id", id)?;
        let request = self.request(RELEASE).set("AllocationId", id);
        let settle = Settle::new(id, Goal::Released);
        // alibaba.md §3.6: ReleaseEipAddress takes no ClientToken, so it is not idempotent and a
        // lost answer is settled by reading the address back before sending again.
        retry::at_most_once(
            self.retry.max_attempts,
            || async {
                self.write(Call::write(KIND, RELEASE, false), &request, Some(&settle))
                    .await
            },
            || async {
                match self.get(id).await {
                    Err(Error::NotFound { .. }) => Ok(Settled::Applied(())),
                    Ok(eip) if eip.status == EipStatus::Releasing => Ok(Settled::Applied(())),
                    Ok(eip) if eip.status == EipStatus::Available => Ok(Settled::NotApplied),
                    Ok(eip) => Err(Error::InvalidState {
                        current: Some(eip.status),
                        service: None,
                    }),
                    Err(_) => Ok(Settled::Unknown),
                }
            },
        )
        .await
    }
}

#[async_trait]
impl EipProvider for AlibabaProvider {
    fn kind(&self) -> ProviderKind {
        KIND
    }

    fn region(&self) -> &str {
        &self.region
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn allocate(&self, request: &AllocateRequest) -> Result<Eip> {
        self.allocate_inner(request)
            .instrument(tracing::info_span!("alibaba.allocate"))
            .await
    }

    async fn get(&self, id: &str) -> Result<Eip> {
        validate::id("id", id)?;
        let item = self
            .describe(id)
            .await?
            .ok_or_else(|| Error::not_found(format!("eip {id}")))?;
        self.to_eip(&item)
    }

    async fn list_page(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page> {
        self.list_page_inner(filter, page)
            .instrument(tracing::debug_span!("alibaba.list_page", page = ?page.token))
            .await
    }

    async fn associate(&self, id: &str, target: &AssociateTarget) -> Result<()> {
        self.associate_inner(id, target)
            .instrument(tracing::info_span!("alibaba.associate", id, %target))
            .await
    }

    async fn disassociate(&self, id: &str, from: Option<&AssociateTarget>) -> Result<()> {
        let span = tracing::info_span!(
            "alibaba.disassociate",
            id,
            from = from.map(tracing::field::display)
        );
        self.disassociate_inner(id, from).instrument(span).await
    }

    async fn modify(&self, id: &str, change: &Modification) -> Result<()> {
        self.modify_inner(id, change)
            .instrument(tracing::info_span!("alibaba.modify", id))
            .await
    }

    async fn release(&self, id: &str) -> Result<()> {
        self.release_inner(id)
            .instrument(tracing::info_span!("alibaba.release", id))
            .await
    }
}

/// A fresh ClientToken (alibaba.md §3.8: ASCII, at most 64 characters).
fn mint_token() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn subject(request: &RpcRequest) -> Subject<'_> {
    Subject {
        action: request.action,
        eip: request.get("AllocationId"),
        instance: request.get("InstanceId"),
    }
}

fn conflict(eip: &Eip, what: &str) -> Error {
    let holder = eip
        .binding
        .as_ref()
        .map(|b| b.to_string())
        .unwrap_or_else(|| "nothing".into());
    Error::Conflict {
        reason: format!("{}: {what} (now {}, bound to {holder})", eip.id, eip.status),
        service: None,
    }
}

fn check_traffic_bandwidth(charge: Option<&str>, mbps: u32) -> Result<()> {
    if charge == Some("PayByTraffic") && mbps > MAX_TRAFFIC_MBPS {
        return Err(Error::invalid_input(
            "bandwidth_mbps",
            format!("{mbps} Mbit/s is above the {MAX_TRAFFIC_MBPS} Mbit/s PayByTraffic allows"),
        ));
    }
    Ok(())
}

/// What a write is meant to achieve, to recognise that a request whose answer was lost took
/// effect.
#[derive(Clone, Copy, Debug)]
enum Goal<'a> {
    BoundTo(&'a AssociateTarget),
    /// Unbound; `unconditional` when any binding may go (no `from`), so an address someone else
    /// unbound meanwhile is as good as one we unbound.
    Unbound {
        unconditional: bool,
    },
    Released,
}

/// Reconciliation state of one logical write across its attempts.
struct Settle<'a> {
    id: &'a str,
    goal: Goal<'a>,
    /// An earlier attempt may have been processed without us seeing the answer.
    lost: AtomicBool,
    /// An attempt started and has not reported back (the retry loop's attempt timeout drops it).
    in_flight: AtomicBool,
}

impl<'a> Settle<'a> {
    fn new(id: &'a str, goal: Goal<'a>) -> Self {
        Self {
            id,
            goal,
            lost: AtomicBool::new(false),
            in_flight: AtomicBool::new(false),
        }
    }

    fn begin_attempt(&self) {
        if self.in_flight.swap(true, Ordering::SeqCst) {
            self.lost.store(true, Ordering::SeqCst);
        }
    }

    fn end_attempt(&self, error: Option<&Error>) {
        self.in_flight.store(false, Ordering::SeqCst);
        if error.is_some_and(Error::maybe_sent) {
            self.lost.store(true, Ordering::SeqCst);
        }
    }

    /// Whether this refusal could be the echo of our own earlier request.
    fn worth_checking(&self, error: &Error) -> bool {
        let lost = self.lost.load(Ordering::SeqCst);
        match self.goal {
            // A release refused because the address is already going (or gone, after a lost
            // answer) has what it wanted.
            Goal::Released => {
                matches!(error, Error::InvalidState { .. })
                    || (lost && matches!(error, Error::NotFound { .. }))
            }
            Goal::Unbound {
                unconditional: true,
            } => matches!(error, Error::InvalidState { .. } | Error::Conflict { .. }),
            Goal::BoundTo(_) | Goal::Unbound { .. } => {
                lost && matches!(
                    error,
                    Error::InvalidState { .. }
                        | Error::AlreadyAssociated { .. }
                        | Error::Conflict { .. }
                )
            }
        }
    }

    fn reached(&self, now: &Result<Eip>) -> bool {
        match (self.goal, now) {
            (Goal::Released, Err(Error::NotFound { .. })) => true,
            (Goal::Released, Ok(eip)) => eip.status == EipStatus::Releasing,
            (Goal::BoundTo(target), Ok(eip)) => {
                matches!(eip.status, EipStatus::Associating | EipStatus::Bound)
                    && eip.binding.as_ref().is_some_and(|b| b.matches(target))
            }
            (Goal::Unbound { .. }, Ok(eip)) => {
                matches!(eip.status, EipStatus::Unassociating | EipStatus::Available)
            }
            _ => false,
        }
    }
}

fn allocated_without_read(
    answer: &wire::AllocateResponse,
    id: &str,
    request: &AllocateRequest,
    region: &str,
) -> Result<Eip> {
    let address = answer
        .eip_address
        .as_deref()
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| Error::not_found(format!("eip {id} (allocated, but not readable yet)")))?;
    let mut eip = Eip::new(KIND, region, id, address, EipStatus::Available, "Available");
    eip.bandwidth_mbps = request.bandwidth_mbps;
    eip.name = request.name.clone();
    eip.description = request.description.clone();
    eip.charge_mode = request.charge_mode.clone();
    eip.tags = request.tags.clone();
    Ok(eip)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use eip_core::{Binding, TargetKind};

    fn eip(status: EipStatus, bound_to: Option<&str>) -> Eip {
        let mut eip = Eip::new(
            KIND,
            "r",
            "eip-1",
            "1.2.3.4".parse().unwrap(),
            status,
            "raw",
        );
        eip.binding = bound_to.map(|id| {
            let mut b = Binding::new(TargetKind::Instance);
            b.instance_id = Some(id.into());
            b
        });
        eip
    }

    fn state_error(current: EipStatus) -> Error {
        Error::InvalidState {
            current: Some(current),
            service: None,
        }
    }

    #[test]
    fn settling_a_lost_answer() {
        let vm = AssociateTarget::instance("i-1");
        let lost_transport = Error::Transport {
            operation: "x".into(),
            message: "reset".into(),
            maybe_sent: true,
            source: None,
        };

        let bind = Settle::new("eip-1", Goal::BoundTo(&vm));
        assert!(
            !bind.worth_checking(&state_error(EipStatus::Bound)),
            "no answer was lost yet"
        );
        bind.begin_attempt();
        bind.end_attempt(Some(&lost_transport));
        assert!(bind.worth_checking(&state_error(EipStatus::Bound)));
        assert!(bind.reached(&Ok(eip(EipStatus::Associating, Some("i-1")))));
        assert!(bind.reached(&Ok(eip(EipStatus::Bound, Some("i-1")))));
        assert!(
            !bind.reached(&Ok(eip(EipStatus::Bound, Some("i-2")))),
            "bound elsewhere is not ours"
        );
        assert!(!bind.reached(&Ok(eip(EipStatus::Available, None))));

        // An attempt cut off by the attempt timeout never reports back: the next one knows.
        let timed_out = Settle::new("eip-1", Goal::BoundTo(&vm));
        timed_out.begin_attempt();
        timed_out.begin_attempt();
        assert!(timed_out.worth_checking(&Error::AlreadyAssociated { service: None }));

        let release = Settle::new("eip-1", Goal::Released);
        assert!(release.worth_checking(&state_error(EipStatus::Releasing)));
        assert!(
            !release.worth_checking(&Error::not_found("eip eip-1")),
            "gone before we ever sent: a real NotFound"
        );
        release.end_attempt(Some(&lost_transport));
        assert!(release.worth_checking(&Error::not_found("eip eip-1")));
        assert!(release.reached(&Err(Error::not_found("eip eip-1"))));
        assert!(release.reached(&Ok(eip(EipStatus::Releasing, None))));
        assert!(!release.reached(&Ok(eip(EipStatus::Bound, Some("i-1")))));

        let fenced = Settle::new(
            "eip-1",
            Goal::Unbound {
                unconditional: false,
            },
        );
        assert!(
            !fenced.worth_checking(&state_error(EipStatus::Available)),
            "a fenced unbind refused is a refusal"
        );
        let any = Settle::new(
            "eip-1",
            Goal::Unbound {
                unconditional: true,
            },
        );
        assert!(any.worth_checking(&state_error(EipStatus::Available)));
        assert!(any.reached(&Ok(eip(EipStatus::Unassociating, Some("i-1")))));
        assert!(any.reached(&Ok(eip(EipStatus::Available, None))));
        assert!(!any.reached(&Ok(eip(EipStatus::Bound, Some("i-1")))));
    }

    #[test]
    fn traffic_bandwidth_is_capped() {
        assert!(check_traffic_bandwidth(Some("PayByTraffic"), 201).is_err());
        assert!(check_traffic_bandwidth(Some("PayByBandwidth"), 500).is_ok());
    }
}
