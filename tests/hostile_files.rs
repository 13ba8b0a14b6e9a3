//! Hostile files , run as the real binary with `--offline` on files
//! made at test time in a directory of their own:
//!
//! - `$INCLUDE` of a file outside the `--zone` file's directory (an absolute path, `..`, a
//!   symbolic link) is refused, and nothing of that file reaches stdout, stderr or the JSON;
//!   `--zone-include-any` allows it;
//! - a file that includes itself, a loop through two files, and a tree where each file includes
//!   the next ten times end within seconds with a finding and exit code 1, never a signal, in
//!   bounded memory;
//! - `/dev/zero`, a FIFO and a file over the cap, as `--zone`, `--replay`, `--expect` or
//!   `--input` (and `--input -` fed from `/dev/zero`), give exit 2 and a message naming the
//!   file within seconds; through `$INCLUDE` they are findings.
#![cfg(unix)]
// A case that cannot run here (no `mkfifo`, no `/usr/bin/time`) says so in one line, and the
// memory test prints what it measured.
#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long any run here may take: every case must end within seconds (a debug build on a
/// busy 2-core machine included), where the unfixed binary ran until memory ran out or forever.
const DEADLINE: Duration = Duration::from_secs(20);

/// The string written into every file that must not be read: it must appear nowhere.
const MARKER: &str = "hostilemarker";

/// The caps, as the README states them.
const ZONE_CAP: u64 = 64 << 20;
const REPLAY_CAP: u64 = 128 << 20;
const EXPECT_CAP: u64 = 16 << 20;
const INPUT_CAP: u64 = 64 << 20;

/// The most memory (peak RSS) a run over a hostile include tree may take.
const MEMORY_BOUND_KB: u64 = 200 * 1024;

/// A fresh directory for one test, removed when it ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "mailcheck-hostile-files-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("directory");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    /// A sparse file of `len` bytes: cheap, whatever its size.
    fn sparse(&self, name: &str, len: u64) -> PathBuf {
        let path = self.write(name, "");
        File::create(&path)
            .and_then(|file| file.set_len(len))
            .expect("sparse file");
        path
    }

    /// A FIFO, if `mkfifo` is there.
    fn fifo(&self, name: &str) -> Option<PathBuf> {
        let path = self.path(name);
        let made = Command::new("mkfifo").arg(&path).status();
        if made.is_ok_and(|status| status.success()) {
            Some(path)
        } else {
            println!("skipped: mkfifo is not available, so no FIFO case ran");
            None
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a run gave.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    /// Peak RSS in KB, when measured.
    peak_kb: Option<u64>,
}

impl Run {
    /// The exit code; fails the test on a signal (an abort, a kill).
    fn code(&self) -> i32 {
        self.status.code().unwrap_or_else(|| {
            panic!(
                "ended by a signal ({:?}); stderr: {}",
                self.status,
                self.stderr.chars().take(2000).collect::<String>()
            )
        })
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                self.stdout.chars().take(2000).collect::<String>()
            )
        })
    }

    /// Stdout and stderr together, to search both.
    fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The messages of the `zone-parse-error` findings of the first domain.
    fn parse_errors(&self) -> Vec<String> {
        self.json()["domains"][0]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|finding| finding["rule"] == "zone-parse-error")
            .map(|finding| finding["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// Runs mailcheck in `dir` with `args`, killing it past [`DEADLINE`] (a failure).
fn run(dir: &Path, args: &[&str]) -> Run {
    run_with(dir, args, Stdio::null(), false)
}

/// [`run`] with `stdin`, and under `/usr/bin/time` to measure peak RSS when `measure` is set
/// (and the tool is there).
fn run_with(dir: &Path, args: &[&str], stdin: Stdio, measure: bool) -> Run {
    let out = dir.join(".stdout");
    let err = dir.join(".stderr");
    let peak = dir.join(".peak");
    let time = Path::new("/usr/bin/time");
    let measured = measure && time.exists();
    if measure && !measured {
        println!("skipped: /usr/bin/time is not available, so peak memory is not checked");
    }
    let mut command = if measured {
        let mut command = Command::new(time);
        command
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&peak)
            .arg(env!("CARGO_BIN_EXE_mailcheck"));
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_mailcheck"))
    };
    command
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("RUST_BACKTRACE")
        .stdin(stdin)
        .stdout(File::create(&out).expect("stdout file"))
        .stderr(File::create(&err).expect("stderr file"));
    let started = Instant::now();
    let mut child = command.spawn().expect("run mailcheck");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mailcheck {args:?} still ran after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let read = |path: &Path| {
        String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
    };
    let peak_kb = measured
        .then(|| {
            read(&peak)
                .lines()
                .last()
                .and_then(|line| line.trim().parse().ok())
        })
        .flatten();
    Run {
        status,
        stdout: read(&out),
        stderr: read(&err),
        elapsed,
        peak_kb,
    }
}

/// The zone every include test starts from; `includes` are appended as `$INCLUDE` lines.
fn zone_with_includes(includes: &[&str]) -> String {
    let mut text = "$ORIGIN hostile.test.\n\
                    @     SOA  ns hostmaster 1 2h 15m 2w 5m\n\
                    @     MX   10 mail\n\
                    mail  A    93.184.216.34\n"
        .to_owned();
    for include in includes {
        let _ = writeln!(text, "$INCLUDE {include}");
    }
    text
}

/// A file that is not zone-file syntax (a stand-in for `/etc/shadow`), and a valid record,
/// both carrying [`MARKER`].
fn secret_text() -> String {
    format!("{MARKER}-line root:$6$salt$hash:19000:0:99999:7:::\n{MARKER}-txt TXT \"{MARKER}\"\n")
}

#[test]
fn includes_outside_the_zone_directory_are_refused_and_never_echoed() {
    let scratch = Scratch::new("outside");
    let secret = scratch.write("secret/shadow", &secret_text());
    std::fs::create_dir_all(scratch.path("zones")).expect("zones");
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, scratch.path(name)).expect("symlink");
    };
    link(&secret, "zones/link.txt");
    link(&scratch.path("secret"), "zones/dir");
    let absolute = secret.display().to_string();
    let written = [
        absolute.as_str(),
        "../secret/shadow",
        "sub/../../secret/shadow",
        "link.txt",
        "dir/shadow",
        "/proc/self/environ",
    ];
    scratch.write("zones/hostile.zone", &zone_with_includes(&written));
    for format in ["json", "human"] {
        let run = run(
            &scratch.0,
            &[
                "--offline",
                "--zone",
                "zones/hostile.zone",
                "--format",
                format,
                "hostile.test",
            ],
        );
        assert_eq!(run.code(), 1, "{}", run.all_output());
        assert!(
            !run.all_output().contains(MARKER),
            "the outside file reached the output: {}",
            run.all_output()
        );
        assert!(run.elapsed < Duration::from_secs(10));
    }
    let run = run(
        &scratch.0,
        &[
            "--offline",
            "--zone",
            "zones/hostile.zone",
            "--json",
            "hostile.test",
        ],
    );
    let errors = run.parse_errors();
    for path in written {
        assert!(
            errors.iter().any(
                |message| message.starts_with(&format!("$INCLUDE \"{path}\" "))
                    && message.contains("and is not read")
                    && message.contains("--zone-include-any")
            ),
            "no refusal of {path}: {errors:#?}"
        );
    }
    assert_eq!(
        errors
            .iter()
            .filter(|message| message.contains("through a symbolic link"))
            .count(),
        2,
        "{errors:#?}"
    );
    // A name the zone does not hold may be in a file that was not read: not verified, never
    // missing.
    assert_eq!(
        run.json()["domains"][0]["status"],
        "incomplete",
        "{}",
        run.stdout
    );

    // With --zone-include-any the same files are read: the line of the stand-in for
    // `/etc/shadow` that is not zone-file syntax is reported (once, for the four includes
    // that reach it).
    let run = run_any(&scratch);
    assert_eq!(run.code(), 1);
    assert!(
        run.stdout
            .contains("4 lines in several files could not be read")
            && run.stdout.contains("root:$6$salt$hash"),
        "{}",
        run.stdout
    );
}

fn run_any(scratch: &Scratch) -> Run {
    run(
        &scratch.0,
        &[
            "--offline",
            "--zone",
            "zones/hostile.zone",
            "--zone-include-any",
            "--json",
            "hostile.test",
        ],
    )
}

#[test]
fn includes_inside_the_zone_directory_are_read() {
    let scratch = Scratch::new("inside");
    scratch.write(
        "zones/keys/dkim.txt",
        "sel._domainkey TXT \"v=DKIM1; p=\"\n",
    );
    scratch.write("zones/other.txt", "$INCLUDE keys/dkim.txt\n");
    scratch.write(
        "zones/hostile.zone",
        &zone_with_includes(&["keys/dkim.txt", "keys/../other.txt"]),
    );
    let run = run(
        &scratch.0,
        &[
            "--offline",
            "--zone",
            "zones/hostile.zone",
            "--selector",
            "sel",
            "--json",
            "hostile.test",
        ],
    );
    assert!(run.parse_errors().is_empty(), "{:#?}", run.parse_errors());
    assert!(
        run.stdout.contains("sel._domainkey.hostile.test"),
        "{}",
        run.stdout
    );
}

#[test]
fn lines_that_are_not_zone_syntax_are_quoted_short_and_escaped() {
    let scratch = Scratch::new("quoted");
    let long = "x".repeat(60);
    scratch.write(
        "zones/junk.txt",
        &format!(
            "{long}{MARKER} A 1\n\u{1b}]0;pwned\u{7}\u{1b}[2J{long}{MARKER}\n${long}{MARKER}\n"
        ),
    );
    scratch.write("zones/hostile.zone", &zone_with_includes(&["junk.txt"]));
    let run = run(
        &scratch.0,
        &[
            "--offline",
            "--zone",
            "zones/hostile.zone",
            "--json",
            "hostile.test",
        ],
    );
    assert_eq!(run.code(), 1);
    let errors = run.parse_errors();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    for message in &errors {
        assert!(!message.contains(MARKER), "{message}");
        assert!(!message.chars().any(char::is_control), "{message:?}");
    }
    assert!(!run.all_output().contains(MARKER));
    assert!(!run.all_output().contains('\u{1b}'));
}

#[test]
fn include_loops_and_fan_out_end_quickly_in_bounded_memory() {
    let scratch = Scratch::new("loops");
    // A file that includes itself ten times (each level would include it ten times again).
    let mut itself = zone_with_includes(&[]);
    itself.push_str(&"$INCLUDE self.zone\n".repeat(10));
    scratch.write("zones/self.zone", &itself);
    // Two files that include each other.
    scratch.write("zones/a.txt", "a TXT \"a\"\n$INCLUDE b.txt\n");
    scratch.write("zones/b.txt", "b TXT \"b\"\n$INCLUDE a.txt\n");
    scratch.write("zones/pair.zone", &zone_with_includes(&["a.txt"]));
    // f0 includes f1 ten times, f1 includes f2 ten times, …: 10^7 includes of f7.
    for level in 0..7 {
        scratch.write(
            &format!("zones/f{level}.txt"),
            &format!("$INCLUDE f{}.txt\n", level + 1).repeat(10),
        );
    }
    scratch.write("zones/f7.txt", "leaf TXT \"leaf\"\n");
    scratch.write("zones/fan.zone", &zone_with_includes(&["f0.txt"]));

    let cases = [
        ("self.zone", "already being read"),
        ("pair.zone", "already being read"),
        ("fan.zone", "more than 10000 $INCLUDEs"),
    ];
    for (zone, expected) in cases {
        let path = format!("zones/{zone}");
        let args = ["--offline", "--zone", &path, "--json", "hostile.test"];
        let run = run_with(&scratch.0, &args, Stdio::null(), true);
        assert_eq!(run.code(), 1, "{zone}: {}", run.stderr);
        assert!(
            run.elapsed < Duration::from_secs(10),
            "{zone}: {:?}",
            run.elapsed
        );
        let errors = run.parse_errors();
        assert!(
            errors.iter().any(|message| message.contains(expected)),
            "{zone}: {errors:#?}"
        );
        println!("{zone}: {:?}, peak RSS {:?} KB", run.elapsed, run.peak_kb);
        if let Some(peak) = run.peak_kb {
            assert!(peak < MEMORY_BOUND_KB, "{zone}: peak RSS {peak} KB");
        }
    }
}

#[test]
fn non_regular_files_are_refused_quickly() {
    let scratch = Scratch::new("special");
    let fifo = scratch.fifo("fifo");
    let mut paths = vec![PathBuf::from("/dev/zero"), scratch.0.clone()];
    paths.extend(fifo);
    for path in &paths {
        let shown = path.display().to_string();
        for option in ["--zone", "--replay", "--expect", "--input"] {
            let run = run(&scratch.0, &["--offline", option, &shown, "hostile.test"]);
            assert_eq!(run.code(), 2, "{option} {shown}: {}", run.stderr);
            assert!(
                run.stderr
                    .contains(&format!("cannot read {option} {shown}: it is "))
                    && run.stderr.contains("not a regular file"),
                "{option} {shown}: {}",
                run.stderr
            );
            assert!(run.elapsed < Duration::from_secs(10));
        }
    }
    // Under --json the error is a JSON document too.
    let run = run(
        &scratch.0,
        &["--offline", "--zone", "/dev/zero", "--json", "hostile.test"],
    );
    assert_eq!(run.code(), 2);
    assert!(
        run.json()["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("character device"))
    );
}

#[test]
fn stdin_is_read_up_to_the_cap() {
    let scratch = Scratch::new("stdin");
    let zero = File::open("/dev/zero").expect("/dev/zero");
    let run = run_with(
        &scratch.0,
        &["--offline", "--input", "-"],
        Stdio::from(zero),
        false,
    );
    assert_eq!(run.code(), 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot read --input -: it is larger than 64 MiB"),
        "{}",
        run.stderr
    );
}

#[test]
fn oversized_files_are_refused_with_the_limit() {
    let scratch = Scratch::new("oversized");
    let cases = [
        ("--zone", ZONE_CAP, "64 MiB"),
        ("--replay", REPLAY_CAP, "128 MiB"),
        ("--expect", EXPECT_CAP, "16 MiB"),
        ("--input", INPUT_CAP, "64 MiB"),
    ];
    for (option, cap, said) in cases {
        let name = format!("big{option}");
        scratch.sparse(&name, cap + 1);
        let run = run(&scratch.0, &["--offline", option, &name, "hostile.test"]);
        assert_eq!(run.code(), 2, "{option}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "cannot read {option} {name}: it is larger than {said}, the most mailcheck reads from it"
            )),
            "{option}: {}",
            run.stderr
        );
        assert!(run.elapsed < Duration::from_secs(10));
    }
}

#[test]
fn special_and_oversized_includes_are_findings() {
    let scratch = Scratch::new("include-files");
    scratch.sparse("zones/huge.txt", ZONE_CAP);
    let fifo = scratch.fifo("zones/fifo");
    let mut includes = vec!["huge.txt", "/dev/zero", "missing.txt"];
    if fifo.is_some() {
        includes.push("fifo");
    }
    scratch.write("zones/hostile.zone", &zone_with_includes(&includes));
    let args = [
        "--offline",
        "--zone",
        "zones/hostile.zone",
        "--zone-include-any",
        "--json",
        "hostile.test",
    ];
    let run = run(&scratch.0, &args);
    assert_eq!(run.code(), 1, "{}", run.stderr);
    let errors = run.parse_errors();
    let expected = [
        "$INCLUDE \"huge.txt\": the zone's files would be larger than 64 MiB together",
        "$INCLUDE \"/dev/zero\": cannot read it: it is a character device, not a regular file",
        "$INCLUDE \"missing.txt\": ",
        "$INCLUDE \"fifo\": cannot read it: it is a FIFO (named pipe), not a regular file",
    ];
    for (include, expected) in includes.iter().zip(expected) {
        assert!(
            errors.iter().any(|message| message.starts_with(expected)),
            "{include}: {errors:#?}"
        );
    }
    assert!(run.elapsed < Duration::from_secs(10));
}
