//! Endpoint resolution: path, params and body placeholders, parent references, single-entity
//! detection, paginator and incremental defaults.

use super::{credential, loc, merge::Merged, R};
use crate::jsonpath;
use crate::model::{HeaderValue, Nullable, ParamValue, SourceSpec};
use crate::model::{LastValueFunc, OnCursorValueMissing, RangeBound, ResponseFormat};
use crate::resolved::{
    IncrementalValue, JsonPath, ParentField, ResolvedAuthChoice, ResolvedData, ResolvedEndpoint,
    ResolvedIncremental, ResolvedPaginator, ResponseActionDef, TValue, Template, TemplatePart,
};
use crate::site::{Site, Step};
use crate::template::{split, Piece};

/// The endpoint half of a resolved resource, with what the resource-wide checks need.
pub(crate) struct EndpointHalf {
    pub endpoint: ResolvedEndpoint,
    pub row_order: Option<crate::model::RowOrder>,
    /// Parent references: name and where it was written.
    pub parents: Vec<(String, Site)>,
}

struct Ctx<'c> {
    /// `incremental.lag`, substituted at resolve time (it is a constant of the spec).
    lag: Option<f64>,
    /// `path`, `params`, `json`, `headers`.
    section: &'static str,
    at: Site,
    has_incremental: bool,
    parents: &'c mut Vec<(String, Site)>,
    ok: &'c mut bool,
}

pub(super) fn json_path(r: &mut R<'_>, text: &str, at: &Site, what: &str) -> Option<JsonPath> {
    match jsonpath::parse(text) {
        Ok(p) => Some(p),
        Err(e) => {
            r.error(
                at,
                format!("invalid JSONPath `{text}` in {what}: {e}"),
                Some("e.g. `data.items`, `$.results[*]`, `['@odata.nextLink']`".into()),
            );
            None
        }
    }
}

/// Classifies a `{...}` placeholder outside the path's own params.
fn placeholder(r: &mut R<'_>, expr: &str, cx: &mut Ctx<'_>) -> Option<TemplatePart> {
    if let Some(rest) = expr.strip_prefix("resources.") {
        let Some((parent, field)) = rest
            .split_once('.')
            .filter(|(p, f)| !p.is_empty() && !f.is_empty())
        else {
            r.error(
                &cx.at,
                format!(
                    "placeholder `{{{expr}}}` in `{}` needs a parent and a field",
                    cx.section
                ),
                Some("write `{resources.<parent>.<field>}`".into()),
            );
            *cx.ok = false;
            return None;
        };
        let path = json_path(r, field, &cx.at, "a placeholder");
        let Some(path) = path else {
            *cx.ok = false;
            return None;
        };
        cx.parents.push((parent.to_string(), cx.at.clone()));
        return Some(TemplatePart::Parent(ParentField {
            resource: parent.to_string(),
            path,
        }));
    }
    if let Some(rest) = expr.strip_prefix("incremental.") {
        let v = match rest {
            "start_value" => IncrementalValue::StartValue,
            "initial_value" => IncrementalValue::InitialValue,
            "last_value" => IncrementalValue::LastValue,
            "end_value" => IncrementalValue::EndValue,
            "lag" if cx.has_incremental => {
                let Some(lag) = cx.lag else {
                    r.error(
                        &cx.at,
                        format!(
                            "placeholder `{{{expr}}}` in `{}` needs `incremental.lag`",
                            cx.section
                        ),
                        None,
                    );
                    *cx.ok = false;
                    return None;
                };
                // Python's str() of the configured number: integers without a fraction.
                let text = if lag.fract() == 0.0 && lag.abs() < 1e15 {
                    format!("{}", lag as i64)
                } else {
                    lag.to_string()
                };
                return Some(TemplatePart::Lit(text));
            }
            _ => {
                r.error(
                    &cx.at,
                    format!("unknown incremental value `{{{expr}}}` in `{}`", cx.section),
                    Some(
                        "use `start_value`, `initial_value`, `last_value`, `end_value` or `lag`"
                            .into(),
                    ),
                );
                *cx.ok = false;
                return None;
            }
        };
        if !cx.has_incremental {
            r.error(
                &cx.at,
                format!(
                    "placeholder `{{{expr}}}` in `{}` needs `endpoint.incremental`",
                    cx.section
                ),
                Some("add `incremental` with a `cursor_path` to the endpoint".into()),
            );
            *cx.ok = false;
            return None;
        }
        return Some(TemplatePart::Incremental(v));
    }
    r.error(
        &cx.at,
        format!("placeholder `{{{expr}}}` in `{}` is not valid: it must start with `resources` or `incremental`", cx.section),
        Some("escape literal braces as {{ and }}".into()),
    );
    *cx.ok = false;
    None
}

fn template(r: &mut R<'_>, s: &str, cx: &mut Ctx<'_>) -> Template {
    let pieces = match split(s) {
        Ok(p) => p,
        Err(e) => {
            r.error(
                &cx.at,
                format!("invalid placeholder syntax in `{}`: {e}", cx.section),
                None,
            );
            *cx.ok = false;
            return restsource_core::Template(Vec::new());
        }
    };
    let mut parts = Vec::new();
    for p in pieces {
        match p {
            Piece::Lit(l) => parts.push(TemplatePart::Lit(l)),
            Piece::Field(f) => parts.extend(placeholder(r, &f, cx)),
        }
    }
    restsource_core::Template(parts)
}

fn tvalue(r: &mut R<'_>, v: &serde_json::Value, cx: &mut Ctx<'_>) -> TValue {
    use serde_json::Value;
    match v {
        Value::Null => TValue::Null,
        Value::Bool(b) => TValue::Bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map(TValue::Int)
            .unwrap_or_else(|| TValue::Float(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => TValue::Str(template(r, s, cx)),
        Value::Array(items) => TValue::List(items.iter().map(|i| tvalue(r, i, cx)).collect()),
        Value::Object(m) => TValue::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), tvalue(r, v, cx)))
                .collect(),
        ),
    }
}

/// dlt's `data`: a string is a raw body; an object or requests' list of `[key, value]` pairs
/// (whose keys may repeat) is a form.
fn body_data(
    r: &mut R<'_>,
    data: &serde_json::Value,
    i: usize,
    cx: &mut Ctx<'_>,
) -> Option<ResolvedData> {
    use serde_json::Value;
    let entries: Vec<(&String, &Value, Site)> = match data {
        Value::String(s) => return Some(ResolvedData::Raw(template(r, s, cx))),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (k, v, loc(i, &["endpoint", "data", k])))
            .collect(),
        Value::Array(pairs) => {
            let mut entries = Vec::new();
            for (n, pair) in pairs.iter().enumerate() {
                let at = loc(i, &["endpoint", "data"]).then(Step::Index(n));
                match pair.as_array().map(Vec::as_slice) {
                    Some([Value::String(k), v]) => entries.push((k, v, at)),
                    _ => {
                        let kind = kind_name(pair);
                        r.error(
                            &at,
                            format!("form pair {n} is {kind}, expected `[\"key\", value]`"),
                            None,
                        );
                        *cx.ok = false;
                    }
                }
            }
            entries
        }
        other => {
            let kind = kind_name(other);
            r.error(
                &cx.at,
                format!("`data` is {kind}, expected an object or a list of `[key, value]` pairs (a form) or a string (a raw body)"),
                None,
            );
            *cx.ok = false;
            return None;
        }
    };
    let mut fields = Vec::with_capacity(entries.len());
    for (k, v, at) in entries {
        let nested = |x: &Value| x.is_object() || x.is_array();
        if v.is_object() || v.as_array().is_some_and(|a| a.iter().any(nested)) {
            r.error(
                &at,
                format!("form field `{k}` is a nested object or list of lists, which a form cannot hold"),
                Some("use a string, number or boolean, a list of them (the key repeats), or send a `json` body".into()),
            );
            *cx.ok = false;
            continue;
        }
        fields.push((k.clone(), tvalue(r, v, cx)));
    }
    Some(ResolvedData::Form(fields))
}

fn kind_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A param value as it is substituted into the path (Python `str()` of the value).
fn path_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn single_entity(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    let mut rest = last;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some(close) = after.find('}') {
            let inner = &after[..close];
            if !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            {
                return true;
            }
            rest = &after[close + 1..];
        } else {
            break;
        }
    }
    false
}

pub(crate) fn endpoint(
    r: &mut R<'_>,
    spec: &SourceSpec,
    i: usize,
    m: &Merged,
) -> Option<EndpointHalf> {
    let ep = &m.endpoint;
    let mut ok = true;
    let mut parents = Vec::new();
    let raw_path = ep.path.clone().unwrap_or_else(|| m.name.clone());
    // User info in an absolute path is a credential: never kept in the path.
    let (raw_path, path_basic) = credential::strip_user_info(&raw_path);

    // Deprecated incremental params: at most one, and not together with `endpoint.incremental`.
    let mut incremental = None;
    let mut inc_params = 0;
    for (k, v) in &ep.params {
        let ParamValue::Incremental(p) = v else {
            continue;
        };
        inc_params += 1;
        let at = loc(i, &["endpoint", "params", k]);
        if inc_params > 1 || ep.incremental.is_some() {
            r.error(
                &at,
                format!("param `{k}`: only one incremental is allowed per endpoint"),
                Some("keep one incremental param, or use `endpoint.incremental` alone".into()),
            );
            ok = false;
            continue;
        }
        let cursor_path = json_path(r, &p.cursor_path, &at, "`cursor_path`");
        incremental = cursor_path.map(|cursor_path| ResolvedIncremental {
            initial_value: p.initial_value.clone(),
            start_param: Some(k.clone()),
            last_value_func: p.last_value_func.unwrap_or(LastValueFunc::Max),
            ..ResolvedIncremental::cursor(cursor_path.text.clone(), cursor_path)
        });
    }
    if let Some(inc) = &ep.incremental {
        let at = loc(i, &["endpoint", "incremental", "cursor_path"]);
        incremental = json_path(r, &inc.cursor_path, &at, "`cursor_path`").map(|cursor_path| {
            ResolvedIncremental {
                cursor_path_text: cursor_path.text.clone(),
                cursor_path,
                initial_value: inc.initial_value.clone(),
                end_value: inc.end_value.clone(),
                start_param: inc.start_param.clone(),
                end_param: inc.end_param.clone(),
                last_value_func: inc.last_value_func.unwrap_or(LastValueFunc::Max),
                lag: inc.lag,
                on_cursor_value_missing: inc
                    .on_cursor_value_missing
                    .unwrap_or(OnCursorValueMissing::Raise),
                range_start_closed: inc.range_start != Some(RangeBound::Open),
                range_end_closed: inc.range_end == Some(RangeBound::Closed),
                // Checked when read: a duration that does not parse never gets here.
                step: inc
                    .step
                    .as_deref()
                    .and_then(|d| crate::read::parse_duration(d).ok()),
                lookback: inc
                    .lookback
                    .as_deref()
                    .and_then(|d| crate::read::parse_duration(d).ok()),
                row_order: inc.row_order.map(|o| match o {
                    crate::model::RowOrder::Asc => restsource_core::SortOrder::Asc,
                    crate::model::RowOrder::Desc => restsource_core::SortOrder::Desc,
                }),
            }
        });
        ok &= incremental.is_some();
        if inc.step.is_some() && inc.last_value_func == Some(LastValueFunc::Min) {
            r.error(
                &loc(i, &["endpoint", "incremental", "step"]),
                "`step` windows run forward in time, but `last_value_func` is `min` (a cursor that moves backwards)".to_string(),
                Some("remove `step`, or use `last_value_func = \"max\"`".into()),
            );
            ok = false;
        }
    }
    let has_incremental = ep.incremental.is_some() || inc_params > 0;
    let lag = ep.incremental.as_ref().and_then(|i| i.lag);

    // Path: `{name}` binds a resolve or static param; dotted placeholders as elsewhere.
    let path_at = loc(i, &["endpoint", "path"]);
    let mut bound: Vec<String> = Vec::new();
    let mut parts = Vec::new();
    match split(&raw_path) {
        Err(e) => {
            r.error(
                &path_at,
                format!("invalid placeholder syntax in `path`: {e}"),
                None,
            );
            ok = false;
        }
        Ok(pieces) => {
            for p in pieces {
                match p {
                    Piece::Lit(l) => parts.push(TemplatePart::Lit(l)),
                    Piece::Field(f) if f.contains('.') => {
                        let mut cx = Ctx {
                            lag,
                            section: "path",
                            at: path_at.clone(),
                            has_incremental,
                            parents: &mut parents,
                            ok: &mut ok,
                        };
                        parts.extend(placeholder(r, &f, &mut cx));
                    }
                    Piece::Field(f) => match ep.params.get(&f) {
                        Some(ParamValue::Resolve(rp)) => {
                            let at = loc(i, &["endpoint", "params", &f, "field"]);
                            if let Some(path) = json_path(r, &rp.field, &at, "a resolve param") {
                                parents.push((
                                    rp.resource.clone(),
                                    loc(i, &["endpoint", "params", &f, "resource"]),
                                ));
                                parts.push(TemplatePart::Parent(ParentField {
                                    resource: rp.resource.clone(),
                                    path,
                                }));
                            } else {
                                ok = false;
                            }
                            bound.push(f);
                        }
                        Some(ParamValue::Value(v)) => {
                            match credential::literal_param(&f, v) {
                                Some(t) => parts.extend(t.0),
                                None => parts.push(TemplatePart::Lit(path_text(v))),
                            }
                            bound.push(f);
                        }
                        Some(ParamValue::Secret(sr)) => {
                            parts.extend(credential::ref_param(sr).0);
                            bound.push(f);
                        }
                        Some(ParamValue::Incremental(_)) | None => {
                            r.error(
                                &path_at,
                                format!("path placeholder `{{{f}}}` in `{raw_path}` has no matching param"),
                                Some(format!("add `params.{f}` (a value, or a `resolve` param), use `{{resources.<parent>.<field>}}`, or escape braces as {{{{ and }}}}")),
                            );
                            ok = false;
                        }
                    },
                }
            }
        }
    }
    // Adjacent literals (from static params) are joined so templates stay canonical.
    let mut path: Template = restsource_core::Template(Vec::new());
    for p in parts {
        match (path.0.last_mut(), p) {
            (Some(TemplatePart::Lit(a)), TemplatePart::Lit(b)) => a.push_str(&b),
            (_, p) => path.0.push(p),
        }
    }

    let unbound: Vec<&str> = ep
        .params
        .iter()
        .filter(|(k, v)| matches!(v, ParamValue::Resolve(_)) && !bound.contains(k))
        .map(|(k, _)| k.as_str())
        .collect();
    if !unbound.is_empty() {
        r.error(
            &loc(i, &["endpoint", "params", unbound[0]]),
            format!("resource `{}` defines resolve params {} that are not bound in path `{raw_path}`", m.name, crate::read::list(&unbound)),
            Some("bind them as `{name}` in the path; to use a parent field in query params write `{resources.<parent>.<field>}`".into()),
        );
        ok = false;
    }

    let mut params = Vec::new();
    for (k, v) in &ep.params {
        if bound.contains(k) {
            continue;
        }
        let v = match v {
            ParamValue::Value(v) => v,
            ParamValue::Secret(sr) => {
                params.push((k.clone(), TValue::Str(credential::ref_param(sr))));
                continue;
            }
            _ => continue,
        };
        if let Some(t) = credential::literal_param(k, v) {
            params.push((k.clone(), TValue::Str(t)));
            continue;
        }
        let mut cx = Ctx {
            lag,
            section: "params",
            at: loc(i, &["endpoint", "params", k]),
            has_incremental,
            parents: &mut parents,
            ok: &mut ok,
        };
        params.push((k.clone(), tvalue(r, v, &mut cx)));
    }
    let json = ep.json.as_ref().map(|j| {
        let mut cx = Ctx {
            lag,
            section: "json",
            at: loc(i, &["endpoint", "json"]),
            has_incremental,
            parents: &mut parents,
            ok: &mut ok,
        };
        let obj =
            serde_json::Value::Object(j.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
        tvalue(r, &obj, &mut cx)
    });
    let data = ep.data.as_ref().and_then(|data| {
        let at = loc(i, &["endpoint", "data"]);
        if ep.json.is_some() {
            // dlt validates such a config (its conformance config valid/077 does it) and sends
            // the JSON body, so accept it the same way, but say `data` goes unused.
            r.warn(
                &at,
                format!(
                    "resource `{}` sets both `json` and `data`: a request has one body, so `json` is sent and `data` is ignored",
                    m.name
                ),
                Some("remove `data` (or `json`, to send a form or raw text body)".into()),
            );
            return None;
        }
        let mut cx = Ctx {
            lag,
            section: "data",
            at: at.clone(),
            has_incremental,
            parents: &mut parents,
            ok: &mut ok,
        };
        body_data(r, data, i, &mut cx)
    });
    // The client's credential headers ride on each endpoint (so they are read from the
    // environment like the endpoint's own), unless the endpoint sets the same header.
    let mut headers: Vec<(String, Template)> = spec
        .client
        .headers
        .iter()
        .filter(|(k, _)| !ep.headers.keys().any(|e| e.eq_ignore_ascii_case(k)))
        .filter_map(|(k, v)| credential::header(k, v).map(|t| (k.clone(), t)))
        .collect();
    for (k, v) in &ep.headers {
        let v = match v {
            HeaderValue::Text(t) => match credential::header(k, v) {
                Some(secret) => {
                    headers.push((k.clone(), secret));
                    continue;
                }
                None => t,
            },
            HeaderValue::Secret(_) => {
                headers.extend(credential::header(k, v).map(|t| (k.clone(), t)));
                continue;
            }
        };
        let mut cx = Ctx {
            lag,
            section: "headers",
            at: loc(i, &["endpoint", "headers", k]),
            has_incremental,
            parents: &mut parents,
            ok: &mut ok,
        };
        headers.push((k.clone(), template(r, v, &mut cx)));
    }

    // Single-entity endpoints (dlt §1.4): `$` selector and one page unless a paginator is set
    // on the endpoint or in the defaults (the client paginator does not count).
    let single = single_entity(&raw_path);
    let selector_text = ep
        .data_selector
        .clone()
        .or_else(|| single.then(|| "$".to_string()));
    let data_selector = match selector_text {
        Some(t) => {
            let p = json_path(
                r,
                &t,
                &loc(i, &["endpoint", "data_selector"]),
                "`data_selector`",
            );
            ok &= p.is_some();
            p
        }
        None => None,
    };
    if let (Some(f @ (ResponseFormat::Jsonl | ResponseFormat::Csv)), Some(_)) =
        (ep.response_format, &ep.data_selector)
    {
        let name = if f == ResponseFormat::Csv {
            "csv"
        } else {
            "jsonl"
        };
        r.error(
            &loc(i, &["endpoint", "data_selector"]),
            format!("`data_selector` is set but `response_format` is `{name}`: a selector reads a JSON document"),
            Some("remove `data_selector`: the records of a JSON Lines or CSV body are its lines or rows".into()),
        );
        ok = false;
    }
    let paginator = if single && ep.paginator.is_none() {
        Some(ResolvedPaginator::SinglePage)
    } else {
        super::paginator::paginator(r, ep.paginator.as_ref(), spec.client.paginator.as_ref(), i)
    };
    ok &= paginator.is_some();
    if let (Some(format @ (ResponseFormat::Jsonl | ResponseFormat::Csv)), Some(p)) =
        (ep.response_format, &paginator)
    {
        ok &= super::lines_format::paginator(r, format, p, ep.paginator.is_some(), i);
    }

    let client_has_auth = spec.client.auth.is_some()
        || credential::strip_user_info(&spec.client.base_url)
            .1
            .is_some();
    let auth = match (&ep.auth, path_basic) {
        (Nullable::Value(a), _) => {
            ResolvedAuthChoice::Own(super::auth::auth(r, a, loc(i, &["endpoint", "auth"])))
        }
        // User info in the path stands for HTTP Basic when no auth applies (as in requests).
        (Nullable::Default, Some(basic)) if !client_has_auth => ResolvedAuthChoice::Own(basic),
        (Nullable::Null(()), Some(basic)) => ResolvedAuthChoice::Own(basic),
        (Nullable::Default, _) => ResolvedAuthChoice::Inherit,
        (Nullable::Null(()), None) => ResolvedAuthChoice::None,
    };
    let response_actions = ep
        .response_actions
        .iter()
        .flatten()
        .map(|a| ResponseActionDef {
            status_code: a.status_code,
            content: a.content.clone(),
            action: a.action,
        })
        .collect();
    if !ok {
        return None;
    }
    Some(EndpointHalf {
        endpoint: ResolvedEndpoint {
            path,
            method: ep.method.unwrap_or_default(),
            params,
            json,
            data,
            headers,
            data_selector,
            data_selector_missing: ep.data_selector_missing.unwrap_or_default(),
            response_format: ep.response_format.unwrap_or_default(),
            paginator: paginator?,
            response_actions,
            incremental,
            auth,
        },
        row_order: ep.incremental.as_ref().and_then(|i| i.row_order),
        parents,
    })
}
