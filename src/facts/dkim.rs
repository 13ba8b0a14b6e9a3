//! DKIM (RFC 6376 §3.6.2): the selectors probed or named, what each publishes, and each key
//! record read once, when it is gathered: its parse, its key material and whether verifiers can
//! use it. Rules and describers read these; neither parses a key again.

use super::lookup::Lookup;
use crate::dkim::key::{KeyAnalysis, KeyStatus, analyze};
use crate::dkim::{self, KeyRecord};
use crate::dns::Name;
use crate::txt::TxtRecord;

/// How the DKIM selectors to check were chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectorMode {
    /// The built-in list of common selectors was probed ([`crate::dkim::selectors`]).
    Discovery,
    /// The user named the selectors (`--selector`).
    Named,
}

/// What was found about DKIM keys (RFC 6376 §3.6.2: `selector._domainkey.domain` TXT).
#[derive(Clone, Debug)]
pub struct DkimFacts {
    /// How the selectors were chosen.
    pub mode: SelectorMode,
    /// The TXT lookup of `_domainkey.<domain>` itself. NXDOMAIN there means no name at all
    /// exists below it, so no selector of any name has a key (RFC 8020); NODATA means names
    /// exist below it, possibly selectors that were not probed.
    pub domainkey: Lookup<Vec<TxtRecord>>,
    /// Every selector asked for, in the order probed.
    pub selectors: Vec<DkimSelector>,
    /// Discovery only: the TXT lookup of a selector name no one uses
    /// ([`crate::dkim::selectors::WILDCARD_PROBE`]). Records there come from a wildcard, and a
    /// probed selector that gets the same records has no key of its own.
    pub wildcard: Option<Lookup<Vec<DkimRecord>>>,
}

impl DkimFacts {
    /// The records a wildcard gives every name, if the wildcard probe found some.
    pub fn wildcard_records(&self) -> Option<&Vec<DkimRecord>> {
        self.wildcard.as_ref().and_then(Lookup::found)
    }

    /// The key records of a selector: its TXT records, unless they are only what a wildcard
    /// answers for any name (in discovery).
    pub fn key_records<'f>(&'f self, selector: &'f DkimSelector) -> Option<&'f Vec<DkimRecord>> {
        let records = selector.txt.found()?;
        if self.mode == SelectorMode::Discovery && self.wildcard_records() == Some(records) {
            None
        } else {
            Some(records)
        }
    }

    /// The wildcard's records when they are DKIM key records: a key published for every
    /// selector name at once (`*._domainkey.example.com TXT "v=DKIM1; p=…"`).
    pub fn wildcard_key(&self) -> Option<&Vec<DkimRecord>> {
        self.wildcard_records().filter(|records| {
            records
                .iter()
                .any(|record| crate::dkim::looks_like_key_record(&record.txt.text))
        })
    }

    /// Discovery only: whether a wildcard covers the names under `_domainkey`: the probe of a
    /// name no one uses exists, with TXT records or without (NODATA: a wildcard of another
    /// type). Every name exists then, so probing cannot tell which selectors are real.
    pub fn wildcard_answers(&self) -> bool {
        matches!(
            self.wildcard,
            Some(Lookup::Found(_) | Lookup::Absent(super::lookup::Absence::NoData))
        )
    }

    /// Whether a probed selector's records are only the wildcard's.
    pub fn is_wildcard_answer(&self, selector: &DkimSelector) -> bool {
        selector.txt.found().is_some() && self.key_records(selector).is_none()
    }
}

/// One selector's lookups.
#[derive(Clone, Debug)]
pub struct DkimSelector {
    /// The selector (`google`, `s1`, …).
    pub selector: String,
    /// `selector._domainkey.domain`.
    pub name: Name,
    /// Its TXT records (after following any CNAME chain).
    pub txt: Lookup<Vec<DkimRecord>>,
    /// The CNAME chain the TXT answer followed: each alias target in order (empty when the
    /// name holds the records itself).
    pub cname_chain: Vec<Name>,
    /// An explicit CNAME lookup of the name: made for named selectors, and for probed ones
    /// whose TXT lookup found nothing although the name exists (NODATA), to show a CNAME
    /// whose target has no key (the TXT answer loses the chain then).
    pub cname: Option<Lookup<Name>>,
}

impl DkimSelector {
    /// `selector._domainkey.domain` for display, with the selector as the user (or the
    /// built-in list) wrote it: [`Name`] folds case, and DNS compares without regard to it
    /// (RFC 4343), so only what is shown keeps `S2024` rather than `s2024`.
    pub fn shown_name(&self) -> String {
        let name = self.name.as_str();
        match name.get(self.selector.len()..) {
            Some(rest)
                if name
                    .get(..self.selector.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(&self.selector)) =>
            {
                format!("{}{rest}", self.selector)
            }
            _ => name.to_owned(),
        }
    }

    /// The name the records are published at: the end of the CNAME chain.
    pub fn target(&self) -> &Name {
        self.cname_chain.last().unwrap_or(&self.name)
    }
}

/// One TXT record at a selector (or under a wildcard), read as a DKIM key record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkimRecord {
    /// The record as published.
    pub txt: TxtRecord,
    /// Its tags, parsed (RFC 6376 §3.6.1).
    pub parsed: KeyRecord,
    /// What its `p=` holds.
    pub analysis: KeyAnalysis,
    /// Whether verifiers can use it.
    pub status: KeyStatus,
}

impl DkimRecord {
    /// Reads `txt` as a key record.
    pub fn new(txt: TxtRecord) -> Self {
        let parsed = dkim::parse(&txt.text);
        let analysis = analyze(&parsed);
        let status = KeyStatus::of(&parsed, &analysis);
        DkimRecord {
            txt,
            parsed,
            analysis,
            status,
        }
    }
}
