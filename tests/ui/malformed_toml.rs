restsource::include_source!("../../../../tests/ui/specs/malformed.toml");

fn main() {}
