//! Every page as one stream.

use std::collections::HashSet;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::error::{Error, Result};
use crate::model::Eip;
use crate::provider::EipProvider;
use crate::request::{ListFilter, PageRequest, PageToken};

/// The most pages one listing reads: a cloud that never stops paging (a repeated marker is caught
/// sooner, but a fresh marker on every page is not) ends with [`Error::InvalidResponse`] here,
/// after 10,000 pages (a million addresses in pages of 100, far above any account's quota).
pub const MAX_PAGES: u32 = 10_000;

/// How to walk the pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListOptions {
    /// Items per page; the provider's maximum when `None`.
    pub page_size: Option<u32>,
    /// How many pages may be fetched at once when the provider's pages are numbered.
    pub concurrency: usize,
}

impl Default for ListOptions {
    /// The provider's largest pages, 16 in flight: listing 10,000 addresses in pages of 100 then
    /// takes the first page plus 7 rounds, instead of 13 with 8 in flight (see BENCHMARKS.md).
    fn default() -> Self {
        Self {
            page_size: None,
            concurrency: 16,
        }
    }
}

impl ListOptions {
    /// Sets the page size.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Sets how many pages may be in flight (at least 1).
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.concurrency = pages.max(1);
        self
    }
}

/// Lists every address matching `filter`.
///
/// The first page is read alone. When it has a numbered next page, a total, and the provider
/// declares [`crate::Capabilities::parallel_pages`], the remaining pages are fetched
/// `options.concurrency` at a time, in order; otherwise the markers are followed one page after
/// the other. An address seen twice (the inventory shifted between pages) is yielded once. The
/// stream ends after the first error.
pub fn list<'a, P>(
    provider: &'a P,
    filter: &'a ListFilter,
    options: ListOptions,
) -> BoxStream<'a, Result<Eip>>
where
    P: EipProvider + ?Sized,
{
    let caps = provider.capabilities();
    let size = options
        .page_size
        .unwrap_or(caps.max_page_size)
        .clamp(1, caps.max_page_size);
    let parallel = caps.parallel_pages;
    let first = async move {
        provider
            .list_page(
                filter,
                &PageRequest {
                    token: None,
                    size: Some(size),
                },
            )
            .await
    };
    let pages = stream::once(first).flat_map(move |first| -> BoxStream<'a, Result<Eip>> {
        let page = match first {
            Ok(page) => page,
            Err(e) => return stream::once(async { Err(e) }).boxed(),
        };
        let items = stream::iter(page.items.into_iter().map(Ok));
        // The pages a reported total allows: more than that is a cloud that does not stop.
        let allowed = page
            .total
            .map(|total| total.div_ceil(u64::from(size)).saturating_add(1))
            .unwrap_or(u64::from(MAX_PAGES));
        if allowed > u64::from(MAX_PAGES) {
            return stream::once(async move {
                Err(invalid_page(format!(
                    "the cloud reports {} matches, more than {MAX_PAGES} pages of {size}",
                    page.total.unwrap_or_default()
                )))
            })
            .boxed();
        }
        let allowed = u32::try_from(allowed).unwrap_or(MAX_PAGES);
        let rest = match (page.next, page.total) {
            (Some(PageToken::Number(next)), Some(total)) if parallel => {
                let last = u32::try_from(total.div_ceil(u64::from(size))).unwrap_or(MAX_PAGES);
                if next < 2 {
                    return items
                        .chain(stream::once(async move {
                            Err(invalid_page(format!(
                                "the first page points back to page {next}"
                            )))
                        }))
                        .boxed();
                }
                numbered(provider, filter, size, next..=last, options.concurrency)
            }
            (Some(token), _) => sequential(provider, filter, size, token, allowed),
            (None, _) => stream::empty().boxed(),
        };
        items.chain(rest).boxed()
    });
    let mut seen = HashSet::new();
    let mut failed = false;
    pages
        .filter_map(move |item| {
            let keep = match &item {
                Ok(eip) => seen.insert(eip.id.clone()),
                Err(_) => true,
            };
            futures::future::ready(keep.then_some(item))
        })
        .take_while(move |item| {
            let go_on = !failed;
            failed |= item.is_err();
            futures::future::ready(go_on)
        })
        .boxed()
}

fn numbered<'a, P: EipProvider + ?Sized>(
    provider: &'a P,
    filter: &'a ListFilter,
    size: u32,
    numbers: std::ops::RangeInclusive<u32>,
    concurrency: usize,
) -> BoxStream<'a, Result<Eip>> {
    stream::iter(numbers)
        .map(move |n| async move {
            provider
                .list_page(
                    filter,
                    &PageRequest {
                        token: Some(PageToken::Number(n)),
                        size: Some(size),
                    },
                )
                .await
        })
        .buffered(concurrency.max(1))
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

fn sequential<'a, P: EipProvider + ?Sized>(
    provider: &'a P,
    filter: &'a ListFilter,
    size: u32,
    token: PageToken,
    max_pages: u32,
) -> BoxStream<'a, Result<Eip>> {
    // The first page has been read already.
    walk_bounded(
        Some(token),
        max_pages.saturating_sub(1),
        move |token| async move {
            let page = provider
                .list_page(
                    filter,
                    &PageRequest {
                        token,
                        size: Some(size),
                    },
                )
                .await?;
            Ok((page.items, page.next))
        },
    )
}

/// Walks pages one after the other, starting at `start` (`None`: the first page), until a page
/// has no next token, yielding every item; ends after the first error.
///
/// This is the workspace's one page walk: [`list`] uses it for marker pages, and a provider that
/// must search its cloud's raw pages (for a field the normalized model does not carry) uses it
/// rather than writing the loop again. `fetch` gets the token of the page to read and returns
/// its items and the next token.
///
/// The walk ends with [`Error::InvalidResponse`] instead of another request when the cloud
/// hands out a token it gave before (a repeated marker would loop forever) or after
/// [`MAX_PAGES`] pages.
pub fn walk<'a, T, F, Fut>(start: Option<PageToken>, fetch: F) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: FnMut(Option<PageToken>) -> Fut + Send + 'a,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<PageToken>)>> + Send + 'a,
{
    walk_bounded(start, MAX_PAGES, fetch)
}

/// [`walk`] reading at most `max_pages` pages.
pub fn walk_bounded<'a, T, F, Fut>(
    start: Option<PageToken>,
    max_pages: u32,
    mut fetch: F,
) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: FnMut(Option<PageToken>) -> Fut + Send + 'a,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<PageToken>)>> + Send + 'a,
{
    struct Walk {
        /// `Some(token)`: a page to read (`Some(None)` is the first); `None`: done.
        next: Option<Option<PageToken>>,
        seen: HashSet<PageToken>,
        pages: u32,
        /// A bad token seen after the last page's items: reported after yielding them.
        bad: Option<Error>,
    }
    let state = Walk {
        seen: start.iter().cloned().collect(),
        next: Some(start),
        pages: 0,
        bad: None,
    };
    stream::try_unfold(state, move |mut state| {
        let request = match state.next.take() {
            _ if state.bad.is_some() => Err(state
                .bad
                .take()
                .unwrap_or_else(|| invalid_page(String::new()))),
            Some(_) if state.pages >= max_pages => Err(invalid_page(format!(
                "the cloud still had pages after {max_pages}"
            ))),
            Some(token) => {
                state.pages += 1;
                Ok(Some(fetch(token)))
            }
            None => Ok(None),
        };
        async move {
            let Some(page) = request? else {
                return Ok(None);
            };
            let (items, token) = page.await?;
            match token {
                Some(token) if !state.seen.insert(token.clone()) => {
                    state.bad = Some(invalid_page(format!(
                        "the cloud handed out page token {token:?} a second time"
                    )));
                }
                token => state.next = token.map(Some),
            }
            Ok(Some((items, state)))
        }
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}

fn invalid_page(reason: String) -> Error {
    Error::InvalidResponse {
        operation: "list".into(),
        reason,
        http_status: None,
        request_id: None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test]
    async fn walk_follows_tokens_until_the_last_page_and_stops_at_an_error() {
        let pages = |token: Option<PageToken>| async move {
            match token {
                None => Ok((vec![1, 2], Some(PageToken::Marker("b".into())))),
                Some(PageToken::Marker(m)) if m == "b" => Ok((vec![3], Some(PageToken::Number(3)))),
                Some(PageToken::Number(3)) => Ok((vec![4], None)),
                other => panic!("unexpected token {other:?}"),
            }
        };
        let all: Vec<i32> = walk(None, pages).try_collect().await.unwrap();
        assert_eq!(all, vec![1, 2, 3, 4]);

        let mut reads = 0;
        let failing = walk(None, move |token: Option<PageToken>| {
            reads += 1;
            let n = reads;
            async move {
                match (n, token) {
                    (1, None) => Ok((vec![1], Some(PageToken::Number(2)))),
                    _ => Err(crate::Error::not_found("page")),
                }
            }
        });
        let seen: Vec<Result<i32>> = failing.collect().await;
        assert_eq!(seen.len(), 2, "one item, then the error, then the end");
        assert!(seen[0].is_ok() && seen[1].is_err());
    }

    #[tokio::test]
    async fn a_repeated_marker_ends_the_walk_instead_of_looping() {
        let mut reads = 0u32;
        let walked: Vec<Result<u32>> = walk(None, |_token: Option<PageToken>| {
            reads += 1;
            let n = reads;
            async move { Ok((vec![n], Some(PageToken::Marker("same".into())))) }
        })
        .collect()
        .await;
        assert_eq!(walked.len(), 3, "two pages, then the error: {walked:?}");
        assert!(matches!(
            walked.last(),
            Some(Err(Error::InvalidResponse { reason, .. })) if reason.contains("second time")
        ));
    }

    #[tokio::test]
    async fn endless_fresh_markers_stop_at_the_page_cap() {
        let mut reads = 0u32;
        let walked: Vec<Result<u32>> = walk_bounded(None, 5, |_token: Option<PageToken>| {
            reads += 1;
            let n = reads;
            async move { Ok((vec![n], Some(PageToken::Marker(format!("m{n}"))))) }
        })
        .collect()
        .await;
        assert_eq!(walked.len(), 6, "five pages then the error");
        assert!(walked[5].is_err());
    }
}
