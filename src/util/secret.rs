//! Secrets: a wrapper that never prints its value, and a redactor that scrubs
//! every known secret (in every encoding it may appear in) from text that is
//! about to reach a log, the journal or the screen.

use std::fmt;

/// The mask printed in place of a secret everywhere.
pub const MASK: &str = "********";

/// Shown where a password goes that is not set yet (`plan` before the
/// secrets exist).
pub const NOT_SET: &str = "<not set>";

/// The value of [`Secret::not_set`]: it starts with a NUL character, which
/// every secret's input refuses (`validate`: no control character), so no
/// real secret ever equals it.
const NOT_SET_VALUE: &str = "\u{0}<not set>";

/// A secret string. `Debug` and `Display` print [`MASK`]; the value is only
/// reachable through [`Secret::expose`], so a stray `{:?}` cannot leak it.
#[derive(Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The clear value. Call sites are few and easy to audit with grep.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A stand-in for a password that is not set, for showing a plan only:
    /// it shows as [`NOT_SET`], and it has no fingerprint (serialising it
    /// inside [`hashing_secrets`] fails), so no journal can record a task
    /// as done with it.
    pub fn not_set() -> Secret {
        Secret(NOT_SET_VALUE.into())
    }

    pub fn is_not_set(&self) -> bool {
        self.0 == NOT_SET_VALUE
    }

    /// What is shown in its place: [`MASK`], or [`NOT_SET`] for a stand-in.
    pub fn shown(&self) -> &'static str {
        if self.is_not_set() { NOT_SET } else { MASK }
    }
}

/// A secret serialises as [`MASK`], except inside [`hashing_secrets`], where
/// it serialises as the hash that function was given: fingerprints are
/// computed from whole task specs (every field a runner reads), and the
/// secrets among those fields must enter them keyed, never in clear.
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SECRET_HASH.with(|hash| match hash.borrow().as_ref() {
            Some(_) if self.is_not_set() => Err(serde::ser::Error::custom(
                "a password that is not set has no fingerprint",
            )),
            Some(hash) => serializer.serialize_str(&hash(self)),
            None => serializer.serialize_str(self.shown()),
        })
    }
}

type SecretHash = std::rc::Rc<dyn Fn(&Secret) -> String>;

thread_local! {
    static SECRET_HASH: std::cell::RefCell<Option<SecretHash>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with every [`Secret`] serialised on this thread as `hash` gives
/// it (then as [`MASK`] again, even if `f` panics).
pub fn hashing_secrets<T>(hash: impl Fn(&Secret) -> String + 'static, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<SecretHash>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            SECRET_HASH.with(|h| *h.borrow_mut() = previous);
        }
    }
    let previous = SECRET_HASH.with(|h| h.borrow_mut().replace(std::rc::Rc::new(hash)));
    let _restore = Restore(previous);
    f()
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shown())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shown())
    }
}

/// Replaces every registered secret, and the forms it takes once escaped for
/// SQL, a database URL, oslo.config, JSON or a shell, with [`MASK`].
///
/// One pass over the text finds every occurrence of every form, overlapping
/// ones included (an automaton over all of them); each run of overlapping
/// occurrences becomes one [`MASK`], so no byte of any occurrence survives.
/// Forms never contain a line break (secrets with control characters are
/// refused), so text may be redacted a line or a block of lines at a time.
///
/// Secrets can be added while text is being redacted (an admin token got
/// during the run): the forms sit behind a lock that readers share, and
/// each addition builds a new set.
#[derive(Default, Debug)]
pub struct Redactor {
    forms: std::sync::RwLock<std::sync::Arc<Forms>>,
}

impl Clone for Redactor {
    fn clone(&self) -> Self {
        Redactor {
            forms: std::sync::RwLock::new(self.current()),
        }
    }
}

/// One generation of registered forms and the automata over them.
#[derive(Default, Debug)]
struct Forms {
    needles: Vec<String>,
    /// Built when first needed. `any` only tells whether a form occurs (a
    /// SIMD search at gigabytes per second: the usual answer is no); `all`
    /// then finds every occurrence, overlapping ones included.
    any: std::sync::OnceLock<aho_corasick::AhoCorasick>,
    all: std::sync::OnceLock<aho_corasick::AhoCorasick>,
}

/// Secrets shorter than this are not masked: masking every "a" in a log
/// would make it unreadable and protect nothing. Input refuses them
/// ([`crate::answers::validate::maskable_secret`]).
pub const MIN_MASKED_CHARS: usize = 3;

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    fn current(&self) -> std::sync::Arc<Forms> {
        self.forms.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Registers a secret and its escaped variants ([`escaped_forms`]).
    pub fn add(&self, secret: &Secret) {
        let variants = escaped_forms(secret.expose());
        if variants.is_empty() {
            return;
        }
        let mut forms = self.forms.write().unwrap_or_else(|e| e.into_inner());
        let mut needles = forms.needles.clone();
        for variant in variants {
            if !needles.contains(&variant) {
                needles.push(variant);
            }
        }
        *forms = std::sync::Arc::new(Forms {
            needles,
            ..Forms::default()
        });
    }

    /// Every form registered (each secret as is and escaped).
    pub fn forms(&self) -> Vec<String> {
        self.current().needles.clone()
    }

    /// The longest form of any secret, in bytes (0 without secrets): a
    /// stream cut anywhere but a line end must keep this many bytes minus
    /// one for the next piece (see `engine::runner::stream`).
    pub fn longest(&self) -> usize {
        self.current()
            .needles
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(0)
    }

    /// Where forms of secrets occur in `bytes`, as merged `start..end`
    /// ranges (overlapping occurrences make one range), in order.
    pub fn occurrences(&self, bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
        let forms = self.current();
        if forms.needles.is_empty() {
            return Vec::new();
        }
        const BUILT: &str = "a few short patterns build";
        let any = forms.any.get_or_init(|| {
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(&forms.needles)
                .expect(BUILT)
        });
        if !any.is_match(bytes) {
            return Vec::new();
        }
        let all = forms
            .all
            .get_or_init(|| aho_corasick::AhoCorasick::new(&forms.needles).expect(BUILT));
        let mut ranges: Vec<std::ops::Range<usize>> = all
            .find_overlapping_iter(bytes)
            .map(|m| m.start()..m.end())
            .collect();
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<std::ops::Range<usize>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start < last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        merged
    }

    /// `text` with every form of every secret masked; borrowed when there
    /// is nothing to mask (the common case: no allocation).
    pub fn redact_cow<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        let ranges = self.occurrences(text.as_bytes());
        if ranges.is_empty() {
            return std::borrow::Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for r in ranges {
            // Needles are whole strings: ranges fall on char boundaries.
            out.push_str(&text[at..r.start]);
            out.push_str(MASK);
            at = r.end;
        }
        out.push_str(&text[at..]);
        std::borrow::Cow::Owned(out)
    }

    pub fn redact(&self, text: &str) -> String {
        self.redact_cow(text).into_owned()
    }
}

/// Every form a secret takes where glance-wizard or a tool it runs may
/// write it: as is; as a SQL string body (both `sql_mode`s); shell-quoted;
/// percent-encoded (the DB URL's set and every non-unreserved byte, upper
/// and lower-case hex, `+` for a space as in a form); as written to
/// oslo.config (alone or inside the DB URL); and inside a JSON string
/// (raw UTF-8 as serde writes it, or `\uXXXX` as Python's `json.dumps`
/// does, in either case of hex). Empty for a value too short to mask.
pub fn escaped_forms(value: &str) -> Vec<String> {
    if value.chars().count() < MIN_MASKED_CHARS {
        return Vec::new();
    }
    let userinfo = crate::util::escape::percent_encode_userinfo(value);
    let every = crate::util::escape::percent_encode_all(value);
    let mut variants = vec![
        value.to_string(),
        crate::util::escape::sql_string_body(value, false),
        crate::util::escape::sql_string_body(value, true),
        crate::util::escape::shell_single_quote(value),
        userinfo.to_lowercase_hex(),
        every.to_lowercase_hex(),
        every.replace("%20", "+"),
        json_string_body(value, false, false),
        json_string_body(value, true, false),
        json_string_body(value, true, true),
    ];
    variants.extend(crate::ini::oslo_quote(value).ok());
    variants.extend(crate::ini::oslo_quote(&userinfo).ok());
    variants.push(userinfo);
    variants.push(every);
    let mut unique = Vec::with_capacity(variants.len());
    for v in variants {
        if !unique.contains(&v) {
            unique.push(v);
        }
    }
    unique
}

/// Lower-cases the hex digits of `%XX` escapes (Python's `quote` writes
/// upper case, other encoders lower).
trait LowercaseHex {
    fn to_lowercase_hex(&self) -> String;
}

impl LowercaseHex for String {
    fn to_lowercase_hex(&self) -> String {
        let mut out = String::with_capacity(self.len());
        let mut hex_left = 0;
        for c in self.chars() {
            if c == '%' {
                hex_left = 2;
                out.push(c);
            } else if hex_left > 0 {
                hex_left -= 1;
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// The body of a JSON string holding `value` (no quotes). `ascii` escapes
/// every non-ASCII character as `\uXXXX` (UTF-16, surrogate pairs above
/// U+FFFF), as Python's `json.dumps` does by default; `upper` writes those
/// hex digits in upper case.
fn json_string_body(value: &str, ascii: bool, upper: bool) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let unit = |u: u16, out: &mut String| {
        if upper {
            out.push_str(&format!("\\u{u:04X}"));
        } else {
            out.push_str(&format!("\\u{u:04x}"));
        }
    };
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => unit(c as u16, &mut out),
            c if ascii && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    unit(*u, &mut out);
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for a password not set shows as `<not set>`, equals no
    /// secret that input accepts, and has no fingerprint.
    #[test]
    fn a_password_not_set_is_shown_never_fingerprinted() {
        let stand_in = Secret::not_set();
        assert!(stand_in.is_not_set());
        assert_eq!(format!("{stand_in} {stand_in:?}"), "<not set> <not set>");
        assert_eq!(serde_json::to_string(&stand_in).unwrap(), "\"<not set>\"");
        assert!(!Secret::new(NOT_SET).is_not_set());
        assert_eq!(Secret::new(NOT_SET).to_string(), MASK);
        let hashed = hashing_secrets(|_| "h".into(), || serde_json::to_string(&stand_in));
        assert!(hashed.is_err(), "{hashed:?}");
    }

    /// Serialised, a secret is the mask, except inside `hashing_secrets`,
    /// and only there (also after a panic inside it).
    #[test]
    fn a_secret_serialises_masked_or_hashed_never_in_clear() {
        let secret = Secret::new("s3cret-Value");
        let json = || serde_json::to_string(&secret).unwrap();
        assert_eq!(json(), format!("\"{MASK}\""));
        let hashed = hashing_secrets(|s| format!("h({})", s.expose().len()), json);
        assert_eq!(hashed, "\"h(12)\"");
        let panicked = std::panic::catch_unwind(|| hashing_secrets(|_| "x".into(), || panic!()));
        assert!(panicked.is_err());
        assert_eq!(json(), format!("\"{MASK}\""));
    }

    #[test]
    fn debug_and_display_mask() {
        let secret = Secret::new("hunter2!");
        assert_eq!(format!("{secret:?} {secret}"), "******** ********");
    }

    #[test]
    fn redacts_escaped_forms() {
        let redactor = Redactor::new();
        redactor.add(&Secret::new("p@ss$word'"));
        let line =
            "url=mysql+pymysql://glance:p%40ss$$word%27@h/glance sql='p@ss$word''' raw p@ss$word'";
        let redacted = redactor.redact(line);
        assert!(!redacted.contains("ss$"), "{redacted}");
        assert!(!redacted.contains("p%40"), "{redacted}");
    }

    /// The forms other programs write a secret in, produced by those
    /// programs' own encoders (Python's, as the `openstack` client and
    /// Keystone are Python): JSON with `\uXXXX` or raw UTF-8,
    /// percent-encoding in both cases, a form's `+` for a space.
    #[test]
    fn redacts_what_python_encoders_write() {
        let secret = "p\"a\\b 中🙂%/x";
        let redactor = Redactor::new();
        redactor.add(&Secret::new(secret));
        let script = concat!(
            "import json,sys,urllib.parse as u\n",
            "s=sys.stdin.read()\n",
            "for line in (json.dumps(s), json.dumps(s, ensure_ascii=False),\n",
            "    u.quote(s, safe=''), u.quote(s, safe='').lower(), u.quote_plus(s)):\n",
            "    print('[' + line + ']')\n",
        );
        let output = duct::cmd!("python3", "-c", script)
            .stdin_bytes(secret)
            .read()
            .expect("python3 runs");
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines.len(), 5, "{output}");
        for line in lines {
            let redacted = redactor.redact(line);
            assert!(
                redacted == "[\"********\"]" || redacted == "[********]",
                "{line} -> {redacted}"
            );
        }
    }

    #[test]
    fn too_short_to_mask_registers_nothing() {
        assert!(escaped_forms("ab").is_empty());
        assert!(!escaped_forms("abc").is_empty());
    }

    /// A secret learnt while text is being redacted (an admin token) is
    /// masked from then on, in every clone made afterwards too.
    #[test]
    fn secrets_added_later_are_masked() {
        let redactor = Redactor::new();
        assert_eq!(redactor.redact("token gAAAA-xyz"), "token gAAAA-xyz");
        redactor.add(&Secret::new("gAAAA-xyz"));
        assert_eq!(redactor.redact("token gAAAA-xyz"), "token ********");
        assert_eq!(redactor.clone().redact("gAAAA-xyz"), "********");
    }

    /// Two secrets that overlap in the text: neither leaves a fragment.
    #[test]
    fn overlapping_secrets_are_masked_whole() {
        let redactor = Redactor::new();
        redactor.add(&Secret::new("abcxy"));
        redactor.add(&Secret::new("xyz123"));
        assert_eq!(redactor.redact("[abcxyz123]"), "[********]");
        assert_eq!(redactor.redact("abcxy xyz123"), "******** ********");
        assert_eq!(redactor.redact("nothing here"), "nothing here");
        assert!(matches!(
            redactor.redact_cow("nothing here"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(Redactor::new().redact("abcxy"), "abcxy");
    }
}
