//! The caller's identity: the `sub` claim API Gateway's JWT authorizer put in the request
//! context. Never a path or body value.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

use super::Problem;
use crate::domain::user::UserId;

/// The authenticated user of this request, or 401 when the context holds no valid `sub`.
pub fn caller(req: &Request) -> Result<UserId, Problem> {
    let sub = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .and_then(|jwt| jwt.claims.get("sub"))
            .cloned(),
        _ => None,
    };
    let sub = sub.ok_or_else(|| Problem::unauthorized("The token has no subject."))?;
    UserId::parse(&sub).map_err(|e| Problem::unauthorized(&e))
}

/// The name the caller's ID token gives (`given_name`, else `name`), when the authorizer
/// passed one that is fit for messages (`domain::preferences::clean_name`).
pub fn claimed_name(req: &Request) -> Option<String> {
    let Some(RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref() else {
        return None;
    };
    let claims = &ctx.authorizer.as_ref()?.jwt.as_ref()?.claims;
    ["given_name", "name"]
        .iter()
        .filter_map(|k| claims.get(*k))
        .find_map(|n| crate::domain::preferences::clean_name(n).ok())
}
