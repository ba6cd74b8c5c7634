//! offset/limit and page_number: dlt's `RangePaginator` stop rules, in dlt's order.
//!
//! Difference from dlt: a `total` seen on an earlier page is kept when a later page lacks it
//! (dlt raises on every page without it, #1414); it must still be on the first page.

use serde_json::Value;

use super::{PageView, PaginateError, RequestParts};
use crate::def::{PaginatorDef, ParamPlace};
use crate::select::{path_text, Path, PathStep};

/// Which range paginator.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeKind {
    /// offset/limit: step is the limit, total counts records.
    Offset {
        /// Page size.
        limit: u64,
        /// Where the limit goes.
        limit_param: ParamPlace,
    },
    /// Page numbers: step 1, total counts pages.
    Page,
}

/// State of an offset or page_number paginator.
#[derive(Debug, Clone)]
pub struct RangePaginator {
    /// Which one.
    pub kind: RangeKind,
    /// Value sent on the current request.
    pub current: u64,
    /// 0 for offsets, `base_page` for pages.
    pub base_index: u64,
    /// Where the value goes.
    pub param: ParamPlace,
    /// Where the total is read.
    pub total_path: Option<Path>,
    /// Exclusive maximum.
    pub maximum: Option<u64>,
    /// Stop on an empty page.
    pub stop_after_empty_page: bool,
    /// More-pages flag.
    pub has_more_path: Option<Path>,
    /// The last total read.
    pub last_total: Option<u64>,
}

impl RangePaginator {
    /// From a spec paginator (offset or page_number).
    pub fn from_def(def: &PaginatorDef) -> Self {
        match def {
            PaginatorDef::Offset {
                limit,
                offset,
                offset_param,
                limit_param,
                total_path,
                maximum_offset,
                stop_after_empty_page,
                has_more_path,
            } => RangePaginator {
                kind: RangeKind::Offset {
                    limit: *limit,
                    limit_param: *limit_param,
                },
                current: *offset,
                base_index: 0,
                param: *offset_param,
                total_path: total_path.map(Path::Borrowed),
                maximum: *maximum_offset,
                stop_after_empty_page: *stop_after_empty_page,
                has_more_path: has_more_path.map(Path::Borrowed),
                last_total: None,
            },
            PaginatorDef::PageNumber {
                base_page,
                page,
                page_param,
                total_path,
                maximum_page,
                stop_after_empty_page,
                has_more_path,
            } => RangePaginator {
                kind: RangeKind::Page,
                current: *page,
                base_index: *base_page,
                param: *page_param,
                total_path: total_path.map(Path::Borrowed),
                maximum: *maximum_page,
                stop_after_empty_page: *stop_after_empty_page,
                has_more_path: has_more_path.map(Path::Borrowed),
                last_total: None,
            },
            _ => RangePaginator::page_detected(Vec::new(), 0, 0),
        }
    }

    /// A detected page_number paginator: the first page (already fetched without a page
    /// parameter) was page `current` of an API whose first page is `base`.
    pub fn page_detected(total_path: Vec<PathStep>, current: u64, base: u64) -> Self {
        RangePaginator {
            kind: RangeKind::Page,
            current,
            base_index: base,
            param: ParamPlace::Query("page"),
            total_path: Some(total_path.into()),
            maximum: None,
            stop_after_empty_page: true,
            has_more_path: None,
            last_total: None,
        }
    }

    fn step(&self) -> u64 {
        match &self.kind {
            RangeKind::Offset { limit, .. } => *limit,
            RangeKind::Page => 1,
        }
    }

    fn set(&self, req: &mut RequestParts, value: u64) {
        req.set_param(&self.param, Value::from(value));
        if let RangeKind::Offset { limit, limit_param } = &self.kind {
            req.set_param(limit_param, Value::from(*limit));
        }
    }

    pub(super) fn init(&self, req: &mut RequestParts) {
        self.set(req, self.current);
    }

    pub(super) fn value_paths(&self) -> Vec<&[PathStep]> {
        self.total_path
            .iter()
            .chain(self.has_more_path.iter())
            .map(|p| &p[..])
            .collect()
    }

    pub(super) fn advance(
        &mut self,
        view: &PageView,
        req: &mut RequestParts,
    ) -> Result<bool, PaginateError> {
        // 1. An empty page ends it, before the total is even looked at.
        if self.stop_after_empty_page && view.record_count == 0 {
            return Ok(false);
        }
        let mut slot = 0;
        // 2. The total, when configured.
        if let Some(path) = &self.total_path {
            match view.values.get(slot).cloned().flatten() {
                Some(v) if !v.is_null() => self.last_total = Some(as_count("total", path, &v)?),
                _ if self.last_total.is_some() => {}
                _ => {
                    return Err(PaginateError::Missing {
                        what: "total",
                        path: path_text(path),
                    })
                }
            }
            slot += 1;
        }
        // 3. Advance.
        self.current = self.current.saturating_add(self.step());
        // 4. Exclusive bounds.
        if let Some(total) = self.last_total {
            if self.current >= total.saturating_add(self.base_index) {
                return Ok(false);
            }
        }
        if self.maximum.is_some_and(|m| self.current >= m) {
            return Ok(false);
        }
        // 5. has_more is ANDed in (dlt 1.31.0).
        if let Some(path) = &self.has_more_path {
            let v = view.values.get(slot).cloned().flatten();
            if !as_flag(path, v)? {
                return Ok(false);
            }
        }
        self.set(req, self.current);
        Ok(true)
    }

    pub(super) fn remaining(&self, req: &RequestParts) -> Option<RemainingPages> {
        // A zero step would request the same page forever; the sequential path's repeat
        // guard stops that instead.
        if self.has_more_path.is_some() || self.step() == 0 {
            return None;
        }
        let end = self.last_total?.saturating_add(self.base_index);
        let end = self.maximum.map_or(end, |m| end.min(m));
        Some(RemainingPages {
            range: self.clone(),
            req: req.clone(),
            value: self.current,
            end,
        })
    }
}

/// The requests after the current one of a range paginator with a known end, each made when
/// it is needed: a million pages cost no more memory than the pages in flight.
#[derive(Debug, Clone)]
pub struct RemainingPages {
    range: RangePaginator,
    req: RequestParts,
    value: u64,
    end: u64,
}

impl Iterator for RemainingPages {
    type Item = RequestParts;

    fn next(&mut self) -> Option<RequestParts> {
        if self.value >= self.end {
            return None;
        }
        let mut next = self.req.clone();
        self.range.set(&mut next, self.value);
        self.value = self.value.saturating_add(self.range.step());
        Some(next)
    }
}

/// A non-negative integer (or integral string/float) value.
pub(crate) fn as_count(
    what: &'static str,
    path: &[PathStep],
    v: &Value,
) -> Result<u64, PaginateError> {
    let n = match v {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_i64().map(|i| i.max(0) as u64))
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    n.ok_or_else(|| PaginateError::Invalid {
        what,
        path: path_text(path),
        expected: "an integer",
        found: v.to_string(),
    })
}

/// A has_more value: a bool or a str2bool string; anything else (or missing) is an error.
pub(crate) fn as_flag(path: &[PathStep], v: Option<Value>) -> Result<bool, PaginateError> {
    match v {
        Some(Value::Bool(b)) => Ok(b),
        Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "yes" | "true" | "t" | "y" | "1" => Ok(true),
            "no" | "false" | "f" | "n" | "0" => Ok(false),
            _ => Err(PaginateError::Invalid {
                what: "has_more",
                path: path_text(path),
                expected: "a boolean",
                found: s,
            }),
        },
        Some(other) if !other.is_null() => Err(PaginateError::Invalid {
            what: "has_more",
            path: path_text(path),
            expected: "a boolean",
            found: other.to_string(),
        }),
        _ => Err(PaginateError::Missing {
            what: "has_more",
            path: path_text(path),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(limit: u64, total: u64, maximum: Option<u64>) -> Option<Vec<String>> {
        Some(pages(limit, total, maximum)?.collect())
    }

    fn pages(limit: u64, total: u64, maximum: Option<u64>) -> Option<impl Iterator<Item = String>> {
        let range = RangePaginator {
            kind: RangeKind::Offset {
                limit,
                limit_param: ParamPlace::Query("limit"),
            },
            current: limit,
            base_index: 0,
            param: ParamPlace::Query("offset"),
            total_path: None,
            maximum,
            stop_after_empty_page: false,
            has_more_path: None,
            last_total: Some(total),
        };
        let req = RequestParts {
            url: url::Url::parse("http://api.test/items").unwrap(),
            query: Vec::new(),
            json: None,
            data: None,
        };
        let rest = range.remaining(&req)?;
        Some(rest.map(|r| r.full_url().query().unwrap_or("").to_string()))
    }

    #[test]
    fn remaining_pages_run_to_the_total_or_the_maximum() {
        assert_eq!(
            offsets(100, 350, None).unwrap(),
            [
                "offset=100&limit=100",
                "offset=200&limit=100",
                "offset=300&limit=100"
            ]
        );
        assert_eq!(
            offsets(100, 350, Some(250)).unwrap(),
            ["offset=100&limit=100", "offset=200&limit=100"]
        );
        assert_eq!(offsets(100, 100, None).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn remaining_pages_are_made_as_they_are_taken() {
        // A total of 10^15 records: listing the requests up front would never finish.
        let mut rest = pages(100, 1_000_000_000_000_000, None).unwrap();
        assert_eq!(rest.next().as_deref(), Some("offset=100&limit=100"));
        assert_eq!(rest.nth(1_000).as_deref(), Some("offset=100200&limit=100"));
    }

    #[test]
    fn a_zero_limit_is_left_to_the_repeat_guard() {
        assert_eq!(offsets(0, 350, None), None);
    }
}
