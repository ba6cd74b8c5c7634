//! Resource definitions for the runtime's unit tests (the shard plan, the spool), built as
//! generated constants are.

use crate::def::*;

const ENDPOINT: EndpointDef = EndpointDef {
    path: Template(&[TemplatePart::Lit("items")]),
    method: Method::Get,
    params: &[],
    json: None,
    data: None,
    headers: &[],
    data_selector: None,
    data_selector_missing: DataSelectorMissing::Error,
    response_format: ResponseFormat::Auto,
    paginator: PaginatorDef::SinglePage,
    response_actions: &[],
    incremental: None,
    auth: AuthChoice::Inherit,
};

const COLUMNS: &[ColumnDef] = &[ColumnDef::new("id", "id", DataType::Bigint, false)];

/// A resource `name` written with `disposition`, a child of `parent` when given.
pub(crate) const fn resource(
    name: &'static str,
    disposition: Disposition,
    parent: Option<&'static ResourceDef>,
) -> ResourceDef {
    ResourceDef {
        name,
        table_name: name,
        endpoint: ENDPOINT,
        primary_key: &["id"],
        merge_key: &[],
        write: WriteDef {
            disposition,
            deduplicated: false,
        },
        columns: COLUMNS,
        parent: match parent {
            Some(resource) => Some(ParentDef {
                resource,
                include_from_parent: &[],
            }),
            None => None,
        },
        selected: true,
        parallelized: false,
        retry: RetryDef::DEFAULT,
        sql: crate::sql_defs! {
            sqlite: TableSql::EMPTY,
            postgres: TableSql::EMPTY,
        },
        checkpoint: None,
        relational: RelationalDef::DEFAULT,
        processing_steps: &[],
    }
}
