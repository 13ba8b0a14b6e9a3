//! Running a parsed command line: an audit of one or many domains, record mode, `spf`, and
//! `explain`, each writing its output and returning its exit status.

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::args::{
    AuditArgs, Cli, Command, DEFAULT_CONCURRENCY, Format, ResolverArgs, SourceArgs, SpfArgs,
    parse_selector,
};
use super::exit::{ExitStatus, FailOn, InputError};
use crate::audit::audit_with;
use crate::batch::{DomainList, audit_share, domains_in_flight, read_domain_list, run_unordered};
use crate::dns::DnsSource;
use crate::dns::network::DeadServerNotice;
use crate::domain::{DomainName, parse_domain};
use crate::finding::{RecordKind, Rule};
use crate::gather::GatherOptions;
use crate::output::{
    GithubSink, HumanSink, JsonSink, NdjsonSink, PeopleFormat, ReportSink, SarifSink, Tally,
};
use crate::progress::Progress;
use crate::render;
use crate::report::{
    ErrorDocument, InputErrors, LintReport, Report, SCHEMA_VERSION, ToolError, ToolInfo,
};
use crate::rules::{RULES, find_rule};
use crate::selection::{DomainLists, Selection, Selections};
use crate::sources::AuditSources;
use crate::txt::TxtRecord;

/// Runs the parsed command line, writing results to `out` and problems to `err`.
pub async fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    let format = cli.output.format();
    // Under --resume the results go to the file and stdout stays empty: an error is said on
    // stderr only (the file must stay the output of the runs, resumable).
    let error_format = if cli.audit.resume.is_some() {
        Format::Human
    } else {
        format
    };
    let selection = Selections::new(
        &cli.selection.ignore,
        &cli.selection.select,
        &cli.selection.severity,
        cli.selection.per_domain.iter().map(|(domain, lists)| {
            (
                domain.as_str(),
                DomainLists {
                    ignore: &lists.ignore,
                    select: &lists.select,
                    severity: &lists.severity,
                },
            )
        }),
    )
    .map_err(InputError::Selection);
    let result = match (cli.command, selection) {
        (_, Err(error)) => Err(error.into()),
        (Some(Command::Explain { rule }), _) => explain(rule.as_deref(), format, out),
        (
            Some(Command::Record {
                kind,
                text,
                fail_on,
            }),
            Ok(selection),
        ) => lint_record(
            kind,
            &text,
            fail_on,
            selection.default_selection(),
            format,
            out,
        ),
        (Some(Command::Spf(spf)), _) => {
            // The result is written at the end: interrupted, nothing is written at all.
            tokio::select! {
                result = run_spf_check(&spf, &cli.resolver, &cli.sources, format, out) => result,
                _ = tokio::signal::ctrl_c() => Ok(ExitStatus::Interrupted),
            }
        }
        (Some(Command::Completions { shell }), _) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "mailcheck", out);
            Ok(ExitStatus::Clean)
        }
        (Some(Command::Man), _) => {
            let command = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(command).render(out)?;
            Ok(ExitStatus::Clean)
        }
        (Some(Command::Zone { files }), Ok(selection)) => {
            let zone = ZoneCheck {
                files: &files,
                audit: &cli.audit,
                resolver: &cli.resolver,
                sources: &cli.sources,
            };
            run_zone_check(&zone, &selection, format, out, err).await
        }
        (None, Ok(selection)) => {
            let audit = AuditRun {
                args: &cli.audit,
                resolver: &cli.resolver,
                sources: &cli.sources,
                selections: &selection,
                format,
            };
            run_audit(&audit, None, out, err).await
        }
    };
    match result {
        Ok(status) => Ok(status),
        Err(RunError::Io(error)) => Err(error),
        Err(RunError::Input(error)) => {
            report_error(&error.to_string(), error_format, out, err)?;
            Ok(ExitStatus::InputError)
        }
    }
}

/// Writes a usage or input error: one line on stderr (escaped: the message may quote what the
/// user typed, a file's line or a server's text), and on stdout, under JSON, a JSON document,
/// under NDJSON the same object on one line.
pub fn report_error(
    message: &str,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    render::human::render_error(message, err)?;
    let document = ErrorDocument {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::default(),
        error: ToolError::input(message),
    };
    write_json(&document, format, out)
}

/// Writes `value` as JSON: pretty under `--format json`, on one line under NDJSON (where every
/// line is an object); nothing for human output.
fn write_json(value: &impl Serialize, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human | Format::Short | Format::Github | Format::Sarif => return Ok(()),
        Format::Json => render::json::write_pretty(value, &mut *out)?,
        Format::Ndjson => render::json::write_compact(value, &mut *out)?,
    }
    writeln!(out)
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

/// `mailcheck zone FILE...`: the files, and the options of the command line that apply.
struct ZoneCheck<'a> {
    files: &'a [std::path::PathBuf],
    audit: &'a AuditArgs,
    resolver: &'a ResolverArgs,
    sources: &'a SourceArgs,
}

/// Audits each zone file's own zone, offline, with `--offline-ok`: the pre-commit check of
/// zone files before they go live. The zones are read once to learn their names, then
/// audited as `mailcheck --offline --offline-ok --zone FILE… ZONE…` would.
async fn run_zone_check(
    zone: &ZoneCheck<'_>,
    selections: &Selections,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, RunError> {
    let mut sources = zone.sources.clone();
    sources.zones = zone.files.to_vec();
    sources.offline = true;
    sources.offline_ok = true;
    let loaded = AuditSources::build(&sources.settings(), &zone.resolver.settings(), 1, None)
        .map_err(InputError::from)?;
    let mut domains: Vec<String> = Vec::new();
    for file in loaded.zones().iter().flat_map(|set| set.files()) {
        let Some(origin) = &file.origin else {
            return Err(
                InputError::ZoneOrigin(crate::escape::escape(&file.file).into_owned()).into(),
            );
        };
        let origin = origin.to_string();
        if !domains.contains(&origin) {
            domains.push(origin);
        }
    }
    let mut audit = zone.audit.clone();
    audit.domains = domains;
    audit.input = None;
    let run = AuditRun {
        args: &audit,
        resolver: zone.resolver,
        sources: &sources,
        selections,
        format,
    };
    // The zones read once: the audit answers from the same files.
    run_audit(&run, Some(loaded), out, err).await
}

/// The sources of an audit built from the options; a name server that never answers is said
/// once, early, on stderr, and no longer asked.
fn audit_sources(
    settings: &crate::sources::SourceSettings,
    resolver: &ResolverArgs,
    concurrency: usize,
) -> Result<AuditSources, RunError> {
    let notice = DeadServerNotice(Arc::new(|server, tries| {
        let message = format!(
            "warning: the name server {server} has not answered any of {tries} tries, the last \
             a question any working resolver answers at once; it is no longer asked, and what \
             it would have answered is reported as not verified"
        );
        let _ = writeln!(io::stderr(), "{message}");
    }));
    Ok(
        AuditSources::build(settings, &resolver.settings(), concurrency, Some(notice))
            .map_err(InputError::from)?,
    )
}

/// What an audit run is asked to do: the options of the command line that concern it.
struct AuditRun<'a> {
    args: &'a AuditArgs,
    resolver: &'a ResolverArgs,
    sources: &'a SourceArgs,
    selections: &'a Selections,
    format: Format,
}

/// Audits the domains of `run`, through `prebuilt` sources when the caller has built them
/// already (`mailcheck zone` read the zone files to learn their names), else through sources
/// built here from the options.
async fn run_audit(
    run: &AuditRun<'_>,
    prebuilt: Option<AuditSources>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, RunError> {
    let AuditRun {
        args,
        resolver,
        sources,
        selections,
        format,
    } = *run;
    let (listed, input_errors) = audited_domains(args, err)?;
    let mut options = gather_options(args, sources, &listed)?;
    // --shard and --resume choose which of the listed domains this run audits (an --expect
    // file for a domain of the list applies whether or not this run audits it).
    let (domains, resumed) = domains_to_run(args, listed, err)?;
    // --zone, --offline, --replay and --save-dns choose the layers under the cache. The
    // --save-dns file is checked here, before any query.
    let offline_ok = sources.offline_ok;
    let mut settings = sources.settings();
    if let [domain] = domains.as_slice() {
        settings.audited = Some(domain.ascii.clone());
    }
    let sources = match prebuilt {
        Some(sources) => sources,
        None => audit_sources(&settings, resolver, args.concurrency)?,
    };
    let nameservers: Vec<String> = sources
        .nameservers()
        .iter()
        .map(ToString::to_string)
        .collect();
    options.zones = sources.zones();
    let options = Arc::new(options);
    let source: Arc<dyn DnsSource> = sources.shared();

    let earlier = resumed
        .as_ref()
        .map(|resumed| resumed.earlier.tally)
        .unwrap_or_default();
    let mut resume_file = resumed.map(|resumed| resumed.file);
    let mut sink = match &mut resume_file {
        // Straight to the file, unbuffered: each line is one write (see NdjsonSink).
        Some(file) => Box::new(NdjsonSink::new(file).with_earlier(&earlier)),
        None => sink_for(format, args.verbose, nameservers, out),
    };
    let progress = Progress::new(domains.len());
    let mut tally = Tally::default();
    let mut write_error = None;
    let count = domains.len();
    let run = run_unordered(
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
            selections
                .for_domain(&report.domain)
                .apply_to_domain(&mut report);
            tally.add(&report);
            progress.update(&tally);
            match progress.suspend(|| sink.domain_done(index, report)) {
                Ok(()) => ControlFlow::Continue(()),
                // Stdout is gone (`| head` has read enough) or cannot be written: every
                // further audit would be for nobody, so the run stops here.
                Err(error) => {
                    write_error = Some(error);
                    ControlFlow::Break(())
                }
            }
        },
    );
    // Ctrl-C: the audits in flight are dropped, the bar is cleared, and what was written
    // stays well-formed: NDJSON lines are whole, a JSON document is closed with the domains
    // done so far and an `interrupted` error, a human report ends where it was. The
    // --save-dns file is left as it was.
    let interrupted = tokio::select! {
        flow = run => Some(flow),
        _ = tokio::signal::ctrl_c() => None,
    };
    progress.finish();
    // Read once, now that no query is in flight: the kernel's drop counters of the sockets.
    sink.set_network(sources.network_summary());
    let Some(flow) = interrupted else {
        let message = format!("interrupted: {} of {count} domains audited", tally.domains);
        render::human::render_error(&message, err)?;
        if matches!(format, Format::Json | Format::Ndjson) {
            sink.finish(&input_errors, Some(&ToolError::interrupted(message)))?;
        }
        return Ok(ExitStatus::Interrupted);
    };
    if flow.is_break() {
        // The --save-dns file is left as it was: the run did not finish.
        let error = write_error.unwrap_or_else(|| io::Error::other("the run was stopped"));
        return Err(error.into());
    }
    // A save that fails now is reported inside the output, which stays one JSON document
    // (or NDJSON lines), and on stderr.
    let save_error = sources
        .finish()
        .err()
        .map(|error| ToolError::input(error.to_string()));
    if let Some(error) = &save_error {
        render::human::render_error(&error.message, err)?;
    }
    sink.finish(&input_errors, save_error.as_ref())?;

    if save_error.is_some() || !input_errors.is_empty() {
        return Ok(ExitStatus::InputError);
    }
    // Under --resume, the exit code is that of the whole file, as if the run had never
    // stopped.
    tally.absorb(&earlier);
    Ok(ExitStatus::of_tally(&tally, args.fail_on, offline_ok))
}

/// The domains this run audits, of those `listed`: its `--shard`, and under `--resume` those
/// the file does not report yet, each once (a domain listed twice would otherwise be done
/// twice by one run and once by a resumed one). Also opens the `--resume` file; says on `err`
/// what an earlier run had done.
fn domains_to_run(
    args: &AuditArgs,
    listed: Vec<DomainName>,
    err: &mut dyn Write,
) -> Result<(Vec<DomainName>, Option<crate::resume::Resumed>), RunError> {
    let mut domains = listed;
    if let Some(shard) = args.shard {
        domains.retain(|domain| shard.contains(domain));
    }
    let Some(path) = &args.resume else {
        return Ok((domains, None));
    };
    let shown = crate::escape::os_str(path.as_os_str());
    let resumed = crate::resume::open(path)
        .map_err(|error| InputError::Resume(path.clone(), error.to_string()))?;
    let earlier = &resumed.earlier;
    let mut seen = std::collections::HashSet::new();
    let listed = domains.len();
    domains.retain(|domain| {
        !earlier.done.contains(domain.ascii.as_str()) && seen.insert(domain.ascii.clone())
    });
    if earlier.tally.domains > 0 || earlier.cut > 0 {
        let mut note = format!(
            "resuming {shown}: {} domains already done, {} of the {listed} listed left to audit",
            earlier.tally.domains,
            domains.len()
        );
        if earlier.cut > 0 {
            note = format!(
                "{note}; the last line, cut short when a run was stopped ({} bytes), was removed",
                earlier.cut
            );
        }
        writeln!(err, "{note}")?;
    }
    Ok((domains, Some(resumed)))
}

/// The options of every audit of the run: selectors, limits, the `--expect` files.
fn gather_options(
    args: &AuditArgs,
    sources: &SourceArgs,
    domains: &[DomainName],
) -> Result<GatherOptions, RunError> {
    let mut options = GatherOptions::default();
    for text in &args.selectors {
        let selector = parse_selector(text)?;
        if !options.dkim_selectors.contains(&selector) {
            options.dkim_selectors.push(selector);
        }
    }
    options.all_selectors = args.all_selectors;
    options.time_limit = Some(args.time_limit());
    options.skip_dead_servers = sources.save_dns.is_none() && sources.replay.is_none();
    options.expect = load_expect_files(&args.expect, domains)?;
    Ok(options)
}

/// Where the finished reports go, in `format`.
fn sink_for<'w>(
    format: Format,
    verbose: bool,
    nameservers: Vec<String>,
    out: &'w mut dyn Write,
) -> Box<dyn ReportSink + 'w> {
    let human = render::human::HumanOptions { verbose };
    match format {
        Format::Human => {
            Box::new(HumanSink::new(out, PeopleFormat::Human(human)).with_nameservers(nameservers))
        }
        Format::Short => Box::new(HumanSink::new(out, PeopleFormat::Short)),
        Format::Github => Box::new(GithubSink::new(
            out,
            std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|path| !path.is_empty())
                .map(std::path::PathBuf::from),
        )),
        Format::Json => Box::new(JsonSink::new(out).with_nameservers(nameservers)),
        Format::Sarif => Box::new(SarifSink::new(out)),
        Format::Ndjson => Box::new(NdjsonSink::new(out)),
    }
}

/// The domains to audit, from the command line and `--input`, and the invalid lines of the
/// list. Everything is validated before the first query: bad input never costs a lookup.
/// Domains on the command line must all be valid; a list file may have bad lines, which are
/// reported on `err` and skipped.
fn audited_domains(
    args: &AuditArgs,
    err: &mut dyn Write,
) -> Result<(Vec<DomainName>, InputErrors), RunError> {
    // A mistyped subcommand (`mailcheck recrd spf …`) is said as one, before the arguments
    // after it are misread as domains.
    if let Some((given, meant)) = args
        .domains
        .iter()
        .find_map(|argument| super::suggest::command_for(argument).map(|meant| (argument, meant)))
    {
        return Err(InputError::NotACommand(given.clone(), meant).into());
    }
    let mut domains = args
        .domains
        .iter()
        .map(|domain| parse_domain(domain))
        .collect::<Result<Vec<DomainName>, _>>()
        .map_err(InputError::from)?;
    let mut input_errors = InputErrors::default();
    if let Some(path) = &args.input {
        let list = read_input(path)?;
        report_input_errors(path, &list.errors, err)?;
        if list.domains.is_empty() && list.errors.is_empty() && domains.is_empty() {
            return Err(InputError::NoDomains(path.clone()).into());
        }
        domains.extend(list.domains);
        input_errors = list.errors;
    }
    Ok((domains, input_errors))
}

/// The largest `--input` list read (from a file or stdin): some 3 million domains of 20
/// characters. A longer list can be split into several runs.
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

/// Reads `--input`: a regular file, or stdin for `-`, of at most [`MAX_INPUT_BYTES`], line by
/// line (a line that is not UTF-8 is one invalid line, not a failure of the whole list).
fn read_input(path: &Path) -> Result<DomainList, InputError> {
    let unreadable =
        |error: &dyn std::fmt::Display| InputError::Input(path.to_owned(), error.to_string());
    let bytes = if path == Path::new("-") {
        crate::files::read_stream_capped(io::stdin().lock(), MAX_INPUT_BYTES)
    } else {
        crate::files::read_capped(path, MAX_INPUT_BYTES)
    }
    .map_err(|error| unreadable(&error))?;
    read_domain_list(bytes.as_slice()).map_err(|error| unreadable(&error))
}

/// One line on stderr per invalid line of `--input` (the first ones; then how many more).
fn report_input_errors(path: &Path, errors: &InputErrors, err: &mut dyn Write) -> io::Result<()> {
    for error in &errors.listed {
        let message = format!("{}:{}: {}", path.display(), error.line, error.message);
        render::human::render_error(&message, err)?;
    }
    if errors.omitted > 0 {
        let message = format!(
            "{}: {} more invalid lines not shown",
            path.display(),
            errors.omitted
        );
        render::human::render_error(&message, err)?;
    }
    Ok(())
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
        Format::Json => render::json::render(report, out),
        Format::Short => render::short::render(report, out),
        Format::Github => render::github::render(report, out),
        Format::Sarif => {
            let results: Vec<_> = report
                .named_findings()
                .map(|(name, finding)| (name, finding.clone()))
                .collect();
            render::sarif::render(&results, out)
        }
        // NDJSON: the one document on one line.
        Format::Ndjson => write_json(report, format, out),
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
    sources: &SourceArgs,
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
    let mut settings = sources.settings();
    settings.audited = Some(domain.ascii.clone());
    let sources = AuditSources::build(&settings, &resolver.settings(), DEFAULT_CONCURRENCY, None)
        .map_err(InputError::from)?;
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
    sources.finish().map_err(InputError::from)?;
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
    selection: &Selection,
    format: Format,
    out: &mut dyn Write,
) -> Result<ExitStatus, RunError> {
    let record = TxtRecord::from_input(text);
    let output = crate::record::check(kind, &record);
    let mut lint = LintReport::new(kind, record.text, output.findings, output.overview);
    selection.apply_to_lint(&mut lint);
    let report = Report {
        lints: vec![lint],
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
        Some(id) => vec![find_rule(id).ok_or_else(|| {
            InputError::UnknownRule(id.to_owned(), super::suggest::closest_rule(id))
        })?],
        None => RULES.to_vec(),
    };
    match format {
        Format::Json => write_json(&rules, format, out)?,
        // NDJSON: one rule per line.
        Format::Ndjson => {
            for rule in rules {
                write_json(rule, format, out)?;
            }
        }
        Format::Human | Format::Short | Format::Github | Format::Sarif if rule.is_some() => {
            render::human::render_rule(rules[0], out)?;
        }
        Format::Human | Format::Short | Format::Github | Format::Sarif => {
            render::human::render_rule_list(&rules, out)?;
        }
    }
    Ok(ExitStatus::Clean)
}

/// Reads every `--expect [DOMAIN=]FILE`: a file given for a domain is checked against that
/// domain only (which must be audited), a file without one against every audited domain; one
/// file per domain and at most one without a domain, so no record is expected twice.
fn load_expect_files(
    arguments: &[std::path::PathBuf],
    domains: &[crate::domain::DomainName],
) -> Result<Vec<Arc<crate::expect::ExpectFile>>, InputError> {
    use crate::expect::{ExpectError, ExpectFile};
    let mut files: Vec<Arc<ExpectFile>> = Vec::new();
    for argument in arguments {
        let (domain, path) = crate::sources::zone_argument(argument);
        let file = match domain {
            Some(domain) => {
                if !domains.iter().any(|audited| audited.ascii == domain) {
                    return Err(ExpectError::NotAudited { domain }.into());
                }
                ExpectFile::load_given(&path, &domain)?
            }
            None => ExpectFile::load(&path, domains)?,
        };
        if files.iter().any(|other| other.domain() == file.domain()) {
            let label = file
                .domain()
                .map_or_else(|| "every domain".to_owned(), ToString::to_string);
            return Err(ExpectError::Twice(label).into());
        }
        files.push(Arc::new(file));
    }
    Ok(files)
}
