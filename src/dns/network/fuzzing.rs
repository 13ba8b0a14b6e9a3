//! The checks behind the `dns_answer` fuzz target: whatever bytes come back from a name
//! server, reading them as an answer must never panic, following the CNAME chain in them
//! must end (a loop inside one answer included), and a loop is a failure whatever the
//! answer's response code.

use hickory_resolver::proto::op::Message;

use super::records::{convert_name, hickory_type};
use super::{answer_outcome, follow_chain};
use crate::dns::RecordType;

/// Reads `data` as a DNS answer and follows the chain for its question (or a fixed name when
/// there is none), for every record type an audit asks for.
///
/// # Panics
///
/// When a check fails: that is what the fuzzer looks for.
pub fn answer_target(data: &[u8]) {
    let Ok(answer) = Message::from_vec(data) else {
        return;
    };
    let name = answer.queries.first().map_or_else(
        || "example.test.".parse().expect("a valid name"),
        |query| query.name.clone(),
    );
    let asked = convert_name(&name);
    for rtype in RecordType::ALL {
        let chain = follow_chain(&answer.answers, &name, &asked, hickory_type(rtype));
        // One step per record at most, each adding at most the records at one name.
        assert!(chain.records.len() <= answer.answers.len() * (answer.answers.len() + 1));
        let looped = chain.looped.is_some();
        let outcome = answer_outcome(answer.metadata.response_code, chain);
        assert!(
            !looped || outcome.is_failure(),
            "a loop read as {outcome:?}"
        );
    }
}
