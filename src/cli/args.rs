//! The command line's arguments, as clap reads them, and the checks of the values clap cannot
//! make (a name server's address, a DKIM selector).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use super::exit::{EXIT_CODES, FailOn, InputError};
use crate::batch::Shard;
use crate::dns::network::rate::MAX_QPS;
use crate::dns::network::{MAX_RETRIES, ResolverSettings};
use crate::finding::RecordKind;
use crate::sources::SourceSettings;

/// Default for `--concurrency`: queries in flight at once. At a 30 ms round trip that is
/// about 2,000 queries a second, which public and ISP resolvers take without rate-limiting.
pub const DEFAULT_CONCURRENCY: usize = 64;

/// The shortest `--timeout` accepted, in seconds. A round trip across the world takes about
/// 0.3 s; below a tenth of a second even a near resolver's answer to a question it has not
/// cached would come too late, and every lookup would be "not verified".
pub const MIN_TIMEOUT_SECS: f64 = 0.1;

/// The longest `--timeout` accepted, in seconds. Resolvers give up on a question within 30 s
/// (BIND's `resolver-query-timeout` and glibc's `timeout:` both stop there), so no answer
/// comes after twice that. The bound also keeps every duration derived from it far from
/// overflow: 60 s times `u32::MAX` tries is still a valid [`Duration`].
pub const MAX_TIMEOUT_SECS: f64 = 60.0;

/// The largest `--concurrency` accepted. At a 30 ms round trip, 4,096 queries in flight are
/// about 136,000 queries a second, far more than any resolver answers one client without
/// rate-limiting it; above that, the eight shared UDP sockets' receive buffers overflow and
/// answers are lost (timeouts), and the query ids of a socket start to run out. A larger value
/// is refused with a clear message (exit 2) rather than accepted and not honoured.
pub const MAX_CONCURRENCY: usize = 4096;

/// Default for `--audit-timeout`, in seconds. An audit's longest chain of dependent lookups is
/// about 4 round trips, and the deepest the SPF tree may go is 11; at the default `--timeout`
/// (3 s) and `--retries` (1), each failing step takes 6 s plus its pause, so 60 s lets the
/// deepest chain of failing lookups finish and stops a hostile one (12 levels of 7-link CNAME
/// chains, answered slowly, held one audit 4 minutes).
pub const DEFAULT_AUDIT_TIMEOUT: f64 = 60.0;

/// The longest `--audit-timeout` accepted, in seconds: an hour.
pub const MAX_AUDIT_TIMEOUT: f64 = 3600.0;

/// `mailcheck --version`: the program's version and the versions of the data compiled in,
/// since the same version can give other verdicts with other data: the `psl` crate's version
/// (its list is the Public Suffix List as published when that version was released; the
/// crate is republished on every change of the list and carries no date of its own), and the
/// number of providers in `data/providers.json` with its `updated` date. A test checks both
/// against Cargo.lock and the file, so they cannot drift.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\npublic suffix list: psl crate 2.1.247",
    "\nproviders: 27 (data/providers.json, updated 2026-12-05)"
);

/// Audits the DNS records a domain needs for email and says how to fix what is wrong.
#[derive(Debug, Parser)]
#[command(name = "mailcheck", version, long_version = LONG_VERSION, about, after_help = EXIT_CODES)]
#[command(subcommand_negates_reqs = true)]
pub struct Cli {
    /// What to do; without one, audit the domains.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The audit's options.
    #[command(flatten)]
    pub audit: AuditArgs,
    /// How to reach DNS, for every command that looks things up.
    #[command(flatten)]
    pub resolver: ResolverArgs,
    /// Output options, for every command.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Which findings are reported, for audits and `record`.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Read options from FILE instead of the first mailcheck.toml found in the current
    /// directory or a directory above it. Options on the command line win over the file's.
    #[arg(long, value_name = "FILE", global = true, conflicts_with = "no_config")]
    pub config: Option<std::path::PathBuf>,
    /// Read no mailcheck.toml.
    #[arg(long, global = true)]
    pub no_config: bool,
    /// Where an audit's answers come from: --zone, --offline, --save-dns, --replay.
    #[command(flatten)]
    pub sources: SourceArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Explain a rule: what it finds, why it matters, how to fix it. Without RULE, list them.
    Explain {
        /// A rule id, e.g. mx-target-cname.
        rule: Option<String>,
    },
    /// Check a record's text before publishing it, with no DNS lookups.
    Record {
        /// What kind of record it is.
        #[arg(value_enum)]
        kind: RecordKind,
        /// The record text: plain (v=spf1 -all) or as zone-file strings ("part 1" "part 2").
        text: String,
        /// Exit 1 when a finding is at or above this severity.
        #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Error)]
        fail_on: FailOn,
    },
    /// Evaluate DOMAIN's SPF policy for a client address, as a receiver would (RFC 7208
    /// check_host()): the result, the term that decided it, the explanation and a trace.
    /// Exits 0 whenever the evaluation ran, whatever its result; 2 for bad input.
    Spf(SpfArgs),
    /// Print a completion script for SHELL, e.g. `mailcheck completions bash >
    /// ~/.local/share/bash-completion/completions/mailcheck`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `mailcheck man > mailcheck.1; man -l mailcheck.1`.
    Man,
    /// Check zone files before they go live, as a pre-commit hook does: each file's own zone
    /// (its $ORIGIN or SOA owner, ORIGIN=FILE, or the domain its name gives), offline; names
    /// outside the files (a provider's MX or SPF include) do not make the exit code 3.
    Zone {
        /// The zone files, each as [ORIGIN=]FILE.
        #[arg(value_name = "[ORIGIN=]FILE", required = true)]
        files: Vec<PathBuf>,
    },
}

/// The question `mailcheck spf` answers.
#[derive(Debug, clap::Args)]
pub struct SpfArgs {
    /// The domain whose policy is checked (the MAIL FROM domain, or the HELO name).
    pub domain: String,
    /// The client's IP address.
    #[arg(long, value_name = "IP")]
    pub ip: IpAddr,
    /// The MAIL FROM address (default: postmaster@DOMAIN).
    #[arg(long, value_name = "ADDR")]
    pub sender: Option<String>,
    /// The HELO/EHLO name (default: DOMAIN).
    #[arg(long, value_name = "NAME")]
    pub helo: Option<String>,
}

/// Options of an audit.
#[derive(Clone, Debug, clap::Args)]
pub struct AuditArgs {
    /// Domains to audit (Unicode names are converted to A-labels).
    #[arg(value_name = "DOMAIN", required_unless_present = "input")]
    pub domains: Vec<String>,
    /// Read domains from a file (or - for stdin): one per line, blank lines and # comments
    /// ignored. An invalid line is reported with its line number and the others are audited.
    #[arg(long, value_name = "FILE|-")]
    pub input: Option<PathBuf>,
    /// Most DNS queries in flight at once, over all domains.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY, value_parser = parse_concurrency)]
    pub concurrency: usize,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Show every DNS query with its outcome and time.
    #[arg(short, long)]
    pub verbose: bool,
    /// DKIM selector to check (the s= of your DKIM-Signature headers); repeatable. Without it,
    /// the selectors of common providers and mail software are probed.
    #[arg(short = 's', long = "selector", value_name = "NAME")]
    pub selectors: Vec<String>,
    /// Probe every DKIM selector mailcheck knows (59), not only the 24 most widespread.
    #[arg(long, conflicts_with = "selectors")]
    pub all_selectors: bool,
    /// Seconds one domain's audit may take (0.1 to 3600): a lookup not answered by then is
    /// reported as not verified, and the audit as incomplete.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = DEFAULT_AUDIT_TIMEOUT,
        value_parser = parse_audit_timeout
    )]
    pub audit_timeout: f64,
    /// Check that the records in FILE are published: the records a provider told you to add,
    /// in zone-file syntax (relative names are under each audited domain unless the file sets
    /// $ORIGIN). Each is reported present, missing or different. DOMAIN=FILE checks the file
    /// against that domain only, its relative names under it; repeatable, one file per domain.
    #[arg(long, value_name = "[DOMAIN=]FILE")]
    pub expect: Vec<PathBuf>,
    /// Write NDJSON results to FILE (created if missing), and audit only the domains FILE
    /// does not report yet: rerun the same command after a run was killed or interrupted to
    /// finish it, with no domain lost or audited twice. Implies --format ndjson; stdout stays
    /// empty.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["json", "output"])]
    pub resume: Option<PathBuf>,
    /// Audit only the K-th of N slices of the domains (K from 1 to N), chosen by a stable hash
    /// of each name: N processes given the same list, each its own K, audit every domain once.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
}

/// `--shard K/N` (see [`Shard`]).
fn parse_shard(text: &str) -> Result<Shard, String> {
    text.parse()
}

/// Checks `--resume` and `--shard` against the rest of the command line, once the config file
/// has filled it in, and makes `--resume`'s format NDJSON. `format_given` says whether
/// `--format` was on the command line: another format there is refused, while a config
/// file's `format` (a habit for other runs) gives way.
pub fn check_batch_options(cli: &mut Cli, format_given: bool) -> Result<(), String> {
    let audit = &cli.audit;
    if let Some(command) = &cli.command
        && (audit.resume.is_some() || audit.shard.is_some())
    {
        let name = match command {
            Command::Explain { .. } => "explain",
            Command::Record { .. } => "record",
            Command::Spf(_) => "spf",
            Command::Completions { .. } => "completions",
            Command::Man => "man",
            Command::Zone { .. } => "zone",
        };
        return Err(format!(
            "--resume and --shard apply to an audit of domains, not to `mailcheck {name}`"
        ));
    }
    if audit.resume.is_some() {
        let format = cli.output.format();
        if format_given && format != Format::Ndjson {
            let name = format
                .to_possible_value()
                .map_or_else(String::new, |value| value.get_name().to_owned());
            return Err(format!(
                "--resume writes NDJSON (--format ndjson) to its file, not --format {name}"
            ));
        }
        cli.output.format = Format::Ndjson;
    }
    Ok(())
}

/// How to reach DNS.
#[derive(Debug, clap::Args)]
pub struct ResolverArgs {
    /// DNS server to ask, as IP or IP:PORT (IPv6 with a port as [::1]:5353; port 1 to
    /// 65535, 53 by default); repeatable. Default: the system resolver.
    // The brackets are --help text, not an intra-doc link.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(
        short = 'n',
        long = "nameserver",
        value_name = "IP[:PORT]",
        global = true,
        value_parser = parse_nameserver
    )]
    pub nameservers: Vec<SocketAddr>,
    /// Seconds to wait for each try of a query, from 0.1 to 60.
    #[arg(long, value_name = "SECONDS", default_value = "3", global = true, value_parser = parse_timeout)]
    pub timeout: Duration,
    /// Times to retry a query that timed out or failed (at most 5; each retry waits a little
    /// longer first).
    #[arg(long, value_name = "N", default_value_t = 1, global = true, value_parser = parse_retries)]
    pub retries: usize,
    /// Most queries a second sent to each DNS server (1 to 1000000), retries and TCP
    /// included; default: no limit. Spaces the queries 1/N s apart, whatever --concurrency
    /// allows. For a public resolver, 500 is polite.
    #[arg(long, value_name = "N", global = true, value_parser = parse_max_qps)]
    pub max_qps: Option<u32>,
}

impl ResolverArgs {
    /// The settings of the live resolver (the values were checked when they were read).
    pub fn settings(&self) -> ResolverSettings {
        ResolverSettings {
            nameservers: self.nameservers.clone(),
            timeout: self.timeout,
            retries: self.retries,
            max_qps: self.max_qps,
        }
    }
}

/// Options of the output.
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Human, global = true)]
    pub format: Format,
    /// Short for --format json.
    #[arg(long, global = true)]
    pub json: bool,
    /// Write the report to FILE instead of stdout: whole, or not at all (a run that fails or
    /// is interrupted leaves FILE as it was). Progress and errors still go to stderr.
    #[arg(short = 'o', long, value_name = "FILE", global = true)]
    pub output: Option<std::path::PathBuf>,
    /// When to colour human output, decided for stdout and stderr apart (under auto: NO_COLOR
    /// never, CLICOLOR_FORCE or FORCE_COLOR always, TERM=dumb never, else when the stream is a
    /// terminal).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

impl OutputArgs {
    /// The format in effect.
    pub fn format(&self) -> Format {
        if self.json { Format::Json } else { self.format }
    }
}

/// `--ignore`, `--select`, `--severity`: which findings are reported, and how severe.
#[derive(Debug, Default, clap::Args)]
pub struct SelectionArgs {
    /// Leave out findings of RULE: a rule id, or a family such as bimi (every bimi-… rule);
    /// repeatable. Left-out findings are not printed and do not count for --fail-on; JSON
    /// lists them under `ignored`.
    #[arg(long, value_name = "RULE", global = true)]
    pub ignore: Vec<String>,
    /// Report only findings of RULE (a rule id or a family); repeatable.
    #[arg(long, value_name = "RULE", global = true)]
    pub select: Vec<String>,
    /// Report RULE (a rule id or a family) at LEVEL: error, warning or info; repeatable. A
    /// rule named alone wins over its family.
    #[arg(long, value_name = "RULE=LEVEL", global = true)]
    pub severity: Vec<String>,
    /// The `[domains."…"]` sections of the config file: what applies to one domain's
    /// findings on top of the above.
    #[arg(skip)]
    pub per_domain: Vec<(crate::dns::Name, DomainSelection)>,
}

/// The findings options of one domain, from its `[domains."…"]` section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainSelection {
    /// Rules or families left out for this domain, besides the run's.
    pub ignore: Vec<String>,
    /// Rules or families reported for this domain, besides the run's `select`.
    pub select: Vec<String>,
    /// `RULE=LEVEL` for this domain, after the run's.
    pub severity: Vec<String>,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: sections, findings, fixes.
    Human,
    /// One JSON document (schema_version 1).
    Json,
    /// One JSON object per line: each domain as soon as it is done, then a summary line.
    Ndjson,
    /// One line per finding, `DOMAIN: SEVERITY RULE SUBJECT: MESSAGE` (with `FILE:LINE:`
    /// first for a finding from a zone or --expect file), for grep and editors.
    Short,
    /// GitHub Actions workflow commands (annotations), and a Markdown summary appended to
    /// $GITHUB_STEP_SUMMARY when it is set.
    Github,
    /// SARIF 2.1.0, for code scanning (one result per finding; zone files' lines located).
    Sarif,
}

/// When to colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When the stream is a terminal, as NO_COLOR, CLICOLOR_FORCE, FORCE_COLOR and TERM say.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `--audit-timeout`: seconds from 0.1 to [`MAX_AUDIT_TIMEOUT`] (so that it always makes a
/// [`Duration`], and never one too short for a single round trip).
pub(crate) fn parse_audit_timeout(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if (0.1..=MAX_AUDIT_TIMEOUT).contains(&seconds) => Ok(seconds),
        _ => Err(format!(
            "expected a number of seconds from 0.1 to {MAX_AUDIT_TIMEOUT}, not \"{text}\""
        )),
    }
}

impl AuditArgs {
    /// `--audit-timeout` as a duration (checked when the command line was read).
    pub fn time_limit(&self) -> Duration {
        Duration::from_secs_f64(self.audit_timeout.clamp(0.1, MAX_AUDIT_TIMEOUT))
    }
}

/// `--retries`: a whole number from 0 to [`MAX_RETRIES`].
pub(crate) fn parse_retries(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n <= MAX_RETRIES => Ok(n),
        Ok(n) => Err(format!(
            "{n} is more than the {MAX_RETRIES} retries mailcheck allows (a name server that \
             fails six times in a row will not answer the seventh)"
        )),
        Err(_) => Err(format!(
            "expected a whole number from 0 to {MAX_RETRIES}, not \"{text}\""
        )),
    }
}

/// `--max-qps`: a whole number from 1 to [`MAX_QPS`].
pub(crate) fn parse_max_qps(text: &str) -> Result<u32, String> {
    match text.parse::<u64>() {
        Ok(n) if (1..=u64::from(MAX_QPS)).contains(&n) => {
            u32::try_from(n).map_err(|_| String::new())
        }
        Ok(0) => Err(
            "0 queries a second would send nothing; leave --max-qps out for no limit".to_owned(),
        ),
        Ok(n) => Err(format!(
            "{n} is more than the {MAX_QPS} queries a second --max-qps allows; leave it out \
             for no limit"
        )),
        Err(_) => Err(format!(
            "expected a whole number from 1 to {MAX_QPS}, not \"{text}\""
        )),
    }
}

/// `--concurrency`: a whole number from 1 to [`MAX_CONCURRENCY`].
pub(crate) fn parse_concurrency(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => Ok(n),
        Ok(n) if n > MAX_CONCURRENCY => Err(format!(
            "{n} is more than the {MAX_CONCURRENCY} queries in flight mailcheck allows (more \
             would overflow its sockets' buffers and lose answers)"
        )),
        _ => Err(format!(
            "expected a whole number from 1 to {MAX_CONCURRENCY}, not \"{text}\""
        )),
    }
}

/// Parses a `--timeout` value: seconds from [`MIN_TIMEOUT_SECS`] to [`MAX_TIMEOUT_SECS`].
/// NaN, infinities, zero and negative values are outside, and so never reach
/// [`Duration::from_secs_f64`], which panics on a value too large for a `Duration`.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(seconds) if (MIN_TIMEOUT_SECS..=MAX_TIMEOUT_SECS).contains(&seconds) => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err(format!(
            "expected a number of seconds from {MIN_TIMEOUT_SECS} to {MAX_TIMEOUT_SECS}"
        )),
    }
}

/// Parses a `--nameserver` value: `IP`, `IP:PORT`, or `[IPv6]:PORT`; port 53 by default.
/// Port 0 is refused: no server listens there (a query sent to it is lost, and the whole audit
/// would time out as "not verified").
pub fn parse_nameserver(text: &str) -> Result<SocketAddr, String> {
    let bare = text
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(text);
    let address = text
        .parse::<SocketAddr>()
        .or_else(|_| bare.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
        .map_err(|_| {
            "expected an IP address with an optional port (192.0.2.53, 192.0.2.53:5353, \
             2001:db8::53 or [2001:db8::53]:5353)"
                .to_owned()
        })?;
    if address.port() == 0 {
        return Err("port 0 is no server's port: expected a port from 1 to 65535".to_owned());
    }
    Ok(address)
}

/// Checks a `--selector` value: one or more DNS labels (RFC 6376 §3.1 allows dots), given
/// without `._domainkey`. Returns it as written: DNS compares names without regard to case,
/// but the report shows the selector the way the user wrote it (`S2024`, not `s2024`).
pub fn parse_selector(text: &str) -> Result<String, InputError> {
    let error = |reason| Err(InputError::Selector(text.to_owned(), reason));
    let selector = text.trim().trim_end_matches('.').to_owned();
    if selector.to_ascii_lowercase().contains("_domainkey") {
        return error("give the selector alone (s1 for s1._domainkey.example.com)");
    }
    if selector.is_empty() {
        return error("it is empty");
    }
    if selector.len() > 200 {
        return error("it is too long for a DNS name");
    }
    for label in selector.split('.') {
        if label.is_empty() {
            return error("it has an empty label (two dots in a row, or a leading dot)");
        }
        if label.len() > 63 {
            return error("a label is longer than 63 characters");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return error("a selector holds only letters, digits, '-', '_' and dots");
        }
    }
    Ok(selector)
}

/// The environment variables that decide colour under `--color auto`, read once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ColourEnv {
    /// `NO_COLOR` is set and not empty (<https://no-color.org>): never colour.
    pub no_color: bool,
    /// `CLICOLOR_FORCE` or `FORCE_COLOR` is set to something other than empty or `0`: colour
    /// even when the stream is not a terminal (CI logs that render ANSI).
    pub force: bool,
    /// `TERM=dumb`: the terminal cannot show colour.
    pub dumb_terminal: bool,
}

impl ColourEnv {
    /// Reads the variables from the process environment.
    pub fn from_env() -> ColourEnv {
        let set = |name: &str| {
            std::env::var_os(name).is_some_and(|value| !value.is_empty() && value != "0")
        };
        ColourEnv {
            no_color: std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty()),
            force: set("CLICOLOR_FORCE") || set("FORCE_COLOR"),
            dumb_terminal: std::env::var_os("TERM").is_some_and(|value| value == "dumb"),
        }
    }
}

/// Whether one output stream (stdout or stderr) is coloured: `--color always|never` decide;
/// under `auto`, `NO_COLOR` wins, then `CLICOLOR_FORCE`/`FORCE_COLOR`, then `TERM=dumb`, then
/// whether that stream is a terminal. Each stream is decided on its own, so `2>err.txt`
/// receives no escape codes while the terminal keeps its colours.
pub fn stream_colour(choice: ColorChoice, env: ColourEnv, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !env.no_color && (env.force || (!env.dumb_terminal && is_terminal)),
    }
}

/// Options that choose where answers come from.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct SourceArgs {
    /// Answer names inside this zone file from the file instead of DNS (repeatable); names
    /// outside go to DNS, or with --offline are reported as not verified. The file's own
    /// problems are reported in the Zone file section. ORIGIN=FILE names the zone of a file
    /// without $ORIGIN (as named.conf does); without it, such a file is read with the audited
    /// domain (one domain, one --zone) or the domain its name gives (db.example.com).
    #[arg(long = "zone", value_name = "[ORIGIN=]FILE")]
    pub zones: Vec<PathBuf>,
    /// Let $INCLUDE in a --zone file read any file; without it, only files under the zone
    /// file's own directory are read (a zone file from someone else cannot read other files).
    #[arg(long)]
    pub zone_include_any: bool,
    /// Send no DNS query: names outside the --zone files are reported as not verified.
    #[arg(long, conflicts_with = "nameservers")]
    pub offline: bool,
    /// With --offline: names outside the audited domain that --offline left unasked (a
    /// provider's SPF include or MX host) do not make the exit code 3, so a pre-commit check
    /// of a correct zone passes. Names of the domain itself not in a --zone file still do.
    #[arg(long, requires = "offline")]
    pub offline_ok: bool,
    /// Write every DNS answer of the run to FILE (JSON, read back by --replay).
    #[arg(long, value_name = "FILE")]
    pub save_dns: Option<PathBuf>,
    /// Answer every query from FILE, written by --save-dns, with no network; a query the file
    /// does not hold is reported as not verified.
    #[arg(long, value_name = "FILE", conflicts_with = "nameservers")]
    pub replay: Option<PathBuf>,
}

impl SourceArgs {
    /// The settings these options give.
    pub fn settings(&self) -> SourceSettings {
        SourceSettings {
            zones: self.zones.clone(),
            audited: None,
            zone_include_any: self.zone_include_any,
            offline: self.offline,
            save_dns: self.save_dns.clone(),
            replay: self.replay.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nameservers() {
        let parse = |text| parse_nameserver(text).map(|a| a.to_string()).ok();
        assert_eq!(parse("127.0.0.1").as_deref(), Some("127.0.0.1:53"));
        assert_eq!(parse("127.0.0.1:5353").as_deref(), Some("127.0.0.1:5353"));
        assert_eq!(parse("::1").as_deref(), Some("[::1]:53"));
        assert_eq!(parse("[::1]").as_deref(), Some("[::1]:53"));
        assert_eq!(parse("[::1]:5353").as_deref(), Some("[::1]:5353"));
        assert_eq!(parse("dns.example"), None);
        assert_eq!(parse("127.0.0.1:99999"), None);
        assert_eq!(parse("127.0.0.1:0"), None);
        assert_eq!(parse("[::1]:0"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn parses_timeouts_within_their_range() {
        let parse = |text| parse_timeout(text).ok();
        assert_eq!(parse("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse("0.1"), Some(Duration::from_millis(100)));
        assert_eq!(parse("60"), Some(Duration::from_secs(60)));
        for bad in [
            "0", "-1", "0.09", "60.5", "1e300", "1.85e19", "nan", "NaN", "inf", "-inf", "", "3s",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        // The longest wait a timeout leads to is far from overflowing a Duration.
        let longest = Duration::from_secs_f64(MAX_TIMEOUT_SECS);
        assert!(longest.checked_mul(u32::MAX).is_some());
    }

    #[test]
    fn max_qps_is_checked() {
        assert_eq!(parse_max_qps("100"), Ok(100));
        assert_eq!(parse_max_qps("1"), Ok(1));
        assert_eq!(parse_max_qps("1000000"), Ok(1_000_000));
        for bad in [
            "0",
            "-1",
            "1000001",
            "99999999999999999999",
            "1.5",
            "fast",
            "",
        ] {
            assert!(parse_max_qps(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn audit_timeouts_are_checked() {
        assert_eq!(parse_audit_timeout("60"), Ok(60.0));
        assert_eq!(parse_audit_timeout("0.1"), Ok(0.1));
        for bad in ["0", "-1", "3601", "NaN", "inf", "1e300", "soon"] {
            assert!(parse_audit_timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_selectors() {
        let parse = |text| parse_selector(text).ok();
        assert_eq!(parse("S1").as_deref(), Some("S1"));
        assert_eq!(parse("s1._DomainKey.example.com"), None);
        assert_eq!(parse("2026q4.eu").as_deref(), Some("2026q4.eu"));
        assert_eq!(parse("hs1-12345").as_deref(), Some("hs1-12345"));
        assert_eq!(parse("s1._domainkey.example.com"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("a..b"), None);
        assert_eq!(parse("a b"), None);
        assert_eq!(parse(&"x".repeat(64)), None);
    }

    #[test]
    fn colour_is_decided_per_stream() {
        use ColorChoice::{Always, Auto, Never};
        let plain = ColourEnv::default();
        let no_color = ColourEnv {
            no_color: true,
            ..plain
        };
        let force = ColourEnv {
            force: true,
            ..plain
        };
        let dumb = ColourEnv {
            dumb_terminal: true,
            ..plain
        };
        assert!(stream_colour(Always, no_color, false));
        assert!(!stream_colour(Never, force, true));
        assert!(stream_colour(Auto, plain, true));
        assert!(!stream_colour(Auto, plain, false));
        assert!(!stream_colour(Auto, no_color, true));
        assert!(stream_colour(Auto, force, false));
        assert!(!stream_colour(Auto, dumb, true));
        assert!(stream_colour(
            Auto,
            ColourEnv {
                force: true,
                ..dumb
            },
            true
        ));
        assert!(!stream_colour(
            Auto,
            ColourEnv {
                force: true,
                ..no_color
            },
            true
        ));
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
