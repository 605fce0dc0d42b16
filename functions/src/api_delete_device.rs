//! `DELETE /coaching/devices/{deviceId}`: removes the device and its SNS endpoint. 204, also
//! when there is no such device, so a retry is harmless.

use coaching::aws::sns::Push;
use coaching::domain::devices::check_device_id;
use coaching::edge::http::{caller, path_param, Problem};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};

use crate::respond::{finish, internal, upstream};
use crate::Stores;

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, push: &Push, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, push, &req).await)
}

/// An empty response with this status.
pub fn no_content() -> Response<Body> {
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}

async fn respond(stores: &Stores, push: &Push, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    let device_id = path_param(req, "deviceId");
    check_device_id(&device_id).map_err(|e| Problem::validation(vec![e]))?;
    if let Some(device) = stores
        .profiles
        .device(&user, &device_id)
        .await
        .map_err(internal("reading a device"))?
    {
        // Endpoint first: if the item delete then fails, a retry finds the item and tries again.
        push.delete_endpoint(&user, &device.endpoint_arn)
            .await
            .map_err(upstream("deleting a push endpoint"))?;
        stores
            .profiles
            .delete_device(&user, &device_id)
            .await
            .map_err(internal("deleting a device"))?;
    }
    Ok(no_content())
}
