//! Progress: bars on a terminal, structured tracing events otherwise.

use std::collections::HashMap;
use std::io::IsTerminal as _;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::def::ResourceDef;

/// Reports pages and completions as they reach the writer.
pub(crate) struct Progress {
    bars: Option<(MultiProgress, HashMap<&'static str, ProgressBar>)>,
    rows: HashMap<&'static str, u64>,
    load_id: String,
}

impl Progress {
    /// Bars when `enabled` and stderr is a terminal.
    pub fn new(enabled: bool, load_id: &str) -> Progress {
        let bars = (enabled && std::io::stderr().is_terminal()).then(|| {
            (
                MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                HashMap::new(),
            )
        });
        Progress {
            bars,
            rows: HashMap::new(),
            load_id: load_id.to_string(),
        }
    }

    /// A page of `rows` records of `def` arrived.
    pub fn page(&mut self, def: &'static ResourceDef, rows: usize) {
        let total = self.rows.entry(def.name).or_default();
        *total += rows as u64;
        match &mut self.bars {
            Some((multi, bars)) => {
                let bar = bars.entry(def.name).or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    if let Ok(style) =
                        ProgressStyle::with_template("{spinner} {prefix:<24} {pos:>10} rows {msg}")
                    {
                        bar.set_style(style);
                    }
                    bar.set_prefix(def.name);
                    bar
                });
                bar.set_position(*total);
            }
            None => tracing::debug!(
                load_id = %self.load_id,
                resource = def.name,
                rows,
                total = *total,
                "page loaded"
            ),
        }
    }

    /// `def` completed.
    pub fn done(&mut self, def: &'static ResourceDef) {
        let total = self.rows.get(def.name).copied().unwrap_or(0);
        match &mut self.bars {
            Some((_, bars)) => {
                if let Some(bar) = bars.get(def.name) {
                    bar.finish_with_message("done");
                }
            }
            None => tracing::info!(
                load_id = %self.load_id,
                resource = def.name,
                rows = total,
                "resource completed"
            ),
        }
    }

    /// Clears the bars.
    pub fn finish(&mut self) {
        if let Some((multi, _)) = &self.bars {
            let _ = multi.clear();
        }
    }
}
