//! What the Lambda handlers share to translate their events and responses: the HTTP API's
//! caller identity, bounded bodies, parameters, versions and problem+json ([`http`]), and the
//! non-HTTP event shapes ([`events`]). May use every other group.

pub mod events;
pub mod http;
