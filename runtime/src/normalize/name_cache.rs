//! Normalized names, remembered: the same keys arrive in every record, and dlt's snake_case
//! rules (with shortening) cost far more than a map lookup. Bounded, so an API whose keys never
//! repeat (ids as keys) cannot grow it without limit.

use super::FastMap;
use std::cell::{Cell, RefCell};
use std::sync::Arc;

use restsource_core::naming::Naming;

/// Entries kept per map before it starts over.
const MAX_ENTRIES: usize = 16_384;

/// A key's name and its column's name, shared: every record's row holds its column names, and
/// a reference count costs less than a copy of the text (`Arc` because writers move between
/// threads).
type Names = (Arc<str>, Arc<str>);

/// Names computed under one [`Naming`].
#[derive(Debug, Clone, Default)]
pub(super) struct NameCache {
    /// The naming every entry was computed under.
    naming: Cell<Option<Naming>>,
    /// Unshortened path of the enclosing object → raw key → (key's name, column name); two
    /// levels so a lookup borrows both strings instead of building a key.
    columns: RefCell<FastMap<String, FastMap<String, Names>>>,
    /// Raw list key → its table fragment.
    lists: RefCell<FastMap<String, String>>,
    /// Table path (fragments) → table name, shared by every row of the table.
    tables: RefCell<FastMap<Vec<String>, Arc<str>>>,
}

impl NameCache {
    /// Forgets every entry computed under another naming (the normalizer's `naming` is a
    /// public field and may change between records).
    fn check(&self, naming: &Naming) {
        if self.naming.get() != Some(*naming) {
            self.columns.borrow_mut().clear();
            self.lists.borrow_mut().clear();
            self.tables.borrow_mut().clear();
            self.naming.set(Some(*naming));
        }
    }

    /// The name of `key` and of its column inside the object at `prefix` (its normalized
    /// fragments joined, unshortened; empty at the top of a row).
    pub fn column(&self, naming: &Naming, prefix: &str, key: &str) -> Names {
        self.check(naming);
        if let Some(hit) = self.columns.borrow().get(prefix).and_then(|m| m.get(key)) {
            return hit.clone();
        }
        let key_name: Arc<str> = naming.key(key).into();
        let column: Arc<str> = if prefix.is_empty() {
            key_name.clone()
        } else {
            naming.join(&[prefix, &key_name]).into()
        };
        let mut columns = self.columns.borrow_mut();
        if columns.values().map(FastMap::len).sum::<usize>() >= MAX_ENTRIES {
            columns.clear();
        }
        columns
            .entry(prefix.to_string())
            .or_default()
            .insert(key.to_string(), (key_name.clone(), column.clone()));
        (key_name, column)
    }

    /// The table fragment of list key `key`.
    pub fn list(&self, naming: &Naming, key: &str) -> String {
        self.check(naming);
        if let Some(hit) = self.lists.borrow().get(key) {
            return hit.clone();
        }
        let name = naming.path(key);
        remember(&self.lists, key.to_string(), name.clone());
        name
    }

    /// The table name of a path of fragments (looked up by the fragments themselves: every
    /// record names its table, so the lookup builds nothing).
    pub fn table(&self, naming: &Naming, path: &[String]) -> Arc<str> {
        self.check(naming);
        if let Some(hit) = self.tables.borrow().get(path) {
            return hit.clone();
        }
        let name: Arc<str> = naming.join(path).into();
        remember(&self.tables, path.to_vec(), name.clone());
        name
    }

    /// The column name of `key` inside the object at `prefix`: [`NameCache::column`] without
    /// the key's own name, which only a nested object needs (one reference count less to
    /// take and drop per field).
    pub fn column_name(&self, naming: &Naming, prefix: &str, key: &str) -> Arc<str> {
        self.check(naming);
        if let Some(hit) = self.columns.borrow().get(prefix).and_then(|m| m.get(key)) {
            return hit.1.clone();
        }
        self.column(naming, prefix, key).1
    }
}

fn remember<K: std::hash::Hash + Eq, V>(map: &RefCell<FastMap<K, V>>, key: K, value: V) {
    let mut map = map.borrow_mut();
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(key, value);
}
