//! The role assignment task.

use super::super::TaskContext;
use super::super::clients::{Keystone, KeystoneObject};
use crate::engine::TaskError;
use crate::engine::outputs::{Origin, ProjectRef, RoleElsewhere, TaskOutputs};
use crate::i18n::Message;
use crate::plan::RoleSpec;

/// The ids the role task works with, each `None` where Keystone has none.
pub(super) struct RoleIds {
    user: Option<String>,
    project: Option<String>,
    role: Option<String>,
}

impl RoleIds {
    pub(super) fn of(spec: &RoleSpec, keystone: &dyn Keystone) -> Result<RoleIds, TaskError> {
        let login = &spec.login;
        let domain_id = keystone.domain_id(&login.domain)?;
        Ok(RoleIds {
            user: keystone.user_id(&login.user, &domain_id)?,
            project: keystone.project_id(&login.project, &domain_id)?,
            role: keystone.role_id(&spec.role)?,
        })
    }

    /// Whether the glance user has the role on the project, probed (`role
    /// add` would say nothing either way).
    pub(super) fn assigned(&self, keystone: &dyn Keystone) -> Result<bool, TaskError> {
        match (&self.user, &self.project, &self.role) {
            (Some(user), Some(project), Some(role)) => keystone.role_assigned(user, project, role),
            _ => Ok(false),
        }
    }
}

pub fn role(
    spec: &RoleSpec,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<TaskOutputs, TaskError> {
    let login = &spec.login;
    let ids = RoleIds::of(spec, keystone)?;
    let (recorded_origin, recorded_user, recorded_project) = match ctx.previous_outputs {
        Some(TaskOutputs::Role {
            origin,
            user_id,
            project,
        }) => (*origin, user_id.clone(), project.clone()),
        _ => (Origin::Found, None, None),
    };
    let origin = if ids.assigned(keystone)? {
        ctx.tell(
            Message::new("narration.role_exists")
                .arg("user", &login.user)
                .arg("role", &spec.role)
                .arg("project", &login.project),
        );
        // Created by an earlier run only if given to this same user on this
        // same project (`None`: an older record, of these): after a rename
        // to an existing user, that user's role is not ours.
        let ours = recorded_user.is_none_or(|u| Some(&u) == ids.user.as_ref())
            && recorded_project
                .as_ref()
                .is_none_or(|p| p.name == login.project);
        Origin::of(recorded_origin.created() && ours)
    } else {
        // `role add` of an existing assignment exits 0 silently.
        keystone.add_role(ctx, &login.project, &login.user, &spec.role)?;
        Origin::Created
    };
    if let Some(elsewhere) =
        RoleElsewhere::of(recorded_origin, recorded_project.as_ref(), &login.project)
    {
        take_back_role(ctx, keystone, &ids, &elsewhere)?;
    }
    Ok(TaskOutputs::Role {
        origin,
        user_id: ids.user,
        project: ids.project.map(|id| ProjectRef {
            id,
            name: login.project.clone(),
        }),
    })
}

/// Removes the role the task gave on a project the answers no longer name
/// (gone already counts as removed).
fn take_back_role(
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
    ids: &RoleIds,
    elsewhere: &RoleElsewhere,
) -> Result<(), TaskError> {
    let (Some(user), Some(role)) = (&ids.user, &ids.role) else {
        return Ok(());
    };
    ctx.tell(
        Message::new("narration.role_taken_back")
            .arg("from", &elsewhere.from.name)
            .arg("id", &elsewhere.from.id)
            .arg("to", &elsewhere.to),
    );
    let object = KeystoneObject::RoleAssignment {
        project: &elsewhere.from.id,
        user,
        role,
    };
    keystone.delete(ctx, object)?;
    Ok(())
}
