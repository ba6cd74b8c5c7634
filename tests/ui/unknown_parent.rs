restsource::include_source!("../../../../tests/ui/specs/unknown_parent.json");

fn main() {}
