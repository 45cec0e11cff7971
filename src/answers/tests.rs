use super::*;
use crate::util::secret::Secret;

/// The answers' default `default_store` is one that every release's
/// guide enables: answers that set neither store key resolve on every
/// release.
#[test]
fn every_release_enables_the_default_store() {
    let default = Answers::default().image_store.default_store;
    for r in crate::host::target::releases() {
        assert!(
            r.default_stores.iter().any(|s| s.as_str() == default),
            "{}: {:?}",
            r.name,
            r.default_stores
        );
    }
}

/// The two glance passwords and the Keystone admin's.
fn test_secrets() -> Secrets {
    let mut secrets = Secrets::default();
    secrets.set(SecretName::GlanceDbPassword, Secret::new("db-password-1"));
    secrets.set(
        SecretName::GlanceServicePassword,
        Secret::new("svc-password-1"),
    );
    secrets.set(SecretName::OsPassword, Secret::new("admin-password"));
    secrets
}

fn proxy(no_proxy: &[&str]) -> ProxySettings {
    ProxySettings {
        http_proxy: "http://gw@proxy:3128".into(),
        https_proxy: String::new(),
        password: Some(Secret::new("p@ss%x")),
        no_proxy: no_proxy.iter().map(|s| s.to_string()).collect(),
        persist: false,
    }
}

#[test]
fn no_proxy_matching() {
    let p = proxy(&["controller", "127.0.0.1", ".example.org", "mirror.lan:8080"]);
    let via = |url: &str| p.proxy_for(url).is_some();
    assert!(via("http://download.cirros-cloud.net/0.4.0/x.img"));
    assert!(
        via("http://127.0.0.2:8000/x.img"),
        "127.0.0.2 is not listed"
    );
    assert!(!via("http://controller:9292/"));
    assert!(!via("http://127.0.0.1:8000/x"));
    assert!(!via("http://images.example.org/x"));
    assert!(
        !via("http://example.org/x"),
        "curl: .example.org covers example.org"
    );
    assert!(!via("http://mirror.lan:8080/x"));
    assert!(via("http://mirror.lan/x"), "another port");
    assert!(via("http://notexample.org/x"));
    assert!(
        p.proxy_for("https://secure.example.com/").is_none(),
        "no https_proxy: https goes direct"
    );
    assert!(proxy(&["*"]).proxy_for("http://anything/").is_none());
}

#[test]
fn proxy_password_only_where_the_proxy_is_used() {
    let p = proxy(&[]);
    assert_eq!(
        p.with_credentials(&p.http_proxy).expose(),
        "http://gw:p%40ss%25x@proxy:3128"
    );
    assert_eq!(p.shown(), Some("http://gw@proxy:3128"));
    assert!(!format!("{p:?}").contains("p@ss"));
    let env = p.child_env();
    assert!(env.contains(&(
        "http_proxy".into(),
        "http://gw:p%40ss%25x@proxy:3128".into()
    )));
    assert!(
        p.proxy_for("http://example.net/")
            .is_some_and(|u| u.expose().contains("p%40ss"))
    );
    let redactor = crate::util::secret::Redactor::new();
    redactor.add(p.password.as_ref().unwrap());
    assert_eq!(redactor.redact(&env[0].1), "http://gw:********@proxy:3128");
}

/// Unset stores are the release guide's: `file,http` up to 2023.1,
/// `file` from 2023.2; a default store the guide does not enable is
/// named, and a list the answers give is kept on every release.
#[test]
fn unset_stores_follow_the_release_guide() {
    use crate::host::target::{InitSystem, profile_for};
    let secrets = test_secrets();
    let resolve = |answers: &Answers, release: &str| {
        let profile = profile_for("debian", release, InitSystem::SysV).unwrap();
        let admin = answers.manual_admin_credentials(&secrets).unwrap();
        answers.resolve(&profile, &secrets, admin)
    };
    let stores = |answers: &Answers, release: &str| {
        let settings = resolve(answers, release).unwrap();
        settings.store.stores.join(",")
    };
    let mut answers = Answers::default();
    answers.keystone.os_auth_url = "http://controller:5000/v3".into();
    for (release, want) in [
        ("pike", "file,http"),
        ("2023.1", "file,http"),
        ("2023.2", "file"),
    ] {
        assert_eq!(stores(&answers, release), want, "{release}");
    }
    answers.image_store.default_store = "http".into();
    assert_eq!(stores(&answers, "zed"), "file,http");
    let error = resolve(&answers, "2023.2").unwrap_err().to_string();
    assert!(
        error.contains("image_store.default_store: `http` is not among the stores the 2023.2"),
        "{error}"
    );
    answers.image_store.stores = Some(vec!["file".into(), "http".into()]);
    assert_eq!(stores(&answers, "2024.1"), "file,http");
    answers.image_store.stores = Some(vec!["file".into()]);
    answers.image_store.default_store = "file".into();
    assert_eq!(stores(&answers, "pike"), "file");
}

/// `[endpoints] vip`: the controller when unset; the endpoints the
/// answers leave unset go to glance-api on it; one that is not a host
/// is named with its field.
#[test]
fn the_vip_is_where_unset_endpoints_go() {
    use crate::host::target::{InitSystem, profile_for};
    let secrets = test_secrets();
    let profile = profile_for("debian", "zed", InitSystem::SysV).unwrap();
    let resolve = |answers: &Answers| {
        let admin = answers.manual_admin_credentials(&secrets).unwrap();
        answers.resolve(&profile, &secrets, admin)
    };
    let mut answers = Answers::default();
    answers.controller.host = "ctl-1".into();
    answers.keystone.os_auth_url = "http://ctl-1:5000/v3".into();
    let endpoints = resolve(&answers).unwrap().endpoints;
    assert_eq!(endpoints.vip, "ctl-1");
    assert_eq!(endpoints.internal, "http://ctl-1:9292");

    answers.endpoints.vip = Some("fd00::10".into());
    answers.endpoints.public = Some("https://images.example.org:9292".into());
    let endpoints = resolve(&answers).unwrap().endpoints;
    assert_eq!(endpoints.vip, "fd00::10");
    assert_eq!(endpoints.public, "https://images.example.org:9292");
    assert_eq!(endpoints.internal, "http://[fd00::10]:9292");
    assert_eq!(endpoints.admin, "http://[fd00::10]:9292");

    answers.endpoints.vip = Some("not a host".into());
    let problems = resolve(&answers).unwrap_err().to_string();
    assert!(problems.contains("endpoints.vip: "), "{problems}");
}

/// The proxy screen's test uses the proxy apply will: the controller
/// added to no_proxy once, each broken field named.
#[test]
fn the_proxy_alone_is_resolved_as_apply_resolves_it() {
    let mut answers = Answers::default();
    answers.controller.host = "ctl-1".into();
    answers.proxy.http_proxy = "http://gw@proxy:3128".into();
    answers.proxy.no_proxy = "mirror.lan, ctl-1".into();
    let proxy = answers.proxy(Some(Secret::new("p@ss"))).unwrap();
    assert_eq!(proxy.shown(), Some("http://gw@proxy:3128"));
    assert_eq!(proxy.password.as_ref().map(|p| p.expose()), Some("p@ss"));
    let mut expected = vec!["mirror.lan".to_string(), "ctl-1".to_string()];
    for always in controller_no_proxy("ctl-1") {
        if !expected.contains(&always) {
            expected.push(always);
        }
    }
    assert_eq!(proxy.no_proxy, expected);

    answers.proxy.https_proxy = "ftp://proxy".into();
    answers.controller.host = "not a host".into();
    let problems = answers.proxy(None).unwrap_err().to_string();
    assert!(problems.contains("controller.host"), "{problems}");
    assert!(problems.contains("proxy.https_proxy"), "{problems}");
}
