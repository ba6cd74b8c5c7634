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
    /// Checkpoints committed (resources with `checkpoint`).
    pub checkpoints: u64,
    /// Resources that started from the checkpoint of an earlier run that did not complete.
    pub resumed: Vec<Resumed>,
    /// The loads of resources with `checkpoint`, each loaded on its own after `load_id`.
    pub checkpoint_loads: Vec<String>,
}

/// A resource that resumed from a checkpoint instead of from its last completed run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumed {
    /// The resource.
    pub resource: String,
    /// The load that committed the checkpoint and then failed or was killed.
    pub from_load: String,
    /// Rows that load kept up to its checkpoint.
    pub rows: u64,
}

impl LoadReport {
    /// Adds the load of one checkpointed resource, run after this one.
    pub(crate) fn absorb(&mut self, other: LoadReport) {
        for (table, rows) in other.rows {
            *self.rows.entry(table).or_default() += rows;
        }
        self.pages += other.pages;
        self.requests += other.requests;
        self.retries += other.retries;
        self.bytes += other.bytes;
        self.duration += other.duration;
        self.checkpoints += other.checkpoints;
        self.resumed.extend(other.resumed);
        self.checkpoint_loads.push(other.load_id);
        self.checkpoint_loads.extend(other.checkpoint_loads);
    }
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
        for id in &self.checkpoint_loads {
            writeln!(f, "load {id} (a resource with checkpoint)")?;
        }
        for r in &self.resumed {
            writeln!(
                f,
                "resumed `{}` from the checkpoint of load {} ({} rows kept)",
                r.resource, r.from_load, r.rows
            )?;
        }
        let width = self
            .rows
            .keys()
            .map(|t| t.chars().count())
            .chain(["table".len(), "requests".len()])
            .chain((self.checkpoints > 0).then_some("checkpoints".len()))
            .max()
            .unwrap_or(0);
        writeln!(f, "{:<width$}  {:>12}", "table", "rows")?;
        for (table, rows) in &self.rows {
            writeln!(f, "{table:<width$}  {rows:>12}")?;
        }
        writeln!(f, "{:<width$}  {:>12}", "pages", self.pages)?;
        writeln!(f, "{:<width$}  {:>12}", "requests", self.requests)?;
        writeln!(f, "{:<width$}  {:>12}", "retries", self.retries)?;
        if self.checkpoints > 0 {
            writeln!(f, "{:<width$}  {:>12}", "checkpoints", self.checkpoints)?;
        }
        write!(f, "{:<width$}  {:>12}", "bytes", self.bytes)
    }
}
