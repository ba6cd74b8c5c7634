restsource::include_source!("/etc/restsource/spec.json");

fn main() {}
