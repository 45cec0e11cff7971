//! The glance user's own view of Keystone, shared by the probes of a run.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::token::issue_token_with_catalog;
use crate::i18n::Message;
use crate::plan::ServiceLogin;
use crate::util::secret::Secret;

/// What Keystone says to the glance user, asked once for the user and role
/// probes of a run: a token scoped to the service project, with its roles.
/// One password check (bcrypt, a few hundred milliseconds on a busy
/// controller) for both.
#[derive(Clone, PartialEq)]
struct ViewKey {
    auth_url: String,
    user: String,
    domain: String,
    project: String,
    password: Secret,
}

struct GlanceView {
    key: ViewKey,
    asked: Instant,
    answer: Result<Value, Message>,
}

static GLANCE_VIEW: Mutex<Option<GlanceView>> = Mutex::new(None);

/// The probes of one run start together: an answer younger than this is
/// theirs, an older one is another run's and is asked again.
const VIEW_REUSE: Duration = Duration::from_secs(3);

/// The glance user's project-scoped token body (see [`GlanceView`]).
/// `apply` asks it while the prechecks run, so that its password check (a
/// bcrypt hash in Keystone) overlaps theirs instead of following it.
pub fn glance_user_view(login: &ServiceLogin) -> Result<Value, Message> {
    let key = ViewKey {
        auth_url: login.auth_url.clone(),
        user: login.user.clone(),
        domain: login.domain.clone(),
        project: login.project.clone(),
        password: login.password.clone(),
    };
    // Held while asking: probes that come meanwhile wait for this answer.
    let mut view = GLANCE_VIEW.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = view.as_ref()
        && v.key == key
        && v.asked.elapsed() < VIEW_REUSE
    {
        return v.answer.clone();
    }
    let asked = Instant::now();
    let answer = issue_token_with_catalog(
        &key.auth_url,
        &key.user,
        &key.domain,
        &key.password,
        Some((&key.project, &key.domain)),
    )
    .map(|(_, body)| body)
    .map_err(|e| {
        Message::new("recheck.keystone_login")
            .arg("user", &key.user)
            .arg("project", &key.project)
            .msg("error", e.msg())
    });
    *view = Some(GlanceView {
        key,
        asked,
        answer: answer.clone(),
    });
    answer
}
