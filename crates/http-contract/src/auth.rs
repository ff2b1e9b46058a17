//! The auth routes' request and response bodies (register, login, refresh,
//! logout) and the user they carry, field for field as API.md has them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shop_domain::account::{AccountStatus, LoginOutcome, Role, User};
use shop_domain::business::BusinessStatus;

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserDto {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(example = "ann@example.com"))]
    pub email: String,
    pub name: String,
    pub role: RoleDto,
    pub status: AccountStatusDto,
    pub created_at: DateTime<Utc>,
    /// When the address was verified (the mailed link); null while it is not.
    pub email_verified_at: Option<DateTime<Utc>>,
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
            email_verified_at: u.email_verified_at,
        }
    }
}

/// `{user}`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserEnvelope {
    pub user: UserDto,
}

impl From<User> for UserEnvelope {
    fn from(u: User) -> Self {
        Self { user: u.into() }
    }
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[cfg_attr(feature = "openapi", schema(example = "ann@example.com"))]
    pub email: String,
    /// 10..=128 characters, not a common password.
    pub password: String,
    pub name: String,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NextAction {
    CompleteBusinessProfile,
}

/// A new token pair, the user and where their business profile stands.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    #[cfg_attr(feature = "openapi", schema(example = "Bearer"))]
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

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BusinessStatusDto {
    None,
    Pending,
    Approved,
    Rejected,
}

impl From<BusinessStatus> for BusinessStatusDto {
    fn from(s: BusinessStatus) -> Self {
        match s {
            BusinessStatus::None => Self::None,
            BusinessStatus::Pending => Self::Pending,
            BusinessStatus::Approved => Self::Approved,
            BusinessStatus::Rejected => Self::Rejected,
        }
    }
}

impl From<BusinessStatusDto> for BusinessStatus {
    fn from(s: BusinessStatusDto) -> Self {
        match s {
            BusinessStatusDto::None => Self::None,
            BusinessStatusDto::Pending => Self::Pending,
            BusinessStatusDto::Approved => Self::Approved,
            BusinessStatusDto::Rejected => Self::Rejected,
        }
    }
}

/// `POST /api/v1/auth/verify-email`.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    /// The `token` of the mailed link.
    pub token: String,
}

/// `POST /api/v1/auth/resend-verification` and `POST /api/v1/auth/password-reset`.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailRequest {
    #[cfg_attr(feature = "openapi", schema(example = "ann@example.com"))]
    pub email: String,
}

/// `POST /api/v1/auth/password-reset/confirm`.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirmRequest {
    /// The `token` of the mailed link.
    pub token: String,
    /// 10..=128 characters, not a common password.
    pub new_password: String,
}

/// The answer to a request that may mail a link: the same whether or not
/// the address has an account.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailAccepted {
    #[cfg_attr(
        feature = "openapi",
        schema(example = "If the address belongs to an account, a mail is on its way.")
    )]
    pub message: &'static str,
}

impl MailAccepted {
    pub const fn new() -> Self {
        Self {
            message: "If the address belongs to an account, a mail is on its way.",
        }
    }
}

impl Default for MailAccepted {
    fn default() -> Self {
        Self::new()
    }
}
