//! Strings with placeholders, split at compile time so the runtime only fills them in.
//!
//! Generic over storage like [`crate::PaginatorDef`], one type parameter per kind of data,
//! defaulting to the `'static` forms generated constants hold; the spec's resolver names an
//! owned instantiation (its parent fields also name the parent, its secrets carry their
//! environment variable), which codegen prints as the `'static` one.

use std::fmt;

use crate::storage::{Static, Storage, TemplateOf};
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

/// A JSON literal from the spec (query values, bodies, form fields) whose strings may hold
/// placeholders: one definition for generated constants ([`Static`], the default) and the
/// spec's resolver (its owned storage).
///
/// It holds lists of itself, so its storage is one [`Storage`] parameter (a type parameter
/// cannot default to a type that contains itself), and `Clone`, `Debug` and `PartialEq` are
/// written out: a derive would bound them on the lists, which hold `Lit` again.
///
/// Generated constants build the variants with a payload through the generic enum with a
/// turbofish, `Lit::List::<Static>(&[..])`: without it the argument's type is an unnormalized
/// projection that `&[..]` does not coerce to, and through an alias of `Lit<Static>` the path
/// is type-relative, so the nested arrays lose their temporary lifetime extension (a
/// `PathStep` array has a destructor, so it is not promoted either).
pub enum Lit<F: Storage = Static> {
    /// `null`.
    Null,
    /// `true`/`false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string that may hold placeholders.
    Str(TemplateOf<F>),
    /// An array.
    List(F::List<Lit<F>>),
    /// An object, in spec order.
    Map(F::List<(F::Str, Lit<F>)>),
}

impl Copy for Lit<Static> {}

impl<F: Storage> Clone for Lit<F> {
    fn clone(&self) -> Self {
        match self {
            Lit::Null => Lit::Null,
            Lit::Bool(b) => Lit::Bool(*b),
            Lit::Int(i) => Lit::Int(*i),
            Lit::Float(f) => Lit::Float(*f),
            Lit::Str(t) => Lit::Str(t.clone()),
            Lit::List(items) => Lit::List(items.clone()),
            Lit::Map(entries) => Lit::Map(entries.clone()),
        }
    }
}

impl<F: Storage> PartialEq for Lit<F> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Lit::Null, Lit::Null) => true,
            (Lit::Bool(a), Lit::Bool(b)) => a == b,
            (Lit::Int(a), Lit::Int(b)) => a == b,
            (Lit::Float(a), Lit::Float(b)) => a == b,
            (Lit::Str(a), Lit::Str(b)) => a == b,
            (Lit::List(a), Lit::List(b)) => a == b,
            (Lit::Map(a), Lit::Map(b)) => a == b,
            _ => false,
        }
    }
}

impl<F: Storage> fmt::Debug for Lit<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lit::Null => f.write_str("Null"),
            Lit::Bool(b) => f.debug_tuple("Bool").field(b).finish(),
            Lit::Int(i) => f.debug_tuple("Int").field(i).finish(),
            Lit::Float(x) => f.debug_tuple("Float").field(x).finish(),
            Lit::Str(t) => f.debug_tuple("Str").field(t).finish(),
            Lit::List(items) => f.debug_tuple("List").field(items).finish(),
            Lit::Map(entries) => f.debug_tuple("Map").field(entries).finish(),
        }
    }
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
