//! The key material of `p=`: base64 (RFC 6376 §3.6.1), then DER for RSA (a
//! SubjectPublicKeyInfo, RFC 5280 §4.1.2.7, wrapping a PKCS#1 RSAPublicKey, RFC 8017 §A.1.1),
//! or 32 raw bytes for ed25519 (RFC 8463 §4.2).
//!
//! Decoding uses RustCrypto's `base64ct`, `spki` and `pkcs1` (which sit on `der`); nothing here
//! parses ASN.1 by hand. Only the key is parsed: mailcheck verifies no signature, so no
//! big-number or curve arithmetic is needed (an ed25519 key is checked for its length, not for
//! being a point on the curve).
//!
//! Choices where verifiers differ:
//! - A bare PKCS#1 `RSAPublicKey` is what RFC 6376 §3.6.1 literally describes, but the keys
//!   everyone publishes and most verifiers read (OpenDKIM reads only SubjectPublicKeyInfo; see
//!   RFC 6376 Erratum 3017) are SubjectPublicKeyInfo. mailcheck accepts both and warns about
//!   the bare form.
//! - RSA keys over 4096 bits parse, but RFC 8301 §3.2 only requires verifiers to handle keys
//!   up to 4096 bits: warning.
//! - A public exponent that is even or below 3 is not an RSA key: error. One above 2^32 is
//!   rejected by some verifiers (Go's crypto/rsa, Windows CryptoAPI): warning.

use base64ct::{Base64, Encoding};
use pkcs1::RsaPublicKey;
use spki::der::asn1::{AnyRef, BitStringRef, ObjectIdentifier};
use spki::der::{self, Decode};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

use super::{KeyRecord, KeyType, PublicKeyTag};
use crate::diagnostic::Severity;
use crate::diagnostic::{Problem, Span};

/// `rsaEncryption` (RFC 8017 §A.1).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// `id-RSASSA-PSS` (RFC 8017 §A.2.3).
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
/// `id-Ed25519` (RFC 8410 §3).
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// `id-ecPublicKey` (RFC 5480 §2.1.1).
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// RSA keys shorter than this must not be trusted by verifiers (RFC 8301 §3.2).
pub const RSA_MINIMUM_BITS: usize = 1024;
/// Signers should use RSA keys of at least this size (RFC 8301 §3.2).
pub const RSA_RECOMMENDED_BITS: usize = 2048;
/// Verifiers must handle RSA keys up to this size (RFC 8301 §3.2); larger ones may fail.
pub const RSA_MAXIMUM_VERIFIED_BITS: usize = 4096;
/// The length of an ed25519 public key (RFC 8032 §5.1.5, RFC 8463 §4.2).
pub const ED25519_KEY_BYTES: usize = 32;

/// How an RSA key is wrapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsaEncoding {
    /// A SubjectPublicKeyInfo (what `openssl rsa -pubout` writes and everyone publishes).
    SubjectPublicKeyInfo,
    /// A bare PKCS#1 RSAPublicKey.
    Pkcs1,
}

impl RsaEncoding {
    /// A short name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RsaEncoding::SubjectPublicKeyInfo => "spki",
            RsaEncoding::Pkcs1 => "pkcs1",
        }
    }
}

/// The public exponent of an RSA key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exponent {
    /// An exponent that fits 64 bits.
    Value(u64),
    /// A larger one (this many bits).
    Huge(usize),
}

/// What `p=` holds, as far as it could be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyMaterial {
    /// `p=` is missing; the syntax check reports that.
    Missing,
    /// `p=` is empty: the key is revoked.
    Revoked,
    /// An RSA key.
    Rsa {
        /// The modulus size in bits.
        bits: usize,
        /// The public exponent.
        exponent: Exponent,
        /// How it is wrapped.
        encoding: RsaEncoding,
    },
    /// An ed25519 key of the right length.
    Ed25519,
    /// The key type is unknown, so the key could not be checked (only its base64 was).
    Unchecked,
    /// The key could not be used; [`KeyAnalysis::problems`] says why.
    Invalid,
}

/// The result of checking `p=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyAnalysis {
    /// What the key is.
    pub material: KeyMaterial,
    /// What is wrong with it, if anything.
    pub problems: Vec<Problem>,
}

impl KeyAnalysis {
    fn invalid(problem: Problem) -> Self {
        KeyAnalysis {
            material: KeyMaterial::Invalid,
            problems: vec![problem],
        }
    }
}

fn error(span: Span, message: impl Into<String>) -> Problem {
    Problem {
        severity: Severity::Error,
        span,
        message: message.into(),
        fix: None,
    }
}

/// Decodes and checks the key of a parsed record against its `k=`.
pub fn analyze(record: &KeyRecord) -> KeyAnalysis {
    let Some(tag) = &record.public_key else {
        return KeyAnalysis {
            material: KeyMaterial::Missing,
            problems: Vec::new(),
        };
    };
    if tag.is_empty() {
        return KeyAnalysis {
            material: KeyMaterial::Revoked,
            problems: Vec::new(),
        };
    }
    let bytes = match decode_base64(tag) {
        Ok(bytes) => bytes,
        Err(problem) => return KeyAnalysis::invalid(problem),
    };
    match record.key_type() {
        KeyType::Rsa => analyze_rsa(&bytes, tag.span),
        KeyType::Ed25519 => analyze_ed25519(&bytes, tag.span),
        KeyType::Unknown(_) => KeyAnalysis {
            material: KeyMaterial::Unchecked,
            problems: Vec::new(),
        },
    }
}

/// `base64string = ALPHADIGITPS *([FWS] ALPHADIGITPS) [ [FWS] "=" [ [FWS] "=" ] ]`
/// (RFC 6376 §2.4): white space may appear anywhere and is dropped before decoding.
fn decode_base64(tag: &PublicKeyTag) -> Result<Vec<u8>, Problem> {
    let mut compact = String::with_capacity(tag.raw.len());
    for (index, c) in tag.raw.char_indices() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {}
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' | '=' => compact.push(c),
            other => {
                let start = tag.span.start + index;
                let hint = match other {
                    '-' | '_' => " (base64url; DKIM uses standard base64 with + and /)",
                    '"' => " (a quote: were the zone file's strings pasted with their quotes?)",
                    '\\' => " (a backslash: was a zone-file escape pasted literally?)",
                    _ => "",
                };
                return Err(error(
                    Span::new(start, start + other.len_utf8()),
                    format!("p= holds {other:?}, which is not a base64 character{hint}"),
                ));
            }
        }
    }
    let padding_inside = compact.trim_end_matches('=').contains('=');
    Base64::decode_vec(&compact).map_err(|_| {
        let reason = if padding_inside {
            "'=' padding appears before the end".to_owned()
        } else if !compact.len().is_multiple_of(4) {
            format!(
                "{} characters (white space aside) is not a multiple of 4, so the value is \
                 cut off or has characters too many",
                compact.len()
            )
        } else {
            "its last characters are not a canonical base64 ending".to_owned()
        };
        let mut problem = error(tag.span, format!("p= is not valid base64: {reason}"));
        problem.fix = Some(
            "Publish the whole key again, exactly as generated: a key split over several \
             strings often loses or repeats a piece; check that the strings join back into \
             the full base64 text."
                .to_owned(),
        );
        problem
    })
}

fn analyze_rsa(bytes: &[u8], span: Span) -> KeyAnalysis {
    if let Ok(info) = SubjectPublicKeyInfoRef::from_der(bytes) {
        let oid = info.algorithm.oid;
        if oid == RSA_ENCRYPTION {
            let Some(inner) = info.subject_public_key.as_bytes() else {
                return KeyAnalysis::invalid(error(
                    span,
                    "p= is an RSA SubjectPublicKeyInfo whose key bit string has unused bits",
                ));
            };
            return match RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(inner) {
                Ok(key) => check_rsa(&key, RsaEncoding::SubjectPublicKeyInfo, span),
                Err(err) => KeyAnalysis::invalid(error(
                    span,
                    format!(
                        "p= is an RSA SubjectPublicKeyInfo, but the RSAPublicKey inside does \
                         not parse ({err})"
                    ),
                )),
            };
        }
        return KeyAnalysis::invalid(wrong_algorithm(
            oid,
            info.subject_public_key.as_bytes(),
            span,
        ));
    }
    if let Ok(key) = RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(bytes) {
        let mut analysis = check_rsa(&key, RsaEncoding::Pkcs1, span);
        let mut problem = Problem {
            severity: Severity::Warning,
            span,
            message: "p= is a bare PKCS#1 RSAPublicKey, not the SubjectPublicKeyInfo that \
                      nearly every DKIM key uses; RFC 6376 §3.6.1 allows it, but OpenDKIM and \
                      other verifiers read only SubjectPublicKeyInfo (RFC 6376 Erratum 3017), \
                      so they fail every signature made with this key"
                .to_owned(),
            fix: None,
        };
        if let Some(wrapped) = wrap_pkcs1(bytes) {
            problem.fix = Some(format!(
                "Publish the same key as a SubjectPublicKeyInfo (`openssl rsa -RSAPublicKey_in \
                 -in key.pub -pubout -outform der | openssl base64 -A`); for this key that is \
                 p={wrapped}"
            ));
        }
        analysis.problems.insert(0, problem);
        return analysis;
    }
    let why = match der_error(bytes) {
        Some(detail) => format!(" ({detail})"),
        None => String::new(),
    };
    let mut problem = error(
        span,
        format!(
            "p= decodes to {} bytes that are not an RSA public key: neither a \
             SubjectPublicKeyInfo nor a PKCS#1 RSAPublicKey{why}",
            bytes.len()
        ),
    );
    if bytes.len() == ED25519_KEY_BYTES {
        problem.message.push_str(
            "; 32 bytes is the size of an ed25519 key, and without k= the key type is rsa",
        );
        problem.fix = Some(
            "If this is an ed25519 key, add k=ed25519 to the record (`v=DKIM1; k=ed25519; \
             p=…`); otherwise publish the RSA key's SubjectPublicKeyInfo (`openssl rsa -in \
             private.key -pubout -outform der | openssl base64 -A`)."
                .to_owned(),
        );
    } else {
        problem.fix = Some(
            "Publish the RSA public key as base64 DER SubjectPublicKeyInfo (`openssl rsa -in \
             private.key -pubout -outform der | openssl base64 -A`), the whole of it: a key \
             split over several strings often loses a piece."
                .to_owned(),
        );
    }
    KeyAnalysis::invalid(problem)
}

/// Why the DER does not parse, in words, for the most common case: a truncated key.
fn der_error(bytes: &[u8]) -> Option<String> {
    let err = SubjectPublicKeyInfoRef::from_der(bytes).err()?;
    match err.kind() {
        der::ErrorKind::Incomplete {
            expected_len,
            actual_len,
        } => Some(format!(
            "the DER is cut off: it needs {expected_len} bytes and has {actual_len}"
        )),
        other => Some(other.to_string()),
    }
}

/// A SubjectPublicKeyInfo for a key of another algorithm under `k=rsa`.
fn wrong_algorithm(oid: ObjectIdentifier, key: Option<&[u8]>, span: Span) -> Problem {
    if oid == ED25519 {
        let mut problem = error(
            span,
            "p= holds an ed25519 key (as a SubjectPublicKeyInfo), but the record's key type \
             is rsa (k=rsa, or no k=)",
        );
        if let Some(raw) = key.filter(|key| key.len() == ED25519_KEY_BYTES) {
            problem.fix = Some(format!(
                "For an ed25519 key, publish k=ed25519 and the raw 32-byte key, not the \
                 SubjectPublicKeyInfo (RFC 8463 §4.2): `v=DKIM1; k=ed25519; p={}`.",
                Base64::encode_string(raw)
            ));
        }
        return problem;
    }
    let name = if oid == RSASSA_PSS {
        "an RSASSA-PSS key, which DKIM does not use (rsa keys are rsaEncryption)".to_owned()
    } else if oid == EC_PUBLIC_KEY {
        "an elliptic-curve (ECDSA) key, which DKIM does not define".to_owned()
    } else {
        format!("a key of algorithm {oid}, which DKIM does not define")
    };
    error(
        span,
        format!("p= holds {name}, but the record's key type is rsa"),
    )
}

fn analyze_ed25519(bytes: &[u8], span: Span) -> KeyAnalysis {
    if bytes.len() == ED25519_KEY_BYTES {
        return KeyAnalysis {
            material: KeyMaterial::Ed25519,
            problems: Vec::new(),
        };
    }
    if let Ok(info) = SubjectPublicKeyInfoRef::from_der(bytes) {
        let oid = info.algorithm.oid;
        if oid == ED25519 {
            let mut problem = error(
                span,
                "p= holds the ed25519 key wrapped in a SubjectPublicKeyInfo; RFC 8463 §4.2 \
                 wants the bare 32-byte key, and verifiers reject the wrapped form",
            );
            if let Some(raw) = info
                .subject_public_key
                .as_bytes()
                .filter(|raw| raw.len() == ED25519_KEY_BYTES)
            {
                problem.fix = Some(format!(
                    "Publish the bare key: p={} (the last 32 bytes of the DER, e.g. `openssl \
                     pkey -in private.pem -pubout -outform der | tail -c 32 | openssl base64`).",
                    Base64::encode_string(raw)
                ));
            }
            return KeyAnalysis::invalid(problem);
        }
        if oid == RSA_ENCRYPTION {
            return KeyAnalysis::invalid(Problem {
                fix: Some(
                    "Write k=rsa (or leave k= out) for an RSA key, or publish the ed25519 \
                     key's raw 32 bytes under k=ed25519."
                        .to_owned(),
                ),
                ..error(
                    span,
                    "p= holds an RSA key (SubjectPublicKeyInfo), but the record says \
                     k=ed25519",
                )
            });
        }
    }
    KeyAnalysis::invalid(Problem {
        fix: Some(
            "Publish the 32-byte ed25519 public key in base64 (44 characters ending in '='), \
             e.g. `openssl pkey -in private.pem -pubout -outform der | tail -c 32 | openssl \
             base64`."
                .to_owned(),
        ),
        ..error(
            span,
            format!(
                "p= decodes to {} bytes; an ed25519 key is exactly {ED25519_KEY_BYTES} bytes \
                 (RFC 8463 §4.2)",
                bytes.len()
            ),
        )
    })
}

/// Size, exponent and oddness of an RSA key.
fn check_rsa(
    key: &RsaPublicKey<der::asn1::UintRef<'_>>,
    encoding: RsaEncoding,
    span: Span,
) -> KeyAnalysis {
    let modulus = key.modulus.as_bytes();
    let exponent_bytes = key.public_exponent.as_bytes();
    let bits = bit_length(modulus);
    let exponent = match u64_of(exponent_bytes) {
        Some(value) => Exponent::Value(value),
        None => Exponent::Huge(bit_length(exponent_bytes)),
    };
    let mut problems = Vec::new();
    if modulus.last().is_none_or(|low| low % 2 == 0) {
        problems.push(error(
            span,
            "the RSA modulus is even (or zero), so this is not a usable RSA key",
        ));
    }
    match exponent {
        Exponent::Value(value) if value < 3 || value % 2 == 0 => problems.push(error(
            span,
            format!("the RSA public exponent is {value}; it must be odd and at least 3"),
        )),
        Exponent::Huge(_) if exponent_bytes.last().is_some_and(|low| low % 2 == 0) => {
            problems.push(error(
                span,
                "the RSA public exponent is even; it must be odd",
            ));
        }
        Exponent::Value(value) if value > u64::from(u32::MAX) => problems.push(Problem {
            severity: Severity::Warning,
            ..error(
                span,
                format!(
                    "the RSA public exponent {value} is larger than 32 bits; some verifiers \
                     (Go's crypto/rsa, Windows) reject such keys (65537 is the usual exponent)"
                ),
            )
        }),
        Exponent::Huge(bits) => problems.push(Problem {
            severity: Severity::Warning,
            ..error(
                span,
                format!(
                    "the RSA public exponent is {bits} bits long; many verifiers reject \
                     exponents over 32 bits (65537 is the usual exponent)"
                ),
            )
        }),
        Exponent::Value(_) => {}
    }
    if bits > RSA_MAXIMUM_VERIFIED_BITS {
        problems.push(Problem {
            severity: Severity::Warning,
            fix: Some(
                "Use a 2048-bit key (or at most 4096 bits) under a new selector, switch \
                 signing to it, then revoke this one with an empty p=."
                    .to_owned(),
            ),
            ..error(
                span,
                format!(
                    "the RSA key is {bits} bits; verifiers only have to handle keys of up to \
                     {RSA_MAXIMUM_VERIFIED_BITS} bits (RFC 8301 §3.2), and some fail larger ones"
                ),
            )
        });
    }
    let material = if problems
        .iter()
        .any(|problem| problem.severity == Severity::Error)
    {
        KeyMaterial::Invalid
    } else {
        KeyMaterial::Rsa {
            bits,
            exponent,
            encoding,
        }
    };
    KeyAnalysis { material, problems }
}

/// The number of significant bits of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> usize {
    let significant = bytes
        .iter()
        .position(|&byte| byte != 0)
        .map_or(&[][..], |first| &bytes[first..]);
    match significant.first() {
        Some(&top) => (significant.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
        None => 0,
    }
}

fn u64_of(bytes: &[u8]) -> Option<u64> {
    let first = bytes
        .iter()
        .position(|&byte| byte != 0)
        .unwrap_or(bytes.len());
    let significant = &bytes[first..];
    if significant.len() > 8 {
        return None;
    }
    Some(
        significant
            .iter()
            .fold(0u64, |value, &byte| (value << 8) | u64::from(byte)),
    )
}

/// The base64 of a SubjectPublicKeyInfo wrapping a bare PKCS#1 key, built with `der`.
fn wrap_pkcs1(pkcs1: &[u8]) -> Option<String> {
    use der::Encode;
    let info = SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifierRef {
            oid: RSA_ENCRYPTION,
            parameters: Some(AnyRef::NULL),
        },
        subject_public_key: BitStringRef::from_bytes(pkcs1).ok()?,
    };
    let mut buffer = vec![0u8; pkcs1.len() + 64];
    let der = info.encode_to_slice(&mut buffer).ok()?;
    Some(Base64::encode_string(der))
}

/// Whether a key record is usable: what a verifier makes of it. It follows from the record's
/// parse and its key analysis alone; the DKIM rules raise an error (other than a revocation)
/// exactly when this is [`KeyStatus::Invalid`], which a test in `rules::dkim` checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyStatus {
    /// No error: signatures made with the key can verify.
    Usable,
    /// The key is revoked (empty `p=`), and nothing else is wrong.
    Revoked,
    /// An error makes the record or its key unusable.
    Invalid,
}

impl KeyStatus {
    /// The status of a parsed record with its key analysis. Invalid: a syntax error, a key
    /// type verifiers do not know (RFC 6376 §3.6.1), key material no verifier can use, or an RSA
    /// key under [`RSA_MINIMUM_BITS`] (RFC 8301 §3.2).
    pub fn of(record: &KeyRecord, analysis: &KeyAnalysis) -> Self {
        let unknown_type = record
            .key_type_tag
            .as_ref()
            .is_some_and(|tag| matches!(&tag.value, KeyType::Unknown(name) if !name.is_empty()));
        let too_short =
            matches!(analysis.material, KeyMaterial::Rsa { bits, .. } if bits < RSA_MINIMUM_BITS);
        let unusable = analysis
            .problems
            .iter()
            .any(|problem| problem.severity == Severity::Error);
        if !record.errors.is_empty() || unknown_type || unusable || too_short {
            KeyStatus::Invalid
        } else if analysis.material == KeyMaterial::Revoked {
            KeyStatus::Revoked
        } else {
            KeyStatus::Usable
        }
    }

    /// The lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Usable => "valid",
            KeyStatus::Revoked => "revoked",
            KeyStatus::Invalid => "invalid",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dkim::parse;

    fn fixture(name: &str) -> String {
        let path = format!("{}/fixtures/dkim-keys/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .trim()
            .to_owned()
    }

    fn analyze_text(text: &str) -> KeyAnalysis {
        analyze(&parse(text))
    }

    #[test]
    fn rsa_sizes() {
        for (file, bits) in [
            ("rsa512.spki.b64", 512),
            ("rsa1024.spki.b64", 1024),
            ("rsa2048.spki.b64", 2048),
            ("rsa4096.spki.b64", 4096),
        ] {
            let analysis = analyze_text(&format!("v=DKIM1; k=rsa; p={}", fixture(file)));
            assert_eq!(
                analysis.material,
                KeyMaterial::Rsa {
                    bits,
                    exponent: Exponent::Value(65537),
                    encoding: RsaEncoding::SubjectPublicKeyInfo
                },
                "{file}"
            );
            assert!(
                analysis.problems.is_empty(),
                "{file}: {:?}",
                analysis.problems
            );
        }
    }

    #[test]
    fn small_exponent_is_accepted() {
        let analysis = analyze_text(&format!("p={}", fixture("rsa1024-e3.spki.b64")));
        assert_eq!(
            analysis.material,
            KeyMaterial::Rsa {
                bits: 1024,
                exponent: Exponent::Value(3),
                encoding: RsaEncoding::SubjectPublicKeyInfo
            }
        );
    }

    #[test]
    fn bare_pkcs1_is_accepted_with_a_warning_and_a_rewrapped_fix() {
        let key = fixture("rsa2048.pkcs1.b64");
        let analysis = analyze_text(&format!("p={key}"));
        assert!(matches!(
            analysis.material,
            KeyMaterial::Rsa {
                bits: 2048,
                encoding: RsaEncoding::Pkcs1,
                ..
            }
        ));
        assert_eq!(analysis.problems.len(), 1);
        assert_eq!(analysis.problems[0].severity, Severity::Warning);
        // The suggested SubjectPublicKeyInfo is itself a valid key of the same size.
        let fix = analysis.problems[0].fix.as_deref().unwrap();
        let wrapped = fix.rsplit("p=").next().unwrap();
        let rewrapped = analyze_text(&format!("p={wrapped}"));
        assert!(matches!(
            rewrapped.material,
            KeyMaterial::Rsa {
                bits: 2048,
                encoding: RsaEncoding::SubjectPublicKeyInfo,
                ..
            }
        ));
        assert!(rewrapped.problems.is_empty());
    }

    #[test]
    fn ed25519_keys() {
        let raw = fixture("ed25519.raw.b64");
        let analysis = analyze_text(&format!("v=DKIM1; k=ed25519; p={raw}"));
        assert_eq!(analysis.material, KeyMaterial::Ed25519);
        // Wrapped in a SubjectPublicKeyInfo: invalid, and the fix gives the raw key.
        let spki = fixture("ed25519.spki.b64");
        let analysis = analyze_text(&format!("k=ed25519; p={spki}"));
        assert_eq!(analysis.material, KeyMaterial::Invalid);
        assert!(analysis.problems[0].fix.as_deref().unwrap().contains(&raw));
        // Under k=rsa: the algorithm does not match.
        let analysis = analyze_text(&format!("p={spki}"));
        assert!(analysis.problems[0].message.contains("ed25519"));
        assert!(analysis.problems[0].fix.as_deref().unwrap().contains(&raw));
        // The raw key under k=rsa: a hint to add k=ed25519.
        let analysis = analyze_text(&format!("p={raw}"));
        assert!(analysis.problems[0].message.contains("32 bytes"));
        // Too short.
        let analysis = analyze_text("k=ed25519; p=HbawiMnQXTCopHTkR0jlKQ==");
        assert!(analysis.problems[0].message.contains("16 bytes"));
    }

    #[test]
    fn rsa_key_under_ed25519() {
        let analysis = analyze_text(&format!("k=ed25519; p={}", fixture("rsa2048.spki.b64")));
        assert_eq!(analysis.material, KeyMaterial::Invalid);
        assert!(analysis.problems[0].message.contains("RSA key"));
    }

    #[test]
    fn base64_problems_have_spans() {
        let text = "p=MIIB-abc";
        let analysis = analyze_text(text);
        let problem = &analysis.problems[0];
        assert_eq!(problem.span.slice(text), "-");
        assert!(problem.message.contains("base64url"));

        let key = fixture("rsa2048.spki.b64");
        let truncated = &key[..250];
        let text = format!("p={truncated}");
        let analysis = analyze_text(&text);
        assert!(analysis.problems[0].message.contains("not a multiple of 4"));
        assert_eq!(analysis.problems[0].span.slice(&text), truncated);

        // Cut at a multiple of 4: the base64 is fine, the DER is cut off.
        let analysis = analyze_text(&format!("p={}", &key[..248]));
        assert!(
            analysis.problems[0].message.contains("cut off"),
            "{:?}",
            analysis.problems
        );
    }

    #[test]
    fn white_space_inside_p_is_allowed() {
        let key = fixture("rsa2048.spki.b64");
        let (a, b) = key.split_at(100);
        let analysis = analyze_text(&format!("p= {a} \t {b} "));
        assert!(matches!(
            analysis.material,
            KeyMaterial::Rsa { bits: 2048, .. }
        ));
    }

    #[test]
    fn revoked_missing_and_unknown() {
        assert_eq!(analyze_text("p=").material, KeyMaterial::Revoked);
        assert_eq!(analyze_text("p= ").material, KeyMaterial::Revoked);
        assert_eq!(analyze_text("v=DKIM1").material, KeyMaterial::Missing);
        assert_eq!(
            analyze_text("k=foo; p=AAAA").material,
            KeyMaterial::Unchecked
        );
        assert_eq!(analyze_text("k=foo; p=A").material, KeyMaterial::Invalid);
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(u64_of(&[1, 0, 1]), Some(65537));
        assert_eq!(u64_of(&[1; 9]), None);
        assert_eq!(u64_of(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 3]), Some(3));
    }

    #[test]
    fn bad_exponents_and_moduli() {
        use der::Encode;
        use der::asn1::UintRef;
        let encode = |modulus: &[u8], exponent: &[u8]| {
            let key = RsaPublicKey {
                modulus: UintRef::new(modulus).unwrap(),
                public_exponent: UintRef::new(exponent).unwrap(),
            };
            let mut buffer = [0u8; 1200];
            let der = key.encode_to_slice(&mut buffer).unwrap();
            let wrapped = wrap_pkcs1(der).unwrap();
            analyze_text(&format!("p={wrapped}"))
        };
        let mut modulus = vec![0xc5u8; 256];
        modulus[255] = 0x01;
        assert!(matches!(
            encode(&modulus, &[1, 0, 1]).material,
            KeyMaterial::Rsa { bits: 2048, .. }
        ));
        let even = encode(&modulus, &[2]);
        assert_eq!(even.material, KeyMaterial::Invalid);
        assert!(even.problems[0].message.contains("exponent is 2"));
        let large = encode(&modulus, &[1, 0, 0, 0, 1]);
        assert_eq!(large.problems[0].severity, Severity::Warning);
        assert!(matches!(large.material, KeyMaterial::Rsa { .. }));
        let huge = encode(&modulus, &[1; 12]);
        assert_eq!(huge.problems[0].severity, Severity::Warning);
        // Over 4096 bits: verifiers need not handle it (RFC 8301 §3.2), a warning.
        let mut big = vec![0xc5u8; 520];
        big[519] = 0x01;
        let analysis = encode(&big, &[1, 0, 1]);
        assert!(matches!(
            analysis.material,
            KeyMaterial::Rsa { bits: 4160, .. }
        ));
        assert_eq!(analysis.problems.len(), 1);
        assert_eq!(analysis.problems[0].severity, Severity::Warning);
        assert!(analysis.problems[0].message.contains("4160 bits"));
        let mut even_modulus = modulus.clone();
        even_modulus[255] = 0x02;
        assert_eq!(encode(&even_modulus, &[3]).material, KeyMaterial::Invalid);
    }
}
