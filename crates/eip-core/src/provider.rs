//! The trait every cloud implements, what a provider can do, and the operations built on top.

use std::fmt::Debug;
use std::ops::RangeInclusive;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::error::{Error, Result};
use crate::model::{Eip, EipStatus, ProviderKind, Region, TargetKind};
use crate::moving::{ClaimReport, Expect, MoveOptions, MoveReport};
use crate::paginate::ListOptions;
use crate::request::{
    AllocateRequest, AssociateTarget, DedicatedBandwidth, ListFilter, Modification, Page,
    PageRequest, TagChange,
};
use crate::validate::{TagRule, TextRule};
use crate::wait::{TransitionKind, Transitions, WaitPolicy};

/// What a provider supports, so callers can ask before acting.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// The target kinds [`EipProvider::associate`] accepts.
    pub targets: Vec<TargetKind>,
    /// Whether [`AssociateTarget::PrivateIp`] is accepted.
    pub private_ip_targets: bool,
    /// Whether IPv6 addresses can be allocated.
    pub ipv6: bool,
    /// Whether an address can join a shared bandwidth.
    pub shared_bandwidth: bool,
    /// The largest page [`EipProvider::list_page`] returns.
    pub max_page_size: u32,
    /// Whether pages are numbered, so that they can be fetched in parallel.
    pub parallel_pages: bool,
    /// Whether the cloud itself checks the `from` condition of
    /// [`EipProvider::disassociate`] (a real fence); otherwise the provider re-reads the binding
    /// just before unbinding, which leaves a small race.
    pub conditional_disassociate: bool,
    /// Whether the cloud deduplicates allocations by an idempotency token; otherwise the provider
    /// reconciles ambiguous allocations itself.
    pub server_side_idempotency: bool,
    /// The accepted bandwidth, in Mbit/s.
    pub bandwidth_mbps: RangeInclusive<u32>,
    /// The documented rule for names.
    pub name_rule: TextRule,
    /// The documented rule for descriptions; `None` when addresses have no description.
    pub description_rule: Option<TextRule>,
    /// The documented tag rule; `None` when addresses cannot carry tags.
    pub tags: Option<TagRule>,
    /// Whether [`ListFilter::tags`] is filtered by the cloud; otherwise the provider lists
    /// everything else the filter selects and keeps the tagged addresses itself.
    pub server_side_tag_filter: bool,
    /// Whether addresses belong to resource groups / enterprise projects that can be set,
    /// filtered on and changed.
    pub resource_groups: bool,
    /// Whether [`AllocateRequest::address`] (a specific public address) is accepted.
    pub specific_address: bool,
    /// Whether [`AllocateRequest::address_pool_id`] is accepted.
    pub address_pools: bool,
    /// Whether addresses have deletion protection.
    pub deletion_protection: bool,
    /// The lines (ISPs / address types) this region offers; empty when not known, in which case
    /// the cloud checks [`AllocateRequest::line`].
    pub lines: Vec<String>,
}

impl Capabilities {
    /// Capabilities with the given name rule and conservative defaults for the rest: instance
    /// targets only, IPv4, no shared bandwidth, pages of 100, 1–200 Mbit/s, no descriptions,
    /// no tags, no resource groups, no specific addresses, pools or deletion protection. Providers then set the fields that differ.
    pub fn new(name_rule: TextRule) -> Self {
        Self {
            targets: vec![TargetKind::Instance],
            private_ip_targets: false,
            ipv6: false,
            shared_bandwidth: false,
            max_page_size: 100,
            parallel_pages: false,
            conditional_disassociate: false,
            server_side_idempotency: false,
            bandwidth_mbps: 1..=200,
            name_rule,
            description_rule: None,
            tags: None,
            server_side_tag_filter: false,
            resource_groups: false,
            specific_address: false,
            address_pools: false,
            deletion_protection: false,
            lines: Vec::new(),
        }
    }

    /// The most tags an address can carry (0 when tags are unsupported).
    pub fn max_tags(&self) -> usize {
        self.tags.map_or(0, |rule| rule.max_per_resource)
    }

    /// Checks a bandwidth against [`Capabilities::bandwidth_mbps`].
    pub fn check_bandwidth(&self, field: &str, mbps: u32) -> Result<()> {
        if self.bandwidth_mbps.contains(&mbps) {
            Ok(())
        } else {
            Err(Error::invalid_input(
                field,
                format!(
                    "{mbps} Mbit/s is outside {}..={} Mbit/s",
                    self.bandwidth_mbps.start(),
                    self.bandwidth_mbps.end()
                ),
            ))
        }
    }

    /// Checks a description against [`Capabilities::description_rule`].
    pub fn check_description(&self, description: &str) -> Result<()> {
        match &self.description_rule {
            Some(rule) => rule.check("description", description),
            None => Err(Error::Unsupported {
                what: "descriptions".into(),
            }),
        }
    }
}

/// A cloud's Elastic IP API, normalized.
///
/// Implementations validate every argument before sending anything (returning
/// [`Error::InvalidInput`] or [`Error::Unsupported`]), retry what is safe to retry with the
/// shared loop in [`crate::retry`], and make each mutation happen at most once even when an
/// answer is lost. Operations return once the cloud has *accepted* the change; use the waiters
/// of [`EipProviderExt`] to wait until it has taken effect.
///
/// The trait is object safe: `Arc<dyn EipProvider>` is the usual way to hold one.
#[async_trait]
pub trait EipProvider: Send + Sync + Debug {
    /// Which provider this is.
    fn kind(&self) -> ProviderKind;

    /// The region this provider operates in.
    fn region(&self) -> &str;

    /// What this provider supports.
    fn capabilities(&self) -> &Capabilities;

    /// The transition times this provider instance has learned, when it keeps them; waiters
    /// place their first poll near the typical time (see [`crate::wait`]). `None` by default.
    fn transitions(&self) -> Option<&Transitions> {
        None
    }

    /// Allocates a new address. With the same idempotency key, repeated calls (and retries)
    /// yield the same address, never a second one.
    async fn allocate(&self, request: &AllocateRequest) -> Result<Eip>;

    /// Reads one address; [`Error::NotFound`] when it does not exist (or no longer does).
    async fn get(&self, id: &str) -> Result<Eip>;

    /// Lists one page of addresses matching `filter`.
    async fn list_page(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page>;

    /// Binds the address to a target. Returns when the cloud accepted the change.
    async fn associate(&self, id: &str, target: &AssociateTarget) -> Result<()>;

    /// Unbinds the address from whatever it is bound to. When `from` is given, unbinds only if
    /// the address is bound to that target, and fails with [`Error::Conflict`] otherwise
    /// (see [`Capabilities::conditional_disassociate`] for how strong that fence is).
    async fn disassociate(&self, id: &str, from: Option<&AssociateTarget>) -> Result<()>;

    /// Changes the name, description or bandwidth.
    async fn modify(&self, id: &str, change: &Modification) -> Result<()>;

    /// Releases the address. A bound address is refused with [`Error::InvalidState`], never
    /// silently unbound.
    async fn release(&self, id: &str) -> Result<()>;

    /// Adds and removes tags in one call (validated with [`TagChange::validate`] before
    /// anything is sent). [`Error::Unsupported`] by default.
    async fn set_tags(&self, id: &str, change: &TagChange) -> Result<()> {
        let _ = (id, change);
        Err(unsupported("tags"))
    }

    /// Adds the address to a shared bandwidth (its own bandwidth is given up).
    /// [`Error::Unsupported`] by default (see [`Capabilities::shared_bandwidth`]).
    ///
    /// Every provider reads the address first and then behaves the same:
    /// - already a member of `bandwidth_id`: `Ok(())` without a membership write (once the
    ///   membership has finished taking effect, where the cloud applies it in the background);
    /// - a member of another shared bandwidth: [`Error::Conflict`] naming that bandwidth,
    ///   nothing written (an address is in one shared bandwidth at a time; leave it first);
    /// - otherwise the membership is written, and `Ok(())` means the address is a member.
    async fn join_shared_bandwidth(&self, id: &str, bandwidth_id: &str) -> Result<()> {
        let _ = (id, bandwidth_id);
        Err(unsupported("shared bandwidth"))
    }

    /// Takes the address out of its shared bandwidth, giving it `dedicated` back.
    /// [`Error::Unsupported`] by default.
    ///
    /// Every provider reads the address first: one that is in no shared bandwidth is left as
    /// it is and `Ok(())` is returned without any write (`dedicated` is still validated, before
    /// anything is sent). Otherwise `Ok(())` means the address has left its shared bandwidth.
    async fn leave_shared_bandwidth(&self, id: &str, dedicated: &DedicatedBandwidth) -> Result<()> {
        let _ = (id, dedicated);
        Err(unsupported("shared bandwidth"))
    }

    /// Moves the address to another resource group / enterprise project.
    /// [`Error::Unsupported`] by default (see [`Capabilities::resource_groups`]).
    async fn move_resource_group(&self, id: &str, group: &str) -> Result<()> {
        let _ = (id, group);
        Err(unsupported("resource groups"))
    }

    /// Turns deletion protection on or off. [`Error::Unsupported`] by default (see
    /// [`Capabilities::deletion_protection`]).
    async fn set_deletion_protection(&self, id: &str, enabled: bool) -> Result<()> {
        let _ = (id, enabled);
        Err(unsupported("deletion protection"))
    }

    /// The regions this cloud offers: the provider's documented table, refreshed from the
    /// cloud's API where it has one. [`Error::Unsupported`] by default.
    async fn regions(&self) -> Result<Vec<Region>> {
        Err(unsupported("listing regions"))
    }
}

fn unsupported(what: &str) -> Error {
    Error::Unsupported { what: what.into() }
}

/// Operations every provider gets for free, built on [`EipProvider`]: listing every page as a
/// stream, waiting for a state, and fenced moves.
#[async_trait]
pub trait EipProviderExt: EipProvider {
    /// Every address matching `filter`, over all pages, each yielded once.
    ///
    /// Providers with numbered pages have pages 2.. fetched in parallel
    /// (`options.concurrency` at a time).
    fn list<'a>(
        &'a self,
        filter: &'a ListFilter,
        options: ListOptions,
    ) -> BoxStream<'a, Result<Eip>> {
        crate::paginate::list(self, filter, options)
    }

    /// Waits until `done` holds for the address, polling with `policy`.
    ///
    /// Ends with [`Error::WaitFailed`] when the address reaches a failed or locked state, and with
    /// [`Error::WaitTimeout`] (carrying the last state seen) when `policy.max_wait` runs out.
    async fn wait_until<F>(&self, id: &str, policy: &WaitPolicy, done: F) -> Result<Eip>
    where
        F: Fn(&Eip) -> bool + Send + Sync,
    {
        crate::wait::until(self, id, policy, done).await
    }

    /// Waits until the address is in `status`.
    async fn wait_for_status(
        &self,
        id: &str,
        status: EipStatus,
        policy: &WaitPolicy,
    ) -> Result<Eip> {
        let kind = crate::wait::kind_for_status(&status);
        crate::wait::until_kind(self, id, policy, kind, move |eip| eip.status == status).await
    }

    /// Waits until the address is bound to exactly `target`.
    async fn wait_until_bound_to(
        &self,
        id: &str,
        target: &AssociateTarget,
        policy: &WaitPolicy,
    ) -> Result<Eip> {
        crate::wait::until_kind(self, id, policy, Some(TransitionKind::Associate), |eip| {
            eip.is_bound_to(target)
        })
        .await
    }

    /// Waits until the address is unbound and usable.
    async fn wait_until_available(&self, id: &str, policy: &WaitPolicy) -> Result<Eip> {
        self.wait_for_status(id, EipStatus::Available, policy).await
    }

    /// Waits until the address no longer exists.
    async fn wait_until_released(&self, id: &str, policy: &WaitPolicy) -> Result<()> {
        crate::wait::until_gone(self, id, policy).await
    }

    /// Moves the address from `from` to `to`, fenced: only if it is bound to `from` when the move
    /// starts, never bound to both, and reporting the time of each phase.
    async fn move_to(
        &self,
        id: &str,
        from: &AssociateTarget,
        to: &AssociateTarget,
        options: &MoveOptions,
    ) -> Result<MoveReport> {
        crate::moving::move_between(self, id, from, to, options).await
    }

    /// Claims the address for `to` if it is as `expect`ed: a compare-and-swap on its binding
    /// (see [`crate::moving::claim`]). Bound to `to` already: a no-op success.
    async fn claim(
        &self,
        id: &str,
        to: &AssociateTarget,
        expect: &Expect,
        options: &MoveOptions,
    ) -> Result<ClaimReport> {
        crate::moving::claim(self, id, to, expect, options).await
    }
}

impl<P: EipProvider + ?Sized> EipProviderExt for P {}

#[async_trait]
impl<P: EipProvider + ?Sized> EipProvider for Arc<P> {
    fn kind(&self) -> ProviderKind {
        (**self).kind()
    }
    fn region(&self) -> &str {
        (**self).region()
    }
    fn capabilities(&self) -> &Capabilities {
        (**self).capabilities()
    }
    fn transitions(&self) -> Option<&Transitions> {
        (**self).transitions()
    }
    async fn allocate(&self, request: &AllocateRequest) -> Result<Eip> {
        (**self).allocate(request).await
    }
    async fn get(&self, id: &str) -> Result<Eip> {
        (**self).get(id).await
    }
    async fn list_page(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page> {
        (**self).list_page(filter, page).await
    }
    async fn associate(&self, id: &str, target: &AssociateTarget) -> Result<()> {
        (**self).associate(id, target).await
    }
    async fn disassociate(&self, id: &str, from: Option<&AssociateTarget>) -> Result<()> {
        (**self).disassociate(id, from).await
    }
    async fn modify(&self, id: &str, change: &Modification) -> Result<()> {
        (**self).modify(id, change).await
    }
    async fn release(&self, id: &str) -> Result<()> {
        (**self).release(id).await
    }
    async fn set_tags(&self, id: &str, change: &TagChange) -> Result<()> {
        (**self).set_tags(id, change).await
    }
    async fn join_shared_bandwidth(&self, id: &str, bandwidth_id: &str) -> Result<()> {
        (**self).join_shared_bandwidth(id, bandwidth_id).await
    }
    async fn leave_shared_bandwidth(&self, id: &str, dedicated: &DedicatedBandwidth) -> Result<()> {
        (**self).leave_shared_bandwidth(id, dedicated).await
    }
    async fn move_resource_group(&self, id: &str, group: &str) -> Result<()> {
        (**self).move_resource_group(id, group).await
    }
    async fn set_deletion_protection(&self, id: &str, enabled: bool) -> Result<()> {
        (**self).set_deletion_protection(id, enabled).await
    }
    async fn regions(&self) -> Result<Vec<Region>> {
        (**self).regions().await
    }
}
