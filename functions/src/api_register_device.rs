//! `PUT /coaching/devices/{deviceId}` with `{"platform": "apns" | "fcm", "token": "…"}`:
//! registers the device's push token as an SNS platform endpoint
//! (`coaching::app::devices::register`). Idempotent: the same call again changes nothing
//! (200); a changed token updates the endpoint; a disabled endpoint is re-enabled with the
//! fresh token. 201 when the device is new.

use chrono::Utc;
use coaching::app::devices::register;
use coaching::aws::sns::Push;
use coaching::domain::devices::{check_device_id, DeviceInput, DeviceView};
use coaching::edge::http::{caller, json_body, json_response, path_param, Problem};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};

use crate::common::respond::finish;
use crate::Stores;

/// Largest registration body, in bytes.
pub const MAX_DEVICE_BYTES: usize = 8 * 1024;

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, push: &Push, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, push, &req).await)
}

async fn respond(stores: &Stores, push: &Push, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    let device_id = path_param(req, "deviceId");
    check_device_id(&device_id).map_err(|e| Problem::validation(vec![e]))?;
    let input: DeviceInput = json_body(req, MAX_DEVICE_BYTES)?;
    input.check().map_err(Problem::validation)?;
    let Some(registered) =
        register(&stores.profiles, push, &user, device_id, input, Utc::now()).await?
    else {
        return Err(Problem::erased());
    };
    let status = if registered.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json_response(status, &DeviceView::from(&registered.device)))
}
