//! The command line as a user sees it: output pinned by snapshots, exit codes, bad input.

mod support;

use insta_cmd::assert_cmd_snapshot;
use support::{mailcheck, mailcheck_fixtures};

/// Timings vary from run to run; everything else in the output must not.
fn stable() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r#""ms": \d+"#, r#""ms": "[ms]""#);
    settings.add_filter(r"(?m)^ +\d+ ms  ", "   [ms]  ");
    settings.add_filter(env!("CARGO_PKG_VERSION"), "[VERSION]");
    // The fixture server's port changes from run to run.
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    // A dead domain's questions all time out at about the same moment, so whether a later one
    // was still sent (and timed out) or skipped by the breaker ("not sent: N earlier questions
    // timed out") depends on scheduling: both are failures, shown as one.
    settings.add_filter(
        r#""outcome": "error",\s*"error": "not sent: [^"]*""#,
        r#""outcome": "[timeout or not sent]""#,
    );
    settings.add_filter(
        r#""outcome": "timeout""#,
        r#""outcome": "[timeout or not sent]""#,
    );
    settings.add_filter(r"\d+ failed, \d+ timed out", "[N] failed, [N] timed out");
    settings
}

#[test]
fn good_domain_human() {
    stable().bind(|| {
        assert_cmd_snapshot!(mailcheck_fixtures().args(["--color", "never", "good.test"]));
    });
}

#[test]
fn good_domain_json() {
    stable().bind(|| {
        assert_cmd_snapshot!(mailcheck_fixtures().args(["--json", "good.test"]));
    });
}

#[test]
fn every_mx_problem_human() {
    stable().bind(|| {
        assert_cmd_snapshot!(mailcheck_fixtures().args([
            "--color",
            "never",
            "nomx-fallback.test",
            "nomx-noaddr.test",
            "nullmx.test",
            "nullmx-mixed.test",
            "mx-cname.test",
            "mx-ip.test",
            "mx-unresolvable.test",
            "mx-private.test",
            "mx-duplicate.test",
        ]));
    });
}

#[test]
fn reverse_dns_problems_human() {
    stable().bind(|| {
        assert_cmd_snapshot!(mailcheck_fixtures().args([
            "--color",
            "never",
            "missing.ptr.test",
            "unconfirmed.ptr.test",
            "multiple.ptr.test",
        ]));
    });
}

#[test]
fn findings_json() {
    stable().bind(|| {
        assert_cmd_snapshot!(mailcheck_fixtures().args(["--format", "json", "mx-cname.test"]));
    });
}

#[test]
fn colour_always() {
    stable().bind(|| {
        assert_cmd_snapshot!(mailcheck_fixtures().args(["--color", "always", "mx-private.test"]));
    });
}

#[test]
fn no_color_env_wins_over_auto() {
    // Under `auto`, NO_COLOR (and a non-terminal stdout, as here) means no escape codes.
    let output = mailcheck_fixtures()
        .env("NO_COLOR", "1")
        .arg("mx-private.test")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&output.stdout).contains('\u{1b}'));
}

#[test]
fn json_is_never_coloured() {
    let output = mailcheck_fixtures()
        .args(["--color", "always", "--json", "mx-private.test"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&output.stdout).contains('\u{1b}'));
    serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("valid JSON");
}

#[test]
fn timeout_is_not_verified_and_exits_3() {
    stable().bind(|| {
        assert_cmd_snapshot!(mailcheck_fixtures().args([
            "--color",
            "never",
            "timeout.failing.test"
        ]));
    });
}

#[test]
fn timeout_json() {
    stable().bind(|| {
        assert_cmd_snapshot!(mailcheck_fixtures().args(["--json", "timeout.failing.test"]));
    });
}

#[test]
fn fail_on_decides_exit_code() {
    let code = |args: &[&str]| {
        mailcheck_fixtures()
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
    };
    // mx-duplicate.test has one warning and nothing else.
    assert_eq!(code(&["mx-duplicate.test"]), Some(0));
    assert_eq!(
        code(&["--fail-on", "warning", "mx-duplicate.test"]),
        Some(1)
    );
    assert_eq!(code(&["--fail-on", "info", "mx-duplicate.test"]), Some(1));
    // nullmx.test has one info finding.
    assert_eq!(code(&["--fail-on", "warning", "nullmx.test"]), Some(0));
    assert_eq!(code(&["--fail-on", "info", "nullmx.test"]), Some(1));
    // An error fails by default, never under `never`.
    assert_eq!(code(&["mx-cname.test"]), Some(1));
    assert_eq!(code(&["--fail-on", "never", "mx-cname.test"]), Some(0));
    // A failed lookup: 3, unless a finding at the threshold says 1 first.
    assert_eq!(code(&["timeout.failing.test"]), Some(3));
    assert_eq!(
        code(&["--fail-on", "never", "timeout.failing.test"]),
        Some(3)
    );
    assert_eq!(
        code(&["--fail-on", "warning", "timeout.failing.test"]),
        Some(1)
    );
    assert_eq!(code(&["mx-cname.test", "timeout.failing.test"]), Some(1));
}

#[test]
fn verbose_lists_every_query() {
    stable().bind(|| {
        assert_cmd_snapshot!(mailcheck_fixtures().args([
            "--color",
            "never",
            "-v",
            "mx-cname.test"
        ]));
    });
}

#[test]
fn unicode_domain_is_shown_both_ways() {
    stable().bind(|| {
        assert_cmd_snapshot!(mailcheck_fixtures().args(["--color", "never", "bücher.test"]));
    });
}

/// `(arguments, text the one-line error must contain)`; every one exits 2 without a query.
/// (`explain` with an unknown rule is checked with the rule registry, in `tests/registry.rs`.)
const BAD_INPUT: &[(&[&str], &str)] = &[
    (&[""], "the domain name is empty"),
    (&["exa mple.com"], "contains ' '"),
    (&["example..com"], "empty label"),
    (
        &[
            "-n",
            "127.0.0.1",
            "a-very-long-label-that-goes-on-and-on-and-on-past-sixty-three-octets.com",
        ],
        "at most 63",
    ),
    (&["192.0.2.1"], "is an IP address"),
    (&["2001:db8::1"], "is an IP address"),
    (
        &["--nameserver", "dns.example", "example.com"],
        "for '--nameserver",
    ),
    (
        &["--nameserver", "127.0.0.1:99999", "example.com"],
        "for '--nameserver",
    ),
    (&["--timeout", "0", "example.com"], "for '--timeout"),
    (&["--timeout=-1", "example.com"], "for '--timeout"),
];

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    for (args, expected) in BAD_INPUT {
        let output = mailcheck().args(*args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn long_names_are_rejected() {
    let name = format!("{}com", "abcdefghi.".repeat(26));
    let output = mailcheck().arg(&name).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("at most 253"));
}

#[test]
fn hostile_input_is_escaped_in_errors() {
    let output = mailcheck().arg("evil\u{1b}[31m.com").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(stderr.contains("\\x1b"), "{stderr:?}");
}

#[test]
fn errors_are_json_under_json() {
    let output = mailcheck().args(["--json", "192.0.2.1"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON error");
    assert_eq!(json["schema_version"], 1);
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("IP address")
    );
    // clap's own errors too.
    let output = mailcheck()
        .args(["--json", "--no-such-flag", "x.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON error");
    assert_eq!(json["error"]["kind"], "input");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["--format", "yaml", "x.test"],
        &["--fail-on", "sometimes", "x.test"],
    ] {
        let output = mailcheck().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn explain_one_rule() {
    assert_cmd_snapshot!(mailcheck().args(["--color", "never", "explain", "mx-target-cname"]));
}

#[test]
fn help_states_the_exit_codes() {
    let output = mailcheck().arg("--help").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("Exit codes:") && text.contains("3  no finding"),
        "{text}"
    );
}

/// Arguments that are not UTF-8 (a record, a domain, an explain rule) exit 2 with one line
/// that shows the bytes as `\xNN`; a path that is not UTF-8 is a path like any other, and
/// the error that it cannot be read shows its bytes the same way. Never a panic (exit 101).
#[cfg(unix)]
#[test]
fn arguments_that_are_not_utf8_exit_2_with_one_line() {
    use std::ffi::{OsStr, OsString};
    use std::os::unix::ffi::OsStrExt;
    let bytes = OsStr::from_bytes(b"\xff\xfe");
    let domain = OsStr::from_bytes(b"ex\xffample.com");
    let cases: [(Vec<OsString>, &str); 4] = [
        (
            vec!["record".into(), "spf".into(), bytes.into()],
            "argument \"\\xff\\xfe\" is not valid UTF-8",
        ),
        (
            vec![domain.into()],
            "argument \"ex\\xffample.com\" is not valid UTF-8",
        ),
        (
            vec!["explain".into(), bytes.into()],
            "argument \"\\xff\\xfe\" is not valid UTF-8",
        ),
        (
            vec![
                "--input".into(),
                OsStr::from_bytes(b"/nonexistent/\xffdomains.txt").into(),
            ],
            "cannot read --input /nonexistent/\\xffdomains.txt",
        ),
    ];
    for (args, expected) in &cases {
        let output = mailcheck().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains('\u{fffd}'), "{args:?}: {stderr}");
    }
    // Under --json the error is a JSON document as well.
    let output = mailcheck()
        .args([
            OsStr::new("--json"),
            OsStr::new("record"),
            OsStr::new("spf"),
            bytes,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON error");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\\xff\\xfe")
    );
}

/// A domain that does not exist (NXDOMAIN at the apex): one error at the top, and one line per
/// family below it, not a set of step-up paths and missing-record advice. Exit 1.
#[test]
fn nonexistent_domain_human() {
    stable().bind(|| {
        assert_cmd_snapshot!(mailcheck_fixtures().args([
            "--color",
            "never",
            "nosuchdomain.good.test"
        ]));
    });
}

/// Under JSON, a domain that does not exist keeps the document's shape (every family under
/// `records`) and says which sections do not apply and why; its one finding is the error that
/// it does not exist (exit 1). A timeout at the apex is not "does not exist": not verified
/// (exit 3), every section applies.
#[test]
fn nonexistent_domain_json_marks_sections_not_applicable() {
    let output = mailcheck_fixtures()
        .args(["--json", "nosuchdomain.good.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let domain = &json["domains"][0];
    assert_eq!(
        domain["not_applicable"]["reason"], "domain-does-not-exist",
        "{domain:#}"
    );
    assert_eq!(
        domain["not_applicable"]["sections"],
        serde_json::json!(["spf", "dkim", "dmarc", "mta-sts", "tls-rpt", "bimi"])
    );
    for family in ["mx", "spf", "dkim", "dmarc", "mta_sts", "tls_rpt", "bimi"] {
        assert!(
            domain["records"].get(family).is_some(),
            "{family} missing: {domain:#}"
        );
    }
    let rules: Vec<&str> = support::findings(&json)
        .iter()
        .map(|finding| finding["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["mx-missing"]);
    assert_eq!(support::findings(&json)[0]["severity"], "error");

    let output = mailcheck_fixtures()
        .args(["--json", "timeout.failing.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(json["domains"][0].get("not_applicable").is_none());
    assert!(
        !support::findings(&json)
            .iter()
            .any(|finding| finding["message"]
                .as_str()
                .unwrap()
                .contains("does not exist")),
        "a timeout is not NXDOMAIN"
    );
}

/// Under `auto`, the colour variables decide for every stream: `FORCE_COLOR` and
/// `CLICOLOR_FORCE` colour a pipe, `NO_COLOR` wins over them, `FORCE_COLOR=0` forces nothing.
#[test]
fn colour_variables_are_honoured_under_auto() {
    let escapes = |vars: &[(&str, &str)]| {
        let mut command = mailcheck_fixtures();
        command
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("FORCE_COLOR");
        for (name, value) in vars {
            command.env(name, value);
        }
        let output = command.arg("mx-private.test").output().unwrap();
        String::from_utf8_lossy(&output.stdout).contains('\u{1b}')
    };
    assert!(!escapes(&[]));
    assert!(escapes(&[("FORCE_COLOR", "1")]));
    assert!(escapes(&[("CLICOLOR_FORCE", "1")]));
    assert!(!escapes(&[("FORCE_COLOR", "0")]));
    assert!(!escapes(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
}

/// Each stream is coloured only when it is a terminal: with stdout on a terminal (a pty made
/// by util-linux `script`, part of every Linux base system) and stderr in a file, the file gets no escape codes while the
/// terminal gets colour.
#[test]
fn stderr_in_a_file_gets_no_escape_codes() {
    std::process::Command::new("script")
        .arg("--version")
        .output()
        .expect("util-linux `script`, which makes the terminal this test needs");
    let dir = std::env::temp_dir().join(format!("mailcheck-colour-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let err = dir.join("err.txt");
    let binary = env!("CARGO_BIN_EXE_mailcheck");
    let run = |arguments: &str| {
        let output = std::process::Command::new("script")
            .args(["-qec"])
            .arg(format!("'{binary}' {arguments} 2>'{}'", err.display()))
            .arg("/dev/null")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("FORCE_COLOR")
            .env("TERM", "xterm")
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            std::fs::read_to_string(&err).unwrap(),
        )
    };
    // An input error: stderr only.
    let (_, stderr) = run("'bad..domain'");
    assert!(stderr.contains("invalid domain"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    // A report on the terminal is coloured.
    let (stdout, _) = run("--offline example.com");
    assert!(stdout.contains('\u{1b}'), "{stdout:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Mistakes at the shell are exit 2 with what was meant: a mistyped subcommand where a domain
/// goes, an unknown rule close to a real one, an `--input` list with no domain.
#[test]
fn mistakes_are_caught_with_what_was_meant() {
    let dir = std::env::temp_dir().join(format!("mailcheck-guard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("domains.txt");
    std::fs::write(&empty, "# none yet\n\n").unwrap();
    let empty = empty.display().to_string();
    for (arguments, expected) in [
        (
            vec!["recrd", "spf", "v=spf1 -all"],
            "\"recrd\" is not a domain name; did you mean `mailcheck record`?",
        ),
        (
            vec!["explian", "mx-missing"],
            "did you mean `mailcheck explain`?",
        ),
        (vec!["version"], "did you mean `mailcheck --version`?"),
        (
            vec!["explain", "spf-all-pas"],
            "unknown rule \"spf-all-pas\"; did you mean spf-all-pass?",
        ),
        (vec!["--input", empty.as_str()], "no domains to audit"),
    ] {
        let output = mailcheck().args(&arguments).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}: {stderr}");
        assert!(stderr.contains(expected), "{arguments:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{arguments:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--version` names the data compiled in, and what it says is what was compiled in: the
/// `psl` version of Cargo.lock and the providers file's count and date.
#[test]
fn version_names_the_data_compiled_in() {
    let output = mailcheck().arg("--version").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let psl = lock
        .split("[[package]]")
        .find(|package| package.contains("\nname = \"psl\"\n"))
        .and_then(|package| {
            package
                .lines()
                .find_map(|line| line.strip_prefix("version = "))
        })
        .expect("psl in Cargo.lock")
        .trim_matches('"');
    assert!(
        text.contains(&format!("public suffix list: psl crate {psl}\n")),
        "{text}"
    );
    let providers: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("data/providers.json")).unwrap())
            .unwrap();
    let count = providers["providers"].as_array().unwrap().len();
    let updated = providers["updated"].as_str().unwrap();
    assert!(
        text.contains(&format!(
            "providers: {count} (data/providers.json, updated {updated})"
        )),
        "{text}"
    );
    assert!(
        text.starts_with(&format!("mailcheck {}\n", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
}

/// `completions bash` is a script bash parses and that registers a completion for mailcheck;
/// every other shell gets a script too.
#[test]
fn completion_scripts_are_generated() {
    let dir = std::env::temp_dir().join(format!("mailcheck-completions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("mailcheck.bash");
    let output = mailcheck().args(["completions", "bash"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    std::fs::write(&script, &output.stdout).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -e; bash -n '{0}'; source '{0}'; complete -p mailcheck",
            script.display()
        ))
        .output()
        .expect("bash");
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(said.contains("_mailcheck mailcheck"), "{said}");
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let output = mailcheck().args(["completions", shell]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            text.contains("--offline") && text.contains("explain"),
            "{shell}: {text}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `man` is a roff page that `man -l` renders, with the options in it.
#[test]
fn the_man_page_renders() {
    let dir = std::env::temp_dir().join(format!("mailcheck-man-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("mailcheck.1");
    let output = mailcheck().arg("man").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    std::fs::write(&page, &output.stdout).unwrap();
    let rendered = std::process::Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("man (man-db), which renders the page");
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    assert!(text.contains("mailcheck(1)"), "{text}");
    assert!(text.contains("--offline-ok"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--output FILE` receives what stdout would have, whole; stdout stays empty. A path that
/// cannot be written is exit 2 before any query; a usage error, or a run killed before it is
/// done, leaves the old file as it was.
#[test]
fn output_is_written_whole_or_not_at_all() {
    let dir = std::env::temp_dir().join(format!("mailcheck-output-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.json");
    let path = report.display().to_string();

    let output = mailcheck_fixtures()
        .args(["--json", "-o", &path, "good.test"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.is_empty());
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).expect("one JSON document");
    assert_eq!(written["domains"][0]["domain"], "good.test");

    // Human output in a file is not coloured (the file is no terminal).
    let output = mailcheck_fixtures()
        .args(["-o", &path, "mx-private.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.starts_with("via 127.0.0.1:"), "{text}");
    assert!(text.contains("\nmx-private.test\n"), "{text}");
    assert!(!text.contains('\u{1b}'));

    std::fs::write(&report, "old report\n").unwrap();
    let output = mailcheck()
        .args(["-o", &path, "bad..domain"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "old report\n");

    let missing = dir.join("no-such-dir").join("report.json");
    let output = mailcheck_fixtures()
        .args(["-o", &missing.display().to_string(), "good.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot write --output"));

    // Killed while a lookup is outstanding (the server never answers it): the old file stays.
    let mut child = mailcheck_fixtures()
        .args(["--json", "-o", &path, "timeout.failing.test"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "old report\n");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Ctrl-C (SIGINT) mid-run: exit 130, and what was written stays well-formed: a JSON document
/// closed with an `interrupted` error, NDJSON lines each whole with a last `run` line saying
/// so; an `--output` file is left as it was.
#[test]
fn an_interrupted_run_exits_130_with_well_formed_output() {
    let dir = std::env::temp_dir().join(format!("mailcheck-interrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("domains.txt");
    // The second domain's lookups are never answered: the run is still going when it is
    // interrupted.
    std::fs::write(&list, "good.test\ntimeout.failing.test\nmx-private.test\n").unwrap();
    let list = list.display().to_string();
    let interrupt = |extra: &[&str]| {
        let child = mailcheck_fixtures()
            .args(["--input", &list])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(700));
        let sent = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        child.wait_with_output().unwrap()
    };

    let output = interrupt(&["--json"]);
    assert_eq!(output.status.code(), Some(130));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    assert_eq!(document["error"]["kind"], "interrupted", "{document:#}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted: "));

    let output = interrupt(&["--format", "ndjson"]);
    assert_eq!(output.status.code(), Some(130));
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let run_line = lines.last().expect("a run line");
    assert_eq!(run_line["run"]["error"]["kind"], "interrupted", "{text}");

    let report = dir.join("report.json");
    std::fs::write(&report, "old report\n").unwrap();
    let output = interrupt(&["--json", "-o", &report.display().to_string()]);
    assert_eq!(output.status.code(), Some(130));
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "old report\n");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--format short`: one line per finding, `DOMAIN: SEVERITY RULE SUBJECT: MESSAGE`, with
/// `FILE:LINE:` first for a finding from a zone file; a batch ends with the run's totals, in
/// human output too. JSON gives the same finding a `location` object.
#[test]
fn short_lines_and_run_totals() {
    let output = mailcheck_fixtures()
        .args(["--format", "short", "mx-private.test", "good.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let (last, findings) = lines.split_last().expect("lines");
    assert!(!findings.is_empty(), "{text}");
    for line in findings {
        assert!(line.starts_with("mx-private.test: "), "{line}");
    }
    assert!(
        findings
            .iter()
            .any(|line| line.starts_with("mx-private.test: error mx-target-non-public-address ")),
        "{text}"
    );
    assert!(last.starts_with("Total: 2 domains, "), "{last}");

    let zone = [
        "--offline",
        "--zone",
        "fixtures/zonefiles/dyna.test.zone",
        "dyna.test",
    ];
    let output = mailcheck()
        .args(zone)
        .args(["--format", "short"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.lines().next().is_some_and(|line| line.starts_with(
            "fixtures/zonefiles/dyna.test.zone:11: dyna.test: error zone-parse-error: 3 lines"
        )),
        "{text}"
    );
    // One domain: no totals line.
    assert!(!text.contains("Total:"), "{text}");
    let output = mailcheck().args(zone).arg("--json").output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let located: Vec<&serde_json::Value> = report["domains"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding.get("location").is_some())
        .collect();
    assert_eq!(located.len(), 1, "{located:#?}");
    assert_eq!(located[0]["rule"], "zone-parse-error");
    assert_eq!(
        located[0]["location"]["file"],
        "fixtures/zonefiles/dyna.test.zone"
    );
    assert_eq!(located[0]["location"]["line"], 11);

    let output = mailcheck_fixtures()
        .args(["--color", "never", "mx-private.test", "good.test"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.lines()
            .last()
            .is_some_and(|line| line.starts_with("Total: 2 domains, ")),
        "{text}"
    );
}

/// `--format github`: one workflow command per finding (`::error`, `::warning`, `::notice`),
/// a zone file's finding with `file=` and `line=`, and the Markdown summary appended to
/// `$GITHUB_STEP_SUMMARY`.
#[test]
fn github_annotations_and_job_summary() {
    let dir = std::env::temp_dir().join(format!("mailcheck-github-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let summary = dir.join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let output = mailcheck_fixtures()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["--format", "github", "mx-private.test", "good.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    for line in text.lines() {
        assert!(
            line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("::notice "),
            "{line}"
        );
    }
    assert!(
        text.lines().any(|line| line.starts_with(
            "::error title=mx-target-non-public-address (mx-private.test)::mx-private.test: "
        )),
        "{text}"
    );
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        written.starts_with("earlier step\n## mailcheck\n"),
        "{written}"
    );
    assert!(
        written.contains("| mx-private.test | ✖ errors |"),
        "{written}"
    );
    assert!(written.contains("| good.test |"), "{written}");

    let output = mailcheck()
        .env_remove("GITHUB_STEP_SUMMARY")
        .args([
            "--offline",
            "--zone",
            "fixtures/zonefiles/dyna.test.zone",
            "--format",
            "github",
            "dyna.test",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.lines().next().is_some_and(|line| line.starts_with(
            "::error file=fixtures/zonefiles/dyna.test.zone,line=11,title=zone-parse-error (dyna.test)::"
        )),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--ignore`, `--select`, `--severity`: left-out findings are not printed, do not count for
/// `--fail-on`, and JSON lists them with the option that left them out; a rule that does not
/// exist is exit 2 with the closest one.
#[test]
fn findings_can_be_ignored_selected_and_regraded() {
    let json = |extra: &[&str]| {
        let output = mailcheck_fixtures()
            .args(["--json", "mx-private.test"])
            .args(extra)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        (output.status.code(), report["domains"][0].clone())
    };
    let (code, domain) = json(&[]);
    assert_eq!(code, Some(1));
    let rules = |domain: &serde_json::Value| -> Vec<String> {
        domain["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|finding| finding["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = rules(&domain);
    assert!(
        all.iter()
            .any(|rule| rule == "mx-target-non-public-address"),
        "{all:?}"
    );
    assert!(domain.get("ignored").is_none());

    // The whole MX family left out: none of its findings, each listed as ignored.
    let (_, ignored) = json(&["--ignore", "mx"]);
    assert!(rules(&ignored).iter().all(|rule| !rule.starts_with("mx-")));
    let left_out = ignored["ignored"].as_array().unwrap();
    assert!(!left_out.is_empty());
    assert!(left_out.iter().all(|entry| entry["by"] == "--ignore mx"));
    let total = |domain: &serde_json::Value| {
        ["errors", "warnings", "info"]
            .iter()
            .map(|key| domain["summary"][key].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(total(&ignored) + left_out.len() as u64, total(&domain));

    // Only that rule, re-graded to info: nothing fails the run any more.
    let (code, selected) = json(&[
        "--select",
        "mx-target-non-public-address",
        "--severity",
        "mx-target-non-public-address=info",
    ]);
    assert_eq!(code, Some(0));
    let kept = selected["findings"].as_array().unwrap();
    assert!(!kept.is_empty());
    assert!(
        kept.iter()
            .all(|finding| finding["rule"] == "mx-target-non-public-address"
                && finding["severity"] == "info")
    );

    for (bad, said) in [
        (
            vec!["--ignore", "mx-target-non-publik"],
            "neither a rule id nor a family",
        ),
        (vec!["--severity", "mx-missing"], "is not RULE=LEVEL"),
        (
            vec!["--severity", "mx-missing=fatal"],
            "the level is error, warning or info",
        ),
    ] {
        let output = mailcheck_fixtures()
            .args(&bad)
            .arg("mx-private.test")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(said),
            "{bad:?}"
        );
    }
}

/// `mailcheck.toml`: found in the current directory or above, its values fill what the
/// command line did not give, a `[domains."…"]` section applies to that domain only, and a
/// bad key or value is exit 2 with the file, the line and the key.
#[test]
fn a_config_file_fills_what_the_command_line_does_not_give() {
    let dir = std::env::temp_dir().join(format!("mailcheck-config-{}", std::process::id()));
    let below = dir.join("zones").join("deeper");
    std::fs::create_dir_all(&below).unwrap();
    std::fs::write(
        dir.join("mailcheck.toml"),
        "# the project's settings\n\
         fail-on = \"warning\"\n\
         ignore = [\"spf-all-pass\"]\n\
         \n\
         [domains.\"mx-private.test\"]\n\
         ignore = [\"mx\"]\n",
    )
    .unwrap();
    let server = support::fixture_server().addr.to_string();
    let run = |extra: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_mailcheck"))
            .current_dir(&below)
            .env_remove("MAILCHECK_NO_CONFIG")
            .args([
                "-n",
                &server,
                "--timeout",
                "1.5",
                "--retries",
                "0",
                "--json",
            ])
            .args(extra)
            .output()
            .unwrap();
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
        (output, report)
    };
    let ignored_by = |domain: &serde_json::Value| -> Vec<String> {
        domain["ignored"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|entry| entry["by"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (output, report) = run(&["mx-private.test", "good.test"]);
    let mx_private = &report["domains"][0];
    assert!(
        ignored_by(mx_private).iter().any(|by| by == "--ignore mx"),
        "{mx_private:#}"
    );
    assert!(
        !ignored_by(&report["domains"][1])
            .iter()
            .any(|by| by == "--ignore mx")
    );
    // fail-on = "warning" from the file: good.test's warnings, if any, or mx-private's.
    assert_ne!(output.status.code(), Some(2));

    // The command line wins: --fail-on never.
    let (output, _) = run(&["--fail-on", "never", "mx-private.test"]);
    assert_eq!(output.status.code(), Some(0));
    // --no-config: the file is not read, mx-private.test's errors fail the run.
    let (output, report) = run(&["--no-config", "mx-private.test"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(report["domains"][0].get("ignored").is_none());

    std::fs::write(
        dir.join("mailcheck.toml"),
        "fail-on = \"warning\"\ntimout = 2\n",
    )
    .unwrap();
    let (output, _) = run(&["good.test"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("mailcheck.toml:2: unknown field `timout`"),
        "{stderr}"
    );
    std::fs::write(dir.join("mailcheck.toml"), "\n\nretries = 99\n").unwrap();
    let (output, _) = run(&["good.test"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mailcheck.toml:3: retries: "), "{stderr}");
    // max-qps, a setting of the environment: checked as --max-qps checks it, and used.
    std::fs::write(dir.join("mailcheck.toml"), "max-qps = 0\n").unwrap();
    let (output, _) = run(&["good.test"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mailcheck.toml:1: max-qps: "), "{stderr}");
    std::fs::write(dir.join("mailcheck.toml"), "max-qps = 5000\n").unwrap();
    let (output, report) = run(&["good.test"]);
    assert_ne!(output.status.code(), Some(2), "{report:#}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Human output fits the width asked (`COLUMNS`), never breaking a word, a name or a
/// record to paste: a line is longer only when it is one such piece.
#[test]
fn output_fits_the_width_without_breaking_words() {
    for width in [60_usize, 80, 120] {
        let output = mailcheck_fixtures()
            .env("COLUMNS", width.to_string())
            .args(["--color", "never", "mx-private.test", "good.test"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        for line in text.lines() {
            let columns = line.chars().count();
            if columns <= width {
                continue;
            }
            // A longer line is one unbreakable piece after its indentation and label (a
            // finding's heading names its subject and rule), or a record to paste.
            let words: Vec<&str> = line.split_whitespace().collect();
            let record = line.contains('"') || line.trim_start().starts_with("v=");
            let unbreakable = words.len() <= 4 || line.contains('`') || record;
            assert!(
                unbreakable,
                "{width}: a wrappable line is {columns} long: {line}"
            );
        }
        // No word was cut: the rule ids are whole.
        assert!(text.contains("mx-target-non-public-address"));
    }
}

/// A name server that never answers is said once, early, on stderr with its address, and no
/// longer asked: the lookups it would have answered are not verified (exit 3), and the report
/// says which server was asked.
#[test]
fn a_dead_name_server_is_said_once_and_no_longer_asked() {
    // Bound and never read: every query to it times out.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let address = silent.local_addr().unwrap().to_string();
    let output = mailcheck()
        .args([
            "-n",
            &address,
            "--timeout",
            "0.2",
            "--retries",
            "1",
            "--json",
        ])
        .args(["a.example", "b.example", "c.example"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains(&format!("the name server {address} has not answered")))
        .collect();
    assert_eq!(said.len(), 1, "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["nameservers"][0], address.as_str());
    let not_sent = report["domains"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|domain| domain["dns"].as_array().unwrap())
        .filter(|query| {
            // "the name server … has not answered any query" for a lookup that was waiting
            // when the server was given up on, "no name server has answered any query" for one
            // that began after (which of the two a domain's lookups see depends on timing).
            query["error"].as_str().is_some_and(|error| {
                error.starts_with("not sent: ") && error.ends_with("answered any query")
            })
        })
        .count();
    assert!(not_sent > 0, "{report:#}");
    drop(silent);
}

/// `mailcheck zone FILE…`: each file's own zone, offline, names outside the files not counted
/// toward exit 3; a file whose zone cannot be told is exit 2 saying how to name it.
#[test]
fn zone_files_are_checked_as_their_own_zones() {
    let output = mailcheck()
        .args([
            "zone",
            "--format",
            "short",
            "fixtures/zonefiles/db.clean.test",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.lines().all(|line| line.starts_with("clean.test: ")),
        "{text}"
    );

    let output = mailcheck()
        .args([
            "zone",
            "--json",
            "fixtures/zonefiles/db.clean.test",
            "fixtures/zonefiles/dyna.test.zone",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let domains: Vec<&str> = report["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|domain| domain["domain"].as_str().unwrap())
        .collect();
    assert_eq!(domains, ["clean.test", "dyna.test"]);

    let output = mailcheck()
        .args(["zone", "fixtures/zonefiles/include.test.mail.txt"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("give it as ORIGIN=FILE"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Where the terminal cannot show Unicode (`TERM=dumb`, or a locale that is not UTF-8), the
/// marks are plain ASCII.
#[test]
fn marks_are_ascii_where_unicode_cannot_be_shown() {
    for (name, value) in [
        ("TERM", "dumb"),
        ("LANG", "C"),
        ("LC_ALL", "en_US.ISO-8859-1"),
    ] {
        let output = mailcheck_fixtures()
            .env(name, value)
            .args(["--color", "never", "mx-private.test"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("  x MX "), "{name}={value}: {text}");
        assert!(text.contains("x error "), "{name}={value}: {text}");
        for unicode in ['✔', '✖', '▲', 'ℹ', '→', '…'] {
            assert!(
                !text.contains(unicode),
                "{name}={value}: {unicode} in {text}"
            );
        }
    }
    let output = mailcheck_fixtures()
        .env("LANG", "en_US.UTF-8")
        .args(["--color", "never", "mx-private.test"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("✖ error "));
}

/// `--format sarif` is valid SARIF 2.1.0: checked against the official schema (OASIS,
/// `tests/data/sarif-schema-2.1.0.json`), for an audit with a zone file's findings (located
/// by file and line), a batch, and record mode.
#[test]
fn sarif_output_is_valid_against_the_official_schema() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    // The official schema's pattern for a language tag has a stray `]`, which the regex
    // engine refuses when it checks the schema; that pattern (mailcheck writes no language)
    // is read as it was meant.
    let text = text.replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let runs: [Vec<&str>; 3] = [
        vec![
            "--offline",
            "--zone",
            "fixtures/zonefiles/dyna.test.zone",
            "dyna.test",
        ],
        vec!["record", "spf", "v=spf1 +all"],
        vec!["--offline", "a.example", "b.example"],
    ];
    for arguments in runs {
        let output = mailcheck()
            .args(["--format", "sarif"])
            .args(&arguments)
            .output()
            .unwrap();
        let log: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{arguments:?}: not JSON ({e})"));
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|error| format!("{error} at {}", error.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{arguments:?}: {errors:#?}");
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{arguments:?}");
    }
    // The zone file's finding is located by file and line, for code scanning to annotate.
    let output = mailcheck()
        .args(["--format", "sarif", "--offline", "--zone"])
        .args(["fixtures/zonefiles/dyna.test.zone", "dyna.test"])
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let located = &log["runs"][0]["results"][0];
    assert_eq!(located["ruleId"], "zone-parse-error");
    let physical = &located["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        "fixtures/zonefiles/dyna.test.zone"
    );
    assert_eq!(physical["region"]["startLine"], 11);
    // The validator can fail: a log without its version is refused.
    let mut broken = log.clone();
    broken.as_object_mut().unwrap().remove("version");
    assert!(!validator.is_valid(&broken));
}
