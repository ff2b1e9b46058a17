//! Business profiles: one per user, reviewed oldest submission first.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, create_table, index, nullable};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum BusinessProfiles {
    Table,
    UserId,
    Status,
    LegalName,
    TaxId,
    Phone,
    AddressLine1,
    AddressLine2,
    AddressCity,
    AddressRegion,
    AddressPostalCode,
    AddressCountry,
    TaxExemptRequested,
    CertificateNumber,
    CertificateRegion,
    CertificateExpiresOn,
    TaxExemptGranted,
    RejectionReason,
    ReviewedAt,
    ReviewedBy,
    SubmittedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use BusinessProfiles as P;
        let c = Columns::new(manager.get_database_backend());
        create_table(
            manager,
            Table::create()
                .table(P::Table)
                .col(c.id(P::UserId).primary_key())
                .col(c.varchar(P::Status, 16))
                .col(c.varchar(P::LegalName, 255))
                .col(c.varchar(P::TaxId, 100))
                .col(c.varchar(P::Phone, 64))
                .col(c.varchar(P::AddressLine1, 255))
                .col(nullable(c.varchar(P::AddressLine2, 255)))
                .col(c.varchar(P::AddressCity, 255))
                .col(c.varchar(P::AddressRegion, 255))
                .col(c.varchar(P::AddressPostalCode, 64))
                .col(c.varchar(P::AddressCountry, 8))
                .col(c.boolean(P::TaxExemptRequested))
                .col(nullable(c.varchar(P::CertificateNumber, 255)))
                .col(nullable(c.varchar(P::CertificateRegion, 255)))
                .col(nullable(c.date(P::CertificateExpiresOn)))
                .col(c.boolean(P::TaxExemptGranted))
                .col(nullable(c.text(P::RejectionReason)))
                .col(nullable(c.timestamp(P::ReviewedAt)))
                .col(nullable(c.id(P::ReviewedBy)))
                .col(c.timestamp(P::SubmittedAt))
                .take(),
            vec![
                // list(None): oldest submission first, the user id breaking ties.
                index("idx_business_profiles_submitted", P::Table)
                    .col(P::SubmittedAt)
                    .col(P::UserId)
                    .take(),
                // list(Some(status)).
                index("idx_business_profiles_status_submitted", P::Table)
                    .col(P::Status)
                    .col(P::SubmittedAt)
                    .col(P::UserId)
                    .take(),
            ],
        )
        .await
    }
}
