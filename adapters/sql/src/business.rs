//! `BusinessProfileStore`.

use async_trait::async_trait;
use shop_domain::audit::AuditEntry;

use crate::audit;
use chrono::DateTime;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use shop_domain::business::{
    Address, BusinessProfile, BusinessProfileStore, BusinessStatus, ExemptionCertificate,
};
use shop_domain::ids::UserId;
use shop_domain::mail::MailMessage;
use shop_domain::{DomainError, Page, PageRequest};

use crate::cursor;
use crate::entity::business_profiles::{self as profiles, Column};
use crate::error::{DbResultExt, corrupt};
use crate::outbox::record_mails;
use crate::store::{SqlStore, finish};
use crate::value::instant;

fn profile_from(m: profiles::Model) -> Result<BusinessProfile, DomainError> {
    let certificate = match (
        m.certificate_number,
        m.certificate_region,
        m.certificate_expires_on,
    ) {
        (Some(number), Some(region), Some(expires_on)) => Some(ExemptionCertificate {
            number,
            region,
            expires_on,
        }),
        _ => None,
    };
    Ok(BusinessProfile {
        user_id: UserId::new(m.user_id),
        status: BusinessStatus::parse(&m.status).ok_or_else(|| corrupt("status", &m.status))?,
        legal_name: m.legal_name,
        tax_id: m.tax_id,
        phone: m.phone,
        address: Address {
            line1: m.address_line1,
            line2: m.address_line2,
            city: m.address_city,
            region: m.address_region,
            postal_code: m.address_postal_code,
            country: m.address_country,
        },
        tax_exempt_requested: m.tax_exempt_requested,
        exemption_certificate: certificate,
        tax_exempt_granted: m.tax_exempt_granted,
        rejection_reason: m.rejection_reason,
        reviewed_at: m.reviewed_at,
        reviewed_by: m.reviewed_by.map(UserId::new),
        submitted_at: m.submitted_at,
    })
}

fn row_of(p: &BusinessProfile) -> profiles::ActiveModel {
    let cert = p.exemption_certificate.as_ref();
    profiles::ActiveModel {
        user_id: Set(p.user_id.to_string()),
        status: Set(p.status.as_str().to_owned()),
        legal_name: Set(p.legal_name.clone()),
        tax_id: Set(p.tax_id.clone()),
        phone: Set(p.phone.clone()),
        address_line1: Set(p.address.line1.clone()),
        address_line2: Set(p.address.line2.clone()),
        address_city: Set(p.address.city.clone()),
        address_region: Set(p.address.region.clone()),
        address_postal_code: Set(p.address.postal_code.clone()),
        address_country: Set(p.address.country.clone()),
        tax_exempt_requested: Set(p.tax_exempt_requested),
        certificate_number: Set(cert.map(|c| c.number.clone())),
        certificate_region: Set(cert.map(|c| c.region.clone())),
        certificate_expires_on: Set(cert.map(|c| c.expires_on)),
        tax_exempt_granted: Set(p.tax_exempt_granted),
        rejection_reason: Set(p.rejection_reason.clone()),
        reviewed_at: Set(p.reviewed_at.map(instant)),
        reviewed_by: Set(p.reviewed_by.as_ref().map(ToString::to_string)),
        submitted_at: Set(instant(p.submitted_at)),
    }
}

#[async_trait]
impl BusinessProfileStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user_id))]
    async fn get(&self, user_id: &UserId) -> Result<Option<BusinessProfile>, DomainError> {
        profiles::Entity::find_by_id(user_id.as_str())
            .one(&self.db)
            .await
            .db()?
            .map(profile_from)
            .transpose()
    }

    /// One upsert statement (`ON DUPLICATE KEY UPDATE` / `ON CONFLICT`) and
    /// the mails, in one transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %profile.user_id))]
    async fn put(
        &self,
        profile: &BusinessProfile,
        mails: &[MailMessage],
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let on_conflict = OnConflict::column(Column::UserId)
            .update_columns([
                Column::Status,
                Column::LegalName,
                Column::TaxId,
                Column::Phone,
                Column::AddressLine1,
                Column::AddressLine2,
                Column::AddressCity,
                Column::AddressRegion,
                Column::AddressPostalCode,
                Column::AddressCountry,
                Column::TaxExemptRequested,
                Column::CertificateNumber,
                Column::CertificateRegion,
                Column::CertificateExpiresOn,
                Column::TaxExemptGranted,
                Column::RejectionReason,
                Column::ReviewedAt,
                Column::ReviewedBy,
                Column::SubmittedAt,
            ])
            .to_owned();
        let row = row_of(profile);
        let now = profile.reviewed_at.unwrap_or(profile.submitted_at);
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = async {
                profiles::Entity::insert(row.clone())
                    .on_conflict(on_conflict.clone())
                    .exec_without_returning(&tx)
                    .await?;
                record_mails(&tx, mails, now).await?;
                audit::record(&tx, audit).await
            }
            .await;
            finish(tx, result).await
        })
        .await
    }

    /// Oldest submission first, the user id breaking ties; keyset-paged on
    /// (submitted_at, user_id).
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        status: Option<BusinessStatus>,
        page: &PageRequest,
    ) -> Result<Page<BusinessProfile>, DomainError> {
        let mut query = profiles::Entity::find();
        if let Some(status) = status {
            query = query.filter(Column::Status.eq(status.as_str()));
        }
        if let Some((micros, user_id)) = cursor::after::<(i64, String)>(page)? {
            let at = DateTime::from_timestamp_micros(micros)
                .ok_or_else(|| DomainError::invalid("cursor", "is not a valid cursor"))?;
            query = query.filter(
                Condition::any().add(Column::SubmittedAt.gt(at)).add(
                    Condition::all()
                        .add(Column::SubmittedAt.eq(at))
                        .add(Column::UserId.gt(user_id)),
                ),
            );
        }
        let rows = query
            .order_by_asc(Column::SubmittedAt)
            .order_by_asc(Column::UserId)
            .limit(cursor::fetch_limit(page))
            .all(&self.db)
            .await
            .db()?;
        cursor::page_of(
            rows,
            page,
            |p| (p.submitted_at.timestamp_micros(), p.user_id.clone()),
            profile_from,
        )
    }
}
