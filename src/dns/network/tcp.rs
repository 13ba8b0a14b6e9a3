//! Queries over TCP, for answers too large for UDP (TC=1, RFC 7766 §5): one connection per
//! query. Truncation is rare for the records an audit reads (a 4096-bit DKIM key fits in the
//! 1232 bytes offered over UDP), so connections are not kept or pipelined.
//!
//! An answer over TCP with TC=1 still is not the whole answer, and there is no bigger
//! transport to ask again over: it is a failed exchange, never an empty (NODATA) one.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::proto::op::{Message, Query};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Exchange;
use super::udp::answers_question;

/// Sends `query` (an encoded query asking `question`) to `server` over TCP and waits up to
/// `timeout`, connection included, for the answer.
pub async fn exchange(
    server: SocketAddr,
    query: &[u8],
    question: &Query,
    timeout: Duration,
) -> Exchange {
    let id = rand::random::<u16>();
    // Over TCP a message is preceded by its length in two bytes (RFC 1035 §4.2.2).
    let Ok(len) = u16::try_from(query.len()) else {
        return Exchange::Failed("the query is too long for TCP".to_owned());
    };
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(query);
    framed[2..4].copy_from_slice(&id.to_be_bytes());
    match tokio::time::timeout(timeout, send_and_read(server, &framed)).await {
        Err(_) => Exchange::Timeout,
        Ok(Err(error)) => Exchange::Failed(format!("TCP to {server}: {error}")),
        Ok(Ok(bytes)) => match Message::from_vec(&bytes) {
            Ok(answer) if answer.metadata.id == id && answers_question(&answer, question) => {
                if answer.metadata.truncation {
                    return Exchange::Failed(format!(
                        "truncated answer (TC=1) over TCP from {server}"
                    ));
                }
                Exchange::Answer(answer)
            }
            Ok(_) => Exchange::Failed(format!(
                "the TCP answer from {server} does not match the question"
            )),
            Err(error) => Exchange::Failed(format!("malformed TCP answer from {server}: {error}")),
        },
    }
}

async fn send_and_read(server: SocketAddr, framed: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(server).await?;
    stream.write_all(framed).await?;
    let mut len = [0_u8; 2];
    stream.read_exact(&mut len).await?;
    let mut answer = vec![0_u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut answer).await?;
    Ok(answer)
}
