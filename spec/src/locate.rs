//! Turning byte spans into located [`Diagnostic`]s (line, column in characters, snippet).

use crate::diagnostic::{Diagnostic, Severity};
use crate::parse::Span;
use std::path::PathBuf;

/// The text of one spec file, for locating spans.
#[derive(Debug, Clone)]
pub struct SourceText<'a> {
    file: PathBuf,
    text: &'a str,
    /// Byte offset of each line's start: a diagnostic finds its line by binary search, so a
    /// spec with thousands of diagnostics is not rescanned from the top for each.
    line_starts: Vec<usize>,
}

impl<'a> SourceText<'a> {
    /// Wraps a file's text.
    pub fn new(file: PathBuf, text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceText {
            file,
            text,
            line_starts,
        }
    }

    /// The character starting at byte `i`, if any.
    pub fn char_at(&self, i: usize) -> Option<char> {
        self.text.get(clamp_to_char(self.text, i)..)?.chars().next()
    }

    /// A diagnostic at `span`.
    pub fn diagnostic(
        &self,
        severity: Severity,
        span: Span,
        path: &str,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        let start = clamp_to_char(self.text, span.start);
        // The last line start at or before `start` (there is always one: offset 0).
        let line_index = self.line_starts.partition_point(|&s| s <= start).max(1) - 1;
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let line_end = self.text[start..]
            .find('\n')
            .map(|i| start + i)
            .unwrap_or(self.text.len());
        let line = line_index + 1;
        let column = self.text[line_start..start].chars().count() + 1;
        let end = clamp_to_char(self.text, span.end.clamp(start, line_end));
        let len = self.text[start..end].chars().count().max(1);
        let source_line = self.text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        Diagnostic {
            severity,
            file: self.file.clone(),
            line,
            column,
            len,
            path: path.to_string(),
            message,
            help,
            source_line,
        }
    }
}

impl SourceText<'_> {
    /// The text of `span` as written (empty when it is not a valid range).
    pub(crate) fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    /// The pieces of `span` on each line it covers: `(line, first column, end column)`, 1-based
    /// line, 0-based character columns, end exclusive. Used to mask a literal credential by its
    /// position, never by its value (a short value also occurs elsewhere on a line).
    pub(crate) fn line_pieces(&self, span: Span) -> Vec<(usize, usize, usize)> {
        let text = self.text;
        let start = clamp_to_char(text, span.start);
        let end = clamp_to_char(text, span.end.max(start));
        let mut out = Vec::new();
        let mut line_start = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let mut line = text[..line_start].matches('\n').count() + 1;
        let mut from = start;
        loop {
            let line_end = text[line_start..]
                .find('\n')
                .map(|i| line_start + i)
                .unwrap_or(text.len());
            let to = end.min(line_end);
            if to > from {
                let c0 = text[line_start..from].chars().count();
                let c1 = c0 + text[from..to].chars().count();
                out.push((line, c0, c1));
            }
            if end <= line_end || line_end >= text.len() {
                break;
            }
            line_start = line_end + 1;
            from = line_start;
            line += 1;
        }
        out
    }
}

/// The largest char boundary at or before `i` (spans from the parsers are boundaries, but a
/// clamp keeps hostile input from panicking on a slice).
fn clamp_to_char(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_line_column_and_length_in_characters() {
        let src = SourceText::new("x.json".into(), "{\n  \"é\": \"offest\"\n}");
        let d = src.diagnostic(Severity::Error, Span::new(10, 18), "a", "m".into(), None);
        assert_eq!((d.line, d.column, d.len), (2, 8, 8));
        assert_eq!(d.source_line, "  \"é\": \"offest\"");
    }
}
