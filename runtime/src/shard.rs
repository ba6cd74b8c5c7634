//! Shards: one source's work split across N processes that share one destination.
//!
//! A shard `I/N` loads, deterministically:
//! - **whole resources** by turns: the resources that are not split, in the source's order,
//!   go to shard 0, 1, …, N-1, 0, … (every top-level resource, every `replace` child, every
//!   resource with `checkpoint`);
//! - **its part of every split child resource**: a child resource written with `append` or
//!   `merge` (and every loaded resource below it written so too) is split by the parent
//!   values its requests are built from. Shard I requests the children of the parent records
//!   whose values hash to I (FNV-1a over their JSON text, modulo N), so every parent record's
//!   children are fetched by exactly one shard.
//!
//! A shard reads every parent it needs, also one another shard loads, but writes only its
//! own. Its incremental state is kept per (resource, partition): a whole resource's under the
//! resource's name, as an unsharded run keeps it; a split resource's part, and a parent read
//! only to find that part, under [`restsource_core::names::shard_state_key`]. So every shard
//! moves its own windows and N shards converge on the tables of one unsharded run. Changing
//! N starts the split resources' parts from their initial values (a merge converges; an
//! append loads those rows again).
//!
//! A `replace` child is never split: replacing a part of a table would need a partition
//! column in it. Shards load through a spool (see `load::spool`), so those writing one table
//! extract at the same time and take the table's lock only to load.

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::def::{Disposition, ResourceDef};
use crate::load::writer::loads;

/// One of `count` processes that split a source's work ([`crate::PipelineOptions::shard`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u32,
    count: u32,
}

/// A shard that cannot be: the count is 0 or the index is not below it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not a shard: expected I/N with 0 <= I < N, e.g. `0/4` for the first of four")]
pub struct ShardError {
    given: String,
}

impl Shard {
    /// Shard `index` of `count` (`0 <= index < count`).
    pub fn new(index: u32, count: u32) -> Result<Shard, ShardError> {
        if index < count {
            Ok(Shard { index, count })
        } else {
            Err(ShardError {
                given: format!("{index}/{count}"),
            })
        }
    }

    /// This shard's number, from 0.
    pub fn index(self) -> u32 {
        self.index
    }

    /// How many shards split the work.
    pub fn count(self) -> u32 {
        self.count
    }

    /// The state row of this shard's part of `resource`.
    pub fn state_key(self, resource: &str) -> String {
        restsource_core::names::shard_state_key(self.index, self.count, resource)
    }

    /// Whether the children of a parent record with these values (read at the child's
    /// parent paths) are this shard's to load.
    pub(crate) fn holds(self, values: &[Option<Value>]) -> bool {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for &b in bytes {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        for v in values {
            match v {
                Some(v) => eat(v.to_string().as_bytes()),
                None => eat(b"\xff"),
            }
            eat(&[0]);
        }
        h % u64::from(self.count) == u64::from(self.index)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let err = || ShardError {
            given: s.to_string(),
        };
        let (i, n) = s.split_once('/').ok_or_else(err)?;
        let i = i.trim().parse().map_err(|_| err())?;
        let n = n.trim().parse().map_err(|_| err())?;
        Shard::new(i, n).map_err(|_| err())
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What a shard does with one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Loads all of it, with its state under its own name.
    Own,
    /// Loads its part; `filter` when the split happens at this resource (its parent is not
    /// split), else its parent's records are already this shard's part.
    Part {
        /// Whether the split happens at this resource.
        filter: bool,
    },
    /// Reads it only to feed children; keeps the state of that reading when the resource is
    /// loaded at all (as an unsharded run keeps it).
    Feed {
        /// Whether the shard keeps the state of its reading.
        keep_state: bool,
    },
}

/// Every resource's role in one shard: what `--shard I/N` will load and read, decided from
/// the resources alone, so every process computes the same split (`restsource shards` prints
/// it).
#[derive(Debug, Clone)]
pub struct ShardPlan {
    shard: Shard,
    roles: Vec<(&'static ResourceDef, Role)>,
}

impl ShardPlan {
    /// The plan of `shard` over `defs` (the run's resources, in the source's order).
    pub fn new(shard: Shard, defs: &[&'static ResourceDef]) -> ShardPlan {
        let loaded: Vec<&'static ResourceDef> = defs.iter().copied().filter(|d| loads(d)).collect();
        let split: Vec<bool> = loaded.iter().map(|d| splittable(d, &loaded)).collect();
        let mut roles: Vec<(&'static ResourceDef, Role)> = Vec::new();
        let mut unit = 0u32;
        for (d, &is_split) in loaded.iter().zip(&split) {
            if is_split {
                let parent_split = d.parent.is_some_and(|p| {
                    loaded
                        .iter()
                        .zip(&split)
                        .any(|(o, &s)| s && o.name == p.resource.name)
                });
                roles.push((
                    d,
                    Role::Part {
                        filter: !parent_split,
                    },
                ));
            } else {
                if unit % shard.count == shard.index {
                    roles.push((d, Role::Own));
                }
                unit += 1;
            }
        }
        // The ancestors of what this shard loads, read only to feed it.
        let mut i = 0;
        while i < roles.len() {
            if let Some(p) = roles[i].0.parent {
                let parent = p.resource;
                if !roles.iter().any(|(d, _)| d.name == parent.name) {
                    let keep_state = loads(parent) && parent.endpoint.incremental.is_some();
                    roles.push((parent, Role::Feed { keep_state }));
                }
            }
            i += 1;
        }
        ShardPlan { shard, roles }
    }

    /// The shard.
    pub fn shard(&self) -> Shard {
        self.shard
    }

    /// Every resource this shard touches with its role: what it loads (in the source's
    /// order), then the parents it only reads.
    pub fn roles(&self) -> impl Iterator<Item = (&'static ResourceDef, Role)> + '_ {
        self.roles.iter().copied()
    }

    /// `def`'s role, `None` when this shard has nothing to do with it.
    pub fn role(&self, def: &ResourceDef) -> Option<Role> {
        self.roles
            .iter()
            .find(|(d, _)| d.name == def.name)
            .map(|(_, r)| *r)
    }

    /// Whether this shard loads rows of `def`.
    pub fn loads(&self, def: &ResourceDef) -> bool {
        matches!(self.role(def), Some(Role::Own | Role::Part { .. }))
    }

    /// The state row `def`'s state is read from and stored under in this shard: its own
    /// name when the shard loads all of it.
    pub fn state_key(&self, def: &ResourceDef) -> String {
        match self.role(def) {
            Some(Role::Part { .. } | Role::Feed { .. }) => self.shard.state_key(def.name),
            _ => def.name.to_string(),
        }
    }

    /// The resources this shard reads, with their state rows (the rows a spooled run checks
    /// again before it loads).
    pub fn state_keys(&self) -> Vec<String> {
        self.roles.iter().map(|(d, _)| self.state_key(d)).collect()
    }
}

/// Whether `def` is split: a loaded child written with append or merge, without
/// `checkpoint`, whose loaded children are all split too.
fn splittable(def: &ResourceDef, loaded: &[&'static ResourceDef]) -> bool {
    def.parent.is_some()
        && def.checkpoint.is_none()
        && matches!(
            def.write.disposition,
            Disposition::Append | Disposition::Merge(_)
        )
        && loaded
            .iter()
            .filter(|c| c.parent.is_some_and(|p| p.resource.name == def.name))
            .all(|c| splittable(c, loaded))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::def::MergeStrategy;
    use crate::test_defs::resource;

    static USERS: ResourceDef = resource("users", Disposition::Replace, None);
    static REPOS: ResourceDef = resource("repos", Disposition::Append, None);
    static ISSUES: ResourceDef = resource(
        "issues",
        Disposition::Merge(MergeStrategy::DeleteInsert),
        Some(&REPOS),
    );
    static COMMENTS: ResourceDef = resource("comments", Disposition::Append, Some(&ISSUES));
    static LABELS: ResourceDef = resource("labels", Disposition::Replace, Some(&REPOS));

    fn all() -> Vec<&'static ResourceDef> {
        vec![&USERS, &REPOS, &ISSUES, &COMMENTS, &LABELS]
    }

    fn roles(i: u32, n: u32) -> Vec<(&'static str, Role)> {
        let plan = ShardPlan::new(Shard::new(i, n).unwrap(), &all());
        plan.roles.iter().map(|(d, r)| (d.name, *r)).collect()
    }

    #[test]
    fn whole_resources_go_round_robin_and_split_children_go_to_every_shard() {
        use Role::*;
        // Whole: users (0), repos (1), labels (2, a replace child).
        assert_eq!(
            roles(0, 3),
            [
                ("users", Own),
                ("issues", Part { filter: true }),
                ("comments", Part { filter: false }),
                ("repos", Feed { keep_state: false }),
            ]
        );
        assert_eq!(
            roles(1, 3),
            [
                ("repos", Own),
                ("issues", Part { filter: true }),
                ("comments", Part { filter: false }),
            ]
        );
        assert_eq!(
            roles(2, 3),
            [
                ("issues", Part { filter: true }),
                ("comments", Part { filter: false }),
                ("labels", Own),
                ("repos", Feed { keep_state: false }),
            ]
        );
        let plan = ShardPlan::new(Shard::new(2, 3).unwrap(), &all());
        assert_eq!(
            plan.state_keys(),
            [
                "_rs_shard 2/3 issues",
                "_rs_shard 2/3 comments",
                "labels",
                "_rs_shard 2/3 repos",
            ]
        );
    }

    #[test]
    fn a_child_above_a_replace_child_is_not_split() {
        static TOP: ResourceDef = resource("top", Disposition::Append, None);
        static MID: ResourceDef = resource("mid", Disposition::Append, Some(&TOP));
        static LOW: ResourceDef = resource("low", Disposition::Replace, Some(&MID));
        let defs = vec![&TOP, &MID, &LOW];
        let plan = ShardPlan::new(Shard::new(1, 2).unwrap(), &defs);
        let got: Vec<_> = plan.roles.iter().map(|(d, r)| (d.name, *r)).collect();
        assert_eq!(
            got,
            [
                ("mid", Role::Own),
                ("top", Role::Feed { keep_state: false })
            ]
        );
    }

    #[test]
    fn every_parent_record_belongs_to_exactly_one_shard() {
        for n in 1..6u32 {
            for id in 0..200 {
                let values = [Some(serde_json::json!(id)), None];
                let owners = (0..n)
                    .filter(|&i| Shard::new(i, n).unwrap().holds(&values))
                    .count();
                assert_eq!(owners, 1, "id {id} of {n} shards");
            }
        }
        // Spread: 4 shards over 400 ids each get a fair share.
        let counts: Vec<usize> = (0..4)
            .map(|i| {
                (0..400)
                    .filter(|id| {
                        Shard::new(i, 4)
                            .unwrap()
                            .holds(&[Some(serde_json::json!(id))])
                    })
                    .count()
            })
            .collect();
        assert!(counts.iter().all(|&c| (70..130).contains(&c)), "{counts:?}");
    }

    #[test]
    fn shards_parse_and_refuse_with_the_expected_form() {
        assert_eq!("1/4".parse::<Shard>().unwrap(), Shard::new(1, 4).unwrap());
        assert_eq!(Shard::new(3, 4).unwrap().to_string(), "3/4");
        for bad in ["4/4", "1", "a/2", "0/0", "-1/3"] {
            let e = bad.parse::<Shard>().unwrap_err().to_string();
            assert_eq!(
                e,
                format!("`{bad}` is not a shard: expected I/N with 0 <= I < N, e.g. `0/4` for the first of four")
            );
        }
    }
}
