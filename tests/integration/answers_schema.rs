//! `glance-wizard answers --schema` against the answers fixtures, checked by
//! a validator that is not ours: Debian's python3-jsonschema, after Python's
//! tomllib turned each TOML file into JSON (scripts/validate-answers-schema.py).
//!
//! The template and every valid fixture must pass; the invalid fixtures that
//! are wrong by *shape* (unknown key, wrong type, value outside an
//! enumeration or range) must be rejected; those whose fault a schema cannot
//! see (secrets, rules between fields, what a URL may hold) pass the schema
//! and are left to the validator (tests/integration/answers_fixtures.rs shows it refuses
//! them). Every invalid fixture must be listed below, so a new one is sorted
//! into one kind or the other.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const PYTHON: &str = "/usr/bin/python3";
const VALIDATOR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scripts/validate-answers-schema.py"
);

/// What the schema says of an invalid fixture.
enum Expect {
    /// Rejected, the validator's messages naming these fields.
    Rejected(&'static [&'static str]),
    /// Passes the schema: only glance-wizard's validator sees why (the reason).
    Passes(&'static str),
}

/// Every invalid fixture, sorted into the two kinds.
const INVALID: &[(&str, Expect)] = &[
    (
        "unknown-key",
        Expect::Rejected(&["database: Additional properties", "'hostname'"]),
    ),
    (
        "wrong-type",
        Expect::Rejected(&["database.port: '3306' is not of type 'integer'"]),
    ),
    (
        "bad-fields",
        Expect::Rejected(&[
            "database.port: 70000 is greater than",
            "image_store.stores.1: 'swift'",
        ]),
    ),
    (
        "newline-password",
        Expect::Passes("the fault is in the secrets file"),
    ),
    (
        "non-ascii-db-password",
        Expect::Passes("the fault is in the secrets file"),
    ),
    (
        "pike-percent-password",
        Expect::Passes("a secret that only Pike refuses"),
    ),
    (
        "proxy-password-inline",
        Expect::Passes("a password inside a proxy URL: a rule on the URL's text"),
    ),
    (
        "proxy-persist-and-options",
        Expect::Passes(
            "persist needs a proxy (a rule between fields); empty or multi-line options",
        ),
    ),
];

fn glance_wizard(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_glance-wizard"))
        .args(args)
        .output()
        .expect("run glance-wizard");
    assert!(out.status.success(), "glance-wizard {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/answers")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".toml") && !name.ends_with(".secrets.toml")
        })
        .collect();
    files.sort();
    files
}

/// The validator's verdict per file: `None` when valid, else its messages.
fn validate(files: &[PathBuf]) -> BTreeMap<PathBuf, Option<String>> {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("answers.schema.json");
    std::fs::write(&schema, glance_wizard(&["answers", "--schema"])).unwrap();
    let out = Command::new(PYTHON)
        .arg(VALIDATOR)
        .arg(&schema)
        .args(files)
        .output()
        .expect("run /usr/bin/python3");
    assert!(
        out.status.success(),
        "the schema validator failed (needs Debian's python3-jsonschema, which \
         scripts/lab-setup.sh installs): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let verdicts: BTreeMap<PathBuf, Option<String>> = text
        .lines()
        .map(|line| {
            if let Some(path) = line.strip_prefix("valid ") {
                (PathBuf::from(path), None)
            } else {
                let rest = line.strip_prefix("invalid ").expect("a verdict line");
                let (path, why) = rest.split_once(": ").unwrap();
                (PathBuf::from(path), Some(why.to_string()))
            }
        })
        .collect();
    assert_eq!(verdicts.len(), files.len(), "one verdict per file: {text}");
    verdicts
}

#[test]
fn the_template_and_every_valid_fixture_match_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.toml");
    std::fs::write(&template, glance_wizard(&["answers", "--template"])).unwrap();
    let mut files = vec![template];
    files.extend(fixtures("ok"));
    assert!(files.len() > 3, "the ok fixtures are found: {files:?}");
    for (path, verdict) in validate(&files) {
        assert_eq!(verdict, None, "{} must match the schema", path.display());
    }
}

#[test]
fn the_schema_rejects_the_fixtures_that_are_wrong_by_shape() {
    let files = fixtures("fail");
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut listed: Vec<String> = INVALID.iter().map(|(n, ..)| n.to_string()).collect();
    listed.sort();
    assert_eq!(names, listed, "every invalid fixture is sorted in INVALID");
    let verdicts = validate(&files);
    for (path, name) in files.iter().zip(&names) {
        let (_, expect) = INVALID.iter().find(|(n, _)| n == name).unwrap();
        match (expect, &verdicts[path]) {
            (Expect::Rejected(said), Some(messages)) => {
                for words in *said {
                    assert!(
                        messages.contains(words),
                        "{name}: `{words}` not in: {messages}"
                    );
                }
            }
            (Expect::Passes(_), None) => {}
            (Expect::Rejected(_), None) => panic!("{name}: the schema accepts it"),
            (Expect::Passes(why), Some(messages)) => {
                panic!("{name} ({why}): the schema now rejects it ({messages}): move it")
            }
        }
    }
}

#[test]
fn the_template_names_where_the_schema_is() {
    let template = glance_wizard(&["answers", "--template"]);
    let first = template.lines().next().unwrap();
    assert_eq!(
        first,
        "#:schema file:///usr/share/glance-wizard/answers.schema.json"
    );
    assert!(template.contains("glance-wizard answers --schema"));
}
