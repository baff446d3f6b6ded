//! 1. Per-call overhead: `get` through each provider vs the same HTTP request from a bare
//!    reqwest client, to the same emulator, on one keep-alive connection, one call at a time.
//!
//! The emulator runs with authentication off (`SimBuilder::verify_signatures(false)`) so the
//! unsigned baseline gets exactly the server-side work of the signed calls; the ratio is then
//! what the library adds on the client (signing, parsing, mapping, the retry loop, spans).
//! A second line puts the providers on an emulator that verifies signatures, for reference.

use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt};
use multicloud_eip::alibaba::{mapping, signer as alibaba_signer, wire, SignatureVersion};
use multicloud_eip::huawei::signer::{self as huawei_signer, SignedHeaders, SigningInput};
use multicloud_eip::sim::{Cloud, Sim, SimBuilder};
use multicloud_eip::EipProvider;

use crate::report::{self, mean, median, ratio, time, Report, Verdict};
use crate::setup::{self, HuaweiAuth};
use crate::BenchResult;

/// Measured calls per side.
const CALLS: usize = 2_000;
/// Calls per side before measuring (connection, token, caches).
const WARM_UP: usize = 200;
/// The two sides alternate in blocks this long, so drift (CPU frequency, other load) hits both.
const BLOCK: usize = 250;
/// The overhead goal, as a ratio to the bare client.
const GOAL: f64 = 1.15;

/// One way of making the call, measured.
type Side<'a> = Box<dyn FnMut() -> BoxFuture<'a, BenchResult<()>> + 'a>;

/// Runs every side `CALLS` times, rotating blocks of `BLOCK`, one call at a time; the
/// per-call latencies of each side.
async fn compare(sides: &mut [Side<'_>]) -> BenchResult<Vec<Vec<Duration>>> {
    for side in sides.iter_mut() {
        for _ in 0..WARM_UP {
            side().await?;
        }
    }
    let mut latencies = vec![Vec::with_capacity(CALLS); sides.len()];
    for _ in 0..CALLS / BLOCK {
        for (side, samples) in sides.iter_mut().zip(&mut latencies) {
            for _ in 0..BLOCK {
                let started = Instant::now();
                side().await?;
                samples.push(started.elapsed());
            }
        }
    }
    Ok(latencies)
}

/// Records the library against a baseline.
fn record(report: &mut Report, label: &str, bare: &[Duration], library: &[Duration], goal: bool) {
    let (bare_wall, library_wall): (Duration, Duration) = (bare.iter().sum(), library.iter().sum());
    let by_wall = ratio(library_wall, bare_wall);
    let by_median = ratio(median(library), median(bare));
    report.info(
        format!("{label}: {CALLS} calls, wall (bare → library)"),
        format!("{} → {}", time(bare_wall), time(library_wall)),
    );
    report.info(
        format!("{label}: per call, mean / median (bare → library)"),
        format!(
            "{} / {} → {} / {}",
            time(mean(bare)),
            time(median(bare)),
            time(mean(library)),
            time(median(library))
        ),
    );
    let figure = format!("{label}: overhead ratio (wall; median {by_median:.2}×)");
    if goal {
        report.add(
            figure,
            format!("{by_wall:.2}×"),
            format!("≤ {GOAL:.2}×"),
            Verdict::of(by_wall <= GOAL),
        );
    } else {
        report.info(figure, format!("{by_wall:.2}×"));
    }
}

/// One `DescribeEipAddresses` by id sent bare: POST, everything in the query, empty body, as the
/// provider and the official SDK send it (alibabacloud-vpc20160428 `client.py`:
/// `Params(method='POST', style='RPC', req_body_type='formData')`, all fields in `query`).
async fn bare_alibaba(client: &reqwest::Client, url: &str) -> BenchResult<()> {
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_LENGTH, "0")
        .send()
        .await?;
    let status = response.status();
    let body = response.bytes().await?;
    if !status.is_success() || body.is_empty() {
        return Err(format!("bare Alibaba call answered {status}").into());
    }
    Ok(())
}

/// [`bare_alibaba`], then the body read as the provider reads it (`mapping::parse`,
/// `mapping::to_eip`): how much of the overhead is parsing.
async fn bare_alibaba_parsed(client: &reqwest::Client, url: &str) -> BenchResult<()> {
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_LENGTH, "0")
        .send()
        .await?;
    let body = response.bytes().await?;
    let page: wire::DescribeResponse = mapping::parse("DescribeEipAddresses", &body)?;
    let item = page.items().first().ok_or("an empty Describe answer")?;
    mapping::to_eip(item, "cn-hangzhou")?;
    Ok(())
}

/// One `GET /v1/{project}/publicips/{id}` sent bare, with `headers`.
async fn bare_huawei(
    client: &reqwest::Client,
    url: &str,
    headers: &[(String, String)],
) -> BenchResult<()> {
    let mut request = client.get(url);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.send().await?;
    let status = response.status();
    let body = response.bytes().await?;
    if !status.is_success() || body.is_empty() {
        return Err(format!("bare Huawei call answered {status}").into());
    }
    Ok(())
}

async fn get<P: EipProvider + ?Sized>(provider: &P, id: &str) -> BenchResult<()> {
    let eip = provider.get(id).await?;
    if eip.id != id {
        return Err(format!("asked for {id}, got {}", eip.id).into());
    }
    Ok(())
}

/// The exact query the provider sends for a V1 `get` (same parameters and signature, one fixed
/// nonce and time), computed once: replaying it costs the server what the provider's request
/// costs, without the client work. Only an emulator that does not verify accepts the replays.
fn signed_v1_url(sim: &Sim, id: &str) -> String {
    let info = sim.alibaba();
    let mut params: Vec<(String, String)> = [
        ("RegionId", info.region.as_str()),
        ("AllocationId", id),
        ("Action", "DescribeEipAddresses"),
        ("Version", "2016-04-28"),
        ("Format", "JSON"),
        ("AccessKeyId", info.access_key_id.as_str()),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", "0f8b3c3a1e0c4a4f9d2b6e7f8a9b0c1d"),
        ("Timestamp", "2024-05-01T12:00:00Z"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let signature = alibaba_signer::sign_v1("POST", &params, &info.access_key_secret);
    params.push(("Signature".to_owned(), signature));
    format!(
        "{}/?{}",
        info.endpoint,
        alibaba_signer::canonical_query(&params)
    )
}

/// The exact headers the provider signs and sends for an AK/SK `get`, computed once.
fn signed_huawei_headers(sim: &Sim, url: &str) -> BenchResult<Vec<(String, String)>> {
    let info = sim.huawei();
    let url = url::Url::parse(url)?;
    let date = "20240501T120000Z";
    let mut headers = vec![
        ("Host".to_owned(), huawei_signer::host_header(&url)),
        ("X-Sdk-Date".to_owned(), date.to_owned()),
        ("X-Project-Id".to_owned(), info.project_id.clone()),
    ];
    let signed = SignedHeaders::new(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let input = SigningInput {
        method: "GET",
        path: url.path(),
        query: &[],
        headers: &signed,
        body: b"",
    };
    let authorization =
        huawei_signer::authorization(&info.access_key, &info.secret_key, date, &input);
    headers.push(("Authorization".to_owned(), authorization));
    Ok(headers)
}

async fn seeded(verify: bool) -> BenchResult<(Sim, String, String)> {
    let sim = SimBuilder::new().verify_signatures(verify).start().await?;
    let alibaba = setup::seed(&sim, Cloud::Alibaba, 1)?.remove(0);
    let huawei = setup::seed(&sim, Cloud::Huawei, 1)?.remove(0);
    Ok((sim, alibaba, huawei))
}

/// Alibaba V1 and V3 against an unsigned baseline and the replayed signed request.
async fn alibaba(
    report: &mut Report,
    sim: &Sim,
    client: &reqwest::Client,
    id: &str,
) -> BenchResult<()> {
    let unsigned = format!(
        "{}/?Action=DescribeEipAddresses&Version=2016-04-28&Format=JSON&RegionId={}&AllocationId={id}",
        sim.alibaba().endpoint,
        sim.alibaba().region
    );
    let replayed = signed_v1_url(sim, id);
    for (label, version) in [
        ("alibaba V1", SignatureVersion::V1),
        ("alibaba V3", SignatureVersion::V3),
    ] {
        let provider = setup::alibaba(sim, version, client)?;
        let mut sides: Vec<Side<'_>> = vec![
            Box::new(|| bare_alibaba(client, &unsigned).boxed()),
            Box::new(|| get(&provider, id).boxed()),
        ];
        if version == SignatureVersion::V1 {
            sides.push(Box::new(|| bare_alibaba(client, &replayed).boxed()));
            sides.push(Box::new(|| bare_alibaba_parsed(client, &unsigned).boxed()));
        }
        let latencies = compare(&mut sides).await?;
        record(report, label, &latencies[0], &latencies[1], true);
        if let [bare, library, replay, parsed] = latencies.as_slice() {
            record(
                report,
                "alibaba V1 vs its replayed signed request",
                replay,
                library,
                false,
            );
            record(
                report,
                "alibaba bare + the provider's parsing, vs bare",
                bare,
                parsed,
                false,
            );
        }
    }
    Ok(())
}

/// Huawei with a token and with AK/SK against an unauthenticated baseline and the replayed
/// AK/SK request.
async fn huawei(
    report: &mut Report,
    sim: &Sim,
    client: &reqwest::Client,
    id: &str,
) -> BenchResult<()> {
    let url = format!(
        "{}/v1/{}/publicips/{id}",
        sim.huawei().vpc_endpoint,
        sim.huawei().project_id
    );
    let replayed = signed_huawei_headers(sim, &url)?;
    for (label, auth) in [
        ("huawei token", HuaweiAuth::Token),
        ("huawei AK/SK", HuaweiAuth::AkSk),
    ] {
        let provider = setup::huawei(sim, auth, client)?;
        let mut sides: Vec<Side<'_>> = vec![
            Box::new(|| bare_huawei(client, &url, &[]).boxed()),
            Box::new(|| get(&provider, id).boxed()),
        ];
        if auth == HuaweiAuth::AkSk {
            sides.push(Box::new(|| bare_huawei(client, &url, &replayed).boxed()));
        }
        let latencies = compare(&mut sides).await?;
        record(report, label, &latencies[0], &latencies[1], true);
        if let Some(replay) = latencies.get(2) {
            record(
                report,
                "huawei AK/SK vs its replayed signed request",
                replay,
                &latencies[1],
                false,
            );
        }
    }
    Ok(())
}

/// Measures every provider configuration against its bare baselines.
pub async fn run(report: &mut Report) -> BenchResult<()> {
    report::section(
        "1. per-call overhead: provider.get vs a bare reqwest client, sequential, one connection",
    );
    let (open, ali_id, hw_id) = seeded(false).await?;
    let client = setup::http_client()?;
    alibaba(report, &open, &client, &ali_id).await?;
    huawei(report, &open, &client, &hw_id).await?;

    // For reference: the providers on an emulator that verifies every signature, against the
    // unsigned baseline on the one that does not. The difference to the figures above is the
    // emulator's verification work, not the library's.
    let (closed, closed_ali_id, closed_hw_id) = seeded(true).await?;
    let unsigned = format!(
        "{}/?Action=DescribeEipAddresses&Version=2016-04-28&Format=JSON&RegionId={}&AllocationId={ali_id}",
        open.alibaba().endpoint,
        open.alibaba().region
    );
    let provider = setup::alibaba(&closed, SignatureVersion::V1, &client)?;
    let latencies = compare(&mut [
        Box::new(|| bare_alibaba(&client, &unsigned).boxed()) as Side<'_>,
        Box::new(|| get(&provider, &closed_ali_id).boxed()),
    ])
    .await?;
    record(
        report,
        "alibaba V1, emulator verifying",
        &latencies[0],
        &latencies[1],
        false,
    );
    let url = format!(
        "{}/v1/{}/publicips/{hw_id}",
        open.huawei().vpc_endpoint,
        open.huawei().project_id
    );
    let provider = setup::huawei(&closed, HuaweiAuth::AkSk, &client)?;
    let latencies = compare(&mut [
        Box::new(|| bare_huawei(&client, &url, &[]).boxed()) as Side<'_>,
        Box::new(|| get(&provider, &closed_hw_id).boxed()),
    ])
    .await?;
    record(
        report,
        "huawei AK/SK, emulator verifying",
        &latencies[0],
        &latencies[1],
        false,
    );
    Ok(())
}
