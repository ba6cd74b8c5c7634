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
