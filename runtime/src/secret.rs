//! Secret values: resolved at run time, never printed.

use std::collections::HashMap;
use std::fmt;

/// A secret value. `Debug` and `Display` print `***`; the value is only reachable through
/// [`Secret::expose`], so it cannot end up in a log line or error by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for building a request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The secrets of one source, by spec name. Generated `Secrets` structs convert into this.
#[derive(Clone, Default, Debug)]
pub struct SecretValues {
    values: HashMap<&'static str, Secret>,
}

impl SecretValues {
    /// No secrets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a secret under its spec name.
    pub fn insert(&mut self, name: &'static str, value: Secret) {
        self.values.insert(name, value);
    }

    /// The secret of that name.
    pub fn get(&self, name: &str) -> Option<&Secret> {
        self.values.get(name)
    }

    /// Every value, for redaction.
    pub fn values(&self) -> impl Iterator<Item = &Secret> {
        self.values.values()
    }
}

/// A secret's environment variable is missing or empty.
#[derive(Debug, thiserror::Error)]
#[error("secret `{name}` is not set: export the environment variable {env}")]
pub struct MissingSecret {
    /// Secret name in the spec.
    pub name: &'static str,
    /// The variable that was read.
    pub env: &'static str,
}

/// Reads a secret from its environment variable.
pub fn from_env(name: &'static str, env: &'static str) -> Result<Secret, MissingSecret> {
    match std::env::var(env) {
        Ok(v) if !v.is_empty() => Ok(Secret(v)),
        _ => Err(MissingSecret { name, env }),
    }
}
