//! Golden files for every (distro family, release era) pair: the plan that
//! `glance-wizard plan` prints, and the config files that result from
//! applying it to a packaged config of that distro and release
//! (found by common::fixtures, which shares one copy of a file among the
//! distros that install the same one; each fixture's header says where it
//! comes from). Each snapshot starts with the install guide page of that
//! release the case was checked against.
//!
//! Eras (see assets/profiles.toml): Pike; Queens; Rocky-Stein (registry,
//! www_authenticate_uri); Train-2023.1 (no registry; RDO: yum to Train, dnf
//! from Ussuri); 2023.2-2026.1 (enabled_backends); 2026.2 (WSGI only).

use crate::common::fixtures::packaged_configs_dir;
use glance_wizard::answers::{Answers, SecretName, Secrets};
use glance_wizard::host::target::{InitSystem, profile_for};
use glance_wizard::ini::IniDocument;
use glance_wizard::plan::{TaskId, apply_config_spec, build_plan, config_specs, render_plan};
use glance_wizard::util::secret::Secret;

/// The same answers for every case: the defaults (so each release shows
/// its own guide's stores) plus a bind address, so the WSGI-only release
/// shows that it no longer writes one.
const ANSWERS: &str = r#"
[controller]
bind_host = "192.0.2.10"

[keystone]
os_auth_url = "http://controller:5000/v3"
"#;

/// The lines oslo.config reads (sections and options), in order.
fn effective(text: &str) -> String {
    text.lines()
        .filter(|l| {
            let t = l.trim_start();
            !t.is_empty() && !t.starts_with('#') && !t.starts_with(';')
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

fn golden(distro: &str, release: &str, init: InitSystem) {
    let case = format!("{distro}-{release}");
    let dir = packaged_configs_dir(distro, release);
    let profile = profile_for(distro, release, init).unwrap();
    let answers = Answers::from_toml(ANSWERS).unwrap();
    let mut secrets = Secrets::default();
    // URL-safe: Pike and Queens refuse passwords that need URL encoding.
    secrets.set(SecretName::GlanceDbPassword, Secret::new("GLANCE_DBPASS-1"));
    secrets.set(
        SecretName::GlanceServicePassword,
        Secret::new("svc pass $HOME #1"),
    );
    secrets.set(SecretName::OsPassword, Secret::new("admin-password"));
    let admin = answers.manual_admin_credentials(&secrets).unwrap();
    let settings = answers.resolve(&profile, &secrets, admin).unwrap();
    let plan = build_plan(&settings, &profile);
    // `status` lists a journal's tasks in this order.
    let ids: Vec<TaskId> = plan.tasks.iter().map(|t| t.id).collect();
    let in_order: Vec<TaskId> = TaskId::ALL
        .into_iter()
        .filter(|id| ids.contains(id))
        .collect();
    assert_eq!(
        ids, in_order,
        "{case}: the plan's order is not TaskId::ALL's"
    );

    let read = |path: &str| {
        let name = path.strip_prefix("/etc/glance/")?;
        std::fs::read_to_string(dir.join(name)).ok()
    };
    let checked = format!(
        "Checked against: {} ({})\n",
        profile.guide(),
        if profile.release.checked_against.is_empty() {
            "no guide source available: see Unverified"
        } else {
            &profile.release.checked_against
        }
    );
    let rendered = render_plan(&plan, &settings, &read);
    for secret in settings.secrets() {
        assert!(!rendered.contains(secret.expose()), "plan leaks a secret");
    }
    insta::assert_snapshot!(format!("{case}-plan"), format!("{checked}\n{rendered}"));

    let specs = config_specs(&settings, &profile);
    assert_eq!(specs.len(), if profile.release.registry { 2 } else { 1 });
    for spec in &specs {
        let before =
            read(&spec.path).unwrap_or_else(|| panic!("{case}: no fixture for {}", spec.path));
        let mut doc = IniDocument::parse(&before);
        apply_config_spec(&mut doc, spec, true).unwrap();
        let after = doc.to_string();
        // Applying again changes nothing.
        let mut again = IniDocument::parse(&after);
        apply_config_spec(&mut again, spec, true).unwrap();
        assert_eq!(again.to_string(), after, "{case}: not idempotent");
        let changed = similar::TextDiff::from_lines(&before, &after)
            .iter_all_changes()
            .filter(|c| c.tag() != similar::ChangeTag::Equal)
            .count();
        insta::assert_snapshot!(
            format!("{case}-{}", spec.file.file_name().trim_end_matches(".conf")),
            format!(
                "{checked}{}: {} lines, {changed} lines differ from the fixture; the lines oslo.config reads:\n{}",
                spec.path,
                after.lines().count(),
                effective(&after)
            )
        );
    }
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

/// Every release row lies in an era a golden case covers, for every distro:
/// adding a release row without golden files fails here.
#[test]
fn every_release_is_covered_by_an_era_golden() {
    let covered = [
        "pike", "queens", "rocky", "stein", "train", "zed", "2023.1", "2025.1", "2026.2",
    ];
    // The releases of each era share every column that changes the plan.
    let key = |name: &str| {
        let p = profile_for("rdo", name, InitSystem::Systemd).unwrap();
        let r = &p.release;
        format!(
            "{} {} {} {:?} {} {} {} {} {} {} {:?}",
            r.registry,
            r.authtoken_uri_key,
            r.auth_url_port,
            r.store_layout,
            r.domain_name,
            r.db_check,
            r.standalone_api,
            r.cirros,
            r.refuse_url_encoded_passwords,
            p.package_manager.name(),
            p.services()
        )
    };
    let covered_keys: Vec<String> = covered.iter().map(|n| key(n)).collect();
    for name in glance_wizard::host::target::release_names() {
        assert!(
            covered_keys.contains(&key(&name)),
            "release {name} is in an era no golden case covers: add a case to tests/integration/releases.rs"
        );
    }
}
