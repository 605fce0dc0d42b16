//! The generation worker: plans every user of one parallel-scan segment and stores the new
//! messages with batched reads and writes, stopping in time to hand the rest of its range back.
//!
//! Why no occurrence is stored twice, however runs overlap:
//! - A message id is derived from (user, occurrence), so any write of an occurrence lands on
//!   the same item.
//! - One run plans at a time: every worker takes the run lease ([`RUN_LEASE`]) before its
//!   segment's, so runs with different segment counts (whose segments overlap) exclude each
//!   other too.
//! - The worker holds the segment's lease (a conditional write in the statistics table,
//!   renewed every page) while it plans and writes, so no other run plans the same users at
//!   the same time; a second run's worker finds the lease taken and comes back later, when
//!   the first run's messages are in the users' history.
//! - Before writing, the planned ids are checked with BatchGetItem, so messages stored since
//!   the user's history was read (the app's manual run) are counted as already planned and
//!   left untouched.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};

use super::planner::Generator;
use crate::aws::dynamo::messages::{message_sk, MAX_MESSAGES_READ};
use crate::aws::dynamo::{
    user_pk, JobStore, MessageStore, ProfileStore, SegmentCounts, StoreError,
};
use crate::aws::sqs::{QueueError, WorkQueue};
use crate::domain::events::{GenerateSegment, ScanStart};
use crate::domain::messages::Message;
use crate::domain::user::UserId;
use crate::engine::history::HistoryEntry;
use crate::engine::retention::survives_erasure;
use crate::engine::templates::StatsMap;

/// How long a segment lease lasts without renewal (renewed after every page).
pub const LEASE_SECS: i64 = 120;
/// Profile items read per scan page: a user is their profile items and their ledger (a few
/// to about a hundred items; at most about 200 KB a page, under Scan's 1 MB).
pub const PAGE_ITEMS: i32 = 1_000;
/// Histories read at once (users whose ledger is not complete yet need one Query each).
pub const USER_CONCURRENCY: usize = 16;
/// A run older than this plans as of the current time instead of its own clock.
pub const MAX_RUN_AGE_MINUTES: i64 = 30;
/// Time always kept in reserve before the function's deadline.
const DEADLINE_RESERVE: StdDuration = StdDuration::from_secs(3);

/// A worker failure; the work item is retried (and after repeated failures dead-lettered).
#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Publishing a run's work items (`fanout`).
    #[error(transparent)]
    Bus(#[from] crate::aws::eventbridge::BusError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Seconds a segment held by another run waits before it is tried again.
pub const BUSY_DELAY_SECS: i32 = 10;

/// A work item as the queue carries it: the bus event the routing rule delivered, so a
/// handed-back item reads like the first.
pub fn work_envelope(work: &GenerateSegment) -> String {
    serde_json::json!({
        "source": crate::domain::events::COACH_SOURCE,
        "detail-type": "GenerateSegment",
        "detail": work,
    })
    .to_string()
}

/// What one invocation did with its work item.
#[derive(Debug, Clone, PartialEq)]
pub enum SegmentRun {
    /// Another run holds the segment's lease; nothing was done.
    Busy,
    /// Users were planned; `next` is the rest of the range to hand back (`None`: all done).
    Worked {
        counts: SegmentCounts,
        next: Option<ScanStart>,
    },
}

/// The clock a run's users are planned at: the run's own, unless the work waited so long that
/// planning "in the past" would schedule stale messages (a pinned run keeps its own).
pub fn planning_clock(as_of: DateTime<Utc>, now: DateTime<Utc>, pinned: bool) -> DateTime<Utc> {
    if !pinned && now - as_of > Duration::minutes(MAX_RUN_AGE_MINUTES) {
        now
    } else {
        as_of
    }
}

/// The lease name of a segment (the segmentation is part of it: runs with another total
/// split the table differently).
/// The lease of the generation run in progress: one run at a time plans, whatever its segment
/// count (two runs' segments of different counts overlap, and their workers would otherwise
/// plan the same users at once). Held by the run id, renewed with the segment leases, released
/// when the run's last segment is done.
pub const RUN_LEASE: &str = "generate#run";

pub fn segment_lease(segment: u32, total: u32) -> String {
    format!("generate#{segment}/{total}")
}

/// Plans and stores the messages of scan segments.
pub struct SegmentWorker<'a> {
    pub profiles: &'a ProfileStore,
    pub messages: &'a MessageStore,
    pub jobs: &'a JobStore,
    pub generator: &'a Generator,
}

impl SegmentWorker<'_> {
    /// Works on `work` and hands back to `queue` what is left of it: the rest of the range
    /// when the deadline came first, the whole item (after [`BUSY_DELAY_SECS`]) when another
    /// run holds the segment. A failure leaves the item to the queue's retries and, after
    /// repeated failures, its dead-letter queue.
    pub async fn work(
        &self,
        queue: &WorkQueue,
        work: &GenerateSegment,
        deadline: Instant,
    ) -> Result<SegmentRun, WorkError> {
        let run = self.run(work, deadline).await?;
        match &run {
            SegmentRun::Busy => {
                tracing::info!(run_id = %work.run_id, segment = work.segment, "segment busy; retrying later");
                queue.send(work_envelope(work), BUSY_DELAY_SECS).await?;
            }
            SegmentRun::Worked { counts, next } => {
                tracing::info!(run_id = %work.run_id, segment = work.segment, users = counts.users,
                    planned = counts.planned, already_planned = counts.already_planned,
                    done = next.is_none(), "segment worked");
                if let Some(start) = next {
                    let rest = GenerateSegment {
                        start: Some(start.clone()),
                        ..work.clone()
                    };
                    queue.send(work_envelope(&rest), 0).await?;
                }
            }
        }
        Ok(run)
    }

    /// Works on `work` until its range ends or the next page might not finish before
    /// `deadline`. Progress is recorded on the run; the lease is released when the range is done
    /// and kept (for the same run's continuation) otherwise.
    pub async fn run(
        &self,
        work: &GenerateSegment,
        deadline: Instant,
    ) -> Result<SegmentRun, WorkError> {
        let lease = segment_lease(work.segment, work.total_segments);
        if !self.take_leases(&lease, &work.run_id).await? {
            return Ok(SegmentRun::Busy);
        }
        let stats = self
            .messages
            .variant_stats(&self.generator.variant_pairs())
            .await?;
        let mut counts = SegmentCounts::default();
        let mut start = work.start.clone();
        // A page read and planned, not yet stored: the next page is read and planned while
        // the current one's writes are under way.
        let mut ahead = Some(self.read_page(work, start.clone(), &stats).await?);
        while let Some(page) = ahead.take() {
            let began = Instant::now();
            let next = page.next.clone();
            let more = next.is_some();
            let (done, read) = if more {
                let (done, read) = tokio::join!(
                    self.store_page(page),
                    self.read_page(work, next.clone(), &stats)
                );
                (done?, Some(read?))
            } else {
                (self.store_page(page).await?, None)
            };
            counts.users += done.users;
            counts.planned += done.planned;
            counts.already_planned += done.already_planned;
            // Where the segment resumes: after the stored page (the page read ahead, if it
            // is not stored, is read again by whoever resumes).
            start = next;
            if !more {
                break;
            }
            let page_time = began.elapsed();
            if Instant::now() + page_time * 2 + DEADLINE_RESERVE >= deadline {
                break;
            }
            if !self.take_leases(&lease, &work.run_id).await? {
                // A lease lapsed and another run took it: hand the rest back.
                break;
            }
            ahead = read;
        }
        let done = start.is_none();
        self.jobs
            .record_segment(
                &work.run_id,
                work.segment,
                counts,
                done,
                work.as_of + Duration::days(crate::aws::dynamo::jobs::RUN_RECORD_DAYS),
            )
            .await?;
        if done {
            self.jobs.release_lease(&lease, &work.run_id).await?;
            // The run's last segment (or a lone work item, with no run record): let the next
            // run in at once.
            if self
                .jobs
                .run(&work.run_id)
                .await?
                .is_none_or(|r| r.finished())
            {
                self.jobs.release_lease(RUN_LEASE, &work.run_id).await?;
            }
        }
        Ok(SegmentRun::Worked {
            counts,
            next: start,
        })
    }

    /// Takes (or renews) the run's lease, then the segment's; false when another run holds
    /// either.
    async fn take_leases(&self, segment_lease: &str, run_id: &str) -> Result<bool, StoreError> {
        let now = Utc::now();
        Ok(self
            .jobs
            .take_lease(RUN_LEASE, run_id, now, LEASE_SECS)
            .await?
            && self
                .jobs
                .take_lease(segment_lease, run_id, now, LEASE_SECS)
                .await?)
    }

    /// Reads the segment's next page from `start` and plans its users. A user whose ledger is
    /// complete is planned from it (no read); any other user's history is read with a Query
    /// ([`USER_CONCURRENCY`] at once), and their ledger is written from it when the page is
    /// stored.
    async fn read_page(
        &self,
        work: &GenerateSegment,
        start: Option<ScanStart>,
        stats: &StatsMap,
    ) -> Result<PlannedPage, WorkError> {
        let read_at = Utc::now();
        let page = self
            .profiles
            .scan_profiles(work.segment, work.total_segments, start, PAGE_ITEMS)
            .await?;
        let now = planning_clock(work.as_of, Utc::now(), work.pinned);
        let began = Instant::now();
        let users: Vec<UserPlan> = stream::iter(page.users)
            .map(|(user, mut profile)| async move {
                let (history, read) = match profile.ledger.take() {
                    Some(entries) => (entries, None),
                    None => {
                        let read = self.messages.recent(&user, None, MAX_MESSAGES_READ).await?;
                        (read.iter().map(HistoryEntry::of).collect(), Some(read))
                    }
                };
                let seed = crate::app::generation::plan_seed(user.as_str(), now);
                let plan = self
                    .generator
                    .plan_entries(&user, &profile, &history, stats, now, seed);
                // Created as of the run's clock: send-time relevance compares it with the
                // user's activity ("came back since it was planned").
                let messages = plan.messages.iter().map(|p| p.scheduled(now)).collect();
                Ok::<_, StoreError>(UserPlan {
                    user,
                    messages,
                    read,
                })
            })
            .buffer_unordered(USER_CONCURRENCY)
            .try_collect()
            .await?;
        tracing::debug!(
            users = users.len(),
            planning_ms = began.elapsed().as_millis() as u64,
            "page planned"
        );
        Ok(PlannedPage {
            users,
            read_at,
            next: page.next,
        })
    }

    /// Stores what a page planned that is new, with one existence check and batched writes,
    /// and undoes the writes for users erased since the page was read.
    ///
    /// The order of the writes is what keeps a crash harmless: the new messages first, then
    /// their ledger entries (a retry plans the same ids, finds them stored and writes the
    /// entries from what is stored), then a user's marker once all of their entries are in.
    async fn store_page(&self, page: PlannedPage) -> Result<SegmentCounts, WorkError> {
        let planned = page.users;
        let n = planned.len() as u64;
        let began = Instant::now();
        let ids: Vec<(UserId, String)> = planned
            .iter()
            .flat_map(|p| p.messages.iter().map(|m| (p.user.clone(), m.id.clone())))
            .collect();
        let existing = self.messages.existing(&ids).await?;
        let checking = began.elapsed();
        let mut new: Vec<(UserId, Message)> = Vec::new();
        let mut stored: Vec<(UserId, &Message)> = Vec::new();
        let mut complete: Vec<UserId> = Vec::new();
        for p in &planned {
            for m in &p.messages {
                match existing.get(&(user_pk(&p.user), message_sk(&m.id))) {
                    // Stored since the history was read (the app's manual run), or by an
                    // attempt that stopped before its ledger writes: its entry is written
                    // from what is stored.
                    Some(s) => stored.push((p.user.clone(), s)),
                    None => new.push((p.user.clone(), m.clone())),
                }
            }
            if let Some(read) = &p.read {
                stored.extend(read.iter().map(|m| (p.user.clone(), m)));
                complete.push(p.user.clone());
            }
        }
        self.messages.put_new(&new).await?;
        let fresh: Vec<(UserId, &Message)> = new.iter().map(|(u, m)| (u.clone(), m)).collect();
        self.messages
            .write_ledger(&fresh, &stored, &complete)
            .await?;
        let ledger_ids: Vec<(UserId, String)> = fresh
            .iter()
            .chain(&stored)
            .map(|(u, m)| (u.clone(), m.id.clone()))
            .collect();
        let written = new.len();
        let new = self
            .undo_erased(new, &ledger_ids, &complete, page.read_at)
            .await?;
        // `MessageScheduled` is not published here: the messages table's stream carries every
        // stored message to the bus (template.yaml, MessageScheduledPipe).
        tracing::debug!(
            users = n,
            read_histories = complete.len(),
            checking_ms = checking.as_millis() as u64,
            writing_ms = (began.elapsed() - checking).as_millis() as u64,
            "page stored"
        );
        Ok(SegmentCounts {
            users: n,
            planned: new.len() as u64,
            already_planned: (ids.len() - written) as u64,
        })
    }
}

/// A page of users planned: their plans, when the page was read (for the erasure check), and
/// where the segment goes on after it.
struct PlannedPage {
    users: Vec<UserPlan>,
    read_at: DateTime<Utc>,
    next: Option<ScanStart>,
}

/// One user's plan on a page: the messages planned, and the history read when their ledger
/// was not complete (`None` when it was).
struct UserPlan {
    user: UserId,
    messages: Vec<Message>,
    read: Option<Vec<Message>>,
}

impl SegmentWorker<'_> {
    /// Deletes what was just written for users erased since their profiles were read (the
    /// tombstone is written before an erasure deletes anything, so a write that landed after
    /// the erasure's deletes is seen here): their new messages, the ledger entries written
    /// (`ledger`) and markers (`complete`). Returns the new messages of the others.
    async fn undo_erased(
        &self,
        written: Vec<(UserId, Message)>,
        ledger: &[(UserId, String)],
        complete: &[UserId],
        read_at: DateTime<Utc>,
    ) -> Result<Vec<(UserId, Message)>, StoreError> {
        let mut users: Vec<UserId> = ledger.iter().map(|(u, _)| u.clone()).collect();
        users.extend(complete.iter().cloned());
        users.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        users.dedup();
        let erased = self.profiles.erased_at_of(&users).await?;
        if erased.is_empty() {
            return Ok(written);
        }
        let gone_user = |u: &UserId| !survives_erasure(read_at, erased.get(u).copied());
        let (gone, kept): (Vec<_>, Vec<_>) = written.into_iter().partition(|(u, _)| gone_user(u));
        let ids: Vec<(UserId, String)> = gone
            .iter()
            .map(|(u, m)| (u.clone(), m.id.clone()))
            .collect();
        self.messages.delete_messages(&ids).await?;
        let entries: Vec<(UserId, String)> = ledger
            .iter()
            .filter(|(u, _)| gone_user(u))
            .cloned()
            .collect();
        let markers: Vec<UserId> = complete.iter().filter(|u| gone_user(u)).cloned().collect();
        self.messages.forget_ledger(&entries, &markers).await?;
        tracing::info!(
            messages = ids.len(),
            ledger_entries = entries.len(),
            "undid the writes for users erased meanwhile"
        );
        Ok(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_run_plans_at_the_current_time() {
        let as_of = DateTime::parse_from_rfc3339("2026-03-01T07:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("valid time");
        assert_eq!(
            planning_clock(as_of, as_of + Duration::minutes(5), false),
            as_of
        );
        let late = as_of + Duration::minutes(MAX_RUN_AGE_MINUTES + 1);
        assert_eq!(planning_clock(as_of, late, false), late);
        assert_eq!(
            planning_clock(as_of, late, true),
            as_of,
            "a pinned run keeps its clock"
        );
    }

    #[test]
    fn leases_differ_per_segmentation() {
        assert_ne!(segment_lease(1, 8), segment_lease(1, 16));
        assert_ne!(segment_lease(1, 8), segment_lease(2, 8));
    }
}
