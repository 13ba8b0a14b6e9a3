//! Choosing what matters: `--ignore RULE`, `--select RULE` and `--severity RULE=LEVEL`, where
//! RULE is a rule id (`dkim-no-key-found`) or a family prefix (`bimi` for every `bimi-…`
//! rule). Applied to each finished report: an ignored finding is not printed and does not
//! count for `--fail-on`, and the JSON lists it with what ignored it. Whether the audit is
//! complete does not change: that is about lookups, not findings.

use crate::diagnostic::Severity;
use crate::finding::Finding;
use crate::report::{DomainReport, IgnoredFinding, LintReport, Summary};
use crate::rules::RULES;

/// A rule id or a family prefix, checked against the rules that exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulePattern {
    /// As the user wrote it (lower-cased).
    text: String,
    /// Whether it names a family (`bimi`) rather than one rule.
    family: bool,
}

impl RulePattern {
    /// Parses `text`: an existing rule id, or a family: a prefix that some rule ids start with
    /// followed by `-` (`bimi` for every `bimi-…` rule, `spf-all` for `spf-all-pass` and
    /// `spf-all-neutral`). Anything else is refused with the closest id, so that a typo never
    /// silently selects nothing.
    pub fn parse(text: &str) -> Result<RulePattern, String> {
        let text = text.trim().to_ascii_lowercase();
        if RULES.iter().any(|rule| rule.id == text) {
            return Ok(RulePattern {
                text,
                family: false,
            });
        }
        let prefix = format!("{text}-");
        if !text.is_empty() && RULES.iter().any(|rule| rule.id.starts_with(&prefix)) {
            return Ok(RulePattern { text, family: true });
        }
        let closest = RULES
            .iter()
            .map(|rule| (rule.id, strsim::jaro_winkler(&text, rule.id)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .filter(|(_, score)| *score >= 0.8)
            .map(|(id, _)| format!("; did you mean {id}?"))
            .unwrap_or_default();
        Err(format!(
            "\"{text}\" is neither a rule id nor a family of rules (such as bimi or spf){closest}; \
             `mailcheck explain` lists the rules"
        ))
    }

    fn matches(&self, rule: &str) -> bool {
        if self.family {
            rule.strip_prefix(self.text.as_str())
                .is_some_and(|rest| rest.starts_with('-'))
        } else {
            rule == self.text
        }
    }
}

/// What `--ignore`, `--select` and `--severity` ask for.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    ignore: Vec<RulePattern>,
    select: Vec<RulePattern>,
    severity: Vec<(RulePattern, Severity)>,
}

impl Selection {
    /// A selection from the options' values; each RULE checked with [`RulePattern::parse`],
    /// each `--severity` as `RULE=error|warning|info`.
    pub fn new(ignore: &[String], select: &[String], severity: &[String]) -> Result<Self, String> {
        let patterns = |texts: &[String]| {
            texts
                .iter()
                .map(|text| RulePattern::parse(text))
                .collect::<Result<Vec<_>, _>>()
        };
        let mut regraded = Vec::new();
        for text in severity {
            let Some((rule, level)) = text.split_once('=') else {
                return Err(format!(
                    "--severity \"{text}\" is not RULE=LEVEL (e.g. bimi-no-mark-certificate=info)"
                ));
            };
            let level = match level.trim().to_ascii_lowercase().as_str() {
                "error" => Severity::Error,
                "warning" => Severity::Warning,
                "info" => Severity::Info,
                other => {
                    return Err(format!(
                        "--severity {rule}={other}: the level is error, warning or info"
                    ));
                }
            };
            regraded.push((RulePattern::parse(rule)?, level));
        }
        // A rule named alone wins over its family, whatever the order given.
        regraded.sort_by_key(|(pattern, _)| !pattern.family);
        Ok(Selection {
            ignore: patterns(ignore)?,
            select: patterns(select)?,
            severity: regraded,
        })
    }

    /// Whether nothing is asked (every finding kept as it is).
    pub fn is_empty(&self) -> bool {
        self.ignore.is_empty() && self.select.is_empty() && self.severity.is_empty()
    }

    /// Why `finding` is left out, if it is.
    fn left_out_by(&self, finding: &Finding) -> Option<String> {
        if !self.select.is_empty() && !self.select.iter().any(|p| p.matches(finding.rule)) {
            return Some("--select".to_owned());
        }
        self.ignore
            .iter()
            .find(|pattern| pattern.matches(finding.rule))
            .map(|pattern| format!("--ignore {}", pattern.text))
    }

    /// The findings kept (re-graded), and the ones left out.
    fn apply(&self, findings: Vec<Finding>) -> (Vec<Finding>, Vec<IgnoredFinding>) {
        let mut kept = Vec::with_capacity(findings.len());
        let mut ignored = Vec::new();
        for mut finding in findings {
            if let Some(by) = self.left_out_by(&finding) {
                ignored.push(IgnoredFinding {
                    rule: finding.rule,
                    subject: finding.subject,
                    by,
                });
                continue;
            }
            if let Some((_, level)) = self
                .severity
                .iter()
                .rev()
                .find(|(pattern, _)| pattern.matches(finding.rule))
            {
                finding.severity = *level;
            }
            kept.push(finding);
        }
        (kept, ignored)
    }

    /// Applies the selection to one domain's report: its findings, their counts, and the
    /// list of what was left out.
    pub fn apply_to_domain(&self, report: &mut DomainReport) {
        if self.is_empty() {
            return;
        }
        let (kept, ignored) = self.apply(std::mem::take(&mut report.findings));
        let counted = Summary::count(&kept, &[]);
        report.summary.errors = counted.errors;
        report.summary.warnings = counted.warnings;
        report.summary.info = counted.info;
        report.findings = kept;
        report.ignored = ignored;
    }

    /// Applies the selection to one record checked on its own (`mailcheck record`).
    pub fn apply_to_lint(&self, report: &mut LintReport) {
        if self.is_empty() {
            return;
        }
        let (kept, _) = self.apply(std::mem::take(&mut report.findings));
        let counted = Summary::count(&kept, &[]);
        report.summary.errors = counted.errors;
        report.summary.warnings = counted.warnings;
        report.summary.info = counted.info;
        report.findings = kept;
    }
}

/// The selection of a run: the one from the options, and one per domain that has a
/// `[domains."…"]` section in the config file (the options' lists, then the section's).
#[derive(Clone, Debug, Default)]
pub struct Selections {
    default: Selection,
    per_domain: std::collections::HashMap<String, Selection>,
}

/// What one domain's config section adds to the run's selection.
#[derive(Clone, Debug, Default)]
pub struct DomainLists<'a> {
    /// Its `ignore`.
    pub ignore: &'a [String],
    /// Its `select`.
    pub select: &'a [String],
    /// Its `severity`, as `RULE=LEVEL`.
    pub severity: &'a [String],
}

impl Selections {
    /// The run's selection from the options' lists, and each domain's from the options' lists
    /// followed by its own.
    pub fn new<'a>(
        ignore: &[String],
        select: &[String],
        severity: &[String],
        domains: impl IntoIterator<Item = (&'a str, DomainLists<'a>)>,
    ) -> Result<Self, String> {
        let default = Selection::new(ignore, select, severity)?;
        let mut per_domain = std::collections::HashMap::new();
        for (domain, lists) in domains {
            let joined = |run: &[String], own: &[String]| [run, own].concat();
            let selection = Selection::new(
                &joined(ignore, lists.ignore),
                &joined(select, lists.select),
                &joined(severity, lists.severity),
            )
            .map_err(|problem| format!("[domains.\"{domain}\"]: {problem}"))?;
            per_domain.insert(domain.to_ascii_lowercase(), selection);
        }
        Ok(Selections {
            default,
            per_domain,
        })
    }

    /// The selection that applies to `domain` (its A-label form).
    pub fn for_domain(&self, domain: &str) -> &Selection {
        self.per_domain
            .get(&domain.to_ascii_lowercase())
            .unwrap_or(&self.default)
    }

    /// The run's selection, for what is no domain (`mailcheck record`).
    pub fn default_selection(&self) -> &Selection {
        &self.default
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str) -> Finding {
        Finding::new(
            crate::rules::find_rule(rule).expect("a rule"),
            "example.com",
            "text",
        )
    }

    #[test]
    fn patterns_are_rules_or_families() {
        assert!(RulePattern::parse("dkim-no-key-found").is_ok());
        assert!(RulePattern::parse("BIMI").is_ok_and(|pattern| pattern.family));
        assert!(RulePattern::parse("dkim-no-key").is_ok_and(|pattern| pattern.family));
        assert!(RulePattern::parse("dkim-no-ke").is_err());
        let error = RulePattern::parse("spf-all-pas").unwrap_err();
        assert!(error.contains("did you mean spf-all-pass?"), "{error}");
        assert!(RulePattern::parse("").is_err());
    }

    #[test]
    fn ignore_select_and_severity() {
        let findings = || {
            vec![
                finding("mx-missing"),
                finding("spf-all-pass"),
                finding("bimi-no-mark-certificate"),
            ]
        };
        let selection =
            Selection::new(&["bimi".into()], &[], &["spf-all-pass=warning".into()]).unwrap();
        let (kept, ignored) = selection.apply(findings());
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[1].severity, Severity::Warning);
        assert_eq!(ignored[0].by, "--ignore bimi");
        let selection = Selection::new(&[], &["mx".into()], &[]).unwrap();
        let (kept, ignored) = selection.apply(findings());
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].rule, "mx-missing");
        assert_eq!(ignored.len(), 2);
        assert!(ignored.iter().all(|ignored| ignored.by == "--select"));
        // The rule named alone wins over its family, in either order.
        let selection =
            Selection::new(&[], &[], &["spf-all-pass=info".into(), "spf=error".into()]).unwrap();
        let (kept, _) = selection.apply(findings());
        assert_eq!(kept[1].severity, Severity::Info);
        assert!(Selection::new(&[], &[], &["spf-all-pass".into()]).is_err());
        assert!(Selection::new(&[], &[], &["spf-all-pass=fatal".into()]).is_err());
    }
}
