//! [`HuaweiProvider`]: the [`EipProvider`] operations over VPC v1 `publicips`, `ports` and
//! `bandwidths`; tags, shared-bandwidth membership and enterprise projects in the submodules.

mod bandwidths;
mod projects;
mod tags;

use std::fmt;
use std::sync::atomic::AtomicBool;

use async_trait::async_trait;
use eip_core::paginate;
use eip_core::retry::{Attempt, Settled};
use eip_core::{
    validate, AllocateRequest, AssociateTarget, Capabilities, DedicatedBandwidth, Eip, EipProvider,
    EipStatus, Error, ListFilter, Modification, Page, PageRequest, PageToken, ProviderKind, Region,
    TagChange, Transitions,
};
use futures::TryStreamExt;
use reqwest::Method;

use crate::builder::HuaweiBuilder;
use crate::credential::PasswordAuth;
use crate::mapping::{
    self, check_bandwidth_step, check_line, default_line, eip_from, parse_create_time,
    resolve_binding, status_of, MAX_PAGE_SIZE,
};
use crate::ports::{id_of, named_port, port_holding, primary_port, PortCache};
use crate::stamp::{create_request, stamp_for, Stamp};
use crate::transport::{call_of, Answer, Transport, VpcRequest};
use crate::wire::{
    self, Port, PortEnvelope, PortList, Publicip, PublicipEnvelope, PublicipList, UpdateBandwidth,
    UpdateBandwidthRequest, UpdatePublicip, UpdateRequest,
};
use crate::KIND;

/// Added to every list (and the idempotency search): without it, EIPs of enterprise projects
/// other than the default one are not listed ("all_granted_eps" lists every enterprise project
/// the caller may see, <https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0003.html>).
const ALL_ENTERPRISE_PROJECTS: (&str, &str) = ("enterprise_project_id", "all_granted_eps");

/// Which reads a step makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reads {
    /// Through the retry loop.
    Retried,
    /// One attempt: the reads that settle a lost write, inside a loop of their own.
    Once,
}

/// The Huawei Cloud Elastic IP provider (VPC v1 API).
///
/// Build it with [`HuaweiProvider::builder`]. It authenticates with an IAM password token
/// (cached, shared by concurrent callers, replaced before expiry and after a 401) or with AK/SK
/// signatures, retries what the cloud says is transient, and validates every argument before
/// sending anything.
///
/// Notes on the v1 API that shape the behaviour:
/// - **allocate** is made exactly-once by a stamp (see "Exactly-once allocation" in the crate
///   docs): the bandwidth name of a dedicated bandwidth carries the idempotency marker, so
///   [`EipProvider::modify`] never renames the bandwidth;
/// - **disassociate** with `from` re-reads the binding just before unbinding; the v1 PUT has no
///   condition, so a bind by someone else in that instant is undone (a residual race, see
///   [`Capabilities::conditional_disassociate`]);
/// - **release** of a bound address is refused by the cloud (`VPC.0517`) and reported as
///   [`Error::InvalidState`], never silently unbound.
///
/// `Debug` shows the region, endpoints and user or access key id, never a secret or token.
pub struct HuaweiProvider {
    region: String,
    capabilities: Capabilities,
    transport: Transport,
    ports: PortCache,
    transitions: Transitions,
}

impl fmt::Debug for HuaweiProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiProvider")
            .field("region", &self.region)
            .field("transport", &self.transport)
            .finish()
    }
}

impl HuaweiProvider {
    /// A builder.
    pub fn builder() -> HuaweiBuilder {
        HuaweiBuilder::new()
    }

    pub(crate) fn new(region: String, transport: Transport) -> Self {
        Self {
            capabilities: mapping::capabilities(&region),
            region,
            transport,
            ports: PortCache::default(),
            transitions: Transitions::new(),
        }
    }

    /// Forgets the cached IAM token and a remembered password refusal, so that the next call
    /// asks IAM again (after the password was fixed on the IAM side, for instance). A refused
    /// password is otherwise not tried again for the builder's refusal memory (5 minutes by
    /// default, [`HuaweiBuilder::with_auth_refusal_memory`]). Nothing to do with AK/SK.
    pub async fn reset_auth(&self) {
        self.transport.reset_auth().await;
    }

    /// Replaces the IAM password credentials (a rotated password) without rebuilding the
    /// provider: the cached token and any remembered refusal are dropped. An
    /// [`Error::InvalidInput`] on `credentials` for a provider that signs with AK/SK, or on the
    /// empty field.
    pub async fn set_password(&self, auth: PasswordAuth) -> Result<(), Error> {
        crate::builder::check_password(&auth)?;
        self.transport.set_password(auth).await
    }

    /// The id of the ECS this process runs on, from its metadata service (`uuid` of
    /// `/openstack/latest/meta_data.json`; 1 s to connect, 1 s to read): for `--instance self`.
    pub async fn instance_id(&self) -> Result<String, Error> {
        Ok(self.transport.metadata.identity().await?.instance_id)
    }

    /// The identity of the ECS this process runs on (id, zone, region), from its metadata
    /// service.
    pub async fn instance_identity(&self) -> Result<crate::InstanceIdentity, Error> {
        self.transport.metadata.identity().await
    }

    /// Where the provider's credentials come from: `"password"`, `"access-key"`, or the
    /// credential source (`"environment"`, `"profile"`, `"koocli"`, `"oidc"`, `"ecs-metadata"`,
    /// `"agency"`...) once the chain has found one.
    pub fn credential_source(&self) -> &'static str {
        self.transport.credential_source()
    }

    /// The retry policy every call uses (its rate limiter included).
    pub fn retry_policy(&self) -> &eip_core::RetryPolicy {
        &self.transport.retry
    }

    /// IAM token requests made so far (always 0 with AK/SK), for tests and benchmarks.
    pub fn iam_requests(&self) -> u64 {
        self.transport.iam_requests()
    }

    // ---- reads ----

    async fn read(&self, request: &VpcRequest, reads: Reads) -> Result<Answer, Error> {
        match reads {
            Reads::Retried => self.transport.vpc(request).await,
            Reads::Once => self.transport.vpc_once(request).await,
        }
    }

    async fn show_raw(&self, id: &str, reads: Reads) -> Result<Publicip, Error> {
        let request = VpcRequest::get(
            "ShowPublicip",
            format!("publicips/{id}"),
            Vec::new(),
            format!("eip {id}"),
        )
        .on(id);
        let answer = self.read(&request, reads).await?;
        let envelope: PublicipEnvelope = wire::parse(
            request.action,
            answer.status,
            answer.request_id.as_deref(),
            &answer.body,
        )?;
        envelope.publicip.ok_or_else(|| Error::InvalidResponse {
            operation: request.action.to_owned(),
            reason: "no publicip object".to_owned(),
            http_status: Some(answer.status),
            request_id: answer.request_id,
        })
    }

    async fn show(&self, id: &str) -> Result<Eip, Error> {
        let raw = self.show_raw(id, Reads::Retried).await?;
        let mut eips = vec![eip_from("ShowPublicip", &self.region, &raw)?];
        self.resolve_bindings(&mut eips).await?;
        Ok(eips.remove(0))
    }

    async fn list_raw(
        &self,
        mut query: Vec<(String, String)>,
        reads: Reads,
    ) -> Result<Vec<Publicip>, Error> {
        let (key, value) = ALL_ENTERPRISE_PROJECTS;
        if !query.iter().any(|(k, _)| k == key) {
            query.push((key.to_owned(), value.to_owned()));
        }
        let request = VpcRequest::get(
            "ListPublicips",
            "publicips".to_owned(),
            query,
            "eips".to_owned(),
        );
        let answer = self.read(&request, reads).await?;
        let list: PublicipList = wire::parse(
            request.action,
            answer.status,
            answer.request_id.as_deref(),
            &answer.body,
        )?;
        Ok(list.publicips)
    }

    async fn ports(
        &self,
        query: Vec<(String, String)>,
        resource: String,
    ) -> Result<Vec<Port>, Error> {
        let request = VpcRequest::get("ListPorts", "ports".to_owned(), query, resource);
        let answer = self.transport.vpc(&request).await?;
        let list: PortList = wire::parse(
            request.action,
            answer.status,
            answer.request_id.as_deref(),
            &answer.body,
        )?;
        Ok(list.ports)
    }

    /// One port by id, `GET /v1/{project_id}/ports/{port_id}` (ShowPort, huaweicloudsdkvpc
    /// `v2/vpc_client.py` `show_port`); `None` when it no longer exists.
    async fn show_port(&self, id: &str) -> Result<Option<Port>, Error> {
        let request = VpcRequest::get(
            "ShowPort",
            format!("ports/{id}"),
            Vec::new(),
            format!("network interface {id}"),
        );
        let answer = match self.transport.vpc(&request).await {
            Ok(answer) => answer,
            Err(Error::NotFound { .. }) => return Ok(None),
            Err(other) => return Err(other),
        };
        let envelope: PortEnvelope = wire::parse(
            request.action,
            answer.status,
            answer.request_id.as_deref(),
            &answer.body,
        )?;
        Ok(envelope.port.filter(|p| p.id.as_deref() == Some(id)))
    }

    /// Fills in the instance behind each bound address from the port cache, reading each port
    /// not cached yet once by its id (ShowPort). The v1 ListPorts documents `id` as ONE string
    /// ("id: String", <https://support.huaweicloud.com/intl/en-us/api-vpc/vpc_port01_0003.html>;
    /// the SDK model `ListPortsRequest` types it `str`), so several ids in one query are not
    /// something the API promises to honour.
    async fn resolve_bindings(&self, eips: &mut [Eip]) -> Result<(), Error> {
        let mut port_ids: Vec<String> = eips
            .iter()
            .filter_map(|e| e.binding.as_ref().and_then(|b| b.nic_id.clone()))
            .filter(|id| self.ports.get(id).is_none())
            .collect();
        port_ids.sort();
        port_ids.dedup();
        for id in &port_ids {
            // An id from the cloud goes into a path: checked like a caller's.
            if validate::id("port_id", id).is_err() {
                continue;
            }
            if let Some(port) = self.show_port(id).await? {
                self.ports.insert([&port]);
            }
        }
        for eip in eips.iter_mut() {
            let port = eip
                .binding
                .as_ref()
                .and_then(|b| b.nic_id.as_deref())
                .and_then(|id| self.ports.get(id));
            if let Some(port) = port {
                resolve_binding(eip, std::slice::from_ref(&port));
            }
        }
        Ok(())
    }

    /// Every live address carrying `stamp`, listing every page.
    async fn all_stamped(&self, stamp: &Stamp, reads: Reads) -> Result<Vec<Publicip>, Error> {
        // The stamp may sit in the bandwidth name, which the normalized model does not carry, so
        // the raw pages are searched (through the shared page walk).
        let mut pages = paginate::walk(None, |marker| async move {
            let mut query = vec![("limit".to_owned(), MAX_PAGE_SIZE.to_string())];
            if let Some(PageToken::Marker(marker)) = marker {
                query.push(("marker".to_owned(), marker));
            }
            let page = self.list_raw(query, reads).await?;
            let next = next_marker(&page, MAX_PAGE_SIZE);
            Ok((page, next))
        });
        let mut found = Vec::new();
        while let Some(ip) = pages.try_next().await? {
            // An address being released with the same key is gone for this purpose.
            let releasing =
                status_of(ip.status.as_deref().unwrap_or_default()) == EipStatus::Releasing;
            if stamp.is_on(&ip) && !releasing {
                found.push(ip);
            }
        }
        Ok(found)
    }

    /// The address carrying `stamp` that every caller keeps ([`winner`]), if any.
    async fn find_stamped(&self, stamp: &Stamp, reads: Reads) -> Result<Option<Eip>, Error> {
        let found = self.all_stamped(stamp, reads).await?;
        match winner(&found) {
            Some(ip) => self.resolved(ip).await.map(Some),
            None => Ok(None),
        }
    }

    /// `ip` as an [`Eip`], its binding resolved.
    async fn resolved(&self, ip: &Publicip) -> Result<Eip, Error> {
        let mut eips = vec![eip_from("ListPublicips", &self.region, ip)?];
        self.resolve_bindings(&mut eips).await?;
        eips.pop().ok_or_else(|| Error::InvalidResponse {
            operation: "ListPublicips".to_owned(),
            reason: "no address".to_owned(),
            http_status: None,
            request_id: None,
        })
    }

    /// After a keyed create: when other callers with the same key created addresses too (two
    /// processes allocating at once both found none before creating), every caller keeps the
    /// same [`winner`] and releases the address it created itself if that one lost.
    async fn reconcile(
        &self,
        stamp: &Stamp,
        ours: Eip,
        created: Option<&str>,
    ) -> Result<Eip, Error> {
        if created.is_some() || is_fresh(&ours) {
            // Look only once the second of this address's create has ended: an address made in
            // the same second (the tie the lowest id breaks) is then listed for us as for its
            // maker, and one made later is newer, so every caller picks the same winner.
            tokio::time::sleep(CREATE_TIME_RESOLUTION).await;
        }
        let found = self.all_stamped(stamp, Reads::Retried).await?;
        let Some(kept) = winner(&found) else {
            // Our own address is not listed yet (reads lag): nothing to compare it with.
            return Ok(ours);
        };
        if kept.id.as_deref() == Some(ours.id.as_str()) {
            return Ok(ours);
        }
        let kept = self.resolved(kept).await?;
        if let Some(mine) = created.filter(|mine| *mine != kept.id) {
            tracing::info!(released = mine, kept = %kept.id, "another caller with this idempotency key allocated first; releasing ours");
            self.release_checked(mine).await?;
        }
        Ok(kept)
    }

    // ---- writes ----

    fn create_request(body: &[u8]) -> VpcRequest {
        VpcRequest {
            action: "CreatePublicip",
            method: Method::POST,
            path: "publicips".to_owned(),
            query: Vec::new(),
            body: Some(body.to_vec()),
            idempotent: false,
            resource: "eip".to_owned(),
            id: None,
        }
    }

    /// One create attempt (in the caller's loop), its answer read into an [`Eip`].
    async fn create_once(
        &self,
        body: &[u8],
        request: &AllocateRequest,
        reauthenticated: &AtomicBool,
    ) -> Result<Eip, Error> {
        let call = Self::create_request(body);
        let answer = self.transport.send_once(&call, reauthenticated).await?;
        let envelope: PublicipEnvelope = wire::parse(
            call.action,
            answer.status,
            answer.request_id.as_deref(),
            &answer.body,
        )?;
        let raw = envelope.publicip.ok_or_else(|| Error::InvalidResponse {
            operation: call.action.to_owned(),
            reason: "no publicip object".to_owned(),
            http_status: Some(answer.status),
            request_id: answer.request_id.clone(),
        })?;
        let mut eip = eip_from(call.action, &self.region, &raw)?;
        if request.shared_bandwidth_id.is_none() {
            eip.bandwidth_mbps = eip.bandwidth_mbps.or(Some(
                request
                    .bandwidth_mbps
                    .unwrap_or(crate::stamp::DEFAULT_BANDWIDTH_MBPS),
            ));
            eip.charge_mode = eip.charge_mode.or_else(|| request.charge_mode.clone());
        } else {
            eip.bandwidth_id = eip
                .bandwidth_id
                .or_else(|| request.shared_bandwidth_id.clone());
        }
        Ok(eip)
    }

    async fn allocate_stamped(&self, request: &AllocateRequest) -> Result<Eip, Error> {
        request.validate(&self.capabilities)?;
        if request.shared_bandwidth_id.is_some() {
            // https://support.huaweicloud.com/api-eip/eip_api_0001.html: with WHOLE, name and size are ignored; refuse rather than ignore.
            if request.bandwidth_mbps.is_some() {
                return Err(Error::invalid_input(
                    "bandwidth_mbps",
                    "set by the shared bandwidth; leave it out",
                ));
            }
            if request.charge_mode.is_some() {
                return Err(Error::invalid_input(
                    "charge_mode",
                    "set by the shared bandwidth; leave it out",
                ));
            }
        }
        if let Some(mbps) = request.bandwidth_mbps {
            check_bandwidth_step(mbps)?;
        }
        let key_given = request.idempotency_key.is_some();
        let key = request
            .idempotency_key
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let stamp = stamp_for(request, &key);
        let line = request
            .line
            .as_deref()
            .unwrap_or_else(|| default_line(&self.region));
        check_line(&self.region, line)?;
        let body = wire::to_body(&create_request(request, &stamp, line))?;
        if key_given && stamp != Stamp::None {
            if let Some(existing) = self.find_stamped(&stamp, Reads::Retried).await? {
                tracing::debug!(id = %existing.id, "an address with this idempotency key exists; returning it");
                // Just made by another caller: another one may be on its way in the same second.
                return self.reconcile(&stamp, existing, None).await;
            }
        }
        let reauthenticated = AtomicBool::new(false);
        let call = call_of(&Self::create_request(&body));
        // The id of the address this call created (an answered create), as opposed to one it
        // adopted after a lost answer.
        let created = std::sync::Mutex::new(None::<String>);
        let create = |_| async {
            let eip = self.create_once(&body, request, &reauthenticated).await?;
            *created.lock().unwrap_or_else(|p| p.into_inner()) = Some(eip.id.clone());
            Ok(eip)
        };
        if stamp == Stamp::None {
            // Nothing to look the address up by: a lost answer is returned as the error it is.
            return self
                .transport
                .write(&call, create, || async { Ok(Settled::Unknown) })
                .await;
        }
        // A lost create is looked up by its stamp: adopted if it exists, sent again only when it
        // provably does not (after the settle window; bounded by the retry policy).
        let eip = self
            .transport
            .write(&call, create, || async {
                match self.find_stamped(&stamp, Reads::Once).await {
                    Ok(Some(eip)) => {
                        tracing::debug!(id = %eip.id, "adopting the address the lost create made");
                        Ok(Settled::Applied(eip))
                    }
                    Ok(None) => Ok(Settled::NotApplied),
                    // Core's loop reads again within the window after a retryable failure.
                    Err(lookup) => {
                        tracing::debug!(%lookup, "reading back the lost create failed");
                        Err(lookup)
                    }
                }
            })
            .await?;
        if !key_given {
            return Ok(eip);
        }
        let created = created.lock().unwrap_or_else(|p| p.into_inner()).clone();
        self.reconcile(&stamp, eip, created.as_deref()).await
    }

    async fn update_publicip(
        &self,
        id: &str,
        update: UpdatePublicip,
        idempotent: bool,
    ) -> Result<(), Error> {
        let request = VpcRequest {
            action: "UpdatePublicip",
            method: Method::PUT,
            path: format!("publicips/{id}"),
            query: Vec::new(),
            body: Some(wire::to_body(&UpdateRequest { publicip: update })?),
            idempotent,
            resource: format!("eip {id}"),
            id: Some(id.to_owned()),
        };
        self.transport.vpc(&request).await.map(drop)
    }

    async fn port_for(&self, target: &AssociateTarget) -> Result<String, Error> {
        let (query, resource) = match target {
            AssociateTarget::Instance { id } => (
                vec![("device_id".to_owned(), id.clone())],
                format!("instance {id}"),
            ),
            AssociateTarget::NetworkInterface { id, .. } => (
                vec![("id".to_owned(), id.clone())],
                format!("network interface {id}"),
            ),
            AssociateTarget::PrivateIp { address } => (
                vec![("fixed_ips".to_owned(), format!("ip_address={address}"))],
                format!("private ip {address}"),
            ),
            other => {
                return Err(Error::Unsupported {
                    what: format!("association with a {}", other.kind()),
                })
            }
        };
        let ports = self.ports(query, resource).await?;
        let port = match target {
            AssociateTarget::Instance { id } => primary_port(id, &ports)?,
            AssociateTarget::NetworkInterface { id, private_ip } => {
                named_port(id, *private_ip, &ports)?
            }
            AssociateTarget::PrivateIp { address } => port_holding(*address, &ports)?,
            _ => unreachable_target(target)?,
        };
        // Fresh from the cloud: the waiter that follows a bind reads it from the cache.
        self.ports.insert([port]);
        Ok(id_of(port))
    }

    async fn associate_checked(&self, id: &str, target: &AssociateTarget) -> Result<(), Error> {
        validate::id("id", id)?;
        target.validate(&self.capabilities)?;
        let port = self.port_for(target).await?;
        let bound_here = |current: &Publicip| current.port_id.as_deref() == Some(port.as_str());
        let body = wire::to_body(&UpdateRequest {
            publicip: UpdatePublicip {
                port_id: Some(port.clone()),
                alias: None,
            },
        })?;
        let request = address_write(Method::PUT, id, Some(body));
        // The answer may be lost: bound (or binding) to this port means it took effect; unbound
        // means the request never arrived, so it is sent again. The cloud refuses to bind a bound
        // EIP, even to the same port (VPC.0510): after an attempt that may have landed, that
        // refusal is read back like a lost answer.
        self.write_address(
            &request,
            None,
            |refusal| matches!(refusal, Error::AlreadyAssociated { .. }),
            &|read| {
                Ok(match read? {
                    current if bound_here(&current) => Settled::Applied(()),
                    current if current.port_id.is_none() => Settled::NotApplied,
                    _ => Settled::Unknown,
                })
            },
        )
        .await
    }

    async fn disassociate_checked(
        &self,
        id: &str,
        from: Option<&AssociateTarget>,
    ) -> Result<(), Error> {
        validate::id("id", id)?;
        if let Some(from) = from {
            from.validate(&self.capabilities)?;
        }
        // No conditional unbind in v1: read the binding immediately before unbinding.
        let eip = self.show(id).await?;
        let Some(binding) = &eip.binding else {
            return match from {
                None => Ok(()),
                Some(from) => Err(Error::Conflict {
                    reason: format!("eip {id} is not bound to {from}"),
                    service: None,
                }),
            };
        };
        if let Some(from) = from {
            if !binding.matches(from) {
                return Err(Error::Conflict {
                    reason: format!("eip {id} is bound to {binding}, not to {from}"),
                    service: None,
                });
            }
        }
        let nic = binding.nic_id.clone();
        let body = wire::to_body(&UpdateRequest {
            publicip: UpdatePublicip::default(),
        })?;
        let request = address_write(Method::PUT, id, Some(body));
        // The v1 unbind is unconditional, so a fenced one re-checks, before every attempt after
        // the first (after "busy", or after a lost answer proved not applied), that the address
        // is still on the port the fence matched: a stale unbind must never remove another
        // mover's fresh binding.
        let still_on_source = |current: &Publicip| {
            if current.port_id.is_some() && current.port_id == nic {
                Ok(())
            } else {
                Err(Error::Conflict {
                    reason: format!(
                        "eip {id} left the fenced binding while the unbind was retried"
                    ),
                    service: None,
                })
            }
        };
        let recheck: Option<&Recheck<'_>> = match from {
            Some(_) => Some(&still_on_source),
            None => None,
        };
        // Settled by the port: gone means unbound (whatever `status` says yet); the same port
        // while not updating means the unbind has not arrived.
        self.write_address(&request, recheck, |_| false, &|read| {
            Ok(match read? {
                current if current.port_id.is_none() => Settled::Applied(()),
                current if current.status.as_deref() == Some("PENDING_UPDATE") => {
                    Settled::Applied(())
                }
                current if current.port_id == nic => Settled::NotApplied,
                _ => Settled::Unknown,
            })
        })
        .await
    }

    async fn modify_checked(&self, id: &str, change: &Modification) -> Result<(), Error> {
        validate::id("id", id)?;
        change.validate(&self.capabilities)?;
        if let Some(mbps) = change.bandwidth_mbps {
            check_bandwidth_step(mbps)?;
        }
        // Read the bandwidth first, so a change that cannot be made changes nothing.
        let bandwidth_id = match change.bandwidth_mbps {
            None => None,
            Some(_) => {
                let current = self.show_raw(id, Reads::Retried).await?;
                if current.bandwidth_share_type.as_deref() == Some("WHOLE") {
                    return Err(Error::Unsupported {
                        what: "changing a shared bandwidth through one of its addresses".to_owned(),
                    });
                }
                let bandwidth_id = current.bandwidth_id.ok_or_else(|| Error::InvalidResponse {
                    operation: "ShowPublicip".to_owned(),
                    reason: format!("eip {id} names no bandwidth_id"),
                    http_status: None,
                    request_id: None,
                })?;
                validate::id("bandwidth_id", &bandwidth_id)?;
                Some(bandwidth_id)
            }
        };
        // Setting a value twice is harmless, so both writes may be repeated after a lost answer.
        // https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_api_0004.html: alias and port_id are never sent together (only alias would apply).
        if let Some(name) = &change.name {
            self.update_publicip(
                id,
                UpdatePublicip {
                    port_id: None,
                    alias: Some(name.clone()),
                },
                true,
            )
            .await?;
        }
        if let (Some(bandwidth_id), Some(size)) = (bandwidth_id, change.bandwidth_mbps) {
            // Only the size: the bandwidth name carries the allocation's idempotency stamp.
            let request = VpcRequest {
                action: "UpdateBandwidth",
                method: Method::PUT,
                path: format!("bandwidths/{bandwidth_id}"),
                query: Vec::new(),
                body: Some(wire::to_body(&UpdateBandwidthRequest {
                    bandwidth: UpdateBandwidth { size },
                })?),
                idempotent: true,
                resource: format!("bandwidth {bandwidth_id}"),
                id: Some(id.to_owned()),
            };
            self.transport.vpc(&request).await?;
        }
        Ok(())
    }

    async fn release_checked(&self, id: &str) -> Result<(), Error> {
        validate::id("id", id)?;
        let request = address_write(Method::DELETE, id, None);
        // A delete sent again that finds the address gone: an earlier attempt took effect.
        self.write_address(
            &request,
            None,
            |refusal| matches!(refusal, Error::NotFound { .. }),
            &|read| {
                Ok(match read {
                    Err(Error::NotFound { .. }) => Settled::Applied(()),
                    Err(other) => return Err(other),
                    Ok(current)
                        if status_of(current.status.as_deref().unwrap_or_default())
                            == EipStatus::Releasing =>
                    {
                        Settled::Applied(())
                    }
                    Ok(_) => Settled::NotApplied,
                })
            },
        )
        .await
    }

    /// The one shape of a write to one address the cloud does not deduplicate (bind, unbind,
    /// release), in core's one loop:
    /// - before every attempt after the first, `recheck` (if any) judges one fresh read of the
    ///   address, and its `Err` stops the call (the fence of an unbind);
    /// - an attempt sent after one that may have been processed, refused in a way `may_have_landed`
    ///   says an earlier attempt explains, is judged by `settle` on one read: applied is success;
    /// - a lost answer (a timeout, a dropped connection, a gateway 5xx) is settled by `settle` on
    ///   one read of the address per read-back (`ShowPublicip`).
    async fn write_address(
        &self,
        request: &VpcRequest,
        recheck: Option<&Recheck<'_>>,
        may_have_landed: fn(&Error) -> bool,
        settle: &Settle<'_>,
    ) -> Result<(), Error> {
        let id = request.id.as_deref().unwrap_or_default();
        let reauthenticated = AtomicBool::new(false);
        let read = || self.show_raw(id, Reads::Once);
        // The fence re-check is the loop's hook, not part of the attempt: a re-check read that
        // fails (throttled) is read again without using up one of the write's attempts.
        eip_core::retry::run_rechecked(
            &call_of(request),
            &self.transport.retry,
            &self.transport.timeouts,
            &crate::error::HuaweiClassifier,
            |attempt: Attempt| {
                let read = &read;
                async move {
                    if let Some(recheck) = recheck.filter(|_| attempt.number > 1) {
                        recheck(&read().await?)?;
                    }
                    Ok(None)
                }
            },
            |attempt: Attempt| {
                let (reauthenticated, read) = (&reauthenticated, &read);
                async move {
                    match self.transport.send_once(request, reauthenticated).await {
                        Ok(_) => Ok(()),
                        Err(refusal)
                            if attempt.earlier_maybe_processed && may_have_landed(&refusal) =>
                        {
                            match settle(read().await) {
                                Ok(Settled::Applied(())) => Ok(()),
                                _ => Err(refusal),
                            }
                        }
                        Err(other) => Err(other),
                    }
                }
            },
            || async { settle(read().await) },
        )
        .await
    }

    async fn list_checked(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page, Error> {
        filter.validate(&self.capabilities)?;
        let size = page.size.unwrap_or(MAX_PAGE_SIZE);
        if size == 0 || size > MAX_PAGE_SIZE {
            return Err(Error::invalid_input(
                "page_size",
                format!("must be 1 to {MAX_PAGE_SIZE}"),
            ));
        }
        let mut query = vec![("limit".to_owned(), size.to_string())];
        match &page.token {
            None => {}
            Some(PageToken::Marker(marker)) => {
                validate::id("page_token", marker)?;
                query.push(("marker".to_owned(), marker.clone()));
            }
            Some(PageToken::Number(_)) => {
                return Err(Error::invalid_input(
                    "page_token",
                    "Huawei pages by marker, not by number",
                ));
            }
        }
        // https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0003.html: `id` and `public_ip_address` are repeatable server-side filters.
        query.extend(filter.ids.iter().map(|id| ("id".to_owned(), id.clone())));
        // The same page: `enterprise_project_id` selects one project (all granted ones otherwise).
        if let Some(group) = &filter.resource_group {
            query.push(("enterprise_project_id".to_owned(), group.clone()));
        }
        query.extend(
            filter
                .addresses
                .iter()
                .map(|a| ("public_ip_address".to_owned(), a.to_string())),
        );
        let raw = self.list_raw(query, Reads::Retried).await?;
        let next = next_marker(&raw, size);
        let mut items = raw
            .iter()
            .map(|ip| eip_from("ListPublicips", &self.region, ip))
            .collect::<Result<Vec<_>, _>>()?;
        self.resolve_bindings(&mut items).await?;
        items.retain(|eip| filter.matches(eip));
        Ok(Page {
            items,
            next,
            total: None,
        })
    }
}

/// <https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0003.html>: the v1 list has no next marker in its body; a full page may have a
/// successor, found with `marker=<its last id>`.
fn next_marker(page: &[Publicip], size: u32) -> Option<PageToken> {
    match (
        page.len() >= size as usize,
        page.last().and_then(|ip| ip.id.clone()),
    ) {
        (true, Some(last)) => Some(PageToken::Marker(last)),
        _ => None,
    }
}

/// A check of the address before a write is sent again ([`HuaweiProvider::write_address`]).
type Recheck<'a> = dyn Fn(&Publicip) -> Result<(), Error> + Sync + 'a;

/// What one read of the address says of a write whose answer was lost.
type Settle<'a> = dyn Fn(Result<Publicip, Error>) -> Result<Settled<()>, Error> + Sync + 'a;

/// A write to `publicips/{id}`, which the cloud does not deduplicate.
fn address_write(method: Method, id: &str, body: Option<Vec<u8>>) -> VpcRequest {
    let action = if method == Method::DELETE {
        "DeletePublicip"
    } else {
        "UpdatePublicip"
    };
    VpcRequest {
        action,
        method,
        path: format!("publicips/{id}"),
        query: Vec::new(),
        body,
        idempotent: false,
        resource: format!("eip {id}"),
        id: Some(id.to_owned()),
    }
}

/// `create_time` has whole seconds (`2015-07-16 04:22:32`, EIP API reference,
/// <https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0002.html>).
const CREATE_TIME_RESOLUTION: std::time::Duration = std::time::Duration::from_secs(1);

/// Whether `eip` was created so recently that an address with the same stamp made in the same
/// second may not be listed yet (or its time is unknown).
fn is_fresh(eip: &Eip) -> bool {
    eip.created_at.is_none_or(|created| {
        time::OffsetDateTime::now_utc() - created < CREATE_TIME_RESOLUTION.saturating_mul(2)
    })
}

/// Of several addresses carrying one stamp, the one every caller keeps: the oldest
/// `create_time`, then the lowest id (the time has whole seconds). An address without a
/// readable time counts as the newest.
fn winner(found: &[Publicip]) -> Option<&Publicip> {
    found.iter().filter(|ip| ip.id.is_some()).min_by(|a, b| {
        let key = |ip: &Publicip| {
            let time = ip.create_time.as_deref().and_then(parse_create_time);
            (time.is_none(), time, ip.id.clone())
        };
        key(a).cmp(&key(b))
    })
}

/// The target kinds [`HuaweiProvider::port_for`] resolves were matched above.
fn unreachable_target(target: &AssociateTarget) -> Result<&'static Port, Error> {
    Err(Error::Unsupported {
        what: format!("association with a {}", target.kind()),
    })
}

#[async_trait]
impl EipProvider for HuaweiProvider {
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

    async fn allocate(&self, request: &AllocateRequest) -> Result<Eip, Error> {
        self.allocate_tagged(request).await
    }

    async fn get(&self, id: &str) -> Result<Eip, Error> {
        validate::id("id", id)?;
        self.show(id).await
    }

    /// Tags are filtered in the cloud (ListPublicipsByTags, pages numbered from 1, at most
    /// 1000 per page); without tags the v1 list pages by marker.
    async fn list_page(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page, Error> {
        if filter.tags.is_empty() {
            self.list_checked(filter, page).await
        } else {
            self.list_tagged(filter, page).await
        }
    }

    async fn associate(&self, id: &str, target: &AssociateTarget) -> Result<(), Error> {
        self.associate_checked(id, target).await
    }

    async fn disassociate(&self, id: &str, from: Option<&AssociateTarget>) -> Result<(), Error> {
        self.disassociate_checked(id, from).await
    }

    async fn modify(&self, id: &str, change: &Modification) -> Result<(), Error> {
        self.modify_checked(id, change).await
    }

    async fn release(&self, id: &str) -> Result<(), Error> {
        self.release_checked(id).await
    }

    async fn set_tags(&self, id: &str, change: &TagChange) -> Result<(), Error> {
        self.set_tags_checked(id, change).await
    }

    async fn join_shared_bandwidth(&self, id: &str, bandwidth_id: &str) -> Result<(), Error> {
        self.join_checked(id, bandwidth_id).await
    }

    async fn leave_shared_bandwidth(
        &self,
        id: &str,
        dedicated: &DedicatedBandwidth,
    ) -> Result<(), Error> {
        self.leave_checked(id, dedicated).await
    }

    async fn move_resource_group(&self, id: &str, group: &str) -> Result<(), Error> {
        self.move_checked(id, group).await
    }

    /// The SDK's static region table ([`crate::REGIONS`]); no request is made.
    async fn regions(&self) -> Result<Vec<Region>, Error> {
        Ok(crate::regions())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn every_caller_keeps_the_oldest_then_the_lowest_id() {
        let ip = |id: &str, time: Option<&str>| Publicip {
            id: Some(id.into()),
            create_time: time.map(str::to_owned),
            ..Publicip::default()
        };
        let found = [
            ip("b", Some("2024-01-01 00:00:01")),
            ip("c", Some("2024-01-01 00:00:00")),
            ip("a", Some("2024-01-01 00:00:01")),
            ip("0", None),
        ];
        assert_eq!(winner(&found).and_then(|w| w.id.as_deref()), Some("c"));
        // Any order, the same winner.
        let mut reversed = found.clone();
        reversed.reverse();
        assert_eq!(winner(&reversed).and_then(|w| w.id.as_deref()), Some("c"));
        let tied = [
            ip("b", Some("2024-01-01 00:00:01")),
            ip("a", Some("2024-01-01 00:00:01")),
        ];
        assert_eq!(winner(&tied).and_then(|w| w.id.as_deref()), Some("a"));
        assert!(winner(&[]).is_none());
    }

    #[test]
    fn debug_of_the_provider_shows_no_secret() {
        let provider = HuaweiProvider::builder()
            .with_region("cn-north-4")
            .with_password(PasswordAuth::new("alice", "pw-very-secret", "acct"))
            .build()
            .unwrap();
        let printed = format!("{provider:?} {provider:#?}");
        assert!(!printed.contains("very-secret"), "{printed}");
        assert!(
            printed.contains("alice") && printed.contains("cn-north-4"),
            "{printed}"
        );
        let keyed = HuaweiProvider::builder()
            .with_region("cn-north-4")
            .with_access_key(
                crate::AccessKey::new("AKID", "sk-very-secret")
                    .with_security_token("st-very-secret"),
            )
            .build()
            .unwrap();
        let printed = format!("{keyed:?}");
        assert!(!printed.contains("very-secret"), "{printed}");
    }
}
