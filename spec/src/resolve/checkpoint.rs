//! `checkpoint` (rs): when committing a resource every N pages is safe.
//!
//! A checkpoint stores the incremental state reached so far; the next run starts from it.
//! That resumes exactly only when every record not yet loaded lies beyond that state, so the
//! API must send records in cursor order, the state must be used (no `end_value` backfill),
//! records at the checkpoint's cursor value must be recognisable (a primary key, for the
//! boundary dedup), a partial table must be a valid table (not `replace`), and the resource's
//! rows must not depend on records of another resource committed at another time (no parent,
//! no children).

use super::{loc, R};
use crate::model::{LastValueFunc, RowOrder};
use crate::resolved::Disposition;
use crate::resolved::ResolvedResource;

/// Reports each reason `res` (at file index `i`) cannot checkpoint; `children` are the names
/// of the resources that take it as their parent.
pub(crate) fn check(r: &mut R<'_>, i: usize, res: &ResolvedResource, children: &[&str]) -> bool {
    let row_order = res.row_order;
    let res = &res.def;
    let Some(pages) = res.checkpoint else {
        return true;
    };
    let at = loc(i, &["checkpoint"]);
    let name = &res.name;
    let mut ok = true;
    let mut refuse = |r: &mut R<'_>, why: String, help: &str| {
        r.error(
            &at,
            format!("resource `{name}` cannot checkpoint every {pages} pages: {why}"),
            Some(help.to_string()),
        );
        ok = false;
    };
    match &res.endpoint.incremental {
        None => refuse(
            r,
            "it has no `endpoint.incremental`, so a resumed run would start again from page 1".into(),
            "add `endpoint.incremental` with a `cursor_path`, or remove `checkpoint` (the run is then all or nothing)",
        ),
        Some(inc) => {
            if inc.end_value.is_some() {
                refuse(
                    r,
                    "with `end_value` the incremental state is not used, so a resumed run would start again".into(),
                    "remove `end_value` (let the state carry the backfill forward), or remove `checkpoint`",
                );
            }
            if inc.step.is_some() {
                refuse(
                    r,
                    "`step` windows are fetched concurrently and finish in any order, so no cursor value so far bounds what is loaded".into(),
                    "remove `step` or `checkpoint` (with `step` the run commits every window at its end, all or nothing)",
                );
            }
            let wanted = if inc.last_value_func == LastValueFunc::Max {
                RowOrder::Asc
            } else {
                RowOrder::Desc
            };
            if row_order != Some(wanted) {
                let (word, func) = match wanted {
                    RowOrder::Asc => ("asc", "max"),
                    RowOrder::Desc => ("desc", "min"),
                };
                refuse(
                    r,
                    format!("a checkpoint resumes after the last cursor value loaded, which skips records only when the API sends them in cursor order, and `incremental.row_order` is not `{word}` (`last_value_func` is `{func}`)"),
                    &format!("set `\"row_order\": \"{word}\"` if the API sorts by the cursor (e.g. with a sort param), or remove `checkpoint`"),
                );
            }
        }
    }
    if res.primary_key.is_empty() {
        refuse(
            r,
            "it has no `primary_key`, which a resumed run needs to skip the records at the checkpoint's cursor value that were already loaded".into(),
            "set `primary_key` (append keeps every row; the key only identifies records at the boundary), or remove `checkpoint`",
        );
    }
    if res.write.disposition == Disposition::Replace {
        refuse(
            r,
            "`replace` swaps the whole table at the end of a run, so there is nothing to keep from a failed one".into(),
            "use `append` or `merge`, or remove `checkpoint`",
        );
    }
    if let Some(p) = &res.parent {
        refuse(
            r,
            format!(
                "it is a child of `{}`, whose records decide its requests",
                p.resource
            ),
            "checkpoint the top-level resource instead, or remove `checkpoint`",
        );
    }
    if !children.is_empty() {
        refuse(
            r,
            format!(
                "{} take it as parent and load in the run, not at its checkpoints",
                crate::read::list(children)
            ),
            "remove `checkpoint`, or fetch the children from a resource without one",
        );
    }
    ok
}
