use super::*;

fn read(text: &str) -> Zone {
    parse("test.zone", text.as_bytes())
}

fn data_at<'z>(zone: &'z Zone, name: &str, rtype: u16) -> Vec<&'z RecordData> {
    zone.records
        .iter()
        .filter(|record| record.name.as_str() == name && record.rtype == rtype)
        .filter_map(|record| record.data.as_ref())
        .collect()
}

fn txt(strings: &[&str]) -> RecordData {
    RecordData::Txt(strings.iter().map(|s| s.as_bytes().to_vec()).collect())
}

const BASIC: &str = r#"$ORIGIN Example.TEST.
$TTL 1h
@   IN  SOA ns1 hostmaster (
        2024010101 ; serial
        2h         ; refresh
        15m 2w 300 )
    IN  NS  ns1
    IN  MX  10 mail
    IN  MX  20 mail.other.test.
    IN  TXT "v=spf1 mx -all"
ns1 300 IN A 93.184.216.1
mail    A   93.184.216.2
        AAAA 2606:2800:220:1::2
sel._domainkey 600 IN TXT ( "v=DKIM1; k=rsa; "   ; the key, in parts
        "p=MIIBIjAN"
        "BgkqhkiG" )  ; comment with "quotes" and (parens)
_dmarc  TXT "v=DMARC1\059 p=none\; rua=mailto:d@example.test"
quoted  TXT "say \"hi\"" \065\066 "a; b" "c"
www     CNAME web
web     A 93.184.216.3
unknown TYPE65280 \# 2 abcd
caa     CAA 0 issue "ca.test"
"#;

#[test]
fn reads_a_real_looking_zone() {
    let zone = read(BASIC);
    assert_eq!(zone.errors, vec![], "{:#?}", zone.errors);
    assert_eq!(zone.origin, Some(Name::new("example.test")));
    // Blank owners continue the previous owner; $TTL 1h applies where no TTL is written.
    let apex: Vec<u16> = zone
        .records
        .iter()
        .filter(|record| record.name.as_str() == "example.test")
        .map(|record| record.rtype)
        .collect();
    assert_eq!(apex, vec![6, 2, 15, 15, 16]);
    assert!(
        zone.records
            .iter()
            .filter(|r| r.name.as_str() == "example.test")
            .all(|r| r.ttl == 3600)
    );
    assert_eq!(
        data_at(&zone, "example.test", 15),
        vec![
            &RecordData::Mx {
                preference: 10,
                exchange: Name::new("mail.example.test")
            },
            &RecordData::Mx {
                preference: 20,
                exchange: Name::new("mail.other.test")
            },
        ]
    );
    // An explicit TTL is kept, and the next record without one keeps using $TTL.
    let ns1 = zone
        .records
        .iter()
        .find(|r| r.name.as_str() == "ns1.example.test")
        .unwrap();
    assert_eq!(ns1.ttl, 300);
    let mail: Vec<&ZoneRecord> = zone
        .records
        .iter()
        .filter(|r| r.name.as_str() == "mail.example.test")
        .collect();
    assert_eq!(mail.len(), 2);
    assert_eq!(mail[0].ttl, 3600);
    assert_eq!(mail[1].rtype, 28, "blank owner continues mail");
    // Three strings over three lines in parentheses, exactly as written.
    assert_eq!(
        data_at(&zone, "sel._domainkey.example.test", 16),
        vec![&txt(&["v=DKIM1; k=rsa; ", "p=MIIBIjAN", "BgkqhkiG"])]
    );
    let dkim = zone
        .records
        .iter()
        .find(|r| r.name.as_str() == "sel._domainkey.example.test")
        .unwrap();
    assert_eq!((dkim.ttl, dkim.location.line), (600, 14));
    // \DDD and \X escapes.
    assert_eq!(
        data_at(&zone, "_dmarc.example.test", 16),
        vec![&txt(&["v=DMARC1; p=none; rua=mailto:d@example.test"])]
    );
    assert_eq!(
        data_at(&zone, "quoted.example.test", 16),
        vec![&txt(&["say \"hi\"", "AB", "a; b", "c"])]
    );
    assert_eq!(
        data_at(&zone, "www.example.test", 5),
        vec![&RecordData::Cname(Name::new("web.example.test"))]
    );
    // Types mailcheck does not model keep their owner and type.
    let unknown = zone
        .records
        .iter()
        .find(|r| r.name.as_str() == "unknown.example.test")
        .unwrap();
    assert_eq!((unknown.rtype, unknown.data.clone()), (65280, None));
    assert!(
        zone.records
            .iter()
            .any(|r| r.name.as_str() == "caa.example.test" && r.rtype == 257)
    );
}

#[test]
fn soa_timers_with_units_are_read() {
    let zone = read("$ORIGIN a.test.\n@ 3600 IN SOA ns h 1 1h 15m 1w 1d\n");
    assert_eq!(zone.errors, vec![]);
    assert_eq!(zone.records.len(), 1);
}

#[test]
fn every_error_is_reported_and_the_rest_is_kept() {
    let text = "$ORIGIN b.test.\n\
                @ IN SOA ns h 1 2 3 4 5\n\
                bad A 999.1.1.1\n\
                good A 93.184.216.1\n\
                weird NOTATYPE x\n\
                mx MX ten mail\n\
                $GENERATE 1-2 x$ A 1.2.3.4\n\
                last TXT \"ok\"\n";
    let zone = read(text);
    let lines: Vec<usize> = zone.errors.iter().map(|e| e.location.line).collect();
    assert_eq!(lines, vec![3, 5, 6, 7], "{:#?}", zone.errors);
    assert!(
        zone.errors[0].message.contains("bad.b.test A"),
        "{}",
        zone.errors[0].message
    );
    assert!(zone.errors[1].message.contains("NOTATYPE"));
    assert!(zone.errors[3].message.contains("$GENERATE"));
    assert!(data_at(&zone, "good.b.test", 1).len() == 1);
    assert_eq!(data_at(&zone, "last.b.test", 16), vec![&txt(&["ok"])]);
    // The unreadable records are kept by owner and type, so queries for them fail.
    let unreadable: Vec<(&str, u16)> = zone
        .unreadable
        .iter()
        .map(|u| (u.name.as_str(), u.rtype))
        .collect();
    assert_eq!(unreadable, vec![("bad.b.test", 1), ("mx.b.test", 15)]);
}

#[test]
fn error_lines_inside_parentheses_point_at_the_line() {
    let text = "$ORIGIN c.test.\n@ IN SOA ns h 1 2 3 4 5\nx IN TXT ( \"a\"\n \"b\"\n \"c\n";
    let zone = read(text);
    assert_eq!(zone.errors.len(), 1, "{:#?}", zone.errors);
    assert_eq!(zone.errors[0].location.line, 5);
    let text = format!(
        "$ORIGIN c.test.\nx IN MX (\n 10\n {} )\ny A 93.184.216.1\n",
        "a".repeat(70)
    );
    let zone = read(&text);
    assert_eq!(zone.errors.len(), 1, "{:#?}", zone.errors);
    assert_eq!(zone.errors[0].location.line, 4);
    assert_eq!(zone.records.len(), 1);
}

#[test]
fn long_strings_are_kept_and_reported() {
    let long = "x".repeat(300);
    let text = format!("$ORIGIN d.test.\n@ TXT \"v=spf1 \" \"{long}\"\nspf SPF \"{long}\"\n");
    let zone = read(&text);
    assert_eq!(zone.errors, vec![]);
    let found: Vec<(&str, u16, usize, usize, usize)> = zone
        .long_strings
        .iter()
        .map(|l| (l.name.as_str(), l.rtype, l.index, l.length, l.location.line))
        .collect();
    assert_eq!(
        found,
        vec![("d.test", 16, 1, 300, 2), ("spf.d.test", 99, 0, 300, 3)]
    );
    assert_eq!(
        data_at(&zone, "d.test", 16),
        vec![&txt(&["v=spf1 ", &long])]
    );
    assert_eq!(
        data_at(&zone, "spf.d.test", 99),
        vec![&RecordData::Spf(vec![long.as_bytes().to_vec()])]
    );
}

#[test]
fn origin_comes_from_soa_or_origin_and_outside_names_are_refused() {
    let zone = read("$ORIGIN sub.e.test.\nwww A 93.184.216.1\nother.test. A 93.184.216.2\n");
    assert_eq!(zone.origin, Some(Name::new("sub.e.test")));
    assert_eq!(zone.records.len(), 1);
    assert_eq!(zone.errors.len(), 1);
    assert!(
        zone.errors[0].message.contains("outside the zone"),
        "{}",
        zone.errors[0].message
    );
    let zone = read("www.f.test. A 93.184.216.1\n");
    assert_eq!(zone.origin, None);
    assert!(zone.errors[0].message.contains("no SOA"));
    let zone = read("$ORIGIN g.test.\nwww A 93.184.216.1\nf.test. IN SOA ns h 1 2 3 4 5\n");
    assert_eq!(zone.origin, Some(Name::new("f.test")), "the SOA decides");
}

#[test]
fn blank_owner_before_any_record_and_at_without_origin() {
    let zone = read("  A 93.184.216.1\n@ A 93.184.216.1\nx A 93.184.216.1\n");
    assert_eq!(zone.errors.len(), 3, "{:#?}", zone.errors);
    assert!(zone.errors[0].message.contains("blank"));
}

#[test]
fn includes_are_read_with_their_origin_and_restored() {
    let mut loader = |from: &str, path: &str| -> Result<(String, Vec<u8>), String> {
        assert_eq!(from, "test.zone");
        match path {
            "keys.txt" => Ok((
                "keys.txt".to_owned(),
                b"sel._domainkey TXT ( \"v=DKIM1; \"\n \"p=AB\" )\n".to_vec(),
            )),
            "self.zone" => Err("no such file".to_owned()),
            _ => Err("unexpected".to_owned()),
        }
    };
    let text = "$ORIGIN h.test.\n@ SOA ns h 1 2 3 4 5\n$INCLUDE keys.txt\n$INCLUDE \"keys.txt\" sub\nafter A 93.184.216.1\n\tAAAA 2606:2800:220:1::1\n$INCLUDE self.zone\n";
    let zone = parse_with("test.zone", text.as_bytes(), None, Some(&mut loader));
    let names: Vec<&str> = zone.records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "h.test",
            "sel._domainkey.h.test",
            "sel._domainkey.sub.h.test",
            "after.h.test",
            "after.h.test"
        ]
    );
    assert_eq!(zone.records[1].location.file.as_ref(), "keys.txt");
    assert_eq!(zone.records[1].location.line, 1);
    assert_eq!(zone.errors.len(), 1);
    assert!(zone.errors[0].message.contains("no such file"));
    // Without a loader, $INCLUDE is an error, not a crash.
    let zone = parse("test.zone", text.as_bytes());
    assert_eq!(zone.errors.len(), 3);
}

#[test]
fn relative_names_need_an_origin_and_a_given_origin_is_used() {
    let zone = parse_with(
        "z",
        b"www A 93.184.216.1\n",
        Some(&Name::new("i.test")),
        None,
    );
    assert_eq!(zone.errors, vec![]);
    assert_eq!(zone.origin, Some(Name::new("i.test")));
    assert_eq!(zone.records[0].name.as_str(), "www.i.test");
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "",
        "\n",
        "(",
        ")",
        "\"",
        "\\",
        "$",
        "$ORIGIN",
        "$TTL",
        "$INCLUDE",
        "@",
        " ",
        "\t(\n",
        "a\\",
        "$ORIGIN \\\n",
        "x TXT \\",
        "x TXT \"\\",
        "$ORIGIN .\n@ A 1.2.3.4\n",
        "$ORIGIN a.\nx 1 2 3 A 1.2.3.4\n",
        "$ORIGIN a.\nx IN IN A 1.2.3.4\n",
        "$ORIGIN a.\nx TXT (\n",
        "$ORIGIN a.\n\u{0}\u{1} A 1.2.3.4\n",
        "$ORIGIN a.\nx\\000 A 1.2.3.4\n",
        "$ORIGIN a.\nx TXT \\999\n",
    ] {
        let _ = read(text);
    }
}

/// Inputs the fuzzer (`fuzz/fuzz_targets/zonefile.rs`) found or that guard its edge cases:
/// read without panicking, with the same invariants the fuzz target checks.
#[test]
fn fuzz_regressions_read_without_panicking() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/zonefile");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("regression corpus") {
        let path = entry.expect("directory entry").path();
        let data = std::fs::read(&path).expect("regression input");
        let zone = parse("regression.zone", &data);
        let lines = data.split(|&b| b == b'\n').count();
        for error in &zone.errors {
            assert!(
                (1..=lines).contains(&error.location.line),
                "{}: {error:?}",
                path.display()
            );
        }
        if let Some(origin) = &zone.origin {
            assert!(
                zone.records
                    .iter()
                    .all(|record| is_within(&record.name, origin))
            );
        }
        let _ = crate::rules::zone::check_zone(&zone);
        count += 1;
    }
    assert!(
        count >= 10,
        "regression corpus missing from {}",
        dir.display()
    );
}
