//! Differential tests against python3-oslo.config itself (skipped when it is not importable,
//! unless GW_LAB=1 says it must be).

use super::read::normalize;
use super::tests::{EOLS, FRAGMENTS, fixture_doc};
use super::*;

// ---- against the real oslo.config --------------------------------------------------

/// A Python with oslo_config importable: `$GW_PYTHON`, else `python3`, else the system one
/// (a pyenv `python3` first on PATH does not see Debian's python3-oslo.config).
fn oslo_python() -> Option<String> {
    let candidates: Vec<String> = match std::env::var("GW_PYTHON") {
        Ok(p) => vec![p],
        Err(_) => vec!["python3".into(), "/usr/bin/python3".into()],
    };
    let found = candidates.into_iter().find(|p| {
        std::process::Command::new(p)
            .args(["-c", "import oslo_config"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        let msg = "oslo_config is not importable (install python3-oslo.config or set GW_PYTHON)";
        assert!(
            std::env::var("GW_LAB").as_deref() != Ok("1"),
            "GW_LAB=1 but {msg}"
        );
        eprintln!("SKIPPED: {msg}");
    }
    found
}

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("gw-ini-{tag}-{}", std::process::id()));
        if let Err(e) = std::fs::remove_dir_all(&p)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            panic!("cannot empty {}: {e}", p.display());
        }
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best-effort cleanup; `new` empties the directory before use.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unhex(h: &str) -> String {
    let bytes: Vec<u8> = (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect();
    String::from_utf8(bytes).unwrap()
}

/// Runs `script` with the files' directory and count; returns stdout lines.
fn run_python(python: &str, script: &str, dir: &std::path::Path, n: usize) -> Vec<String> {
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(dir)
        .arg(n.to_string())
        // Decode files as UTF-8 whatever the test machine's locale; services get the same
        // under the C locale (PEP 538/540).
        .env("PYTHONUTF8", "1")
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Reads option `k` of group `s` (or the given group/option) from each `case<i>.conf`
/// through `ConfigOpts`, substitution included, exactly as glance reads its options.
const READ_OPTION_PY: &str = r#"
import sys, os
from oslo_config import cfg
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    p = os.path.join(d, 'case%d.conf' % i)
    group, name = open(p + '.opt').read().split()
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt(name), group=group)
    try:
        conf(args=[], default_config_files=[p], default_config_dirs=[], use_env=False)
        print(i, 'V', conf[group][name].encode('utf-8').hex())
    except Exception as e:
        print(i, 'ERR', type(e).__name__, str(e).encode('utf-8').hex())
"#;

fn read_options(
    python: &str,
    tag: &str,
    cases: &[(String, &str, &str)],
) -> Vec<Result<String, String>> {
    let dir = TempDir::new(tag);
    for (i, (text, group, name)) in cases.iter().enumerate() {
        let p = dir.0.join(format!("case{i}.conf"));
        std::fs::write(&p, text).unwrap();
        std::fs::write(
            dir.0.join(format!("case{i}.conf.opt")),
            format!("{group} {name}"),
        )
        .unwrap();
    }
    let lines = run_python(python, READ_OPTION_PY, &dir.0, cases.len());
    assert_eq!(lines.len(), cases.len());
    lines
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            if f[1] == "V" {
                Ok(unhex(f[2]))
            } else {
                Err(format!("{}: {}", f[2], unhex(f[3])))
            }
        })
        .collect()
}

/// Values chosen to break naive quoting; each goes through `oslo_quote`, into a file, and
/// must come back from oslo.config unchanged.
const HOSTILE: &[&str] = &[
    "\"quoted\"",
    "'single'",
    "\"",
    "'",
    "\"\"",
    "''",
    "\"abc",
    "abc\"",
    "'abc",
    "'a\"",
    "\"a'",
    "a\"b'c",
    "back\\slash",
    "\\",
    "ends\\",
    "\\$",
    "a\\$b",
    "\\\\$",
    "\\$$",
    "$",
    "a$",
    "$x",
    "${x}",
    "${s.k}",
    "$$",
    "$$$",
    "p@ss/w:rd%40",
    "#hash",
    ";semi",
    "a # b",
    "a ; b",
    "key:val",
    "a=b",
    "=",
    ":",
    "[x]",
    "[s]",
    " lead",
    "trail ",
    "  both  ",
    " ",
    "\tt",
    "t\t",
    "in\tside",
    "中文密码",
    "ü",
    "Grüße$",
    "\u{3000}wide\u{3000}",
    "\u{a0}nbsp",
    "\u{feff}bom",
    "%(x)s",
    "%s%%",
    "&<>|`!*?~^",
    "mysql+pymysql://glance:p%40ss%2Fw%3Ard@controller/glance",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$!@#%^&*()_+-=[]{}|;':\",./<>?",
    "",
    "$ſ",
    "$K",
    "x\u{2028}y",
];

#[test]
fn real_oslo_config_reads_quoted_values_back() {
    let Some(python) = oslo_python() else { return };
    let cases: Vec<(String, &str, &str)> = HOSTILE
        .iter()
        .map(|v| (format!("[s]\nk = {}\n", oslo_quote(v).unwrap()), "s", "k"))
        .collect();
    let results = read_options(&python, "quote", &cases);
    let mut failures = Vec::new();
    for (v, r) in HOSTILE.iter().zip(&results) {
        if r.as_deref() != Ok(*v) {
            failures.push(format!("{v:?} -> {:?} -> {r:?}", oslo_quote(v).unwrap()));
        }
    }
    assert!(
        failures.is_empty(),
        "oslo.config read back differently:\n{}",
        failures.join("\n")
    );
    eprintln!(
        "{} hostile values verified against oslo.config",
        HOSTILE.len()
    );
}

#[test]
fn real_oslo_config_reads_the_edited_fixture() {
    let Some(python) = oslo_python() else { return };
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for (i, v) in HOSTILE.iter().enumerate() {
        let mut d = fixture_doc().clone();
        let (group, name) = [
            ("database", "connection"),
            ("keystone_authtoken", "password"),
            ("glance_store", "default_store"),
        ][i % 3];
        d.set(group, name, &oslo_quote(v).unwrap()).unwrap();
        // Set twice more to exercise replacement, not only insertion.
        d.set(group, name, "placeholder").unwrap();
        d.set(group, name, &oslo_quote(v).unwrap()).unwrap();
        cases.push((d.render(), group, name));
        expected.push(*v);
    }
    let results = read_options(&python, "fixture", &cases);
    for (v, r) in expected.iter().zip(&results) {
        assert_eq!(r.as_deref(), Ok(*v));
    }
}

#[test]
fn real_oslo_config_reads_edits_of_generated_docs() {
    let Some(python) = oslo_python() else { return };
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for (i, text) in generated_docs(300).iter().enumerate() {
        let mut d = IniDocument::parse(text);
        if !d.oslo_problems().is_empty() {
            continue;
        }
        let v = HOSTILE[i % HOSTILE.len()];
        let (group, name) = [("s", "k"), ("t", "j"), ("new", "k"), ("DEFAULT", "K")][i % 4];
        d.set(group, name, &oslo_quote(v).unwrap()).unwrap();
        assert!(d.oslo_problems().is_empty(), "{text:?} -> {:?}", d.render());
        cases.push((d.render(), group, name));
        expected.push((text.clone(), v));
    }
    let results = read_options(&python, "edits", &cases);
    for ((text, v), r) in expected.iter().zip(&results) {
        assert_eq!(r.as_deref(), Ok(*v), "edited {text:?}");
    }
    eprintln!("{} edited documents read back by oslo.config", cases.len());
}

/// Parses each `doc<i>.conf` with oslo.config's own `ConfigParser` and prints every
/// (normalized group, key, values) or ERR.
const PARSE_PY: &str = r#"
import sys, os
from oslo_config import cfg
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    p = os.path.join(d, 'doc%d.conf' % i)
    sections, normalized = {}, {}
    parser = cfg.ConfigParser(p, sections)
    parser._add_normalized(normalized)
    try:
        parser.parse()
    except Exception as e:
        print(i, 'ERR')
        continue
    print(i, 'OK')
    for s, kv in normalized.items():
        print(i, 'S', s.encode('utf-8').hex())
        for k, vals in kv.items():
            print(i, 'V', s.encode('utf-8').hex(), k.encode('utf-8').hex(), *[v.encode('utf-8').hex() for v in vals])
"#;

/// A deterministic generator (xorshift) of INI-like documents for the differential test,
/// so that it needs no proptest runner and fails reproducibly.
fn generated_docs(n: usize) -> Vec<String> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |m: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % m as u64) as usize
    };
    let alphabet: Vec<char> = " \t\"'#;=:[]$\\ab中\u{3000}\u{c}\u{1c}".chars().collect();
    (0..n)
        .map(|_| {
            let mut s = String::new();
            if next(20) == 0 {
                s.push('\u{feff}');
            }
            // Most documents start with a header so that they have a chance to be valid.
            if next(5) != 0 {
                s.push_str("[s]\n");
            }
            for _ in 0..next(12) {
                match next(10) {
                    0..=5 => {
                        // Mostly valid lines so that many documents parse.
                        let pool = [
                            "[DEFAULT]",
                            "[s]",
                            "[S]",
                            "[t]",
                            "[default]",
                            "",
                            "#k = c",
                            "k = v",
                            "k: v",
                            "j = \"q\"",
                            "k = '",
                            "\tcont",
                            "m = $$",
                            "K = x",
                        ];
                        s.push_str(pool[next(pool.len())]);
                    }
                    6..=8 => {
                        s.push_str(["k", "j", "K"][next(3)]);
                        s.push_str([" = ", "=", ": "][next(3)]);
                        for _ in 0..next(8) {
                            s.push(alphabet[next(alphabet.len())]);
                        }
                    }
                    _ => s.push_str(FRAGMENTS[next(FRAGMENTS.len())]),
                }
                s.push_str(EOLS[next(EOLS.len())]);
            }
            s
        })
        .collect()
}

/// What oslo.config read from each generated document: whether it loaded, its normalized
/// group names, and (group, key, values) for every option.
struct OsloReadings {
    ok: Vec<bool>,
    sections: Vec<Vec<String>>,
    values: Vec<Vec<(String, String, Vec<String>)>>,
}

/// Decodes the lines `PARSE_PY` printed for `n` documents.
fn oslo_readings(lines: &[String], n: usize) -> OsloReadings {
    let mut ok = vec![false; n];
    let mut sections: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut values: Vec<Vec<(String, String, Vec<String>)>> = vec![Vec::new(); n];
    for l in lines {
        let f: Vec<&str> = l.split(' ').collect();
        let i: usize = f[0].parse().unwrap();
        match f[1] {
            "OK" => ok[i] = true,
            "ERR" => {}
            "S" => sections[i].push(unhex(f[2])),
            _ => values[i].push((
                unhex(f[2]),
                unhex(f[3]),
                f[4..].iter().map(|h| unhex(h)).collect(),
            )),
        }
    }
    OsloReadings {
        ok,
        sections,
        values,
    }
}

#[test]
fn real_oslo_config_parses_like_us() {
    let Some(python) = oslo_python() else { return };
    let docs = generated_docs(400);
    let dir = TempDir::new("parse");
    for (i, text) in docs.iter().enumerate() {
        std::fs::write(dir.0.join(format!("doc{i}.conf")), text).unwrap();
    }
    let lines = run_python(&python, PARSE_PY, &dir.0, docs.len());
    let OsloReadings {
        ok,
        mut sections,
        values,
    } = oslo_readings(&lines, docs.len());
    let valid = ok.iter().filter(|&&o| o).count();
    assert!(
        valid > docs.len() / 4,
        "too few valid documents ({valid}) for a useful comparison"
    );
    for (i, text) in docs.iter().enumerate() {
        let d = IniDocument::parse(text);
        let problems = d.oslo_problems();
        assert_eq!(
            problems.is_empty(),
            ok[i],
            "doc {i} {text:?}: oslo ok={} ours {problems:?}",
            ok[i]
        );
        if !ok[i] {
            continue;
        }
        let mut ours: Vec<String> = d
            .sections()
            .iter()
            .map(|s| normalize(s).into_owned())
            .collect();
        ours.sort();
        sections[i].sort();
        assert_eq!(ours, sections[i], "doc {i} {text:?}");
        for (s, k, vals) in &values[i] {
            assert_eq!(&d.get_all(s, k), vals, "doc {i} {text:?} [{s}] {k}");
        }
        for s in &sections[i] {
            let n = values[i].iter().filter(|(vs, _, _)| vs == s).count();
            assert_eq!(d.keys(s).len(), n, "doc {i} {text:?} [{s}]");
        }
    }
    eprintln!(
        "{} documents compared with oslo.config's parser ({valid} valid)",
        docs.len()
    );
}
