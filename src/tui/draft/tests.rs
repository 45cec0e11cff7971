use super::*;
use crate::answers::types::ProxyUrlError;
use crate::host::target::{InitSystem, profile_for};

fn profile() -> Profile {
    profile_for("debian", "zed", InitSystem::SysV).unwrap()
}

fn lab_draft() -> Draft {
    let mut a = Answers::default();
    a.keystone.admin_openrc = "/root/admin-openrc".into();
    Draft::from_answers(&a, &Secrets::default())
}

#[test]
fn the_answers_file_validators_decide() {
    let mut d = lab_draft();
    d.set(FormField::ControllerHost, "bad host".into());
    d.set(FormField::DbPassword, "short".into());
    d.set(FormField::DbPasswordAgain, "short".into());
    d.set(FormField::HttpProxy, "http://proxy".into());
    let p = d.problems(&profile());
    // The same errors as the types' and the password rules' own.
    assert_eq!(
        p[&FormField::ControllerHost],
        Problem::Rule("bad host".parse::<Host>().unwrap_err().into())
    );
    assert_eq!(
        p[&FormField::DbPassword],
        Problem::Rule(validate::db_password("short").unwrap_err().into())
    );
    assert_eq!(
        p[&FormField::HttpProxy],
        Problem::Rule(ProxyUrlError::NoPort("http://proxy".into()).into())
    );
    assert!(!p.contains_key(&FormField::DbPasswordAgain));
    assert!(
        p.contains_key(&FormField::ServicePassword),
        "missing secret"
    );
}

#[test]
fn generated_passwords_fill_both_entries_and_validate() {
    let mut d = lab_draft();
    d.generate(FormField::DbPassword);
    d.generate(FormField::ServicePassword);
    assert_eq!(
        d.raw(FormField::DbPassword),
        d.raw(FormField::DbPasswordAgain)
    );
    assert_eq!(d.problems(&profile()), BTreeMap::new());
    d.set(FormField::DbPasswordAgain, "different-1".into());
    assert_eq!(
        d.problems(&profile())[&FormField::DbPasswordAgain],
        Problem::Mismatch
    );
}

#[test]
fn derived_fields_follow_the_controller_until_edited() {
    let mut d = lab_draft();
    d.set(FormField::ControllerHost, "ctl1".into());
    assert_eq!(d.value(FormField::EndpointPublic, None), "http://ctl1:9292");
    assert_eq!(d.answers().endpoints.public, None);
    d.set(
        FormField::EndpointPublic,
        "http://api.example.org:9292".into(),
    );
    d.set(FormField::ControllerHost, "ctl2".into());
    assert_eq!(
        d.value(FormField::EndpointPublic, None),
        "http://api.example.org:9292"
    );
    assert_eq!(
        d.value(FormField::EndpointInternal, None),
        "http://ctl2:9292"
    );
    assert_eq!(
        d.answers().endpoints.public.as_deref(),
        Some("http://api.example.org:9292")
    );
}

/// The VIP shows the controller until set; the endpoints not edited
/// follow it, as the answers resolve them (`endpoint_on`).
#[test]
fn the_endpoints_follow_the_vip_which_follows_the_controller() {
    let mut d = lab_draft();
    d.set(FormField::ControllerHost, "ctl1".into());
    assert_eq!(d.value(FormField::Vip, None), "ctl1");
    assert!(d.is_default(FormField::Vip));
    assert_eq!(d.answers().endpoints.vip, None);
    d.set(
        FormField::EndpointAdmin,
        "http://admin.example.org:9292".into(),
    );
    d.set(FormField::Vip, "fd00::10".into());
    d.set(FormField::ControllerHost, "ctl2".into());
    assert_eq!(d.value(FormField::Vip, None), "fd00::10");
    assert_eq!(
        d.value(FormField::EndpointPublic, None),
        "http://[fd00::10]:9292"
    );
    assert_eq!(
        d.value(FormField::EndpointInternal, None),
        "http://[fd00::10]:9292"
    );
    assert_eq!(
        d.value(FormField::EndpointAdmin, None),
        "http://admin.example.org:9292"
    );
    let a = d.answers();
    assert_eq!(a.endpoints.vip.as_deref(), Some("fd00::10"));
    assert_eq!(a.endpoints.public, None);
    // The form shows what the answers resolve to.
    d.generate(FormField::DbPassword);
    d.generate(FormField::ServicePassword);
    let stand_in = AdminCredentials {
        vars: Default::default(),
        password: Secret::new("stand-in"),
        origin: crate::i18n::Message::verbatim(""),
    };
    let resolved = a.resolve(&profile(), &d.secrets(), stand_in).unwrap();
    assert_eq!(
        resolved.endpoints.public.as_str(),
        d.value(FormField::EndpointPublic, None)
    );
    assert_eq!(resolved.endpoints.vip.as_str(), "fd00::10");
}

/// The same bad value typed in the form and written in an answers file
/// is refused by the same rule, in the same words.
#[test]
fn the_form_and_the_answers_file_agree_on_every_rule() {
    const BAD: &[(FormField, &str, &str)] = &[
        (FormField::ControllerHost, "bad host", "\"bad host\""),
        (FormField::BindHost, "not-an-ip", "\"not-an-ip\""),
        (FormField::DbHost, "-db", "\"-db\""),
        (FormField::DbPort, "70000", "70000"),
        (FormField::DbPort, "0", "0"),
        (FormField::AdminUser, "ro ot", "\"ro ot\""),
        (FormField::Socket, "run/mysqld.sock", "\"run/mysqld.sock\""),
        (FormField::DbName, "gl;ance", "\"gl;ance\""),
        (FormField::DbUser, "", "\"\""),
        (FormField::Openrc, "admin-openrc", "\"admin-openrc\""),
        (FormField::Region, "Region One", "\"Region One\""),
        (FormField::ServiceUser, "gl@nce", "\"gl@nce\""),
        (
            FormField::ServiceProject,
            "a-name-longer-than-sixty-four-characters-which-mysql-would-not-take",
            "\"{}\"",
        ),
        (FormField::WwwAuthUri, "ldap://x", "\"ldap://x\""),
        (FormField::AuthUrl, "http://", "\"http://\""),
        (FormField::Memcached, "controller", "[\"controller\"]"),
        (FormField::Memcached, "ctl:x", "[\"ctl:x\"]"),
        (FormField::Vip, "not a host", "\"not a host\""),
        (
            FormField::EndpointPublic,
            "controller:9292",
            "\"controller:9292\"",
        ),
        (
            FormField::EndpointInternal,
            "http://a_b:9292",
            "\"http://a_b:9292\"",
        ),
        (
            FormField::EndpointAdmin,
            "ftp://controller",
            "\"ftp://controller\"",
        ),
        (FormField::DataDir, "images", "\"images\""),
        (FormField::TestSource, "cirros.img", "\"cirros.img\""),
        (
            FormField::TestSource,
            "http://300.1.1.1/x",
            "\"http://300.1.1.1/x\"",
        ),
        (FormField::TestName, " ", "\" \""),
        (FormField::DiskFormat, "exe", "\"exe\""),
        (FormField::ContainerFormat, "zip", "\"zip\""),
        (FormField::HttpProxy, "proxy:3128", "\"proxy:3128\""),
        (FormField::HttpProxy, "http://proxy", "\"http://proxy\""),
        (
            FormField::HttpsProxy,
            "'http://p:3128'",
            "\"'http://p:3128'\"",
        ),
        (FormField::NoProxy, "10.0.0.0/8", "\"10.0.0.0/8\""),
    ];
    for (f, typed, toml_value) in BAD {
        let mut d = lab_draft();
        d.set(*f, typed.to_string());
        let in_form = d.problems(&profile()).remove(f);

        let (section, key) = f.path().split_once('.').unwrap();
        let toml_value = toml_value.replace("{}", typed);
        // The lab draft's admin-openrc, unless it is the field tried.
        let openrc = match *f {
            FormField::Openrc => "",
            _ => "admin_openrc = \"/root/admin-openrc\"\n",
        };
        let text = if section == "keystone" {
            format!("[keystone]\n{openrc}{key} = {toml_value}\n")
        } else {
            format!("[keystone]\n{openrc}[{section}]\n{key} = {toml_value}\n")
        };
        let answers = Answers::from_toml(&text).unwrap();
        let in_file = answers.validate_fields();
        assert_eq!(in_file.len(), 1, "{text}: {in_file:?}");
        let in_file = &in_file[0];
        assert_eq!(
            field_of(&in_file.field, &d),
            Some(*f),
            "{text}: {in_file:?}"
        );
        assert_eq!(
            in_form,
            Some(Problem::Rule(in_file.rule.clone())),
            "{f:?} = {typed:?}"
        );
    }
}

/// The stores field shows the release guide's stores until changed,
/// and leaves the answers' `stores` unset until then.
#[test]
fn the_stores_follow_the_release_until_chosen() {
    let d = Draft::from_answers(&Answers::default(), &Secrets::default());
    let on = |release: &str| profile_for("debian", release, InitSystem::SysV).unwrap();
    assert_eq!(d.value(FormField::Stores, Some(&on("zed"))), "file+http");
    assert_eq!(d.value(FormField::Stores, Some(&on("2023.2"))), "file");
    assert_eq!(d.answers().image_store.stores, None);
    let mut d = d;
    d.set(FormField::Stores, "file".into());
    assert_eq!(d.value(FormField::Stores, Some(&on("zed"))), "file");
    assert_eq!(d.answers().image_store.stores, Some(vec!["file".into()]));
}

/// Answers → forms → answers keeps every value.
#[test]
fn round_trip_through_the_forms() {
    let text = r#"
[controller]
host = "ctl"
bind_host = "127.0.0.1"
[database]
host = "db1"
admin_access = "tcp"
admin_user = "admin"
[keystone]
admin_openrc = ""
os_auth_url = "http://ctl:5000/v3"
memcached_servers = ["m1:11211", "m2:11211"]
[image_store]
stores = ["file", "http"]
[endpoints]
vip = "lb.example.org"
internal = "http://ctl:9292"
[test_image]
source = "/tmp/x.img"
[proxy]
http_proxy = "http://p:3128"
no_proxy = "a,b"
"#;
    let a = Answers::from_toml(text).unwrap();
    let d = Draft::from_answers(&a, &Secrets::default());
    assert_eq!(d.answers(), a);
}

#[test]
fn strength() {
    assert!(strength_bits("abc") < 20);
    assert!(strength_bits("Tr0ub4dor&3xyzAB") > 90);
}
