//! The writer thread of a shard's run: extract first into a spool, then load under the locks
//! (see `load::spool` for why).

use tokio::sync::{mpsc, oneshot};

use crate::def::ResourceDef;
use crate::extract::StartState;
use crate::load::spool::Spool;
use crate::load::writer::{drive, LoadStatus, Msg, Written};
use crate::load::LoadError;

/// The writer thread of a spooled run: reads the state without locks and hands it to the
/// extraction, keeps every message on disk until extraction is over, then takes the locks,
/// checks that the state rows `keys` did not move, prepares `defs` and loads the spool.
pub(super) fn run(
    w: &mut dyn crate::load::writer::Writer,
    rx: &mut mpsc::Receiver<Msg>,
    load_id: &str,
    defs: Vec<&'static ResourceDef>,
    keys: &[String],
    state_tx: oneshot::Sender<Result<StartState, LoadError>>,
) -> Result<Written, LoadError> {
    let before = match w.read_state() {
        Ok(state) => state,
        Err(e) => {
            let _ = state_tx.send(Err(e));
            return Err(LoadError::WriterGone);
        }
    };
    let _ = state_tx.send(Ok(before.clone()));
    let mut spool = Spool::create(load_id, defs.clone())?;
    let mut failed = true;
    while let Some(msg) = rx.blocking_recv() {
        if let Msg::Finish { failed: f } = msg {
            failed = f;
            break;
        }
        spool.push(msg)?;
    }
    // Received whole, or the pipeline went away: either way nothing more comes.
    rx.close();
    spool.push(Msg::Finish { failed })?;
    let now = chrono::Utc::now();
    let after = w.begin(load_id, now, &defs)?;
    let ready = match keys.iter().find(|k| before.get(*k) != after.get(*k)) {
        Some(key) => Err(LoadError::StateMoved { key: key.clone() }),
        None => defs.iter().try_for_each(|d| w.prepare(d)),
    };
    if let Err(e) = ready {
        if let Err(also) = w.fail_run(LoadStatus::Failed, chrono::Utc::now(), &Default::default()) {
            tracing::warn!(error = %also, "could not record the failed load");
        }
        return Err(e);
    }
    drive(w, &mut spool.replay(failed)?, load_id, &defs)
}
