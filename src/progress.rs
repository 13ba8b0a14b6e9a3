//! The progress bar of batch runs: on stderr, only when stderr is a terminal, only for runs of
//! several domains, and only once the run has taken more than a moment. Never on stdout, so it
//! never mixes with JSON or NDJSON.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::Tally;

/// How long a run goes before the bar appears: short runs stay quiet.
const SHOW_AFTER: Duration = Duration::from_millis(750);

/// A progress bar that may never be shown.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
}

impl Progress {
    /// A bar for `total` domains; inert unless stderr is a terminal and there are several.
    pub fn new(total: usize) -> Self {
        let bar = (total > 1 && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(u64::try_from(total).unwrap_or(u64::MAX)),
                ProgressDrawTarget::hidden(),
            );
            let style = ProgressStyle::with_template(
                "{bar:30} {pos}/{len} domains · {msg} · {per_sec} · {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
        }
    }

    /// One more domain is done.
    pub fn update(&self, tally: &Tally) {
        let Some(bar) = &self.bar else { return };
        if bar.is_hidden() && self.started.elapsed() >= SHOW_AFTER {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_message(format!(
            "{} findings ({} errors)",
            tally.findings(),
            tally.errors
        ));
        bar.inc(1);
    }

    /// Runs `write` with the bar cleared, so output on the same terminal is not garbled.
    pub fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
