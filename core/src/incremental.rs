//! Incremental loading as the spec resolves it and the runtime applies it.

use crate::{LastValueFunc, Lit, OnCursorValueMissing, PathStep, SortOrder};

/// Incremental settings with every default applied.
///
/// Generic over storage like [`crate::PaginatorDef`]: text `S`, the cursor's path `P` and the
/// bounds' values `V`; `'static` in generated constants, owned in the spec's resolver (its path
/// keeps its text and location for messages, its bounds are plain JSON).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IncrementalDef<S = &'static str, P = &'static [PathStep], V = Lit> {
    /// Cursor path as written (the state key).
    pub cursor_path_text: S,
    /// Compiled cursor path.
    pub cursor_path: P,
    /// Initial value.
    pub initial_value: Option<V>,
    /// End value (backfill, no state).
    pub end_value: Option<V>,
    /// Query parameter for the start value.
    pub start_param: Option<S>,
    /// Query parameter for the end value.
    pub end_param: Option<S>,
    /// Which record value advances the cursor (default max).
    pub last_value_func: LastValueFunc,
    /// Lag.
    pub lag: Option<f64>,
    /// Missing cursor handling (default raise).
    pub on_cursor_value_missing: OnCursorValueMissing,
    /// Start bound closed (`>=`, the default), else open.
    pub range_start_closed: bool,
    /// End bound closed (`<=`), else open (the default).
    pub range_end_closed: bool,
    /// Window length in seconds (`step`, Airbyte's): the run's range is split into
    /// consecutive windows `[s, s + step)`, each its own request sequence with the window's
    /// bounds as start and end values, fetched concurrently.
    pub step: Option<u64>,
    /// Seconds taken off the stored cursor before the next run starts (`lookback`,
    /// Airbyte's `lookback_window`): late updates inside it are fetched again.
    pub lookback: Option<u64>,
    /// The order the API sends records in by cursor (`row_order`): a run stops paging once a
    /// page holds a record past the range in that order.
    pub row_order: Option<SortOrder>,
}

impl<S, P, V> IncrementalDef<S, P, V> {
    /// A cursor at `path` (written as `path_text`) with dlt's defaults for everything else:
    /// no initial or end value, no query parameters, `max`, no lag, a missing cursor raises,
    /// the range `[start, end)`, no windows, no lookback, no row order.
    pub const fn cursor(path_text: S, path: P) -> IncrementalDef<S, P, V> {
        IncrementalDef {
            cursor_path_text: path_text,
            cursor_path: path,
            initial_value: None,
            end_value: None,
            start_param: None,
            end_param: None,
            last_value_func: LastValueFunc::Max,
            lag: None,
            on_cursor_value_missing: OnCursorValueMissing::Raise,
            range_start_closed: true,
            range_end_closed: false,
            step: None,
            lookback: None,
            row_order: None,
        }
    }
}
