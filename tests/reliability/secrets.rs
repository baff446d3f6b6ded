//! No secret reaches a log line, an error or a `Debug` output.
//!
//! A TRACE subscriber captures everything this test binary logs (every test's, the emulator's
//! included) while full lifecycles run on both providers with both auth kinds; then every captured
//! line, every error's Display/Debug and every public configuration type's Debug are searched for
//! the test credentials, tokens and signatures.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use multicloud_eip::{AllocateRequest, AssociateTarget, EipProvider, EipProviderExt};

use eip_testkit::{Auth, Cloud};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let writer = capture.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        capture
    })
}

/// Long runs of characters that look like a token (`MII` + base64) or a SHA-256 signature.
fn suspicious(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut hex_run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_hexdigit() {
            hex_run.push(c);
        } else {
            if hex_run.len() >= 64 {
                found.push(format!("64+ hex characters: {hex_run}"));
            }
            hex_run.clear();
        }
    }
    for (i, _) in text.match_indices("MII") {
        let tail: String = text[i..].chars().take(40).collect();
        if tail.len() >= 40
            && tail
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=-_".contains(c))
        {
            found.push(format!("token-like text: {tail}"));
        }
    }
    for marker in [
        "Signature=",
        "Signature%3D",
        "X-Auth-Token: MII",
        "x-subject-token",
    ] {
        if text.contains(marker) {
            found.push(format!("marker {marker:?}"));
        }
    }
    found
}

async fn lifecycle(p: &dyn EipProvider, instance: &str) {
    let wait = eip_testkit::fast_wait();
    let eip = p
        .allocate(&AllocateRequest::new().bandwidth(5).name("secrets"))
        .await
        .unwrap();
    p.wait_until_available(&eip.id, &wait).await.unwrap();
    let target = AssociateTarget::instance(instance);
    p.associate(&eip.id, &target).await.unwrap();
    p.wait_until_bound_to(&eip.id, &target, &wait)
        .await
        .unwrap();
    p.disassociate(&eip.id, None).await.unwrap();
    p.wait_until_available(&eip.id, &wait).await.unwrap();
    p.release(&eip.id).await.unwrap();
    p.wait_until_released(&eip.id, &wait).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_errors_or_debug_output() {
    let capture = capture();
    let sim = eip_testkit::sim_with(Duration::from_millis(5), 8).await;
    let alibaba = sim.alibaba().clone();
    let huawei = sim.huawei().clone();
    let secrets = [
        alibaba.access_key_secret.clone(),
        huawei.password.clone(),
        huawei.secret_key.clone(),
    ];
    let mut texts = Vec::new();
    for cloud in [Cloud::Alibaba, Cloud::Huawei] {
        for auth in [Auth::Default, Auth::Alternate] {
            let p = eip_testkit::provider_with(&sim, cloud, auth, eip_testkit::fast_retry());
            lifecycle(p.as_ref(), &eip_testkit::instances(&sim, cloud)[0]).await;
            texts.push(format!("{p:?}"));
            // An error from the cloud, and one from refused credentials.
            let missing = p.get("eip-0000nothere").await.unwrap_err();
            texts.push(format!("{missing} {missing:?}"));
        }
    }
    let wrong = multicloud_eip::alibaba::AlibabaProvider::builder()
        .with_region(alibaba.region.clone())
        .with_credentials(multicloud_eip::alibaba::AccessKey::new(
            alibaba.access_key_id.clone(),
            "wrong-secret-value",
        ))
        .with_endpoint(&alibaba.endpoint)
        .build()
        .unwrap();
    let refused = wrong.get("eip-1").await.unwrap_err();
    texts.push(format!("{refused} {refused:?} {wrong:?}"));
    let builder = multicloud_eip::huawei::HuaweiProvider::builder().with_password(
        multicloud_eip::huawei::PasswordAuth::new(
            huawei.user_name.clone(),
            huawei.password.clone(),
            huawei.domain_name.clone(),
        ),
    );
    texts.push(format!("{builder:?}"));
    texts.push(format!(
        "{:?}",
        multicloud_eip::huawei::AccessKey::new(
            huawei.access_key.clone(),
            huawei.secret_key.clone()
        )
    ));
    texts.push(format!(
        "{:?}",
        multicloud_eip::alibaba::AccessKey::new("id", alibaba.access_key_secret.clone())
    ));

    let logs = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    assert!(
        logs.lines().count() > 100,
        "the subscriber captured the run ({} lines)",
        logs.lines().count()
    );
    for text in texts.iter().chain(std::iter::once(&logs)) {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a secret leaked into: {}",
                &text[..text.len().min(300)]
            );
        }
        let found = suspicious(text);
        assert!(found.is_empty(), "suspicious text: {found:?}");
    }
    assert!(!logs.contains("wrong-secret-value"));
    println!(
        "secrets: {} log lines and {} Display/Debug outputs searched, nothing found",
        logs.lines().count(),
        texts.len()
    );
}
