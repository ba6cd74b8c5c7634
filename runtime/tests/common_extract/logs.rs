//! Capturing what the runtime logs, per test.
//!
//! A scoped subscriber (`tracing::subscriber::set_default`) is not reliable when tests run
//! on parallel threads: a callsite first reached on a thread without a subscriber can cache
//! "never enabled", and a capture on another thread then sees nothing (CI saw empty logs
//! for a test that retried twice). So one global subscriber, installed once per test
//! binary, takes every event and hands it to the capture of the thread that emitted it.
//! Tests run their runtime on the test's own thread (`#[tokio::test]` is current-thread),
//! so that is the capturing test.

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// Where a thread's events go: the captured lines so far.
type Sink = Arc<Mutex<Vec<u8>>>;

thread_local! {
    /// This thread's capture and its level, while a [`Logs`] lives.
    static SINK: RefCell<Option<(Level, Sink)>> = const { RefCell::new(None) };
}

/// The lines logged on this thread, at `level` or more severe, while it lives.
pub struct Logs {
    buf: Sink,
}

impl Logs {
    /// Starts capturing this thread's events at `level` and above.
    pub fn capture(level: Level) -> Logs {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(Level::TRACE)
                .with_writer(ThreadSink)
                .with_ansi(false)
                .without_time()
                .finish();
            // Another global subscriber would mean this binary captures nothing: fail loudly.
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber in a test binary that captures logs");
        });
        let buf = Arc::new(Mutex::new(Vec::new()));
        SINK.with(|s| *s.borrow_mut() = Some((level, buf.clone())));
        Logs { buf }
    }

    /// Everything captured so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().unwrap()).into_owned()
    }
}

impl Drop for Logs {
    fn drop(&mut self) {
        SINK.with(|s| *s.borrow_mut() = None);
    }
}

/// Chooses, per event, the capture of the emitting thread (or nowhere).
struct ThreadSink;

/// Appends one formatted event to a capture, or drops it.
struct SinkWriter(Option<Sink>);

impl Write for SinkWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Some(buf) = &self.0 {
            buf.lock().unwrap().extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for ThreadSink {
    type Writer = SinkWriter;
    fn make_writer(&'a self) -> SinkWriter {
        SinkWriter(None)
    }
    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> SinkWriter {
        SinkWriter(SINK.with(|s| {
            s.borrow()
                .as_ref()
                .filter(|(level, _)| meta.level() <= level)
                .map(|(_, buf)| buf.clone())
        }))
    }
}
