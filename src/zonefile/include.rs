//! `$INCLUDE` (RFC 1035 §5.1): which files a zone file may read, and how a path is resolved.
//!
//! A zone file may come from someone else (a pull request checked in CI), and what it includes
//! is quoted, line by line, in the report wherever it is not zone-file syntax. So by default an
//! `$INCLUDE` reads only files under the directory of the `--zone` file, much as BIND
//! confines relative paths to its `directory` option: the path is resolved (`..` and symbolic
//! links) and refused when it leads anywhere else. `--zone-include-any` lifts this for zone
//! files one trusts. A refused path is named as written (escaped) and never opened.
//!
//! The check is made twice: first on the path as written, made absolute with `..` folded
//! (so that `/etc/shadow` or `../../x` is refused without even asking whether it exists),
//! then on the canonical path (so that a symbolic link inside the directory cannot lead out
//! of it). The file is then read through its canonical path, the one that was checked.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::escape::{escape, excerpt};
use crate::files::FileError;

/// How many characters of an `$INCLUDE` path a message quotes.
const PATH_CHARS: usize = 200;

/// Where `$INCLUDE` may read from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IncludeScope {
    /// Only files under the directory of the `--zone` file (the default).
    #[default]
    ZoneDirectory,
    /// Any file the process can read (`--zone-include-any`).
    Anywhere,
}

/// A file that zone-file text is read from: a `--zone` file, or a file it includes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// How locations name it: the path as given on the command line, or the including file's
    /// directory joined with the `$INCLUDE` path (escaped).
    pub label: Arc<str>,
    /// That path, against whose directory the `$INCLUDE`s inside the file are resolved.
    pub path: PathBuf,
    /// What identifies the file (its canonical path): including a file that is still being
    /// read is a loop.
    pub id: PathBuf,
}

impl SourceFile {
    /// A file known by one name only (text that is not on disk, tests): `name` is its label,
    /// path and identity.
    pub fn named(name: &str) -> Self {
        SourceFile {
            label: Arc::from(name),
            path: PathBuf::from(name),
            id: PathBuf::from(name),
        }
    }
}

/// Finds and reads the files `$INCLUDE` names.
pub trait IncludeLoader {
    /// The file that `written` (the path as written in `from`) names, or why it may not be
    /// read: a sentence that names the path as written, escaped, and nothing of its contents.
    fn resolve(&mut self, from: &SourceFile, written: &str) -> Result<SourceFile, String>;

    /// The contents of a file [`IncludeLoader::resolve`] gave, if it holds at most `limit`
    /// bytes.
    fn read(&mut self, file: &SourceFile, limit: u64) -> Result<Vec<u8>, FileError>;
}

/// Reads included files from disk, within a scope.
#[derive(Clone, Debug)]
pub struct DiskIncludes {
    scope: IncludeScope,
    /// The `--zone` file's directory, absolute, with `.` and `..` folded as written.
    lexical_root: PathBuf,
    /// The same directory, canonical.
    root: PathBuf,
    /// How messages name that directory: as the user gave it, escaped.
    shown_root: String,
}

impl DiskIncludes {
    /// The loader for the `--zone` file at `top`, and that file as the first of the files being
    /// read. Fails only when the file's directory or the file cannot be resolved.
    pub fn for_zone(top: &Path, scope: IncludeScope) -> std::io::Result<(SourceFile, Self)> {
        let directory = directory_of(top);
        let loader = DiskIncludes {
            scope,
            lexical_root: fold(&std::path::absolute(directory)?),
            root: std::fs::canonicalize(directory)?,
            shown_root: format!("\"{}\"", escape(&directory.display().to_string())),
        };
        let file = SourceFile {
            label: Arc::from(top.display().to_string().as_str()),
            path: top.to_path_buf(),
            id: std::fs::canonicalize(top)?,
        };
        Ok((file, loader))
    }

    /// The path `joined` leads to, if the scope allows it: its canonical form.
    fn allowed(&self, joined: &Path, shown: &str) -> Result<PathBuf, String> {
        let confined = self.scope == IncludeScope::ZoneDirectory;
        if confined {
            let absolute =
                std::path::absolute(joined).map_err(|error| format!("{shown}: {error}"))?;
            if !fold(&absolute).starts_with(&self.lexical_root) {
                return Err(self.outside(shown, "is outside"));
            }
        }
        let canonical =
            std::fs::canonicalize(joined).map_err(|error| format!("{shown}: {error}"))?;
        if confined && !canonical.starts_with(&self.root) {
            return Err(self.outside(shown, "leads through a symbolic link outside"));
        }
        Ok(canonical)
    }

    fn outside(&self, shown: &str, how: &str) -> String {
        format!(
            "{shown} {how} the --zone file's directory {} and is not read (a zone file may \
             include only files under its own directory; --zone-include-any allows any path)",
            self.shown_root
        )
    }
}

impl IncludeLoader for DiskIncludes {
    fn resolve(&mut self, from: &SourceFile, written: &str) -> Result<SourceFile, String> {
        let shown = show_path(written);
        // An absolute path replaces the directory when joined. A bare file name stays bare
        // (`keys.txt`, not `./keys.txt`), as locations have always named it.
        let joined = from.path.parent().unwrap_or(Path::new("")).join(written);
        let id = self.allowed(&joined, &shown)?;
        Ok(SourceFile {
            label: Arc::from(escape(&joined.display().to_string()).as_ref()),
            path: joined,
            id,
        })
    }

    fn read(&mut self, file: &SourceFile, limit: u64) -> Result<Vec<u8>, FileError> {
        crate::files::read_capped(&file.id, limit)
    }
}

/// An `$INCLUDE` path as messages show it: in quotes, escaped, at most 200 characters long.
pub fn show_path(written: &str) -> String {
    format!("\"{}\"", excerpt(written, PATH_CHARS))
}

/// The directory of `path` (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// `path` with `.` dropped and each `..` removing the component before it, as written (no
/// symbolic link is followed; `..` at the root stays at the root).
fn fold(path: &Path) -> PathBuf {
    let mut folded = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                folded.pop();
            }
            other => folded.push(other),
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory for one test, canonical (the temporary directory may be a link).
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("mailcheck-include-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("zones/sub")).unwrap();
        std::fs::create_dir_all(dir.join("outside")).unwrap();
        std::fs::write(dir.join("zones/top.zone"), "").unwrap();
        std::fs::write(dir.join("zones/keys.txt"), "").unwrap();
        std::fs::write(dir.join("zones/sub/more.txt"), "").unwrap();
        std::fs::write(dir.join("outside/secret.txt"), "").unwrap();
        std::fs::canonicalize(dir).unwrap()
    }

    fn loader(dir: &Path, scope: IncludeScope) -> (SourceFile, DiskIncludes) {
        DiskIncludes::for_zone(&dir.join("zones/top.zone"), scope).unwrap()
    }

    #[test]
    fn folds_dots_as_written() {
        assert_eq!(fold(Path::new("/a/./b/../c")), Path::new("/a/c"));
        assert_eq!(fold(Path::new("/../../etc")), Path::new("/etc"));
        assert_eq!(fold(Path::new("a/../../b")), Path::new("b"));
    }

    #[test]
    fn includes_under_the_zone_directory_are_read() {
        let dir = scratch("inside");
        let (top, mut loader) = loader(&dir, IncludeScope::ZoneDirectory);
        let keys = loader.resolve(&top, "keys.txt").unwrap();
        assert_eq!(keys.id, dir.join("zones/keys.txt"));
        assert_eq!(
            &*keys.label,
            dir.join("zones/keys.txt").display().to_string()
        );
        // Relative to the including file's directory, `..` allowed while it stays inside.
        let more = loader.resolve(&top, "sub/more.txt").unwrap();
        let back = loader.resolve(&more, "../keys.txt").unwrap();
        assert_eq!(back.id, keys.id);
        let absolute = dir.join("zones/sub/more.txt").display().to_string();
        assert_eq!(loader.resolve(&top, &absolute).unwrap().id, more.id);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn paths_leading_outside_are_refused_unless_any_is_allowed() {
        let dir = scratch("outside");
        let (top, mut confined) = loader(&dir, IncludeScope::ZoneDirectory);
        for written in [
            "../outside/secret.txt",
            "/etc/passwd",
            "sub/../../outside/secret.txt",
        ] {
            let error = confined.resolve(&top, written).unwrap_err();
            assert!(
                error.contains(" is outside the --zone file's directory"),
                "{written}: {error}"
            );
            assert!(error.contains(&format!("\"{written}\"")), "{error}");
        }
        // Refused before the file system is asked: a missing file outside is "outside" too.
        let error = confined.resolve(&top, "/nonexistent/x").unwrap_err();
        assert!(error.contains(" is outside "), "{error}");
        let (top, mut any) = loader(&dir, IncludeScope::Anywhere);
        let secret = any.resolve(&top, "../outside/secret.txt").unwrap();
        assert_eq!(secret.id, dir.join("outside/secret.txt"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_out_of_the_directory_is_refused() {
        let dir = scratch("link");
        std::os::unix::fs::symlink(dir.join("outside/secret.txt"), dir.join("zones/link.txt"))
            .unwrap();
        std::os::unix::fs::symlink(dir.join("outside"), dir.join("zones/out")).unwrap();
        // `out/../keys.txt` reads as `zones/keys.txt` but is `outside/../keys.txt` on disk.
        std::fs::write(dir.join("keys.txt"), "").unwrap();
        let (top, mut loader) = loader(&dir, IncludeScope::ZoneDirectory);
        for written in ["link.txt", "out/secret.txt", "out/../keys.txt"] {
            let error = loader.resolve(&top, written).unwrap_err();
            assert!(
                error.contains("leads through a symbolic link outside"),
                "{written}: {error}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn paths_are_shown_escaped_and_short() {
        assert_eq!(show_path("a\nb"), "\"a\\x0ab\"");
        assert_eq!(show_path(&"x".repeat(500)).chars().count(), PATH_CHARS + 3);
    }
}
