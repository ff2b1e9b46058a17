//! How malformed requests are refused: JSON bodies, query strings, paths,
//! unknown routes and wrong methods all answer problem+json.

use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use shop_http_contract::Problem;

use crate::problem::ApiError;

/// The JSON extractor configuration: body limit and error mapping.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| json_error(err).into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| query_error(&err).into())
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| path_error(&err).into())
}

pub fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => Problem::too_large(Some(limit)).into(),
        JsonPayloadError::Payload(PayloadError::Overflow) => Problem::too_large(None).into(),
        JsonPayloadError::ContentType => Problem::unsupported_media_type().into(),
        JsonPayloadError::Deserialize(e) => Problem::from_json(&e).into(),
        JsonPayloadError::Payload(e) => {
            Problem::bad_request(format!("the request body could not be read: {e}")).into()
        }
        other => ApiError::internal(&other),
    }
}

fn query_error(err: &QueryPayloadError) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "Validation failed",
        format!("invalid query string: {err}"),
    )
    .with_field("query", err.to_string())
}

fn path_error(err: &PathError) -> ApiError {
    Problem::bad_request(format!("invalid path: {err}")).into()
}

/// The default service: no route matches.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::not_found(format!("no route for {} {}", req.method(), req.path())).error_response()
}

/// The default service of every resource: the path exists, the method does not.
pub async fn method_not_allowed() -> HttpResponse {
    ApiError::method_not_allowed().error_response()
}

/// A resource whose unsupported methods answer 405 problem+json.
pub fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test};
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        quantity: u32,
    }

    async fn accept(body: web::Json<Body>) -> HttpResponse {
        HttpResponse::Ok().body(body.name.clone())
    }

    macro_rules! app {
        () => {
            test::init_service(
                App::new()
                    .app_data(json_config(64))
                    .app_data(query_config())
                    .service(resource("/things").route(web::post().to(accept)))
                    .default_service(web::to(not_found)),
            )
            .await
        };
    }

    macro_rules! problem {
        ($app:expr, $req:expr) => {{
            let res = test::call_service(&$app, $req.to_request()).await;
            let status = res.status().as_u16();
            assert_eq!(
                res.headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("application/problem+json")
            );
            let json: serde_json::Value = test::read_body_json(res).await;
            (status, json)
        }};
    }

    fn post(body: &str) -> test::TestRequest {
        test::TestRequest::post()
            .uri("/things")
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string())
    }

    #[actix_web::test]
    async fn valid_json_passes() {
        let app = app!();
        let res = test::call_service(&app, post(r#"{"name":"a","quantity":1}"#).to_request()).await;
        assert_eq!(res.status(), 200);
    }

    #[actix_web::test]
    async fn too_large_is_413() {
        let app = app!();
        let big = format!(r#"{{"name":"{}","quantity":1}}"#, "x".repeat(200));
        let (status, json) = problem!(app, post(&big));
        assert_eq!(status, 413);
        assert_eq!(json["code"], "payload_too_large");
    }

    #[actix_web::test]
    async fn unknown_field_is_422_naming_it() {
        let app = app!();
        let (status, json) = problem!(app, post(r#"{"name":"a","quantity":1,"price":"0"}"#));
        assert_eq!(status, 422);
        assert_eq!(json["code"], "validation_failed");
        assert_eq!(json["errors"][0]["field"], "price");
        assert!(
            json["detail"]
                .as_str()
                .unwrap()
                .contains("unknown field `price`")
        );
    }

    #[actix_web::test]
    async fn missing_field_and_wrong_type_are_422() {
        let app = app!();
        let (status, json) = problem!(app, post(r#"{"name":"a"}"#));
        assert_eq!(
            (status, json["errors"][0]["field"].as_str()),
            (422, Some("quantity"))
        );
        let (status, json) = problem!(app, post(r#"{"name":"a","quantity":-1}"#));
        assert_eq!(
            (status, json["code"].as_str()),
            (422, Some("validation_failed"))
        );
    }

    #[actix_web::test]
    async fn syntax_error_is_400() {
        let app = app!();
        let (status, json) = problem!(app, post(r#"{"name":"a","#));
        assert_eq!(status, 400);
        assert_eq!(json["code"], "malformed_json");
        let (status, _) = problem!(app, post(""));
        assert_eq!(status, 400);
    }

    #[actix_web::test]
    async fn wrong_content_type_is_415() {
        let app = app!();
        let req = test::TestRequest::post()
            .uri("/things")
            .insert_header(("content-type", "text/plain"))
            .set_payload(r#"{"name":"a","quantity":1}"#);
        let (status, json) = problem!(app, req);
        assert_eq!(status, 415);
        assert_eq!(json["code"], "unsupported_media_type");
    }

    #[actix_web::test]
    async fn unknown_route_is_404_and_wrong_method_405() {
        let app = app!();
        let (status, json) = problem!(app, test::TestRequest::get().uri("/nowhere"));
        assert_eq!((status, json["code"].as_str()), (404, Some("not_found")));
        let (status, json) = problem!(app, test::TestRequest::delete().uri("/things"));
        assert_eq!(
            (status, json["code"].as_str()),
            (405, Some("method_not_allowed"))
        );
    }
}
