// The `path` of a `type = "rust"` paginator is checked to be a plain Rust path.
restsource::include_source!("../../../../tests/ui/specs/rust_paginator_bad_path.toml");

fn main() {}
