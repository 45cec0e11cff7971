//! Reads an admin-openrc the way the admin's shell would: bash sources it
//! and prints its environment, so any shell syntax in it works. The password
//! reaches us through a pipe, never through argv.

use std::collections::BTreeMap;
use std::path::Path;

use super::AdminCredentials;
use crate::secret::Secret;

pub fn load(path: &Path) -> Result<AdminCredentials, String> {
    if !path.is_file() {
        return Err(format!(
            "{} does not exist or is not a file",
            path.display()
        ));
    }
    let output = duct::cmd!(
        "bash",
        "-c",
        "set -a; . \"$1\" >/dev/null 2>&1 </dev/null; env -0",
        "glance-wizard-openrc",
        path
    )
    .full_env([("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")])
    .stdin_null()
    .stdout_capture()
    .stderr_null()
    .unchecked()
    .run()
    .map_err(|e| format!("cannot run bash to read {}: {e}", path.display()))?;
    let mut vars = BTreeMap::new();
    let mut password = None;
    for entry in output.stdout.split(|b| *b == 0) {
        let entry = String::from_utf8_lossy(entry);
        let Some((name, value)) = entry.split_once('=') else {
            continue;
        };
        if !name.starts_with("OS_") {
            continue;
        }
        if name == "OS_PASSWORD" {
            password = Some(Secret::new(value));
        } else {
            vars.insert(name.to_string(), value.to_string());
        }
    }
    for required in ["OS_AUTH_URL", "OS_USERNAME", "OS_PROJECT_NAME"] {
        if vars.get(required).is_none_or(|v| v.is_empty()) {
            return Err(format!("{} does not set {required}", path.display()));
        }
    }
    let password = password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| format!("{} does not set OS_PASSWORD", path.display()))?;
    Ok(AdminCredentials {
        vars,
        password,
        origin: path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_values_and_keeps_password_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin-openrc");
        std::fs::write(
            &path,
            "export OS_USERNAME=admin\nexport OS_PASSWORD='a b$c\"d'\nexport OS_PROJECT_NAME=admin\nexport OS_AUTH_URL=http://controller:5000/v3\nexport OS_USER_DOMAIN_NAME=Default\n",
        )
        .unwrap();
        let creds = load(&path).unwrap();
        assert_eq!(creds.password.expose(), "a b$c\"d");
        assert_eq!(creds.auth_url(), "http://controller:5000/v3");
        assert!(!creds.vars.contains_key("OS_PASSWORD"));
    }

    #[test]
    fn missing_password_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rc");
        std::fs::write(&path, "export OS_USERNAME=admin\nexport OS_PROJECT_NAME=admin\nexport OS_AUTH_URL=http://x:5000/v3\n").unwrap();
        assert!(load(&path).unwrap_err().contains("OS_PASSWORD"));
    }
}
