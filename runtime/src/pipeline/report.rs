//! What a run did, printable as an aligned table.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::load::writer::LoadStatus;

/// The outcome of one load.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadReport {
    /// Load id (also `_rs_load_id` of every row written).
    pub load_id: String,
    /// Final status.
    pub status: LoadStatus,
    /// Rows written per table (including hard-delete rows).
    pub rows: BTreeMap<String, u64>,
    /// Pages loaded.
    pub pages: u64,
    /// HTTP requests (from the extractor; 0 when events were hand-fed).
    pub requests: u64,
    /// Retries.
    pub retries: u64,
    /// Response bytes.
    pub bytes: u64,
    /// Wall time from start to the last commit.
    pub duration: Duration,
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "load {} {} in {:.2}s",
            self.load_id,
            self.status,
            self.duration.as_secs_f64()
        )?;
        let width = self
            .rows
            .keys()
            .map(|t| t.chars().count())
            .chain(["table".len(), "requests".len()])
            .max()
            .unwrap_or(0);
        writeln!(f, "{:<width$}  {:>12}", "table", "rows")?;
        for (table, rows) in &self.rows {
            writeln!(f, "{table:<width$}  {rows:>12}")?;
        }
        writeln!(f, "{:<width$}  {:>12}", "pages", self.pages)?;
        writeln!(f, "{:<width$}  {:>12}", "requests", self.requests)?;
        writeln!(f, "{:<width$}  {:>12}", "retries", self.retries)?;
        write!(f, "{:<width$}  {:>12}", "bytes", self.bytes)
    }
}
