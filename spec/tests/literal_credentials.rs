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

const SPEC: &str = r#"[client]
base_url = "https://alice:s3cret@api.test/v1"
headers = { X-Api-Key = "k-123", Accept = "application/json" }

[[resources]]
name = "a"
endpoint = { path = "a", params = { api_key = "p-456", since = "{incremental.start_value}", page = "1" }, incremental = { cursor_path = "t" } }

[[resources]]
name = "b"
endpoint = { path = "b", headers = { authorization = { secret = "b_token" } }, params = { token = "{incremental.start_value}" }, incremental = { cursor_path = "t" } }
"#;

#[test]
fn literal_credentials_in_headers_params_and_user_info_warn_with_the_value_masked() {
    let w = warnings(SPEC, "s.toml", Format::Toml);
    assert_eq!(
        w,
        vec![
            concat!(
                "warning: literal credential in the user info of `client.base_url`: it would be committed with the spec\n",
                " --> s.toml:2:21\n",
                "  |\n",
                "2 | base_url = \"https://***@api.test/v1\"\n",
                "  |                     ^^^\n",
                "  = note: at `client.base_url`\n",
                "  = help: remove `user:password@` and use `auth` (e.g. {\"type\": \"http_basic\"}); the user info is ignored, and unless an `auth` is set it is read from `URL_USERNAME` and `URL_PASSWORD` at run time and sent as HTTP Basic\n",
            ),
            concat!(
                "warning: literal credential in `client.headers.X-Api-Key`: it would be committed with the spec\n",
                " --> s.toml:3:25\n",
                "  |\n",
                "3 | headers = { X-Api-Key = \"***\", Accept = \"application/json\" }\n",
                "  |                         ^^^^^\n",
                "  = note: at `client.headers.X-Api-Key`\n",
                "  = help: write {\"secret\": \"x_api_key\"} (TOML: { secret = \"x_api_key\" }) and set the environment variable `X_API_KEY`; the literal is ignored and the whole header value is read from `X_API_KEY` at run time\n",
            ),
            concat!(
                "warning: literal credential in `resources[0].endpoint.params.api_key`: it would be committed with the spec\n",
                " --> s.toml:7:47\n",
                "  |\n",
                "7 | endpoint = { path = \"a\", params = { api_key = \"***\", since = \"{incremental.start_value}\", page = \"1\" }, incremental = { cursor_path = \"t\" } }\n",
                "  |                                               ^^^^^\n",
                "  = note: at `resources[0].endpoint.params.api_key`\n",
                "  = help: write {\"secret\": \"api_key\"} (TOML: { secret = \"api_key\" }) and set the environment variable `API_KEY`; the literal is ignored and the value is read from `API_KEY` at run time\n",
            ),
        ]
    );
}

#[test]
fn literal_credentials_become_secrets_and_never_reach_the_resolved_source() {
    use restsource_spec::resolved::*;
    let r = load_str(SPEC, "s.toml", Format::Toml).unwrap().resolved;
    let secret = |name: &str, env: &str| SecretInfo {
        name: name.into(),
        env: env.into(),
    };
    let debug = format!("{r:?}");
    for literal in ["alice", "s3cret", "k-123", "p-456"] {
        assert!(!debug.contains(literal), "{literal} in {debug}");
    }
    assert_eq!(r.base_url, "https://api.test/v1");
    assert_eq!(
        r.headers,
        vec![("Accept".to_string(), "application/json".to_string())]
    );
    assert_eq!(
        r.auth,
        Some(ResolvedAuth::HttpBasic {
            username: secret("url_username", "URL_USERNAME"),
            password: secret("url_password", "URL_PASSWORD"),
        })
    );
    assert_eq!(
        r.secrets,
        vec![
            secret("url_username", "URL_USERNAME"),
            secret("url_password", "URL_PASSWORD"),
            secret("api_key", "API_KEY"),
            secret("x_api_key", "X_API_KEY"),
            secret("b_token", "B_TOKEN"),
        ]
    );
    let secret_part =
        |name: &str, env: &str| template(vec![TemplatePart::Secret(secret(name, env))]);
    let a = &r.resources[0];
    assert_eq!(
        a.def.endpoint.params[0],
        (
            "api_key".into(),
            TValue::Str(secret_part("api_key", "API_KEY"))
        )
    );
    assert_eq!(
        a.def.endpoint.params[2],
        (
            "page".into(),
            TValue::Str(template(vec![TemplatePart::Lit("1".into())]))
        )
    );
    assert_eq!(
        a.def.endpoint.headers,
        vec![("X-Api-Key".into(), secret_part("x_api_key", "X_API_KEY"))]
    );
    let b = &r.resources[1];
    assert_eq!(
        b.def.endpoint.headers,
        vec![
            ("X-Api-Key".into(), secret_part("x_api_key", "X_API_KEY")),
            ("authorization".into(), secret_part("b_token", "B_TOKEN")),
        ]
    );
    // A placeholder is not a literal credential.
    assert_eq!(
        b.def.endpoint.params[0],
        (
            "token".into(),
            TValue::Str(template(vec![TemplatePart::Incremental(
                IncrementalValue::StartValue
            )]))
        )
    );
}
