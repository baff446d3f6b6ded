//! The emulator behind `sim://` specs: one per process, started on first use on a thread of its
//! own, so it outlives whichever runtime asked for it.

use std::sync::{Arc, OnceLock};

use eip_core::{EipProvider, Error, Result};
use eip_sim::{AlibabaInfo, HuaweiInfo, SimBuilder};

use crate::{ConnectOptions, Spec};

/// What the embedded emulator serves, once it runs.
#[derive(Debug)]
pub struct Embedded {
    /// The emulator's base URL.
    pub endpoint: String,
    /// The Alibaba half: endpoint, test credentials, seeded instances.
    pub alibaba: AlibabaInfo,
    /// The Huawei half: endpoints, test credentials, seeded servers.
    pub huawei: HuaweiInfo,
}

static EMBEDDED: OnceLock<std::result::Result<Embedded, String>> = OnceLock::new();

/// The process's embedded emulator, started on first call.
pub fn embedded() -> Result<&'static Embedded> {
    EMBEDDED
        .get_or_init(start)
        .as_ref()
        .map_err(|reason| Error::Transport {
            operation: "start embedded emulator".into(),
            message: reason.clone(),
            maybe_sent: false,
            source: None,
        })
}

fn start() -> std::result::Result<Embedded, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("eip-sim".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("eip-sim-worker")
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    return;
                }
            };
            runtime.block_on(async move {
                match SimBuilder::new().start().await {
                    Ok(sim) => {
                        let running = Embedded {
                            endpoint: sim.endpoint(),
                            alibaba: sim.alibaba().clone(),
                            huawei: sim.huawei().clone(),
                        };
                        if tx.send(Ok(running)).is_ok() {
                            // Serve for the rest of the process.
                            std::future::pending::<()>().await;
                        }
                        drop(sim);
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                    }
                }
            });
        })
        .map_err(|e| e.to_string())?;
    rx.recv()
        .map_err(|_| "the emulator thread ended before it started".to_owned())?
}

pub(crate) fn connect(spec: &Spec, options: &ConnectOptions) -> Result<Arc<dyn EipProvider>> {
    match spec.host.as_str() {
        #[cfg(feature = "alibaba")]
        "alibaba" => alibaba(spec, options),
        #[cfg(feature = "huawei")]
        "huawei" => huawei(spec, options),
        other => Err(Error::invalid_input(
            "provider",
            format!("unknown emulated cloud {other:?}; valid: sim://alibaba, sim://huawei"),
        )),
    }
}

#[cfg(feature = "alibaba")]
fn alibaba(spec: &Spec, options: &ConnectOptions) -> Result<Arc<dyn EipProvider>> {
    use eip_alibaba::{AccessKey, AlibabaProvider};
    let params = spec.params(&["signature"])?;
    let sim = embedded()?;
    let info = &sim.alibaba;
    let mut builder = AlibabaProvider::builder()
        .with_region(info.region.clone())
        .with_credentials(AccessKey::new(
            info.access_key_id.clone(),
            info.access_key_secret.clone(),
        ))
        .with_endpoint(&info.endpoint)
        .with_signature_version(crate::signature_version(params.get("signature").copied())?);
    if let Some(retry) = &options.retry {
        builder = builder.with_retry(retry.clone());
    }
    if let Some(timeouts) = options.timeouts {
        builder = builder.with_timeouts(timeouts);
    }
    Ok(Arc::new(builder.build()?))
}

#[cfg(feature = "huawei")]
fn huawei(spec: &Spec, options: &ConnectOptions) -> Result<Arc<dyn EipProvider>> {
    use eip_huawei::{AccessKey, HuaweiProvider, PasswordAuth};
    let params = spec.params(&["auth"])?;
    let sim = embedded()?;
    let info = &sim.huawei;
    let builder = HuaweiProvider::builder()
        .with_region(info.region.clone())
        .with_iam_endpoint(&info.iam_endpoint)
        .with_vpc_endpoint(&info.vpc_endpoint)
        // The emulator serves Enterprise Project Management on its VPC endpoint.
        .with_eps_endpoint(&info.vpc_endpoint);
    let builder = match params.get("auth").copied() {
        None | Some("token") => builder.with_password(PasswordAuth::new(
            info.user_name.clone(),
            info.password.clone(),
            info.domain_name.clone(),
        )),
        Some("aksk") => builder
            .with_project_id(info.project_id.clone())
            // Enterprise-project moves name the account with AK/SK.
            .with_domain_id(info.domain_id.clone())
            .with_access_key(AccessKey::new(
                info.access_key.clone(),
                info.secret_key.clone(),
            )),
        Some(other) => {
            return Err(Error::invalid_input(
                "auth",
                format!("{other:?} is not token or aksk"),
            ));
        }
    };
    let mut builder = builder;
    if let Some(retry) = &options.retry {
        builder = builder.with_retry(retry.clone());
    }
    if let Some(timeouts) = options.timeouts {
        builder = builder.with_timeouts(timeouts);
    }
    Ok(Arc::new(builder.build()?))
}

/// Instance ids the embedded emulator seeds for the cloud named in a `sim://` spec, for examples
/// and tests that need somewhere to bind an address. `None` for specs that are not `sim://`.
pub fn instances(spec: &str) -> Result<Option<Vec<String>>> {
    let spec = Spec::parse(spec)?;
    if spec.scheme != "sim" {
        return Ok(None);
    }
    let sim = embedded()?;
    Ok(Some(match spec.host.as_str() {
        "alibaba" => sim.alibaba.instances.clone(),
        "huawei" => sim.huawei.servers.iter().map(|s| s.id.clone()).collect(),
        other => {
            return Err(Error::invalid_input(
                "provider",
                format!("unknown emulated cloud {other:?}"),
            ));
        }
    }))
}
