//! Column definitions and table creation that hide the differences between
//! MySQL/MariaDB and SQLite.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Length of entity id columns (UUIDs and similar opaque ids).
pub const ID_LEN: u32 = 64;

/// Builds columns for one backend.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    backend: DbBackend,
}

impl Columns {
    pub fn new(backend: DbBackend) -> Self {
        Self { backend }
    }

    fn is_mysql(self) -> bool {
        self.backend == DbBackend::MySql
    }

    /// A required entity id.
    pub fn id<T: IntoIden>(self, name: T) -> ColumnDef {
        self.varchar(name, ID_LEN)
    }

    /// A required short string.
    pub fn varchar<T: IntoIden>(self, name: T, len: u32) -> ColumnDef {
        ColumnDef::new(name).string_len(len).not_null().take()
    }

    /// A required long text.
    pub fn text<T: IntoIden>(self, name: T) -> ColumnDef {
        ColumnDef::new(name).text().not_null().take()
    }

    /// A required JSON document that may be large (a quote of up to a
    /// thousand lines): `MEDIUMTEXT` on MySQL, whose `TEXT` stops at 64 KiB.
    pub fn document<T: IntoIden>(self, name: T) -> ColumnDef {
        if self.is_mysql() {
            ColumnDef::new(name)
                .custom(Alias::new("MEDIUMTEXT"))
                .not_null()
                .take()
        } else {
            ColumnDef::new(name).text().not_null().take()
        }
    }

    pub fn big_int<T: IntoIden>(self, name: T) -> ColumnDef {
        ColumnDef::new(name).big_integer().not_null().take()
    }

    pub fn boolean<T: IntoIden>(self, name: T) -> ColumnDef {
        ColumnDef::new(name).boolean().not_null().take()
    }

    /// A required UTC instant: `DATETIME(6)` on MySQL (no time-zone
    /// conversion, no 2038 limit), RFC 3339 text on SQLite (which sorts
    /// chronologically, every value being written in UTC).
    pub fn timestamp<T: IntoIden>(self, name: T) -> ColumnDef {
        if self.is_mysql() {
            ColumnDef::new(name)
                .custom(Alias::new("DATETIME(6)"))
                .not_null()
                .take()
        } else {
            ColumnDef::new(name).text().not_null().take()
        }
    }

    /// A calendar date (`YYYY-MM-DD`).
    pub fn date<T: IntoIden>(self, name: T) -> ColumnDef {
        if self.is_mysql() {
            ColumnDef::new(name).date().not_null().take()
        } else {
            ColumnDef::new(name).text().not_null().take()
        }
    }

    /// An exact amount of money: `DECIMAL(19,4)` on MySQL, the canonical
    /// decimal text on SQLite (a `DECIMAL` column there has numeric
    /// affinity and would turn "12.50" into a float).
    pub fn money<T: IntoIden>(self, name: T) -> ColumnDef {
        self.decimal(name, 19, 4)
    }

    /// An exact fraction such as a tax rate: `DECIMAL(9,6)` on MySQL.
    pub fn rate<T: IntoIden>(self, name: T) -> ColumnDef {
        self.decimal(name, 9, 6)
    }

    fn decimal<T: IntoIden>(self, name: T, precision: u32, scale: u32) -> ColumnDef {
        if self.is_mysql() {
            ColumnDef::new(name)
                .decimal_len(precision, scale)
                .not_null()
                .take()
        } else {
            ColumnDef::new(name).text().not_null().take()
        }
    }

    /// An auto-incremented 64-bit primary key.
    pub fn serial<T: IntoIden>(self, name: T) -> ColumnDef {
        if self.is_mysql() {
            ColumnDef::new(name)
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key()
                .take()
        } else {
            // SQLite: only `INTEGER PRIMARY KEY` is the rowid alias.
            ColumnDef::new(name)
                .integer()
                .not_null()
                .auto_increment()
                .primary_key()
                .take()
        }
    }
}

/// Makes a column nullable.
pub fn nullable(mut column: ColumnDef) -> ColumnDef {
    column.null();
    column
}

/// Creates `table` (if it does not exist yet) with its `indexes`. On MySQL
/// the indexes are part of the `CREATE TABLE`, so a table never exists
/// without them; SQLite takes no inline indexes, so they follow as
/// `CREATE INDEX IF NOT EXISTS`. Either way a re-run after a crash
/// half-way is harmless.
pub async fn create_table(
    manager: &SchemaManager<'_>,
    mut table: TableCreateStatement,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    table.if_not_exists();
    if manager.get_database_backend() == DbBackend::MySql {
        table
            .engine("InnoDB")
            .character_set("utf8mb4")
            .collate("utf8mb4_bin");
        for mut index in indexes {
            table.index(&mut index);
        }
        manager.create_table(table).await
    } else {
        manager.create_table(table).await?;
        for mut index in indexes {
            index.if_not_exists();
            manager.create_index(index).await?;
        }
        Ok(())
    }
}

/// A named index on `table`.
pub fn index<T: IntoIden>(name: &str, table: T) -> IndexCreateStatement {
    Index::create().name(name).table(table).take()
}

/// Creates an index unless one of that name exists on `table` already (a
/// run of the migration cut short after it): MySQL has no `CREATE INDEX IF
/// NOT EXISTS`, and DDL is not transactional there.
pub async fn create_index_once(
    manager: &SchemaManager<'_>,
    table: &str,
    index: IndexCreateStatement,
) -> Result<(), DbErr> {
    let name = index
        .get_index_spec()
        .get_name()
        .unwrap_or_default()
        .to_owned();
    if manager.has_index(table, &name).await? {
        return Ok(());
    }
    manager.create_index(index).await
}

/// Adds `column` to `table` unless a run cut short added it already.
pub async fn add_column_once<T: IntoIden>(
    manager: &SchemaManager<'_>,
    table: T,
    name: &str,
    column: ColumnDef,
) -> Result<(), DbErr> {
    let table = table.into_iden();
    if manager.has_column(&table.to_string(), name).await? {
        return Ok(());
    }
    manager
        .alter_table(Table::alter().table(table).add_column(column).take())
        .await
}
