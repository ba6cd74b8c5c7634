//! Resources, `resource_defaults` and endpoints.

use super::{auth, child, contract, credential, list, paginator, source, table, Cx, Obj};
use crate::model::{
    Endpoint, EndpointConfig, IncrementalConfig, IncrementalParam, IncrementalTag, LastValueFunc,
    Method, Nullable, OnCursorValueMissing, ParamValue, RangeBound, ResolveParam, ResolveTag,
    Resource, ResourceBase, ResourceEntry, ResponseAction, ResponseActionKind, RowOrder,
};
use crate::parse::{Kind, Node};

pub(super) const BASE_KEYS: &[&str] = &[
    "endpoint",
    "table_name",
    "struct_name",
    "primary_key",
    "merge_key",
    "write_disposition",
    "columns",
    "selected",
    "include_from_parent",
    "max_table_nesting",
    "parallelized",
    "retry",
    "schema_contract",
    "table_format",
    "file_format",
    "checkpoint",
    "processing_steps",
];
pub(super) const ENDPOINT_KEYS: &[&str] = &[
    "path",
    "method",
    "params",
    "json",
    "data",
    "headers",
    "paginator",
    "data_selector",
    "data_selector_missing",
    "response_format",
    "response_actions",
    "incremental",
    "auth",
];
pub(super) const RESOLVE_PARAM_KEYS: &[&str] = &["type", "resource", "field"];
pub(super) const RESPONSE_ACTION_KEYS: &[&str] = &["status_code", "content", "action"];
/// The keys of dlt's deprecated incremental param: the others of [`INCREMENTAL_KEYS`] are
/// accepted by the reader only to be refused with a pointer to `endpoint.incremental`.
pub(super) const INCREMENTAL_PARAM_KEYS: &[&str] =
    &["type", "cursor_path", "initial_value", "last_value_func"];
pub(super) const INCREMENTAL_KEYS: &[&str] = &[
    "cursor_path",
    "initial_value",
    "end_value",
    "start_param",
    "end_param",
    "last_value_func",
    "lag",
    "on_cursor_value_missing",
    "range_start",
    "range_end",
    "row_order",
    "primary_key",
    "allow_external_schedulers",
    "step",
    "lookback",
];

/// One read `resources` item: the entry when it read cleanly, and its name when one was
/// written (so that parent references to a broken resource are not reported twice).
pub(crate) type ReadEntry = (Option<ResourceEntry>, Option<String>);

/// `resources`, each item read on its own so that one bad resource does not hide the
/// problems of the others.
pub(crate) fn resources(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<Vec<ReadEntry>> {
    let Kind::Array(items) = &node.kind else {
        let msg = format!(
            "expected `resources` as an array, found {}",
            node.kind.describe()
        );
        cx.error(node.span, path, msg, None);
        return None;
    };
    let out = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let name = match &item.kind {
                Kind::Str(s) => Some(s.clone()),
                Kind::Object(entries) => {
                    entries
                        .iter()
                        .find(|e| e.key == "name")
                        .and_then(|e| match &e.value.kind {
                            Kind::Str(s) => Some(s.clone()),
                            _ => None,
                        })
                }
                _ => None,
            };
            (entry(cx, item, &format!("{path}[{i}]")), name)
        })
        .collect();
    Some(out)
}

fn entry(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<ResourceEntry> {
    match &node.kind {
        Kind::Str(name) => {
            if name.is_empty() {
                cx.error(node.span, path, "resource name is empty", None);
                return None;
            }
            Some(ResourceEntry::Name(name.clone()))
        }
        Kind::Object(_) => {
            let mut allowed = vec!["name"];
            allowed.extend_from_slice(BASE_KEYS);
            let o = cx.object(node, path, "a resource", &allowed)?;
            let name = cx.req(&o, "name", "a resource", Cx::string);
            if let (Some(n), Some(nn)) = (&name, o.get("name")) {
                if n.is_empty() {
                    cx.error(nn.span, &o.at("name"), "resource name is empty", None);
                }
            }
            let base = base(cx, &o);
            Some(ResourceEntry::Resource(Box::new(Resource {
                name: name?,
                base: base?,
            })))
        }
        other => {
            let msg = format!(
                "expected a resource name or a resource object, found {}",
                other.describe()
            );
            cx.error(node.span, path, msg, None);
            None
        }
    }
}

/// `resource_defaults`.
pub(crate) fn defaults(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<ResourceBase> {
    if let Kind::Object(entries) = &node.kind {
        if let Some(e) = entries.iter().find(|e| e.key == "name") {
            cx.error(
                e.key_span,
                &child(path, "name"),
                "`resource_defaults` may not contain `name`",
                None,
            );
        }
    }
    let mut allowed = vec!["name"];
    allowed.extend_from_slice(BASE_KEYS);
    let o = cx.object(node, path, "`resource_defaults`", &allowed)?;
    base(cx, &o)
}

fn base(cx: &mut Cx<'_>, o: &Obj<'_>) -> Option<ResourceBase> {
    let before = cx.diags.len();
    let b = ResourceBase {
        endpoint: cx.opt(o, "endpoint", endpoint),
        table_name: cx.opt(o, "table_name", Cx::string),
        struct_name: cx.opt(o, "struct_name", Cx::string),
        primary_key: cx.opt(o, "primary_key", table::key),
        merge_key: cx.opt(o, "merge_key", table::key),
        write_disposition: cx.opt(o, "write_disposition", table::write_disposition),
        columns: cx.opt(o, "columns", table::columns),
        selected: cx.opt(o, "selected", Cx::boolean),
        include_from_parent: cx.opt(o, "include_from_parent", Cx::strings),
        max_table_nesting: cx.opt(o, "max_table_nesting", Cx::u32),
        parallelized: cx.opt(o, "parallelized", Cx::boolean),
        retry: cx.opt(o, "retry", source::retry),
        schema_contract: cx.opt(o, "schema_contract", contract::schema_contract),
        table_format: cx.opt(o, "table_format", Cx::string),
        file_format: cx.opt(o, "file_format", Cx::string),
        checkpoint: cx.opt(o, "checkpoint", Cx::positive_u32),
        processing_steps: cx.opt(o, "processing_steps", super::steps::processing_steps),
    };
    let failed = cx.diags[before..]
        .iter()
        .any(|d| d.severity == crate::Severity::Error);
    (!failed).then_some(b)
}

fn endpoint(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<EndpointConfig> {
    if let Kind::Str(p) = &node.kind {
        return Some(EndpointConfig::Path(p.clone()));
    }
    let o = cx.object(node, path, "an endpoint", ENDPOINT_KEYS)?;
    let before = cx.diags.len();
    if let Some(n) = o.get("path") {
        credential::check_url(cx, n, &o.at("path"));
    }
    let e = Endpoint {
        path: cx.opt(&o, "path", Cx::string),
        method: cx.opt(&o, "method", method),
        params: cx.opt(&o, "params", params).unwrap_or_default(),
        json: cx.opt(&o, "json", Cx::json_map),
        data: cx.opt(&o, "data", Cx::json),
        headers: cx
            .opt(&o, "headers", credential::headers)
            .unwrap_or_default(),
        paginator: cx.opt(&o, "paginator", paginator::paginator),
        data_selector: cx.opt(&o, "data_selector", Cx::string),
        data_selector_missing: cx.opt(&o, "data_selector_missing", |cx, n, p| {
            let s = cx.one_of(n, p, "data_selector_missing", &["error", "empty"])?;
            Some(match s.as_str() {
                "empty" => crate::model::DataSelectorMissing::Empty,
                _ => crate::model::DataSelectorMissing::Error,
            })
        }),
        response_format: cx.opt(&o, "response_format", |cx, n, p| {
            let s = cx.one_of(n, p, "response_format", &["json", "jsonl", "csv"])?;
            Some(match s.as_str() {
                "jsonl" => crate::model::ResponseFormat::Jsonl,
                "csv" => crate::model::ResponseFormat::Csv,
                _ => crate::model::ResponseFormat::Json,
            })
        }),
        response_actions: cx.opt(&o, "response_actions", response_actions),
        incremental: cx.opt(&o, "incremental", incremental),
        auth: match o.get("auth") {
            None => Nullable::Default,
            // TOML has no null: `false` says "no auth" there.
            Some(Node {
                kind: Kind::Null | Kind::Bool(false),
                ..
            }) => Nullable::Null(()),
            Some(n) => auth::auth(cx, n, &o.at("auth"))
                .map(Nullable::Value)
                .unwrap_or_default(),
        },
    };
    let failed = cx.diags[before..]
        .iter()
        .any(|d| d.severity == crate::Severity::Error);
    (!failed).then(|| EndpointConfig::Object(Box::new(e)))
}

fn method(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<Method> {
    let s = cx.string(node, path)?;
    match s.as_str() {
        "GET" => Some(Method::Get),
        "POST" => Some(Method::Post),
        _ => {
            let help = match s.to_ascii_uppercase().as_str() {
                u @ ("GET" | "POST") => {
                    format!("write `{u}` (methods are case-sensitive, as in dlt)")
                }
                _ => "dlt's REST API source sends only GET and POST requests".to_string(),
            };
            cx.error(
                node.span,
                path,
                format!("method must be exactly `GET` or `POST`, found `{s}`"),
                Some(help),
            );
            None
        }
    }
}

fn params(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
) -> Option<indexmap::IndexMap<String, ParamValue>> {
    let o = cx.map(node, path, "query parameters")?;
    let Kind::Object(entries) = &node.kind else {
        return None;
    };
    let mut out = indexmap::IndexMap::new();
    let mut ok = true;
    for e in entries {
        let p = o.at(&e.key);
        let v = match &e.value.kind {
            Kind::Object(fields) => match fields
                .iter()
                .find(|f| f.key == "type")
                .map(|f| &f.value.kind)
            {
                Some(Kind::Str(t)) if t == "resolve" => {
                    resolve_param(cx, &e.value, &p).map(ParamValue::Resolve)
                }
                Some(Kind::Str(t)) if t == "incremental" => {
                    incremental_param(cx, &e.value, &p).map(ParamValue::Incremental)
                }
                None if fields.iter().any(|f| f.key == "secret") => {
                    credential::secret_ref(cx, &e.value, &p).map(ParamValue::Secret)
                }
                _ => {
                    cx.error(
                        e.value.span,
                        &p,
                        format!("query parameter `{}` is an object, but only `resolve`, `incremental` and secret reference objects are allowed", e.key),
                        Some("encode nested values as a string (dlt#2918), add `\"type\": \"resolve\"` / `\"type\": \"incremental\"`, or write a secret reference `{\"secret\": \"name\"}`".into()),
                    );
                    None
                }
            },
            _ => {
                credential::check_param(cx, &e.key, &e.value, &p);
                Some(ParamValue::Value(e.value.to_json()))
            }
        };
        match v {
            Some(v) => {
                out.insert(e.key.clone(), v);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn resolve_param(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<ResolveParam> {
    let o = cx.object(node, path, "a resolve param", RESOLVE_PARAM_KEYS)?;
    let resource = cx.req(&o, "resource", "a resolve param", Cx::string);
    let field = cx.req(&o, "field", "a resolve param", Cx::string);
    Some(ResolveParam {
        kind: ResolveTag::Resolve,
        resource: resource?,
        field: field?,
    })
}

fn incremental_param(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<IncrementalParam> {
    let mut allowed = vec!["type"];
    allowed.extend_from_slice(INCREMENTAL_KEYS);
    let o = cx.object(node, path, "an incremental param", &allowed)?;
    let mut ok = true;
    for key in INCREMENTAL_KEYS
        .iter()
        .filter(|k| !INCREMENTAL_PARAM_KEYS.contains(k))
    {
        if let Some(span) = o.key_span(key) {
            let help = "use `endpoint.incremental` with `{incremental.start_value}` / `{incremental.end_value}` placeholders";
            cx.error(
                span,
                &o.at(key),
                format!("`{key}` is not allowed in the deprecated incremental param form"),
                Some(help.into()),
            );
            ok = false;
        }
    }
    let cursor_path = cx.req(&o, "cursor_path", "an incremental param", Cx::string);
    let initial_value = cx.opt(&o, "initial_value", Cx::json);
    let last_value_func = cx.opt(&o, "last_value_func", last_value_func);
    if !ok {
        return None;
    }
    Some(IncrementalParam {
        kind: IncrementalTag::Incremental,
        cursor_path: cursor_path?,
        initial_value,
        last_value_func,
    })
}

fn last_value_func(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<LastValueFunc> {
    Some(
        match cx
            .one_of(node, path, "last_value_func", &["max", "min"])?
            .as_str()
        {
            "max" => LastValueFunc::Max,
            _ => LastValueFunc::Min,
        },
    )
}

fn bound(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<RangeBound> {
    Some(
        match cx
            .one_of(node, path, "range bound", &["closed", "open"])?
            .as_str()
        {
            "closed" => RangeBound::Closed,
            _ => RangeBound::Open,
        },
    )
}

fn incremental(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<IncrementalConfig> {
    let o = cx.object(node, path, "`incremental`", INCREMENTAL_KEYS)?;
    let cursor_path = cx.req(&o, "cursor_path", "`incremental`", Cx::string);
    Some(IncrementalConfig {
        cursor_path: cursor_path?,
        initial_value: cx.opt(&o, "initial_value", Cx::json),
        end_value: cx.opt(&o, "end_value", Cx::json),
        start_param: cx.opt(&o, "start_param", Cx::string),
        end_param: cx.opt(&o, "end_param", Cx::string),
        last_value_func: cx.opt(&o, "last_value_func", last_value_func),
        lag: cx.opt(&o, "lag", Cx::number),
        on_cursor_value_missing: cx.opt(&o, "on_cursor_value_missing", |cx, n, p| {
            Some(
                match cx
                    .one_of(
                        n,
                        p,
                        "on_cursor_value_missing",
                        &["raise", "include", "exclude"],
                    )?
                    .as_str()
                {
                    "raise" => OnCursorValueMissing::Raise,
                    "include" => OnCursorValueMissing::Include,
                    _ => OnCursorValueMissing::Exclude,
                },
            )
        }),
        range_start: cx.opt(&o, "range_start", bound),
        range_end: cx.opt(&o, "range_end", bound),
        row_order: cx.opt(&o, "row_order", |cx, n, p| {
            Some(
                match cx.one_of(n, p, "row order", &["asc", "desc"])?.as_str() {
                    "asc" => RowOrder::Asc,
                    _ => RowOrder::Desc,
                },
            )
        }),
        primary_key: cx.opt(&o, "primary_key", table::key),
        allow_external_schedulers: cx.opt(&o, "allow_external_schedulers", Cx::boolean),
        step: cx.opt(&o, "step", Cx::duration),
        lookback: cx.opt(&o, "lookback", Cx::duration),
    })
}

fn response_actions(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<Vec<ResponseAction>> {
    let Kind::Array(items) = &node.kind else {
        let msg = format!(
            "expected `response_actions` as an array, found {}",
            node.kind.describe()
        );
        cx.error(node.span, path, msg, None);
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(o) = cx.object(item, &p, "a response action", RESPONSE_ACTION_KEYS) else {
            ok = false;
            continue;
        };
        let status_code = cx.opt(&o, "status_code", Cx::status);
        let content = cx.opt(&o, "content", Cx::string);
        let action = cx.req(&o, "action", "a response action", |cx, n, p| {
            match &n.kind {
                Kind::Str(s) if action_kind(s).is_some() => action_kind(s),
                _ => {
                    let msg = format!(
                        "unsupported response action {}: expected one of {}",
                        n.to_json(),
                        list(ACTIONS)
                    );
                    let help = match &n.kind {
                        Kind::Str(s) => super::suggest(s, ACTIONS)
                            .map(|a| format!("did you mean `{a}`?"))
                            .unwrap_or_else(|| "callables are Python-only".to_string()),
                        _ => "callables are Python-only".to_string(),
                    };
                    cx.error(n.span, p, msg, Some(help));
                    None
                }
            }
        });
        if o.get("status_code").is_none() && o.get("content").is_none() {
            cx.error(
                super::opening(item.span),
                &p,
                "a response action needs `status_code` or `content`",
                None,
            );
            ok = false;
        }
        match action {
            Some(action) => out.push(ResponseAction {
                status_code,
                content,
                action,
            }),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// The response actions a spec can name.
const ACTIONS: &[&str] = &["ignore", "retry", "fail", "refresh_token", "rate_limited"];

/// The action a name spells (Airbyte's `REFRESH_TOKEN_THEN_RETRY` as `refresh_token`).
fn action_kind(name: &str) -> Option<ResponseActionKind> {
    Some(match name {
        "ignore" => ResponseActionKind::Ignore,
        "retry" => ResponseActionKind::Retry,
        "fail" => ResponseActionKind::Fail,
        "refresh_token" => ResponseActionKind::RefreshToken,
        "rate_limited" => ResponseActionKind::RateLimited,
        _ => return None,
    })
}
