//! Demo logins, one per role, each tied to a fitting person in the demo data.

use crate::auth::{self, Role};
use plenum_app::{App, demo};
use plenum_domain::{AssemblyId, MemberStatus};
use plenum_journal::{AuthStore, NewAccount};

/// The password of every demo login.
pub const DEMO_PASSWORD: &str = "plenum-demo";

/// A demo login as printed by `plenum demo`.
pub struct DemoLogin {
    pub role: Role,
    /// The i18n key of what the login is called: its role's, or a member's.
    pub title: &'static str,
    pub username: String,
    pub name: String,
}

/// Creates the demo logins that do not exist yet; returns all of them.
pub async fn seed_accounts(app: &App) -> Result<Vec<DemoLogin>, String> {
    let congress = AssemblyId::parse(demo::CONGRESS).map_err(|e| e.to_string())?;
    let cppcc = AssemblyId::parse(demo::CPPCC).map_err(|e| e.to_string())?;
    let association = AssemblyId::parse(demo::ASSOCIATION).map_err(|e| e.to_string())?;
    let (presidium, deputy) = app
        .read(&congress, |a| {
            let presidium = a.current_session().and_then(|s| s.presidium.first().cloned());
            let deputy = a
                .seated_members()
                .find(|m| {
                    m.status == MemberStatus::Active
                        && !a.posts.iter().any(|p| p.member == m.id)
                        && m.group.as_str() == "xiaodian"
                })
                .map(|m| m.id.clone());
            let name = |id: &Option<plenum_domain::MemberId>| {
                id.as_ref().and_then(|i| a.members.get(i)).map(|m| (m.id.to_string(), m.name.clone()))
            };
            (name(&presidium), name(&deputy))
        })
        .ok_or("the demo congress is missing")?;
    let member = app
        .read(&cppcc, |a| {
            a.seated_members()
                .find(|m| m.status == MemberStatus::Active && !a.posts.iter().any(|p| p.member == m.id))
                .map(|m| (m.id.to_string(), m.name.clone()))
        })
        .ok_or("the demo CPPCC committee is missing")?;
    // The association's member who has not voted yet in its open secret ballot.
    let association_member = app
        .read(&association, |a| {
            a.seated_members()
                .find(|m| {
                    m.status == MemberStatus::Active
                        && m.group.as_str() == demo::ASSOCIATION_MEMBER_GROUP
                        && !a.posts.iter().any(|p| p.member == m.id)
                })
                .map(|m| (m.id.to_string(), m.name.clone()))
        })
        .ok_or("the demo association is missing")?;
    let person = |role: Role, username: &str, who: Option<(String, String)>, assembly: &AssemblyId| {
        who.map(|(id, name)| (role, username.to_owned(), name, Some(assembly.to_string()), Some(id)))
    };
    let wanted: Vec<(Role, String, String, Option<String>, Option<String>)> = [
        Some((Role::Admin, "admin".to_owned(), "系统管理员".to_owned(), None, None)),
        Some((Role::Secretariat, "secretariat".to_owned(), "大会秘书处 王秘书".to_owned(), None, None)),
        person(Role::Presidium, "presidium", presidium, &congress),
        person(Role::Deputy, "deputy", deputy, &congress),
        person(Role::CppccMember, "cppcc", member, &cppcc),
        person(Role::Deputy, "member", association_member, &association),
        Some((Role::Officer, "officer".to_owned(), "市发展和改革委员会 李科长".to_owned(), None, None)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let journal = app.journal();
    let mut logins = Vec::new();
    let mut new = Vec::new();
    for (role, username, name, assembly, member) in wanted {
        let title = auth::title(app, role, assembly.as_deref());
        if journal.account_by_username(&username).await.map_err(|e| e.to_string())?.is_none() {
            new.push(NewAccount {
                username: username.clone(),
                display_name: name.clone(),
                role: role.as_str().to_owned(),
                assembly,
                member,
                password_hash: auth::hash_password(DEMO_PASSWORD, true)?,
                must_change_password: false,
            });
        }
        logins.push(DemoLogin { role, title, username, name });
    }
    journal.create_accounts(new).await.map_err(|e| e.to_string())?;
    Ok(logins)
}
