//! The restsource generator: a validated spec becomes an IR, then Rust tokens.
#![deny(missing_docs)]

pub mod sql;
