use super::read::read_value;
use super::*;
use proptest::prelude::*;

fn doc(text: &str) -> IniDocument {
    IniDocument::parse(text)
}

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/debian-zed/glance-api.conf"
);

fn fixture() -> String {
    std::fs::read_to_string(FIXTURE).expect("Debian glance-api.conf fixture")
}

// ---- round trip ------------------------------------------------------------------

#[test]
fn renders_odd_input_unchanged() {
    for text in [
        "",
        "\n",
        "\r",
        "\r\n",
        "\u{feff}",
        "\u{feff}[DEFAULT]\r\nk = v",
        "[s]\nk = v",
        "[s]\r\nk = v\r\n\r\n",
        "[s]\rk = v\r",
        "a\r\r\nb\n\rc",
        "\t[s]\t\n  k\t=\tv \t\n",
        "no section here\n= \n[]\n[x\n",
        "中文 = 密码\n",
    ] {
        assert_eq!(doc(text).render(), text, "{text:?}");
        assert_eq!(doc(text).to_string(), text);
    }
}

// ---- reading -----------------------------------------------------------------------

#[test]
fn reads_like_oslo_config() {
    let d = doc(concat!(
        "[DEFAULT]\n",
        "a = 1\n",
        "b: two words \n",
        "c = x = y\n",
        "d : e = f\n",
        "e = \"  quoted  \"\n",
        "f = 'x\n",
        "g = \"\n",
        "h = a # not a comment\n",
        "i = #x\n",
        "a = 3\n",
        "#j = commented\n",
        ";k = commented\n",
        "m = first\n",
        "  second\n",
        "\t# third\n",
        "\n",
        "n = \u{3000}wide\u{3000}\n",
        "o =\n",
    ));
    let g = |k| d.get("DEFAULT", k);
    assert_eq!(g("a").as_deref(), Some("3"));
    assert_eq!(g("b").as_deref(), Some("two words"));
    assert_eq!(g("c").as_deref(), Some("x = y"));
    assert_eq!(g("d").as_deref(), Some("e = f"));
    assert_eq!(g("e").as_deref(), Some("  quoted  "));
    assert_eq!(g("f").as_deref(), Some("'x"));
    assert_eq!(g("g").as_deref(), Some(""));
    assert_eq!(g("h").as_deref(), Some("a # not a comment"));
    assert_eq!(g("i").as_deref(), Some("#x"));
    assert_eq!(g("j"), None);
    assert_eq!(g("k"), None);
    assert_eq!(g("m").as_deref(), Some("first\nsecond\n# third"));
    assert_eq!(g("n").as_deref(), Some("wide"));
    assert_eq!(g("o").as_deref(), Some(""));
    assert_eq!(d.get_all("DEFAULT", "a"), vec!["1", "3"]);
    assert_eq!(
        d.keys("DEFAULT"),
        vec!["a", "b", "c", "d", "e", "f", "g", "h", "i", "m", "n", "o"]
    );
    assert!(d.oslo_problems().is_empty());
}

#[test]
fn section_names_are_compared_like_oslo_groups() {
    let d = doc(
        "[Database]\nconnection = a\n[default]\nx = 1\n[DEFAULT]\ny = 2\n[ s ]\nz = 3\n[database]\nconnection = b\n",
    );
    assert_eq!(d.get("database", "connection").as_deref(), Some("b"));
    assert_eq!(d.get("DATABASE", "connection").as_deref(), Some("b"));
    assert_eq!(d.get_all("database", "connection"), vec!["a", "b"]);
    assert_eq!(d.get("DEFAULT", "x"), None);
    assert_eq!(d.get("default", "x").as_deref(), Some("1"));
    assert_eq!(d.get("DEFAULT", "y").as_deref(), Some("2"));
    assert_eq!(d.get("s", "z"), None);
    assert_eq!(d.get(" s ", "z").as_deref(), Some("3"));
    assert_eq!(d.sections(), vec!["Database", "default", "DEFAULT", " s "]);
    assert!(d.has_section("DataBase"));
    assert!(!d.has_section("keystone_authtoken"));
}

#[test]
fn line_endings_of_every_kind_split_lines() {
    let d = doc("[s]\rk = a\r\nj = b\nl = c");
    assert_eq!(d.get("s", "k").as_deref(), Some("a"));
    assert_eq!(d.get("s", "j").as_deref(), Some("b"));
    assert_eq!(d.get("s", "l").as_deref(), Some("c"));
}

#[test]
fn reports_what_oslo_config_rejects() {
    let kinds = |t: &str| {
        doc(t)
            .oslo_problems()
            .into_iter()
            .map(|p| (p.line, p.kind))
            .collect::<Vec<_>>()
    };
    use ProblemKind::*;
    assert_eq!(kinds("\u{feff}[s]\n"), vec![(1, ByteOrderMark)]);
    assert_eq!(kinds("k = v\n[s]\n"), vec![(1, EntryBeforeSection)]);
    assert_eq!(kinds("[s]\n# c\n  x\n"), vec![(3, UnexpectedContinuation)]);
    assert_eq!(
        kinds("[s]\nk = v\n\n  x\n"),
        vec![(4, UnexpectedContinuation)]
    );
    assert_eq!(kinds("[s]\n k = v\n"), vec![(2, UnexpectedContinuation)]);
    assert_eq!(
        kinds("[s]x\n[]\n[s]\nnothing\n= v\n"),
        vec![
            (1, MissingSectionEnd),
            (2, EmptySectionName),
            (4, MissingSeparator),
            (5, EmptyKey)
        ]
    );
    assert_eq!(kinds("[s] \t\nk = v\n"), vec![]);
    let p = doc("[s]\nnothing\n").oslo_problems();
    assert_eq!(
        p[0].to_string(),
        "line 2: no ':' or '=' found in assignment"
    );
}

// ---- editing -----------------------------------------------------------------------

#[test]
fn set_replaces_value_keeping_key_spelling() {
    let mut d = doc("[s]\n\u{3000}conn :sqlite:// \n");
    d.set("s", "conn", "mysql+pymysql://g:p@h/g").unwrap();
    assert_eq!(d.render(), "[s]\n\u{3000}conn :mysql+pymysql://g:p@h/g\n");
    let mut d = doc("[s]\nk =\nj=\n");
    d.set("s", "k", "v").unwrap();
    d.set("s", "j", "w").unwrap();
    assert_eq!(d.render(), "[s]\nk = v\nj=w\n");
    d.set("s", "k", "").unwrap();
    assert_eq!(d.render(), "[s]\nk =\nj=w\n");
}

#[test]
fn set_drops_surrounding_whitespace_of_raw_value() {
    // Found by proptest: a raw value starting with whitespace used to be absorbed into the
    // "spacing after =" on the next set, so setting it twice gave two different files.
    let mut d = doc("");
    d.set("s", "k", "\u{b}\u{a1} ").unwrap();
    assert_eq!(d.render(), "[s]\nk = \u{a1}\n");
    d.set("s", "k", "\u{b}\u{a1} ").unwrap();
    assert_eq!(d.render(), "[s]\nk = \u{a1}\n");
    let mut d = doc("[s]\nk =   aligned\n");
    d.set("s", "k", " x").unwrap();
    assert_eq!(d.render(), "[s]\nk =   x\n");
}

#[test]
fn set_drops_continuation_lines_and_keeps_missing_final_newline() {
    let mut d = doc("[s]\r\nk = a\r\n  b\r\n\tc");
    d.set("s", "k", "z").unwrap();
    assert_eq!(d.render(), "[s]\r\nk = z");
}

#[test]
fn set_comments_out_other_occurrences() {
    let mut d = doc("[s]\nk = 1\nx = 0\nk = 2\n  more\n[t]\nk = t\n[S]\nk = 3\nk = 4\n");
    d.set("s", "k", "new").unwrap();
    assert_eq!(
        d.render(),
        "[s]\n#k = 1\nx = 0\n#k = 2\n#  more\n[t]\nk = t\n[S]\nk = new\n#k = 4\n"
    );
    assert_eq!(d.get("s", "k").as_deref(), Some("new"));
    assert_eq!(d.get("t", "k").as_deref(), Some("t"));
    assert!(d.oslo_problems().is_empty());
}

#[test]
fn set_inserts_after_the_template_line() {
    let text = "[database]\n\n# help\n#connection = <None>\n\n# more help\n#slave_connection = <None>\n\n[x]\n";
    let mut d = doc(text);
    d.set("database", "connection", "sqlite://").unwrap();
    assert_eq!(
        d.render(),
        "[database]\n\n# help\n#connection = <None>\nconnection = sqlite://\n\n# more help\n#slave_connection = <None>\n\n[x]\n"
    );
    // A hand-made template with a space after '#' counts too, a mere mention does not.
    let mut d = doc("[a]\n# key = x\n# the key is\nz = 1\n\n");
    d.set("a", "key", "v").unwrap();
    assert_eq!(
        d.render(),
        "[a]\n# key = x\nkey = v\n# the key is\nz = 1\n\n"
    );
}

#[test]
fn set_inserts_after_last_non_blank_line_of_last_header() {
    let mut d = doc("[s]\na = 1\n\n[t]\n[s]\nb = 2\n  cont\n\n\n[u]\n");
    d.set("s", "c", "3").unwrap();
    assert_eq!(
        d.render(),
        "[s]\na = 1\n\n[t]\n[s]\nb = 2\n  cont\nc = 3\n\n\n[u]\n"
    );
    let mut d = doc("[s]");
    d.set("s", "c", "3").unwrap();
    assert_eq!(d.render(), "[s]\nc = 3");
    let mut d = doc("[s]\r\n[t]\r\n");
    d.set("s", "c", "3").unwrap();
    assert_eq!(d.render(), "[s]\r\nc = 3\r\n[t]\r\n");
}

#[test]
fn set_avoids_adopting_an_orphan_continuation() {
    let mut d = doc("[s]\n#k = x\n  orphan\n");
    d.set("s", "k", "v").unwrap();
    assert_eq!(d.render(), "[s]\nk = v\n#k = x\n  orphan\n");
    assert_eq!(d.get("s", "k").as_deref(), Some("v"));
}

#[test]
fn set_appends_a_missing_section() {
    let mut d = doc("[DEFAULT]\r\nx = 1\r\n");
    d.set("paste_deploy", "flavor", "keystone").unwrap();
    assert_eq!(
        d.render(),
        "[DEFAULT]\r\nx = 1\r\n\r\n[paste_deploy]\r\nflavor = keystone\r\n"
    );
    let mut d = doc("");
    d.set("s", "k", "v").unwrap();
    assert_eq!(d.render(), "[s]\nk = v\n");
    let mut d = doc("[a]\nx = 1");
    d.set("b", "k", "v").unwrap();
    assert_eq!(d.render(), "[a]\nx = 1\n\n[b]\nk = v");
    let mut d = doc("[a]\n\n");
    d.set("b", "k", "").unwrap();
    assert_eq!(d.render(), "[a]\n\n[b]\nk =\n");
}

#[test]
fn set_refuses_what_cannot_be_written() {
    let mut d = doc("[s]\n");
    assert!(matches!(
        d.set("s", "a=b", "v"),
        Err(IniError::InvalidKey { .. })
    ));
    assert!(matches!(
        d.set("s", "a:b", "v"),
        Err(IniError::InvalidKey { .. })
    ));
    assert!(matches!(
        d.set("s", " a", "v"),
        Err(IniError::InvalidKey { .. })
    ));
    assert!(matches!(
        d.set("s", "#a", "v"),
        Err(IniError::InvalidKey { .. })
    ));
    assert!(matches!(
        d.set("s", "", "v"),
        Err(IniError::InvalidKey { .. })
    ));
    assert!(matches!(
        d.set("", "a", "v"),
        Err(IniError::InvalidSection { .. })
    ));
    assert!(matches!(
        d.set("s\n", "a", "v"),
        Err(IniError::InvalidSection { .. })
    ));
    assert!(matches!(
        d.set("s ", "a", "v"),
        Err(IniError::InvalidSection { .. })
    ));
    assert_eq!(d.set("s", "a", "v\nx = y"), Err(IniError::LineBreakInValue));
    assert_eq!(d.set("s", "a", "v\r"), Err(IniError::LineBreakInValue));
    assert_eq!(d.render(), "[s]\n");
}

#[test]
fn comment_out_except_keeps_the_listed_options() {
    let mut d = doc(
        "[keystone_authtoken]\nauth_uri = x\nauth_url = y\nregion_name = r\n  more\nauth_uri = z\n#password =\n[t]\nq = 1\n",
    );
    let gone = d.comment_out_except("keystone_authtoken", &["auth_url", "password"]);
    assert_eq!(gone, vec!["auth_uri", "region_name"]);
    assert_eq!(
        d.render(),
        "[keystone_authtoken]\n#auth_uri = x\nauth_url = y\n#region_name = r\n#  more\n#auth_uri = z\n#password =\n[t]\nq = 1\n"
    );
    assert!(d.comment_out_except("nope", &[]).is_empty());
    assert_eq!(d.comment_out("t", "q"), 1);
    assert_eq!(d.keys("t"), Vec::<String>::new());
}

// ---- quoting -----------------------------------------------------------------------

#[test]
fn oslo_quote_rules() {
    let q = |v: &str| oslo_quote(v).unwrap();
    assert_eq!(q("plain"), "plain");
    assert_eq!(q(""), "");
    assert_eq!(q("a$b"), "a$$b");
    assert_eq!(q("${x}"), "$${x}");
    assert_eq!(q("$$"), "$$$$");
    assert_eq!(q("a\\$b"), "a\\\\$b");
    assert_eq!(q("\\$$"), "\\\\$$$");
    assert_eq!(q(" a"), "\" a\"");
    assert_eq!(q("a\t"), "\"a\t\"");
    assert_eq!(q("\u{3000}"), "\"\u{3000}\"");
    assert_eq!(q("\"x\""), "\"\"x\"\"");
    assert_eq!(q("'x'"), "\"'x'\"");
    assert_eq!(q("\""), "\"\"\"");
    assert_eq!(q("'"), "\"'\"");
    assert_eq!(q("\"abc"), "\"abc");
    assert_eq!(q("'a\""), "'a\"");
    assert_eq!(q("#x;y=z:[w]"), "#x;y=z:[w]");
    assert_eq!(
        oslo_quote("a\nb"),
        Err(OsloValueError::LineBreak { position: 1 })
    );
    assert_eq!(
        oslo_quote("ab\r"),
        Err(OsloValueError::LineBreak { position: 2 })
    );
    assert_eq!(
        oslo_quote("密\u{0}"),
        Err(OsloValueError::ControlCharacter {
            ch: '\0',
            position: 1
        })
    );
    assert_eq!(
        oslo_quote("\u{85}"),
        Err(OsloValueError::ControlCharacter {
            ch: '\u{85}',
            position: 0
        })
    );
    assert!(
        oslo_quote("\u{1f}")
            .unwrap_err()
            .to_string()
            .contains("U+001F")
    );
}

#[test]
fn oslo_unescape_rules() {
    assert_eq!(oslo_unescape("a$$b").as_deref(), Some("a$b"));
    assert_eq!(oslo_unescape("a\\$b").as_deref(), Some("a$b"));
    assert_eq!(oslo_unescape("a\\\\$b").as_deref(), Some("a\\$b"));
    assert_eq!(oslo_unescape("a$").as_deref(), Some("a$"));
    assert_eq!(oslo_unescape("a$@").as_deref(), Some("a$@"));
    assert_eq!(oslo_unescape("$x"), None);
    assert_eq!(oslo_unescape("${a.b}"), None);
    assert_eq!(oslo_unescape("$\u{17f}"), None);
}

// ---- the Debian file ---------------------------------------------------------------

fn texts(d: &IniDocument) -> Vec<String> {
    d.render().split('\n').map(str::to_owned).collect()
}

#[test]
fn fixture_round_trips_and_reads() {
    let text = fixture();
    let d = doc(&text);
    assert_eq!(d.render(), text);
    assert!(d.oslo_problems().is_empty());
    assert_eq!(d.sections().len(), 34);
    assert_eq!(d.get("database", "connection"), None);
    assert_eq!(
        d.get("keystone_authtoken", "auth_url").as_deref(),
        Some("http://localhost:5000")
    );
    assert_eq!(
        d.get("oslo_concurrency", "lock_path").as_deref(),
        Some("/var/lock/glance")
    );
}

#[test]
fn fixture_database_connection_edit_inserts_one_line() {
    let before = doc(&fixture());
    let mut d = before.clone();
    let url = oslo_quote("mysql+pymysql://glance:p%40$s@controller/glance").unwrap();
    d.set("database", "connection", &url).unwrap();
    let (old, new) = (texts(&before), texts(&d));
    let t = old
        .iter()
        .position(|l| l == "#connection = <None>")
        .unwrap();
    assert_eq!(new.len(), old.len() + 1);
    assert_eq!(new[..=t], old[..=t]);
    assert_eq!(new[t + 1], format!("connection = {url}"));
    assert_eq!(new[t + 2..], old[t + 1..]);
    assert_eq!(
        d.get("database", "connection").as_deref(),
        Some(url.as_str())
    );
    // Second time: replaced in place, nothing else moves.
    let mut again = d.clone();
    again.set("database", "connection", "sqlite://").unwrap();
    let again = texts(&again);
    assert_eq!(again.len(), new.len());
    let changed: Vec<usize> = (0..new.len()).filter(|&i| new[i] != again[i]).collect();
    assert_eq!(changed, vec![t + 1]);
}

#[test]
fn fixture_keystone_authtoken_as_the_guide_wants() {
    let mut d = doc(&fixture());
    let keep = [
        "www_authenticate_uri",
        "auth_url",
        "memcached_servers",
        "auth_type",
        "project_domain_name",
        "user_domain_name",
        "project_name",
        "username",
        "password",
    ];
    assert_eq!(
        d.comment_out_except("keystone_authtoken", &keep),
        vec!["region_name"]
    );
    d.set(
        "keystone_authtoken",
        "password",
        &oslo_quote("GLANCE_PASS").unwrap(),
    )
    .unwrap();
    d.set(
        "keystone_authtoken",
        "memcached_servers",
        "controller:11211",
    )
    .unwrap();
    let lines = texts(&d);
    let p = lines.iter().position(|l| l == "#password =").unwrap();
    assert_eq!(lines[p + 1], "password = GLANCE_PASS");
    let m = lines
        .iter()
        .position(|l| l == "#memcached_servers = <None>")
        .unwrap();
    assert_eq!(lines[m + 1], "memcached_servers = controller:11211");
    assert!(lines.contains(&"#region_name = regionOne".to_owned()));
    assert!(d.oslo_problems().is_empty());
}

// ---- property tests ----------------------------------------------------------------

/// Line texts chosen to hit every branch of the oslo parser and the editor.
pub(super) const FRAGMENTS: &[&str] = &[
    "[DEFAULT]",
    "[s]",
    "[S]",
    "[t]",
    "[default]",
    "[ s ]",
    "[s] \t",
    "[]",
    "[s",
    "[s]x",
    "",
    " ",
    "\t",
    "\u{3000}",
    "#",
    "# help text",
    ";c",
    "#k = <None>",
    "# k: tmpl",
    "#k",
    "k = v",
    "k=v",
    "k : v",
    "k: v=w",
    "k =",
    "K = upper",
    " k = cont",
    "\tcont",
    "  # indented",
    "= v",
    "novalue",
    "j = \"q\"",
    "j = 'q",
    "k = \"\"",
    "k = '",
    "k = a # b",
    "\u{3000}k = wide",
    "k = x\u{3000}",
    "\u{c}k = ff",
    "k = \"  sp  \"",
    "m = $$x",
    "m = ${t.k}",
    "[glance.store]",
    "k\t=\tv\t",
    "\u{feff}k = bom",
];
pub(super) const EOLS: &[&str] = &["\n", "\n", "\n", "\r\n", "\r"];
const KEYS: &[&str] = &["k", "j", "K", "m", "new_key"];
const SECTIONS: &[&str] = &["s", "S", "t", "DEFAULT", "default", "new"];

fn ini_line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
        2 => (prop::sample::select(KEYS), prop::sample::select(&[" = ", "=", ": ", " :"][..]), "[^\r\n]{0,12}")
            .prop_map(|(k, s, v)| format!("{k}{s}{v}")),
        1 => "[^\r\n]{0,16}",
    ]
}

fn ini_text() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec((ini_line(), prop::sample::select(EOLS)), 0..30),
        any::<bool>(),
    )
        .prop_map(|(bom, lines, final_eol)| {
            let mut s = if bom {
                "\u{feff}".to_owned()
            } else {
                String::new()
            };
            let n = lines.len();
            for (i, (line, eol)) in lines.into_iter().enumerate() {
                s.push_str(&line);
                if i + 1 < n || final_eol {
                    s.push_str(eol);
                }
            }
            s
        })
}

/// Lines of `d` (text only) belonging to assignments of `key` in `section`.
fn key_region(d: &IniDocument, section: &str, key: &str) -> Vec<usize> {
    let a = d.analyze();
    let blocks = a.matching_blocks(section);
    a.entries_in(&blocks)
        .filter(|e| e.key == key)
        .flat_map(|e| e.first..e.end)
        .collect()
}

/// Checks property (b): `set` changed nothing but the key's own lines.
fn check_set(
    before: &IniDocument,
    section: &str,
    key: &str,
    raw: &str,
) -> Result<(), TestCaseError> {
    let mut after = before.clone();
    after.set(section, key, raw).unwrap();
    let got = after.get(section, key);
    prop_assert_eq!(got.as_deref(), Some(read_value(raw)));
    let region = key_region(before, section, key);
    let old: Vec<&str> = before.lines.iter().map(|l| l.text.as_str()).collect();
    let outside: Vec<&str> = (0..old.len())
        .filter(|i| !region.contains(i))
        .map(|i| old[i])
        .collect();
    let commented: Vec<String> = region.iter().map(|&i| format!("#{}", old[i])).collect();
    let had_section = before.has_section(section);
    let live = key_region(&after, section, key);
    prop_assert_eq!(live.len(), 1, "exactly one assignment line left");
    let new: Vec<&str> = after
        .lines
        .iter()
        .enumerate()
        .filter(|(i, l)| {
            !live.contains(i)
                && !commented.contains(&l.text)
                && !(!had_section && (l.text == format!("[{section}]") || l.text.is_empty()))
        })
        .map(|(_, l)| l.text.as_str())
        .collect();
    let outside_filtered: Vec<&str> = outside
        .iter()
        .copied()
        .filter(|t| {
            !commented.iter().any(|c| c == t)
                && !(!had_section && (*t == format!("[{section}]") || t.is_empty()))
        })
        .collect();
    prop_assert_eq!(new, outside_filtered);
    // Final newline or not, as before (an empty file has no style to keep).
    let text = before.render();
    if !before.lines.is_empty() {
        prop_assert_eq!(
            after.render().ends_with(['\n', '\r']),
            text.ends_with(['\n', '\r'])
        );
    }
    prop_assert_eq!(after.bom, before.bom);
    Ok(())
}

proptest! {
    #[test]
    fn round_trip_arbitrary(text in any::<String>()) {
        prop_assert_eq!(IniDocument::parse(&text).render(), text);
    }

    #[test]
    fn round_trip_ini_like(text in ini_text()) {
        let d = IniDocument::parse(&text);
        prop_assert_eq!(d.render(), text);
        // Reading never panics on anything.
        for s in d.sections() {
            for k in d.keys(&s) {
                prop_assert!(d.get(&s, &k).is_some());
            }
        }
    }

    #[test]
    fn set_changes_only_the_key(
        text in ini_text(),
        section in prop::sample::select(SECTIONS),
        key in prop::sample::select(KEYS),
        raw in "[^\r\n]{0,12}",
    ) {
        check_set(&IniDocument::parse(&text), section, key, &raw)?;
    }

    #[test]
    fn set_is_idempotent(
        text in ini_text(),
        section in prop::sample::select(SECTIONS),
        key in prop::sample::select(KEYS),
        raw in "[^\r\n]{0,12}",
    ) {
        let mut once = IniDocument::parse(&text);
        once.set(section, key, &raw).unwrap();
        let mut twice = once.clone();
        twice.set(section, key, &raw).unwrap();
        prop_assert_eq!(once.render(), twice.render());
    }

    #[test]
    fn quoted_values_read_back(value in any::<String>(), text in ini_text()) {
        let has_control = value.chars().any(|c| c.is_control() && c != '\t');
        match oslo_quote(&value) {
            Err(_) => prop_assert!(has_control),
            Ok(q) => {
                prop_assert!(!has_control);
                let mut d = IniDocument::parse(&text);
                d.set("s", "k", &q).unwrap();
                let got = d.get("s", "k").unwrap();
                prop_assert_eq!(oslo_unescape(&got), Some(value));
            }
        }
    }

    #[test]
    fn comment_out_except_leaves_only_kept_keys(text in ini_text(), keep in prop::sample::subsequence(KEYS, 0..3)) {
        let mut d = IniDocument::parse(&text);
        let before: Vec<String> = d.keys("s");
        let gone = d.comment_out_except("s", &keep);
        let after = d.keys("s");
        prop_assert!(after.iter().all(|k| keep.contains(&k.as_str())));
        prop_assert_eq!(before.iter().filter(|k| !keep.contains(&k.as_str())).cloned().collect::<Vec<_>>(), gone);
        for k in &after {
            prop_assert_eq!(IniDocument::parse(&text).get("s", k), d.get("s", k));
        }
    }
}

pub(super) fn fixture_doc() -> &'static IniDocument {
    static DOC: std::sync::OnceLock<IniDocument> = std::sync::OnceLock::new();
    DOC.get_or_init(|| IniDocument::parse(&fixture()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn fixture_edits_change_only_the_key(
        pick in 0usize..1000,
        key in prop::sample::select(&["connection", "password", "auth_url", "flavor", "debug", "new_opt"][..]),
        raw in "[^\r\n]{0,20}",
    ) {
        let d = fixture_doc();
        let sections = d.sections();
        let section = sections[pick % sections.len()].clone();
        check_set(d, &section, key, &raw)?;
    }
}
