//! RFC 9457 problem details as lambda_http responses. The documents and the
//! DomainError mapping are shop-http-contract's, as shop-api's are, so a
//! client cannot tell which of the two answered; the body-parsing errors
//! match shop-api's `payload.rs`.

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Response};
use shop_http_contract::problem::{self, Problem};

pub use shop_http_contract::PROBLEM_CONTENT_TYPE;

/// An error on its way to the client: the contract's problem, as shop-api
/// answers it.
pub type ApiError = Problem;

/// The problem as a lambda_http response.
pub fn into_response(problem: Problem) -> Response<Body> {
    let body = problem::to_json(&problem.body());
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
    );
    if problem.status == 401 {
        headers.insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use shop_domain::DomainError;

    #[test]
    fn auth_errors_map_as_in_shop_api() {
        let cases = [
            (
                DomainError::invalid("email", "bad"),
                422,
                "validation_failed",
            ),
            (DomainError::InvalidCredentials, 401, "invalid_credentials"),
            (DomainError::TokenExpired, 401, "token_expired"),
            (DomainError::InvalidToken, 401, "invalid_token"),
            (DomainError::AccountInactive, 401, "account_inactive"),
            (DomainError::EmailTaken, 409, "email_taken"),
            (DomainError::NotFound("user"), 404, "not_found"),
            (DomainError::Internal("boom".into()), 500, "internal_error"),
        ];
        for (error, status, code) in cases {
            let api = ApiError::from(error.clone());
            assert_eq!((api.status, api.code), (status, code), "{error:?}");
        }
    }

    #[test]
    fn internal_details_are_never_echoed() {
        let api = ApiError::from(DomainError::Internal("secret table xyz".into()));
        assert!(!api.detail.contains("xyz"));
        let api = ApiError::from(DomainError::Store(shop_domain::StoreError::unavailable(
            "password=hunter2",
        )));
        assert!(!api.detail.contains("hunter2"));
    }

    #[test]
    fn unauthorized_carries_www_authenticate() {
        let response = into_response(ApiError::from(DomainError::InvalidToken));
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.headers().get(header::WWW_AUTHENTICATE),
            Some(&header::HeaderValue::from_static("Bearer"))
        );
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE),
            Some(&header::HeaderValue::from_static(PROBLEM_CONTENT_TYPE))
        );
    }
}
