//! Tolerant serde readers for cloud JSON, for `#[serde(deserialize_with = "...")]`.
//!
//! Cloud APIs send numbers as strings (`"Bandwidth": "5"`), empty strings for absent values,
//! a single object where a list belongs (XML-to-JSON conversions), and new fields at any time.
//! Each reader takes its value straight from the JSON stream in one pass: no
//! `serde_json::Value` is built for a scalar, and a structure where a scalar belongs is skipped
//! without being stored. A skipped value still counts against serde_json's recursion limit
//! (see [`Skipped`]), so a hostile, deeply nested answer stays unreadable rather than slow.
//!
//! Use them with `#[serde(default, deserialize_with = "eip_http::de::opt_string")]`; unknown
//! fields are ignored by serde's default.
//!
//! ```
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! #[serde(rename_all = "PascalCase")]
//! struct Page {
//!     #[serde(default, deserialize_with = "eip_http::de::opt_uint")]
//!     total_count: Option<u64>,
//!     #[serde(default, deserialize_with = "eip_http::de::opt_string")]
//!     request_id: Option<String>,
//!     #[serde(default, deserialize_with = "eip_http::de::one_or_many")]
//!     items: Vec<Item>,
//! }
//!
//! #[derive(Deserialize)]
//! struct Item {
//!     #[serde(default, deserialize_with = "eip_http::de::opt_string")]
//!     id: Option<String>,
//! }
//!
//! let page: Page = serde_json::from_str(
//!     r#"{"TotalCount":"3","RequestId":"","Items":{"id":7},"New":{"a":[1]}}"#,
//! ).unwrap();
//! assert_eq!(page.total_count, Some(3));
//! assert_eq!(page.request_id, None);
//! assert_eq!(page.items[0].id.as_deref(), Some("7"));
//! ```

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// A scalar as text: strings as they are, numbers and booleans written out; `""`, `null` and
/// anything structured are absent.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Scalar(text, None))
}

/// A non-negative whole number, sent as a number (`5`, `5.0`) or a string (`"5"`, `" 5 "`);
/// `""` and `null` are absent. A fraction, a negative number, a value too large for `T`, a
/// boolean or a structure is absent too, noted at debug level: one odd informational field
/// must not make a whole page unreadable. `T` is inferred from the field (`Option<u32>`...).
pub fn opt_uint<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    Ok(
        d.deserialize_any(Scalar(|seen| whole(seen, false), Whole::Absent))?
            .into_value(),
    )
}

/// Like [`opt_uint`], but a fraction is truncated toward zero (`"5.9"` is 5), for APIs whose
/// SDKs coerce decimals into integer fields.
pub fn opt_uint_truncated<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    Ok(
        d.deserialize_any(Scalar(|seen| whole(seen, true), Whole::Absent))?
            .into_value(),
    )
}

/// `true` / `false`, also as strings in any case; anything else is absent.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(Scalar(flag, None))
}

/// A nested object read as `T`; absent when missing, `null`, `""`, a scalar or a list.
pub fn opt_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    d.deserialize_any(Object(PhantomData))
}

/// A list of `T`; a single object is a list of one, and a missing, `null`, `""` or scalar
/// value is empty. An item that is not a `T` makes the answer unreadable.
pub fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    d.deserialize_any(OneOrMany(PhantomData))
}

/// A list of objects read in place, for long lists: an item that is not an object (a scalar,
/// `null`, or a list longer than `T` has fields) is dropped; a non-list value is empty. An
/// object item that is not a `T` makes the answer unreadable.
pub fn list_of_objects<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    d.deserialize_any(Items(PhantomData))
}

/// A list where any item that cannot be read as `T` is dropped, whatever is wrong with it;
/// each item is buffered as a `serde_json::Value` first, so keep it for short lists. A non-list
/// value is empty.
pub fn list_skipping_invalid<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// A value read and dropped. Unlike [`IgnoredAny`] (which serde_json skips without a depth
/// limit), it is read through `deserialize_any`, so a value nested deeper than serde_json's
/// recursion limit makes the answer unreadable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Skipped;

impl<'de> Deserialize<'de> for Skipped {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Scalar(|_| Skipped, Skipped))
    }
}

fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<Skipped>()?.is_some() {}
    Ok(())
}

fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, Skipped>()?.is_some() {}
    Ok(())
}

/// A scalar as the stream gave it.
enum Seen<'a> {
    Str(&'a str),
    U64(u64),
    I64(i64),
    F64(f64),
    Bool(bool),
}

impl fmt::Display for Seen<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Str(s) => write!(f, "{:?}", crate::error::clean(s, 40)),
            Self::U64(n) => write!(f, "{n}"),
            Self::I64(n) => write!(f, "{n}"),
            Self::F64(n) => write!(f, "{n}"),
            Self::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// Maps any scalar with the function and skips a structure, giving the second value for it
/// (and for `null`).
struct Scalar<T, F: FnOnce(Seen<'_>) -> T>(F, T);

impl<'de, T, F: FnOnce(Seen<'_>) -> T> Visitor<'de> for Scalar<T, F> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(self.0(Seen::Str(v)))
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

fn text(seen: Seen<'_>) -> Option<String> {
    match seen {
        Seen::Str(s) => (!s.is_empty()).then(|| s.to_owned()),
        Seen::U64(n) => Some(n.to_string()),
        Seen::I64(n) => Some(n.to_string()),
        // Written as serde_json writes a number (`5.0`); a non-finite one is no number.
        Seen::F64(f) => serde_json::Number::from_f64(f).map(|n| n.to_string()),
        Seen::Bool(b) => Some(b.to_string()),
    }
}

/// The outcome of reading a whole number: a value, absent (`""`, `null`), or odd.
enum Whole {
    Value(u64),
    Absent,
    Odd(String),
}

impl Whole {
    fn into_value<T: TryFrom<u64>>(self) -> Option<T> {
        let shown = match self {
            Self::Value(n) => match T::try_from(n) {
                Ok(value) => return Some(value),
                Err(_) => n.to_string(),
            },
            Self::Absent => return None,
            Self::Odd(shown) => shown,
        };
        tracing::debug!(value = %shown, "ignoring a value that is not a usable whole number");
        None
    }
}

fn whole(seen: Seen<'_>, truncate: bool) -> Whole {
    let from_float = |f: f64| {
        let f = if truncate { f.trunc() } else { f };
        // `u64::MAX as f64` rounds up to 2^64, which no u64 holds: the bound is exclusive.
        if f.fract() == 0.0 && f >= 0.0 && f < u64::MAX as f64 {
            Some(f as u64)
        } else {
            None
        }
    };
    let odd = |seen: &Seen<'_>| Whole::Odd(seen.to_string());
    match seen {
        Seen::U64(n) => Whole::Value(n),
        Seen::I64(n) => u64::try_from(n).map_or_else(|_| odd(&seen), Whole::Value),
        Seen::F64(f) => from_float(f).map_or_else(|| odd(&seen), Whole::Value),
        Seen::Str(s) => {
            let trimmed = s.trim();
            if trimmed.is_empty() {
                return Whole::Absent;
            }
            trimmed
                .parse::<u64>()
                .ok()
                .or_else(|| trimmed.parse::<f64>().ok().and_then(from_float))
                .map_or_else(|| odd(&seen), Whole::Value)
        }
        Seen::Bool(_) => odd(&seen),
    }
}

fn flag(seen: Seen<'_>) -> Option<bool> {
    match seen {
        Seen::Bool(b) => Some(b),
        Seen::Str(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Seen::Str(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// The visitor of [`opt_object`].
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

/// The visitor of [`one_or_many`].
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

/// The visitor of [`list_of_objects`].
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

/// One item of a [`list_of_objects`]: `None` when it is not an object of `T`.
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Fields {
        #[serde(deserialize_with = "opt_string")]
        s: Option<String>,
        #[serde(deserialize_with = "opt_uint")]
        n: Option<u64>,
        #[serde(deserialize_with = "opt_uint")]
        small: Option<u32>,
        #[serde(deserialize_with = "opt_uint_truncated")]
        t: Option<u32>,
        #[serde(deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(deserialize_with = "opt_object")]
        o: Option<Inner>,
        #[serde(deserialize_with = "one_or_many")]
        many: Vec<Inner>,
        #[serde(deserialize_with = "list_of_objects")]
        objects: Vec<Inner>,
        #[serde(deserialize_with = "list_skipping_invalid")]
        lenient: Vec<Inner>,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Inner {
        #[serde(deserialize_with = "opt_string")]
        id: Option<String>,
    }

    fn read(json: &str) -> Fields {
        serde_json::from_str(json).unwrap()
    }

    fn inner(id: &str) -> Inner {
        Inner {
            id: Some(id.into()),
        }
    }

    #[test]
    fn scalars_as_strings_numbers_or_absent() {
        let f = read(r#"{"s":5.0,"n":"7","small":"4294967296","t":"5.9","b":"TRUE"}"#);
        assert_eq!(f.s.as_deref(), Some("5.0"));
        assert_eq!(
            (f.n, f.small, f.t, f.b),
            (Some(7), None, Some(5), Some(true))
        );
        let f = read(r#"{"s":"","n":5.5,"small":-1,"t":"","b":"yes"}"#);
        assert_eq!(
            (f.s, f.n, f.small, f.t, f.b),
            (None, None, None, None, None)
        );
        let f = read(r#"{"s":{"x":[1]},"n":[1],"small":1.0e300,"t":true,"b":null}"#);
        assert_eq!(
            (f.s, f.n, f.small, f.t, f.b),
            (None, None, None, None, None)
        );
        let f = read(r#"{"n":" 12 ","small":12.0,"t":-0.5}"#);
        assert_eq!((f.n, f.small, f.t), (Some(12), Some(12), Some(0)));
        assert_eq!(read(r#"{"n":18446744073709551615}"#).n, Some(u64::MAX));
        assert_eq!(read(r#"{"n":18446744073709551616.0}"#).n, None);
    }

    #[test]
    fn objects_and_lists_are_tolerant() {
        let f = read(
            r#"{"o":"","many":{"id":"a"},"objects":[7,"x",null,{"id":"b"},["c"]],"lenient":[{"id":1},{"id":{"deep":1}},3]}"#,
        );
        assert_eq!(f.o, None);
        assert_eq!(f.many, vec![inner("a")]);
        assert_eq!(f.objects, vec![inner("b"), inner("c")]);
        assert_eq!(f.lenient, vec![inner("1"), Inner { id: None }]);
        let f = read(r#"{"o":{"id":"z"},"many":"","objects":{"id":"q"},"lenient":"x"}"#);
        assert_eq!(f.o, Some(inner("z")));
        assert!(f.many.is_empty() && f.objects.is_empty() && f.lenient.is_empty());
        assert!(serde_json::from_str::<Fields>(r#"{"many":[7]}"#).is_err());
    }

    #[test]
    fn skipped_values_still_count_against_the_depth_limit() {
        let deep = format!(r#"{{"s":{}{}}}"#, "[".repeat(1_000), "]".repeat(1_000));
        assert!(serde_json::from_str::<Fields>(&deep).is_err());
        let shallow = format!(r#"{{"s":{}{}}}"#, "[".repeat(10), "]".repeat(10));
        assert_eq!(serde_json::from_str::<Fields>(&shallow).unwrap().s, None);
    }
}
