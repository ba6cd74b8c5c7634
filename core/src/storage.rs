//! How a definition stores its text, lists and references: one [`Storage`] parameter instead
//! of one type parameter per kind of data.
//!
//! The definitions that hold lists of themselves ([`crate::Lit`]) or of other definitions
//! ([`crate::ResourceDef`], [`crate::SourceDef`]) are generic over a storage. [`Static`] is
//! what generated `const` items hold (borrowed `'static` data, `Copy`, no destructor); the
//! spec's resolver implements an owned storage of its own (`restsource_spec::resolved::Resolved`),
//! whose paths keep their text for messages, whose secrets carry their environment variable
//! and whose resources and columns carry what only codegen reads.
//!
//! The smaller definitions ([`crate::PaginatorDef`], [`crate::IncrementalDef`],
//! [`crate::AuthDef`], ...) keep their own type parameters (they are used alone too); a
//! storage instantiates them through the aliases below.

use std::fmt::Debug;

use crate::{
    AuthChoice, AuthDef, ColumnDef, CredDef, IncrementalDef, Lit, PaginatorDef, PathStep,
    ResourceDef, RetryDef, SecretDef, SecretName, SqlDefs, Template, TemplatePart,
};

/// The types one instantiation of the definitions stores its data as.
///
/// Every associated type is `Clone + Debug + PartialEq` so the definitions can implement those
/// traits for any storage without bounds that name themselves (a derive would add such
/// bounds, and a definition holding a list of itself would then never satisfy them).
pub trait Storage: 'static + Copy + Debug + PartialEq {
    /// Text: names, literal template text, query parameter names.
    type Str: Clone + Debug + PartialEq + AsRef<str>;
    /// A list (`&'static [T]` or a `Vec<T>`).
    type List<T: Clone + Debug + PartialEq + 'static>: Clone + Debug + PartialEq + AsRef<[T]>;
    /// A compiled JSONPath (the resolver's also keeps its text and where it was written).
    type Path: Clone + Debug + PartialEq + AsRef<[PathStep]>;
    /// What a `{resources.<parent>.<field>}` placeholder reads: a path into the parent record
    /// (the resolver's also names the parent).
    type Field: Clone + Debug + PartialEq + AsRef<[PathStep]>;
    /// A secret a template fills in (its name; the resolver's also its environment variable).
    type Secret: Clone + Debug + PartialEq + SecretName;
    /// A credential of an auth definition (a [`CredDef`]; the resolver's secret).
    type Cred: Clone + Debug + PartialEq + SecretName;
    /// A JSON value without placeholders: incremental bounds, OAuth2's extra fields
    /// ([`Lit`] in generated constants, plain JSON in the resolver).
    type Json: Clone + Debug + PartialEq;
    /// A declared column ([`ColumnDef`]; the resolver's also holds its Rust name and doc).
    type Column: Clone + Debug + PartialEq;
    /// A child's parent: the parent's own definition in generated constants, its name in the
    /// resolver (whose resources are not linked by reference).
    type Parent: Clone + Debug + PartialEq;
    /// A source's resource: a reference to its constant, or the resolver's resource with what
    /// only codegen reads.
    type Resource: Clone + Debug + PartialEq;
    /// A resource's SQL: [`SqlDefs`] in generated constants; `()` in the resolver, since
    /// codegen computes the statements from the columns it plans.
    type Sql: Clone + Debug + PartialEq;
}

/// The `'static` storage generated constants use: borrowed, `Copy`, without destructors, so
/// constants can be combined with `..BASE` struct updates in `const` context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Static;

impl Storage for Static {
    type Str = &'static str;
    type List<T: Clone + Debug + PartialEq + 'static> = &'static [T];
    type Path = &'static [PathStep];
    type Field = &'static [PathStep];
    type Secret = &'static str;
    type Cred = CredDef;
    type Json = Lit;
    type Column = ColumnDef;
    type Parent = &'static ResourceDef;
    type Resource = &'static ResourceDef;
    type Sql = SqlDefs;
}

/// The template of storage `F`: its parts in `F`'s list.
pub type TemplateOf<F> = Template<<F as Storage>::List<TemplatePartOf<F>>>;

/// One part of a [`TemplateOf`] storage `F`.
pub type TemplatePartOf<F> =
    TemplatePart<<F as Storage>::Str, <F as Storage>::Field, <F as Storage>::Secret>;

/// The paginator of storage `F`.
pub type PaginatorOf<F> = PaginatorDef<
    <F as Storage>::Str,
    <F as Storage>::Path,
    <F as Storage>::List<<F as Storage>::Str>,
>;

/// The incremental settings of storage `F`.
pub type IncrementalOf<F> =
    IncrementalDef<<F as Storage>::Str, <F as Storage>::Path, <F as Storage>::Json>;

/// The authentication of storage `F`.
pub type AuthOf<F> = AuthDef<
    <F as Storage>::Str,
    <F as Storage>::Cred,
    <F as Storage>::List<(<F as Storage>::Str, <F as Storage>::Json)>,
    <F as Storage>::List<<F as Storage>::Str>,
>;

/// An endpoint's auth choice in storage `F`.
pub type AuthChoiceOf<F> = AuthChoice<AuthOf<F>>;

/// The retry policy of storage `F`.
pub type RetryOf<F> = RetryDef<<F as Storage>::List<u16>>;

/// A secret of storage `F`.
pub type SecretOf<F> = SecretDef<<F as Storage>::Str>;
