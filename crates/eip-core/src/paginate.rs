//! Every page as one stream.

use std::collections::HashSet;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::error::Result;
use crate::model::Eip;
use crate::provider::EipProvider;
use crate::request::{ListFilter, PageRequest, PageToken};

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
        let rest = match (page.next, page.total) {
            (Some(PageToken::Number(next)), Some(total)) if parallel => {
                let last = u32::try_from(total.div_ceil(u64::from(size))).unwrap_or(u32::MAX);
                numbered(provider, filter, size, next..=last, options.concurrency)
            }
            (Some(token), _) => sequential(provider, filter, size, token),
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
) -> BoxStream<'a, Result<Eip>> {
    walk(Some(token), move |token| async move {
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
    })
}

/// Walks pages one after the other, starting at `start` (`None`: the first page), until a page
/// has no next token, yielding every item; ends after the first error.
///
/// This is the workspace's one page walk: [`list`] uses it for marker pages, and a provider that
/// must search its cloud's raw pages (for a field the normalized model does not carry) uses it
/// rather than writing the loop again. `fetch` gets the token of the page to read and returns
/// its items and the next token.
pub fn walk<'a, T, F, Fut>(start: Option<PageToken>, mut fetch: F) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: FnMut(Option<PageToken>) -> Fut + Send + 'a,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<PageToken>)>> + Send + 'a,
{
    // `Some(token)`: a page to read (`Some(None)` is the first); `None`: done.
    stream::try_unfold(Some(start), move |state| {
        let next = state.map(&mut fetch);
        async move {
            let Some(page) = next else { return Ok(None) };
            let (items, token) = page.await?;
            Ok(Some((items, token.map(Some))))
        }
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
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
}
