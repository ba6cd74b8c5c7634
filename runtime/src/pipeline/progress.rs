//! Progress: bars on a terminal, otherwise a line per resource every few seconds and one at
//! completion, as `tracing` events (target `restsource::progress`), so a run under a scheduler
//! or with its output in a file is never silent.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::def::ResourceDef;

/// The target of progress lines, so `RUST_LOG=restsource::progress=off` silences them alone.
pub const PROGRESS_TARGET: &str = "restsource::progress";

/// One resource's counts so far.
#[derive(Debug, Clone, Copy)]
struct Counts {
    rows: u64,
    pages: u64,
    /// When its last line was written (or when its first page arrived).
    last_line: Instant,
    started: Instant,
}

/// Reports pages and completions as they reach the writer.
pub(crate) struct Progress {
    bars: Option<(MultiProgress, HashMap<&'static str, ProgressBar>)>,
    counts: HashMap<&'static str, Counts>,
    load_id: String,
    interval: Duration,
}

impl Progress {
    /// Bars when `bars` is asked for and stderr is a terminal; lines every `interval` otherwise.
    pub fn new(bars: bool, interval: Duration, load_id: &str) -> Progress {
        let bars = (bars && std::io::stderr().is_terminal()).then(|| {
            (
                MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                HashMap::new(),
            )
        });
        Progress {
            bars,
            counts: HashMap::new(),
            load_id: load_id.to_string(),
            interval,
        }
    }

    /// A page of `rows` records of `def` arrived.
    pub fn page(&mut self, def: &'static ResourceDef, rows: usize) {
        self.page_at(def.name, rows, Instant::now());
    }

    fn page_at(&mut self, name: &'static str, rows: usize, now: Instant) {
        let counts = self.counts.entry(name).or_insert(Counts {
            rows: 0,
            pages: 0,
            last_line: now,
            started: now,
        });
        counts.rows += rows as u64;
        counts.pages += 1;
        match &mut self.bars {
            Some((multi, bars)) => {
                let bar = bars.entry(name).or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    if let Ok(style) =
                        ProgressStyle::with_template("{spinner} {prefix:<24} {pos:>10} rows {msg}")
                    {
                        bar.set_style(style);
                    }
                    bar.set_prefix(name);
                    bar
                });
                bar.set_position(counts.rows);
            }
            None => {
                if now.duration_since(counts.last_line) >= self.interval {
                    counts.last_line = now;
                    let secs = now.duration_since(counts.started).as_secs_f64();
                    tracing::info!(
                        target: PROGRESS_TARGET,
                        load_id = %self.load_id,
                        resource = name,
                        rows = counts.rows,
                        pages = counts.pages,
                        "{}: {} rows, {} pages in {:.1} s",
                        name,
                        counts.rows,
                        counts.pages,
                        secs
                    );
                }
            }
        }
    }

    /// `def` completed (its rows are committed when the run completes).
    pub fn done(&mut self, def: &'static ResourceDef) {
        self.done_at(def.name, Instant::now());
    }

    fn done_at(&mut self, name: &'static str, now: Instant) {
        let (rows, pages, secs) = self
            .counts
            .get(name)
            .map(|c| (c.rows, c.pages, now.duration_since(c.started).as_secs_f64()))
            .unwrap_or((0, 0, 0.0));
        match &mut self.bars {
            Some((_, bars)) => {
                if let Some(bar) = bars.get(name) {
                    bar.finish_with_message("done");
                }
            }
            None => tracing::info!(
                target: PROGRESS_TARGET,
                load_id = %self.load_id,
                resource = name,
                rows,
                pages,
                "{}: extracted, {} rows, {} pages in {:.1} s",
                name,
                rows,
                pages,
                secs
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Collects the formatted message of every event.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<String>>>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Lines {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            struct Message<'a>(&'a mut String);
            impl tracing::field::Visit for Message<'_> {
                fn record_debug(
                    &mut self,
                    field: &tracing::field::Field,
                    value: &dyn std::fmt::Debug,
                ) {
                    if field.name() == "message" {
                        *self.0 = format!("{value:?}");
                    }
                }
            }
            let mut line = format!("{} ", event.metadata().target());
            let mut message = String::new();
            event.record(&mut Message(&mut message));
            line.push_str(&message);
            if let Ok(mut lines) = self.0.lock() {
                lines.push(line);
            }
        }
    }

    #[test]
    fn without_bars_a_line_per_resource_per_interval_and_one_at_completion() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let lines = Lines::default();
        let subscriber = tracing_subscriber::registry().with(lines.clone());
        tracing::subscriber::with_default(subscriber, || {
            let (items, orders) = ("items", "orders");
            let mut p = Progress::new(false, Duration::from_secs(5), "L1");
            let t0 = Instant::now();
            p.page_at(items, 100, t0);
            p.page_at(orders, 10, t0 + Duration::from_secs(1));
            p.page_at(items, 100, t0 + Duration::from_secs(4));
            p.page_at(items, 100, t0 + Duration::from_secs(5));
            p.page_at(orders, 10, t0 + Duration::from_secs(5));
            p.page_at(items, 100, t0 + Duration::from_secs(9));
            p.page_at(items, 100, t0 + Duration::from_secs(10));
            p.done_at(items, t0 + Duration::from_secs(11));
            p.done_at(orders, t0 + Duration::from_secs(12));
        });
        let got = lines.0.lock().map(|l| l.clone()).unwrap_or_default();
        assert_eq!(
            got,
            [
                "restsource::progress items: 300 rows, 3 pages in 5.0 s",
                "restsource::progress items: 500 rows, 5 pages in 10.0 s",
                "restsource::progress items: extracted, 500 rows, 5 pages in 11.0 s",
                "restsource::progress orders: extracted, 20 rows, 2 pages in 11.0 s",
            ]
        );
    }
}
