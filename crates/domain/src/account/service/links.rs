//! The account's mailed links: e-mail verification and password reset.
//!
//! A link carries a fresh secret; only its SHA-256 is stored, with its
//! purpose and expiry, and it works once. The requests that send a link
//! (resend, reset) answer the same whether or not the address has an
//! account, and do comparable work either way.

use super::{AccountService, sha256_hex};
use crate::DomainError;
use crate::account::{
    AccountToken, AccountTokenPurpose, Email, PASSWORD_RESET_TTL, Password, User, VERIFY_EMAIL_TTL,
};
use crate::audit::{AuditAction, AuditEntry, RequestOrigin};
use crate::mail::{email_verification, mail_context, password_reset};

impl AccountService {
    /// Stores a new token of `purpose` for `user` and returns its value.
    async fn new_link_token(
        &self,
        user: &User,
        purpose: AccountTokenPurpose,
    ) -> Result<(String, String), DomainError> {
        let now = self.ports.clock.now();
        let ttl = match purpose {
            AccountTokenPurpose::VerifyEmail => VERIFY_EMAIL_TTL,
            AccountTokenPurpose::PasswordReset => PASSWORD_RESET_TTL,
        };
        let secret = self.ports.ids.new_secret();
        self.ports
            .account_tokens
            .insert(&AccountToken {
                token_hash: sha256_hex(&secret),
                user_id: user.id.clone(),
                purpose,
                created_at: now,
                expires_at: now + ttl,
                used_at: None,
            })
            .await?;
        // The mail's id names a fresh id, never the secret.
        Ok((secret, self.ports.ids.new_id()))
    }

    /// Records a verification mail with a new link for `user`.
    pub(super) async fn send_verification(&self, user: &User) -> Result<(), DomainError> {
        let (token, entity) = self
            .new_link_token(user, AccountTokenPurpose::VerifyEmail)
            .await?;
        let mail = email_verification(
            &mail_context(&self.settings),
            user,
            &self.settings.public_url,
            &token,
            &entity,
        );
        self.ports
            .outbox
            .enqueue(&[mail], self.ports.clock.now())
            .await
    }

    /// Whether customers must verify their address before ordering.
    pub fn requires_email_verification(&self) -> bool {
        self.settings.require_email_verification
    }

    /// Uses a verification link: the account's address is verified.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn verify_email(&self, token: &str) -> Result<User, DomainError> {
        let now = self.ports.clock.now();
        let used = self
            .ports
            .account_tokens
            .consume(&sha256_hex(token), AccountTokenPurpose::VerifyEmail, now)
            .await?
            .ok_or(DomainError::AccountTokenInvalid)?;
        match self
            .ports
            .accounts
            .set_email_verified(&used.user_id, now)
            .await
        {
            Err(DomainError::NotFound(_)) => return Err(DomainError::AccountTokenInvalid),
            other => other?,
        }
        self.load(&used.user_id).await
    }

    /// Sends a new verification link when the address belongs to an active,
    /// unverified account; otherwise does comparable work and nothing else.
    /// The caller answers the same either way. A malformed address is a
    /// validation error (it says nothing about any account).
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn resend_verification(&self, email: &str) -> Result<(), DomainError> {
        let email = Email::parse(email)
            .map_err(|_| DomainError::invalid("email", "must be a valid e-mail address"))?;
        match self.ports.accounts.find_by_email(&email).await? {
            Some(user) if user.is_active() && user.email_verified_at.is_none() => {
                self.send_verification(&user).await
            }
            _ => {
                self.decoy_work();
                Ok(())
            }
        }
    }

    /// Mails a password reset link when the address belongs to an active
    /// account; otherwise does comparable work and nothing else. The caller
    /// answers the same either way.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn request_password_reset(&self, email: &str) -> Result<(), DomainError> {
        let email = Email::parse(email)
            .map_err(|_| DomainError::invalid("email", "must be a valid e-mail address"))?;
        let Some(user) = self
            .ports
            .accounts
            .find_by_email(&email)
            .await?
            .filter(User::is_active)
        else {
            self.decoy_work();
            return Ok(());
        };
        let (token, entity) = self
            .new_link_token(&user, AccountTokenPurpose::PasswordReset)
            .await?;
        let mail = password_reset(
            &mail_context(&self.settings),
            &user,
            &self.settings.public_url,
            &token,
            &entity,
        );
        self.ports
            .outbox
            .enqueue(&[mail], self.ports.clock.now())
            .await
    }

    /// What an unknown address costs: a secret minted and hashed, as for a
    /// real link.
    fn decoy_work(&self) {
        let _ = sha256_hex(&self.ports.ids.new_secret());
    }

    /// Uses a password reset link: sets the new password (the registration
    /// rules), ends every session and access token of the account, and
    /// voids its other reset links. The link also proves the address. The
    /// audit trail records it (`password.reset`, the account as actor, from
    /// `origin`) with the new password.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn confirm_password_reset(
        &self,
        token: &str,
        new_password: &str,
        origin: &RequestOrigin,
    ) -> Result<(), DomainError> {
        // Checked before the link is spent, so a weak password does not
        // cost the user their link.
        let password = Password::parse(new_password).map_err(|e| match e {
            DomainError::Validation(errors) => DomainError::Validation(
                errors
                    .into_iter()
                    .map(|f| crate::FieldError::new("new_password", f.message))
                    .collect(),
            ),
            other => other,
        })?;
        let now = self.ports.clock.now();
        let used = self
            .ports
            .account_tokens
            .consume(&sha256_hex(token), AccountTokenPurpose::PasswordReset, now)
            .await?
            .ok_or(DomainError::AccountTokenInvalid)?;
        let user = match self.ports.accounts.get(&used.user_id).await? {
            Some(user) if user.is_active() => user,
            _ => return Err(DomainError::AccountTokenInvalid),
        };
        let hash = self.ports.hasher.hash(password.expose()).await?;
        let entry = AuditEntry::security(
            &user.id,
            origin,
            self.ports.ids.as_ref(),
            now,
            AuditAction::PasswordReset,
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
            .revoke_user_sessions(&user.id, None, now)
            .await?;
        self.ports
            .account_tokens
            .invalidate_user_tokens(&user.id, AccountTokenPurpose::PasswordReset, now)
            .await?;
        if user.email_verified_at.is_none() {
            self.ports
                .accounts
                .set_email_verified(&user.id, now)
                .await?;
        }
        Ok(())
    }
}
