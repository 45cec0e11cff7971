//! Answers-file fixture pairs: `tests/fixtures/answers/ok/*.toml` → the plan that
//! `glance-wizard plan` prints (snapshot), `tests/fixtures/answers/fail/*.toml` →
//! the error text. A sibling `NAME.secrets.toml` replaces the default
//! secrets. Config diffs are computed against the packaged Debian
//! `glance-api.conf` fixture.

use std::path::Path;

use crate::common::fixtures::debian_zed_api_conf;
use glance_wizard::answers::{Answers, AnswersError, SecretName, Secrets};
use glance_wizard::host::target::{InitSystem, profile_for};
use glance_wizard::plan::{build_plan, render_plan};
use glance_wizard::util::secret::Secret;

fn secrets_for(path: &Path) -> Secrets {
    let sibling = path.with_extension("secrets.toml");
    let mut secrets = Secrets::default();
    if sibling.exists() {
        let text = std::fs::read_to_string(&sibling).unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        for (key, value) in table {
            let name = SecretName::from_key(&key).expect("known secret name");
            secrets.set(name, Secret::new(value.as_str().unwrap()));
        }
    } else {
        secrets.set(
            SecretName::GlanceDbPassword,
            Secret::new("db-p@ss/w$rd'%\"x"),
        );
        secrets.set(
            SecretName::GlanceServicePassword,
            Secret::new("svc pass $HOME #1"),
        );
        secrets.set(SecretName::OsPassword, Secret::new("admin-password"));
        secrets.set(SecretName::DbAdminPassword, Secret::new("root-password"));
    }
    secrets
}

fn plan_for(path: &Path) -> Result<String, AnswersError> {
    let text = std::fs::read_to_string(path).unwrap();
    let answers = Answers::from_toml(&text)?;
    let profile = profile_for(
        &answers.target.distro,
        &answers.target.release,
        InitSystem::Systemd,
    )
    .map_err(|e| AnswersError::single("target", e.to_string()))?;
    let secrets = secrets_for(path);
    let admin = answers
        .manual_admin_credentials(&secrets)
        .expect("fixtures give os_auth_url");
    let settings = answers.resolve(&profile, &secrets, admin)?;
    let plan = build_plan(&settings, &profile);
    let rendered = render_plan(&plan, &settings, &|p| {
        (p == "/etc/glance/glance-api.conf" && profile.distro.family == "debian")
            .then(debian_zed_api_conf)
    });
    // No secret may reach the plan output.
    for secret in settings.secrets() {
        assert!(
            !rendered.contains(secret.expose()),
            "plan output leaks a secret"
        );
    }
    if let Some(password) = &settings.proxy.password {
        assert!(
            !rendered.contains(password.expose())
                && !rendered.contains(&glance_wizard::util::escape::percent_encode_userinfo(
                    password.expose()
                )),
            "plan output leaks the proxy's password"
        );
    }
    Ok(rendered)
}

#[test]
fn valid_answers_give_the_expected_plan() {
    insta::glob!("../fixtures/answers", "ok/*.toml", |path| {
        if path.to_string_lossy().ends_with(".secrets.toml") {
            return;
        }
        let plan = plan_for(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        insta::assert_snapshot!(plan);
    });
}

#[test]
fn invalid_answers_give_the_expected_error() {
    insta::glob!("../fixtures/answers", "fail/*.toml", |path| {
        if path.to_string_lossy().ends_with(".secrets.toml") {
            return;
        }
        let error = plan_for(path).expect_err("fixture must be refused");
        assert!(
            !error.to_string().contains("pr0xy-p"),
            "the message repeats the proxy password: {error}"
        );
        insta::assert_snapshot!(error.to_string());
    });
}
