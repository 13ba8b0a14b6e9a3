//! The live source's transport (src/dns/network): TCP after a truncated UDP answer, CNAME
//! chains across zones (the server's first link, then the rest followed by the chase layer
//! through the cache), server order and retries, and answers that must be ignored because
//! their id, source address or question does not match (RFC 5452 §9.1). Against the
//! in-process server for `fixtures/network`, and against a hand-driven UDP socket where the
//! test needs to misbehave on purpose.

mod support;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use hickory_resolver::proto::op::{Message, ResponseCode};
use hickory_resolver::proto::rr::rdata::A;
use hickory_resolver::proto::rr::{RData, Record as HickoryRecord};
use mailcheck::dns::cache::CachingSource;
use mailcheck::dns::chase::ChasingSource;
use mailcheck::dns::network::{NetworkSource, ResolverSettings};
use mailcheck::dns::{DnsSource, Name, Outcome, RecordData, RecordType};
use support::server::{Action, Behaviour, TestServer};
use tokio::net::UdpSocket;

fn network_fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/network")
}

fn source(nameservers: Vec<SocketAddr>, timeout_ms: u64, retries: usize) -> NetworkSource {
    NetworkSource::new(&ResolverSettings {
        nameservers,
        timeout: Duration::from_millis(timeout_ms),
        retries,
        max_qps: None,
    })
    .unwrap()
}

/// The network source as a run stacks it: the chase layer over the single-flight cache.
fn chasing(network: NetworkSource) -> ChasingSource<CachingSource<NetworkSource>> {
    ChasingSource::new(CachingSource::new(network))
}

/// The CNAME links of an answer, `owner -> target`.
fn links_of(outcome: &Outcome) -> Vec<String> {
    outcome
        .records()
        .iter()
        .filter_map(|record| match &record.data {
            RecordData::Cname(target) => Some(format!("{} -> {target}", record.name)),
            _ => None,
        })
        .collect()
}

/// What the server received, as `TYPE name`, in arrival order.
fn received_questions(server: &TestServer) -> Vec<String> {
    server
        .received()
        .iter()
        .map(|query| format!("{} {}", query.rtype, query.name))
        .collect()
}

/// A UDP port that never answers.
async fn silent_server() -> (UdpSocket, SocketAddr) {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = socket.local_addr().unwrap();
    (socket, addr)
}

fn txt_of(outcome: &Outcome) -> Vec<String> {
    match outcome {
        Outcome::Records(records) => records
            .iter()
            .filter_map(|record| match &record.data {
                RecordData::Txt(strings) => Some(String::from_utf8_lossy(&strings.concat()).into()),
                _ => None,
            })
            .collect(),
        other => panic!("expected records, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_answer_is_asked_again_over_tcp() {
    let server = TestServer::start(&network_fixtures(), Behaviour::default());
    let live = source(vec![server.addr], 2000, 0);
    let outcome = live
        .query(&Name::new("big.chain-a.test"), RecordType::Txt)
        .await;
    let text = txt_of(&outcome);
    assert_eq!(text.len(), 1);
    assert_eq!(
        text[0].len(),
        6 * 250,
        "the whole record, not a truncated one"
    );
    let received = server.received();
    let over = |tcp: bool| received.iter().filter(|query| query.tcp == tcp).count();
    assert_eq!((over(false), over(true)), (1, 1), "{received:?}");
}

/// hickory-server, like any authoritative server, answers a CNAME whose target is in another
/// zone with that one link: the network source returns it as it came, and does not ask on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_network_source_returns_the_servers_first_link_as_it_came() {
    let server = TestServer::start(&network_fixtures(), Behaviour::default());
    let live = source(vec![server.addr], 2000, 0);
    let outcome = live
        .query(&Name::new("start.chain-a.test"), RecordType::Txt)
        .await;
    assert_eq!(
        links_of(&outcome),
        vec!["start.chain-a.test -> next.chain-b.test"]
    );
    assert_eq!(outcome.records().len(), 1, "{outcome:?}");
    assert_eq!(received_questions(&server), vec!["TXT start.chain-a.test"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cname_chain_across_zones_is_followed_to_its_end_above_the_cache() {
    let server = TestServer::start(&network_fixtures(), Behaviour::default());
    let stack = chasing(source(vec![server.addr], 2000, 0));
    let start = Name::new("start.chain-a.test");
    let next = Name::new("next.chain-b.test");
    let end = Name::new("end.chain-a.test");
    // The chain, its middle link and its end asked at once: each question is sent once.
    let (outcome, middle, direct) = tokio::join!(
        stack.query(&start, RecordType::Txt),
        stack.query(&next, RecordType::Txt),
        stack.query(&end, RecordType::Txt),
    );
    assert_eq!(txt_of(&outcome), vec!["v=spf1 -all"]);
    assert_eq!(
        links_of(&outcome),
        vec![
            "start.chain-a.test -> next.chain-b.test",
            "next.chain-b.test -> end.chain-a.test"
        ]
    );
    // The links first, then the records, as a recursive resolver answers.
    assert!(matches!(
        outcome.records().last().map(|record| &record.data),
        Some(RecordData::Txt(_))
    ));
    assert_eq!(
        links_of(&middle),
        vec!["next.chain-b.test -> end.chain-a.test"]
    );
    assert_eq!(txt_of(&direct), vec!["v=spf1 -all"]);
    let mut received = received_questions(&server);
    received.sort();
    assert_eq!(
        received,
        vec![
            "TXT end.chain-a.test",
            "TXT next.chain-b.test",
            "TXT start.chain-a.test"
        ]
    );
    // Asked again later: from the cache.
    assert_eq!(stack.query(&start, RecordType::Txt).await, outcome);
    assert_eq!(server.received().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cname_loop_or_an_overlong_chain_is_an_error_not_a_hang() {
    let server = TestServer::start(&network_fixtures(), Behaviour::default());
    let stack = chasing(source(vec![server.addr], 2000, 0));
    let looped = tokio::time::timeout(
        Duration::from_secs(10),
        stack.query(&Name::new("loop.chain-a.test"), RecordType::Txt),
    )
    .await
    .expect("a loop ends");
    assert_eq!(
        looped,
        Outcome::Error("a CNAME loop at loop.chain-a.test.".to_owned())
    );
    assert!(looped.is_failure(), "not verified, never absent");
    assert_eq!(
        received_questions(&server),
        vec!["TXT loop.chain-a.test", "TXT loop.chain-b.test"],
        "each link asked once"
    );
    server.clear_received();
    let long = stack
        .query(&Name::new("hop0.chain-a.test"), RecordType::Txt)
        .await;
    assert_eq!(
        long,
        Outcome::Error("a CNAME chain longer than 8 links at hop0.chain-a.test.".to_owned())
    );
    assert_eq!(server.received().len(), 8, "one query per link, at most 8");
    // Asked for the CNAME itself, the first link is the answer.
    let own = stack
        .query(&Name::new("hop0.chain-a.test"), RecordType::Cname)
        .await;
    assert!(matches!(own, Outcome::Records(ref records) if records.len() == 1));
}

/// A chain that ends at no record of the type is NODATA, one that ends at a name that does
/// not exist is NXDOMAIN, and one whose link fails is that failure: what the network source
/// gave when it followed chains itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_ends_as_its_last_link_does() {
    let server = TestServer::start(
        &network_fixtures(),
        Behaviour {
            rules: vec![("end.chain-a.test".to_owned(), Action::ServFail)],
            delay: Duration::ZERO,
        },
    );
    let stack = chasing(source(vec![server.addr], 2000, 0));
    // start -> next.chain-b -> end, which has TXT only.
    let start = Name::new("start.chain-a.test");
    assert_eq!(
        stack.query(&start, RecordType::Txt).await,
        Outcome::ServFail
    );
    // hop9.chain-b -> hop10, which has no A record.
    assert_eq!(
        stack
            .query(&Name::new("hop9.chain-b.test"), RecordType::A)
            .await,
        Outcome::NoData
    );
    // next.chain-b -> end.chain-a, whose every answer fails: never absent.
    let failed = stack
        .query(&Name::new("next.chain-b.test"), RecordType::Mx)
        .await;
    assert_eq!(failed, Outcome::ServFail);
    assert!(failed.is_failure());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_server_is_skipped_for_the_next_one() {
    let server = TestServer::start(&network_fixtures(), Behaviour::default());
    let (_silent, dead) = silent_server().await;
    let live = source(vec![dead, server.addr], 200, 0);
    let started = Instant::now();
    let outcome = live
        .query(&Name::new("end.chain-a.test"), RecordType::Txt)
        .await;
    assert_eq!(txt_of(&outcome), vec!["v=spf1 -all"]);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_and_server_failures_are_retried_then_reported_as_such() {
    let (_silent, dead) = silent_server().await;
    let live = source(vec![dead], 150, 2);
    let started = Instant::now();
    let outcome = live
        .query(&Name::new("end.chain-a.test"), RecordType::Txt)
        .await;
    assert_eq!(outcome, Outcome::Timeout);
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "three tries"
    );

    let failing = TestServer::start(
        &network_fixtures(),
        Behaviour {
            rules: vec![("end.chain-a.test".to_owned(), Action::ServFail)],
            delay: Duration::ZERO,
        },
    );
    let live = source(vec![failing.addr], 1000, 2);
    let outcome = live
        .query(&Name::new("end.chain-a.test"), RecordType::Txt)
        .await;
    assert_eq!(outcome, Outcome::ServFail);
    assert_eq!(failing.received().len(), 3, "one try and two retries");
    // A negative answer is an answer: not retried.
    failing.clear_received();
    let outcome = live
        .query(&Name::new("nope.chain-a.test"), RecordType::Txt)
        .await;
    assert_eq!(outcome, Outcome::NxDomain);
    assert_eq!(failing.received().len(), 1);
}

/// Receives one query from `socket` and returns it with the address it came from.
async fn next_query(socket: &UdpSocket) -> (Message, SocketAddr) {
    let mut buffer = vec![0_u8; 4096];
    let (len, from) = socket.recv_from(&mut buffer).await.unwrap();
    (Message::from_vec(&buffer[..len]).unwrap(), from)
}

/// An answer to `query` with one A record.
fn answer(query: &Message, address: Ipv4Addr) -> Vec<u8> {
    let mut response = Message::response(query.metadata.id, query.metadata.op_code);
    response.add_queries(query.queries.clone());
    let name = query.queries[0].name.clone();
    response.add_answer(HickoryRecord::from_rdata(name, 60, RData::A(A(address))));
    response.to_vec().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_with_the_wrong_source_question_or_id_are_ignored() {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let server = socket.local_addr().unwrap();
    let forger = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let fake = tokio::spawn(async move {
        let (query, client) = next_query(&socket).await;
        let spoofed = Ipv4Addr::new(192, 0, 2, 66);
        // The right id and question, from another port.
        forger
            .send_to(&answer(&query, spoofed), client)
            .await
            .unwrap();
        // The right id and address, another question.
        let mut other = query.clone();
        other.queries[0].name = "other.example.test.".parse().unwrap();
        socket
            .send_to(&answer(&other, spoofed), client)
            .await
            .unwrap();
        // The right address and question, another id.
        let mut wrong_id = query.clone();
        wrong_id.metadata.id = query.metadata.id.wrapping_add(1);
        socket
            .send_to(&answer(&wrong_id, spoofed), client)
            .await
            .unwrap();
        // A query, not a response.
        socket
            .send_to(&query.to_vec().unwrap(), client)
            .await
            .unwrap();
        // Then the real answer.
        tokio::time::sleep(Duration::from_millis(50)).await;
        socket
            .send_to(&answer(&query, Ipv4Addr::new(192, 0, 2, 1)), client)
            .await
            .unwrap();
    });
    let live = source(vec![server], 2000, 0);
    let outcome = live
        .query(&Name::new("host.example.test"), RecordType::A)
        .await;
    fake.await.unwrap();
    let Outcome::Records(records) = outcome else {
        panic!("expected records, got {outcome:?}")
    };
    let addresses: Vec<&RecordData> = records.iter().map(|record| &record.data).collect();
    assert_eq!(addresses, vec![&RecordData::A(Ipv4Addr::new(192, 0, 2, 1))]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_answer_is_an_error_not_a_timeout() {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let server = socket.local_addr().unwrap();
    let fake = tokio::spawn(async move {
        let (query, client) = next_query(&socket).await;
        // The header of a response with one answer, and then nothing.
        let mut garbage = query.metadata.id.to_be_bytes().to_vec();
        garbage.extend_from_slice(&[0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 7]);
        socket.send_to(&garbage, client).await.unwrap();
    });
    let live = source(vec![server], 5000, 0);
    let started = Instant::now();
    let outcome = live
        .query(&Name::new("host.example.test"), RecordType::A)
        .await;
    fake.await.unwrap();
    assert!(
        matches!(&outcome, Outcome::Error(message) if message.contains("malformed")),
        "{outcome:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2), "not a timeout");
}

/// Many queries at once on the shared sockets, answered in reverse order: each gets its own
/// answer (the ids keep them apart, and an id freed by one query may be taken by the next).
///
/// At most 100 are in flight: the fake server reads one socket, whose kernel buffer (212 KB
/// by default on Linux) holds only about 200 small datagrams, and 600 sent at once overflowed
/// it whenever the reader was slow to run (a shared machine): a dropped query was a timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_queries_each_get_their_own_answer() {
    const QUERIES: usize = 600;
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let server = socket.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let mut batch = Vec::new();
            while batch.len() < 50 {
                batch.push(next_query(&socket).await);
            }
            for (query, client) in batch.into_iter().rev() {
                // host-N.example.test. gets 10.0.N/256.N%256.
                let name = query.queries[0].name.to_ascii();
                let n: u16 = name
                    .trim_start_matches("host-")
                    .split('.')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                let [high, low] = n.to_be_bytes();
                let address = Ipv4Addr::new(10, 0, high, low);
                socket
                    .send_to(&answer(&query, address), client)
                    .await
                    .unwrap();
            }
        }
    });
    let live = source(vec![server], 5000, 0).with_max_in_flight(100);
    let names: Vec<Name> = (0..QUERIES)
        .map(|n| Name::new(&format!("host-{n}.example.test")))
        .collect();
    let outcomes =
        futures_util::future::join_all(names.iter().map(|name| live.query(name, RecordType::A)))
            .await;
    for (n, outcome) in outcomes.iter().enumerate() {
        let [high, low] = u16::try_from(n).unwrap().to_be_bytes();
        let expected = RecordData::A(Ipv4Addr::new(10, 0, high, low));
        assert!(
            matches!(outcome, Outcome::Records(records) if records.len() == 1 && records[0].data == expected),
            "host-{n}: {outcome:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_or_another_error_code_is_not_taken_for_an_absent_record() {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let server = socket.local_addr().unwrap();
    tokio::spawn(async move {
        for code in [ResponseCode::Refused, ResponseCode::FormErr] {
            let (query, client) = next_query(&socket).await;
            let mut response = Message::error_msg(query.metadata.id, query.metadata.op_code, code);
            response.add_queries(query.queries.clone());
            socket
                .send_to(&response.to_vec().unwrap(), client)
                .await
                .unwrap();
        }
    });
    let live = source(vec![server], 2000, 0);
    let name = Name::new("host.example.test");
    assert_eq!(live.query(&name, RecordType::A).await, Outcome::Refused);
    let outcome = live.query(&name, RecordType::A).await;
    assert!(
        matches!(&outcome, Outcome::Error(message) if message.contains(&server.to_string())),
        "{outcome:?}"
    );
    assert!(outcome.is_failure(), "could not verify, not absent");
}

/// A server whose every answer is a CNAME loop inside the answer itself: the lookup ends
/// with an error naming the loop, and the fuzz target's checks hold on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cname_loop_inside_one_answer_ends() {
    use hickory_resolver::proto::rr::rdata::CNAME;
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let server = socket.local_addr().unwrap();
    let looped = |query: &Message| {
        let mut response = Message::response(query.metadata.id, query.metadata.op_code);
        response.add_queries(query.queries.clone());
        let a: hickory_resolver::proto::rr::Name = "a.example.test.".parse().unwrap();
        let b: hickory_resolver::proto::rr::Name = "b.example.test.".parse().unwrap();
        response.add_answer(HickoryRecord::from_rdata(
            a.clone(),
            60,
            RData::CNAME(CNAME(b.clone())),
        ));
        response.add_answer(HickoryRecord::from_rdata(b, 60, RData::CNAME(CNAME(a))));
        response.to_vec().unwrap()
    };
    let first = {
        let mut query = Message::query();
        query.add_query(hickory_resolver::proto::op::Query::query(
            "a.example.test.".parse().unwrap(),
            hickory_resolver::proto::rr::RecordType::TXT,
        ));
        looped(&query)
    };
    mailcheck::dns::network::fuzzing::answer_target(&first);
    tokio::spawn(async move {
        loop {
            let (query, client) = next_query(&socket).await;
            socket.send_to(&looped(&query), client).await.unwrap();
        }
    });
    // The network source sees the loop in the answer itself (whatever the response code
    // beside it, tests/hostile_dns.rs), and the chase layer passes the failure on.
    let live = source(vec![server], 2000, 0);
    let name = Name::new("a.example.test");
    let looped = Outcome::Error("a CNAME loop at a.example.test.".to_owned());
    assert_eq!(live.query(&name, RecordType::Txt).await, looped);
    assert_eq!(chasing(live).query(&name, RecordType::Txt).await, looped);
}
