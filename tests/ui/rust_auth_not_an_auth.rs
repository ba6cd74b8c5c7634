// A spec's `type = "rust"` auth must implement `Authenticate` and `Default`: a type that
// does not is a compile error whose notes name the spec file, line and column.
mod auth {
    #[derive(Default)]
    pub struct NotAnAuth;
}

restsource::include_source!("../../../../tests/ui/specs/rust_auth.json");

fn main() {}
