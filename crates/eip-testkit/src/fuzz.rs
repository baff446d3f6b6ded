//! JSON fuzz generators (proptest strategies) for answer parsers: arbitrary JSON shaped like a
//! cloud's answers, with the cloud's field names and plausible values in the wrong places, then
//! written out, cut short, corrupted, or replaced by bodies no generator reaches by chance.
//!
//! Each provider has a [`Vocabulary`] (the field names its parsers read, values its cloud sends;
//! Huawei's is [`HUAWEI`], used by its parser properties and its end-to-end hostile tests alike) and builds its answer
//! shapes from these pieces:
//!
//! ```
//! use eip_testkit::fuzz::{body_from, Vocabulary};
//! use proptest::strategy::Strategy;
//!
//! const WORDS: Vocabulary = Vocabulary {
//!     keys: &["id", "status", "public_ip_address"],
//!     plausible: &["ACTIVE", "DOWN", "1.2.3.4", ""],
//! };
//! let publicip = WORDS.wrapped("publicip", false);
//! let bodies = body_from(publicip, vec![b"{\"publicip\":null}".to_vec()]);
//! # let _ = bodies.boxed();
//! ```

use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// The words of one cloud's answers.
#[derive(Clone, Copy, Debug)]
pub struct Vocabulary {
    /// The field names the parsers look for, so generated objects hit real fields with wrong
    /// values.
    pub keys: &'static [&'static str],
    /// Values a real answer might hold (statuses, codes, addresses, dates), in the wrong
    /// places too.
    pub plausible: &'static [&'static str],
}

/// Huawei's words: the names its parsers look for, and values its answers hold. One list for the
/// crate's parser properties (`tests/parsers.rs`) and its end-to-end hostile tests.
pub const HUAWEI: Vocabulary = Vocabulary {
    keys: &[
        "publicip",
        "publicips",
        "id",
        "status",
        "type",
        "public_ip_address",
        "public_ipv6_address",
        "ip_version",
        "private_ip_address",
        "port_id",
        "create_time",
        "bandwidth_id",
        "bandwidth_name",
        "bandwidth_size",
        "bandwidth_share_type",
        "charge_mode",
        "bandwidth_charge_mode",
        "alias",
        "ports",
        "device_id",
        "device_owner",
        "fixed_ips",
        "subnet_id",
        "ip_address",
        "binding:vif_details",
        "primary_interface",
        "token",
        "expires_at",
        "issued_at",
        "project",
        "projects",
        "code",
        "message",
        "error_code",
        "error_msg",
        "request_id",
        "error",
        "NeutronError",
        "errorCode",
        "errorMsg",
    ],
    plausible: &[
        "",
        "6285e7be-fd9f-497c-bc2d-dd0bdea6efe0",
        "p1",
        "161.17.101.9",
        "192.168.0.11",
        "2001:db8::1",
        "999.1.1.1",
        "DOWN",
        "ACTIVE",
        "BINDING",
        "FREEZED",
        "compute:cn-north-4a",
        "neutron:VIP_PORT",
        "true",
        "false",
        "4",
        "6",
        "5",
        "-5",
        "1e400",
        "18446744073709551616",
        "2015-07-16 04:22:32",
        "2015-07-16T04:22:32Z",
        "9999-12-31T23:59:59.999999Z",
        "-9999-01-01T00:00:00Z",
        "2024-02-30T25:61:61Z",
        "VPC.0504",
        "VPC.0517",
        "APIGW.0308",
        "APIGW.0301",
        "VPC.0501",
        "VPC.0512",
    ],
};

impl Vocabulary {
    /// Any scalar: `null`, booleans, integers of both signs, floats, plausible values, short
    /// strings.
    pub fn scalar(&self) -> BoxedStrategy<Value> {
        let plausible = self.plausible;
        let words = if plausible.is_empty() {
            Just(Value::from("")).boxed()
        } else {
            prop::sample::select(plausible)
                .prop_map(Value::from)
                .boxed()
        };
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            words,
            ".{0,16}".prop_map(Value::String),
        ]
        .boxed()
    }

    /// A key: mostly one of [`Vocabulary::keys`], sometimes a made-up one.
    pub fn key(&self) -> BoxedStrategy<String> {
        if self.keys.is_empty() {
            return "[a-z_]{1,8}".boxed();
        }
        prop_oneof![
            4 => prop::sample::select(self.keys).prop_map(str::to_owned),
            1 => "[a-z_]{1,8}",
        ]
        .boxed()
    }

    /// Any JSON: scalars, arrays and objects (mostly with the cloud's keys), nested a few
    /// levels.
    pub fn any_json(&self) -> BoxedStrategy<Value> {
        let key = self.key();
        self.scalar()
            .prop_recursive(4, 48, 6, move |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::vec((key.clone(), inner), 0..6).prop_map(object),
                ]
            })
            .boxed()
    }

    /// A field's value: usually a scalar, sometimes a structure where a scalar belongs.
    pub fn field_value(&self) -> BoxedStrategy<Value> {
        prop_oneof![3 => self.scalar(), 1 => self.any_json()].boxed()
    }

    /// An object with any subset of the cloud's fields (up to `max` entries), each holding
    /// anything.
    pub fn fields(&self, max: usize) -> BoxedStrategy<Value> {
        let key = if self.keys.is_empty() {
            self.key()
        } else {
            prop::sample::select(self.keys)
                .prop_map(str::to_owned)
                .boxed()
        };
        prop::collection::vec((key, self.field_value()), 0..max.max(1))
            .prop_map(object)
            .boxed()
    }

    /// `{wrapper: X}` where X is the documented shape (an object, or a list of them when
    /// `list`) with hostile values, or anything else; or any JSON at all.
    pub fn wrapped(&self, wrapper: &'static str, list: bool) -> BoxedStrategy<Value> {
        let inner = if list {
            prop_oneof![
                3 => prop::collection::vec(self.fields(14), 0..4).prop_map(Value::Array),
                1 => self.field_value(),
            ]
            .boxed()
        } else {
            prop_oneof![3 => self.fields(14), 1 => self.field_value()].boxed()
        };
        let documented = inner.prop_map(move |v| json!({ wrapper: v }));
        prop_oneof![3 => documented, 1 => self.any_json()].boxed()
    }
}

/// An object from its entries (a repeated key keeps the last value).
pub fn object(entries: Vec<(String, Value)>) -> Value {
    Value::Object(entries.into_iter().collect::<Map<_, _>>())
}

/// `open` repeated `depth` times, then `close` as often: nesting beyond any parser's limit.
pub fn nested(depth: usize, open: &str, close: &str) -> Vec<u8> {
    format!("{}{}", open.repeat(depth), close.repeat(depth)).into_bytes()
}

/// Bodies every cloud's parsers must survive: proxy and gateway pages, empty bodies, bare JSON
/// values, a byte-order mark, invalid UTF-8, nesting 100,000 deep. Add the cloud's own special
/// bodies (its shapes with out-of-range numbers, say) to these.
pub fn common_special_bodies() -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = [
        &b""[..],
        b" ",
        b"<html>502 Bad Gateway</html>",
        b"<html><head><title>504 Gateway Time-out</title></head><body>nginx</body></html>",
        b"null",
        b"[]",
        b"{}",
        b"\"text\"",
        b"\xef\xbb\xbf{}",
        b"{\"message\":\"\xff\xfe\"}",
        b"{\"message\":\"a\0b\x1b]52;c;ZXZpbA==\x07\"}",
    ]
    .iter()
    .map(|b| b.to_vec())
    .collect();
    bodies.push(nested(100_000, "[", "]"));
    bodies.push(format!("{{\"message\":\"{}\"}}", "x".repeat(200_000)).into_bytes());
    bodies
}

/// A body from `json`: written out, cut short, with a stray byte, raw bytes, or one of
/// `specials` (plus [`common_special_bodies`]).
pub fn body_from(json: BoxedStrategy<Value>, specials: Vec<Vec<u8>>) -> BoxedStrategy<Vec<u8>> {
    let written = json.clone().prop_map(|v| to_vec(&v));
    let truncated = (json.clone(), any::<prop::sample::Index>()).prop_map(|(v, at)| {
        let mut bytes = to_vec(&v);
        bytes.truncate(at.index(bytes.len().max(1)));
        bytes
    });
    let corrupted = (json, any::<prop::sample::Index>(), any::<u8>()).prop_map(|(v, at, byte)| {
        let mut bytes = to_vec(&v);
        bytes.insert(at.index(bytes.len() + 1), byte | 0x80);
        bytes
    });
    let mut special = common_special_bodies();
    special.extend(specials);
    prop_oneof![
        4 => written,
        2 => truncated,
        1 => corrupted,
        1 => prop::collection::vec(any::<u8>(), 0..300),
        1 => prop::sample::select(special),
    ]
    .boxed()
}

fn to_vec(value: &Value) -> Vec<u8> {
    // A `Value` always serializes; an empty body stands in if it ever did not.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Whether `body` is JSON syntax (numbers beyond f64 included: a parser may skip a field it
/// does not read without converting its number).
pub fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
}

/// A proptest configuration of `cases` cases that writes no regression files into the
/// source tree.
pub fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases)
    }
}
