use crate::answers::{Answers, SecretName, Secrets};
use crate::checks::precheck::{Check, Status};
use crate::cli::check::*;
use crate::cli::json;
use crate::host::target::{InitSystem, profile_for};
use crate::i18n::Message;
use crate::ops::exit;
use crate::plan::PlanReport;
use crate::util::secret::Secret;

/// The example under `heading` in docs/json.md: the first ```json block
/// after it.
fn documented(heading: &str) -> serde_json::Value {
    let docs = include_str!("../../../docs/json.md");
    let example = docs
        .split(heading)
        .nth(1)
        .and_then(|rest| rest.split("```json\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_else(|| panic!("no example under {heading:?} in docs/json.md"));
    serde_json::from_str(example).unwrap()
}

fn check(
    name: &'static str,
    status: Status,
    detail: Message,
    field: Option<&'static str>,
) -> Check {
    Check {
        name,
        status,
        detail,
        field,
    }
}

/// `check --format json` parses and is the example docs/json.md
/// documents: ids, statuses, details, fields and the outcome.
#[test]
fn check_json_is_the_documented_example() {
    let checks = [
        check("root", Status::Pass, Message::new("precheck.root_ok"), None),
        check(
            "database login",
            Status::Fail,
            Message::new("precheck.db_login_fail")
                .arg("error", "Access denied for user 'root'@'localhost'"),
            Some("database.admin_access"),
        ),
        check(
            "port 9292",
            Status::Warn,
            Message::new("precheck.port_unresolved"),
            Some("controller.host"),
        ),
    ];
    let target = "Debian / Glance Zed / apt / sysv-init (service / /etc/init.d)";
    let report = CheckReport::new(target.into(), &checks);
    assert_eq!(report.exit_code(), exit::PRECHECK_FAILED);
    let text = json(&report);
    insta::assert_snapshot!("check_json", text);
    let real: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(real, documented("## `glance-wizard check --format json`"));
    let warned = CheckReport::new(target.into(), &checks[2..]);
    assert_eq!(warned.outcome, CheckOutcome::Passed);
    assert_eq!(warned.exit_code(), exit::OK);
}

const PLANTED: [&str; 3] = [
    "Db-Planted'pa$$w0rd",
    "Svc-Planted\"pass中",
    "Admin-Planted-77",
];
/// The service password a config file holds before the run.
const OLD_PASSWORD: &str = "Old-Planted-Pw-31";

/// Debian Zed's plan with planted passwords, against a small
/// glance-api.conf that holds an old one (the other files do not exist),
/// after a run that created the service user under an older name.
fn plan_report() -> PlanReport {
    let answers = Answers::from_toml(
        "[keystone]\nos_auth_url = \"http://controller:5000/v3\"\n\
         [target]\ndistro = \"debian\"\nrelease = \"zed\"\n",
    )
    .unwrap();
    let profile = profile_for("debian", "zed", InitSystem::SysV).unwrap();
    let mut secrets = Secrets::default();
    for (name, value) in [
        SecretName::GlanceDbPassword,
        SecretName::GlanceServicePassword,
        SecretName::OsPassword,
    ]
    .into_iter()
    .zip(PLANTED)
    {
        secrets.set(name, Secret::new(value));
    }
    let admin = answers.manual_admin_credentials(&secrets).unwrap();
    let settings = answers.resolve(&profile, &secrets, admin).unwrap();
    let conf = format!(
        "[DEFAULT]\n[database]\nbackend = sqlalchemy\n[keystone_authtoken]\npassword = {OLD_PASSWORD}\n"
    );
    let read = |path: &str| path.ends_with("glance-api.conf").then(|| conf.clone());
    // An earlier run created the user under another name.
    let user = crate::engine::outputs::TaskOutputs::User(crate::engine::outputs::ObjectOutput {
        id: "9f2c41".into(),
        origin: crate::engine::outputs::Origin::Created,
        name: Some("glance-old".into()),
    });
    let earlier = |task: &crate::plan::Task| -> Vec<crate::i18n::Message> {
        let left = user.left_behind(&task.kind);
        left.iter()
            .map(crate::engine::outputs::LeftBehind::msg)
            .collect()
    };
    let plan = crate::plan::build_plan(&settings, &profile);
    crate::plan::plan_report(&plan, &settings, &read, &earlier)
}

/// `plan --format json` parses and is the example docs/json.md documents:
/// its fields, and each task it shows is the real one (the example leaves
/// some out; the snapshot keeps the whole text). No planted password, old
/// or new, is in it.
#[test]
fn plan_json_is_the_documented_example_and_holds_no_secret() {
    let report = plan_report();
    let text = json(&report);
    insta::assert_snapshot!("plan_json", text);
    for secret in PLANTED.iter().chain([&OLD_PASSWORD]) {
        let escaped = serde_json::to_string(secret).unwrap();
        for form in [*secret, escaped.trim_matches('"')] {
            assert!(!text.contains(form), "{form:?} in:\n{text}");
        }
    }
    let real: serde_json::Value = serde_json::from_str(&text).unwrap();
    let docs = documented("## `glance-wizard plan --format json`");
    let (real_map, docs_map) = (real.as_object().unwrap(), docs.as_object().unwrap());
    assert_eq!(
        real_map.keys().collect::<Vec<_>>(),
        docs_map.keys().collect::<Vec<_>>()
    );
    for (key, value) in docs_map.iter().filter(|(k, _)| *k != "tasks") {
        assert_eq!(&real[key], value, "{key}");
    }
    let real_tasks = real["tasks"].as_array().unwrap();
    let shown = docs["tasks"].as_array().unwrap();
    assert!(shown.len() >= 3);
    for task in shown {
        let same = real_tasks.iter().find(|t| t["id"] == task["id"]);
        assert_eq!(
            same,
            Some(task),
            "task {} differs from the real one",
            task["id"]
        );
    }
}

/// The text and the JSON are one report: the text holds every step, every
/// line of each config change and what earlier runs left, under its task's
/// title.
#[test]
fn plan_text_shows_what_the_json_holds() {
    let report = plan_report();
    let text = report.text();
    for (i, task) in report.tasks.iter().enumerate() {
        let title = format!("{}. {} [{}]\n", i + 1, task.title, task.id);
        let block = text.split(&title).nth(1).expect(&title);
        let config = task.config.iter().flat_map(|c| c.change.lines(&c.file));
        let steps = task.steps.iter().map(|m| m.english());
        for line in steps.chain(config) {
            assert!(block.contains(&format!("     {line}\n")), "{line:?}");
        }
        for line in &task.earlier_runs {
            let shown = format!("     earlier run: {line}\n");
            assert!(block.contains(&shown), "{shown:?}");
        }
    }
}
