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
                $GENERATE 1-2 x$ A\n\
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
    assert_eq!(
        unreadable,
        vec![("bad.b.test", 1), ("weird.b.test", 0), ("mx.b.test", 15)]
    );
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
    assert_eq!(zone.errors.len(), 4, "{:#?}", zone.errors);
    assert!(zone.errors[0].message.contains("blank"));
    // The cause is said once, at the top: the origin is missing (not "no SOA").
    assert!(
        zone.errors[1]
            .message
            .contains("relative names (or @) come before any $ORIGIN")
    );
    assert!(zone.needed_origin);
}

/// Included files from memory: a file is known by its name.
#[derive(Default)]
struct MemoryIncludes {
    files: std::collections::HashMap<String, Vec<u8>>,
    /// How many times each file was read.
    reads: std::collections::HashMap<String, usize>,
}

impl MemoryIncludes {
    fn with(files: &[(&str, &str)]) -> Self {
        MemoryIncludes {
            files: files
                .iter()
                .map(|(name, text)| ((*name).to_owned(), text.as_bytes().to_vec()))
                .collect(),
            reads: std::collections::HashMap::new(),
        }
    }
}

impl IncludeLoader for MemoryIncludes {
    fn resolve(&mut self, _from: &SourceFile, written: &str) -> Result<SourceFile, String> {
        if self.files.contains_key(written) {
            Ok(SourceFile::named(written))
        } else {
            Err(format!("{}: no such file", show_path(written)))
        }
    }

    fn read(&mut self, file: &SourceFile, limit: u64) -> Result<Vec<u8>, FileError> {
        let text = self.files.get(&*file.label).cloned().unwrap_or_default();
        *self.reads.entry(file.label.to_string()).or_default() += 1;
        if text.len() as u64 > limit {
            return Err(FileError::TooLarge { limit });
        }
        Ok(text)
    }
}

/// Reads `text` as `test.zone` with `loader` and `limits`.
fn read_limited(text: &str, loader: &mut MemoryIncludes, limits: Limits) -> Zone {
    read_text(
        &SourceFile::named("test.zone"),
        text.as_bytes(),
        None,
        Some(loader),
        false,
        limits,
    )
}

fn messages(zone: &Zone) -> Vec<&str> {
    zone.errors
        .iter()
        .map(|error| error.message.as_str())
        .collect()
}

#[test]
fn includes_are_read_with_their_origin_and_restored() {
    let mut loader = MemoryIncludes::with(&[(
        "keys.txt",
        "sel._domainkey TXT ( \"v=DKIM1; \"\n \"p=AB\" )\n",
    )]);
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
    assert_eq!(
        messages(&zone),
        vec!["$INCLUDE \"self.zone\": no such file"]
    );
    // The file that was not read might have held any name.
    assert!(zone.incomplete);
    // Without a loader, $INCLUDE is an error, not a crash.
    let zone = parse("test.zone", text.as_bytes());
    assert_eq!(zone.errors.len(), 3);
    assert!(zone.incomplete);
    // Everything read: complete.
    assert!(!read("$ORIGIN h.test.\n@ SOA ns h 1 2 3 4 5\n").incomplete);
}

#[test]
fn a_file_on_the_include_stack_is_not_included_again() {
    let mut loader = MemoryIncludes::with(&[
        ("a.txt", "a A 93.184.216.1\n$INCLUDE b.txt\n"),
        (
            "b.txt",
            "b A 93.184.216.2\n$INCLUDE a.txt\n$INCLUDE test.zone\n",
        ),
        ("test.zone", ""),
    ]);
    let text = "$ORIGIN l.test.\n@ SOA ns h 1 2 3 4 5\n$INCLUDE a.txt\n";
    let zone = read_limited(text, &mut loader, Limits::default());
    let names: Vec<&str> = zone.records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["l.test", "a.l.test", "b.l.test"]);
    assert_eq!(
        messages(&zone),
        vec![
            "$INCLUDE \"a.txt\": a.txt is already being read (it includes itself, directly or through the files it includes); not read again",
            "$INCLUDE \"test.zone\": test.zone is already being read (it includes itself, directly or through the files it includes); not read again",
        ]
    );
    assert_eq!(zone.errors[0].location.file.as_ref(), "b.txt");
    assert_eq!(loader.reads.get("a.txt"), Some(&1));
    assert!(zone.incomplete);
}

#[test]
fn the_same_file_side_by_side_is_read_each_time_and_counted() {
    let mut loader = MemoryIncludes::with(&[("k.txt", "k TXT \"key\"\n")]);
    let text = "$ORIGIN s.test.\n@ SOA ns h 1 2 3 4 5\n$INCLUDE k.txt one\n$INCLUDE k.txt two\n$INCLUDE k.txt three\n";
    let zone = read_limited(text, &mut loader, Limits::default());
    assert_eq!(zone.errors, vec![]);
    assert_eq!(zone.records.len(), 4);
    assert!(!zone.incomplete);
    let limits = Limits {
        includes: 2,
        ..Limits::default()
    };
    let zone = read_limited(text, &mut loader, limits);
    assert_eq!(zone.records.len(), 3);
    assert_eq!(
        messages(&zone),
        vec![
            "$INCLUDE \"k.txt\": more than 2 $INCLUDEs in this zone, the most followed for one --zone; not read"
        ]
    );
    assert_eq!(zone.errors[0].location.line, 5);
    assert!(zone.incomplete);
}

#[test]
fn a_fan_out_include_tree_stops_at_the_include_cap() {
    // f0 includes f1 ten times, f1 includes f2 ten times, …: 10^7 includes uncapped (and
    // the depth limit, 8, is not reached).
    let names: Vec<String> = (0..=7).map(|level| format!("f{level}")).collect();
    let mut files: Vec<(String, String)> = names
        .windows(2)
        .map(|pair| {
            (
                pair[0].clone(),
                format!("$INCLUDE {}\n", pair[1]).repeat(10),
            )
        })
        .collect();
    files.push(("f7".to_owned(), "x TXT \"leaf\"\n".to_owned()));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    let mut loader = MemoryIncludes::with(&borrowed);
    let started = std::time::Instant::now();
    let zone = read_limited(
        "$ORIGIN fan.test.\n@ SOA ns h 1 2 3 4 5\n$INCLUDE f0\n",
        &mut loader,
        Limits::default(),
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let followed: usize = loader.reads.values().sum();
    assert_eq!(followed, MAX_INCLUDES);
    assert!(zone.records.len() < MAX_INCLUDES);
    // A refused include is not followed: only the includes left in the files open when the
    // cap was reached are refused, each once.
    assert!(zone.errors.len() < 100, "{}", zone.errors.len());
    assert!(
        zone.errors
            .iter()
            .all(|error| error.message.contains("more than 10000 $INCLUDEs")),
        "{:#?}",
        zone.errors
    );
    assert!(zone.incomplete);
}

#[test]
fn includes_nest_at_most_the_depth_limit() {
    let mut loader = MemoryIncludes::with(&[
        ("a", "a A 93.184.216.1\n$INCLUDE b\n"),
        ("b", "b A 93.184.216.2\n$INCLUDE c\n"),
        ("c", "c A 93.184.216.3\n"),
    ]);
    let limits = Limits {
        depth: 2,
        ..Limits::default()
    };
    let zone = read_limited("$ORIGIN d.test.\n$INCLUDE a\n", &mut loader, limits);
    assert_eq!(zone.records.len(), 2);
    assert_eq!(
        messages(&zone),
        vec!["$INCLUDE \"c\": nested more than 2 deep; not read"]
    );
}

#[test]
fn the_bytes_of_all_files_together_are_capped() {
    let mut loader = MemoryIncludes::with(&[("big", &format!("x TXT \"{}\"\n", "y".repeat(60)))]);
    let text = "$ORIGIN b.test.\n$INCLUDE big\n$INCLUDE big\n";
    let limits = Limits {
        bytes: 120,
        ..Limits::default()
    };
    // The zone (44 bytes) and one include (70) fit in 120; the second does not.
    let zone = read_limited(text, &mut loader, limits);
    assert_eq!(zone.records.len(), 1);
    assert_eq!(
        messages(&zone),
        vec![
            "$INCLUDE \"big\": the zone's files would be larger than 120 bytes together, the most read for one --zone; not read"
        ]
    );
    assert!(zone.incomplete);
}

#[test]
fn reading_stops_at_the_entry_cap() {
    let text = "$ORIGIN e.test.\n".to_owned() + &"x A 93.184.216.1\n".repeat(10);
    let limits = Limits {
        entries: 5,
        ..Limits::default()
    };
    let zone = read_limited(&text, &mut MemoryIncludes::default(), limits);
    assert_eq!(zone.records.len(), 4);
    assert_eq!(
        messages(&zone),
        vec![
            "more than 5 entries (records, directives and unreadable lines) in this zone and its $INCLUDEs, the most read for one --zone; the rest is not read"
        ]
    );
    assert_eq!(zone.errors[0].location.line, 6);
    assert!(zone.incomplete);
}

#[test]
fn problems_past_the_cap_are_counted_in_one() {
    let text = "$ORIGIN p.test.\n".to_owned() + &"bad\n".repeat(10);
    let limits = Limits {
        problems: 3,
        ..Limits::default()
    };
    let zone = read_limited(&text, &mut MemoryIncludes::default(), limits);
    assert_eq!(zone.errors.len(), 4);
    assert_eq!(
        zone.errors[3].message,
        "7 more problems are not shown (at most 3 are reported for one zone and its $INCLUDEs), the first of them here"
    );
    assert_eq!(zone.errors[3].location.line, 5);
    // Problems alone lose nothing of the zone.
    assert!(!zone.incomplete);
}

#[test]
fn lines_that_are_not_records_are_quoted_short_and_escaped() {
    let long = "a".repeat(50);
    let text = format!(
        "$ORIGIN q.test.\n\
         {long}MARKER no-such-type data\n\
         {label}MARKER A 93.184.216.1\n\
         ${long}MARKER x\n\
         $TTL {digits}MARKER\n\
         x {long}MARKER data\n\
         x {digits} A 93.184.216.1\n\
         \u{1b}]0;title\u{7}\u{1b}[2J junk junk\n\
         {long}MARKER\n\
         {long}MARKER 3600 A 999.1.1.1\n",
        label = "b".repeat(70),
        digits = "1".repeat(60),
    );
    let zone = read(&text);
    assert_eq!(zone.errors.len(), 9, "{:#?}", zone.errors);
    for message in messages(&zone) {
        assert!(!message.contains("MARKER"), "{message}");
        assert!(!message.chars().any(char::is_control), "{message:?}");
        assert!(message.chars().count() < 200, "{message}");
    }
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

#[test]
fn at_in_a_name_field_is_the_origin() {
    let zone = read(
        "$ORIGIN z.test.\n@ SOA @ hostmaster 1 2 3 4 5\n@ MX 10 @\nwww CNAME @\n\
         $ORIGIN sub.z.test.\nalias CNAME @\n@ TXT @\n",
    );
    assert!(zone.errors.is_empty(), "{:?}", zone.errors);
    assert_eq!(
        data_at(&zone, "z.test", 15),
        [&RecordData::Mx {
            preference: 10,
            exchange: Name::new("z.test"),
        }]
    );
    assert_eq!(
        data_at(&zone, "www.z.test", 5),
        [&RecordData::Cname(Name::new("z.test"))]
    );
    // A later $ORIGIN moves `@` with it.
    assert_eq!(
        data_at(&zone, "alias.sub.z.test", 5),
        [&RecordData::Cname(Name::new("sub.z.test"))]
    );
    // Text is not a name: an unquoted @ in TXT stays the character.
    assert_eq!(data_at(&zone, "sub.z.test", 16), [&txt(&["@"])]);
}

fn names_of(zone: &Zone, rtype: u16) -> Vec<&str> {
    zone.records
        .iter()
        .filter(|record| record.rtype == rtype)
        .map(|record| record.name.as_str())
        .collect()
}

/// The usual BIND file: no `$ORIGIN`, the zone's name comes from named.conf (here, given).
const NO_ORIGIN: &str = "$TTL 3600\n\
    @ IN SOA ns1 hostmaster 1 3600 600 86400 300\n\
    @ NS ns1\n\
    @ MX 10 mail\n\
    ns1 A 192.0.2.1\n\
    mail A 192.0.2.2\n";

#[test]
fn a_file_without_origin_is_read_with_the_origin_given() {
    let zone = read(NO_ORIGIN);
    assert_eq!(zone.origin, None);
    assert!(zone.needed_origin);
    let zone = parse_with(
        "db.example.com",
        NO_ORIGIN.as_bytes(),
        Some(&Name::new("example.com")),
        None,
    );
    assert_eq!(zone.errors, vec![]);
    assert!(!zone.needed_origin);
    assert_eq!(zone.origin, Some(Name::new("example.com")));
    assert_eq!(zone.origin_from, OriginFrom::Given);
    assert_eq!(names_of(&zone, 15), ["example.com"]);
    assert_eq!(names_of(&zone, 1), ["ns1.example.com", "mail.example.com"]);
}

#[test]
fn a_given_origin_that_is_not_the_soa_owner_is_reported() {
    let text = "$ORIGIN other.test.\n@ SOA ns h 1 2 3 4 5\n";
    let zone = parse_with("f", text.as_bytes(), Some(&Name::new("example.com")), None);
    assert_eq!(zone.origin, Some(Name::new("example.com")));
    assert!(
        zone.errors
            .iter()
            .any(|error| error.message.contains("SOA record is at other.test")),
        "{:#?}",
        zone.errors
    );
}

#[test]
fn a_later_origin_only_changes_how_names_are_read() {
    // named-compilezone -o - example.com FILE puts smtp under mail.example.com. and keeps
    // the zone example.com.
    let text = "$TTL 3600\n\
        example.com. IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300\n\
        example.com. NS ns1.example.com.\n\
        example.com. MX 10 smtp.mail.example.com.\n\
        $ORIGIN mail.example.com.\n\
        smtp A 192.0.2.25\n\
        @ TXT \"v=spf1 a:smtp -all\"\n";
    let zone = read(text);
    assert_eq!(zone.errors, vec![]);
    assert_eq!(zone.origin, Some(Name::new("example.com")));
    assert_eq!(zone.origin_from, OriginFrom::Soa);
    assert_eq!(names_of(&zone, 1), ["smtp.mail.example.com"]);
    // Without an SOA, the first $ORIGIN is the zone, not the last one.
    let text = "$ORIGIN example.com.\n@ MX 10 mail\n$ORIGIN mail.example.com.\n@ A 192.0.2.25\n";
    let zone = read(text);
    assert_eq!(zone.origin, Some(Name::new("example.com")));
    assert_eq!(zone.origin_from, OriginFrom::Directive);
    assert_eq!(names_of(&zone, 1), ["mail.example.com"]);
}

#[test]
fn generate_makes_the_records_bind_makes() {
    // Compared with `named-compilezone -o - example.com` on the same text.
    let text = "$ORIGIN example.com.\n$TTL 3600\n\
        @ SOA ns1 hostmaster 1 3600 600 86400 300\n\
        $GENERATE 1-3 mx$ MX \"10 host$\"\n\
        $GENERATE 1-4/2 host$ 300 IN A 192.0.2.$\n\
        $GENERATE 0-2 ${10,3,d}.rev PTR h${0,4,x}.example.com.\n\
        $GENERATE 255-256 n${0,5,n} TXT \"a\\$b$$c\"\n\
        $GENERATE 1-2 y$ IN 60 TXT x$\n";
    let zone = read(text);
    assert_eq!(zone.errors, vec![]);
    assert_eq!(
        names_of(&zone, 15),
        ["mx1.example.com", "mx2.example.com", "mx3.example.com"]
    );
    assert_eq!(
        data_at(&zone, "mx2.example.com", 15),
        vec![&RecordData::Mx {
            preference: 10,
            exchange: Name::new("host2.example.com")
        }]
    );
    let hosts: Vec<(&str, u32, usize)> = zone
        .records
        .iter()
        .filter(|r| r.rtype == 1)
        .map(|r| (r.name.as_str(), r.ttl, r.location.line))
        .collect();
    assert_eq!(
        hosts,
        [("host1.example.com", 300, 5), ("host3.example.com", 300, 5)]
    );
    assert_eq!(
        data_at(&zone, "011.rev.example.com", 12),
        vec![&RecordData::Ptr(Name::new("h0001.example.com"))]
    );
    assert_eq!(
        data_at(&zone, "nf.f.0.example.com", 16),
        vec![&txt(&["a$b$c"])]
    );
    assert_eq!(data_at(&zone, "y2.example.com", 16), vec![&txt(&["x2"])]);
}

#[test]
fn generate_forms_not_read_leave_the_zone_incomplete() {
    for bad in [
        "$GENERATE 3-1 z$ A 192.0.2.$",
        "$GENERATE 1-2 z${1,2,q} A 192.0.2.1",
        "$GENERATE 1-2 z$ A",
        "$GENERATE 0-4294967295 z$ A 192.0.2.1",
        "$GENERATE 0-70000 z$ A 192.0.2.1",
    ] {
        let zone = read(&format!("$ORIGIN example.com.\n{bad}\n"));
        assert_eq!(zone.errors.len(), 1, "{bad}: {:#?}", zone.errors);
        assert!(zone.errors[0].message.contains("$GENERATE"), "{bad}");
        assert!(zone.incomplete, "{bad}");
        assert!(zone.records.is_empty(), "{bad}");
    }
    // An unknown type in a $GENERATE: the names are known, so only they are not verified.
    let zone = read("$ORIGIN example.com.\n$GENERATE 1-3 dyn$ DYNA x\n");
    assert!(!zone.incomplete);
    assert_eq!(zone.unreadable.len(), 3);
    assert!(zone.unreadable.iter().all(|u| u.rtype == ANY_TYPE));
}

#[test]
fn unknown_types_keep_their_names_and_unknown_directives_make_the_zone_incomplete() {
    let zone = read("$ORIGIN example.com.\nwww DYNA weighted!pool\n");
    assert!(!zone.incomplete);
    assert_eq!(zone.unreadable.len(), 1);
    assert_eq!(zone.unreadable[0].name.as_str(), "www.example.com");
    assert_eq!(zone.unreadable[0].rtype, ANY_TYPE);
    assert_eq!(zone.errors[0].cause, "unknown record type DYNA");
    let zone = read("$ORIGIN example.com.\n$ADDR 192.0.2.1\n");
    assert!(zone.incomplete);
    let zone = read("$ORIGIN example.com.\n{{ host }} A 192.0.2.1\n");
    assert!(zone.incomplete, "{:#?}", zone.errors);
    // Said as a template, not as the record type its tokens would be misread as.
    assert_eq!(zone.errors.len(), 1, "{:#?}", zone.errors);
    assert!(
        zone.errors[0].cause.starts_with("template syntax"),
        "{:#?}",
        zone.errors
    );
}
