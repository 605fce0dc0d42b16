//! The segment worker hands the rest of its range back when time runs out, and the pieces
//! add up to the whole table: every user planned exactly once. Its own test binary, because
//! a pass plans every user in the table.

use std::collections::HashSet;

use futures::StreamExt;
use std::time::Instant;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Utc;
use coach_tests::{env, jobs, quiet_now_preferences, segment_worker, unique_user};
use coaching::app::generation::{Generator, SegmentRun};
use coaching::domain::events::GenerateSegment;
use coaching::domain::user::UserId;
use tokio::sync::Mutex;

/// The tests here hold the generation run lease in turn.
static SERIAL: Mutex<()> = Mutex::const_new(());

async fn users_in_table() -> HashSet<String> {
    let client = aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await);
    let mut out = HashSet::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(env("PROFILES_TABLE"))
            .projection_expression("pk, sk")
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan profiles");
        for item in page.items.unwrap_or_default() {
            // Users only: erasure tombstones and partitions left with nothing but rate-limit
            // windows are no users to plan.
            let sk = item.get("sk").and_then(|s| s.as_s().ok());
            if let (Some(AttributeValue::S(pk)), Some(sk)) = (item.get("pk"), sk) {
                if pk.starts_with("USER#") && !sk.starts_with("RATE#") {
                    out.insert(pk.clone());
                }
            }
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return out;
        }
    }
}

#[tokio::test]
async fn a_worker_out_of_time_hands_back_its_range_and_nothing_is_planned_twice() {
    let _one = SERIAL.lock().await;
    let j = jobs().await;
    let prefix = unique_user("handback");
    // More users than one page holds (`PAGE_ITEMS`), so a pass needs several pages.
    let seeded = coaching::app::generation::PAGE_ITEMS as usize + 100;
    futures::stream::iter(0..seeded)
        .for_each_concurrent(16, |i| {
            let (j, prefix) = (&j, &prefix);
            async move {
                let user = UserId::parse(&format!("{prefix}-{i:04}")).expect("user");
                j.stores
                    .profiles
                    .put_preferences(
                        &user,
                        quiet_now_preferences(chrono_tz::Europe::Berlin),
                        0,
                        Utc::now(),
                    )
                    .await
                    .expect("seed");
            }
        })
        .await;
    let everyone = users_in_table().await;
    let generator = Generator::default();
    let worker = segment_worker(&j, &generator);
    let mut work = GenerateSegment {
        run_id: unique_user("run"),
        as_of: Utc::now(),
        segment: 0,
        total_segments: 1,
        start: None,
        pinned: false,
    };
    let (mut invocations, mut users, mut planned) = (0, 0, 0);
    loop {
        invocations += 1;
        // Already past its deadline: each invocation does one page, then hands back.
        match worker.run(&work, Instant::now()).await.expect("worker") {
            SegmentRun::Busy => panic!("nobody else holds this segment"),
            SegmentRun::Worked { counts, next } => {
                users += counts.users;
                planned += counts.planned;
                match next {
                    Some(start) => work.start = Some(start),
                    None => break,
                }
            }
        }
    }
    assert!(invocations > 1, "the range was handed back at least once");
    assert_eq!(
        users as usize,
        everyone.len(),
        "each user exactly once over the pieces"
    );
    assert!(
        planned >= seeded as u64,
        "our users got their messages: {planned}"
    );
}

#[tokio::test]
async fn runs_with_different_segment_counts_exclude_each_other() {
    let _one = SERIAL.lock().await;
    let j = jobs().await;
    let generator = Generator::default();
    let worker = segment_worker(&j, &generator);
    let item = |run: &str, segment, total| GenerateSegment {
        run_id: run.to_owned(),
        as_of: Utc::now(),
        segment,
        total_segments: total,
        start: None,
        pinned: false,
    };
    let (a, b) = (unique_user("run-a"), unique_user("run-b"));
    // Run A, two segments: its segment 0 is worked, its segment 1 still waits.
    j.jobs
        .start_run(&a, Utc::now(), 2)
        .await
        .expect("run A recorded");
    let far = Instant::now() + std::time::Duration::from_secs(600);
    let work_through = |w: GenerateSegment| {
        let worker = &worker;
        async move {
            let mut w = w;
            loop {
                match worker.run(&w, far).await.expect("worker") {
                    SegmentRun::Worked { next: None, .. } => return,
                    SegmentRun::Worked { next, .. } => w.start = next,
                    SegmentRun::Busy => panic!("{} segment {} was busy", w.run_id, w.segment),
                }
            }
        }
    };
    work_through(item(&a, 0, 2)).await;
    // Run B, three segments: none of them may plan while A is under way.
    for segment in 0..3 {
        assert_eq!(
            worker
                .run(&item(&b, segment, 3), Instant::now())
                .await
                .expect("b"),
            SegmentRun::Busy,
            "segment {segment} of 3 overlaps A's segments of 2"
        );
    }
    // A's last segment done, the run is over: B may plan.
    work_through(item(&a, 1, 2)).await;
    work_through(item(&b, 0, 3)).await;
}
