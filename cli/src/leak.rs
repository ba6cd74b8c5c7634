//! A resolved spec turned into the `'static` definitions the runtime runs, at run time: what
//! generated code holds as constants, built here by leaking each piece once. `restsource
//! infer` samples an API before any code is generated; the command is a short-lived process
//! that builds this once, so the leak is bounded by the spec's size.
//!
//! The `sql` of each resource is empty: JSON handles sample, and the pipeline refuses to load
//! them, so no statement is ever read.

use std::collections::HashMap;

use restsource_core::{
    AuthChoice, AuthDef, ConditionDef, CredDef, DataDef, EndpointDef, IncrementalDef, Lit, Operand,
    PaginatorDef, ParamPlace, ParentDef, PathStep, RateLimitHeadersDef, ResourceDef,
    ResponseActionDef, RetryDef, SecretDef, SourceDef, SqlDefs, StepDef, Template, TemplatePart,
};
use restsource_spec::resolved::{
    JsonPath, Resolved, ResolvedAuth, ResolvedPaginator, ResolvedSource, SecretInfo,
};
use serde_json::Value;

/// The whole source, leaked.
pub fn source(src: &ResolvedSource) -> &'static SourceDef {
    let mut done: HashMap<String, &'static ResourceDef> = HashMap::new();
    // Resources come parents first, so a child's parent is already built.
    let mut resources = Vec::new();
    for r in &src.resources {
        let def = leak(resource(&r.def, &done));
        done.insert(r.def.name.clone(), def);
        resources.push(def);
    }
    leak(SourceDef {
        name: text(&src.name),
        base_url: text(&src.base_url),
        headers: list(&src.headers, |(k, v)| (text(k), text(v))),
        auth: src.auth.as_ref().map(auth),
        timeout_secs: src.timeout_secs,
        rate_limit: src.rate_limit,
        rate_limit_headers: src
            .rate_limit_headers
            .as_ref()
            .map(|h| RateLimitHeadersDef {
                reset: h.reset.as_deref().map(text),
                reset_format: h.reset_format,
                remaining: h.remaining.as_deref().map(text),
                min_remaining: h.min_remaining,
                max_wait_secs: h.max_wait_secs,
            }),
        secrets: list(&src.secrets, secret),
        resources: leak_vec(resources),
        tables: src.tables,
    })
}

fn resource(
    r: &ResourceDef<Resolved>,
    done: &HashMap<String, &'static ResourceDef>,
) -> ResourceDef {
    ResourceDef {
        name: text(&r.name),
        table_name: text(&r.table_name),
        endpoint: endpoint(&r.endpoint),
        primary_key: strs(&r.primary_key),
        merge_key: strs(&r.merge_key),
        write: r.write,
        columns: list(&r.columns, |c| {
            let c = &c.def;
            restsource_core::ColumnDef {
                json_name: text(&c.json_name),
                sql_name: text(&c.sql_name),
                data_type: c.data_type,
                nullable: c.nullable,
                precision: c.precision,
                scale: c.scale,
                hard_delete: c.hard_delete,
                dedup_sort: c.dedup_sort,
                untyped: c.untyped,
            }
        }),
        // The resolver checked that every parent is a resource of the source, and orders
        // parents first; a missing one would only drop the link, never crash.
        parent: r.parent.as_ref().and_then(|p| {
            done.get(&p.resource).map(|parent| ParentDef {
                resource: *parent,
                include_from_parent: strs(&p.include_from_parent),
            })
        }),
        selected: r.selected,
        parallelized: r.parallelized,
        retry: RetryDef {
            statuses: leak_vec(r.retry.statuses.clone()),
            max_retries: r.retry.max_retries,
            backoff_factor: r.retry.backoff_factor,
            max_delay_secs: r.retry.max_delay_secs,
            respect_retry_after: r.retry.respect_retry_after,
        },
        sql: SqlDefs::EMPTY,
        checkpoint: r.checkpoint,
        relational: r.relational,
        processing_steps: list(&r.processing_steps, step),
    }
}

fn endpoint(e: &EndpointDef<Resolved>) -> EndpointDef {
    EndpointDef {
        path: template(&e.path),
        method: e.method,
        params: list(&e.params, |(k, v)| (text(k), lit(v))),
        json: e.json.as_ref().map(lit),
        data: e.data.as_ref().map(|d| match d {
            DataDef::Form(fields) => DataDef::Form(list(fields, |(k, v)| (text(k), lit(v)))),
            DataDef::Raw(t) => DataDef::Raw(template(t)),
        }),
        headers: list(&e.headers, |(k, v)| (text(k), template(v))),
        data_selector: e.data_selector.as_ref().map(path),
        data_selector_missing: e.data_selector_missing,
        response_format: e.response_format,
        paginator: paginator(&e.paginator),
        response_actions: list(&e.response_actions, |a| ResponseActionDef {
            status_code: a.status_code,
            content: a.content.as_deref().map(text),
            action: a.action,
        }),
        incremental: e.incremental.as_ref().map(|i| IncrementalDef {
            cursor_path_text: text(&i.cursor_path_text),
            cursor_path: path(&i.cursor_path),
            initial_value: i.initial_value.as_ref().map(json),
            end_value: i.end_value.as_ref().map(json),
            start_param: i.start_param.as_deref().map(text),
            end_param: i.end_param.as_deref().map(text),
            last_value_func: i.last_value_func,
            lag: i.lag,
            on_cursor_value_missing: i.on_cursor_value_missing,
            range_start_closed: i.range_start_closed,
            range_end_closed: i.range_end_closed,
            step: i.step,
            lookback: i.lookback,
            row_order: i.row_order,
        }),
        auth: match &e.auth {
            AuthChoice::Inherit => AuthChoice::Inherit,
            AuthChoice::None => AuthChoice::None,
            AuthChoice::Own(a) => AuthChoice::Own(auth(a)),
        },
    }
}

fn paginator(p: &ResolvedPaginator) -> PaginatorDef {
    let place = |p: &ParamPlace<String, Vec<String>>| match p {
        ParamPlace::Query(name) => ParamPlace::Query(text(name)),
        ParamPlace::Body(keys) => ParamPlace::Body(strs(keys)),
    };
    match p {
        PaginatorDef::SinglePage => PaginatorDef::SinglePage,
        PaginatorDef::Auto => PaginatorDef::Auto,
        PaginatorDef::Offset {
            limit,
            offset,
            offset_param,
            limit_param,
            total_path,
            maximum_offset,
            stop_after_empty_page,
            has_more_path,
        } => PaginatorDef::Offset {
            limit: *limit,
            offset: *offset,
            offset_param: place(offset_param),
            limit_param: place(limit_param),
            total_path: total_path.as_ref().map(path),
            maximum_offset: *maximum_offset,
            stop_after_empty_page: *stop_after_empty_page,
            has_more_path: has_more_path.as_ref().map(path),
        },
        PaginatorDef::PageNumber {
            base_page,
            page,
            page_param,
            total_path,
            maximum_page,
            stop_after_empty_page,
            has_more_path,
        } => PaginatorDef::PageNumber {
            base_page: *base_page,
            page: *page,
            page_param: place(page_param),
            total_path: total_path.as_ref().map(path),
            maximum_page: *maximum_page,
            stop_after_empty_page: *stop_after_empty_page,
            has_more_path: has_more_path.as_ref().map(path),
        },
        PaginatorDef::Cursor {
            cursor_path,
            cursor_param,
            stop_after_empty_page,
            has_more_path,
            initial_cursor,
        } => PaginatorDef::Cursor {
            cursor_path: path(cursor_path),
            cursor_param: place(cursor_param),
            stop_after_empty_page: *stop_after_empty_page,
            has_more_path: has_more_path.as_ref().map(path),
            initial_cursor: initial_cursor.as_deref().map(text),
        },
        PaginatorDef::HeaderCursor {
            cursor_key,
            cursor_param,
        } => PaginatorDef::HeaderCursor {
            cursor_key: text(cursor_key),
            cursor_param: text(cursor_param),
        },
        PaginatorDef::JsonLink { next_url_path } => PaginatorDef::JsonLink {
            next_url_path: path(next_url_path),
        },
        PaginatorDef::HeaderLink { links_next_key } => PaginatorDef::HeaderLink {
            links_next_key: text(links_next_key),
        },
        // No code is generated here: the runtime refuses it, naming the spec position.
        PaginatorDef::Rust { path, at, make } => PaginatorDef::Rust {
            path: text(path),
            at: text(at),
            make: *make,
        },
    }
}

fn auth(a: &ResolvedAuth) -> AuthDef {
    let cred = |s: &SecretInfo| CredDef {
        secret: text(&s.name),
    };
    match a {
        AuthDef::Bearer { token } => AuthDef::Bearer { token: cred(token) },
        AuthDef::ApiKey {
            name,
            key,
            location,
        } => AuthDef::ApiKey {
            name: text(name),
            key: cred(key),
            location: *location,
        },
        AuthDef::HttpBasic { username, password } => AuthDef::HttpBasic {
            username: cred(username),
            password: cred(password),
        },
        AuthDef::OAuth2 {
            token_url,
            client_id,
            client_secret,
            extra,
            default_expiration_secs,
            client_auth,
            scopes,
            refresh_token,
        } => AuthDef::OAuth2 {
            token_url: text(token_url),
            client_id: cred(client_id),
            client_secret: cred(client_secret),
            extra: list(extra, |(k, v)| (text(k), json(v))),
            default_expiration_secs: *default_expiration_secs,
            client_auth: *client_auth,
            scopes: strs(scopes),
            refresh_token: refresh_token.as_ref().map(cred),
        },
        AuthDef::Rust {
            path,
            at,
            secrets,
            make,
        } => AuthDef::Rust {
            path: text(path),
            at: text(at),
            secrets: strs(secrets),
            make: *make,
        },
        AuthDef::Session {
            login_url,
            username,
            password,
            token_path,
            header,
        } => AuthDef::Session {
            login_url: text(login_url),
            username: cred(username),
            password: cred(password),
            token_path: text(token_path),
            header: header.as_deref().map(text),
        },
    }
}

fn secret(s: &SecretInfo) -> SecretDef {
    SecretDef {
        name: text(&s.name),
        env: text(&s.env),
    }
}

fn template(
    t: &Template<Vec<TemplatePart<String, restsource_spec::resolved::ParentField, SecretInfo>>>,
) -> Template {
    Template(list(&t.0, |p| match p {
        TemplatePart::Lit(s) => TemplatePart::Lit(text(s)),
        TemplatePart::Parent(f) => TemplatePart::Parent(steps(&f.path.steps)),
        TemplatePart::Incremental(v) => TemplatePart::Incremental(*v),
        TemplatePart::Secret(s) => TemplatePart::Secret(text(&s.name)),
    }))
}

fn lit(v: &Lit<Resolved>) -> Lit {
    match v {
        Lit::Null => Lit::Null,
        Lit::Bool(b) => Lit::Bool(*b),
        Lit::Int(i) => Lit::Int(*i),
        Lit::Float(f) => Lit::Float(*f),
        Lit::Str(t) => Lit::Str(template(t)),
        Lit::List(items) => Lit::List(list(items, lit)),
        Lit::Map(entries) => Lit::Map(list(entries, |(k, v)| (text(k), lit(v)))),
    }
}

/// A plain JSON value (incremental bounds, OAuth2 fields) as a literal without placeholders.
fn json(v: &Value) -> Lit {
    match v {
        Value::Null => Lit::Null,
        Value::Bool(b) => Lit::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Lit::Int(i),
            None => Lit::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Lit::Str(Template(leak_vec(vec![TemplatePart::Lit(text(s))]))),
        Value::Array(items) => Lit::List(list(items, json)),
        Value::Object(m) => Lit::Map(leak_vec(
            m.iter().map(|(k, v)| (text(k), json(v))).collect(),
        )),
    }
}

fn path(p: &JsonPath) -> &'static [PathStep] {
    steps(&p.steps)
}

fn steps(s: &[PathStep]) -> &'static [PathStep] {
    leak_vec(s.to_vec())
}

fn strs(v: &[String]) -> &'static [&'static str] {
    list(v, |s| text(s))
}

fn text(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn list<T, U>(v: &[T], f: impl FnMut(&T) -> U) -> &'static [U] {
    leak_vec(v.iter().map(f).collect())
}

fn leak_vec<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

fn step(s: &StepDef<Resolved>) -> StepDef {
    let pair = |(a, b): &(String, String)| (text(a), text(b));
    match s {
        StepDef::AddFields(fields) => StepDef::AddFields(list(fields, pair)),
        StepDef::RemoveFields(fields) => StepDef::RemoveFields(strs(fields)),
        StepDef::RenameFields(pairs) => StepDef::RenameFields(list(pairs, pair)),
        StepDef::KeysToSnakeCase => StepDef::KeysToSnakeCase,
        StepDef::Filter(conds) => StepDef::Filter(list(conds, |c| ConditionDef {
            field: text(&c.field),
            op: c.op,
            value: match &c.value {
                Operand::Json(v) => Operand::Json(text(v)),
                Operand::CursorStart => Operand::CursorStart,
            },
        })),
    }
}
