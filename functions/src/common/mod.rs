//! What the handlers share, none of it a function of its own: clients built once per cold
//! start, admin payloads and errors, HTTP responses, the invocation's deadline.

pub mod admin;
pub mod cold_start;
pub mod deadline;
pub mod respond;

/// A job's failure as the runtime reports it: logged with its sources, and returned with
/// them in its message (the runtime shows only an error's own text, and an adapter error's
/// detail — the service's code and message — sits in its sources).
pub fn failure(e: impl std::error::Error + 'static) -> lambda_runtime::Error {
    let text = coaching::aws::Chain(&e).to_string();
    tracing::error!(error = %text, "invocation failed");
    text.into()
}
