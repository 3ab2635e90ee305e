//! Running election rounds (选举): opening a round (with a fresh key for an
//! electronic secret round), casting an electronic ballot (checked, then encrypted
//! per candidate before it reaches the writer), and counting (decrypting only the
//! per-candidate sums, with a proof, then destroying the key).
//!
//! Everything else about an election goes through `App::execute` with the domain's
//! commands, as the rules see them (`plenum_domain::election` explains the flow and
//! the statutes): `CreateElection`, `NominateCandidates`, `WithdrawCandidate`,
//! `FixCandidates`, `RecordPreliminaryVote`, and for paper rounds the tellers'
//! `EnterPaperBallot` / `EnterPaperBallots` (each returned ballot twice, by two
//! different tellers). The state is `Assembly::elections`.

use crate::{App, AppError, Receipt};
use chrono::Utc;
use plenum_domain::election::{check_marks, round_yes_bounds, yes_bounds};
use plenum_domain::sealed;
use plenum_domain::{AssemblyId, Choice, Command, MeetingId, MemberId, RoundDecryption, RoundMode};
use plenum_journal::AuthStore;

/// What the secretariat fills in to open the next round of an election.
#[derive(Debug, Clone)]
pub struct RoundRequest {
    pub election: u32,
    /// The plenary (in progress) where the round is voted.
    pub meeting: MeetingId,
    pub mode: RoundMode,
    /// Paper: the number of ballots handed out.
    pub ballots_issued: Option<u32>,
    /// Electronic: who holds the key.
    pub custody: crate::polls::KeyCustody,
}

/// What the tellers of an electronic round need to compute their shares offline:
/// the round's key, its candidates, and every ballot's sub-ballots (one per
/// candidate, in list order), with no voter beside them.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RoundCountInput {
    pub assembly: String,
    pub election: u32,
    pub round: u32,
    pub title: String,
    pub public_key: String,
    pub tellers: Vec<String>,
    pub candidates: Vec<String>,
    pub ballots: Vec<Vec<String>>,
    /// Each ballot's proof of its number of yes marks, beside `ballots` (none for a
    /// ballot cast before such proofs were made).
    #[serde(default)]
    pub slates: Vec<Option<String>>,
    /// How many yes marks a ballot of the round may hold, as `[min, max]`.
    #[serde(default)]
    pub yes_marks: Option<(u32, u32)>,
    /// The shares sent so far, by teller; with all of them, anyone can check the count.
    #[serde(default)]
    pub shares: std::collections::BTreeMap<String, String>,
}

/// An election ballot sealed on the voter's device: one sub-ballot per candidate in
/// the round's list order, and its proof of how many yes marks it holds.
#[derive(Debug, Clone)]
pub struct SealedElectionBallot {
    pub ballots: Vec<String>,
    pub slate: String,
}

impl SealedElectionBallot {
    /// The command that casts it for `member`, now.
    fn cast(self, election: u32, round: u32, member: MemberId) -> Command {
        let SealedElectionBallot { ballots, slate } = self;
        Command::CastElectionBallot { election, round, member, ballots, slate: Some(slate), at: Utc::now() }
    }
}

fn key_name(public_key: &str) -> String {
    format!("election-key/{public_key}")
}

/// How often a count is tried again when a ballot arrived between reading the
/// ballots and recording the count.
const COUNT_ATTEMPTS: usize = 5;

impl App {
    /// Opens the next round of an election: the fixed candidates first, then what the
    /// last count calls for. An electronic round gets a fresh key pair: the public key
    /// goes into the journal, the secret key into the secrets table until the count.
    /// Returns the round's number.
    pub async fn open_round(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        req: RoundRequest,
    ) -> Result<(u32, Receipt), AppError> {
        if req.mode == RoundMode::Electronic && req.custody == crate::polls::KeyCustody::Tellers {
            return self.open_teller_round(assembly, actor, req).await;
        }
        let public_key = if req.mode == RoundMode::Electronic {
            let (public, secret) = sealed::new_key().map_err(AppError::Internal)?;
            self.journal()
                .put_secret(&key_name(&public), secret.as_bytes())
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Some(public)
        } else {
            None
        };
        let command = Command::OpenRound {
            tellers: Vec::new(),
            election: req.election,
            meeting: req.meeting,
            mode: req.mode,
            ballots_issued: req.ballots_issued,
            public_key: public_key.clone(),
            at: Utc::now(),
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
        let round = self
            .read(assembly, |a| a.elections.get(&req.election).map(|e| e.rounds.len() as u32))
            .flatten()
            .ok_or_else(|| AppError::Internal("the election vanished".into()))?;
        Ok((round, receipt))
    }

    /// Opens an electronic round encrypted to the joint key of the session's
    /// tellers; the server holds no secret of it.
    async fn open_teller_round(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        req: RoundRequest,
    ) -> Result<(u32, Receipt), AppError> {
        let session = self.read(assembly, |a| a.elections.get(&req.election).map(|e| e.session)).flatten();
        let (tellers, public_key) = self.tellers_key(assembly, session)?;
        let command = Command::OpenRound {
            election: req.election,
            meeting: req.meeting,
            mode: req.mode,
            ballots_issued: req.ballots_issued,
            public_key: Some(public_key),
            tellers,
            at: Utc::now(),
        };
        let receipt = self.execute(assembly, actor, command, None).await?;
        let round = self
            .read(assembly, |a| a.elections.get(&req.election).map(|e| e.rounds.len() as u32))
            .flatten()
            .ok_or_else(|| AppError::Internal("the election vanished".into()))?;
        Ok((round, receipt))
    }

    /// Records a teller's share of decrypting a counting round; the last one counts it.
    pub async fn submit_round_share(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        election: u32,
        round: u32,
        member: MemberId,
        share: String,
    ) -> Result<Receipt, AppError> {
        self.execute(assembly, actor, Command::SubmitRoundShare { election, round, member, share }, None)
            .await
    }

    /// Declares void a round its tellers cannot decrypt; the same round is held again.
    pub async fn void_round_count(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        election: u32,
        round: u32,
        reason: String,
    ) -> Result<Receipt, AppError> {
        self.execute(
            assembly,
            actor,
            Command::VoidRoundCount { election, round, reason, at: Utc::now() },
            None,
        )
        .await
    }

    /// What the tellers of an electronic round need to compute their shares.
    pub fn round_count_input(
        &self,
        assembly: &AssemblyId,
        election: u32,
        round: u32,
    ) -> Option<RoundCountInput> {
        self.read(assembly, |a| {
            let e = a.elections.get(&election)?;
            let r = round.checked_sub(1).and_then(|i| e.rounds.get(i as usize))?;
            Some(RoundCountInput {
                assembly: assembly.to_string(),
                election,
                round,
                title: e.title.clone(),
                public_key: r.public_key.clone()?,
                tellers: r.tellers.iter().map(|t| t.to_string()).collect(),
                candidates: r.candidates.clone(),
                ballots: r.sealed.clone(),
                slates: (0..r.sealed.len()).map(|i| r.slates.get(i).cloned().flatten()).collect(),
                yes_marks: Some(round_yes_bounds(e, r)),
                shares: r.shares.iter().map(|(m, s)| (m.to_string(), s.clone())).collect(),
            })
        })
        .flatten()
    }

    /// Casts a member's electronic secret ballot in the election's open round:
    /// `marks` has one choice per candidate, in the round's list order. The marks
    /// are checked (no more yes marks than the ballot may hold, EL art. 44 ¶2) and
    /// encrypted here, with the proof of their number of yes marks; only ciphertexts
    /// reach the journal.
    pub async fn cast_election_ballot(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        election: u32,
        member: MemberId,
        marks: Vec<Choice>,
        command_id: Option<String>,
    ) -> Result<Receipt, AppError> {
        let (round, public_key, bounds) = self
            .read(assembly, |a| -> Result<(u32, Option<String>, (u32, u32)), AppError> {
                check_marks(a, election, &marks)?;
                let r = a.elections.get(&election).and_then(|e| e.open_round());
                let (number, key) = r.map(|r| (r.number, r.public_key.clone())).unwrap_or_default();
                Ok((number, key, yes_bounds(a, election)?))
            })
            .ok_or_else(|| AppError::Internal(format!("no assembly {assembly}")))??;
        let pk = public_key.ok_or_else(|| AppError::Internal("the round has no public key".into()))?;
        let (ballots, slate) =
            tokio::task::spawn_blocking(move || sealed::seal_marks(&pk, election, round, &marks, bounds))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
                .map_err(AppError::Internal)?;
        let command = SealedElectionBallot { ballots, slate }.cast(election, round, member);
        self.execute(assembly, actor, command, command_id).await
    }

    /// Casts a member's electronic secret ballot sealed on their own device (the
    /// browser's `seal.wasm`): one sub-ballot per candidate and the proof of its number
    /// of yes marks. The server never sees the marks. Every proof is checked here, off
    /// the writer, before the rules record it; a ballot that fails is refused
    /// (`ballot.invalid`), one that would hold more yes marks than seats by name
    /// (EL art. 44 ¶2).
    pub async fn cast_sealed_election_ballot(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        election: u32,
        member: MemberId,
        sealed: SealedElectionBallot,
        command_id: Option<String>,
    ) -> Result<Receipt, AppError> {
        let SealedElectionBallot { ballots, slate } = sealed;
        let open = self
            .read(assembly, |a| -> Result<Option<(u32, Option<String>, usize, (u32, u32))>, AppError> {
                let Some(r) = a.elections.get(&election).and_then(|e| e.open_round()) else {
                    return Ok(None);
                };
                Ok(Some((r.number, r.public_key.clone(), r.candidates.len(), yes_bounds(a, election)?)))
            })
            .ok_or_else(|| AppError::Internal(format!("no assembly {assembly}")))??;
        let round = open.as_ref().map_or(0, |(round, ..)| *round);
        if let Some((round, Some(pk), candidates, bounds)) = open {
            // The rules name a wrong count of sub-ballots, or an empty one, themselves.
            if ballots.len() == candidates && ballots.iter().chain([&slate]).all(|b| !b.is_empty()) {
                let (subs, proof) = (ballots.clone(), slate.clone());
                tokio::task::spawn_blocking(move || {
                    sealed::verify_slate(&pk, election, round, &subs, &proof, bounds)
                })
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
                .map_err(|e| {
                    AppError::from(
                        plenum_domain::RuleError::model(
                            "ballot.invalid",
                            format!("the encrypted ballot does not check out: {e}"),
                        )
                        .field("ballots"),
                    )
                })?;
            }
        }
        let command = SealedElectionBallot { ballots, slate }.cast(election, round, member);
        self.execute(assembly, actor, command, command_id).await
    }

    /// Counts the election's open round. Paper: from the settled entries, given the
    /// number of ballots returned. Electronic: decrypts the per-candidate sums with a
    /// proof the rules verify, then destroys the key: no single ballot can be
    /// decrypted afterwards.
    pub async fn count_round(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        election: u32,
        ballots_returned: Option<u32>,
    ) -> Result<Receipt, AppError> {
        for _ in 0..COUNT_ATTEMPTS {
            let info = self
                .read(assembly, |a| {
                    a.elections.get(&election).and_then(|e| e.open_round()).map(|r| {
                        (r.number, r.mode, r.public_key.clone(), r.candidates.len(), r.sealed.clone())
                    })
                })
                .flatten();
            let Some((round, mode, public_key, candidates, ballots)) = info else {
                // No open round: the rules name the problem.
                let command = Command::CountRound {
                    election,
                    round: self
                        .read(assembly, |a| a.elections.get(&election).map(|e| e.rounds.len() as u32))
                        .flatten()
                        .unwrap_or(0),
                    ballots_returned,
                    decryption: None,
                    lot_order: None,
                    at: Utc::now(),
                };
                return self.execute(assembly, actor, command, None).await;
            };
            let cast = ballots.len();
            let tellers_hold_key = self.read(assembly, |a| {
                a.elections.get(&election).and_then(|e| e.open_round()).is_some_and(|r| !r.tellers.is_empty())
            }) == Some(true);
            let (decryption, key) = match (mode, public_key) {
                (RoundMode::Electronic, Some(_)) if tellers_hold_key => (None, None),
                (RoundMode::Electronic, Some(pk)) => {
                    let name = key_name(&pk);
                    let secret = self
                        .journal()
                        .secret(&name)
                        .await
                        .map_err(|e| AppError::Internal(e.to_string()))?
                        .ok_or_else(|| AppError::Internal("the key of this round is gone".into()))?;
                    let secret = String::from_utf8(secret).map_err(|e| AppError::Internal(e.to_string()))?;
                    let (totals, proof) = tokio::task::spawn_blocking(move || {
                        sealed::decrypt_round(&pk, &secret, election, round, candidates, &ballots)
                    })
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?
                    .map_err(AppError::Internal)?;
                    (Some(RoundDecryption { totals, proof }), Some(name))
                }
                _ => (None, None),
            };
            let command = Command::CountRound {
                election,
                round,
                ballots_returned,
                decryption,
                lot_order: None,
                at: Utc::now(),
            };
            match self.execute(assembly, actor, command, None).await {
                Ok(r) => {
                    if let Some(name) = key {
                        self.journal()
                            .delete_secret(&name)
                            .await
                            .map_err(|e| AppError::Internal(e.to_string()))?;
                    }
                    return Ok(r);
                }
                Err(AppError::Rule(e)) if e.rule == "election.decryption_invalid" => {
                    // A ballot cast after the ballots were read: decrypt again.
                    let now = self
                        .read(assembly, |a| {
                            a.elections.get(&election).and_then(|e| e.open_round()).map(|r| r.sealed.len())
                        })
                        .flatten();
                    if now == Some(cast) {
                        return Err(AppError::Rule(e));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(AppError::Internal("ballots kept arriving while the round was counted; try again".into()))
    }
}
