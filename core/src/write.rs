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
