//! Task ids: the journal's keys, `reset`'s argument, the names in progress
//! lines. Written `kind.object` (`identity.user`, `config.glance-api`).

use std::fmt;
use std::str::FromStr;

/// A config file a task edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum ConfigFile {
    GlanceApi,
    /// Up to Stein.
    GlanceRegistry,
}

impl ConfigFile {
    /// The file's name, without its directory.
    pub fn file_name(self) -> &'static str {
        match self {
            ConfigFile::GlanceApi => "glance-api.conf",
            ConfigFile::GlanceRegistry => "glance-registry.conf",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskId {
    SqlDatabase,
    IdentityUser,
    IdentityRole,
    IdentityService,
    IdentityEndpoints,
    PackagesInstall,
    Config(ConfigFile),
    DbSync,
    DbMetadefs,
    ServiceRestart,
    VerifyImage,
}

impl TaskId {
    /// Every id a plan can hold, in the guide's order: the order
    /// `build_plan` puts them in (tests/releases.rs) and `status` lists them.
    pub const ALL: [TaskId; 12] = [
        TaskId::SqlDatabase,
        TaskId::IdentityUser,
        TaskId::IdentityRole,
        TaskId::IdentityService,
        TaskId::IdentityEndpoints,
        TaskId::PackagesInstall,
        TaskId::Config(ConfigFile::GlanceApi),
        TaskId::Config(ConfigFile::GlanceRegistry),
        TaskId::DbSync,
        TaskId::DbMetadefs,
        TaskId::ServiceRestart,
        TaskId::VerifyImage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskId::SqlDatabase => "sql.database",
            TaskId::IdentityUser => "identity.user",
            TaskId::IdentityRole => "identity.role",
            TaskId::IdentityService => "identity.service",
            TaskId::IdentityEndpoints => "identity.endpoints",
            TaskId::PackagesInstall => "packages.install",
            TaskId::Config(ConfigFile::GlanceApi) => "config.glance-api",
            TaskId::Config(ConfigFile::GlanceRegistry) => "config.glance-registry",
            TaskId::DbSync => "db.sync",
            TaskId::DbMetadefs => "db.metadefs",
            TaskId::ServiceRestart => "service.restart",
            TaskId::VerifyImage => "verify.image",
        }
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An id that names no task, with the ids that do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no task is called `{given}`; the tasks are: {}", TaskId::ALL.map(TaskId::as_str).join(", "))]
pub struct UnknownTask {
    pub given: String,
}

impl FromStr for TaskId {
    type Err = UnknownTask;

    fn from_str(text: &str) -> Result<TaskId, UnknownTask> {
        TaskId::ALL
            .into_iter()
            .find(|id| id.as_str() == text)
            .ok_or_else(|| UnknownTask {
                given: text.to_string(),
            })
    }
}

impl serde::Serialize for TaskId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for TaskId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TaskId, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Stand-in tasks of unit tests (engine, run view) are named by letters:
/// these are the plan tasks the letters stand for.
#[cfg(test)]
const STAND_INS: [(&str, TaskId); 7] = [
    ("a", TaskId::SqlDatabase),
    ("b", TaskId::PackagesInstall),
    ("c", TaskId::IdentityService),
    ("d", TaskId::IdentityEndpoints),
    ("e", TaskId::DbSync),
    ("user", TaskId::IdentityUser),
    ("v", TaskId::VerifyImage),
];

/// The task a stand-in letter names (see [`STAND_INS`]).
#[cfg(test)]
pub(crate) fn stand_in(letter: &str) -> TaskId {
    STAND_INS
        .iter()
        .find(|(l, _)| *l == letter)
        .map(|(_, id)| *id)
        .unwrap_or_else(|| panic!("no stand-in task {letter}"))
}

/// The letter of a stand-in task.
#[cfg(test)]
pub(crate) fn letter(id: TaskId) -> &'static str {
    STAND_INS
        .iter()
        .find(|(_, i)| *i == id)
        .map(|(l, _)| *l)
        .unwrap_or_else(|| panic!("{id} stands in for no letter"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_and_stems_match_the_files() {
        for id in TaskId::ALL {
            assert_eq!(id.as_str().parse::<TaskId>(), Ok(id));
            if let TaskId::Config(file) = id {
                let stem = file.file_name().trim_end_matches(".conf");
                assert_eq!(id.as_str(), format!("config.{stem}"));
            }
        }
        let err = "verify".parse::<TaskId>().unwrap_err().to_string();
        assert!(
            err.contains("`verify`") && err.contains("verify.image"),
            "{err}"
        );
    }
}
