//! The target: which distro, package manager, init system and Glance release
//! the plan is for. Release and distro facts are data (assets/profiles.toml);
//! this module only loads them and detects which rows apply.

use std::process::Command;

use serde::Deserialize;

pub mod store;
use crate::i18n::Message;
use store::Store;

const PROFILES: &str = include_str!("../../../assets/profiles.toml");

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreLayout {
    /// `[glance_store] stores`, `default_store`, `filesystem_store_datadir`.
    Stores,
    /// `[DEFAULT] enabled_backends = fs:file`, `[glance_store] default_backend`, `[fs]`.
    EnabledBackends,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseProfile {
    pub name: String,
    pub title: String,
    /// Lower-case series name used in repository names (`antelope`).
    pub codename: String,
    pub glance_major: u32,
    pub registry: bool,
    pub authtoken_uri_key: String,
    pub auth_url_port: u16,
    pub store_layout: StoreLayout,
    /// The stores the release's guide enables: the default of the answers'
    /// `image_store.stores`.
    pub default_stores: Vec<Store>,
    pub domain_name: String,
    pub db_check: bool,
    /// False where glance-api runs only under a WSGI server (no eventlet
    /// server, no `bind_host` option).
    pub standalone_api: bool,
    pub cirros: String,
    pub refuse_url_encoded_passwords: bool,
    /// The release's install guide directory.
    pub docs: String,
    /// What the row was checked against.
    pub checked_against: String,
    /// What could not be checked: keys of `[profile.unverified]` in
    /// assets/i18n.
    pub unverified: Vec<String>,
}

impl ReleaseProfile {
    pub fn cirros_url(&self) -> String {
        format!(
            "http://download.cirros-cloud.net/{v}/cirros-{v}-x86_64-disk.img",
            v = self.cirros
        )
    }

    /// The guide's page that shows the CirrOS upload.
    pub fn verify_page(&self) -> String {
        format!("{}verify.html", self.docs)
    }
}

/// One row of `[[distro.era]]`: the fields it names apply from release
/// `from` on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct DistroEra {
    from: String,
    package_manager: Option<String>,
    packages: Option<Vec<String>>,
    registry_packages: Option<Vec<String>>,
    api_service: Option<String>,
    registry_service: Option<String>,
    api_server: Option<String>,
    api_log: Option<String>,
    repository: Option<String>,
    repository_setup: Option<String>,
    unverified: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct DistroRow {
    family: String,
    title: String,
    os_ids: Vec<String>,
    guide_page: String,
    package_probe: String,
    config_dir: String,
    era: Vec<DistroEra>,
}

/// A distro family's facts for one release: its row with every era up to
/// that release applied, repository texts filled in for the release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistroProfile {
    pub family: String,
    pub title: String,
    pub os_ids: Vec<String>,
    pub guide_page: String,
    pub package_probe: String,
    pub config_dir: String,
    pub package_manager: PackageManager,
    pub packages: Vec<String>,
    pub registry_packages: Vec<String>,
    pub api_service: String,
    pub registry_service: String,
    /// The words are in assets/i18n (`[profile.*]`): `plan` shows them in
    /// the user's language; the engine logs them in English.
    pub api_server: Message,
    pub api_log: String,
    pub repository: Message,
    pub repository_setup: Message,
    pub unverified: Vec<Message>,
}

impl DistroProfile {
    /// The repository Glance comes from and how to enable it.
    pub fn repository_msg(&self) -> Message {
        Message::new("plan.repository")
            .msg("repository", self.repository.clone())
            .msg("setup", self.repository_setup.clone())
    }
}

/// The message a profile field names: `[profile.<field>] <name>` of
/// assets/i18n, with the release's `{name}`, `{codename}` and `{title}`.
fn fact(field: &str, name: &str, release: &ReleaseProfile) -> Message {
    Message::named(&format!("profile.{field}.{name}"))
        .unwrap_or_else(|| panic!("profiles.toml: no [profile.{field}] {name} in assets/i18n"))
        .arg("name", &release.name)
        .arg("codename", &release.codename)
        .arg("title", &release.title)
}

impl DistroRow {
    /// The eras that apply to `release` (those from a release up to it),
    /// merged in order: a later era's field replaces an earlier one's.
    fn merged_eras(&self, release: &ReleaseProfile) -> DistroEra {
        let order = release_names();
        let index = |name: &str| {
            order
                .iter()
                .position(|n| n == name)
                .expect("era `from` names a release (checked by a unit test)")
        };
        let at = index(&release.name);
        let mut merged = DistroEra::default();
        for era in self.era.iter().filter(|e| index(&e.from) <= at) {
            macro_rules! take {
                ($($f:ident),*) => {$(
                    if era.$f.is_some() {
                        merged.$f = era.$f.clone();
                    }
                )*};
            }
            take!(
                package_manager,
                packages,
                registry_packages,
                api_service,
                registry_service,
                api_server,
                api_log,
                repository,
                repository_setup,
                unverified
            );
        }
        merged
    }

    /// The distro's profile for `release`: its eras merged, each fact the
    /// first era must name present, the facts' messages worded for `release`.
    fn resolve(&self, release: &ReleaseProfile) -> DistroProfile {
        let merged = self.merged_eras(release);
        let need = |v: Option<String>, what: &str| {
            v.unwrap_or_else(|| panic!("{}: the first era must name {what}", self.family))
        };
        let manager = need(merged.package_manager, "package_manager");
        DistroProfile {
            family: self.family.clone(),
            title: self.title.clone(),
            os_ids: self.os_ids.clone(),
            guide_page: self.guide_page.clone(),
            package_probe: self.package_probe.clone(),
            config_dir: self.config_dir.clone(),
            package_manager: PackageManager::parse(&manager)
                .unwrap_or_else(|| panic!("{}: unknown package manager {manager}", self.family)),
            packages: merged.packages.unwrap_or_default(),
            registry_packages: merged.registry_packages.unwrap_or_default(),
            api_service: need(merged.api_service, "api_service"),
            registry_service: need(merged.registry_service, "registry_service"),
            api_server: fact(
                "api_server",
                &need(merged.api_server, "api_server"),
                release,
            ),
            api_log: need(merged.api_log, "api_log"),
            repository: fact(
                "repository",
                &need(merged.repository, "repository"),
                release,
            ),
            repository_setup: fact(
                "repository_setup",
                &need(merged.repository_setup, "repository_setup"),
                release,
            ),
            unverified: (merged.unverified.unwrap_or_default().iter())
                .map(|note| fact("unverified", note, release))
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct ProfileTable {
    release: Vec<ReleaseProfile>,
    distro: Vec<DistroRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum PackageManager {
    Apt,
    Yum,
    Dnf,
}

impl PackageManager {
    pub fn name(self) -> &'static str {
        match self {
            PackageManager::Apt => "apt",
            PackageManager::Yum => "yum",
            PackageManager::Dnf => "dnf",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        match name {
            "apt" => Some(PackageManager::Apt),
            "yum" => Some(PackageManager::Yum),
            "dnf" => Some(PackageManager::Dnf),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum InitSystem {
    /// systemd is PID 1: `systemctl`.
    Systemd,
    /// Anything else: `/etc/init.d` scripts through `service`.
    SysV,
}

impl InitSystem {
    pub fn name(self) -> &'static str {
        match self {
            InitSystem::Systemd => "systemd",
            InitSystem::SysV => "sysv-init (service / /etc/init.d)",
        }
    }

    /// systemd when PID 1 is systemd, as `sd_booted()` decides it.
    pub fn detect() -> InitSystem {
        if std::path::Path::new("/run/systemd/system").is_dir() {
            InitSystem::Systemd
        } else {
            InitSystem::SysV
        }
    }
}

/// The resolved target.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub distro: DistroProfile,
    pub release: ReleaseProfile,
    pub package_manager: PackageManager,
    pub init: InitSystem,
    /// How each part was decided, shown by `check` and the welcome screen.
    pub detection: Vec<String>,
}

impl Profile {
    pub fn config_path(&self, file: &str) -> String {
        format!("{}/{file}", self.distro.config_dir)
    }

    pub fn packages(&self) -> Vec<String> {
        let mut packages = self.distro.packages.clone();
        if self.release.registry {
            packages.extend(self.distro.registry_packages.iter().cloned());
        }
        packages
    }

    pub fn services(&self) -> Vec<String> {
        let mut services = vec![self.distro.api_service.clone()];
        if self.release.registry {
            services.push(self.distro.registry_service.clone());
        }
        services
    }

    /// The install guide page this plan follows.
    pub fn guide(&self) -> String {
        format!("{}{}", self.release.docs, self.distro.guide_page)
    }

    /// What this target's facts rest on besides the guide.
    pub fn unverified(&self) -> Vec<Message> {
        let mut notes: Vec<Message> = (self.release.unverified.iter())
            .map(|note| fact("unverified", note, &self.release))
            .collect();
        notes.extend(self.distro.unverified.iter().cloned());
        notes
    }

    pub fn summary(&self) -> String {
        format!(
            "{} / Glance {} / {} / {}",
            self.distro.title,
            self.release.title,
            self.package_manager.name(),
            self.init.name()
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{}", self.msg())]
    UnknownDistro(String),
    #[error("{}", self.msg())]
    UnknownRelease(String, String),
    #[error("{0}")]
    NotDetected(Message),
}

impl TargetError {
    /// Why, in words to translate (`Display`: English).
    pub fn msg(&self) -> Message {
        match self {
            TargetError::UnknownDistro(family) => {
                Message::new("target_error.unknown_distro").arg("family", family)
            }
            TargetError::UnknownRelease(name, known) => {
                Message::new("target_error.unknown_release")
                    .arg("name", name)
                    .arg("known", known)
            }
            TargetError::NotDetected(why) => why.clone(),
        }
    }
}

fn table() -> ProfileTable {
    toml::from_str(PROFILES).expect("assets/profiles.toml is valid (checked by a unit test)")
}

pub fn releases() -> Vec<ReleaseProfile> {
    table().release
}

pub fn release_names() -> Vec<String> {
    releases().into_iter().map(|r| r.name).collect()
}

pub fn find_release(name: &str) -> Result<ReleaseProfile, TargetError> {
    let name = name.to_ascii_lowercase();
    let all = releases();
    all.iter()
        .find(|r| r.name == name || r.title.to_ascii_lowercase().ends_with(&name))
        .cloned()
        .ok_or_else(|| {
            TargetError::UnknownRelease(
                name,
                all.iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
}

fn find_distro_row(family: &str) -> Result<DistroRow, TargetError> {
    let family = family.to_ascii_lowercase();
    table()
        .distro
        .into_iter()
        .find(|d| d.family == family || d.os_ids.contains(&family))
        .ok_or(TargetError::UnknownDistro(family))
}

/// A distro family's facts for one release (`family` may also be an
/// /etc/os-release id such as `rocky`).
pub fn distro_for(family: &str, release: &ReleaseProfile) -> Result<DistroProfile, TargetError> {
    Ok(find_distro_row(family)?.resolve(release))
}

/// Every (distro family, release) pair's resolved facts, for tests and docs.
pub fn distro_families() -> Vec<String> {
    table().distro.into_iter().map(|d| d.family).collect()
}

/// Glance release from a package version such as `2:25.1.0-2+deb12u5`.
pub fn release_from_version(version: &str) -> Option<ReleaseProfile> {
    let without_epoch = version.split_once(':').map_or(version, |(_, v)| v);
    let major: u32 = without_epoch.split('.').next()?.parse().ok()?;
    releases().into_iter().find(|r| r.glance_major == major)
}

/// Builds a profile from explicit names (used by tests and `--distro`/`--release`).
pub fn profile_for(family: &str, release: &str, init: InitSystem) -> Result<Profile, TargetError> {
    let release = find_release(release)?;
    let distro = distro_for(family, &release)?;
    Ok(Profile {
        detection: vec![
            format!("distro: {} (given)", distro.title),
            format!("release: {} (given)", release.title),
            format!("init system: {}", init.name()),
            format!("package manager: {}", distro.package_manager.name()),
        ],
        package_manager: distro.package_manager,
        distro,
        release,
        init,
    })
}

/// `ID` and `ID_LIKE` from /etc/os-release.
fn os_release_ids() -> Vec<String> {
    let text = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let mut ids = Vec::new();
    for line in text.lines() {
        if let Some(v) = line
            .strip_prefix("ID=")
            .or_else(|| line.strip_prefix("ID_LIKE="))
        {
            ids.extend(v.trim_matches('"').split_whitespace().map(str::to_string));
        }
    }
    ids
}

/// Installed or candidate version of a package, by the distro's tools:
/// the version and whether it is the "installed package" or the
/// "candidate package".
pub fn package_version(pm: PackageManager, package: &str) -> Option<(String, &'static str)> {
    let run = |program: &str, args: &[&str]| -> Option<String> {
        let out = Command::new(program).args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    match pm {
        PackageManager::Apt => {
            if let Some(status) = run("dpkg-query", &["-W", "-f=${Status} ${Version}", package])
                && let Some(version) = status.strip_prefix("install ok installed ")
            {
                return Some((version.trim().to_string(), "installed package"));
            }
            let policy = run("apt-cache", &["policy", package])?;
            let candidate = policy
                .lines()
                .find_map(|l| l.trim().strip_prefix("Candidate:"))?
                .trim()
                .to_string();
            (candidate != "(none)").then_some((candidate, "candidate package"))
        }
        PackageManager::Yum | PackageManager::Dnf => {
            if let Some(v) = run("rpm", &["-q", "--qf", "%{VERSION}", package]) {
                return Some((v.trim().to_string(), "installed package"));
            }
            let info = run(pm.name(), &["-q", "info", package])?;
            let version = info
                .lines()
                .find_map(|l| l.strip_prefix("Version"))?
                .trim_start_matches([' ', ':'])
                .trim()
                .to_string();
            Some((version, "candidate package"))
        }
    }
}

/// Detects the target, honouring explicit choices (`auto` means detect).
pub fn detect(distro_choice: &str, release_choice: &str) -> Result<Profile, TargetError> {
    let mut detection = Vec::new();
    let row = choose_distro(distro_choice, &mut detection)?;
    let release = choose_release(&row, release_choice, &mut detection)?;
    let distro = row.resolve(&release);
    let init = InitSystem::detect();
    detection.push(format!("init system: {}", init.name()));
    detection.push(format!(
        "package manager: {}",
        distro.package_manager.name()
    ));
    Ok(Profile {
        package_manager: distro.package_manager,
        distro,
        release,
        init,
        detection,
    })
}

/// The distro given, or (`auto`, empty) the first of /etc/os-release's ids
/// that names one; says which in `detection`.
fn choose_distro(choice: &str, detection: &mut Vec<String>) -> Result<DistroRow, TargetError> {
    if !choice.is_empty() && choice != "auto" {
        let d = find_distro_row(choice)?;
        detection.push(format!("distro: {} (given)", d.title));
        return Ok(d);
    }
    let ids = os_release_ids();
    let found = ids
        .iter()
        .find_map(|id| find_distro_row(id).ok())
        .ok_or_else(|| {
            TargetError::NotDetected(
                Message::new("target_error.os_release").arg("ids", ids.join(" ")),
            )
        })?;
    detection.push(format!("distro: {} (from /etc/os-release)", found.title));
    Ok(found)
}

/// The release given, or (`auto`, empty) the one of the Glance package the
/// distro's package manager knows; says which in `detection`.
fn choose_release(
    row: &DistroRow,
    choice: &str,
    detection: &mut Vec<String>,
) -> Result<ReleaseProfile, TargetError> {
    if !choice.is_empty() && choice != "auto" {
        let r = find_release(choice)?;
        detection.push(format!("release: {} (given)", r.title));
        return Ok(r);
    }
    // The newest era's package manager asks for the version; yum-era
    // RDO has no dnf, so yum is the fallback.
    let newest = row.resolve(releases().last().expect("releases"));
    let probe_pm = newest.package_manager;
    let (version, source) = package_version(probe_pm, &row.package_probe)
        .or_else(|| {
            (probe_pm == PackageManager::Dnf)
                .then(|| package_version(PackageManager::Yum, &row.package_probe))
                .flatten()
        })
        .ok_or_else(|| {
            TargetError::NotDetected(
                Message::new("target_error.no_version")
                    .arg("package", &row.package_probe)
                    .arg("setup", &newest.repository_setup),
            )
        })?;
    let release = release_from_version(&version).ok_or_else(|| {
        TargetError::NotDetected(
            Message::new("target_error.unknown_version")
                .arg("package", &row.package_probe)
                .arg("version", &version),
        )
    })?;
    detection.push(format!(
        "release: {} (from the {source} {} {version})",
        release.title, row.package_probe
    ));
    Ok(release)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_table_parses_and_is_ordered() {
        let all = releases();
        assert_eq!(all.first().unwrap().name, "pike");
        assert_eq!(all.last().unwrap().name, "2026.2");
        for pair in all.windows(2) {
            assert!(
                pair[0].glance_major < pair[1].glance_major,
                "{}",
                pair[1].name
            );
        }
        for r in &all {
            assert!(
                r.docs.ends_with(&format!("/{}/install/", r.name)),
                "{}",
                r.name
            );
            assert!(
                !r.checked_against.is_empty() || !r.unverified.is_empty(),
                "{}: say what the row was checked against, or what is unverified",
                r.name
            );
            // Each names a message (or panics).
            for note in &r.unverified {
                fact("unverified", note, r);
            }
        }
        assert_eq!(distro_families(), ["debian", "ubuntu", "rdo"]);
    }

    /// Every era starts at a known release, the first at the first release,
    /// and every (distro, release) pair resolves with no placeholder left.
    #[test]
    fn every_distro_resolves_for_every_release() {
        let names = release_names();
        for row in table().distro {
            assert_eq!(row.era[0].from, names[0], "{}", row.family);
            for era in &row.era {
                assert!(names.contains(&era.from), "{}: {}", row.family, era.from);
            }
            for release in releases() {
                let d = row.resolve(&release);
                assert!(!d.packages.is_empty(), "{} {}", d.family, release.name);
                for text in [&d.repository, &d.repository_setup] {
                    for lang in crate::i18n::Lang::ALL {
                        let text = crate::i18n::Texts::of(lang).msg(text);
                        assert!(!text.contains('{'), "{} {}: {text}", d.family, release.name);
                    }
                }
            }
        }
    }

    #[test]
    fn debian_version_maps_to_zed() {
        assert_eq!(
            release_from_version("2:25.1.0-2+deb12u5").unwrap().name,
            "zed"
        );
        assert_eq!(release_from_version("33.0.0").unwrap().name, "2026.2");
        assert_eq!(
            release_from_version("2:28.0.1-0ubuntu1~cloud0")
                .unwrap()
                .name,
            "2024.1"
        );
    }

    #[test]
    fn rdo_package_manager_and_services_follow_release() {
        let init = InitSystem::Systemd;
        let pm = |r: &str| profile_for("rdo", r, init).unwrap().package_manager;
        assert_eq!(pm("pike"), PackageManager::Yum);
        assert_eq!(pm("train"), PackageManager::Yum);
        assert_eq!(pm("ussuri"), PackageManager::Dnf);
        assert_eq!(pm("2026.2"), PackageManager::Dnf);
        assert_eq!(
            profile_for("centos", "stein", init).unwrap().services(),
            ["openstack-glance-api", "openstack-glance-registry"]
        );
        let rdo = profile_for("rocky", "2023.1", init).unwrap();
        assert_eq!(
            rdo.distro.repository_setup.english(),
            "dnf install centos-release-openstack-antelope"
        );
        assert_eq!(rdo.distro.api_log, "/var/log/glance/api.log");
    }

    #[test]
    fn wsgi_only_release_changes_what_runs_glance() {
        let init = InitSystem::Systemd;
        let ubuntu = profile_for("ubuntu", "2026.2", init).unwrap();
        assert!(!ubuntu.release.standalone_api);
        assert_eq!(ubuntu.services(), ["apache2"]);
        let before = profile_for("ubuntu", "2026.1", init).unwrap();
        assert_eq!(before.services(), ["glance-api"]);
        let debian = profile_for("debian", "2026.2", init).unwrap();
        assert_eq!(debian.services(), ["glance-api"]);
        assert!(debian.distro.api_server.english().contains("uWSGI"));
    }
}
