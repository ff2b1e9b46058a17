//! Accounts: users, sign-in and tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shop_domain::account::{AccountStatus, LoginOutcome, Role, User};
use utoipa::ToSchema;

use super::business::BusinessStatusDto;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    Customer,
    Admin,
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> Self {
        match r {
            Role::Customer => Self::Customer,
            Role::Admin => Self::Admin,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatusDto {
    Active,
    Inactive,
}

impl From<AccountStatus> for AccountStatusDto {
    fn from(s: AccountStatus) -> Self {
        match s {
            AccountStatus::Active => Self::Active,
            AccountStatus::Inactive => Self::Inactive,
        }
    }
}

impl From<AccountStatusDto> for AccountStatus {
    fn from(s: AccountStatusDto) -> Self {
        match s {
            AccountStatusDto::Active => Self::Active,
            AccountStatusDto::Inactive => Self::Inactive,
        }
    }
}

/// A user account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    pub id: String,
    #[schema(example = "ann@example.com")]
    pub email: String,
    pub name: String,
    pub role: RoleDto,
    pub status: AccountStatusDto,
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id.to_string(),
            email: u.email.to_string(),
            name: u.name.as_str().to_string(),
            role: u.role.into(),
            status: u.status.into(),
            created_at: u.created_at,
        }
    }
}

/// `{user}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserEnvelope {
    pub user: UserDto,
}

impl From<User> for UserEnvelope {
    fn from(u: User) -> Self {
        Self { user: u.into() }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(example = "ann@example.com")]
    pub email: String,
    /// 10..=128 characters, not a common password.
    pub password: String,
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

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

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NextAction {
    CompleteBusinessProfile,
}

/// A new token pair, the user and where their business profile stands.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    pub user: UserDto,
    pub business_status: BusinessStatusDto,
    /// `complete_business_profile` while the profile is `none` or `rejected`, else null.
    pub next_action: Option<NextAction>,
}

impl From<LoginOutcome> for TokenResponse {
    fn from(o: LoginOutcome) -> Self {
        let next_action = o
            .business_status
            .needs_profile()
            .then_some(NextAction::CompleteBusinessProfile);
        Self {
            access_token: o.tokens.access_token,
            token_type: "Bearer",
            expires_in: o.tokens.expires_in,
            refresh_token: o.tokens.refresh_token,
            user: o.user.into(),
            business_status: o.business_status.into(),
            next_action,
        }
    }
}
