//! `/v2.0/{project_id}/publicips/.../tags`: the EIP tag API (Batch Creating or Deleting EIP Tags,
//! <https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apitag_0004.html>; Creating a Tag for
//! an EIP, <https://support.huaweicloud.com/intl/en-us/eu-west-0-api-vpc/eip_tag_0001.html>;
//! Querying EIPs by Tag, <https://support.huaweicloud.com/api-eip/eip_apitag_0005.html>).
//!
//! Rules enforced, from those pages: a key is 1–36 letters, digits, `_`, `-` or CJK
//! characters, a value at most 43 letters, digits, `_`, `.`, `-` or CJK characters; a create
//! with a key twice is refused, an existing key gets the new value; a delete of a missing key
//! succeeds, and its keys are not checked against the character set (only non-empty). An
//! address carries at most [`MAX_TAGS`]. A query takes at most 10 keys of at most 10 values,
//! `limit` 1–1000 (default 1000) and `offset` ≥ 0; keys are ANDed, the values of a key ORed,
//! no values means any value. Every refusal is 400 `VPC.0501` (the pages give no codes of
//! their own); writes answer 204, as the pages' examples show no body.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::server::Body;
use http::{Response, StatusCode};
use serde_json::{json, Map, Value};
use tokio::time::Instant;

use super::reply::{empty_response, json_response, ApiError};
use super::validate::{json_object, member, opt_str};
use super::{wire, HuaweiSim};

/// Tags one address may carry (the bound ListPublicipsByTags puts on one query, 10 keys).
pub(crate) const MAX_TAGS: usize = 10;

fn is_tag_char(c: char, extra: &str) -> bool {
    c.is_alphanumeric() || extra.contains(c)
}

fn check_key(key: &str) -> Result<(), ApiError> {
    let count = key.chars().count();
    if (1..=36).contains(&count) && key.chars().all(|c| is_tag_char(c, "_-")) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!("Invalid tag key {key:?}.")))
    }
}

fn check_value(value: &str) -> Result<(), ApiError> {
    if value.chars().count() <= 43 && value.chars().all(|c| is_tag_char(c, "_.-")) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!("Invalid tag value {value:?}.")))
    }
}

/// A `{key, value}` object; `value` may be missing (a delete) and is then empty.
fn tag_of(item: &Value) -> Result<(String, String), ApiError> {
    let object = item
        .as_object()
        .ok_or_else(|| ApiError::invalid("A tag must be an object."))?;
    let key = opt_str(object, "key")?
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::invalid("The tag key cannot be empty."))?;
    let value = opt_str(object, "value")?.unwrap_or_default();
    Ok((key.to_owned(), value.to_owned()))
}

/// The tags to create, checked, each key once.
fn new_tags(items: &[Value]) -> Result<BTreeMap<String, String>, ApiError> {
    let mut tags = BTreeMap::new();
    for item in items {
        let (key, value) = tag_of(item)?;
        check_key(&key)?;
        check_value(&value)?;
        if tags.insert(key.clone(), value).is_some() {
            return Err(ApiError::invalid(format!("Duplicate tag key {key:?}.")));
        }
    }
    Ok(tags)
}

/// An integer that may come as a string (the query page's examples send `"offset": "0"`).
fn number(map: &Map<String, Value>, key: &str) -> Result<Option<u64>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| ApiError::invalid(format!("Invalid {key}."))),
        Some(Value::String(s)) => s
            .parse::<u64>()
            .map(Some)
            .map_err(|_| ApiError::invalid(format!("Invalid {key}."))),
        Some(_) => Err(ApiError::invalid(format!("Invalid {key}."))),
    }
}

/// The tag conditions of a query: key → accepted values (empty: any value).
fn conditions(request: &Map<String, Value>) -> Result<Vec<(String, BTreeSet<String>)>, ApiError> {
    let items = match request.get("tags") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ApiError::invalid("tags must be a list.")),
    };
    if items.len() > 10 {
        return Err(ApiError::invalid("At most 10 tag keys per query."));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let object = item
            .as_object()
            .ok_or_else(|| ApiError::invalid("A tag must be an object."))?;
        let key = opt_str(object, "key")?
            .filter(|k| !k.is_empty())
            .ok_or_else(|| ApiError::invalid("The tag key cannot be empty."))?;
        if !seen.insert(key.to_owned()) {
            return Err(ApiError::invalid(format!("Duplicate tag key {key:?}.")));
        }
        let values = match object.get("values") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(values)) => values.clone(),
            Some(_) => return Err(ApiError::invalid("values must be a list.")),
        };
        if values.len() > 10 {
            return Err(ApiError::invalid("At most 10 values per tag key."));
        }
        let mut accepted = BTreeSet::new();
        for value in &values {
            let value = value
                .as_str()
                .ok_or_else(|| ApiError::invalid("A tag value must be a string."))?;
            if !accepted.insert(value.to_owned()) {
                return Err(ApiError::invalid(format!("Duplicate value {value:?}.")));
            }
        }
        out.push((key.to_owned(), accepted));
    }
    Ok(out)
}

impl HuaweiSim {
    /// `POST /v2.0/{project_id}/publicips/{id}/tags/action` → 204; with a read lag, reads show
    /// the previous tags for the lag.
    pub(super) fn tag_action(
        &self,
        id: &str,
        body: &[u8],
        request_id: &str,
        lag: Option<Duration>,
    ) -> Result<Response<Body>, ApiError> {
        let request = json_object(body)?;
        let items = match request.get("tags") {
            Some(Value::Array(items)) => items.clone(),
            _ => return Err(ApiError::invalid("tags is required.")),
        };
        let create = match opt_str(&request, "action")? {
            Some("create") => true,
            Some("delete") => false,
            _ => return Err(ApiError::invalid("action must be create or delete.")),
        };
        let mut state = self.lock();
        state.settle(Instant::now());
        let eip = state.eips.get_mut(id).ok_or_else(ApiError::eip_not_found)?;
        let previous = lag.map(|_| eip.clone());
        if create {
            let tags = new_tags(&items)?;
            let mut after = eip.tags.clone();
            after.extend(tags);
            if after.len() > MAX_TAGS {
                return Err(ApiError::invalid(format!(
                    "An EIP can have at most {MAX_TAGS} tags."
                )));
            }
            eip.tags = after;
        } else {
            let keys = items
                .iter()
                .map(|item| tag_of(item).map(|(key, _)| key))
                .collect::<Result<Vec<_>, _>>()?;
            for key in keys {
                eip.tags.remove(&key);
            }
        }
        state.remember(id, lag, previous);
        Ok(empty_response(StatusCode::NO_CONTENT, request_id))
    }

    /// `POST /v2.0/{project_id}/publicips/{id}/tags` with `{"tag":{key,value}}` → 204.
    pub(super) fn create_tag(
        &self,
        id: &str,
        body: &[u8],
        request_id: &str,
        lag: Option<Duration>,
    ) -> Result<Response<Body>, ApiError> {
        let request = json_object(body)?;
        let tag = member(&request, "tag")?;
        let batch = json!({"action": "create", "tags": [Value::Object(tag.clone())]});
        self.tag_action(id, batch.to_string().as_bytes(), request_id, lag)
    }

    /// `DELETE /v2.0/{project_id}/publicips/{id}/tags/{key}` → 204; 404 when the key is absent.
    pub(super) fn delete_tag(
        &self,
        id: &str,
        key: &str,
        request_id: &str,
        lag: Option<Duration>,
    ) -> Result<Response<Body>, ApiError> {
        let mut state = self.lock();
        state.settle(Instant::now());
        let eip = state.eips.get_mut(id).ok_or_else(ApiError::eip_not_found)?;
        let previous = lag.map(|_| eip.clone());
        eip.tags.remove(key).ok_or_else(|| {
            ApiError::vpc(
                StatusCode::NOT_FOUND,
                "VPC.0504",
                format!("Tag {key:?} could not be found."),
            )
        })?;
        state.remember(id, lag, previous);
        Ok(empty_response(StatusCode::NO_CONTENT, request_id))
    }

    /// `GET /v2.0/{project_id}/publicips/{id}/tags` → `{"tags":[{key,value}]}`.
    pub(super) fn show_tags(&self, id: &str, request_id: &str) -> Result<Response<Body>, ApiError> {
        let now = Instant::now();
        let mut state = self.lock();
        state.settle(now);
        let eip = state.visible(id, now).ok_or_else(ApiError::eip_not_found)?;
        let body = json!({"tags": wire::tag_objects(&eip.tags)});
        Ok(json_response(StatusCode::OK, &body, request_id))
    }

    /// `GET /v2.0/{project_id}/publicips/tags` → every key of the project with its values.
    pub(super) fn project_tags(&self, request_id: &str) -> Result<Response<Body>, ApiError> {
        let now = Instant::now();
        let mut state = self.lock();
        state.settle(now);
        let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for eip in state.visible_eips(now).values() {
            for (key, value) in &eip.tags {
                keys.entry(key.clone()).or_default().insert(value.clone());
            }
        }
        let tags: Vec<Value> = keys
            .into_iter()
            .map(|(key, values)| json!({"key": key, "values": values}))
            .collect();
        Ok(json_response(
            StatusCode::OK,
            &json!({ "tags": tags }),
            request_id,
        ))
    }

    /// `POST /v2.0/{project_id}/publicips/resource_instances/action`: `filter` → a page of
    /// `resources` in id order with `total_count`; `count` → `total_count` alone.
    pub(super) fn resource_instances(
        &self,
        body: &[u8],
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let request = json_object(body)?;
        let filter = match opt_str(&request, "action")? {
            Some("filter") => true,
            Some("count") => false,
            _ => return Err(ApiError::invalid("action must be filter or count.")),
        };
        let wanted = conditions(&request)?;
        let limit = number(&request, "limit")?.unwrap_or(1000);
        if !(1..=1000).contains(&limit) {
            return Err(ApiError::invalid("Invalid limit."));
        }
        let offset = number(&request, "offset")?.unwrap_or(0);
        let now = Instant::now();
        let mut state = self.lock();
        state.settle(now);
        let eips = state.visible_eips(now);
        let matching: Vec<_> = eips
            .values()
            .filter(|eip| {
                wanted.iter().all(|(key, values)| {
                    eip.tags
                        .get(key)
                        .is_some_and(|v| values.is_empty() || values.contains(v))
                })
            })
            .collect();
        let total = matching.len();
        if !filter {
            return Ok(json_response(
                StatusCode::OK,
                &json!({ "total_count": total }),
                request_id,
            ));
        }
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(1000);
        let resources: Vec<Value> = matching
            .iter()
            .skip(skip)
            .take(take)
            .map(|eip| {
                json!({
                    "resource_id": eip.id,
                    "resource_name": eip.alias.clone().unwrap_or_default(),
                    "resource_detail": {},
                    "tags": wire::tag_objects(&eip.tags),
                })
            })
            .collect();
        Ok(json_response(
            StatusCode::OK,
            &json!({ "resources": resources, "total_count": total }),
            request_id,
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_documented_key_and_value_rules() {
        assert!(check_key("team_1-a").is_ok() && check_key("团队").is_ok());
        assert!(check_key("").is_err() && check_key("a.b").is_err());
        assert!(check_key(&"k".repeat(36)).is_ok() && check_key(&"k".repeat(37)).is_err());
        assert!(check_value("").is_ok() && check_value("v1.2_x-y").is_ok());
        assert!(check_value(&"v".repeat(43)).is_ok() && check_value(&"v".repeat(44)).is_err());
        assert!(check_value("a b").is_err());
        let twice = [
            json!({"key": "k", "value": "1"}),
            json!({"key": "k", "value": "2"}),
        ];
        assert!(new_tags(&twice).is_err(), "a key twice in one create");
    }

    #[test]
    fn query_conditions_are_bounded_and_unique() {
        let map = |v: Value| v.as_object().unwrap().clone();
        let ok = conditions(&map(
            json!({"tags": [{"key": "a", "values": ["1", "2"]}, {"key": "b"}]}),
        ))
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert!(ok[1].1.is_empty(), "no values: any value");
        let eleven: Vec<Value> = (0..11).map(|n| json!({"key": format!("k{n}")})).collect();
        assert!(conditions(&map(json!({ "tags": eleven }))).is_err());
        assert!(conditions(&map(json!({"tags": [{"key": "a"}, {"key": "a"}]}))).is_err());
        assert!(conditions(&map(json!({"tags": [{"key": "a", "values": ["1", "1"]}]}))).is_err());
        assert!(number(&map(json!({"offset": "5"})), "offset").unwrap() == Some(5));
        assert!(number(&map(json!({"offset": -1})), "offset").is_err());
    }
}
