//! Static descriptions of a source, emitted by codegen as `const` items.
//!
//! Everything here is `'static` and const-constructible so that generated code carries the
//! whole spec as constants: nothing is parsed at run time. Strings with placeholders are
//! pre-split into [`TemplatePart`]s and JSONPaths into [`PathStep`]s at compile time.
//!
//! Every definition is `restsource_core`'s, re-exported: the spec's resolver builds owned
//! forms of the same types (an owned [`Storage`]), codegen prints them as these `'static`
//! ones. The generic ones ([`SourceDef`], [`ResourceDef`], [`EndpointDef`], [`DataDef`],
//! [`ParentDef`], [`Lit`]) default to the [`Static`] storage, so `ResourceDef` here names the
//! form generated constants hold. Building a [`Lit`] variant with a payload in a constant
//! needs the storage spelled out, `Lit::List::<Static>(&[..])` (see [`Lit`] for why).

pub use restsource_core::{
    AnyBox, ApiKeyLocation, AuthChoice, AuthDef, ClientAuth, ColumnDef, CompareOp, ConditionDef,
    ContractMode, CredDef, DataDef, DataSelectorMissing, DataType, Disposition, EndpointDef,
    IncrementalDef, IncrementalValue, LastValueFunc, Lit, MergeStrategy, Method,
    OnCursorValueMissing, Operand, PaginatorDef, ParamPlace, ParentDef, PathStep, RateLimitDef,
    RateLimitHeadersDef, RelationalDef, ResetFormat, ResourceDef, ResponseActionDef,
    ResponseActionKind, ResponseFormat, RetryDef, RustFactory, SchemaContract, SecretDef,
    SortOrder, SourceDef, SqlDefs, Static, StepDef, Storage, TableSql, TablesMode, Template,
    TemplatePart, WriteDef,
};
