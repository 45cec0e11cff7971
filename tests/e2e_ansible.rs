//! End-to-end: the exported Ansible project, run with a local connection
//! against the lab after a lab reset, reaches the state `apply` reaches,
//! checked independently (the openstack CLI, the mysql crate, oslo.config);
//! a second run reports changed=0; no secret reaches the playbook's output.
//! Ansible comes from scripts/ansible-venv.sh (PyPI, cached).

mod common;

use std::path::Path;
use std::time::Instant;

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
/// glance user; the image active once with the local file's sha512.
fn assert_keystone_and_image(s: &Scenario) {
    let services = openstack(&["service", "list", "--long"]);
    let image_services = services
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Type"] == "image")
        .count();
    assert_eq!(image_services, 1, "image services: {services}");
    let endpoints = openstack(&["endpoint", "list", "--service", "image"]);
    let mut interfaces: Vec<&str> = endpoints
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Interface"].as_str().unwrap())
        .collect();
    interfaces.sort();
    assert_eq!(interfaces, ["admin", "internal", "public"], "{endpoints}");
    for e in endpoints.as_array().unwrap() {
        assert_eq!(e["URL"], "http://controller:9292");
        assert_eq!(e["Region"], "RegionOne");
    }
    let images = openstack(&["image", "list", "--name", "e2e-ansible"]);
    let images = images.as_array().unwrap();
    assert_eq!(images.len(), 1, "{images:?}");
    assert_eq!(images[0]["Status"], "active");
    let shown = openstack(&["image", "show", images[0]["ID"].as_str().unwrap()]);
    let remote = shown["os_hash_value"]
        .as_str()
        .or(shown["properties"]["os_hash_value"].as_str());
    assert_eq!(remote, Some(probe::sha512(&s.image).as_str()));
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

fn assert_no_secret(output: &str) {
    for secret in [DB_PASSWORD, SERVICE_PASSWORD] {
        let encoded = glance_wizard::escape::percent_encode_userinfo(secret);
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
