//! Everything the libraries log at TRACE, captured in memory, for the tests that search it for
//! secrets: install with [`capture_trace`], read with [`CapturedLogs::text`].

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::subscriber::DefaultGuard;

/// The captured lines; the subscriber stays installed on this thread until it is dropped.
pub struct CapturedLogs {
    bytes: Arc<Mutex<Vec<u8>>>,
    _guard: DefaultGuard,
}

impl CapturedLogs {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        let bytes = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Installs a TRACE-level subscriber for every `tracing` event on this thread (ours, and
/// hyper's when it emits any), without colours, writing into memory. Crates that log through
/// the `log` facade instead (reqwest) are not captured.
///
/// The subscriber is this thread's only, so the test must run on tokio's current-thread
/// runtime (`#[tokio::test]`), where the in-process emulator and every task of the client run
/// on this thread too.
///
/// # Panics
/// On a multi-thread runtime, where events from the other worker threads would be missed and a
/// search for secrets could pass without having seen them.
pub fn capture_trace() -> CapturedLogs {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        assert_eq!(
            handle.runtime_flavor(),
            tokio::runtime::RuntimeFlavor::CurrentThread,
            "capture_trace needs the current-thread runtime: other threads' logs would be missed"
        );
    }
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let writer = Sink(Arc::clone(&bytes));
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    CapturedLogs {
        bytes,
        _guard: tracing::subscriber::set_default(subscriber),
    }
}

#[derive(Clone)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
