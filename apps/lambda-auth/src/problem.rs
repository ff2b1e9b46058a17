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
    if let Some(seconds) = problem.retry_after
        && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
    {
        headers.insert(header::RETRY_AFTER, value);
    }
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
    fn a_back_off_says_when_to_retry() {
        let response = into_response(ApiError::from(DomainError::LoginBackoff { retry_after: 7 }));
        assert_eq!(response.status(), 429);
        assert_eq!(
            response.headers().get(header::RETRY_AFTER),
            Some(&header::HeaderValue::from_static("7"))
        );
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
