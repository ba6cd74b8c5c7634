restsource::include_source!("../../../../tests/ui/specs/struct_name_collision.json");

fn main() {}
