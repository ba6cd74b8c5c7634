//! The `restsource` binary: exit codes and output.

mod common;
use common::*;

#[test]
fn validate_accepts_all_seed_specs() {
    let o = run(&[
        "validate",
        "specs/analytics.json",
        "specs/analytics_typed.toml",
        "specs/social_media.json",
        "specs/oauth_analytics.toml",
        "specs/inventory.toml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "specs/analytics.json: valid\nspecs/analytics_typed.toml: valid\nspecs/social_media.json: valid\nspecs/oauth_analytics.toml: valid\nspecs/inventory.toml: valid\n"
    );
    assert_eq!(text(&o.stderr), "");
}

#[test]
fn validate_reports_located_errors_with_exit_1() {
    let o = run(&[
        "validate",
        "specs/analytics.json",
        "spec/tests/invalid/paginator_typo.json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stdout),
        "specs/analytics.json: valid\nspec/tests/invalid/paginator_typo.json: invalid (1 error)\n"
    );
    let expected =
        std::fs::read_to_string(root().join("spec/tests/invalid/paginator_typo.json.expected"))
            .unwrap()
            .replace("tests/invalid/", "spec/tests/invalid/");
    assert_eq!(text(&o.stderr), expected);
}

#[test]
fn validate_prints_warnings_and_exits_0() {
    let dir = std::env::temp_dir().join(format!("restsource-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("literal.json");
    std::fs::write(
        &spec,
        r#"{"client": {"base_url": "https://api.example.com", "auth": {"token": "hunter2"}}, "resources": ["posts"]}"#,
    )
    .unwrap();
    let o = run(&["validate", spec.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        text(&o.stdout),
        format!("{}: valid (1 warning)\n", spec.display())
    );
    let err = text(&o.stderr);
    assert!(
        err.starts_with("warning: literal credential in `client.auth.token`"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["validate"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(run(&[]).status.code(), Some(2));
}

#[test]
fn missing_file_and_unknown_extension_exit_1() {
    let o = run(&["validate", "specs/nope.json", "README.md"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("error: cannot read `specs/nope.json`"),
        "{err}"
    );
    assert!(
        err.contains("error: cannot tell the spec format of `README.md` (`.md`)"),
        "{err}"
    );
}

#[test]
fn schema_prints_the_committed_schema() {
    let o = run(&["schema"]);
    assert_eq!(o.status.code(), Some(0));
    let committed = std::fs::read_to_string(root().join("specs/restsource.schema.json")).unwrap();
    assert_eq!(text(&o.stdout), committed);
}

#[test]
fn generate_prints_the_committed_generated_code() {
    let out = run(&["generate", "specs/inventory.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let committed = std::fs::read_to_string(root().join("generated/inventory.rs")).unwrap();
    assert_eq!(text(&out.stdout), committed);
}

#[test]
fn generate_writes_a_file_only_when_it_changes() {
    let dir = std::env::temp_dir().join(format!("restsource-cli-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("analytics.rs");
    let _ = std::fs::remove_file(&file);
    let path = file.to_str().unwrap();
    let first = run(&["generate", "specs/analytics.json", "-o", path]);
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(text(&first.stderr), format!("{path}: written\n"));
    let second = run(&["generate", "specs/analytics.json", "-o", path]);
    assert_eq!(text(&second.stderr), format!("{path}: unchanged\n"));
    let committed = std::fs::read_to_string(root().join("generated/analytics.rs")).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), committed);
}

#[test]
fn generate_reports_an_invalid_spec_with_exit_1() {
    let dir = std::env::temp_dir().join(format!("restsource-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("bad.json");
    std::fs::write(&spec, r#"{"client": {"base_url": "https://x.test"}, "resources": [{"name": "a", "endpoint": {"paginator": {"type": "offest", "limit": 1}}}]}"#).unwrap();
    let out = run(&["generate", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("bad.json:1:"), "{err}");
    assert!(err.contains("did you mean `offset`?"), "{err}");
}

#[test]
fn validate_rejects_a_reserved_table_name_at_its_position() {
    let dir = std::env::temp_dir().join(format!("restsource-cli-rs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("state.json");
    std::fs::write(
        &spec,
        "{\"client\": {\"base_url\": \"https://x.test\"},\n \"resources\": [{\"name\": \"state\", \"table_name\": \"_rs_state\"}]}\n",
    )
    .unwrap();
    let path = spec.to_str().unwrap();
    let out = run(&["validate", path]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), format!("{path}: invalid (1 error)\n"));
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: table name `_rs_state` of resource `state` uses the reserved prefix `_rs_`: \
             restsource's own tables (`_rs_loads`, `_rs_load_resources`, `_rs_state`, \
             `_rs_staging_<table>`) start with it\n \
             --> {path}:2:48\n  \
             |\n\
             2 |  \"resources\": [{{\"name\": \"state\", \"table_name\": \"_rs_state\"}}]}}\n  \
             | {}^^^^^^^^^^^\n  \
             = note: at `resources[0].table_name`\n  \
             = help: choose another `table_name`, e.g. `rs_state`\n\n",
            " ".repeat(47)
        )
    );
}

#[test]
fn generate_prints_a_missing_spec_once() {
    let out = run(&["generate", "specs/nope.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "cannot read spec `specs/nope.json`: No such file or directory (os error 2) \
         (paths are relative to the directory of the crate's Cargo.toml)\n"
    );
}

#[test]
fn generate_never_copies_literal_credentials_into_code() {
    let dir = std::env::temp_dir().join(format!("restsource-cli-creds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("creds.json");
    std::fs::write(
        &spec,
        r#"{"client": {"base_url": "https://alice:pw-0001@api.example.com",
 "headers": {"X-Api-Key": "hdr-0002", "Accept": "application/json"}},
 "resources": [{"name": "posts", "endpoint": {"params": {"api_key": "prm-0003", "limit": 5}}}]}"#,
    )
    .unwrap();
    let o = run(&["generate", spec.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let code = text(&o.stdout);
    let err = text(&o.stderr);
    for literal in ["alice", "pw-0001", "hdr-0002", "prm-0003"] {
        assert!(!code.contains(literal), "{literal} in generated code");
        assert!(!err.contains(literal), "{literal} in warnings: {err}");
    }
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(
        warnings,
        [
            "warning: literal credential in the user info of `client.base_url`: it would be committed with the spec",
            "warning: literal credential in `client.headers.X-Api-Key`: it would be committed with the spec",
            "warning: literal credential in `resources[0].endpoint.params.api_key`: it would be committed with the spec",
        ]
    );
    for line in [
        r#"base_url: "https://api.example.com","#,
        r#"headers: &[("Accept", "application/json")],"#,
        r#"("api_key", ::restsource::runtime::def::Lit::Str::<::restsource::runtime::def::Static>(::restsource::runtime::def::Template(&[::restsource::runtime::def::TemplatePart::Secret("api_key")])))"#,
        r#"("X-Api-Key", ::restsource::runtime::def::Template(&[::restsource::runtime::def::TemplatePart::Secret("x_api_key")]))"#,
        r#"url_username: ::restsource::runtime::secret::from_env("url_username", "URL_USERNAME")?,"#,
        r#"url_password: ::restsource::runtime::secret::from_env("url_password", "URL_PASSWORD")?,"#,
        r#"api_key: ::restsource::runtime::secret::from_env("api_key", "API_KEY")?,"#,
        r#"x_api_key: ::restsource::runtime::secret::from_env("x_api_key", "X_API_KEY")?,"#,
    ] {
        // Compared without whitespace and commas: the formatter wraps long lines and adds
        // trailing commas.
        let squash = |s: &str| s.split_whitespace().collect::<String>().replace(',', "");
        assert!(
            squash(&code).contains(&squash(line)),
            "missing `{line}` in:\n{code}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
