//! Located diagnostics: every problem in a spec names `file:line:col`, what was expected and,
//! where one exists, a hint. Rendered rustc-style by [`Diagnostic::render`].

use std::fmt;
use std::path::PathBuf;

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The spec is invalid.
    Error,
    /// Valid, but worth fixing (e.g. a literal credential).
    Warning,
}

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The spec file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// Length of the offending span in characters (for the `^^^` underline), at least 1.
    pub len: usize,
    /// Key path in the spec, e.g. `resources[2].endpoint.paginator.type`.
    pub path: String,
    /// What is wrong, including what was expected.
    pub message: String,
    /// How to fix it, e.g. "did you mean `offset`?".
    pub help: Option<String>,
    /// The source line, for the snippet.
    pub source_line: String,
}

impl Diagnostic {
    /// rustc-style rendering: `error: msg`, ` --> file:line:col`, the line, `^^^`, `= note:` with
    /// the key path, `= help:`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let gutter = " ".repeat(self.line.to_string().len());
        out.push_str(&format!("{kind}: {}\n", self.message));
        out.push_str(&format!(
            "{gutter}--> {}:{}:{}\n",
            self.file.display(),
            self.line,
            self.column
        ));
        out.push_str(&format!("{gutter} |\n"));
        out.push_str(&format!("{} | {}\n", self.line, self.source_line));
        out.push_str(&format!(
            "{gutter} | {}{}\n",
            " ".repeat(self.column.saturating_sub(1)),
            "^".repeat(self.len.max(1))
        ));
        if !self.path.is_empty() {
            out.push_str(&format!("{gutter} = note: at `{}`\n", self.path));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("{gutter} = help: {help}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// Every error found in a spec (never just the first), plus warnings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_all(.0))]
pub struct Diagnostics(pub Vec<Diagnostic>);

fn render_all(d: &[Diagnostic]) -> String {
    d.iter().map(|d| d.render()).collect::<Vec<_>>().join("\n")
}
