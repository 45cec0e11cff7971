//! Translations: every string the wizard draws comes from
//! `assets/i18n/<lang>.toml`, embedded at build time. Keys are dotted paths
//! (`welcome.title`); `{name}` placeholders are filled by [`Texts::f`].

use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhCn,
}

const EN: &str = include_str!("../assets/i18n/en.toml");
const ZH_CN: &str = include_str!("../assets/i18n/zh-CN.toml");

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// `en`, `zh-CN` (also `zh_CN`, `zh`, `zh-Hans`).
    pub fn parse(value: &str) -> Option<Lang> {
        let v = value.to_ascii_lowercase().replace('_', "-");
        if v == "en" || v.starts_with("en-") || v == "c" || v == "posix" {
            Some(Lang::En)
        } else if v == "zh" || v.starts_with("zh-cn") || v.starts_with("zh-hans") || v == "zh-sg" {
            Some(Lang::ZhCn)
        } else {
            None
        }
    }

    /// From a locale such as `zh_CN.UTF-8`: the first of LC_ALL, LC_MESSAGES
    /// and LANG that is set decides, as for gettext; Chinese when it starts
    /// with `zh`, English otherwise.
    pub fn from_locale(
        lc_all: Option<&str>,
        lc_messages: Option<&str>,
        lang: Option<&str>,
    ) -> Lang {
        let locale = [lc_all, lc_messages, lang]
            .into_iter()
            .flatten()
            .find(|v| !v.is_empty())
            .unwrap_or("");
        if locale.to_ascii_lowercase().starts_with("zh") {
            Lang::ZhCn
        } else {
            Lang::En
        }
    }

    pub fn from_env() -> Lang {
        let var = |name: &str| std::env::var(name).ok();
        Self::from_locale(
            var("LC_ALL").as_deref(),
            var("LC_MESSAGES").as_deref(),
            var("LANG").as_deref(),
        )
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::En => EN,
            Lang::ZhCn => ZH_CN,
        }
    }
}

/// A message in no language yet: a key of `assets/i18n` and its
/// parameters, put into words by [`Texts::msg`] in the language of the
/// screen or the locale. Parameters are what no translation changes (names,
/// numbers, paths, commands, the words of another program such as an OS
/// error), or a message themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Message(Message),
}

impl Message {
    pub fn new(key: &'static str) -> Message {
        Message {
            key,
            args: Vec::new(),
        }
    }

    /// With a parameter shown as it is.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Message {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// With a parameter that is a message itself.
    pub fn msg(mut self, name: &'static str, value: Message) -> Message {
        self.args.push((name, Arg::Message(value)));
        self
    }

    /// Applies `f` to every text parameter (masking secrets a server
    /// quoted: the translations themselves hold none).
    pub fn map_texts(&mut self, f: &dyn Fn(&str) -> String) {
        for (_, arg) in &mut self.args {
            match arg {
                Arg::Text(t) => *t = f(t),
                Arg::Message(m) => m.map_texts(f),
            }
        }
    }

    /// In English: for logs, JSON and tests.
    pub fn english(&self) -> String {
        Texts::of(Lang::En).msg(self)
    }

    /// An error's words: its message when it is one ([`MessageError`]), else its
    /// text with its causes, as it is. (A context added to a [`MessageError`] is
    /// not shown: none is added today.)
    pub fn of_error(e: &anyhow::Error) -> Message {
        match e.downcast_ref::<MessageError>() {
            Some(MessageError(message)) => message.clone(),
            None => Message::verbatim(format!("{e:#}")),
        }
    }

    /// Text no translation changes (a command, an SQL statement, a line
    /// of a diff, another program's words), as a message.
    pub fn verbatim(text: impl std::fmt::Display) -> Message {
        Message::new("verbatim.text").arg("text", text)
    }

    /// The text of a [`Message::verbatim`], else `None`.
    pub fn as_verbatim(&self) -> Option<&str> {
        match (self.key, self.args.as_slice()) {
            ("verbatim.text", [("text", Arg::Text(text))]) => Some(text),
            _ => None,
        }
    }

    /// A message whose key is known only when the program runs (named by
    /// assets/profiles.toml): `None` when no language has `key`.
    pub fn named(key: &str) -> Option<Message> {
        let key = Texts::of(Lang::En).map.get_key_value(key)?.0;
        Some(Message::new(key.as_str()))
    }
}

/// In English: the JSON outputs are language-neutral (docs/json.md).
impl serde::Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.english())
    }
}

/// In English, as errors display.
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

/// An error whose words are a message: carried through `anyhow` like any
/// error, shown by a front end in its language ([`Texts::error`]), in
/// English by `Display` (logs, and wherever it is printed as it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageError(pub Message);

impl std::fmt::Display for MessageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for MessageError {}

/// One language's strings.
#[derive(Debug)]
pub struct Texts {
    pub lang: Lang,
    map: BTreeMap<String, String>,
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(t) => flatten(&path, t, out),
            toml::Value::String(s) => {
                out.insert(path, s.clone());
            }
            other => panic!("i18n key {path}: expected a string, got {other}"),
        }
    }
}

impl Texts {
    /// An error in this language when its words are a message ([`MessageError`]),
    /// else as it is (with its causes).
    pub fn error(&self, e: &anyhow::Error) -> String {
        self.msg(&Message::of_error(e))
    }

    fn parse(lang: Lang) -> Texts {
        let table: toml::Table = toml::from_str(lang.source())
            .unwrap_or_else(|e| panic!("assets/i18n/{}.toml: {e}", lang.code()));
        let mut map = BTreeMap::new();
        flatten("", &table, &mut map);
        Texts { lang, map }
    }

    /// The strings of a language, parsed once.
    pub fn of(lang: Lang) -> &'static Texts {
        static EN_TEXTS: OnceLock<Texts> = OnceLock::new();
        static ZH_TEXTS: OnceLock<Texts> = OnceLock::new();
        match lang {
            Lang::En => EN_TEXTS.get_or_init(|| Texts::parse(Lang::En)),
            Lang::ZhCn => ZH_TEXTS.get_or_init(|| Texts::parse(Lang::ZhCn)),
        }
    }

    /// A string. A missing key shows as `⟨key⟩` (and fails the tests).
    pub fn t(&self, key: &str) -> String {
        match self.map.get(key) {
            Some(s) => s.clone(),
            None => format!("⟨{key}⟩"),
        }
    }

    /// A string with `{name}` placeholders filled.
    pub fn f(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut out = self.t(key);
        for (name, value) in args {
            out = out.replace(&format!("{{{name}}}"), &value.to_string());
        }
        out
    }

    /// A message in this language.
    /// One pass over the template, so that a value holding `{…}` (a
    /// server's JSON) is never taken for a placeholder.
    pub fn msg(&self, m: &Message) -> String {
        let template = self.t(m.key);
        let mut out = String::with_capacity(template.len());
        let mut rest = template.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let name = &after[..close];
                let (_, arg) = m.args.iter().find(|(n, _)| *n == name)?;
                Some((close, arg))
            });
            match value {
                Some((close, Arg::Text(t))) => {
                    out.push_str(t);
                    rest = &after[close + 1..];
                }
                Some((close, Arg::Message(inner))) => {
                    out.push_str(&self.msg(inner));
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.map.keys()
    }
}

/// Words that are names, not English: keys of the keyboard.
const KEY_NAMES: &[&str] = &["PgUp", "PgDn", "Home", "End", "Enter", "Esc", "Tab", "Ctrl"];

/// The English sentences in `text`, for the tests that keep them off a
/// Chinese screen: three or more words of ASCII letters in a row, one space
/// apart, on one line. A word in capitals only (SQL, `HTTP`, `I`), a key
/// name and a word joined to other characters (`glance-api`,
/// `/etc/hosts`, `http://…`, `log_bin`) ends a run rather than extends
/// it, so that commands, paths, URLs, options and package names do not
/// count.
pub fn english_sentences(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut run: Vec<&str> = Vec::new();
        let mut flush = |run: &mut Vec<&str>| {
            if run.len() >= 3 {
                found.push(run.join(" "));
            }
            run.clear();
        };
        for token in line.split(' ') {
            match sentence_word(token) {
                Some(word) => {
                    run.push(word);
                    // A word that ends in punctuation ends the run after it.
                    if word.len() != token.len() {
                        flush(&mut run);
                    }
                }
                None => {
                    // A word glued to punctuation before it may start a run.
                    flush(&mut run);
                    if let Some(word) = leading_word(token) {
                        run.push(word);
                    }
                }
            }
        }
        flush(&mut run);
    }
    found
}

/// `token` as a sentence word: letters (an apostrophe inside, `user's`),
/// then at most two closing punctuation marks; not all capitals, not a key
/// name.
fn sentence_word(token: &str) -> Option<&str> {
    let word = token.trim_end_matches([',', '.', ';', ':', ')', '!', '?']);
    let plain = !word.is_empty()
        && word
            .split('\'')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()))
        && token.len() - word.len() <= 2;
    let capitals = word.chars().all(|c| !c.is_ascii_lowercase());
    (plain && !capitals && !KEY_NAMES.contains(&word)).then_some(word)
}

/// A word after an opening mark (`(see`) or after wide characters (`：Access`).
fn leading_word(token: &str) -> Option<&str> {
    let start = token
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_ascii_alphabetic() && *c != '\'')
        .map(|(i, c)| i + c.len_utf8())?;
    let before = &token[..start];
    let opening = before.ends_with(['(', '“', '"']) || !before.chars().last()?.is_ascii();
    if opening {
        sentence_word(&token[start..])
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let en = Texts::of(Lang::En);
        let zh = Texts::of(Lang::ZhCn);
        let missing_zh: Vec<_> = en.keys().filter(|k| !zh.has(k)).collect();
        let missing_en: Vec<_> = zh.keys().filter(|k| !en.has(k)).collect();
        assert!(
            missing_zh.is_empty(),
            "missing in zh-CN.toml: {missing_zh:?}"
        );
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
    }

    /// Placeholders must match, or a translation would drop a value.
    #[test]
    fn placeholders_match_between_languages() {
        let en = Texts::of(Lang::En);
        let zh = Texts::of(Lang::ZhCn);
        let names = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            v.sort();
            v
        };
        for key in en.keys() {
            assert_eq!(
                names(&en.t(key)),
                names(&zh.t(key)),
                "placeholders of {key}"
            );
        }
    }

    /// Every key written literally in src (`.t("…")`, `.f("…"`,
    /// `Message::new("…")`) exists in both files.
    #[test]
    fn every_key_used_in_the_code_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut used = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(dir)];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).unwrap() {
                    stack.push(entry.unwrap().path());
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("i18n.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Keys of the message sections, wherever a literal names one
            // (`let key = if … { "precheck.…" }`).
            for marker in [
                ".t(\"",
                ".f(\"",
                "Message::new(\"",
                "\"precheck.",
                "\"net.",
                "\"rule.",
                "\"doctor_msg.",
                "\"doctor_check.",
                "\"doctor_text.",
                "\"undo_item.",
                "\"undo_line.",
                "\"undo_said.",
                "\"undo_cli.",
                "\"plan.",
                "\"failure.",
                "\"apply_line.",
            ] {
                for piece in text.split(marker).skip(1) {
                    if let Some((key, _)) = piece.split_once('"')
                        && !key.contains('{')
                        && !key.is_empty()
                    {
                        let section = marker.strip_prefix('"').unwrap_or("");
                        let key = format!("{section}{key}");
                        used.push((key, path.display().to_string()));
                    }
                }
            }
        }
        assert!(
            used.len() > 50,
            "found only {} keys: scanner broken?",
            used.len()
        );
        for lang in Lang::ALL {
            let texts = Texts::of(lang);
            for (key, file) in &used {
                assert!(
                    texts.has(key),
                    "{key} (used in {file}) missing in {}.toml",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn english_sentences_are_found_and_names_are_not() {
        let found = english_sentences(
            "│ 失败  数据库登录  无法登录：Access denied for user 'root'@'localhost' │\n\
             apt could not download from its mirror (see the log); retrying\n\
             运行 openstack image list 查看 · PgUp PgDn Home End 滚动\n\
             SQL> CREATE USER IF NOT EXISTS 'glance'@'%';\n\
             修正 [test_image] source，或 /etc/apt/sources.list(.d) glance-api python3-glance\n\
             the  two  spaces",
        );
        assert_eq!(
            found,
            [
                "Access denied for user",
                "apt could not download from its mirror",
                "see the log",
                "openstack image list",
            ]
        );
    }

    #[test]
    fn locale_choice() {
        assert_eq!(
            Lang::from_locale(Some("zh_CN.UTF-8"), None, Some("en_US.UTF-8")),
            Lang::ZhCn
        );
        assert_eq!(
            Lang::from_locale(Some(""), None, Some("zh_CN.UTF-8")),
            Lang::ZhCn
        );
        assert_eq!(Lang::from_locale(None, None, Some("C.UTF-8")), Lang::En);
        assert_eq!(Lang::from_locale(None, None, None), Lang::En);
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("fr"), None);
    }
}
