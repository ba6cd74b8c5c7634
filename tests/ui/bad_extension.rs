restsource::include_source!("../../../../tests/ui/specs/bad_extension.yaml");

fn main() {}
