restsource::include_source!(specs::inventory);

fn main() {}
