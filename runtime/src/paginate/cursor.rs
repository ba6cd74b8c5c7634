//! Cursor paginators: from the JSON body (`cursor`) and from a header (`header_cursor`).

use serde_json::Value;

use super::range::as_flag;
use super::{PageView, PaginateError, RequestParts};
use crate::def::{PaginatorDef, ParamPlace};
use crate::select::{Path, PathStep};

/// dlt's `JSONResponseCursorPaginator`.
#[derive(Debug, Clone)]
pub struct CursorPaginator {
    /// Where the next cursor is read.
    pub cursor_path: Path,
    /// Where it is sent.
    pub param: ParamPlace,
    /// Stop on an empty page.
    pub stop_after_empty_page: bool,
    /// More-pages flag.
    pub has_more_path: Option<Path>,
    /// Cursor of the first request (dlt #4428).
    pub initial_cursor: Option<String>,
}

impl CursorPaginator {
    /// From a spec `cursor` paginator.
    pub fn from_def(def: &PaginatorDef) -> Self {
        match def {
            PaginatorDef::Cursor {
                cursor_path,
                cursor_param,
                stop_after_empty_page,
                has_more_path,
                initial_cursor,
            } => CursorPaginator {
                cursor_path: Path::Borrowed(cursor_path),
                param: *cursor_param,
                stop_after_empty_page: *stop_after_empty_page,
                has_more_path: has_more_path.map(Path::Borrowed),
                initial_cursor: initial_cursor.map(str::to_string),
            },
            _ => CursorPaginator::detected(Vec::new()),
        }
    }

    /// A detected cursor paginator (`cursor` query parameter).
    pub fn detected(cursor_path: Vec<PathStep>) -> Self {
        CursorPaginator {
            cursor_path: cursor_path.into(),
            param: ParamPlace::Query("cursor"),
            stop_after_empty_page: false,
            has_more_path: None,
            initial_cursor: None,
        }
    }

    pub(super) fn init(&self, req: &mut RequestParts) {
        if let Some(c) = &self.initial_cursor {
            req.set_param(&self.param, Value::String(c.clone()));
        }
    }

    pub(super) fn value_paths(&self) -> Vec<&[PathStep]> {
        std::iter::once(&self.cursor_path)
            .chain(self.has_more_path.iter())
            .map(|p| &p[..])
            .collect()
    }

    pub(super) fn advance(
        &mut self,
        view: &PageView,
        req: &mut RequestParts,
    ) -> Result<bool, PaginateError> {
        let cursor = view.values.first().cloned().flatten();
        // dlt stops on any falsy cursor: missing, null, "", 0, false, [] or {}.
        let falsy = match &cursor {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Bool(b)) => !b,
            Some(Value::Number(n)) => n.as_f64() == Some(0.0),
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::Object(o)) => o.is_empty(),
        };
        if falsy || (self.stop_after_empty_page && view.record_count == 0) {
            return Ok(false);
        }
        if let Some(path) = &self.has_more_path {
            if !as_flag(path, view.values.get(1).cloned().flatten())? {
                return Ok(false);
            }
        }
        if let Some(c) = cursor {
            req.set_param(&self.param, c);
        }
        Ok(true)
    }
}

/// dlt's `HeaderCursorPaginator`.
#[derive(Debug, Clone)]
pub struct HeaderCursorPaginator {
    /// Response header holding the cursor.
    pub cursor_key: String,
    /// Query parameter it is sent in.
    pub cursor_param: String,
}

impl HeaderCursorPaginator {
    /// Stops when the header is absent; an empty value does not stop (as dlt), but the repeat
    /// guard catches an API that keeps sending the same one.
    pub(super) fn advance(&self, view: &PageView, req: &mut RequestParts) -> bool {
        match view
            .headers
            .get(&self.cursor_key)
            .and_then(|v| v.to_str().ok())
        {
            Some(v) => {
                req.set_query(&self.cursor_param, v.to_string());
                true
            }
            None => false,
        }
    }
}
