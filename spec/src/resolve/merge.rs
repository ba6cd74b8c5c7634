//! `resource_defaults` merged into a resource exactly as dlt merges them (dlt_rest_api.md
//! §1.10): resource keys shallow; endpoint keys replaced whole except `params` and `json`,
//! merged one level; columns merged per column.

use std::collections::HashMap;

use crate::model::{
    ColumnHints, ColumnsConfig, Endpoint, EndpointConfig, Resource, ResourceBase, ResourceEntry,
};

/// A resource with the defaults applied (before any interpretation).
pub(crate) struct Merged {
    pub name: String,
    pub base: ResourceBase,
    pub endpoint: Endpoint,
}

fn endpoint_of(cfg: &Option<EndpointConfig>) -> Option<Endpoint> {
    match cfg {
        None => None,
        Some(EndpointConfig::Path(p)) => Some(Endpoint {
            path: Some(p.clone()),
            ..Endpoint::default()
        }),
        Some(EndpointConfig::Object(e)) => Some((**e).clone()),
    }
}

macro_rules! or {
    ($r:expr, $d:expr, $($f:ident),*) => { $( if $r.$f.is_none() { $r.$f = $d.$f.clone(); } )* };
}

fn merge_endpoint(defaults: Option<Endpoint>, own: Option<Endpoint>) -> Endpoint {
    let (d, mut r) = match (defaults, own) {
        (None, None) => return Endpoint::default(),
        (Some(d), None) => return d,
        (None, Some(r)) => return r,
        (Some(d), Some(r)) => (d, r),
    };
    or!(
        r,
        d,
        path,
        method,
        data,
        paginator,
        data_selector,
        data_selector_missing,
        response_format,
        response_actions,
        incremental
    );
    if r.headers.is_empty() {
        r.headers = d.headers.clone();
    }
    if r.auth == crate::model::Nullable::Default {
        r.auth = d.auth.clone();
    }
    let mut params = d.params.clone();
    params.extend(r.params);
    r.params = params;
    r.json = match (d.json, r.json) {
        (Some(mut dj), Some(rj)) => {
            dj.extend(rj);
            Some(dj)
        }
        (dj, rj) => rj.or(dj),
    };
    r
}

fn column_list(c: &ColumnsConfig) -> Vec<(String, ColumnHints)> {
    match c {
        ColumnsConfig::Map(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        ColumnsConfig::List(l) => l
            .iter()
            .map(|h| (h.name.clone().unwrap_or_default(), h.clone()))
            .collect(),
    }
}

fn merge_hints(d: &ColumnHints, r: &mut ColumnHints) {
    or!(
        r,
        d,
        name,
        data_type,
        nullable,
        precision,
        scale,
        timezone,
        primary_key,
        merge_key,
        unique
    );
    or!(r, d, hard_delete, dedup_sort, description, rust_name);
    for (k, v) in &d.other {
        r.other.entry(k.clone()).or_insert_with(|| v.clone());
    }
}

/// Columns merged per column, defaults first, in declaration order.
pub(crate) fn merged_columns(
    d: &Option<ColumnsConfig>,
    r: &Option<ColumnsConfig>,
) -> Vec<(String, ColumnHints)> {
    let mut out: Vec<(String, ColumnHints)> = d.as_ref().map(column_list).unwrap_or_default();
    // The first slot of each name, so that thousands of columns merge in linear time.
    let mut slots: HashMap<String, usize> = HashMap::new();
    for (k, (n, _)) in out.iter().enumerate() {
        slots.entry(n.clone()).or_insert(k);
    }
    for (name, mut hints) in r.as_ref().map(column_list).unwrap_or_default() {
        match slots.get(&name) {
            Some(&k) => {
                merge_hints(&out[k].1, &mut hints);
                out[k].1 = hints;
            }
            None => {
                slots.insert(name.clone(), out.len());
                out.push((name, hints));
            }
        }
    }
    out
}

/// Applies `defaults` to one resource entry.
pub(crate) fn merge(defaults: Option<&ResourceBase>, entry: &ResourceEntry) -> Merged {
    let (name, own) = match entry {
        ResourceEntry::Name(n) => (
            n.clone(),
            ResourceBase {
                endpoint: Some(EndpointConfig::Path(n.clone())),
                ..ResourceBase::default()
            },
        ),
        ResourceEntry::Resource(r) => {
            let Resource { name, base } = &**r;
            (name.clone(), base.clone())
        }
    };
    let d = defaults.cloned().unwrap_or_default();
    let endpoint = merge_endpoint(endpoint_of(&d.endpoint), endpoint_of(&own.endpoint));
    let mut base = own;
    or!(
        base,
        d,
        table_name,
        struct_name,
        primary_key,
        merge_key,
        write_disposition,
        selected
    );
    or!(
        base,
        d,
        include_from_parent,
        max_table_nesting,
        parallelized,
        retry,
        schema_contract,
        table_format,
        file_format,
        checkpoint,
        processing_steps
    );
    // Columns are merged per column, not replaced; the merged list is kept as a list.
    let cols = merged_columns(&d.columns, &base.columns);
    base.columns = if d.columns.is_none() && base.columns.is_none() {
        None
    } else {
        Some(ColumnsConfig::Map(cols.into_iter().collect()))
    };
    base.endpoint = None;
    Merged {
        name,
        base,
        endpoint,
    }
}
