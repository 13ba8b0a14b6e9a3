//! Reading real zone files (RFC 1035 §5) into mailcheck's own types, for `--zone`.
//!
//! hickory 0.26's zone parser gets quoted strings inside parentheses wrong (it keeps the quotes,
//! splits at spaces, and takes a `;` inside quotes for a comment), decodes `\DDD` escapes wrongly
//! (`\059` becomes U+0509), and gives no line numbers; a DKIM key is usually written exactly
//! that way. NLnet Labs' `domain` crate reads them correctly, but its scanner stops at
//! the first error (calling it again after one panics). So `lexer` splits the file into
//! entries first (it tracks quotes, parentheses, comments and escapes the same way), and each
//! entry goes to `domain` on its own, with the state carried between entries here: `$ORIGIN`,
//! `$TTL`, the previous owner (for a blank owner field) and the previous TTL. One bad record
//! costs only itself, and every problem is reported with its file and line.
//!
//! Two things `domain` does not do are done here: BIND's TTL units (`1h`, `2d`, common in real
//! files) in `$TTL`, the TTL field and the SOA timers; and character-strings over 255 octets,
//! which `domain` refuses but which mailcheck must keep to report them as
//! `zone-txt-string-too-long` (and run every other rule on what the author meant). Type-99 SPF
//! records are read with TXT syntax, which is theirs (RFC 4408 §3.1.1).
//!
//! Records of types mailcheck does not model keep their owner and type ([`ZoneRecord::data`]
//! is `None`): they decide NODATA versus NXDOMAIN, zone cuts (NS) and the CNAME-and-other-data
//! lint. A record that could not be read is kept as an [`UnreadableRecord`] when its owner and
//! type are known, so that a query for it fails instead of finding nothing.
//!
//! A zone file may come from someone else (a pull request checked in CI), so reading one is
//! bounded and private: `$INCLUDE` reads only under the `--zone` file's directory unless told
//! otherwise (`include`), a file already being read is not included again, what one `--zone`
//! may cost is capped ([`Limits`]: bytes, entries, includes, depth, problems shown), and a
//! message quotes at most [`EXCERPT_CHARS`] escaped characters of a line that could not be read.
//! A zone of which a part was not read is [`Zone::incomplete`].

#[doc(hidden)]
pub mod fuzzing;
mod generate;
mod include;
pub(crate) mod lexer;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use bytes::Bytes;
use domain::base::iana::{Class, Rtype};
use domain::rdata::ZoneRecordData;
use domain::zonefile::inplace::{Entry, Zonefile};

use crate::domain::Name;
use crate::escape::{EXCERPT_CHARS, excerpt, excerpt_bytes};
use crate::files::{FileError, Size};
use crate::rr::{RecordData, RecordType};
pub use generate::MAX_GENERATE;
pub use include::{DiskIncludes, IncludeLoader, IncludeScope, SourceFile, show_path};
use lexer::{RawEntry, Token};

type DomainName = domain::base::Name<Bytes>;

/// The most bytes one `--zone` reads: the file and every file it includes, counted each time
/// it is included. Real zone files are far smaller (a zone of 100,000 records is about 5 MB);
/// the cap keeps a hostile include tree from costing more than a few hundred megabytes.
pub const MAX_ZONE_BYTES: u64 = 64 << 20;

/// The most entries (records, directives, and lines that are neither) one `--zone` reads,
/// its includes counted. Memory grows with the records kept, not with the bytes.
pub const MAX_ZONE_ENTRIES: usize = 1_000_000;

/// The most `$INCLUDE` directives one `--zone` follows: each costs a few system calls, and a
/// file that includes another ten times, which includes another ten times, and so on, would
/// otherwise ask for 10^8 files.
pub const MAX_INCLUDES: usize = 10_000;

/// How deep `$INCLUDE` may nest.
pub const MAX_INCLUDE_DEPTH: usize = 8;

/// The most problems reported for one zone (its includes counted); the rest are counted in
/// one last problem. A binary file has a problem on every line.
pub const MAX_PROBLEMS: usize = 1_000;

/// The TTL of a record that has none, before any `$TTL` or explicit TTL (`domain`'s default).
const DEFAULT_TTL: u32 = 3600;

/// Where something is in the zone files: a file as the user named it, and a line (1-based).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file, as given on the command line (or the including file's directory joined with
    /// the `$INCLUDE` path).
    pub file: Arc<str>,
    /// The line, 1-based.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One record of a zone file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneRecord {
    /// The owner name, absolute.
    pub name: Name,
    /// Its TTL in seconds.
    pub ttl: u32,
    /// The type code (1 = A, 16 = TXT, ...), for every type, modelled or not.
    pub rtype: u16,
    /// The data, for the types mailcheck models (A, AAAA, CNAME, MX, PTR, TXT, SPF).
    pub data: Option<RecordData>,
    /// Where it was written.
    pub location: Location,
}

/// A record whose owner and type are known but whose data could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadableRecord {
    /// The owner name.
    pub name: Name,
    /// The type code; [`ANY_TYPE`] when the type is not known either.
    pub rtype: u16,
    /// Where it was written.
    pub location: Location,
    /// Why it could not be read.
    pub message: String,
}

/// Something in the file that could not be read, at a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Where.
    pub location: Location,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The cause without what is particular to the line (its owner name), so that the lines
    /// failing for one reason (one unknown type repeated 600 times) make one finding.
    pub cause: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// A character-string longer than the 255 octets its length byte can count (RFC 1035 §3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LongString {
    /// The owner of the record.
    pub name: Name,
    /// The record's type code (TXT or SPF).
    pub rtype: u16,
    /// Which character-string of the record, 0-based.
    pub index: usize,
    /// Its length in octets.
    pub length: usize,
    /// Where the record was written.
    pub location: Location,
}

/// A zone file, read.
#[derive(Clone, Debug, Default)]
pub struct Zone {
    /// The file, as the user named it.
    pub file: Arc<str>,
    /// The zone's apex: the origin the file was read with (given with it), else the owner of
    /// the SOA record, else the first `$ORIGIN` (provider exports often have no SOA). `None`
    /// when the file has none of them, so it cannot be used.
    pub origin: Option<Name>,
    /// Where [`Zone::origin`] came from.
    pub origin_from: OriginFrom,
    /// Whether a line needed an origin before the file set one (a relative name or `@`
    /// before any `$ORIGIN`, with no origin given): the usual BIND file, whose origin is in
    /// named.conf. The caller may read it again with an origin from elsewhere.
    pub needed_origin: bool,
    /// Every record that was read, in file order.
    pub records: Vec<ZoneRecord>,
    /// Records whose data could not be read (also reported in `errors`).
    pub unreadable: Vec<UnreadableRecord>,
    /// Everything that could not be read.
    pub errors: Vec<ParseError>,
    /// Character-strings over 255 octets (the records are kept, with the strings as written).
    pub long_strings: Vec<LongString>,
    /// Whether part of the zone was not read: an `$INCLUDE` that was refused or could not be
    /// read, or a cap that was reached (each is in `errors`). A name the zone does not hold
    /// may then be in the part not read, so it cannot be called missing.
    pub incomplete: bool,
}

/// Where a zone's origin (its apex) came from, said in the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OriginFrom {
    /// Not known: the file cannot be used.
    #[default]
    Unknown,
    /// Given with the file (`--zone example.com=FILE`).
    Given,
    /// The file's first `$ORIGIN`.
    Directive,
    /// The owner of the file's SOA record (written as an absolute name).
    Soa,
    /// The audited domain (one domain audited, one `--zone` file).
    AuditedDomain,
    /// The file's name (`example.com.zone`, `db.example.com`).
    FileName,
}

impl OriginFrom {
    /// How the report says it.
    pub fn describe(self) -> &'static str {
        match self {
            OriginFrom::Unknown => "unknown",
            OriginFrom::Given => "given with --zone NAME=FILE",
            OriginFrom::Directive => "the file's first $ORIGIN",
            OriginFrom::Soa => "the owner of the file's SOA record",
            OriginFrom::AuditedDomain => {
                "the audited domain (the file has no $ORIGIN before its first relative name)"
            }
            OriginFrom::FileName => {
                "the file's name (the file has no $ORIGIN before its first relative name)"
            }
        }
    }
}

/// What reading one `--zone` may cost, its `$INCLUDE`s counted (the defaults are the `MAX_`
/// constants of this module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes read, each file counted each time it is read.
    pub bytes: u64,
    /// Entries read: records, directives, and lines that are neither.
    pub entries: usize,
    /// `$INCLUDE` directives followed.
    pub includes: usize,
    /// How deep `$INCLUDE` nests.
    pub depth: usize,
    /// Problems reported (the rest are counted in one more).
    pub problems: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            bytes: MAX_ZONE_BYTES,
            entries: MAX_ZONE_ENTRIES,
            includes: MAX_INCLUDES,
            depth: MAX_INCLUDE_DEPTH,
            problems: MAX_PROBLEMS,
        }
    }
}

/// How to read a `--zone` file from disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Where `$INCLUDE` may read from.
    pub scope: IncludeScope,
    /// What reading may cost.
    pub limits: Limits,
}

/// The type code of a type mailcheck asks for.
pub fn type_code(rtype: RecordType) -> u16 {
    match rtype {
        RecordType::A => 1,
        RecordType::Cname => 5,
        RecordType::Ptr => 12,
        RecordType::Mx => 15,
        RecordType::Txt => 16,
        RecordType::Aaaa => 28,
        RecordType::Spf => 99,
    }
}

/// The mnemonic of a type code (`TXT`, `TYPE65280` for one with no name).
pub fn type_name(code: u16) -> String {
    Rtype::from_int(code).to_string()
}

const SOA: u16 = 6;
/// The type of an [`UnreadableRecord`] whose type is not known (an unknown mnemonic such as
/// gdnsd's `DYNA`): it stands for every type of its name. Type 0 is reserved (RFC 6895 §3.1),
/// so no real record has it.
pub const ANY_TYPE: u16 = 0;
const TXT: u16 = 16;
const SPF: u16 = 99;

/// Reads a zone file from disk with the default [`LoadOptions`]: `$INCLUDE` only under the
/// file's directory, and the `MAX_` caps.
pub fn load(path: &Path) -> Result<Zone, FileError> {
    load_with(path, &LoadOptions::default())
}

/// Reads a zone file from disk. `$INCLUDE` paths are relative to the including file's
/// directory, and read only where `options.scope` allows. Only a file that cannot be read at
/// all (missing, not a regular file, over the byte cap) is an error; problems inside it,
/// refused includes among them, are in [`Zone::errors`].
pub fn load_with(path: &Path, options: &LoadOptions) -> Result<Zone, FileError> {
    load_with_origin(path, options, None)
}

/// [`load_with`], reading the file as if it began with `$ORIGIN origin` (the zone's name
/// from elsewhere, as named.conf gives it to BIND). An origin [`OriginFrom::Given`] is the
/// zone's apex; one guessed (from the audited domain or the file's name) is the apex only when
/// the file has no SOA record and no `$ORIGIN` of its own.
pub fn load_with_origin(
    path: &Path,
    options: &LoadOptions,
    origin: Option<(&Name, OriginFrom)>,
) -> Result<Zone, FileError> {
    let text = crate::files::read_capped(path, options.limits.bytes)?;
    let (file, mut loader) = DiskIncludes::for_zone(path, options.scope)?;
    Ok(read_text(
        &file,
        &text,
        origin,
        Some(&mut loader),
        false,
        options.limits,
    ))
}

/// Reads zone-file text with no `$INCLUDE` support (an `$INCLUDE` is reported as an error).
/// `file` is only used to label locations. Never panics, whatever the input.
pub fn parse(file: &str, text: &[u8]) -> Zone {
    parse_with(file, text, None, None)
}

/// Reads zone-file text starting with `origin` (as if the file began with `$ORIGIN`), using
/// `loader` for `$INCLUDE`, with the default [`Limits`].
pub fn parse_with(
    file: &str,
    text: &[u8],
    origin: Option<&Name>,
    loader: Option<&mut dyn IncludeLoader>,
) -> Zone {
    read_text(
        &SourceFile::named(file),
        text,
        origin.map(|origin| (origin, OriginFrom::Given)),
        loader,
        false,
        Limits::default(),
    )
}

/// Reads a list of records in zone-file syntax that is not a zone (an `--expect` file): names
/// are relative to `origin` until a `$ORIGIN`, and records outside the zone's apex are kept in
/// [`Zone::records`] for the caller to judge, instead of being reported as errors. `$INCLUDE`
/// is reported as an error. Never panics, whatever the input.
pub fn parse_record_list(file: &str, text: &[u8], origin: &Name) -> Zone {
    read_text(
        &SourceFile::named(file),
        text,
        Some((origin, OriginFrom::Given)),
        None,
        true,
        Limits::default(),
    )
}

fn read_text(
    file: &SourceFile,
    text: &[u8],
    origin: Option<(&Name, OriginFrom)>,
    loader: Option<&mut dyn IncludeLoader>,
    keep_outside: bool,
    limits: Limits,
) -> Zone {
    let start = origin.and_then(|(name, from)| Some((to_domain_name(name).ok()?, from)));
    let mut reader = Reader {
        zone: Zone {
            file: Arc::clone(&file.label),
            ..Zone::default()
        },
        state: State {
            origin: start.as_ref().map(|(name, _)| name.clone()),
            last_owner: None,
            dollar_ttl: None,
        },
        last_ttl: DEFAULT_TTL,
        class: Class::IN,
        first_origin: None,
        start,
        loader,
        keep_outside,
        limits,
        budget: Budget {
            bytes_left: limits.bytes.saturating_sub(text.len() as u64),
            ..Budget::default()
        },
        stack: vec![file.id.clone()],
    };
    reader.read(file, text, 0);
    reader.finish()
}

/// What `$INCLUDE` saves and restores (RFC 1035 §5.1: the origin and the current owner revert
/// when the included file ends; `$TTL` too, as BIND does).
#[derive(Clone)]
struct State {
    origin: Option<DomainName>,
    last_owner: Option<DomainName>,
    dollar_ttl: Option<u32>,
}

/// What has been spent of the [`Limits`], and what could not be shown.
#[derive(Default)]
struct Budget {
    bytes_left: u64,
    entries: usize,
    includes: usize,
    /// Set when the entry cap is reached: nothing more is read.
    stopped: bool,
    /// Problems past [`Limits::problems`], and where the first of them was.
    hidden: usize,
    first_hidden: Option<Location>,
}

struct Reader<'l> {
    zone: Zone,
    state: State,
    last_ttl: u32,
    class: Class,
    /// The file's first `$ORIGIN` (not in an included file).
    first_origin: Option<DomainName>,
    /// The origin the file is read with before any `$ORIGIN`, and where it came from.
    start: Option<(DomainName, OriginFrom)>,
    loader: Option<&'l mut dyn IncludeLoader>,
    /// Keep records outside the apex (a record list, not a zone).
    keep_outside: bool,
    limits: Limits,
    budget: Budget,
    /// The files being read, outermost first: including one of them again is a loop.
    stack: Vec<PathBuf>,
}

impl Reader<'_> {
    fn error(&mut self, file: &Arc<str>, line: usize, message: impl Into<String>) {
        let location = Location {
            file: Arc::clone(file),
            line,
        };
        self.push_error(location, message);
    }

    /// Keeps a problem, or only counts it past [`Limits::problems`].
    fn push_error(&mut self, location: Location, message: impl Into<String>) {
        let message = message.into();
        self.push_error_cause(location, message.clone(), message);
    }

    /// Keeps a problem whose cause, said without the line's particulars, is `cause`.
    fn push_error_cause(&mut self, location: Location, message: String, cause: String) {
        if self.state.origin.is_none() && !self.keep_outside {
            // Whatever failed may have failed for want of an origin.
            self.zone.needed_origin = true;
        }
        if self.zone.errors.len() >= self.limits.problems {
            self.budget.hidden += 1;
            self.budget.first_hidden.get_or_insert(location);
            return;
        }
        self.zone.errors.push(ParseError {
            location,
            message,
            cause,
        });
    }

    /// [`Reader::error`] with a cause shared by other lines.
    fn error_cause(&mut self, file: &Arc<str>, line: usize, message: String, cause: String) {
        let location = Location {
            file: Arc::clone(file),
            line,
        };
        self.push_error_cause(location, message, cause);
    }

    fn read(&mut self, file: &SourceFile, text: &[u8], depth: usize) {
        let label = &file.label;
        for entry in lexer::entries(text) {
            if !self.spend_entry(label, entry.line) {
                return;
            }
            if let Some((line, message)) = &entry.problem {
                self.error(label, *line, message.clone());
                continue;
            }
            let Some(first) = entry.tokens.first() else {
                continue;
            };
            if !entry.blank_owner && !first.quoted && first.raw(text).starts_with(b"$") {
                self.directive(file, text, &entry, depth);
            } else {
                self.record(label, text, &entry);
            }
        }
    }

    /// Counts one entry against [`Limits::entries`]; `false` once the cap is reached (said
    /// once, and nothing more is read).
    fn spend_entry(&mut self, file: &Arc<str>, line: usize) -> bool {
        if self.budget.stopped {
            return false;
        }
        if self.budget.entries >= self.limits.entries {
            self.budget.stopped = true;
            self.zone.incomplete = true;
            let message = format!(
                "more than {} entries (records, directives and unreadable lines) in this zone \
                 and its $INCLUDEs, the most read for one --zone; the rest is not read",
                self.limits.entries
            );
            self.error(file, line, message);
            return false;
        }
        self.budget.entries += 1;
        true
    }

    fn directive(&mut self, source: &SourceFile, text: &[u8], entry: &RawEntry, depth: usize) {
        let file = &source.label;
        let line = entry.line;
        let directive = entry
            .tokens
            .first()
            .map(|token| token.raw(text))
            .unwrap_or_default();
        let name = String::from_utf8_lossy(directive).to_ascii_uppercase();
        let args = entry.tokens.get(1..).unwrap_or_default();
        let arg = |i: usize| args.get(i).map(|token: &Token| token.raw(text));
        match name.as_str() {
            "$ORIGIN" => {
                if args.len() != 1 {
                    self.error(file, line, "$ORIGIN takes exactly one domain name");
                    return;
                }
                match resolve_name(arg(0).unwrap_or_default(), self.state.origin.as_ref()) {
                    Ok(origin) => {
                        if depth == 0 && self.first_origin.is_none() {
                            self.first_origin = Some(origin.clone());
                        }
                        self.state.origin = Some(origin);
                    }
                    Err(message) => self.error(file, line, format!("$ORIGIN: {message}")),
                }
            }
            "$TTL" => match (args.len(), arg(0).and_then(lexer::ttl)) {
                (1, Some(Ok(ttl))) => self.state.dollar_ttl = Some(ttl),
                (1, Some(Err(message))) => self.error(file, line, format!("$TTL: {message}")),
                _ => self.error(
                    file,
                    line,
                    "$TTL takes exactly one TTL (seconds, or with units such as 1h or 1d)",
                ),
            },
            "$INCLUDE" => self.include(source, text, entry, depth),
            "$GENERATE" => self.generate(source, text, entry),
            _ => {
                // What the directive would have defined is not known: no name of the zone
                // can be called absent.
                self.zone.incomplete = true;
                let message = format!(
                    "unknown directive {}; only $ORIGIN, $TTL, $INCLUDE and $GENERATE are read",
                    excerpt(&name, EXCERPT_CHARS)
                );
                self.error_cause(file, line, message.clone(), message);
            }
        }
    }

    /// `$GENERATE range lhs [ttl] [class] type rhs` (see [`generate`]): each record is made
    /// as a line of text and read like any other line, with the directive's line number.
    fn generate(&mut self, source: &SourceFile, text: &[u8], entry: &RawEntry) {
        let file = &source.label;
        let line = entry.line;
        let args = entry.tokens.get(1..).unwrap_or_default();
        let fail = |reader: &mut Self, message: String| {
            // Which names it would have made is not known: none can be called absent.
            reader.zone.incomplete = true;
            let cause = message.clone();
            reader.error_cause(file, line, message, cause);
        };
        if !(4..=6).contains(&args.len()) {
            fail(
                self,
                "$GENERATE takes a range, a left-hand side, an optional TTL and class, a type \
                 and one right-hand side; not read"
                    .to_owned(),
            );
            return;
        }
        let range = match args.first().map(|token| generate::range(token.raw(text))) {
            Some(Ok(range)) => range,
            Some(Err(message)) => {
                fail(self, format!("$GENERATE: {message}; not read"));
                return;
            }
            None => return,
        };
        if range.count() > MAX_GENERATE {
            fail(
                self,
                format!(
                    "$GENERATE would make {} records, more than the {MAX_GENERATE} read from one \
                     $GENERATE; not read",
                    range.count()
                ),
            );
            return;
        }
        let (Some(lhs), Some(rhs)) = (args.get(1), args.last()) else {
            return;
        };
        let middle = args.get(2..args.len() - 1).unwrap_or_default();
        for value in range.values() {
            let expanded = generate::expand(lhs.content(text), value).and_then(|owner| {
                generate::expand(rhs.content(text), value).map(|data| (owner, data))
            });
            let (owner, data) = match expanded {
                Ok(expanded) => expanded,
                Err(message) => {
                    fail(self, format!("$GENERATE: {message}; not read"));
                    return;
                }
            };
            let mut made = owner;
            for token in middle {
                made.push(b' ');
                made.extend_from_slice(token.raw(text));
            }
            made.push(b' ');
            made.extend_from_slice(&data);
            let Some(mut made_entry) = lexer::entries(&made).next() else {
                continue;
            };
            if made_entry.blank_owner || made_entry.problem.is_some() {
                fail(
                    self,
                    "$GENERATE: a generated record is not one line of text; not read".to_owned(),
                );
                return;
            }
            if !self.spend_entry(file, line) {
                return;
            }
            made_entry.line = line;
            for token in &mut made_entry.tokens {
                token.line = line;
            }
            self.record(file, &made, &made_entry);
        }
    }

    fn include(&mut self, source: &SourceFile, text: &[u8], entry: &RawEntry, depth: usize) {
        let file = &source.label;
        let line = entry.line;
        let args = entry.tokens.get(1..).unwrap_or_default();
        let Some(path) = args
            .first()
            .and_then(|token| lexer::unescape(token.content(text)))
            .and_then(|path| String::from_utf8(path).ok())
        else {
            self.zone.incomplete = true;
            self.error(file, line, "$INCLUDE needs a file name");
            return;
        };
        if args.len() > 2 {
            self.zone.incomplete = true;
            self.error(
                file,
                line,
                "$INCLUDE takes a file name and an optional origin",
            );
            return;
        }
        let origin = match args.get(1) {
            Some(token) => match resolve_name(token.raw(text), self.state.origin.as_ref()) {
                Ok(origin) => Some(origin),
                Err(message) => {
                    self.zone.incomplete = true;
                    self.error(file, line, format!("$INCLUDE origin: {message}"));
                    return;
                }
            },
            None => self.state.origin.clone(),
        };
        let (included, contents) = match self.open_include(source, &path, depth) {
            Ok(opened) => opened,
            Err(message) => {
                // What the file would have held is unknown: no name can be called missing.
                self.zone.incomplete = true;
                self.error(file, line, format!("$INCLUDE {message}"));
                return;
            }
        };
        let saved = self.state.clone();
        self.state.origin = origin;
        self.state.last_owner = None;
        self.stack.push(included.id.clone());
        self.read(&included, &contents, depth + 1);
        self.stack.pop();
        self.state = saved;
    }

    /// The file an `$INCLUDE` of `path` (as written) in `from` names, and its contents; or
    /// why it is not read, naming the path as written and never anything the file holds.
    fn open_include(
        &mut self,
        from: &SourceFile,
        path: &str,
        depth: usize,
    ) -> Result<(SourceFile, Vec<u8>), String> {
        let shown = show_path(path);
        if depth >= self.limits.depth {
            return Err(format!(
                "{shown}: nested more than {} deep; not read",
                self.limits.depth
            ));
        }
        if self.budget.includes >= self.limits.includes {
            return Err(format!(
                "{shown}: more than {} $INCLUDEs in this zone, the most followed for one \
                 --zone; not read",
                self.limits.includes
            ));
        }
        self.budget.includes += 1;
        let Some(loader) = self.loader.as_deref_mut() else {
            return Err("is not supported here".to_owned());
        };
        let included = loader.resolve(from, path)?;
        if self.stack.contains(&included.id) {
            return Err(format!(
                "{shown}: {} is already being read (it includes itself, directly or through \
                 the files it includes); not read again",
                included.label
            ));
        }
        let contents =
            loader
                .read(&included, self.budget.bytes_left)
                .map_err(|error| match error {
                    FileError::TooLarge { .. } => format!(
                        "{shown}: the zone's files would be larger than {} together, the most read \
                     for one --zone; not read",
                        Size(self.limits.bytes)
                    ),
                    other => format!("{shown}: cannot read it: {other}"),
                })?;
        self.budget.bytes_left = self.budget.bytes_left.saturating_sub(contents.len() as u64);
        Ok((included, contents))
    }

    fn record(&mut self, file: &Arc<str>, text: &[u8], entry: &RawEntry) {
        if !owner_is_certain(entry, text) {
            // A template (`{{ host }} A ...`): which name the line defines is not known, so
            // no name of the zone can be called absent. Said as what it is, once per line,
            // not as whatever its tokens would be misread as.
            self.zone.incomplete = true;
            let first = entry
                .tokens
                .first()
                .map(|token| excerpt_bytes(token.raw(text)))
                .unwrap_or_default();
            let cause = "template syntax, not zone-file syntax: render the template, then \
                         check the file it produces"
                .to_owned();
            self.error_cause(file, entry.line, format!("{first}: {cause}"), cause);
            return;
        }
        let mut tokens = entry.tokens.iter();
        let Some(owner) = self.owner(file, text, entry, &mut tokens) else {
            // Like `domain` and BIND, a later blank owner must not inherit an older owner.
            self.state.last_owner = None;
            return;
        };
        self.state.last_owner = Some(owner.clone());
        let owner_name = from_domain_name(&owner);
        let Some(header) = self.header(file, text, entry, &owner_name, &mut tokens) else {
            return;
        };
        let location = Location {
            file: Arc::clone(file),
            line: entry.line,
        };
        let rdata: Vec<&Token> = tokens.collect();
        let own_strings = self.long_strings(text, &header, &rdata, &owner_name, &location);
        let chunk = domain_chunk(
            text,
            entry,
            (&owner, self.state.origin.as_ref()),
            &header,
            &rdata,
            own_strings.is_some(),
        );

        let mut scanner = Zonefile::new();
        scanner.extend_from_slice(&chunk);
        if let Some(origin) = &self.state.origin {
            scanner.set_origin(origin.clone());
        }
        scanner.set_default_class(self.class);
        let result = match scanner.next_entry() {
            Ok(Some(Entry::Record(record))) => match scanner.next_entry() {
                Ok(None) => Ok(record),
                _ => Err((1, "unexpected data after the record".to_owned())),
            },
            Ok(_) => Err((1, "the record data is missing".to_owned())),
            Err(error) => Err(split_error(&error.to_string())),
        };
        let code = header.code;
        match result {
            Ok(record) => {
                if header.class.is_some() {
                    self.class = record.class();
                }
                let data = match own_strings {
                    Some(strings) if code == SPF => Some(RecordData::Spf(strings)),
                    Some(strings) => Some(RecordData::Txt(strings)),
                    None => convert(record.data(), code == SPF),
                };
                self.zone.records.push(ZoneRecord {
                    name: owner_name,
                    ttl: header.ttl,
                    rtype: code,
                    data,
                    location,
                });
            }
            Err((line, message)) => {
                // `domain` may count the line feed that ends the entry; stay inside it.
                let last_line = entry.tokens.last().map_or(entry.line, |token| token.line);
                let line = (header.rtype.line + line.saturating_sub(1)).min(last_line);
                let message = format!("{} {}: {message}", quote_name(&owner_name), type_name(code));
                self.zone.unreadable.push(UnreadableRecord {
                    name: owner_name,
                    rtype: code,
                    location,
                    message: message.clone(),
                });
                self.error(file, line, message);
            }
        }
    }

    /// The owner: the first token, or the previous owner when the field is blank.
    fn owner<'e>(
        &mut self,
        file: &Arc<str>,
        text: &[u8],
        entry: &RawEntry,
        tokens: &mut impl Iterator<Item = &'e Token>,
    ) -> Option<DomainName> {
        if entry.blank_owner {
            if self.state.last_owner.is_none() {
                self.error(
                    file,
                    entry.line,
                    "the owner field is blank but no record comes before it",
                );
            }
            return self.state.last_owner.clone();
        }
        let token = tokens
            .next()
            .map(|token| token.raw(text))
            .unwrap_or_default();
        match resolve_name(token, self.state.origin.as_ref()) {
            Ok(owner) => Some(owner),
            Err(message) => {
                // Which name the line defines is not known, so no name of the zone can be
                // called absent: the zone counts as not read completely.
                self.zone.incomplete = true;
                let shown = excerpt_bytes(token);
                self.error_cause(
                    file,
                    entry.line,
                    format!("invalid owner name {shown}: {message}"),
                    format!("invalid owner name: {message}"),
                );
                None
            }
        }
    }

    /// `[<TTL>] [<class>] <type>` or `[<class>] [<TTL>] <type>` (RFC 1035 §5.1), with the TTL
    /// filled in from `$TTL` or the previous record when it is not written.
    fn header<'e>(
        &mut self,
        file: &Arc<str>,
        text: &[u8],
        entry: &RawEntry,
        owner: &Name,
        tokens: &mut impl Iterator<Item = &'e Token>,
    ) -> Option<Header<'e>> {
        // The owner may be any text of a line that is not a record at all: quote a little.
        let shown = quote_name(owner);
        let mut ttl = None;
        let mut class = None;
        let mut rtype = None;
        for token in tokens.by_ref() {
            let raw = token.raw(text);
            let ttl_value = if token.quoted || ttl.is_some() {
                None
            } else {
                lexer::ttl(raw)
            };
            if let Some(value) = ttl_value {
                match value {
                    Ok(value) => ttl = Some(value),
                    Err(message) => {
                        self.error(file, token.line, format!("{shown}: {message}"));
                        return None;
                    }
                }
                continue;
            }
            if !token.quoted
                && class.is_none()
                && std::str::from_utf8(raw).is_ok_and(|text| Class::from_str(text).is_ok())
            {
                class = Some(token);
                continue;
            }
            rtype = Some(token);
            break;
        }
        let Some(rtype) = rtype else {
            self.error(file, entry.line, format!("{shown}: no record type"));
            return None;
        };
        let type_text = String::from_utf8_lossy(rtype.raw(text));
        let code = match Rtype::from_str(&type_text) {
            Ok(code) if !rtype.quoted => code.to_int(),
            _ => {
                let cause = format!("unknown record type {}", excerpt(&type_text, EXCERPT_CHARS));
                let message = format!("{shown}: {cause}");
                if !is_mnemonic(rtype.raw(text)) {
                    // A template (`{{ host }} A ...`) or a line that is no record at all:
                    // which name it defines is not known, so no name can be called absent.
                    self.zone.incomplete = true;
                }
                // The name was written (gdnsd's DYNA, a template): what it holds is not
                // known, so no query for it may be answered "absent".
                self.zone.unreadable.push(UnreadableRecord {
                    name: owner.clone(),
                    rtype: ANY_TYPE,
                    location: Location {
                        file: Arc::clone(file),
                        line: rtype.line,
                    },
                    message: message.clone(),
                });
                self.error_cause(file, rtype.line, message, cause);
                return None;
            }
        };
        let ttl = match ttl {
            Some(ttl) => {
                self.last_ttl = ttl;
                ttl
            }
            None => self.state.dollar_ttl.unwrap_or(self.last_ttl),
        };
        Some(Header {
            ttl,
            class,
            rtype,
            code,
        })
    }

    /// TXT and SPF strings, decoded here as well when one is over 255 octets: `domain` refuses
    /// them, and mailcheck keeps them to report them (and to audit what the author meant).
    fn long_strings(
        &mut self,
        text: &[u8],
        header: &Header<'_>,
        rdata: &[&Token],
        owner: &Name,
        location: &Location,
    ) -> Option<Vec<Vec<u8>>> {
        if header.code != TXT && header.code != SPF {
            return None;
        }
        let strings: Vec<Vec<u8>> = rdata
            .iter()
            .map(|token| lexer::unescape(token.content(text)))
            .collect::<Option<_>>()?;
        let mut long = strings
            .iter()
            .enumerate()
            .filter(|(_, string)| string.len() > 255)
            .peekable();
        long.peek()?;
        for (index, string) in long {
            self.zone.long_strings.push(LongString {
                name: owner.clone(),
                rtype: header.code,
                index,
                length: string.len(),
                location: location.clone(),
            });
        }
        Some(strings)
    }

    fn finish(mut self) -> Zone {
        let needed_origin = self.zone.needed_origin;
        let soa = self
            .zone
            .records
            .iter()
            .find(|record| record.rtype == SOA)
            .map(|record| (record.name.clone(), record.location.clone()));
        // A later `$ORIGIN` (into a sub-zone half way through) only changes how relative
        // names are read: the zone is the given origin, else the SOA's owner, else the
        // first `$ORIGIN`.
        let given = self
            .start
            .as_ref()
            .map(|(name, from)| (from_domain_name(name), *from));
        let (origin, from) = match (&given, &soa, &self.first_origin) {
            (Some((name, OriginFrom::Given)), _, _) => (Some(name.clone()), OriginFrom::Given),
            // The SOA at a guessed origin (`@`) confirms the guess; say where it came from.
            (Some((name, from)), Some((owner, _)), _) if owner == name => {
                (Some(name.clone()), *from)
            }
            (_, Some((owner, _)), _) if !self.keep_outside => {
                (Some(owner.clone()), OriginFrom::Soa)
            }
            (_, _, Some(first)) => (Some(from_domain_name(first)), OriginFrom::Directive),
            (Some((name, from)), _, None) => (Some(name.clone()), *from),
            (None, _, None) => (None, OriginFrom::Unknown),
        };
        if let (Some(apex), Some((owner, location))) = (&origin, &soa)
            && owner != apex
            && !self.keep_outside
        {
            let message = format!(
                "the SOA record is at {owner}, not at the zone's origin {apex}: a name server \
                 refuses the zone"
            );
            self.push_error(location.clone(), message);
        }
        if origin.is_none() && (!self.zone.records.is_empty() || needed_origin) {
            let file = Arc::clone(&self.zone.file);
            let message = if needed_origin {
                "the zone's name is unknown: relative names (or @) come before any $ORIGIN and \
                 no origin was given, so the file cannot be used; name the zone with --zone \
                 example.com=FILE (as named.conf does for BIND), or audit one domain with one \
                 --zone file"
            } else {
                "the zone's name is unknown: no SOA record and no $ORIGIN, so the file cannot \
                 be used; name the zone with --zone example.com=FILE"
            };
            self.error(&file, 1, message);
        }
        if let Some(apex) = origin.as_ref().filter(|_| !self.keep_outside) {
            let (inside, outside): (Vec<ZoneRecord>, Vec<ZoneRecord>) =
                std::mem::take(&mut self.zone.records)
                    .into_iter()
                    .partition(|record| is_within(&record.name, apex));
            self.zone.records = inside;
            for record in outside {
                let message = format!(
                    "{} is outside the zone {apex}; name servers ignore it or refuse the zone",
                    record.name
                );
                self.push_error(record.location, message);
            }
        }
        self.zone.origin = origin;
        self.zone.origin_from = from;
        self.zone.needed_origin = needed_origin;
        self.zone.errors.sort_by(|a, b| a.location.cmp(&b.location));
        if let Some(location) = self.budget.first_hidden.take() {
            // Last, whatever its line: it stands for the problems after the ones shown.
            let message = format!(
                "{} more problems are not shown (at most {} are reported for one zone \
                 and its $INCLUDEs), the first of them here",
                self.budget.hidden, self.limits.problems
            );
            self.zone.errors.push(ParseError {
                location,
                cause: message.clone(),
                message,
            });
        }
        self.zone
    }
}

/// The fields of a record before its data.
struct Header<'e> {
    ttl: u32,
    class: Option<&'e Token>,
    rtype: &'e Token,
    code: u16,
}

/// The entry as `domain` gets it: absolute owner, explicit TTL, the class if given, then the
/// type and data exactly as written (so its line numbers still hold), with TTL units in SOA
/// timers, over-long strings (`blank_strings`) and `@` in a name field (the origin) replaced.
fn domain_chunk(
    text: &[u8],
    entry: &RawEntry,
    (owner, origin): (&DomainName, Option<&DomainName>),
    header: &Header<'_>,
    rdata: &[&Token],
    blank_strings: bool,
) -> Vec<u8> {
    let start = header.rtype.span.start;
    let mut chunk = Vec::with_capacity(entry.end.saturating_sub(start) + 64);
    chunk.extend_from_slice(&presentation(owner));
    chunk.extend_from_slice(format!(" {} ", header.ttl).as_bytes());
    if let Some(class) = header.class {
        chunk.extend_from_slice(class.raw(text));
        chunk.push(b' ');
    }
    // Parentheses opened before the type are closed after it.
    chunk.extend(std::iter::repeat_n(b'(', header.rtype.depth));
    chunk.extend_from_slice(if header.code == SPF {
        b"TXT"
    } else {
        header.rtype.raw(text)
    });
    let mut copied = header.rtype.span.end;
    for (index, token) in rdata.iter().enumerate() {
        let raw = token.raw(text);
        let replacement = if blank_strings {
            Some(b"\"\"".to_vec())
        } else if header.code == SOA
            && (3..=6).contains(&index)
            && !raw.iter().all(u8::is_ascii_digit)
        {
            match lexer::ttl(raw) {
                Some(Ok(seconds)) => Some(seconds.to_string().into_bytes()),
                _ => None,
            }
        } else if raw == b"@" && is_name_field(header.code, index) {
            // `@` stands for the origin in a name field of the data too (`CNAME @`, `MX 10
            // @`), as BIND reads it; `domain` would read it as a label.
            origin.map(presentation)
        } else {
            None
        };
        if let Some(replacement) = replacement {
            chunk.extend_from_slice(text.get(copied..token.span.start).unwrap_or_default());
            chunk.extend_from_slice(&replacement);
            copied = token.span.end;
        }
    }
    chunk.extend_from_slice(text.get(copied..entry.end).unwrap_or_default());
    chunk.push(b'\n');
    chunk
}

/// Whether the owner of `entry` is what its author wrote: a blank owner, or a first token
/// without the characters of a template language (`{{ host }}`, `{% if %}`, `<%= name %>`),
/// which no real owner name holds.
fn owner_is_certain(entry: &RawEntry, text: &[u8]) -> bool {
    entry.blank_owner
        || entry.tokens.first().is_some_and(|token| {
            !token
                .raw(text)
                .iter()
                .any(|byte| matches!(byte, b'{' | b'}' | b'%' | b'<' | b'>'))
        })
}

/// Whether `raw` has the shape of a type mnemonic (`DYNA`, `ALIAS`): a letter, then letters,
/// digits or hyphens. Anything else means the line was not split as a record.
fn is_mnemonic(raw: &[u8]) -> bool {
    raw.first().is_some_and(u8::is_ascii_alphabetic)
        && raw
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-')
}

/// A name taken from a line that could not be read, as messages quote it: escaped, and at
/// most [`EXCERPT_CHARS`] long, so that no file reaches a report whole through its errors.
fn quote_name(name: &Name) -> String {
    excerpt(name.as_str(), EXCERPT_CHARS)
}

/// Whether `name` is `apex` or below it.
pub fn is_within(name: &Name, apex: &Name) -> bool {
    apex.is_root()
        || name == apex
        || name
            .as_str()
            .strip_suffix(apex.as_str())
            .is_some_and(|head| head.ends_with('.'))
}

/// Splits `domain`'s `line:col: message` into the line and a message for people.
fn split_error(text: &str) -> (usize, String) {
    let mut parts = text.splitn(3, ':');
    let line = parts.next().and_then(|line| line.trim().parse().ok());
    let _column = parts.next();
    match (line, parts.next()) {
        (Some(line), Some(message)) => (line, explain_error(message.trim())),
        _ => (1, explain_error(text)),
    }
}

/// `domain`'s terse messages, said in full.
fn explain_error(message: &str) -> String {
    let explained = match message {
        "short buffer" | "unexpected end of entry" => "the record data is incomplete",
        "trailing tokens" => "unexpected data after the record",
        "bad name" => "invalid domain name",
        "bad charstr" => "a character-string is longer than 255 octets",
        "missing origin" => "a relative name, but no $ORIGIN before it",
        "unknown record type with concrete data" => {
            "this record type can only be written in the generic form (\\# LENGTH HEX)"
        }
        // `domain`'s own words, with at most a symbol of the input: kept short all the same.
        other => return excerpt(other, 2 * EXCERPT_CHARS),
    };
    explained.to_owned()
}

/// Resolves a name as written (relative to `origin` unless it ends with a dot; `@` is the
/// origin), by handing `domain` a one-line `$ORIGIN` entry.
fn resolve_name(raw: &[u8], origin: Option<&DomainName>) -> Result<DomainName, String> {
    if raw == b"@" {
        return origin
            .cloned()
            .ok_or_else(|| "@ is used before any $ORIGIN".to_owned());
    }
    let mut scanner = Zonefile::new();
    scanner.extend_from_slice(b"$ORIGIN ");
    scanner.extend_from_slice(raw);
    scanner.extend_from_slice(b"\n");
    if let Some(origin) = origin {
        scanner.set_origin(origin.clone());
    }
    match scanner.next_entry() {
        Ok(None) => scanner
            .origin()
            .map_err(|error| explain_error(&error.to_string())),
        Ok(Some(_)) => Err("not a domain name".to_owned()),
        Err(error) => Err(split_error(&error.to_string()).1),
    }
}

fn to_domain_name(name: &Name) -> Result<DomainName, String> {
    resolve_name(format!("{}.", name.as_str()).as_bytes(), None)
}

fn from_domain_name(name: &impl fmt::Display) -> Name {
    Name::new(&name.to_string())
}

/// The absolute presentation form of `name` (with the trailing dot), to hand back to `domain`.
/// Whether field `index` of the data of a record of type `code` is a domain name (for the
/// types whose data holds names: NS, CNAME, SOA, PTR, MX, SRV, DNAME).
fn is_name_field(code: u16, index: usize) -> bool {
    matches!(
        (code, index),
        (2 | 5 | 12 | 39, 0) | (SOA, 0 | 1) | (15, 1) | (33, 3)
    )
}

fn presentation(name: &DomainName) -> Vec<u8> {
    let text = name.to_string();
    if text.ends_with('.') {
        text.into_bytes()
    } else {
        format!("{text}.").into_bytes()
    }
}

/// mailcheck's data for the types it models.
fn convert<N: fmt::Display>(data: &ZoneRecordData<Bytes, N>, spf: bool) -> Option<RecordData> {
    Some(match data {
        ZoneRecordData::A(a) => RecordData::A(a.addr()),
        ZoneRecordData::Aaaa(aaaa) => RecordData::Aaaa(aaaa.addr()),
        ZoneRecordData::Cname(cname) => RecordData::Cname(from_domain_name(cname.cname())),
        ZoneRecordData::Mx(mx) => RecordData::Mx {
            preference: mx.preference(),
            exchange: from_domain_name(mx.exchange()),
        },
        ZoneRecordData::Ptr(ptr) => RecordData::Ptr(from_domain_name(ptr.ptrdname())),
        ZoneRecordData::Txt(txt) => {
            let strings = txt.iter().map(<[u8]>::to_vec).collect();
            if spf {
                RecordData::Spf(strings)
            } else {
                RecordData::Txt(strings)
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
