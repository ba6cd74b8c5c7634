//! Fixtures for tests and benchmarks: resolved specs built by hand, and a synthetic spec of any
//! size (the compile-time benchmark uses 50 resources). Not a stable API.

use restsource_spec::resolved::{
    DataType, Disposition, JsonPath, MergeStrategy, Method, PathStep, ResolvedAuth,
    ResolvedAuthChoice, ResolvedColumn, ResolvedPaginator, ResolvedParamPlace, ResolvedResource,
    ResolvedRetry, ResolvedSource, SecretInfo, Template, TemplatePart,
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
    Template {
        parts: vec![TemplatePart::Lit(text.to_string())],
    }
}

/// A column with dlt's defaults (nullable, no hints).
pub fn column(name: &str, data_type: DataType) -> ResolvedColumn {
    ResolvedColumn {
        name: name.to_string(),
        data_type,
        nullable: true,
        precision: None,
        scale: None,
        hard_delete: false,
        dedup_sort: None,
        rust_name: None,
        description: None,
    }
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
        name: name.to_string(),
        table_name: name.to_string(),
        struct_name: None,
        method: Method::Get,
        path: literal(name),
        params: Vec::new(),
        json: None,
        data: None,
        headers: Vec::new(),
        data_selector: None,
        data_selector_missing: Default::default(),
        paginator: ResolvedPaginator::SinglePage,
        response_actions: Vec::new(),
        incremental: None,
        auth: ResolvedAuthChoice::Inherit,
        primary_key: Vec::new(),
        merge_key: Vec::new(),
        disposition: Disposition::Append,
        merge_strategy: MergeStrategy::DeleteInsert,
        deduplicated: false,
        columns: Vec::new(),
        parent: None,
        selected: true,
        parallelized: false,
        max_table_nesting: None,
        retry: default_retry(),
        checkpoint: None,
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
        secrets: Vec::new(),
        resources,
    }
}

/// `n` merged resources behind bearer auth, each with an offset paginator, a `data` selector
/// and four typed columns: the resolved form of [`synthetic_spec_json`].
pub fn synthetic_source(n: usize) -> ResolvedSource {
    let resources = (0..n)
        .map(|i| {
            let mut r = resource(&format!("resource_{i:03}"));
            r.data_selector = Some(path("data"));
            r.paginator = ResolvedPaginator::Offset {
                limit: 100,
                offset: 0,
                offset_param: ResolvedParamPlace::Query("offset".into()),
                limit_param: ResolvedParamPlace::Query("limit".into()),
                total_path: Some(path("total")),
                maximum_offset: None,
                stop_after_empty_page: true,
                has_more_path: None,
            };
            r.primary_key = vec!["id".into()];
            r.disposition = Disposition::Merge;
            r.columns = vec![
                ResolvedColumn {
                    nullable: false,
                    ..column("id", DataType::Bigint)
                },
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

/// A source exercising every generator feature: keyword and colliding names, every column
/// type, compound and undeclared keys, nested selectors, a child resource, incremental
/// loading, OAuth2 and API-key auth, a deselected resource. Its output is committed as
/// `generated/showcase.rs` and compiled with warnings denied.
pub fn showcase_source() -> ResolvedSource {
    use restsource_spec::model::OnCursorValueMissing;
    use restsource_spec::resolved::{
        ApiKeyLocation, ClientAuth, IncrementalValue, ParentBinding, ResolvedData,
        ResolvedIncremental, ResolvedRateLimit, SortOrder, TValue,
    };

    let secret = |name: &str, env: &str| SecretInfo {
        name: name.into(),
        env: env.into(),
    };

    let mut items = resource("items");
    items.data_selector = Some(path("data.items"));
    items.paginator = ResolvedPaginator::Cursor {
        cursor_path: path("cursors.next"),
        cursor_param: ResolvedParamPlace::Body(vec!["page".into(), "cursor".into()]),
        stop_after_empty_page: false,
        has_more_path: Some(path("has_more")),
        initial_cursor: Some("*".into()),
    };
    items.method = Method::Post;
    items.json = Some(TValue::Map(vec![
        ("limit".into(), TValue::Int(50)),
        ("ratio".into(), TValue::Float(0.5)),
        (
            "tags".into(),
            TValue::List(vec![TValue::Str(literal("a")), TValue::Null]),
        ),
        ("on".into(), TValue::Bool(true)),
    ]));
    items.primary_key = vec!["id".into(), "type".into()];
    items.disposition = Disposition::Merge;
    items.merge_strategy = MergeStrategy::Upsert;
    items.columns = vec![
        ResolvedColumn {
            nullable: false,
            description: Some("Item id.".into()),
            ..column("id", DataType::Bigint)
        },
        ResolvedColumn {
            nullable: false,
            ..column("type", DataType::Text)
        },
        column("self", DataType::Bool),
        column("userId", DataType::Double),
        column("user_id", DataType::Double),
        column("1st", DataType::Date),
        column("größe", DataType::Time),
        ResolvedColumn {
            precision: Some(38),
            scale: Some(9),
            ..column("price", DataType::Decimal)
        },
        column("balance", DataType::Decimal),
        column("payload", DataType::Json),
        column("blob", DataType::Binary),
        ResolvedColumn {
            dedup_sort: Some(SortOrder::Desc),
            ..column("updated_at", DataType::Timestamp)
        },
        ResolvedColumn {
            hard_delete: true,
            rust_name: Some("is_deleted".into()),
            ..column("deleted", DataType::Bool)
        },
        column("extra", DataType::Text),
    ];
    items.incremental = Some(ResolvedIncremental {
        cursor_path: path("updated_at"),
        initial_value: Some(serde_json::json!("2024-01-01T00:00:00Z")),
        end_value: None,
        start_param: Some("since".into()),
        end_param: None,
        last_value_max: true,
        lag: Some(3600.0),
        on_cursor_value_missing: OnCursorValueMissing::Include,
        range_start_closed: true,
        range_end_closed: false,
        row_order: None,
    });
    items.params = vec![
        ("sort".into(), TValue::Str(literal("updated_at"))),
        (
            "since".into(),
            TValue::Str(Template {
                parts: vec![TemplatePart::Incremental(IncrementalValue::StartValue)],
            }),
        ),
    ];

    let mut details = resource("item_details");
    details.path = Template {
        parts: vec![
            TemplatePart::Lit("items/".into()),
            TemplatePart::Parent {
                resource: "items".into(),
                path: path("id"),
            },
            TemplatePart::Lit("/details".into()),
        ],
    };
    details.parent = Some(ParentBinding {
        resource: "items".into(),
        include_from_parent: vec!["id".into()],
    });
    details.parallelized = true;
    details.primary_key = vec!["detail_id".into()];
    details.merge_key = vec!["item".into()];
    details.disposition = Disposition::Merge;
    details.paginator = ResolvedPaginator::PageNumber {
        base_page: 1,
        page: 1,
        page_param: ResolvedParamPlace::Query("page".into()),
        total_path: None,
        maximum_page: Some(20),
        stop_after_empty_page: true,
        has_more_path: None,
    };
    details.response_actions = vec![(Some(404), None), (None, Some("not found".into()))];
    details.auth = ResolvedAuthChoice::Own(ResolvedAuth::ApiKey {
        name: "X-Api-Key".into(),
        key: secret("details_key", "DETAILS_KEY"),
        location: ApiKeyLocation::Header,
    });
    details.headers = vec![("Accept".into(), literal("application/json"))];
    details.method = Method::Post;
    details.data = Some(ResolvedData::Form(vec![
        (
            "item".into(),
            TValue::Str(Template {
                parts: vec![TemplatePart::Parent {
                    resource: "items".into(),
                    path: path("id"),
                }],
            }),
        ),
        (
            "fields".into(),
            TValue::List(vec![TValue::Str(literal("a")), TValue::Str(literal("b"))]),
        ),
    ]));

    let mut types = resource("type");
    types.struct_name = Some("Items".into());
    types.selected = false;
    types.disposition = Disposition::Replace;
    types.paginator = ResolvedPaginator::JsonLink {
        next_url_path: JsonPath {
            text: "links[0].next".into(),
            steps: vec![
                PathStep::Key("links".into()),
                PathStep::Index(0),
                PathStep::Key("next".into()),
            ],
        },
    };
    types.data_selector = Some(JsonPath {
        text: "results[*]".into(),
        steps: vec![PathStep::Key("results".into()), PathStep::Wildcard],
    });
    types.retry = ResolvedRetry {
        statuses: vec![429],
        max_retries: 3,
        backoff_factor: 2.0,
        max_delay_secs: 60.0,
        respect_retry_after: false,
    };

    let mut source_res = resource("source");
    source_res.paginator = ResolvedPaginator::HeaderLink {
        links_next_key: "next".into(),
    };
    source_res.disposition = Disposition::Skip;

    let mut new = resource("new");
    new.paginator = ResolvedPaginator::HeaderCursor {
        cursor_key: "X-Next".into(),
        cursor_param: "cursor".into(),
    };
    new.data_selector = Some(path("data"));
    new.primary_key = vec!["score".into()];
    new.columns = vec![column("score", DataType::Double)];

    let mut offset = resource("offsets");
    offset.paginator = ResolvedPaginator::Offset {
        limit: 100,
        offset: 0,
        offset_param: ResolvedParamPlace::Query("offset".into()),
        limit_param: ResolvedParamPlace::Query("limit".into()),
        total_path: Some(path("total")),
        maximum_offset: Some(1000),
        stop_after_empty_page: true,
        has_more_path: None,
    };

    let client_id = secret("client_id", "CLIENT_ID");
    let client_secret = secret("client_secret", "CLIENT_SECRET");
    let mut extra = indexmap::IndexMap::new();
    extra.insert("audience".into(), serde_json::json!("api"));
    ResolvedSource {
        name: "showcase".into(),
        base_url: "https://api.example.com/v2/".into(),
        headers: vec![("User-Agent".into(), "restsource".into())],
        auth: Some(ResolvedAuth::OAuth2 {
            token_url: "https://auth.example.com/token".into(),
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            extra,
            default_expiration_secs: 3600,
            client_auth: ClientAuth::Basic,
            scopes: vec!["read".into()],
        }),
        timeout_secs: 30.0,
        rate_limit: Some(ResolvedRateLimit {
            requests_per_second: 5.0,
            burst: 2,
        }),
        secrets: vec![
            client_id,
            client_secret,
            secret("details_key", "DETAILS_KEY"),
        ],
        resources: vec![items, details, types, source_res, new, offset],
    }
}
