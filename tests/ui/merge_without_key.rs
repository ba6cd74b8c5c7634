restsource::include_source!("../../../../tests/ui/specs/merge_without_key.json");

fn main() {}
