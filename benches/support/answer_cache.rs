//! A UDP DNS server that replays answers it has already seen, for benchmarks whose subject is
//! mailcheck's own CPU time: the in-process test server (hickory-server) spends about 20 µs
//! per query, as much as mailcheck, and on a 2-core machine it would be the bottleneck.
//!
//! Each query is keyed by its bytes after the 16-bit id (flags, question, EDNS): the first
//! time it is forwarded to the upstream server and its answer kept; every later time the kept
//! answer is sent back at once with the query's id. A benchmark runs its list once to fill the
//! cache, then measures a second run that the cache answers whole. Loopback only; nothing here
//! is hardened, since it only ever talks to the mailcheck it benchmarks.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The running cache server; its threads live until the process ends.
pub struct AnswerCache {
    /// Where to send queries.
    pub addr: SocketAddr,
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    /// Query bytes after the id → answer bytes after the id.
    answers: Mutex<HashMap<Vec<u8>, Vec<u8>>>,
    /// Forwarded queries by the id given upstream.
    pending: Mutex<HashMap<u16, Forwarded>>,
    queries: AtomicUsize,
    misses: AtomicUsize,
}

impl AnswerCache {
    /// Starts a cache in front of `upstream`.
    pub fn start(upstream: SocketAddr) -> AnswerCache {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind cache");
        set_receive_buffer(&socket);
        let addr = socket.local_addr().expect("cache address");
        let forwarder = UdpSocket::bind("127.0.0.1:0").expect("bind forwarder");
        set_receive_buffer(&forwarder);
        forwarder.connect(upstream).expect("connect upstream");
        let state = Arc::new(State::default());
        {
            let (socket, forwarder, state) = (
                socket.try_clone().expect("clone"),
                forwarder.try_clone().expect("clone"),
                Arc::clone(&state),
            );
            std::thread::spawn(move || serve(&socket, &forwarder, &state));
        }
        {
            let state = Arc::clone(&state);
            std::thread::spawn(move || relay(&forwarder, &socket, &state));
        }
        AnswerCache { addr, state }
    }

    /// Queries received since the last [`AnswerCache::clear_counts`].
    pub fn queries(&self) -> usize {
        self.state.queries.load(Ordering::Relaxed)
    }

    /// Queries that were not in the cache (forwarded upstream) since the last clear.
    pub fn misses(&self) -> usize {
        self.state.misses.load(Ordering::Relaxed)
    }

    /// Starts the counts again from zero.
    pub fn clear_counts(&self) {
        self.state.queries.store(0, Ordering::Relaxed);
        self.state.misses.store(0, Ordering::Relaxed);
    }
}

/// A query sent upstream: who asked, with which id, and its key.
type Forwarded = (SocketAddr, [u8; 2], Vec<u8>);

/// Answers from the cache, forwarding misses.
fn serve(socket: &UdpSocket, forwarder: &UdpSocket, state: &State) {
    let mut buffer = vec![0_u8; 65_535];
    let mut answer = Vec::with_capacity(4096);
    let mut next_id: u16 = 0;
    loop {
        let Ok((len, from)) = socket.recv_from(&mut buffer) else {
            continue;
        };
        if len < 12 {
            continue;
        }
        state.queries.fetch_add(1, Ordering::Relaxed);
        let (id, key) = ([buffer[0], buffer[1]], &buffer[2..len]);
        let hit = {
            let answers = state.answers.lock().expect("answers");
            answers.get(key).map(|kept| {
                answer.clear();
                answer.extend_from_slice(&id);
                answer.extend_from_slice(kept);
            })
        };
        if hit.is_some() {
            let _ = socket.send_to(&answer, from);
            continue;
        }
        state.misses.fetch_add(1, Ordering::Relaxed);
        next_id = next_id.wrapping_add(1);
        state
            .pending
            .lock()
            .expect("pending")
            .insert(next_id, (from, id, key.to_vec()));
        let mut query = key.to_vec();
        query.splice(0..0, next_id.to_be_bytes());
        let _ = forwarder.send(&query);
    }
}

/// Keeps the upstream's answers and passes them on.
fn relay(forwarder: &UdpSocket, socket: &UdpSocket, state: &State) {
    let mut buffer = vec![0_u8; 65_535];
    loop {
        let Ok(len) = forwarder.recv(&mut buffer) else {
            continue;
        };
        if len < 12 {
            continue;
        }
        let upstream_id = u16::from_be_bytes([buffer[0], buffer[1]]);
        let Some((client, id, key)) = state.pending.lock().expect("pending").remove(&upstream_id)
        else {
            continue;
        };
        let kept = buffer[2..len].to_vec();
        buffer[..2].copy_from_slice(&id);
        let _ = socket.send_to(&buffer[..len], client);
        state.answers.lock().expect("answers").insert(key, kept);
    }
}

/// A large receive buffer, so that the cache does not drop what a run at `--concurrency 4096`
/// sends at once (as the test server's sockets).
fn set_receive_buffer(socket: &UdpSocket) {
    let socket = socket2::SockRef::from(socket);
    let _ = socket.set_recv_buffer_size(4 << 20);
    let _ = socket.set_read_timeout(None::<Duration>);
}
