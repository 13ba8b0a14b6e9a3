//! `mailcheck.toml`: the options a project keeps with its zone files, found in the current
//! directory or its parents (as ruff and rustfmt find theirs) or given with `--config FILE`.
//!
//! ```toml
//! fail-on = "warning"
//! ignore = ["bimi"]
//! selectors = ["google", "s1"]
//! nameservers = ["192.0.2.53"]
//! timeout = 2.5
//! max-qps = 100
//!
//! [severity]
//! "tls-rpt-missing" = "info"
//!
//! [domains."example.com"]
//! ignore = ["dkim-no-key-found"]
//! ```
//!
//! The keys are the options' long names. A value given on the command line wins over the
//! file's. An unknown key or a bad value is exit 2 naming the file, the line and the key,
//! whether or not the command line overrides it; every value is checked by the same parser
//! as the option's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use serde::Deserialize;
use toml::Spanned;

use super::args::{
    Cli, ColorChoice, DomainSelection, Format, parse_audit_timeout, parse_concurrency,
    parse_max_qps, parse_nameserver, parse_retries, parse_timeout,
};
use super::exit::FailOn;

/// The file name looked for.
pub const FILE_NAME: &str = "mailcheck.toml";

/// The largest config file read: a config is a few lines.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Most `[domains."…"]` sections read (each one is kept for the whole run).
pub const MAX_DOMAIN_SECTIONS: usize = 10_000;

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    ignore: Option<Spanned<Vec<String>>>,
    select: Option<Spanned<Vec<String>>>,
    severity: Option<Spanned<BTreeMap<String, String>>>,
    fail_on: Option<Spanned<String>>,
    selectors: Option<Spanned<Vec<String>>>,
    all_selectors: Option<Spanned<bool>>,
    nameservers: Option<Spanned<Vec<String>>>,
    timeout: Option<Spanned<toml::Value>>,
    retries: Option<Spanned<toml::Value>>,
    max_qps: Option<Spanned<toml::Value>>,
    concurrency: Option<Spanned<toml::Value>>,
    audit_timeout: Option<Spanned<toml::Value>>,
    format: Option<Spanned<String>>,
    color: Option<Spanned<String>>,
    domains: Option<Spanned<BTreeMap<String, DomainSection>>>,
}

/// `[domains."example.com"]`: what applies to one domain's findings, on top of the rest.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct DomainSection {
    ignore: Option<Spanned<Vec<String>>>,
    select: Option<Spanned<Vec<String>>>,
    severity: Option<Spanned<BTreeMap<String, String>>>,
}

/// Where the config comes from: `--config FILE`, else the first `mailcheck.toml` in `start`
/// or a directory above it; `None` when there is none.
pub fn find(explicit: Option<&Path>, start: &Path) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    start
        .ancestors()
        .map(|directory| directory.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// Reads the config at `path` and puts its values into `cli` wherever the command line did
/// not give one (`matches` says which did).
pub fn apply(path: &Path, cli: &mut Cli, matches: &clap::ArgMatches) -> Result<(), String> {
    let shown = crate::escape::os_str(path.as_os_str());
    let bytes = crate::files::read_capped(path, MAX_CONFIG_BYTES)
        .map_err(|error| format!("cannot read the config {shown}: {error}"))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{shown}: the config is not UTF-8 text"))?;
    let mut file: ConfigFile = toml::from_str(&text).map_err(|error| {
        let line = error
            .span()
            .map(|span| format!(":{}", line_of(&text, span.start)))
            .unwrap_or_default();
        format!(
            "{shown}{line}: {}",
            crate::escape::escape(error.message().trim())
        )
    })?;
    let filler = Filler {
        text: &text,
        shown: &shown,
        matches,
    };
    fill_findings_and_audit(&filler, &mut file, cli)?;
    fill_lookups_and_output(&filler, &mut file, cli)?;
    if let Some(domains) = file.domains {
        cli.selection.per_domain = domain_sections(&filler, domains)?;
    }
    Ok(())
}

/// `ignore`, `select`, `severity`, and the audit's own keys.
fn fill_findings_and_audit(
    filler: &Filler<'_>,
    file: &mut ConfigFile,
    cli: &mut Cli,
) -> Result<(), String> {
    let selection = &mut cli.selection;
    filler.fill(
        file.ignore.take(),
        "ignore",
        "ignore",
        rule_list,
        &mut selection.ignore,
    )?;
    filler.fill(
        file.select.take(),
        "select",
        "select",
        rule_list,
        &mut selection.select,
    )?;
    filler.fill(
        file.severity.take(),
        "severity",
        "severity",
        level_table,
        &mut selection.severity,
    )?;
    let audit = &mut cli.audit;
    let fail_on = |text: &String| enum_value::<FailOn>(text);
    filler.fill(
        file.fail_on.take(),
        "fail-on",
        "fail_on",
        fail_on,
        &mut audit.fail_on,
    )?;
    let plain = |list: &Vec<String>| Ok(list.clone());
    filler.fill(
        file.selectors.take(),
        "selectors",
        "selectors",
        plain,
        &mut audit.selectors,
    )?;
    let flag = |value: &bool| Ok(*value);
    let all = &mut audit.all_selectors;
    filler.fill(
        file.all_selectors.take(),
        "all-selectors",
        "all_selectors",
        flag,
        all,
    )?;
    let concurrency = |value: &toml::Value| parse_concurrency(&scalar(value));
    filler.fill(
        file.concurrency.take(),
        "concurrency",
        "concurrency",
        concurrency,
        &mut audit.concurrency,
    )?;
    let audit_timeout = |value: &toml::Value| parse_audit_timeout(&scalar(value));
    let limit = &mut audit.audit_timeout;
    filler.fill(
        file.audit_timeout.take(),
        "audit-timeout",
        "audit_timeout",
        audit_timeout,
        limit,
    )?;
    Ok(())
}

/// The resolver's keys and the output's.
fn fill_lookups_and_output(
    filler: &Filler<'_>,
    file: &mut ConfigFile,
    cli: &mut Cli,
) -> Result<(), String> {
    let resolver = &mut cli.resolver;
    let nameservers = |list: &Vec<String>| {
        list.iter()
            .map(|text| parse_nameserver(text))
            .collect::<Result<Vec<_>, _>>()
    };
    let servers = &mut resolver.nameservers;
    filler.fill(
        file.nameservers.take(),
        "nameservers",
        "nameservers",
        nameservers,
        servers,
    )?;
    let timeout = |value: &toml::Value| parse_timeout(&scalar(value));
    filler.fill(
        file.timeout.take(),
        "timeout",
        "timeout",
        timeout,
        &mut resolver.timeout,
    )?;
    let retries = |value: &toml::Value| parse_retries(&scalar(value));
    filler.fill(
        file.retries.take(),
        "retries",
        "retries",
        retries,
        &mut resolver.retries,
    )?;
    let max_qps = |value: &toml::Value| parse_max_qps(&scalar(value)).map(Some);
    filler.fill(
        file.max_qps.take(),
        "max-qps",
        "max_qps",
        max_qps,
        &mut resolver.max_qps,
    )?;
    let output = &mut cli.output;
    let format = |text: &String| enum_value::<Format>(text);
    // `--json` is a format given on the command line too.
    let mut chosen = output.format;
    filler.fill(file.format.take(), "format", "format", format, &mut chosen)?;
    if !filler.given("json") {
        output.format = chosen;
    }
    let color = |text: &String| enum_value::<ColorChoice>(text);
    filler.fill(
        file.color.take(),
        "color",
        "color",
        color,
        &mut output.color,
    )?;
    Ok(())
}

/// Reads the values of one file: where they are (for messages) and which options the
/// command line gave.
struct Filler<'a> {
    text: &'a str,
    shown: &'a str,
    matches: &'a clap::ArgMatches,
}

impl Filler<'_> {
    /// `FILE:LINE: KEY: PROBLEM` for the value at `span`.
    fn at(&self, span: std::ops::Range<usize>, key: &str, problem: &str) -> String {
        format!(
            "{}:{}: {key}: {}",
            self.shown,
            line_of(self.text, span.start),
            crate::escape::escape(problem)
        )
    }

    /// Whether the option `id` was given on the command line.
    fn given(&self, id: &str) -> bool {
        from_command_line(self.matches, id)
    }

    /// Checks the file's value of `key` with `parse` (always: a bad value is an error even
    /// where the command line overrides it), and puts it in `target` unless the command line
    /// gave the option `id`.
    fn fill<V, T>(
        &self,
        value: Option<Spanned<V>>,
        key: &str,
        id: &str,
        parse: impl Fn(&V) -> Result<T, String>,
        target: &mut T,
    ) -> Result<(), String> {
        let Some(value) = value else {
            return Ok(());
        };
        let parsed =
            parse(value.get_ref()).map_err(|problem| self.at(value.span(), key, &problem))?;
        if !self.given(id) {
            *target = parsed;
        }
        Ok(())
    }
}

/// The `[domains."…"]` sections, each domain checked, each rule name and level checked.
fn domain_sections(
    filler: &Filler<'_>,
    domains: Spanned<BTreeMap<String, DomainSection>>,
) -> Result<Vec<(crate::dns::Name, DomainSelection)>, String> {
    let span = domains.span();
    let domains = domains.into_inner();
    if domains.len() > MAX_DOMAIN_SECTIONS {
        let problem = format!(
            "{} sections, more than the {MAX_DOMAIN_SECTIONS} a config may hold",
            domains.len()
        );
        return Err(filler.at(span, "domains", &problem));
    }
    let mut sections = Vec::with_capacity(domains.len());
    for (name, section) in domains {
        let domain = crate::domain::parse_domain(&name)
            .map_err(|problem| filler.at(span.clone(), "domains", &problem.to_string()))?;
        let key = format!("domains.\"{name}\"");
        let mut lists = DomainSelection::default();
        let check = |value: Option<Spanned<Vec<String>>>, target: &mut Vec<String>| {
            if let Some(value) = value {
                *target = rule_list(value.get_ref())
                    .map_err(|problem| filler.at(value.span(), &key, &problem))?;
            }
            Ok::<(), String>(())
        };
        check(section.ignore, &mut lists.ignore)?;
        check(section.select, &mut lists.select)?;
        if let Some(value) = section.severity {
            lists.severity = level_table(value.get_ref())
                .map_err(|problem| filler.at(value.span(), &key, &problem))?;
        }
        sections.push((domain.ascii, lists));
    }
    Ok(sections)
}

/// A list of rule names, each checked as `--ignore` and `--select` check theirs.
#[allow(clippy::ptr_arg)] // the type `fill` is given
fn rule_list(names: &Vec<String>) -> Result<Vec<String>, String> {
    for name in names {
        crate::selection::RulePattern::parse(name)?;
    }
    Ok(names.clone())
}

/// A `[severity]` table as `RULE=LEVEL` entries, checked as `--severity` checks them.
fn level_table(table: &BTreeMap<String, String>) -> Result<Vec<String>, String> {
    let entries = pairs(table.clone());
    crate::selection::Selection::new(&[], &[], &entries)?;
    Ok(entries)
}

/// Whether the argument `id` (the field's name) was given on the command line, before or
/// after a subcommand.
fn from_command_line(matches: &clap::ArgMatches, id: &str) -> bool {
    // `try_get_raw` first: `value_source` of an id a (sub)command does not have panics.
    let here = matches.try_get_raw(id).is_ok()
        && matches.value_source(id) == Some(ValueSource::CommandLine);
    here || matches
        .subcommand()
        .is_some_and(|(_, sub)| from_command_line(sub, id))
}

/// A TOML scalar as the option's text: `2.5`, `3`, `"3"`.
fn scalar(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        toml::Value::Integer(number) => number.to_string(),
        toml::Value::Float(number) => number.to_string(),
        other => other.type_str().to_owned(),
    }
}

/// A value of one of the options' enums (`fail-on = "warning"`), as clap reads it.
fn enum_value<T: clap::ValueEnum>(text: &str) -> Result<T, String> {
    T::from_str(text, true).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(clap::ValueEnum::to_possible_value)
            .map(|value| value.get_name().to_owned())
            .collect();
        format!("\"{text}\" is not one of {}", names.join(", "))
    })
}

/// `[severity]` entries as `RULE=LEVEL`.
fn pairs(table: BTreeMap<String, String>) -> Vec<String> {
    table
        .into_iter()
        .map(|(rule, level)| format!("{rule}={level}"))
        .collect()
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .unwrap_or(text)
        .bytes()
        .filter(|&byte| byte == b'\n')
        .count()
        + 1
}
