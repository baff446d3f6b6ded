//! Many regions at once: one listing over every region of every cloud ([`list_all`]), and a
//! sweep that releases the unbound addresses nobody owns ([`sweep`]).
//!
//! Both are built on [`EipProvider`] alone, so they work the same for every cloud: a provider is
//! one region of one cloud, and a fleet is a slice of them (build one per region with
//! `multicloud_eip::connect_regions`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::Serialize;
use time::OffsetDateTime;
use tracing::Instrument;

use crate::error::{Error, Result};
use crate::model::{Eip, EipStatus, ProviderKind};
use crate::paginate::ListOptions;
use crate::provider::{Capabilities, EipProvider, EipProviderExt};
use crate::request::ListFilter;

/// How many regions [`list_all`] reads at once. Each region pages with the default
/// [`ListOptions`], and each provider has its own rate limiter, so this bounds how many
/// accounts' quotas are drawn on together, not the requests of one.
pub const REGIONS_AT_ONCE: usize = 8;

/// One item of a fleet listing: an address, or the failure that ended one region's listing,
/// with the provider and region it came from either way.
#[derive(Debug)]
#[non_exhaustive]
pub struct RegionItem {
    /// The provider that answered (or failed).
    pub provider: ProviderKind,
    /// The region it lists.
    pub region: String,
    /// An address, or the error that ended this region's listing (nothing more comes from this
    /// region after an error; the other regions go on).
    pub result: Result<Eip>,
}

impl RegionItem {
    /// Whether this item is a region's failure rather than an address.
    pub fn is_failure(&self) -> bool {
        self.result.is_err()
    }
}

impl fmt::Display for RegionItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.result {
            Ok(eip) => write!(
                f,
                "{} {}: {} {}",
                self.provider, self.region, eip.id, eip.address
            ),
            Err(e) => write!(f, "{} {}: {e}", self.provider, self.region),
        }
    }
}

/// Every address matching `filter` in every region of `providers`, [`REGIONS_AT_ONCE`] regions
/// at a time, each item streamed as soon as its region answers (a slow region does not hold up
/// the others). A region that fails yields one item with the error, naming its provider and
/// region, and the others carry on: the stream never ends early.
///
/// ```
/// use futures::StreamExt;
/// use eip_core::{fleet, ListFilter};
///
/// # async fn demo(providers: Vec<std::sync::Arc<dyn eip_core::EipProvider>>) {
/// let filter = ListFilter::new().tag("team", "web");
/// let mut all = fleet::list_all(&providers, &filter);
/// while let Some(item) = all.next().await {
///     match &item.result {
///         Ok(eip) => println!("{} {} {}", item.region, eip.id, eip.address),
///         Err(e) => eprintln!("{} {} failed: {e}", item.provider, item.region),
///     }
/// }
/// # }
/// ```
pub fn list_all<'a>(
    providers: &'a [Arc<dyn EipProvider>],
    filter: &'a ListFilter,
) -> BoxStream<'a, RegionItem> {
    list_all_with(providers, filter, REGIONS_AT_ONCE, ListOptions::default())
}

/// [`list_all`] with `regions_at_once` regions read together (at least 1) and `options` for
/// each region's pages.
pub fn list_all_with<'a>(
    providers: &'a [Arc<dyn EipProvider>],
    filter: &'a ListFilter,
    regions_at_once: usize,
    options: ListOptions,
) -> BoxStream<'a, RegionItem> {
    stream::iter(providers)
        .map(move |provider| region_items(provider.as_ref(), filter, options))
        .flatten_unordered(regions_at_once.max(1))
        .boxed()
}

fn region_items<'a>(
    provider: &'a dyn EipProvider,
    filter: &'a ListFilter,
    options: ListOptions,
) -> BoxStream<'a, RegionItem> {
    let kind = provider.kind();
    let region = provider.region().to_owned();
    provider
        .list(filter, options)
        .map(move |result| RegionItem {
            provider: kind,
            region: region.clone(),
            result,
        })
        .boxed()
}

/// Which addresses a [`sweep`] may release. Every field given must match; at least one must be
/// given, so that a sweep never means "every unbound address of the account".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SweepFilter {
    /// Only addresses carrying all these tags (the owner tags of an IP pool, for example).
    pub tags: BTreeMap<String, String>,
    /// Only addresses whose name starts with this.
    pub name_prefix: Option<String>,
    /// Only addresses allocated at least this long ago. An address whose cloud does not report
    /// when it was allocated is skipped ([`SkipReason::AgeUnknown`]), never guessed old.
    pub older_than: Option<Duration>,
    /// Only addresses in this resource group / enterprise project.
    pub resource_group: Option<String>,
}

impl SweepFilter {
    /// A filter with nothing set yet (refused by [`sweep`] until something is).
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires a tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Requires a name prefix.
    pub fn name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.name_prefix = Some(prefix.into());
        self
    }

    /// Requires a minimum age.
    pub fn older_than(mut self, age: Duration) -> Self {
        self.older_than = Some(age);
        self
    }

    /// Requires a resource group / enterprise project.
    pub fn resource_group(mut self, group: impl Into<String>) -> Self {
        self.resource_group = Some(group.into());
        self
    }

    /// Checks the filter: at least one criterion, each well formed and supported by the
    /// provider (tags and resource groups as [`ListFilter::validate`] checks them).
    pub fn validate(&self, caps: &Capabilities) -> Result<()> {
        if self.tags.is_empty()
            && self.name_prefix.is_none()
            && self.older_than.is_none()
            && self.resource_group.is_none()
        {
            return Err(Error::invalid_input(
                "filter",
                "give at least one of tags, a name prefix, an age or a resource group: \
                 a sweep without one would release every unbound address",
            ));
        }
        if let Some(prefix) = &self.name_prefix {
            if prefix.is_empty() || prefix.chars().any(char::is_control) {
                return Err(Error::invalid_input(
                    "name_prefix",
                    "must be non-empty, without control characters",
                ));
            }
        }
        if let Some(age) = self.older_than {
            if age.is_zero() {
                return Err(Error::invalid_input("older_than", "must be more than zero"));
            }
            if time::Duration::try_from(age).is_err() {
                return Err(Error::invalid_input("older_than", "too long"));
            }
        }
        self.list_filter().validate(caps)
    }

    /// What the listing asks the cloud for: the tags and resource group (the cloud filters
    /// them where it can). Not the status: bound addresses are listed too, to be reported as
    /// skipped.
    fn list_filter(&self) -> ListFilter {
        let mut filter = ListFilter::new();
        filter.tags = self.tags.clone();
        filter.resource_group = self.resource_group.clone();
        filter
    }
}

/// Whether a [`sweep`] releases or only reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepMode {
    /// List what would be released; send nothing but reads.
    #[default]
    DryRun,
    /// Release the candidates, each re-read just before.
    Release,
}

/// How a [`sweep_with`] runs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SweepOptions {
    /// How many candidates are re-read and released at once (default
    /// [`SweepOptions::DEFAULT_CONCURRENCY`], at most [`SweepOptions::MAX_CONCURRENCY`]). The
    /// provider's rate limiter still paces every request, so this shortens a sweep of many
    /// addresses on a slow link without raising its request rate above the quota.
    pub concurrency: usize,
}

impl SweepOptions {
    /// The default [`SweepOptions::concurrency`].
    pub const DEFAULT_CONCURRENCY: usize = 4;
    /// The largest [`SweepOptions::concurrency`] accepted.
    pub const MAX_CONCURRENCY: usize = 32;

    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Releases up to `n` candidates at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }

    /// Checks the options; `concurrency` must be 1 to [`SweepOptions::MAX_CONCURRENCY`].
    pub fn validate(&self) -> Result<()> {
        if !(1..=Self::MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(Error::invalid_input(
                "concurrency",
                format!("must be 1 to {}", Self::MAX_CONCURRENCY),
            ));
        }
        Ok(())
    }
}

impl Default for SweepOptions {
    fn default() -> Self {
        Self {
            concurrency: Self::DEFAULT_CONCURRENCY,
        }
    }
}

/// Why a [`sweep`] left an address that its filter selects.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// Bound (or being bound) to a target.
    Bound,
    /// Unbound when listed, bound (or being bound) when re-read just before its release: an IP
    /// pool or a person took it meanwhile.
    BoundSinceListed,
    /// In another state than available (being created or released, failed, locked...).
    NotAvailable(EipStatus),
    /// Deletion protection is on.
    DeletionProtected,
    /// The filter has an age, and the cloud does not say when the address was allocated.
    AgeUnknown,
    /// When re-read, it no longer matched the filter (a tag or its name changed).
    ChangedSinceListed,
    /// When re-read, it was gone already.
    Gone,
}

impl SkipReason {
    /// A short snake_case name, for JSON output.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Bound => "bound",
            Self::BoundSinceListed => "bound_since_listed",
            Self::NotAvailable(_) => "not_available",
            Self::DeletionProtected => "deletion_protected",
            Self::AgeUnknown => "age_unknown",
            Self::ChangedSinceListed => "changed_since_listed",
            Self::Gone => "gone",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bound => f.write_str("bound"),
            Self::BoundSinceListed => f.write_str("bound since it was listed"),
            Self::NotAvailable(status) => write!(f, "not available ({status})"),
            Self::DeletionProtected => f.write_str("deletion protection is on"),
            Self::AgeUnknown => f.write_str("the cloud does not report its allocation time"),
            Self::ChangedSinceListed => f.write_str("no longer matches the filter"),
            Self::Gone => f.write_str("already gone"),
        }
    }
}

impl Serialize for SkipReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An address a [`sweep`] left, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Skipped {
    /// The address as last read.
    pub eip: Eip,
    /// Why it stays.
    pub reason: SkipReason,
}

/// An address a [`sweep`] tried to release, and the error.
#[derive(Debug)]
#[non_exhaustive]
pub struct SweepFailure {
    /// The address as last read.
    pub eip: Eip,
    /// What went wrong (the re-read or the release).
    pub error: Error,
}

/// What a [`sweep`] found and did.
#[derive(Debug)]
#[non_exhaustive]
pub struct SweepReport {
    /// The provider swept.
    pub provider: ProviderKind,
    /// Its region.
    pub region: String,
    /// The mode it ran in.
    pub mode: SweepMode,
    /// In [`SweepMode::DryRun`]: the addresses a release run would release (empty otherwise).
    pub would_release: Vec<Eip>,
    /// In [`SweepMode::Release`]: the addresses released (empty in a dry run).
    pub released: Vec<Eip>,
    /// Addresses the filter selects that were left, with the reason.
    pub skipped: Vec<Skipped>,
    /// Addresses whose re-read or release failed.
    pub failed: Vec<SweepFailure>,
}

/// Releases (or, in [`SweepMode::DryRun`], lists) the unbound addresses of `provider` that
/// `filter` selects: leaked addresses of a pool, a test run, a cost sweep.
///
/// Only addresses in [`EipStatus::Available`] with no binding are candidates; bound, binding
/// and otherwise busy addresses are reported as [`Skipped`], and so are deletion-protected ones.
/// In a release run each candidate is read again just before its release and left alone if it
/// got bound meanwhile (an IP pool may bind a free address at any moment); the provider's
/// release refuses a bound address in any case, never unbinding it. Candidates are released
/// [`SweepOptions::DEFAULT_CONCURRENCY`] at a time ([`sweep_with`] sets how many), reported in
/// the order they were listed, and a failure on one does not stop the others.
///
/// The filter is validated before any request ([`SweepFilter::validate`]); a failing listing
/// is the one error returned (nothing was released then).
///
/// Requests: the listing's pages, then per candidate one read and one release (with the
/// release's own settling read when its answer is lost).
pub async fn sweep(
    provider: &dyn EipProvider,
    filter: &SweepFilter,
    mode: SweepMode,
) -> Result<SweepReport> {
    sweep_with(provider, filter, mode, &SweepOptions::default()).await
}

/// [`sweep`] with options: how many candidates are released at once. The options are validated
/// with the filter, before any request.
pub async fn sweep_with(
    provider: &dyn EipProvider,
    filter: &SweepFilter,
    mode: SweepMode,
    options: &SweepOptions,
) -> Result<SweepReport> {
    filter.validate(provider.capabilities())?;
    options.validate()?;
    let span = tracing::info_span!(
        "sweep",
        provider = %provider.kind(),
        region = provider.region(),
        mode = ?mode
    );
    run_sweep(provider, filter, mode, options.concurrency)
        .instrument(span)
        .await
}

async fn run_sweep(
    provider: &dyn EipProvider,
    filter: &SweepFilter,
    mode: SweepMode,
    concurrency: usize,
) -> Result<SweepReport> {
    let now = OffsetDateTime::now_utc();
    let listed: Vec<Eip> = provider
        .list(&filter.list_filter(), ListOptions::default())
        .try_collect()
        .await?;
    let mut report = SweepReport {
        provider: provider.kind(),
        region: provider.region().to_owned(),
        mode,
        would_release: Vec::new(),
        released: Vec::new(),
        skipped: Vec::new(),
        failed: Vec::new(),
    };
    let mut candidates = Vec::new();
    for eip in listed {
        match verdict(filter, &eip, now) {
            Verdict::NotSelected => {}
            Verdict::Skip(reason) => report.skipped.push(Skipped { eip, reason }),
            Verdict::Release => candidates.push(eip),
        }
    }
    if mode == SweepMode::DryRun {
        report.would_release = candidates;
        return Ok(report);
    }
    let mut outcomes = stream::iter(candidates)
        .map(|listed| release_one(provider, filter, listed, now))
        .buffered(concurrency);
    while let Some(outcome) = outcomes.next().await {
        match outcome {
            Outcome::Released(eip) => report.released.push(eip),
            Outcome::Skipped(skipped) => report.skipped.push(skipped),
            Outcome::Failed(failure) => report.failed.push(failure),
        }
    }
    tracing::info!(
        released = report.released.len(),
        skipped = report.skipped.len(),
        failed = report.failed.len(),
        "swept"
    );
    Ok(report)
}

/// What became of one candidate of a release run.
enum Outcome {
    Released(Eip),
    Skipped(Skipped),
    Failed(SweepFailure),
}

/// Re-reads one candidate and releases it if it still is one.
async fn release_one(
    provider: &dyn EipProvider,
    filter: &SweepFilter,
    listed: Eip,
    now: OffsetDateTime,
) -> Outcome {
    let fresh = match provider.get(&listed.id).await {
        Ok(fresh) => fresh,
        Err(Error::NotFound { .. }) => {
            return Outcome::Skipped(Skipped {
                eip: listed,
                reason: SkipReason::Gone,
            })
        }
        Err(error) => return Outcome::Failed(SweepFailure { eip: listed, error }),
    };
    let reason = match verdict(filter, &fresh, now) {
        Verdict::Release => None,
        Verdict::Skip(SkipReason::Bound) => Some(SkipReason::BoundSinceListed),
        Verdict::Skip(reason) => Some(reason),
        Verdict::NotSelected => Some(SkipReason::ChangedSinceListed),
    };
    if let Some(reason) = reason {
        tracing::info!(id = %fresh.id, %reason, "left alone");
        return Outcome::Skipped(Skipped { eip: fresh, reason });
    }
    match provider.release(&fresh.id).await {
        Ok(()) => Outcome::Released(fresh),
        Err(error) => Outcome::Failed(SweepFailure { eip: fresh, error }),
    }
}

/// What a sweep does with one address.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// The filter does not select it (nor does it need reporting).
    NotSelected,
    /// Selected, but left for this reason.
    Skip(SkipReason),
    /// Selected, and free to release.
    Release,
}

fn verdict(filter: &SweepFilter, eip: &Eip, now: OffsetDateTime) -> Verdict {
    let named = filter.name_prefix.as_ref().is_none_or(|prefix| {
        eip.name
            .as_deref()
            .is_some_and(|name| name.starts_with(prefix.as_str()))
    });
    // The cloud filtered the tags and group where it could; checked again here, because a
    // provider filtering by itself and a re-read address both pass through this function.
    if !named || !filter.list_filter().matches(eip) {
        return Verdict::NotSelected;
    }
    if let (Some(age), Some(created)) = (filter.older_than, eip.created_at) {
        let old_enough = time::Duration::try_from(age)
            .ok()
            .and_then(|age| now.checked_sub(age))
            .is_some_and(|cutoff| created <= cutoff);
        if !old_enough {
            return Verdict::NotSelected;
        }
    }
    if eip.binding.is_some() || matches!(eip.status, EipStatus::Bound | EipStatus::Associating) {
        return Verdict::Skip(SkipReason::Bound);
    }
    if eip.status != EipStatus::Available {
        return Verdict::Skip(SkipReason::NotAvailable(eip.status.clone()));
    }
    if eip.deletion_protection == Some(true) {
        return Verdict::Skip(SkipReason::DeletionProtected);
    }
    if filter.older_than.is_some() && eip.created_at.is_none() {
        return Verdict::Skip(SkipReason::AgeUnknown);
    }
    Verdict::Release
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use async_trait::async_trait;
    use tokio::sync::Notify;

    use super::*;
    use crate::model::{Binding, TargetKind};
    use crate::request::{AllocateRequest, AssociateTarget, Modification, Page, PageRequest};
    use crate::validate::{Charset, TextRule};

    const KIND: ProviderKind = ProviderKind::new("fake");

    fn caps() -> Capabilities {
        Capabilities::new(TextRule {
            min_chars: 1,
            max_chars: 64,
            starts_with_letter: false,
            charset: Charset::Restricted {
                extra: "._-",
                cjk: false,
            },
            forbidden_prefixes: &[],
        })
    }

    /// One region holding addresses in memory. `list_page` answers one page (or fails, or
    /// waits for `gate`); `get` of `binds_on_read` binds that address first, as an IP pool
    /// taking it between a sweep's listing and its release would.
    #[derive(Debug)]
    struct Region {
        region: String,
        caps: Capabilities,
        eips: Mutex<Vec<Eip>>,
        fails: bool,
        gate: Option<Arc<Notify>>,
        binds_on_read: Option<String>,
        writes: Mutex<Vec<String>>,
        /// How long a release takes, and how many were under way at once at most.
        release_takes: Option<Duration>,
        releasing: AtomicUsize,
        most_releasing: AtomicUsize,
    }

    impl Region {
        fn new(region: &str, eips: Vec<Eip>) -> Self {
            Self {
                region: region.into(),
                caps: caps(),
                eips: Mutex::new(eips),
                fails: false,
                gate: None,
                binds_on_read: None,
                writes: Mutex::new(Vec::new()),
                release_takes: None,
                releasing: AtomicUsize::new(0),
                most_releasing: AtomicUsize::new(0),
            }
        }

        fn held(&self) -> Vec<String> {
            self.eips
                .lock()
                .unwrap()
                .iter()
                .map(|e| e.id.clone())
                .collect()
        }
    }

    fn eip(region: &str, id: &str, name: &str) -> Eip {
        let mut eip = Eip::new(
            KIND,
            region,
            id,
            "203.0.113.1".parse().unwrap(),
            EipStatus::Available,
            "Available",
        );
        eip.name = Some(name.into());
        eip.created_at = Some(OffsetDateTime::now_utc() - time::Duration::days(30));
        eip
    }

    fn bind(eip: &mut Eip) {
        let mut binding = Binding::new(TargetKind::Instance);
        binding.instance_id = Some("i-pool".into());
        eip.binding = Some(binding);
        eip.status = EipStatus::Bound;
    }

    #[async_trait]
    impl EipProvider for Region {
        fn kind(&self) -> ProviderKind {
            KIND
        }
        fn region(&self) -> &str {
            &self.region
        }
        fn capabilities(&self) -> &Capabilities {
            &self.caps
        }
        async fn allocate(&self, _: &AllocateRequest) -> Result<Eip> {
            Err(Error::Unsupported {
                what: "test".into(),
            })
        }
        async fn get(&self, id: &str) -> Result<Eip> {
            let mut eips = self.eips.lock().unwrap();
            let eip = eips
                .iter_mut()
                .find(|e| e.id == id)
                .ok_or_else(|| Error::not_found(id))?;
            if self.binds_on_read.as_deref() == Some(id) {
                bind(eip);
            }
            Ok(eip.clone())
        }
        async fn list_page(&self, filter: &ListFilter, _: &PageRequest) -> Result<Page> {
            if let Some(gate) = &self.gate {
                gate.notified().await;
            }
            if self.fails {
                return Err(Error::invalid_input("region", "this region is down"));
            }
            let items: Vec<Eip> = self
                .eips
                .lock()
                .unwrap()
                .iter()
                .filter(|e| filter.matches(e))
                .cloned()
                .collect();
            Ok(Page {
                items,
                next: None,
                total: None,
            })
        }
        async fn associate(&self, _: &str, _: &AssociateTarget) -> Result<()> {
            Err(Error::Unsupported {
                what: "test".into(),
            })
        }
        async fn disassociate(&self, _: &str, _: Option<&AssociateTarget>) -> Result<()> {
            Err(Error::Unsupported {
                what: "test".into(),
            })
        }
        async fn modify(&self, _: &str, _: &Modification) -> Result<()> {
            Err(Error::Unsupported {
                what: "test".into(),
            })
        }
        async fn release(&self, id: &str) -> Result<()> {
            if let Some(takes) = self.release_takes {
                let now = self.releasing.fetch_add(1, Ordering::SeqCst) + 1;
                self.most_releasing.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(takes).await;
                self.releasing.fetch_sub(1, Ordering::SeqCst);
            }
            self.writes.lock().unwrap().push(format!("release {id}"));
            let mut eips = self.eips.lock().unwrap();
            let at = eips
                .iter()
                .position(|e| e.id == id)
                .ok_or_else(|| Error::not_found(id))?;
            if eips[at].binding.is_some() {
                return Err(Error::InvalidState {
                    current: Some(eips[at].status.clone()),
                    service: None,
                });
            }
            eips.remove(at);
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_failing_region_is_reported_and_the_others_arrive() {
        let mut down = Region::new("r2", vec![eip("r2", "eip-lost", "x")]);
        down.fails = true;
        let providers: Vec<Arc<dyn EipProvider>> = vec![
            Arc::new(Region::new(
                "r1",
                vec![eip("r1", "eip-a", "a"), eip("r1", "eip-b", "b")],
            )),
            Arc::new(down),
            Arc::new(Region::new("r3", vec![eip("r3", "eip-c", "c")])),
        ];
        let items: Vec<RegionItem> = list_all(&providers, &ListFilter::new()).collect().await;
        let mut ids: Vec<(String, String)> = items
            .iter()
            .filter_map(|i| {
                i.result
                    .as_ref()
                    .ok()
                    .map(|e| (i.region.clone(), e.id.clone()))
            })
            .collect();
        ids.sort();
        assert_eq!(
            ids,
            [("r1", "eip-a"), ("r1", "eip-b"), ("r3", "eip-c")]
                .map(|(r, i)| (r.to_owned(), i.to_owned()))
        );
        let failures: Vec<&RegionItem> = items.iter().filter(|i| i.is_failure()).collect();
        assert_eq!(failures.len(), 1, "{items:?}");
        assert_eq!(failures[0].region, "r2");
        assert_eq!(failures[0].provider, KIND);
        assert!(
            failures[0].to_string().starts_with("fake r2: "),
            "{}",
            failures[0]
        );
    }

    #[tokio::test]
    async fn a_region_that_answers_first_is_streamed_before_a_slow_one_answers() {
        let gate = Arc::new(Notify::new());
        let mut slow = Region::new("slow", vec![eip("slow", "eip-late", "late")]);
        slow.gate = Some(gate.clone());
        let providers: Vec<Arc<dyn EipProvider>> = vec![
            Arc::new(slow),
            Arc::new(Region::new("fast", vec![eip("fast", "eip-early", "early")])),
        ];
        let filter = ListFilter::new();
        let mut all = list_all(&providers, &filter);
        let first = all.next().await.unwrap();
        assert_eq!(first.region, "fast", "the fast region is not held up");
        gate.notify_one();
        let second = all.next().await.unwrap();
        assert_eq!(second.result.unwrap().id, "eip-late");
        assert!(all.next().await.is_none());
    }

    /// The sweep's region: a, e unbound and old with the prefix; b bound; c protected;
    /// d another name; f without an allocation time; e gets bound when re-read.
    fn sweep_region() -> Region {
        let r = "r1";
        let mut bound = eip(r, "eip-b", "leak-b");
        bind(&mut bound);
        let mut protected = eip(r, "eip-c", "leak-c");
        protected.deletion_protection = Some(true);
        let mut ageless = eip(r, "eip-f", "leak-f");
        ageless.created_at = None;
        let mut young = eip(r, "eip-g", "leak-g");
        young.created_at = Some(OffsetDateTime::now_utc());
        let mut region = Region::new(
            r,
            vec![
                eip(r, "eip-a", "leak-a"),
                bound,
                protected,
                eip(r, "eip-d", "keep-d"),
                eip(r, "eip-e", "leak-e"),
                ageless,
                young,
            ],
        );
        region.binds_on_read = Some("eip-e".into());
        region
    }

    fn leak_filter() -> SweepFilter {
        SweepFilter::new()
            .name_prefix("leak-")
            .older_than(Duration::from_secs(24 * 3600))
    }

    fn reasons(report: &SweepReport) -> Vec<(String, SkipReason)> {
        let mut skipped: Vec<_> = report
            .skipped
            .iter()
            .map(|s| (s.eip.id.clone(), s.reason.clone()))
            .collect();
        skipped.sort_by(|a, b| a.0.cmp(&b.0));
        skipped
    }

    #[tokio::test]
    async fn a_dry_run_lists_the_unbound_candidates_and_writes_nothing() {
        let region = sweep_region();
        let report = sweep(&region, &leak_filter(), SweepMode::DryRun)
            .await
            .unwrap();
        let would: Vec<&str> = report.would_release.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(would, ["eip-a", "eip-e"]);
        assert!(report.released.is_empty() && report.failed.is_empty());
        assert_eq!(
            reasons(&report),
            [
                ("eip-b".to_owned(), SkipReason::Bound),
                ("eip-c".to_owned(), SkipReason::DeletionProtected),
                ("eip-f".to_owned(), SkipReason::AgeUnknown),
            ]
        );
        assert!(
            region.writes.lock().unwrap().is_empty(),
            "a dry run sends no write"
        );
        assert_eq!(region.held().len(), 7);
    }

    #[tokio::test]
    async fn a_candidate_bound_between_listing_and_release_is_skipped() {
        let region = sweep_region();
        let report = sweep(&region, &leak_filter(), SweepMode::Release)
            .await
            .unwrap();
        let released: Vec<&str> = report.released.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(released, ["eip-a"]);
        assert!(report.would_release.is_empty() && report.failed.is_empty());
        assert!(reasons(&report).contains(&("eip-e".to_owned(), SkipReason::BoundSinceListed)));
        assert_eq!(
            *region.writes.lock().unwrap(),
            ["release eip-a"],
            "the address bound meanwhile got no release request"
        );
        assert_eq!(
            region.held(),
            ["eip-b", "eip-c", "eip-d", "eip-e", "eip-f", "eip-g"]
        );
    }

    #[tokio::test]
    async fn a_sweep_needs_a_criterion_and_checks_it_before_listing() {
        let mut region = sweep_region();
        region.fails = true;
        for (filter, field) in [
            (SweepFilter::new(), "filter"),
            (SweepFilter::new().name_prefix(""), "name_prefix"),
            (SweepFilter::new().older_than(Duration::ZERO), "older_than"),
            (
                SweepFilter::new().older_than(Duration::from_secs(u64::MAX)),
                "older_than",
            ),
        ] {
            match sweep(&region, &filter, SweepMode::Release).await {
                Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{filter:?}: {other:?}"),
            }
        }
        // Tags on a provider without tags: refused as unsupported, before the listing (which
        // would fail here).
        assert!(matches!(
            sweep(
                &region,
                &SweepFilter::new().tag("k", "v"),
                SweepMode::DryRun
            )
            .await,
            Err(Error::Unsupported { .. })
        ));
        assert!(region.writes.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_release_run_releases_a_few_at_once_and_reports_in_listing_order() {
        let eips = (0..10)
            .map(|i| eip("r1", &format!("eip-{i}"), &format!("leak-{i}")))
            .collect();
        let mut region = Region::new("r1", eips);
        region.release_takes = Some(Duration::from_millis(20));
        let filter = SweepFilter::new().name_prefix("leak-");
        let options = SweepOptions::new().concurrency(3);
        let report = sweep_with(&region, &filter, SweepMode::Release, &options)
            .await
            .unwrap();
        let released: Vec<&str> = report.released.iter().map(|e| e.id.as_str()).collect();
        let listed: Vec<String> = (0..10).map(|i| format!("eip-{i}")).collect();
        assert_eq!(released, listed);
        assert!(region.held().is_empty());
        assert_eq!(region.most_releasing.load(Ordering::SeqCst), 3);

        for bad in [0, SweepOptions::MAX_CONCURRENCY + 1] {
            let region = Region::new("r1", vec![eip("r1", "eip-x", "leak-x")]);
            let options = SweepOptions::new().concurrency(bad);
            let error = sweep_with(&region, &filter, SweepMode::Release, &options)
                .await
                .unwrap_err();
            assert!(
                matches!(&error, Error::InvalidInput { field, .. } if field == "concurrency"),
                "{error:?}"
            );
            assert_eq!(region.held(), ["eip-x"], "nothing released");
        }
    }
}
