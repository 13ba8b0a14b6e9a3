//! Queries over UDP through a few shared sockets.
//!
//! A general-purpose stub resolver (hickory-resolver's, for one) opens a fresh socket for every
//! query, so that a cache-poisoning attacker has to guess the port as well as the 16-bit query
//! id. That costs a socket, a bind, an epoll registration and a close per query, which was most
//! of mailcheck's CPU time in a batch run (issue 7). mailcheck is not a caching resolver: an
//! answer lives for one run and feeds one report, so it keeps [`SOCKETS_PER_FAMILY`] sockets on
//! random ports for the whole run and tells their answers apart by query id, checking each
//! answer's source address and question before handing it over.

use std::collections::hash_map::Entry;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use foldhash::{HashMap, HashMapExt};
use hickory_resolver::proto::op::{Message, Query};
use tokio::net::UdpSocket;
use tokio::sync::{OnceCell, OwnedSemaphorePermit, oneshot};
use tokio::task::AbortHandle;

use super::Exchange;
use super::buffers::{self, ReceiveBuffer};

/// Sockets opened per address family. Several, so that replies are read by more than one task
/// and an answer's port is one of several.
pub const SOCKETS_PER_FAMILY: usize = 8;

/// The largest UDP answer read: the most a datagram can carry, whatever EDNS(0) size we offered.
const RECEIVE_BUFFER: usize = 65_535;

/// How many random ids to try before giving up on a socket whose ids are nearly all in use.
const ID_TRIES: usize = 64;

/// UDP sockets shared by every query of the run, opened on first use.
#[derive(Default)]
pub struct UdpTransport {
    v4: OnceCell<SocketSet>,
    v6: OnceCell<SocketSet>,
    /// Each socket's receive buffer, in bytes as the kernel counts them
    /// ([`buffers::wanted_receive_buffer`]); 0 leaves the system's default.
    receive_buffer: usize,
}

/// The sockets a run opened, for its summary: their inodes (IPv4, IPv6) and buffer.
pub struct OpenedSockets {
    /// The IPv4 sockets' inodes (`None` where unknown).
    pub v4: Vec<Option<u64>>,
    /// The IPv6 sockets' inodes.
    pub v6: Vec<Option<u64>>,
    /// The receive buffer asked for, if one was.
    pub buffer: Option<ReceiveBuffer>,
}

impl UdpTransport {
    /// Sockets whose receive buffers hold `receive_buffer` bytes (as the kernel counts them)
    /// where the system allows and its default is smaller.
    pub fn with_receive_buffer(receive_buffer: usize) -> Self {
        UdpTransport {
            receive_buffer,
            ..UdpTransport::default()
        }
    }

    /// The sockets opened so far.
    pub fn opened(&self) -> OpenedSockets {
        let inodes = |cell: &OnceCell<SocketSet>| {
            cell.get().map(|set| set.inodes.clone()).unwrap_or_default()
        };
        OpenedSockets {
            v4: inodes(&self.v4),
            v6: inodes(&self.v6),
            buffer: [&self.v4, &self.v6]
                .into_iter()
                .find_map(|cell| cell.get().and_then(|set| set.buffer)),
        }
    }

    /// Sends `query` (an encoded query asking `question`; its id is replaced by a fresh one) to
    /// `server` and waits up to `timeout` for the matching answer. `permit` (a place under
    /// `--concurrency`) is given back as soon as the answer is read or the wait is over.
    pub async fn exchange(
        &self,
        server: SocketAddr,
        query: &[u8],
        question: &Query,
        timeout: Duration,
        permit: Option<OwnedSemaphorePermit>,
    ) -> Exchange {
        let cell = if server.is_ipv4() { &self.v4 } else { &self.v6 };
        let sockets = match cell
            .get_or_try_init(|| SocketSet::open(server.is_ipv4(), self.receive_buffer))
            .await
        {
            Ok(sockets) => sockets,
            Err(error) => return Exchange::Failed(format!("cannot open a UDP socket: {error}")),
        };
        sockets
            .next()
            .exchange(server, query, question, timeout, permit)
            .await
    }
}

/// The sockets of one address family and the tasks that read them.
struct SocketSet {
    sockets: Vec<Arc<SharedSocket>>,
    next: AtomicUsize,
    readers: Vec<AbortHandle>,
    /// Each socket's inode, to find its drop counter at the end ([`buffers::kernel_drops`]).
    inodes: Vec<Option<u64>>,
    buffer: Option<ReceiveBuffer>,
}

impl SocketSet {
    async fn open(ipv4: bool, receive_buffer: usize) -> std::io::Result<SocketSet> {
        let mut sockets = Vec::with_capacity(SOCKETS_PER_FAMILY);
        let mut readers = Vec::with_capacity(SOCKETS_PER_FAMILY);
        let mut inodes = Vec::with_capacity(SOCKETS_PER_FAMILY);
        let mut buffer = None;
        for _ in 0..SOCKETS_PER_FAMILY {
            // Port 0: the kernel picks a random ephemeral port.
            let socket = if ipv4 {
                UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).await?
            } else {
                UdpSocket::bind((Ipv6Addr::UNSPECIFIED, 0)).await?
            };
            buffer = buffers::size_receive_buffer(&socket, receive_buffer);
            inodes.push(buffers::socket_inode(&socket));
            let shared = Arc::new(SharedSocket {
                socket,
                waiting: Mutex::new(HashMap::new()),
                next_serial: AtomicU64::new(0),
            });
            readers.push(tokio::spawn(read_answers(Arc::clone(&shared))).abort_handle());
            sockets.push(shared);
        }
        Ok(SocketSet {
            sockets,
            next: AtomicUsize::new(0),
            readers,
            inodes,
            buffer,
        })
    }

    /// The sockets in turn, so that queries spread over them.
    fn next(&self) -> &SharedSocket {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.sockets.len();
        &self.sockets[index]
    }
}

impl Drop for SocketSet {
    fn drop(&mut self) {
        for reader in &self.readers {
            reader.abort();
        }
    }
}

/// One socket and the queries waiting for an answer on it, by query id.
struct SharedSocket {
    socket: UdpSocket,
    waiting: Mutex<HashMap<u16, Waiter>>,
    next_serial: AtomicU64,
}

/// Who an answer with a given id must come from, what it must be about, and where it goes.
struct Waiter {
    /// Which query this is: once an answer has been taken, the id is free for another query
    /// before this one has finished, and this one must then not remove the other's entry.
    serial: u64,
    server: SocketAddr,
    question: Query,
    reply: oneshot::Sender<Exchange>,
    /// The query's place under `--concurrency`, released with the waiter: when the answer is
    /// read, or when the query stops waiting.
    _permit: Option<OwnedSemaphorePermit>,
}

impl SharedSocket {
    async fn exchange(
        &self,
        server: SocketAddr,
        query: &[u8],
        question: &Query,
        timeout: Duration,
        permit: Option<OwnedSemaphorePermit>,
    ) -> Exchange {
        let (reply, answer) = oneshot::channel();
        let serial = self.next_serial.fetch_add(1, Ordering::Relaxed);
        let Some(id) = self.register(Waiter {
            serial,
            server,
            question: question.clone(),
            reply,
            _permit: permit,
        }) else {
            return Exchange::Failed("too many queries in flight on one socket".to_owned());
        };
        // Whatever happens next (an answer, a timeout, the caller giving up), the id is free
        // again once this function is left.
        let _registration = Registration {
            socket: self,
            id,
            serial,
        };
        // The id is the first two bytes of a DNS message (RFC 1035 §4.1.1).
        let mut bytes = query.to_vec();
        if let Some(header) = bytes.get_mut(..2) {
            header.copy_from_slice(&id.to_be_bytes());
        }
        if let Err(error) = self.socket.send_to(&bytes, server).await {
            return Exchange::Failed(format!("cannot send to {server}: {error}"));
        }
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(exchange)) => exchange,
            // The reader task is gone: only when the run is shutting down.
            Ok(Err(_)) => Exchange::Failed("the UDP reader stopped".to_owned()),
            Err(_) => Exchange::Timeout,
        }
    }

    /// Files `waiter` under a random id that no other query on this socket is using.
    fn register(&self, waiter: Waiter) -> Option<u16> {
        self.register_with(waiter, std::iter::repeat_with(rand::random::<u16>))
    }

    /// Files `waiter` under the first id from `ids` that is free, trying at most [`ID_TRIES`].
    fn register_with(&self, waiter: Waiter, ids: impl Iterator<Item = u16>) -> Option<u16> {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        for id in ids.take(ID_TRIES) {
            if let Entry::Vacant(entry) = waiting.entry(id) {
                entry.insert(waiter);
                return Some(id);
            }
        }
        None
    }

    /// Takes the waiter that `answer` (with `id`, from `from`) is for, if there is one: the
    /// id, the server's address and the question must all match (RFC 5452 §9.1). A malformed
    /// answer (`None`) goes to the query its id and address name, which then fails rather
    /// than waits.
    fn take_waiter(&self, id: u16, from: SocketAddr, answer: Option<&Message>) -> Option<Waiter> {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        match waiting.entry(id) {
            Entry::Occupied(entry)
                if same_server(entry.get().server, from)
                    && answer
                        .is_none_or(|answer| answers_question(answer, &entry.get().question)) =>
            {
                Some(entry.remove())
            }
            _ => None,
        }
    }
}

/// Frees a query id when its query is over.
struct Registration<'a> {
    socket: &'a SharedSocket,
    id: u16,
    serial: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        let mut waiting = self
            .socket
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Entry::Occupied(entry) = waiting.entry(self.id)
            && entry.get().serial == self.serial
        {
            entry.remove();
        }
    }
}

/// Reads the socket for the life of the run, handing each answer to the query it answers.
/// Datagrams that answer nothing (late, stray or forged) are dropped.
async fn read_answers(shared: Arc<SharedSocket>) {
    let mut buffer = vec![0_u8; RECEIVE_BUFFER];
    loop {
        let Ok((len, from)) = shared.socket.recv_from(&mut buffer).await else {
            // An ICMP error reported on the socket, say; the query it concerns times out.
            continue;
        };
        let datagram = &buffer[..len];
        let Some(id) = datagram
            .get(..2)
            .map(|id| u16::from_be_bytes([id[0], id[1]]))
        else {
            continue;
        };
        let decoded = Message::from_vec(datagram);
        let Some(waiter) = shared.take_waiter(id, from, decoded.as_ref().ok()) else {
            // Late, stray or forged: the real answer, if any, may still come.
            continue;
        };
        let exchange = match decoded {
            Ok(answer) => Exchange::Answer(answer),
            Err(error) => Exchange::Failed(format!("malformed answer from {from}: {error}")),
        };
        // The query may have given up in the meantime; then nobody needs the answer. The
        // waiter, and with it the query's permit, goes now, not when the query next runs.
        let _ = waiter.reply.send(exchange);
    }
}

/// Whether `answer` is a response to `question` (RFC 5452 §9.1: id, address and question).
pub(super) fn answers_question(answer: &Message, question: &Query) -> bool {
    use hickory_resolver::proto::op::MessageType;
    answer.metadata.message_type == MessageType::Response
        && answer.queries.len() == 1
        && answer.queries[0].query_type == question.query_type
        && answer.queries[0].query_class == question.query_class
        // hickory's Name compares case-insensitively, as DNS does.
        && answer.queries[0].name == question.name
}

/// Whether an answer from `from` comes from `server`; an IPv4 server may answer an IPv6
/// socket from its mapped address.
fn same_server(server: SocketAddr, from: SocketAddr) -> bool {
    server == from
        || (server.port() == from.port() && server.ip().to_canonical() == from.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::proto::rr::RecordType;

    async fn socket() -> SharedSocket {
        SharedSocket {
            socket: UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap(),
            waiting: Mutex::new(HashMap::new()),
            next_serial: AtomicU64::new(0),
        }
    }

    fn waiter(serial: u64, server: SocketAddr) -> (Waiter, oneshot::Receiver<Exchange>) {
        let (reply, answer) = oneshot::channel();
        let question = Query::query("host.example.test.".parse().unwrap(), RecordType::A);
        let waiter = Waiter {
            serial,
            server,
            question,
            reply,
            _permit: None,
        };
        (waiter, answer)
    }

    /// Once an answer is taken, its id is free; a query that takes the id then must not lose
    /// its entry when the first query finishes (this once failed a few queries in 10,000).
    #[tokio::test]
    async fn an_id_reused_before_the_first_query_ends_keeps_the_second_query() {
        let shared = socket().await;
        let server = SocketAddr::from((Ipv4Addr::LOCALHOST, 53));
        let (first, _first_answer) = waiter(1, server);
        assert_eq!(shared.register_with(first, [7].into_iter()), Some(7));
        let first_registration = Registration {
            socket: &shared,
            id: 7,
            serial: 1,
        };
        assert!(
            shared.take_waiter(7, server, None).is_some(),
            "answer taken"
        );
        let (second, _second_answer) = waiter(2, server);
        assert_eq!(shared.register_with(second, [7].into_iter()), Some(7));
        drop(first_registration);
        let waiting = shared.waiting.lock().unwrap();
        assert_eq!(waiting.get(&7).map(|waiter| waiter.serial), Some(2));
    }

    #[tokio::test]
    async fn an_answer_from_another_address_or_about_another_question_is_not_taken() {
        let shared = socket().await;
        let server = SocketAddr::from((Ipv4Addr::LOCALHOST, 53));
        let (waiting, _answer) = waiter(1, server);
        assert_eq!(shared.register_with(waiting, [9].into_iter()), Some(9));
        let elsewhere = SocketAddr::from((Ipv4Addr::LOCALHOST, 5353));
        assert!(shared.take_waiter(9, elsewhere, None).is_none());
        let mut other = Message::response(9, hickory_resolver::proto::op::OpCode::Query);
        other.add_query(Query::query(
            "other.example.test.".parse().unwrap(),
            RecordType::A,
        ));
        assert!(shared.take_waiter(9, server, Some(&other)).is_none());
        assert!(shared.take_waiter(8, server, None).is_none(), "another id");
        let mut right = Message::response(9, hickory_resolver::proto::op::OpCode::Query);
        right.add_query(Query::query(
            "HOST.example.test.".parse().unwrap(),
            RecordType::A,
        ));
        assert!(
            shared.take_waiter(9, server, Some(&right)).is_some(),
            "case folds"
        );
    }

    #[tokio::test]
    async fn a_socket_with_no_free_id_refuses_rather_than_spins() {
        let shared = socket().await;
        let server = SocketAddr::from((Ipv4Addr::LOCALHOST, 53));
        let (first, _a) = waiter(1, server);
        assert_eq!(shared.register_with(first, std::iter::repeat(3)), Some(3));
        let (second, _b) = waiter(2, server);
        assert_eq!(shared.register_with(second, std::iter::repeat(3)), None);
    }

    #[test]
    fn a_mapped_ipv4_address_is_the_same_server() {
        let server: SocketAddr = "192.0.2.1:53".parse().unwrap();
        assert!(same_server(
            server,
            "[::ffff:192.0.2.1]:53".parse().unwrap()
        ));
        assert!(!same_server(server, "192.0.2.1:54".parse().unwrap()));
        assert!(!same_server(server, "192.0.2.2:53".parse().unwrap()));
    }
}
