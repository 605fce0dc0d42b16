//! Generation: planning users with the engine and storing what it plans, for one user (the
//! app's manual run) or a whole scan segment (the scheduled fan-out's worker).

mod fanout;
mod planner;
mod segment;

pub use fanout::{start_run, work_items, RunStarted, DEFAULT_SEGMENTS, MAX_SEGMENTS};
pub use planner::{plan_seed, stored_catalogue, Generator};
pub use segment::{SegmentRun, SegmentWorker, WorkError, LEASE_SECS};
