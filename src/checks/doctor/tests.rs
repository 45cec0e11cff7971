use super::config::{ConfFile, GlanceConf};
use super::*;
use crate::ini::IniDocument;

fn conf(text: &str) -> GlanceConf {
    GlanceConf {
        api: ConfFile {
            path: "/etc/glance/glance-api.conf".into(),
            doc: IniDocument::parse(text),
        },
        registry: None,
    }
}

#[test]
fn database_url_is_decoded_as_sqlalchemy_does() {
    let url = database::parse_url(
        "mysql+pymysql://glance:p%40ss%2Fw@rd@db.example:3307/glance?charset=utf8",
    )
    .unwrap();
    assert_eq!(url.user, "glance");
    assert_eq!(url.password.expose(), "p@ss/w@rd");
    assert_eq!(
        (url.host.as_str(), url.port, url.name.as_str()),
        ("db.example", 3307, "glance")
    );
    let sqlite = database::parse_url("sqlite:////var/lib/glance/glance.sqlite")
        .err()
        .unwrap();
    assert!(sqlite.english().contains("sqlite backend"), "{sqlite}");
}

#[test]
fn an_unescaped_dollar_is_found_in_secret_values_only() {
    let c = conf(
        "[database]\nconnection = mysql+pymysql://glance:a$$b@h/glance\n\
         [keystone_authtoken]\npassword = pa$wXyZ\n[DEFAULT]\nlock_path = $state_path/lock\n\
         [oslo_messaging_rabbit]\nrabbit_password = x\\$y\n",
    );
    let mut report = Report::default();
    config::dollar_escapes(&c, &mut report);
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    let f = &report.findings[0];
    assert_eq!(
        f.object.english(),
        "/etc/glance/glance-api.conf [keystone_authtoken] password"
    );
    assert!(f.apply_fixes, "the wizard writes that key");
    // The finding never quotes the value (it is a password).
    assert!(!format!("{f:?}").contains("wXyZ"), "{f:?}");
}

#[test]
fn the_head_is_where_the_contract_branch_ends() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "a_expand.py",
            "revision = 'a_expand01'\ndown_revision = 'base'\n",
        ),
        (
            "a_contract.py",
            "revision = 'a_contract01'\ndown_revision = 'base'\ndepends_on = 'a_expand01'\n",
        ),
        ("base.py", "revision = 'base'\ndown_revision = None\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    assert_eq!(
        database::head_of(dir.path()).as_deref(),
        Some("a_contract01")
    );
}

#[test]
fn log_lines_of_other_processes_are_history() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("glance-api.log");
    std::fs::write(
        &log,
        "2026-11-30 02:12:55.560 100 ERROR keystonemiddleware.auth_token [-] Identity server rejected authorization\n\
         2026-11-30 02:13:55.560 200 INFO glance.common.wsgi [-] Started child 201\n\
         2026-11-30 02:13:56.000 201 INFO eventlet.wsgi.server [-] GET / 300\n",
    )
    .unwrap();
    let lines = host::recent_lines(&log, &["200".into(), "201".into()]);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|l| !l.contains("rejected")));
    // Nothing running: the last lines, which say why it stopped.
    assert_eq!(host::recent_lines(&log, &[]).len(), 3);
}

#[test]
fn every_text_is_masked_by_value_and_url_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("glance-api.conf");
    std::fs::write(&path, "[keystone_authtoken]\npassword = s3cr$$et-pw\n").unwrap();
    let redactor = crate::util::secret::Redactor::new();
    let mut report = Report::default();
    config::read(&path, &redactor, &mut report).unwrap();
    report.find(Finding {
        check: CheckId::Logs,
        object: as_is("x"),
        problem: as_is("Keystone said 's3cr$et-pw' and mysql://glance:other-pw@h/glance"),
        why: as_is("w"),
        fix: as_is("f"),
        apply_fixes: false,
    });
    let report = finish(report, &redactor);
    let shown = render_english(&report)
        + &render_text(&report, Texts::of(Lang::ZhCn))
        + &render_json(&report);
    assert!(!shown.contains("s3cr"), "{shown}");
    assert!(!shown.contains("other-pw"), "{shown}");
    assert!(
        shown.contains("mysql://glance:********@h/glance"),
        "{shown}"
    );
    assert!(!report.healthy);
}

#[test]
fn the_text_offers_apply_only_where_it_repairs() {
    let finding = |apply_fixes| Finding {
        check: CheckId::Endpoints,
        object: as_is("Keystone: the image service's internal endpoint in RegionOne"),
        problem: as_is("it does not exist"),
        why: as_is("w"),
        fix: as_is("openstack endpoint create"),
        apply_fixes,
    };
    let report = Report {
        healthy: false,
        files: vec!["/etc/glance/glance-api.conf".into()],
        findings: vec![finding(true), finding(false)],
        checks: Vec::new(),
    };
    let text = render_english(&report);
    assert_eq!(text.matches(APPLY_HINT).count(), 1, "{text}");
    assert!(text.contains("fix:   openstack endpoint create"), "{text}");
}

/// A Glance set up by hand from the guide, read back as answers: the
/// names, URLs and store as its config has them, the passwords in the
/// secrets only (never in the answers text), and answers `check` accepts.
#[test]
fn a_hand_made_config_is_read_back_as_answers() {
    let c = conf(
        "[DEFAULT]\nbind_host = 10.0.0.11\n\
         [database]\nconnection = mysql+pymysql://glance:Db%40pass$$1@db.example:3307/glancedb\n\
         [keystone_authtoken]\nwww_authenticate_uri = http://ctl.example:5000\n\
         auth_url = http://ctl.example:5000\nmemcached_servers = ctl.example:11211\n\
         auth_type = password\nproject_domain_name = Default\nuser_domain_name = Default\n\
         project_name = services\nusername = glance-svc\npassword = Svc$$pass 2\n\
         [glance_store]\nstores = file,http\ndefault_store = file\n\
         filesystem_store_datadir = /srv/images/\n",
    );
    let adopted = adopt::answers_of(&c, Some(Path::new("/root/admin-openrc")));
    let a = &adopted.answers;
    assert_eq!(
        (a.controller.host.as_str(), a.controller.bind_host.as_str()),
        ("ctl.example", "10.0.0.11")
    );
    assert_eq!(a.database.host.as_deref(), Some("db.example"));
    assert_eq!(
        (
            a.database.port,
            a.database.name.as_str(),
            a.database.user.as_str()
        ),
        (3307, "glancedb", "glance")
    );
    assert_eq!(
        (
            a.keystone.service_user.as_str(),
            a.keystone.service_project.as_str()
        ),
        ("glance-svc", "services")
    );
    assert_eq!(
        a.keystone.memcached_servers.as_deref(),
        Some(&["ctl.example:11211".to_string()][..])
    );
    assert_eq!(a.image_store.data_dir, "/srv/images/");
    assert_eq!(a.keystone.admin_openrc, "/root/admin-openrc");
    let secret = |name| adopted.secrets.get(name).unwrap().expose().to_string();
    assert_eq!(
        secret(crate::answers::SecretName::GlanceDbPassword),
        "Db@pass$1"
    );
    assert_eq!(
        secret(crate::answers::SecretName::GlanceServicePassword),
        "Svc$pass 2"
    );
    let text = a.to_toml();
    for leaked in ["Db@pass", "Db%40pass", "Svc$"] {
        assert!(!text.contains(leaked), "{leaked} in:\n{text}");
    }
    let reread = crate::answers::Answers::from_toml(&text).unwrap();
    assert!(reread.checked().is_ok());
}

/// `--write-answers` makes new files only: an existing answers or secrets
/// file (the admin's own, or a typo) is refused and left as it was.
#[test]
fn answers_are_written_to_new_files_only() {
    use std::os::unix::fs::PermissionsExt;
    let etc = tempfile::tempdir().unwrap();
    std::fs::write(
        etc.path().join("glance-api.conf"),
        "[database]\nconnection = mysql+pymysql://glance:db-pw-1@controller/glance\n",
    )
    .unwrap();
    let options = Options {
        config_dir: etc.path().to_path_buf(),
        log_dir: etc.path().join("log"),
        admin_openrc: None,
        api_service: "glance-api".into(),
        init: crate::host::target::InitSystem::SysV,
    };
    let out = tempfile::tempdir().unwrap();
    let mine = out.path().join("answers.toml");
    std::fs::write(&mine, "# the admin's answers\n").unwrap();
    let refused = write_answers(&options, &mine).unwrap_err().english();
    assert!(refused.contains("exists"), "{refused}");
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "# the admin's answers\n"
    );
    assert!(!out.path().join("answers.secrets.toml").exists());

    let secrets = out.path().join("adopt.secrets.toml");
    std::fs::write(&secrets, "os_password = \"kept\"\n").unwrap();
    let adopt = out.path().join("adopt.toml");
    assert!(write_answers(&options, &adopt).is_err());
    assert!(!adopt.exists());
    std::fs::remove_file(&secrets).unwrap();

    let said = write_answers(&options, &adopt).unwrap();
    let said: Vec<String> = said.iter().map(Message::english).collect();
    assert!(!said.join("\n").contains("db-pw-1"), "{said:?}");
    let mode = std::fs::metadata(&secrets).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        std::fs::read_to_string(&secrets)
            .unwrap()
            .contains("db-pw-1")
    );
    assert!(!std::fs::read_to_string(&adopt).unwrap().contains("db-pw-1"));
}

/// A report with several findings, each made by the rule that finds it
/// (no server asked): a `$` in the service password, no database URL,
/// the service user refused by Keystone, binary logging on; and two
/// notes. For the Doctor screen's snapshots and the text report.
pub(crate) fn sample_report() -> Report {
    let c = conf(
        "[keystone_authtoken]\nauth_url = http://controller:5000\nusername = glance\n\
         password = pa$w0rd\n",
    );
    let mut report = Report {
        files: vec!["/etc/glance/glance-api.conf".into()],
        ..Report::default()
    };
    config::dollar_escapes(&c, &mut report);
    database::check(&c, &mut report);
    let said = Message::new("doctor_msg.service_user")
        .arg("user", "glance")
        .arg("domain", "Default")
        .arg("project", "service")
        .arg("url", "http://controller:5000");
    report.find(identity::token_finding(
        &c,
        said,
        "Keystone answered HTTP 401 to POST http://controller:5000/v3/auth/tokens",
    ));
    report.find(database::binary_logging_finding(
        Message::new("doctor_msg.binlog_on"),
        "controller",
    ));
    host::memcached(&c, &mut report);
    host::logs(
        Path::new("/nonexistent/glance-log"),
        &Redactor::new(),
        &mut report,
    );
    finish(report, &Redactor::new())
}

/// The text report in English is as it always was; in Chinese every
/// word of the doctor's is Chinese (commands, keys and the words of
/// other programs aside) and the columns line up.
#[test]
fn the_text_report_speaks_the_locale() {
    let report = sample_report();
    assert_eq!(report.findings.len(), 4, "{report:#?}");
    let en = render_english(&report);
    for line in [
        "Glance doctor: /etc/glance/glance-api.conf\n",
        "  [skip] memcached        [keystone_authtoken] memcached_servers is not set: tokens are cached in each worker's memory\n",
        "  [ok]   logs             no known failure in /nonexistent/glance-log (0 files)\n",
        "Findings (4):\n",
        "  [fail] service user: /etc/glance/glance-api.conf [keystone_authtoken] password\n",
        "      found: glance (domain Default, project service) at http://controller:5000 gets no token: Keystone answered HTTP 401",
        "      why:   keystonemiddleware cannot check tokens with these credentials: glance-api answers every request with 401",
        "      fix:   set [keystone_authtoken] password (and username, project and domain names) to the glance user's",
        "      or:    glance-wizard apply -a ANSWERS.toml",
        "  [fail] database URL: /etc/glance/glance-api.conf [database] connection\n      found: it is not set\n",
    ] {
        assert!(en.contains(line), "no {line:?} in:\n{en}");
    }
    let zh = render_text(&report, Texts::of(Lang::ZhCn));
    for line in [
        "Glance 诊断：/etc/glance/glance-api.conf\n",
        "  [跳过] memcached        [keystone_authtoken] memcached_servers 未设置",
        "  [通过] 日志             /nonexistent/glance-log 中没有已知的故障（0 个文件）\n",
        "发现的问题（4）：\n",
        "  [失败] 服务用户: /etc/glance/glance-api.conf [keystone_authtoken] password\n",
        "      发现： glance（域 Default，项目 service）在 http://controller:5000 未获得令牌：",
        "      原因： keystonemiddleware 无法用这些凭据检查令牌",
        "      或者： glance-wizard apply -a ANSWERS.toml",
    ] {
        assert!(zh.contains(line), "no {line:?} in:\n{zh}");
    }
    // Quoted: the words of Keystone and of glance-api's log; a command.
    let foreign = [
        "Keystone answered HTTP 401 to POST",
        "Identity server rejected authorization",
        "openstack user set",
    ];
    let english: Vec<String> = crate::i18n::english_sentences(&zh)
        .into_iter()
        .filter(|s| !foreign.iter().any(|f| f.contains(s.as_str())))
        .collect();
    assert!(english.is_empty(), "English: {english:?} in:\n{zh}");
    // JSON stays English (docs/json.md).
    let json = render_json(&report);
    assert!(json.contains("\"problem\": \"it is not set\""), "{json}");
    assert!(!json.contains("未设置"), "{json}");
}
