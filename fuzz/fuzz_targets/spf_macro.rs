//! SPF macro strings: parsing in both contexts and expansion with values taken from the
//! input. No panic, spans inside the text, output bounded.
#![no_main]

use std::net::{IpAddr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use mailcheck::spf::macros::{
    MAX_EXPANSION, MacroContext, MacroValues, expand, parse_macro_string, truncate_domain,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The first part is the macro string; the rest (after a NUL) feeds the values.
    let (macro_text, rest) = text.split_once('\0').unwrap_or((&text, "local@example.com"));
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
            assert!(macro_text.get(problem.span.start - 3..problem.span.end - 3).is_some());
        }
        let expanded = expand(&parsed, &values, context);
        // Replacement characters may widen a cut multi-byte sequence by a few bytes.
        assert!(expanded.len() <= MAX_EXPANSION + 8, "{}", expanded.len());
        let _ = truncate_domain(&expanded);
    }
});
