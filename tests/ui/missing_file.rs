restsource::include_source!("../../../../tests/ui/specs/does_not_exist.json");

fn main() {}
