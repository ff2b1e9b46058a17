//! Accounts: users, sign-in and tokens. The auth bodies the Lambda answers
//! too live in shop-http-contract; the rest of the account routes' here.

use serde::Deserialize;
use utoipa::ToSchema;

pub use shop_http_contract::auth::{
    AccountStatusDto, EmailRequest, LoginRequest, MailAccepted, NextAction,
    PasswordResetConfirmRequest, RefreshRequest, RegisterRequest, RoleDto, TokenResponse, UserDto,
    UserEnvelope, VerifyEmailRequest,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}
