//! Splits a top-level JSON array into its elements as its bytes arrive, without parsing them.
//!
//! Why a splitter rather than serde over a blocking reader: the elements go on to the same
//! page decoder as a buffered page (generated structs, declarative steps, incremental filter,
//! transforms), so collecting each batch of elements as `[e1,e2,…]` bytes and decoding that
//! reuses all of it unchanged, on the task that reads the body (no thread, no channel). The
//! splitter only tracks strings, escapes and nesting depth to find where elements end; the
//! decoder checks each element's syntax, and the splitter checks what lies between them.

/// Where the splitter is in the array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Before the opening `[`.
    Start,
    /// After `[` or after an element's `,`: an element (or `]` right after `[`) comes next.
    Element { after_comma: bool },
    /// Inside an element.
    Inside,
    /// After an element: `,` or `]` comes next.
    Between,
    /// After the closing `]`: only white space may follow.
    Done,
}

/// A body that is not one JSON array, found by the splitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitError {
    /// Byte offset in the (decoded) body where it was found.
    pub offset: u64,
    /// What was found there.
    pub message: String,
}

/// The splitter's state, and the batch of elements collected so far.
#[derive(Debug)]
pub(crate) struct ArraySplitter {
    at: At,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Bytes consumed so far (the offset of the next byte).
    offset: u64,
    /// Offset where the current element started.
    element_start: u64,
    /// Length of the current element so far (for the per-record bound).
    element_len: usize,
    /// Largest element accepted, in bytes.
    max_element: usize,
    /// `[e1,e2,…` (the closing `]` is added when the batch is taken).
    batch: Vec<u8>,
    count: usize,
    /// Records taken in earlier batches.
    taken: u64,
}

impl ArraySplitter {
    /// A splitter accepting elements of at most `max_element` bytes.
    pub fn new(max_element: usize) -> Self {
        ArraySplitter {
            at: At::Start,
            depth: 0,
            in_string: false,
            escaped: false,
            offset: 0,
            element_start: 0,
            element_len: 0,
            max_element,
            batch: vec![b'['],
            count: 0,
            taken: 0,
        }
    }

    /// Complete elements collected and not yet taken.
    pub fn ready(&self) -> usize {
        self.count
    }

    /// Records taken so far (the index of the next batch's first record).
    pub fn taken(&self) -> u64 {
        self.taken
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The complete elements so far as a JSON array, and how many there are.
    pub fn take_batch(&mut self) -> (Vec<u8>, usize) {
        let mut out = Vec::with_capacity(self.batch.len() + 1);
        out.push(b'[');
        std::mem::swap(&mut out, &mut self.batch);
        out.push(b']');
        let n = std::mem::take(&mut self.count);
        self.taken += n as u64;
        // Bytes of an element still open belong to the next batch.
        if self.at == At::Inside {
            let open = out.len() - 1 - self.element_len;
            self.batch.extend_from_slice(&out[open..out.len() - 1]);
            out.truncate(open);
            // `[e1,e2,` -> `[e1,e2]`: drop the comma written before the open element.
            if out.last() == Some(&b',') {
                out.pop();
            }
            out.push(b']');
        }
        (out, n)
    }

    /// Consumes `bytes`, collecting every element that ends in them.
    #[cfg(test)]
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), SplitError> {
        self.feed_until(bytes, usize::MAX).map(|_| ())
    }

    /// Consumes `bytes` until `cap` complete elements are collected (or `bytes` ends): the
    /// bytes consumed. So a batch holds exactly `cap` records however the body is chunked.
    pub fn feed_until(&mut self, bytes: &[u8], cap: usize) -> Result<usize, SplitError> {
        for (i, &b) in bytes.iter().enumerate() {
            self.byte(b)?;
            self.offset += 1;
            if self.count >= cap {
                return Ok(i + 1);
            }
        }
        Ok(bytes.len())
    }

    /// The body ended: an error unless the array was closed.
    pub fn finish(&self) -> Result<(), SplitError> {
        if self.at == At::Done {
            return Ok(());
        }
        Err(self.error(format!(
            "the body ended inside the array (after {} complete records)",
            self.taken + self.count as u64
        )))
    }

    fn error(&self, message: String) -> SplitError {
        SplitError {
            offset: self.offset,
            message,
        }
    }

    fn unexpected(&self, b: u8, expected: &str) -> SplitError {
        self.error(format!(
            "expected {expected}, found `{}`",
            (b as char).escape_default()
        ))
    }

    fn byte(&mut self, b: u8) -> Result<(), SplitError> {
        match self.at {
            At::Start => match b {
                b'[' => self.at = At::Element { after_comma: false },
                _ if b.is_ascii_whitespace() => {}
                _ => return Err(self.unexpected(b, "`[` opening the array")),
            },
            At::Element { after_comma } => match b {
                _ if b.is_ascii_whitespace() => {}
                b']' if !after_comma => self.at = At::Done,
                b',' | b']' | b'}' | b':' => {
                    return Err(self.unexpected(b, "a record"));
                }
                _ => {
                    if self.count > 0 {
                        self.batch.push(b',');
                    }
                    self.at = At::Inside;
                    self.element_start = self.offset;
                    self.element_len = 0;
                    self.inside(b)?;
                }
            },
            At::Inside => self.inside(b)?,
            At::Between => match b {
                _ if b.is_ascii_whitespace() => {}
                b',' => self.at = At::Element { after_comma: true },
                b']' => self.at = At::Done,
                _ => return Err(self.unexpected(b, "`,` or `]` after a record")),
            },
            At::Done => {
                if !b.is_ascii_whitespace() {
                    return Err(self.unexpected(b, "nothing after the array's closing `]`"));
                }
            }
        }
        Ok(())
    }

    /// A byte of an element: tracks strings and depth to find where it ends.
    fn inside(&mut self, b: u8) -> Result<(), SplitError> {
        if !self.in_string && self.depth == 0 && matches!(b, b',' | b']') {
            // A scalar element ends at the separator, which is not part of it.
            self.end_element();
            return self.byte(b);
        }
        if !self.in_string && self.depth == 0 && b.is_ascii_whitespace() {
            self.end_element();
            return Ok(());
        }
        self.element_len += 1;
        if self.element_len > self.max_element {
            return Err(SplitError {
                offset: self.element_start,
                message: format!(
                    "record {} is larger than the limit of {} bytes (ExtractOptions::max_body_bytes bounds each record of a streamed array)",
                    self.taken + self.count as u64,
                    self.max_element
                ),
            });
        }
        self.batch.push(b);
        if self.in_string {
            match (self.escaped, b) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.in_string = false,
                _ => {}
            }
            if !self.in_string && self.depth == 0 {
                self.end_element();
            }
            return Ok(());
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    self.end_element();
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn end_element(&mut self) {
        self.at = At::Between;
        self.count += 1;
        self.element_len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `body` in chunks of `size` bytes, taking a batch after each; the batches' records.
    fn split(body: &str, size: usize) -> Result<Vec<String>, SplitError> {
        let mut s = ArraySplitter::new(64);
        let mut out = Vec::new();
        for chunk in body.as_bytes().chunks(size) {
            s.feed(chunk)?;
            let (batch, n) = s.take_batch();
            let records: Vec<serde_json::Value> = serde_json::from_slice(&batch).unwrap();
            assert_eq!(records.len(), n, "{}", String::from_utf8_lossy(&batch));
            out.extend(records.iter().map(|r| r.to_string()));
        }
        s.finish()?;
        Ok(out)
    }

    #[test]
    fn elements_are_found_across_chunk_boundaries() {
        let body = r#" [ {"a":"x,]}\"y","b":[1,{"c":2}]} , 12, "s]",true,null ,[[]] ] "#;
        let want = [
            r#"{"a":"x,]}\"y","b":[1,{"c":2}]}"#,
            "12",
            r#""s]""#,
            "true",
            "null",
            "[[]]",
        ];
        for size in [1, 2, 3, 7, 1000] {
            assert_eq!(split(body, size).unwrap(), want, "chunks of {size}");
        }
        assert_eq!(split("[]", 1).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn what_lies_between_elements_is_checked_with_its_offset() {
        let err = |body: &str| split(body, 1).unwrap_err();
        assert_eq!(
            err("[1,]"),
            SplitError {
                offset: 3,
                message: "expected a record, found `]`".into()
            }
        );
        assert_eq!(
            err("[1 2]").message,
            "expected `,` or `]` after a record, found `2`"
        );
        assert_eq!(err("[1],").offset, 3);
        assert_eq!(
            err(r#"[{"a":1},{"a""#),
            SplitError {
                offset: 13,
                message: "the body ended inside the array (after 1 complete records)".into()
            }
        );
        let big = format!("[\"{}\"]", "x".repeat(70));
        let e = err(&big);
        assert_eq!(e.offset, 1);
        assert!(
            e.message
                .starts_with("record 0 is larger than the limit of 64 bytes"),
            "{e:?}"
        );
    }
}
