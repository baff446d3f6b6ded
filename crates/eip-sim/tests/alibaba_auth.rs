//! Alibaba request parsing and authentication over raw HTTP: V1 and V3 signatures, the shapes the
//! official SDKs send (what aliyun-python-sdk-core 2.16.1 and alibabacloud-tea-openapi 0.4.6 send), nonces, clock skew, STS and gateway errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    enc, nonce, owned, reply, sign_v1, sign_v3, start_sim, start_with, timestamp_at, Ali,
};
use eip_sim::alibaba::StsCredentials;
use eip_sim::AlibabaConfig;
use sha2::{Digest, Sha256};

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[tokio::test]
async fn v1_post_answers_flat_json_with_an_upper_case_request_id() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let reply = ali.call("DescribeEipAddresses", &[]).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.content_type.starts_with("application/json"),
        "{}",
        reply.content_type
    );
    let request_id = reply.json["RequestId"].as_str().unwrap();
    assert_eq!(request_id.len(), 36);
    assert_eq!(request_id, request_id.to_uppercase());
    assert_eq!(reply.json["TotalCount"], 0);
    assert!(reply.json.get("DescribeEipAddressesResponse").is_none());
}

#[tokio::test]
async fn v1_get_form_body_and_the_real_method_in_the_signature() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let get = ali.v1_params("GET", "DescribeEipAddresses", &[]);
    assert_eq!(ali.send_query("GET", &get).await.status, 200);

    // Signed for GET but sent as POST: the server uses the real method (the RPC signature page, https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism).
    let get = ali.v1_params("GET", "DescribeEipAddresses", &[]);
    ali.send_query("POST", &get)
        .await
        .expect_error(400, "SignatureDoesNotMatch");

    // Every parameter in a form body, none in the query.
    let signed = ali.v1_params("POST", "AllocateEipAddress", &[("Name", "from-form")]);
    let body = signed
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let response = ali
        .http
        .post(format!("{}/", ali.endpoint))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let id = reply(response).await.ok()["AllocationId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(ali.describe_one(&id).await.unwrap()["Name"], "from-form");

    // Split between query and body: both are signed together.
    let signed = ali.v1_params("POST", "DescribeEipAddresses", &[("AllocationId", &id)]);
    let (query, body): (Vec<_>, Vec<_>) = signed
        .iter()
        .partition(|(k, _)| k.starts_with('S') || k == "Action");
    let join = |pairs: Vec<&(String, String)>| {
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let response = ali
        .http
        .post(format!("{}/?{}", ali.endpoint, join(query)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(join(body))
        .send()
        .await
        .unwrap();
    assert_eq!(reply(response).await.ok()["TotalCount"], 1);
}

/// what aliyun-python-sdk-core 2.16.1 and alibabacloud-tea-openapi 0.4.6 send: aliyun-python-sdk-core's request, byte for byte in its quirks: unsorted
/// query, `%20` spaces, an empty signed `SignatureType=`, no Content-Type, a host with a port.
#[tokio::test]
async fn accepts_the_core_sdk_request_shape() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let ts = timestamp_at(0);
    let n = nonce();
    let params = owned(&[
        ("Bandwidth", "5"),
        ("InternetChargeType", "PayByTraffic"),
        ("ClientToken", "tok-123"),
        ("Tag.1.Value", "test a*b~c d"),
        ("Tag.1.Key", "env"),
        ("Version", "2016-04-28"),
        ("Action", "AllocateEipAddress"),
        ("Format", "JSON"),
        ("RegionId", "cn-hangzhou"),
        ("Timestamp", &ts),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureType", ""),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", &n),
        ("AccessKeyId", &ali.key_id),
    ]);
    let signature = sign_v1("POST", &params, &ali.secret);
    let mut query = params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    query.push_str(&format!("&Signature={}", enc(&signature)));
    assert!(query.contains("SignatureType=&") && query.contains("test%20a%2Ab~c%20d"));
    let response = ali
        .http
        .post(format!("{}/?{query}", ali.endpoint))
        .header(
            "User-Agent",
            "AlibabaCloud (Linux 6.1;x86_64) Python/3.11 Core/2.16.1 python-requests/2.18.3",
        )
        .header("Accept-Encoding", "identity")
        .header("x-acs-action", "AllocateEipAddress")
        .header("x-acs-version", "2016-04-28")
        .header("x-sdk-invoke-type", "normal")
        .header("x-sdk-client", "python/2.0.0")
        .header("Content-Length", "0")
        .send()
        .await
        .unwrap();
    let id = reply(response).await.ok()["AllocationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let eip = ali.describe_one(&id).await.unwrap();
    assert_eq!(eip["Tags"]["Tag"][0]["Value"], "test a*b~c d");
    assert_eq!(eip["Bandwidth"], "5");
}

fn tea_headers(host: &str, action: &str) -> Vec<(String, String)> {
    owned(&[
        ("host", host),
        ("x-acs-version", "2016-04-28"),
        ("x-acs-action", action),
        (
            "user-agent",
            "AlibabaCloud (Linux; x86_64) Python/3.11 Core/0.4.3 TeaDSL/2",
        ),
        ("x-acs-date", &timestamp_at(0)),
        ("x-acs-signature-nonce", &nonce()),
        ("accept", "application/json"),
        ("x-acs-content-sha256", EMPTY_SHA256),
        ("x-acs-credentials-provider", "static_ak"),
    ])
}

/// what aliyun-python-sdk-core 2.16.1 and alibabacloud-tea-openapi 0.4.6 send: alibabacloud-tea-openapi V3: sorted query with `+` for spaces, every header
/// it sets signed (accept, user-agent, x-acs-credentials-provider), a host with a port.
#[tokio::test]
async fn accepts_the_tea_sdk_v3_request_shape() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let host = ali.endpoint.trim_start_matches("http://").to_owned();
    let query = owned(&[
        ("Bandwidth", "5"),
        ("ClientToken", "tok-123"),
        ("InternetChargeType", "PayByTraffic"),
        ("RegionId", "cn-hangzhou"),
        ("Tag.1.Key", "env"),
        ("Tag.1.Value", "test a*b~c d"),
    ]);
    let headers = tea_headers(&host, "AllocateEipAddress");
    let authorization = sign_v3("POST", &query, &headers, b"", &ali.key_id, &ali.secret);
    assert!(authorization.contains(
        "SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version"
    ));
    let url = format!(
        "{}/?Bandwidth=5&ClientToken=tok-123&InternetChargeType=PayByTraffic&RegionId=cn-hangzhou&Tag.1.Key=env&Tag.1.Value=test+a%2Ab~c+d",
        ali.endpoint
    );
    let mut request = ali.http.post(url).header("authorization", authorization);
    for (name, value) in headers.iter().filter(|(k, _)| k != "host") {
        request = request.header(name, value);
    }
    let id = reply(request.send().await.unwrap()).await.ok()["AllocationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let eip = ali.describe_one(&id).await.unwrap();
    assert_eq!(eip["Tags"]["Tag"][0]["Value"], "test a*b~c d");

    // tea 0.4.6 never adds RegionId (what aliyun-python-sdk-core 2.16.1 and alibabacloud-tea-openapi 0.4.6 send): accepted.
    let headers = tea_headers(&host, "DescribeEipAddresses");
    let authorization = sign_v3("POST", &[], &headers, b"", &ali.key_id, &ali.secret);
    assert_eq!(
        ali.send_v3("POST", &[], &headers, &authorization, Vec::new())
            .await
            .ok()["TotalCount"],
        1
    );
}

/// what aliyun-python-sdk-core 2.16.1 and alibabacloud-tea-openapi 0.4.6 send with `signature_algorithm='v2'`: lower-case `json`, `+` spaces, no SignatureType.
#[tokio::test]
async fn accepts_the_tea_sdk_v1_request_shape() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let params = owned(&[
        ("Action", "AllocateEipAddress"),
        ("Format", "json"),
        ("Version", "2016-04-28"),
        ("Timestamp", &timestamp_at(0)),
        ("SignatureNonce", &nonce()),
        ("Bandwidth", "5"),
        ("RegionId", "cn-hangzhou"),
        ("Tag.1.Key", "env"),
        ("Tag.1.Value", "test a*b~c d"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("AccessKeyId", &ali.key_id),
    ]);
    let signature = sign_v1("POST", &params, &ali.secret);
    let query = params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v).replace("%20", "+")))
        .collect::<Vec<_>>()
        .join("&");
    let url = format!("{}/?{query}&Signature={}", ali.endpoint, enc(&signature));
    assert!(url.contains("test+a%2Ab~c+d"));
    let json = reply(ali.http.post(url).send().await.unwrap()).await.ok();
    assert!(json["AllocationId"].as_str().unwrap().starts_with("eip-"));
}

#[tokio::test]
async fn v3_calls_work_and_verify_the_body_hash() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let id = ali
        .call_v3("AllocateEipAddress", &[("RegionId", "cn-hangzhou")])
        .await
        .ok()["AllocationId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        ali.call_v3("DescribeEipAddresses", &[("AllocationId", &id)])
            .await
            .ok()["TotalCount"],
        1
    );

    // A form body under V3: its hash is signed through x-acs-content-sha256.
    let body = format!("AllocationId={id}").into_bytes();
    let host = ali.endpoint.trim_start_matches("http://").to_owned();
    let mut headers = tea_headers(&host, "DescribeEipAddresses");
    headers.retain(|(k, _)| k != "x-acs-content-sha256");
    headers.push((
        "x-acs-content-sha256".into(),
        hex::encode(Sha256::digest(&body)),
    ));
    headers.push((
        "content-type".into(),
        "application/x-www-form-urlencoded".into(),
    ));
    let authorization = sign_v3("POST", &[], &headers, &body, &ali.key_id, &ali.secret);
    assert_eq!(
        ali.send_v3("POST", &[], &headers, &authorization, body.clone())
            .await
            .ok()["TotalCount"],
        1
    );

    // The same headers with another body: refused.
    let mut headers = tea_headers(&host, "DescribeEipAddresses");
    headers.retain(|(k, _)| k != "x-acs-content-sha256");
    headers.push((
        "x-acs-content-sha256".into(),
        hex::encode(Sha256::digest(&body)),
    ));
    headers.push((
        "content-type".into(),
        "application/x-www-form-urlencoded".into(),
    ));
    let authorization = sign_v3("POST", &[], &headers, &body, &ali.key_id, &ali.secret);
    let tampered = b"AllocationId=eip-other".to_vec();
    ali.send_v3("POST", &[], &headers, &authorization, tampered)
        .await
        .expect_error(400, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn wrong_secrets_and_tampering_are_refused() {
    let sim = start_sim(30).await;
    let mut ali = Ali::new(&sim);
    let mut signed = ali.v1_params("POST", "DescribeEipAddresses", &[("PageSize", "10")]);
    signed
        .iter_mut()
        .filter(|(k, _)| k == "PageSize")
        .for_each(|(_, v)| *v = "20".into());
    let answer = ali.send_query("POST", &signed).await;
    answer.expect_error(400, "SignatureDoesNotMatch");
    // the API reference error codes, https://api.alibabacloud.com/document/Vpc/2016-04-28/errorCode: aliyun-python-sdk-core compares the text after `:` with its own string to sign.
    let message = answer.json["Message"].as_str().unwrap();
    let server_sts = message.split_once("server string to sign is:").unwrap().1;
    assert!(
        server_sts.starts_with("POST&%2F&AccessKeyId%3D"),
        "{server_sts}"
    );
    assert!(server_sts.contains("PageSize%3D20"));

    ali.secret = "not-the-secret".into();
    ali.call("DescribeEipAddresses", &[])
        .await
        .expect_error(400, "SignatureDoesNotMatch");
    ali.call_v3("DescribeEipAddresses", &[])
        .await
        .expect_error(400, "SignatureDoesNotMatch");
    ali.key_id = "LTAIunknown".into();
    ali.call("DescribeEipAddresses", &[])
        .await
        .expect_error(404, "InvalidAccessKeyId.NotFound");
    ali.call_v3("DescribeEipAddresses", &[])
        .await
        .expect_error(404, "InvalidAccessKeyId.NotFound");
    assert!(sim.inventory().is_empty());
}

#[tokio::test]
async fn a_reused_nonce_is_refused_under_both_versions() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let signed = ali.v1_params("POST", "AllocateEipAddress", &[]);
    assert_eq!(ali.send_query("POST", &signed).await.status, 200);
    ali.send_query("POST", &signed)
        .await
        .expect_error(400, "SignatureNonceUsed");
    assert_eq!(sim.inventory().len(), 1, "the replay must have no effect");

    let host = ali.endpoint.trim_start_matches("http://").to_owned();
    let headers = tea_headers(&host, "DescribeEipAddresses");
    let authorization = sign_v3("POST", &[], &headers, b"", &ali.key_id, &ali.secret);
    assert_eq!(
        ali.send_v3("POST", &[], &headers, &authorization, Vec::new())
            .await
            .status,
        200
    );
    ali.send_v3("POST", &[], &headers, &authorization, Vec::new())
        .await
        .expect_error(400, "SignatureNonceUsed");
    // Reset forgets nonces.
    sim.reset();
    assert_eq!(
        ali.send_v3("POST", &[], &headers, &authorization, Vec::new())
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn timestamps_outside_fifteen_minutes_are_expired() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    for (offset, fresh) in [
        (-20 * 60, false),
        (20 * 60, false),
        (-10 * 60, true),
        (10 * 60, true),
    ] {
        let mut params = ali.v1_params("POST", "DescribeEipAddresses", &[]);
        params.retain(|(k, _)| k != "Timestamp" && k != "Signature");
        params.push(("Timestamp".into(), timestamp_at(offset)));
        let signature = sign_v1("POST", &params, &ali.secret);
        params.push(("Signature".into(), signature));
        let answer = ali.send_query("POST", &params).await;
        if fresh {
            assert_eq!(answer.status, 200, "{offset}: {:?}", answer.json);
        } else {
            answer.expect_error(400, "InvalidTimeStamp.Expired");
        }
    }
    let host = ali.endpoint.trim_start_matches("http://").to_owned();
    let mut headers = tea_headers(&host, "DescribeEipAddresses");
    headers.retain(|(k, _)| k != "x-acs-date");
    headers.push(("x-acs-date".into(), timestamp_at(-16 * 60)));
    let authorization = sign_v3("POST", &[], &headers, b"", &ali.key_id, &ali.secret);
    ali.send_v3("POST", &[], &headers, &authorization, Vec::new())
        .await
        .expect_error(400, "InvalidTimeStamp.Expired");
}

#[tokio::test]
async fn gateway_errors_for_missing_parameters_and_unknown_actions() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    ali.call("DescribeEipAddressez", &[])
        .await
        .expect_error(404, "InvalidAction.NotFound");
    ali.call_v3("RunInstances", &[])
        .await
        .expect_error(404, "InvalidAction.NotFound");
    let mut unsigned = ali.v1_params("POST", "DescribeEipAddresses", &[]);
    unsigned.retain(|(k, _)| k != "Signature");
    ali.send_query("POST", &unsigned)
        .await
        .expect_error(400, "MissingParameter");
    let mut no_nonce = ali.v1_params("POST", "DescribeEipAddresses", &[]);
    no_nonce.retain(|(k, _)| k != "SignatureNonce");
    ali.send_query("POST", &no_nonce)
        .await
        .expect_error(400, "MissingParameter");
    let mut no_method = ali.v1_params("POST", "DescribeEipAddresses", &[]);
    no_method.retain(|(k, _)| k != "SignatureMethod");
    ali.send_query("POST", &no_method)
        .await
        .expect_error(400, "MissingParameter");
    let mut old_version = ali.v1_params("POST", "DescribeEipAddresses", &[]);
    old_version.retain(|(k, _)| k != "Signature" && k != "Version");
    old_version.push(("Version".into(), "2014-05-26".into()));
    let signature = sign_v1("POST", &old_version, &ali.secret);
    old_version.push(("Signature".into(), signature));
    ali.send_query("POST", &old_version)
        .await
        .expect_error(400, "InvalidVersion");
    let no_action = owned(&[("Version", "2016-04-28")]);
    ali.send_query("POST", &no_action)
        .await
        .expect_error(400, "MissingParameter");
    ali.call("ReleaseEipAddress", &[])
        .await
        .expect_error(400, "MissingParameter");
    ali.call("DescribeEipAddresses", &[("RegionId", "mars-north-1")])
        .await
        .expect_error(404, "InvalidRegionId.NotFound");
}

#[tokio::test]
async fn sts_tokens_are_required_for_sts_keys() {
    let config = AlibabaConfig {
        sts: Some(StsCredentials::default()),
        ..AlibabaConfig::default()
    };
    let sim = start_with(30, config).await;
    let sts = sim.alibaba().sts.clone().unwrap();
    let base = Ali::new(&sim);
    let mut ali = Ali {
        key_id: sts.access_key_id.clone(),
        secret: sts.access_key_secret.clone(),
        ..base.clone()
    };

    // Missing token.
    ali.call("DescribeEipAddresses", &[])
        .await
        .expect_error(400, "MissingParameter");
    ali.call_v3("DescribeEipAddresses", &[])
        .await
        .expect_error(400, "MissingParameter");
    // Wrong token.
    ali.token = Some("not-the-token".into());
    ali.call("DescribeEipAddresses", &[])
        .await
        .expect_error(404, "InvalidAccessKeyId.NotFound");
    ali.call_v3("DescribeEipAddresses", &[])
        .await
        .expect_error(404, "InvalidAccessKeyId.NotFound");
    // The right token: V1 in the query (its `+/=` percent-encoded), V3 in the header.
    ali.token = Some(sts.security_token.clone());
    assert!(sts.security_token.contains('+') && sts.security_token.contains('/'));
    assert_eq!(ali.call("AllocateEipAddress", &[]).await.status, 200);
    assert_eq!(
        ali.call_v3("DescribeEipAddresses", &[]).await.ok()["TotalCount"],
        1
    );
    // The long-term key needs no token.
    assert_eq!(base.call("DescribeEipAddresses", &[]).await.status, 200);
}

#[tokio::test]
async fn v3_refuses_an_unsigned_date_or_nonce_and_unknown_algorithms() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let host = ali.endpoint.trim_start_matches("http://").to_owned();
    let headers = tea_headers(&host, "AllocateEipAddress");
    for unsigned in ["x-acs-date", "x-acs-signature-nonce", "x-acs-action"] {
        let signed: Vec<_> = headers
            .iter()
            .filter(|(k, _)| k != unsigned)
            .cloned()
            .collect();
        let authorization = sign_v3("POST", &[], &signed, b"", &ali.key_id, &ali.secret);
        ali.send_v3("POST", &[], &headers, &authorization, Vec::new())
            .await
            .expect_error(400, "IncompleteSignature");
    }
    let authorization = sign_v3("POST", &[], &headers, b"", &ali.key_id, &ali.secret)
        .replace("ACS3-HMAC-SHA256", "ACS3-HMAC-SM3");
    ali.send_v3("POST", &[], &headers, &authorization, Vec::new())
        .await
        .expect_error(400, "IncompleteSignature");
    assert!(sim.inventory().is_empty());
}
