//! From hickory-proto's records to mailcheck's: only the types the audit asks for, names in
//! mailcheck's lower-case form, SPF (type 99) split into its character-strings by hand because
//! hickory-proto has no type for it.

use hickory_resolver::proto::rr::{self as hrr, RData};

use crate::dns::{Name, Record, RecordData, RecordType};

/// The hickory-proto record type for one of ours.
pub(super) fn hickory_type(rtype: RecordType) -> hrr::RecordType {
    match rtype {
        RecordType::A => hrr::RecordType::A,
        RecordType::Aaaa => hrr::RecordType::AAAA,
        RecordType::Cname => hrr::RecordType::CNAME,
        RecordType::Mx => hrr::RecordType::MX,
        RecordType::Ptr => hrr::RecordType::PTR,
        RecordType::Txt => hrr::RecordType::TXT,
        RecordType::Spf => hrr::RecordType::from(99),
    }
}

/// Converts a record of a type the audit knows, whose owner name is `owner` (the record's
/// name converted once for all the records at it); any other type gives `None`.
pub(super) fn convert_record(record: &hrr::Record, owner: &Name) -> Option<Record> {
    let data = match &record.data {
        RData::A(a) => RecordData::A(a.0),
        RData::AAAA(aaaa) => RecordData::Aaaa(aaaa.0),
        RData::CNAME(cname) => RecordData::Cname(convert_name(&cname.0)),
        RData::MX(mx) => RecordData::Mx {
            preference: mx.preference,
            exchange: convert_name(&mx.exchange),
        },
        RData::PTR(ptr) => RecordData::Ptr(convert_name(&ptr.0)),
        RData::TXT(txt) => RecordData::Txt(txt.txt_data.iter().map(|s| s.to_vec()).collect()),
        RData::Unknown { code, rdata } if u16::from(*code) == 99 => {
            RecordData::Spf(character_strings(&rdata.anything))
        }
        _ => return None,
    };
    Some(Record {
        name: owner.clone(),
        ttl: record.ttl,
        data,
    })
}

/// A name in mailcheck's lower-case form, without the trailing dot.
pub(super) fn convert_name(name: &hrr::Name) -> Name {
    Name::new(&name.to_ascii())
}

/// Splits wire-format RDATA into its length-prefixed character-strings (RFC 1035 §3.3); a
/// truncated last string keeps what is there.
fn character_strings(mut rdata: &[u8]) -> Vec<Vec<u8>> {
    let mut strings = Vec::new();
    while let Some((&len, rest)) = rdata.split_first() {
        let len = usize::from(len).min(rest.len());
        strings.push(rest[..len].to_vec());
        rdata = &rest[len..];
    }
    strings
}

#[cfg(test)]
mod tests {
    use super::character_strings;

    #[test]
    fn splits_character_strings() {
        assert_eq!(
            character_strings(b"\x03abc\x00\x02de"),
            vec![b"abc".to_vec(), vec![], b"de".to_vec()]
        );
        assert_eq!(character_strings(b"\x05ab"), vec![b"ab".to_vec()]);
        assert!(character_strings(b"").is_empty());
    }
}
