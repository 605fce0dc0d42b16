//! Generation: planning users with the engine and storing what it plans, for one user (the
//! app's manual run) or a whole scan segment (the scheduled fan-out's worker).

mod fanout;
mod manual;
mod planner;
mod segment;

pub use fanout::{new_run_id, start_run, work_items, RunStarted, DEFAULT_SEGMENTS, MAX_SEGMENTS};
pub use manual::{generate_now, Generated, ManualRun, MAX_RUNS_PER_HOUR};
pub use planner::{plan_seed, stored_catalogue, Generator};
pub use segment::{
    work_envelope, SegmentRun, SegmentWorker, WorkError, BUSY_DELAY_SECS, LEASE_SECS, PAGE_ITEMS,
};
