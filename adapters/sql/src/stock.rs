//! The stock ledger: a movement applied to the product's counter and
//! recorded in the same transaction, as one conditional update, so
//! concurrent movements never take a product below zero and the recorded
//! movements always sum to the stock.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use shop_domain::DomainError;
use shop_domain::catalog::{StockMovement, StockMovementKind};
use shop_domain::ids::{OrderId, ProductId, StockMovementId};
use shop_domain::order::Actor;

use crate::entity::{products, stock_movements};
use crate::error::{Fail, corrupt};
use crate::value::{instant, to_u32};

pub(crate) fn movement_from(m: stock_movements::Model) -> Result<StockMovement, DomainError> {
    Ok(StockMovement {
        id: StockMovementId::new(m.id),
        product_id: ProductId::new(m.product_id),
        delta: m.delta,
        kind: StockMovementKind::parse(&m.kind)
            .ok_or_else(|| corrupt("stock movement kind", &m.kind))?,
        reason: m.reason,
        order_id: m.order_id.map(OrderId::new),
        by: Actor::parse(&m.actor).ok_or_else(|| corrupt("actor", &m.actor))?,
        at: m.at,
        stock_after: Some(to_u32(m.stock_after, "stock")?),
    })
}

/// Records `movement` with the stock it left.
async fn record(
    tx: &DatabaseTransaction,
    movement: &StockMovement,
    stock_after: i64,
) -> Result<(), Fail> {
    stock_movements::Entity::insert(stock_movements::ActiveModel {
        id: Set(movement.id.to_string()),
        product_id: Set(movement.product_id.to_string()),
        delta: Set(movement.delta),
        stock_after: Set(stock_after),
        kind: Set(movement.kind.as_str().to_owned()),
        reason: Set(movement.reason.clone()),
        order_id: Set(movement.order_id.as_ref().map(ToString::to_string)),
        actor: Set(movement.by.label()),
        at: Set(instant(movement.at)),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

/// Applies `movement` in `tx`: one conditional update (never below zero,
/// nor above the domain's ceiling for the movement), then the record.
/// `Ok(None)` when the update was refused or the product is missing; the
/// caller decides what that means.
pub(crate) async fn apply(
    tx: &DatabaseTransaction,
    movement: &StockMovement,
) -> Result<Option<StockMovement>, Fail> {
    use products::Column as P;
    let after = Expr::col(P::Stock).add(movement.delta);
    let mut update = products::Entity::update_many()
        .col_expr(P::Stock, Expr::col(P::Stock).add(movement.delta))
        .filter(P::Id.eq(movement.product_id.as_str()))
        .filter(after.clone().gte(0));
    if let Some(max) = movement.max_after() {
        update = update.filter(after.lte(i64::from(max)));
    }
    if update.exec(tx).await?.rows_affected == 0 {
        return Ok(None);
    }
    // The row lock the update took keeps this read exact.
    let stock: Option<i64> = products::Entity::find_by_id(movement.product_id.as_str())
        .select_only()
        .column(P::Stock)
        .into_tuple()
        .one(tx)
        .await?;
    let stock = stock.ok_or(Fail::Domain(DomainError::NotFound("product")))?;
    record(tx, movement, stock).await?;
    Ok(Some(StockMovement {
        stock_after: Some(to_u32(stock, "stock")?),
        ..movement.clone()
    }))
}

/// Records the opening movement of a product just inserted with `stock`.
pub(crate) async fn record_opening(
    tx: &DatabaseTransaction,
    movement: &StockMovement,
    stock: u32,
) -> Result<(), Fail> {
    record(tx, movement, i64::from(stock)).await
}

/// A product's movements, newest (largest id) first, after `before`.
pub(crate) fn newest_first(
    product_id: &ProductId,
    before: Option<String>,
) -> sea_orm::Select<stock_movements::Entity> {
    use stock_movements::Column as M;
    let mut query = stock_movements::Entity::find().filter(M::ProductId.eq(product_id.as_str()));
    if let Some(before) = before {
        query = query.filter(M::Id.lt(before));
    }
    query.order_by_desc(M::Id)
}
