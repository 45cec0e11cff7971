//! `plan` (and the wizard's review screen, which shows the same text) never
//! shows a secret: not the answers' passwords, not the ones the config file
//! holds now (old passwords, keys the editor comments out, a duplicate
//! `connection`), not credentials in the proxy or test image URLs. And its
//! "no change" is true: the preview is computed with the real values.

use crate::common;

use crate::common::fixtures::debian_zed_api_conf;
use common::leak;
use glance_wizard::answers::{Answers, SecretName, Secrets, Settings};
use glance_wizard::host::target::{InitSystem, profile_for};
use glance_wizard::plan::{Plan, TaskKind, apply_config_spec, build_plan, render_plan};
use glance_wizard::util::secret::Secret;

const API_CONF: &str = "/etc/glance/glance-api.conf";

const DB_PASSWORD: &str = "Db-New'pa$$w0rd";
const SERVICE_PASSWORD: &str = "Svc-New\"pass中";
const ADMIN_PASSWORD: &str = "Admin-Planted-77";
const PROXY_PASSWORD: &str = "Proxy-Planted-p@ss";
const IMAGE_URL_PASSWORD: &str = "Image-Url-Pass-42";
/// Already in the config file before the wizard runs.
const OLD_SERVICE_PASSWORD: &str = "Old-Service-Pw-31";
const OLD_DB_PASSWORD: &str = "Old-Db-Pw-58";
const DUPLICATE_DB_PASSWORD: &str = "Dup-Conn-Pw-64";
const MEMCACHE_KEY: &str = "Memcache-Secret-K3y";
const ADMIN_PASSWORD_IN_AUTHTOKEN: &str = "Legacy-Admin-Pw-90";

fn settings() -> (Settings, glance_wizard::host::target::Profile) {
    let answers = Answers::from_toml(&format!(
        "[keystone]\nos_auth_url = \"http://controller:5000/v3\"\n\
         [proxy]\nhttp_proxy = \"http://gw@proxy.example.org:3128\"\n\
         [test_image]\nsource = \"http://img:{IMAGE_URL_PASSWORD}@images.example.org/cirros.img\"\n\
         [target]\ndistro = \"debian\"\nrelease = \"zed\"\n"
    ))
    .unwrap();
    let profile = profile_for("debian", "zed", InitSystem::SysV).unwrap();
    let mut secrets = Secrets::default();
    for (name, value) in [
        (SecretName::GlanceDbPassword, DB_PASSWORD),
        (SecretName::GlanceServicePassword, SERVICE_PASSWORD),
        (SecretName::OsPassword, ADMIN_PASSWORD),
        (SecretName::ProxyPassword, PROXY_PASSWORD),
    ] {
        secrets.set(name, Secret::new(value));
    }
    let admin = answers.manual_admin_credentials(&secrets).unwrap();
    (answers.resolve(&profile, &secrets, admin).unwrap(), profile)
}

fn planted() -> leak::Secrets {
    let secrets = leak::Secrets::default();
    for (label, value) in [
        ("db password", DB_PASSWORD),
        ("service password", SERVICE_PASSWORD),
        ("admin password", ADMIN_PASSWORD),
        ("proxy password", PROXY_PASSWORD),
        ("image URL password", IMAGE_URL_PASSWORD),
        ("old service password", OLD_SERVICE_PASSWORD),
        ("old db password", OLD_DB_PASSWORD),
        ("duplicate connection's password", DUPLICATE_DB_PASSWORD),
        ("memcache_secret_key", MEMCACHE_KEY),
        (
            "admin_password in [keystone_authtoken]",
            ADMIN_PASSWORD_IN_AUTHTOKEN,
        ),
    ] {
        secrets.add(label, value);
    }
    secrets
}

/// The packaged file after an earlier install by hand: old passwords, a
/// key the editor comments out, and a duplicate `connection`.
fn config_with_old_secrets() -> String {
    debian_zed_api_conf()
        .replacen(
            "[database]\n",
            &format!(
                "[database]\nconnection = mysql+pymysql://glance:{OLD_DB_PASSWORD}@controller/glance\n\
                 connection = mysql+pymysql://glance:{DUPLICATE_DB_PASSWORD}@controller/glance\n"
            ),
            1,
        )
        .replacen(
            "[keystone_authtoken]\n",
            &format!(
                "[keystone_authtoken]\npassword = {OLD_SERVICE_PASSWORD}\n\
                 memcache_secret_key = {MEMCACHE_KEY}\n\
                 admin_password = {ADMIN_PASSWORD_IN_AUTHTOKEN}\n"
            ),
            1,
        )
}

fn render(plan: &Plan, settings: &Settings, api_conf: &str) -> String {
    render_plan(plan, settings, &|path| {
        (path == API_CONF).then(|| api_conf.to_string())
    })
}

/// The api config as the wizard would write it from `before`.
fn written(plan: &Plan, before: &str) -> String {
    let spec = plan
        .tasks
        .iter()
        .find_map(|t| match &t.kind {
            TaskKind::Config(spec) if spec.path == API_CONF => Some(spec),
            _ => None,
        })
        .unwrap();
    let mut doc = glance_wizard::ini::IniDocument::parse(before);
    apply_config_spec(&mut doc, spec, true).unwrap();
    doc.to_string()
}

#[test]
fn plan_shows_no_secret_old_or_new() {
    let (settings, profile) = settings();
    let plan = build_plan(&settings, &profile);
    let text = render(&plan, &settings, &config_with_old_secrets());
    let hits = planted().found_in(&text);
    assert!(hits.is_empty(), "secrets in the plan: {hits:?}\n{text}");
    // The diff is still there, with the secret places masked.
    assert!(
        text.contains("-connection = mysql+pymysql://glance:********@controller/glance"),
        "{text}"
    );
    assert!(text.contains("+#memcache_secret_key = ********"), "{text}");
    assert!(
        text.contains("http://img:********@images.example.org"),
        "{text}"
    );
    assert!(
        text.contains("through the proxy http://gw@proxy.example.org:3128"),
        "{text}"
    );
}

#[test]
fn no_change_is_true_with_the_real_passwords_in_the_file() {
    let (settings, profile) = settings();
    let plan = build_plan(&settings, &profile);
    let done = written(&plan, &debian_zed_api_conf());
    let text = render(&plan, &settings, &done);
    assert!(
        text.contains("no change: the file already has these values"),
        "{text}"
    );
}

#[test]
fn a_change_of_only_a_secret_is_said_and_hidden() {
    let (settings, profile) = settings();
    let plan = build_plan(&settings, &profile);
    let done = written(&plan, &debian_zed_api_conf());
    let quoted = glance_wizard::ini::oslo_quote(SERVICE_PASSWORD).unwrap();
    let older = done.replacen(
        &format!("password = {quoted}\n"),
        &format!("password = {OLD_SERVICE_PASSWORD}\n"),
        1,
    );
    assert_ne!(older, done, "the fixture must hold the service password");
    let text = render(&plan, &settings, &older);
    assert!(text.contains("secret changed (hidden)"), "{text}");
    let hits = planted().found_in(&text);
    assert!(hits.is_empty(), "secrets in the plan: {hits:?}\n{text}");
}

/// The argv sampler the end-to-end secret tests rely on finds a secret in a
/// process's argv, also when the secret is registered after it first saw
/// that process (it checks each argv once per set of secrets).
#[test]
fn the_argv_sampler_finds_a_secret_registered_late() {
    use common::leak::{ArgvSampler, Secrets};
    let secrets = Secrets::default();
    secrets.add("early", "planted-early-Secret-1");
    let sampler = ArgvSampler::start(secrets.clone(), std::time::Duration::from_millis(3));
    let mut child = std::process::Command::new("sh")
        // Two commands: sh stays (it cannot exec the last one in its place).
        .args([
            "-c",
            "sleep 1; true",
            "planted-early-Secret-1",
            "planted-late-Secret-2",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    secrets.add("late", "planted-late-Secret-2");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let stats = sampler.finish();
    child.wait().unwrap();
    // Each hit starts with its secret's label (the argv after it is masked
    // with the secrets known then, so it may show the late one in clear).
    let found = |label: &str| {
        stats
            .hits
            .iter()
            .any(|h| h.starts_with(&format!("{label} (")))
    };
    assert!(found("early"), "{:?}", stats.hits);
    assert!(found("late"), "{:?}", stats.hits);
}
