//! Request signing: RPC V1 (HMAC-SHA1, `SignatureVersion=1.0`) and V3 (ACS3-HMAC-SHA256).
//!
//! Pure functions only, so every known-answer vector (Alibaba's documented examples, the
//! darabonba-openapi-util tests, and values computed with the official Python SDKs) is checked
//! here without a network. The provider ([`crate::AlibabaProvider`]) picks the parameters, the nonce and the
//! time; this module only turns them into a signature.
//!
//! Naming trap: Alibaba's documents (<https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>) call the HMAC-SHA1 scheme
//! "signature method V2", but its wire parameter is `SignatureVersion=1.0`; here it is V1.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The V3 algorithm name, first line of the string to sign and prefix of `Authorization`.
pub const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// The hex SHA-256 of an empty body (`x-acs-content-sha256`, <https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>).
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Whether a byte is in the RFC 3986 unreserved set `A-Z a-z 0-9 - _ . ~`, the only bytes both
/// schemes leave unencoded (<https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>).
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

/// Percent-encodes a name or value the way both signature versions require: UTF-8 bytes, the
/// unreserved set kept, everything else `%XY` in upper-case hex (space is `%20`, never `+`).
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    percent_encode_into(&mut out, value);
    out
}

/// [`percent_encode`], appended to `out`. Signing encodes every parameter and then the whole
/// query again on every attempt: written byte by byte into one buffer rather than through the
/// formatting machinery and a string per value.
pub fn percent_encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(value.len());
    for &byte in value.as_bytes() {
        if is_unreserved(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

/// The canonicalized query string: pairs sorted by raw name in code-point order (so
/// `Tag.1.Key` < `Tag.10.Key` < `Tag.2.Key`), each written `enc(name)=enc(value)` (empty values
/// as `name=`), joined with `&`.
pub fn canonical_query<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    sorted.sort_unstable();
    let length: usize = sorted
        .iter()
        .map(|(k, v)| k.len().saturating_add(v.len()).saturating_add(2))
        .fold(0, usize::saturating_add);
    // Room for a few encoded bytes (`:` of a timestamp, `,` of a list) without regrowing.
    let mut query = String::with_capacity(length.saturating_add(length / 4));
    for (n, (name, value)) in sorted.iter().enumerate() {
        if n > 0 {
            query.push('&');
        }
        percent_encode_into(&mut query, name);
        query.push('=');
        percent_encode_into(&mut query, value);
    }
    query
}

/// The V1 string to sign: `METHOD&%2F&enc(canonical query)` (<https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>). The
/// method is the one actually used: GET and POST sign differently.
pub fn v1_string_to_sign<K: AsRef<str>, V: AsRef<str>>(method: &str, params: &[(K, V)]) -> String {
    format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&canonical_query(params))
    )
}

/// Base64 (standard, padded) of HMAC-SHA1 over `data` with `key`, as is.
pub fn hmac_sha1_base64(key: &[u8], data: &[u8]) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = match Hmac::<Sha1>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(data);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The V1 signature of a string to sign: the key is the secret followed by `&`
/// (<https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>).
pub fn v1_signature(secret: &str, string_to_sign: &str) -> String {
    // The one copy of the secret signing makes, wiped when dropped.
    let key = zeroize::Zeroizing::new(format!("{secret}&"));
    hmac_sha1_base64(key.as_bytes(), string_to_sign.as_bytes())
}

/// Signs a V1 parameter set (every parameter except `Signature`, empty ones included) and
/// returns the value of the `Signature` parameter.
pub fn sign_v1<K: AsRef<str>, V: AsRef<str>>(
    method: &str,
    params: &[(K, V)],
    secret: &str,
) -> String {
    v1_signature(secret, &v1_string_to_sign(method, params))
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The V3 canonical headers and the `SignedHeaders` list.
///
/// Names are lower-cased and sorted; values trimmed; the values of a repeated name are sorted and
/// joined with `,` (<https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>, as alibabacloud-tea-openapi
/// `utils.py` does it).
pub fn v3_canonical_headers<K: AsRef<str>, V: AsRef<str>>(headers: &[(K, V)]) -> (String, String) {
    // Sorting (name, value) pairs puts a repeated name's values together, themselves sorted.
    let mut pairs: Vec<(String, &str)> = headers
        .iter()
        .map(|(name, value)| (name.as_ref().to_ascii_lowercase(), value.as_ref().trim()))
        .collect();
    pairs.sort_unstable();
    let mut canonical = String::with_capacity(
        pairs
            .iter()
            .map(|(n, v)| n.len().saturating_add(v.len()).saturating_add(2))
            .fold(0, usize::saturating_add),
    );
    let mut signed = String::new();
    let mut previous: Option<&str> = None;
    for (name, value) in &pairs {
        if previous == Some(name.as_str()) {
            canonical.pop(); // the newline of the name's previous value
            canonical.push(',');
        } else {
            if previous.is_some() {
                signed.push(';');
            }
            signed.push_str(name);
            canonical.push_str(name);
            canonical.push(':');
        }
        canonical.push_str(value);
        canonical.push('\n');
        previous = Some(name.as_str());
    }
    (canonical, signed)
}

/// The V3 canonical request: method, `/`, canonical query, canonical headers (each ending in a
/// newline, so a blank line follows), signed headers and the payload hash, joined with `\n`.
/// Returns the canonical request and the `SignedHeaders` list.
pub fn v3_canonical_request<Q, H>(
    method: &str,
    query: &[(Q, Q)],
    headers: &[(H, H)],
    payload_sha256: &str,
) -> (String, String)
where
    Q: AsRef<str>,
    H: AsRef<str>,
{
    let (canonical_headers, signed_headers) = v3_canonical_headers(headers);
    let request = [
        method,
        "/",
        &canonical_query(query),
        &canonical_headers,
        &signed_headers,
        payload_sha256,
    ]
    .join("\n");
    (request, signed_headers)
}

/// The V3 string to sign: the algorithm and the hex SHA-256 of the canonical request.
pub fn v3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{V3_ALGORITHM}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The V3 signature: hex HMAC-SHA256 with the raw secret (no `&`) as the key.
pub fn v3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The value of the V3 `Authorization` header.
pub fn v3_authorization(access_key_id: &str, signed_headers: &str, signature: &str) -> String {
    format!("{V3_ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}")
}

/// Signs a V3 request and returns the `Authorization` header value.
pub fn sign_v3<Q: AsRef<str>, H: AsRef<str>>(
    method: &str,
    query: &[(Q, Q)],
    headers: &[(H, H)],
    payload_sha256: &str,
    access_key_id: &str,
    secret: &str,
) -> String {
    let (canonical, signed_headers) = v3_canonical_request(method, query, headers, payload_sha256);
    let signature = v3_signature(secret, &v3_string_to_sign(&canonical));
    v3_authorization(access_key_id, &signed_headers, &signature)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn percent_encoding_follows_rfc3986() {
        for (input, output) in [
            (" ", "%20"),
            ("*", "%2A"),
            ("~", "~"),
            ("/", "%2F"),
            (":", "%3A"),
            ("+", "%2B"),
            ("=", "%3D"),
            ("中", "%E4%B8%AD"),
            ("aZ09-_.", "aZ09-_."),
        ] {
            assert_eq!(percent_encode(input), output, "{input:?}");
        }
    }

    #[test]
    fn sorting_is_by_raw_code_point() {
        let q = canonical_query(&[
            ("Tag.2.Key", "b"),
            ("Tag.10.Key", "c"),
            ("Tag.1.Key", "a"),
            ("a", "x"),
            ("B", ""),
        ]);
        assert_eq!(q, "B=&Tag.1.Key=a&Tag.10.Key=c&Tag.2.Key=b&a=x");
    }

    // The classic ECS "Request signatures" document (doc-detail 25492): DescribeRegions.
    #[test]
    fn v1_1_describe_regions() {
        let params = [
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ];
        let sts = v1_string_to_sign("GET", &params);
        assert_eq!(
            sts,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(
            v1_signature("testsecret", &sts),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    // The example of <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>, GET, and the POST variant computed from it.
    #[test]
    fn v1_2_describe_dedicated_hosts_get_and_post() {
        let params = [
            ("AccessKeyId", "testid"),
            ("Action", "DescribeDedicatedHosts"),
            ("Format", "JSON"),
            ("RegionId", "cn-beijing"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "edb2b34af0af9a6d14deaf7c1a5315eb"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2023-03-13T08:34:30Z"),
            ("Version", "2014-05-26"),
        ];
        assert_eq!(
            canonical_query(&params),
            "AccessKeyId=testid&Action=DescribeDedicatedHosts&Format=JSON&RegionId=cn-beijing&SignatureMethod=HMAC-SHA1&SignatureNonce=edb2b34af0af9a6d14deaf7c1a5315eb&SignatureVersion=1.0&Timestamp=2023-03-13T08%3A34%3A30Z&Version=2014-05-26"
        );
        assert_eq!(
            sign_v1("GET", &params, "testsecret"),
            "9NaGiOspFP5UPcwX8Iwt2YJXXuk="
        );
        assert_eq!(
            sign_v1("POST", &params, "testsecret"),
            "ZvQ9xGiFnquSJRvj+WE6kdSpTwU="
        );
    }

    // aliyun/darabonba-openapi-util `python/tests/test_client.py` (and the Java test).
    #[test]
    fn v1_3_util_tests() {
        let params = [("query", "test"), ("body", "test")];
        assert_eq!(
            v1_string_to_sign("GET", &params),
            "GET&%2F&body%3Dtest%26query%3Dtest"
        );
        assert_eq!(
            sign_v1("GET", &params, "secret"),
            "XlUyV4sXjOuX5FnjUz9IF9tm5rU="
        );
    }

    // aliyun/darabonba-openapi-util `golang/service/service_test.go`, empty method.
    #[test]
    fn v1_4_empty_method() {
        let params = [("test", "ok")];
        assert_eq!(v1_string_to_sign("", &params), "&%2F&test%3Dok");
        assert_eq!(
            sign_v1("", &params, "accessKeySecret"),
            "jHx/oHoHNrbVfhncHEvPdHXZwHU="
        );
    }

    // aliyun-python-sdk-core `tests/auth/algorithm/test_sha_hmac1.py`: raw HMAC-SHA1, key
    // without '&'.
    #[test]
    fn v1_5_raw_hmac_sha1() {
        assert_eq!(
            hmac_sha1_base64(b"secret", b"source"),
            "Jv4yi8SobFhg5t1C7nWLbhBSFZQ="
        );
        assert_eq!(
            hmac_sha1_base64(b"secret", "中文unicode".as_bytes()),
            "szlfHs3WVaO/HgY3Cg7/uyXDaRw="
        );
    }

    // VPC AllocateEipAddress as aliyun-python-sdk-core 2.16.1 signs it (time and nonce fixed;
    // Alibaba publishes no vector for it), with and without the empty SignatureType.
    #[test]
    fn v1_6_allocate_eip_address() {
        let mut params = vec![
            ("AccessKeyId", "testid"),
            ("Action", "AllocateEipAddress"),
            ("Bandwidth", "5"),
            ("ClientToken", "tok-123"),
            ("Format", "JSON"),
            ("InternetChargeType", "PayByTraffic"),
            ("RegionId", "cn-hangzhou"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "0123456789abcdef0123456789abcdef"),
            ("SignatureType", ""),
            ("SignatureVersion", "1.0"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "a b*c~"),
            ("Timestamp", "2024-01-01T00:00:00Z"),
            ("Version", "2016-04-28"),
        ];
        let sts = v1_string_to_sign("POST", &params);
        assert!(sts.contains("Tag.1.Value%3Da%2520b%252Ac~"), "{sts}");
        assert!(
            sts.contains("SignatureType%3D%26"),
            "empty values are signed: {sts}"
        );
        assert_eq!(
            sign_v1("POST", &params, "testsecret"),
            "Feiet779fj0v65p7mKhr0pxIu0o="
        );
        params.retain(|(k, _)| *k != "SignatureType");
        assert_eq!(
            sign_v1("POST", &params, "testsecret"),
            "pNmmqrboQ1PCZp/xZNOmZm+abd4="
        );
    }

    // The example of <https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>.
    #[test]
    fn v3_1_run_instances() {
        let query = [
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
            ("RegionId", "cn-shanghai"),
        ];
        let headers = [
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", EMPTY_PAYLOAD_SHA256),
        ];
        let (canonical, signed) =
            v3_canonical_request("POST", &query, &headers, EMPTY_PAYLOAD_SHA256);
        assert_eq!(
            signed,
            "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        let auth = sign_v3(
            "POST",
            &query,
            &headers,
            EMPTY_PAYLOAD_SHA256,
            "YourAccessKeyId",
            "YourAccessKeySecret",
        );
        assert_eq!(
            auth,
            format!("ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders={signed},Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0")
        );
    }

    // aliyun/darabonba-openapi-util `golang/service/service_test.go` `Test_GetAuthorization`
    // (empty method) and the GET variant; a repeated header
    // is joined with ','.
    #[test]
    fn v3_2_repeated_header_and_empty_value() {
        let query = [("test", "ok"), ("empty", "")];
        let headers = [("x-acs-test", "http"), ("x-acs-TEST", "https")];
        let payload = "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23";
        let (canonical, signed) = v3_canonical_request("", &query, &headers, payload);
        assert_eq!(signed, "x-acs-test");
        assert!(
            canonical.contains("\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n"),
            "{canonical:?}"
        );
        let empty = sign_v3("", &query, &headers, payload, "acesskey", "secret");
        assert!(
            empty.ends_with("SignedHeaders=x-acs-test,Signature=4ab59fffe3c5738ff8a2729f90cc04fe18b02a4b15b2102cbaf92f9ff3df2ea3"),
            "{empty}"
        );
        let get = sign_v3("GET", &query, &headers, payload, "acesskey", "secret");
        assert!(
            get.ends_with(
                "Signature=d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1"
            ),
            "{get}"
        );
    }

    // aliyun/darabonba-openapi-util tests: encoding checks.
    #[test]
    fn v3_4_encoding() {
        assert_eq!(
            canonical_query(&[("test", " ~/*-+")]),
            "test=%20~%2F%2A-%2B"
        );
        assert_eq!(
            sha256_hex(b"test"),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
        assert_eq!(sha256_hex(b""), EMPTY_PAYLOAD_SHA256);
    }

    // VPC ReleaseEipAddress as alibabacloud-tea-openapi 0.4.6 `get_authorization` signs it
    // (Alibaba publishes no vector for it).
    #[test]
    fn v3_5_release_eip_address() {
        let query = [("AllocationId", "eip-1"), ("RegionId", "cn-hangzhou")];
        let headers = [
            ("host", "vpc.aliyuncs.com"),
            ("x-acs-action", "ReleaseEipAddress"),
            ("x-acs-version", "2016-04-28"),
            ("x-acs-date", "2024-01-01T00:00:00Z"),
            ("x-acs-signature-nonce", "0123456789abcdef0123456789abcdef"),
            ("x-acs-content-sha256", EMPTY_PAYLOAD_SHA256),
        ];
        let (canonical, _) = v3_canonical_request("POST", &query, &headers, EMPTY_PAYLOAD_SHA256);
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "62d9e4ee4645e147caf22f41f7f14025866322b5d7a8cb876265318e5b8c662a"
        );
        let auth = sign_v3(
            "POST",
            &query,
            &headers,
            EMPTY_PAYLOAD_SHA256,
            "testid",
            "testsecret",
        );
        assert!(
            auth.ends_with(
                "Signature=e27b72af9ecce38ef7cb6d836d652f4b554ff7a0bdb769bde41acb049071548b"
            ),
            "{auth}"
        );
    }
}
