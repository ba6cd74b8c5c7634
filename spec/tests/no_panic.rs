//! No input, however malformed, makes parsing, validation or rendering panic.

use proptest::prelude::*;
use restsource_spec::{load_str, Format};
use serde_json::Value;

fn check(text: &str, format: Format) {
    match load_str(text, "fuzz", format) {
        Ok(l) => {
            for w in &l.warnings {
                let _ = w.render();
            }
        }
        Err(d) => {
            assert!(
                !d.0.is_empty(),
                "an error result must carry a diagnostic:\n{text}"
            );
            let _ = d.to_string();
        }
    }
}

fn seed_texts() -> Vec<(String, Format)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    [
        "analytics.json",
        "social_media.json",
        "analytics_typed.toml",
        "oauth_analytics.toml",
        "inventory.toml",
    ]
    .iter()
    .map(|f| {
        let format = if f.ends_with(".json") {
            Format::Json
        } else {
            Format::Toml
        };
        (std::fs::read_to_string(dir.join(f)).unwrap(), format)
    })
    .collect()
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        "[a-z{}._$\\[\\]*'0-9 ]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "offset",
            "auto",
            "resolve",
            "incremental",
            "merge",
            "GET",
            "{resources.a.id}",
            "{incremental.start_value}",
            "api_key",
            "posts",
            "https://api.example.com",
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop::sample::select(vec![
            "type",
            "name",
            "endpoint",
            "path",
            "params",
            "paginator",
            "limit",
            "auth",
            "columns",
            "resources",
            "client",
            "base_url",
            "resource",
            "field",
            "secret",
            "incremental",
            "cursor_path",
            "json",
            "headers",
            "write_disposition",
            "primary_key",
            "data_type",
            "total_path",
            "include_from_parent",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((keys, inner), 0..6).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        check(&text, Format::Json);
        check(&text, Format::Toml);
    }

    #[test]
    fn mutated_seed_specs_never_panic(
        which in 0usize..5,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 1..8),
    ) {
        let (text, format) = seed_texts().swap_remove(which);
        let mut chars: Vec<char> = text.chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len().max(1)).min(chars.len());
            match op {
                0 if i < chars.len() => { chars.remove(i); }
                1 => chars.insert(i, c),
                _ if i < chars.len() => chars[i] = c,
                _ => {}
            }
        }
        check(&chars.into_iter().collect::<String>(), format);
    }

    #[test]
    fn random_json_values_never_panic(v in json_value(), client in json_value(), resources in json_value()) {
        check(&v.to_string(), Format::Json);
        let spec = serde_json::json!({"client": client, "resources": resources});
        check(&spec.to_string(), Format::Json);
        let spec = serde_json::json!({"client": {"base_url": "https://api.example.com"}, "resources": [v.clone(), "posts"], "resource_defaults": v});
        check(&spec.to_string(), Format::Json);
    }

    #[test]
    fn random_resources_in_a_valid_spec_never_panic(r in prop::collection::vec(json_value(), 0..4), ep in json_value()) {
        let mut resources = r;
        resources.push(serde_json::json!({"name": "x", "endpoint": ep}));
        let spec = serde_json::json!({"client": {"base_url": "https://api.example.com"}, "resources": resources});
        check(&spec.to_string(), Format::Json);
        if let Ok(t) = toml::to_string(&spec) {
            check(&t, Format::Toml);
        }
    }
}

#[test]
fn deep_nesting_is_rejected_or_accepted_without_overflow() {
    let deep_json = "[".repeat(100_000);
    check(&deep_json, Format::Json);
    let deep_toml = format!("a = {}", "[".repeat(100_000));
    check(&deep_toml, Format::Toml);
    let deep_inline = format!("a = {}", "{ b = ".repeat(20_000));
    check(&deep_inline, Format::Toml);
}
