//! The VPC API's flat JSON, as serde types that accept what the API really sends.
//!
//! alibaba.md §3.4 (DISAGREE 8): the API metadata types `Bandwidth` and friends as strings while
//! the documented samples show numbers, so every scalar here accepts a number or a string; an
//! empty string means absent; a missing or empty nested object (`"Tags": ""`, no `Tags` at all)
//! is an empty list; a single object where a list is expected is a list of one; unknown fields
//! are ignored. Answers are read in one pass, straight into these types; an object naming one
//! of the fields read here twice is unreadable (serde's rule; the API never sends one).

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// The error body of a 4xx/5xx answer (alibaba.md §4.1).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    /// The error code, e.g. `IncorrectEipStatus`.
    #[serde(default, deserialize_with = "opt_string")]
    pub code: Option<String>,
    /// The message.
    #[serde(default, deserialize_with = "opt_string")]
    pub message: Option<String>,
    /// The request id.
    #[serde(default, deserialize_with = "opt_string")]
    pub request_id: Option<String>,
    /// The host that answered.
    #[serde(default, deserialize_with = "opt_string")]
    pub host_id: Option<String>,
    /// A troubleshooting link.
    #[serde(default, deserialize_with = "opt_string")]
    pub recommend: Option<String>,
}

/// Any successful answer: only the request id is read (Associate, Unassociate, Modify,
/// Release).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Acknowledgement {
    /// The request id.
    #[serde(default, deserialize_with = "opt_string")]
    pub request_id: Option<String>,
}

/// The answer to `AllocateEipAddress` (alibaba.md §3.1).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct AllocateResponse {
    /// The request id.
    #[serde(default, deserialize_with = "opt_string")]
    pub request_id: Option<String>,
    /// The new EIP's id.
    #[serde(default, deserialize_with = "opt_string")]
    pub allocation_id: Option<String>,
    /// The new public address.
    #[serde(default, deserialize_with = "opt_string")]
    pub eip_address: Option<String>,
}

/// The answer to `DescribeEipAddresses` (alibaba.md §3.4).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeResponse {
    /// The request id.
    #[serde(default, deserialize_with = "opt_string")]
    pub request_id: Option<String>,
    /// The number of matching EIPs over all pages.
    #[serde(default, deserialize_with = "opt_u64")]
    pub total_count: Option<u64>,
    /// The page number.
    #[serde(default, deserialize_with = "opt_u64")]
    pub page_number: Option<u64>,
    /// The page size.
    #[serde(default, deserialize_with = "opt_u64")]
    pub page_size: Option<u64>,
    /// The EIPs on this page.
    #[serde(default, deserialize_with = "opt_object")]
    pub eip_addresses: Option<EipAddresses>,
}

impl DescribeResponse {
    /// The EIPs on this page (none when the wrapper is missing).
    pub fn items(&self) -> &[EipAddress] {
        self.eip_addresses
            .as_ref()
            .map(|e| e.eip_address.as_slice())
            .unwrap_or_default()
    }
}

/// `{"EipAddress": [...]}`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct EipAddresses {
    /// The items.
    #[serde(default, deserialize_with = "one_or_many")]
    pub eip_address: Vec<EipAddress>,
}

/// One EIP as `DescribeEipAddresses` reports it. Only the fields the model uses are kept.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct EipAddress {
    /// `eip-…`.
    #[serde(default, deserialize_with = "opt_string")]
    pub allocation_id: Option<String>,
    /// The public address.
    #[serde(default, deserialize_with = "opt_string")]
    pub ip_address: Option<String>,
    /// `Available`, `InUse`, `Associating`, `Unassociating`, `Releasing`.
    #[serde(default, deserialize_with = "opt_string")]
    pub status: Option<String>,
    /// The region.
    #[serde(default, deserialize_with = "opt_string")]
    pub region_id: Option<String>,
    /// The name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// The description, as the documented request parameter spells it.
    #[serde(default, deserialize_with = "opt_string")]
    pub description: Option<String>,
    /// The description, as DescribeEipAddresses really spells it in its answers (its API
    /// reference response table; Terraform's `alicloud/data_source_alicloud_eip_addresses.go`).
    #[serde(default, rename = "Descritpion", deserialize_with = "opt_string")]
    pub descritpion: Option<String>,
    /// When it was allocated (ISO 8601, ending in `Z`).
    #[serde(default, deserialize_with = "opt_string")]
    pub allocation_time: Option<String>,
    /// Mbit/s, as a number or a string.
    #[serde(default, deserialize_with = "opt_u64")]
    pub bandwidth: Option<u64>,
    /// The address's own bandwidth, which stays its own inside an Internet Shared Bandwidth
    /// (where `Bandwidth` is the shared one's).
    #[serde(default, deserialize_with = "opt_u64")]
    pub eip_bandwidth: Option<u64>,
    /// The bandwidth package, when the EIP joined one.
    #[serde(default, deserialize_with = "opt_string")]
    pub bandwidth_package_id: Option<String>,
    /// The bound instance.
    #[serde(default, deserialize_with = "opt_string")]
    pub instance_id: Option<String>,
    /// The bound instance's type (`EcsInstance`, `NetworkInterface`...).
    #[serde(default, deserialize_with = "opt_string")]
    pub instance_type: Option<String>,
    /// The private address it maps to (ENI bindings).
    #[serde(default, deserialize_with = "opt_string")]
    pub private_ip_address: Option<String>,
    /// The ENI binding mode (`NAT`, `MULTI_BINDED`, `BINDED`).
    #[serde(default, deserialize_with = "opt_string")]
    pub mode: Option<String>,
    /// `PayByBandwidth` or `PayByTraffic`.
    #[serde(default, deserialize_with = "opt_string")]
    pub internet_charge_type: Option<String>,
    /// `PostPaid` or `PrePaid`.
    #[serde(default, deserialize_with = "opt_string")]
    pub charge_type: Option<String>,
    /// The line.
    #[serde(default, rename = "ISP", deserialize_with = "opt_string")]
    pub isp: Option<String>,
    /// Tags.
    #[serde(default, deserialize_with = "opt_object")]
    pub tags: Option<Tags>,
    /// `Normal`, `OperationLock`, `Unactivated`.
    #[serde(default, deserialize_with = "opt_string")]
    pub business_status: Option<String>,
    /// The locks the cloud put on the address.
    #[serde(default, deserialize_with = "opt_object")]
    pub operation_locks: Option<OperationLocks>,
}

/// `{"LockReason": [{"LockReason": "financial"}]}`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct OperationLocks {
    /// The locks.
    #[serde(default, deserialize_with = "one_or_many")]
    pub lock_reason: Vec<LockRecord>,
}

/// One lock.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct LockRecord {
    /// `financial` or `security`.
    #[serde(default, deserialize_with = "opt_string")]
    pub lock_reason: Option<String>,
}

/// `{"Tag": [...]}`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Tags {
    /// The tags.
    #[serde(default, deserialize_with = "one_or_many")]
    pub tag: Vec<Tag>,
}

/// One tag.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// The key.
    #[serde(default, deserialize_with = "opt_string")]
    pub key: Option<String>,
    /// The value (absent means empty).
    #[serde(default, deserialize_with = "opt_string")]
    pub value: Option<String>,
}

// The helpers below read each value straight from the JSON stream, in one pass: no
// intermediate `serde_json::Value` tree is built for an answer, and a value that is not kept
// (a structure where a scalar belongs, an unknown field) is skipped without being stored.

/// A scalar as a string: strings as they are, numbers and booleans written out; `""`, `null`
/// and anything structured mean absent.
fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Text)
}

/// A non-negative integer sent as a number (`5`, `5.0`) or a string (`"5"`); `""` and `null`
/// mean absent. Anything else is absent too, noted at debug level: one odd informational field
/// must not make a whole page unreadable.
fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(Count)
}

fn whole(f: Option<f64>) -> Option<u64> {
    f.filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64)
        .map(|f| f as u64)
}

/// A nested object; absent when missing, `null`, `""` or not an object.
fn opt_object<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(Object(PhantomData))
}

/// A list; a single object is a list of one (as XML-to-JSON conversions write it), and a
/// missing, `null` or `""` value is empty.
fn one_or_many<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    d.deserialize_any(OneOrMany(PhantomData))
}

/// Skips the rest of a list that is not kept.
fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<Skipped>()?.is_some() {}
    Ok(())
}

/// Skips the rest of an object that is not kept.
fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, Skipped>()?.is_some() {}
    Ok(())
}

/// A value read and dropped. Unlike [`IgnoredAny`] (which serde_json skips without a depth
/// limit), it is read through `deserialize_any`, so a value nested deeper than serde_json's
/// recursion limit makes the answer unreadable, as it did when answers were read into a
/// `serde_json::Value` first.
struct Skipped;

impl<'de> Deserialize<'de> for Skipped {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skipped;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_none<E: de::Error>(self) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skipped, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Skipped, A::Error> {
        skip_seq(seq).map(|()| Skipped)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Skipped, A::Error> {
        skip_map(map).map(|()| Skipped)
    }
}

/// The visitor of [`opt_string`].
struct Text;

impl<'de> Visitor<'de> for Text {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number or a boolean")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then(|| v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then_some(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // Written as serde_json writes a number (`5.0`); a non-finite one is no number.
        Ok(serde_json::Number::from_f64(v).map(|n| n.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(seq).map(|()| None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map).map(|()| None)
    }
}

/// The visitor of [`opt_u64`].
struct Count;

impl Count {
    /// Absent, noted at debug level.
    fn odd(shown: &dyn fmt::Display) -> Option<u64> {
        tracing::debug!(
            value = %shown,
            "ignoring a number that is not a non-negative integer"
        );
        None
    }

    fn or_odd(parsed: Option<u64>, shown: &dyn fmt::Display) -> Option<u64> {
        parsed.or_else(|| Self::odd(shown))
    }
}

impl<'de> Visitor<'de> for Count {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative integer, as a number or a string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Self::or_odd(u64::try_from(v).ok(), &v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Self::or_odd(whole(Some(v)), &v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let trimmed = v.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let parsed = trimmed
            .parse::<u64>()
            .ok()
            .or_else(|| whole(trimmed.parse().ok()));
        Ok(Self::or_odd(parsed, &format_args!("{v:?}")))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Self::odd(&v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(seq)?;
        Ok(Self::odd(&"a list"))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map)?;
        Ok(Self::odd(&"an object"))
    }
}

/// The visitor of [`opt_object`]: an object is read as `T` in place, anything else skipped.
struct Object<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for Object<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Some)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(seq).map(|()| None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// The visitor of [`one_or_many`]: each item of a list, or one object, read as `T` in place.
struct OneOrMany<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for OneOrMany<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list or an object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(128));
        while let Some(item) = seq.next_element::<T>()? {
            items.push(item);
        }
        Ok(items)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(|item| vec![item])
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn describe(json: &str) -> DescribeResponse {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_may_be_strings_and_empty_strings_are_absent() {
        let page = describe(
            r#"{"RequestId":"r-1","TotalCount":"3","PageNumber":1,"PageSize":"10",
                "EipAddresses":{"EipAddress":[
                  {"AllocationId":"eip-1","IpAddress":"47.0.0.1","Status":"InUse","Bandwidth":"5",
                   "InstanceId":"i-1","InstanceType":"EcsInstance","PrivateIpAddress":"","Name":"",
                   "Tags":{"Tag":[{"Key":"env","Value":"prod"}]},"SomethingNew":{"a":[1]}},
                  {"AllocationId":"eip-2","IpAddress":"47.0.0.2","Status":"Available","Bandwidth":5.0,
                   "InstanceId":"","Tags":""},
                  {"AllocationId":"eip-3","IpAddress":"47.0.0.3","Status":"Available","Bandwidth":""}
                ]}}"#,
        );
        assert_eq!(page.total_count, Some(3));
        assert_eq!(page.page_size, Some(10));
        let items = page.items();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].bandwidth, Some(5));
        assert_eq!(items[0].private_ip_address, None);
        assert_eq!(items[0].name, None);
        assert_eq!(
            items[0].tags.as_ref().unwrap().tag[0].value.as_deref(),
            Some("prod")
        );
        assert_eq!(items[1].bandwidth, Some(5));
        assert_eq!(items[1].instance_id, None);
        assert_eq!(items[1].tags, None);
        assert_eq!(items[2].bandwidth, None);
    }

    #[test]
    fn missing_objects_are_empty_and_single_objects_are_lists() {
        assert!(describe(r#"{"RequestId":"r","TotalCount":0}"#)
            .items()
            .is_empty());
        assert!(describe(r#"{"TotalCount":0,"EipAddresses":{}}"#)
            .items()
            .is_empty());
        assert!(describe(r#"{"TotalCount":0,"EipAddresses":""}"#)
            .items()
            .is_empty());
        assert!(
            describe(r#"{"TotalCount":0,"EipAddresses":{"EipAddress":null}}"#)
                .items()
                .is_empty()
        );
        let one = describe(
            r#"{"EipAddresses":{"EipAddress":{"AllocationId":"eip-9","Tags":{"Tag":{"Key":"k"}}}}}"#,
        );
        assert_eq!(one.items()[0].allocation_id.as_deref(), Some("eip-9"));
        assert_eq!(
            one.items()[0].tags.as_ref().unwrap().tag[0].key.as_deref(),
            Some("k")
        );
    }

    #[test]
    fn odd_numbers_are_absent_not_fatal() {
        let page = describe(
            r#"{"TotalCount":-1,"EipAddresses":{"EipAddress":[{"Bandwidth":"lots"},{"Bandwidth":true}]}}"#,
        );
        assert_eq!(page.total_count, None);
        assert!(page.items().iter().all(|e| e.bandwidth.is_none()));
    }

    #[test]
    fn garbage_is_a_typed_error() {
        for body in [
            "",
            "<html>502 Bad Gateway</html>",
            r#"{"TotalCount":1,"EipAddresses":{"EipAddress":[{"#,
            "null",
        ] {
            assert!(
                serde_json::from_slice::<DescribeResponse>(body.as_bytes()).is_err(),
                "{body:?}"
            );
        }
        assert!(
            serde_json::from_str::<DescribeResponse>(r#"{"EipAddresses":{"EipAddress":[7]}}"#)
                .is_err()
        );
    }

    #[test]
    fn error_bodies_parse_with_or_without_recommend() {
        let e: ErrorBody = serde_json::from_str(
            r#"{"RequestId":"r","HostId":"vpc.aliyuncs.com","Code":"IncorrectEipStatus","Message":"m","Recommend":"https://x"}"#,
        )
        .unwrap();
        assert_eq!(e.code.as_deref(), Some("IncorrectEipStatus"));
        assert_eq!(e.recommend.as_deref(), Some("https://x"));
        let old: ErrorBody =
            serde_json::from_str(r#"{"RequestId":"r","Code":"X","Message":"m"}"#).unwrap();
        assert_eq!(old.recommend, None);
        let ack: Acknowledgement = serde_json::from_str(r#"{"RequestId":"r-7"}"#).unwrap();
        assert_eq!(ack.request_id.as_deref(), Some("r-7"));
        let alloc: AllocateResponse = serde_json::from_str(
            r#"{"RequestId":"r","AllocationId":"eip-1","EipAddress":"1.2.3.4","OrderId":""}"#,
        )
        .unwrap();
        assert_eq!(alloc.allocation_id.as_deref(), Some("eip-1"));
    }
}
