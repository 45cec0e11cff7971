//! Bad input: every answers field with an invalid value is reported with its
//! path and rule; the answers parser survives fuzzing; a damaged journal is
//! reported and never trusted.

use std::process::Command;

use glance_wizard::answers::{Answers, SecretName, Secrets};
use glance_wizard::host::target::{InitSystem, profile_for};
use glance_wizard::util::secret::Secret;
use proptest::prelude::*;

fn secrets() -> Secrets {
    let mut s = Secrets::default();
    s.set(SecretName::GlanceDbPassword, Secret::new("db-password-1"));
    s.set(
        SecretName::GlanceServicePassword,
        Secret::new("svc-password-1"),
    );
    s.set(SecretName::OsPassword, Secret::new("admin-password"));
    s.set(SecretName::DbAdminPassword, Secret::new("root-password"));
    s
}

/// Parses and resolves; the error text, if any.
fn problems(text: &str) -> Option<String> {
    let answers = match Answers::from_toml(text) {
        Ok(a) => a,
        Err(e) => return Some(e.to_string()),
    };
    let profile = profile_for("debian", "zed", InitSystem::SysV).unwrap();
    let secrets = secrets();
    let field_errors = answers.validate_fields();
    if !field_errors.is_empty() {
        return Some(glance_wizard::answers::AnswersError(field_errors).to_string());
    }
    let admin = answers.manual_admin_credentials(&secrets)?;
    answers
        .resolve(&profile, &secrets, admin)
        .err()
        .map(|e| e.to_string())
}

const BASE: &str = "[keystone]\nos_auth_url = \"http://controller:5000/v3\"\n";

/// One invalid value for every field of the answers file, and the field
/// path the error must name.
const CASES: &[(&str, &str, &str)] = &[
    ("controller", "host = \"bad host\"", "controller.host"),
    (
        "controller",
        "bind_host = \"not-an-ip\"",
        "controller.bind_host",
    ),
    ("controller", "colour = \"blue\"", "controller.colour"),
    ("database", "host = \"-db\"", "database.host"),
    ("database", "port = 0", "database.port"),
    ("database", "port = \"x\"", "database.port"),
    (
        "database",
        "admin_access = \"ssh\"",
        "database.admin_access",
    ),
    ("database", "admin_user = \"ro ot\"", "database.admin_user"),
    (
        "database",
        "socket = \"run/mysqld.sock\"",
        "database.socket",
    ),
    ("database", "name = \"gl;ance\"", "database.name"),
    ("database", "user = \"\"", "database.user"),
    (
        "keystone",
        "os_auth_url = \"controller:5000\"",
        "keystone.os_auth_url",
    ),
    ("keystone", "os_username = \"\"", "keystone.os_username"),
    (
        "keystone",
        "os_project_name = \" \"",
        "keystone.os_project_name",
    ),
    (
        "keystone",
        "admin_openrc = \"admin-openrc\"",
        "keystone.admin_openrc",
    ),
    ("keystone", "region = \"Region One\"", "keystone.region"),
    (
        "keystone",
        "service_user = \"gl@nce\"",
        "keystone.service_user",
    ),
    (
        "keystone",
        "service_project = \"\"",
        "keystone.service_project",
    ),
    (
        "keystone",
        "www_authenticate_uri = \"ldap://x\"",
        "keystone.www_authenticate_uri",
    ),
    ("keystone", "auth_url = \"http://\"", "keystone.auth_url"),
    (
        "keystone",
        "memcached_servers = [\"controller\"]",
        "keystone.memcached_servers[0]",
    ),
    (
        "keystone",
        "memcached_servers = []",
        "keystone.memcached_servers",
    ),
    (
        "endpoints",
        "public = \"controller:9292\"",
        "endpoints.public",
    ),
    (
        "endpoints",
        "internal = \"http://bad host:9292\"",
        "endpoints.internal",
    ),
    (
        "endpoints",
        "admin = \"ftp://controller\"",
        "endpoints.admin",
    ),
    (
        "image_store",
        "stores = [\"swift\"]",
        "image_store.stores[0]",
    ),
    ("image_store", "stores = []", "image_store.stores"),
    (
        "image_store",
        "stores = [\"file\"]\ndefault_store = \"http\"",
        "image_store.default_store",
    ),
    (
        "image_store",
        "default_store = \"swift\"",
        "image_store.default_store",
    ),
    (
        "image_store",
        "data_dir = \"images\"",
        "image_store.data_dir",
    ),
    (
        "image_store",
        "min_free_mib = -1",
        "image_store.min_free_mib",
    ),
    ("test_image", "source = \"cirros.img\"", "test_image.source"),
    ("test_image", "name = \"\"", "test_image.name"),
    (
        "test_image",
        "disk_format = \"exe\"",
        "test_image.disk_format",
    ),
    (
        "test_image",
        "container_format = \"zip\"",
        "test_image.container_format",
    ),
    ("proxy", "http_proxy = \"proxy:3128\"", "proxy.http_proxy"),
    (
        "proxy",
        "https_proxy = \"'http://proxy:3128'\"",
        "proxy.https_proxy",
    ),
    ("proxy", "no_proxy = \"10.0.0.0/8\"", "proxy.no_proxy"),
    ("target", "distro = \"gentoo\"", "target"),
    ("target", "release = \"essex\"", "target"),
    ("secrets", "file = 42", "secrets.file"),
];

#[test]
fn every_field_with_an_invalid_value_is_named_with_its_rule() {
    let mut failures = Vec::new();
    for (section, line, field) in CASES {
        let text = if *section == "keystone" {
            let auth = if line.starts_with("os_auth_url") {
                ""
            } else {
                "os_auth_url = \"http://controller:5000/v3\"\n"
            };
            format!("[keystone]\n{auth}{line}\n")
        } else {
            format!("{BASE}\n[{section}]\n{line}\n")
        };
        // [target] is resolved by the caller (detect/profile_for): check it there.
        let error = if *section == "target" {
            let answers = Answers::from_toml(&text).unwrap();
            profile_for(
                &answers.target.distro,
                &answers.target.release,
                InitSystem::SysV,
            )
            .err()
            .map(|e| format!("target: {e}"))
        } else {
            problems(&text)
        };
        match error {
            Some(e) if e.contains(&format!("{field}:")) || e.contains(&format!("{field} ")) => {
                // A rule is a sentence after the field, not just the name.
                let rule = e.split(*field).nth(1).unwrap_or("");
                if rule.trim().len() < 8 {
                    failures.push(format!("{field}: no rule in {e:?}"));
                }
            }
            Some(e) => failures.push(format!("{field}: error does not name it: {e:?}")),
            None => failures.push(format!("{field}: `{line}` was accepted")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_valid_base_passes() {
    assert_eq!(problems(BASE), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Any text: an error or answers, never a panic.
    #[test]
    fn parser_never_panics_on_any_text(text in "\\PC{0,400}") {
        // Any answer will do: only a panic fails.
        let _ = problems(&text);
    }

    /// TOML-shaped text with the real section and key names and hostile
    /// values: an error or answers, never a panic.
    #[test]
    fn resolve_never_panics_on_shaped_answers(
        lines in proptest::collection::vec(
            (
                prop::sample::select(vec!["controller", "database", "keystone", "endpoints", "image_store", "test_image", "proxy", "target", "secrets"]),
                prop::sample::select(vec!["host", "bind_host", "port", "admin_access", "socket", "name", "user", "os_auth_url", "region", "memcached_servers", "public", "stores", "default_store", "data_dir", "min_free_mib", "source", "http_proxy", "no_proxy", "distro", "release", "file"]),
                prop_oneof![
                    "\\PC{0,40}".prop_map(|s| format!("{:?}", s)),
                    any::<i64>().prop_map(|n| n.to_string()),
                    proptest::collection::vec("\\PC{0,12}", 0..3).prop_map(|v| format!("{v:?}")),
                    Just("true".to_string()),
                ],
            ),
            0..8,
        )
    ) {
        let mut text = String::from(BASE);
        for (section, key, value) in lines {
            text.push_str(&format!("[{section}]\n{key} = {value}\n"));
        }
        // Any answer will do: only a panic fails.
        let _ = problems(&text);
    }
}

fn wizard(state_dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_glance-wizard"))
        .args(args)
        .arg("--state-dir")
        .arg(state_dir)
        .output()
        .unwrap();
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn a_truncated_journal_is_reported_not_trusted_and_reset_sets_it_aside() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.json");
    let damaged = "{\n  \"format\": 1,\n  \"salt\": \"00112233445566778899aabbccddeeff\",\n  \"target\": \"x\",\n  \"tasks\": {\n    \"sql.database\": {\n      \"status\": \"do";
    std::fs::write(&journal, damaged).unwrap();

    let (code, out) = wizard(dir.path(), &["status"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("is damaged") && out.contains("glance-wizard reset"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap(),
        damaged,
        "left as it was"
    );

    let (code, out) = wizard(dir.path(), &["reset"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Moved it to"), "{out}");
    assert!(!journal.exists());
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("journal.json.damaged-")
        })
        .collect();
    assert_eq!(kept.len(), 1);

    let (code, out) = wizard(dir.path(), &["status"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("No journal"), "{out}");
}
