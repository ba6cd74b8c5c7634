//! The pieces of strings with placeholders.

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
