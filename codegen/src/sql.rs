//! SQL for each resource and dialect, produced at compile time and emitted as
//! `restsource::runtime::def::SqlDefs` constants.
