//! "Did you mean …?": the closest subcommand for a mistyped one given where a domain goes
//! (`mailcheck recrd …`), and the closest rule id for `explain` of an unknown one.

use clap::CommandFactory;

use super::args::Cli;
use crate::rules::RULES;

/// How alike two words must be (Jaro-Winkler, 0 to 1) for one to be suggested for the other:
/// clap's own threshold for its suggestions is 0.7; a domain is audited unless the match is
/// closer than that, so a real name is never refused for looking like a command.
const SIMILAR: f64 = 0.8;

/// The command line meant when `argument`, given where a domain goes, is a mistyped
/// subcommand (`recrd`, `explian`) or a word for an option (`version`, `help`): only for a
/// single label, since a mail domain has at least two (`localhost` and other single labels
/// receive no mail from the internet).
pub fn command_for(argument: &str) -> Option<String> {
    if argument.contains('.') || argument.len() < 3 {
        return None;
    }
    let word = argument.to_ascii_lowercase();
    for (option, names) in [
        ("--version", ["version", "-version"]),
        ("--help", ["help", "-help"]),
    ] {
        if names.contains(&word.as_str()) {
            return Some(format!("mailcheck {option}"));
        }
    }
    let command = Cli::command();
    let (name, score) = command
        .get_subcommands()
        .map(|sub| {
            let name = sub.get_name();
            (name.to_owned(), strsim::jaro_winkler(&word, name))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (score >= SIMILAR).then(|| format!("mailcheck {name}"))
}

/// The rule id closest to `id`, when one is alike enough to be what was meant.
pub fn closest_rule(id: &str) -> Option<&'static str> {
    let id = id.to_ascii_lowercase();
    RULES
        .iter()
        .map(|rule| (rule.id, strsim::jaro_winkler(&id, rule.id)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(_, score)| *score >= SIMILAR)
        .map(|(rule, _)| rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mistyped_commands_are_found() {
        assert_eq!(command_for("recrd").as_deref(), Some("mailcheck record"));
        assert_eq!(command_for("explian").as_deref(), Some("mailcheck explain"));
        assert_eq!(command_for("Record").as_deref(), Some("mailcheck record"));
        assert_eq!(
            command_for("version").as_deref(),
            Some("mailcheck --version")
        );
        assert_eq!(command_for("help").as_deref(), Some("mailcheck --help"));
    }

    #[test]
    fn domains_are_left_alone() {
        for domain in [
            "record.com",
            "example.com",
            "explain.example",
            "localhost",
            "mx",
            "mail",
            "postmaster",
        ] {
            assert_eq!(command_for(domain), None, "{domain}");
        }
    }

    #[test]
    fn close_rule_ids_are_suggested() {
        assert_eq!(closest_rule("spf-all-pas"), Some("spf-all-pass"));
        assert_eq!(closest_rule("mx-mising"), Some("mx-missing"));
        assert_eq!(closest_rule("nothing-like-a-rule-at-all-xyz"), None);
    }
}
