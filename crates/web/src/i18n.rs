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
        Lang::accepted(header).unwrap_or(Lang::Zh)
    }

    /// The language of ours that an `Accept-Language` header prefers, if it names one.
    pub fn accepted(header: &str) -> Option<Lang> {
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
        best.map(|(_, l)| l)
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

    /// The string for a key built at run time (a rule's code); `None` if the table lacks it.
    pub fn find(self, key: &str) -> Option<&'static str> {
        TABLE_INDEX.get(key).map(|&(zh, en)| if self == Lang::Zh { zh } else { en })
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

/// Keys are this file's constants, never input: a fast fixed-seed hash suits them.
type Index = HashMap<&'static str, (&'static str, &'static str), foldhash::fast::FixedState>;

static TABLE_INDEX: LazyLock<Index> =
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
    ("role.member", "成员", "Member"),
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
    (
        "error.bad_request",
        "请求无效：网址或所提交的内容格式不正确。",
        "The request is not valid: the address or what was sent is not in the expected form.",
    ),
    ("error.forbidden", "您没有访问此页面的权限。", "You may not open this page."),
    (
        "error.method_not_allowed",
        "此地址不接受这种请求方式。",
        "This address does not take this kind of request.",
    ),
    ("error.csrf", "表单已过期，请返回后重新提交。", "The form has expired; go back and submit it again."),
    ("error.back", "返回首页", "Back to the home page"),
    ("common.save", "保存", "Save"),
    ("common.view", "查看", "View"),
    // Plenary sessions: attendance, polls, opinions, the projector (plenary.rs).
    ("plenary.noun.deputies", "代表", "deputies"),
    ("plenary.noun.cppcc", "委员", "members"),
    ("plenary.noun.members", "成员", "members"),
    (
        "plenary.quorum.two_thirds.met",
        "出席 {p} 人，超过全体{noun} {m} 人的三分之二{src}",
        "{p} present: more than two thirds of all {m} {noun}{src}",
    ),
    (
        "plenary.quorum.two_thirds.not_met",
        "出席 {p} 人，未超过全体{noun} {m} 人的三分之二{src}，不足法定人数（需 {n} 人）",
        "{p} present: not more than two thirds of all {m} {noun}{src}; no quorum ({n} needed)",
    ),
    (
        "plenary.quorum.majority.met",
        "出席 {p} 人，超过全体{noun} {m} 人的半数",
        "{p} present: more than half of all {m} {noun}",
    ),
    (
        "plenary.quorum.majority.not_met",
        "出席 {p} 人，未超过全体{noun} {m} 人的半数，不足法定人数（需 {n} 人）",
        "{p} present: not more than half of all {m} {noun}; no quorum ({n} needed)",
    ),
    ("plenary.quorum.fixed.met", "出席 {p} 人，达到法定人数 {n} 人", "{p} present: the quorum of {n} is met"),
    (
        "plenary.quorum.fixed.not_met",
        "出席 {p} 人，不足法定人数 {n} 人",
        "{p} present: fewer than the quorum of {n}",
    ),
    ("plenary.quorum.none", "出席 {p} 人", "{p} present"),
    ("plenary.cite.cn", "（OL art. 25）", " (OL art. 25)"),
    ("plenary.cite.roberts", "（罗伯特议事规则：过半数表决）", " (Robert's Rules of Order: majority vote)"),
    (
        "plenary.cite.roberts_two_thirds",
        "（罗伯特议事规则：三分之二表决）",
        " (Robert's Rules of Order: two-thirds vote)",
    ),
    ("plenary.rule.base.all_members", "全体{noun}", "all {noun}"),
    ("plenary.rule.base.members_present", "出席{noun}", "the {noun} present"),
    ("plenary.rule.base.votes_cast", "所投票数（弃权计入）", "the votes cast (abstentions included)"),
    ("plenary.rule.base.votes_cast_excluding_abstentions", "赞成票与反对票之和", "the yes and no votes"),
    ("plenary.rule.base_n.all_members", "全体{noun} {n} 人", "all {n} {noun}"),
    (
        "plenary.rule.base_n.votes_cast",
        "所投 {n} 票（弃权计入）",
        "the {n} votes cast (abstentions included)",
    ),
    (
        "plenary.rule.base_n.votes_cast_excluding_abstentions",
        "赞成与反对票合计 {n} 票",
        "the {n} yes and no votes",
    ),
    ("plenary.rule.more_than_half", "{base}过半数", "more than half of {base}"),
    ("plenary.rule.at_least_two_thirds", "{base}的三分之二以上", "at least two thirds of {base}"),
    ("plenary.rule.at_least_three_fifths", "{base}的五分之三以上", "at least three fifths of {base}"),
    ("plenary.rule.more_than", "超过{base}的 {p}/{q}", "more than {p}/{q} of {base}"),
    ("plenary.rule.chair_decides", "；票数相等时由主持人投决定票", "; the chair may break a tie"),
    (
        "plenary.basis",
        "{verdict}：赞成 {yes} 票{tie}；须获{rule}赞成，即至少 {required} 票{cite}",
        "{verdict}: {yes} yes{tie}; needs {rule}, that is {required}{cite}",
    ),
    ("plenary.basis.tie_note", "（赞成与反对票数相等，不构成多数）", " (a tie is not a majority)"),
    (
        "plenary.basis.tie_chair",
        "票数相等（赞成 {yes} 票，反对 {no} 票）：须由主持人投决定票，否则不通过",
        "Tie ({yes} yes, {no} no): the chair must decide with a casting vote, otherwise the resolution is lost",
    ),
    ("plenary.result.adopted", "通过", "Adopted"),
    ("plenary.result.rejected", "未通过", "Not adopted"),
    ("plenary.choice.yes", "赞成", "Yes"),
    ("plenary.choice.no", "反对", "No"),
    ("plenary.choice.abstain", "弃权", "Abstain"),
    ("plenary.mode.named", "记名电子表决", "Named electronic vote"),
    ("plenary.mode.secret", "无记名电子表决", "Secret electronic ballot"),
    ("plenary.mode.show_of_hands", "举手表决", "Show of hands"),
    ("plenary.mode.paper", "纸质票表决", "Paper ballot"),
    ("plenary.disclosure.counts", "表决中显示实时票数", "Running counts shown"),
    ("plenary.disclosure.turnout_only", "表决结束前仅显示已投票人数", "Only turnout shown until the close"),
    ("plenary.poll.open", "表决中", "Open"),
    ("plenary.poll.closed", "已结束", "Closed"),
    ("plenary.poll.counting", "监票人解密计票中", "Counting: awaiting the tellers"),
    ("plenary.done.share", "您的解密份额已记录。", "Your share of the decryption is recorded."),
    ("plenary.open.custody", "密钥保管", "Key held by"),
    (
        "plenary.custody.server",
        "系统（表决结束时解密总数后销毁）",
        "The server (destroyed once the sum is decrypted)",
    ),
    (
        "plenary.custody.tellers",
        "本次会议的监票人（须全体监票人共同解密）",
        "The session's tellers (all of them must decrypt together)",
    ),
    (
        "plenary.open.custody_hint",
        "仅适用于无记名电子表决。由监票人保管时，任何人（包括系统运维人员）都无法单独解密选票；表决结束后，每位监票人在自己的设备上计算解密份额并提交。",
        "Secret ballots only. When the tellers hold the key, nobody (the operator included) can decrypt a ballot alone; after the close each teller computes a share of decrypting the sum on their own device and sends it.",
    ),
    ("tellers.title", "监票人", "Tellers"),
    (
        "tellers.intro",
        "监票人由会议推选，负责监督计票（人民代表大会的监票人由代表推选，《选举法》第四十三条）。在无记名电子表决中，每位监票人在自己的设备上生成一把密钥并登记其公钥；选票加密后只有全体监票人共同参与才能解密票数总和，任何单张选票都无法被解密，系统运维人员也不例外。",
        "Tellers are chosen by the meeting to oversee the count (at a People's Congress, by the deputies: Electoral Law art. 43). In a secret electronic ballot each teller makes a key on their own device and registers its public part; the ballots can then be decrypted only as a sum, and only with every teller taking part: no single ballot can be decrypted, by the operator or anyone else.",
    ),
    ("tellers.none", "本次会议尚未确定监票人。", "No tellers have been named for this session."),
    ("tellers.name", "姓名", "Name"),
    ("tellers.key", "公钥指纹", "Key fingerprint"),
    ("tellers.no_key", "尚未登记", "Not registered yet"),
    ("tellers.my_key", "登记我的监票密钥", "Register my teller key"),
    (
        "tellers.key_hint",
        "在您自己的（最好不联网的）设备上运行以下命令生成密钥，私钥文件请妥善保管，遗失将导致计票无法解密：",
        "Make the key on your own device (offline if you can) with the command below; keep the key file safe: if it is lost, the count cannot be decrypted.",
    ),
    ("tellers.key_label", "公钥（命令输出的一行）", "Public key (the line the command prints)"),
    ("tellers.register", "登记公钥", "Register the key"),
    ("tellers.appoint", "确定监票人", "Name the tellers"),
    ("tellers.members_label", "监票人的代表编号", "The tellers' member numbers"),
    (
        "tellers.members_hint",
        "以空格、逗号或换行分隔，顺序即密钥合成顺序。仍在名单中的监票人已登记的密钥会保留。",
        "Separated by spaces, commas or new lines, in the order their keys are combined. Keys already registered by tellers who stay are kept.",
    ),
    ("tellers.appoint_submit", "保存监票人名单", "Save the tellers"),
    ("tellers.done.appointed", "监票人名单已保存。", "The tellers are saved."),
    ("tellers.done.key", "您的公钥已登记。", "Your key is registered."),
    ("tellers.poll.title", "监票人解密", "Decryption by the tellers"),
    (
        "tellers.poll.help",
        "本次表决的密钥由监票人保管。表决结束后，须每位监票人提交解密份额才能得出结果。",
        "The tellers hold this poll's key. After the close, the result needs every teller's share of the decryption.",
    ),
    (
        "tellers.poll.counting",
        "表决已结束，不再接受投票。等待监票人提交解密份额：",
        "The poll is closed to ballots. Waiting for the tellers' shares of the decryption:",
    ),
    ("tellers.sent", "已提交", "sent"),
    (
        "tellers.your_share_due",
        "您是监票人：请提交解密份额",
        "You are a teller: send your share of the decryption",
    ),
    (
        "tellers.check_hint",
        "监票人请在投票开始时核对：下列公钥指纹应与您自己的一致；或在保存私钥的设备上运行",
        "Tellers, check at the start of the vote that the fingerprint beside your name is your key's, or run on the device that holds your key",
    ),
    (
        "tellers.verify",
        "任何人都可以核验这一结果：下载计票数据（全部加密选票和每位监票人的解密份额），运行",
        "Anyone can check this result: download the count input (every encrypted ballot and every teller's share) and run",
    ),
    (
        "tellers.poll.progress",
        "已停止投票，等待监票人解密。已提交解密份额：",
        "Closed to ballots; the tellers are decrypting. Shares in:",
    ),
    ("tellers.waiting", "待提交", "waiting"),
    (
        "tellers.count_input",
        "下载计票数据（全部加密选票，不含投票人）",
        "Download the count input (every encrypted ballot, without voters)",
    ),
    (
        "tellers.share_hint",
        "在保存私钥的设备上运行以下命令，它会核验每张选票并只对总和计算您的解密份额：",
        "On the device that holds your key, run the command below; it checks every ballot and computes your share for the sum only:",
    ),
    (
        "tellers.share_label",
        "解密份额（命令输出的一行）",
        "Share of the decryption (the line the command prints)",
    ),
    ("tellers.send_share", "提交解密份额", "Send my share"),
    ("plenary.subject.agenda", "大会议程", "The session's agenda"),
    ("plenary.subject.item", "议程第 {n} 项：{title}", "Agenda item {n}: {title}"),
    ("plenary.done.checked_in", "签到成功。", "Checked in."),
    ("plenary.done.bulk", "已批量签到。", "Checked in."),
    ("plenary.done.leave", "请假已登记。", "The leave of absence is recorded."),
    ("plenary.done.opinion", "审议意见已记录。", "The opinion is recorded."),
    ("plenary.done.opened", "表决已开始。", "The poll is open."),
    (
        "plenary.done.totals",
        "表决结果已录入，须由另一人确认。",
        "The totals are entered; a second person must confirm them.",
    ),
    (
        "plenary.done.confirmed",
        "表决结果已确认，可以结束表决。",
        "The totals are confirmed; the poll can be closed.",
    ),
    ("plenary.done.closed", "表决已结束。", "The poll is closed."),
    ("plenary.meetings.title", "会议安排", "Meetings"),
    ("plenary.meetings.none", "尚未安排会议。", "No meetings are scheduled."),
    ("plenary.meeting", "会议", "Meeting"),
    ("plenary.kind", "类型", "Kind"),
    ("plenary.starts_at", "时间", "Time"),
    ("plenary.present", "出席", "Present"),
    ("plenary.excused", "请假", "Excused"),
    ("plenary.absent", "缺席", "Absent"),
    ("plenary.expected", "应到", "Expected"),
    ("plenary.attendance", "出席情况", "Attendance"),
    ("plenary.by_delegation", "按代表团（界别）统计", "By delegation or sector"),
    ("plenary.my_attendance", "我的出席情况", "My attendance"),
    ("plenary.check_in", "签到", "Check in"),
    ("plenary.check_in_self", "签到", "Check me in"),
    ("plenary.hall_code.title", "会场签到码", "Hall check-in code"),
    ("plenary.method.heading", "签到方式：", "Checked in:"),
    ("plenary.method.hall_code", "手机（会场签到码）", "on the phone with the hall code"),
    ("plenary.method.self_service", "手机（无签到码）", "on the phone without a code"),
    ("plenary.method.desk", "签到处", "at the desk"),
    ("plenary.method.bulk", "秘书处批量", "by the secretariat in bulk"),
    ("plenary.hall_code.field", "会场签到码", "Code shown in the hall"),
    (
        "plenary.hall_code.hint",
        "请输入会场大屏上显示的 6 位数字，每分钟更换。",
        "Enter the 6 digits on the hall's screen; they change every minute.",
    ),
    (
        "plenary.hall_code.on",
        "本次会议代表自助签到须输入会场大屏上的签到码，不在会场的手机无法签到。",
        "Members check themselves in at this meeting only with the code on the hall's screen, so a phone outside the hall cannot check in.",
    ),
    (
        "plenary.hall_code.off",
        "本次会议代表可在手机上自助签到，无需会场签到码。",
        "Members may check themselves in on their phones without the hall's code.",
    ),
    ("plenary.hall_code.now", "当前签到码：", "The code now:"),
    ("plenary.hall_code.screen", "在会场大屏显示签到码", "Show the code on the hall's screen"),
    ("plenary.hall_code.turn_on", "要求会场签到码", "Require the hall code"),
    ("plenary.hall_code.turn_off", "不再要求会场签到码", "Stop requiring the hall code"),
    (
        "plenary.hall_code.screen_label",
        "请用手机扫描二维码签到，或在手机上输入签到码：",
        "Scan the QR code with your phone to check in, or enter the code:",
    ),
    ("plenary.hall_code.changes_in", "签到码 {s} 秒后更换", "The code changes in {s} seconds"),
    (
        "plenary.hall_code.present",
        "已签到 {present} 人，应到 {members} 人",
        "{present} of {members} checked in",
    ),
    ("plenary.hall_code.back", "返回会议", "Back to the meeting"),
    ("plenary.hall_code.scan", "用手机扫码签到", "Scan with your phone to check in"),
    (
        "plenary.check_in.not_expected",
        "您不在本次会议的应到人员之列，或会议已经结束。",
        "You are not expected at this meeting, or it is over.",
    ),
    ("plenary.done.hall_code_on", "已要求会场签到码。", "The hall code is now required."),
    ("plenary.done.hall_code_off", "已不再要求会场签到码。", "The hall code is no longer required."),
    (
        "plenary.err.attendance.hall_code",
        "本次会议须输入会场大屏上的签到码才能自助签到。",
        "Members check in at this meeting with the code shown in the hall.",
    ),
    (
        "plenary.err.attendance.hall_code_wrong",
        "签到码不正确或已过期，请输入会场大屏上当前显示的签到码。",
        "The hall code is wrong or has expired: enter the code the hall's screen shows now.",
    ),
    (
        "plenary.err.attendance.hall_code_locked",
        "本次会议签到码输错次数过多，请到签到处签到。",
        "Too many wrong hall codes for this meeting: check in at the desk.",
    ),
    (
        "plenary.err.attendance.hall_code_attempts",
        "本分钟内签到码输错次数过多，请等待会场大屏显示新的签到码，或到签到处签到。",
        "Too many wrong hall codes this minute: wait for the next code on the hall's screen, or check in at the desk.",
    ),
    (
        "plenary.err.attendance.hall_code_unchanged",
        "会场签到码的要求没有变化。",
        "The hall code requirement is already so.",
    ),
    ("plenary.check_in_selected", "所选人员签到", "Check in those selected"),
    ("plenary.check_in_group", "全部签到", "Check them all in"),
    ("plenary.checked_in", "已签到", "Checked in"),
    ("plenary.bulk", "批量签到", "Check in many"),
    ("plenary.everyone_absent", "全部缺席人员", "Everyone absent"),
    ("plenary.desk", "签到台", "Check-in desk"),
    ("plenary.absent_list", "缺席人员（未请假）", "Absent without leave"),
    ("plenary.excused_list", "请假人员", "Excused"),
    ("plenary.select", "选择", "Select"),
    ("plenary.select_someone", "请至少选择一人。", "Select at least one member."),
    ("plenary.member", "人员", "Member"),
    ("plenary.reason", "请假事由", "Reason"),
    (
        "plenary.leave_hint",
        "列出的是缺席人员；要为其他人员登记请假，请先按姓名查询。",
        "The absent are listed; search by name to record leave for someone else.",
    ),
    ("plenary.err.member.self_only", "您只能为自己办理此事。", "Members act only for themselves."),
    ("plenary.record_leave", "登记请假", "Record a leave of absence"),
    ("plenary.go_vote", "去表决", "Vote now"),
    ("plenary.polls.title", "表决", "Polls"),
    ("plenary.polls.none", "尚无表决。", "No polls yet."),
    ("plenary.poll", "表决事项", "Poll"),
    ("plenary.result", "表决结果", "Result"),
    ("plenary.turnout", "已投票", "Voted"),
    ("plenary.not_voted", "未投票", "Not voted"),
    ("plenary.not_voted_names", "未投票人员名单", "Who has not voted"),
    ("plenary.electorate", "全体人数", "All members"),
    ("plenary.present_at_opening", "开始表决时出席", "Present at the opening"),
    ("plenary.opened_at", "开始时间", "Opened at"),
    ("plenary.closes_at", "截止时间", "Closes at"),
    ("plenary.time_left", "剩余时间", "Time left"),
    ("plenary.entered_by", "录入人", "Entered by"),
    ("plenary.confirmed_by", "确认人", "Confirmed by"),
    ("plenary.awaiting_confirmation", "待另一人确认", "Awaiting confirmation by a second person"),
    ("plenary.controls", "表决操作", "Running the poll"),
    (
        "plenary.totals_help",
        "请录入清点的票数；须由录入者以外的另一人确认后，才能结束表决。",
        "Enter the counted totals; a second person confirms them before the poll can close.",
    ),
    ("plenary.enter_totals", "录入结果", "Enter the totals"),
    ("plenary.confirm_totals", "确认表决结果", "Confirm the totals"),
    (
        "plenary.second_person",
        "这些票数由您录入，须由另一人确认。",
        "You entered these totals: another person must confirm them.",
    ),
    ("plenary.close_poll", "结束表决", "Close the poll"),
    ("plenary.report", "表决报告", "Poll report"),
    ("plenary.report_provisional", "表决尚未结束，报告为临时版本", "the poll is open: a provisional report"),
    ("plenary.your_vote", "我的表决", "Your vote"),
    ("plenary.vote_recorded", "您的投票已记录", "Your vote is recorded"),
    ("plenary.you_chose", "您的选择", "You chose"),
    (
        "plenary.secret_note",
        "无记名表决：选票在提交时即已加密，系统只记录您已投票，不记录您的选择。",
        "Secret ballot: your ballot is encrypted as it is cast; only that you voted is recorded, never what you chose.",
    ),
    (
        "plenary.sealed_here_note",
        "本设备将在提交前加密您的选票：服务器只收到密文，看不到您的选择。",
        "This device seals your ballot before sending it: the server receives only the sealed ballot, never your choice.",
    ),
    ("plenary.sealing", "正在本设备上加密选票……", "Sealing your ballot on this device…"),
    ("plenary.fingerprint", "本设备加密的选票指纹", "Fingerprint of the ballot this device sealed"),
    ("plenary.fingerprint_check", "在已投选票中核对", "find it among the ballots cast"),
    (
        "plenary.fingerprints",
        "已投选票的指纹（供投票人核对自己的选票，不含投票人）",
        "Fingerprints of the ballots cast (for voters to find their own; no voter named)",
    ),
    (
        "plenary.secret_turnout_only",
        "无记名表决在结束前只公布已投票人数。",
        "A secret ballot shows only the turnout until it closes.",
    ),
    (
        "plenary.turnout_only_note",
        "表决结束前只公布已投票人数。",
        "Only the turnout is shown until the close.",
    ),
    (
        "plenary.vote_by_hand",
        "本次表决不使用电子表决器，请按主持人的指示举手或填写选票。",
        "This vote is not electronic: follow the chair (show of hands or paper ballot).",
    ),
    ("plenary.not_checked_in", "您尚未签到，签到后才能表决。", "You are not checked in: check in to vote."),
    ("plenary.poll_over", "本次表决已经结束。", "This poll is over."),
    ("plenary.open_poll", "正在表决", "Poll open"),
    ("plenary.now", "正在进行", "Happening now"),
    ("plenary.current_item", "当前议程", "Current agenda item"),
    ("plenary.projector.title", "会场大屏", "Hall screen"),
    ("plenary.projector.no_meeting", "目前没有进行中的会议", "No meeting is in progress"),
    ("plenary.open.heading", "开始表决", "Open a poll"),
    ("plenary.open.agenda_heading", "表决通过大会议程", "Vote on the agenda"),
    (
        "plenary.open.agenda_help",
        "大会议程由预备会议表决通过（OL art. 17）；议程通过后，才能举行全体会议和进行其他表决。",
        "The preparatory meeting adopts the session's agenda by vote (OL art. 17); plenaries and other polls follow once it is adopted.",
    ),
    ("plenary.open.agenda_title", "表决通过大会议程", "Vote on the agenda of the session"),
    ("plenary.open.subject", "表决事项", "Subject"),
    ("plenary.open.title_zh", "标题（中文）", "Title (Chinese)"),
    ("plenary.open.title_en", "标题（英文）", "Title (English)"),
    ("plenary.open.title_hint", "不填则使用议程项目的标题。", "Left empty, the agenda item's title is used."),
    ("plenary.open.rule", "通过规则", "Rule"),
    ("plenary.open.custom", "自定义规则", "Custom rule"),
    ("plenary.open.base", "基数", "Base"),
    ("plenary.open.threshold", "通过门槛", "Threshold"),
    ("plenary.open.numerator", "分子（仅“超过几分之几”）", "Numerator (“more than” only)"),
    ("plenary.open.denominator", "分母（仅“超过几分之几”）", "Denominator (“more than” only)"),
    ("plenary.open.ties", "票数相等时", "On a tie"),
    ("plenary.open.mode", "表决方式", "Voting method"),
    ("plenary.open.disclosure", "表决中公布", "Shown while open"),
    (
        "plenary.open.disclosure_hint",
        "无记名表决始终只公布已投票人数。",
        "A secret ballot always shows the turnout only.",
    ),
    ("plenary.open.duration", "表决时长（分钟，可不填）", "Duration in minutes (optional)"),
    ("plenary.open.submit", "开始表决", "Open the poll"),
    ("plenary.preset.cn", "全体代表过半数通过（OL art. 25）", "more than half of all deputies (OL art. 25)"),
    (
        "plenary.preset.roberts",
        "赞成票超过赞成与反对票之和的一半（罗伯特议事规则）",
        "majority of the votes cast (Robert's Rules)",
    ),
    (
        "plenary.preset.roberts_two_thirds",
        "赞成票达到赞成与反对票之和的三分之二（罗伯特议事规则）",
        "two thirds of the votes cast (Robert's Rules)",
    ),
    ("plenary.preset.custom", "自定义", "Custom"),
    ("plenary.base.all_members", "全体组成人员", "All members holding a mandate"),
    ("plenary.base.members_present", "出席人员", "Members present"),
    ("plenary.base.votes_cast", "所投票数（弃权计入）", "Votes cast (abstentions count)"),
    (
        "plenary.base.votes_cast_excluding_abstentions",
        "赞成票与反对票之和（弃权不计）",
        "Yes and no votes (abstentions do not count)",
    ),
    ("plenary.threshold.more_than_half", "过半数", "More than half"),
    ("plenary.threshold.at_least_two_thirds", "三分之二以上", "At least two thirds"),
    ("plenary.threshold.at_least_three_fifths", "五分之三以上", "At least three fifths"),
    (
        "plenary.threshold.more_than",
        "超过几分之几（填写分子、分母）",
        "More than a fraction (give numerator and denominator)",
    ),
    ("plenary.ties.fails", "不通过", "Fails"),
    ("plenary.ties.chair_decides", "由主持人投决定票", "The chair decides"),
    ("plenary.opinions.title", "审议意见", "Deliberation opinions"),
    ("plenary.opinions.here", "本次会议的审议意见", "Opinions voiced at this meeting"),
    ("plenary.opinions.none", "尚无审议意见。", "No opinions yet."),
    ("plenary.opinions.item", "审议的报告", "Report deliberated"),
    ("plenary.opinions.text", "意见内容", "Opinion"),
    ("plenary.opinions.submit", "记录意见", "Record the opinion"),
    ("plenary.opinions.summary", "本次会议全部审议意见汇总", "All opinions of the session"),
    ("plenary.opinions.count", "共计", "Total"),
    ("plenary.opinions.print", "打印版", "Printable version"),
    (
        "plenary.opinions.print_hint",
        "请使用浏览器的打印功能打印本页。",
        "Print this page with your browser's print command.",
    ),
    ("plenary.opinions.csv", "导出 CSV", "Export as CSV"),
    ("plenary.opinions.pdf", "导出 PDF", "Export as PDF"),
    ("plenary.opinions.back", "返回", "Back"),
    ("plenary.speaker", "发言人", "Speaker"),
    (
        "plenary.err.not_a_member",
        "您的账户不对应本机构的组成人员。",
        "Your login does not stand for a member of this assembly.",
    ),
    (
        "plenary.err.poll.already_voted",
        "您已在本次表决中投票，不能再次投票。",
        "You have already voted in this poll.",
    ),
    (
        "plenary.err.poll.closed",
        "本次表决已经结束，不再接受投票。",
        "This poll is closed; it takes no more votes.",
    ),
    (
        "plenary.err.poll.not_present",
        "只有已签到出席会议的人员才能表决，请先签到。",
        "Only members checked in at the meeting may vote: check in first.",
    ),
    (
        "plenary.err.poll.second_person",
        "表决结果须由录入者以外的另一人确认。",
        "The totals must be confirmed by someone other than the person who entered them.",
    ),
    ("plenary.err.poll.one_at_a_time", "另一项表决尚未结束。", "Another poll is still open."),
    (
        "plenary.err.tellers.empty",
        "请至少确定一名监票人（《选举法》第四十三条）。",
        "Name at least one teller (EL art. 43).",
    ),
    (
        "plenary.err.tellers.too_many",
        "监票人最多十五名：每次计票都须等待每位监票人的解密份额。",
        "At most 15 tellers: every count waits for each one's share.",
    ),
    ("plenary.err.tellers.duplicate", "同一人被重复列为监票人。", "A teller is named twice."),
    (
        "plenary.err.tellers.poll_pending",
        "现任监票人保管密钥的表决尚未计票完毕，暂不能更换监票人。",
        "A poll whose key the present tellers hold is not counted yet; the tellers cannot be changed now.",
    ),
    (
        "plenary.err.teller.not_appointed",
        "您不是本次会议的监票人（《选举法》第四十三条）。",
        "You are not a teller of this session (EL art. 43).",
    ),
    (
        "plenary.err.teller.key_invalid",
        "公钥无效：请粘贴 plenum teller keygen 输出的一整行。",
        "The key does not check out: paste the whole line printed by plenum teller keygen.",
    ),
    (
        "plenary.err.teller.key_duplicate",
        "另一位监票人已登记了这把公钥。",
        "Another teller has registered this key.",
    ),
    (
        "plenary.err.poll.tellers_secret_only",
        "只有无记名电子表决的密钥才能由监票人保管。",
        "Only a secret poll's key can be held by the tellers.",
    ),
    (
        "plenary.err.poll.tellers_mismatch",
        "表决的密钥保管人必须是本次会议的监票人（《选举法》第四十三条）。",
        "The poll's key holders must be the session's tellers (EL art. 43).",
    ),
    (
        "plenary.err.poll.teller_key_missing",
        "尚有监票人未登记公钥，请在本次会议的监票人页面查看。",
        "A teller has not registered a key yet; see the session's tellers page.",
    ),
    (
        "plenary.err.poll.no_tellers",
        "本次会议尚未确定监票人，无法由监票人保管密钥。",
        "The session has no tellers to hold the key; name them first.",
    ),
    (
        "plenary.err.poll.key_invalid",
        "监票人的公钥无法合成表决密钥。",
        "The tellers' keys do not make a poll key.",
    ),
    (
        "plenary.err.poll.key_mismatch",
        "表决公钥不是本次会议监票人的合成公钥。",
        "The public key is not the joint key of the session's tellers.",
    ),
    (
        "plenary.err.poll.tellers_decrypt",
        "本表决的密钥由监票人保管，须由监票人提交解密份额。",
        "This poll's key is held by its tellers; its sum is decrypted from their shares.",
    ),
    (
        "plenary.err.poll.not_counting",
        "这项表决不在等待监票人解密。",
        "This poll is not waiting for its tellers.",
    ),
    (
        "plenary.err.poll.not_teller",
        "您不是这项表决的密钥保管人（《选举法》第四十三条）。",
        "You do not hold a key of this poll (EL art. 43).",
    ),
    ("plenary.err.poll.share_sent", "您已提交过解密份额。", "You have already sent your share."),
    (
        "plenary.err.poll.share_invalid",
        "解密份额无效：请粘贴用您自己的密钥对本表决计票数据运行 plenum teller share 输出的一整行。",
        "The share does not check out: paste the whole line printed by plenum teller share, run with your own key on this poll's count input.",
    ),
    (
        "plenary.err.poll.subject_counting",
        "同一事项的前一项表决仍在由监票人解密计票。",
        "An earlier poll on this subject is still being counted by its tellers.",
    ),
    ("plenary.err.ballot.invalid", "加密选票未通过有效性验证。", "The encrypted ballot does not check out."),
    (
        "plenary.err.election.round_counting",
        "上一轮投票仍在由监票人解密计票。",
        "The last round is still being counted by its tellers.",
    ),
    ("plenary.err.ballot.copy", "这张加密选票已经投过。", "This encrypted ballot has already been cast."),
    ("plenary.poll.void", "计票作废", "Void: not counted"),
    (
        "plenary.done.void",
        "该表决已宣布作废，可就同一事项重新表决。",
        "The poll is declared void; its subject can be put to a new vote.",
    ),
    (
        "plenary.done.sealed_on_device",
        "您的选票已在本设备上加密后提交：服务器只收到密文，从未看到您的选择。",
        "Your ballot was sealed on this device before it was sent: the server received only the sealed ballot and never saw your choice.",
    ),
    ("tellers.void", "宣布计票作废", "Declare the count void"),
    ("tellers.void_reason", "作废原因", "Reason"),
    (
        "tellers.void_hint",
        "仅在监票人无法提交解密份额（如密钥遗失）时使用：该表决将不计票，同一事项可重新表决。",
        "Only when a teller cannot send a share (a key lost, say): the poll is never counted, and its subject can be voted again.",
    ),
    (
        "plenary.err.poll.totals_unconfirmed",
        "请先录入表决结果并由另一人确认，再结束表决。",
        "Enter the totals and have a second person confirm them before closing.",
    ),
    (
        "plenary.err.poll.more_votes_than_present",
        "录入的票数多于出席人数。",
        "More votes were entered than members are present.",
    ),
    ("plenary.err.poll.no_totals", "尚未录入表决结果。", "No totals have been entered."),
    (
        "plenary.err.poll.electronic",
        "电子表决由系统计票，无需录入结果。",
        "An electronic poll counts its own ballots.",
    ),
    ("plenary.err.poll.mode", "本次表决不接受此种投票方式。", "This poll does not take this kind of ballot."),
    (
        "plenary.err.poll.plenary_only",
        "大会在全体会议（及预备会议）上表决，代表团会议不进行表决。",
        "The congress decides at its plenary (and preparatory) meetings, not in delegation meetings.",
    ),
    ("plenary.err.poll.unknown", "没有这项表决。", "There is no such poll."),
    (
        "plenary.err.agenda.by_vote",
        "预备会议通过议程须经表决：请就议程发起表决。",
        "The preparatory meeting adopts the agenda by vote: open a poll on the agenda.",
    ),
    ("plenary.err.agenda.empty", "议程中没有议程项目。", "The agenda has no items."),
    (
        "plenary.err.agenda.one_at_a_time",
        "另一项议程项目仍在进行中。",
        "Another agenda item is still in progress.",
    ),
    (
        "plenary.err.agenda.transition",
        "该议程项目不能转到所选状态。",
        "The agenda item cannot move to the state chosen.",
    ),
    ("plenary.err.assembly.exists", "该机构已经存在。", "The assembly already exists."),
    (
        "plenary.err.assembly.population_required",
        "人民代表大会须填写人口数：代表名额据此确定。",
        "A People's Congress needs its population: the deputy quota depends on it.",
    ),
    ("plenary.err.assembly.unknown", "该机构尚未设立。", "The assembly has not been founded."),
    (
        "plenary.err.deputies.quota",
        "登记后代表人数将超过依人口数确定的代表名额。",
        "Registering them would exceed the deputy quota set by the population.",
    ),
    ("plenary.err.group.exists", "该代表团（界别）已经存在。", "The delegation or sector already exists."),
    (
        "plenary.err.group.kind",
        "人民代表大会按代表团编组代表，政协按界别编组委员。",
        "A People's Congress seats deputies in delegations, a CPPCC committee seats members in sectors.",
    ),
    ("plenary.err.group.unknown", "没有这个代表团（界别）。", "There is no such delegation or sector."),
    ("plenary.err.meeting.exists", "该会议已经存在。", "The meeting already exists."),
    (
        "plenary.err.meeting.group_required",
        "代表团会议须指定所属代表团。",
        "A delegation meeting needs its delegation.",
    ),
    (
        "plenary.err.meeting.group_unexpected",
        "只有代表团会议属于代表团。",
        "Only delegation meetings belong to a delegation.",
    ),
    (
        "plenary.err.meeting.state",
        "会议当前所处的状态不允许此项操作。",
        "The meeting is not in a state that allows this.",
    ),
    ("plenary.err.member.exists", "该编号已被使用。", "The id is already taken."),
    (
        "plenary.err.member.history_order",
        "变动的生效时间早于最近一次记录的变动。",
        "The change takes effect before the last recorded change.",
    ),
    ("plenary.err.member.same_status", "该人员已处于此状态。", "The member already has this status."),
    ("plenary.err.members.empty", "没有要登记的人员。", "There are no members to register."),
    (
        "plenary.err.plenary.after_preparatory",
        "全体会议由主席团主持：须先由预备会议选举主席团并通过议程。",
        "A plenary is presided over by the presidium: the preparatory meeting must first elect it and adopt the agenda.",
    ),
    (
        "plenary.err.poll.closes_before_opening",
        "结束时间须晚于开始时间。",
        "The closing time must be after the opening.",
    ),
    ("plenary.err.poll.count", "计票结果与投票数不符。", "The count does not match the ballots cast."),
    ("plenary.err.poll.decryption_invalid", "解密结果未通过验证。", "The decryption does not check out."),
    (
        "plenary.err.poll.decryption_required",
        "无记名表决结束时须对票数总和解密。",
        "A secret poll closes with the decryption of its sum.",
    ),
    ("plenary.err.poll.key_required", "无记名表决须有加密公钥。", "A secret poll needs its public key."),
    ("plenary.err.poll.key_unexpected", "只有无记名表决的选票才加密。", "Only secret polls are encrypted."),
    (
        "plenary.err.post.chair_taken",
        "该机构已有主持人，请先免去现任。",
        "The body has a chair: vacate the post first.",
    ),
    (
        "plenary.err.post.elected_by_preparatory_meeting",
        "主席团和秘书长由预备会议选举产生。",
        "The presidium and the secretary-general are elected by the preparatory meeting.",
    ),
    ("plenary.err.post.held", "该人员已担任此职务。", "The member already holds this post."),
    ("plenary.err.post.not_held", "该人员未担任此职务。", "The member does not hold this post."),
    (
        "plenary.err.preparatory_meeting.once",
        "每次会议只举行一次预备会议。",
        "Each session holds one preparatory meeting.",
    ),
    (
        "plenary.err.presidium.duplicate",
        "主席团名单中有重复的人员。",
        "A member is listed twice in the presidium.",
    ),
    (
        "plenary.err.presidium.elected",
        "本次会议的主席团已经选出。",
        "The presidium of the session has already been elected.",
    ),
    ("plenary.err.presidium.empty", "主席团须有成员。", "The presidium needs members."),
    ("plenary.err.profile.no_change", "没有需要修改的内容。", "Nothing to change."),
    (
        "plenary.err.profile.phone",
        "电话号码只能包含数字、“+”、“-”和空格，最多 20 个字符。",
        "A phone number holds digits, '+', '-' and spaces, at most 20.",
    ),
    (
        "plenary.err.secretary_general.elected",
        "本次会议的秘书长已经选出。",
        "The secretary-general of the session has already been elected.",
    ),
    (
        "plenary.err.session.agenda_open",
        "尚有议程项目未完成或未延期，不能闭会。",
        "An agenda item is neither done nor deferred.",
    ),
    ("plenary.err.session.closed", "该次会议已经闭会。", "The session is closed."),
    ("plenary.err.session.exists", "该次会议已经存在。", "The session already exists."),
    ("plenary.err.session.unknown", "没有这次会议。", "There is no such session."),
    ("plenary.err.term.exists", "该届已经开始。", "The term has already begun."),
    ("plenary.err.term.number", "届次从 1 开始。", "Term numbers start at 1."),
    ("plenary.err.term.order", "届次须按先后顺序开始。", "Terms begin in order."),
    ("plenary.err.term.unknown", "该届尚未开始。", "The term has not begun."),
    ("plenary.err.quorum", "出席人数未达到法定人数，不能进行表决。", "No quorum: no vote can be taken."),
    ("plenary.err.attendance.already", "该人员已经签到。", "Already checked in."),
    ("plenary.err.attendance.nothing", "所列人员均已签到。", "Everyone listed is already checked in."),
    (
        "plenary.err.attendance.voted",
        "该人员已在进行中的表决中投票，不能登记请假。",
        "The member has voted in the open poll; leave cannot be recorded now.",
    ),
    (
        "plenary.err.attendance.other_delegation",
        "该代表不属于本代表团。",
        "The member belongs to another delegation.",
    ),
    (
        "plenary.err.opinion.delegation_meeting",
        "审议意见在代表团会议上记录。",
        "Opinions are recorded in delegation meetings.",
    ),
    (
        "plenary.err.opinion.reports_only",
        "只对审议中的报告记录审议意见。",
        "Opinions are recorded on reports under deliberation.",
    ),
    ("plenary.err.meeting.not_in_progress", "会议不在进行中。", "The meeting is not in progress."),
    ("plenary.err.meeting.adjourned", "会议已经结束。", "The meeting is over."),
    ("plenary.err.meeting.unknown", "没有这个会议。", "There is no such meeting."),
    ("plenary.err.member.unknown", "没有这名人员。", "There is no such member."),
    ("plenary.err.member.mandate_ended", "该人员的资格已经终止。", "The member's mandate has ended."),
    ("plenary.err.agenda.adopted", "议程已经通过。", "The agenda is already adopted."),
    (
        "plenary.err.agenda.not_adopted",
        "议程须先经预备会议表决通过。",
        "The agenda must first be adopted by the preparatory meeting.",
    ),
    ("plenary.err.agenda.unknown_item", "没有这个议程项目。", "There is no such agenda item."),
    (
        "plenary.err.preparatory_meeting.only",
        "此事项由预备会议决定。",
        "The preparatory meeting decides this.",
    ),
    ("plenary.err.text.required", "请填写必填内容。", "Fill in what is required."),
    ("plenary.err.text.too_long", "内容过长。", "The text is too long."), // Elections (elections.rs, elections_api.rs, election_*.html).
    ("election.list.title", "选举", "Elections"),
    ("election.list.none", "尚无选举。", "No elections yet."),
    ("election.home.title", "选举结果", "Elections"),
    ("election.title", "选举事项", "Election"),
    ("election.about", "选举事项与规则", "The election and its rules"),
    ("election.agenda_item", "议程项目", "Agenda item"),
    ("election.office", "职务类别", "Office"),
    (
        "election.office.leader",
        "正职（常委会主任、秘书长、市长、监察委员会主任、法院院长、检察院检察长）",
        "Head of an organ (chair of the standing committee, secretary-general, mayor, supervisory director, court president, chief procurator)",
    ),
    (
        "election.office.deputy",
        "副职（常委会副主任、副市长等）",
        "Deputy heads (vice-chairs of the standing committee, vice-mayors, …)",
    ),
    ("election.office.member", "常务委员会委员", "Members of the standing committee"),
    (
        "election.office.higher_level_deputies",
        "上一级人民代表大会代表",
        "Deputies to the people's congress of the level above",
    ),
    (
        "election.office.custom",
        "其他职务（候选人比应选名额多 {min} 至 {max} 人）",
        "Another office ({min} to {max} more candidates than seats)",
    ),
    ("election.office.other", "其他职务", "Another office"),
    ("election.seats", "应选名额", "Seats"),
    ("election.seats_remaining", "尚待选出", "still to fill"),
    ("election.method", "当选规则", "Rule"),
    (
        "election.method.cn",
        "获得全体代表过半数的选票，始得当选（OL art. 25、OL art. 29）",
        "A candidate needs the votes of more than half of all deputies (OL art. 25, OL art. 29)",
    ),
    (
        "election.method.roberts",
        "获得所投选票的过半数当选，不足时再次投票（罗伯特议事规则）",
        "A majority of the ballots cast; ballot again while seats remain (Robert's Rules of Order)",
    ),
    (
        "election.method.block",
        "得票多者当选；每张选票选 {min} 至 {max} 人",
        "Most votes win; a ballot marks {min} to {max} names",
    ),
    ("election.method.block_vote", "得票多者当选（限选）", "Most votes win (block vote)"),
    ("election.method.approval", "得票多者当选（认可投票）", "Most approvals win"),
    (
        "election.method.stv",
        "单记可转移投票制（仅限纸质选票）",
        "Single transferable vote (paper ballots only)",
    ),
    ("election.margin", "差额", "Margin"),
    (
        "election.margin.exact",
        "候选人应比应选名额多 {min} 人，即 {lo} 名候选人{src}",
        "{min} more candidate(s) than seats, so {lo} candidate(s){src}",
    ),
    (
        "election.margin.range",
        "候选人应比应选名额多 {min} 至 {max} 人，即 {lo} 至 {hi} 名候选人{src}",
        "{min} to {max} more candidates than seats, so {lo} to {hi} candidates{src}",
    ),
    (
        "election.margin.method",
        "；本次会议选举办法规定，在法定的多 {smin} 至 {smax} 人之内",
        "; fixed by the session's election method, inside the statute's {smin} to {smax} more",
    ),
    (
        "election.margin.single_nominee",
        "；只提名一人时可以等额选举",
        "; when only one person is nominated, an equal-number election",
    ),
    (
        "election.margin.by_election",
        "；补选时候选人可以与应选名额相等（OL art. 30）",
        "; a by-election may have as many candidates as seats (OL art. 30)",
    ),
    ("election.nomination_group", "联名提名", "Joint nominations"),
    (
        "election.nomination_group_text",
        "代表 {n} 人以上可以书面联名提名候选人（OL art. 26）",
        "{n} or more deputies may nominate jointly in writing (OL art. 26)",
    ),
    ("election.members_only", "从代表中选举", "From among the deputies"),
    (
        "election.members_only_text",
        "候选人须为本级人民代表大会代表（OL art. 47）",
        "Candidates must be deputies of this congress (OL art. 47)",
    ),
    ("election.by_election", "补选", "By-election"),
    (
        "election.by_election_text",
        "补选（候选人可以与应选名额相等，OL art. 30）",
        "By-election (as many candidates as seats allowed, OL art. 30)",
    ),
    ("election.stage.nominating", "提名中", "Taking nominations"),
    ("election.stage.candidates_fixed", "候选人名单已确定", "Candidates fixed"),
    ("election.stage.voting", "投票中", "Voting"),
    ("election.stage.counting", "监票人解密计票中", "Counting: awaiting the tellers"),
    ("election.stage.next_round_due", "待进行下一轮投票", "Next round due"),
    ("election.stage.completed", "选举完成", "Completed"),
    ("election.kind.first", "第一次投票", "First ballot"),
    (
        "election.kind.tie_runoff",
        "就票数相等的候选人再次投票（OL art. 29 ¶1）",
        "Fresh vote among the tied (OL art. 29 ¶1)",
    ),
    ("election.kind.another_round", "另行选举（OL art. 29 ¶2）", "Another round (OL art. 29 ¶2)"),
    ("election.kind.revote", "重新投票（EL art. 44 ¶1）", "Vote again (EL art. 44 ¶1)"),
    ("election.mode.paper", "纸质选票（计票人双人录入）", "Paper ballots (each entered by two tellers)"),
    ("election.mode.electronic", "电子无记名投票（加密）", "Electronic secret ballot (encrypted)"),
    ("election.threshold", "当选票数", "Votes needed"),
    (
        "election.threshold.cn",
        "须获得全体{noun} {m} 人的过半数选票，即至少 {n} 票（OL art. 25、OL art. 29 ¶1）",
        "more than half of all {m} {noun} = {n} (OL art. 25, OL art. 29 ¶1)",
    ),
    (
        "election.threshold.majority",
        "须获得所投选票的过半数，即至少 {n} 票（罗伯特议事规则）",
        "a majority of the ballots cast = {n} (Robert's Rules of Order)",
    ),
    ("election.threshold.plurality", "得票多者当选", "most votes win"),
    ("election.by.presidium", "主席团提名", "Nominated by the presidium"),
    ("election.by.deputies", "代表 {n} 人联合提名", "Nominated jointly by {n} deputies"),
    ("election.by.joint", "代表联合提名", "Deputies jointly"),
    ("election.candidates", "候选人", "Candidates"),
    ("election.candidate", "候选人", "Candidate"),
    ("election.no_candidates", "尚无被提名人。", "Nobody is nominated yet."),
    ("election.not_fixed", "正式候选人名单尚未确定。", "The official list of candidates is not fixed yet."),
    ("election.equal", "等额选举", "Equal-number election"),
    ("election.competitive", "差额选举", "Competitive election"),
    ("election.official", "正式候选人", "Official candidate"),
    ("election.biography", "简历", "Biography"),
    ("election.withdrawn", "已撤回", "Withdrawn"),
    ("election.preliminary", "预选", "Preliminary vote"),
    ("election.preliminary.record", "录入预选结果", "Record the preliminary vote"),
    (
        "election.preliminary.hint",
        "被提名人数多于差额规定，须进行预选；得票多的 {n} 人为正式候选人（OL art. 27）。票数相等不能确定时，再在“再次投票”一栏录入票数相等者的得票。",
        "More nominees than the margin allows: a preliminary vote; the {n} with most votes are the candidates (OL art. 27). If a tie at the cut leaves it open, enter the run-off votes of those tied.",
    ),
    ("election.votes", "得票", "Votes"),
    ("election.runoff", "再次投票", "Run-off"),
    ("election.result", "结果", "Result"),
    ("election.rounds", "投票与计票", "Rounds"),
    ("election.rounds.none", "尚未投票。", "No round yet."),
    ("election.round_n", "第 {n} 轮", "Round {n}"),
    ("election.colon", "：", ": "),
    ("election.round.open", "投票中", "Open"),
    ("election.round.counted", "已计票", "Counted"),
    ("election.round.counting", "监票人解密计票中", "Counting: awaiting the tellers"),
    ("election.round.void", "计票作废", "Void: not counted"),
    (
        "election.custody_hint",
        "仅适用于电子投票。由监票人保管时，任何人（包括系统运维人员）都无法单独解密选票；计票时本轮停止接受选票，每位监票人在自己的设备上对每名候选人的得票之和计算解密份额并提交，全部提交后得出结果。",
        "Electronic rounds only. When the tellers hold the key, nobody (the operator included) can decrypt a ballot alone; the count closes the round to ballots, and each teller computes a share of decrypting each candidate's sums on their own device and sends it; the last share gives the result.",
    ),
    (
        "election.count_tellers_hint",
        "本轮的密钥由监票人保管：计票时停止接受选票，待每位监票人提交解密份额后得出结果。",
        "The tellers hold this round's key: the count closes the round to ballots, and the result comes when every teller has sent a share.",
    ),
    (
        "election.tellers.help",
        "本轮投票的密钥由监票人保管。计票时，须每位监票人提交解密份额才能得出结果。",
        "The tellers hold this round's key. At the count, the result needs every teller's share of the decryption.",
    ),
    (
        "election.tellers.counting",
        "本轮投票已停止，不再接受选票。等待监票人提交解密份额：",
        "The round is closed to ballots. Waiting for the tellers' shares of the decryption:",
    ),
    (
        "election.tellers.void_hint",
        "仅在监票人无法提交解密份额（如密钥遗失）时使用：本轮投票将不计票，须以同样的候选人和应选名额重新投票。",
        "Only when a teller cannot send a share (a key lost, say): the round is never counted, and is held again with the same candidates and seats.",
    ),
    (
        "election.void_again",
        "上一轮投票的计票已宣布作废：须以同样的候选人和应选名额重新投票。",
        "The last round's count was declared void: it is held again, with the same candidates and seats.",
    ),
    ("election.round.mode", "投票方式", "Mode"),
    ("election.round.seats", "应选名额", "Seats"),
    ("election.round.candidates", "候选人", "Candidates"),
    ("election.issued", "发出选票", "Ballots issued"),
    ("election.could_vote", "出席可投票", "Present, could vote"),
    ("election.returned", "收回选票", "Ballots returned"),
    ("election.valid", "有效票", "Valid"),
    ("election.invalid", "无效票", "Invalid"),
    ("election.round_void", "本轮选举无效", "The round is void"),
    ("election.counts", "各候选人得票", "Votes per candidate"),
    ("election.write_in", "另选他人", "Written in"),
    ("election.elected_mark", "当选", "Elected"),
    ("election.elected", "当选", "Elected"),
    ("election.elected_in_order", "当选人（按得票多少）", "Elected, by votes"),
    ("election.none", "无", "none"),
    ("election.sep", "、", ", "),
    ("election.void_ballots", "无效选票", "Invalid ballots"),
    ("election.ballot_no", "选票编号", "Ballot number"),
    ("election.next_round", "下一轮", "Next round"),
    (
        "election.next_line",
        "下一轮：{kind}，应选 {seats} 名，候选人：{names}",
        "Next round: {kind}, {seats} seat(s), candidates: {names}",
    ),
    ("election.basis", "计票依据（日志记录）", "Basis of the count (as recorded)"),
    (
        "election.sums_only",
        "电子无记名投票：计票时只对每名候选人的得票之和解密，并附有可供任何人核验的解密证明（已记入日志），计票后密钥即销毁；任何一张选票、任何人的选择都没有被解密。",
        "Electronic secret ballot: only each candidate's sums were decrypted, with a proof anyone can check (recorded in the journal), and the key was destroyed after the count; no ballot and nobody's choice was ever decrypted.",
    ),
    (
        "election.sums_only_tellers",
        "电子无记名投票：选票按监票人的合成公钥加密，系统从未持有密钥；计票时每位监票人在自己的设备上只对每名候选人的得票之和计算解密份额，并附可供任何人核验的证明（已记入日志）。任何一张选票、任何人的选择都没有被解密。",
        "Electronic secret ballot: the ballots were encrypted to the tellers' joint key, which the server never held; at the count each teller computed, on their own device, a share of decrypting only each candidate's sums, with a proof anyone can check (recorded in the journal). No ballot and nobody's choice was ever decrypted.",
    ),
    ("election.report", "计票报告", "Tally report"),
    ("election.manage", "选举操作", "Running the election"),
    ("election.nominate", "提名候选人", "Nominate candidates"),
    ("election.nominator", "提名人", "Nominated by"),
    (
        "election.signers",
        "联名代表（编号或姓名，每行一人或以逗号分隔）",
        "Signing deputies (member ids or names, one a line or separated by commas)",
    ),
    (
        "election.signers_hint",
        "代表联合提名时填写；须有 {n} 名以上代表联名。",
        "For a joint nomination: {n} or more deputies must sign.",
    ),
    ("election.member_id", "代表编号", "Member id"),
    (
        "election.member_hint",
        "填写代表编号即可：姓名和简历取自代表资料，也可另行填写。空白的候选人栏不予提交。",
        "A member id is enough: the name and biography come from the member's record, or fill them in. Empty slots are ignored.",
    ),
    ("election.withdraw", "撤回候选人", "Withdraw a candidate"),
    ("election.withdraw_reason", "撤回理由", "Reason"),
    ("election.fix", "确定正式候选人名单", "Fix the official list"),
    (
        "election.fix_hint",
        "被提名人数符合差额规定时，确定正式候选人名单；此后不能再提名或撤回。",
        "When the nominees fit the margin, fix the official list; no nomination or withdrawal afterwards.",
    ),
    ("election.open_round", "开始投票", "Open a round"),
    (
        "election.no_meeting",
        "没有正在进行的全体会议：须在全体会议上选举。",
        "No plenary is in progress: the congress elects at its plenary.",
    ),
    ("election.issued_paper", "发出的选票张数（纸质选票）", "Ballots handed out (paper)"),
    ("election.count", "计票", "Count the round"),
    ("election.returned_paper", "收回的选票张数", "Ballots returned"),
    (
        "election.count_electronic_hint",
        "计票时只解密每名候选人的得票之和，并生成解密证明；计票后即销毁密钥，本轮不再接受选票。",
        "The count decrypts only each candidate's sums, with a proof; the key is then destroyed and the round takes no more ballots.",
    ),
    ("election.create", "新建选举", "Create an election"),
    ("election.create.no_item", "议程中没有待进行的选举事项。", "The agenda has no election item to hold."),
    ("election.create.more", "差额与其他选项", "Margin and other options"),
    (
        "election.create.margin_hint",
        "选举办法规定的差额（不填则为法定范围）。",
        "The margin the election method fixes (left empty: the statute's whole range).",
    ),
    ("election.create.min_extra", "候选人至少多于名额", "At least this many more candidates"),
    ("election.create.max_extra", "候选人至多多于名额", "At most this many more candidates"),
    ("election.create.custom_hint", "“其他职务”的差额：", "For “another office”, its margin:"),
    ("election.create.custom_min", "其他职务：至少多于名额", "Another office: at least this many more"),
    ("election.create.custom_max", "其他职务：至多多于名额", "Another office: at most this many more"),
    ("election.create.min_votes", "限选：每票至少选", "Block vote: fewest names per ballot"),
    ("election.create.max_votes", "限选：每票至多选", "Block vote: most names per ballot"),
    ("election.done.created", "选举已建立。", "The election is created."),
    ("election.done.nominated", "提名已记录。", "The nomination is recorded."),
    ("election.done.withdrawn", "候选人已撤回。", "The candidacy is withdrawn."),
    ("election.done.fixed", "正式候选人名单已确定。", "The official list is fixed."),
    (
        "election.done.preliminary",
        "预选结果已记录，正式候选人名单已确定。",
        "The preliminary vote is recorded and the official list fixed.",
    ),
    ("election.done.opened", "投票已开始。", "The round is open."),
    ("election.done.counted", "计票完成。", "The round is counted."),
    ("election.done.cast", "您的选票已加密投出。", "Your ballot is encrypted and cast."),
    (
        "election.done.sealed_on_device",
        "您的选票已在本设备上加密后投出：服务器只收到密文，从未看到您的选择。",
        "Your ballot was sealed on this device and cast: the server received only the sealed ballot and never saw your marks.",
    ),
    (
        "election.err.marks_and_sealed",
        "请只提交划票或在本设备上加密的选票之一。",
        "Send either marks or a ballot sealed on this device, not both.",
    ),
    (
        "election.done.counting",
        "本轮投票已停止，等待监票人提交解密份额。",
        "The round is closed to ballots; waiting for the tellers' shares.",
    ),
    (
        "election.done.void",
        "本轮计票已宣布作废，可以重新投票。",
        "The round's count is declared void; the round can be held again.",
    ),
    ("election.paper.title", "纸质选票录入", "Paper ballot entry"),
    ("election.paper.go", "录入纸质选票（计票人）", "Enter paper ballots (tellers)"),
    ("election.paper.progress", "录入进度", "Entry progress"),
    ("election.paper.settled", "两次录入一致", "Settled"),
    ("election.paper.settled_of", "张已确认，发出", "settled of the ballots issued:"),
    ("election.paper.entered", "已录入编号", "Numbers entered"),
    (
        "election.paper.mismatched",
        "两次录入不一致、须由第三名计票人重新录入的选票编号",
        "Ballots whose entries disagree, for a third teller to enter again",
    ),
    ("election.paper.mismatched_count", "录入不一致", "Mismatched"),
    ("election.paper.awaiting", "待另一名计票人录入的选票编号", "Ballots awaiting a second teller"),
    ("election.paper.mine", "您已录入的选票编号", "Ballots you entered"),
    ("election.paper.check", "核对", "Check"),
    ("election.paper.missing", "尚未确认的选票编号", "Ballot numbers not yet settled"),
    ("election.paper.none_missing", "全部已确认，可以计票。", "All settled: the round can be counted."),
    ("election.paper.enter", "录入一张选票", "Enter one ballot"),
    (
        "election.paper.help",
        "按选票编号逐张录入：对每名候选人选择赞成、反对或弃权；未划记号的选“未划”。另选他人的姓名填在下方。每张选票须由两名计票人分别录入；同一计票人不能重复录入同一张选票。应选 {seats} 名，赞成与另选他人合计多于 {seats} 人的选票无效（EL art. 44 ¶2），照实录入即可。",
        "Enter each ballot by its number: yes, no or abstain for each candidate; leave unmarked ones blank. Persons written in go below. Two tellers enter every ballot; a teller enters a ballot once. {seats} seat(s): a ballot choosing more people is void (EL art. 44 ¶2); enter it as it is.",
    ),
    ("election.blank", "未划", "Blank"),
    ("election.paper.write_in_hint", "另选他人的姓名，每行一人。", "Names written in, one a line."),
    ("election.paper.submit", "录入这张选票", "Enter this ballot"),
    ("election.paper.no_round", "目前没有进行中的纸质选票投票。", "No paper round is open."),
    (
        "election.paper.done_first",
        "第 {n} 张选票已录入，待另一名计票人录入。",
        "Ballot {n} is entered; a second teller enters it.",
    ),
    (
        "election.paper.done_settled",
        "第 {n} 张选票已录入，与另一名计票人的录入一致，已确认。",
        "Ballot {n} is entered and agrees with another teller's entry: settled.",
    ),
    (
        "election.paper.done_mismatch",
        "第 {n} 张选票已录入，但与另一名计票人的录入不一致：须由第三名计票人重新录入。",
        "Ballot {n} is entered but disagrees with another teller's entry: a third teller enters it again.",
    ),
    ("election.ballot.title", "电子选票", "Ballot"),
    ("election.ballot.go", "去投票", "Vote now"),
    (
        "election.ballot.rule",
        "应选 {seats} 名：赞成的候选人不得多于 {seats} 名，否则选票无效（EL art. 44 ¶2）。请对每名候选人选择赞成、反对或弃权。",
        "{seats} seat(s): mark yes for at most {seats} candidate(s), or the ballot is void (EL art. 44 ¶2). Mark each candidate yes, no or abstain.",
    ),
    (
        "election.ballot.secret_note",
        "无记名投票：选票在提交时即已加密，系统只记录您已投票，不记录您的选择；计票时只解密每名候选人的得票之和。",
        "Secret ballot: your ballot is encrypted as it is cast; only that you voted is recorded, never what you chose. The count decrypts only each candidate's sums.",
    ),
    ("election.ballot.submit", "投出选票", "Cast the ballot"),
    (
        "election.ballot.recorded",
        "您已在本轮投票，选票已加密记录。",
        "You have voted in this round; your ballot is encrypted and recorded.",
    ),
    ("election.ballot.no_round", "目前没有进行中的电子投票。", "No electronic round is open."),
    ("election.ballot.back", "返回选举页面", "Back to the election"),
    ("election.err.unknown", "没有这项选举。", "There is no such election."),
    ("election.err.session", "请选择会议和议程项目。", "Choose the session and agenda item."),
    ("election.err.item", "请选择选举所属的议程项目。", "Choose the agenda item of the election."),
    ("election.err.office", "请选择职务类别。", "Choose the office."),
    ("election.err.method", "没有这种当选规则。", "No such counting method."),
    ("election.err.seats_required", "请填写应选名额。", "Give the number of seats."),
    ("election.err.number", "请填写整数。", "Give a whole number."),
    (
        "election.err.unknown_person",
        "没有找到“{who}”：请填写代表编号或在任代表的姓名。",
        "No one found for “{who}”: give a member id or a seated member's name.",
    ),
    (
        "election.err.ambiguous_person",
        "有多名代表叫“{who}”：请填写代表编号。",
        "Several members are called “{who}”: give the member id.",
    ),
    ("election.err.choose_candidate", "请选择候选人。", "Choose the candidate."),
    (
        "election.err.preliminary_missing",
        "请填写“{who}”的预选得票。",
        "Give the preliminary votes of “{who}”.",
    ),
    ("election.err.meeting", "请选择会议。", "Choose the meeting."),
    ("election.err.mode", "请选择投票方式。", "Choose paper or electronic."),
    ("election.err.ballot_no", "请填写选票编号。", "Give the ballot number."),
    (
        "election.err.marks",
        "请对每一名候选人选择赞成、反对或弃权。",
        "Mark each candidate yes, no or abstain.",
    ),
    (
        "election.err.round_counted",
        "这一轮投票已经结束，不再接受选票。",
        "This round is over; it takes no more ballots.",
    ),
    (
        "election.err.round_mode",
        "这一轮的投票方式不同：纸质选票由计票人录入，电子选票由代表本人投出。",
        "This round is voted the other way: paper ballots are entered by tellers, electronic ones cast by the members.",
    ),
    (
        "election.err.not_counted",
        "本选举尚未计票，计票报告在计票后公布。",
        "Nothing is counted yet: the tally report is published after the count.",
    ),
    (
        "election.err.election.same_teller",
        "您已录入过第 {n} 张选票：同一张选票须由另一名计票人录入。",
        "You have already entered ballot {n}: another teller enters it.",
    ),
    (
        "election.err.election.ballot_settled",
        "第 {n} 张选票已由两名计票人录入一致并确认，无需再录入。",
        "Ballot {n} is settled: two tellers' entries agree.",
    ),
    (
        "election.err.election.ballot_number",
        "选票编号须在 1 至发出的选票张数之间。",
        "Ballot numbers run from 1 to the number of ballots issued.",
    ),
    (
        "election.err.election.ballot_entry",
        "选票录入有误：同一人只能划一个记号，另选他人不能是本轮的候选人。",
        "The entry is not valid: one mark per person, and a person written in may not be a candidate of the round.",
    ),
    (
        "election.err.election.too_many_chosen",
        "您赞成了 {yes} 名候选人，多于应选名额 {seats} 名：这样的选票无效，系统不予接受。请改选后重新投票",
        "You marked {yes} candidates yes, more than the {seats} seat(s): such a ballot is void and is not accepted. Change your marks and cast it again",
    ),
    (
        "election.err.election.already_voted",
        "您已在本轮投票，不能再次投票。",
        "You have already voted in this round.",
    ),
    (
        "election.err.election.round_counted",
        "这一轮投票已经结束，不再接受选票。",
        "This round is over; it takes no more ballots.",
    ),
    ("election.err.election.no_open_round", "目前没有进行中的投票。", "No round is open."),
    (
        "election.err.election.not_present",
        "只有已签到出席会议的代表才能投票，请先签到。",
        "Only members checked in at the meeting may vote: check in first.",
    ),
    (
        "election.err.election.marks",
        "请对每一名候选人选择赞成、反对或弃权。",
        "Mark each candidate yes, no or abstain.",
    ),
    (
        "election.err.election.round_mode",
        "这一轮的投票方式不同：纸质选票由计票人录入，电子选票由代表本人投出。",
        "This round is voted the other way.",
    ),
    ("election.err.election.round_unknown", "没有这一轮投票。", "There is no such round."),
    ("election.err.election.unknown", "没有这项选举。", "There is no such election."),
    (
        "election.err.election.candidates_fixed",
        "正式候选人名单已经确定，不能再提名或撤回。",
        "The official list is fixed: no more nominations or withdrawals.",
    ),
    ("election.err.election.candidate_unknown", "没有这名候选人。", "There is no such candidate."),
    (
        "election.err.election.candidate_withdrawn",
        "该候选人已经撤回。",
        "The candidacy is already withdrawn.",
    ),
    (
        "election.err.election.candidate_twice",
        "该人已是本选举的候选人。",
        "This person is already a candidate.",
    ),
    ("election.err.election.signer_twice", "同一名代表重复联名。", "A deputy signs twice."),
    ("election.err.election.no_candidates", "请至少提名一名候选人。", "Nominate at least one candidate."),
    (
        "election.err.election.no_presidium",
        "主席团选出后方能提名。",
        "The presidium nominates once it is elected.",
    ),
    (
        "election.err.election.nominator_over_seats",
        "提名的候选人人数不得超过应选名额",
        "A nominator may not nominate more candidates than seats",
    ),
    (
        "election.err.election.nomination_group_too_small",
        "联名提名的代表人数不足",
        "Too few deputies signed the joint nomination",
    ),
    (
        "election.err.election.biography_required",
        "提名人应当介绍候选人的情况：须填写候选人简历",
        "The nominators introduce the candidate: a biography is required",
    ),
    (
        "election.err.election.members_only",
        "常务委员会组成人员从代表中选举：请填写候选人的代表编号",
        "The standing committee is elected from among the deputies: give the candidate's member id",
    ),
    (
        "election.err.election.too_few_candidates",
        "候选人人数少于差额规定的最少人数",
        "Fewer candidates than the margin requires",
    ),
    (
        "election.err.election.preliminary_vote_needed",
        "被提名人数多于差额规定的最多人数，须进行预选并录入预选结果",
        "More nominees than the margin allows: hold a preliminary vote and record it",
    ),
    (
        "election.err.election.no_preliminary_vote",
        "被提名人数符合差额规定，无需预选，直接确定名单即可",
        "The nominees fit the margin: fix the list without a preliminary vote",
    ),
    (
        "election.err.election.preliminary_counts",
        "预选得票有误：须为每名被提名人填写一次得票，且不多于代表人数。",
        "The preliminary counts are not right: one count for each nominee, at most the number of members.",
    ),
    (
        "election.err.election.preliminary_tie",
        "预选中有人票数相等，不能确定正式候选人：请就票数相等者再次投票，并在“再次投票”一栏录入。",
        "A tie at the cut: hold a run-off preliminary vote among the tied and enter it as the run-off.",
    ),
    (
        "election.err.election.candidates_not_fixed",
        "请先确定正式候选人名单。",
        "Fix the official list first.",
    ),
    ("election.err.election.completed", "应选名额均已选出。", "Every seat is filled."),
    ("election.err.election.round_open", "上一轮投票尚未计票。", "The last round is not counted yet."),
    (
        "election.err.election.no_next_round",
        "上一轮计票结果不需要再进行投票。",
        "The last count calls for no further round.",
    ),
    (
        "election.err.election.no_candidates_left",
        "没有未当选的候选人可供另行选举：须重新提名",
        "No unelected candidates are left for another round: new nominations are needed",
    ),
    ("election.err.election.plenary_only", "选举在大会全体会议上进行", "The congress elects at its plenary"),
    (
        "election.err.election.other_session",
        "该会议属于另一次会议。",
        "The meeting belongs to another session.",
    ),
    (
        "election.err.election.item_not_in_progress",
        "选举事项尚未开始：请先在议程中开始该项目。",
        "The election item is not in progress: take it up on the agenda first.",
    ),
    ("election.err.election.item_kind", "该议程项目不是选举事项。", "That agenda item is not an election."),
    ("election.err.election.item_done", "该议程项目已经完成。", "That agenda item is done."),
    ("election.err.election.issued_required", "请填写发出的选票张数。", "Give the number of ballots issued."),
    (
        "election.err.election.issued",
        "发出的选票张数须在 1 至出席人数之间。",
        "Ballots issued: one per member present at most.",
    ),
    (
        "election.err.election.paper_only",
        "这种当选规则需要逐张选票计票，只能使用纸质选票。",
        "This counting method needs the ballots themselves: vote on paper.",
    ),
    (
        "election.err.election.returned_required",
        "请填写收回的选票张数。",
        "Give the number of ballots returned.",
    ),
    (
        "election.err.election.ballots_unsettled",
        "尚有选票未经两名计票人录入一致，不能计票。",
        "Some ballots lack two agreeing entries by different tellers: the round cannot be counted yet.",
    ),
    (
        "election.err.election.entries_beyond_returned",
        "录入的选票编号超过了收回的选票张数。",
        "A ballot number entered is beyond the ballots returned.",
    ),
    ("election.err.election.seats", "应选名额须为 1 至 1000 名。", "An election fills 1 to 1000 seats."),
    ("election.err.election.leader_one_seat", "正职只选一人", "A head of an organ is one person: one seat"),
    (
        "election.err.election.margin",
        "差额的最少人数大于最多人数。",
        "The smallest margin is above the largest.",
    ),
    (
        "election.err.election.margin_outside_statute",
        "选举办法规定的差额超出了法定范围",
        "The election method's margin is outside the statute's",
    ),
    (
        "election.err.election.method",
        "人民代表大会的选举须获得全体代表过半数的选票始得当选",
        "A People's Congress elects with more than half of all deputies",
    ),
    (
        "election.err.election.nomination_group_size",
        "联名提名的人数由法律规定",
        "The statute fixes the size of joint nominations",
    ),
    (
        "election.err.vote.one_at_a_time",
        "另一项表决或选举投票尚未结束。",
        "Another poll or election round is still open.",
    ),
    (
        "election.err.election.block_vote",
        "等额/差额投票须规定每张选票可选人数的下限与上限，上限至少为 1。",
        "A block vote marks between a minimum and a maximum of names, the maximum at least 1.",
    ),
    ("election.err.election.command", "这不是选举操作。", "Not an election command."),
    ("election.err.election.count", "计票结果与投票数不符。", "The count does not match the ballots cast."),
    (
        "election.err.election.decryption_invalid",
        "解密结果未通过验证。",
        "The decryption does not check out.",
    ),
    (
        "election.err.election.decryption_required",
        "电子投票轮次须对票数总和解密后计票。",
        "An electronic round is counted with the decryption of its sums.",
    ),
    (
        "election.err.election.decryption_unexpected",
        "纸质选票轮次按录入的选票计票。",
        "Paper rounds are counted from the entries.",
    ),
    ("election.err.election.entered_twice", "同一张选票录入了两次。", "A ballot is entered twice."),
    (
        "election.err.election.issued_unexpected",
        "电子投票轮次不发放纸质选票。",
        "Electronic rounds issue no paper ballots.",
    ),
    (
        "election.err.election.key_required",
        "电子无记名投票轮次须有加密公钥。",
        "An electronic secret round needs its public key.",
    ),
    ("election.err.election.key_unexpected", "纸质选票不加密。", "Paper ballots are not encrypted."),
    (
        "election.err.election.lot_needed",
        "候选人票数相同，须先抽签决定顺序再计票。",
        "Tied candidates: draw lots, then count with the order drawn.",
    ),
    (
        "election.err.election.marks_out_of_bounds",
        "选票所选人数超出规定范围。",
        "The ballot marks more or fewer names than allowed.",
    ),
    ("election.err.election.no_entries", "没有要录入的选票。", "There are no ballots to enter."),
    (
        "election.err.election.returned_unexpected",
        "电子投票轮次自行统计选票。",
        "An electronic round counts its own ballots.",
    ),
    ("election.err.ballot.malformed", "选票格式有误。", "The ballot is malformed."),
    (
        "election.err.election.tellers_mismatch",
        "本轮投票的密钥保管人必须是本次会议的监票人（《选举法》第四十三条）。",
        "The round's key holders must be the session's tellers (EL art. 43).",
    ),
    (
        "election.err.election.teller_key_missing",
        "尚有监票人未登记公钥，请在本次会议的监票人页面查看。",
        "A teller has not registered a key yet; see the session's tellers page.",
    ),
    (
        "election.err.election.key_invalid",
        "监票人的公钥无法合成本轮投票的密钥。",
        "The tellers' keys do not make a key for the round.",
    ),
    (
        "election.err.election.key_mismatch",
        "本轮投票的公钥不是本次会议监票人的合成公钥。",
        "The public key is not the joint key of the session's tellers.",
    ),
    (
        "election.err.election.tellers_decrypt",
        "本轮投票的密钥由监票人保管，须由监票人提交解密份额。",
        "This round's key is held by its tellers; its sums are decrypted from their shares.",
    ),
    (
        "election.err.election.not_counting",
        "这一轮投票不在等待监票人解密。",
        "This round is not waiting for its tellers.",
    ),
    (
        "election.err.election.not_teller",
        "您不是这一轮投票的密钥保管人（《选举法》第四十三条）。",
        "You do not hold a key of this round (EL art. 43).",
    ),
    ("election.err.election.share_sent", "您已提交过解密份额。", "You have already sent your share."),
    (
        "election.err.election.share_invalid",
        "解密份额无效：请粘贴用您自己的密钥对本轮计票数据运行 plenum teller share 输出的一整行。",
        "The share does not check out: paste the whole line printed by plenum teller share, run with your own key on this round's count input.",
    ),
    ("election.err.ballot.copy", "这张加密选票已经投过。", "This encrypted ballot has already been cast."),
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

    /// Every rule the domain can refuse with has a sentence in the table, so that a
    /// Chinese page never shows a refusal in English (`Failure::localize`).
    #[test]
    fn every_rule_has_a_chinese_sentence() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../domain/src");
        let mut rules = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for call in ["RuleError::model(", "RuleError::statute("] {
                for (i, _) in text.match_indices(call) {
                    let rest = text[i + call.len()..].trim_start();
                    let Some(rest) = rest.strip_prefix('"') else { continue };
                    rules.insert(rest[..rest.find('"').unwrap()].to_owned());
                }
            }
        }
        assert!(rules.len() > 100, "found only {} rules: the scan is broken", rules.len());
        let missing: Vec<_> = rules
            .iter()
            .filter(|r| Lang::Zh.find(&format!("plenary.err.{r}")).is_none())
            .filter(|r| Lang::Zh.find(&format!("election.err.{r}")).is_none())
            .collect();
        assert!(missing.is_empty(), "rules without a Chinese sentence: {missing:?}");
        // A generic failure keeps the message its caller chose: the table has no
        // sentence for a generic code, which would replace them all.
        for code in
            ["forbidden", "bad_request", "not_found", "unauthorized", "internal", "invalid_body", "csrf"]
        {
            for prefix in ["plenary.err.", "election.err."] {
                assert!(Lang::Zh.find(&format!("{prefix}{code}")).is_none(), "{prefix}{code} is generic");
            }
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
