//! The five seed specs: valid, without warnings, round-tripping through the model, and
//! resolving to what the seed documents say.

use restsource_spec::model::SourceSpec;
use restsource_spec::resolved::{
    ApiKeyLocation, IncrementalValue, LastValueFunc, ResolvedAuth, ResolvedPaginator,
    ResolvedParamPlace, TValue, TemplatePart,
};
use restsource_spec::resolved::{Disposition, MergeStrategy};
use restsource_spec::{load, load_str, Format, LoadedSpec};
use std::path::{Path, PathBuf};

fn spec_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(name)
}

fn seed(name: &str) -> LoadedSpec {
    match load(&spec_path(name)) {
        Ok(l) => l,
        Err(d) => panic!("{name}:\n{d}"),
    }
}

const SEEDS: &[&str] = &[
    "analytics.json",
    "analytics_typed.toml",
    "social_media.json",
    "oauth_analytics.toml",
    "inventory.toml",
];

#[test]
fn seed_specs_validate_without_warnings() {
    for s in SEEDS {
        let l = seed(s);
        assert!(l.warnings.is_empty(), "{s}: {:?}", l.warnings);
        assert_eq!(l.files, vec![spec_path(s)]);
    }
}

fn reload(text: &str, format: Format) -> SourceSpec {
    match load_str(text, "roundtrip", format) {
        Ok(l) => l.spec,
        Err(d) => panic!("{d}\n{text}"),
    }
}

#[test]
fn seed_specs_round_trip_through_the_model() {
    for s in SEEDS {
        let l = seed(s);
        let json = serde_json::to_string_pretty(&l.spec).unwrap();
        assert_eq!(reload(&json, Format::Json), l.spec, "{s} via JSON");
        let toml = toml::to_string(&l.spec).unwrap();
        assert_eq!(reload(&toml, Format::Toml), l.spec, "{s} via TOML");
    }
}

fn offset_100() -> ResolvedPaginator {
    ResolvedPaginator::Offset {
        limit: 100,
        offset: 0,
        offset_param: ResolvedParamPlace::Query("offset".into()),
        limit_param: ResolvedParamPlace::Query("limit".into()),
        total_path: Some(restsource_spec::jsonpath::parse("total").unwrap()),
        maximum_offset: None,
        stop_after_empty_page: true,
        has_more_path: None,
    }
}

#[test]
fn every_seed_has_query_key_or_oauth_retry_and_offset_paging() {
    for s in SEEDS {
        let r = seed(s).resolved;
        assert_eq!(r.base_url, "https://api.example.com", "{s}");
        for res in &r.resources {
            assert_eq!(
                res.def.endpoint.paginator,
                offset_100(),
                "{s} {}",
                res.def.name
            );
            assert_eq!(
                res.def
                    .endpoint
                    .data_selector
                    .as_ref()
                    .map(|p| p.text.as_str()),
                Some("data")
            );
            assert_eq!(res.def.primary_key, vec!["id".to_string()]);
            assert_eq!(res.def.retry.statuses, vec![429, 500, 502, 503, 504]);
            assert_eq!(
                (res.def.retry.max_retries, res.def.retry.backoff_factor),
                (3, 2.0)
            );
            assert_eq!(
                (
                    res.def.retry.max_delay_secs,
                    res.def.retry.respect_retry_after
                ),
                (300.0, true)
            );
        }
        let secrets: Vec<(String, String)> = r
            .secrets
            .iter()
            .map(|s| (s.name.clone(), s.env.clone()))
            .collect();
        if *s == "oauth_analytics.toml" {
            assert_eq!(
                secrets,
                vec![
                    ("client_id".into(), "CLIENT_ID".into()),
                    ("client_secret".into(), "CLIENT_SECRET".into())
                ]
            );
            let Some(ResolvedAuth::OAuth2 {
                token_url,
                default_expiration_secs,
                ..
            }) = &r.auth
            else {
                panic!("oauth2")
            };
            assert_eq!(
                (token_url.as_str(), *default_expiration_secs),
                ("https://api.example.com/oauth/token", 3600)
            );
        } else {
            assert_eq!(secrets, vec![("api_key".into(), "API_KEY".into())], "{s}");
            let Some(ResolvedAuth::ApiKey { name, location, .. }) = &r.auth else {
                panic!("api key")
            };
            assert_eq!(
                (name.as_str(), *location),
                ("api_key", ApiKeyLocation::Query)
            );
        }
    }
}

#[test]
fn seed_names_and_resources() {
    let names = |s: &str| {
        let r = seed(s).resolved;
        (
            r.name.clone(),
            r.resources
                .iter()
                .map(|x| x.def.name.clone())
                .collect::<Vec<_>>()
                .join(","),
        )
    };
    assert_eq!(
        names("analytics.json"),
        ("analytics".into(), "resource_name".into())
    );
    assert_eq!(
        names("analytics_typed.toml"),
        ("analytics_typed".into(), "resource_name".into())
    );
    assert_eq!(
        names("oauth_analytics.toml"),
        ("oauth_analytics".into(), "resource_name".into())
    );
    assert_eq!(
        names("social_media.json"),
        ("social_media".into(), "media,media_insights,stories,user_insights,story_insights,users,user_lifetime_insights".into())
    );
    assert_eq!(
        names("inventory.toml"),
        (
            "inventory".into(),
            "stock_summaries,customers,items,stock_details,inventory,orders".into()
        )
    );
}

fn columns(s: &str, resource: &str) -> Vec<String> {
    let r = seed(s).resolved;
    let res = r.resources.iter().find(|x| x.def.name == resource).unwrap();
    res.def
        .columns
        .iter()
        .map(|c| {
            format!(
                "{}:{:?}:{}{}",
                c.name(),
                c.def.data_type,
                c.def.nullable,
                if c.def.hard_delete {
                    ":hard_delete"
                } else {
                    ""
                }
            )
        })
        .collect()
}

#[test]
fn seed_columns_match_the_mock_data() {
    assert_eq!(
        columns("analytics.json", "resource_name"),
        [
            "id:Bigint:false",
            "customer_id:Text:true",
            "event_timestamp:Timestamp:true",
            "data:Json:true"
        ]
    );
    assert_eq!(
        columns("analytics_typed.toml", "resource_name"),
        ["id:Bigint:false", "name:Text:false", "value:Double:true"]
    );
    assert_eq!(
        columns("oauth_analytics.toml", "resource_name"),
        [
            "id:Bigint:false",
            "name:Text:true",
            "value:Double:true",
            "event_timestamp:Timestamp:true"
        ]
    );
    assert_eq!(
        columns("social_media.json", "user_lifetime_insights"),
        [
            "id:Bigint:false",
            "name:Text:true",
            "timestamp:Timestamp:true"
        ]
    );
    let base = [
        "id:Bigint:false",
        "name:Text:true",
        "quantity:Bigint:true",
        "updated_at:Timestamp:true",
        "deleted:Bool:true:hard_delete",
    ];
    assert_eq!(columns("inventory.toml", "orders"), base);
    let mut items: Vec<String> = base.iter().map(|s| s.to_string()).collect();
    for c in [
        "price:Decimal",
        "active:Bool",
        "ratio:Double",
        "created_on:Date",
        "restock_at:Time",
        "blob:Binary",
        "attributes:Json",
        "tags:Json",
    ] {
        items.push(format!("{c}:true"));
    }
    assert_eq!(columns("inventory.toml", "items"), items);
}

#[test]
fn inventory_dispositions_and_incremental() {
    const MERGE: Disposition = Disposition::Merge(MergeStrategy::DeleteInsert);
    let r = seed("inventory.toml").resolved;
    let d: Vec<(&str, Disposition, bool)> = r
        .resources
        .iter()
        .map(|x| {
            (
                x.def.name.as_str(),
                x.def.write.disposition,
                x.def.endpoint.incremental.is_some(),
            )
        })
        .collect();
    assert_eq!(
        d,
        vec![
            ("stock_summaries", Disposition::Replace, false),
            ("customers", MERGE, false),
            ("items", MERGE, false),
            ("stock_details", MERGE, false),
            ("inventory", MERGE, true),
            ("orders", MERGE, true),
        ]
    );
    let orders = &r.resources[5];
    let inc = orders.def.endpoint.incremental.as_ref().unwrap();
    assert_eq!(inc.cursor_path.text, "updated_at");
    assert_eq!(
        inc.initial_value,
        Some(serde_json::json!("2024-01-01T00:00:00Z"))
    );
    assert_eq!(
        (
            inc.start_param.as_deref(),
            inc.last_value_func,
            inc.range_start_closed,
            inc.range_end_closed
        ),
        (None, LastValueFunc::Max, true, false)
    );
    assert_eq!(orders.def.endpoint.params.len(), 1);
    assert_eq!(orders.def.endpoint.params[0].0, "updated_since");
    let TValue::Str(t) = &orders.def.endpoint.params[0].1 else {
        panic!("template")
    };
    assert_eq!(
        t.0,
        vec![TemplatePart::Incremental(IncrementalValue::StartValue)]
    );
    assert_eq!(
        orders.def.endpoint.path.0,
        vec![TemplatePart::Lit("/v1/orders".into())]
    );
}
