//! The live resolver: hickory-resolver behind [`DnsSource`]. This is the only file that knows
//! hickory, so a change of its API (it changed at 0.25 and again at 0.26) stays here.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::config::{
    NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts, ServerOrderingStrategy,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{self as hrr, RData};
use hickory_resolver::{Resolver, TokioResolver};

use super::{BoxFuture, DnsSource, Name, Outcome, Record, RecordData, RecordType};

/// How to reach DNS: which servers, and how patiently.
#[derive(Clone, Debug)]
pub struct ResolverSettings {
    /// Servers to ask, in order; empty means the system resolver (`/etc/resolv.conf`).
    pub nameservers: Vec<SocketAddr>,
    /// How long to wait for one try of one query.
    pub timeout: Duration,
    /// How many times to try again after a timeout or a server failure.
    pub retries: usize,
}

/// A failure to set up the resolver (an unreadable system configuration, say).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the DNS resolver: {0}")]
pub struct ResolverSetupError(String);

/// The live resolver.
pub struct HickorySource {
    resolver: TokioResolver,
}

impl HickorySource {
    /// Builds a resolver from `settings`. Needs a running tokio runtime to query.
    pub fn new(settings: &ResolverSettings) -> Result<Self, ResolverSetupError> {
        let setup_error = |error: NetError| ResolverSetupError(error.to_string());
        let mut builder = if settings.nameservers.is_empty() {
            TokioResolver::builder_tokio().map_err(setup_error)?
        } else {
            let servers = settings
                .nameservers
                .iter()
                .map(|address| {
                    // UDP first, TCP when an answer comes back truncated (TC=1).
                    let mut server = NameServerConfig::udp_and_tcp(address.ip());
                    for connection in &mut server.connections {
                        connection.port = address.port();
                    }
                    server
                })
                .collect();
            // No domain and no search list: every name is sent exactly as given.
            let config = ResolverConfig::from_parts(None, vec![], servers);
            Resolver::builder_with_config(config, TokioRuntimeProvider::default())
        };
        // options_mut() keeps what resolv.conf set; with_options() would replace it.
        let options: &mut ResolverOpts = builder.options_mut();
        options.timeout = settings.timeout;
        options.attempts = settings.retries;
        // Our own single-flight cache answers repeats; hickory's would hide them from the log.
        options.cache_size = 0;
        // Mail DNS comes from DNS, never from /etc/hosts.
        options.use_hosts_file = ResolveHosts::Never;
        // Large TXT records (DKIM keys) fit in one UDP answer with EDNS(0); resolv.conf
        // turns it off unless it says `options edns0`.
        options.edns0 = true;
        // One server at a time, in the order given, so a query is sent once, not raced.
        options.num_concurrent_reqs = 1;
        options.server_ordering_strategy = ServerOrderingStrategy::UserProvidedOrder;
        // TCP multiplexes requests over one connection; DKIM discovery alone asks dozens of
        // questions at once, more than the default limit of 32.
        options.max_active_requests = 1024;
        let resolver = builder.build().map_err(setup_error)?;
        Ok(HickorySource { resolver })
    }
}

impl DnsSource for HickorySource {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let mut hname = match hrr::Name::from_ascii(name.as_str()) {
                Ok(hname) => hname,
                Err(error) => return Outcome::Error(format!("invalid name {name}: {error}")),
            };
            // Fully qualified: no search list, no ndots.
            hname.set_fqdn(true);
            match self.resolver.lookup(hname, hickory_type(rtype)).await {
                Ok(lookup) => {
                    let records: Vec<Record> =
                        lookup.answers().iter().filter_map(convert_record).collect();
                    if records.is_empty() {
                        Outcome::NoData
                    } else {
                        Outcome::Records(records)
                    }
                }
                Err(error) => classify_error(&error),
            }
        })
    }
}

fn hickory_type(rtype: RecordType) -> hrr::RecordType {
    match rtype {
        RecordType::A => hrr::RecordType::A,
        RecordType::Aaaa => hrr::RecordType::AAAA,
        RecordType::Cname => hrr::RecordType::CNAME,
        RecordType::Mx => hrr::RecordType::MX,
        RecordType::Ptr => hrr::RecordType::PTR,
        RecordType::Txt => hrr::RecordType::TXT,
        RecordType::Spf => hrr::RecordType::from(99),
    }
}

/// Turns hickory's error into one of the outcomes; NXDOMAIN and NODATA arrive as errors.
fn classify_error(error: &NetError) -> Outcome {
    match error {
        NetError::Dns(DnsError::NoRecordsFound(no_records)) => {
            if no_records.response_code == ResponseCode::NXDomain {
                Outcome::NxDomain
            } else {
                Outcome::NoData
            }
        }
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => Outcome::ServFail,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)) => Outcome::Refused,
        NetError::Timeout => Outcome::Timeout,
        other => Outcome::Error(other.to_string()),
    }
}

fn convert_name(name: &hrr::Name) -> Name {
    Name::new(&name.to_ascii())
}

fn convert_record(record: &hrr::Record) -> Option<Record> {
    let data = match &record.data {
        RData::A(a) => RecordData::A(a.0),
        RData::AAAA(aaaa) => RecordData::Aaaa(aaaa.0),
        RData::CNAME(cname) => RecordData::Cname(convert_name(&cname.0)),
        RData::MX(mx) => RecordData::Mx {
            preference: mx.preference,
            exchange: convert_name(&mx.exchange),
        },
        RData::PTR(ptr) => RecordData::Ptr(convert_name(&ptr.0)),
        RData::TXT(txt) => RecordData::Txt(txt.txt_data.iter().map(|s| s.to_vec()).collect()),
        RData::Unknown { code, rdata } if u16::from(*code) == 99 => {
            RecordData::Spf(character_strings(&rdata.anything))
        }
        _ => return None,
    };
    Some(Record {
        name: convert_name(&record.name),
        ttl: record.ttl,
        data,
    })
}

/// Splits wire-format RDATA into its length-prefixed character-strings (RFC 1035 §3.3); a
/// truncated last string keeps what is there.
fn character_strings(mut rdata: &[u8]) -> Vec<Vec<u8>> {
    let mut strings = Vec::new();
    while let Some((&len, rest)) = rdata.split_first() {
        let len = usize::from(len).min(rest.len());
        strings.push(rest[..len].to_vec());
        rdata = &rest[len..];
    }
    strings
}

#[cfg(test)]
mod tests {
    use super::character_strings;

    #[test]
    fn splits_character_strings() {
        assert_eq!(
            character_strings(b"\x03abc\x00\x02de"),
            vec![b"abc".to_vec(), vec![], b"de".to_vec()]
        );
        assert_eq!(character_strings(b"\x05ab"), vec![b"ab".to_vec()]);
        assert!(character_strings(b"").is_empty());
    }
}
