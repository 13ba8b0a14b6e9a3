//! `--resume FILE` and `--shard K/N` with the real binary: a run killed at random moments
//! (SIGKILL, and once Ctrl-C) and resumed until done loses no domain and repeats none, and its
//! file ends as one uninterrupted run's would; N shards audit every domain exactly once.
//!
//! The kills are placed by a seeded random generator: the seed is printed (shown when the
//! test fails), and `MAILCHECK_RESUME_SEED=N cargo test --test resume` replays a run.

// Counting newlines in a test needs no crate of its own.
#![allow(clippy::naive_bytecount)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use support::mailcheck;
use support::server::{Behaviour, TestServer};

/// Domains in the list: enough that a run takes a second or two at the delay below, so that
/// kills land early, in the middle and late.
const DOMAINS: usize = 300;

/// Added to every answer: the run is slow enough to be killed in the middle.
const DELAY: Duration = Duration::from_millis(5);

/// A directory of its own under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("resume-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The synthetic domains' names.
fn names() -> Vec<String> {
    (0..DOMAINS).map(|i| format!("d{i}.resume.test")).collect()
}

/// The server of the synthetic zones (one per domain, as in benches/batch.rs: an in-memory
/// zone's negative answers cost time in proportion to its size), and the list file.
fn server() -> &'static (TestServer, PathBuf) {
    static SERVER: OnceLock<(TestServer, PathBuf)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dir = scratch("zones");
        let mut list = String::from("# synthetic domains\n");
        for (i, name) in names().iter().enumerate() {
            let _ = writeln!(list, "{name}");
            // Some domains with findings, some without, so the counts are not all equal.
            let dmarc = if i % 3 == 0 { "none" } else { "reject" };
            let spf = if i % 4 == 0 {
                ""
            } else {
                "@ IN TXT \"v=spf1 mx -all\"\n"
            };
            let zone = format!(
                "$ORIGIN {name}.\n$TTL 3600\n\
                 @ IN SOA ns1.resume.test. hostmaster.resume.test. ( 1 7200 3600 1209600 300 )\n\
                 @ IN NS ns1.resume.test.\n\
                 @ IN MX 10 mx\n\
                 mx IN A 192.0.2.{}\n\
                 {spf}_dmarc IN TXT \"v=DMARC1; p={dmarc}\"\n",
                i % 250 + 1
            );
            std::fs::write(dir.join(format!("{name}.zone")), zone).expect("zone file");
        }
        let list_path = dir.join("list.txt");
        std::fs::write(&list_path, list).expect("list file");
        let server = TestServer::start(
            &dir,
            Behaviour {
                rules: Vec::new(),
                delay: DELAY,
            },
        );
        (server, list_path)
    })
}

/// `mailcheck --input LIST --resume FILE` against the synthetic zones, plus `extra`.
fn resume_command(file: &Path, extra: &[&str]) -> Command {
    let (server, list) = server();
    let mut command = mailcheck();
    command
        .arg("--nameserver")
        .arg(server.addr.to_string())
        .args(["--timeout", "2", "--retries", "1", "--concurrency", "32"])
        // One DKIM selector, not the 24 probed by default: fewer questions per domain, so
        // the debug build runs the list in a few seconds.
        .args(["--selector", "mail"])
        .arg("--input")
        .arg(list)
        .arg("--resume")
        .arg(file)
        .args(extra);
    command
}

/// xorshift64*: a small generator whose sequence is fixed by its seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number from `low` to `high` (inclusive).
    fn between(&mut self, low: usize, high: usize) -> usize {
        let span = u64::try_from(high - low + 1).unwrap();
        low + usize::try_from(self.next() % span).unwrap()
    }
}

fn seed() -> u64 {
    std::env::var("MAILCHECK_RESUME_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            u64::from(now.subsec_nanos()) ^ now.as_secs()
        })
        .max(1)
}

/// Whole lines in the file (a partial last line is not one).
fn lines_in(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |bytes| {
        bytes.iter().filter(|&&byte| byte == b'\n').count()
    })
}

/// Waits until the file holds `lines` whole lines or the child has exited (then `false`).
/// Reads only what was appended since the last look: the test's own CPU time would slow the
/// run it watches.
fn wait_for_lines(child: &mut Child, path: &Path, lines: usize) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let deadline = Instant::now() + Duration::from_secs(20);
    let (mut offset, mut count) = (0, 0);
    let mut chunk = Vec::new();
    while Instant::now() < deadline {
        if child.try_wait().expect("child status").is_some() {
            return false;
        }
        if let Ok(mut file) = std::fs::File::open(path) {
            // The file may have been cut short (a partial line removed) since the last look.
            let length = file.metadata().map_or(0, |metadata| metadata.len());
            if length < offset {
                (offset, count) = (0, 0);
            }
            chunk.clear();
            if file.seek(SeekFrom::Start(offset)).is_ok()
                && file.read_to_end(&mut chunk).is_ok()
                && let Some(last) = chunk.iter().rposition(|&byte| byte == b'\n')
            {
                count += chunk[..=last].iter().filter(|&&byte| byte == b'\n').count();
                offset += last as u64 + 1;
            }
        }
        if count >= lines {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("the run did not progress to {lines} lines in 20 s");
}

/// What a finished file holds, checked: every line whole and JSON, one domain line per listed
/// domain, one run line at the end whose counts are the domain lines'. Returns the run line.
fn check_finished(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("the file is UTF-8");
    assert!(text.ends_with('\n'), "the file ends with a partial line");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .enumerate()
        .map(|(number, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("line {} is not JSON: {error}", number + 1))
        })
        .collect();
    let (run, domains) = lines.split_last().expect("a file with lines");
    assert!(
        run.get("run").is_some(),
        "the last line is not the run line"
    );
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut errors, mut warnings, mut info, mut incomplete) = (0, 0, 0, 0);
    for line in domains {
        let domain = line["domain"]
            .as_str()
            .unwrap_or_else(|| panic!("a line that is not a domain's before the end: {line}"));
        *seen.entry(domain).or_default() += 1;
        errors += line["summary"]["errors"].as_u64().unwrap();
        warnings += line["summary"]["warnings"].as_u64().unwrap();
        info += line["summary"]["info"].as_u64().unwrap();
        incomplete += u64::from(line["status"] == "incomplete");
    }
    let twice: Vec<_> = seen.iter().filter(|(_, count)| **count > 1).collect();
    assert!(
        twice.is_empty(),
        "domains reported more than once: {twice:?}"
    );
    let expected: BTreeSet<String> = names().into_iter().collect();
    let got: BTreeSet<String> = seen.keys().map(|name| (*name).to_owned()).collect();
    let lost: Vec<_> = expected.difference(&got).collect();
    assert!(lost.is_empty(), "domains lost: {lost:?}");
    assert_eq!(got.len(), DOMAINS);
    let run = &run["run"];
    assert_eq!(run["domains"], DOMAINS);
    assert_eq!(
        (&run["errors"], &run["warnings"], &run["info"]),
        (
            &serde_json::json!(errors),
            &serde_json::json!(warnings),
            &serde_json::json!(info)
        )
    );
    assert_eq!(run["incomplete"], incomplete);
    assert!(run.get("error").is_none(), "{run}");
    run.clone()
}

/// The counts of a run line, without what may differ between runs of the same list.
fn counts(run: &serde_json::Value) -> Vec<serde_json::Value> {
    ["domains", "errors", "warnings", "info", "incomplete"]
        .iter()
        .map(|key| run[key].clone())
        .collect()
}

#[test]
#[allow(clippy::print_stderr)] // the seed, to replay a failure
fn a_run_killed_at_random_moments_resumes_to_the_whole_list() {
    let seed = seed();
    eprintln!("MAILCHECK_RESUME_SEED={seed}");
    let mut random = Random(seed);
    let dir = scratch("killed");
    let file = dir.join("out.ndjson");
    let started = Instant::now();

    // Where each round is stopped, as a number of whole lines in the file: at once (maybe
    // before the file is even read), anywhere, and near the end.
    let mut targets: Vec<Option<usize>> = vec![None];
    for _ in 0..6 {
        targets.push(Some(random.between(1, DOMAINS - 1)));
    }
    targets.push(Some(DOMAINS - 15));
    targets.sort();
    // Ctrl-C in the middle of the list.
    let interrupt_round = targets.len() / 2;
    let mut killed = 0;
    for (round, target) in targets.into_iter().enumerate() {
        let mut child = resume_command(&file, &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("mailcheck starts");
        let reached = match target {
            None => {
                std::thread::sleep(Duration::from_millis(random.between(0, 40) as u64));
                true
            }
            Some(lines) => wait_for_lines(&mut child, &file, lines),
        };
        if reached {
            // A little later still, so the kill can fall in the middle of a write.
            std::thread::sleep(Duration::from_micros(random.between(0, 3000) as u64));
            if round == interrupt_round {
                // Ctrl-C: the run writes a run line saying `interrupted`.
                let status = Command::new("kill")
                    .args(["-INT", &child.id().to_string()])
                    .status()
                    .expect("kill -INT");
                assert!(status.success());
            } else {
                let _ = child.kill();
            }
            killed += 1;
        }
        let output = child.wait_with_output().expect("mailcheck ends");
        assert!(
            output.stdout.is_empty(),
            "--resume wrote to stdout: {:?}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_ne!(output.status.code(), Some(2), "round {round}");
        if output.status.code() == Some(130) {
            // Interrupted: the file ends with a run line that says so (dropped on resume).
            let text = std::fs::read_to_string(&file).unwrap();
            let last: serde_json::Value =
                serde_json::from_str(text.lines().last().unwrap()).unwrap();
            assert_eq!(last["run"]["error"]["kind"], "interrupted", "{last}");
        }
        eprintln!(
            "round {round}: stopped at {target:?} lines ({:?}), {} lines, {:?} in all",
            output.status,
            lines_in(&file),
            started.elapsed()
        );
    }
    // Then to the end, and once more over a finished file: it stays the same.
    let output = resume_command(&file, &[]).output().expect("mailcheck runs");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.is_empty());
    let run = check_finished(&file);
    eprintln!("finished, {:?} in all", started.elapsed());
    let before = std::fs::read(&file).unwrap();
    let again = resume_command(&file, &[]).output().expect("mailcheck runs");
    assert_eq!(again.status.code(), output.status.code());
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "a finished file changed"
    );

    // The same counts, and exit code, as one uninterrupted run.
    let whole = dir.join("whole.ndjson");
    let uninterrupted = resume_command(&whole, &[])
        .output()
        .expect("mailcheck runs");
    assert_eq!(uninterrupted.status.code(), output.status.code());
    assert_eq!(counts(&check_finished(&whole)), counts(&run));
    assert!(killed >= 2, "only {killed} rounds were stopped");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_file_that_is_not_mailcheck_output_is_refused_and_kept() {
    let dir = scratch("refused");
    let file = dir.join("notes.txt");
    let text = "{\"domain\":\"d1.resume.test\",\"status\":\"complete\",\"summary\":{\"errors\":0,\"warnings\":0,\"info\":0}}\nmy notes \u{1b}[31m\n";
    std::fs::write(&file, text).unwrap();
    let output = resume_command(&file, &[]).output().expect("mailcheck runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 2 is not a JSON object"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);

    // A format other than NDJSON, and no domains at all, are refused too.
    let output = resume_command(&file, &["--format", "json"])
        .output()
        .expect("mailcheck runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--format json"));
    let output = mailcheck()
        .arg("--resume")
        .arg(&file)
        .output()
        .expect("mailcheck runs");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn shards_audit_every_domain_once_and_resume_apart() {
    let dir = scratch("shards");
    let count = 3;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut sizes = Vec::new();
    for index in 1..=count {
        let file = dir.join(format!("shard-{index}.ndjson"));
        let shard = format!("{index}/{count}");
        let output = resume_command(&file, &["--shard", &shard])
            .output()
            .expect("mailcheck runs");
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{shard}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(&file).unwrap();
        let mut size = 0;
        for line in text.lines() {
            let line: serde_json::Value = serde_json::from_str(line).unwrap();
            if let Some(domain) = line["domain"].as_str() {
                *seen.entry(domain.to_owned()).or_default() += 1;
                size += 1;
            } else {
                assert_eq!(line["run"]["domains"], size, "{shard}");
            }
        }
        sizes.push(size);
    }
    assert_eq!(seen.len(), DOMAINS, "shard sizes {sizes:?}");
    assert!(seen.values().all(|&times| times == 1));
    // Balanced: each shard within a fifth of an equal share of 300.
    assert!(
        sizes.iter().all(|&size| (80..=120).contains(&size)),
        "{sizes:?}"
    );

    // A shard out of range is refused before anything is read.
    let output = resume_command(&dir.join("x.ndjson"), &["--shard", "4/3"])
        .output()
        .expect("mailcheck runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("out of range"));
    assert!(!dir.join("x.ndjson").exists());
}
