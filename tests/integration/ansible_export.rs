//! Golden Ansible exports (`glance-wizard export ansible`) for every
//! (distro family, release era) pair of tests/integration/releases.rs: two controllers
//! behind a VIP with a shared store. Each snapshot holds every file but the
//! secrets file, which is checked apart: it alone holds the secrets.

use glance_wizard::answers::{Answers, SecretName, Secrets};
use glance_wizard::export::{Export, ExportError, ExportInput, Inventory, export};
use glance_wizard::host::target::{InitSystem, profile_for};
use glance_wizard::util::secret::Secret;

const ANSWERS: &str = r#"
[endpoints]
vip = "glance.example.net"

[keystone]
os_auth_url = "http://controller:5000/v3"

[image_store]
stores = ["file", "http"]
"#;

const INVENTORY: &str = r#"
shared_store = true
[[controller]]
name = "ctl1"
address = "192.0.2.11"
[[controller]]
name = "ctl2"
address = "192.0.2.12"
"#;

/// Secrets with characters that YAML, Jinja, SQL, URLs and oslo.config
/// each treat specially; URL-safe for the database (Pike refuses others).
fn secrets() -> Secrets {
    let mut secrets = Secrets::default();
    secrets.set(SecretName::GlanceDbPassword, Secret::new("GLANCE_DBPASS-1"));
    secrets.set(
        SecretName::GlanceServicePassword,
        Secret::new("svc \"pass\" $HOME {% #1"),
    );
    secrets.set(SecretName::OsPassword, Secret::new("admin-'pw'"));
    secrets
}

fn export_for(
    distro: &str,
    release: &str,
    init: InitSystem,
    inventory: &str,
) -> Result<Export, ExportError> {
    export_of(ANSWERS, &secrets(), distro, release, init, inventory)
}

fn export_of(
    answers: &str,
    secrets: &Secrets,
    distro: &str,
    release: &str,
    init: InitSystem,
    inventory: &str,
) -> Result<Export, ExportError> {
    let profile = profile_for(distro, release, init).unwrap();
    let answers = Answers::from_toml(answers).unwrap();
    let admin = answers.manual_admin_credentials(secrets).unwrap();
    let settings = answers.resolve(&profile, secrets, admin).unwrap();
    let inventory = Inventory::from_toml(inventory).unwrap();
    export(&ExportInput {
        settings: &settings,
        profile: &profile,
        inventory: &inventory,
        memcached_on_controllers: answers.keystone.memcached_servers.is_none(),
    })
}

fn golden(distro: &str, release: &str, init: InitSystem) {
    let project = export_for(distro, release, init, INVENTORY).unwrap();
    let secret_values = ["GLANCE_DBPASS-1", "svc \"pass\" $HOME {% #1", "admin-'pw'"];
    let mut shown = String::new();
    for f in &project.files {
        if f.secret {
            assert_eq!(f.path, "secrets.yml");
            continue;
        }
        for s in secret_values {
            assert!(!f.text.contains(s), "{}: holds a secret", f.path);
        }
        shown.push_str(&format!("===== {}\n{}\n", f.path, f.text));
    }
    let secrets = project.file("secrets.yml").unwrap();
    // Every value is !unsafe: Ansible never templates a secret.
    for line in secrets
        .text
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(": "))
    {
        assert!(line.contains(": !unsafe \""), "secrets.yml: {line}");
    }
    // The secrets file holds them, and the raw config values escaped for oslo.config.
    assert!(
        secrets
            .text
            .contains(r#"glance_service_password: !unsafe "svc \"pass\" $HOME {% #1""#)
    );
    assert!(secrets.text.contains(
        r#"glance_conf_keystone_authtoken_password: !unsafe "svc \"pass\" $$HOME {% #1""#
    ));
    insta::assert_snapshot!(format!("ansible-{distro}-{release}"), shown);
}

macro_rules! goldens {
    ($($test:ident: $distro:literal $release:literal $init:ident;)*) => {$(
        #[test]
        fn $test() {
            golden($distro, $release, InitSystem::$init);
        }
    )*};
}

goldens! {
    rdo_pike: "rdo" "pike" Systemd;
    rdo_queens: "rdo" "queens" Systemd;
    rdo_stein: "rdo" "stein" Systemd;
    rdo_train: "rdo" "train" Systemd;
    rdo_2023_1: "rdo" "2023.1" Systemd;
    rdo_2025_1: "rdo" "2025.1" Systemd;
    rdo_2026_2: "rdo" "2026.2" Systemd;
    ubuntu_pike: "ubuntu" "pike" Systemd;
    ubuntu_queens: "ubuntu" "queens" Systemd;
    ubuntu_rocky: "ubuntu" "rocky" Systemd;
    ubuntu_2023_1: "ubuntu" "2023.1" Systemd;
    ubuntu_2025_1: "ubuntu" "2025.1" Systemd;
    ubuntu_2026_2: "ubuntu" "2026.2" Systemd;
    debian_pike: "debian" "pike" Systemd;
    debian_queens: "debian" "queens" Systemd;
    debian_stein: "debian" "stein" Systemd;
    debian_zed: "debian" "zed" SysV;
    debian_2025_1: "debian" "2025.1" Systemd;
    debian_2026_2: "debian" "2026.2" Systemd;
}

/// Two controllers each with its own local file store would each keep
/// their own images: refused, with the reason and the fix.
#[test]
fn a_local_file_store_is_refused_for_two_controllers() {
    let inventory = INVENTORY.replace("shared_store = true", "");
    let err = export_for("debian", "zed", InitSystem::SysV, &inventory).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("image_store: "), "{text}");
    assert!(text.contains("shared_store = true"), "{text}");
    // One controller needs no shared store.
    let one = "[[controller]]\nname = \"ctl1\"\naddress = \"192.0.2.11\"\n";
    assert!(export_for("debian", "zed", InitSystem::SysV, one).is_ok());
}

/// Every task of site.yml that reads a secret, or a variable holding one
/// (the Keystone auth, a TCP database login, a proxy URL with its password),
/// has `no_log: true`: with a TCP database administrator and a proxy with a
/// password, the export's every secret-bearing branch.
#[test]
fn every_task_that_reads_a_secret_has_no_log() {
    let answers = format!(
        "{ANSWERS}\n[database]\nadmin_access = \"tcp\"\nadmin_user = \"root\"\n\n[proxy]\nhttp_proxy = \"http://gw@proxy.example.net:3128\"\n"
    );
    let mut secrets = secrets();
    secrets.set(SecretName::DbAdminPassword, Secret::new("root-pass"));
    secrets.set(SecretName::ProxyPassword, Secret::new("proxy-pass"));
    let project = export_of(
        &answers,
        &secrets,
        "debian",
        "zed",
        InitSystem::SysV,
        INVENTORY,
    )
    .unwrap();
    let secret_file = &project.file("secrets.yml").unwrap().text;
    let mut secret_vars: Vec<String> = secret_file
        .lines()
        .filter_map(|l| l.split_once(": !unsafe").map(|(name, _)| name.to_string()))
        .collect();
    assert!(
        secret_vars.contains(&"glance_http_proxy".to_string()),
        "{secret_vars:?}"
    );
    assert!(secret_vars.contains(&"glance_db_admin_password".to_string()));
    // group_vars entries that name a secret hold one too.
    let group_vars = &project.file("group_vars/controllers.yml").unwrap().text;
    let mut holders = Vec::new();
    let mut current = String::new();
    for line in group_vars.lines() {
        if let Some((name, _)) = line
            .split_once(':')
            .filter(|_| !line.starts_with([' ', '#', '-']))
        {
            current = name.to_string();
        }
        if secret_vars
            .iter()
            .any(|s| line.contains(&format!("{{{{ {s} }}}}")))
        {
            holders.push(current.clone());
        }
    }
    assert!(
        holders.contains(&"glance_keystone_auth".to_string()),
        "{holders:?}"
    );
    assert!(
        holders.contains(&"glance_proxy_env".to_string()),
        "{holders:?}"
    );
    secret_vars.extend(holders);
    let site = &project.file("site.yml").unwrap().text;
    for task in site.split("\n    - name: ").skip(1) {
        let title = task.lines().next().unwrap();
        if secret_vars.iter().any(|v| task.contains(v.as_str())) {
            assert!(
                task.contains("\n      no_log: true"),
                "task {title:?} reads a secret without no_log"
            );
        }
    }
}

/// The metadata definitions are loaded as `apply` loads them (the same
/// command), and not at all with `[database] load_metadefs = false`.
#[test]
fn metadefs_are_loaded_only_when_the_answers_ask() {
    let site = |answers: &str| {
        let project = export_of(
            answers,
            &secrets(),
            "debian",
            "zed",
            InitSystem::SysV,
            INVENTORY,
        )
        .unwrap();
        let vars = project
            .file("group_vars/controllers.yml")
            .unwrap()
            .text
            .clone();
        (project.file("site.yml").unwrap().text.clone(), vars)
    };
    let (loaded, vars) = site(ANSWERS);
    assert!(
        loaded.contains("argv: \"{{ glance_metadefs_load }}\""),
        "{loaded}"
    );
    let command = glance_wizard::plan::commands::metadefs_load("/etc/glance/metadefs");
    let line = format!(
        "glance_metadefs_load: {}",
        serde_json::to_string(&command).unwrap()
    );
    assert!(vars.contains(&line.replace("\",\"", "\", \"")), "{vars}");
    let (not_loaded, vars) = site(&format!("{ANSWERS}\n[database]\nload_metadefs = false\n"));
    assert!(!not_loaded.contains("metadefs"), "{not_loaded}");
    assert!(!vars.contains("metadefs"), "{vars}");
}
