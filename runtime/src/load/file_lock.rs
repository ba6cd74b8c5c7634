//! An exclusive lock on a file in a destination's directory (JSON lines, a local Delta
//! lake): one run at a time there, released by the OS the moment the process dies.

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::time::{Duration, Instant};

use super::LoadError;

/// Locks `path` (created when missing), polling until `timeout`; then fails naming `what`.
pub(crate) fn lock_file(path: &Path, what: &str, timeout: Duration) -> Result<File, LoadError> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| LoadError::io(path, e))?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(10);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(LoadError::io(path, e)),
        }
        let spent = start.elapsed();
        if spent >= timeout {
            return Err(LoadError::Locked {
                what: what.to_string(),
                holder: None,
                waited: timeout,
            });
        }
        std::thread::sleep(pause.min(timeout - spent));
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}
