//! Provider payment events already handled (Square webhook `event_id`s, so a
//! redelivery changes nothing), and the lookup of an order by its payment.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, create_index_once, create_table, index};
use crate::m0005_orders::Orders;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum PaymentEvents {
    Table,
    EventId,
    ReceivedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PaymentEvents as E;
        let c = Columns::new(manager.get_database_backend());
        create_table(
            manager,
            Table::create()
                .table(E::Table)
                .col(c.varchar(E::EventId, 255).primary_key())
                .col(c.timestamp(E::ReceivedAt))
                .take(),
            vec![],
        )
        .await?;
        // A payment webhook names the payment, not the order.
        create_index_once(
            manager,
            "orders",
            index("idx_orders_payment_id", Orders::Table)
                .col(Orders::PaymentId)
                .take(),
        )
        .await
    }
}
