use super::*;
use crate::host::target::{InitSystem, profile_for};

// What yum/dnf/apt would report is given directly: those tools (and
// RDO or Ubuntu repositories) cannot run here. The real query runs
// against this machine's apt in tests/precheck_repository.rs.

#[test]
fn matching_candidate_passes() {
    let p = profile_for("rdo", "2023.1", InitSystem::Systemd).unwrap();
    let c = repository(&p, Some(("26.1.0".into(), "candidate package")));
    assert_eq!(c.status, Status::Pass, "{}", c.detail.english());
    assert!(c.detail.english().contains("Glance 2023.1 Antelope"));
}

#[test]
fn missing_rdo_repository_names_the_release_package() {
    let p = profile_for("rdo", "pike", InitSystem::Systemd).unwrap();
    let c = repository(&p, None);
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.detail
            .english()
            .contains("yum install centos-release-openstack-pike"),
        "{}",
        c.detail.english()
    );
    assert_eq!(c.field, Some("target.release"));
}

#[test]
fn ubuntu_archive_of_another_release_asks_for_the_cloud_archive() {
    let p = profile_for("ubuntu", "2024.2", InitSystem::Systemd).unwrap();
    let c = repository(&p, Some(("2:28.0.1-0ubuntu1".into(), "candidate package")));
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.detail.english().contains("Glance 2024.1 Caracal"),
        "{}",
        c.detail.english()
    );
    assert!(
        c.detail
            .english()
            .contains("add-apt-repository cloud-archive:dalmatian"),
        "{}",
        c.detail.english()
    );
}

#[test]
fn installed_other_release_is_refused() {
    let p = profile_for("debian", "2025.1", InitSystem::SysV).unwrap();
    let c = repository(&p, Some(("2:25.1.0-2+deb12u5".into(), "installed package")));
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.detail
            .english()
            .contains("is installed: that is Glance Zed"),
        "{}",
        c.detail.english()
    );
}
