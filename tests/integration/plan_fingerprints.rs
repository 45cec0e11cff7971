//! A changed input reruns exactly the tasks that depend on it: checked on
//! the fingerprints the engine compares with the journal.

use glance_wizard::answers::{Answers, SecretName, Secrets};
use glance_wizard::host::target::{InitSystem, profile_for};
use glance_wizard::plan::{FingerprintKey, Plan, build_plan};
use glance_wizard::util::secret::Secret;

fn plan(answers_text: &str, db_password: &str, service_password: &str) -> Plan {
    let answers = Answers::from_toml(answers_text).unwrap();
    let profile = profile_for("debian", "zed", InitSystem::SysV).unwrap();
    let mut secrets = Secrets::default();
    secrets.set(SecretName::GlanceDbPassword, Secret::new(db_password));
    secrets.set(
        SecretName::GlanceServicePassword,
        Secret::new(service_password),
    );
    secrets.set(SecretName::OsPassword, Secret::new("admin-password"));
    let admin = answers.manual_admin_credentials(&secrets).unwrap();
    let settings = answers.resolve(&profile, &secrets, admin).unwrap();
    build_plan(&settings, &profile)
}

const BASE: &str = "[keystone]\nos_auth_url = \"http://controller:5000/v3\"\n";

/// Ids of the tasks whose fingerprint differs between two plans.
fn changed(a: &Plan, b: &Plan) -> Vec<String> {
    let key = FingerprintKey::new([7; 32]);
    a.tasks
        .iter()
        .zip(a.fingerprints(&key).iter().zip(b.fingerprints(&key)))
        .filter(|(_, (x, y))| *x != y)
        .map(|(t, _)| t.id.to_string())
        .collect()
}

#[test]
fn same_inputs_same_fingerprints() {
    let a = plan(BASE, "db-password-1", "svc-password-1");
    let b = plan(BASE, "db-password-1", "svc-password-1");
    assert!(changed(&a, &b).is_empty());
}

#[test]
fn db_password_change_reruns_database_config_and_what_follows() {
    let a = plan(BASE, "db-password-1", "svc-password-1");
    let b = plan(BASE, "db-password-2", "svc-password-1");
    assert_eq!(
        changed(&a, &b),
        [
            "sql.database",
            "config.glance-api",
            "db.sync",
            "db.metadefs",
            "service.restart",
            "verify.image"
        ]
    );
}

#[test]
fn service_password_change_reruns_user_role_config_and_what_follows() {
    let a = plan(BASE, "db-password-1", "svc-password-1");
    let b = plan(BASE, "db-password-1", "svc-password-2");
    assert_eq!(
        changed(&a, &b),
        [
            "identity.user",
            "identity.role",
            "config.glance-api",
            "db.sync",
            "db.metadefs",
            "service.restart",
            "verify.image"
        ]
    );
}

#[test]
fn endpoint_change_reruns_only_endpoints_and_verify() {
    let a = plan(BASE, "db-password-1", "svc-password-1");
    let other = format!("{BASE}[endpoints]\npublic = \"http://images.example.org:9292\"\n");
    let b = plan(&other, "db-password-1", "svc-password-1");
    assert_eq!(changed(&a, &b), ["identity.endpoints", "verify.image"]);
}

#[test]
fn fingerprints_hold_no_secret_in_clear() {
    let a = plan(BASE, "db-password-1", "svc-password-1");
    for fp in a.fingerprints(&FingerprintKey::random()) {
        assert_eq!(fp.len(), 64);
        assert!(!fp.contains("password"));
    }
}

/// A secret's part of a fingerprint depends on the key: without the key
/// file, the journal's fingerprints cannot be recomputed for a guessed
/// password. Tasks without a secret input do not depend on it.
#[test]
fn secrets_enter_fingerprints_keyed() {
    let a = plan(BASE, "db-password-1", "svc-password-1");
    let one = a.fingerprints(&FingerprintKey::new([1; 32]));
    let two = a.fingerprints(&FingerprintKey::new([2; 32]));
    let differ: Vec<&str> = a
        .tasks
        .iter()
        .zip(one.iter().zip(&two))
        .filter(|(_, (x, y))| x != y)
        .map(|(t, _)| t.id.as_str())
        .collect();
    assert!(differ.contains(&"sql.database"), "{differ:?}");
    assert!(!differ.contains(&"packages.install"), "{differ:?}");
    assert_eq!(
        FingerprintKey::from_hex(&FingerprintKey::new([9; 32]).to_hex()),
        Some(FingerprintKey::new([9; 32]))
    );
}

/// identity.user and identity.role look the user up in the release's
/// domain: another domain reruns them (and what follows the user).
#[test]
fn domain_change_reruns_the_identity_tasks_that_read_it() {
    let answers = Answers::from_toml(BASE).unwrap();
    let mut secrets = Secrets::default();
    secrets.set(SecretName::GlanceDbPassword, Secret::new("db-password-1"));
    secrets.set(
        SecretName::GlanceServicePassword,
        Secret::new("svc-password-1"),
    );
    secrets.set(SecretName::OsPassword, Secret::new("admin-password"));
    let admin = answers.manual_admin_credentials(&secrets).unwrap();
    let profile = profile_for("debian", "zed", InitSystem::SysV).unwrap();
    let settings = answers.resolve(&profile, &secrets, admin).unwrap();
    let mut other = profile.clone();
    other.release.domain_name = "Other".into();
    let changed = changed(
        &build_plan(&settings, &profile),
        &build_plan(&settings, &other),
    );
    assert!(
        changed.starts_with(&["identity.user".to_string(), "identity.role".to_string()]),
        "{changed:?}"
    );
}

/// `[database] load_metadefs = false` leaves the metadata definitions out
/// of the plan; the other tasks keep their fingerprints.
#[test]
fn metadefs_can_be_left_out() {
    let a = plan(BASE, "db-password-1", "svc-password-1");
    let without = format!("{BASE}[database]\nload_metadefs = false\n");
    let b = plan(&without, "db-password-1", "svc-password-1");
    let ids = |p: &Plan| p.tasks.iter().map(|t| t.id.to_string()).collect::<Vec<_>>();
    let mut expected = ids(&a);
    expected.retain(|id| id != "db.metadefs");
    assert_eq!(ids(&b), expected);
    let key = FingerprintKey::new([7; 32]);
    let (fa, fb) = (a.fingerprints(&key), b.fingerprints(&key));
    for (task, fp) in b.tasks.iter().zip(&fb) {
        let i = a.tasks.iter().position(|t| t.id == task.id).unwrap();
        assert_eq!(&fa[i], fp, "{}", task.id);
    }
}

/// Answers that do not set `image_store.stores` get the release guide's
/// stores (`file,http` on zed). An install made before that default, whose
/// answers left the key unset (then `["file"]`), reruns its config task
/// and what follows it on the next apply (docs/answers.md says so); one
/// whose answers list the stores keeps every fingerprint.
#[test]
fn the_guides_stores_default_reruns_the_config_of_an_older_install() {
    let old_default = format!("{BASE}[image_store]\nstores = [\"file\"]\n");
    let before = plan(&old_default, "db-password-1", "svc-password-1");
    let now = plan(BASE, "db-password-1", "svc-password-1");
    assert_eq!(
        changed(&before, &now),
        [
            "config.glance-api",
            "db.sync",
            "db.metadefs",
            "service.restart",
            "verify.image"
        ]
    );
    let listed = format!("{BASE}[image_store]\nstores = [\"file\", \"http\"]\n");
    let explicit = plan(&listed, "db-password-1", "svc-password-1");
    assert!(changed(&explicit, &now).is_empty());
}
