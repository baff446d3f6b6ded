//! Alibaba signature computation for verification: RPC V1 (HMAC-SHA1, the RPC signature page, <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>) and
//! ACS3-HMAC-SHA256 (the V3 signature page, <https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>). Pure functions, written from the public documents independently of the
//! client crate so a client bug cannot hide behind the same bug here.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The V3 algorithm name this emulator verifies.
pub(crate) const ACS3_HMAC_SHA256: &str = "ACS3-HMAC-SHA256";

/// RFC 3986 encoding as Alibaba uses it (the RPC signature page, <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>): keep `A–Z a–z 0–9 - _ . ~`,
/// every other UTF-8 byte becomes `%XY` with upper-case hex.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `enc(k)=enc(v)` pairs sorted by raw name (code-point order, the RPC signature page, <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>) and
/// joined with `&`, leaving out `skip` (V1: `Signature`). Empty values are kept as `k=`.
pub(crate) fn canonical_query(params: &[(String, String)], skip: Option<&str>) -> String {
    let mut pairs: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, _)| Some(k.as_str()) != skip)
        .collect();
    // Rust's `str` ordering is byte order, which for UTF-8 is code-point order.
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// V1 StringToSign: `METHOD&%2F&enc(canonical query)` (the RPC signature page, <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>).
pub(crate) fn v1_string_to_sign(method: &str, params: &[(String, String)]) -> String {
    let canonical = canonical_query(params, Some("Signature"));
    format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&canonical)
    )
}

/// Base64(HMAC-SHA1(key, data)) with standard padding.
pub(crate) fn hmac_sha1_base64(key: &str, data: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha1>::new_from_slice(key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The V1 signature: the key is the secret followed by `&` (the RPC signature page, <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>).
pub(crate) fn v1_signature(secret: &str, string_to_sign: &str) -> String {
    hmac_sha1_base64(&format!("{secret}&"), string_to_sign)
}

/// The parts of an `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`
/// header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct V3Authorization {
    pub(crate) algorithm: String,
    pub(crate) access_key_id: String,
    pub(crate) signed_headers: Vec<String>,
    pub(crate) signature: String,
}

/// Parses a V3 `Authorization` value; `None` when a part is missing.
pub(crate) fn parse_v3_authorization(value: &str) -> Option<V3Authorization> {
    let (algorithm, rest) = value.trim().split_once(' ')?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, val) = part.trim().split_once('=')?;
        match key.trim() {
            "Credential" => credential = Some(val.trim().to_owned()),
            "SignedHeaders" => signed = Some(val.trim().to_owned()),
            "Signature" => signature = Some(val.trim().to_owned()),
            _ => {}
        }
    }
    Some(V3Authorization {
        algorithm: algorithm.to_owned(),
        access_key_id: credential?,
        signed_headers: signed?
            .split(';')
            .map(|h| h.trim().to_ascii_lowercase())
            .collect(),
        signature: signature?,
    })
}

/// The V3 canonical request (the V3 signature page, <https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>). `headers` holds every received header as
/// `(name, value)`, names in any case; values of a repeated header are sorted and joined with `,`.
pub(crate) fn v3_canonical_request(
    method: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    signed_headers: &[String],
    hashed_payload: &str,
) -> String {
    let mut names: Vec<String> = signed_headers
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    names.sort();
    let mut canonical_headers = String::new();
    for name in &names {
        let mut values: Vec<&str> = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect();
        values.sort_unstable();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    [
        method,
        "/",
        &canonical_query(query, None),
        &canonical_headers,
        &names.join(";"),
        hashed_payload,
    ]
    .join("\n")
}

/// Lower-case hex SHA-256.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// `ACS3-HMAC-SHA256\n` + hex(SHA256(canonical request)).
pub(crate) fn v3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{ACS3_HMAC_SHA256}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// hex(HMAC-SHA256(secret, string to sign)); the key is the raw secret, no `&` (the V3 signature page, <https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>).
pub(crate) fn v3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Compares two signatures without stopping at the first difference.
pub(crate) fn same_signature(expected: &str, received: &str) -> bool {
    expected.len() == received.len()
        && expected
            .bytes()
            .zip(received.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn percent_encoding_table() {
        // the RPC signature page, https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism.
        for (input, output) in [
            (" ", "%20"),
            ("*", "%2A"),
            ("~", "~"),
            ("/", "%2F"),
            (":", "%3A"),
            ("+", "%2B"),
            ("=", "%3D"),
            ("中", "%E4%B8%AD"),
        ] {
            assert_eq!(percent_encode(input), output, "{input}");
        }
    }

    #[test]
    fn v1_1_describe_regions() {
        let p = params(&[
            ("Version", "2014-05-26"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Signature", "ignored"),
        ]);
        let sts = v1_string_to_sign("GET", &p);
        assert_eq!(
            sts,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(
            v1_signature("testsecret", &sts),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn v1_2_describe_dedicated_hosts_get_and_post() {
        let p = params(&[
            ("AccessKeyId", "testid"),
            ("Action", "DescribeDedicatedHosts"),
            ("Format", "JSON"),
            ("RegionId", "cn-beijing"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "edb2b34af0af9a6d14deaf7c1a5315eb"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2023-03-13T08:34:30Z"),
            ("Version", "2014-05-26"),
        ]);
        assert_eq!(
            canonical_query(&p, Some("Signature")),
            "AccessKeyId=testid&Action=DescribeDedicatedHosts&Format=JSON&RegionId=cn-beijing&SignatureMethod=HMAC-SHA1&SignatureNonce=edb2b34af0af9a6d14deaf7c1a5315eb&SignatureVersion=1.0&Timestamp=2023-03-13T08%3A34%3A30Z&Version=2014-05-26"
        );
        assert_eq!(
            v1_signature("testsecret", &v1_string_to_sign("GET", &p)),
            "9NaGiOspFP5UPcwX8Iwt2YJXXuk="
        );
        assert_eq!(
            v1_signature("testsecret", &v1_string_to_sign("POST", &p)),
            "ZvQ9xGiFnquSJRvj+WE6kdSpTwU="
        );
    }

    #[test]
    fn v1_3_util_python_java() {
        let p = params(&[("query", "test"), ("body", "test")]);
        let sts = v1_string_to_sign("GET", &p);
        assert_eq!(sts, "GET&%2F&body%3Dtest%26query%3Dtest");
        assert_eq!(v1_signature("secret", &sts), "XlUyV4sXjOuX5FnjUz9IF9tm5rU=");
    }

    #[test]
    fn v1_4_util_go_empty_method() {
        let sts = v1_string_to_sign("", &params(&[("test", "ok")]));
        assert_eq!(sts, "&%2F&test%3Dok");
        assert_eq!(
            v1_signature("accessKeySecret", &sts),
            "jHx/oHoHNrbVfhncHEvPdHXZwHU="
        );
    }

    #[test]
    fn v1_5_raw_hmac_sha1() {
        assert_eq!(
            hmac_sha1_base64("secret", "source"),
            "Jv4yi8SobFhg5t1C7nWLbhBSFZQ="
        );
        assert_eq!(
            hmac_sha1_base64("secret", "中文unicode"),
            "szlfHs3WVaO/HgY3Cg7/uyXDaRw="
        );
    }

    #[test]
    fn v1_6_allocate_eip_address_with_and_without_signature_type() {
        let mut p = params(&[
            ("Tag.1.Value", "a b*c~"),
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
            ("Timestamp", "2024-01-01T00:00:00Z"),
            ("Version", "2016-04-28"),
        ]);
        let sts = v1_string_to_sign("POST", &p);
        assert!(sts.contains("Tag.1.Value%3Da%2520b%252Ac~"), "{sts}");
        assert_eq!(
            v1_signature("testsecret", &sts),
            "Feiet779fj0v65p7mKhr0pxIu0o="
        );
        p.retain(|(k, _)| k != "SignatureType");
        assert_eq!(
            v1_signature("testsecret", &v1_string_to_sign("POST", &p)),
            "pNmmqrboQ1PCZp/xZNOmZm+abd4="
        );
    }

    #[test]
    fn v1_tag_names_sort_by_code_point() {
        let p = params(&[
            ("Tag.2.Key", "b"),
            ("Tag.10.Key", "c"),
            ("Tag.1.Key", "a"),
            ("a", "x"),
            ("B", "y"),
        ]);
        assert_eq!(
            canonical_query(&p, None),
            "B=y&Tag.1.Key=a&Tag.10.Key=c&Tag.2.Key=b&a=x"
        );
    }

    fn v3_1_headers() -> Vec<(String, String)> {
        params(&[
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", &sha256_hex(b"")),
        ])
    }

    #[test]
    fn v3_1_official_run_instances() {
        let auth = parse_v3_authorization(
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
        )
        .unwrap();
        assert_eq!(auth.algorithm, ACS3_HMAC_SHA256);
        assert_eq!(auth.access_key_id, "YourAccessKeyId");
        let query = params(&[
            ("RegionId", "cn-shanghai"),
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
        ]);
        let canonical = v3_canonical_request(
            "POST",
            &query,
            &v3_1_headers(),
            &auth.signed_headers,
            &sha256_hex(b""),
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        let signature = v3_signature("YourAccessKeySecret", &v3_string_to_sign(&canonical));
        assert!(same_signature(&signature, &auth.signature));
    }

    type Pairs = Vec<(String, String)>;

    fn v3_2_inputs() -> (Pairs, Pairs) {
        let query = params(&[("test", "ok"), ("empty", "")]);
        let headers = params(&[("x-acs-test", "http"), ("x-acs-TEST", "https")]);
        (query, headers)
    }

    const V3_2_PAYLOAD: &str = "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23";

    #[test]
    fn v3_2_util_go_empty_method() {
        let (query, headers) = v3_2_inputs();
        let signed = vec!["x-acs-test".to_owned()];
        let canonical = v3_canonical_request("", &query, &headers, &signed, V3_2_PAYLOAD);
        assert!(
            canonical.contains("\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n"),
            "{canonical}"
        );
        assert_eq!(
            v3_signature("secret", &v3_string_to_sign(&canonical)),
            "4ab59fffe3c5738ff8a2729f90cc04fe18b02a4b15b2102cbaf92f9ff3df2ea3"
        );
    }

    #[test]
    fn v3_2_documented_form_with_get() {
        let (query, headers) = v3_2_inputs();
        let signed = vec!["x-acs-test".to_owned()];
        let canonical = v3_canonical_request("GET", &query, &headers, &signed, V3_2_PAYLOAD);
        assert_eq!(
            v3_signature("secret", &v3_string_to_sign(&canonical)),
            "d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1"
        );
    }

    #[test]
    fn v3_4_encoding_checks() {
        assert_eq!(
            canonical_query(&params(&[("test", " ~/*-+")]), None),
            "test=%20~%2F%2A-%2B"
        );
        assert_eq!(
            sha256_hex(b"test"),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn v3_5_release_eip_address() {
        let headers = params(&[
            ("host", "vpc.aliyuncs.com"),
            ("x-acs-action", "ReleaseEipAddress"),
            ("x-acs-version", "2016-04-28"),
            ("x-acs-date", "2024-01-01T00:00:00Z"),
            ("x-acs-signature-nonce", "0123456789abcdef0123456789abcdef"),
            ("x-acs-content-sha256", &sha256_hex(b"")),
        ]);
        let signed: Vec<String> = headers.iter().map(|(k, _)| k.clone()).collect();
        let query = params(&[("RegionId", "cn-hangzhou"), ("AllocationId", "eip-1")]);
        let canonical = v3_canonical_request("POST", &query, &headers, &signed, &sha256_hex(b""));
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "62d9e4ee4645e147caf22f41f7f14025866322b5d7a8cb876265318e5b8c662a"
        );
        assert_eq!(
            v3_signature("testsecret", &v3_string_to_sign(&canonical)),
            "e27b72af9ecce38ef7cb6d836d652f4b554ff7a0bdb769bde41acb049071548b"
        );
    }

    #[test]
    fn authorization_without_signature_is_rejected() {
        assert!(
            parse_v3_authorization("ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host").is_none()
        );
        assert!(parse_v3_authorization("garbage").is_none());
        assert!(!same_signature("abc", "abd"));
    }
}
