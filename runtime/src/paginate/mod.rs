//! Paginators as explicit state machines with dlt's semantics.
