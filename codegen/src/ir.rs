//! The generator's intermediate representation: a resolved spec with every Rust name decided,
//! so the emitters only turn decisions into tokens.

use proc_macro2::Ident;
use restsource_spec::resolved::{ResolvedColumn, ResolvedResource, ResolvedSource};

use crate::error::Error;
use crate::ident::{ident, sanitize, Case, Namespace};
use crate::inferred::{self, Inferred, Shape};
use restsource_spec::ident::RESERVED_TYPES;

/// Constants the glue declares next to the resource constants.
const RESERVED_CONSTS: &[&str] = &["SOURCE"];
/// `Source`'s own methods, which resource methods must not shadow.
const RESERVED_METHODS: &[&str] = &[
    "new",
    "from_env",
    "with_base_url",
    "with_options",
    "extractor",
    "resources",
    "resource",
    "filter",
    "map",
];
/// The field holding the undeclared fields (`Extra`) in every record struct.
pub(crate) const EXTRA_FIELD: &str = "extra";

/// A whole source with its Rust names.
pub(crate) struct SourceIr<'a> {
    pub src: &'a ResolvedSource,
    pub module: Ident,
    pub resources: Vec<ResourceIr<'a>>,
    pub secrets: Vec<SecretIr<'a>>,
}

/// One resource with its Rust names and fields.
pub(crate) struct ResourceIr<'a> {
    pub res: &'a ResolvedResource,
    pub ty: Ident,
    pub konst: Ident,
    pub method: Ident,
    pub fields: Vec<FieldIr>,
    /// Indices into `fields`, in primary key order.
    pub key: Vec<usize>,
    /// The structs of nested objects and list elements typed from the tables file.
    pub nested: Inferred,
}

/// A struct field backed by a column.
pub(crate) struct FieldIr {
    pub ident: Ident,
    pub column: ResolvedColumn,
    pub kind: FieldKind,
}

/// Where a field's type comes from, which decides how a value that does not fit is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    /// Declared by the spec (or an undeclared key column): a value that does not fit is an
    /// error naming the resource, page and URL.
    Declared,
    /// Typed from the tables file: a value that does not fit is kept among the extras.
    Inferred(Shape),
}

/// A secret and its `Secrets` field.
pub(crate) struct SecretIr<'a> {
    pub field: Ident,
    pub name: &'a str,
    pub env: &'a str,
}

/// Decides every name in `src`.
pub(crate) fn plan(src: &ResolvedSource) -> Result<SourceIr<'_>, Error> {
    let mut types = Namespace::camel(RESERVED_TYPES);
    let mut consts = Namespace::with_reserved(RESERVED_CONSTS);
    let mut methods = Namespace::with_reserved(RESERVED_METHODS);

    // Explicit `struct_name`s are claimed first so derived names yield to them.
    let mut explicit: Vec<Option<String>> = Vec::with_capacity(src.resources.len());
    let mut owners: Vec<(String, &str)> = Vec::new();
    for res in &src.resources {
        let Some(wanted) = &res.struct_name else {
            explicit.push(None);
            continue;
        };
        let name = sanitize(wanted, Case::UpperCamel, "Resource");
        if types.contains(&name) {
            let first = owners
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("(the generated glue)", |(_, r)| r);
            return Err(Error::StructNameCollision {
                name,
                first: first.to_string(),
                second: res.def.name.clone(),
            });
        }
        types.unique(&name);
        owners.push((name.clone(), &res.def.name));
        explicit.push(Some(name));
    }

    let mut resources = Vec::with_capacity(src.resources.len());
    for (res, fixed) in src.resources.iter().zip(explicit) {
        let ty = match fixed {
            Some(name) => name,
            None => types.unique(&sanitize(&res.def.name, Case::UpperCamel, "Resource")),
        };
        let konst = consts.unique(&sanitize(&res.def.name, Case::ShoutySnake, "RESOURCE"));
        let method = methods.unique(&sanitize(&res.def.name, Case::Snake, "resource"));
        let ty = ident(&ty);
        let mut nested = Inferred::default();
        let (fields, key) = plan_fields(res, &ty, &mut types, &mut nested);
        resources.push(ResourceIr {
            res,
            ty,
            konst: ident(&konst),
            method: ident(&method),
            fields,
            key,
            nested,
        });
    }

    let mut secret_fields = Namespace::default();
    let secrets = src
        .secrets
        .iter()
        .map(|s| SecretIr {
            field: ident(&secret_fields.unique(&sanitize(&s.name, Case::Snake, "secret"))),
            name: &s.name,
            env: &s.env,
        })
        .collect();

    Ok(SourceIr {
        src,
        module: ident(&sanitize(&src.name, Case::Snake, "source")),
        resources,
        secrets,
    })
}

/// Declared columns become fields in order; key columns the spec does not declare are added
/// (typed as the tables file says, else JSON) so the typed key and the SQL key always exist;
/// then every other field the tables file knows, typed by it (see [`inferred`]).
fn plan_fields(
    res: &ResolvedResource,
    ty: &Ident,
    types: &mut Namespace,
    nested: &mut Inferred,
) -> (Vec<FieldIr>, Vec<usize>) {
    let mut names = Namespace::with_reserved(&[EXTRA_FIELD]);
    let mut columns: Vec<ResolvedColumn> = res.def.columns.clone();
    for key in res.def.primary_key.iter().chain(&res.def.merge_key) {
        if !columns.iter().any(|c| c.name() == key) {
            let t = res
                .inferred
                .as_ref()
                .and_then(|t| inferred::key_type(t, key));
            columns.push(match t {
                Some(t) => ResolvedColumn::plain(key, t, false),
                None => ResolvedColumn::untyped(key, false),
            });
        }
    }
    let mut fields: Vec<FieldIr> = columns
        .into_iter()
        .map(|column| {
            let wanted = column.rust_name.as_deref().unwrap_or(column.name());
            let name = names.unique(&sanitize(wanted, Case::Snake, "field"));
            FieldIr {
                ident: ident(&name),
                column,
                kind: FieldKind::Declared,
            }
        })
        .collect();
    if let Some(tables) = &res.inferred {
        let declared: Vec<&str> = fields.iter().map(|f| f.column.name()).collect();
        let more = inferred::root_fields(tables, ty, &declared, &mut names, types, nested);
        fields.extend(more);
    }
    let key = res
        .def
        .primary_key
        .iter()
        .filter_map(|k| fields.iter().position(|f| f.column.name() == k))
        .collect();
    (fields, key)
}
