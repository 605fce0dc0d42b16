//! What the handlers share, none of it a function of its own: clients built once per cold
//! start, admin payloads and errors, HTTP responses, the invocation's deadline.

pub mod admin;
pub mod cold_start;
pub mod deadline;
pub mod respond;
