//! Record selection (RFC 7208 §4.5): which of a domain's TXT records is its SPF record.

use super::record::is_spf_record;
use crate::txt::TxtRecord;

/// What selection found among a domain's TXT records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// No record starts with `v=spf1`: the result is `none`.
    None,
    /// Exactly one SPF record.
    One(TxtRecord),
    /// More than one: a `permerror` (RFC 7208 §4.5).
    Multiple(Vec<TxtRecord>),
}

/// Picks the SPF records among TXT records given as character-strings: those whose joined
/// text starts with `v=spf1` (any case) followed by a space or the end.
pub fn select_records<'a>(records: impl Iterator<Item = &'a Vec<Vec<u8>>>) -> Selection {
    let mut found: Vec<TxtRecord> = records
        .filter(|strings| is_spf_record(&strings.concat()))
        .map(|strings| TxtRecord::new(strings.clone()))
        .collect();
    match found.len() {
        0 => Selection::None,
        1 => Selection::One(found.remove(0)),
        _ => Selection::Multiple(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(parts: &[&str]) -> Vec<Vec<u8>> {
        parts.iter().map(|part| part.as_bytes().to_vec()).collect()
    }

    #[test]
    fn joins_strings_and_ignores_other_records() {
        let records = [
            strings(&["google-site-verification=abc"]),
            strings(&["v=spf1 ip4:", "192.0.2.5 -all"]),
            strings(&["v=spf10"]),
            Vec::new(),
        ];
        assert_eq!(
            select_records(records.iter()),
            Selection::One(TxtRecord::new(strings(&["v=spf1 ip4:", "192.0.2.5 -all"])))
        );
        if let Selection::One(found) = select_records(records.iter()) {
            assert_eq!(found.text, "v=spf1 ip4:192.0.2.5 -all");
        }
    }

    #[test]
    fn counts_records_case_insensitively() {
        let records = [strings(&["v=spf1 -all"]), strings(&["V=sPf1 +all"])];
        assert!(matches!(
            select_records(records.iter()),
            Selection::Multiple(found) if found.len() == 2
        ));
        assert_eq!(select_records([].iter()), Selection::None);
    }
}
