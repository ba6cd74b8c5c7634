//! Rust type names asked for with `struct_name`. Codegen gives each resource a struct of its
//! own, and names derived from resource names yield to explicit ones, so only two explicit
//! names (or an explicit name and a type of the generated module) can meet: checked here so the
//! error points at the `struct_name` in the spec, not at the macro call.

use super::{loc, R};
use crate::ident::{sanitize, Case, RESERVED_TYPES};
use std::collections::HashMap;

/// A resource's explicit `struct_name` (its own or from `resource_defaults`).
pub(crate) struct StructName {
    /// The resource's index in the file.
    pub index: usize,
    /// The resource's name.
    pub resource: String,
    /// As written.
    pub wanted: String,
}

/// Reports every explicit struct name that becomes a Rust type already taken.
pub(crate) fn struct_names(r: &mut R<'_>, wanted: &[StructName]) {
    let mut owners: HashMap<String, &StructName> = HashMap::with_capacity(wanted.len());
    for s in wanted {
        let name = sanitize(&s.wanted, Case::UpperCamel, "Resource");
        let bare = name.trim_start_matches("r#").to_string();
        let at = loc(s.index, &["struct_name"]);
        if RESERVED_TYPES.contains(&bare.as_str()) {
            r.error(
                &at,
                format!(
                    "resource `{}` asks for the struct `{name}`, which the generated module declares itself",
                    s.resource
                ),
                Some(format!(
                    "choose another `struct_name`: {} are taken",
                    crate::read::list(RESERVED_TYPES)
                )),
            );
            continue;
        }
        match owners.get(&bare) {
            Some(first) => {
                let first_at = loc(first.index, &["struct_name"]);
                let here = r.position(&at);
                let there = r.position(&first_at);
                let help = if here == there {
                    "a `struct_name` in `resource_defaults` names every resource's struct: set it on each resource instead".to_string()
                } else {
                    format!(
                        "`{}` asks for it at {there}; give one of them a different `struct_name`",
                        first.resource
                    )
                };
                r.error(
                    &at,
                    format!(
                        "resources `{}` and `{}` both generate the struct `{name}`: each resource needs a struct of its own",
                        first.resource, s.resource
                    ),
                    Some(help),
                );
            }
            None => {
                owners.insert(bare, s);
            }
        }
    }
}
