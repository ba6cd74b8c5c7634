//! Literal credentials outside `auth` (headers, params, URL userinfo) are warned about with
//! their value masked, and become secrets read from the environment; masking never garbles a
//! quoted line.

use restsource_spec::{load_str, Format};

fn warnings(text: &str, file: &str, format: Format) -> Vec<String> {
    match load_str(text, file, format) {
        Ok(l) => l.warnings.iter().map(|w| w.render()).collect(),
        Err(d) => panic!("{d}"),
    }
}

#[test]
fn a_short_literal_is_masked_only_where_it_was_written() {
    let text = "[client]\nbase_url = \"https://x.test\"\nauth = { type = \"bearer\", token = \"ab\" } # labs\n\n[[resources]]\nname = \"a\"\n";
    let w = warnings(text, "f.toml", Format::Toml);
    assert_eq!(
        w,
        vec![concat!(
            "warning: literal credential in `client.auth.token`: it would be committed with the spec\n",
            " --> f.toml:3:35\n",
            "  |\n",
            "3 | auth = { type = \"bearer\", token = \"***\" } # labs\n",
            "  |                                   ^^^^^\n",
            "  = note: at `client.auth.token`\n",
            "  = help: write {\"secret\": \"token\"} (TOML: { secret = \"token\" }) and set the environment variable `TOKEN`; the literal is ignored and read from `TOKEN` at run time\n",
        )]
    );
}

#[test]
fn masking_keeps_other_diagnostics_on_the_line_pointing_at_their_key() {
    // An error after the literal on the same line: its column moves with the shorter line.
    let text = r#"{"client": {"base_url": "https://x.test", "auth": {"token": "a-long-token-value", "nope": 1}}, "resources": ["a"]}"#;
    let d = load_str(text, "f.json", Format::Json).unwrap_err();
    let unknown =
        d.0.iter()
            .find(|d| d.message.starts_with("unknown key `nope`"))
            .expect("unknown key error");
    assert_eq!(
        unknown.render(),
        concat!(
            "error: unknown key `nope` in bearer auth\n",
            " --> f.json:1:68\n",
            "  |\n",
            "1 | {\"client\": {\"base_url\": \"https://x.test\", \"auth\": {\"token\": \"***\", \"nope\": 1}}, \"resources\": [\"a\"]}\n",
            "  |                                                                    ^^^^^^\n",
            "  = note: at `client.auth.nope`\n",
            "  = help: allowed keys: `type`, `token`\n",
        )
    );
}
