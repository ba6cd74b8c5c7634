//! How a resource's rows are written: its disposition and merge strategy.

/// How a load writes a resource's table (dlt's `write_disposition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Add the rows.
    Append,
    /// Replace the table's rows with this load's (through a staging table).
    Replace,
    /// Merge by primary key or merge key, with this strategy.
    Merge(MergeStrategy),
    /// Extract but write nothing.
    Skip,
}

/// How a `merge` disposition merges (dlt's `strategy`; delete-insert by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeStrategy {
    /// Delete rows of the same keys, then insert; rows of one load are deduplicated.
    DeleteInsert,
    /// Insert or update by primary key.
    Upsert,
    /// Insert rows whose primary key is absent, leave the others.
    InsertOnly,
}

/// How a resource is written: its disposition and, for `delete-insert` merges, whether the
/// data is known to hold no duplicate keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteDef {
    /// Disposition (with its merge strategy).
    pub disposition: Disposition,
    /// delete-insert: the data has no duplicate keys, skip the dedup of one load's rows.
    pub deduplicated: bool,
}
