//! Fingerprints follow the task specs, and the specs follow what the runners
//! read. For any change to one answer or profile field (random values,
//! proptest):
//! - a task's fingerprint changes exactly when its spec changes or a task it
//!   follows changed (specs are compared with their derived `PartialEq`, so
//!   no field can be left out of the comparison by hand);
//! - the tasks whose spec changes are the ones documented below as reading
//!   that field, and no other: a field only other tasks read reruns nothing
//!   else, and a field only the [`Reach`] holds (the admin's password, the
//!   route through a proxy) reruns nothing at all.
//!
//! [`Reach`]: glance_wizard::engine::runner::Reach

use glance_wizard::answers::{Answers, DbAdmin, ImageSource, SecretName, Secrets, Settings};
use glance_wizard::host::target::{InitSystem, PackageManager, Profile, profile_for};
use glance_wizard::plan::{FingerprintKey, Plan, build_plan};
use glance_wizard::util::secret::Secret;
use proptest::prelude::*;

fn base() -> (Settings, Profile) {
    let answers =
        Answers::from_toml("[keystone]\nos_auth_url = \"http://controller:5000/v3\"\n").unwrap();
    let profile = profile_for("debian", "zed", InitSystem::SysV).unwrap();
    let mut secrets = Secrets::default();
    secrets.set(SecretName::GlanceDbPassword, Secret::new("db-password-1"));
    secrets.set(
        SecretName::GlanceServicePassword,
        Secret::new("svc-password-1"),
    );
    secrets.set(SecretName::OsPassword, Secret::new("admin-password"));
    let admin = answers.manual_admin_credentials(&secrets).unwrap();
    (answers.resolve(&profile, &secrets, admin).unwrap(), profile)
}

type Change = fn(&mut Settings, &mut Profile, &str);

/// One field each, and the tasks whose spec reads it (directly: tasks that
/// follow them rerun through their fingerprints, checked separately).
const CHANGES: &[(&str, Change, &[&str])] = &[
    (
        "db.host",
        |s, _, v| s.db.host = v.parse().unwrap(),
        &[
            "sql.database",
            "config.glance-api",
            "db.sync",
            "db.metadefs",
            "verify.image",
        ],
    ),
    (
        "db.port",
        |s, _, v| s.db.port = (1 + v.len() as i64).try_into().unwrap(),
        &[
            "sql.database",
            "config.glance-api",
            "db.sync",
            "db.metadefs",
            "verify.image",
        ],
    ),
    (
        "db.name",
        |s, _, v| s.db.name = v.parse().unwrap(),
        &[
            "sql.database",
            "config.glance-api",
            "db.sync",
            "db.metadefs",
            "verify.image",
        ],
    ),
    (
        "db.user",
        |s, _, v| s.db.user = v.parse().unwrap(),
        &[
            "sql.database",
            "config.glance-api",
            "db.sync",
            "db.metadefs",
            "verify.image",
        ],
    ),
    (
        "db.password",
        |s, _, v| s.db.password = Secret::new(v),
        &[
            "sql.database",
            "config.glance-api",
            "db.sync",
            "db.metadefs",
            "verify.image",
        ],
    ),
    (
        "db.admin",
        |s, _, v| {
            s.db.admin = DbAdmin::Tcp {
                user: "root".parse().unwrap(),
                password: Secret::new(v),
            }
        },
        &["sql.database"],
    ),
    (
        "keystone.region",
        |s, _, v| s.keystone.region = v.parse().unwrap(),
        &["identity.endpoints", "verify.image"],
    ),
    (
        "keystone.service_user",
        |s, _, v| s.keystone.service_user = v.parse().unwrap(),
        &[
            "identity.user",
            "identity.role",
            "config.glance-api",
            "verify.image",
        ],
    ),
    (
        "keystone.service_project",
        |s, _, v| s.keystone.service_project = v.parse().unwrap(),
        &[
            "identity.user",
            "identity.role",
            "config.glance-api",
            "verify.image",
        ],
    ),
    (
        "keystone.service_password",
        |s, _, v| s.keystone.service_password = Secret::new(v),
        &[
            "identity.user",
            "identity.role",
            "config.glance-api",
            "verify.image",
        ],
    ),
    (
        "keystone.www_authenticate_uri",
        |s, _, v| s.keystone.www_authenticate_uri = format!("http://{v}:5000").parse().unwrap(),
        &["config.glance-api"],
    ),
    (
        "keystone.auth_url",
        |s, _, v| s.keystone.auth_url = format!("http://{v}:5000").parse().unwrap(),
        &["config.glance-api"],
    ),
    (
        "keystone.memcached_servers",
        |s, _, v| s.keystone.memcached_servers = vec![format!("{v}:11211").parse().unwrap()],
        &["config.glance-api"],
    ),
    // Where the identity objects live: the admin's Keystone.
    (
        "keystone.admin OS_AUTH_URL",
        |s, _, v| {
            s.keystone
                .admin
                .vars
                .insert("OS_AUTH_URL".into(), format!("http://{v}:5000/v3"));
        },
        &[
            "identity.user",
            "identity.role",
            "identity.service",
            "identity.endpoints",
            "verify.image",
        ],
    ),
    // Who does the work, not what it leaves behind.
    (
        "keystone.admin password",
        |s, _, v| s.keystone.admin.password = Secret::new(v),
        &[],
    ),
    (
        "endpoints.public",
        |s, _, v| s.endpoints.public = format!("http://{v}:9292").parse().unwrap(),
        &["identity.endpoints", "verify.image"],
    ),
    (
        "endpoints.internal",
        |s, _, v| s.endpoints.internal = format!("http://{v}:9292").parse().unwrap(),
        &["identity.endpoints"],
    ),
    (
        "endpoints.admin",
        |s, _, v| s.endpoints.admin = format!("http://{v}:9292").parse().unwrap(),
        &["identity.endpoints"],
    ),
    (
        "store.stores",
        |s, _, _| s.store.stores = vec!["file".parse().unwrap(), "http".parse().unwrap()],
        &["config.glance-api"],
    ),
    (
        "store.default_store",
        |s, _, _| s.store.default_store = "http".parse().unwrap(),
        &["config.glance-api"],
    ),
    (
        "store.data_dir",
        |s, _, v| s.store.data_dir = format!("/{v}").parse().unwrap(),
        &["config.glance-api", "service.restart"],
    ),
    (
        "test_image.source",
        |s, _, v| s.test_image.source = ImageSource::Path(v.into()),
        &["verify.image"],
    ),
    (
        "test_image.source URL password",
        |s, _, v| {
            s.test_image.source = ImageSource::Url(
                format!("http://u:{v}@images.example/c.img")
                    .parse()
                    .unwrap(),
            );
        },
        &["verify.image"],
    ),
    (
        "test_image.name",
        |s, _, v| s.test_image.name = v.parse().unwrap(),
        &["verify.image"],
    ),
    (
        "test_image.disk_format",
        |s, _, _| s.test_image.disk_format = "raw".parse().unwrap(),
        &["verify.image"],
    ),
    (
        "test_image.container_format",
        |s, _, _| s.test_image.container_format = "ovf".parse().unwrap(),
        &["verify.image"],
    ),
    // The route only, while the proxy is not written into apt's config.
    (
        "proxy.http_proxy",
        |s, _, v| s.proxy.http_proxy = format!("http://{v}:3128"),
        &[],
    ),
    (
        "proxy.password",
        |s, _, v| s.proxy.password = Some(Secret::new(v)),
        &[],
    ),
    (
        "proxy.persist",
        |s, _, v| {
            s.proxy.http_proxy = format!("http://{v}:3128");
            s.proxy.persist = true;
        },
        &["packages.install"],
    ),
    (
        "packages.manager_options",
        |s, _, v| s.packages.manager_options = vec![format!("--{v}").parse().unwrap()],
        &["packages.install"],
    ),
    (
        "packages.query_options",
        |s, _, v| s.packages.query_options = vec![format!("--{v}").parse().unwrap()],
        &["packages.install"],
    ),
    (
        "controller",
        |s, _, v| s.controller = v.parse().unwrap(),
        &["service.restart"],
    ),
    (
        "release.domain_name",
        |_, p, v| p.release.domain_name = v.parse().unwrap(),
        &[
            "identity.user",
            "identity.role",
            "config.glance-api",
            "verify.image",
        ],
    ),
    (
        "release.name",
        |_, p, v| p.release.name = v.parse().unwrap(),
        &["db.sync"],
    ),
    (
        "release.db_check",
        |_, p, _| p.release.db_check = !p.release.db_check,
        &["db.sync"],
    ),
    (
        "distro.api_log",
        |_, p, v| p.distro.api_log = v.parse().unwrap(),
        &["service.restart"],
    ),
    (
        "distro.repository",
        |_, p, v| p.distro.repository = glance_wizard::i18n::Message::verbatim(v),
        &["packages.install"],
    ),
    (
        "package_manager",
        |_, p, _| p.package_manager = PackageManager::Dnf,
        &["packages.install", "service.restart"],
    ),
];

/// (ids whose spec differs, ids whose fingerprint differs), and a
/// violation of "fingerprint changed ⟺ spec or upstream changed".
fn compare(a: &Plan, b: &Plan) -> (Vec<String>, Result<(), String>) {
    let key = FingerprintKey::new([7; 32]);
    let (fa, fb) = (a.fingerprints(&key), b.fingerprints(&key));
    let mut spec_changed = Vec::new();
    let mut fp_changed: Vec<&str> = Vec::new();
    let mut verdict = Ok(());
    for (i, (ta, tb)) in a.tasks.iter().zip(&b.tasks).enumerate() {
        assert_eq!(ta.id, tb.id, "the same tasks in the same order");
        let own = ta.kind != tb.kind;
        let upstream = ta.after.iter().any(|u| fp_changed.contains(&u.as_str()));
        let changed = fa[i] != fb[i];
        if own {
            spec_changed.push(ta.id.to_string());
        }
        if changed {
            fp_changed.push(ta.id.as_str());
        }
        if changed != (own || upstream) && verdict.is_ok() {
            verdict = Err(format!(
                "{}: fingerprint changed {changed}, spec changed {own}, upstream changed {upstream}",
                ta.id
            ));
        }
    }
    (spec_changed, verdict)
}

fn value() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{1,11}[a-z0-9]"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fingerprints_follow_specs_and_specs_follow_their_readers(
        which in 0..CHANGES.len(),
        v in value(),
    ) {
        let (name, change, readers) = CHANGES[which];
        let (settings, profile) = base();
        let (mut s, mut p) = (settings.clone(), profile.clone());
        change(&mut s, &mut p, &v);
        prop_assume!(s != settings || p != profile);
        let (spec_changed, verdict) =
            compare(&build_plan(&settings, &profile), &build_plan(&s, &p));
        prop_assert!(verdict.is_ok(), "{name} = {v}: {}", verdict.unwrap_err());
        prop_assert_eq!(spec_changed, readers.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            "{} = {}: the tasks whose spec changed", name, v);
    }
}

/// Every change of the table reruns something but the [`Reach`]-only ones
/// (so the table cannot hide a field no spec reads behind an empty list).
///
/// [`Reach`]: glance_wizard::engine::runner::Reach
#[test]
fn only_the_reach_reruns_nothing() {
    let empty: Vec<&str> = CHANGES
        .iter()
        .filter(|(_, _, readers)| readers.is_empty())
        .map(|(name, _, _)| *name)
        .collect();
    assert_eq!(
        empty,
        [
            "keystone.admin password",
            "proxy.http_proxy",
            "proxy.password"
        ]
    );
}
