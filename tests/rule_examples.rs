//! Every rule's example does what `mailcheck explain RULE` says it does: the bad text makes the
//! rule fire and the good text, its fix, does not. Only the rule itself is checked: other rules
//! may fire on either text (an example shows one problem, not a perfect domain).
//!
//! Each text is checked the way its kind says (`mailcheck::finding::ExampleKind`):
//! - a record's text through record mode (`mailcheck::record::check`), as
//!   `mailcheck record KIND 'TEXT'` does;
//! - zone-file records through a whole audit of `example.com` with no network: the records are
//!   read with `mailcheck::zonefile::parse_record_list` and served by one in-memory zone at the
//!   root (`mailcheck::dns::zone::ZoneSource`), so they are all the DNS there is and any other
//!   name does not exist;
//! - zone files (and `--expect` files) through the real binary, `mailcheck --offline --zone FILE
//!   … example.com`, since the zone-file rules judge files as the command line reads them.
//!
//! RSA keys are placeholders in the texts (`<2048-bit RSA key>`, `<2048-bit RSA key (1/2)>`);
//! [`with_keys`] puts in the real keys of `fixtures/dkim-keys/` first.
//!
//! Only the library entry points listed in [`check_record`] and [`audit_zone`] are used, so that
//! a reorganisation of `src/` costs this file a path or two.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use mailcheck::dns::zone::{OfflineSource, ZoneSource};
use mailcheck::domain::Name;
use mailcheck::finding::{Example, ExampleKind, RecordKind, Rule};
use mailcheck::rules::RULES;
use serde_json::Value;

/// The domain every example is about.
const DOMAIN: &str = "example.com";

/// The most lines an example's text may have: examples are short. The longest is
/// `spf-mx-too-many-names`, which needs eleven MX records to show.
const MAX_LINES: usize = 12;

/// The longest line of a zone-file example: `mailcheck explain` indents examples by two and
/// wraps at 100, and a zone-file line must not be wrapped (a wrapped line reads as another
/// record). A record's text may be longer: it is one line, wrapped at spaces.
const MAX_ZONE_LINE: usize = 98;

/// The rules (by id) that fired on one text, with their messages.
type Fired = Vec<(String, String)>;

/// `text` with every RSA key placeholder replaced by the real key: `<N-bit RSA key>` by the
/// base64 of `fixtures/dkim-keys/rsaN.spki.b64`, `<N-bit RSA key (i/n)>` by the i-th of n
/// equal parts of it (the last part may be shorter). Any other `<…>` is left alone.
fn with_keys(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let inner = &rest[start + 1..start + len];
        if inner.contains("RSA key") {
            out.push_str(&key_text(inner)?);
        } else {
            out.push_str(&rest[start..=start + len]);
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The key (or part of it) that the placeholder `inner` (without `<>`) names.
fn key_text(inner: &str) -> Result<String, String> {
    let bad = || format!("`<{inner}>` is not `<N-bit RSA key>` or `<N-bit RSA key (i/n)>`");
    let (bits, part) = inner.split_once("-bit RSA key").ok_or_else(bad)?;
    let bits: u32 = bits.parse().map_err(|_| bad())?;
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/dkim-keys")
        .join(format!("rsa{bits}.spki.b64"));
    let key = std::fs::read_to_string(&path)
        .map_err(|error| format!("`<{inner}>`: no key in {}: {error}", path.display()))?;
    let key = key.trim();
    if part.is_empty() {
        return Ok(key.to_owned());
    }
    let (i, n) = part
        .strip_prefix(" (")
        .and_then(|part| part.strip_suffix(')'))
        .and_then(|part| part.split_once('/'))
        .and_then(|(i, n)| Some((i.parse::<usize>().ok()?, n.parse::<usize>().ok()?)))
        .filter(|&(i, n)| (1..=n).contains(&i))
        .ok_or_else(bad)?;
    let size = key.len().div_ceil(n);
    Ok(key[(i - 1) * size..(i * size).min(key.len())].to_owned())
}

/// Record mode, as `mailcheck record KIND 'TEXT'` runs it. Library entry points:
/// `mailcheck::txt::TxtRecord::from_input`, `mailcheck::record::check`.
fn check_record(kind: RecordKind, text: &str) -> Fired {
    let record = mailcheck::txt::TxtRecord::from_input(text);
    mailcheck::record::check(kind, &record)
        .findings
        .into_iter()
        .map(|finding| (finding.rule.to_owned(), finding.message))
        .collect()
}

/// A whole audit of `example.com` over the records of `text` and nothing else. Library entry
/// points: `mailcheck::zonefile::parse_record_list`, `mailcheck::dns::zone::ZoneSource` (with
/// `OfflineSource` behind it, which no query reaches: the zone is the root),
/// `mailcheck::domain::parse_domain`, `mailcheck::audit::audit`.
fn audit_zone(text: &str) -> Result<Fired, String> {
    let mut zone =
        mailcheck::zonefile::parse_record_list("example", text.as_bytes(), &Name::new(DOMAIN));
    let mut problems: Vec<String> = zone
        .errors
        .iter()
        .map(|error| format!("line {}: {}", error.location.line, error.message))
        .collect();
    problems.extend(zone.long_strings.iter().map(|long| {
        format!(
            "line {}: a character-string of {} octets (at most 255 fit)",
            long.location.line, long.length
        )
    }));
    if !problems.is_empty() {
        return Err(format!(
            "the zone-file text does not read cleanly: {}",
            problems.join("; ")
        ));
    }
    // One zone at the root holds every name: what the text does not hold does not exist.
    zone.origin = Some(Name::root());
    let source = ZoneSource::new(&[zone], OfflineSource);
    let domain = mailcheck::domain::parse_domain(DOMAIN).expect("example.com is a domain");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let report = runtime.block_on(mailcheck::audit::audit(&domain, &source));
    Ok(report
        .findings
        .into_iter()
        .map(|finding| (finding.rule.to_owned(), finding.message))
        .collect())
}

/// A scratch directory of its own for one text's files (tests run at once, and may check the
/// same example), emptied first; the caller removes it.
fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("rule-examples")
        .join(format!(
            "{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// The zone files of a zone-file text: the zone of `example.com` (its `$ORIGIN` written
/// first), then one more file from each `$ORIGIN` line on.
fn zone_files(text: &str) -> Vec<String> {
    let mut files = vec![format!("$ORIGIN {DOMAIN}.\n")];
    for line in text.lines() {
        if line.starts_with("$ORIGIN") {
            files.push(String::new());
        }
        let file = files.last_mut().expect("one file at least");
        file.push_str(line);
        file.push('\n');
    }
    files
}

/// `mailcheck --offline --zone FILE… [--expect FILE] --format json example.com`, run as the
/// real binary on the files of `text` (and `expected`), written under `name`.
fn audit_files(name: &str, text: &str, expected: Option<&str>) -> Result<Fired, String> {
    let dir = scratch(name);
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailcheck"));
    command
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .args(["--offline", "--format", "json"]);
    for (i, file) in zone_files(text).iter().enumerate() {
        let path = dir.join(format!("zone{i}.zone"));
        std::fs::write(&path, file).expect("write a zone file");
        command.arg("--zone").arg(path);
    }
    if let Some(expected) = expected {
        let path = dir.join("expected.zone");
        std::fs::write(&path, format!("{expected}\n")).expect("write an expect file");
        command.arg("--expect").arg(path);
    }
    let output = command
        .arg(DOMAIN)
        .output()
        .expect("the mailcheck binary runs");
    let _ = std::fs::remove_dir_all(&dir);
    // 0, 1 (findings) and 3 (lookups not verified, as --offline makes some) are audits.
    if !matches!(output.status.code(), Some(0 | 1 | 3)) {
        return Err(format!(
            "mailcheck exited with {:?}: {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let json: Value = serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("mailcheck printed no JSON: {error}"))?;
    let findings = json["domains"][0]["findings"]
        .as_array()
        .ok_or("the JSON report has no findings list")?;
    Ok(findings
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap_or_default().to_owned(),
                finding["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

/// What fired on one of `rule`'s texts (`which` is "bad" or "good").
fn run(rule: &Rule, which: &str, text: &str) -> Result<Fired, String> {
    let text = with_keys(text)?;
    let example = &rule.example;
    match example.kind {
        ExampleKind::Record(kind) => Ok(check_record(kind, &text)),
        ExampleKind::Zone => audit_zone(&text),
        ExampleKind::ZoneFile => audit_files(&format!("{}-{which}", rule.id), &text, None),
        ExampleKind::Expect(expected) => audit_files(
            &format!("{}-{which}", rule.id),
            &text,
            Some(&with_keys(expected)?),
        ),
    }
}

/// The kind, for messages: `record spf`, `zone`, `zone-file`, `expect`.
fn kind_name(example: &Example) -> String {
    match example.kind {
        ExampleKind::Record(kind) => format!("record {}", kind.name()),
        ExampleKind::Zone => "zone".to_owned(),
        ExampleKind::ZoneFile => "zone-file".to_owned(),
        ExampleKind::Expect(_) => "expect".to_owned(),
    }
}

/// What is wrong with one rule's example when it is run: one line per problem, naming the
/// rule and the example.
fn misbehaviour(rule: &Rule) -> Vec<String> {
    let id = rule.id;
    let kind = kind_name(&rule.example);
    let mut problems = Vec::new();
    for (which, text, should_fire) in [
        ("bad", rule.example.bad, true),
        ("good", rule.example.good, false),
    ] {
        let fired = match run(rule, which, text) {
            Ok(fired) => fired,
            Err(why) => {
                problems.push(format!(
                    "{id}: the {which} example ({kind}) could not be checked: {why}"
                ));
                continue;
            }
        };
        let own: Vec<&String> = fired
            .iter()
            .filter(|(rule, _)| rule == id)
            .map(|(_, message)| message)
            .collect();
        if should_fire && own.is_empty() {
            let others: Vec<&str> = fired.iter().map(|(rule, _)| rule.as_str()).collect();
            problems.push(format!(
                "{id}: the bad example ({kind}) does not fire {id} (what fired: [{}])\n    {}",
                others.join(", "),
                text.replace('\n', "\n    ")
            ));
        }
        if !should_fire && !own.is_empty() {
            problems.push(format!(
                "{id}: the good example ({kind}) fires {id}: {}\n    {}",
                own[0],
                text.replace('\n', "\n    ")
            ));
        }
    }
    problems
}

/// Fails with every problem, one per line, if there is any.
fn assert_none(problems: &[String]) {
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn every_bad_example_fires_its_rule_and_every_good_one_does_not() {
    let problems: Vec<String> = RULES.iter().flat_map(|rule| misbehaviour(rule)).collect();
    assert_none(&problems);
}

/// What is wrong with one example as written: empty, the same twice, too long, a zone-file
/// line that `explain` would wrap or that starts with white space (a blank owner, which the
/// `\` line continuations of the statics cannot mean), or a placeholder with no key.
fn shape_problems(rule: &Rule) -> Vec<String> {
    let id = rule.id;
    let example = &rule.example;
    let mut texts = vec![("bad", example.bad), ("good", example.good)];
    if let ExampleKind::Expect(expected) = example.kind {
        texts.push(("expected", expected));
    }
    let zone_lines = !matches!(example.kind, ExampleKind::Record(_));
    let mut problems = Vec::new();
    for (which, text) in texts {
        if text.trim().is_empty() {
            problems.push(format!("{id}: the {which} example is empty"));
            continue;
        }
        let lines = text.lines().count();
        if lines > MAX_LINES {
            problems.push(format!(
                "{id}: the {which} example has {lines} lines, more than {MAX_LINES}"
            ));
        }
        for line in text.lines() {
            if line.trim() != line || line.is_empty() {
                problems.push(format!(
                    "{id}: the {which} example has a line with white space around it or none: {line:?}"
                ));
            }
            if zone_lines && line.chars().count() > MAX_ZONE_LINE {
                problems.push(format!(
                    "{id}: a line of the {which} example is over {MAX_ZONE_LINE} characters: {line}"
                ));
            }
        }
        if let Err(why) = with_keys(text) {
            problems.push(format!("{id}: the {which} example: {why}"));
        }
    }
    if example.bad == example.good {
        problems.push(format!("{id}: the bad and the good example are the same"));
    }
    problems
}

#[test]
fn every_rule_has_a_short_example() {
    // A rule cannot be added without an `example` (the field is required), but it could be
    // added with empty texts: this is what keeps the registry and the examples in step.
    let problems: Vec<String> = RULES.iter().flat_map(|rule| shape_problems(rule)).collect();
    assert_none(&problems);
}

/// Runs the real binary's `explain` with `args`, without colour.
fn explain(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_mailcheck"))
        .args(["--color", "never", "explain"])
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the mailcheck binary runs");
    assert_eq!(output.status.code(), Some(0), "explain {args:?} failed");
    String::from_utf8(output.stdout).expect("explain prints UTF-8")
}

#[test]
fn explain_shows_every_example() {
    let mut problems = Vec::new();
    for rule in RULES {
        let page = explain(&[rule.id]);
        let example = &rule.example;
        // The sections in order, each text right under its heading, indented by two; a
        // zone-file line is never wrapped.
        let mut wanted = Vec::new();
        if let ExampleKind::Expect(expected) = example.kind {
            wanted.push(("Expected records", expected));
        }
        wanted.push(("Example (", example.bad));
        wanted.push(("Use instead", example.good));
        let mut at = page.find("How to fix it").unwrap_or(0);
        for (heading, text) in wanted {
            let Some(found) = page[at..].find(&format!("\n{heading}")) else {
                problems.push(format!("explain {}: no {heading:?} after {at}", rule.id));
                break;
            };
            at += found + 1;
            let block: Vec<&str> = page[at..]
                .lines()
                .skip(1)
                .take_while(|line| !line.is_empty())
                .collect();
            let block = block.join("\n");
            let shown = block.split_whitespace().collect::<Vec<_>>().join(" ");
            let written = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if shown != written {
                problems.push(format!(
                    "explain {}: under {heading:?} it shows\n{block}\ninstead of\n{text}",
                    rule.id
                ));
            }
            if !matches!(example.kind, ExampleKind::Record(_)) {
                for line in text.lines() {
                    if !page.contains(&format!("\n  {line}\n")) {
                        problems.push(format!(
                            "explain {}: the line {line:?} is not shown as written",
                            rule.id
                        ));
                    }
                }
            }
        }
        // A record or command to paste is on a line of its own, whole, whatever its length.
        if let Some(line) = page
            .lines()
            .find(|line| line.chars().count() > 100 && !line.trim_start().starts_with('`'))
        {
            problems.push(format!(
                "explain {}: a line is over 100 characters: {line}",
                rule.id
            ));
        }
        if !page.contains("\nReferences\n")
            || page.find("\nUse instead") > page.find("\nReferences")
        {
            problems.push(format!(
                "explain {}: the example is not between the fix and the references",
                rule.id
            ));
        }
    }
    assert_none(&problems);
}

#[test]
fn explain_json_has_every_example() {
    let json: Value =
        serde_json::from_str(&explain(&["--format", "json"])).expect("explain prints JSON");
    let listed = json.as_array().expect("a list of rules");
    assert_eq!(listed.len(), RULES.len());
    let mut problems = Vec::new();
    for (rule, listed) in RULES.iter().zip(listed) {
        let example = &rule.example;
        let mut want = serde_json::json!({"bad": example.bad, "good": example.good});
        match example.kind {
            ExampleKind::Record(kind) => {
                want["kind"] = "record".into();
                want["record"] = kind.name().into();
            }
            ExampleKind::Zone => want["kind"] = "zone".into(),
            ExampleKind::ZoneFile => want["kind"] = "zone-file".into(),
            ExampleKind::Expect(expected) => {
                want["kind"] = "expect".into();
                want["expected"] = expected.into();
            }
        }
        if listed["example"] != want {
            problems.push(format!(
                "explain --format json, {}: example is {}, not {want}",
                rule.id, listed["example"]
            ));
        }
    }
    assert_none(&problems);
}

#[test]
fn placeholders_become_the_fixture_keys() {
    let key = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/dkim-keys/rsa2048.spki.b64"
    ))
    .unwrap();
    let key = key.trim();
    assert_eq!(
        with_keys("p=<2048-bit RSA key>").unwrap(),
        format!("p={key}")
    );
    let split = with_keys("\"p=<2048-bit RSA key (1/2)>\" \"<2048-bit RSA key (2/2)>\"").unwrap();
    assert_eq!(split.replace("\" \"", ""), format!("\"p={key}\""));
    assert!(split.split("\" \"").all(|part| part.len() <= 255));
    assert_eq!(with_keys("a <b> c").unwrap(), "a <b> c");
    assert!(with_keys("<4000-bit RSA key>").is_err());
    assert!(with_keys("<2048-bit RSA key (3/2)>").is_err());
    assert_eq!(
        zone_files("@ MX 0 .\n$ORIGIN b.test.\nx A 1.2.3.4"),
        [
            "$ORIGIN example.com.\n@ MX 0 .\n",
            "$ORIGIN b.test.\nx A 1.2.3.4\n"
        ]
    );
}

/// `rule` with its bad and good example swapped.
fn swapped(rule: &Rule) -> Rule {
    Rule {
        example: Example {
            kind: rule.example.kind,
            bad: rule.example.good,
            good: rule.example.bad,
        },
        ..*rule
    }
}

#[test]
fn a_swapped_example_is_caught_and_named() {
    // One rule of each kind: the check must see both halves of the mistake.
    for id in [
        "spf-all-pass",
        "mx-target-cname",
        "zone-parse-error",
        "expected-record-different",
    ] {
        let rule = RULES.iter().find(|rule| rule.id == id).expect("a rule");
        let problems = misbehaviour(&swapped(rule));
        assert_eq!(problems.len(), 2, "{id}: {problems:#?}");
        assert!(
            problems[0].starts_with(&format!("{id}: the bad example"))
                && problems[0].contains(&format!("does not fire {id}")),
            "{problems:#?}"
        );
        assert!(
            problems[1].starts_with(&format!("{id}: the good example"))
                && problems[1].contains(&format!("fires {id}:")),
            "{problems:#?}"
        );
    }
}
