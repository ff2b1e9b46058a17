//! The payment simulator's ledger (`SHOP_PAYMENTS=simulator`), kept in the
//! shop's own database so an authorization survives a restart and every
//! process of the shop (shop-api, shop-worker) sees the same payments.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, create_table, index, nullable};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `seq` keeps insertion order (the ledger lists oldest first).
#[derive(DeriveIden)]
pub enum SimulatorPayments {
    Table,
    Seq,
    Id,
    IdempotencyKey,
    Amount,
    Currency,
    SourceId,
    LocationId,
    ReferenceId,
    BuyerEmailAddress,
    Status,
    Completions,
    Refunded,
    CreatedAt,
    UpdatedAt,
    DelayedUntil,
    VersionToken,
}

/// The first answer to each CreatePayment, by idempotency key.
#[derive(DeriveIden)]
pub enum SimulatorCreates {
    Table,
    IdempotencyKey,
    RequestFingerprint,
    PaymentId,
    FailureStatus,
    FailureCategory,
    FailureCode,
    FailureDetail,
    FailureField,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum SimulatorRefunds {
    Table,
    Seq,
    Id,
    IdempotencyKey,
    PaymentId,
    Amount,
    Currency,
    LocationId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::new(manager.get_database_backend());
        {
            use SimulatorPayments as P;
            create_table(
                manager,
                Table::create()
                    .table(P::Table)
                    .col(c.serial(P::Seq))
                    .col(c.id(P::Id))
                    .col(c.varchar(P::IdempotencyKey, 45))
                    .col(c.big_int(P::Amount))
                    .col(c.varchar(P::Currency, 3))
                    .col(c.text(P::SourceId))
                    .col(nullable(c.text(P::LocationId)))
                    .col(nullable(c.text(P::ReferenceId)))
                    .col(nullable(c.text(P::BuyerEmailAddress)))
                    .col(c.varchar(P::Status, 16))
                    .col(c.big_int(P::Completions))
                    .col(c.big_int(P::Refunded))
                    .col(c.timestamp(P::CreatedAt))
                    .col(c.timestamp(P::UpdatedAt))
                    .col(nullable(c.timestamp(P::DelayedUntil)))
                    .col(c.varchar(P::VersionToken, 64))
                    .take(),
                vec![
                    index("uq_simulator_payments_id", P::Table)
                        .col(P::Id)
                        .unique()
                        .take(),
                    index("uq_simulator_payments_idempotency_key", P::Table)
                        .col(P::IdempotencyKey)
                        .unique()
                        .take(),
                    index("idx_simulator_payments_status_seq", P::Table)
                        .col(P::Status)
                        .col(P::Seq)
                        .take(),
                ],
            )
            .await?;
        }
        {
            use SimulatorCreates as C;
            create_table(
                manager,
                Table::create()
                    .table(C::Table)
                    .col(c.varchar(C::IdempotencyKey, 45).primary_key())
                    .col(c.varchar(C::RequestFingerprint, 64))
                    .col(nullable(c.id(C::PaymentId)))
                    .col(nullable(c.big_int(C::FailureStatus)))
                    .col(nullable(c.varchar(C::FailureCategory, 64)))
                    .col(nullable(c.varchar(C::FailureCode, 128)))
                    .col(nullable(c.text(C::FailureDetail)))
                    .col(nullable(c.varchar(C::FailureField, 128)))
                    .col(c.timestamp(C::CreatedAt))
                    .take(),
                vec![],
            )
            .await?;
        }
        use SimulatorRefunds as R;
        create_table(
            manager,
            Table::create()
                .table(R::Table)
                .col(c.serial(R::Seq))
                // Square's refund ids name their payment: `<payment id>_<id>`.
                .col(c.varchar(R::Id, 128))
                .col(c.varchar(R::IdempotencyKey, 45))
                .col(c.id(R::PaymentId))
                .col(c.big_int(R::Amount))
                .col(c.varchar(R::Currency, 3))
                .col(nullable(c.text(R::LocationId)))
                .col(c.timestamp(R::CreatedAt))
                .take(),
            vec![
                index("uq_simulator_refunds_id", R::Table)
                    .col(R::Id)
                    .unique()
                    .take(),
                index("uq_simulator_refunds_idempotency_key", R::Table)
                    .col(R::IdempotencyKey)
                    .unique()
                    .take(),
                index("idx_simulator_refunds_payment_id_seq", R::Table)
                    .col(R::PaymentId)
                    .col(R::Seq)
                    .take(),
            ],
        )
        .await
    }
}
