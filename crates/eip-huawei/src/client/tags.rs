//! Tags through the EIP v2.0 tag API: written with `POST /v2.0/{project_id}/publicips/{id}/tags/action`
//! (BatchCreatePublicipTags / BatchDeletePublicipTags,
//! <https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apitag_0004.html>), read from the
//! publicip object's `tags` (`"key=value"` strings, huaweicloudsdkeip
//! `v2/model/publicip_show_resp.py`), and filtered in the cloud with
//! `POST /v2.0/{project_id}/publicips/resource_instances/action` (ListPublicipsByTags,
//! <https://support.huaweicloud.com/api-eip/eip_apitag_0005.html>).

use std::collections::{BTreeMap, BTreeSet};

use eip_core::wait::{self, TransitionKind, WaitPolicy};
use eip_core::{
    validate, AllocateRequest, Eip, Error, ListFilter, Page, PageRequest, PageToken, TagChange,
};
use reqwest::Method;

use super::{HuaweiProvider, Reads};
use crate::mapping::{eip_from, split_tag};
use crate::transport::{Api, VpcRequest};
use crate::wire::{self, ResourceList, ResourceQuery, Tag, TagAction, TagCondition};

/// The largest page of ListPublicipsByTags (`limit` 1–1000, the page above).
pub(crate) const MAX_TAGGED_PAGE: u32 = 1000;

/// Ids per `GET publicips?id=..&id=..` when reading the addresses a tag query found: the query
/// string of 100 UUIDs stays near 4 KB, well under what gateways accept.
const IDS_PER_READ: usize = 100;

impl HuaweiProvider {
    /// [`eip_core::EipProvider::set_tags`]: the address is read first (its `tags`, one request)
    /// so that a change that would leave more than [`eip_core::Capabilities::max_tags`] is
    /// refused before anything is written; then the removals, then the additions, one batch
    /// each. Removals go first so that a change replacing tags at the limit never passes
    /// through one tag too many. If the additions fail, the removals have already taken effect.
    pub(super) async fn set_tags_checked(&self, id: &str, change: &TagChange) -> Result<(), Error> {
        validate::id("id", id)?;
        change.validate(&self.capabilities)?;
        let max = self.capabilities.max_tags();
        let current = self.show_raw(id, Reads::Retried).await?;
        let mut after: BTreeSet<String> = current.tags.iter().map(|tag| split_tag(tag).0).collect();
        for key in &change.remove {
            after.remove(key);
        }
        after.extend(change.add.keys().cloned());
        if after.len() > max {
            return Err(Error::invalid_input(
                "tags",
                format!(
                    "eip {id} would carry {} tags; at most {max} per address (it has {})",
                    after.len(),
                    current.tags.len()
                ),
            ));
        }
        if !change.remove.is_empty() {
            let keys = change
                .remove
                .iter()
                .map(|key| Tag {
                    key: Some(key.clone()),
                    value: None,
                })
                .collect();
            self.tag_action(id, TagVerb::Delete, keys).await?;
        }
        if !change.add.is_empty() {
            self.tag_action(id, TagVerb::Create, tags_of(&change.add))
                .await?;
        }
        Ok(())
    }

    /// One batch of the tag API. The cloud documents the call as idempotent (creating a key
    /// that exists overwrites its value, deleting a missing key succeeds: the BatchCreate /
    /// BatchDelete page above), so a lost answer is simply sent again.
    async fn tag_action(&self, id: &str, verb: TagVerb, tags: Vec<Tag>) -> Result<(), Error> {
        let (action, name) = match verb {
            TagVerb::Create => ("create", "BatchCreatePublicipTags"),
            TagVerb::Delete => ("delete", "BatchDeletePublicipTags"),
        };
        let request = VpcRequest {
            action: name,
            method: Method::POST,
            path: format!("publicips/{id}/tags/action"),
            query: Vec::new(),
            body: Some(wire::to_body(&TagAction { action, tags })?),
            idempotent: true,
            resource: format!("eip {id}"),
            id: Some(id.to_owned()),
        };
        self.transport.on(Api::V2).call(&request).await.map(drop)
    }

    /// [`eip_core::EipProvider::allocate`] with tags: the v1 create takes none, so the address is
    /// created (exactly once, see the crate docs), waited for until it is no longer
    /// `PENDING_CREATE`, and then tagged, in the order Terraform's huaweicloud provider uses
    /// (`huaweicloud/services/eip/resource_huaweicloud_vpc_eip.go`: the new EIP waited for until
    /// `DOWN` or `ACTIVE`, then its tags created). An address still being created refuses writes
    /// as busy (`VPC.0512`), which would spend the tag write's (or the undo's) attempts.
    ///
    /// When tagging fails after the create succeeded, the address never leaks silently:
    /// - with an idempotency key, the address is **kept** and the error says so: allocating
    ///   again with the same key returns that address and tags it (the tag write is idempotent);
    /// - without one, the address is **released** (no later call could find it), and the error
    ///   says so, or says that the release failed too and names the address to release.
    pub(super) async fn allocate_tagged(&self, request: &AllocateRequest) -> Result<Eip, Error> {
        if request.tags.is_empty() {
            return self.allocate_stamped(request).await;
        }
        // Before anything is sent: the tags too, not only what the create carries.
        request.validate(&self.capabilities)?;
        let eip = self.allocate_stamped(request).await?;
        eip_core::allocation::finish_or_undo(
            eip,
            request.idempotency_key.is_some(),
            |eip| async move {
                let mut eip = if eip.status.is_transitional() {
                    wait::until_kind(
                        self,
                        &eip.id,
                        &WaitPolicy::default(),
                        Some(TransitionKind::Allocate),
                        |e| !e.status.is_transitional(),
                    )
                    .await?
                } else {
                    eip
                };
                self.tag_action(&eip.id, TagVerb::Create, tags_of(&request.tags))
                    .await?;
                eip.tags.extend(request.tags.clone());
                Ok(eip)
            },
            |id| async move { self.release_checked(&id).await },
        )
        .await
    }

    /// [`eip_core::EipProvider::list_page`] with tags: the cloud finds the tagged addresses
    /// (ListPublicipsByTags, every tag with its one value, all of them required), and one
    /// `GET publicips?id=...` per 100 of them reads the addresses. Pages are numbered (the query
    /// pages by offset) and hold at most [`MAX_TAGGED_PAGE`] addresses; the rest of the filter
    /// is applied to the page.
    pub(super) async fn list_tagged(
        &self,
        filter: &ListFilter,
        page: &PageRequest,
    ) -> Result<Page, Error> {
        filter.validate(&self.capabilities)?;
        if let Some(rule) = &self.capabilities.tags {
            rule.check_tags("tags", &filter.tags)?;
        }
        let size = page.size.unwrap_or(MAX_TAGGED_PAGE).min(MAX_TAGGED_PAGE);
        if size == 0 {
            return Err(Error::invalid_input("page_size", "must be at least 1"));
        }
        let number = match &page.token {
            None => 1,
            Some(PageToken::Number(n)) if *n >= 1 => *n,
            Some(_) => {
                return Err(Error::invalid_input(
                    "page_token",
                    "a tag-filtered Huawei list pages by number, from 1",
                ))
            }
        };
        let offset = (number - 1).saturating_mul(size);
        let query = ResourceQuery {
            action: "filter",
            tags: filter
                .tags
                .iter()
                .map(|(key, value)| TagCondition {
                    key: key.clone(),
                    values: vec![value.clone()],
                })
                .collect(),
            limit: size,
            offset,
        };
        let request = VpcRequest {
            action: "ListPublicipsByTags",
            method: Method::POST,
            path: "publicips/resource_instances/action".to_owned(),
            query: Vec::new(),
            body: Some(wire::to_body(&query)?),
            // A query: repeating it changes nothing.
            idempotent: true,
            resource: "eips".to_owned(),
            id: None,
        };
        let answer = self.transport.on(Api::V2).call(&request).await?;
        let found: ResourceList = wire::parse(
            request.action,
            answer.status,
            answer.request_id.as_deref(),
            &answer.body,
        )?;
        let seen = u64::from(offset).saturating_add(found.resources.len() as u64);
        let more = found.resources.len() >= size as usize
            && found.total_count.is_none_or(|total| seen < total);
        let next = more.then(|| PageToken::Number(number.saturating_add(1)));
        let mut tags: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for resource in &found.resources {
            // An id from the cloud goes into a query: checked like a caller's.
            let Some(id) = resource
                .resource_id
                .as_ref()
                .filter(|id| validate::id("resource_id", id).is_ok())
            else {
                continue;
            };
            let of = resource
                .tags
                .iter()
                .filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default())))
                .collect();
            tags.insert(id.clone(), of);
        }
        let ids: Vec<&String> = tags.keys().collect();
        let mut items = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_READ) {
            let mut query = vec![("limit".to_owned(), chunk.len().to_string())];
            if let Some(group) = &filter.resource_group {
                query.push(("enterprise_project_id".to_owned(), group.clone()));
            }
            query.extend(chunk.iter().map(|id| ("id".to_owned(), (*id).clone())));
            for ip in self.list_raw(query, Reads::Retried).await? {
                let mut eip = eip_from("ListPublicips", &self.region, &ip)?;
                // The tag query's answer is the authority on tags.
                if let Some(of) = tags.get(&eip.id) {
                    eip.tags = of.clone();
                }
                items.push(eip);
            }
        }
        self.resolve_bindings(&mut items).await?;
        items.retain(|eip| filter.matches(eip));
        Ok(Page {
            items,
            next,
            total: found.total_count,
        })
    }
}

#[derive(Clone, Copy)]
enum TagVerb {
    Create,
    Delete,
}

fn tags_of(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(key, value)| Tag {
            key: Some(key.clone()),
            value: Some(value.clone()),
        })
        .collect()
}
