//! The mock's data: per-resource record states, rendered JSON kept once per record, and
//! pages assembled by joining those slices.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use crate::config::Shape;
use crate::generate::{record, RecordState};
use crate::render::{write_u64, Renderer};
use crate::resources::{kind_of, ResourceKind};

/// Filter results kept between pages of the same incremental scan; bounded so a client
/// sending many distinct `updated_since` values cannot grow it without limit.
const FILTER_CACHE_ENTRIES: usize = 256;

/// Matching record indices per (resource, `updated_since` minute, `updated_before` minute).
type FilterCache = HashMap<(String, i64, i64), Arc<Vec<u32>>>;

/// `updated_since` and `updated_before` in minutes after the epoch: a record matches when
/// `since <= updated_at < before` (either bound may be missing: `i64::MIN`, `i64::MAX`).
pub(crate) type MinuteRange = (i64, i64);

/// One resource's records; index `i` holds id `i + 1`.
pub(crate) struct ResourceData {
    pub(crate) kind: ResourceKind,
    pub(crate) states: Vec<RecordState>,
    rendered: Vec<OnceLock<Box<[u8]>>>,
    /// Largest `updated_at` (minutes) of any record, so mutations can bump past it.
    pub(crate) max_updated: i64,
    /// How many mutations touched this resource; seeds the next mutation's choices.
    pub(crate) mutations: u64,
}

/// A page of a list endpoint, ready to send.
pub(crate) struct Page {
    /// `{"data": [...], "total": N}` as bytes.
    pub(crate) body: Vec<u8>,
}

/// All resources of one mock instance.
pub(crate) struct Store {
    seed: u64,
    shape: Shape,
    initial_records: usize,
    resources: HashMap<String, ResourceData>,
    filter_cache: Mutex<FilterCache>,
    cache_budget: usize,
    cached_bytes: AtomicUsize,
}

impl Store {
    /// An empty store; resources materialise on first use so that unused ones cost nothing.
    pub(crate) fn new(
        seed: u64,
        shape: Shape,
        initial_records: usize,
        cache_budget: usize,
    ) -> Self {
        Store {
            seed,
            shape,
            initial_records,
            resources: HashMap::new(),
            filter_cache: Mutex::new(HashMap::new()),
            cache_budget,
            cached_bytes: AtomicUsize::new(0),
        }
    }

    /// The seed the data derives from.
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether `name` is materialised already (then `resource` works under a read lock).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.resources.contains_key(name)
    }

    /// Materialises `name` if it is a served resource; false if it is unknown.
    pub(crate) fn ensure(&mut self, name: &str) -> bool {
        if self.resources.contains_key(name) {
            return true;
        }
        let Some(kind) = kind_of(name) else {
            return false;
        };
        let n = self.initial_records;
        let data = ResourceData {
            kind,
            states: (1..=n as u64).map(RecordState::initial).collect(),
            rendered: (0..n).map(|_| OnceLock::new()).collect(),
            max_updated: n as i64,
            mutations: 0,
        };
        self.resources.insert(name.to_string(), data);
        true
    }

    /// A materialised resource.
    pub(crate) fn resource(&self, name: &str) -> Option<&ResourceData> {
        self.resources.get(name)
    }

    /// A materialised resource, for mutation; drops cached filter results, which it may
    /// invalidate.
    pub(crate) fn resource_mut(&mut self, name: &str) -> Option<&mut ResourceData> {
        if let Ok(mut cache) = self.filter_cache.lock() {
            cache.retain(|(res, _, _), _| res != name);
        }
        self.resources.get_mut(name)
    }

    /// The record `index` (id `index + 1`) as a JSON value.
    pub(crate) fn value(&self, name: &str, data: &ResourceData, index: usize) -> Value {
        record(
            self.seed,
            name,
            data.kind,
            self.shape,
            index as u64 + 1,
            data.states[index],
        )
    }

    /// Forgets the rendered JSON of record `index` after its state changed.
    pub(crate) fn invalidate(&mut self, name: &str, index: usize) {
        let Some(data) = self.resources.get_mut(name) else {
            return;
        };
        if let Some(old) = data.rendered.get_mut(index).and_then(OnceLock::take) {
            self.cached_bytes.fetch_sub(old.len(), Ordering::Relaxed);
        }
    }

    /// Appends a record slot whose state the caller has pushed already.
    pub(crate) fn push_slot(&mut self, name: &str) {
        if let Some(data) = self.resources.get_mut(name) {
            data.rendered.push(OnceLock::new());
        }
    }

    fn write_record(
        &self,
        renderer: &Renderer,
        data: &ResourceData,
        index: usize,
        out: &mut Vec<u8>,
    ) {
        if let Some(text) = data.rendered[index].get() {
            out.extend_from_slice(text);
            return;
        }
        let start = out.len();
        renderer.write(out, index as u64 + 1, data.states[index]);
        let len = out.len() - start;
        if self.cached_bytes.load(Ordering::Relaxed) + len <= self.cache_budget
            && data.rendered[index].set(out[start..].into()).is_ok()
        {
            self.cached_bytes.fetch_add(len, Ordering::Relaxed);
        }
    }

    /// Indices of records with `updated_at >= since_min`, in id order.
    fn matching(&self, name: &str, data: &ResourceData, range: MinuteRange) -> Arc<Vec<u32>> {
        let (since_min, before_min) = range;
        let key = (name.to_string(), since_min, before_min);
        if let Some(hit) = self
            .filter_cache
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return hit;
        }
        let list: Arc<Vec<u32>> = Arc::new(
            data.states
                .iter()
                .enumerate()
                .filter(|(_, s)| s.updated_min >= since_min && s.updated_min < before_min)
                .map(|(i, _)| i as u32)
                .collect(),
        );
        if let Ok(mut cache) = self.filter_cache.lock() {
            if cache.len() >= FILTER_CACHE_ENTRIES {
                cache.clear();
            }
            cache.insert(key, list.clone());
        }
        list
    }

    /// The page at `offset`/`limit` of a materialised resource, optionally filtered by
    /// `updated_at` in `range`. `corrupt` names a field of the first record to replace
    /// with the string `"lots"` (the wrong-type fault).
    pub(crate) fn page(
        &self,
        name: &str,
        offset: usize,
        limit: usize,
        range: Option<MinuteRange>,
        corrupt: Option<&str>,
    ) -> Option<Page> {
        let data = self.resources.get(name)?;
        let filtered = range.map(|r| self.matching(name, data, r));
        let total = filtered.as_ref().map_or(data.states.len(), |f| f.len());
        let start = offset.min(total);
        let end = offset.saturating_add(limit).min(total);
        let renderer = Renderer::new(self.seed, name, data.kind, self.shape);
        let mut body = Vec::with_capacity(32 + (end - start) * 512);
        body.extend_from_slice(b"{\"data\":[");
        for pos in start..end {
            let index = filtered.as_ref().map_or(pos, |f| f[pos] as usize);
            if pos > start {
                body.push(b',');
            }
            match corrupt {
                Some(field) if pos == start => {
                    let mut value = self.value(name, data, index);
                    value[field] = Value::from("lots");
                    body.extend_from_slice(value.to_string().as_bytes());
                }
                _ => self.write_record(&renderer, data, index, &mut body),
            }
        }
        body.extend_from_slice(b"],\"total\":");
        write_u64(&mut body, total as u64);
        body.push(b'}');
        Some(Page { body })
    }
}
