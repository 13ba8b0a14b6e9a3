//! The live source: DNS questions sent to the configured (or the system's) resolvers.
//!
//! hickory-proto writes and reads the messages; this module does the rest of a stub
//! resolver's job, leanly, because a batch run sends tens of thousands of queries and each
//! one's CPU cost bounds how many domains two cores can audit (issue 7): UDP through a few
//! shared sockets (`udp.rs`), TCP when an answer is truncated (`tcp.rs`), and retries over the
//! servers in order. hickory-resolver is used only to read the system's resolver
//! configuration, which it knows how to find on every platform.
//!
//! Each query gives what the server answered, and no more. A recursive resolver answers with
//! a whole CNAME chain; an authoritative server answering for its own zones gives the links it
//! knows and stops where the chain leaves them. Such an answer is returned as it is (the
//! chain's links, without records of the type asked for), and the rest of the chain is asked
//! for by [`ChasingSource`](crate::dns::chase::ChasingSource), above the single-flight cache,
//! so that each link is a question of its own: sent once per run however many lookups (or
//! direct questions) reach it, and saved by `--save-dns` as its own answer.
//!
//! Two answers are failures here already, never absences: one whose chain loops (whatever its
//! response code), and one still truncated over TCP, where nothing bigger is left to ask over.

pub mod buffers;
pub mod fuzzing;
pub mod rate;
mod records;
mod tcp;
mod udp;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use hickory_resolver::proto::op::{Message, Query, ResponseCode};
use hickory_resolver::proto::rr::{self as hrr, RData};

use super::{BoxFuture, DnsSource, Name, Outcome, Record, RecordType};
use buffers::{NetworkSummary, Timeouts};
use rate::TokenBucket;
use records::{convert_name, convert_record, hickory_type};
use udp::UdpTransport;

/// The UDP payload size offered with EDNS(0) (RFC 6891): the size the DNS flag day 2020
/// settled on, large enough for a 4096-bit DKIM key and small enough not to fragment.
const EDNS_PAYLOAD: u16 = 1232;

/// The most retries of one query (`--retries`). Each try of a query that keeps failing is one
/// more packet at a server that is already failing: with no bound, `--retries 1000000` sent
/// 10,000 queries a second at a SERVFAIL server, for ever.
pub const MAX_RETRIES: usize = 5;

/// The wait before the first retry of a query; it doubles before each further one
/// ([`backoff`]), so the [`MAX_RETRIES`] retries of one query wait 3.1 s in all. A server that
/// answers SERVFAIL at once is asked again after a pause, not in a tight loop.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// The wait before retry number `retry` (1 for the first): 0.1 s, doubled for each
/// retry before it, and never more than 1.6 s.
pub fn backoff(retry: usize) -> Duration {
    let doublings = u32::try_from(retry.saturating_sub(1))
        .unwrap_or(u32::MAX)
        .min(4);
    FIRST_BACKOFF * 2_u32.pow(doublings)
}

/// How to reach DNS: which servers, and how patiently.
#[derive(Clone, Debug)]
pub struct ResolverSettings {
    /// Servers to ask, in order; empty means the system resolver (`/etc/resolv.conf`).
    pub nameservers: Vec<SocketAddr>,
    /// How long to wait for one try of one query.
    pub timeout: Duration,
    /// How many times to try again after a timeout or a server failure (at most
    /// [`MAX_RETRIES`]; more are not made).
    pub retries: usize,
    /// At most this many tries a second to each server (`--max-qps`); `None`: no limit.
    pub max_qps: Option<u32>,
}

/// A failure to set up the resolver (an unreadable system configuration, say).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the DNS resolver: {0}")]
pub struct ResolverSetupError(String);

/// The live source. Needs a running tokio runtime to query.
pub struct NetworkSource {
    servers: Vec<SocketAddr>,
    timeout: Duration,
    retries: usize,
    udp: Arc<UdpTransport>,
    in_flight: Arc<Semaphore>,
    /// Per server (same order as `servers`), with `--max-qps`: the bucket each try of a
    /// query to it takes a token from. Empty: no limit.
    rates: Vec<TokenBucket>,
    timeouts: Arc<Timeouts>,
    /// Per server (same order as `servers`): whether it has ever answered, and whether it
    /// was given up on.
    health: Vec<ServerHealth>,
    notice: Option<DeadServerNotice>,
}

/// Tries that time out, on a server that has never answered anything, before the server is
/// probed (the root's NS records, which any working resolver answers at once) and, if it does
/// not answer that either, given up on for the rest of the run: a resolver that is down (or a
/// wrong address) then costs a few timeouts, not one per query and retry (30 domains took
/// 39 s and printed 8 warnings each). A server that has answered once is never given up on:
/// a timeout then is the question's, not the server's.
pub const DEAD_AFTER_SILENT_TRIES: usize = 12;

/// What the run is told, once, when a server is given up on: its address and how many tries
/// it left unanswered.
#[derive(Clone)]
pub struct DeadServerNotice(pub Arc<dyn Fn(SocketAddr, usize) + Send + Sync>);

impl std::fmt::Debug for DeadServerNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeadServerNotice")
    }
}

#[derive(Default)]
struct ServerHealth {
    answered: std::sync::atomic::AtomicBool,
    silent_tries: std::sync::atomic::AtomicUsize,
    /// Whether the probe that decides is under way (one at a time).
    probing: std::sync::atomic::AtomicBool,
    dead: std::sync::atomic::AtomicBool,
}

impl ServerHealth {
    fn is_dead(&self) -> bool {
        self.dead.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn answered(&self) {
        self.answered
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Counts a try that timed out; `Some(tries)` when the server has now left
    /// [`DEAD_AFTER_SILENT_TRIES`] unanswered and the caller is the one to probe it.
    fn timed_out(&self) -> Option<usize> {
        use std::sync::atomic::Ordering::Relaxed;
        if self.answered.load(Relaxed) || self.dead.load(Relaxed) {
            return None;
        }
        let silent = self.silent_tries.fetch_add(1, Relaxed) + 1;
        (silent >= DEAD_AFTER_SILENT_TRIES && !self.probing.swap(true, Relaxed)).then_some(silent)
    }
}

/// What came back from one try of one query on one server.
enum Exchange {
    /// An answer to the question (of any response code).
    Answer(Message),
    /// No answer in time.
    Timeout,
    /// The query could not be sent, or the answer could not be read.
    Failed(String),
}

impl NetworkSource {
    /// Builds the source from `settings`, reading the system configuration when no server is
    /// given.
    pub fn new(settings: &ResolverSettings) -> Result<Self, ResolverSetupError> {
        let servers = if settings.nameservers.is_empty() {
            system_nameservers()?
        } else {
            settings.nameservers.clone()
        };
        Ok(NetworkSource {
            health: servers.iter().map(|_| ServerHealth::default()).collect(),
            rates: settings
                .max_qps
                .map(|rate| servers.iter().map(|_| TokenBucket::new(rate)).collect())
                .unwrap_or_default(),
            servers,
            timeout: settings.timeout,
            retries: settings.retries.min(MAX_RETRIES),
            udp: Arc::default(),
            in_flight: Arc::new(Semaphore::new(Semaphore::MAX_PERMITS)),
            timeouts: Arc::default(),
            notice: None,
        })
    }

    /// What the run lost and was given, read at its end: see [`NetworkStats::summary`].
    pub fn stats(&self) -> NetworkStats {
        NetworkStats {
            udp: Arc::clone(&self.udp),
            timeouts: Arc::clone(&self.timeouts),
        }
    }

    /// Waits, with `--max-qps`, until `server` may be sent one more try.
    async fn pace(&self, server: SocketAddr) {
        if let Some(bucket) = self
            .servers
            .iter()
            .position(|known| *known == server)
            .and_then(|index| self.rates.get(index))
        {
            bucket.take().await;
        }
    }

    /// The servers asked, in order.
    pub fn servers(&self) -> &[SocketAddr] {
        &self.servers
    }

    /// Calls `notice` once for each server given up on (see [`DEAD_AFTER_SILENT_TRIES`]).
    #[must_use]
    pub fn with_dead_server_notice(mut self, notice: Option<DeadServerNotice>) -> Self {
        self.notice = notice;
        self
    }

    /// Keeps at most `limit` queries in flight at once (`--concurrency`), shared by every
    /// audit of the run.
    ///
    /// A query holds its permit from sending until its answer arrives (or its try times out),
    /// and no longer: the task that reads the answer releases it, so the next query can go
    /// out before the audit that asked has even looked at the answer. (Holding it until the
    /// asking audit's task next ran cost about a tenth of a batch run's rate at 256 queries
    /// in flight.) The semaphore is fair, first come first served, so no audit starves.
    ///
    /// The sockets' receive buffers are sized for that many answers
    /// ([`buffers::wanted_receive_buffer`]), so that the kernel does not drop them.
    #[must_use]
    pub fn with_max_in_flight(mut self, limit: usize) -> Self {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        self.in_flight = Arc::new(Semaphore::new(limit));
        self.udp = Arc::new(UdpTransport::with_receive_buffer(
            buffers::wanted_receive_buffer(limit, udp::SOCKETS_PER_FAMILY),
        ));
        self
    }

    /// A permit to send one query; `None` only if the semaphore were closed, which it never is.
    async fn permit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.in_flight).acquire_owned().await.ok()
    }

    /// Decides whether a server that has answered none of `silent` tries is down, or only
    /// slow on the names asked so far (the domain's own name servers are dead, and a resolver
    /// waits for them longer than mailcheck does): it is asked for the root's NS records,
    /// which any working resolver answers at once from its cache. No answer in time: the
    /// server is given up on, and the run told once.
    async fn probe(&self, server: SocketAddr, health: &ServerHealth, silent: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        let question = Query::query(hrr::Name::root(), hrr::RecordType::NS);
        let answered = match encode_query(&question) {
            Ok(query) => {
                let permit = self.permit().await;
                self.pace(server).await;
                let exchange = self
                    .udp
                    .exchange(server, &query, &question, self.timeout, permit)
                    .await;
                if matches!(exchange, Exchange::Timeout) {
                    self.timeouts.try_timed_out();
                }
                matches!(exchange, Exchange::Answer(_))
            }
            Err(_) => false,
        };
        if answered {
            health.answered();
        } else if !health.dead.swap(true, Relaxed)
            && let Some(notice) = &self.notice
        {
            (notice.0)(server, silent + 1);
        }
        health.probing.store(false, Relaxed);
    }

    /// Looks `name` up and gives what the server answered about it: the records of the type,
    /// with the CNAME chain leading to them; or the chain alone where the server stopped
    /// following it (an authoritative server stops at the edge of its zones), which
    /// [`ChasingSource`](crate::dns::chase::ChasingSource) finishes above the cache.
    async fn lookup(&self, name: hrr::Name, asked: &Name, wanted: RecordType) -> Outcome {
        let answer = match self.ask(&name, hickory_type(wanted)).await {
            Ok(answer) => answer,
            Err(failure) => return failure,
        };
        let chain = follow_chain(&answer.answers, &name, asked, hickory_type(wanted));
        if chain_ends_in_nodata(&answer, &chain) {
            // The server answered to the end of the chain: the last name has no records of
            // the type. Asking the last name again would only give that NODATA once more,
            // and the chase layer would make the whole lookup NODATA, as this is.
            return Outcome::NoData;
        }
        answer_outcome(answer.metadata.response_code, chain)
    }

    /// Asks the servers in order, each try of each server once per attempt, until one gives
    /// an answer that is not SERVFAIL or REFUSED; otherwise the last failure. Each attempt
    /// after the first waits its [`backoff`] first.
    async fn ask(&self, name: &hrr::Name, rtype: hrr::RecordType) -> Result<Message, Outcome> {
        let question = Query::query(name.clone(), rtype);
        let query = match encode_query(&question) {
            Ok(query) => query,
            Err(error) => return Err(Outcome::Error(error)),
        };
        let mut last = Outcome::Error("no name server to ask".to_owned());
        for attempt in 0..=self.retries {
            if self.health.iter().all(ServerHealth::is_dead) {
                // Every server was given up on: nothing to wait for.
                return Err(Outcome::Error(
                    "not sent: no name server has answered any query".to_owned(),
                ));
            }
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            for (&server, health) in self.servers.iter().zip(&self.health) {
                if health.is_dead() {
                    last = Outcome::Error(format!(
                        "not sent: the name server {server} has not answered any query"
                    ));
                    continue;
                }
                let permit = self.permit().await;
                self.pace(server).await;
                let exchange = match self
                    .udp
                    .exchange(server, &query, &question, self.timeout, permit)
                    .await
                {
                    Exchange::Answer(answer) if answer.metadata.truncation => {
                        let _permit = self.permit().await;
                        self.pace(server).await;
                        tcp::exchange(server, &query, &question, self.timeout).await
                    }
                    other => other,
                };
                match &exchange {
                    Exchange::Answer(_) => health.answered(),
                    Exchange::Timeout => {
                        self.timeouts.try_timed_out();
                        if let Some(silent) = health.timed_out() {
                            self.probe(server, health, silent).await;
                        }
                    }
                    Exchange::Failed(_) => {}
                }
                last = match exchange {
                    Exchange::Answer(answer) => match answer.metadata.response_code {
                        ResponseCode::NoError | ResponseCode::NXDomain => return Ok(answer),
                        ResponseCode::ServFail => Outcome::ServFail,
                        ResponseCode::Refused => Outcome::Refused,
                        other => Outcome::Error(format!("{server} answered {other}")),
                    },
                    Exchange::Timeout => Outcome::Timeout,
                    Exchange::Failed(error) => Outcome::Error(error),
                };
            }
        }
        if matches!(last, Outcome::Timeout) {
            self.timeouts.lookup_timed_out();
        }
        Err(last)
    }
}

/// A handle on a [`NetworkSource`]'s counts and sockets, kept by the run to write its summary
/// after the sources are gone.
#[derive(Clone)]
pub struct NetworkStats {
    udp: Arc<UdpTransport>,
    timeouts: Arc<Timeouts>,
}

impl NetworkStats {
    /// The timeouts so far, the answers the kernel dropped on the run's sockets (read now:
    /// call it once, at the end) and their receive buffer.
    pub fn summary(&self) -> NetworkSummary {
        let (queries_timed_out, lookups_timed_out) = self.timeouts.counts();
        let opened = self.udp.opened();
        NetworkSummary {
            queries_timed_out,
            lookups_timed_out,
            answers_dropped: buffers::kernel_drops(&opened.v4, &opened.v6),
            receive_buffer: opened.buffer,
        }
    }
}

impl DnsSource for NetworkSource {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let mut hname = match hrr::Name::from_ascii(name.as_str()) {
                Ok(hname) => hname,
                Err(error) => return Outcome::Error(format!("invalid name {name}: {error}")),
            };
            // Fully qualified: no search list, no ndots.
            hname.set_fqdn(true);
            self.lookup(hname, name, rtype).await
        })
    }
}

/// A recursive query for `question` with EDNS(0), its id left at 0 for the transport to set.
///
/// Written byte by byte rather than through hickory's `Message`: building and encoding a whole
/// message (sections, EDNS record, name compression table) cost more than the rest of sending
/// a query (issue 18). The bytes are the same as hickory writes (a test checks it): the header
/// (RFC 1035 §4.1.1) with RD set, one question (§4.1.2), and an OPT record (RFC 6891 §6.1.2)
/// offering [`EDNS_PAYLOAD`] bytes, version 0, no flags, no options.
fn encode_query(question: &Query) -> Result<Vec<u8>, String> {
    let name = &question.name;
    // Labels of 1 to 63 bytes and at most 255 bytes in all: hickory's Name already holds to
    // both (RFC 1035 §2.3.4), so this is a guard, not a case.
    if name.len() > 255 {
        return Err(format!(
            "cannot encode the query for {name}: the name is too long"
        ));
    }
    let mut bytes = Vec::with_capacity(12 + name.len() + 2 + 4 + 11);
    // id 0, flags: a standard query with RD (0x0100); one question, one additional record.
    bytes.extend_from_slice(&[0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]);
    for label in name {
        let Ok(length @ 1..=63) = u8::try_from(label.len()) else {
            return Err(format!(
                "cannot encode the query for {name}: a label is too long or empty"
            ));
        };
        bytes.push(length);
        bytes.extend_from_slice(label);
    }
    bytes.push(0);
    bytes.extend_from_slice(&u16::from(question.query_type).to_be_bytes());
    bytes.extend_from_slice(&u16::from(question.query_class).to_be_bytes());
    // OPT: the root name, type 41, the payload size as its class, a zero TTL (extended rcode,
    // version, flags) and no data.
    bytes.extend_from_slice(&[0, 0, 41]);
    bytes.extend_from_slice(&EDNS_PAYLOAD.to_be_bytes());
    bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    Ok(bytes)
}

/// What an answer with `code` and the chain it holds for the question says.
///
/// The chain is read before the response code, because a hostile or broken server can put a
/// loop beside any code: a loop is a failed lookup, never the NXDOMAIN or the empty NOERROR
/// around it (that would report the domain's records as missing). The code otherwise speaks
/// for the end of the chain (RFC 6604 §2): NXDOMAIN after a link is a chain to a name that
/// does not exist, which is an absence; NXDOMAIN beside the very records asked for
/// contradicts itself, and proves nothing either way.
fn answer_outcome(code: ResponseCode, chain: Chain) -> Outcome {
    if let Some(at) = &chain.looped {
        return Outcome::cname_loop(&convert_name(at));
    }
    match code {
        ResponseCode::NXDomain if chain.complete => Outcome::Error(
            "the server answered NXDOMAIN together with the records asked for".to_owned(),
        ),
        ResponseCode::NXDomain => Outcome::NxDomain,
        _ if chain.records.is_empty() => Outcome::NoData,
        _ => Outcome::Records(chain.records),
    }
}

/// Whether `answer` is a NOERROR whose CNAME chain stops at a name the answer itself says
/// has no records of the type: the chain stops before records of the type, and the
/// authority section holds the SOA of a zone the last name is in (RFC 2308 §2.2: a NODATA
/// answer carries the SOA of the zone of the name that has no data). A recursive resolver
/// answers so at the end of any chain; an authoritative server, for a chain that ends in
/// its own zone. A chain that leaves the server's zones has no such SOA (at most its own
/// zone's, which is not an ancestor of the next name), and the chase layer asks on.
fn chain_ends_in_nodata(answer: &Message, chain: &Chain) -> bool {
    answer.metadata.response_code == ResponseCode::NoError
        && !chain.complete
        && chain.looped.is_none()
        && !chain.records.is_empty()
        && answer
            .authorities
            .iter()
            .any(|record| matches!(record.data, RData::SOA(_)) && record.name.zone_of(&chain.end))
}

/// The part of an answer section that answers `name`: the CNAME links from it and the records
/// of `rtype` at the end of them (or the links alone, when the answer stops before).
struct Chain {
    records: Vec<Record>,
    /// Whether records of the type were found at the end.
    complete: bool,
    /// The last name reached (`name` itself when there is no CNAME).
    end: hrr::Name,
    /// The name at which the chain came back to itself, if it did.
    looped: Option<hrr::Name>,
}

/// `asked` is `name` in mailcheck's form: the owner of most answers' records, not converted
/// again for each.
fn follow_chain(
    answers: &[hrr::Record],
    name: &hrr::Name,
    asked: &Name,
    rtype: hrr::RecordType,
) -> Chain {
    let mut chain = Chain {
        records: Vec::new(),
        complete: false,
        end: name.clone(),
        looped: None,
    };
    let mut visited = vec![name.clone()];
    // Each step moves one link to a name not reached before, so a loop inside the answer
    // stops when it comes back, and says where.
    for step in 0..=answers.len() {
        let mut next = None;
        // The owner of the records at this link, in mailcheck's form, once.
        let mut owner = (step == 0).then(|| asked.clone());
        for record in answers.iter().filter(|record| record.name == chain.end) {
            let owner = owner.get_or_insert_with(|| convert_name(&chain.end));
            if record.record_type() == rtype {
                chain.complete = true;
                chain.records.extend(convert_record(record, owner));
            } else if let RData::CNAME(target) = &record.data {
                chain.records.extend(convert_record(record, owner));
                // A name has one CNAME (RFC 2181 §10.1); of several, the first is followed,
                // as the chase layer does.
                next.get_or_insert_with(|| target.0.clone());
            }
        }
        match next {
            Some(_) if chain.complete => break,
            Some(target) if visited.contains(&target) => {
                chain.looped = Some(target);
                break;
            }
            Some(target) => {
                visited.push(target.clone());
                chain.end = target;
            }
            None => break,
        }
    }
    chain
}

/// The name servers of the system configuration (`/etc/resolv.conf` on Unix).
fn system_nameservers() -> Result<Vec<SocketAddr>, ResolverSetupError> {
    let (config, _options) = hickory_resolver::system_conf::read_system_conf()
        .map_err(|error| ResolverSetupError(error.to_string()))?;
    let servers: Vec<SocketAddr> = config
        .name_servers()
        .iter()
        .map(|server| {
            let port = server
                .connections
                .first()
                .map_or(53, |connection| connection.port);
            SocketAddr::new(server.ip, port)
        })
        .collect();
    if servers.is_empty() {
        return Err(ResolverSetupError(
            "the system configuration names no DNS server; give one with --nameserver".to_owned(),
        ));
    }
    Ok(servers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::proto::op::{Edns, MessageType, OpCode};

    /// What hickory writes for the same query: the bytes [`encode_query`] must match.
    fn hickory_encoding(question: &Query) -> Vec<u8> {
        let mut message = Message::new(0, MessageType::Query, OpCode::Query);
        message.metadata.recursion_desired = true;
        message.add_query(question.clone());
        let mut edns = Edns::new();
        edns.set_max_payload(EDNS_PAYLOAD);
        message.set_edns(edns);
        message.to_vec().unwrap()
    }

    #[test]
    fn queries_are_encoded_as_hickory_encodes_them() {
        let long_label = "a".repeat(63);
        let longest = [long_label.as_str(); 4].join(".")[..253].to_owned();
        for (name, rtype) in [
            ("example.test.", hrr::RecordType::MX),
            ("_dmarc.Example.TEST.", hrr::RecordType::TXT),
            ("selector1._domainkey.example.test.", hrr::RecordType::TXT),
            ("1.2.0.192.in-addr.arpa.", hrr::RecordType::PTR),
            (".", hrr::RecordType::NS),
            ("_25._tcp.mx-1.example.test.", hrr::RecordType::A),
            (&format!("{longest}."), hrr::RecordType::AAAA),
        ] {
            let mut name = hrr::Name::from_ascii(name).unwrap();
            name.set_fqdn(true);
            let question = Query::query(name, rtype);
            assert_eq!(
                encode_query(&question).unwrap(),
                hickory_encoding(&question),
                "{question}"
            );
        }
    }

    #[test]
    fn retries_back_off_doubling_and_bounded() {
        let waits: Vec<u128> = (1..=MAX_RETRIES).map(|n| backoff(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600]);
        assert_eq!(backoff(1000).as_millis(), 1600);
        // A source built with more retries than allowed makes no more than allowed.
        let source = NetworkSource::new(&ResolverSettings {
            nameservers: vec!["127.0.0.1:53".parse().unwrap()],
            timeout: Duration::from_secs(1),
            retries: 1_000_000,
            max_qps: None,
        })
        .unwrap();
        assert_eq!(source.retries, MAX_RETRIES);
    }
}
