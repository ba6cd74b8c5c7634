//! Compile-fail cases: every class of spec error is a compile error on the path literal with
//! the spec's file, line, column and help. Refresh with `TRYBUILD=overwrite cargo test --test ui`.
//!
//! trybuild compiles each case in a scratch crate under `target/tests/trybuild/restsource/`,
//! which is the `CARGO_MANIFEST_DIR` the macro sees, so fixtures are reached with
//! `../../../../tests/ui/specs/...` (this assumes the default target directory).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
