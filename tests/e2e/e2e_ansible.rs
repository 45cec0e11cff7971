//! End-to-end: the exported Ansible project, run with a local connection
//! against the lab after a lab reset, reaches the state `apply` reaches,
//! checked independently (the openstack CLI, the mysql crate, oslo.config);
//! a second run reports changed=0; no secret reaches the playbook's output.
//! Ansible comes from scripts/ansible-venv.sh (PyPI, cached).

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

/// Characters that YAML, Jinja, SQL, the DB URL and oslo.config each treat
/// specially (ASCII: the DB driver takes nothing else).
const DB_PASSWORD: &str = "Db'p@ss/w$rd%#;\"x{{ y }}";
const SERVICE_PASSWORD: &str = "Svc $HOME p@ss\"w'rd {% raw %} 中文";
const API_CONF: &str = "/etc/glance/glance-api.conf";
/// What scripts/lab-reset-glance.sh restores glance-api.conf from.
const PACKAGED_CONF: &str = "/usr/share/glance-common/glance-api.conf";

fn write_inputs(s: &Scenario) -> std::path::PathBuf {
    let inventory = s.dir.join("inventory.toml");
    std::fs::write(
        &inventory,
        "once_host = \"localhost\"\n[[controller]]\nname = \"controller\"\naddress = \"127.0.0.1\"\nconnection = \"local\"\n",
    )
    .unwrap();
    inventory
}

fn playbook(bin: &Path, project: &Path) -> (bool, String, f64) {
    let start = Instant::now();
    let out = run(ansible::tool(bin, "ansible-playbook", project).arg("site.yml"));
    (
        out.status.success(),
        text(&out),
        start.elapsed().as_secs_f64(),
    )
}

/// One image service, its three endpoints on the VIP (the controller), one
/// glance user; the image active once with the local file's sha512
/// (Keystone's and Glance's APIs, not the wizard's code).
fn assert_keystone_and_image(s: &Scenario) {
    let token = probe::admin_token();
    let services = probe::image_services(&token);
    assert_eq!(services.len(), 1, "image services: {services:?}");
    let endpoints = probe::image_endpoints(&token);
    let mut interfaces: Vec<&str> = endpoints
        .iter()
        .map(|e| e["interface"].as_str().unwrap())
        .collect();
    interfaces.sort();
    assert_eq!(interfaces, ["admin", "internal", "public"], "{endpoints:?}");
    for e in &endpoints {
        assert_eq!(e["url"], "http://controller:9292");
        assert_eq!(e["region_id"], "RegionOne");
    }
    assert_eq!(probe::users_named(&token, "glance").len(), 1);
    let images = probe::images_named(&token, "e2e-ansible");
    assert_eq!(images.len(), 1, "{images:?}");
    assert_eq!(images[0]["status"], "active");
    assert_eq!(images[0]["os_hash_value"], probe::sha512(&s.image).as_str());
}

/// The glance account logs in over TCP and sees Glance's tables; oslo.config
/// reads back both passwords; every comment of the packaged file is kept.
fn assert_db_and_config() {
    let opts = mysql::OptsBuilder::new()
        .ip_or_hostname(Some("127.0.0.1"))
        .user(Some("glance"))
        .pass(Some(DB_PASSWORD))
        .db_name(Some("glance"));
    let mut conn = mysql::Conn::new(opts).expect("glance logs in to MariaDB");
    use mysql::prelude::Queryable;
    let tables: Vec<String> = conn.query("SHOW TABLES").unwrap();
    assert!(tables.contains(&"images".to_string()), "{tables:?}");
    // The metadata definitions, as `apply` loads them.
    let namespaces: Option<u64> = conn
        .query_first("SELECT COUNT(*) FROM metadef_namespaces")
        .unwrap();
    assert!(namespaces.unwrap_or(0) > 0, "no metadata namespace loaded");

    let (db, keystone) = probe::oslo_passwords(Path::new(API_CONF)).unwrap();
    assert_eq!(db, DB_PASSWORD, "DB password as SQLAlchemy decodes it");
    assert_eq!(
        keystone, SERVICE_PASSWORD,
        "Keystone password as oslo reads it"
    );
    let original = std::fs::read_to_string(PACKAGED_CONF).unwrap();
    let edited = std::fs::read_to_string(API_CONF).unwrap();
    probe::comments_intact(&original, &edited).unwrap();
}

/// Neither glance password nor the Keystone administrator's (every
/// identity task reads it) in the playbook's output, in any of the forms
/// the export writes them.
fn assert_no_secret(output: &str) {
    let admin = probe::admin().password;
    for secret in [DB_PASSWORD, SERVICE_PASSWORD, admin.as_str()] {
        let encoded = glance_wizard::util::escape::percent_encode_userinfo(secret);
        for form in [secret, encoded.as_str(), &secret.replace('$', "$$")] {
            assert!(
                !output.contains(form),
                "a secret reached the playbook's output"
            );
        }
    }
}

#[test]
fn e2e_the_exported_playbook_installs_glance_and_reruns_with_no_change() {
    let Some(_lab) = lab() else { return };
    let bin = ansible::venv_bin();
    reset_glance(false);
    let s = scenario("ansible", DB_PASSWORD, SERVICE_PASSWORD);
    // Its test image is named e2e-ansible.
    let inventory = write_inputs(&s);
    let project = s.dir.join("project");
    ansible::export(&s.answers, &inventory, &project, ("debian", "zed"));

    let (ok, first, first_secs) = playbook(&bin, &project);
    assert!(ok, "first run failed:\n{first}");
    assert_no_secret(&first);
    assert_keystone_and_image(&s);
    assert_db_and_config();
    assert!(probe::glance_answers(), "glance-api answers on :9292");

    let (ok, second, second_secs) = playbook(&bin, &project);
    assert!(ok, "second run failed:\n{second}");
    assert_no_secret(&second);
    let changed = ansible::recap_changed(&second);
    assert!(!changed.is_empty(), "no recap:\n{second}");
    assert!(
        changed.iter().all(|(_, n)| *n == 0),
        "the second run changed something: {changed:?}\n{second}"
    );
    assert_keystone_and_image(&s);
    eprintln!("playbook: first run {first_secs:.1} s, second run {second_secs:.1} s");
}

/// The two controllers of scripts/lab-ha-nodes.sh (each a Debian root in a
/// network namespace of its own, one image directory bind-mounted into
/// both, the VIP on the host's bridge), taken down when dropped.
struct Nodes;

const VIP: &str = "10.231.0.10";
const NODE_ADDRESSES: [&str; 2] = ["10.231.0.11", "10.231.0.12"];

impl Nodes {
    fn script() -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg(repo().join("scripts/lab-ha-nodes.sh"));
        cmd
    }

    /// Makes the nodes; returns their `[[controller]]` lines. The guard
    /// comes first: a failed `up` is taken down too.
    fn up() -> (Nodes, String) {
        let nodes = Nodes;
        let out = run(Self::script().arg("up"));
        assert!(out.status.success(), "lab-ha-nodes.sh up:\n{}", text(&out));
        (nodes, String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Debian's HAProxy on the VIP with the export's snippet.
    fn haproxy(&self, cfg: &Path) {
        let out = run(Self::script().arg("haproxy").arg(cfg));
        assert!(
            out.status.success(),
            "lab-ha-nodes.sh haproxy:\n{}",
            text(&out)
        );
    }

    /// Node `n`'s glance-api stopped by its init script, in its root and
    /// namespace.
    fn stop_glance(&self, n: usize) {
        let out = run(Command::new(format!("/run/gw-ha/chroot-gwctl{n}"))
            .arg(format!("/run/gw-ha/node{n}/root"))
            .args(["service", "glance-api", "stop"]));
        assert!(
            out.status.success(),
            "stopping node {n}'s glance-api:\n{}",
            text(&out)
        );
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        let out = run(Self::script().arg("down"));
        if !out.status.success() {
            eprintln!("lab-ha-nodes.sh down:\n{}", text(&out));
        }
    }
}

fn glance_url(address: &str) -> String {
    format!("http://{address}:9292")
}

/// The HA answers: endpoints on the VIP, the lab's memcached through the
/// nodes' forwarder (the nodes run none).
fn ha_answers(s: &Scenario) {
    let mut answers: toml::Table = std::fs::read_to_string(&s.answers)
        .unwrap()
        .parse()
        .unwrap();
    let mut endpoints = toml::Table::new();
    endpoints.insert("vip".into(), VIP.into());
    answers.insert("endpoints".into(), endpoints.into());
    answers["keystone"]
        .as_table_mut()
        .unwrap()
        .insert("memcached_servers".into(), vec!["10.231.0.1:11211"].into());
    std::fs::write(&s.answers, toml::to_string(&answers).unwrap()).unwrap();
}

/// Six authenticated listings in a row through the VIP answer 200 within
/// `deadline` (HAProxy takes node 1 out after two failed health checks).
fn vip_serves(token: &str, deadline: Duration) -> Result<(), String> {
    let start = Instant::now();
    let url = format!("{}/v2/images", glance_url(VIP));
    let mut in_a_row = 0;
    let mut last = String::new();
    while start.elapsed() < deadline {
        match probe::get_status(&url, Some(token)) {
            Ok(200) => in_a_row += 1,
            other => {
                in_a_row = 0;
                last = format!("{other:?}");
                std::thread::sleep(Duration::from_millis(500));
            }
        }
        if in_a_row == 6 {
            return Ok(());
        }
    }
    Err(format!(
        "the VIP did not answer 200 six times in a row; last: {last}"
    ))
}

#[test]
fn e2e_two_controllers_behind_a_vip_share_one_image_store() {
    let Some(_lab) = lab() else { return };
    let bin = ansible::venv_bin();
    reset_glance(false);
    let start = Instant::now();
    let (nodes, controllers) = Nodes::up();
    let set_up = start.elapsed().as_secs_f64();
    let s = scenario("ansible-ha", DB_PASSWORD, SERVICE_PASSWORD);
    ha_answers(&s);
    let inventory = s.dir.join("inventory.toml");
    let text_of_inventory =
        format!("once_host = \"localhost\"\nshared_store = true\n{controllers}");
    std::fs::write(&inventory, text_of_inventory).unwrap();
    let project = s.dir.join("project");
    ansible::export(&s.answers, &inventory, &project, ("debian", "zed"));
    nodes.haproxy(&project.join("haproxy-glance.cfg"));

    let (ok, output, run_secs) = playbook(&bin, &project);
    assert!(ok, "the playbook failed on two nodes:\n{output}");
    assert_no_secret(&output);
    let recap = ansible::recap_changed(&output);
    let hosts: Vec<&str> = recap.iter().map(|(h, _)| h.as_str()).collect();
    assert!(
        hosts.contains(&"ctl1") && hosts.contains(&"ctl2"),
        "{recap:?}"
    );

    // Every glance-api answers on its own address, and through the VIP.
    for address in NODE_ADDRESSES.iter().chain([&VIP]) {
        let url = format!("{}/healthcheck", glance_url(address));
        assert_eq!(probe::get_status(&url, None), Ok(200), "{url}");
    }
    // The image the playbook uploaded through the VIP is read, whole, from
    // each node directly: one store.
    let token = probe::admin_token();
    let images = probe::get_json(
        &format!("{}/v2/images?name=e2e-ansible-ha", glance_url(VIP)),
        &token,
    );
    let images = images["images"].as_array().unwrap();
    assert_eq!(images.len(), 1, "{images:?}");
    assert_eq!(images[0]["status"], "active");
    let id = images[0]["id"].as_str().unwrap();
    let expected = probe::sha512(&s.image);
    for address in NODE_ADDRESSES {
        let url = format!("{}/v2/images/{id}/file", glance_url(address));
        assert_eq!(
            probe::download_sha512(&url, &token),
            Ok(expected.clone()),
            "{url}"
        );
    }

    // One node down: the VIP keeps serving, the image too.
    nodes.stop_glance(1);
    let node1 = format!("{}/healthcheck", glance_url(NODE_ADDRESSES[0]));
    assert!(
        probe::get_status(&node1, None).is_err(),
        "node 1 still answers"
    );
    vip_serves(&token, Duration::from_secs(30)).unwrap();
    let through_vip = format!("{}/v2/images/{id}/file", glance_url(VIP));
    assert_eq!(probe::download_sha512(&through_vip, &token), Ok(expected));
    eprintln!(
        "two controllers: nodes up in {set_up:.1} s, playbook {run_secs:.1} s, in all {:.1} s",
        start.elapsed().as_secs_f64()
    );
    drop(nodes);
}
