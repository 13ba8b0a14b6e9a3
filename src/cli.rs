//! The command line: arguments, the run, and the exit-code contract.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use colored::Colorize;
use serde::Serialize;

use crate::audit::audit_with;
use crate::batch::{audit_share, domains_in_flight, read_domain_list, run_unordered};
use crate::dns::DnsSource;
use crate::dns::cache::CachingSource;
use crate::dns::network::{NetworkSource, ResolverSettings};
use crate::domain::{DomainName, parse_domain};
use crate::escape::escape;
use crate::finding::RecordKind;
use crate::finding::Rule;
use crate::finding::Severity;
use crate::gather::GatherOptions;
use crate::output::{HumanSink, JsonSink, NdjsonSink, ReportSink, Tally};
use crate::progress::Progress;
use crate::render;
use crate::report::{LintReport, Report, SCHEMA_VERSION, ToolInfo};
use crate::rules::{RULES, find_rule};
use crate::txt::TxtRecord;

/// Default for `--concurrency`: queries in flight at once. At a 30 ms round trip that is
/// about 2,000 queries a second, which public and ISP resolvers take without rate-limiting.
pub const DEFAULT_CONCURRENCY: usize = 64;

const EXIT_CODES: &str = "\
Exit codes:
  0  no finding at or above --fail-on, and every lookup was answered
  1  at least one finding at or above --fail-on
  2  usage or input error
  3  no finding at or above --fail-on, but some lookups failed (timeout, SERVFAIL),
     so the audit is incomplete";

/// Audits the DNS records a domain needs for email and says how to fix what is wrong.
#[derive(Debug, Parser)]
#[command(name = "mailcheck", version, about, after_help = EXIT_CODES)]
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
    /// Where an audit's answers come from: --zone, --offline, --save-dns, --replay.
    #[command(flatten)]
    pub sources: crate::sources::SourceArgs,
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
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Domains to audit (Unicode names are converted to A-labels).
    #[arg(value_name = "DOMAIN", required_unless_present = "input")]
    pub domains: Vec<String>,
    /// Read domains from a file (or - for stdin): one per line, blank lines and # comments
    /// ignored. An invalid line is reported with its line number and the others are audited.
    #[arg(long, value_name = "FILE|-")]
    pub input: Option<PathBuf>,
    /// Most DNS queries in flight at once, over all domains.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY, value_parser = parse_positive)]
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
    /// Check that the records in FILE are published: the records a provider told you to add,
    /// in zone-file syntax (relative names are under each audited domain unless the file sets
    /// $ORIGIN). Each is reported present, missing or different.
    #[arg(long, value_name = "FILE")]
    pub expect: Option<PathBuf>,
}

/// How to reach DNS.
#[derive(Debug, clap::Args)]
pub struct ResolverArgs {
    /// DNS server to ask, as IP or IP:PORT (IPv6 with a port as [::1]:5353); repeatable.
    /// Default: the system resolver.
    // The brackets are --help text, not an intra-doc link.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(
        short = 'n',
        long = "nameserver",
        value_name = "IP[:PORT]",
        global = true
    )]
    pub nameservers: Vec<String>,
    /// Seconds to wait for each try of a query.
    #[arg(long, value_name = "SECONDS", default_value = "3", global = true)]
    pub timeout: f64,
    /// Times to retry a query that timed out or failed.
    #[arg(long, value_name = "N", default_value_t = 1, global = true)]
    pub retries: usize,
}

impl ResolverArgs {
    /// Checks the options and builds the live resolver behind a single-flight cache.
    pub fn source(&self) -> Result<CachingSource<NetworkSource>, InputError> {
        Ok(CachingSource::new(self.network()?))
    }

    /// Checks the options and builds the live resolver.
    pub fn network(&self) -> Result<NetworkSource, InputError> {
        let nameservers = self
            .nameservers
            .iter()
            .map(|text| parse_nameserver(text))
            .collect::<Result<Vec<_>, _>>()?;
        if !(self.timeout.is_finite() && self.timeout > 0.0) {
            return Err(InputError::Timeout(self.timeout));
        }
        let settings = ResolverSettings {
            nameservers,
            timeout: Duration::from_secs_f64(self.timeout),
            retries: self.retries,
        };
        Ok(NetworkSource::new(&settings)?)
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
    /// When to colour human output (NO_COLOR and a non-terminal stdout mean never under auto).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

impl OutputArgs {
    /// The format in effect.
    pub fn format(&self) -> Format {
        if self.json { Format::Json } else { self.format }
    }
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
}

/// When to colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
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

/// The exit codes of DESIGN.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: nothing at or above --fail-on, and the audit is complete.
    Clean,
    /// 1: a finding at or above --fail-on.
    Findings,
    /// 2: usage or input error.
    InputError,
    /// 3: nothing at or above --fail-on, but some lookups failed.
    Incomplete,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::InputError => 2,
            ExitStatus::Incomplete => 3,
        }
    }

    /// The status a run earns under `fail_on`, from its tally.
    pub fn of_tally(tally: &Tally, fail_on: FailOn) -> Self {
        let failed = fail_on
            .threshold()
            .zip(tally.worst)
            .is_some_and(|(threshold, worst)| worst >= threshold);
        if failed {
            ExitStatus::Findings
        } else if tally.incomplete > 0 {
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
    /// A `--nameserver` that is not an address.
    #[error(
        "invalid --nameserver \"{0}\": expected an IP address with an optional port (192.0.2.53, 192.0.2.53:5353, 2001:db8::53 or [2001:db8::53]:5353)"
    )]
    Nameserver(String),
    /// A `--timeout` that is not a positive number of seconds.
    #[error("invalid --timeout {0}: expected a number of seconds greater than 0")]
    Timeout(f64),
    /// `--input` that cannot be read.
    #[error("cannot read --input {path}: {message}", path = .0.display(), message = .1)]
    Input(PathBuf, String),
    /// A `--selector` that is not a selector.
    #[error("invalid --selector \"{0}\": {1}")]
    Selector(String, &'static str),
    /// A `--sender` or `--helo` that cannot be used.
    #[error("invalid {0}: {1}")]
    Identity(&'static str, String),
    /// `explain` with an unknown rule.
    #[error("unknown rule \"{0}\"; run `mailcheck explain` to list the rules")]
    UnknownRule(String),
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

/// A whole number of at least 1 (for `--concurrency`).
fn parse_positive(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "expected a whole number of at least 1, not \"{text}\""
        )),
    }
}

/// Parses a `--nameserver` value: `IP`, `IP:PORT`, or `[IPv6]:PORT`; port 53 by default.
pub fn parse_nameserver(text: &str) -> Result<SocketAddr, InputError> {
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(address);
    }
    let bare = text
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(text);
    bare.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| InputError::Nameserver(text.to_owned()))
}

/// Checks a `--selector` value: one or more DNS labels (RFC 6376 §3.1 allows dots), given
/// without `._domainkey`. Returns it in lower case.
pub fn parse_selector(text: &str) -> Result<String, InputError> {
    let error = |reason| Err(InputError::Selector(text.to_owned(), reason));
    let selector = text.trim().trim_end_matches('.').to_ascii_lowercase();
    if selector.contains("_domainkey") {
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

/// Decides colouring once, as `colored` should see it: `--color`, then `NO_COLOR`, then
/// whether stdout is a terminal. JSON is never coloured.
pub fn colour_override(choice: ColorChoice, format: Format, no_color: bool, is_tty: bool) -> bool {
    format == Format::Human
        && match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && is_tty,
        }
}

/// Runs the parsed command line, writing results to `out` and problems to `err`.
pub async fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    let format = cli.output.format();
    let result = match cli.command {
        Some(Command::Explain { rule }) => explain(rule.as_deref(), format, out),
        Some(Command::Record {
            kind,
            text,
            fail_on,
        }) => lint_record(kind, &text, fail_on, format, out),
        Some(Command::Spf(spf)) => {
            run_spf_check(&spf, &cli.resolver, &cli.sources, format, out).await
        }
        None => run_audit(&cli.audit, &cli.resolver, &cli.sources, format, out, err).await,
    };
    match result {
        Ok(status) => Ok(status),
        Err(RunError::Io(error)) => Err(error),
        Err(RunError::Input(error)) => {
            report_error(&error.to_string(), format, out, err)?;
            Ok(ExitStatus::InputError)
        }
    }
}

/// Writes a usage or input error: one line on stderr, and under JSON a JSON document on stdout.
pub fn report_error(
    message: &str,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    // The message may quote what the user typed, escape sequences included.
    writeln!(
        err,
        "{} {}",
        "error:".red().bold(),
        crate::escape::escape(message)
    )?;
    if format != Format::Human {
        #[derive(Serialize)]
        struct ErrorDocument<'a> {
            schema_version: u32,
            tool: ToolInfo,
            error: ErrorBody<'a>,
        }
        #[derive(Serialize)]
        struct ErrorBody<'a> {
            kind: &'static str,
            message: &'a str,
        }
        let document = ErrorDocument {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo::default(),
            error: ErrorBody {
                kind: "input",
                message,
            },
        };
        serde_json::to_writer_pretty(&mut *out, &document)?;
        writeln!(out)?;
    }
    Ok(())
}

enum RunError {
    Input(InputError),
    Io(io::Error),
}

impl From<InputError> for RunError {
    fn from(error: InputError) -> Self {
        RunError::Input(error)
    }
}

impl From<io::Error> for RunError {
    fn from(error: io::Error) -> Self {
        RunError::Io(error)
    }
}

async fn run_audit(
    args: &AuditArgs,
    resolver: &ResolverArgs,
    sources: &crate::sources::SourceArgs,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, RunError> {
    // Validate everything before the first query: bad input never costs a lookup. Domains on
    // the command line must all be valid; a list file may have bad lines, which are reported
    // and skipped.
    let mut domains = args
        .domains
        .iter()
        .map(|domain| parse_domain(domain))
        .collect::<Result<Vec<DomainName>, _>>()
        .map_err(InputError::from)?;
    let mut input_errors = Vec::new();
    if let Some(path) = &args.input {
        let text = read_input(path)?;
        let (listed, errors) = read_domain_list(&text);
        for error in &errors {
            writeln!(
                err,
                "{} {}:{}: {}",
                "error:".red().bold(),
                path.display(),
                error.line,
                escape(&error.message)
            )?;
        }
        domains.extend(listed);
        input_errors = errors;
    }
    let mut options = GatherOptions::default();
    for text in &args.selectors {
        let selector = parse_selector(text)?;
        if !options.dkim_selectors.contains(&selector) {
            options.dkim_selectors.push(selector);
        }
    }
    options.all_selectors = args.all_selectors;
    options.skip_dead_servers = sources.save_dns.is_none() && sources.replay.is_none();
    if let Some(path) = &args.expect {
        options.expect = Some(Arc::new(
            crate::expect::ExpectFile::load(path, &domains).map_err(InputError::from)?,
        ));
    }
    let options = Arc::new(options);
    // --zone, --offline, --replay and --save-dns choose the layers under the cache.
    let sources = crate::sources::AuditSources::build(sources, resolver, args.concurrency)?;
    let source: Arc<dyn DnsSource> = sources.shared();

    let human = render::human::HumanOptions {
        verbose: args.verbose,
    };
    let mut sink: Box<dyn ReportSink + '_> = match format {
        Format::Human => Box::new(HumanSink::new(out, human)),
        Format::Json => Box::new(JsonSink::new(out)),
        Format::Ndjson => Box::new(NdjsonSink::new(out)),
    };
    let progress = Progress::new(domains.len());
    let mut tally = Tally::default();
    let mut write_error = None;
    let count = domains.len();
    run_unordered(
        domains.into_iter().enumerate().collect(),
        domains_in_flight(args.concurrency),
        |(position, domain)| {
            let source = Arc::clone(&source);
            // Each audit's share of --concurrency, from the domains left when it starts.
            let mut options = GatherOptions::clone(&options);
            options.max_in_flight = Some(audit_share(args.concurrency, count - position));
            async move { audit_with(&domain, &*source, &options).await }
        },
        |index, mut report| {
            sources.annotate(&mut report);
            tally.add(&report);
            progress.update(&tally);
            if write_error.is_none() {
                let written = progress.suspend(|| sink.domain_done(index, report));
                write_error = written.err();
            }
        },
    )
    .await;
    progress.finish();
    if let Some(error) = write_error {
        return Err(error.into());
    }
    sources.finish()?;
    sink.finish(&input_errors)?;

    if !input_errors.is_empty() {
        return Ok(ExitStatus::InputError);
    }
    Ok(ExitStatus::of_tally(&tally, args.fail_on))
}

/// The text of `--input`: a file, or stdin for `-`.
fn read_input(path: &Path) -> Result<String, InputError> {
    let unreadable = |error: io::Error| InputError::Input(path.to_owned(), error.to_string());
    if path == Path::new("-") {
        io::read_to_string(io::stdin()).map_err(unreadable)
    } else {
        std::fs::read_to_string(path).map_err(unreadable)
    }
}

fn write_report(
    report: &Report,
    format: Format,
    verbose: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => {
            render::human::render(report, render::human::HumanOptions { verbose }, out)
        }
        Format::Json | Format::Ndjson => render::json::render(report, out),
    }
}

/// Checks `--sender` and `--helo`: printable ASCII with no spaces (RFC 5321 §4.1.2).
fn check_identity(what: &'static str, value: &str) -> Result<(), InputError> {
    if value.is_empty() {
        return Err(InputError::Identity(what, "it is empty".to_owned()));
    }
    if let Some(bad) = value.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(InputError::Identity(
            what,
            format!("\"{value}\" contains {bad:?}; use the ASCII form, with no spaces"),
        ));
    }
    if what == "--sender"
        && let Some((_, domain)) = value.rsplit_once('@')
        && domain.is_empty()
    {
        return Err(InputError::Identity(
            what,
            format!("\"{value}\" has no domain after the '@'"),
        ));
    }
    Ok(())
}

async fn run_spf_check(
    spf: &SpfArgs,
    resolver: &ResolverArgs,
    sources: &crate::sources::SourceArgs,
    format: Format,
    out: &mut dyn Write,
) -> Result<ExitStatus, RunError> {
    let (ip, sender, helo) = (spf.ip, spf.sender.as_deref(), spf.helo.as_deref());
    let domain = parse_domain(&spf.domain).map_err(InputError::from)?;
    if let Some(sender) = sender {
        check_identity("--sender", sender)?;
    }
    if let Some(helo) = helo {
        check_identity("--helo", helo)?;
    }
    let sender = sender.map_or_else(|| format!("postmaster@{}", domain.ascii), ToOwned::to_owned);
    let helo = helo.map_or_else(|| domain.ascii.to_string(), ToOwned::to_owned);
    // The same layers as an audit: --zone, --offline, --replay and --save-dns apply here too.
    let sources = crate::sources::AuditSources::build(sources, resolver, DEFAULT_CONCURRENCY)?;
    let source = sources.shared();
    let params = crate::spf::CheckHost {
        ip,
        domain: domain.ascii.to_string(),
        sender: sender.clone(),
        helo: helo.clone(),
    };
    let options = crate::spf::EvalOptions {
        timestamp: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs()),
        ..crate::spf::EvalOptions::default()
    };
    let evaluation = crate::spf::check_host(&*source, &params, &options).await;
    sources.finish()?;
    let report = Report {
        spf_check: Some(crate::report::SpfCheckReport {
            ip: ip.to_string(),
            domain: domain.ascii.to_string(),
            sender,
            helo,
            evaluation,
        }),
        ..Report::of_domains(Vec::new())
    };
    write_report(&report, format, false, out)?;
    // The evaluation ran: its result, whatever it is, is the answer, not a failure.
    Ok(ExitStatus::Clean)
}

fn lint_record(
    kind: RecordKind,
    text: &str,
    fail_on: FailOn,
    format: Format,
    out: &mut dyn Write,
) -> Result<ExitStatus, RunError> {
    let record = TxtRecord::from_input(text);
    let output = crate::record::check(kind, &record);
    let report = Report {
        lints: vec![LintReport::new(
            kind,
            record.text,
            output.findings,
            output.overview,
        )],
        ..Report::of_domains(Vec::new())
    };
    write_report(&report, format, false, out)?;
    Ok(ExitStatus::of_report(&report, fail_on))
}

fn explain(
    rule: Option<&str>,
    format: Format,
    out: &mut dyn Write,
) -> Result<ExitStatus, RunError> {
    let rules: Vec<&Rule> = match rule {
        Some(id) => vec![find_rule(id).ok_or_else(|| InputError::UnknownRule(id.to_owned()))?],
        None => RULES.to_vec(),
    };
    match format {
        Format::Json | Format::Ndjson => {
            serde_json::to_writer_pretty(&mut *out, &rules).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        Format::Human if rule.is_some() => render::human::render_rule(rules[0], out)?,
        Format::Human => render::human::render_rule_list(&rules, out)?,
    }
    Ok(ExitStatus::Clean)
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
        assert_eq!(parse(""), None);
    }

    #[test]
    fn parses_selectors() {
        let parse = |text| parse_selector(text).ok();
        assert_eq!(parse("S1").as_deref(), Some("s1"));
        assert_eq!(parse("2026q4.eu").as_deref(), Some("2026q4.eu"));
        assert_eq!(parse("hs1-12345").as_deref(), Some("hs1-12345"));
        assert_eq!(parse("s1._domainkey.example.com"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("a..b"), None);
        assert_eq!(parse("a b"), None);
        assert_eq!(parse(&"x".repeat(64)), None);
    }

    #[test]
    fn colour_is_decided_once() {
        use ColorChoice::{Always, Auto, Never};
        assert!(colour_override(Always, Format::Human, true, false));
        assert!(!colour_override(Never, Format::Human, false, true));
        assert!(colour_override(Auto, Format::Human, false, true));
        assert!(!colour_override(Auto, Format::Human, true, true));
        assert!(!colour_override(Auto, Format::Human, false, false));
        assert!(!colour_override(Always, Format::Json, false, true));
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
