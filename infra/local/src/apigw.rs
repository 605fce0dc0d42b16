//! API Gateway HTTP API (payload format 2.0) as the local host plays it: route matching,
//! the event a function receives, and the function's answer turned back into HTTP.

use std::collections::{BTreeMap, HashMap};

use aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
    ApiGatewayV2httpRequest, ApiGatewayV2httpRequestContext,
    ApiGatewayV2httpRequestContextHttpDescription,
};
use aws_lambda_events::query_map::QueryMap;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

use crate::template::Route;

/// The path parameters of `path` if it matches the route template (`{name}` matches one
/// non-empty segment, `{name+}` the rest of the path).
pub fn match_path(template: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let mut params = BTreeMap::new();
    let want = template.trim_matches('/').split('/');
    let mut got = path.trim_matches('/').split('/');
    for w in want {
        if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix("+}")) {
            let rest: Vec<&str> = got.by_ref().collect();
            if rest.is_empty() || rest.iter().all(|s| s.is_empty()) {
                return None;
            }
            params.insert(name.to_owned(), decode(&rest.join("/")));
            return Some(params);
        }
        let g = got.next()?;
        if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            if g.is_empty() {
                return None;
            }
            params.insert(name.to_owned(), decode(g));
        } else if w != g {
            return None;
        }
    }
    got.next().is_none().then_some(params)
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Whether `route` takes `method` (an `ANY` route takes every method).
pub fn method_matches(route: &Route, method: &Method) -> bool {
    route.method == "ANY" || route.method == method.as_str()
}

/// Everything the event is built from.
pub struct HttpRequest<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub raw_query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub route: &'a Route,
    pub path_parameters: BTreeMap<String, String>,
    /// Claims with string values, as the JWT authorizer hands them on.
    pub claims: Map<String, Value>,
    pub source_ip: String,
    pub request_id: String,
    pub time_epoch_ms: i64,
}

/// The API Gateway v2 (HTTP API, payload 2.0) event for a request, as `aws_lambda_events`
/// models it: repeated headers and query parameters joined with commas, cookies apart, the
/// authorizer's claims in `requestContext.authorizer.jwt.claims`.
pub fn event(r: &HttpRequest<'_>) -> Value {
    let mut joined: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in r.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == header::COOKIE {
            cookies.extend(
                value
                    .split(';')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
            );
            continue;
        }
        joined
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let mut headers = HeaderMap::new();
    for (name, value) in &joined {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(n, v);
        }
    }
    let mut query: HashMap<String, String> = HashMap::new();
    for (k, v) in form_urlencoded::parse(r.raw_query.as_bytes()) {
        query
            .entry(k.into_owned())
            .and_modify(|e| {
                e.push(',');
                e.push_str(&v);
            })
            .or_insert_with(|| v.into_owned());
    }
    let route_key = format!("{} {}", r.route.method, r.route.path);

    let mut http = ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = r.method.clone();
    http.path = Some(r.path.to_owned());
    http.protocol = Some("HTTP/1.1".to_owned());
    http.source_ip = Some(r.source_ip.clone());
    http.user_agent = Some(joined.get("user-agent").cloned().unwrap_or_default());
    let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
    jwt.claims = r
        .claims
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            )
        })
        .collect();
    let mut authorizer = ApiGatewayRequestAuthorizer::default();
    authorizer.jwt = Some(jwt);
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(route_key.clone());
    context.account_id = Some(crate::template::ACCOUNT_ID.to_owned());
    context.stage = Some("$default".to_owned());
    context.request_id = Some(r.request_id.clone());
    context.authorizer = Some(authorizer);
    context.apiid = Some("local".to_owned());
    context.domain_name = Some(
        joined
            .get("host")
            .cloned()
            .unwrap_or_else(|| "127.0.0.1".into()),
    );
    context.domain_prefix = Some("local".to_owned());
    context.time = Some(
        chrono::DateTime::from_timestamp_millis(r.time_epoch_ms)
            .unwrap_or_default()
            .format("%d/%b/%Y:%H:%M:%S %z")
            .to_string(),
    );
    context.time_epoch = r.time_epoch_ms;
    context.http = http;

    let mut e = ApiGatewayV2httpRequest::default();
    e.version = Some("2.0".to_owned());
    e.route_key = Some(route_key);
    e.raw_path = Some(r.path.to_owned());
    e.raw_query_string = Some(r.raw_query.to_owned());
    e.cookies = (!cookies.is_empty()).then_some(cookies);
    e.headers = headers;
    e.query_string_parameters = QueryMap::from(query);
    e.path_parameters = r.path_parameters.clone().into_iter().collect();
    e.request_context = context;
    if !r.body.is_empty() {
        match std::str::from_utf8(r.body) {
            Ok(text) => e.body = Some(text.to_owned()),
            Err(_) => {
                e.body = Some(STANDARD.encode(r.body));
                e.is_base64_encoded = true;
            }
        }
    }
    serde_json::to_value(&e).unwrap_or(Value::Null)
}

/// A JSON response with API Gateway's own message shape (`{"message": …}`).
pub fn gateway_error(status: StatusCode, message: &str) -> Response {
    let mut resp = Response::new(Body::from(json!({ "message": message }).to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// The HTTP response for a function's answer, as API Gateway builds it: a `statusCode`
/// object is taken field by field; any other JSON is a 200 with that JSON as the body.
pub fn response(payload: &[u8]) -> Response {
    let value: Value = match serde_json::from_slice(payload) {
        Ok(v) => v,
        Err(_) => return gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
    };
    let Some(status) = value.get("statusCode").and_then(Value::as_u64) else {
        let mut resp = Response::new(Body::from(payload.to_vec()));
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return resp;
    };
    let body = value
        .get("body")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let body = if value.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        match STANDARD.decode(body) {
            Ok(b) => b,
            Err(_) => {
                return gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
            }
        }
    } else {
        body.as_bytes().to_vec()
    };
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = resp.headers_mut();
    let mut put = |k: &str, v: &str| {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::from_str(v)) {
            headers.append(k, v);
        }
    };
    if let Some(map) = value.get("headers").and_then(Value::as_object) {
        for (k, v) in map {
            if let Some(v) = v.as_str() {
                put(k, v);
            }
        }
    }
    if let Some(map) = value.get("multiValueHeaders").and_then(Value::as_object) {
        for (k, vs) in map {
            for v in vs
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                put(k, v);
            }
        }
    }
    for c in value
        .get("cookies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        put("set-cookie", c);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let p = match_path(
            "/coaching/messages/{id}/interact",
            "/coaching/messages/m%201/interact",
        )
        .expect("matches");
        assert_eq!(p["id"], "m 1");
        assert!(match_path(
            "/coaching/messages/{id}/interact",
            "/coaching/messages//interact"
        )
        .is_none());
        assert!(match_path("/coaching/summary", "/coaching/summary/x").is_none());
        assert!(match_path("/coaching/summary", "/coaching").is_none());
        assert_eq!(
            match_path("/files/{p+}", "/files/a/b").expect("greedy")["p"],
            "a/b"
        );
    }

    #[test]
    fn event_shape() {
        let mut headers = HeaderMap::new();
        headers.insert("x-a", HeaderValue::from_static("1"));
        headers.append("x-a", HeaderValue::from_static("2"));
        headers.insert("cookie", HeaderValue::from_static("a=1; b=2"));
        let route = Route {
            method: "GET".into(),
            path: "/x/{id}".into(),
        };
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("u1"));
        let e = event(&HttpRequest {
            method: &Method::GET,
            path: "/x/7",
            raw_query: "a=1&a=2&b=%20",
            headers: &headers,
            body: b"{}",
            route: &route,
            path_parameters: [("id".to_owned(), "7".to_owned())].into(),
            claims,
            source_ip: "127.0.0.1".into(),
            request_id: "r".into(),
            time_epoch_ms: 0,
        });
        assert_eq!(e["headers"]["x-a"], "1,2");
        assert_eq!(e["cookies"], json!(["a=1", "b=2"]));
        assert_eq!(e["queryStringParameters"], json!({"a": "1,2", "b": " "}));
        assert_eq!(
            e["requestContext"]["authorizer"]["jwt"]["claims"]["sub"],
            "u1"
        );
        assert_eq!(e["pathParameters"]["id"], "7");
        assert_eq!(e["routeKey"], "GET /x/{id}");
        assert_eq!(e["body"], "{}");
    }

    #[test]
    fn responses() {
        let r = response(
            br#"{"statusCode":412,"headers":{"etag":"\"3\""},"body":"x","cookies":["a=1"]}"#,
        );
        assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
        assert_eq!(r.headers()["etag"], "\"3\"");
        assert_eq!(r.headers()["set-cookie"], "a=1");
        let r = response(br#"{"hello":1}"#);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            response(b"not json").status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
