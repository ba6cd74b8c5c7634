//! Changes between runs: updates, inserts and soft deletes, chosen deterministically.

use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::SeedableRng;
use serde::Serialize;

use crate::generate::{hash_str, mix, RecordState};
use crate::resources::all_resources;
use crate::store::Store;

/// What a mutation changes. Counts of updates and deletes are taken among records that are
/// not deleted yet, and every changed or new record gets an `updated_at` past every
/// existing one (strictly increasing in id order), so an incremental client that asks for
/// `updated_since=<max seen>` receives exactly the changed records plus the one at the
/// boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct MutationSpec {
    /// Resource to change; `None` changes every resource.
    pub resource: Option<String>,
    /// Percentage (0..=100) of live records whose `name` (and `quantity`) change.
    pub update_percent: f64,
    /// New records appended with the next ids.
    pub inserts: usize,
    /// Live records marked `"deleted": true`.
    pub deletes: usize,
}

impl MutationSpec {
    /// Updates `percent`% of every resource's records, inserts half as many new records
    /// and deletes a fifth as many (at least one of each when `percent > 0`), relative to
    /// `records`, the resource size the caller expects.
    pub fn percent(percent: f64, records: usize) -> Self {
        let updated = (records as f64 * percent / 100.0).round() as usize;
        let at_least_one = |n: usize| if percent > 0.0 { n.max(1) } else { n };
        MutationSpec {
            resource: None,
            update_percent: percent,
            inserts: at_least_one(updated / 2),
            deletes: at_least_one(updated / 5),
        }
    }

    /// The same change restricted to one resource.
    pub fn for_resource(mut self, resource: &str) -> Self {
        self.resource = Some(resource.to_string());
        self
    }
}

/// Ids a mutation touched in one resource, each list ascending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MutationOutcome {
    /// The resource.
    pub resource: String,
    /// Records whose `name`/`quantity` changed.
    pub updated: Vec<u64>,
    /// New records.
    pub inserted: Vec<u64>,
    /// Records now marked deleted.
    pub deleted: Vec<u64>,
}

/// Applies `spec`; `None` if it names an unknown resource.
pub(crate) fn apply(store: &mut Store, spec: &MutationSpec) -> Option<Vec<MutationOutcome>> {
    let names: Vec<String> = match &spec.resource {
        Some(name) => vec![name.clone()],
        None => all_resources().into_iter().map(String::from).collect(),
    };
    let mut outcomes = Vec::new();
    for name in names {
        if !store.ensure(&name) {
            return None;
        }
        outcomes.push(apply_one(store, &name, spec));
    }
    Some(outcomes)
}

fn apply_one(store: &mut Store, name: &str, spec: &MutationSpec) -> MutationOutcome {
    let seed = store.seed();
    let Some(data) = store.resource_mut(name) else {
        return MutationOutcome {
            resource: name.to_string(),
            updated: vec![],
            inserted: vec![],
            deleted: vec![],
        };
    };
    data.mutations += 1;
    let mut rng = StdRng::seed_from_u64(mix(seed ^ hash_str(name) ^ mix(data.mutations)));
    let live: Vec<usize> = (0..data.states.len())
        .filter(|&i| !data.states[i].deleted)
        .collect();
    let percent = spec.update_percent.clamp(0.0, 100.0);
    let n_update = ((live.len() as f64 * percent / 100.0).round() as usize).min(live.len());
    let n_delete = spec.deletes.min(live.len() - n_update);
    let chosen = sample(&mut rng, live.len(), n_update + n_delete).into_vec();
    let mut updated: Vec<usize> = chosen[..n_update].iter().map(|&k| live[k]).collect();
    let mut deleted: Vec<usize> = chosen[n_update..].iter().map(|&k| live[k]).collect();
    updated.sort_unstable();
    deleted.sort_unstable();

    let mut changed: Vec<(usize, bool)> = updated.iter().map(|&i| (i, false)).collect();
    changed.extend(deleted.iter().map(|&i| (i, true)));
    changed.sort_unstable();
    let mut clock = data.max_updated;
    for &(index, delete) in &changed {
        clock += 1;
        let state = &mut data.states[index];
        state.updated_min = clock;
        if delete {
            state.deleted = true;
        } else {
            state.version += 1;
        }
    }
    let first_new = data.states.len();
    for _ in 0..spec.inserts {
        clock += 1;
        let id = data.states.len() as u64 + 1;
        data.states.push(RecordState {
            updated_min: clock,
            ..RecordState::initial(id)
        });
    }
    data.max_updated = clock;
    let total = data.states.len();
    for &(index, _) in &changed {
        store.invalidate(name, index);
    }
    for _ in first_new..total {
        store.push_slot(name);
    }
    let ids = |v: &[usize]| v.iter().map(|&i| i as u64 + 1).collect();
    MutationOutcome {
        resource: name.to_string(),
        updated: ids(&updated),
        inserted: (first_new as u64 + 1..=total as u64).collect(),
        deleted: ids(&deleted),
    }
}
