//! The top level and `client`.

use super::{auth, contract, credential, paginator, resource, Cx};
use crate::model::{
    ClientConfig, RateLimitConfig, RateLimitHeadersConfig, ResetFormat, RetryConfig, SourceSpec,
};
use crate::parse::{Kind, Node};
use crate::site::Handles;

pub(super) const TOP_KEYS: &[&str] = &[
    "$schema",
    "name",
    "client",
    "tables",
    "schema_contract",
    "max_table_nesting",
    "resource_defaults",
    "resources",
];
pub(super) const CLIENT_KEYS: &[&str] = &[
    "base_url",
    "headers",
    "auth",
    "paginator",
    "retry",
    "timeout",
    "rate_limit",
    "rate_limit_headers",
];
pub(super) const RATE_LIMIT_KEYS: &[&str] = &["requests_per_second", "burst"];
pub(super) const RATE_LIMIT_HEADERS_KEYS: &[&str] = &[
    "reset",
    "reset_format",
    "remaining",
    "min_remaining",
    "max_wait",
];
pub(super) const RETRY_KEYS: &[&str] = &[
    "statuses",
    "max_retries",
    "backoff_factor",
    "max_delay",
    "respect_retry_after",
];

/// A read document. When some resources failed to read, `spec` holds the others so that
/// the semantic checks can still run on them (every problem is reported at once).
pub(crate) struct Read<'n> {
    /// The spec, without the resources that failed.
    pub spec: SourceSpec,
    /// For each resource in `spec`, its index in the file.
    pub index: Vec<usize>,
    /// Names of the resources that failed to read.
    pub failed_names: Vec<String>,
    /// No error anywhere.
    pub complete: bool,
    /// The positioned values `client`, `resource_defaults` and each resource were read
    /// from: the semantic checks locate their diagnostics through them.
    pub handles: Handles<'n>,
}

/// Reads a whole document. `None` when the top level, `client`, `resource_defaults` or the
/// `resources` array itself is unusable (semantic checks would only add noise then).
pub(crate) fn read_source<'n>(cx: &mut Cx<'_>, root: &'n Node) -> Option<Read<'n>> {
    let o = cx.object(root, "", "the spec", TOP_KEYS)?;
    let schema = cx.opt(&o, "$schema", Cx::string);
    let name = cx.opt(&o, "name", Cx::string);
    let client = cx.req(&o, "client", "the spec", client);
    let tables = cx.opt(&o, "tables", contract::tables);
    let schema_contract = cx.opt(&o, "schema_contract", contract::schema_contract);
    let max_table_nesting = cx.opt(&o, "max_table_nesting", Cx::u32);
    let defaults_written = o
        .get("resource_defaults")
        .is_some_and(|n| n.kind != Kind::Null);
    let resource_defaults = cx.opt(&o, "resource_defaults", resource::defaults);
    let entries = cx.req(&o, "resources", "the spec", resource::resources);
    let (client, entries) = (client?, entries?);
    if defaults_written && resource_defaults.is_none() {
        return None;
    }
    let mut resources = Vec::new();
    let mut index = Vec::new();
    let mut failed_names = Vec::new();
    for (i, (entry, name)) in entries.into_iter().enumerate() {
        match entry {
            Some(e) => {
                resources.push(e);
                index.push(i);
            }
            None => failed_names.extend(name),
        }
    }
    let items = match o.get("resources").map(|n| &n.kind) {
        Some(Kind::Array(items)) => items.iter().collect(),
        _ => Vec::new(),
    };
    let handles = Handles::new(
        o.get("client"),
        o.get("resource_defaults").filter(|n| n.kind != Kind::Null),
        items,
    );
    Some(Read {
        spec: SourceSpec {
            schema,
            name,
            client,
            tables,
            schema_contract,
            max_table_nesting,
            resource_defaults,
            resources,
        },
        index,
        failed_names,
        complete: !cx.has_errors(),
        handles,
    })
}

fn client(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<ClientConfig> {
    let o = cx.object(node, path, "`client`", CLIENT_KEYS)?;
    let base_url = cx.req(&o, "base_url", "`client`", Cx::string);
    if let Some(n) = o.get("base_url") {
        credential::check_url(cx, n, &o.at("base_url"));
    }
    let headers = cx
        .opt(&o, "headers", credential::headers)
        .unwrap_or_default();
    let auth = cx.opt(&o, "auth", auth::auth);
    let paginator = cx.opt(&o, "paginator", paginator::paginator);
    let retry = cx.opt(&o, "retry", retry);
    let timeout = cx.opt(&o, "timeout", positive);
    let rate_limit = cx.opt(&o, "rate_limit", rate_limit);
    let rate_limit_headers = cx.opt(&o, "rate_limit_headers", rate_limit_headers);
    Some(ClientConfig {
        base_url: base_url?,
        headers,
        auth,
        paginator,
        retry,
        timeout,
        rate_limit,
        rate_limit_headers,
    })
}

fn rate_limit_headers(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<RateLimitHeadersConfig> {
    let o = cx.object(node, path, "`rate_limit_headers`", RATE_LIMIT_HEADERS_KEYS)?;
    let reset = cx.req(&o, "reset", "`rate_limit_headers`", Cx::string);
    let reset_format = cx.opt(&o, "reset_format", |cx, n, p| {
        let s = cx.one_of(n, p, "reset_format", &["auto", "seconds", "epoch"])?;
        Some(match s.as_str() {
            "seconds" => ResetFormat::Seconds,
            "epoch" => ResetFormat::Epoch,
            _ => ResetFormat::Auto,
        })
    });
    let remaining = cx.opt(&o, "remaining", Cx::string);
    let min_remaining = cx.opt(&o, "min_remaining", Cx::u64);
    let max_wait = cx.opt(&o, "max_wait", positive);
    Some(RateLimitHeadersConfig {
        reset: reset?,
        reset_format,
        remaining,
        min_remaining,
        max_wait,
    })
}

fn positive(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<f64> {
    let v = cx.number(node, path)?;
    if v == 0.0 {
        cx.error(node.span, path, "expected a number greater than 0", None);
        return None;
    }
    Some(v)
}

/// `retry`, at client or resource level.
pub(crate) fn retry(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<RetryConfig> {
    let o = cx.object(node, path, "`retry`", RETRY_KEYS)?;
    let statuses = match o.get("statuses") {
        Some(n) => statuses(cx, n, &o.at("statuses")),
        None => None,
    };
    Some(RetryConfig {
        statuses,
        max_retries: cx.opt(&o, "max_retries", Cx::u32),
        backoff_factor: cx.opt(&o, "backoff_factor", Cx::number),
        max_delay: cx.opt(&o, "max_delay", Cx::number),
        respect_retry_after: cx.opt(&o, "respect_retry_after", Cx::boolean),
    })
}

fn statuses(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<Vec<u16>> {
    let crate::parse::Kind::Array(items) = &node.kind else {
        cx.error(
            node.span,
            path,
            format!(
                "expected an array of HTTP statuses, found {}",
                node.kind.describe()
            ),
            None,
        );
        return None;
    };
    let all: Vec<Option<u16>> = items
        .iter()
        .enumerate()
        .map(|(i, n)| cx.status(n, &format!("{path}[{i}]")))
        .collect();
    all.into_iter().collect()
}

fn rate_limit(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<RateLimitConfig> {
    let o = cx.object(node, path, "`rate_limit`", RATE_LIMIT_KEYS)?;
    let rps = cx.req(&o, "requests_per_second", "`rate_limit`", positive);
    let burst = cx.opt(&o, "burst", Cx::u32);
    Some(RateLimitConfig {
        requests_per_second: rps?,
        burst,
    })
}
