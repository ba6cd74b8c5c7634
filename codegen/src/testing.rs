//! Fixtures for tests and benchmarks: resolved specs built by hand, and a synthetic spec of any
//! size (the compile-time benchmark uses 50 resources). Not a stable API.

use restsource_spec::resolved::{
    template, DataType, Disposition, EndpointDef, JsonPath, MergeStrategy, Method, PathStep,
    ResolvedAuth, ResolvedAuthChoice, ResolvedColumn, ResolvedPaginator, ResolvedParamPlace,
    ResolvedResource, ResolvedRetry, ResolvedSource, ResourceDef, SecretInfo, Template,
    TemplatePart, WriteDef,
};

/// A JSONPath of plain keys (`data.items`).
pub fn path(text: &str) -> JsonPath {
    JsonPath {
        text: text.to_string(),
        steps: text
            .split('.')
            .filter(|s| !s.is_empty())
            .map(|s| PathStep::Key(s.to_string().into()))
            .collect(),
    }
}

/// A template without placeholders.
pub fn literal(text: &str) -> Template {
    template(vec![TemplatePart::Lit(text.to_string())])
}

/// A column with dlt's defaults (nullable, no hints).
pub fn column(name: &str, data_type: DataType) -> ResolvedColumn {
    ResolvedColumn::plain(name, data_type, true)
}

/// dlt's retry defaults.
pub fn default_retry() -> ResolvedRetry {
    ResolvedRetry {
        statuses: vec![429, 500, 502, 503, 504],
        max_retries: 4,
        backoff_factor: 1.0,
        max_delay_secs: 300.0,
        respect_retry_after: true,
    }
}

/// A resource with every setting at its default: GET `<name>`, single page, append.
pub fn resource(name: &str) -> ResolvedResource {
    ResolvedResource {
        def: ResourceDef {
            name: name.to_string(),
            table_name: name.to_string(),
            endpoint: EndpointDef {
                path: literal(name),
                method: Method::Get,
                params: Vec::new(),
                json: None,
                data: None,
                headers: Vec::new(),
                data_selector: None,
                data_selector_missing: Default::default(),
                response_format: Default::default(),
                paginator: ResolvedPaginator::SinglePage,
                response_actions: Vec::new(),
                incremental: None,
                auth: ResolvedAuthChoice::Inherit,
            },
            primary_key: Vec::new(),
            merge_key: Vec::new(),
            write: WriteDef {
                disposition: Disposition::Append,
                deduplicated: false,
            },
            columns: Vec::new(),
            parent: None,
            selected: true,
            parallelized: false,
            retry: default_retry(),
            sql: (),
            checkpoint: None,
            relational: restsource_core::RelationalDef::DEFAULT,
            processing_steps: Vec::new(),
        },
        struct_name: None,
        row_order: None,
        inferred: None,
    }
}

/// A source with no auth and the given resources.
pub fn source(name: &str, resources: Vec<ResolvedResource>) -> ResolvedSource {
    ResolvedSource {
        name: name.to_string(),
        base_url: "https://api.example.com/v1/".to_string(),
        headers: Vec::new(),
        auth: None,
        timeout_secs: 60.0,
        rate_limit: None,
        rate_limit_headers: None,
        secrets: Vec::new(),
        resources,
        tables: restsource_core::TablesMode::Json,
    }
}

/// `n` merged resources behind bearer auth, each with an offset paginator, a `data` selector
/// and four typed columns: the resolved form of [`synthetic_spec_json`].
pub fn synthetic_source(n: usize) -> ResolvedSource {
    let resources = (0..n)
        .map(|i| {
            let mut r = resource(&format!("resource_{i:03}"));
            let d = &mut r.def;
            d.endpoint.data_selector = Some(path("data"));
            d.endpoint.paginator = ResolvedPaginator::Offset {
                limit: 100,
                offset: 0,
                offset_param: ResolvedParamPlace::Query("offset".into()),
                limit_param: ResolvedParamPlace::Query("limit".into()),
                total_path: Some(path("total")),
                maximum_offset: None,
                stop_after_empty_page: true,
                has_more_path: None,
            };
            d.primary_key = vec!["id".into()];
            d.write.disposition = Disposition::Merge(MergeStrategy::DeleteInsert);
            d.columns = vec![
                ResolvedColumn::plain("id", DataType::Bigint, false),
                column("name", DataType::Text),
                column("value", DataType::Double),
                column("updated_at", DataType::Timestamp),
            ];
            r
        })
        .collect();
    let token = SecretInfo {
        name: "token".into(),
        env: "TOKEN".into(),
    };
    ResolvedSource {
        auth: Some(ResolvedAuth::Bearer {
            token: token.clone(),
        }),
        secrets: vec![token],
        ..source(&format!("synthetic_{n}"), resources)
    }
}

/// The JSON spec text of `n` resources shaped like [`synthetic_source`], for benchmarks that
/// go through `include_source!` or `restsource generate`.
pub fn synthetic_spec_json(n: usize) -> String {
    let resources: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "name": format!("resource_{i:03}"),
                "endpoint": {
                    "path": format!("resource_{i:03}"),
                    "data_selector": "data",
                    "paginator": {"type": "offset", "limit": 100}
                },
                "primary_key": "id",
                "write_disposition": "merge",
                "columns": {
                    "id": {"data_type": "bigint", "nullable": false},
                    "name": {"data_type": "text"},
                    "value": {"data_type": "double"},
                    "updated_at": {"data_type": "timestamp"}
                }
            })
        })
        .collect();
    let spec = serde_json::json!({
        "name": format!("synthetic_{n}"),
        "client": {
            "base_url": "https://api.example.com/v1/",
            "auth": {"type": "bearer", "token": {"secret": "token"}}
        },
        "resources": resources
    });
    serde_json::to_string_pretty(&spec).unwrap_or_default()
}

/// The spec behind `generated/showcase.rs`, which exercises every generator feature: keyword
/// and colliding names, every column type, compound and undeclared keys, nested selectors, a
/// child resource, incremental loading, OAuth2 and API-key auth, a deselected resource.
pub const SHOWCASE_SPEC: &str = include_str!("../../generated/showcase.json");

/// [`SHOWCASE_SPEC`] resolved. Its output is committed as `generated/showcase.rs` and compiled
/// with warnings denied.
pub fn showcase_source() -> ResolvedSource {
    match restsource_spec::load_str(
        SHOWCASE_SPEC,
        "showcase.json",
        restsource_spec::Format::Json,
    ) {
        Ok(loaded) => loaded.resolved,
        // A fixture of this repository: an invalid one is a bug to show in full.
        Err(d) => panic!("generated/showcase.json is invalid:\n{d}"),
    }
}
