restsource::include_source!("../../../../tests/ui/specs/unknown_key.json");

fn main() {}
