//! The glance-*.conf files each (distro, release) installs, for the tests that edit a packaged
//! config: one copy of each file under tests/fixtures/, and this index to find it.

use std::path::PathBuf;

use super::repo;

/// (distro, release) → the directory under tests/fixtures/ of the glance-*.conf files its
/// packages install. The distros install the same oslo-config-generator sample of a release
/// (each sample's header names the glance sdist it comes from), so they share samples/<release>/;
/// debian-zed/ holds Debian bookworm's own packaged file, with its edits (src/ unit tests
/// include it too).
const PACKAGED_CONFIGS: &[((&str, &str), &str)] = &[
    (("rdo", "pike"), "samples/pike"),
    (("rdo", "queens"), "samples/queens"),
    (("rdo", "stein"), "samples/stein"),
    (("rdo", "train"), "samples/train"),
    (("rdo", "2023.1"), "samples/2023.1"),
    (("rdo", "2025.1"), "samples/2025.1"),
    (("rdo", "2026.2"), "samples/2026.2"),
    (("ubuntu", "pike"), "samples/pike"),
    (("ubuntu", "queens"), "samples/queens"),
    (("ubuntu", "rocky"), "samples/rocky"),
    (("ubuntu", "2023.1"), "samples/2023.1"),
    (("ubuntu", "2025.1"), "samples/2025.1"),
    (("ubuntu", "2026.2"), "samples/2026.2"),
    (("debian", "pike"), "samples/pike"),
    (("debian", "queens"), "samples/queens"),
    (("debian", "stein"), "samples/stein"),
    (("debian", "zed"), "debian-zed"),
    (("debian", "2025.1"), "samples/2025.1"),
    (("debian", "2026.2"), "samples/2026.2"),
];

/// The directory of the configs (distro, release) installs; a pair the index lacks is a
/// mistake in the test that asks.
pub fn packaged_configs_dir(distro: &str, release: &str) -> PathBuf {
    let (_, dir) = PACKAGED_CONFIGS
        .iter()
        .find(|(pair, _)| *pair == (distro, release))
        .unwrap_or_else(|| {
            panic!("no packaged configs for {distro} {release} in tests/common/fixtures.rs")
        });
    repo().join("tests/fixtures").join(dir)
}

/// `file` (e.g. `glance-api.conf`) as (distro, release) installs it, or None when that release
/// has no such file (glance-registry.conf is gone since Train).
pub fn packaged_config(distro: &str, release: &str, file: &str) -> Option<String> {
    std::fs::read_to_string(packaged_configs_dir(distro, release).join(file)).ok()
}

/// Debian Zed's glance-api.conf: the packaged file the tests of one release edit.
pub fn debian_zed_api_conf() -> String {
    packaged_config("debian", "zed", "glance-api.conf")
        .expect("tests/fixtures/debian-zed/glance-api.conf")
}
