//! Business profiles and their review.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shop_domain::business::{BusinessProfile, ExemptionCertificate, ProfileSubmission};
use shop_domain::ids::UserId;
use utoipa::ToSchema;

use super::common::{AddressDto, list_response};

pub use shop_http_contract::auth::BusinessStatusDto;

/// A tax-exemption certificate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateDto {
    pub number: String,
    /// The issuing region (state, province).
    pub region: String,
    #[schema(example = "2030-12-31")]
    pub expires_on: NaiveDate,
}

impl From<ExemptionCertificate> for CertificateDto {
    fn from(c: ExemptionCertificate) -> Self {
        Self {
            number: c.number,
            region: c.region,
            expires_on: c.expires_on,
        }
    }
}

impl From<CertificateDto> for ExemptionCertificate {
    fn from(c: CertificateDto) -> Self {
        Self {
            number: c.number,
            region: c.region,
            expires_on: c.expires_on,
        }
    }
}

/// A business profile; before the first submission `status` is `none` and
/// every other field is null.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BusinessProfileDto {
    pub user_id: String,
    pub status: BusinessStatusDto,
    pub legal_name: Option<String>,
    pub tax_id: Option<String>,
    pub phone: Option<String>,
    pub address: Option<AddressDto>,
    pub tax_exempt_requested: Option<bool>,
    pub exemption_certificate: Option<CertificateDto>,
    /// Whether the reviewer granted the exemption (only while approved).
    pub tax_exempt_granted: Option<bool>,
    pub rejection_reason: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
}

impl BusinessProfileDto {
    pub fn none(user_id: &UserId) -> Self {
        Self {
            user_id: user_id.to_string(),
            status: BusinessStatusDto::None,
            legal_name: None,
            tax_id: None,
            phone: None,
            address: None,
            tax_exempt_requested: None,
            exemption_certificate: None,
            tax_exempt_granted: None,
            rejection_reason: None,
            reviewed_at: None,
            submitted_at: None,
        }
    }
}

impl From<BusinessProfile> for BusinessProfileDto {
    fn from(p: BusinessProfile) -> Self {
        Self {
            user_id: p.user_id.to_string(),
            status: p.status.into(),
            legal_name: Some(p.legal_name),
            tax_id: Some(p.tax_id),
            phone: Some(p.phone),
            address: Some(p.address.into()),
            tax_exempt_requested: Some(p.tax_exempt_requested),
            exemption_certificate: p.exemption_certificate.map(Into::into),
            tax_exempt_granted: Some(p.tax_exempt_granted),
            rejection_reason: p.rejection_reason,
            reviewed_at: p.reviewed_at,
            submitted_at: Some(p.submitted_at),
        }
    }
}

/// What a customer submits; any edit sends the profile back to review.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessSubmissionRequest {
    pub legal_name: String,
    pub tax_id: String,
    pub phone: String,
    pub address: AddressDto,
    #[serde(default)]
    pub tax_exempt_requested: bool,
    /// Required when `tax_exempt_requested` is true.
    #[serde(default)]
    pub exemption_certificate: Option<CertificateDto>,
}

impl From<BusinessSubmissionRequest> for ProfileSubmission {
    fn from(r: BusinessSubmissionRequest) -> Self {
        Self {
            legal_name: r.legal_name,
            tax_id: r.tax_id,
            phone: r.phone,
            address: r.address.into(),
            tax_exempt_requested: r.tax_exempt_requested,
            exemption_certificate: r.exemption_certificate.map(Into::into),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// Grant the tax exemption the certificate supports (needs one valid today).
    #[serde(default)]
    pub tax_exempt: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    pub reason: String,
}

list_response!(
    /// A page of business profiles (oldest submission first).
    BusinessProfileList,
    BusinessProfileDto
);
