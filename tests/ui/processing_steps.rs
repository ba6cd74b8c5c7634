restsource::include_source!("../../../../tests/ui/specs/processing_steps.toml");

fn main() {}
