//! HS256 JSON Web Tokens for the local host: the app's tokens are RS256 from an identity
//! provider in AWS, checked by API Gateway; locally a shared secret stands in for that key.
//! Checks what API Gateway's JWT authorizer checks: signature, `exp`, `nbf`, `iss`, `aud`.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::{Map, Value};

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("no bearer token")]
    Missing,
    #[error("token is malformed")]
    Malformed,
    #[error("token algorithm is not HS256")]
    Algorithm,
    #[error("token signature is invalid")]
    Signature,
    #[error("token has expired")]
    Expired,
    #[error("token has no exp claim")]
    NoExpiry,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("token issuer is not accepted")]
    Issuer,
    #[error("token audience is not accepted")]
    Audience,
    #[error("token subject is not a non-empty string")]
    Subject,
}

/// What a token must satisfy.
#[derive(Debug, Clone)]
pub struct Validation {
    pub secret: Vec<u8>,
    pub issuer: String,
    pub audience: Vec<String>,
    /// Seconds of clock skew allowed on `exp` and `nbf`.
    pub leeway: i64,
}

/// Signs `claims` with HS256.
pub fn sign(claims: &Map<String, Value>, secret: &[u8]) -> Result<String, JwtError> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|_| JwtError::Malformed)
}

/// Checks `token` at unix time `now` and returns its claims. The signature, algorithm,
/// issuer and audience are checked by `jsonwebtoken`; `exp` and `nbf` here, against `now`
/// (the crate reads the system clock, which a test cannot move).
pub fn verify(token: &str, v: &Validation, now: i64) -> Result<Map<String, Value>, JwtError> {
    let mut rules = jsonwebtoken::Validation::new(Algorithm::HS256);
    rules.validate_exp = false;
    rules.validate_nbf = false;
    rules.set_required_spec_claims(&["iss", "aud"]);
    rules.set_issuer(&[v.issuer.as_str()]);
    rules.set_audience(&v.audience);
    let data = jsonwebtoken::decode::<Map<String, Value>>(
        token,
        &DecodingKey::from_secret(&v.secret),
        &rules,
    )
    .map_err(|e| match e.kind() {
        ErrorKind::InvalidSignature => JwtError::Signature,
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => JwtError::Algorithm,
        ErrorKind::InvalidIssuer => JwtError::Issuer,
        ErrorKind::MissingRequiredClaim(c) if c == "iss" => JwtError::Issuer,
        ErrorKind::InvalidAudience => JwtError::Audience,
        ErrorKind::MissingRequiredClaim(c) if c == "aud" => JwtError::Audience,
        _ => JwtError::Malformed,
    })?;
    let claims = data.claims;
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(JwtError::NoExpiry)?;
    if now > exp + v.leeway {
        return Err(JwtError::Expired);
    }
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_i64) {
        if now + v.leeway < nbf {
            return Err(JwtError::NotYetValid);
        }
    }
    // The user is the subject: a `null` or a number would otherwise reach the functions as
    // the user "null" or "123" (claims are handed on as strings).
    if claims
        .get("sub")
        .and_then(Value::as_str)
        .is_none_or(|s| s.trim().is_empty())
    {
        return Err(JwtError::Subject);
    }
    Ok(claims)
}

/// The token of an `Authorization` header value (`Bearer x` or a bare token, as API Gateway
/// accepts both).
pub fn bearer(header: Option<&str>) -> Result<&str, JwtError> {
    let h = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(JwtError::Missing)?;
    let token = match h.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return Err(JwtError::Malformed),
        None => h,
    };
    if token.is_empty() {
        Err(JwtError::Missing)
    } else {
        Ok(token)
    }
}

/// Claims as API Gateway HTTP API hands them to a function: every value a string (numbers in
/// decimal, arrays as `[a b]`, objects as JSON).
pub fn claims_as_strings(claims: &Map<String, Value>) -> Map<String, Value> {
    claims
        .iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Array(items) => {
                    let inner: Vec<String> = items
                        .iter()
                        .map(|i| {
                            i.as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| i.to_string())
                        })
                        .collect();
                    format!("[{}]", inner.join(" "))
                }
                other => other.to_string(),
            };
            (k.clone(), Value::String(s))
        })
        .collect()
}

/// A token for `sub` valid for `ttl_secs` from `now`, with the issuer and first audience of `v`.
pub fn token_for(sub: &str, v: &Validation, now: i64, ttl_secs: i64) -> Result<String, JwtError> {
    let mut claims = Map::new();
    claims.insert("sub".into(), Value::String(sub.to_owned()));
    claims.insert("iss".into(), Value::String(v.issuer.clone()));
    if let Some(aud) = v.audience.first() {
        claims.insert("aud".into(), Value::String(aud.clone()));
    }
    claims.insert("iat".into(), now.into());
    claims.insert("exp".into(), (now + ttl_secs).into());
    sign(&claims, &v.secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v() -> Validation {
        Validation {
            secret: b"s3cret".to_vec(),
            issuer: "https://auth/".into(),
            audience: vec!["coach".into()],
            leeway: 0,
        }
    }

    #[test]
    fn round_trip() {
        let t = token_for("u1", &v(), 1000, 60).expect("signed");
        let c = verify(&t, &v(), 1000).expect("valid");
        assert_eq!(c["sub"], "u1");
    }

    #[test]
    fn refusals() {
        let t = token_for("u1", &v(), 1000, 60).expect("signed");
        assert_eq!(verify(&t, &v(), 1061), Err(JwtError::Expired));
        let mut other = v();
        other.secret = b"other".to_vec();
        assert_eq!(verify(&t, &other, 1000), Err(JwtError::Signature));
        let mut other = v();
        other.issuer = "x".into();
        assert_eq!(verify(&t, &other, 1000), Err(JwtError::Issuer));
        let mut other = v();
        other.audience = vec!["x".into()];
        assert_eq!(verify(&t, &other, 1000), Err(JwtError::Audience));
        assert_eq!(verify("a.b", &v(), 1000), Err(JwtError::Malformed));
        // A tampered payload with the old signature.
        let parts: Vec<&str> = t.split('.').collect();
        use base64::Engine;
        let forged_payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"sub":"u2","iss":"https://auth/","aud":"coach","exp":99999}"#);
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(verify(&forged, &v(), 1000), Err(JwtError::Signature));
    }

    #[test]
    fn the_subject_must_be_a_non_empty_string() {
        for sub in [
            Value::Null,
            Value::from(123),
            Value::from(""),
            Value::from("  "),
        ] {
            let mut claims = Map::new();
            claims.insert("sub".into(), sub.clone());
            claims.insert("iss".into(), Value::from("https://auth/"));
            claims.insert("aud".into(), Value::from("coach"));
            claims.insert("exp".into(), Value::from(2000));
            let t = sign(&claims, b"s3cret").expect("signed");
            assert_eq!(verify(&t, &v(), 1000), Err(JwtError::Subject), "{sub}");
        }
    }

    #[test]
    fn bearer_header() {
        assert_eq!(bearer(Some("Bearer abc")), Ok("abc"));
        assert_eq!(bearer(Some("abc")), Ok("abc"));
        assert_eq!(bearer(None), Err(JwtError::Missing));
        assert_eq!(bearer(Some("Basic abc")), Err(JwtError::Malformed));
    }

    #[test]
    fn claims_are_strings() {
        let mut c = Map::new();
        c.insert("exp".into(), 5.into());
        c.insert("groups".into(), serde_json::json!(["a", "b"]));
        let s = claims_as_strings(&c);
        assert_eq!(s["exp"], "5");
        assert_eq!(s["groups"], "[a b]");
    }
}
