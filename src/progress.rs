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
            // The rate and ETA are mailcheck's own (done ÷ time since the start): indicatif's
            // estimate is a moving average that starts from zero, so a fast run showed a tenth
            // of its real rate for its first seconds.
            let style = ProgressStyle::with_template("{bar:30} {pos}/{len} domains · {msg}")
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
        bar.inc(1);
        let total = bar.length().unwrap_or(0);
        bar.set_message(status_line(
            tally,
            bar.position(),
            total,
            self.started.elapsed(),
        ));
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

/// The bar's message: findings so far, the rate since the start, and the time left at that
/// rate (`12 findings (3 errors) · 41.5/s · 1m 20s left`).
fn status_line(tally: &Tally, done: u64, total: u64, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let rate = if seconds > 0.0 {
        done as f64 / seconds
    } else {
        0.0
    };
    let left = if rate > 0.0 {
        #[allow(clippy::cast_precision_loss)]
        let remaining = total.saturating_sub(done) as f64 / rate;
        format!(
            " · {} left",
            short_duration(Duration::from_secs_f64(remaining.min(1e7)))
        )
    } else {
        String::new()
    };
    format!(
        "{} findings ({} errors) · {rate:.1}/s · {}{left}",
        tally.findings(),
        tally.errors,
        short_duration(elapsed)
    )
}

/// `45s`, `3m 05s`, `2h 01m`.
fn short_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h {:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_right_from_the_first_second() {
        // 64 domains after 2 s is 32/s (a moving average showed 8.4/s), with 936 left: 29 s.
        let line = status_line(&Tally::default(), 64, 1000, Duration::from_secs(2));
        assert!(line.contains("32.0/s"), "{line}");
        assert!(line.contains("29s left"), "{line}");
        assert!(line.contains("0 findings (0 errors)"), "{line}");
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(short_duration(Duration::from_secs(45)), "45s");
        assert_eq!(short_duration(Duration::from_secs(185)), "3m 05s");
        assert_eq!(short_duration(Duration::from_secs(7260)), "2h 01m");
    }
}
