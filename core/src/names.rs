//! The names of restsource's own tables, columns and files: every one starts with
//! [`RESERVED_PREFIX`], which the spec refuses for user tables and columns.

/// The prefix of restsource's own tables, columns and files: a spec may not use it.
pub const RESERVED_PREFIX: &str = "_rs_";

/// Column holding every undeclared field of a record as a JSON object (NULL when there is
/// none).
pub const EXTRA_COLUMN: &str = "_rs_extra";
/// Column holding the id of the load that wrote the row.
pub const LOAD_ID_COLUMN: &str = "_rs_load_id";
/// Column holding the time the row's page reached the loader.
pub const EXTRACTED_AT_COLUMN: &str = "_rs_extracted_at";

/// Relational normalization's row id column (dlt's `_dlt_id`).
pub const ROW_ID_COLUMN: &str = "_rs_id";
/// A child row's parent row id (dlt's `_dlt_parent_id`).
pub const PARENT_ID_COLUMN: &str = "_rs_parent_id";
/// A child row's position in its list (dlt's `_dlt_list_idx`).
pub const LIST_INDEX_COLUMN: &str = "_rs_list_idx";
/// The root row's id on every descendant row (dlt's `_dlt_root_id`).
pub const ROOT_ID_COLUMN: &str = "_rs_root_id";

/// Prefix of a resource's staging table (replace disposition): `_rs_staging_<table>`.
pub const STAGING_PREFIX: &str = "_rs_staging_";

/// Table with one row per load (run): id, start, end, status and row counts.
pub const LOADS_TABLE: &str = "_rs_loads";
/// dlt's table of completed loads (`load_id`, `schema_name`, `status` 0, `inserted_at`,
/// `schema_version_hash`), kept beside [`LOADS_TABLE`] when a run names its tables as dlt does,
/// so dbt models and queries that read it (e.g. `WHERE status = 0`) work unchanged.
pub const DLT_LOADS_TABLE: &str = "_dlt_loads";
/// Table with one row per resource of a load: its table, mode, status and row count.
pub const LOAD_RESOURCES_TABLE: &str = "_rs_load_resources";
/// Table with each resource's incremental state, as of the last load that committed it.
pub const STATE_TABLE: &str = "_rs_state";
/// Table with each relationally normalized resource's schema (its tables, columns and
/// types), as of the last load that committed it.
pub const SCHEMA_TABLE: &str = "_rs_schema";
/// The row of [`STATE_TABLE`] that holds the source's auth state (refresh tokens an OAuth2
/// token endpoint rotated), beside the resources' rows: a name no resource can have.
pub const AUTH_STATE: &str = "_rs_auth";

/// Prefix of the [`STATE_TABLE`] rows a shard keeps per partition of a resource
/// ([`shard_state_key`]): reserved, so it never collides with a resource's own row.
pub const SHARD_STATE_PREFIX: &str = "_rs_shard ";

/// The [`STATE_TABLE`] row of shard `index` of `count` for `resource`: the incremental state
/// of the part of a split child resource that shard loads, or of a parent it only reads to
/// find that part (`_rs_shard 1/4 issues`).
pub fn shard_state_key(index: u32, count: u32, resource: &str) -> String {
    format!("{SHARD_STATE_PREFIX}{index}/{count} {resource}")
}

/// Table holding the places of a source's `rate_limit` (one row per request a window may
/// hold, with the instant it stops counting), shared by every process that loads into one
/// PostgreSQL database: the budget is the source's, however many shards run. (Named anew when
/// places replaced the release times of `_rs_rate_budget`, which a newer run leaves alone.)
pub const RATE_BUDGET_TABLE: &str = "_rs_rate_slots";

/// Whether `name` falls under [`RESERVED_PREFIX`] as SQLite sees it (identifiers compare
/// without case there).
pub fn is_reserved(name: &str) -> bool {
    name.get(..RESERVED_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_PREFIX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_system_name_is_reserved() {
        for name in [
            EXTRA_COLUMN,
            LOAD_ID_COLUMN,
            EXTRACTED_AT_COLUMN,
            ROW_ID_COLUMN,
            PARENT_ID_COLUMN,
            LIST_INDEX_COLUMN,
            ROOT_ID_COLUMN,
            STAGING_PREFIX,
            LOADS_TABLE,
            LOAD_RESOURCES_TABLE,
            STATE_TABLE,
            SCHEMA_TABLE,
            AUTH_STATE,
            SHARD_STATE_PREFIX,
            RATE_BUDGET_TABLE,
        ] {
            assert!(is_reserved(name), "{name}");
        }
        assert!(is_reserved("_RS_Loads"));
        assert!(!is_reserved("rs_loads"));
        assert_eq!(shard_state_key(1, 4, "issues"), "_rs_shard 1/4 issues");
    }
}
