//! The repository precheck against this machine's real apt: on the Debian
//! bookworm lab the Zed profile must pass (bookworm's own archive ships
//! glance 25.x), and a release bookworm does not ship must fail with the
//! repository to enable.

use crate::common;

use glance_wizard::checks::precheck::{Status, repository};
use glance_wizard::host::target::{InitSystem, PackageManager, package_version, profile_for};

#[test]
fn debian_bookworm_repository_check_is_real() {
    let Some(_lab) = common::lab() else { return };
    let os = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    if !os.contains("VERSION_CODENAME=bookworm") {
        eprintln!("SKIPPED: not Debian bookworm");
        return;
    }
    let observed = package_version(PackageManager::Apt, "glance-api");
    assert!(
        observed.is_some(),
        "apt knows no glance-api: apt-get update?"
    );

    let zed = profile_for("debian", "zed", InitSystem::SysV).unwrap();
    let check = repository(&zed, observed.clone());
    assert_eq!(check.status, Status::Pass, "{}", check.detail);
    assert!(
        check.detail.to_string().contains("is Glance Zed"),
        "{}",
        check.detail
    );

    let epoxy = profile_for("debian", "2025.1", InitSystem::SysV).unwrap();
    let installed = observed
        .as_ref()
        .is_some_and(|(_, s)| *s == "installed package");
    let check = repository(&epoxy, observed);
    assert_eq!(check.status, Status::Fail, "{}", check.detail);
    // Another e2e test may have left Glance installed.
    let expected = if installed {
        "is installed: that is Glance Zed"
    } else {
        "extrepo enable openstack_epoxy"
    };
    assert!(
        check.detail.to_string().contains(expected),
        "{}",
        check.detail
    );
}
