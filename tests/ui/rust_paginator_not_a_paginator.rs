// A spec's `type = "rust"` paginator must implement `Paginate` and `Default`: a type that
// does not is a compile error whose notes name the spec file, line and column.
mod paging {
    #[derive(Default)]
    pub struct NotAPaginator;
}

restsource::include_source!("../../../../tests/ui/specs/rust_paginator.toml");

fn main() {}
