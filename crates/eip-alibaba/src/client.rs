//! [`AlibabaProvider`]: the six actions behind [`EipProvider`], retries, reconciliation of lost
//! answers, and the mapping between the API's JSON and the normalized model.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use eip_core::retry::{self, Attempt, Call, RetryPolicy, Timeouts};
use eip_core::validate;
use eip_core::{
    AllocateRequest, AssociateTarget, Capabilities, ChargeMode, DedicatedBandwidth, Eip,
    EipProvider, EipStatus, Error, ListFilter, Modification, Page, PageRequest, PageToken,
    ProviderKind, Region, Result, ServiceError, TagChange, Transitions,
};
use url::Url;

use crate::builder::{AlibabaBuilder, SignatureVersion};
use crate::error::{self, AlibabaClassifier, Subject};
use crate::mapping::{self, wire_target};
use crate::metadata::EcsMetadata;
use crate::rpc::{self, Failure, RpcRequest, Transport};
use crate::wire;
use crate::KIND;
use eip_http::ProvideCredentials;

mod attributes;

const ALLOCATE: &str = "AllocateEipAddress";
const ASSOCIATE: &str = "AssociateEipAddress";
const UNASSOCIATE: &str = "UnassociateEipAddress";
const DESCRIBE: &str = "DescribeEipAddresses";
const MODIFY: &str = "ModifyEipAddressAttribute";
const RELEASE: &str = "ReleaseEipAddress";

/// DescribeEipAddresses: `AllocationId` and `EipAddress` take at most 50 comma-separated values
/// (<https://api.alibabacloud.com/document/Vpc/2016-04-28/DescribeEipAddresses>).
const MAX_LIST_VALUES: usize = 50;
/// AllocateEipAddress and ModifyEipAddressAttribute: PayByTraffic allows at most 200 Mbit/s
/// (PayByBandwidth 500; <https://api.alibabacloud.com/document/Vpc/2016-04-28/AllocateEipAddress>).
const MAX_TRAFFIC_MBPS: u32 = 200;

/// Everything the builder checked.
pub(crate) struct Config {
    pub region: String,
    pub credentials: Arc<dyn ProvideCredentials>,
    pub metadata: EcsMetadata,
    pub endpoint: Url,
    pub signature_version: SignatureVersion,
    pub retry: RetryPolicy,
    pub timeouts: Timeouts,
    pub http: eip_http::HttpClient,
}

/// The Alibaba Cloud EIP provider (VPC API 2016-04-28).
///
/// Build it with [`AlibabaProvider::builder`] (or [`AlibabaBuilder::from_env`]). Every call is
/// validated before anything is sent, retried with the shared loop of `eip_core::retry`, and
/// signed afresh on each attempt; every write except Release carries a ClientToken minted once per
/// call (or the caller's idempotency key for allocate), so a retry never acts twice. Release has
/// no token, but a repeated release cannot act twice either (see below).
///
/// # Writes whose answer was lost
///
/// A timeout, a dropped connection or a gateway 5xx may hide a write the cloud processed. The
/// next attempt of the same call then first reads the address back (one request, inside the one
/// retry loop): already bound to the requested target, unbound, or gone is success, without
/// sending again. A re-sent bind answered `InvalidAssociation.Duplicated` while the address is
/// bound to exactly the requested target, or a re-sent release answered
/// `InvalidAllocationId.NotFound`, is success too. An unbind re-reads the binding before every
/// retry, so it never unbinds an address another mover bound in between.
///
/// # Requests per call
///
/// One attempt makes at most 4 requests: the read-back before a retry, the request, the status
/// read that tells a transition from a stable state after an `IncorrectEipStatus`, and the
/// read-back after a refusal that may echo an earlier attempt. With the default policy (10
/// attempts) one call makes at most 4 × 10 = 40 requests (no lost answer is settled by the
/// loop's own read-backs here, so this is within `RetryPolicy::max_requests_per_call_with(4)`);
/// `associate`, `disassociate` and `release` read the address first, a call of its own (at most
/// 10 more). The attribute writes (tags, shared bandwidth, resource group, deletion
/// protection) are described in their module; allocating with deletion protection adds one
/// call, with a shared bandwidth one call and the wait until the address is a member (one read
/// per poll, see the attributes module).
/// No retry loop runs inside another.
///
/// # Idempotency keys
///
/// [`AllocateRequest::idempotency_key`] is sent as the ClientToken. Alibaba's idempotence page
/// (<https://help.aliyun.com/knowledge_detail/36569.html>) says a repeated token with the same
/// parameters returns "the same result as the first time", and documents **no retention
/// period**: a key may be honoured for as long as Alibaba keeps it. A key replayed after its
/// address was released therefore answers with the old, released AllocationId; the provider
/// reads it back a few times (reads may lag a new address) and then returns
/// [`Error::Conflict`] ("idempotency key already used for a released address"). Use a new key
/// per address.
///
/// # Attributes
///
/// [`ListFilter::tags`] and [`ListFilter::resource_group`] are filtered by the cloud
/// (DescribeEipAddresses `Tag.N.Key`/`Tag.N.Value` and `ResourceGroupId`). `set_tags` reads the
/// address's tags first (ListTagResources) so that more than 20 is refused before sending;
/// `release` reads the address first so that a protected one is refused before sending;
/// allocating with a shared bandwidth or deletion protection adds AddCommonBandwidthPackageIp /
/// DeletionProtection after AllocateEipAddress (it has no parameter for either), and releases the
/// new address again if that fails. The region's lines are [`crate::lines`]; `regions()` asks
/// VPC DescribeRegions, and [`crate::regions_static`] is the documented table.
///
/// Status, lock and target mappings are documented in [`crate::mapping`].
pub struct AlibabaProvider {
    region: String,
    endpoint: Url,
    retry: RetryPolicy,
    timeouts: Timeouts,
    transport: Transport,
    capabilities: Capabilities,
    transitions: Transitions,
    metadata: EcsMetadata,
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
        let capabilities = mapping::capabilities_for(&config.region);
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
            capabilities,
            transitions: Transitions::new(),
            metadata: config.metadata,
        }
    }

    /// The id of the ECS instance this process runs on, from the instance metadata service
    /// (`/latest/meta-data/instance-id`; the endpoint as configured with
    /// [`AlibabaBuilder::with_metadata_endpoint`] or `EIP_ALIBABA_METADATA_ENDPOINT`). For node
    /// agents and `eipctl ... --to self`.
    pub async fn instance_id(&self) -> Result<String> {
        self.metadata.instance_id().await
    }

    /// The region of the ECS instance this process runs on, from instance metadata
    /// (`/latest/meta-data/region-id`).
    pub async fn instance_region(&self) -> Result<String> {
        self.metadata.region_id().await
    }

    /// The credential source the provider signs with (its chain, or what was given).
    pub fn credential_provider(&self) -> &Arc<dyn ProvideCredentials> {
        &self.transport.credentials
    }

    /// Sends one request; when the cloud says its STS token has expired, the credentials are
    /// dropped and asked for again (an environment re-read, a refresh) and, when they changed,
    /// the request is sent once more: a refused request did nothing. When they did not change,
    /// the error names their source.
    async fn send(&self, request: &RpcRequest) -> Result<rpc::Reply> {
        let reply = self.transport.exchange(request).await?;
        if !token_expired(&reply) {
            return Ok(reply);
        }
        let stale = reply.signed_with.clone();
        self.transport.credentials.invalidate(&stale);
        let fresh = self.transport.credentials.credentials().await?;
        if fresh.access_key_id != stale.access_key_id
            || fresh.security_token != stale.security_token
        {
            tracing::debug!(
                source = stale.source,
                "the STS token expired; sending again with fresh credentials"
            );
            return self.transport.exchange(request).await;
        }
        let error = match rpc::read_reply(request.action, reply) {
            Err(Failure::Refused(api)) => error::to_error(api, subject(request), None),
            Err(Failure::Other(error)) => error,
            Ok(_) => return Err(Error::invalid_input("credentials", "unreachable")),
        };
        Err(match error {
            Error::Unauthenticated { service, .. } => Error::Unauthenticated {
                reason: expired_reason(stale.source),
                service,
            },
            other => other,
        })
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The retry policy calls run with (its rate limiter included).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
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
    /// refusal reads the EIP's status first (one request, no retries of its own), so the
    /// classifier can tell a transition (retry) from a stable state.
    async fn attempt<T>(
        &self,
        request: &RpcRequest,
        read: fn(&str, &[u8]) -> Result<T>,
    ) -> Result<T> {
        let reply = self.send(request).await?;
        match rpc::read_reply(request.action, reply) {
            Ok(body) => read(request.action, &body),
            Err(Failure::Other(error)) => Err(error),
            Err(Failure::Refused(api)) => {
                let subject = subject(request);
                let current = match subject.eip {
                    Some(id) if error::classify(&api.code, api.http_status).needs_eip_status() => {
                        self.read_once(id).await.ok().flatten().map(|item| {
                            mapping::status_from_alibaba(item.status.as_deref().unwrap_or_default())
                        })
                    }
                    _ => None,
                };
                Err(error::to_error(api, subject, current))
            }
        }
    }

    /// The EIP as one DescribeEipAddresses request reports it (`None`: it does not exist), with
    /// no retries of its own: the extra read an attempt makes inside the one retry loop.
    async fn read_once(&self, id: &str) -> Result<Option<wire::EipAddress>> {
        let request = self.request(DESCRIBE).set("AllocationId", id);
        let reply = self.send(&request).await?;
        let page: wire::DescribeResponse = match rpc::read_reply(DESCRIBE, reply) {
            Ok(body) => rpc::read_answer(DESCRIBE, &body)?,
            Err(Failure::Refused(api)) => {
                return Err(error::to_error(api, subject(&request), None))
            }
            Err(Failure::Other(error)) => return Err(error),
        };
        Ok(find(page, id))
    }

    /// Runs a request through the one retry loop, its 2xx body read by `read`.
    ///
    /// With a `goal`, the address is read back (one request per check, inside the loop) before
    /// a retry when an earlier attempt may have been processed (always, for an unbind: the fence
    /// re-check), and after a refusal that may be the echo of an earlier attempt. When the goal
    /// already holds, the call succeeded (`Ok(None)`) without sending again.
    async fn execute<T>(
        &self,
        call: Call,
        request: &RpcRequest,
        goal: Option<Goal<'_>>,
        read: fn(&str, &[u8]) -> Result<T>,
    ) -> Result<Option<T>> {
        // The read-back is the loop's re-check hook: when it fails (throttled) it is read
        // again without using up one of the call's attempts.
        let recheck = |attempt: Attempt| async move {
            let Some(goal) = goal else {
                return Ok(None);
            };
            if attempt.number > 1 && (attempt.earlier_maybe_processed || goal.recheck_every_retry())
            {
                match self.check(goal, attempt.earlier_maybe_processed).await {
                    Ok(Check::Reached) => return Ok(Some(None)),
                    Ok(Check::NotYet) => {}
                    Ok(Check::Refused(error)) => return Err(error),
                    // The fence of an unbind must not be skipped; a bind (its ClientToken) or a
                    // release (it cannot act twice) is safely sent without the read-back.
                    Err(error) if goal.recheck_every_retry() => return Err(error),
                    Err(error) => tracing::debug!(%error, "the read-back failed; sending again"),
                }
            }
            Ok(None)
        };
        let attempt = |attempt: Attempt| async move {
            let Some(goal) = goal else {
                return self.attempt(request, read).await.map(Some);
            };
            match self.attempt(request, read).await {
                // The cloud itself says the address is gone: an earlier release took effect,
                // whatever a lagging read would still show.
                Err(Error::NotFound { .. })
                    if attempt.earlier_maybe_processed && matches!(goal, Goal::Released { .. }) =>
                {
                    Ok(None)
                }
                Err(error) if attempt.earlier_maybe_processed && goal.may_echo(&error) => {
                    match self.check(goal, true).await {
                        Ok(Check::Reached) => {
                            tracing::debug!(%error, "an earlier attempt took effect; the call is done");
                            Ok(None)
                        }
                        _ => Err(error),
                    }
                }
                outcome => outcome.map(Some),
            }
        };
        retry::run_rechecked(
            &call,
            &self.retry,
            &self.timeouts,
            &AlibabaClassifier,
            recheck,
            attempt,
            || async { Ok(retry::Settled::Unknown) },
        )
        .await
    }

    /// Reads the address back (one request) and says whether `goal` holds, or why sending again
    /// would be wrong ([`Check::Refused`]); `Err` when the read itself failed.
    async fn check(&self, goal: Goal<'_>, earlier_maybe_processed: bool) -> Result<Check> {
        let Some(item) = self.read_once(goal.id()).await? else {
            return match goal {
                Goal::Released { .. } => Ok(Check::Reached),
                _ => Ok(Check::Refused(Error::not_found(format!(
                    "eip {}",
                    goal.id()
                )))),
            };
        };
        let eip = self.to_eip(&item)?;
        let unbinding = matches!(eip.status, EipStatus::Unassociating | EipStatus::Available);
        match goal {
            Goal::Released { .. } if eip.status == EipStatus::Releasing => Ok(Check::Reached),
            Goal::Released { .. } => Ok(Check::NotYet),
            Goal::BoundTo { target, .. } => {
                let ours = eip.binding.as_ref().is_some_and(|b| b.matches(target));
                match eip.status {
                    EipStatus::Associating | EipStatus::Bound if ours => Ok(Check::Reached),
                    EipStatus::Locked => Ok(Check::Refused(locked(&eip, ASSOCIATE))),
                    _ => Ok(Check::NotYet),
                }
            }
            Goal::UnboundFrom {
                instance, fenced, ..
            } => {
                let named = item.instance_id.as_deref() == Some(instance);
                if unbinding && (earlier_maybe_processed || !fenced) {
                    Ok(Check::Reached)
                } else if unbinding {
                    Ok(Check::Refused(conflict(
                        &eip,
                        &format!("it is no longer bound to {instance}: someone else unbound it"),
                    )))
                } else if named && matches!(eip.status, EipStatus::Bound | EipStatus::Associating) {
                    Ok(Check::NotYet)
                } else if eip.status == EipStatus::Locked {
                    Ok(Check::Refused(locked(&eip, UNASSOCIATE)))
                } else {
                    Ok(Check::Refused(conflict(
                        &eip,
                        &format!("it is no longer bound to {instance}"),
                    )))
                }
            }
        }
    }

    /// Runs a write whose answer carries nothing but its request id.
    async fn write(&self, call: Call, request: &RpcRequest, goal: Option<Goal<'_>>) -> Result<()> {
        self.execute(call, request, goal, |_, body| {
            rpc::acknowledge(body);
            Ok(())
        })
        .await
        .map(drop)
    }

    async fn read(&self, call: Call, request: &RpcRequest) -> Result<wire::DescribeResponse> {
        match self.execute(call, request, None, rpc::read_answer).await? {
            Some(page) => Ok(page),
            // Without a goal an answer is always read; an empty body reads as one would.
            None => rpc::read_answer(DESCRIBE, b""),
        }
    }

    /// The EIP as the API reports it, or `None` when it does not exist.
    async fn describe(&self, id: &str) -> Result<Option<wire::EipAddress>> {
        let request = self.request(DESCRIBE).set("AllocationId", id);
        let page = self
            .read(Call::read(KIND, DESCRIBE).on(id), &request)
            .await?;
        Ok(find(page, id))
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
            .set_opt("ResourceGroupId", request.resource_group.as_deref())
            .set_opt("IpAddress", request.address.map(|a| a.to_string()))
            .set_opt("PublicIpAddressPoolId", request.address_pool_id.as_deref())
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
        let eip = match self.get(&id).await {
            // A replayed key answers with the AllocationId of its first allocation, which may
            // have been released since (see `AlibabaProvider`'s idempotency notes).
            Err(Error::NotFound { .. }) if request.idempotency_key.is_some() => {
                self.read_lagging_allocation(&id).await
            }
            // A fresh token cannot be a replay: the address is new, and AllocateEipAddress is
            // synchronous ("the new EIP is Available"), so the answer and the request describe
            // it while reads lag behind.
            Err(Error::NotFound { .. }) => {
                allocated_without_read(&answer, &id, request, &self.region)
            }
            other => other,
        }?;
        self.finish_allocation(eip, request).await
    }

    /// After a keyed allocation answered with an id that reads as missing: the address is new
    /// and reads lag (it appears within a few spaced reads), or the key was used before for an
    /// address released since, which Alibaba answers with the old AllocationId: a conflict,
    /// never an invented address.
    async fn read_lagging_allocation(&self, id: &str) -> Result<Eip> {
        // Spaced like the settling of a lost answer: "gone" is believed once the window has
        // passed.
        let settle = self.retry.settle;
        let policy = eip_core::WaitPolicy::default()
            .first_delay(settle.spacing)
            .intervals(settle.spacing, settle.spacing)
            .max_wait(settle.window);
        let found = eip_core::wait::poll(&policy, || async {
            Ok(match self.describe(id).await? {
                Some(item) => eip_core::wait::Progress::Done(item),
                None => eip_core::wait::Progress::Pending(None),
            })
        })
        .await;
        match found {
            Ok(item) => self.to_eip(&item),
            Err(Error::WaitTimeout { .. }) => Err(Error::Conflict {
                reason: format!(
                    "idempotency key already used for a released address: AllocateEipAddress \
                     answered with {id}, which no longer exists; use a new key"
                ),
                service: None,
            }),
            Err(other) => Err(other),
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
        let answer = self.read(Call::read(KIND, DESCRIBE), &request).await?;
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
            .set_opt("ResourceGroupId", filter.resource_group.as_deref())
            .tags(&filter.tags))
    }

    async fn associate_inner(&self, id: &str, target: &AssociateTarget) -> Result<()> {
        validate::id("id", id)?;
        target.validate(&self.capabilities)?;
        let wire_target = wire_target(target)?;
        // A locked address refuses every change; say so, naming the lock, before sending one.
        let eip = self.get(id).await?;
        if eip.status == EipStatus::Locked {
            return Err(locked(&eip, ASSOCIATE));
        }
        let request = self
            .request(ASSOCIATE)
            .set("AllocationId", id)
            .set("InstanceId", wire_target.instance_id)
            .set("InstanceType", wire_target.instance_type)
            .set_opt("PrivateIpAddress", wire_target.private_ip)
            .set("ClientToken", mint_token());
        let goal = Goal::BoundTo { id, target };
        self.write(
            Call::write(KIND, ASSOCIATE, true).on(id),
            &request,
            Some(goal),
        )
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
        if eip.status == EipStatus::Locked {
            return Err(locked(&eip, UNASSOCIATE));
        }
        let bound = matches!(eip.status, EipStatus::Bound | EipStatus::Associating);
        let Some(instance) = item.instance_id.as_deref().filter(|_| bound) else {
            return match from {
                None => Ok(()),
                Some(from) => Err(conflict(&eip, &format!("it is not bound to {from}"))),
            };
        };
        if let Some(from) = from {
            if !eip.binding.as_ref().is_some_and(|b| b.matches(from)) {
                return Err(conflict(&eip, &format!("it is not bound to {from}")));
            }
        }
        // The InstanceId sent is the one just read (or the caller's `from`, which matched). No
        // Alibaba document says the cloud refuses an unbind naming another instance, so the fence
        // is this read and the re-read before every retry: another mover can still bind the
        // address between the read and the request (the window RELIABILITY.md states).
        let request = self
            .request(UNASSOCIATE)
            .set("AllocationId", id)
            .set("InstanceId", instance)
            .set(
                "InstanceType",
                item.instance_type
                    .clone()
                    .unwrap_or_else(|| mapping::DEFAULT_INSTANCE_TYPE.into()),
            )
            .set("ClientToken", mint_token());
        let goal = Goal::UnboundFrom {
            id,
            instance,
            fenced: from.is_some(),
        };
        self.write(
            Call::write(KIND, UNASSOCIATE, true).on(id),
            &request,
            Some(goal),
        )
        .await
    }

    async fn modify_inner(&self, id: &str, change: &Modification) -> Result<()> {
        validate::id("id", id)?;
        change.validate(&self.capabilities)?;
        // The ModifyEipAddressAttribute reference (AlibabaCloudDocs/eip, `intl.en-US/API
        // Reference/Elastic IP Address/ModifyEipAddressAttribute.md`) wants 2–128 characters where
        // the AllocateEipAddress one allows 1–128; refuse what Modify would refuse.
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
        self.write(Call::write(KIND, MODIFY, true).on(id), &request, None)
            .await
    }

    async fn release_inner(&self, id: &str) -> Result<()> {
        validate::id("id", id)?;
        // A protected address is refused by the cloud (`InvalidOperation.DeletionProtection`,
        // ReleaseEipAddress error table); say so before sending, from one read. An address the
        // read does not show (reads may lag a new one) is left to the cloud to judge.
        if let Some(item) = self.describe(id).await? {
            let eip = self.to_eip(&item)?;
            if eip.deletion_protection == Some(true) {
                return Err(protected(&eip));
            }
        }
        let request = self.request(RELEASE).set("AllocationId", id);
        let goal = Goal::Released { id };
        // ReleaseEipAddress takes no ClientToken (its API reference lists none), but repeating
        // it has no further effect: an address is released once, and a repeat is refused
        // (`InvalidAllocationId.NotFound`, `IncorrectEipStatus` while Releasing). So it runs as
        // an idempotent call whose retries read the address back first (gone or Releasing:
        // done, without sending again), and whose repeat refused as not found after an attempt
        // that may have landed is success.
        self.write(
            Call::write(KIND, RELEASE, true).on(id),
            &request,
            Some(goal),
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

    fn transitions(&self) -> Option<&Transitions> {
        Some(&self.transitions)
    }

    async fn allocate(&self, request: &AllocateRequest) -> Result<Eip> {
        self.allocate_inner(request).await
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
        self.list_page_inner(filter, page).await
    }

    async fn associate(&self, id: &str, target: &AssociateTarget) -> Result<()> {
        self.associate_inner(id, target).await
    }

    async fn disassociate(&self, id: &str, from: Option<&AssociateTarget>) -> Result<()> {
        self.disassociate_inner(id, from).await
    }

    async fn modify(&self, id: &str, change: &Modification) -> Result<()> {
        self.modify_inner(id, change).await
    }

    async fn release(&self, id: &str) -> Result<()> {
        self.release_inner(id).await
    }

    async fn set_tags(&self, id: &str, change: &TagChange) -> Result<()> {
        self.set_tags_inner(id, change).await
    }

    async fn join_shared_bandwidth(&self, id: &str, bandwidth_id: &str) -> Result<()> {
        self.join_inner(id, bandwidth_id).await
    }

    async fn leave_shared_bandwidth(&self, id: &str, dedicated: &DedicatedBandwidth) -> Result<()> {
        self.leave_inner(id, dedicated).await
    }

    async fn move_resource_group(&self, id: &str, group: &str) -> Result<()> {
        self.move_group_inner(id, group).await
    }

    async fn set_deletion_protection(&self, id: &str, enabled: bool) -> Result<()> {
        self.protect_inner(id, enabled).await
    }

    async fn regions(&self) -> Result<Vec<Region>> {
        self.regions_inner().await
    }
}

/// A fresh ClientToken: ASCII, at most 64 characters (idempotence,
/// <https://help.aliyun.com/knowledge_detail/36569.html>).
fn mint_token() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// What a request is about. The attribute actions name the EIP in their own parameters
/// (`ResourceId.1`, `ResourceId`, `IpInstanceId`, and `InstanceId` for DeletionProtection).
fn subject(request: &RpcRequest) -> Subject<'_> {
    let protection = request.action == attributes::PROTECT;
    let eip = request
        .get("AllocationId")
        .or_else(|| request.get("ResourceId.1"))
        .or_else(|| request.get("ResourceId"))
        .or_else(|| request.get("IpInstanceId"))
        .or_else(|| request.get("InstanceId").filter(|_| protection));
    Subject {
        action: request.action,
        eip,
        instance: request.get("InstanceId").filter(|_| !protection),
        package: request.get("BandwidthPackageId"),
        pool: request.get("PublicIpAddressPoolId"),
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

/// What a write is meant to achieve, to recognise by reading the address back that an earlier
/// attempt took effect.
#[derive(Clone, Copy, Debug)]
enum Goal<'a> {
    /// Bound (or being bound) to the target.
    BoundTo {
        id: &'a str,
        target: &'a AssociateTarget,
    },
    /// No longer bound to the instance the unbind names; `fenced` when the caller asked for
    /// that instance (a move), so that an address someone else unbound is a conflict.
    UnboundFrom {
        id: &'a str,
        instance: &'a str,
        fenced: bool,
    },
    /// Released or being released.
    Released { id: &'a str },
}

impl Goal<'_> {
    fn id(&self) -> &str {
        match self {
            Self::BoundTo { id, .. } | Self::UnboundFrom { id, .. } | Self::Released { id } => id,
        }
    }

    /// An unbind re-reads the binding before every retry, so that it never unbinds an address
    /// another mover bound in between.
    fn recheck_every_retry(&self) -> bool {
        matches!(self, Self::UnboundFrom { .. })
    }

    /// Whether this refusal could be the cloud's answer to a request repeating one that took
    /// effect: `InvalidAssociation.Duplicated` or a wrong state for a repeated bind, a wrong
    /// binding or state for a repeated unbind, `InvalidAllocationId.NotFound` for a repeated
    /// release.
    fn may_echo(&self, error: &Error) -> bool {
        match self {
            Self::BoundTo { .. } => matches!(
                error,
                Error::AlreadyAssociated { .. }
                    | Error::InvalidState { .. }
                    | Error::Conflict { .. }
            ),
            Self::UnboundFrom { .. } => matches!(
                error,
                Error::InvalidState { .. } | Error::Conflict { .. } | Error::Service { .. }
            ),
            Self::Released { .. } => {
                matches!(error, Error::NotFound { .. } | Error::InvalidState { .. })
            }
        }
    }
}

/// What reading the address back showed.
#[derive(Debug)]
enum Check {
    /// The goal holds: the call is done.
    Reached,
    /// It does not hold yet: sending (again) is right.
    NotYet,
    /// Sending again would be wrong (bound elsewhere, locked, gone): the call ends with this.
    Refused(Error),
}

/// The item of a page describing `id`. An unknown or released AllocationId answers 200 with an
/// empty list (DescribeEipAddresses API reference), so absent means gone.
fn find(page: wire::DescribeResponse, id: &str) -> Option<wire::EipAddress> {
    page.eip_addresses
        .into_iter()
        .flat_map(|e| e.eip_address)
        .find(|e| e.allocation_id.as_deref() == Some(id))
}

/// The refusal of a change to a locked address, naming the lock; nothing was sent.
fn locked(eip: &Eip, action: &str) -> Error {
    let lock = mapping::lock_of(eip).unwrap_or("unknown reason");
    let service = ServiceError::new(
        KIND,
        action,
        "OperationLocks",
        format!(
            "{} is locked by Alibaba Cloud ({lock}); the request was not sent: no change \
             succeeds until the lock is lifted",
            eip.id
        ),
    );
    Error::InvalidState {
        current: Some(EipStatus::Locked),
        service: Some(Box::new(service)),
    }
}

/// The refusal to release a protected address; nothing was sent.
fn protected(eip: &Eip) -> Error {
    let service = ServiceError::new(
        KIND,
        RELEASE,
        "DeletionProtection",
        format!(
            "{} has deletion protection on; the release was not sent: turn it off with \
             set_deletion_protection first",
            eip.id
        ),
    );
    Error::InvalidState {
        current: Some(eip.status.clone()),
        service: Some(Box::new(service)),
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
    eip.resource_group = request.resource_group.clone();
    eip.bandwidth_kind = Some(eip_core::BandwidthKind::Dedicated);
    eip.deletion_protection = Some(false);
    Ok(eip)
}

/// Whether a refusal is `InvalidSecurityToken.Expired` (the STS token's end: the
/// STS error codes, <https://api.alibabacloud.com/document/Sts/2015-04-01/errorCode>).
fn token_expired(reply: &rpc::Reply) -> bool {
    (400..500).contains(&reply.status)
        && serde_json::from_slice::<wire::ErrorBody>(&reply.body)
            .ok()
            .and_then(|body| body.code)
            .is_some_and(|code| code == "InvalidSecurityToken.Expired")
}

/// What to do about an expired token, by where it came from.
fn expired_reason(source: &str) -> String {
    match source {
        "environment" => format!(
            "the STS security token of {} has expired and the environment holds no newer one; \
             set fresh temporary credentials",
            crate::credential::SECURITY_TOKEN_VARS[0]
        ),
        "profile" => "the STS token of the CLI profile (mode StsToken) has expired; renew it in \
                      the profile file"
            .to_owned(),
        "static" => "the STS security token given to the builder has expired; build the \
                     provider with a credential provider that refreshes"
            .to_owned(),
        source => format!(
            "the STS security token from {source} has expired and refreshing gave the same one"
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_locked_refusal_names_the_lock() {
        let item: wire::EipAddress = serde_json::from_str(
            r#"{"AllocationId":"eip-1","IpAddress":"1.2.3.4","Status":"InUse","InstanceId":"i-1",
                "OperationLocks":{"LockReason":[{"LockReason":"security"}]}}"#,
        )
        .unwrap();
        let error = locked(&mapping::to_eip(&item, "r").unwrap(), ASSOCIATE);
        assert!(matches!(
            error,
            Error::InvalidState {
                current: Some(EipStatus::Locked),
                ..
            }
        ));
        assert!(!error.is_retryable());
        let text = error.to_string();
        assert!(
            text.contains("security") && text.contains("eip-1"),
            "{text}"
        );
    }

    #[test]
    fn which_refusals_may_echo_an_earlier_attempt() {
        let vm = AssociateTarget::instance("i-1");
        let bind = Goal::BoundTo {
            id: "e",
            target: &vm,
        };
        assert!(bind.may_echo(&Error::AlreadyAssociated { service: None }));
        assert!(!bind.may_echo(&Error::not_found("eip e")));
        let release = Goal::Released { id: "e" };
        assert!(release.may_echo(&Error::not_found("eip e")));
        assert!(!release.may_echo(&Error::invalid_input("id", "x")));
        let unbind = Goal::UnboundFrom {
            id: "e",
            instance: "i-1",
            fenced: true,
        };
        assert!(unbind.recheck_every_retry() && !bind.recheck_every_retry());
    }

    #[test]
    fn traffic_bandwidth_is_capped() {
        assert!(check_traffic_bandwidth(Some("PayByTraffic"), 201).is_err());
        assert!(check_traffic_bandwidth(Some("PayByBandwidth"), 500).is_ok());
    }
}
