use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use super::{
    AccessClaims, AccountStatus, Email, Password, PersonName, Principal, RefreshSession,
    RefreshToken, Role, User, UserFilter,
};
use super::{
    AccountStore, AccountTokenStore, LoginThrottle, LoginThrottleStore, PasswordHasher,
    RefreshTokenStore, TokenSigner, throttle_key,
};
use crate::audit::{AuditAction, AuditEntry, RequestOrigin};
use crate::business::BusinessProfileStore;
use crate::business::BusinessStatus;
use crate::error::Validator;
use crate::ids::{SessionId, UserId};
use crate::mail::{MailOutbox, login_backoff_notice, mail_context};
use crate::settings::ShopSettings;
use crate::{Clock, DomainError, IdGenerator, Page, PageRequest};

#[derive(Debug, Clone)]
pub struct RegisterInput {
    pub email: String,
    pub password: String,
    pub name: String,
}

#[derive(Clone)]
pub struct TokenPair {
    pub access_token: String,
    /// Seconds.
    pub expires_in: i64,
    pub refresh_token: String,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub tokens: TokenPair,
    pub user: User,
    pub business_status: BusinessStatus,
}

/// What [`AccountService::ensure_admin`] found or did.
#[derive(Debug, Clone)]
pub enum ConfiguredAdmin {
    /// No account had the address: this admin was created.
    Created(User),
    /// The address belongs to an admin, left as it is (active or not).
    Existing(User),
    /// The address belongs to a customer, who was not promoted.
    NotPromoted(User),
}

impl ConfiguredAdmin {
    fn existing(user: User) -> Self {
        if user.role == Role::Admin {
            Self::Existing(user)
        } else {
            Self::NotPromoted(user)
        }
    }

    pub fn user(&self) -> &User {
        match self {
            Self::Created(u) | Self::Existing(u) | Self::NotPromoted(u) => u,
        }
    }
}

pub(crate) fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// The ports the account service uses.
#[derive(Clone)]
pub struct AccountPorts {
    pub accounts: Arc<dyn AccountStore>,
    pub refresh_tokens: Arc<dyn RefreshTokenStore>,
    /// The business behind an account, for the `business_status` of a sign-in.
    pub profiles: Arc<dyn BusinessProfileStore>,
    /// Failed sign-ins per address, shared by every instance.
    pub login_throttle: Arc<dyn LoginThrottleStore>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub signer: Arc<dyn TokenSigner>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    /// Verification and password reset links.
    pub account_tokens: Arc<dyn AccountTokenStore>,
    /// Where the verification and reset mails are recorded for delivery.
    pub outbox: Arc<dyn MailOutbox>,
}

pub struct AccountService {
    ports: AccountPorts,
    settings: Arc<ShopSettings>,
    /// Verified against when the e-mail is unknown, so both failures cost the
    /// same time.
    dummy_hash: OnceLock<String>,
}

impl AccountService {
    pub fn new(ports: AccountPorts, settings: Arc<ShopSettings>) -> Self {
        Self {
            ports,
            settings,
            dummy_hash: OnceLock::new(),
        }
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn register(&self, input: RegisterInput) -> Result<User, DomainError> {
        let mut v = Validator::new();
        let email = v.take("email", Email::parse(&input.email));
        let password = v.take("password", Password::parse(&input.password));
        let name = v.take("name", PersonName::parse(&input.name));
        v.finish()?;
        let (Some(email), Some(password), Some(name)) = (email, password, name) else {
            return Err(DomainError::Internal("validation inconsistency".into()));
        };
        let user = self
            .create_user(email, &password, name, Role::Customer)
            .await?;
        // The account exists whatever happens to its mail: a failure here
        // is logged, and the user can ask for the link again. A shop that
        // does not require verification sends no link unasked.
        if self.settings.require_email_verification
            && let Err(e) = self.send_verification(&user).await
        {
            tracing::warn!(user_id = %user.id, error = %e, "the verification mail could not be recorded");
        }
        Ok(user)
    }

    async fn create_user(
        &self,
        email: Email,
        password: &Password,
        name: PersonName,
        role: Role,
    ) -> Result<User, DomainError> {
        let password_hash = self.ports.hasher.hash(password.expose()).await?;
        let now = self.ports.clock.now();
        let user = User {
            id: UserId::new(self.ports.ids.new_id()),
            email,
            name,
            password_hash,
            role,
            status: AccountStatus::Active,
            session_version: 0,
            created_at: now,
            // An operator's admin (start-up or `shop-api admin create`)
            // needs no link: its address is the operator's word.
            email_verified_at: (role == Role::Admin).then_some(now),
        };
        self.ports.accounts.insert(&user).await?;
        Ok(user)
    }

    /// The start-up admin (`SHOP_ADMIN_EMAIL`): created when no account has
    /// that address, and otherwise left exactly as it is. Configuration never
    /// promotes a customer (whoever registered the address first would become
    /// admin) nor reactivates an admin another admin inactivated; an operator
    /// does either on purpose with [`Self::promote_admin`] or the admin API.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn ensure_admin(
        &self,
        email: &str,
        password: &str,
    ) -> Result<ConfiguredAdmin, DomainError> {
        let email = Email::parse(email)?;
        let password = Password::parse(password)?;
        if let Some(user) = self.ports.accounts.find_by_email(&email).await? {
            return Ok(ConfiguredAdmin::existing(user));
        }
        match self.create_admin_account(email.clone(), &password).await {
            Ok(user) => Ok(ConfiguredAdmin::Created(user)),
            // Another instance bootstrapped it at the same moment.
            Err(DomainError::EmailTaken) => self
                .ports
                .accounts
                .find_by_email(&email)
                .await?
                .map(ConfiguredAdmin::existing)
                .ok_or(DomainError::NotFound("user")),
            Err(other) => Err(other),
        }
    }

    /// An operator's `shop-api admin create`: a new admin account; refuses an
    /// address that already has an account ([`DomainError::EmailTaken`]).
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn create_admin(&self, email: &str, password: &str) -> Result<User, DomainError> {
        let mut v = Validator::new();
        let email = v.take("email", Email::parse(email));
        let password = v.take("password", Password::parse(password));
        v.finish()?;
        let (Some(email), Some(password)) = (email, password) else {
            return Err(DomainError::Internal("validation inconsistency".into()));
        };
        self.create_admin_account(email, &password).await
    }

    /// An operator's `shop-api admin promote`: the account with this address
    /// becomes an admin. Its status is kept: an inactive account stays
    /// inactive until an admin activates it.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn promote_admin(&self, email: &str) -> Result<User, DomainError> {
        let email = Email::parse(email)?;
        let user = self
            .ports
            .accounts
            .find_by_email(&email)
            .await?
            .ok_or(DomainError::NotFound("user"))?;
        if user.role != Role::Admin {
            self.ports.accounts.set_role(&user.id, Role::Admin).await?;
            // Tokens issued as a customer carry the old role: end them.
            self.ports.accounts.bump_session_version(&user.id).await?;
        }
        self.load(&user.id).await
    }

    async fn create_admin_account(
        &self,
        email: Email,
        password: &Password,
    ) -> Result<User, DomainError> {
        let name = PersonName::parse("Administrator")?;
        self.create_user(email, password, name, Role::Admin).await
    }

    /// Costs what verifying a real hash costs. Only [`DomainError::Busy`]
    /// (the hashing budget is spent) is reported, as it would be for a real
    /// account.
    async fn dummy_verify(&self, password: &str) -> Result<(), DomainError> {
        let hash = match self.dummy_hash.get() {
            Some(h) => h.clone(),
            None => match self.ports.hasher.hash("not-a-real-password-0").await {
                Ok(h) => self.dummy_hash.get_or_init(|| h).clone(),
                Err(DomainError::Busy) => return Err(DomainError::Busy),
                Err(_) => return Ok(()),
            },
        };
        match self.ports.hasher.verify(password, &hash).await {
            Err(DomainError::Busy) => Err(DomainError::Busy),
            _ => Ok(()),
        }
    }

    /// Counts a failed sign-in. The failure that starts a back-off episode
    /// of an account (the one caller that marks it notified) writes a
    /// `login.backoff` audit entry with the mark and mails the owner once
    /// through the outbox. The mail is recorded after the mark: should that
    /// fail, the episode goes unmailed rather than mailed twice.
    async fn record_failure(
        &self,
        key: &str,
        user: Option<&User>,
        origin: &RequestOrigin,
    ) -> Result<(), DomainError> {
        let now = self.ports.clock.now();
        let state: LoginThrottle = self.ports.login_throttle.record_failure(key, now).await?;
        let policy = &self.settings.login_backoff;
        if !policy.backs_off(&state) || state.notified {
            return Ok(());
        }
        let Some(user) = user else {
            // No owner to tell and nothing to audit: an address without an
            // account is logged once per episode (never the address).
            if self.ports.login_throttle.mark_notified(key, &[]).await? {
                tracing::warn!(
                    failures = state.failures,
                    "sign-ins for an address without an account back off"
                );
            }
            return Ok(());
        };
        let until = policy.blocked_until(&state);
        let entry = AuditEntry::security(
            &user.id,
            origin,
            self.ports.ids.as_ref(),
            now,
            AuditAction::LoginBackoff,
            "user",
            &user.id,
        )
        .field("failed_sign_ins", None::<u32>, Some(state.failures))
        .field(
            "blocked_until",
            None::<String>,
            until.map(|t| t.to_rfc3339()),
        );
        if !self
            .ports
            .login_throttle
            .mark_notified(key, &[entry])
            .await?
        {
            return Ok(());
        }
        tracing::warn!(
            user_id = %user.id,
            failures = state.failures,
            "sign-ins for an account back off; its owner is mailed"
        );
        let mail = login_backoff_notice(
            &mail_context(&self.settings),
            user,
            state.failures,
            &self.settings.public_url,
            &self.ports.ids.new_id(),
        );
        if let Err(e) = self.ports.outbox.enqueue(&[mail], now).await {
            tracing::warn!(user_id = %user.id, error = %e, "the back-off mail could not be recorded");
        }
        Ok(())
    }

    /// Signs in. An address in back-off (see [`super::BackoffPolicy`]) is
    /// refused with [`DomainError::LoginBackoff`] before any password is
    /// checked, whether it has an account or not; a failure counts against
    /// it, a success (even of an inactive account) forgets its failures.
    /// `origin` is the request's, for the audit trail.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        origin: &RequestOrigin,
    ) -> Result<LoginOutcome, DomainError> {
        let key = throttle_key(email);
        let throttle = self.ports.login_throttle.get(&key).await?;
        if let Some(state) = &throttle
            && let Some(retry_after) = self
                .settings
                .login_backoff
                .retry_after(state, self.ports.clock.now())
        {
            return Err(DomainError::LoginBackoff { retry_after });
        }
        let user = match Email::parse(email) {
            Ok(email) => self.ports.accounts.find_by_email(&email).await?,
            Err(_) => None,
        };
        let Some(user) = user else {
            self.dummy_verify(password).await?;
            self.record_failure(&key, None, origin).await?;
            return Err(DomainError::InvalidCredentials);
        };
        if !self
            .ports
            .hasher
            .verify(password, &user.password_hash)
            .await?
        {
            self.record_failure(&key, Some(&user), origin).await?;
            return Err(DomainError::InvalidCredentials);
        }
        if throttle.is_some() {
            self.ports.login_throttle.clear(&key).await?;
        }
        if !user.is_active() {
            return Err(DomainError::AccountInactive);
        }
        let session = RefreshSession {
            id: SessionId::new(self.ports.ids.new_id()),
            user_id: user.id.clone(),
            created_at: self.ports.clock.now(),
            revoked_at: None,
        };
        self.ports.refresh_tokens.create_session(&session).await?;
        let tokens = self.issue_tokens(&user, &session.id).await?;
        let business_status = self.business_status(&user.id).await?;
        Ok(LoginOutcome {
            tokens,
            user,
            business_status,
        })
    }

    #[tracing::instrument(level = "info", skip_all, fields(user_id = %user_id))]
    pub async fn business_status(&self, user_id: &UserId) -> Result<BusinessStatus, DomainError> {
        Ok(self
            .ports
            .profiles
            .get(user_id)
            .await?
            .map_or(BusinessStatus::None, |p| p.status))
    }

    async fn issue_tokens(
        &self,
        user: &User,
        session_id: &SessionId,
    ) -> Result<TokenPair, DomainError> {
        let now = self.ports.clock.now();
        let ttl = self.settings.access_token_ttl;
        let claims = AccessClaims {
            user_id: user.id.clone(),
            role: user.role,
            session_version: user.session_version,
            session_id: session_id.clone(),
            token_id: self.ports.ids.new_id(),
            issued_at: now.timestamp(),
            expires_at: (now + ttl).timestamp(),
        };
        let access_token = self.ports.signer.sign(&claims)?;
        let refresh_token = self.ports.ids.new_secret();
        self.ports
            .refresh_tokens
            .insert_token(&RefreshToken {
                token_hash: sha256_hex(&refresh_token),
                session_id: session_id.clone(),
                user_id: user.id.clone(),
                issued_at: now,
                expires_at: now + self.settings.refresh_token_ttl,
                spent_at: None,
            })
            .await?;
        Ok(TokenPair {
            access_token,
            expires_in: ttl.num_seconds(),
            refresh_token,
        })
    }

    /// Rotates a refresh token. A token presented twice means it leaked:
    /// the whole session (every token rotated from the same login) ends,
    /// and the audit trail records it (`refresh_token.reuse`, the account
    /// as actor, from `origin`).
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn refresh(
        &self,
        refresh_token: &str,
        origin: &RequestOrigin,
    ) -> Result<LoginOutcome, DomainError> {
        let now = self.ports.clock.now();
        let hash = sha256_hex(refresh_token);
        let Some(token) = self.ports.refresh_tokens.find_token(&hash).await? else {
            return Err(DomainError::InvalidToken);
        };
        if token.spent_at.is_some() || !self.ports.refresh_tokens.spend_token(&hash, now).await? {
            let session = self
                .ports
                .refresh_tokens
                .get_session(&token.session_id)
                .await?;
            let state = |revoked: bool| if revoked { "revoked" } else { "active" };
            let entry = AuditEntry::security(
                &token.user_id,
                origin,
                self.ports.ids.as_ref(),
                now,
                AuditAction::RefreshTokenReuse,
                "session",
                &token.session_id,
            )
            .field(
                "session",
                session.map(|s| state(s.revoked_at.is_some())),
                Some(state(true)),
            );
            self.ports
                .refresh_tokens
                .revoke_session(&token.session_id, now, &[entry])
                .await?;
            return Err(DomainError::InvalidToken);
        }
        if token.expires_at <= now {
            return Err(DomainError::InvalidToken);
        }
        let session = self
            .ports
            .refresh_tokens
            .get_session(&token.session_id)
            .await?;
        if session.is_none_or(|s| s.revoked_at.is_some()) {
            return Err(DomainError::InvalidToken);
        }
        let user = self.load(&token.user_id).await?;
        if !user.is_active() {
            return Err(DomainError::AccountInactive);
        }
        let tokens = self.issue_tokens(&user, &token.session_id).await?;
        let business_status = self.business_status(&user.id).await?;
        Ok(LoginOutcome {
            tokens,
            user,
            business_status,
        })
    }

    /// Checks an access token against the store on every request, so an
    /// inactivation or a logout takes effect on the very next one.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn authenticate(&self, access_token: &str) -> Result<Principal, DomainError> {
        let claims = self.ports.signer.verify(access_token)?;
        if claims.expires_at <= self.ports.clock.now().timestamp() {
            return Err(DomainError::TokenExpired);
        }
        let user = self
            .ports
            .accounts
            .get(&claims.user_id)
            .await?
            .ok_or(DomainError::InvalidToken)?;
        if !user.is_active() {
            return Err(DomainError::AccountInactive);
        }
        if user.session_version != claims.session_version {
            return Err(DomainError::InvalidToken);
        }
        let session = self
            .ports
            .refresh_tokens
            .get_session(&claims.session_id)
            .await?;
        if session.is_none_or(|s| s.revoked_at.is_some() || s.user_id != user.id) {
            return Err(DomainError::InvalidToken);
        }
        Ok(Principal {
            user_id: user.id,
            role: user.role,
            session_id: claims.session_id,
            email_verified: user.email_verified_at.is_some(),
            email: user.email,
            origin: Default::default(),
        })
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn logout(&self, principal: &Principal) -> Result<(), DomainError> {
        self.ports
            .refresh_tokens
            .revoke_session(&principal.session_id, self.ports.clock.now(), &[])
            .await
    }

    async fn load(&self, id: &UserId) -> Result<User, DomainError> {
        self.ports
            .accounts
            .get(id)
            .await?
            .ok_or(DomainError::NotFound("user"))
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn me(&self, principal: &Principal) -> Result<User, DomainError> {
        self.load(&principal.user_id).await
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn update_name(
        &self,
        principal: &Principal,
        name: &str,
    ) -> Result<User, DomainError> {
        let name = PersonName::parse(name)?;
        self.ports
            .accounts
            .set_name(&principal.user_id, &name)
            .await?;
        self.load(&principal.user_id).await
    }

    /// Changes the password and ends every other session of the user: the
    /// session version moves on (so every access token issued so far is
    /// refused) and the other sessions' refresh tokens are revoked. The
    /// caller's session goes on with the fresh tokens returned.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
    ) -> Result<LoginOutcome, DomainError> {
        let user = self.load(&principal.user_id).await?;
        let mut v = Validator::new();
        let new = v.take("new_password", Password::parse(new));
        if !self
            .ports
            .hasher
            .verify(current, &user.password_hash)
            .await?
        {
            v.push("current_password", "is not the current password");
        }
        v.finish()?;
        let Some(new) = new else {
            return Err(DomainError::invalid("new_password", "is invalid"));
        };
        let hash = self.ports.hasher.hash(new.expose()).await?;
        let now = self.ports.clock.now();
        let entry = AuditEntry::by(
            principal,
            self.ports.ids.as_ref(),
            now,
            AuditAction::PasswordChange,
            "user",
            &user.id,
        )
        .field(
            "session_version",
            Some(user.session_version),
            Some(user.session_version + 1),
        );
        self.ports
            .accounts
            .set_password_hash(&user.id, &hash, &[entry])
            .await?;
        self.ports
            .refresh_tokens
            .revoke_user_sessions(&user.id, Some(&principal.session_id), now)
            .await?;
        let user = self.load(&user.id).await?;
        let tokens = self.issue_tokens(&user, &principal.session_id).await?;
        let business_status = self.business_status(&user.id).await?;
        Ok(LoginOutcome {
            tokens,
            user,
            business_status,
        })
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn list_users(
        &self,
        admin: &Principal,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, DomainError> {
        admin.require_admin()?;
        self.ports.accounts.list(filter, page).await
    }

    #[tracing::instrument(level = "info", skip_all, fields(user_id = %id))]
    pub async fn get_user(&self, admin: &Principal, id: &UserId) -> Result<User, DomainError> {
        admin.require_admin()?;
        self.load(id).await
    }

    /// Cuts the user off at once: the session version moves on, so every
    /// access token it holds is refused, and every refresh token dies with
    /// its session. Audited (`user.inactivate`) with the status change.
    #[tracing::instrument(level = "info", skip_all, fields(user_id = %id))]
    pub async fn inactivate(&self, admin: &Principal, id: &UserId) -> Result<User, DomainError> {
        admin.require_admin()?;
        if *id == admin.user_id {
            return Err(DomainError::InvalidState(
                "an admin cannot inactivate their own account".into(),
            ));
        }
        let user = self.load(id).await?;
        let now = self.ports.clock.now();
        let entry = self.status_entry(admin, &user, AccountStatus::Inactive, now);
        self.ports
            .accounts
            .set_status(id, AccountStatus::Inactive, &[entry])
            .await?;
        self.ports
            .refresh_tokens
            .revoke_user_sessions(id, None, now)
            .await?;
        self.load(id).await
    }

    /// Activates an inactive user (audited: `user.activate`); an active one
    /// is left as it is, and nothing is written.
    #[tracing::instrument(level = "info", skip_all, fields(user_id = %id))]
    pub async fn activate(&self, admin: &Principal, id: &UserId) -> Result<User, DomainError> {
        admin.require_admin()?;
        let user = self.load(id).await?;
        if !user.is_active() {
            let entry =
                self.status_entry(admin, &user, AccountStatus::Active, self.ports.clock.now());
            self.ports
                .accounts
                .set_status(id, AccountStatus::Active, &[entry])
                .await?;
        }
        self.load(id).await
    }

    /// The audit entry of `admin` setting `user`'s status (which bumps the
    /// session version).
    fn status_entry(
        &self,
        admin: &Principal,
        user: &User,
        status: AccountStatus,
        now: chrono::DateTime<chrono::Utc>,
    ) -> AuditEntry {
        let action = match status {
            AccountStatus::Active => AuditAction::UserActivate,
            AccountStatus::Inactive => AuditAction::UserInactivate,
        };
        AuditEntry::by(
            admin,
            self.ports.ids.as_ref(),
            now,
            action,
            "user",
            &user.id,
        )
        .field("status", Some(user.status.as_str()), Some(status.as_str()))
        .field(
            "session_version",
            Some(user.session_version),
            Some(user.session_version + 1),
        )
    }
}

mod links;
#[cfg(test)]
mod tests;
