//! dlt's own configs (the JSON conformance corpus beside the checkout, `../shared/dlt_configs`)
//! written out as Python the way people write them (both quote styles, tuples, trailing commas,
//! comments, `None`) and read back: each must convert to the config it came from. Skips, saying
//! why on stderr, when the corpus is not there (a plain clone); `RESTSOURCE_SHARED_DIR` points
//! at another folder holding `dlt_configs`.

use restsource_import::import_dlt;
use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let shared = match std::env::var_os("RESTSOURCE_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    };
    let dir = shared.join("dlt_configs");
    if dir.is_dir() {
        return Some(dir);
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {} not found (set RESTSOURCE_SHARED_DIR to the folder that holds dlt_configs)",
        dir.display()
    );
    None
}

/// Python source for a JSON value; `n` varies the style from one value to the next.
fn python(v: &Value, out: &mut String, indent: usize, n: &mut usize) {
    *n += 1;
    let pad = "    ".repeat(indent + 1);
    match v {
        Value::Null => out.push_str("None"),
        Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Value::Number(x) => out.push_str(&x.to_string()),
        Value::String(s) => {
            let json = Value::String(s.clone()).to_string();
            let inner = &json[1..json.len() - 1];
            match *n % 3 {
                0 => out.push_str(&json),
                1 => {
                    let _ = write!(out, "'{}'", inner.replace('\'', "\\'"));
                }
                // Implicit concatenation of two halves, split on a character boundary.
                _ => {
                    let mid = s
                        .char_indices()
                        .nth(s.chars().count() / 2)
                        .map_or(0, |(i, _)| i);
                    let (a, b) = s.split_at(mid);
                    let _ = write!(out, "{} {}", Value::from(a), Value::from(b));
                }
            }
        }
        Value::Array(items) => {
            let tuple = n.is_multiple_of(2) && !items.is_empty();
            out.push(if tuple { '(' } else { '[' });
            for item in items {
                let _ = write!(out, "\n{pad}");
                python(item, out, indent + 1, n);
                out.push(',');
            }
            let _ = write!(out, "\n{}", "    ".repeat(indent));
            out.push(if tuple { ')' } else { ']' });
        }
        Value::Object(map) => {
            out.push('{');
            for (k, item) in map {
                let _ = write!(out, "  # {k}\n{pad}{}: ", Value::from(k.as_str()));
                python(item, out, indent + 1, n);
                out.push(',');
            }
            let _ = write!(out, "\n{}}}", "    ".repeat(indent));
        }
    }
}

/// Auth settings whose literal the importer replaces by a secret reference named after them.
const AUTH_CREDENTIALS: &[&str] = &[
    "token",
    "api_key",
    "password",
    "client_secret",
    "refresh_token",
];

/// The value without the nulls a spec reads as "not set" (`total_path` and an endpoint's
/// `auth` keep theirs, as the importer's JSON does), and with literal auth credentials as
/// secret references.
fn expected(v: &Value, parent: Option<&str>) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, v)| {
                    !v.is_null()
                        || k.as_str() == "total_path"
                        || (k.as_str() == "auth" && parent == Some("endpoint"))
                })
                .map(|(k, v)| {
                    let literal_credential = parent == Some("auth")
                        && AUTH_CREDENTIALS.contains(&k.as_str())
                        && v.as_str().is_some_and(|s| !s.is_empty());
                    if literal_credential {
                        (k.clone(), serde_json::json!({ "secret": k }))
                    } else {
                        (k.clone(), expected(v, Some(k)))
                    }
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| expected(v, None))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn every_valid_dlt_config_written_as_python_converts_back_to_itself() {
    let Some(dir) = corpus() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("valid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 95);
    for file in files {
        let config: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let mut src = String::from("import dlt\n\nsource = rest_api_source(\n    ");
        python(&config, &mut src, 1, &mut 0);
        src.push_str(",\n)\n");
        let imported =
            import_dlt(&src, Path::new("corpus.py"), Some("corpus")).unwrap_or_else(|e| {
                let all: Vec<String> = e.diagnostics.iter().map(|d| d.render()).collect();
                panic!("{}:\n{}\n{src}", file.display(), all.join("\n"))
            });
        let got: Value = serde_json::from_str(&imported.to_json()).unwrap();
        let mut want = expected(&config, None);
        want.as_object_mut()
            .unwrap()
            .insert("name".into(), Value::from("corpus"));
        assert_eq!(got, want, "{}\n{src}", file.display());
        if std::env::var_os("SHOW_PYTHON").is_some() {
            println!("{src}");
        }
        // The TOML reads back as the same value, with `false` for the nulls dlt gives a
        // meaning (TOML has no null) and without the others.
        let toml: toml::Value = toml::from_str(&imported.to_toml())
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", file.display(), imported.to_toml()));
        let strip_all = |v: &Value| -> Value {
            fn go(v: &Value, parent: Option<&str>) -> Value {
                match v {
                    Value::Object(m) => Value::Object(
                        m.iter()
                            .filter_map(|(k, v)| {
                                let meaningful = k == "total_path"
                                    || (k == "auth" && parent == Some("endpoint"));
                                match v {
                                    Value::Null if meaningful => {
                                        Some((k.clone(), Value::Bool(false)))
                                    }
                                    Value::Null => None,
                                    v => Some((k.clone(), go(v, Some(k)))),
                                }
                            })
                            .collect(),
                    ),
                    Value::Array(a) => Value::Array(
                        a.iter()
                            .filter(|v| !v.is_null())
                            .map(|v| go(v, None))
                            .collect(),
                    ),
                    o => o.clone(),
                }
            }
            go(v, None)
        };
        assert_eq!(
            serde_json::to_value(toml).unwrap(),
            strip_all(&want),
            "{}",
            file.display()
        );
    }
}
