//! dlt's own configs as the conformance suite: every valid config accepted (except the two
//! that rely on Python registration), every invalid one rejected for the reason dlt gives.

use restsource_spec::{load, Diagnostic, Severity};
use std::path::{Path, PathBuf};

/// The folder beside the checkout that holds the dlt config corpus (`../shared` in this
/// project's workplace); `RESTSOURCE_SHARED_DIR` points elsewhere.
fn shared_dir() -> PathBuf {
    match std::env::var_os("RESTSOURCE_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// The corpus under `shared`, or the skip message naming what is missing.
fn corpus_in(shared: &Path) -> Result<PathBuf, String> {
    let dir = shared.join("dlt_configs");
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "skipped: {} not found (the dlt config corpus sits beside the checkout in this \
             project's workplace, as ../shared/dlt_configs; set RESTSOURCE_SHARED_DIR to the \
             folder that holds dlt_configs)",
            dir.display()
        ))
    }
}

/// The corpus, or `None` after printing why the calling test skips: a plain clone has no
/// `../shared`, and the README's test command must still pass there. Written to stderr
/// itself rather than with `eprintln!`, which the test harness captures and hides for a
/// passing test.
fn corpus() -> Option<PathBuf> {
    use std::io::Write;
    corpus_in(&shared_dir())
        .map_err(|skip| {
            let _ = writeln!(std::io::stderr(), "{skip}");
        })
        .ok()
}

fn files(corpus: &Path, dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus.join(dir))
        .unwrap_or_else(|e| panic!("{}: {e}", corpus.join(dir).display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

fn errors(d: &[Diagnostic]) -> Vec<&Diagnostic> {
    d.iter().filter(|d| d.severity == Severity::Error).collect()
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// What each invalid config must be rejected with (a substring of an error message); 003 and
/// 004 are valid here (a missing credential is a secret read at run time).
fn expected_reason(n: &str) -> Option<&'static str> {
    Some(match n {
        "001" => "missing required key `resources`",
        "002" => "missing required key `client`",
        "005" => "unknown key `invalid_key` in `client`",
        "006" => "unknown paginator type `invalid_paginator`",
        "007" => "unknown parent resource `issuess`",
        "008" => "path placeholder `{org}` in `{org}/{repo}/issues/` has no matching param",
        "009" => "unknown key `location` in bearer auth",
        "010" | "011" => "resource `user_details` has more than one parent: `users`, `groups`",
        "012" | "013" => "nodes are in a cycle: chicken -> egg -> chicken",
        "014" => "resource `post_details` defines resolve params `post_id` that are not bound in path `posts`",
        "015" => "placeholder `{unknown.posts.id}` in `params` is not valid: it must start with `resources` or `incremental`",
        "016" => "placeholder `{unknown.posts.id}` in `json` is not valid: it must start with `resources` or `incremental`",
        _ => return None,
    })
}

#[test]
fn dlt_conformance_suite() {
    let Some(corpus) = corpus() else { return };
    let mut accepted = 0;
    let valid = files(&corpus, "valid");
    let mut failures = Vec::new();
    for f in &valid {
        let n = stem(f);
        match (n.as_str(), load(f)) {
            ("018", Err(d))
                if d.0[0]
                    .message
                    .contains("custom auth types rely on Python registration") =>
            {
                accepted += 1
            }
            ("019", Err(d))
                if d.0[0]
                    .message
                    .contains("custom paginator types rely on Python registration") =>
            {
                accepted += 1
            }
            // json and data together: dlt validates it and sends the JSON body; accepted
            // with a warning that `data` is ignored.
            ("077", Ok(l))
                if l.warnings.iter().map(|w| w.message.as_str()).eq([
                    "resource `posts` sets both `json` and `data`: a request has one body, so `json` is sent and `data` is ignored",
                ]) =>
            {
                accepted += 1
            }
            ("077", r) => failures.push(format!(
                "valid/077: expected acceptance with one warning about `data`, got {r:?}"
            )),
            ("018" | "019", r) => failures.push(format!(
                "valid/{n}: expected a deliberate rejection, got {r:?}"
            )),
            (_, Ok(_)) => accepted += 1,
            (_, Err(d)) => failures.push(format!("valid/{n}:\n{d}")),
        }
    }
    let invalid = files(&corpus, "invalid");
    let mut rejected = 0;
    for f in &invalid {
        let n = stem(f);
        match (expected_reason(&n), load(f)) {
            (None, Ok(l)) => {
                // 003/004: valid, the key is the secret `api_key` from `API_KEY`.
                assert_eq!(l.resolved.secrets.len(), 1, "{n}");
                assert_eq!(
                    (
                        l.resolved.secrets[0].name.as_str(),
                        l.resolved.secrets[0].env.as_str()
                    ),
                    ("api_key", "API_KEY")
                );
                rejected += 1;
            }
            (Some(reason), Err(d)) if errors(&d.0).iter().any(|e| e.message.contains(reason)) => {
                rejected += 1
            }
            (reason, r) => failures.push(format!("invalid/{n}: expected {reason:?}, got {r:#?}")),
        }
    }
    println!(
        "valid accepted: {accepted}/{}, invalid rejected: {rejected}/{}",
        valid.len(),
        invalid.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!((accepted, rejected), (95, 16));
}

fn with_fragment(key: &str, fragment: &str) -> String {
    format!(
        r#"{{"client": {{"base_url": "https://api.example.com", "{key}": {fragment}}}, "resources": ["posts"]}}"#
    )
}

#[test]
fn dlt_paginator_and_auth_fragments_are_accepted() {
    let Some(corpus) = corpus() else { return };
    let mut n = 0;
    for (dir, key) in [
        ("fragments/paginator", "paginator"),
        ("fragments/auth", "auth"),
    ] {
        for f in files(&corpus, dir) {
            let text = std::fs::read_to_string(&f).unwrap();
            let spec = with_fragment(key, &text);
            if let Err(d) = restsource_spec::load_str(&spec, &f, restsource_spec::Format::Json) {
                panic!("{}:\n{d}", f.display());
            }
            n += 1;
        }
    }
    assert_eq!(n, 17);
}

#[test]
fn literal_fragment_credentials_warn_and_become_derived_secrets() {
    let Some(corpus) = corpus() else { return };
    let text = std::fs::read_to_string(corpus.join("fragments/auth/007.json")).unwrap();
    let l = restsource_spec::load_str(
        &with_fragment("auth", &text),
        "a.json",
        restsource_spec::Format::Json,
    )
    .unwrap();
    let names: Vec<(&str, &str)> = l
        .resolved
        .secrets
        .iter()
        .map(|s| (s.name.as_str(), s.env.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![("username", "USERNAME"), ("password", "PASSWORD")]
    );
    assert_eq!(l.warnings.len(), 2);
    assert_eq!(
        l.warnings[0].message,
        "literal credential in `client.auth.username`: it would be committed with the spec"
    );
    let rendered = format!(
        "{:?} {}",
        l.resolved,
        l.warnings.iter().map(|w| w.render()).collect::<String>()
    );
    assert!(!rendered.contains("sensitive-secret"), "{rendered}");
    assert!(!format!("{:?}", l.spec).contains("sensitive-secret"));
    assert!(rendered.contains("USERNAME"));
}

#[test]
fn a_missing_corpus_is_a_skip_that_names_what_is_missing() {
    assert_eq!(
        corpus_in(Path::new("/nonexistent/shared")),
        Err(
            "skipped: /nonexistent/shared/dlt_configs not found (the dlt config corpus sits \
             beside the checkout in this project's workplace, as ../shared/dlt_configs; set \
             RESTSOURCE_SHARED_DIR to the folder that holds dlt_configs)"
                .to_string()
        )
    );
}
