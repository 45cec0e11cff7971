//! End-to-end: known secrets planted everywhere at once, and every channel
//! a person or a log collector sees scanned for them: `check`, `plan`,
//! `apply` and `status` output, a refused answers file's messages, every
//! screen of the interactive wizard in both languages (the review's whole
//! plan text included, tmux captures), the argv of every process meanwhile,
//! and every file of the state directory (journal, logs, downloads).
//!
//! Planted: the glance DB and service passwords (hostile characters), the
//! Keystone admin password (the lab's openrc), a proxy user's password, a
//! password in the test image URL, and, already in glance-api.conf from an
//! earlier attempt by hand, an old service password, an old DB password in
//! `connection`, a duplicate `connection`, a `memcache_secret_key` and an
//! `admin_password` that the editor comments out.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::leak;
use common::tmux::Tmux;
use common::*;

const DB_PASSWORD: &str = "Leak-Db'p@ss%w$rd\"1";
const SERVICE_PASSWORD: &str = "Leak-Svc \\pa$$ 中文\"2";
const PROXY_PASSWORD: &str = "Leak-Proxy-p@ss:3";
const IMAGE_URL_PASSWORD: &str = "Leak-Img-pw-4";
const OLD_SERVICE_PASSWORD: &str = "Leak-Old-Service-5";
const OLD_DB_PASSWORD: &str = "Leak-Old-Db-6";
const DUPLICATE_DB_PASSWORD: &str = "Leak-Dup-Conn-7";
const MEMCACHE_KEY: &str = "Leak-Memcache-Key-8";
const OLD_ADMIN_PASSWORD: &str = "Leak-Authtoken-Admin-9";
const API_CONF: &str = "/etc/glance/glance-api.conf";
/// tinyproxy from scripts/lab-setup.sh.
const PROXY: &str = "http://gw@127.0.0.1:8888";

fn planted() -> leak::Secrets {
    let secrets = leak::Secrets::default();
    for (label, value) in [
        ("glance DB password", DB_PASSWORD),
        ("glance service password", SERVICE_PASSWORD),
        ("proxy password", PROXY_PASSWORD),
        ("image URL password", IMAGE_URL_PASSWORD),
        ("old service password", OLD_SERVICE_PASSWORD),
        ("old DB password", OLD_DB_PASSWORD),
        ("duplicate connection's password", DUPLICATE_DB_PASSWORD),
        ("memcache_secret_key", MEMCACHE_KEY),
        ("admin_password in [keystone_authtoken]", OLD_ADMIN_PASSWORD),
        ("Keystone admin password", &common::probe::admin().password),
    ] {
        secrets.add(label, value);
    }
    secrets
}

/// Serves `image` over HTTP on loopback for any path; returns the port.
fn serve_image(image: &Path) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let body = std::fs::read(image).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let mut stream = &stream;
            // The client may hang up early (a HEAD, a cancelled fetch):
            // what it got is what the test checks.
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    port
}

/// glance-api.conf as left by an earlier attempt by hand.
fn plant_old_secrets_in_config() {
    let current = std::fs::read_to_string(API_CONF).unwrap_or_else(|_| {
        std::fs::create_dir_all("/etc/glance").unwrap();
        fixtures::debian_zed_api_conf()
    });
    let planted = current
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
                 memcache_secret_key = {MEMCACHE_KEY}\nadmin_password = {OLD_ADMIN_PASSWORD}\n"
            ),
            1,
        );
    assert_ne!(planted, current, "the sections exist");
    std::fs::write(API_CONF, planted).unwrap();
}

struct Setup {
    dir: PathBuf,
    answers: PathBuf,
    state: PathBuf,
    image_url: String,
}

fn setup() -> Setup {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("secrets");
    let image = make_test_image(&dir);
    let port = serve_image(&image);
    let image_url = format!("http://img:{IMAGE_URL_PASSWORD}@127.0.0.1:{port}/cirros-leak.qcow2");
    let answers = dir.join("answers.toml");
    std::fs::write(
        &answers,
        format!(
            "[controller]\nbind_host = \"127.0.0.1\"\n\n[keystone]\nadmin_openrc = \"{OPENRC}\"\n\n\
             [test_image]\nsource = \"{image_url}\"\nname = \"e2e-secrets\"\n\n\
             [proxy]\nhttp_proxy = \"{PROXY}\"\n"
        ),
    )
    .unwrap();
    let secrets = dir.join("answers.secrets.toml");
    let mut table = toml::Table::new();
    table.insert("glance_db_password".into(), DB_PASSWORD.into());
    table.insert("glance_service_password".into(), SERVICE_PASSWORD.into());
    table.insert("proxy_password".into(), PROXY_PASSWORD.into());
    std::fs::write(&secrets, toml::to_string(&table).unwrap()).unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    Setup {
        state: dir.join("state"),
        dir,
        answers,
        image_url,
    }
}

fn wizard_output(args: &[&str], setup: &Setup) -> (Option<i32>, String) {
    let out = run(wizard()
        .args(args)
        .arg("--state-dir")
        .arg(&setup.state)
        .env_remove("OS_PASSWORD"));
    (out.status.code(), text(&out))
}

/// The answers file with the proxy password written into the URL: refused.
fn refused_answers_output(setup: &Setup) -> String {
    let bad = setup.dir.join("bad.toml");
    let text = std::fs::read_to_string(&setup.answers).unwrap().replace(
        PROXY,
        &format!(
            "http://gw:{}@127.0.0.1:8888",
            glance_wizard::util::escape::percent_encode_userinfo(PROXY_PASSWORD)
        ),
    );
    std::fs::write(&bad, text).unwrap();
    let (code, output) = wizard_output(&["check", "--answers", bad.to_str().unwrap()], setup);
    assert_eq!(code, Some(3), "{output}");
    assert!(output.contains("proxy.http_proxy"), "{output}");
    output
}

/// Types the answers into the interactive wizard up to the review, pages
/// through the whole plan text, and quits; returns every screen seen.
fn tui_screens(setup: &Setup, zh: bool) -> Vec<String> {
    let w = |en: &'static str, zh_text: &'static str| if zh { zh_text } else { en };
    let lang = if zh { "zh-CN" } else { "en" };
    let state = setup.dir.join(format!("tui-state-{lang}"));
    let t = Tmux::start(
        &format!("secrets-{lang}"),
        &setup.dir,
        &["--lang", lang, "--state-dir", state.to_str().unwrap()],
    );
    let watch = t.watch();
    let mut screens = vec![t.wait_for(
        w("Detected target", "检测到的目标"),
        Duration::from_secs(30),
    )];
    t.keys(&["Enter"]);
    screens.push(t.wait_for(w("Controller host", "控制节点主机"), Duration::from_secs(5)));
    t.keys(&["Tab"]);
    t.type_text("127.0.0.1");
    for _ in 0..8 {
        t.keys(&["Tab"]);
    }
    for _ in 0..2 {
        t.type_text(DB_PASSWORD);
        t.keys(&["Tab"]);
    }
    screens.push(t.screen());
    t.keys(&["PageDown"]);
    screens.push(t.wait_for("OS_PASSWORD=********", Duration::from_secs(10)));
    t.keys(&["Tab", "Tab"]);
    for _ in 0..2 {
        t.type_text(SERVICE_PASSWORD);
        t.keys(&["Tab"]);
    }
    screens.push(t.screen());
    t.keys(&["PageDown"]);
    screens.push(t.wait_for(w("Test image name", "测试镜像名称"), Duration::from_secs(5)));
    t.keys(&["Tab", "Tab", "Tab", "Tab", "C-u"]);
    t.type_text(&setup.image_url);
    t.keys(&["Tab", "C-u"]);
    t.type_text("e2e-secrets");
    screens.push(t.screen());
    t.keys(&["PageDown"]);
    screens.push(t.wait_for("no_proxy", Duration::from_secs(5)));
    t.type_text(PROXY);
    t.keys(&["Tab", "Tab"]);
    t.type_text(PROXY_PASSWORD);
    screens.push(t.screen());
    t.keys(&["PageDown"]);
    // With the proxy's and the image's checks the list fills 80x24: the
    // summary line is below it; the last check and no failure will do.
    let checks = t.wait_for(w("free disk", "磁盘空间"), Duration::from_secs(60));
    assert!(
        !checks.contains("fail ") && !checks.contains("失败"),
        "{checks}"
    );
    screens.push(checks);
    t.keys(&["Enter"]);
    screens.push(t.wait_for("[sql.database]", Duration::from_secs(30)));
    for _ in 0..25 {
        t.keys(&["PageDown"]);
        std::thread::sleep(Duration::from_millis(150));
        screens.push(t.screen());
    }
    assert!(
        screens.iter().any(|s| s.contains("verify.image")),
        "paged to the end of the plan"
    );
    t.keys(&["C-q"]);
    t.wait_exit(Duration::from_secs(10));
    let known: Vec<&str> = vec![
        DB_PASSWORD,
        SERVICE_PASSWORD,
        PROXY_PASSWORD,
        IMAGE_URL_PASSWORD,
        OLD_SERVICE_PASSWORD,
        OLD_DB_PASSWORD,
        DUPLICATE_DB_PASSWORD,
        MEMCACHE_KEY,
        OLD_ADMIN_PASSWORD,
    ];
    watch.finish(&setup.dir, &known);
    screens
}

#[test]
fn e2e_no_secret_on_any_channel() {
    let Some(_lab) = lab() else { return };
    reset_glance(false);
    plant_old_secrets_in_config();
    let setup = setup();
    let answers = setup.answers.to_str().unwrap();
    let secrets = planted();
    let mut channels: Vec<(String, String)> = Vec::new();

    let (code, check) = wizard_output(&["check", "--answers", answers], &setup);
    assert_eq!(code, Some(0), "{check}");
    channels.push(("check".into(), check));
    let (code, plan) = wizard_output(&["plan", "--answers", answers], &setup);
    assert_eq!(code, Some(0), "{plan}");
    // The plan's diff is there, its secrets masked.
    assert!(plan.contains("+#memcache_secret_key = ********"), "{plan}");
    channels.push(("plan".into(), plan));
    channels.push(("refused answers".into(), refused_answers_output(&setup)));
    for zh in [false, true] {
        for (i, screen) in tui_screens(&setup, zh).into_iter().enumerate() {
            channels.push((
                format!("TUI {} screen {i}", if zh { "zh-CN" } else { "en" }),
                screen,
            ));
        }
    }
    let (code, apply) = wizard_output(&["apply", "--answers", answers], &setup);
    assert_eq!(code, Some(0), "{apply}");
    assert!(apply.contains("Glance works"), "{apply}");
    channels.push(("apply".into(), apply));
    let (_, status) = wizard_output(&["status"], &setup);
    channels.push(("status".into(), status));

    let (scanned, hits) = secrets.scan(&[&setup.state], &channels);
    eprintln!(
        "secrets: {} planted, {scanned} texts and state files scanned ({} outputs and screens, {} state files), {} hits",
        secrets.len(),
        channels.len(),
        leak::walk(&setup.state).len(),
        hits.len()
    );
    assert!(leak::walk(&setup.state).len() >= 3, "journal and logs");
    assert!(hits.is_empty(), "secrets found: {hits:#?}");
}
