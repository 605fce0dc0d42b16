//! The event bus: the domain events Tug Coach publishes and the EventBridge adapter that
//! publishes them. Schemas: `docs/events.md`.

mod events;
mod publisher;

pub use events::{
    ActivityLogged, DomainEvent, GenerateSegment, MessageActedOn, MessageDelivered,
    MessageScheduled, ScanStart, ACTIVITY_SOURCE, COACH_SOURCE,
};
pub use publisher::{Bus, BusError, PUT_EVENTS_MAX};
