//! One translation table for every string of the interface: Simplified Chinese by
//! default, English complete by construction (each entry holds both).

use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first supported language in an Accept-Language header, by quality.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("");
            let q = it
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                .unwrap_or(1.0);
            if let Some(l) = Lang::parse(tag) {
                if best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, l));
                }
            }
        }
        best.map_or(Lang::Zh, |(_, l)| l)
    }

    /// The string for `key`; the key itself if the table lacks it (a test forbids that).
    pub fn t(self, key: &str) -> &'static str {
        match TABLE_INDEX.get(key) {
            Some(&(zh, en)) => match self {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => {
                tracing::warn!("missing translation {key}");
                "?"
            }
        }
    }

    /// Picks between a Chinese and an English value held in data (names, titles).
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En if en.is_empty() => zh,
            Lang::En => en,
        }
    }
}

static TABLE_INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| TABLE.iter().map(|(k, zh, en)| (*k, (*zh, *en))).collect());

/// key, 中文, English.
pub static TABLE: &[(&str, &str, &str)] = &[
    ("app.name", "Plenum 议事系统", "Plenum"),
    ("app.tagline", "会议议事与决议落实", "Assemblies, from the vote to the result"),
    ("nav.home", "首页", "Home"),
    ("nav.login", "登录", "Log in"),
    ("nav.logout", "退出", "Log out"),
    ("nav.password", "修改密码", "Change password"),
    ("nav.accounts", "账户管理", "Accounts"),
    ("nav.skip", "跳到正文", "Skip to content"),
    ("nav.language", "语言", "Language"),
    ("nav.signed_in_as", "当前用户", "Signed in as"),
    ("role.admin", "系统管理员", "Administrator"),
    ("role.secretariat", "大会秘书处", "Secretariat"),
    ("role.presidium", "主席团成员", "Presidium member"),
    ("role.deputy", "人大代表", "Deputy"),
    ("role.cppcc_member", "政协委员", "CPPCC member"),
    ("role.officer", "承办单位工作人员", "Handling-unit officer"),
    ("role.public", "公众", "Public"),
    ("login.title", "登录", "Log in"),
    ("login.username", "用户名", "Username"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Log in"),
    ("login.failed", "用户名或密码不正确。", "The username or password is wrong."),
    (
        "login.locked",
        "登录失败次数过多，账户已暂时锁定，请稍后再试。",
        "Too many failed logins: the account is locked for a while. Try again later.",
    ),
    ("password.title", "修改密码", "Change password"),
    ("password.current", "当前密码", "Current password"),
    ("password.new", "新密码", "New password"),
    ("password.repeat", "再次输入新密码", "Repeat the new password"),
    ("password.submit", "修改", "Change"),
    ("password.must_change", "首次登录请设置新密码。", "Please set a new password before you go on."),
    ("password.changed", "密码已修改。", "Your password was changed."),
    ("password.too_short", "新密码至少需要 10 个字符。", "The new password needs at least 10 characters."),
    ("password.mismatch", "两次输入的新密码不一致。", "The two new passwords differ."),
    ("password.wrong", "当前密码不正确。", "The current password is wrong."),
    ("home.public_title", "公开信息", "Public information"),
    (
        "home.public_intro",
        "以下为已公开的会议信息：组成人员、会议议程及其进展。",
        "Published information of the assemblies: their members, agendas and progress.",
    ),
    ("home.dashboard", "工作台", "Dashboard"),
    ("home.your_profile", "我的信息", "Your profile"),
    ("home.your_group", "所在代表团/界别", "Your delegation or sector"),
    ("home.current_session", "当前会议", "Current session"),
    ("home.no_session", "目前没有进行中的会议。", "No session is being held."),
    (
        "home.officer_intro",
        "贵单位承办的建议、提案将在此列出。目前没有交办给贵单位的事项。",
        "Suggestions and proposals assigned to your unit are listed here. Nothing is assigned to your unit yet.",
    ),
    (
        "home.secretariat_intro",
        "会议筹备与进行：议程、出席、组成人员与账户。",
        "Running the session: agenda, attendance, members and accounts.",
    ),
    ("home.journal", "日志", "Journal"),
    ("assembly.overview", "概况", "Overview"),
    ("assembly.terms", "届次", "Terms"),
    ("assembly.term_n", "第{n}届", "Term {n}"),
    ("assembly.sessions", "会议", "Sessions"),
    ("assembly.members", "组成人员", "Members"),
    ("assembly.groups", "代表团/界别", "Delegations and sectors"),
    ("assembly.seated", "现有人数", "Seated"),
    ("assembly.agenda", "议程", "Agenda"),
    ("assembly.meetings", "会议安排", "Meetings"),
    ("assembly.presidium", "主席团", "Presidium"),
    ("assembly.secretary_general", "秘书长", "Secretary-general"),
    ("assembly.opens_on", "开幕日期", "Opens on"),
    ("assembly.closed", "已闭幕", "Closed"),
    ("assembly.in_session", "会议进行中", "In session"),
    ("members.title", "组成人员名单", "Members"),
    ("members.filter_group", "代表团/界别", "Delegation or sector"),
    ("members.all_groups", "全部", "All"),
    ("members.search", "姓名或拼音首字母", "Name or pinyin initials"),
    ("members.search_submit", "查询", "Search"),
    ("members.count", "共 {n} 人", "{n} members"),
    ("members.none", "没有符合条件的人员。", "No member matches."),
    ("member.name", "姓名", "Name"),
    ("member.gender", "性别", "Gender"),
    ("member.birth_year", "出生年份", "Born"),
    ("member.ethnicity", "民族", "Ethnicity"),
    ("member.occupation", "工作单位及职务", "Occupation"),
    ("member.group", "代表团/界别", "Delegation or sector"),
    ("member.status", "状态", "Status"),
    ("member.history", "履职记录", "History"),
    ("member.phone", "联系电话", "Phone"),
    ("member.biography", "简介", "Biography"),
    ("member.posts", "职务", "Posts"),
    ("gender.female", "女", "Female"),
    ("gender.male", "男", "Male"),
    ("gender.unspecified", "—", "—"),
    ("status.active", "在任", "Active"),
    ("status.on_leave", "请假", "On leave"),
    ("status.resigned", "已辞职", "Resigned"),
    ("status.recalled", "已罢免", "Recalled"),
    ("status.deceased", "已故", "Deceased"),
    ("post.presidium_member", "主席团成员", "Presidium member"),
    ("post.secretary_general", "秘书长", "Secretary-general"),
    ("post.chair", "主席", "Chair"),
    ("post.vice_chair", "副主席", "Vice-chair"),
    ("post.secretariat_staff", "秘书处工作人员", "Secretariat staff"),
    ("item.pending", "待审议", "Pending"),
    ("item.in_progress", "进行中", "In progress"),
    ("item.done", "已完成", "Done"),
    ("item.deferred", "已推迟", "Deferred"),
    ("agenda.title", "会议议程", "Agenda"),
    ("agenda.adopted", "议程已由预备会议通过。", "The agenda was adopted by the preparatory meeting."),
    (
        "agenda.not_adopted",
        "议程尚待预备会议通过。",
        "The agenda awaits adoption by the preparatory meeting.",
    ),
    ("agenda.move", "变更状态", "Change state"),
    ("agenda.start", "开始", "Start"),
    ("agenda.finish", "完成", "Finish"),
    ("agenda.defer", "推迟", "Defer"),
    ("agenda.resume", "恢复", "Resume"),
    ("agenda.live", "实时更新", "Live"),
    ("meeting.preparatory", "预备会议", "Preparatory meeting"),
    ("meeting.plenary", "全体会议", "Plenary"),
    ("meeting.delegation", "代表团会议", "Delegation meeting"),
    ("meeting.presidium", "主席团会议", "Presidium meeting"),
    ("meeting.scheduled", "未开始", "Scheduled"),
    ("meeting.in_progress", "进行中", "In progress"),
    ("meeting.adjourned", "已结束", "Adjourned"),
    ("accounts.title", "账户管理", "Accounts"),
    ("accounts.username", "用户名", "Username"),
    ("accounts.display_name", "姓名", "Name"),
    ("accounts.role", "角色", "Role"),
    ("accounts.bulk", "为组成人员批量开设账户", "Create accounts for all members"),
    (
        "accounts.bulk_help",
        "为尚无账户的组成人员开设账户，并生成一次性初始密码（CSV 文件，供打印分发）。",
        "Creates an account for every member who has none, with a one-time initial password, and returns them as a CSV file to print and hand out.",
    ),
    ("accounts.bulk_submit", "开设账户并下载初始密码", "Create accounts and download passwords"),
    ("accounts.assembly", "会议机构", "Assembly"),
    ("accounts.none_created", "所有组成人员均已有账户。", "Every member has an account already."),
    ("error.title", "出错了", "Something went wrong"),
    ("error.not_found", "页面不存在。", "There is no such page."),
    ("error.forbidden", "您没有访问此页面的权限。", "You may not open this page."),
    ("error.csrf", "表单已过期，请返回后重新提交。", "The form has expired; go back and submit it again."),
    ("error.back", "返回首页", "Back to the home page"),
    ("common.save", "保存", "Save"),
    ("common.view", "查看", "View"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_by_quality() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr, zh;q=0.5, en;q=0.4"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("fr"), Lang::Zh);
        assert_eq!(Lang::from_accept_language(""), Lang::Zh);
    }

    #[test]
    fn the_table_has_unique_keys_and_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in TABLE {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k} lacks a language");
        }
    }

    /// Every key a template or handler asks for is in the table.
    #[test]
    fn every_key_used_is_translated() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/");
        let mut sources = Vec::new();
        for sub in ["templates", "src"] {
            for entry in std::fs::read_dir(format!("{dir}{sub}")).unwrap() {
                let p = entry.unwrap().path();
                sources.push((p.display().to_string(), std::fs::read_to_string(&p).unwrap()));
            }
        }
        let mut missing = Vec::new();
        for (name, text) in &sources {
            for (i, _) in text.match_indices("t(\"") {
                let rest = &text[i + 3..];
                let Some(end) = rest.find('"') else { continue };
                let key = &rest[..end];
                if key.contains('.') && !TABLE_INDEX.contains_key(key) {
                    missing.push(format!("{name}: {key}"));
                }
            }
        }
        assert!(missing.is_empty(), "untranslated keys: {missing:?}");
    }
}
