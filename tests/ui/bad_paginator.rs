restsource::include_source!("../../../../tests/ui/specs/bad_paginator.toml");

fn main() {}
