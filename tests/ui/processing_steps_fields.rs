restsource::include_source!("../../../../tests/ui/specs/processing_steps_fields.toml");

fn main() {}
