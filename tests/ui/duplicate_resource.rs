restsource::include_source!("../../../../tests/ui/specs/duplicate_resource.toml");

fn main() {}
