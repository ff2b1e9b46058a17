use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Validator;
use crate::ids::UserId;
use crate::mail::MailMessage;
use crate::{DomainError, Page, PageRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessStatus {
    None,
    Pending,
    Approved,
    Rejected,
}

impl BusinessStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "none" => Some(Self::None),
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }

    /// The frontend prompts for the profile while this holds.
    pub fn needs_profile(self) -> bool {
        matches!(self, Self::None | Self::Rejected)
    }
}

fn text(v: &mut Validator, field: &str, raw: &str, min: usize, max: usize) -> String {
    let value = raw.trim().to_string();
    let len = value.chars().count();
    if len < min {
        v.push(field, "must not be empty");
    } else if len > max {
        v.push(field, &format!("must be at most {max} characters"));
    } else if value.chars().any(char::is_control) {
        v.push(field, "must not contain control characters");
    }
    value
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    /// State, province or similar; the tax table is keyed on it.
    pub region: String,
    pub postal_code: String,
    /// ISO-3166 alpha-2, upper case.
    pub country: String,
}

impl Address {
    /// Trims and checks every field, reporting them under `prefix.field`.
    pub fn validated(&self, prefix: &str, v: &mut Validator) -> Self {
        let f = |name: &str| format!("{prefix}.{name}");
        let country = self.country.trim().to_ascii_uppercase();
        if !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())) {
            v.push(&f("country"), "must be a two-letter ISO-3166 country code");
        }
        Self {
            line1: text(v, &f("line1"), &self.line1, 1, 200),
            line2: self
                .line2
                .as_deref()
                .map(|l| text(v, &f("line2"), l, 0, 200))
                .filter(|l| !l.is_empty()),
            city: text(v, &f("city"), &self.city, 1, 100),
            region: text(v, &f("region"), &self.region, 0, 100).to_ascii_uppercase(),
            postal_code: text(v, &f("postal_code"), &self.postal_code, 0, 20),
            country,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemptionCertificate {
    pub number: String,
    pub region: String,
    pub expires_on: NaiveDate,
}

/// What a customer submits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSubmission {
    pub legal_name: String,
    pub tax_id: String,
    pub phone: String,
    pub address: Address,
    pub tax_exempt_requested: bool,
    pub exemption_certificate: Option<ExemptionCertificate>,
}

impl ProfileSubmission {
    pub fn validated(&self, today: NaiveDate) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let legal_name = text(&mut v, "legal_name", &self.legal_name, 1, 200);
        let tax_id = text(&mut v, "tax_id", &self.tax_id, 1, 50);
        let phone = text(&mut v, "phone", &self.phone, 1, 40);
        if !phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
        {
            v.push("phone", "may hold digits, spaces and + - ( ) . only");
        }
        let address = self.address.validated("address", &mut v);
        let certificate = self.exemption_certificate.as_ref().map(|c| {
            let number = text(&mut v, "exemption_certificate.number", &c.number, 1, 100);
            let region = text(&mut v, "exemption_certificate.region", &c.region, 1, 100)
                .to_ascii_uppercase();
            if c.expires_on < today {
                v.push("exemption_certificate.expires_on", "is in the past");
            }
            ExemptionCertificate {
                number,
                region,
                expires_on: c.expires_on,
            }
        });
        if self.tax_exempt_requested && certificate.is_none() {
            v.push(
                "exemption_certificate",
                "is required when tax exemption is requested",
            );
        }
        v.finish()?;
        Ok(Self {
            legal_name,
            tax_id,
            phone,
            address,
            tax_exempt_requested: self.tax_exempt_requested,
            exemption_certificate: certificate,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessProfile {
    pub user_id: UserId,
    pub status: BusinessStatus,
    pub legal_name: String,
    pub tax_id: String,
    pub phone: String,
    pub address: Address,
    pub tax_exempt_requested: bool,
    pub exemption_certificate: Option<ExemptionCertificate>,
    /// Set by the reviewer; exemption applies only while approved.
    pub tax_exempt_granted: bool,
    pub rejection_reason: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<UserId>,
    pub submitted_at: DateTime<Utc>,
}

/// The exemption an order was placed under, copied onto the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxExemption {
    pub certificate_number: String,
    pub region: String,
    pub expires_on: NaiveDate,
    pub approved_by: Option<UserId>,
}

impl BusinessProfile {
    /// The exemption that applies to an order dated `on`, if any.
    pub fn exemption_on(&self, on: NaiveDate) -> Option<TaxExemption> {
        if self.status != BusinessStatus::Approved || !self.tax_exempt_granted {
            return None;
        }
        let cert = self.exemption_certificate.as_ref()?;
        (cert.expires_on >= on).then(|| TaxExemption {
            certificate_number: cert.number.clone(),
            region: cert.region.clone(),
            expires_on: cert.expires_on,
            approved_by: self.reviewed_by.clone(),
        })
    }
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait BusinessProfileStore: Send + Sync {
    async fn get(&self, user_id: &UserId) -> Result<Option<BusinessProfile>, DomainError>;
    /// Inserts or replaces the profile of `profile.user_id`.
    /// Writes the profile and records `mails` in the outbox (with their
    /// delivery jobs) in the same transaction.
    /// Appends `audit` to the trail in the same transaction.
    async fn put(
        &self,
        profile: &BusinessProfile,
        mails: &[MailMessage],
        audit: &[crate::audit::AuditEntry],
    ) -> Result<(), DomainError>;
    /// Oldest submission first (a review queue).
    async fn list(
        &self,
        status: Option<BusinessStatus>,
        page: &PageRequest,
    ) -> Result<Page<BusinessProfile>, DomainError>;
}
