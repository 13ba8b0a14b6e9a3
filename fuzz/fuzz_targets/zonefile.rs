//! Zone-file reading and conversion: `mailcheck::zonefile::parse` (the lexer, `domain`'s
//! scanner one entry at a time, conversion to mailcheck's types), then the zone lint and the
//! in-memory source built on the result. No panic, no hang, bounded memory, on any bytes.
#![no_main]

use std::future::Future;
use std::task::{Context, Poll, Waker};

use libfuzzer_sys::fuzz_target;
use mailcheck::dns::zone::{OfflineSource, ZoneSource};
use mailcheck::dns::{DnsSource, RecordType};
use mailcheck::zonefile::{is_within, parse};

fuzz_target!(|data: &[u8]| {
    let zone = parse("fuzz.zone", data);
    // Every record the zone keeps lies inside it, and every location is a real line.
    let lines = data.split(|&b| b == b'\n').count();
    if let Some(origin) = &zone.origin {
        for record in &zone.records {
            assert!(is_within(&record.name, origin), "{} outside {origin}", record.name);
        }
    }
    for error in &zone.errors {
        assert!(error.location.line >= 1 && error.location.line <= lines, "{error:?}");
    }
    for record in &zone.records {
        assert!(record.location.line >= 1 && record.location.line <= lines, "{record:?}");
    }
    let _ = mailcheck::rules::zone::check(&zone);
    // The zone source answers from memory: every query is ready at once, whatever the data
    // (CNAME loops, wildcards, delegations).
    let source = ZoneSource::new(std::slice::from_ref(&zone), OfflineSource);
    let mut context = Context::from_waker(Waker::noop());
    for record in zone.records.iter().take(32) {
        for name in [record.name.clone(), record.name.prepend("x")] {
            for rtype in [RecordType::A, RecordType::Mx, RecordType::Txt, RecordType::Cname] {
                let mut query = source.query(&name, rtype);
                assert!(
                    matches!(query.as_mut().poll(&mut context), Poll::Ready(_)),
                    "a zone answer waited"
                );
            }
        }
    }
});
