restsource::include_source!("../../../../tests/ui/specs/bad_placeholder.json");

fn main() {}
