//! Huawei's JSON as serde types, tolerant of what the API really sends: every field may be
//! missing or `null`, numbers may come as strings (huawei.md §5.1: "decimals and strings are
//! coerced"), and unknown fields are ignored. Bodies we send are built here too.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use eip_core::Error;

/// Parses a 2xx body; anything that is not the expected JSON is [`Error::InvalidResponse`].
pub(crate) fn parse<T: DeserializeOwned>(
    action: &str,
    status: u16,
    request_id: Option<&str>,
    body: &[u8],
) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::InvalidResponse {
        operation: action.to_owned(),
        reason: if body.is_empty() {
            "empty body".to_owned()
        } else {
            format!("not the expected JSON: {e}")
        },
        http_status: Some(status),
        request_id: request_id.map(str::to_owned),
    })
}

// The field readers below take each value straight from the JSON stream, in one pass: no
// `serde_json::Value` is built for a scalar, and a structure where a scalar belongs is skipped
// without being stored.

/// A string, a number or a boolean as text; `null`, `""` and anything else as `None`.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Scalar(text, None))
}

/// A non-negative integer given as a number (decimals truncated) or a string.
fn lenient_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(d.deserialize_any(Scalar(count, None))?
        .and_then(|n| u32::try_from(n).ok()))
}

/// `true`/`false`, also as strings.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(Scalar(flag, None))
}

/// A list that may be `null` or missing; an item that is not the expected object is dropped.
/// The list is buffered as a `serde_json::Value` first, so that a malformed item can be dropped
/// whatever is wrong with it; used for the short port and project lists.
fn lenient_vec<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// [`lenient_vec`] read in one pass, for the long publicip lists: each item is read in place;
/// an item that is not an object (a scalar, or a list longer than the struct) is dropped. An
/// item object naming one of its fields twice makes the answer unreadable (the buffered reader
/// kept the last value; the API never sends such objects).
fn streamed_vec<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    d.deserialize_any(Items(PhantomData))
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
/// recursion limit makes the answer unreadable, as it did when values were buffered.
struct Skipped;

impl<'de> Deserialize<'de> for Skipped {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Scalar(|_| Skipped, Skipped))
    }
}

/// A visitor that maps any scalar with `keep` and skips a structure, giving `otherwise` for it
/// (and for `null`).
struct Scalar<T, F: FnOnce(Seen<'_>) -> T>(F, T);

/// A scalar as the stream gave it.
enum Seen<'a> {
    Str(&'a str),
    Owned(String),
    U64(u64),
    I64(i64),
    F64(f64),
    Bool(bool),
}

impl<'de, T, F: FnOnce(Seen<'_>) -> T> Visitor<'de> for Scalar<T, F> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(self.0(Seen::Str(v)))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok(self.0(Seen::Owned(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Ok(self.0(Seen::U64(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Ok(self.0(Seen::I64(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        Ok(self.0(Seen::F64(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Ok(self.0(Seen::Bool(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(self.1)
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(self.1)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        skip_seq(seq).map(|()| self.1)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        skip_map(map).map(|()| self.1)
    }
}

/// The reader of [`lenient_string`].
fn text(seen: Seen<'_>) -> Option<String> {
    match seen {
        Seen::Str(s) => (!s.is_empty()).then(|| s.to_owned()),
        Seen::Owned(s) => (!s.is_empty()).then_some(s),
        Seen::U64(n) => Some(n.to_string()),
        Seen::I64(n) => Some(n.to_string()),
        // Written as serde_json writes a number (`5.0`); a non-finite one is no number.
        Seen::F64(f) => serde_json::Number::from_f64(f).map(|n| n.to_string()),
        Seen::Bool(b) => Some(b.to_string()),
    }
}

/// The reader of [`lenient_u32`]: any non-negative number, decimals truncated.
fn count(seen: Seen<'_>) -> Option<u64> {
    // `as` saturates: a number beyond u64 becomes u64::MAX, which no u32 accepts.
    let non_negative = |f: f64| (f >= 0.0).then_some(f as u64);
    match seen {
        Seen::U64(n) => Some(n),
        Seen::I64(n) => u64::try_from(n).ok(),
        Seen::F64(f) => non_negative(f),
        Seen::Str(s) => s.trim().parse::<f64>().ok().and_then(non_negative),
        Seen::Owned(s) => s.trim().parse::<f64>().ok().and_then(non_negative),
        Seen::Bool(_) => None,
    }
}

/// The reader of [`lenient_bool`].
fn flag(seen: Seen<'_>) -> Option<bool> {
    let word = |s: &str| {
        if s.eq_ignore_ascii_case("true") {
            Some(true)
        } else if s.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        }
    };
    match seen {
        Seen::Bool(b) => Some(b),
        Seen::Str(s) => word(s),
        Seen::Owned(s) => word(&s),
        _ => None,
    }
}

/// The visitor of [`streamed_vec`].
struct Items<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for Items<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(2_000));
        while let Some(Item(item)) = seq.next_element::<Item<T>>()? {
            items.extend(item);
        }
        Ok(items)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
        skip_map(map).map(|()| Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
}

/// One item of a [`streamed_vec`]: `None` when it is not an object of `T`.
struct Item<T>(Option<T>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Item<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ItemVisitor(PhantomData))
    }
}

struct ItemVisitor<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for ItemVisitor<T> {
    type Value = Item<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Item<T>, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(|item| Item(Some(item)))
    }

    /// A list is read positionally, as serde reads a struct from one; one with more elements
    /// than the struct has fields is no item.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Item<T>, A::Error> {
        let item = T::deserialize(SeqAccessDeserializer::new(&mut seq))?;
        if seq.next_element::<Skipped>()?.is_some() {
            skip_seq(seq)?;
            return Ok(Item(None));
        }
        Ok(Item(Some(item)))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Item<T>, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_none<E: de::Error>(self) -> Result<Item<T>, E> {
        Ok(Item(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Item<T>, E> {
        Ok(Item(None))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Item<T>, E> {
        Ok(Item(None))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Item<T>, E> {
        Ok(Item(None))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Item<T>, E> {
        Ok(Item(None))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Item<T>, E> {
        Ok(Item(None))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Item<T>, E> {
        Ok(Item(None))
    }
}

/// A publicip object (`PublicipShowResp`, `PublicipCreateResp`, `PublicipUpdateResp`, huawei.md §3.6).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct Publicip {
    #[serde(deserialize_with = "lenient_string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub status: Option<String>,
    #[serde(rename = "type", deserialize_with = "lenient_string")]
    pub ip_type: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub public_ip_address: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub public_ipv6_address: Option<String>,
    #[serde(deserialize_with = "lenient_u32")]
    pub ip_version: Option<u32>,
    #[serde(deserialize_with = "lenient_string")]
    pub private_ip_address: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub port_id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub create_time: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub bandwidth_id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub bandwidth_name: Option<String>,
    #[serde(deserialize_with = "lenient_u32")]
    pub bandwidth_size: Option<u32>,
    #[serde(deserialize_with = "lenient_string")]
    pub bandwidth_share_type: Option<String>,
    /// Not in the v1 object (huawei.md §3.6), read when a deployment adds it.
    #[serde(alias = "bandwidth_charge_mode", deserialize_with = "lenient_string")]
    pub charge_mode: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub alias: Option<String>,
}

/// `{"publicip":{...}}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PublicipEnvelope {
    pub publicip: Option<Publicip>,
}

/// `{"publicips":[...]}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PublicipList {
    #[serde(deserialize_with = "streamed_vec")]
    pub publicips: Vec<Publicip>,
}

/// One fixed IP of a port.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct FixedIp {
    #[serde(deserialize_with = "lenient_string")]
    pub subnet_id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub ip_address: Option<String>,
}

/// `binding:vif_details`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct VifDetails {
    #[serde(deserialize_with = "lenient_bool")]
    pub primary_interface: Option<bool>,
}

/// A port (NIC), huawei.md §4.1.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct Port {
    #[serde(deserialize_with = "lenient_string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub device_id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub device_owner: Option<String>,
    #[serde(deserialize_with = "lenient_vec")]
    pub fixed_ips: Vec<FixedIp>,
    #[serde(rename = "binding:vif_details")]
    pub vif_details: Option<VifDetails>,
}

impl Port {
    /// Whether the port is an ECS NIC (`device_owner` `compute:<az>`).
    pub(crate) fn is_compute(&self) -> bool {
        self.device_owner
            .as_deref()
            .is_some_and(|o| o.starts_with("compute:"))
    }

    /// Whether `binding:vif_details.primary_interface` is true.
    pub(crate) fn is_primary(&self) -> bool {
        self.vif_details.as_ref().and_then(|d| d.primary_interface) == Some(true)
    }

    /// Whether the port holds this private address.
    pub(crate) fn holds(&self, ip: &std::net::IpAddr) -> bool {
        self.fixed_ips
            .iter()
            .any(|f| f.ip_address.as_deref().and_then(|a| a.parse().ok()) == Some(*ip))
    }
}

/// `{"ports":[...]}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PortList {
    #[serde(deserialize_with = "lenient_vec")]
    pub ports: Vec<Port>,
}

/// The project of a token.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TokenProject {
    #[serde(deserialize_with = "lenient_string")]
    pub id: Option<String>,
}

/// The `token` object of `POST /v3/auth/tokens` (huawei.md §1.1).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Token {
    #[serde(deserialize_with = "lenient_string")]
    pub expires_at: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub issued_at: Option<String>,
    pub project: Option<TokenProject>,
}

/// `{"token":{...}}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TokenEnvelope {
    pub token: Option<Token>,
}

/// One project of `GET /v3/projects` (huawei.md §1.3).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Project {
    #[serde(deserialize_with = "lenient_string")]
    pub id: Option<String>,
}

/// `{"projects":[...]}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ProjectList {
    #[serde(deserialize_with = "lenient_vec")]
    pub projects: Vec<Project>,
}

// ---- bodies we send ----

/// `publicip` of a create (huawei.md §3.1).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CreatePublicip {
    #[serde(rename = "type")]
    pub ip_type: String,
    pub ip_version: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

/// `bandwidth` of a create: `PER` with name and size, or `WHOLE` with the shared bandwidth's id.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CreateBandwidth {
    pub share_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge_mode: Option<String>,
}

/// The body of `POST /v1/{project_id}/publicips`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CreateRequest {
    pub publicip: CreatePublicip,
    pub bandwidth: CreateBandwidth,
}

/// `publicip` of an update; every field left out is unchanged, and an empty object unbinds
/// (huawei.md §3.4: Huawei's own tools send `{"publicip":{}}`).
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct UpdatePublicip {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

/// The body of `PUT /v1/{project_id}/publicips/{id}`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct UpdateRequest {
    pub publicip: UpdatePublicip,
}

/// `bandwidth` of `PUT /v1/{project_id}/bandwidths/{id}`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct UpdateBandwidth {
    pub size: u32,
}

/// The body of a bandwidth update.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct UpdateBandwidthRequest {
    pub bandwidth: UpdateBandwidth,
}

/// Serializes a body we built; our types always serialize, so an error here is reported
/// rather than panicking.
pub(crate) fn to_body<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value)
        .map_err(|e| Error::invalid_input("request", format!("cannot encode the body: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_documented_list_item_parses() {
        let body = br#"{"publicips":[{"id":"6285e7be-fd9f-497c-bc2d-dd0bdea6efe0","status":"DOWN","alias":"tom","profile":{},"type":"5_bgp","public_ip_address":"161.17.101.9","private_ip_address":"192.168.10.5","tenant_id":"8b7e35ad379141fc9df3e178bd64f55c","create_time":"2015-07-16 04:22:32","bandwidth_id":"3fa5b383-5a73-4dcb-a314-c6128546d855","bandwidth_share_type":"PER","bandwidth_size":5,"bandwidth_name":"bandwidth-test","enterprise_project_id":"b261ac1f","ip_version":4}]}"#;
        let list: PublicipList = parse("ListPublicips", 200, None, body).unwrap();
        let ip = &list.publicips[0];
        assert_eq!(
            ip.id.as_deref(),
            Some("6285e7be-fd9f-497c-bc2d-dd0bdea6efe0")
        );
        assert_eq!(ip.bandwidth_size, Some(5));
        assert_eq!(ip.alias.as_deref(), Some("tom"));
        assert_eq!(ip.port_id, None);
    }

    #[test]
    fn missing_fields_nulls_and_numbers_as_strings_are_tolerated() {
        let body = br#"{"publicip":{"id":"x","status":null,"bandwidth_size":"10","ip_version":"6","port_id":"","extra":[1,2]}}"#;
        let ip = parse::<PublicipEnvelope>("ShowPublicip", 200, None, body)
            .unwrap()
            .publicip
            .unwrap();
        assert_eq!(
            (ip.status, ip.bandwidth_size, ip.ip_version, ip.port_id),
            (None, Some(10), Some(6), None)
        );
        let ports: PortList = parse("ListPorts", 200, None, br#"{"ports":[{"id":"p","binding:vif_details":{"primary_interface":"true"},"fixed_ips":null},{"id":7}]}"#).unwrap();
        assert!(ports.ports[0].is_primary());
        assert_eq!(ports.ports[1].id.as_deref(), Some("7"));
        let empty: PublicipList = parse("ListPublicips", 200, None, b"{}").unwrap();
        assert!(empty.publicips.is_empty());
    }

    #[test]
    fn list_items_are_read_in_place_and_odd_items_dropped() {
        let long: Vec<String> = (0..16).map(|n| n.to_string()).collect();
        let body = format!(
            r#"{{"publicips":[7,"x",null,["e1","DOWN"],[{}],{{"id":"e2","bandwidth_size":"5.9","ip_version":-4}}]}}"#,
            long.join(",")
        );
        let list: PublicipList = parse("ListPublicips", 200, None, body.as_bytes()).unwrap();
        let ids: Vec<_> = list.publicips.iter().map(|ip| ip.id.as_deref()).collect();
        assert_eq!(
            ids,
            [Some("e1"), Some("e2")],
            "scalars and a 16-element list are no items"
        );
        assert_eq!(list.publicips[0].status.as_deref(), Some("DOWN"));
        assert_eq!(
            (
                list.publicips[1].bandwidth_size,
                list.publicips[1].ip_version
            ),
            (Some(5), None)
        );
        // A value skipped because it is not a scalar still counts against the depth limit.
        let deep = format!(
            r#"{{"publicip":{{"id":{}{}}}}}"#,
            "[".repeat(1_000),
            "]".repeat(1_000)
        );
        assert!(parse::<PublicipEnvelope>("ShowPublicip", 200, None, deep.as_bytes()).is_err());
    }

    #[test]
    fn garbage_is_a_typed_error() {
        for body in [
            &b""[..],
            b"<html>oops</html>",
            b"{\"publicips\":[",
            b"\xff\xfe",
        ] {
            match parse::<PublicipList>("ListPublicips", 200, Some("r"), body) {
                Err(Error::InvalidResponse {
                    http_status: Some(200),
                    request_id: Some(r),
                    ..
                }) => assert_eq!(r, "r"),
                other => panic!("{body:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn request_bodies_have_the_documented_shape() {
        let unbind = to_body(&UpdateRequest {
            publicip: UpdatePublicip::default(),
        })
        .unwrap();
        assert_eq!(unbind, br#"{"publicip":{}}"#);
        let create = CreateRequest {
            publicip: CreatePublicip {
                ip_type: "5_bgp".into(),
                ip_version: 4,
                alias: None,
            },
            bandwidth: CreateBandwidth {
                share_type: "PER",
                id: None,
                name: Some("bw".into()),
                size: Some(5),
                charge_mode: None,
            },
        };
        assert_eq!(
            String::from_utf8(to_body(&create).unwrap()).unwrap(),
            r#"{"publicip":{"type":"5_bgp","ip_version":4},"bandwidth":{"share_type":"PER","name":"bw","size":5}}"#
        );
    }
}
