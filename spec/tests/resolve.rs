//! What a spec means: defaults merging, single-entity detection, parents, paginator and retry
//! defaults, secrets.

use restsource_spec::resolved::*;
use restsource_spec::{load_str, Format, ResolvedSource};
use serde_json::json;

fn resolve(v: serde_json::Value) -> ResolvedSource {
    match load_str(&v.to_string(), "t.json", Format::Json) {
        Ok(l) => l.resolved,
        Err(d) => panic!("{d}"),
    }
}

fn jp(t: &str) -> JsonPath {
    restsource_spec::jsonpath::parse(t).unwrap()
}

fn lit(s: &str) -> TemplatePart {
    TemplatePart::Lit(s.into())
}

#[test]
fn defaults_merge_like_dlt() {
    let r = resolve(json!({
        "client": {"base_url": "https://api.example.com"},
        "resource_defaults": {
            "primary_key": "id",
            "write_disposition": "merge",
            "endpoint": {"params": {"per_page": 50, "sort": "asc"}, "headers": {"X-A": "1"}, "data_selector": "items"},
            "columns": {"id": {"data_type": "bigint"}, "name": {"data_type": "text", "nullable": false}}
        },
        "resources": [
            "plain",
            {"name": "own", "write_disposition": "append",
             "endpoint": {"path": "own", "params": {"sort": "desc"}, "headers": {"X-B": "2"}},
             "columns": {"name": {"description": "the name"}, "extra": {"data_type": "bool"}}}
        ]
    }));
    let plain = &r.resources[0];
    assert_eq!(plain.def.endpoint.path.0, vec![lit("plain")]);
    assert_eq!(
        plain.def.endpoint.params,
        vec![
            ("per_page".into(), TValue::Int(50)),
            ("sort".into(), TValue::Str(template(vec![lit("asc")])))
        ]
    );
    assert_eq!(
        (plain.def.write.disposition, plain.def.primary_key.clone()),
        (
            Disposition::Merge(MergeStrategy::DeleteInsert),
            vec!["id".to_string()]
        )
    );
    assert_eq!(plain.def.endpoint.data_selector, Some(jp("items")));
    let own = &r.resources[1];
    // params merged one level, headers replaced whole, resource keys shallow.
    assert_eq!(
        own.def.endpoint.params,
        vec![
            ("per_page".into(), TValue::Int(50)),
            ("sort".into(), TValue::Str(template(vec![lit("desc")])))
        ]
    );
    assert_eq!(
        own.def.endpoint.headers,
        vec![("X-B".into(), template(vec![lit("2")]))]
    );
    assert_eq!(own.def.write.disposition, Disposition::Append);
    let cols: Vec<(String, DataType, bool, Option<String>)> = own
        .def
        .columns
        .iter()
        .map(|c| {
            (
                c.name().to_string(),
                c.def.data_type,
                c.def.nullable,
                c.description.clone(),
            )
        })
        .collect();
    assert_eq!(
        cols,
        vec![
            ("id".into(), DataType::Bigint, false, None),
            (
                "name".into(),
                DataType::Text,
                false,
                Some("the name".into())
            ),
            ("extra".into(), DataType::Bool, true, None),
        ]
    );
}

#[test]
fn single_entity_paths_get_root_selector_and_one_page() {
    let r = resolve(json!({
        "client": {"base_url": "https://api.example.com", "paginator": {"type": "page_number", "base_page": 1, "total_path": "pages"}},
        "resources": [
            "posts",
            {"name": "post", "endpoint": {"path": "posts/{resources.posts.id}"}},
            {"name": "comments", "endpoint": {"path": "posts/{resources.posts.id}/comments"}},
            {"name": "paged", "endpoint": {"path": "x/{resources.posts.id}", "paginator": "header_link"}}
        ]
    }));
    assert_eq!(
        r.resources[1].def.endpoint.paginator,
        ResolvedPaginator::SinglePage
    );
    assert_eq!(r.resources[1].def.endpoint.data_selector, Some(jp("$")));
    let client = ResolvedPaginator::PageNumber {
        base_page: 1,
        page: 1,
        page_param: ResolvedParamPlace::Query("page".into()),
        total_path: Some(jp("pages")),
        maximum_page: None,
        stop_after_empty_page: true,
        has_more_path: None,
    };
    assert_eq!(r.resources[0].def.endpoint.paginator, client);
    assert_eq!(r.resources[2].def.endpoint.paginator, client);
    assert_eq!(r.resources[2].def.endpoint.data_selector, None);
    assert_eq!(
        r.resources[3].def.endpoint.paginator,
        ResolvedPaginator::HeaderLink {
            links_next_key: "next".into()
        }
    );
    assert_eq!(r.resources[3].def.endpoint.data_selector, Some(jp("$")));
}

#[test]
fn legacy_resolve_and_static_path_params_become_placeholders_and_text() {
    let r = resolve(json!({
        "client": {"base_url": "https://api.example.com"},
        "resources": [
            {"name": "comments", "endpoint": {"path": "{org}/issues/{issue}/comments", "params": {
                "org": "dlt-hub", "issue": {"type": "resolve", "resource": "issues", "field": "number"}, "state": "all"}},
             "include_from_parent": ["title"]},
            {"name": "issues", "endpoint": {"path": "{org}/issues", "params": {"org": "dlt-hub"}}}
        ]
    }));
    // Parents first, then spec order.
    assert_eq!(
        r.resources
            .iter()
            .map(|x| x.def.name.as_str())
            .collect::<Vec<_>>(),
        ["issues", "comments"]
    );
    let c = &r.resources[1];
    assert_eq!(
        c.def.endpoint.path.0,
        vec![
            lit("dlt-hub/issues/"),
            TemplatePart::Parent(ParentField {
                resource: "issues".into(),
                path: jp("number"),
            }),
            lit("/comments")
        ]
    );
    assert_eq!(
        c.def.endpoint.params,
        vec![("state".into(), TValue::Str(template(vec![lit("all")])))]
    );
    assert_eq!(
        c.def.parent,
        Some(ParentBinding {
            resource: "issues".into(),
            include_from_parent: vec!["title".into()]
        })
    );
    assert_eq!(
        r.resources[0].def.endpoint.path.0,
        vec![lit("dlt-hub/issues")]
    );
}

#[test]
fn deprecated_incremental_param_becomes_start_param() {
    let r = resolve(json!({
        "client": {"base_url": "https://api.example.com"},
        "resources": [{"name": "events", "endpoint": {"path": "events", "params": {
            "since": {"type": "incremental", "cursor_path": "updated_at", "initial_value": "2024-01-01", "last_value_func": "min"},
            "page_size": 10}}}]
    }));
    let e = &r.resources[0];
    assert_eq!(
        e.def.endpoint.params,
        vec![("page_size".into(), TValue::Int(10))]
    );
    let inc = e.def.endpoint.incremental.as_ref().unwrap();
    assert_eq!(
        (
            inc.cursor_path.clone(),
            inc.initial_value.clone(),
            inc.start_param.as_deref(),
            inc.last_value_func
        ),
        (
            jp("updated_at"),
            Some(json!("2024-01-01")),
            Some("since"),
            LastValueFunc::Min
        )
    );
}

#[test]
fn retry_timeout_and_auth_defaults() {
    let r = resolve(json!({
        "client": {"base_url": "https://api.example.com", "auth": {"token": {"secret": "gh", "env": "GITHUB_TOKEN"}}, "retry": {"max_retries": 2}},
        "resources": [
            {"name": "a", "retry": {"backoff_factor": 0.5}},
            {"name": "b", "endpoint": {"path": "b", "auth": null}},
            {"name": "c", "endpoint": {"path": "c", "auth": "http_basic"}},
            {"name": "d", "endpoint": {"path": "d", "auth": {"type": "oauth2_client_credentials", "access_token_url": "https://a.example/t", "client_id": {"secret": "gh"}}}}
        ]
    }));
    assert_eq!(r.timeout_secs, 60.0);
    assert_eq!(
        r.resources[0].def.retry,
        ResolvedRetry {
            statuses: vec![429, 500, 502, 503, 504],
            max_retries: 2,
            backoff_factor: 0.5,
            max_delay_secs: 300.0,
            respect_retry_after: true
        }
    );
    assert_eq!(r.resources[1].def.retry.backoff_factor, 1.0);
    assert_eq!(
        r.auth,
        Some(ResolvedAuth::Bearer {
            token: SecretInfo {
                name: "gh".into(),
                env: "GITHUB_TOKEN".into()
            }
        })
    );
    assert_eq!(
        r.resources[0].def.endpoint.auth,
        ResolvedAuthChoice::Inherit
    );
    assert_eq!(r.resources[1].def.endpoint.auth, ResolvedAuthChoice::None);
    let secrets: Vec<(&str, &str)> = r
        .secrets
        .iter()
        .map(|s| (s.name.as_str(), s.env.as_str()))
        .collect();
    assert_eq!(
        secrets,
        [
            ("gh", "GITHUB_TOKEN"),
            ("username", "USERNAME"),
            ("password", "PASSWORD"),
            ("gh", "GH"),
            ("client_secret", "CLIENT_SECRET")
        ]
    );
}

#[test]
fn toml_secret_references_and_datetimes() {
    let text = r#"
[client]
base_url = "https://api.example.com"
auth = { type = "api_key", api_key = { secret = "k" } }

[[resources]]
name = "events"
endpoint = { path = "events", params = { since = "{incremental.start_value}" }, incremental = { cursor_path = "ts", initial_value = 2024-01-01T00:00:00Z } }
"#;
    let l = load_str(text, "x.toml", Format::Toml).unwrap();
    assert_eq!(
        l.resolved.auth,
        Some(ResolvedAuth::ApiKey {
            name: "Authorization".into(),
            key: SecretInfo {
                name: "k".into(),
                env: "K".into()
            },
            location: ApiKeyLocation::Header
        })
    );
    assert_eq!(l.resolved.name, "x");
    let inc = l.resolved.resources[0]
        .def
        .endpoint
        .incremental
        .as_ref()
        .unwrap();
    assert_eq!(inc.initial_value, Some(json!("2024-01-01T00:00:00Z")));
}

#[test]
fn form_and_raw_bodies_resolve_with_placeholders() {
    let r = resolve(json!({
        "client": {"base_url": "https://x.test"},
        "resources": [
            "parent",
            {"name": "form", "endpoint": {"method": "POST", "path": "search",
             "data": {"q": "id:{resources.parent.id}", "n": 5, "tags": ["a", "b"], "skip": null}}},
            {"name": "raw", "endpoint": {"method": "POST", "data": "query={{ items }}"}},
            {"name": "pairs", "endpoint": {"method": "POST", "data": [["k", "1"], ["k", 2]]}}
        ]
    }));
    assert_eq!(
        r.resources[3].def.endpoint.data,
        Some(ResolvedData::Form(vec![
            ("k".into(), TValue::Str(template(vec![lit("1")]))),
            ("k".into(), TValue::Int(2)),
        ]))
    );
    let form = &r.resources[1];
    assert_eq!(form.def.endpoint.json, None);
    assert_eq!(
        form.def.endpoint.data,
        Some(ResolvedData::Form(vec![
            (
                "q".into(),
                TValue::Str(template(vec![
                    lit("id:"),
                    TemplatePart::Parent(ParentField {
                        resource: "parent".into(),
                        path: jp("id"),
                    })
                ]))
            ),
            ("n".into(), TValue::Int(5)),
            (
                "tags".into(),
                TValue::List(vec![
                    TValue::Str(template(vec![lit("a")])),
                    TValue::Str(template(vec![lit("b")]))
                ])
            ),
            ("skip".into(), TValue::Null),
        ]))
    );
    // Literal braces in a raw body are written doubled, as in every dlt template.
    assert_eq!(
        r.resources[2].def.endpoint.data,
        Some(ResolvedData::Raw(template(vec![lit("query={ items }")])))
    );
}

#[test]
fn bad_bodies_are_errors_naming_the_fix() {
    let errors = |data: serde_json::Value| -> Vec<(String, Option<String>)> {
        let ep = json!({"method": "POST", "data": data});
        let spec = json!({"client": {"base_url": "https://x.test"},
                          "resources": [{"name": "r", "endpoint": ep}]});
        match load_str(&spec.to_string(), "t.json", Format::Json) {
            Ok(_) => panic!("{data} accepted"),
            Err(d) => {
                d.0.iter()
                    .map(|d| (d.message.clone(), d.help.clone()))
                    .collect()
            }
        }
    };
    assert_eq!(
        errors(json!(7))[0].0,
        "`data` is a number, expected an object or a list of `[key, value]` pairs (a form) or a string (a raw body)"
    );
    assert_eq!(
        errors(json!([["a", 1], ["b"]]))[0].0,
        "form pair 1 is a list, expected `[\"key\", value]`"
    );
    assert_eq!(
        errors(json!([["k", {"x": 1}]]))[0].0,
        "form field `k` is a nested object or list of lists, which a form cannot hold"
    );
    assert_eq!(
        errors(json!({"f": {"x": 1}}))[0].0,
        "form field `f` is a nested object or list of lists, which a form cannot hold"
    );
}

/// dlt's valid/077: `json` and `data` together validate and `json` is the body sent.
#[test]
fn json_and_data_together_send_json_with_a_warning() {
    let text = r#"{"client": {"base_url": "https://x.test"},
 "resources": [{"name": "posts", "endpoint": {"method": "POST", "json": {"a": 1}, "data": {"q": 2}}}]}"#;
    let loaded = load_str(text, "f.json", Format::Json).unwrap();
    let w: Vec<(String, String, Option<String>)> = loaded
        .warnings
        .iter()
        .map(|w| {
            (
                format!("{}:{}:{}", w.file.display(), w.line, w.column),
                w.message.clone(),
                w.help.clone(),
            )
        })
        .collect();
    assert_eq!(
        w,
        [(
            "f.json:2:91".to_string(),
            "resource `posts` sets both `json` and `data`: a request has one body, so `json` is sent and `data` is ignored".to_string(),
            Some("remove `data` (or `json`, to send a form or raw text body)".to_string())
        )]
    );
    let ep = &loaded.resolved.resources[0].def.endpoint;
    assert_eq!(ep.data, None);
    assert_eq!(
        ep.json,
        Some(TValue::Map(vec![("a".into(), TValue::Int(1))]))
    );
}

#[test]
fn a_preset_oauth_access_token_is_ignored_with_a_warning() {
    let text = r#"{"client": {"base_url": "https://x.test", "auth": {"type": "oauth2_client_credentials",
 "access_token_url": "https://x.test/token", "client_id": "id", "client_secret": "s", "access_token": "abc"}},
 "resources": ["a"]}"#;
    let loaded = load_str(text, "f.json", Format::Json).unwrap();
    let w: Vec<&str> = loaded.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        w.contains(&"`access_token` is ignored: a token is always fetched from the token URL (dlt also replaces a preset one on the first request)"),
        "{w:?}"
    );
    assert!(!format!("{:?}", loaded.warnings).contains("abc"));
}

#[test]
fn literal_credentials_are_masked_in_every_diagnostic_on_their_line() {
    let text = r#"{"client": {"base_url": "https://x.test", "auth": {"type": "bearer", "token": "tok-123", "nope": 1}}, "resources": ["a"]}"#;
    let d = load_str(text, "f.json", Format::Json).unwrap_err();
    let unknown =
        d.0.iter()
            .find(|d| d.message.starts_with("unknown key `nope`"))
            .expect("unknown key error");
    assert!(unknown.source_line.contains(r#""token": "***""#));
    assert!(!format!("{d}").contains("tok-123"), "{d}");
}

#[test]
fn data_selector_missing_defaults_to_error_and_merges_from_the_defaults() {
    use restsource_spec::model::DataSelectorMissing::{Empty, Error};
    let r = resolve(json!({
        "client": {"base_url": "https://api.example.com"},
        "resource_defaults": {"endpoint": {"data_selector_missing": "empty"}},
        "resources": [
            "lenient",
            {"name": "strict", "endpoint": {"path": "strict", "data_selector_missing": "error"}}
        ]
    }));
    let got: Vec<_> = r
        .resources
        .iter()
        .map(|r| r.def.endpoint.data_selector_missing)
        .collect();
    assert_eq!(got, vec![Empty, Error]);
    let r = resolve(json!({
        "client": {"base_url": "https://api.example.com"},
        "resources": ["plain"]
    }));
    assert_eq!(r.resources[0].def.endpoint.data_selector_missing, Error);
}

#[test]
fn contracts_and_nesting_resolve_resource_then_defaults_then_source() {
    use restsource_core::{ContractMode, RelationalDef, SchemaContract, TablesMode};
    let r = resolve(json!({
        "client": {"base_url": "https://api.example.com"},
        "tables": "dlt",
        "schema_contract": "freeze",
        "max_table_nesting": 3,
        "resource_defaults": {"max_table_nesting": 2},
        "resources": [
            "plain",
            {"name": "own", "max_table_nesting": 0,
             "schema_contract": {"columns": "discard_value"}}
        ]
    }));
    assert_eq!(r.tables, TablesMode::Dlt);
    assert_eq!(
        r.resources[0].def.relational,
        RelationalDef {
            contract: SchemaContract::all(ContractMode::Freeze),
            max_nesting: 2,
        }
    );
    // A resource's contract replaces the source's whole: the kinds it leaves out evolve.
    assert_eq!(
        r.resources[1].def.relational,
        RelationalDef {
            contract: SchemaContract {
                columns: ContractMode::DiscardValue,
                ..SchemaContract::EVOLVE
            },
            max_nesting: 0,
        }
    );
    let bare = resolve(json!({
        "client": {"base_url": "https://api.example.com"},
        "resources": ["plain"]
    }));
    assert_eq!(bare.tables, TablesMode::Relational);
    assert_eq!(bare.resources[0].def.relational, RelationalDef::DEFAULT);
}

#[test]
fn rate_limit_headers_and_response_format_resolve_with_defaults() {
    let r = resolve(json!({
        "client": {
            "base_url": "https://api.example.com",
            "rate_limit_headers": {"reset": "X-RateLimit-Reset", "remaining": "X-RateLimit-Remaining"}
        },
        "resources": [
            {"name": "lines", "endpoint": {"path": "lines", "response_format": "jsonl"}},
            "plain"
        ]
    }));
    assert_eq!(
        r.rate_limit_headers,
        Some(restsource_core::RateLimitHeadersDef {
            reset: Some("X-RateLimit-Reset".to_string()),
            reset_format: restsource_core::ResetFormat::Auto,
            remaining: Some("X-RateLimit-Remaining".to_string()),
            min_remaining: 0,
            max_wait_secs: 300.0,
        })
    );
    assert_eq!(
        r.resources[0].def.endpoint.response_format,
        restsource_core::ResponseFormat::Jsonl
    );
    assert_eq!(
        r.resources[1].def.endpoint.response_format,
        restsource_core::ResponseFormat::Auto
    );
}

/// TOML has no null: `false` says "no total" and "no auth" there, as dlt's `None` does.
#[test]
fn toml_false_switches_off_what_json_null_does() {
    let toml = r#"
[client]
base_url = "https://api.example.com"
auth = { type = "bearer", token = { secret = "token" } }

[[resources]]
name = "pages"
endpoint = { path = "pages", paginator = { type = "page_number", total_path = false }, auth = false }

[[resources]]
name = "rows"
endpoint = { path = "rows", paginator = { type = "offset", limit = 10, total_path = false } }
"#;
    let r = match load_str(toml, "t.toml", Format::Toml) {
        Ok(l) => l.resolved,
        Err(d) => panic!("{d}"),
    };
    let json = resolve(json!({
        "client": {"base_url": "https://api.example.com", "auth": {"type": "bearer", "token": {"secret": "token"}}},
        "resources": [
            {"name": "pages", "endpoint": {"path": "pages", "paginator": {"type": "page_number", "total_path": null}, "auth": null}},
            {"name": "rows", "endpoint": {"path": "rows", "paginator": {"type": "offset", "limit": 10, "total_path": null}}}
        ]
    }));
    for (t, j) in r.resources.iter().zip(&json.resources) {
        assert_eq!(t.def.endpoint.paginator, j.def.endpoint.paginator);
        assert_eq!(t.def.endpoint.auth, j.def.endpoint.auth);
    }
    assert_eq!(r.resources[0].def.endpoint.auth, ResolvedAuthChoice::None);
    assert_eq!(
        r.resources[1].def.endpoint.auth,
        ResolvedAuthChoice::Inherit
    );
    assert!(matches!(
        r.resources[0].def.endpoint.paginator,
        ResolvedPaginator::PageNumber {
            total_path: None,
            stop_after_empty_page: true,
            ..
        }
    ));
    assert!(matches!(
        r.resources[1].def.endpoint.paginator,
        ResolvedPaginator::Offset {
            total_path: None,
            ..
        }
    ));
}
