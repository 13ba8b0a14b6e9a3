//! Where an audit's DNS answers come from: the network, `--zone` files, a `--replay` file, and
//! `--save-dns` to write them all down. The layers, top to bottom:
//!
//! ```text
//! ChasingSource (CNAME chains the answers leave unfinished, one link at a time)
//!   └ CachingSource (single flight: each question once per run, links included)
//!       └ SavingSource (--save-dns: every answer, as the layers below gave it)
//!           └ ZoneSource (--zone: names inside the files)
//!               └ NetworkSource (network, at most --concurrency queries in flight)
//!                 | OfflineSource (--offline) | ReplaySource (--replay)
//! ```
//!
//! Each audit adds its own layers above these (`gather`): its query log and its guard. The
//! sources below the cache answer each question as a server would, which may be the first
//! links of a CNAME chain only (an authoritative `--nameserver`, a chain leaving the `--zone`
//! files); the chase layer asks for each further link through the cache, so that a link is
//! sent once however many lookups reach it, is saved as its own answer (and so replayed the
//! same way), and is in the query log of the audit that caused it.
//!
//! The rules run unchanged on top. Each audit learns which `--zone` files answered it
//! ([`AuditSources::zones`], `gather::zone`): a file's own problems (the `zone-*` rules) are part
//! of the DNS of every domain it answered (a zone that does not load answers nothing), and a
//! file that cannot answer at all (no SOA and no `$ORIGIN`) is reported to every audit.
//!
//! The `--save-dns` file is checked before the first query: a temporary file is created beside
//! it when the sources are built, so a path that cannot be written stops the run at once
//! instead of after the whole audit. The answers go to that temporary file at the end, which
//! then replaces the file in one rename: a write that fails (a full disk) leaves the previous
//! save as it was, never a truncated one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::dns::DnsSource;
use crate::dns::cache::CachingSource;
use crate::dns::chase::ChasingSource;
use crate::dns::network::buffers::NetworkSummary;
use crate::dns::network::{
    DeadServerNotice, NetworkSource, NetworkStats, ResolverSettings, ResolverSetupError,
};
use crate::dns::replay::{DnsAnswers, ReplayError, ReplaySource, SavingSource};
use crate::dns::zone::{OfflineSource, ZoneSet, ZoneSource};
use crate::domain::Name;
use crate::files::{AtomicFile, FileError};
use crate::zonefile::{self, IncludeScope, LoadOptions, OriginFrom, Zone};

/// The largest `--replay` file read. A saved run holds about 170 bytes per distinct question,
/// some 9 KB per audited domain, so this is about 15,000 domains' worth; reading it costs
/// about 5.5 times its size in memory at the peak (728 MB measured for a file at the cap).
pub const MAX_REPLAY_BYTES: u64 = 128 << 20;

/// Where an audit's answers come from (`--zone`, `--offline`, `--save-dns`, `--replay`).
#[derive(Clone, Debug, Default)]
pub struct SourceSettings {
    /// Zone files whose names are answered from the file, each as given: `FILE` or
    /// `ORIGIN=FILE` (see [`zone_argument`]).
    pub zones: Vec<PathBuf>,
    /// The audited domain, when exactly one is audited: the origin of a lone `--zone` file
    /// that needs one and has none of its own.
    pub audited: Option<Name>,
    /// Let `$INCLUDE` read any file, not only those under the zone file's directory.
    pub zone_include_any: bool,
    /// Send no DNS query.
    pub offline: bool,
    /// Write every answer of the run to this file.
    pub save_dns: Option<PathBuf>,
    /// Answer every query from this file.
    pub replay: Option<PathBuf>,
}

/// A file named by one of these options that cannot be used (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// A `--zone` file that cannot be read.
    #[error("cannot read --zone {}: {error}", path.display())]
    Zone {
        /// The file.
        path: PathBuf,
        /// Why.
        error: FileError,
    },
    /// A `--replay` file that cannot be read.
    #[error("cannot read --replay {}: {error}", path.display())]
    ReplayRead {
        /// The file.
        path: PathBuf,
        /// Why.
        error: FileError,
    },
    /// A `--replay` file that is not a saved run.
    #[error("cannot replay {}: {error}", path.display())]
    Replay {
        /// The file.
        path: PathBuf,
        /// Why.
        error: ReplayError,
    },
    /// The live resolver could not be set up.
    #[error(transparent)]
    Resolver(#[from] ResolverSetupError),
    /// The `--save-dns` file cannot be written.
    #[error("cannot write --save-dns {}: {error}", path.display())]
    Save {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

type Layer = Box<dyn DnsSource>;

/// The sources of one run.
pub struct AuditSources {
    /// The name servers the run asks; empty when it asks none (`--offline`, `--replay`).
    nameservers: Vec<std::net::SocketAddr>,
    /// The network source's counts, when the run asks name servers.
    network: Option<NetworkStats>,
    top: Arc<ChasingSource<CachingSource<Layer>>>,
    zones: Option<Arc<ZoneSet>>,
    saving: Option<(AtomicFile, Arc<SavingSource<Layer>>)>,
}

impl AuditSources {
    /// Reads the files and builds the layers, with at most `concurrency` network queries in
    /// flight. Nothing is queried yet.
    pub fn build(
        args: &SourceSettings,
        resolver: &ResolverSettings,
        concurrency: usize,
        notice: Option<DeadServerNotice>,
    ) -> Result<Self, SourceError> {
        let options = LoadOptions {
            scope: if args.zone_include_any {
                IncludeScope::Anywhere
            } else {
                IncludeScope::ZoneDirectory
            },
            ..LoadOptions::default()
        };
        let lone = args.zones.len() == 1;
        let zones = args
            .zones
            .iter()
            .map(|argument| {
                let (origin, path) = zone_argument(argument);
                let audited = args.audited.as_ref().filter(|_| lone);
                load_zone(&path, origin.as_ref(), audited, &options).map_err(|error| {
                    SourceError::Zone {
                        path: path.clone(),
                        error,
                    }
                })
            })
            .collect::<Result<Vec<Zone>, SourceError>>()?;
        let mut nameservers = Vec::new();
        let mut network_stats = None;
        let base: Layer = if let Some(path) = &args.replay {
            Box::new(ReplaySource::new(read_replay(path)?))
        } else if args.offline {
            Box::new(OfflineSource)
        } else {
            let network = NetworkSource::new(resolver)?
                .with_max_in_flight(concurrency)
                .with_dead_server_notice(notice);
            nameservers = network.servers().to_vec();
            network_stats = Some(network.stats());
            Box::new(network)
        };
        let (layer, zones): (Layer, _) = if zones.is_empty() {
            (base, None)
        } else {
            let set = Arc::new(ZoneSet::new(zones));
            (
                Box::new(ZoneSource::over(Arc::clone(&set), base)),
                Some(set),
            )
        };
        let (layer, saving): (Layer, _) = match &args.save_dns {
            Some(path) => {
                let file = AtomicFile::create(path).map_err(|error| SourceError::Save {
                    path: path.clone(),
                    error,
                })?;
                let saving = Arc::new(SavingSource::new(layer));
                (Box::new(Arc::clone(&saving)), Some((file, saving)))
            }
            None => (layer, None),
        };
        Ok(AuditSources {
            nameservers,
            network: network_stats,
            top: Arc::new(ChasingSource::new(CachingSource::new(layer))),
            zones,
            saving,
        })
    }

    /// The source the audits ask (shared: each audit is a task of its own).
    pub fn shared(&self) -> Arc<dyn DnsSource> {
        Arc::clone(&self.top) as Arc<dyn DnsSource>
    }

    /// The name servers asked (the given ones, or the system's), when the run asks any.
    pub fn nameservers(&self) -> &[std::net::SocketAddr] {
        &self.nameservers
    }

    /// What the network lost and was given (timeouts, answers dropped by the kernel, the
    /// sockets' receive buffer), when the run asks name servers. Reads the kernel's counters:
    /// call it once, when the audits are done.
    pub fn network_summary(&self) -> Option<NetworkSummary> {
        self.network.as_ref().map(NetworkStats::summary)
    }

    /// The `--zone` files, for the audits to report the ones that answered them.
    pub fn zones(&self) -> Option<Arc<ZoneSet>> {
        self.zones.clone()
    }

    /// Writes the `--save-dns` file, if asked for: every answer of the run, in place of the
    /// file's previous content at once, or not at all. Dropping the sources without calling
    /// this (a run cut short) leaves the file as it was.
    pub fn finish(self) -> Result<(), SourceError> {
        if let Some((file, saving)) = self.saving {
            let path = file.path.clone();
            let mut file = file;
            file.write_all(saving.answers().to_json().as_bytes())
                .and_then(|()| file.commit())
                .map_err(|error| SourceError::Save { path, error })?;
        }
        Ok(())
    }
}

/// Splits a `--zone` argument into an origin and a file: `example.com=db.zone` names the zone
/// of `db.zone`. A file whose own name holds `=` is still read as given: the argument is split
/// only when no file has the whole argument as its name, the text before the first `=` is a
/// domain name, and a file name follows.
pub fn zone_argument(argument: &Path) -> (Option<Name>, PathBuf) {
    let whole = || (None, argument.to_path_buf());
    if argument.exists() {
        return whole();
    }
    let Some((origin, file)) = argument.to_str().and_then(|text| text.split_once('=')) else {
        return whole();
    };
    match crate::domain::parse_domain(origin) {
        Ok(origin) if !file.is_empty() => (Some(origin.ascii), PathBuf::from(file)),
        _ => whole(),
    }
}

/// The domain a zone file's name gives: `example.com.zone`, `example.com.db`, `db.example.com`
/// or `example.com` (BIND's and Debian's usual names), when what is left is a domain name of
/// two labels or more that does not end in a common file extension.
pub fn file_name_origin(path: &Path) -> Option<Name> {
    const NOT_DOMAINS: &[&str] = &[
        "txt", "conf", "cfg", "bak", "old", "orig", "tmp", "in", "out", "json", "yaml", "yml",
        "signed", "jnl", "rev", "local", "hosts", "file", "zones",
    ];
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    let mut text = lower.as_str();
    for suffix in [".zone", ".db"] {
        text = text.strip_suffix(suffix).unwrap_or(text);
    }
    text = text.strip_prefix("db.").unwrap_or(text);
    let last = text.rsplit('.').next()?;
    if !text.contains('.') || NOT_DOMAINS.contains(&last) {
        return None;
    }
    crate::domain::parse_domain(text)
        .ok()
        .map(|domain| domain.ascii)
}

/// Reads one `--zone` file: with its given origin, else as it is, and when it needs an origin
/// it does not set (the usual BIND file), again with the audited domain (`audited`, given only
/// when one domain is audited with one `--zone` file) or else the domain its name gives.
fn load_zone(
    path: &Path,
    origin: Option<&Name>,
    audited: Option<&Name>,
    options: &LoadOptions,
) -> Result<Zone, FileError> {
    if let Some(origin) = origin {
        return zonefile::load_with_origin(path, options, Some((origin, OriginFrom::Given)));
    }
    let zone = zonefile::load_with(path, options)?;
    if !zone.needed_origin {
        return Ok(zone);
    }
    let guess = match (audited, file_name_origin(path)) {
        (Some(audited), _) => Some((audited.clone(), OriginFrom::AuditedDomain)),
        (None, Some(named)) => Some((named, OriginFrom::FileName)),
        (None, None) => None,
    };
    match guess {
        Some((name, from)) => zonefile::load_with_origin(path, options, Some((&name, from))),
        None => Ok(zone),
    }
}

/// Reads a `--replay` file: a regular file of at most [`MAX_REPLAY_BYTES`], holding a saved
/// run.
pub fn read_replay(path: &Path) -> Result<DnsAnswers, SourceError> {
    let unreadable = |error| SourceError::ReplayRead {
        path: path.to_path_buf(),
        error,
    };
    let bytes = crate::files::read_capped(path, MAX_REPLAY_BYTES).map_err(unreadable)?;
    let text = String::from_utf8(bytes).map_err(|error| {
        unreadable(FileError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (at byte {})",
                error.utf8_error().valid_up_to()
            ),
        )))
    })?;
    DnsAnswers::from_json(&text).map_err(|error| SourceError::Replay {
        path: path.to_path_buf(),
        error,
    })
}
