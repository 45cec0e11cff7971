//! The service user task.

use super::super::clients::{Keystone, KeystoneObject, Removal};
use super::super::{TaskContext, fatal};
use super::origin::origin_of;
use crate::engine::TaskError;
use crate::engine::outputs::{ObjectOutput, TaskOutputs, UserElsewhere};
use crate::i18n::Message;
use crate::plan::{ServiceLogin, UserSpec};

pub fn user(
    spec: &UserSpec,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<TaskOutputs, TaskError> {
    let login = &spec.login;
    let domain_id = keystone.domain_id(&login.domain)?;
    let elsewhere = user_elsewhere(spec, ctx.previous_outputs, keystone)?;
    let (user_id, created_now) = match keystone.user_id(&login.user, &domain_id)? {
        Some(id) => {
            ctx.tell(
                Message::new("narration.user_exists")
                    .arg("user", &login.user)
                    .arg("id", &id),
            );
            (id, false)
        }
        None => match &elsewhere {
            Some(old) if keystone.rename_user(ctx, &old.id, &login.user)? == Removal::Done => {
                ctx.tell(
                    Message::new("narration.user_renamed")
                        .arg("from", &old.from)
                        .arg("id", &old.id)
                        .arg("to", &login.user),
                );
                (old.id.clone(), false)
            }
            _ => (create_user(login, ctx, keystone)?, true),
        },
    };
    if let Some(old) = elsewhere.filter(|old| old.id != user_id) {
        let removal = keystone.delete(ctx, KeystoneObject::User(&old.id))?;
        if removal == Removal::Done {
            ctx.tell(
                Message::new("narration.user_taken_back")
                    .arg("from", &old.from)
                    .arg("id", &old.id)
                    .arg("to", &login.user),
            );
        }
    }
    set_password_unless_it_logs_in(login, &user_id, created_now, ctx, keystone)?;
    let origin = origin_of(&user_id, created_now, ctx.previous_outputs);
    Ok(TaskOutputs::User(ObjectOutput {
        id: user_id,
        origin,
        name: Some(login.user.clone()),
    }))
}

/// The user an earlier run of the task created, still in Keystone under a
/// name the answers no longer give (`[keystone] service_user` changed).
fn user_elsewhere(
    spec: &UserSpec,
    previous: Option<&TaskOutputs>,
    keystone: &dyn Keystone,
) -> Result<Option<UserElsewhere>, TaskError> {
    let Some(TaskOutputs::User(recorded)) = previous else {
        return Ok(None);
    };
    if !recorded.origin.created() {
        return Ok(None);
    }
    Ok(keystone
        .user_name(&recorded.id)?
        .and_then(|name| UserElsewhere::of(&recorded.id, &name, spec)))
}

fn create_user(
    login: &ServiceLogin,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<String, TaskError> {
    let id = keystone.create_user(ctx, &login.domain, &login.user)?;
    if id.is_empty() {
        return Err(fatal(Message::new("failure.identity.no_user_id")));
    }
    ctx.tell(
        Message::new("narration.user_id")
            .arg("user", &login.user)
            .arg("id", &id),
    );
    Ok(id)
}

/// Is the password already the one in the answers? (A user this run
/// created has none, or, created meanwhile by someone else and shown by
/// --or-show, gets the answers' one anyway: no need to ask Keystone.)
fn set_password_unless_it_logs_in(
    login: &ServiceLogin,
    user_id: &str,
    created_now: bool,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<(), TaskError> {
    if !created_now && keystone.password_login(login).is_ok() {
        ctx.tell(Message::new("narration.password_current"));
        return Ok(());
    }
    keystone.set_password(ctx, &login.auth_url, user_id, &login.password)?;
    keystone
        .password_login(login)
        .map_err(|e| fatal(Message::new("failure.identity.new_password").msg("error", e)))?;
    ctx.tell(Message::new("narration.password_set"));
    Ok(())
}
