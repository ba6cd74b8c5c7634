//! Column value types and their binding to rows.
