//! `DELETE /coaching/devices/{deviceId}`: removes the device and its SNS endpoint
//! (`coaching::app::devices::remove`). 204, also when there is no such device, so a retry is
//! harmless.

use coaching::app::devices::remove;
use coaching::aws::sns::Push;
use coaching::domain::devices::check_device_id;
use coaching::edge::http::{caller, path_param, Problem};
use lambda_http::{Body, Error, Request, Response};

use crate::common::respond::{finish, no_content};
use crate::Stores;

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, push: &Push, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, push, &req).await)
}

async fn respond(stores: &Stores, push: &Push, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    let device_id = path_param(req, "deviceId");
    check_device_id(&device_id).map_err(|e| Problem::validation(vec![e]))?;
    remove(&stores.profiles, push, &user, &device_id).await?;
    Ok(no_content())
}
