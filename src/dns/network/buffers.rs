//! The UDP sockets' receive buffers: sized for `--concurrency`, and the answers the kernel
//! dropped anyway, counted once at the end of the run (issue 18).
//!
//! An answer that arrives while its socket's receive buffer is full is dropped by the kernel
//! before mailcheck sees it: the query then times out and is retried, a domain may end up
//! incomplete, and the run is slower than at a lower concurrency. At `--concurrency 1024` the
//! eight sockets' default buffers (208 KB each on Linux) lost 248 to 872 answers per run.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// What the kernel charges a socket's receive buffer for one queued answer, in bytes.
///
/// Linux charges a datagram's `skb->truesize`, not its payload: the packet buffer rounded up
/// to its allocation, plus the `sk_buff` and `skb_shared_info` around it. Measured on
/// loopback (Linux 6.18, 100 datagrams queued unread, `rx_queue` of `/proc/net/udp` divided
/// by 100): 832 bytes for a 60-byte datagram, 1,280 for 200 to 512 bytes, 2,304 for 1,232
/// bytes (the largest UDP answer mailcheck offers to take, its EDNS(0) payload size), 4,352
/// for 3,000. A network card's driver often charges a whole page (4,096) per received packet
/// whatever its size. 4,096 covers both.
pub const ANSWER_COST: usize = 4096;

/// How many answers each socket's buffer is sized for, per query in flight on it: twice,
/// because queries spread over the sockets in turn but finish unevenly, and answers to tries
/// that already timed out still arrive and take room until they are read.
const HEADROOM: usize = 2;

/// The receive buffer one of `sockets` sockets needs when `concurrency` queries are in
/// flight over them, in bytes as the kernel counts them (truesize): its share of the answers,
/// each at [`ANSWER_COST`], twice over (see `HEADROOM`).
///
/// `--concurrency 1024` over 8 sockets: 128 answers × 4,096 B × 2 = 1 MiB per socket (the
/// default is 208 KB, room for 92 answers of 2,304 B: hence the drops). 4096: 4 MiB.
/// The default 64: 64 KiB, less than the default, which is then left as it is.
pub fn wanted_receive_buffer(concurrency: usize, sockets: usize) -> usize {
    concurrency
        .div_ceil(sockets.max(1))
        .saturating_mul(ANSWER_COST)
        .saturating_mul(HEADROOM)
}

/// A socket's receive buffer, when mailcheck asked for a larger one than the system's
/// default. The same for every socket of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ReceiveBuffer {
    /// Bytes wanted per socket (as the kernel counts them: a queued answer of a few hundred
    /// bytes costs about 2 to 4 KB): twice each socket's share of `--concurrency`, 4,096
    /// bytes each.
    pub wanted: usize,
    /// Bytes the kernel gave (`getsockopt(SO_RCVBUF)`).
    pub granted: usize,
    /// Whether the system's limit gave less than wanted (on Linux `net.core.rmem_max`, unless
    /// mailcheck runs with `CAP_NET_ADMIN`, which may exceed it).
    pub capped: bool,
}

/// Sets `socket`'s receive buffer to `wanted` bytes (as the kernel counts them) if the
/// system's default is smaller, as far as the system allows; `None` when the default was kept
/// (or cannot be read).
pub fn size_receive_buffer(udp: &tokio::net::UdpSocket, wanted: usize) -> Option<ReceiveBuffer> {
    let socket = socket2::SockRef::from(udp);
    let default = socket.recv_buffer_size().ok()?;
    if default >= wanted {
        return None;
    }
    // Linux doubles the value asked for (the other half is for its bookkeeping) and reports
    // the doubled value, which is what it compares the charged truesizes with: ask for half.
    let request = if cfg!(target_os = "linux") {
        wanted.div_ceil(2)
    } else {
        wanted
    };
    // SO_RCVBUFFORCE ignores net.core.rmem_max, for a process with CAP_NET_ADMIN (root on a
    // machine, seldom in a container); refused otherwise, and then SO_RCVBUF, which the
    // kernel caps at rmem_max.
    #[cfg(target_os = "linux")]
    let forced = rustix::net::sockopt::set_socket_recv_buffer_size_force(udp, request).is_ok();
    #[cfg(not(target_os = "linux"))]
    let forced = false;
    if !forced {
        // Refused (a BSD refuses a value over its limit rather than capping it): the buffer
        // stays what it was, and is reported as capped.
        let _ = socket.set_recv_buffer_size(request);
    }
    let granted = socket.recv_buffer_size().unwrap_or(default);
    Some(ReceiveBuffer {
        wanted,
        granted,
        capped: granted < wanted,
    })
}

/// The socket's inode on Linux (`socket:[INODE]`, the `inode` column of `/proc/net/udp`),
/// read when it is opened, to find its drop counter at the end of the run.
#[cfg(target_os = "linux")]
pub fn socket_inode(socket: &tokio::net::UdpSocket) -> Option<u64> {
    use std::os::fd::AsRawFd;
    let link = std::fs::read_link(format!("/proc/self/fd/{}", socket.as_raw_fd())).ok()?;
    let text = link.to_str()?;
    text.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Off Linux there is no per-socket drop counter to find.
#[cfg(not(target_os = "linux"))]
pub fn socket_inode(_socket: &tokio::net::UdpSocket) -> Option<u64> {
    None
}

/// The answers the kernel dropped on the sockets of `inodes` (IPv4 ones in `v4`, IPv6 ones in
/// `v6`), or `None` when that cannot be known: off Linux, or a socket's line not found.
///
/// Linux keeps a drop counter per socket (`sk_drops`: a full receive buffer, mostly), shown
/// in the last column of `/proc/net/udp` and `/proc/net/udp6`. It is read once, at the end of
/// the run: two small files, nothing per query. (`SO_RXQ_OVFL` would give the same count with
/// every datagram read, as ancillary data that tokio's `recv_from` does not return, and at a
/// cost per answer.) The system-wide `RcvbufErrors` of `/proc/net/snmp` counts every
/// process's drops, so it says nothing about this run on a shared machine.
pub fn kernel_drops(v4: &[Option<u64>], v6: &[Option<u64>]) -> Option<u64> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let mut total = 0;
    for (inodes, table) in [(v4, "/proc/net/udp"), (v6, "/proc/net/udp6")] {
        if inodes.is_empty() {
            continue;
        }
        let text = std::fs::read_to_string(table).ok()?;
        let drops = drops_by_inode(&text);
        for inode in inodes {
            total += drops
                .iter()
                .find(|(found, _)| Some(*found) == *inode)
                .map(|(_, drops)| *drops)?;
        }
    }
    Some(total)
}

/// `(inode, drops)` of each socket line of a `/proc/net/udp` table.
fn drops_by_inode(table: &str) -> Vec<(u64, u64)> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
            let inode = fields.get(9)?.parse().ok()?;
            let drops = fields.get(12)?.parse().ok()?;
            Some((inode, drops))
        })
        .collect()
}

/// The run's count of timeouts, kept as they happen (an atomic add per timeout, nothing per
/// answer).
#[derive(Debug, Default)]
pub struct Timeouts {
    tries: AtomicU64,
    lookups: AtomicU64,
}

impl Timeouts {
    /// One try got no answer in time.
    pub fn try_timed_out(&self) {
        self.tries.fetch_add(1, Ordering::Relaxed);
    }

    /// One lookup ended as a timeout after all its retries.
    pub fn lookup_timed_out(&self) {
        self.lookups.fetch_add(1, Ordering::Relaxed);
    }

    /// `(tries, lookups)` so far.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.tries.load(Ordering::Relaxed),
            self.lookups.load(Ordering::Relaxed),
        )
    }
}

/// What the run's UDP sockets lost and were given: the run summary's `network` object (the
/// NDJSON `run` line, the JSON document), and the human totals' advice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct NetworkSummary {
    /// Tries that got no answer in time: every try counted, retries included (UDP and TCP).
    pub queries_timed_out: u64,
    /// Lookups that ended as a timeout after all their retries: each is a "not verified
    /// (timeout)" in some domain's report.
    pub lookups_timed_out: u64,
    /// Answers the kernel dropped because a mailcheck socket's receive buffer was full;
    /// absent when this system does not say (it is counted on Linux only): unknown, not 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers_dropped: Option<u64>,
    /// Each UDP socket's receive buffer, when mailcheck asked for more than the system's
    /// default (a `--concurrency` above 208).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receive_buffer: Option<ReceiveBuffer>,
}

impl NetworkSummary {
    /// Whether a lower `--concurrency` may help: answers were lost or tries timed out.
    pub fn lost_answers(&self) -> bool {
        self.queries_timed_out > 0 || self.answers_dropped.is_some_and(|drops| drops > 0)
    }

    /// The advice for people when answers were lost: "12 queries timed out (3 answers
    /// dropped by this machine's receive buffers); a lower --concurrency may help".
    pub fn advice(&self) -> Option<String> {
        if !self.lost_answers() {
            return None;
        }
        let plural = |count: u64, one: &str, many: &str| {
            format!("{count} {}", if count == 1 { one } else { many })
        };
        let timed_out = format!(
            "{} timed out",
            plural(self.queries_timed_out, "query", "queries")
        );
        let dropped = match self.answers_dropped {
            Some(0) => String::new(),
            Some(drops) => format!(
                " ({} dropped by this machine's receive buffers)",
                plural(drops, "answer", "answers")
            ),
            None => " (answers dropped by this machine: unknown)".to_owned(),
        };
        Some(format!(
            "{timed_out}{dropped}; a lower --concurrency may help"
        ))
    }

    /// The note for people when the receive buffers were capped: what was given, what was
    /// wanted, and what to do.
    pub fn capped_note(&self) -> Option<String> {
        let buffer = self.receive_buffer.filter(|buffer| buffer.capped)?;
        Some(format!(
            "UDP receive buffers capped at {} KB of the {} KB wanted per socket \
             (net.core.rmem_max); raise it, or lower --concurrency, if answers are lost",
            buffer.granted / 1024,
            buffer.wanted / 1024
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_grow_with_the_concurrency() {
        assert_eq!(wanted_receive_buffer(1024, 8), 1 << 20);
        assert_eq!(wanted_receive_buffer(4096, 8), 4 << 20);
        assert_eq!(wanted_receive_buffer(64, 8), 64 << 10);
        assert_eq!(wanted_receive_buffer(1, 0), 8192);
    }

    #[test]
    fn drops_are_read_by_inode() {
        let table = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
          1: 00000000:A3F2 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17\n\
          2: 00000000:A3F3 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4243 2 0000000000000000 0\n";
        assert_eq!(drops_by_inode(table), [(4242, 17), (4243, 0)]);
    }

    #[tokio::test]
    async fn a_socket_gets_a_buffer_and_its_drops_are_found() {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let buffer = size_receive_buffer(&socket, 1 << 20).expect("larger than the default");
        assert_eq!(buffer.wanted, 1 << 20);
        assert!(buffer.granted > 0);
        assert_eq!(buffer.capped, buffer.granted < buffer.wanted);
        assert_eq!(size_receive_buffer(&socket, 1024), None, "already larger");
        if cfg!(target_os = "linux") {
            let inode = socket_inode(&socket);
            assert!(inode.is_some());
            assert_eq!(kernel_drops(&[inode], &[]), Some(0));
            assert_eq!(kernel_drops(&[Some(u64::MAX)], &[]), None, "not found");
        }
    }

    #[test]
    fn the_advice_counts_timeouts_and_drops() {
        let mut summary = NetworkSummary {
            answers_dropped: Some(0),
            ..NetworkSummary::default()
        };
        assert_eq!(summary.advice(), None);
        summary.queries_timed_out = 12;
        summary.answers_dropped = Some(3);
        assert_eq!(
            summary.advice().unwrap(),
            "12 queries timed out (3 answers dropped by this machine's receive buffers); \
             a lower --concurrency may help"
        );
        summary.queries_timed_out = 1;
        summary.answers_dropped = None;
        assert_eq!(
            summary.advice().unwrap(),
            "1 query timed out (answers dropped by this machine: unknown); \
             a lower --concurrency may help"
        );
    }
}
