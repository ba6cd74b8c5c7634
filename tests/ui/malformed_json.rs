restsource::include_source!("../../../../tests/ui/specs/malformed.json");

fn main() {}
