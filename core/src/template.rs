//! Strings with placeholders, split at compile time so the runtime only fills them in.
//!
//! Generic over storage like [`crate::PaginatorDef`], one type parameter per kind of data,
//! defaulting to the `'static` forms generated constants hold; the spec's resolver names an
//! owned instantiation (its parent fields also name the parent, its secrets carry their
//! environment variable), which codegen prints as the `'static` one.

use crate::{PathStep, SecretDef};

/// Which incremental value an `{incremental.<value>}` placeholder names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncrementalValue {
    /// `start_value`: the value this run starts from (state, else the initial value).
    StartValue,
    /// `initial_value`: the spec's initial value.
    InitialValue,
    /// `last_value`: the last value seen (the start value at request time).
    LastValue,
    /// `end_value`: the spec's end value.
    EndValue,
}

/// A string split into literal text and placeholders: the list of its [`TemplatePart`]s
/// (`&'static [TemplatePart]` in generated constants, a `Vec` in the resolver).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template<P = &'static [TemplatePart]>(pub P);

impl<P> Template<P> {
    /// The pieces, in order.
    pub fn parts<S, F, X>(&self) -> &[TemplatePart<S, F, X>]
    where
        P: AsRef<[TemplatePart<S, F, X>]>,
    {
        self.0.as_ref()
    }
}

/// One piece of a [`Template`]: text `S`, a parent field `F` (a path, which the resolver's
/// form pairs with the parent's name) and a secret reference `X` (a name, which the
/// resolver's form pairs with its environment variable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplatePart<S = &'static str, F = &'static [PathStep], X = &'static str> {
    /// Literal text (`{{`/`}}` already unescaped).
    Lit(S),
    /// `{resources.<parent>.<field>}`: a JSONPath into the parent record.
    Parent(F),
    /// `{incremental.start_value}` and friends.
    Incremental(IncrementalValue),
    /// The value of the secret of that name (a credential in a header, query parameter or
    /// path), filled at request time and never written in generated code.
    Secret(X),
}

/// A JSON literal from the spec (query values, bodies, initial values).
///
/// Written here and, owned, as the spec's `resolved::TValue`: the one shape written twice on
/// purpose. It holds lists of itself, so a form generic over its storage needs a storage
/// trait with associated types (type parameters cannot default to a type that contains
/// itself), and rustc then cannot build generated constants such as
/// `Lit::Str(Template(&[TemplatePart::Parent(&[PathStep::key("id")])]))`: through the generic
/// type the argument's type is a projection `&[..]` does not coerce to, and through an alias
/// of the `'static` form the nested arrays lose their temporary lifetime extension (a
/// `PathStep` array has a destructor, so it is not promoted either). Tested equal in shape by
/// codegen's `const_values` tests, which print every variant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lit {
    /// `null`.
    Null,
    /// `true`/`false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string that may hold placeholders.
    Str(Template),
    /// An array.
    List(&'static [Lit]),
    /// An object, in spec order.
    Map(&'static [(&'static str, Lit)]),
}

/// What every form of secret reference tells: the secret's name, the only part generated
/// code holds (its value is read at run time).
pub trait SecretName {
    /// The secret's name in the spec (`api_key`).
    fn secret_name(&self) -> &str;
}

impl SecretName for &'static str {
    fn secret_name(&self) -> &str {
        self
    }
}

impl<S: AsRef<str>> SecretName for SecretDef<S> {
    fn secret_name(&self) -> &str {
        self.name.as_ref()
    }
}
