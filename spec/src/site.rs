//! Where a diagnostic of the semantic checks points. Reading keeps a handle on each positioned
//! value it read a resource, `resource_defaults` and `client` from ([`Handles`]); a check
//! names a [`Site`] in typed steps (keys and indices, never a joined path string), and the site
//! resolves to the span where the effective value was written: the resource's own, else the
//! one it inherited from `resource_defaults`, else the nearest value around it.

use crate::parse::{Entry, Kind, Node, Span};
use std::cell::RefCell;
use std::collections::HashMap;

/// Objects with more entries than this get a key index on first lookup, so that reporting on
/// each of thousands of columns stays linear.
const LINEAR_KEYS: usize = 32;

/// One step from a value into a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// An object key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A place in the spec a diagnostic points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Site {
    /// A merged setting of the resource at file index `index`: where the resource wrote it,
    /// else where `resource_defaults` did, else the nearest enclosing value the resource wrote
    /// (e.g. a string `endpoint`, or the resource itself).
    Setting {
        /// The resource's index in the file.
        index: usize,
        /// From the resource (or the defaults) to the value.
        steps: Vec<Step>,
    },
    /// The key (not the value) of column `name`: the resource's, else the defaults', else as
    /// [`Site::Setting`] `columns.<name>` (a list of columns has no key per column).
    ColumnKey {
        /// The resource's index in the file.
        index: usize,
        /// The column.
        name: String,
    },
    /// The resource's `name`, else the resource entry itself (a bare name).
    Name(usize),
    /// A value under `client`.
    Client(Vec<Step>),
}

/// `keys` as steps.
fn keys(keys: &[&str]) -> Vec<Step> {
    keys.iter().map(|k| Step::Key(k.to_string())).collect()
}

impl Site {
    /// The setting at `path` (object keys) of resource `index`.
    pub(crate) fn setting(index: usize, path: &[&str]) -> Site {
        Site::Setting {
            index,
            steps: keys(path),
        }
    }

    /// The value at `path` (object keys) under `client`.
    pub(crate) fn client(path: &[&str]) -> Site {
        Site::Client(keys(path))
    }

    /// This site's child `step`; a column key or a name has no children and is kept as is.
    pub(crate) fn then(mut self, step: Step) -> Site {
        if let Site::Setting { steps, .. } | Site::Client(steps) = &mut self {
            steps.push(step);
        }
        self
    }

    /// This site's child key `key`.
    pub(crate) fn key(self, key: &str) -> Site {
        self.then(Step::Key(key.to_string()))
    }
}

/// Where a site may have been written, most specific first.
enum Root {
    Resource(usize),
    Defaults,
    Client,
}

/// One place to look: a root, the steps from it, and whether the key (rather than the value)
/// is wanted. Built only when a diagnostic is reported.
struct Candidate {
    root: Root,
    steps: Vec<Step>,
    key: bool,
}

/// The positioned values reading read the spec's sections from.
#[derive(Debug, Default)]
pub(crate) struct Handles<'n> {
    /// `client`, when written.
    pub client: Option<&'n Node>,
    /// `resource_defaults`, when written (and not `null`).
    pub defaults: Option<&'n Node>,
    /// Every `resources` item, by index in the file (those that failed to read too).
    pub resources: Vec<&'n Node>,
    /// Key indices of large objects, by the address of their entries.
    big: RefCell<HashMap<usize, HashMap<String, usize>>>,
}

impl<'n> Handles<'n> {
    /// Handles on `client`, `resource_defaults` and the `resources` items.
    pub(crate) fn new(
        client: Option<&'n Node>,
        defaults: Option<&'n Node>,
        resources: Vec<&'n Node>,
    ) -> Self {
        Handles {
            client,
            defaults,
            resources,
            big: RefCell::default(),
        }
    }

    /// The span of the first place `site` was written, with its key path for the note; the
    /// start of the file (and the most specific path) when it was written nowhere.
    pub(crate) fn locate(&self, site: &Site) -> (Span, String) {
        let found = candidates(site)
            .into_iter()
            .find_map(|c| self.span(&c).map(|s| (s, c)));
        match found {
            Some((span, c)) => (span, path(&c)),
            None => {
                let first = candidates(site).into_iter().next();
                (Span::new(0, 1), first.map(|c| path(&c)).unwrap_or_default())
            }
        }
    }

    fn root(&self, root: &Root) -> Option<&'n Node> {
        match root {
            Root::Resource(i) => self.resources.get(*i).copied(),
            Root::Defaults => self.defaults,
            Root::Client => self.client,
        }
    }

    fn span(&self, c: &Candidate) -> Option<Span> {
        let mut cur = self.root(&c.root)?;
        let mut key_span = None;
        for step in &c.steps {
            match (step, &cur.kind) {
                (Step::Key(k), Kind::Object(entries)) => {
                    let e = self.entry(entries, k)?;
                    key_span = Some(e.key_span);
                    cur = &e.value;
                }
                (Step::Index(n), Kind::Array(items)) => {
                    cur = items.get(*n)?;
                    key_span = None;
                }
                _ => return None,
            }
        }
        if c.key {
            key_span
        } else {
            Some(cur.span)
        }
    }

    fn entry(&self, entries: &'n [Entry], key: &str) -> Option<&'n Entry> {
        if entries.len() <= LINEAR_KEYS {
            return entries.iter().find(|e| e.key == key);
        }
        let mut big = self.big.borrow_mut();
        let index = big.entry(entries.as_ptr() as usize).or_insert_with(|| {
            let mut m = HashMap::with_capacity(entries.len());
            for (i, e) in entries.iter().enumerate() {
                m.entry(e.key.clone()).or_insert(i);
            }
            m
        });
        index.get(key).and_then(|&i| entries.get(i))
    }
}

/// The places `site` may have been written, most specific first.
fn candidates(site: &Site) -> Vec<Candidate> {
    let value = |root, steps| Candidate {
        root,
        steps,
        key: false,
    };
    match site {
        Site::Setting { index, steps } => setting(*index, steps),
        Site::ColumnKey { index, name } => {
            let steps = vec![Step::Key("columns".into()), Step::Key(name.clone())];
            let mut out = vec![
                Candidate {
                    root: Root::Resource(*index),
                    steps: steps.clone(),
                    key: true,
                },
                Candidate {
                    root: Root::Defaults,
                    steps: steps.clone(),
                    key: true,
                },
            ];
            out.extend(setting(*index, &steps));
            out
        }
        Site::Name(i) => vec![
            value(Root::Resource(*i), vec![Step::Key("name".into())]),
            value(Root::Resource(*i), Vec::new()),
        ],
        Site::Client(steps) => vec![value(Root::Client, steps.clone())],
    }
}

/// A merged setting: the resource's own value, the defaults' value, then each enclosing value
/// the resource wrote (up to the resource itself).
fn setting(index: usize, steps: &[Step]) -> Vec<Candidate> {
    let value = |root, steps: &[Step]| Candidate {
        root,
        steps: steps.to_vec(),
        key: false,
    };
    let mut out = vec![
        value(Root::Resource(index), steps),
        value(Root::Defaults, steps),
    ];
    // Enclosing values end before a key (an index alone is not a value written on its own).
    for k in (0..steps.len()).rev() {
        if matches!(steps[k], Step::Key(_)) {
            out.push(value(Root::Resource(index), &steps[..k]));
        }
    }
    out
}

/// The key path of a candidate, as diagnostics note it (`resources[2].endpoint.path`).
fn path(c: &Candidate) -> String {
    let mut out = match c.root {
        Root::Resource(i) => format!("resources[{i}]"),
        Root::Defaults => "resource_defaults".to_string(),
        Root::Client => "client".to_string(),
    };
    for step in &c.steps {
        match step {
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(n) => out.push_str(&format!("[{n}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, Format};

    const SPEC: &str = r#"{
 "client": {"base_url": "x", "paginator": {"type": "offset", "limit": 1, "total_path": "t["}},
 "resource_defaults": {"struct_name": "S", "endpoint": {"params": {"p": 1}, "data": [["a", 1]]}},
 "resources": [
   "bare",
   {"name": "strep", "endpoint": "items/{id}"},
   {"name": "own", "struct_name": "O", "endpoint": {"params": {"a.b": 2}, "data": [["b", 1]]},
    "columns": [{"name": "c"}]},
   {"name": "map", "columns": {"c": {"data_type": "text"}}}
 ]}"#;

    /// The text and note path each site resolves to.
    fn at(site: Site) -> (String, String) {
        let root = parse(SPEC, Format::Json).unwrap();
        let Kind::Object(top) = &root.kind else {
            panic!("not an object")
        };
        let get = |k: &str| top.iter().find(|e| e.key == k).map(|e| &e.value);
        let Some(Kind::Array(items)) = get("resources").map(|n| &n.kind) else {
            panic!("no resources")
        };
        let h = Handles::new(
            get("client"),
            get("resource_defaults"),
            items.iter().collect(),
        );
        let (span, path) = h.locate(&site);
        (SPEC[span.start..span.end].to_string(), path)
    }

    fn pair(text: &str, path: &str) -> (String, String) {
        (text.to_string(), path.to_string())
    }

    #[test]
    fn a_setting_is_where_its_effective_value_was_written() {
        // Own value first, then the defaults', then the nearest value the resource wrote.
        assert_eq!(
            at(Site::setting(2, &["struct_name"])),
            pair(r#""O""#, "resources[2].struct_name")
        );
        assert_eq!(
            at(Site::setting(3, &["struct_name"])),
            pair(r#""S""#, "resource_defaults.struct_name")
        );
        assert_eq!(
            at(Site::setting(1, &["endpoint", "path"])),
            pair(r#""items/{id}""#, "resources[1].endpoint")
        );
        assert_eq!(
            at(Site::setting(0, &["endpoint", "path"])),
            pair(r#""bare""#, "resources[0]")
        );
        // Keys are steps, not a joined path: a dotted param name is one key.
        assert_eq!(
            at(Site::setting(2, &["endpoint", "params", "a.b"])),
            pair("2", "resources[2].endpoint.params.a.b")
        );
        assert_eq!(
            at(Site::setting(0, &["endpoint", "params", "p"])),
            pair("1", "resource_defaults.endpoint.params.p")
        );
        assert_eq!(
            at(Site::setting(2, &["endpoint", "data"]).then(Step::Index(0))),
            pair(r#"["b", 1]"#, "resources[2].endpoint.data[0]")
        );
        assert_eq!(
            at(Site::client(&["paginator"]).key("total_path")),
            pair(r#""t[""#, "client.paginator.total_path")
        );
    }

    #[test]
    fn names_and_column_keys() {
        assert_eq!(at(Site::Name(0)), pair(r#""bare""#, "resources[0]"));
        assert_eq!(at(Site::Name(1)), pair(r#""strep""#, "resources[1].name"));
        let column = |index| Site::ColumnKey {
            index,
            name: "c".into(),
        };
        assert_eq!(at(column(3)), pair(r#""c""#, "resources[3].columns.c"));
        // A list of columns has no key per column: the list is pointed at.
        assert_eq!(at(column(2)).1, "resources[2].columns");
    }
}
