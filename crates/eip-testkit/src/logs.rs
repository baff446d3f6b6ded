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

/// Installs a TRACE-level subscriber for every crate (ours, reqwest, hyper) on this thread,
/// without colours, writing into memory.
pub fn capture_trace() -> CapturedLogs {
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
