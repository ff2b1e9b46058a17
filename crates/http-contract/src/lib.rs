//! The HTTP contract shop-api and the auth Lambda share, so a client cannot
//! tell which of the two answered: RFC 9457 problem documents with the
//! DomainError → status/code mapping as plain data, and the auth DTOs.
//! Transport-free: each app turns a [`Problem`] into its own response type.

pub mod auth;
pub mod problem;

pub use problem::{PROBLEM_CONTENT_TYPE, Problem, ProblemDetails, ProblemField};
