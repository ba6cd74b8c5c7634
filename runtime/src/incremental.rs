//! Incremental loading: cursor tracking and start/end values.
