//! Running polls: opening (with a fresh election key for secret polls), casting
//! (encrypting secret ballots before they reach the writer), closing (decrypting only
//! the sum, with a proof, then destroying the key), and closing on a timer.

use crate::{App, AppError, Receipt};
use chrono::{DateTime, Utc};
use plenum_domain::sealed;
use plenum_domain::{
    AssemblyId, Choice, Command, Disclosure, MeetingId, MemberId, PollState, PollSubject, ResolutionRule,
    RuleError, SealedTally, SessionKey, VoteMode, source,
};
use plenum_journal::AuthStore;

/// What the secretariat fills in to open a poll.
#[derive(Debug, Clone)]
pub struct PollRequest {
    pub meeting: MeetingId,
    pub subject: PollSubject,
    pub title: String,
    pub title_en: String,
    pub rule: ResolutionRule,
    pub mode: VoteMode,
    pub disclosure: Disclosure,
    /// Close automatically after this long.
    pub duration: Option<chrono::Duration>,
    /// Who holds a secret poll's key.
    pub custody: KeyCustody,
}

/// Who holds the key of a secret poll.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KeyCustody {
    /// The server, from the opening to the close; the key is deleted once the sum is
    /// decrypted.
    #[default]
    Server,
    /// The session's tellers, one key share each, made on their own devices: nobody
    /// can decrypt, the operator included, until every teller has sent a share of
    /// decrypting the sum.
    Tellers,
}

/// What a teller needs to compute their share offline: the poll's key and every
/// ballot cast, so the teller sums (and checks) the ballots themselves and never
/// decrypts anything but that sum.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CountInput {
    pub assembly: String,
    pub poll: u32,
    pub title: String,
    pub public_key: String,
    /// The tellers' member ids, in the order of the key's holders.
    pub tellers: Vec<String>,
    /// Every encrypted ballot, in the order cast, with no voter beside it.
    pub ballots: Vec<String>,
    /// The shares of the decryption sent so far, by teller. With all of them, anyone
    /// can check the result: the shares in the tellers' order, joined by `;`, are the
    /// proof (`sealed::verify_sum`, or `plenum teller verify`).
    #[serde(default)]
    pub shares: std::collections::BTreeMap<String, String>,
}

pub(crate) fn key_name(public_key: &str) -> String {
    format!("poll-key/{public_key}")
}

impl App {
    /// Opens a poll. A secret poll gets a fresh key pair: the public key goes into
    /// the journal, the secret key into the secrets table until the close.
    pub async fn open_poll(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        req: PollRequest,
    ) -> Result<(u32, Receipt), AppError> {
        let at = Utc::now();
        if req.custody == KeyCustody::Tellers {
            return self.open_teller_poll(assembly, actor, req, at).await;
        }
        let public_key = if req.mode == VoteMode::Secret {
            let (public, secret) = sealed::new_key().map_err(AppError::Internal)?;
            self.journal()
                .put_secret(&key_name(&public), secret.as_bytes())
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Some(public)
        } else {
            None
        };
        let closes_at = req.duration.map(|d| at + d);
        let command = Command::OpenPoll {
            meeting: req.meeting,
            subject: req.subject,
            title: req.title,
            title_en: req.title_en,
            rule: req.rule,
            mode: req.mode,
            disclosure: req.disclosure,
            at,
            closes_at,
            public_key: public_key.clone(),
            tellers: Vec::new(),
        };
        let receipt = match self.execute(assembly, actor, command, None).await {
            Ok(r) => r,
            Err(e) => {
                if let Some(pk) = public_key {
                    let _ = self.journal().delete_secret(&key_name(&pk)).await;
                }
                return Err(e);
            }
        };
        self.after_opening(assembly, closes_at, receipt)
    }

    fn after_opening(
        &self,
        assembly: &AssemblyId,
        closes_at: Option<DateTime<Utc>>,
        receipt: Receipt,
    ) -> Result<(u32, Receipt), AppError> {
        let number = self
            .read(assembly, |a| a.polls.keys().last().copied())
            .flatten()
            .ok_or_else(|| AppError::Internal("the poll vanished".into()))?;
        if let Some(c) = closes_at {
            self.close_at(assembly.clone(), number, c);
        }
        Ok((number, receipt))
    }

    /// Opens a secret poll encrypted to the joint key of the session's tellers. The
    /// server never holds a secret of it; the rules check that the key is theirs.
    async fn open_teller_poll(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        req: PollRequest,
        at: DateTime<Utc>,
    ) -> Result<(u32, Receipt), AppError> {
        let session = self.read(assembly, |a| a.meetings.get(&req.meeting).map(|m| m.session)).flatten();
        let (tellers, public_key) = self.tellers_key(assembly, session)?;
        let closes_at = req.duration.map(|d| at + d);
        let command = Command::OpenPoll {
            meeting: req.meeting,
            subject: req.subject,
            title: req.title,
            title_en: req.title_en,
            rule: req.rule,
            mode: req.mode,
            disclosure: req.disclosure,
            at,
            closes_at,
            public_key: (req.mode == VoteMode::Secret).then_some(public_key),
            tellers,
        };
        let receipt = self.execute(assembly, actor, command, None).await?;
        self.after_opening(assembly, closes_at, receipt)
    }

    /// The tellers of a session and their joint key, for a vote they are to hold the
    /// key of. With a key missing the key is empty, and the rules name the teller.
    pub(crate) fn tellers_key(
        &self,
        assembly: &AssemblyId,
        session: Option<SessionKey>,
    ) -> Result<(Vec<MemberId>, String), AppError> {
        let (tellers, keys) = self
            .read(assembly, |a| {
                let s = a.sessions.get(&session?)?;
                Some((
                    s.tellers.iter().map(|t| t.member.clone()).collect::<Vec<_>>(),
                    s.tellers.iter().filter_map(|t| t.key.clone()).collect::<Vec<_>>(),
                ))
            })
            .flatten()
            .unwrap_or_default();
        if tellers.is_empty() {
            return Err(RuleError::statute(
                "poll.no_tellers",
                source::EL_43,
                "the session has no tellers to hold the key; appoint them first",
            )
            .field("custody")
            .into());
        }
        let joint = if keys.len() == tellers.len() { sealed::joint_key(&keys).ok() } else { None };
        Ok((tellers, joint.unwrap_or_default()))
    }

    /// Names the tellers of a session.
    pub async fn appoint_tellers(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        session: SessionKey,
        members: Vec<MemberId>,
    ) -> Result<Receipt, AppError> {
        self.execute(assembly, actor, Command::AppointTellers { session, members }, None).await
    }

    /// Records a teller's published key.
    pub async fn register_teller_key(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        session: SessionKey,
        member: MemberId,
        key: String,
    ) -> Result<Receipt, AppError> {
        self.execute(assembly, actor, Command::RegisterTellerKey { session, member, key }, None).await
    }

    /// Records a teller's share of decrypting a counting poll's sum; the last share
    /// gives the result.
    pub async fn submit_teller_share(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        poll: u32,
        member: MemberId,
        share: String,
    ) -> Result<Receipt, AppError> {
        self.execute(assembly, actor, Command::SubmitTellerShare { poll, member, share }, None).await
    }

    /// Declares void a poll its tellers cannot decrypt, so its subject can be voted again.
    pub async fn void_count(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        poll: u32,
        reason: String,
    ) -> Result<Receipt, AppError> {
        self.execute(assembly, actor, Command::VoidCount { poll, reason, at: Utc::now() }, None).await
    }

    /// What the tellers of a secret poll need to compute their shares.
    pub fn count_input(&self, assembly: &AssemblyId, poll: u32) -> Option<CountInput> {
        self.read(assembly, |a| {
            let p = a.polls.get(&poll)?;
            Some(CountInput {
                assembly: assembly.to_string(),
                poll,
                title: p.title.clone(),
                public_key: p.public_key.clone()?,
                tellers: p.tellers.iter().map(|t| t.to_string()).collect(),
                ballots: p.sealed.clone(),
                shares: p.shares.iter().map(|(m, s)| (m.to_string(), s.clone())).collect(),
            })
        })
        .flatten()
    }

    /// Casts a member's vote: a named vote as it is, a secret one encrypted first.
    pub async fn vote(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        poll: u32,
        member: MemberId,
        choice: Choice,
        command_id: Option<String>,
    ) -> Result<Receipt, AppError> {
        let at = Utc::now();
        let info =
            self.read(assembly, |a| a.polls.get(&poll).map(|p| (p.mode, p.public_key.clone()))).flatten();
        let command = match info {
            Some((VoteMode::Secret, Some(pk))) => {
                let ballot = sealed::encrypt(&pk, choice).map_err(AppError::Internal)?;
                Command::CastSealedBallot { poll, member, ballot, at }
            }
            // Anything else (unknown poll, show of hands...) goes to the rules, which
            // name the problem.
            _ => Command::CastVote { poll, member, choice, at },
        };
        self.execute(assembly, actor, command, command_id).await
    }

    /// Casts a member's secret ballot sealed on their own device (the browser's
    /// `seal.wasm`, or any client that seals with the poll's public key): the server
    /// never sees the choice. The rules check its proofs and refuse a copy.
    pub async fn vote_sealed(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        poll: u32,
        member: MemberId,
        ballot: String,
        command_id: Option<String>,
    ) -> Result<Receipt, AppError> {
        let command = Command::CastSealedBallot { poll, member, ballot, at: Utc::now() };
        self.execute(assembly, actor, command, command_id).await
    }

    /// Closes a poll. For a secret poll, decrypts the sum of the ballots with a
    /// proof, then destroys the key: no single ballot can be decrypted afterwards.
    pub async fn close_poll(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        poll: u32,
    ) -> Result<Receipt, AppError> {
        let info = self
            .read(assembly, |a| a.polls.get(&poll).map(|p| (p.mode, p.public_key.clone(), p.sealed.clone())))
            .flatten();
        let mut key_to_delete = None;
        let tellers_hold_key =
            self.read(assembly, |a| a.polls.get(&poll).is_some_and(|p| !p.tellers.is_empty())) == Some(true);
        let decryption = match info {
            Some((VoteMode::Secret, Some(pk), ballots)) if !tellers_hold_key => {
                key_to_delete = Some(key_name(&pk));
                let secret = self
                    .journal()
                    .secret(&key_name(&pk))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?
                    .ok_or_else(|| AppError::Internal("the key of this secret poll is gone".into()))?;
                let secret = String::from_utf8(secret).map_err(|e| AppError::Internal(e.to_string()))?;
                let (totals, proof) =
                    tokio::task::spawn_blocking(move || sealed::decrypt_sum(&pk, &secret, &ballots))
                        .await
                        .map_err(|e| AppError::Internal(e.to_string()))?
                        .map_err(AppError::Internal)?;
                Some(SealedTally { totals, proof })
            }
            _ => None,
        };
        let r = self
            .execute(assembly, actor, Command::ClosePoll { poll, at: Utc::now(), decryption }, None)
            .await?;
        if let Some(name) = key_to_delete {
            self.journal().delete_secret(&name).await.map_err(|e| AppError::Internal(e.to_string()))?;
        }
        Ok(r)
    }

    /// Closes the poll at `at` unless someone closed it first.
    pub(crate) fn close_at(&self, assembly: AssemblyId, poll: u32, at: DateTime<Utc>) {
        let app = self.clone();
        tokio::spawn(async move {
            let wait = (at - Utc::now()).to_std().unwrap_or_default();
            tokio::time::sleep(wait).await;
            let open =
                app.read(&assembly, |a| a.polls.get(&poll).is_some_and(|p| p.state == PollState::Open));
            if open == Some(true) {
                if let Err(e) = app.close_poll(&assembly, "timer", poll).await {
                    tracing::warn!("closing poll {poll} of {assembly} on its timer failed: {e}");
                }
            }
        });
    }

    /// Starts the timers of open polls (after a restart).
    pub(crate) fn resume_timers(&self) {
        let timed: Vec<(AssemblyId, u32, DateTime<Utc>)> = self.read_all(|p| {
            p.assemblies
                .iter()
                .flat_map(|(id, v)| {
                    v.state
                        .polls
                        .values()
                        .filter(|p| p.state == PollState::Open)
                        .filter_map(move |p| p.closes_at.map(|c| (id.clone(), p.number, c)))
                })
                .collect()
        });
        for (id, poll, at) in timed {
            self.close_at(id, poll, at);
        }
    }
}
