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
    assert_eq!(plain.path.parts, vec![lit("plain")]);
    assert_eq!(
        plain.params,
        vec![
            ("per_page".into(), TValue::Int(50)),
            (
                "sort".into(),
                TValue::Str(Template {
                    parts: vec![lit("asc")]
                })
            )
        ]
    );
    assert_eq!(
        (plain.disposition, plain.primary_key.clone()),
        (Disposition::Merge, vec!["id".to_string()])
    );
    assert_eq!(plain.data_selector, Some(jp("items")));
    let own = &r.resources[1];
    // params merged one level, headers replaced whole, resource keys shallow.
    assert_eq!(
        own.params,
        vec![
            ("per_page".into(), TValue::Int(50)),
            (
                "sort".into(),
                TValue::Str(Template {
                    parts: vec![lit("desc")]
                })
            )
        ]
    );
    assert_eq!(
        own.headers,
        vec![(
            "X-B".into(),
            Template {
                parts: vec![lit("2")]
            }
        )]
    );
    assert_eq!(own.disposition, Disposition::Append);
    let cols: Vec<(String, DataType, bool, Option<String>)> = own
        .columns
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.data_type,
                c.nullable,
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
    assert_eq!(r.resources[1].paginator, ResolvedPaginator::SinglePage);
    assert_eq!(r.resources[1].data_selector, Some(jp("$")));
    let client = ResolvedPaginator::PageNumber {
        base_page: 1,
        page: 1,
        page_param: ResolvedParamPlace::Query("page".into()),
        total_path: Some(jp("pages")),
        maximum_page: None,
        stop_after_empty_page: true,
        has_more_path: None,
    };
    assert_eq!(r.resources[0].paginator, client);
    assert_eq!(r.resources[2].paginator, client);
    assert_eq!(r.resources[2].data_selector, None);
    assert_eq!(
        r.resources[3].paginator,
        ResolvedPaginator::HeaderLink {
            links_next_key: "next".into()
        }
    );
    assert_eq!(r.resources[3].data_selector, Some(jp("$")));
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
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>(),
        ["issues", "comments"]
    );
    let c = &r.resources[1];
    assert_eq!(
        c.path.parts,
        vec![
            lit("dlt-hub/issues/"),
            TemplatePart::Parent {
                resource: "issues".into(),
                path: jp("number")
            },
            lit("/comments")
        ]
    );
    assert_eq!(
        c.params,
        vec![(
            "state".into(),
            TValue::Str(Template {
                parts: vec![lit("all")]
            })
        )]
    );
    assert_eq!(
        c.parent,
        Some(ParentBinding {
            resource: "issues".into(),
            include_from_parent: vec!["title".into()]
        })
    );
    assert_eq!(r.resources[0].path.parts, vec![lit("dlt-hub/issues")]);
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
    assert_eq!(e.params, vec![("page_size".into(), TValue::Int(10))]);
    let inc = e.incremental.as_ref().unwrap();
    assert_eq!(
        (
            inc.cursor_path.clone(),
            inc.initial_value.clone(),
            inc.start_param.as_deref(),
            inc.last_value_max
        ),
        (
            jp("updated_at"),
            Some(json!("2024-01-01")),
            Some("since"),
            false
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
        r.resources[0].retry,
        ResolvedRetry {
            statuses: vec![429, 500, 502, 503, 504],
            max_retries: 2,
            backoff_factor: 0.5,
            max_delay_secs: 300.0,
            respect_retry_after: true
        }
    );
    assert_eq!(r.resources[1].retry.backoff_factor, 1.0);
    assert_eq!(
        r.auth,
        Some(ResolvedAuth::Bearer {
            token: SecretInfo {
                name: "gh".into(),
                env: "GITHUB_TOKEN".into()
            }
        })
    );
    assert_eq!(r.resources[0].auth, ResolvedAuthChoice::Inherit);
    assert_eq!(r.resources[1].auth, ResolvedAuthChoice::None);
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
            location: ApiKeyPlace::Header
        })
    );
    assert_eq!(l.resolved.name, "x");
    let inc = l.resolved.resources[0].incremental.as_ref().unwrap();
    assert_eq!(inc.initial_value, Some(json!("2024-01-01T00:00:00Z")));
}

#[test]
fn form_bodies_are_accepted_with_a_warning_that_they_are_not_sent() {
    let text = r#"{"client": {"base_url": "https://x.test"},
 "resources": [{"name": "a", "endpoint": {"method": "POST", "data": {"q": 1}}}]}"#;
    let loaded = load_str(text, "f.json", Format::Json).unwrap();
    assert_eq!(loaded.warnings.len(), 1);
    let w = &loaded.warnings[0];
    assert_eq!((w.line, w.column), (2, 69));
    assert_eq!(
        w.message,
        "form bodies (`data`) are not sent yet: requests of this endpoint go out without it"
    );
    assert_eq!(
        w.help.as_deref(),
        Some("send the fields as `json` or as query `params` until form bodies are supported")
    );
}
