//! SDK errors as domain errors. Only the service's error code and message, or
//! the kind of transport failure, reach the message: never the request, whose
//! signature headers are derived from the credentials. The SDK error itself is
//! the store error's source (its `Display` chain names no request either; its
//! `Debug` holds the raw response, so log it with `%`).

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use shop_domain::{DomainError, StoreError};

/// Throttling, 5xx, timeouts, connection failures, a missing table: the
/// domain cannot act on any of them, so all are a store failure.
pub(crate) fn store_error<E, R>(operation: &str, err: SdkError<E, R>) -> DomainError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let detail = match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            format!(
                "{}: {}",
                e.code().unwrap_or("unknown error"),
                e.message().unwrap_or("no message")
            )
        }
        SdkError::TimeoutError(_) => "timed out".to_string(),
        SdkError::DispatchFailure(_) => {
            format!("request not sent: {}", DisplayErrorContext(&err))
        }
        SdkError::ResponseError(_) => "unreadable response".to_string(),
        SdkError::ConstructionFailure(_) => {
            format!("request not built: {}", DisplayErrorContext(&err))
        }
        _ => "unknown SDK failure".to_string(),
    };
    tracing::warn!(operation, detail = %detail, "dynamodb request failed");
    DomainError::Store(StoreError::backend(
        format!("dynamodb {operation}: {detail}"),
        err,
    ))
}

/// An item this adapter cannot read back: written by something else, or
/// by an incompatible version.
pub(crate) fn corrupt_item(what: &str) -> DomainError {
    DomainError::Internal(format!("dynamodb: unreadable item: {what}"))
}

/// Building a request from this crate's constants failed: a programming error.
pub(crate) fn request_build_error(err: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(format!("dynamodb: request not built: {err}"))
}
