//! The `restsource` command line.
fn main() {}
