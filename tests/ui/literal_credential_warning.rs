// A valid spec with a literal credential compiles with a warning; the trailing
// compile_error! makes trybuild keep the stderr so the warning is checked.
restsource::include_source!("../../../../tests/ui/specs/literal_credential.json");

compile_error!("trybuild needs an error to compare stderr");

fn main() {}
