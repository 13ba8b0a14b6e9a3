//! The exit-code contract (0 clean, 1 findings, 2 input error, 3 incomplete) and the input
//! errors that give exit code 2.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::finding::Severity;
use crate::output::Tally;
use crate::report::Report;

pub(super) const EXIT_CODES: &str = "\
Exit codes:
  0  no finding at or above --fail-on, and every lookup was answered
  1  at least one finding at or above --fail-on
  2  usage or input error
  3  no finding at or above --fail-on, but some lookups failed (timeout, SERVFAIL) or
     were not made (an audit limit, --offline), so the audit is incomplete; with
     --offline-ok, names outside the audited domain left unasked by --offline do not count";

/// The exit codes, a contract (README, "Exit codes").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: nothing at or above --fail-on, and the audit is complete.
    Clean,
    /// 1: a finding at or above --fail-on.
    Findings,
    /// 2: usage or input error.
    InputError,
    /// 3: nothing at or above --fail-on, but some lookups failed or were not made (an audit
    /// limit).
    Incomplete,
    /// 130: interrupted (Ctrl-C, SIGINT), as shells report a process killed by SIGINT
    /// (128 + 2).
    Interrupted,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::InputError => 2,
            ExitStatus::Incomplete => 3,
            ExitStatus::Interrupted => 130,
        }
    }

    /// The status a run earns under `fail_on`, from its tally; with `offline_ok`
    /// (`--offline-ok`), an audit incomplete only because `--offline` left names outside the
    /// domain unasked counts as complete.
    pub fn of_tally(tally: &Tally, fail_on: FailOn, offline_ok: bool) -> Self {
        let incomplete = if offline_ok {
            tally.incomplete.saturating_sub(tally.incomplete_offline)
        } else {
            tally.incomplete
        };
        let failed = fail_on
            .threshold()
            .zip(tally.worst)
            .is_some_and(|(threshold, worst)| worst >= threshold);
        if failed {
            ExitStatus::Findings
        } else if incomplete > 0 {
            ExitStatus::Incomplete
        } else {
            ExitStatus::Clean
        }
    }

    /// The status a finished report earns under `fail_on`.
    pub fn of_report(report: &Report, fail_on: FailOn) -> Self {
        let failed = fail_on
            .threshold()
            .zip(report.worst())
            .is_some_and(|(threshold, worst)| worst >= threshold);
        if failed {
            ExitStatus::Findings
        } else if report.incomplete() {
            ExitStatus::Incomplete
        } else {
            ExitStatus::Clean
        }
    }
}

/// A problem with what the user asked for (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A domain that cannot be audited.
    #[error("invalid domain: {0}")]
    Domain(#[from] crate::domain::DomainError),
    /// `--input` that cannot be read.
    #[error("cannot read --input {path}: {message}", path = crate::escape::os_str(.0.as_os_str()), message = .1)]
    Input(PathBuf, String),
    /// A `--selector` that is not a selector.
    #[error("invalid --selector \"{0}\": {1}")]
    Selector(String, &'static str),
    /// A `--sender` or `--helo` that cannot be used.
    #[error("invalid {0}: {1}")]
    Identity(&'static str, String),
    /// `explain` with an unknown rule, and the closest rule id when one is alike.
    #[error(
        "unknown rule \"{0}\"; {hint}run `mailcheck explain` to list the rules",
        hint = .1.map(|rule| format!("did you mean {rule}? ")).unwrap_or_default()
    )]
    UnknownRule(String, Option<&'static str>),
    /// A mistyped subcommand where a domain goes (`mailcheck recrd …`).
    #[error("\"{0}\" is not a domain name; did you mean `{1}`?")]
    NotACommand(String, String),
    /// An `--ignore`, `--select` or `--severity` that names no rule or level.
    #[error("{0}")]
    Selection(String),
    /// `mailcheck zone FILE` where the file's zone cannot be told.
    #[error(
        "cannot tell which zone {0} holds: it has no $ORIGIN or SOA and its name is not a \
         domain; give it as ORIGIN=FILE (example.com={0})"
    )]
    ZoneOrigin(String),
    /// An `--input` list with no domain in it (blank lines and comments only).
    #[error("no domains to audit: --input {} lists none", crate::escape::os_str(.0.as_os_str()))]
    NoDomains(PathBuf),
    /// A `--resume` file that cannot be resumed from or written.
    #[error("--resume {path}: {message}", path = crate::escape::os_str(.0.as_os_str()), message = .1)]
    Resume(PathBuf, String),
    /// The resolver could not be set up.
    #[error(transparent)]
    Resolver(#[from] crate::dns::network::ResolverSetupError),
    /// A --zone, --replay or --save-dns file that cannot be used.
    #[error(transparent)]
    Sources(#[from] crate::sources::SourceError),
    /// An --expect file that cannot be used.
    #[error(transparent)]
    Expect(#[from] crate::expect::ExpectError),
}

/// The lowest severity that fails the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warning,
    /// Any finding.
    Info,
    /// Never fail on findings (failed lookups still exit 3).
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}
