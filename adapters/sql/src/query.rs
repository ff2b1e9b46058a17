//! Query fragments shared by the list queries.

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, Condition};

/// Case-insensitive substring match of `needle` in any of `columns`; `None`
/// for an absent or blank needle (which matches everything). `INSTR` on
/// both sides lower-cased needs no `LIKE` escaping; SQLite lower-cases
/// ASCII letters only.
pub fn contains_ci<C: ColumnTrait>(columns: &[C], needle: Option<&str>) -> Option<Condition> {
    let needle = needle
        .map(str::trim)
        .filter(|n| !n.is_empty())?
        .to_lowercase();
    let mut any = Condition::any();
    for column in columns {
        let haystack = Func::lower(Expr::col(*column));
        any = any.add(Expr::expr(Func::cust("INSTR").arg(haystack).arg(needle.clone())).gt(0));
    }
    Some(any)
}
