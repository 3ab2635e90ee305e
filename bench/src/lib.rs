//! What both benchmark programs share.

use plenum_domain::{
    BodyKind, Command, Gender, GroupId, GroupKind, ItemKind, Level, MeetingId, MeetingKind, MemberDraft,
    MemberId, SessionKey,
};

/// CPU seconds (user and system) a process has used so far, from `/proc/PID/stat`;
/// 0 where it cannot be read.
pub fn cpu_secs(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let user: f64 = f.get(11)?.parse().ok()?;
            let system: f64 = f.get(12)?.parse().ok()?;
            Some((user + system) / 100.0)
        })
        .unwrap_or(0.0)
}

/// The commands that found an assembly of kind other with `voters` members (`n-0001`
/// on) in `groups` delegations, and open the plenary `plenary` of its first session
/// with one resolution on its adopted agenda. Checking the members in is left to the
/// caller.
pub fn national(voters: usize, groups: usize, plenary: &str) -> anyhow::Result<Vec<Command>> {
    let on = chrono::NaiveDate::from_ymd_opt(2025, 3, 5).ok_or_else(|| anyhow::anyhow!("date"))?;
    let session = SessionKey::new(1, 1);
    let meeting = MeetingId::parse(plenary)?;
    let groups = groups.clamp(1, voters.max(1));
    let group = |i: usize| GroupId::parse(format!("g-{:02}", i % groups + 1));
    let mut commands = vec![
        Command::FoundAssembly {
            name: "基准全国代表大会".into(),
            name_en: "Benchmark national assembly".into(),
            kind: BodyKind::Other,
            level: Level::None,
            population: None,
            rules: None,
        },
        Command::BeginTerm { term: 1, starts_on: on },
    ];
    for g in 0..groups {
        commands.push(Command::FormGroup {
            group: group(g)?,
            kind: GroupKind::Delegation,
            name: format!("第{}代表团", g + 1),
            name_en: format!("Delegation {}", g + 1),
        });
    }
    let drafts = (0..voters)
        .map(|i| {
            Ok(MemberDraft {
                id: MemberId::parse(format!("n-{:04}", i + 1))?,
                term: 1,
                name: format!("代表{}", i + 1),
                pinyin: format!("daibiao {}", i + 1),
                gender: if i % 2 == 0 { Gender::Female } else { Gender::Male },
                birth_year: Some(1960 + (i % 40) as u16),
                group: group(i)?,
                ethnicity: "汉族".into(),
                occupation: "代表".into(),
                registered_on: on,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // In pieces, each well within a request's size limit.
    for members in drafts.chunks(3000) {
        commands.push(Command::RegisterMembers { members: members.to_vec() });
    }
    commands.extend([
        Command::ConveneSession {
            session,
            title: "第一次会议".into(),
            title_en: "First session".into(),
            opens_on: on,
        },
        Command::ScheduleMeeting {
            meeting: meeting.clone(),
            session,
            kind: MeetingKind::Plenary,
            group: None,
            title: "第一次全体会议".into(),
            title_en: "First plenary".into(),
            starts_at: chrono::Utc::now(),
        },
        Command::ProposeAgendaItem {
            session,
            title: "关于基准测试的决议".into(),
            title_en: "Resolution on the benchmark".into(),
            kind: ItemKind::Resolution,
        },
        Command::OpenMeeting { meeting: meeting.clone() },
        Command::AdoptAgenda { meeting: meeting.clone() },
    ]);
    Ok(commands)
}

/// Voters taking turns through a run of polls: each voter of the open poll is
/// claimed once; the caller of the last ballot closes the poll, opens the next and
/// starts it; voters who found nothing to claim wait for that.
pub struct Rotation {
    state: std::sync::Mutex<RotationState>,
    /// Woken when a new poll starts.
    pub turn: tokio::sync::Notify,
    voters: usize,
}

struct RotationState {
    poll: u32,
    /// Voters claimed in the poll.
    next: usize,
    /// Their ballots answered.
    done: usize,
}

impl Rotation {
    pub fn new(poll: u32, voters: usize) -> Self {
        Rotation {
            state: std::sync::Mutex::new(RotationState { poll, next: 0, done: 0 }),
            turn: tokio::sync::Notify::new(),
            voters,
        }
    }

    fn lock(&self) -> anyhow::Result<std::sync::MutexGuard<'_, RotationState>> {
        self.state.lock().map_err(|_| anyhow::anyhow!("rotation lock"))
    }

    /// The poll and the index of the next voter to cast, if any is left.
    pub fn claim(&self) -> anyhow::Result<Option<(u32, usize)>> {
        let mut st = self.lock()?;
        Ok((st.next < self.voters).then(|| {
            st.next += 1;
            (st.poll, st.next - 1)
        }))
    }

    /// Counts an answered ballot of `poll`; true for the poll's last, whose caller
    /// is to rotate.
    pub fn answered(&self, poll: u32) -> anyhow::Result<bool> {
        let mut st = self.lock()?;
        st.done += 1;
        Ok(st.done == self.voters && st.poll == poll)
    }

    /// Starts `poll` and wakes the voters waiting for it.
    pub fn start(&self, poll: u32) -> anyhow::Result<()> {
        *self.lock()? = RotationState { poll, next: 0, done: 0 };
        self.turn.notify_waiters();
        Ok(())
    }
}
