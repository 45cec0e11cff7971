//! The controllers an Ansible export is for: a small TOML file, checked
//! field by field like the answers.

use std::net::IpAddr;
use std::path::Path;

use serde::Deserialize;

use crate::answers::types::{Host, HostError};
use crate::i18n::{Message, Texts};

/// How Ansible reaches a controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Connection {
    Ssh,
    /// The machine running Ansible is the controller.
    Local,
    /// A root directory on the machine running Ansible
    /// (community.general.chroot).
    Chroot,
}

impl Connection {
    /// `ansible_connection`.
    pub fn plugin(self) -> &'static str {
        match self {
            Connection::Ssh => "ansible.builtin.ssh",
            Connection::Local => "ansible.builtin.local",
            Connection::Chroot => "community.general.chroot",
        }
    }
}

/// Where the tasks that run once (database, Keystone, the test image) run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnceHost {
    /// The first controller (it needs PyMySQL and openstacksdk).
    #[default]
    First,
    /// The machine running Ansible, with Ansible's own Python.
    Localhost,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Controller {
    /// The inventory name.
    pub name: String,
    /// The address glance-api binds to and the load balancer and memcached
    /// clients reach it on.
    pub address: IpAddr,
    #[serde(default = "default_connection")]
    pub connection: Connection,
    /// `ansible_host`: default the address (ssh); the root directory for
    /// a chroot.
    #[serde(default)]
    pub host: Option<String>,
    /// For a chroot: the command that enters it (`ansible_chroot_exe`),
    /// e.g. a wrapper that enters the node's network namespace too.
    #[serde(default)]
    pub chroot_exe: Option<String>,
}

fn default_connection() -> Connection {
    Connection::Ssh
}

/// The rule an inventory field breaks (its words: `inventory.*` of
/// assets/i18n).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryRule {
    #[error(transparent)]
    Name(#[from] HostError),
    #[error("{}", self.msg().english())]
    NoController,
    #[error("{}", self.msg().english())]
    NamedTwice(String),
    #[error("{}", self.msg().english())]
    Unspecified,
    #[error("{}", self.msg().english())]
    ChrootRootNotAbsolute,
    #[error("{}", self.msg().english())]
    ChrootWithoutRoot,
    /// The file cannot be read: the system's words.
    #[error("{}", self.msg().english())]
    Unreadable { path: String, error: String },
    /// What TOML said, in its words.
    #[error("{}", self.msg().english())]
    Said(String),
}

impl InventoryRule {
    /// The rule in any language.
    pub fn msg(&self) -> Message {
        match self {
            Self::Name(e) => e.msg(),
            Self::NoController => Message::new("inventory.no_controller"),
            Self::NamedTwice(name) => Message::new("inventory.named_twice").arg("name", name),
            Self::Unspecified => Message::new("inventory.unspecified"),
            Self::ChrootRootNotAbsolute => Message::new("inventory.chroot_not_absolute"),
            Self::ChrootWithoutRoot => Message::new("inventory.chroot_without_root"),
            Self::Unreadable { path, error } => Message::new("inventory_file.unreadable")
                .arg("path", path)
                .arg("error", error),
            Self::Said(said) => Message::verbatim(said),
        }
    }
}

/// One problem of an inventory file: the field's path and its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryProblem {
    pub field: String,
    pub rule: InventoryRule,
}

/// Every problem of an inventory file, each naming its field.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryError(pub Vec<InventoryProblem>);

impl InventoryError {
    fn single(field: &str, rule: InventoryRule) -> InventoryError {
        InventoryError(vec![InventoryProblem {
            field: field.into(),
            rule,
        }])
    }

    /// The problems in a language: a heading, then a line each.
    pub fn render(&self, t: &Texts) -> String {
        let mut out = t.f("inventory.problems", &[("n", &self.0.len())]);
        out.push('\n');
        for e in &self.0 {
            out.push_str(&format!("  - {}: {}\n", e.field, t.msg(&e.rule.msg())));
        }
        out
    }
}

impl std::fmt::Display for InventoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Texts::of(crate::i18n::Lang::En)))
    }
}

impl std::error::Error for InventoryError {}

/// The inventory file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    #[serde(rename = "controller")]
    pub controllers: Vec<Controller>,
    #[serde(default)]
    pub once_host: OnceHost,
    /// The image store's `data_dir` is one filesystem mounted on every
    /// controller (NFS, CephFS, ...). Needed for more than one controller
    /// with the file store; the playbook checks it.
    #[serde(default)]
    pub shared_store: bool,
}

impl Inventory {
    pub fn load(path: &Path) -> Result<Inventory, InventoryError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            let rule = InventoryRule::Unreadable {
                path: path.display().to_string(),
                error: e.to_string(),
            };
            InventoryError::single("inventory", rule)
        })?;
        Inventory::from_toml(&text)
    }

    pub fn from_toml(text: &str) -> Result<Inventory, InventoryError> {
        let inventory: Inventory = toml::from_str(text).map_err(|e| {
            InventoryError::single("inventory", InventoryRule::Said(e.message().into()))
        })?;
        inventory.check()?;
        Ok(inventory)
    }

    /// Names are Ansible host names, unique; a chroot names its root.
    fn check(&self) -> Result<(), InventoryError> {
        let mut problems = Vec::new();
        let mut add = |field: String, rule: InventoryRule| {
            problems.push(InventoryProblem { field, rule });
        };
        if self.controllers.is_empty() {
            add("controller".into(), InventoryRule::NoController);
        }
        for (i, c) in self.controllers.iter().enumerate() {
            if let Err(rule) = c.name.parse::<Host>() {
                add(format!("controller[{i}].name"), rule.into());
            }
            if self.controllers[..i].iter().any(|o| o.name == c.name) {
                add(
                    format!("controller[{i}].name"),
                    InventoryRule::NamedTwice(c.name.clone()),
                );
            }
            if c.address.is_unspecified() {
                add(
                    format!("controller[{i}].address"),
                    InventoryRule::Unspecified,
                );
            }
            match (c.connection, &c.host) {
                (Connection::Chroot, Some(h)) if !h.starts_with('/') => add(
                    format!("controller[{i}].host"),
                    InventoryRule::ChrootRootNotAbsolute,
                ),
                (Connection::Chroot, None) => add(
                    format!("controller[{i}].host"),
                    InventoryRule::ChrootWithoutRoot,
                ),
                _ => {}
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(InventoryError(problems))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_inventory_reads() {
        let inv = Inventory::from_toml(
            r#"
            once_host = "localhost"
            shared_store = true
            [[controller]]
            name = "ctl1"
            address = "192.0.2.11"
            [[controller]]
            name = "ctl2"
            address = "192.0.2.12"
            connection = "chroot"
            host = "/srv/ctl2"
            "#,
        )
        .unwrap();
        assert_eq!(inv.controllers.len(), 2);
        assert_eq!(inv.controllers[0].connection, Connection::Ssh);
        assert_eq!(inv.once_host, OnceHost::Localhost);
    }

    #[test]
    fn each_problem_names_its_field() {
        let err = Inventory::from_toml(
            r#"
            [[controller]]
            name = "ctl1"
            address = "0.0.0.0"
            [[controller]]
            name = "ctl1"
            address = "192.0.2.12"
            connection = "chroot"
            "#,
        )
        .unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "controller[0].address",
                "controller[1].name",
                "controller[1].host"
            ]
        );
        let zh = err.render(Texts::of(crate::i18n::Lang::ZhCn));
        let english = crate::i18n::english_sentences(&zh);
        assert!(english.is_empty(), "{zh}: {english:?}");
        assert!(err.to_string().contains("`ctl1` is named twice"), "{err}");
    }

    #[test]
    fn an_address_must_be_an_ip() {
        let err =
            Inventory::from_toml("[[controller]]\nname = \"a\"\naddress = \"ctl\"\n").unwrap_err();
        assert!(err.to_string().contains("inventory"), "{err}");
    }
}
