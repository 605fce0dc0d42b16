//! `PUT /coaching/devices/{deviceId}` with `{"platform": "apns" | "fcm", "token": "…"}`:
//! registers the device's push token as an SNS platform endpoint. Idempotent: the same call
//! again changes nothing (200); a changed token updates the endpoint; a disabled endpoint is
//! re-enabled with the fresh token. 201 when the device is new.

use chrono::{SubsecRound, Utc};
use coaching::aws::sns::Push;
use coaching::domain::devices::{check_device_id, Device, DeviceInput, DeviceView};
use coaching::edge::http::{caller, json_body, json_response, path_param, Problem};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};

use crate::respond::{finish, internal, upstream};
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

    let existing = stores
        .profiles
        .device(&user, &device_id)
        .await
        .map_err(internal("reading a device"))?;
    let same_platform = existing.as_ref().filter(|d| d.platform == input.platform);
    let arn = push
        .ensure_endpoint(
            &user,
            input.platform,
            &input.token,
            same_platform.map(|d| d.endpoint_arn.as_str()),
        )
        .await
        .map_err(upstream("registering a push endpoint"))?;
    if let Some(old) = existing.as_ref().filter(|d| d.endpoint_arn != arn) {
        push.delete_endpoint(&user, &old.endpoint_arn)
            .await
            .map_err(upstream("deleting a replaced push endpoint"))?;
    }
    let now = Utc::now().trunc_subsecs(3);
    let unchanged = existing.as_ref().is_some_and(|d| {
        d.platform == input.platform && d.token == input.token && d.endpoint_arn == arn && d.enabled
    });
    let device = match existing.as_ref() {
        Some(d) if unchanged => d.clone(),
        _ => Device {
            device_id,
            platform: input.platform,
            token: input.token,
            endpoint_arn: arn,
            enabled: true,
            created_at: existing.as_ref().map_or(now, |d| d.created_at),
            updated_at: now,
        },
    };
    if !unchanged {
        stores
            .profiles
            .put_device(&user, &device)
            .await
            .map_err(internal("storing a device"))?;
    }
    let status = if existing.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(json_response(status, &DeviceView::from(&device)))
}
