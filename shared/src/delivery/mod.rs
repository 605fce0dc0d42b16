//! Delivery: when a due message goes out (pure rules), what the push says (pure), and the
//! deliverer that claims, publishes and records (I/O through the adapters).

mod decide;
mod deliverer;
mod payload;

pub use decide::{decide, still_relevant, Decision, NO_LONGER_RELEVANT};
pub use deliverer::{Deliverer, DeliveryRun, Outcome, LEASE_SECS};
pub use payload::{deep_link, sns_message};
