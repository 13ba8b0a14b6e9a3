//! The checks the fuzz targets run (`fuzz/fuzz_targets/spf_*.rs`), here so that the
//! regression test (`tests/spf_fuzz_regressions.rs`) runs exactly the same ones on the
//! committed inputs. Each panics if the parser or the expander breaks a promise: a panic, a
//! span outside the text or off a character boundary, or an unbounded expansion.

use std::net::{IpAddr, Ipv6Addr};

use super::macros::{
    MAX_EXPANSION, MacroContext, MacroValues, expand, parse_macro_string, truncate_domain,
};
use super::record::parse_record;
use super::select::select_records;

/// The record parser and record selection on `data`.
pub fn record_target(data: &[u8]) {
    // Selection sees raw character-strings (split at 0xff bytes, for variety).
    let strings: Vec<Vec<u8>> = data.split(|&b| b == 0xff).map(<[u8]>::to_vec).collect();
    let _ = select_records([strings].iter());
    let text = String::from_utf8_lossy(data);
    let record = parse_record(&text);
    for problem in &record.problems {
        assert!(problem.span.start <= problem.span.end, "{problem:?}");
        assert!(
            text.get(problem.span.start..problem.span.end).is_some(),
            "{problem:?} is not a slice of {text:?}"
        );
    }
    for term in &record.terms {
        assert_eq!(
            text.get(term.span.start..term.span.end),
            Some(term.text.as_str())
        );
    }
}

/// Macro-string parsing in both contexts, and expansion with values taken from `data`: the
/// part before the first NUL is the macro string, the rest feeds the values.
pub fn macro_target(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (macro_text, rest) = text
        .split_once('\0')
        .unwrap_or((&text, "local@example.com"));
    let mut octets = [0u8; 16];
    for (octet, byte) in octets.iter_mut().zip(rest.bytes()) {
        *octet = byte;
    }
    let ip = if data.first().is_some_and(|b| b & 1 == 1) {
        IpAddr::V6(Ipv6Addr::from(octets))
    } else {
        IpAddr::V4([octets[0], octets[1], octets[2], octets[3]].into())
    };
    let (local, domain) = rest.rsplit_once('@').unwrap_or((rest, rest));
    let values = MacroValues {
        sender: rest,
        local,
        sender_domain: domain,
        domain,
        ip,
        helo: rest,
        validated: Some(domain),
        receiver: rest,
        timestamp: u64::from(octets[0]) << 40,
    };
    for context in [MacroContext::Domain, MacroContext::Explanation] {
        let (parsed, problems) = parse_macro_string(macro_text, 3, context);
        for problem in &problems {
            assert!(problem.span.start >= 3 && problem.span.end <= macro_text.len() + 3);
            assert!(
                macro_text
                    .get(problem.span.start - 3..problem.span.end - 3)
                    .is_some()
            );
        }
        let expanded = expand(&parsed, &values, context);
        // A multi-byte character cut at the bound becomes U+FFFD: a few bytes more at most.
        assert!(expanded.len() <= MAX_EXPANSION + 8, "{}", expanded.len());
        let _ = truncate_domain(&expanded);
    }
}
