//! Bearer tokens: user JWTs (HS256) and the service credential that lets one service call
//! another.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use spin_sdk::http::Request;
use subtle::ConstantTimeEq;

use crate::error::{ApiError, ApiResult};

/// How long an access token lives.
pub const TOKEN_TTL_SECS: i64 = 30 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Role::User),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub email: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
}

/// The authenticated user behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub id: i64,
    pub email: String,
    pub role: Role,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn require_admin(&self) -> ApiResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden("admin role required"))
        }
    }

    /// Whether the caller may see or change data owned by `owner_id`.
    pub fn can_access(&self, owner_id: i64) -> bool {
        self.is_admin() || self.id == owner_id
    }
}

/// Signs an access token for a user.
pub fn issue_token(secret: &str, id: i64, email: &str, role: Role) -> ApiResult<String> {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: id.to_string(),
        email: email.to_string(),
        role,
        iat: now,
        exp: now + TOKEN_TTL_SECS,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(ApiError::internal)
}

/// Verifies an access token: HS256 only (so `alg: none` and key-confusion tricks fail),
/// a valid signature, and not expired.
pub fn verify_token(secret: &str, token: &str) -> ApiResult<Caller> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub"]);
    let data = jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
            ApiError::unauthorized("token has expired")
        }
        _ => ApiError::unauthorized("invalid token"),
    })?;
    let id = data
        .claims
        .sub
        .parse()
        .map_err(|_| ApiError::unauthorized("invalid token"))?;
    Ok(Caller {
        id,
        email: data.claims.email,
        role: data.claims.role,
    })
}

/// The bearer token of a request, if it has one.
pub fn bearer_token(req: &Request) -> Option<&str> {
    let value = req.header("authorization")?.as_str()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The authenticated user of a request, or 401.
pub fn authenticate(req: &Request, secret: &str) -> ApiResult<Caller> {
    let token = bearer_token(req).ok_or_else(|| ApiError::unauthorized("not authenticated"))?;
    verify_token(secret, token)
}

/// Whether the request carries the service credential (another service of this
/// application calling). Compared in constant time; a user's JWT never matches.
pub fn is_service_call(req: &Request, service_token: &str) -> bool {
    match bearer_token(req) {
        Some(token) => {
            !service_token.is_empty()
                && bool::from(token.as_bytes().ct_eq(service_token.as_bytes()))
        }
        None => false,
    }
}

/// Requires the service credential: 401 without a token, 403 with any other token.
pub fn require_service(req: &Request, service_token: &str) -> ApiResult<()> {
    if is_service_call(req, service_token) {
        Ok(())
    } else if bearer_token(req).is_none() {
        Err(ApiError::unauthorized("not authenticated"))
    } else {
        Err(ApiError::forbidden(
            "this endpoint is for services of this application only",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "test-secret";

    #[test]
    fn issued_token_verifies() {
        let token = issue_token(SECRET, 7, "a@b.co", Role::Admin).unwrap();
        let caller = verify_token(SECRET, &token).unwrap();
        assert_eq!(
            caller,
            Caller {
                id: 7,
                email: "a@b.co".into(),
                role: Role::Admin
            }
        );
    }

    #[test]
    fn wrong_secret_is_rejected() {
        let token = issue_token(SECRET, 7, "a@b.co", Role::User).unwrap();
        assert_eq!(verify_token("other", &token).unwrap_err().status, 401);
    }

    #[test]
    fn expired_token_is_rejected() {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: "1".into(),
            email: "x@y.z".into(),
            role: Role::User,
            iat: now - 100,
            exp: now - 10,
        };
        let token = jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        let err = verify_token(SECRET, &token).unwrap_err();
        assert_eq!(err.status, 401);
        assert_eq!(err.detail, "token has expired");
    }

    #[test]
    fn alg_none_is_rejected() {
        // header {"alg":"none","typ":"JWT"}, payload with admin role, empty signature
        let token = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwiZW1haWwiOiJ4QHkueiIsInJvbGUiOiJhZG1pbiIsImlhdCI6MCwiZXhwIjo0MTAyNDQ0ODAwfQ.";
        assert_eq!(verify_token(SECRET, token).unwrap_err().status, 401);
    }
}
