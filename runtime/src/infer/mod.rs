//! Types inferred from the live API (`restsource infer`): a sample of each resource's pages,
//! fetched through the spec's own client (auth, paginator, rate limit, incremental bounds),
//! normalized as a relational load would normalize it, gives the tables, columns and types
//! that load would create. They are kept in a committed file beside the spec
//! ([`TablesFile`]); a later sample that does not fit them is a list of [`Difference`]s, which
//! `restsource infer --check` prints for CI, as `cargo sqlx prepare --check` does for queries.

mod check;
mod file;

pub use check::Difference;
pub use file::{ReadError, TablesFile, FORMAT};

use futures::StreamExt;
use restsource_core::naming::Naming;

use crate::def::ResourceDef;
use crate::extract::{ExtractError, Extractor, ResourceHandle, StartState};
use crate::normalize::{
    NormalizeError, Normalizer, RelationalOptions, RootId, SchemaContract, SystemColumns,
};

/// Sampling failed: fetching (an HTTP or selector error, named with its resource, page and
/// URL) or normalizing (a record the schema contract refuses).
#[derive(Debug, thiserror::Error)]
pub enum InferError {
    /// Fetching a resource failed.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// A record could not be normalized.
    #[error("resource `{resource}`: {source}")]
    Normalize {
        /// The resource.
        resource: String,
        /// Why.
        source: NormalizeError,
    },
}

/// What a sample saw of one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sampled {
    /// Pages received (of the resource itself; a child's pages for every parent record).
    pub pages: u64,
    /// Records received.
    pub records: u64,
}

/// Samples `resources` through `extractor` (set its [`max_pages`] to bound the sample) and
/// normalizes every record into `schemas`, one schema per resource keyed by resource name:
/// empty for a first inference, the committed file's for a check (then whatever the sample
/// adds is a difference). Declared columns enter each schema first, typed as declared; each
/// resource's nesting applies, its contract does not (a sample learns every change, which
/// is what a check reports).
///
/// [`max_pages`]: crate::extract::ExtractOptions::max_pages
pub async fn sample(
    extractor: &Extractor,
    resources: &[ResourceHandle],
    system: SystemColumns,
    schemas: &mut TablesFile,
) -> Result<Vec<(&'static str, Sampled)>, InferError> {
    let naming = Naming::SQLITE;
    let options = RelationalOptions {
        system,
        contract: Some(SchemaContract::EVOLVE),
    };
    let normalizers: Vec<(&'static ResourceDef, Normalizer)> = resources
        .iter()
        .map(|h| {
            // Root ids on child rows are system columns, which the tables file leaves out:
            // whether a load writes them is the loader's decision, not the sample's.
            let n = Normalizer::for_resource(h.def, naming, options, false);
            n.declare(schemas.schema_mut(h.def.name), h.def);
            (h.def, n)
        })
        .collect();
    let mut seen: Vec<(&'static str, Sampled)> = resources
        .iter()
        .map(|h| (h.def.name, Sampled::default()))
        .collect();
    let mut pages = extractor.json_pages(resources, StartState::new());
    let mut rows = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page?;
        let Some(index) = normalizers
            .iter()
            .position(|(d, _)| d.name == page.resource.name)
        else {
            continue;
        };
        let (def, normalizer) = &normalizers[index];
        let (schema, paths) = schemas.entry(def.name);
        for record in &page.records {
            normalizer.source_paths(def.table_name, record, paths);
            rows.clear();
            normalizer
                .normalize(
                    schema,
                    def.table_name,
                    record,
                    &RootId::Random,
                    "",
                    &mut rows,
                )
                .map_err(|source| InferError::Normalize {
                    resource: def.name.to_string(),
                    source,
                })?;
        }
        let s = &mut seen[index].1;
        s.pages += 1;
        s.records += page.records.len() as u64;
    }
    Ok(seen)
}
