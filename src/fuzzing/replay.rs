//! The `replay_file` fuzz target: the `--replay` reader given a path, as the command line gives
//! it. The path is chosen by the input's first byte (a regular file holding the rest of the
//! input, a symbolic link to it, a directory, a dangling link, a character device, a FIFO, a
//! sparse file over the cap, or a file name taken from the input), and read with
//! [`crate::sources::read_replay`]. The promises checked: no panic and no hang, whatever the path
//! leads to; what is not a regular file, or is over the cap, is refused with a message naming
//! the path; a file that reads is answered from, and written back the same.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::dns::replay::{DnsAnswers, ReplaySource};
use crate::dns::{DnsSource, Name, RecordType};
use crate::sources::{MAX_REPLAY_BYTES, SourceError, read_replay};

/// Reads the replay file that `data` describes; panics when a promise is broken.
pub fn replay_file_target(data: &[u8]) {
    let Some(scratch) = scratch() else {
        return;
    };
    let (selector, contents) = data.split_first().unwrap_or((&0, &[]));
    let answers = scratch.join("answers.json");
    std::fs::write(&answers, contents).expect("write the fuzz file");
    let (path, refused) = match selector % 8 {
        0 | 1 => (answers, false),
        2 => (scratch.join("link.json"), false),
        3 => (scratch.to_path_buf(), true),
        4 => (scratch.join("dangling.json"), true),
        5 => (PathBuf::from("/dev/zero"), true),
        6 => (scratch.join("fifo"), true),
        _ => (scratch.join(file_name(contents)), false),
    };
    match read_replay(&path) {
        Ok(answers) => {
            assert!(!refused, "{} was read", path.display());
            check_answers(&answers);
        }
        Err(error) => check_error(&error, &path),
    }
    if selector % 8 == 7 {
        return;
    }
    // Over the cap, whatever it holds: refused before a byte is read.
    let big = scratch.join("big.json");
    assert!(matches!(
        read_replay(&big),
        Err(SourceError::ReplayRead { .. })
    ));
}

/// A file that was read: it answers what it holds, and writes back the same answers.
fn check_answers(answers: &DnsAnswers) {
    let again = DnsAnswers::from_json(&answers.to_json()).expect("a written file reads back");
    assert_eq!(&again, answers, "the answers changed on the way back");
    let source = ReplaySource::new(answers.clone());
    let name = Name::new("example.com");
    let query = source.query(&name, RecordType::Txt);
    assert!(
        futures_util::FutureExt::now_or_never(query).is_some(),
        "a replay answer waited"
    );
}

fn check_error(error: &SourceError, path: &Path) {
    let message = error.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "{message} does not name {}",
        path.display()
    );
}

/// A file name in the scratch directory made of the input's first line (no separators, so that
/// it stays there; the file mostly does not exist).
fn file_name(contents: &[u8]) -> String {
    let line = contents.split(|&b| b == b'\n').next().unwrap_or_default();
    let name: String = String::from_utf8_lossy(line)
        .chars()
        .filter(|&c| c != '/' && c != '\0')
        .take(64)
        .collect();
    if name.is_empty() || name == "." || name == ".." {
        "answers.json".to_owned()
    } else {
        name
    }
}

/// The scratch directory of this process, made once: a link to `answers.json`, a dangling
/// link, a FIFO (where `mkfifo` is there) and a sparse file one byte over the cap.
fn scratch() -> Option<&'static Path> {
    static ROOT: OnceLock<Option<PathBuf>> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root =
            std::env::temp_dir().join(format!("mailcheck-fuzz-replay-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).ok()?;
        std::fs::File::create(root.join("big.json"))
            .and_then(|file| file.set_len(MAX_REPLAY_BYTES + 1))
            .ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink("answers.json", root.join("link.json")).ok()?;
            symlink("nowhere.json", root.join("dangling.json")).ok()?;
        }
        // Without mkfifo, `fifo` does not exist: refused all the same.
        let _ = std::process::Command::new("mkfifo")
            .arg(root.join("fifo"))
            .status();
        Some(root)
    })
    .as_deref()
}
