//! The target: which distro, package manager, init system and Glance release
//! the plan is for. Release and distro facts are data (assets/profiles.toml);
//! this module only loads them and detects which rows apply.

use std::process::Command;

use serde::Deserialize;

const PROFILES: &str = include_str!("../../assets/profiles.toml");

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
    pub glance_major: u32,
    pub registry: bool,
    pub authtoken_uri_key: String,
    pub auth_url_port: u16,
    pub store_layout: StoreLayout,
    pub domain_name: String,
    pub db_check: bool,
    pub standalone_api: bool,
    pub cirros: String,
    pub refuse_url_encoded_passwords: bool,
    pub guide: String,
}

impl ReleaseProfile {
    pub fn cirros_url(&self) -> String {
        format!(
            "http://download.cirros-cloud.net/{v}/cirros-{v}-x86_64-disk.img",
            v = self.cirros
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistroProfile {
    pub family: String,
    pub title: String,
    pub os_ids: Vec<String>,
    package_managers: Vec<(String, String)>,
    pub packages: Vec<String>,
    pub registry_packages: Vec<String>,
    pub package_probe: String,
    pub api_service: String,
    pub registry_service: String,
    pub config_dir: String,
    pub repository: String,
}

#[derive(Debug, Deserialize)]
struct ProfileTable {
    release: Vec<ReleaseProfile>,
    distro: Vec<DistroProfile>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    #[error("unknown distro family `{0}`: use debian, ubuntu or rdo")]
    UnknownDistro(String),
    #[error("unknown Glance release `{0}`: use one of {1}")]
    UnknownRelease(String, String),
    #[error("{0}")]
    NotDetected(String),
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

pub fn find_distro(family: &str) -> Result<DistroProfile, TargetError> {
    let family = family.to_ascii_lowercase();
    table()
        .distro
        .into_iter()
        .find(|d| d.family == family || d.os_ids.contains(&family))
        .ok_or(TargetError::UnknownDistro(family))
}

/// Glance release from a package version such as `2:25.1.0-2+deb12u5`.
pub fn release_from_version(version: &str) -> Option<ReleaseProfile> {
    let without_epoch = version.split_once(':').map_or(version, |(_, v)| v);
    let major: u32 = without_epoch.split('.').next()?.parse().ok()?;
    releases().into_iter().find(|r| r.glance_major == major)
}

/// Builds a profile from explicit names (used by tests and `--distro`/`--release`).
pub fn profile_for(family: &str, release: &str, init: InitSystem) -> Result<Profile, TargetError> {
    let distro = find_distro(family)?;
    let release = find_release(release)?;
    let package_manager = package_manager_for(&distro, &release);
    Ok(Profile {
        detection: vec![
            format!("distro: {} (given)", distro.title),
            format!("release: {} (given)", release.title),
            format!("init system: {}", init.name()),
        ],
        distro,
        release,
        package_manager,
        init,
    })
}

fn package_manager_for(distro: &DistroProfile, release: &ReleaseProfile) -> PackageManager {
    let order = release_names();
    let index = |name: &str| order.iter().position(|n| n == name).unwrap_or(0);
    let mut chosen = PackageManager::Apt;
    for (from, tool) in &distro.package_managers {
        if index(&release.name) >= index(from) {
            chosen = PackageManager::parse(tool).unwrap_or(chosen);
        }
    }
    chosen
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

/// Installed or candidate version of a package, by the distro's tools.
fn package_version(pm: PackageManager, package: &str) -> Option<(String, &'static str)> {
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
    let distro = if distro_choice.is_empty() || distro_choice == "auto" {
        let ids = os_release_ids();
        let found = ids.iter().find_map(|id| find_distro(id).ok()).ok_or_else(|| {
            TargetError::NotDetected(format!(
                "cannot tell the distro from /etc/os-release (ID/ID_LIKE: {}): set [target] distro",
                ids.join(" ")
            ))
        })?;
        detection.push(format!("distro: {} (from /etc/os-release)", found.title));
        found
    } else {
        let d = find_distro(distro_choice)?;
        detection.push(format!("distro: {} (given)", d.title));
        d
    };
    let release = if release_choice.is_empty() || release_choice == "auto" {
        // Any release row gives the package manager family; the version
        // query then decides the release.
        let probe_pm = package_manager_for(&distro, releases().last().expect("releases"));
        let (version, source) = package_version(probe_pm, &distro.package_probe)
            .or_else(|| {
                // yum-era RDO has no dnf.
                (probe_pm == PackageManager::Dnf)
                    .then(|| package_version(PackageManager::Yum, &distro.package_probe))
                    .flatten()
            })
            .ok_or_else(|| {
                TargetError::NotDetected(format!(
                    "no installed or candidate version of {} was found, so the Glance release is unknown: enable the repository ({}) or set [target] release",
                    distro.package_probe, distro.repository
                ))
            })?;
        let release = release_from_version(&version).ok_or_else(|| {
            TargetError::NotDetected(format!(
                "{} {version} is not a Glance release glance-wizard knows: set [target] release",
                distro.package_probe
            ))
        })?;
        detection.push(format!(
            "release: {} (from the {source} {} {version})",
            release.title, distro.package_probe
        ));
        release
    } else {
        let r = find_release(release_choice)?;
        detection.push(format!("release: {} (given)", r.title));
        r
    };
    let init = InitSystem::detect();
    detection.push(format!("init system: {}", init.name()));
    let package_manager = package_manager_for(&distro, &release);
    detection.push(format!("package manager: {}", package_manager.name()));
    Ok(Profile {
        distro,
        release,
        package_manager,
        init,
        detection,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_table_parses_and_is_ordered() {
        let all = releases();
        assert!(all.len() >= 18);
        for pair in all.windows(2) {
            assert!(
                pair[0].glance_major < pair[1].glance_major,
                "{}",
                pair[1].name
            );
        }
        assert_eq!(table().distro.len(), 3);
    }

    #[test]
    fn debian_version_maps_to_zed() {
        assert_eq!(
            release_from_version("2:25.1.0-2+deb12u5").unwrap().name,
            "zed"
        );
    }

    #[test]
    fn rdo_package_manager_follows_release() {
        let init = InitSystem::Systemd;
        assert_eq!(
            profile_for("rdo", "pike", init).unwrap().package_manager,
            PackageManager::Yum
        );
        assert_eq!(
            profile_for("rdo", "2026.1", init).unwrap().package_manager,
            PackageManager::Dnf
        );
        assert_eq!(
            profile_for("centos", "stein", init)
                .unwrap()
                .services()
                .len(),
            2
        );
    }
}
