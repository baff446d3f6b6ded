//! AK/SK request signing, `SDK-HMAC-SHA256` (<https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html>), as pure functions.
//!
//! Nothing here does I/O or reads a clock: the caller passes the date, the headers to sign and the
//! exact body bytes, so every step can be checked against the known-answer vectors of huaweicloud-sdk-python-v3 `huaweicloud-sdk-core/tests/test_signer.py`
//! (the tests below hold all of them).
//!
//! ```
//! use eip_huawei::signer::{authorization, SignedHeaders, SigningInput};
//!
//! let date = "20200608T023900Z";
//! let headers = SignedHeaders::new([("Host", "vpc.cn-north-4.myhuaweicloud.com"), ("X-Sdk-Date", date)]);
//! let query = vec![("limit".to_owned(), "2000".to_owned())];
//! let input = SigningInput {
//!     method: "GET",
//!     path: "/v1/0123456789abcdef0123456789abcdef/publicips",
//!     query: &query,
//!     headers: &headers,
//!     body: b"",
//! };
//! let value = authorization("AK", "SK", date, &input);
//! assert!(value.starts_with("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature="));
//! ```

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The algorithm name, first word of the `Authorization` header and of the StringToSign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The `X-Sdk-Date` format, `YYYYMMDDTHHMMSSZ` in UTC.
pub const SDK_DATE_FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

/// Percent-encodes one URI segment, query key or query value: everything but `A-Za-z0-9-_.~`
/// becomes `%XY` in upper-case hex (<https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html>).
/// Written byte by byte, as it runs for every part of every signed request.
pub fn encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &byte in value.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

/// The canonical URI: each path segment encoded, always ending with `/` (<https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html>: the
/// request path `/v1/p/publicips` is signed as `/v1/p/publicips/`).
pub fn canonical_uri(path: &str) -> String {
    let mut uri = path.split('/').map(encode).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    if !uri.starts_with('/') {
        uri.insert(0, '/');
    }
    uri
}

/// The canonical query: parameters sorted by key then value, keys and values encoded, repeated
/// keys written `k=v1&k=v2`. The client also sends this exact string as the URL's query
/// (<https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html>), so the server sees the signed order.
pub fn canonical_query(params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> =
        params.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    encoded.sort();
    let mut query = String::new();
    for (n, (k, v)) in encoded.iter().enumerate() {
        if n > 0 {
            query.push('&');
        }
        query.push_str(k);
        query.push('=');
        query.push_str(v);
    }
    query
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The headers to sign: names lower-cased, values trimmed, sorted by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignedHeaders(Vec<(String, String)>);

impl SignedHeaders {
    /// Collects `(name, value)` pairs; names are lower-cased and values trimmed.
    pub fn new<'a, I: IntoIterator<Item = (&'a str, &'a str)>>(headers: I) -> Self {
        let mut list: Vec<(String, String)> = headers
            .into_iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        list.sort();
        Self(list)
    }

    /// `name;name;...`, the SignedHeaders list.
    pub fn names(&self) -> String {
        self.0
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The CanonicalHeaders block: `name:value\n` per header.
    fn canonical(&self) -> String {
        let mut block = String::new();
        for (name, value) in &self.0 {
            block.push_str(name);
            block.push(':');
            block.push_str(value);
            block.push('\n');
        }
        block
    }
}

/// One request as the signer sees it.
#[derive(Clone, Debug)]
pub struct SigningInput<'a> {
    /// `GET`, `POST`...
    pub method: &'a str,
    /// The URL path, not yet encoded.
    pub path: &'a str,
    /// The query parameters, in any order.
    pub query: &'a [(String, String)],
    /// The headers to sign (`x-sdk-date` among them).
    pub headers: &'a SignedHeaders,
    /// The exact body bytes.
    pub body: &'a [u8],
}

/// The CanonicalRequest of <https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html>.
pub fn canonical_request(input: &SigningInput<'_>) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        input.method,
        canonical_uri(input.path),
        canonical_query(input.query),
        input.headers.canonical(),
        input.headers.names(),
        hex_sha256(input.body)
    )
}

/// The StringToSign: algorithm, `X-Sdk-Date`, hash of the canonical request.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        hex_sha256(canonical_request.as_bytes())
    )
}

/// hex(HMAC-SHA256(SK, StringToSign)); the SK bytes are the key as they are (no derivation).
pub fn signature(secret_key: &str, string_to_sign: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail; fall back to an empty key rather than
    // panic if the hmac crate ever changed that.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header value for `input`, signed at `sdk_date`.
pub fn authorization(
    access_key: &str,
    secret_key: &str,
    sdk_date: &str,
    input: &SigningInput<'_>,
) -> String {
    let to_sign = string_to_sign(sdk_date, &canonical_request(input));
    format!(
        "{ALGORITHM} Access={access_key}, SignedHeaders={}, Signature={}",
        input.headers.names(),
        signature(secret_key, &to_sign)
    )
}

/// The `Host` value to sign and send: the host, with `:port` unless the port is the scheme's
/// default (<https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html>: "leave out `:port` for the default ports 443 and 80").
pub fn host_header(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const AK: &str = "AccessKey";
    const SK: &str = "SecretKey";
    const EMPTY_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn signature_of(auth: &str) -> &str {
        auth.rsplit("Signature=").next().unwrap()
    }

    #[test]
    fn py1_get_with_host() {
        let headers = SignedHeaders::new([
            ("Host", "service.endpoint.myhuaweicloud.com"),
            ("X-Sdk-Date", "20200608T023900Z"),
        ]);
        let query = q(&[("size", "1")]);
        let input = SigningInput {
            method: "GET",
            path: "/resources",
            query: &query,
            headers: &headers,
            body: b"",
        };
        assert_eq!(
            canonical_request(&input),
            format!("GET\n/resources/\nsize=1\nhost:service.endpoint.myhuaweicloud.com\nx-sdk-date:20200608T023900Z\n\nhost;x-sdk-date\n{EMPTY_HASH}")
        );
        assert_eq!(
            authorization(AK, SK, "20200608T023900Z", &input),
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, Signature=cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842"
        );
    }

    #[test]
    fn py2_post_with_body() {
        let headers = SignedHeaders::new([
            ("Host", "service.endpoint.myhuaweicloud.com"),
            ("X-Sdk-Date", "20200608T023900Z"),
        ]);
        let body = br#"{"name":"test","id":1}"#;
        assert_eq!(
            hex_sha256(body),
            "8ed555081b9961769014bc1182c629bb0fe68d7b01c1fc1caab4dc791f377e8c"
        );
        let query = q(&[("size", "1")]);
        let input = SigningInput {
            method: "POST",
            path: "/resources",
            query: &query,
            headers: &headers,
            body,
        };
        let auth = authorization(AK, SK, "20200608T023900Z", &input);
        assert!(auth.contains("SignedHeaders=host;x-sdk-date,"), "{auth}");
        assert_eq!(
            signature_of(&auth),
            "436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f"
        );
    }

    #[test]
    fn go1_only_the_date_signed() {
        let headers = SignedHeaders::new([("X-Sdk-Date", "20060102T150405Z")]);
        let query = q(&[("limit", "1")]);
        let input = SigningInput {
            method: "GET",
            path: "/path",
            query: &query,
            headers: &headers,
            body: b"",
        };
        let auth = authorization(AK, SK, "20060102T150405Z", &input);
        assert_eq!(
            signature_of(&auth),
            "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"
        );
    }

    #[test]
    fn go2_body_with_and_without_trailing_newline() {
        let headers = SignedHeaders::new([("X-Sdk-Date", "20060102T150405Z")]);
        let query = q(&[("key", "value")]);
        let sign = |body: &[u8]| {
            let input = SigningInput {
                method: "POST",
                path: "/path",
                query: &query,
                headers: &headers,
                body,
            };
            signature_of(&authorization(AK, SK, "20060102T150405Z", &input)).to_owned()
        };
        assert_eq!(
            sign(b"{\"Name\":\"test\",\"Id\":1}\n"),
            "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59"
        );
        // huaweicloud-sdk-python-v3 `huaweicloud-sdk-core/tests/test_signer.py` documents only the prefix of the signature without the newline.
        assert!(sign(b"{\"Name\":\"test\",\"Id\":1}").starts_with("83599e52"));
    }

    #[test]
    fn vpc_create_vector() {
        let project = "0123456789abcdef0123456789abcdef";
        let headers = SignedHeaders::new([
            ("Content-Type", "application/json;charset=UTF-8"),
            ("Host", "vpc.cn-north-4.myhuaweicloud.com"),
            ("X-Project-Id", project),
            ("X-Sdk-Date", "20240101T000000Z"),
        ]);
        let body = br#"{"publicip":{"type":"5_bgp"},"bandwidth":{"name":"bw1","size":5,"share_type":"PER"}}"#;
        assert_eq!(
            hex_sha256(body),
            "8c8a99f0b75222f8258ab11b6216b3a4e7762aa91089c847112a855c09df68cd"
        );
        let path = format!("/v1/{project}/publicips");
        let input = SigningInput {
            method: "POST",
            path: &path,
            query: &[],
            headers: &headers,
            body,
        };
        let canonical = canonical_request(&input);
        assert_eq!(
            hex_sha256(canonical.as_bytes()),
            "d931d84a05c8116541c9b1bc01bf55be9424cf3cc6db524a198c58f3b27ddcbe"
        );
        let auth = authorization(AK, SK, "20240101T000000Z", &input);
        assert!(
            auth.contains("SignedHeaders=content-type;host;x-project-id;x-sdk-date,"),
            "{auth}"
        );
        assert_eq!(
            signature_of(&auth),
            "54efae8a550620c946881bd7e175e456efb86b8c457b0d2af0830d058b57521e"
        );
    }

    #[test]
    fn canonical_query_vector() {
        let query = q(&[
            ("test", "一 (&=?!#%.*)"),
            ("path", "/tmp/123"),
            ("multi", "3"),
            ("limit", "1"),
            ("multi", "1"),
            ("enable", "true"),
            ("multi", "2"),
        ]);
        assert_eq!(
            canonical_query(&query),
            "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29"
        );
        assert_eq!(canonical_query(&[]), "");
    }

    #[test]
    fn canonical_uri_always_ends_with_a_slash() {
        assert_eq!(canonical_uri("/v1/p/publicips"), "/v1/p/publicips/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/a b/c"), "/a%20b/c/");
    }

    #[test]
    fn host_keeps_non_default_ports_only() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        assert_eq!(
            host_header(&url("https://vpc.cn-north-4.myhuaweicloud.com/v1")),
            "vpc.cn-north-4.myhuaweicloud.com"
        );
        assert_eq!(
            host_header(&url("https://vpc.example.com:443/")),
            "vpc.example.com"
        );
        assert_eq!(
            host_header(&url("http://127.0.0.1:8080/")),
            "127.0.0.1:8080"
        );
    }
}
