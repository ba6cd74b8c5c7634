//! Normalized names, remembered: the same keys arrive in every record, and dlt's snake_case
//! rules (with shortening) cost far more than a map lookup. Bounded, so an API whose keys never
//! repeat (ids as keys) cannot grow it without limit.
//!
//! Two things make the per-field cost small:
//! - records of one API carry the same keys in the same order, so each object remembers its
//!   last keys by position ([`Recent`]) and a key is compared with one string instead of
//!   hashed into two maps;
//! - every column name is handed out as one shared `Arc` per name ([`NameCache::begin_record`]
//!   keeps that true for a whole record), so two keys that normalize alike are found by
//!   comparing pointers, not text.

use super::FastMap;
use std::cell::{Cell, RefCell, RefMut};
use std::collections::HashSet;
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
    /// Every column name handed out since the last [`NameCache::begin_record`] that cleared
    /// it: one `Arc` per text.
    interned: RefCell<HashSet<Arc<str>, foldhash::fast::RandomState>>,
    /// Per table (by its name's address, which [`NameCache::table`] keeps stable), the keys
    /// of each object of its last row, by the object's order in the row.
    recent: RefCell<FastMap<usize, Vec<Recent>>>,
    /// Raw list key → its table fragment.
    lists: RefCell<FastMap<String, String>>,
    /// Table path (fragments) → table name, shared by every row of the table.
    tables: RefCell<FastMap<Vec<String>, Arc<str>>>,
}

/// One object of a row as the table's last row had it: its path and its keys in order, each
/// with its column name and its own name.
#[derive(Debug, Clone, Default)]
pub(super) struct Recent {
    prefix: String,
    keys: Vec<(Box<str>, Arc<str>, Arc<str>)>,
}

impl Recent {
    /// How many keys the object had.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Starts an object at `path` (its keys' names, joined by the path separator as its
    /// columns' prefix): what is remembered of another path is forgotten. The prefix is
    /// compared part by part, not joined first: joining allocated once per nested object.
    pub fn start(&mut self, path: &[String]) {
        let sep = restsource_core::naming::PATH_SEPARATOR;
        let mut rest = self.prefix.as_str();
        let mut same = true;
        for (i, part) in path.iter().enumerate() {
            if i > 0 {
                match rest.strip_prefix(sep) {
                    Some(r) => rest = r,
                    None => {
                        same = false;
                        break;
                    }
                }
            }
            match rest.strip_prefix(part.as_str()) {
                Some(r) => rest = r,
                None => {
                    same = false;
                    break;
                }
            }
        }
        if !same || !rest.is_empty() {
            self.prefix = path.join(sep);
            self.keys.clear();
        }
    }
}

impl NameCache {
    /// Forgets every entry computed under another naming (the normalizer's `naming` is a
    /// public field and may change between records).
    fn check(&self, naming: &Naming) {
        if self.naming.get() != Some(*naming) {
            self.columns.borrow_mut().clear();
            self.lists.borrow_mut().clear();
            self.tables.borrow_mut().clear();
            self.interned.borrow_mut().clear();
            self.recent.borrow_mut().clear();
            self.naming.set(Some(*naming));
        }
    }

    /// Called before each record's names are looked up: the only place the shared column
    /// names start over (when too many were made), so within a record equal names are the
    /// same `Arc`.
    pub fn begin_record(&self, naming: &Naming) {
        self.check(naming);
        let full = self.interned.borrow().len() >= MAX_ENTRIES;
        if full || self.recent.borrow().len() >= MAX_ENTRIES {
            self.interned.borrow_mut().clear();
            self.recent.borrow_mut().clear();
            self.columns.borrow_mut().clear();
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
        let column = if prefix.is_empty() {
            self.intern(key_name.clone())
        } else {
            self.intern(naming.join(&[prefix, &key_name]).into())
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

    /// The one shared `Arc` of column name `name`.
    fn intern(&self, name: Arc<str>) -> Arc<str> {
        let mut interned = self.interned.borrow_mut();
        match interned.get(&name) {
            Some(shared) => shared.clone(),
            None => {
                interned.insert(name.clone());
                name
            }
        }
    }

    /// What the last row of `table` (a name [`NameCache::table`] gave) had in each object.
    pub fn recent(&self, table: &Arc<str>) -> RefMut<'_, Vec<Recent>> {
        let address = Arc::as_ptr(table).cast::<u8>() as usize;
        RefMut::map(self.recent.borrow_mut(), |r| r.entry(address).or_default())
    }

    /// The column name of the `position`th key of the object `recent` (started at its
    /// prefix), `key`.
    pub fn column_at(
        &self,
        naming: &Naming,
        recent: &mut Recent,
        position: usize,
        key: &str,
    ) -> Arc<str> {
        if let Some((k, column, _)) = recent.keys.get(position) {
            if **k == *key {
                return column.clone();
            }
        }
        let (key_name, column) = self.column(naming, &recent.prefix, key);
        let entry = (Box::from(key), column.clone(), key_name);
        match recent.keys.get_mut(position) {
            Some(slot) => *slot = entry,
            None => recent.keys.push(entry),
        }
        column
    }

    /// The key's own name of the `position`th key of `recent`, which only a nested object
    /// needs (remembered by [`NameCache::column_at`] for that key).
    pub fn key_name_at(&self, recent: &Recent, position: usize) -> Option<Arc<str>> {
        recent.keys.get(position).map(|(_, _, name)| name.clone())
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
        // A table name made anew is another address: what was remembered under an old one
        // is never looked up again, so it goes.
        self.recent.borrow_mut().clear();
        name
    }
}

fn remember<K: std::hash::Hash + Eq, V>(map: &RefCell<FastMap<K, V>>, key: K, value: V) {
    let mut map = map.borrow_mut();
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(key, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|p| p.to_string()).collect()
    }

    /// Whether `start(next)` after an object at `first` with one key remembered keeps it.
    fn kept(first: &[&str], next: &[&str]) -> bool {
        let mut recent = Recent::default();
        recent.start(&path(first));
        recent.keys.push(("k".into(), "k".into(), "k".into()));
        recent.start(&path(next));
        assert_eq!(recent.prefix, next.join("__"));
        !recent.keys.is_empty()
    }

    #[test]
    fn an_object_keeps_its_keys_only_at_the_same_joined_path() {
        assert!(kept(&[], &[]));
        assert!(kept(&["a", "b"], &["a", "b"]));
        // Compared as the joined prefix was: the same text from other parts is the same path.
        assert!(kept(&["a__b"], &["a", "b"]));
        assert!(!kept(&["a", "b"], &["a"]));
        assert!(!kept(&["a"], &["a", "b"]));
        assert!(!kept(&["a", "b"], &["a", "c"]));
        assert!(!kept(&["ab"], &["a", "b"]));
        assert!(!kept(&[], &["a"]));
        assert!(!kept(&["a"], &[]));
    }
}
