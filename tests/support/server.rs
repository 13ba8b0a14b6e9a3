//! An in-process authoritative DNS server for tests and benchmarks: hickory-server on
//! 127.0.0.1 (UDP and TCP on one port), serving every `*.zone` file of a directory, with
//! chosen names answered SERVFAIL, never answered (a timeout), or answered after a delay.
//!
//! It runs on its own thread with its own runtime, so the tests can run the real `mailcheck`
//! binary against it as a child process.

#![allow(dead_code)] // each test crate uses a different part of it

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::{Time, TokioRuntimeProvider};
use hickory_server::net::xfer::Protocol;
use hickory_server::proto::op::{Header, HeaderCounts, MessageType, Metadata, ResponseCode};
use hickory_server::proto::rr::rdata::NULL;
use hickory_server::proto::rr::{LowerName, Name, RData, Record, RecordSet, RecordType, RrKey};
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, MessageResponseBuilder, ZoneType};

/// What the server does with a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Answer from the zones.
    Answer,
    /// Answer SERVFAIL.
    ServFail,
    /// Never answer: the client times out.
    Drop,
    /// Answer from the zones after this long.
    Delay(Duration),
}

/// Which names get which treatment, and how long every answer waits.
#[derive(Clone, Debug, Default)]
pub struct Behaviour {
    /// `(name, action)`: the action applies to the name and every name under it.
    pub rules: Vec<(String, Action)>,
    /// Added before every answer (used by the benchmark to stand for network latency).
    pub delay: Duration,
}

impl Behaviour {
    /// The behaviour the fixtures expect (see `fixtures/zones/failing.test.zone`).
    pub fn fixtures() -> Self {
        Behaviour {
            rules: vec![
                ("timeout.failing.test".to_owned(), Action::Drop),
                ("mx.servfail.failing.test".to_owned(), Action::ServFail),
                ("_dmarc.notverified.dmarc.test".to_owned(), Action::Drop),
                ("_dmarc.fail.walkagree.test".to_owned(), Action::Drop),
                (
                    "slow.failing.test".to_owned(),
                    Action::Delay(Duration::from_millis(300)),
                ),
                (
                    "google._domainkey.dkimfail.dkim.test".to_owned(),
                    Action::ServFail,
                ),
                ("down.expect.test".to_owned(), Action::ServFail),
            ],
            delay: Duration::ZERO,
        }
    }

    fn action(&self, name: &str) -> Action {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.rules
            .iter()
            .find(|(suffix, _)| name == *suffix || name.ends_with(&format!(".{suffix}")))
            .map_or(Action::Answer, |(_, action)| *action)
    }
}

/// One query the server received.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReceivedQuery {
    /// The name, lower case, without the trailing dot.
    pub name: String,
    /// The type mnemonic.
    pub rtype: String,
    /// Whether it came over TCP.
    pub tcp: bool,
}

/// A running server; it lives until the process ends.
pub struct TestServer {
    /// Where it listens (UDP and TCP).
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<ReceivedQuery>>>,
}

impl TestServer {
    /// Starts a server for every `*.zone` file in `zone_dir`.
    pub fn start(zone_dir: &Path, behaviour: Behaviour) -> TestServer {
        let catalog = load_catalog(zone_dir);
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler = Handler {
            delay_line: DelayLine::start(),
            catalog,
            behaviour,
            received: Arc::clone(&received),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("test server runtime");
            runtime.block_on(async move {
                let (udp, tcp) = bind_same_port();
                tx.send(udp[0].local_addr().expect("local address"))
                    .expect("test server address");
                let mut server = Server::new(handler);
                for socket in udp {
                    server.register_socket(socket);
                }
                server.register_listener(tcp, Duration::from_secs(5), 1024);
                let _ = server.block_until_done().await;
            });
        });
        let addr = rx.recv().expect("test server did not start");
        TestServer { addr, received }
    }

    /// Every query received so far, in arrival order.
    pub fn received(&self) -> Vec<ReceivedQuery> {
        self.received.lock().unwrap().clone()
    }

    /// Forgets the queries received so far.
    pub fn clear_received(&self) {
        self.received.lock().unwrap().clear();
    }
}

/// The fixture zones in `fixtures/zones`, relative to the crate root.
pub fn fixture_zones() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/zones")
}

/// UDP sockets sharing one port, in the spirit of a real name server: on Unix, the kernel
/// spreads the clients' datagrams over them (`SO_REUSEPORT`), so that one socket's loop in
/// hickory-server is not a queue every answer waits in; elsewhere, one socket.
const UDP_SOCKETS: usize = if cfg!(unix) { 4 } else { 1 };

/// Binds [`UDP_SOCKETS`] UDP sockets on an ephemeral port and TCP on the same port, retrying
/// if TCP's is taken. Needs the runtime's context (the sockets are registered with it).
fn bind_same_port() -> (Vec<tokio::net::UdpSocket>, tokio::net::TcpListener) {
    for _ in 0..50 {
        let first = shared_udp_socket(0).expect("bind UDP");
        let port = first.local_addr().expect("UDP address").port();
        let Ok(tcp) = std::net::TcpListener::bind(("127.0.0.1", port)) else {
            continue;
        };
        let mut sockets = vec![first];
        for _ in 1..UDP_SOCKETS {
            sockets.push(shared_udp_socket(port).expect("bind UDP on the shared port"));
        }
        tcp.set_nonblocking(true).expect("non-blocking TCP");
        let udp = sockets
            .into_iter()
            .map(|socket| tokio::net::UdpSocket::from_std(socket).expect("register UDP"))
            .collect();
        return (
            udp,
            tokio::net::TcpListener::from_std(tcp).expect("register TCP"),
        );
    }
    panic!("no port free for both UDP and TCP");
}

/// A non-blocking UDP socket on 127.0.0.1:`port`, shareable with others that ask the same.
fn shared_udp_socket(port: u16) -> std::io::Result<std::net::UdpSocket> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, None)?;
    #[cfg(unix)]
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    // Room for thousands of queries (a datagram costs about 1 KB of buffer as the kernel
    // counts it): at `--concurrency 1024` the default 208 KB overflowed, and the queries the
    // server lost were timeouts that had nothing to do with mailcheck's own sockets. As much
    // as the system allows; the default where it allows less.
    let _ = socket.set_recv_buffer_size(4 << 20);
    socket.bind(&std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, port)).into())?;
    Ok(socket.into())
}

fn load_catalog(zone_dir: &Path) -> Catalog {
    let mut catalog = Catalog::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(zone_dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", zone_dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "zone"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("zone file");
        // hickory's zone parser has no SPF (type 99) type: such lines are taken out and
        // added as records of an unknown type.
        let (text, type99) = extract_type99(&text);
        let (origin, mut records) = Parser::new(text, Some(path.clone()), None)
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (owner, strings) in type99 {
            let name = if owner == "@" {
                origin.clone()
            } else {
                Name::from_ascii(format!("{owner}.{origin}")).expect("SPF owner name")
            };
            let mut wire = Vec::new();
            for string in strings {
                wire.push(u8::try_from(string.len()).expect("string of at most 255 octets"));
                wire.extend_from_slice(string.as_bytes());
            }
            let rtype = RecordType::Unknown(99);
            let data = RData::Unknown {
                code: rtype,
                rdata: NULL::with(wire),
            };
            let key = RrKey::new(LowerName::from(&name), rtype);
            records
                .entry(key)
                .or_insert_with(|| RecordSet::new(name.clone(), rtype, 0))
                .insert(Record::from_rdata(name.clone(), 3600, data), 0);
        }
        let zone = InMemoryZoneHandler::<TokioRuntimeProvider>::new(
            origin.clone(),
            records,
            ZoneType::Primary,
            AxfrPolicy::Deny,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        catalog.upsert(LowerName::from(&origin), vec![Arc::new(zone)]);
    }
    catalog
}

/// Takes the `OWNER SPF "string" …` lines out of a zone file's text (owner relative to the
/// origin, or `@`), returning the rest and the records.
fn extract_type99(text: &str) -> (String, Vec<(String, Vec<String>)>) {
    let mut rest = String::new();
    let mut found = Vec::new();
    for line in text.lines() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let spf_at = match tokens.as_slice() {
            [_, "SPF", ..] => Some(2),
            [_, "IN", "SPF", ..] => Some(3),
            _ => None,
        };
        if let (Some(at), Some(owner)) = (spf_at, tokens.first().filter(|t| !t.starts_with(';'))) {
            let data = tokens[at..].join(" ");
            let strings = data
                .split('"')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect();
            found.push(((*owner).to_owned(), strings));
        } else {
            rest.push_str(line);
            rest.push('\n');
        }
    }
    (rest, found)
}

struct Handler {
    delay_line: DelayLine,
    catalog: Catalog,
    behaviour: Behaviour,
    received: Arc<Mutex<Vec<ReceivedQuery>>>,
}

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let query = request.queries.queries().first().cloned();
        let action = match &query {
            Some(query) => {
                let name = query.name().to_string();
                self.received.lock().unwrap().push(ReceivedQuery {
                    name: name.trim_end_matches('.').to_ascii_lowercase(),
                    rtype: query.query_type().to_string(),
                    tcp: request.protocol() == Protocol::Tcp,
                });
                self.behaviour.action(&name)
            }
            None => Action::Answer,
        };
        if !self.behaviour.delay.is_zero() {
            self.delay_line.wait(self.behaviour.delay).await;
        }
        match action {
            Action::Answer => {
                self.catalog
                    .handle_request::<R, T>(request, response_handle)
                    .await
            }
            Action::Delay(delay) => {
                self.delay_line.wait(delay).await;
                self.catalog
                    .handle_request::<R, T>(request, response_handle)
                    .await
            }
            Action::ServFail => {
                let response = MessageResponseBuilder::new(&request.queries, None)
                    .error_msg(&request.metadata, ResponseCode::ServFail);
                response_handle
                    .send_response(response)
                    .await
                    .unwrap_or_else(|_| no_response(&request.metadata))
            }
            Action::Drop => no_response(&request.metadata),
        }
    }
}

/// The bookkeeping value for a request that gets no answer.
fn no_response(request: &Metadata) -> ResponseInfo {
    let mut metadata = Metadata::new(request.id, MessageType::Response, request.op_code);
    metadata.response_code = ResponseCode::ServFail;
    ResponseInfo::from(Header {
        metadata,
        counts: HeaderCounts::default(),
    })
}

/// Holds answers back for a set time, to the microsecond.
///
/// The delay stands for network latency in the benchmarks, so it should be what it says.
/// `tokio::time::sleep` rounds its deadline up to the next millisecond and fires when the
/// runtime next looks at its timers: under the batch benchmark's load, 20 ms became 22 ms on
/// average, a tenth more than the round trip the benchmark claims. This thread wakes each
/// waiter at its deadline.
struct DelayLine {
    requests: std::sync::mpsc::Sender<(std::time::Instant, tokio::sync::oneshot::Sender<()>)>,
}

impl DelayLine {
    fn start() -> DelayLine {
        let (requests, incoming) = std::sync::mpsc::channel();
        std::thread::spawn(move || run_delay_line(&incoming));
        DelayLine { requests }
    }

    /// Returns `delay` after it was called.
    async fn wait(&self, delay: Duration) {
        let (wake, woken) = tokio::sync::oneshot::channel();
        let deadline = std::time::Instant::now() + delay;
        if self.requests.send((deadline, wake)).is_ok() {
            let _ = woken.await;
        }
    }
}

fn run_delay_line(
    incoming: &std::sync::mpsc::Receiver<(std::time::Instant, tokio::sync::oneshot::Sender<()>)>,
) {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    use std::sync::mpsc::RecvTimeoutError;

    // Deadlines, earliest first (the sequence number keeps equal deadlines apart).
    let mut waiting: BinaryHeap<Reverse<(std::time::Instant, u64)>> = BinaryHeap::new();
    let mut wakers: std::collections::HashMap<u64, tokio::sync::oneshot::Sender<()>> =
        std::collections::HashMap::new();
    let mut sequence = 0_u64;
    loop {
        let now = std::time::Instant::now();
        while let Some(&Reverse((deadline, id))) = waiting.peek() {
            if deadline > now {
                break;
            }
            waiting.pop();
            if let Some(wake) = wakers.remove(&id) {
                let _ = wake.send(());
            }
        }
        let next = match waiting.peek() {
            Some(&Reverse((deadline, _))) => {
                incoming.recv_timeout(deadline.saturating_duration_since(now))
            }
            None => incoming.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match next {
            Ok((deadline, wake)) => {
                sequence += 1;
                waiting.push(Reverse((deadline, sequence)));
                wakers.insert(sequence, wake);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
