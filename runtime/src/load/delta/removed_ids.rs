//! The ids of the root rows a merge removed, kept beside the root table for its child
//! tables' commits (see `children`): `<root>/_rs_dead/<load id>.lines`, the count on the first
//! line, then one id per line as a JSON string. A folder Delta readers and `VACUUM` leave
//! alone; deleted once the run's every table is committed.
//!
//! Neither side holds all the ids: the root's merge moves them to a local file past 1 MiB
//! and uploads it in parts, and a child commit reads them back in passes (see `passes`),
//! each pass keeping the digests of its share.

use std::fs::File;
use std::io::{BufWriter, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::TryStreamExt as _;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload, WriteMultipart};

use super::super::LoadError;
use super::merge::{err, DigestSet, Digests};
use super::passes::Pass;

/// Where a root table's merge keeps the ids it removed, relative to the table's folder: the
/// count on the first line, then one id per line as a JSON string.
fn dead_path(load_id: &str) -> Path {
    Path::from(format!("_rs_dead/{load_id}.lines"))
}

/// Where versions before the `.lines` file kept them: one JSON array. Still read, so a run
/// such a version stopped between its commits is finished with its ids.
fn legacy_dead_path(load_id: &str) -> Path {
    Path::from(format!("_rs_dead/{load_id}.json"))
}

/// Bytes of ids a merge keeps in memory before it moves them to a file on local disk.
const SPILL_AT: usize = 1 << 20;

/// Bytes the stored ids are uploaded in (parts of a multipart upload; S3 takes 5 MiB and up).
const UPLOAD_PART: usize = 8 << 20;

/// The row ids a root table's merge removes, one JSON string per line: in memory up to 1 MiB,
/// then in a temporary file on local disk (removed when dropped), so a merge that replaces
/// every record of a large table holds none of their ids.
#[derive(Debug, Default)]
pub struct RemovedIds {
    lines: Vec<u8>,
    count: u64,
    spill: Option<Spill>,
}

/// The local file removed ids moved to. It is unlinked as soon as it is made where the
/// system allows it (as a shard's spool is), so a killed process leaves nothing behind;
/// elsewhere it is deleted when dropped.
#[derive(Debug)]
struct Spill {
    path: PathBuf,
    file: BufWriter<File>,
}

impl Drop for Spill {
    fn drop(&mut self) {
        #[cfg(not(unix))]
        let _ = std::fs::remove_file(&self.path);
    }
}

fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> LoadError + '_ {
    move |source| LoadError::io(path, source)
}

impl RemovedIds {
    /// Adds one removed row's id.
    pub fn push(&mut self, name: &str, id: &str) -> Result<(), LoadError> {
        serde_json::to_writer(&mut self.lines, id).map_err(|e| err(name, e))?;
        self.lines.push(b'\n');
        self.count += 1;
        if self.lines.len() >= SPILL_AT {
            self.spill()?;
        }
        Ok(())
    }

    /// Moves the ids in memory to the local file, made at the first call.
    fn spill(&mut self) -> Result<(), LoadError> {
        static FILES: AtomicU64 = AtomicU64::new(0);
        let spill = match &mut self.spill {
            Some(spill) => spill,
            None => {
                let n = FILES.fetch_add(1, Ordering::Relaxed);
                let path = std::env::temp_dir()
                    .join(format!("restsource-removed-{}-{n}", std::process::id()));
                let file = File::options()
                    .read(true)
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(io_err(&path))?;
                #[cfg(unix)]
                std::fs::remove_file(&path).map_err(io_err(&path))?;
                self.spill.insert(Spill {
                    file: BufWriter::new(file),
                    path,
                })
            }
        };
        spill
            .file
            .write_all(&self.lines)
            .map_err(io_err(&spill.path))?;
        self.lines.clear();
        Ok(())
    }
}

/// Stores the row ids a merge of run `load_id` removed from table `name` in its folder
/// `store`: in one put, or uploaded in parts from the local file they moved to.
pub async fn store_removed(
    store: &dyn ObjectStore,
    name: &str,
    load_id: &str,
    mut ids: RemovedIds,
) -> Result<(), LoadError> {
    let path = dead_path(load_id);
    let failed = |e: object_store::Error| err(name, format!("{path}: {e}"));
    let header = format!("{}\n", ids.count);
    if ids.spill.is_none() {
        let mut bytes = header.into_bytes();
        bytes.extend_from_slice(&ids.lines);
        store
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(failed)?;
        return Ok(());
    }
    ids.spill()?;
    let Some(spill) = &mut ids.spill else {
        return Err(err(name, "removed ids: their file is gone"));
    };
    spill.file.flush().map_err(io_err(&spill.path))?;
    let file = spill.file.get_mut();
    file.seek(SeekFrom::Start(0)).map_err(io_err(&spill.path))?;
    let upload = store.put_multipart(&path).await.map_err(failed)?;
    let mut out = WriteMultipart::new_with_chunk_size(upload, UPLOAD_PART);
    out.write(header.as_bytes());
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut chunk).map_err(io_err(&spill.path))?;
        if n == 0 {
            break;
        }
        out.wait_for_capacity(2).await.map_err(failed)?;
        out.write(&chunk[..n]);
    }
    out.finish().await.map_err(failed)?;
    Ok(())
}

/// The root rows a merge removed, read from where it stored their ids one pass at a time (see
/// `passes`), as digests of the ids (see `merge::Digests`).
pub struct DeadRoots {
    digests: Digests,
    stored: Stored,
}

/// Where a merge's removed ids are.
enum Stored {
    /// None were removed (or none stored).
    Nothing,
    /// A `.lines` object holding this many ids.
    Lines(Path, u64),
    /// A JSON array of an earlier version, whole.
    Array(Bytes),
}

/// A pass's share of the removed roots.
pub(super) struct Dead {
    digests: DigestSet,
    pass: Pass,
}

impl DeadRoots {
    /// How the ids are digested: [`Dead::contains`] takes them.
    pub(super) fn digests(&self) -> &Digests {
        &self.digests
    }

    /// Whether the merge removed no root row.
    pub fn is_empty(&self) -> bool {
        match &self.stored {
            Stored::Nothing => true,
            Stored::Lines(_, count) => *count == 0,
            Stored::Array(bytes) => bytes.iter().all(|b| b" \n\r\t[]".contains(b)),
        }
    }

    /// How many ids there are, for the number of passes (an array's are not counted: it is
    /// read whole, as its version did).
    pub(super) fn count(&self) -> usize {
        match &self.stored {
            Stored::Lines(_, count) => usize::try_from(*count).unwrap_or(usize::MAX),
            _ => 0,
        }
    }

    /// The removed roots of `pass`, read from `store`.
    pub(super) async fn of_pass(
        &self,
        store: &dyn ObjectStore,
        root: &str,
        pass: Pass,
    ) -> Result<Dead, LoadError> {
        let mut digests = DigestSet::default();
        let mut keep = |id: &str| {
            if pass.takes(&self.digests, id) {
                digests.insert(self.digests.of(id));
            }
        };
        match &self.stored {
            Stored::Nothing => {}
            Stored::Array(bytes) => {
                // Borrowed from the file's bytes when no id holds an escape.
                match serde_json::from_slice::<Vec<&str>>(bytes) {
                    Ok(ids) => ids.into_iter().for_each(&mut keep),
                    Err(_) => serde_json::from_slice::<Vec<String>>(bytes)
                        .map_err(|e| err(root, e))?
                        .iter()
                        .for_each(|id| keep(id)),
                }
            }
            Stored::Lines(path, _) => {
                let failed = |e: object_store::Error| err(root, format!("{path}: {e}"));
                let mut stream = store.get(path).await.map_err(failed)?.into_stream();
                let mut rest: Vec<u8> = Vec::new();
                let mut header = true;
                let mut line = |bytes: &[u8], header: &mut bool| -> Result<(), LoadError> {
                    if std::mem::take(header) {
                        return Ok(());
                    }
                    let id: std::borrow::Cow<'_, str> = serde_json::from_slice(bytes)
                        .map_err(|e| err(root, format!("{path}: {e}")))?;
                    keep(&id);
                    Ok(())
                };
                while let Some(chunk) = stream.try_next().await.map_err(failed)? {
                    let mut from = 0;
                    for end in line_ends(&chunk) {
                        if rest.is_empty() {
                            line(&chunk[from..end], &mut header)?;
                        } else {
                            rest.extend_from_slice(&chunk[from..end]);
                            line(&std::mem::take(&mut rest), &mut header)?;
                        }
                        from = end + 1;
                    }
                    rest.extend_from_slice(&chunk[from..]);
                }
                if !rest.is_empty() {
                    return Err(err(root, format!("{path}: its last line is cut off")));
                }
            }
        }
        Ok(Dead { digests, pass })
    }
}

/// The positions of the line ends in `bytes`.
fn line_ends(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
}

impl Dead {
    /// Whether the pass holds no removed root.
    pub(super) fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether the root row of `id` was removed (`id` being this pass's; only then is it
    /// digested).
    pub(super) fn contains(&self, digests: &Digests, id: &str) -> bool {
        self.pass.takes(digests, id) && self.digests.contains(&digests.of(id))
    }
}

/// The row ids run `load_id`'s merge removed from the root table in `store` (the root's
/// folder); none when its merge removed nothing or stored nothing. Only their count is read
/// here; each pass of the child commit reads its share.
pub async fn removed(
    store: &dyn ObjectStore,
    root: &str,
    load_id: &str,
) -> Result<DeadRoots, LoadError> {
    let digests = Digests::new();
    let path = dead_path(load_id);
    let stored = match store.get(&path).await {
        Ok(got) => {
            // The count's line, from the first chunks; the rest is read by each pass.
            let mut stream = got.into_stream();
            let mut head: Vec<u8> = Vec::new();
            while !head.contains(&b'\n') {
                match stream.try_next().await {
                    Ok(Some(chunk)) => head.extend_from_slice(&chunk[..chunk.len().min(64)]),
                    Ok(None) => break,
                    Err(e) => return Err(err(root, format!("{path}: {e}"))),
                }
                if head.len() >= 64 {
                    break;
                }
            }
            let count = head
                .split(|b| *b == b'\n')
                .next()
                .and_then(|l| std::str::from_utf8(l).ok())
                .and_then(|l| l.trim().parse::<u64>().ok())
                .filter(|_| head.contains(&b'\n'))
                .ok_or_else(|| err(root, format!("{path}: no count of ids on its first line")))?;
            Stored::Lines(path, count)
        }
        Err(object_store::Error::NotFound { .. }) => {
            let legacy = legacy_dead_path(load_id);
            match store.get(&legacy).await {
                Ok(got) => Stored::Array(
                    got.bytes()
                        .await
                        .map_err(|e| err(root, format!("{legacy}: {e}")))?,
                ),
                Err(object_store::Error::NotFound { .. }) => Stored::Nothing,
                Err(e) => return Err(err(root, format!("{legacy}: {e}"))),
            }
        }
        Err(e) => return Err(err(root, format!("{path}: {e}"))),
    };
    Ok(DeadRoots { digests, stored })
}

/// Deletes the ids stored for run `load_id` once every table of the run is committed
/// (best effort: a file left behind is only read by that run's commits).
pub async fn forget_removed(store: &dyn ObjectStore, load_id: &str) {
    let _ = store.delete(&dead_path(load_id)).await;
    let _ = store.delete(&legacy_dead_path(load_id)).await;
}

#[cfg(test)]
mod tests {
    use object_store::memory::InMemory;

    use super::*;

    /// Every id of `dead`, pass by pass, asserting that each falls in exactly one pass.
    async fn read_back(store: &InMemory, dead: &DeadRoots, ids: &[String], per_pass: usize) {
        let mut seen = vec![0; ids.len()];
        let passes: Vec<Pass> = Pass::all(dead.count(), per_pass).collect();
        for pass in &passes {
            let share = dead.of_pass(store, "items", *pass).await.unwrap();
            for (id, n) in ids.iter().zip(&mut seen) {
                *n += usize::from(share.contains(&dead.digests, id));
            }
            assert!(!share.contains(&dead.digests, "not removed"));
        }
        assert!(seen.iter().all(|n| *n == 1), "{seen:?}");
    }

    #[tokio::test]
    async fn removed_ids_are_stored_and_read_back_in_passes() {
        let store = InMemory::new();
        assert!(removed(&store, "items", "L0").await.unwrap().is_empty());
        let ids: Vec<String> = ["a", "b\"c", "line\nbreak", "", "é"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut removed_ids = RemovedIds::default();
        for id in &ids {
            removed_ids.push("items", id).unwrap();
        }
        assert!(removed_ids.spill.is_none());
        store_removed(&store, "items", "L1", removed_ids)
            .await
            .unwrap();
        let dead = removed(&store, "items", "L1").await.unwrap();
        assert_eq!((dead.is_empty(), dead.count()), (false, 5));
        read_back(&store, &dead, &ids, 2).await;
        read_back(&store, &dead, &ids, 100).await;
        forget_removed(&store, "L1").await;
        assert!(removed(&store, "items", "L1").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn many_removed_ids_move_to_a_local_file_and_are_uploaded_in_parts() {
        let store = InMemory::new();
        let ids: Vec<String> = (0..120_000).map(|i| format!("{i:016x}")).collect();
        let mut removed_ids = RemovedIds::default();
        for id in &ids {
            removed_ids.push("items", id).unwrap();
        }
        let spilled = removed_ids.spill.as_ref().unwrap().path.clone();
        // Unlinked at once, so a process killed before the upload leaves no file behind.
        #[cfg(unix)]
        assert!(!spilled.exists());
        // At most the spill threshold stays in memory.
        assert!(removed_ids.lines.len() < SPILL_AT);
        store_removed(&store, "items", "L2", removed_ids)
            .await
            .unwrap();
        assert!(!spilled.exists(), "the local file is removed once stored");
        let dead = removed(&store, "items", "L2").await.unwrap();
        assert_eq!(dead.count(), 120_000);
        read_back(&store, &dead, &ids, 50_000).await;
    }

    #[tokio::test]
    async fn ids_an_earlier_version_stored_as_an_array_are_read() {
        let store = InMemory::new();
        let bytes = br#"["a","b\"c"]"#.to_vec();
        let legacy = legacy_dead_path("L3");
        store.put(&legacy, PutPayload::from(bytes)).await.unwrap();
        let dead = removed(&store, "items", "L3").await.unwrap();
        assert!(!dead.is_empty());
        read_back(&store, &dead, &["a".into(), "b\"c".into()], 1).await;
        store
            .put(&legacy_dead_path("L4"), PutPayload::from(b"[]".to_vec()))
            .await
            .unwrap();
        assert!(removed(&store, "items", "L4").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_stored_list_without_its_count_or_cut_off_is_an_error() {
        let store = InMemory::new();
        for (load_id, text, expected) in [
            ("L5", "\"a\"\n", "no count of ids"),
            ("L6", "2\n\"a\"\n\"b", "cut off"),
        ] {
            let path = dead_path(load_id);
            store
                .put(&path, PutPayload::from(text.as_bytes().to_vec()))
                .await
                .unwrap();
            let e = match removed(&store, "items", load_id).await {
                Err(e) => e,
                Ok(dead) => dead
                    .of_pass(&store, "items", Pass::all(2, 10).next().unwrap())
                    .await
                    .err()
                    .unwrap(),
            };
            assert!(e.to_string().contains(expected), "{e}");
            assert!(e.to_string().contains(&path.to_string()), "{e}");
        }
    }
}
