//! Operations shared by the library handle ([`crate::MockApi`]) and the admin endpoints.

use serde_json::Value;

use crate::faults::{FaultPlan, FaultState};
use crate::log::RequestLog;
use crate::mutation::{apply, MutationOutcome, MutationSpec};
use crate::server::{lock, Shared};

/// Applies a mutation; `None` if it names an unknown resource.
pub(crate) fn mutate(shared: &Shared, spec: &MutationSpec) -> Option<Vec<MutationOutcome>> {
    apply(&mut shared.write_store(), spec)
}

/// Replaces the fault plan and forgets the fault history.
pub(crate) fn set_faults(shared: &Shared, plan: FaultPlan) {
    *lock(&shared.faults) = FaultState::new(plan);
}

/// Current records of `resource` in id order; `None` if the resource is unknown.
pub(crate) fn records(shared: &Shared, resource: &str) -> Option<Vec<Value>> {
    let present = shared.read_store().has(resource);
    if !present && !shared.write_store().ensure(resource) {
        return None;
    }
    let store = shared.read_store();
    let data = store.resource(resource)?;
    Some(
        (0..data.states.len())
            .map(|i| store.value(resource, data, i))
            .collect(),
    )
}

/// Back to the state right after start: original data, no tokens, empty log and
/// statistics, fault plan of the configuration.
pub(crate) fn reset(shared: &Shared) {
    *shared.write_store() = Shared::fresh_store(&shared.config);
    *lock(&shared.tokens) = Default::default();
    *lock(&shared.log) = RequestLog::default();
    set_faults(shared, shared.config.faults.clone());
}
