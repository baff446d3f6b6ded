//! What an allocation does when a step after the create fails: the options some clouds take
//! only in a second request (Huawei's tags, Alibaba's shared bandwidth and deletion
//! protection) can fail after the address exists, and an address nobody knows of is billed
//! every hour.

use std::future::Future;

use crate::error::Result;
use crate::model::Eip;

/// Runs `finish` on the new address and, when it fails, never leaves it behind silently:
///
/// - with an idempotency key (`keyed`), the address is **kept** and the error names it:
///   allocating again with the same key returns that address and finishes it (the follow-up
///   writes must be idempotent);
/// - without one, no later call could find it, so it is **released** with `release`, and the
///   error says so, or says that the release failed too and names the address to release.
///
/// The error is `finish`'s own, with that note added ([`crate::Error::with_note`]).
pub async fn finish_or_undo<F, Fut, R, RFut>(
    eip: Eip,
    keyed: bool,
    finish: F,
    release: R,
) -> Result<Eip>
where
    F: FnOnce(Eip) -> Fut,
    Fut: Future<Output = Result<Eip>>,
    R: FnOnce(String) -> RFut,
    RFut: Future<Output = Result<()>>,
{
    let id = eip.id.clone();
    let error = match finish(eip).await {
        Ok(done) => return Ok(done),
        Err(error) => error,
    };
    let note = if keyed {
        format!(
            "eip {id} was allocated but not finished; it is kept: allocate again with the same \
             idempotency key to finish it, or release it"
        )
    } else {
        match release(id.clone()).await {
            Ok(()) => format!("eip {id} was allocated but not finished, and released"),
            Err(undo) => format!(
                "eip {id} was allocated but not finished, and releasing it failed ({undo}): \
                 release it"
            ),
        }
    };
    tracing::warn!(eip = %id, %error, "{note}");
    Err(error.with_note(&note))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::error::Error;
    use crate::model::{EipStatus, ProviderKind};

    fn eip() -> Eip {
        Eip::new(
            ProviderKind::new("test"),
            "r",
            "eip-1",
            "203.0.113.1".parse().unwrap(),
            EipStatus::Available,
            "Available",
        )
    }

    fn refused() -> Error {
        Error::Conflict {
            reason: "join refused".into(),
            service: None,
        }
    }

    #[tokio::test]
    async fn a_failed_follow_up_releases_an_unkeyed_address_and_keeps_a_keyed_one() {
        let releases = AtomicUsize::new(0);
        let release = |_id: String| async {
            releases.fetch_add(1, Ordering::SeqCst);
            Ok(())
        };
        let error = finish_or_undo(eip(), false, |_| async { Err(refused()) }, release)
            .await
            .unwrap_err();
        assert_eq!(releases.load(Ordering::SeqCst), 1);
        assert!(
            error
                .to_string()
                .contains("eip eip-1 was allocated but not finished, and released"),
            "{error}"
        );

        let release = |_id: String| async {
            releases.fetch_add(1, Ordering::SeqCst);
            Ok(())
        };
        let error = finish_or_undo(eip(), true, |_| async { Err(refused()) }, release)
            .await
            .unwrap_err();
        assert_eq!(
            releases.load(Ordering::SeqCst),
            1,
            "a keyed address is kept"
        );
        assert!(error.to_string().contains("it is kept"), "{error}");
    }

    #[tokio::test]
    async fn a_failed_release_names_the_address_and_success_passes_through() {
        let error = finish_or_undo(
            eip(),
            false,
            |_| async { Err(refused()) },
            |_| async { Err(refused()) },
        )
        .await
        .unwrap_err();
        assert!(error.to_string().contains("releasing it failed"), "{error}");
        assert!(error.to_string().contains("eip-1"), "{error}");
        let done = finish_or_undo(
            eip(),
            false,
            |mut e: Eip| async move {
                e.name = Some("finished".into());
                Ok(e)
            },
            |_| async { panic!("nothing to undo") },
        )
        .await
        .unwrap();
        assert_eq!(done.name.as_deref(), Some("finished"));
    }
}
