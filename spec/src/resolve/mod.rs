//! From a read [`SourceSpec`] to the [`ResolvedSource`] codegen consumes, with the semantic
//! checks that need the merged view (parents, placeholders, keys, columns). Every problem is
//! collected; nothing stops at the first.

mod auth;
mod checkpoint;
mod credential;
mod endpoint;
mod lines_format;
mod merge;
mod names;
mod paginator;
mod steps;
mod table;

pub use auth::env_name;

use crate::diagnostic::{Diagnostic, Severity};
use crate::locate::SourceText;
use crate::model::SourceSpec;
use crate::parse::Span;
use crate::read::suggest;
use crate::resolved::{
    ParentBinding, ResolvedAuthChoice, ResolvedRateLimit, ResolvedResource, ResolvedSource,
    ResourceDef, SecretInfo,
};
use crate::site::{Handles, Site};
use restsource_core::RelationalDef;
use std::collections::HashMap;

/// Diagnostics located at the [`Site`]s the checks name, through the handles reading kept.
pub(crate) struct R<'a> {
    src: &'a SourceText<'a>,
    handles: &'a Handles<'a>,
    diags: &'a mut Vec<Diagnostic>,
    /// The inferred tables committed beside the spec, if any.
    inferred: Option<&'a restsource_core::tables::TablesFile>,
}

impl R<'_> {
    /// Whether the inferred tables type top-level column `key` of `resource`'s root table.
    pub(crate) fn infers_key(&self, resource: &str, key: &str) -> bool {
        let root = self
            .inferred
            .and_then(|f| f.resource(resource))
            .and_then(|t| t.root());
        root.is_some_and(|root| {
            root.columns
                .iter()
                .any(|c| c.path.as_deref() == Some(std::slice::from_ref(&key.to_string())))
        })
    }

    /// `file:line:col` of `site`, for messages that name a second place (a diagnostic points
    /// at one).
    pub(crate) fn position(&self, site: &Site) -> String {
        let (span, path) = self.handles.locate(site);
        let d = self
            .src
            .diagnostic(Severity::Error, span, &path, String::new(), None);
        format!("{}:{}:{}", d.file.display(), d.line, d.column)
    }

    fn push(&mut self, sev: Severity, site: &Site, message: String, help: Option<String>) {
        let (mut span, path) = self.handles.locate(site);
        // Multi-line objects are pointed at by their opening brace only.
        if matches!(self.src.char_at(span.start), Some('{') | Some('[')) {
            span = Span::new(span.start, span.start + 1);
        }
        let d = self.src.diagnostic(sev, span, &path, message, help);
        self.diags.push(d);
    }

    /// An error at `site`.
    pub(crate) fn error(&mut self, site: &Site, message: impl Into<String>, help: Option<String>) {
        self.push(Severity::Error, site, message.into(), help);
    }

    /// A warning at `site`.
    pub(crate) fn warn(&mut self, site: &Site, message: impl Into<String>, help: Option<String>) {
        self.push(Severity::Warning, site, message.into(), help);
    }
}

/// A merged setting of resource `i` at `keys`: where the resource wrote it, else where the
/// defaults did, else the nearest enclosing value the resource wrote.
pub(crate) fn loc(i: usize, keys: &[&str]) -> Site {
    Site::setting(i, keys)
}

/// A resource's resolution plus what the cross-resource checks need.
pub(crate) struct Partial {
    pub resource: ResolvedResource,
    /// Parent references: name and where it was written.
    pub parents: Vec<(String, Site)>,
    pub include_from_parent: Option<Vec<String>>,
}

/// What [`resolve`] works on: the read resources and where they are in the file.
pub(crate) struct Inputs<'s> {
    /// The spec (possibly without resources that failed to read).
    pub spec: &'s SourceSpec,
    /// File index of each resource in `spec`.
    pub index: &'s [usize],
    /// Names of resources that failed to read (still valid parents).
    pub failed_names: &'s [String],
    /// The positioned values the spec was read from, for locating diagnostics.
    pub handles: &'s Handles<'s>,
    /// The inferred tables committed beside the spec (`restsource infer`), if any: a key
    /// column they type needs no warning that it is undeclared.
    pub inferred: Option<&'s restsource_core::tables::TablesFile>,
}

/// Resolves a read spec; problems go to `diags`. `None` when a resource could not be resolved.
pub(crate) fn resolve(
    inputs: Inputs<'_>,
    src: &SourceText<'_>,
    stem: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<ResolvedSource> {
    let mut r = R {
        src,
        handles: inputs.handles,
        diags,
        inferred: inputs.inferred,
    };
    let spec = inputs.spec;
    let at = |k: usize| inputs.index.get(k).copied().unwrap_or(k);
    let client = &spec.client;
    if !client.base_url.is_empty() && !crate::read::is_http_url(&client.base_url) {
        r.error(
            &Site::client(&["base_url"]),
            format!(
                "invalid base URL `{}`: expected an absolute http(s) URL",
                client.base_url
            ),
            Some("e.g. `https://api.example.com/v1/`".into()),
        );
    }
    let client_auth = client
        .auth
        .as_ref()
        .map(|a| auth::auth(&r, a, Site::client(&["auth"])));

    // Duplicate names.
    let names: Vec<String> = spec
        .resources
        .iter()
        .map(|e| match e {
            crate::model::ResourceEntry::Name(n) => n.clone(),
            crate::model::ResourceEntry::Resource(r) => r.name.clone(),
        })
        .collect();
    // Each name's first index: a map, since specs with thousands of resources exist.
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        let j = *first.entry(n.as_str()).or_insert(i);
        if j != i {
            r.error(
                &Site::Name(at(i)),
                format!("resource `{n}` is already defined"),
                Some(format!(
                    "the first definition is `resources[{}]`; resource names must be unique",
                    at(j)
                )),
            );
        }
    }

    let mut partials: Vec<Option<Partial>> = Vec::new();
    let mut tables: Vec<table::TableName> = Vec::new();
    let mut struct_names: Vec<names::StructName> = Vec::new();
    for (i, entry) in spec.resources.iter().enumerate() {
        let merged = merge::merge(spec.resource_defaults.as_ref(), entry);
        tables.push(table::TableName::of(at(i), &merged));
        if let Some(wanted) = &merged.base.struct_name {
            struct_names.push(names::StructName {
                index: at(i),
                resource: merged.name.clone(),
                wanted: wanted.clone(),
            });
        }
        partials.push(resource(&mut r, spec, at(i), &merged));
    }
    table::table_names(&mut r, &tables);
    names::struct_names(&mut r, &struct_names);
    let parents = link_parents(&mut r, &names, &inputs, &partials);
    let partials: Vec<Partial> = partials.into_iter().collect::<Option<_>>()?;
    let parents = parents?;

    let mut resources: Vec<Option<ResolvedResource>> = Vec::new();
    for (i, (mut p, parent)) in partials.into_iter().zip(parents.iter()).enumerate() {
        match (parent, p.include_from_parent.take()) {
            (Some(parent), inc) => {
                p.resource.def.parent = Some(ParentBinding {
                    resource: names[*parent].clone(),
                    include_from_parent: inc.unwrap_or_default(),
                });
            }
            (None, Some(_)) => r.error(
                &loc(at(i), &["include_from_parent"]),
                format!("`include_from_parent` is set but resource `{}` has no parent", names[i]),
                Some("reference a parent with `{resources.<parent>.<field>}` in the path, or remove it".into()),
            ),
            (None, None) => {}
        }
        resources.push(Some(p.resource));
    }
    for (i, res) in resources.iter().enumerate() {
        let Some(res) = res.as_ref().filter(|res| res.def.checkpoint.is_some()) else {
            continue;
        };
        let children: Vec<&str> = (0..names.len())
            .filter(|&j| parents[j] == Some(i))
            .map(|j| names[j].as_str())
            .collect();
        checkpoint::check(&mut r, at(i), res, &children);
    }

    // Topological order: every parent before its children, otherwise spec order. The walk
    // up from each resource stops at the first resource already placed, so every resource is
    // visited a bounded number of times (no cycles remain here; `on_chain` guards anyway).
    let mut ordered = Vec::new();
    let mut done = vec![false; resources.len()];
    let mut on_chain = vec![false; resources.len()];
    for i in 0..resources.len() {
        let mut chain = vec![i];
        on_chain[i] = true;
        let mut cur = i;
        while let Some(p) = parents[cur] {
            if done[p] || on_chain[p] {
                break;
            }
            on_chain[p] = true;
            chain.push(p);
            cur = p;
        }
        for &k in chain.iter().rev() {
            on_chain[k] = false;
            if !done[k] {
                done[k] = true;
                if let Some(res) = resources[k].take() {
                    ordered.push(res);
                }
            }
        }
    }

    let mut secrets: Vec<SecretInfo> = Vec::new();
    let mut add = |s: Vec<SecretInfo>| {
        for s in s {
            if !secrets.contains(&s) {
                secrets.push(s);
            }
        }
    };
    // User info in the base URL is HTTP Basic when no auth is set (as in requests).
    let (base_url, url_basic) = credential::strip_user_info(&client.base_url);
    let client_auth = client_auth.or(url_basic);
    if let Some(a) = &client_auth {
        add(auth::secrets_of(a));
    }
    for res in &ordered {
        let res = &res.def.endpoint;
        if let ResolvedAuthChoice::Own(a) = &res.auth {
            add(auth::secrets_of(a));
        }
        let templates = std::iter::once(&res.path)
            .chain(res.params.iter().filter_map(|(_, v)| match v {
                crate::resolved::TValue::Str(t) => Some(t),
                _ => None,
            }))
            .chain(res.headers.iter().map(|(_, t)| t));
        for t in templates {
            add(credential::secrets_in(t).cloned().collect());
        }
    }

    Some(ResolvedSource {
        name: spec.name.clone().unwrap_or_else(|| stem.to_string()),
        base_url,
        // Credential headers are not static: they ride on each endpoint as secrets.
        headers: client
            .headers
            .iter()
            .filter_map(|(k, v)| match v {
                crate::model::HeaderValue::Text(t) if credential::header(k, v).is_none() => {
                    Some((k.clone(), t.clone()))
                }
                _ => None,
            })
            .collect(),
        auth: client_auth,
        timeout_secs: client.timeout.unwrap_or(60.0),
        rate_limit: client.rate_limit.as_ref().map(|l| ResolvedRateLimit {
            requests_per_second: l.requests_per_second,
            burst: l.burst.unwrap_or(1),
        }),
        rate_limit_headers: client.rate_limit_headers.as_ref().map(|h| {
            restsource_core::RateLimitHeadersDef {
                reset: Some(h.reset.clone()),
                reset_format: h.reset_format.unwrap_or_default(),
                remaining: h.remaining.clone(),
                min_remaining: h.min_remaining.unwrap_or(0),
                max_wait_secs: h.max_wait.unwrap_or(300.0),
            }
        }),
        secrets,
        resources: ordered,
        tables: spec.tables.unwrap_or_default(),
    })
}

fn resource(r: &mut R<'_>, spec: &SourceSpec, i: usize, m: &merge::Merged) -> Option<Partial> {
    let ep = endpoint::endpoint(r, spec, i, m);
    let tb = table::table(r, i, m);
    let declared: Vec<String> = match &m.base.columns {
        Some(_) => tb
            .as_ref()
            .map(|tb| tb.columns.iter().map(|c| c.def.json_name.clone()).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let processing_steps = steps::steps(r, i, m, &declared);
    let (ep, tb) = (ep?, tb?);
    let base = &m.base;
    let resource = ResolvedResource {
        def: ResourceDef {
            name: m.name.clone(),
            table_name: base.table_name.clone().unwrap_or_else(|| m.name.clone()),
            endpoint: ep.endpoint,
            primary_key: tb.primary_key,
            merge_key: tb.merge_key,
            write: tb.write,
            columns: tb.columns,
            parent: None,
            selected: base.selected.unwrap_or(true),
            parallelized: base.parallelized.unwrap_or(false),
            retry: auth::retry(spec.client.retry.as_ref(), base.retry.as_ref()),
            sql: (),
            checkpoint: base.checkpoint,
            // The resource's own setting (merged with `resource_defaults`), else the source's,
            // else dlt's default; a contract replaces the source's whole, kinds left out
            // evolving, as dlt resolves a resource hint.
            relational: RelationalDef {
                contract: base
                    .schema_contract
                    .or(spec.schema_contract)
                    .map_or(RelationalDef::DEFAULT.contract, |c| c.contract()),
                max_nesting: base
                    .max_table_nesting
                    .or(spec.max_table_nesting)
                    .unwrap_or(RelationalDef::DEFAULT.max_nesting),
            },
            processing_steps,
        },
        struct_name: base.struct_name.clone(),
        row_order: ep.row_order,
        inferred: None,
    };
    Some(Partial {
        resource,
        parents: ep.parents,
        include_from_parent: base.include_from_parent.clone(),
    })
}

/// Checks parent references (one parent, known, no cycles); returns each resource's parent
/// index. `None` when any check failed.
fn link_parents(
    r: &mut R<'_>,
    names: &[String],
    inputs: &Inputs<'_>,
    partials: &[Option<Partial>],
) -> Option<Vec<Option<usize>>> {
    let at = |k: usize| inputs.index.get(k).copied().unwrap_or(k);
    let mut ok = true;
    let mut parents = vec![None; names.len()];
    // A parent is looked up by name once per child: a map keeps long chains linear. A name
    // defined twice resolves to its first definition (the duplicate is reported elsewhere).
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    for (k, n) in names.iter().enumerate() {
        first.entry(n.as_str()).or_insert(k);
    }
    for (i, p) in partials.iter().enumerate() {
        let Some(p) = p else { continue };
        let mut distinct: Vec<&(String, Site)> = Vec::new();
        for pr in &p.parents {
            if !distinct.iter().any(|d| d.0 == pr.0) {
                distinct.push(pr);
            }
        }
        if distinct.len() > 1 {
            let list =
                crate::read::list(&distinct.iter().map(|d| d.0.as_str()).collect::<Vec<_>>());
            r.error(
                &distinct[1].1,
                format!("resource `{}` has more than one parent: {list}", names[i]),
                Some("a resource can have one parent only; take several fields from the same parent instead".into()),
            );
            ok = false;
            continue;
        }
        let Some((parent, at)) = distinct.first().map(|d| (&d.0, &d.1)) else {
            continue;
        };
        match first.get(parent.as_str()) {
            Some(&j) => parents[i] = Some(j),
            // Already reported where it is defined.
            None if inputs.failed_names.contains(parent) => ok = false,
            None => {
                let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
                let help = match suggest(parent, &candidates) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("defined resources: {}", crate::read::list(&candidates)),
                };
                r.error(
                    at,
                    format!(
                        "resource `{}` refers to unknown parent resource `{parent}`",
                        names[i]
                    ),
                    Some(help),
                );
                ok = false;
            }
        }
    }
    // Cycles: each resource has at most one parent, so following parents from every
    // resource in spec order, and stopping at any resource already walked, visits each once.
    // A walk that meets its own path has found a cycle (each cycle is met first by one walk,
    // so it is reported once).
    const UNSEEN: u8 = 0;
    const ON_PATH: u8 = 1;
    const WALKED: u8 = 2;
    let mut state = vec![UNSEEN; names.len()];
    let mut path: Vec<usize> = Vec::new();
    for start in 0..names.len() {
        if state[start] != UNSEEN {
            continue;
        }
        path.clear();
        let mut cur = start;
        loop {
            state[cur] = ON_PATH;
            path.push(cur);
            let Some(p) = parents[cur] else { break };
            match state[p] {
                UNSEEN => cur = p,
                ON_PATH => {
                    let k = path.iter().position(|&c| c == p).unwrap_or(0);
                    report_cycle(r, names, &path[k..], &at);
                    ok = false;
                    break;
                }
                _ => break,
            }
        }
        for &c in &path {
            state[c] = WALKED;
        }
    }
    ok.then_some(parents)
}

/// Reports one parent cycle at its first member in spec order, each name followed by the
/// parent it needs.
fn report_cycle(r: &mut R<'_>, names: &[String], members: &[usize], at: &dyn Fn(usize) -> usize) {
    let mut cycle = members.to_vec();
    let first = cycle.iter().copied().min().unwrap_or(0);
    let rot = cycle.iter().position(|&c| c == first).unwrap_or(0);
    cycle.rotate_left(rot);
    let mut text: Vec<&str> = cycle.iter().map(|&c| names[c].as_str()).collect();
    text.push(names[first].as_str());
    r.error(
        &loc(at(first), &["endpoint", "path"]),
        format!("nodes are in a cycle: {}", text.join(" -> ")),
        Some("parent references must not form a cycle".into()),
    );
}
