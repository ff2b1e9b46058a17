//! `AccountStore` on the accounts table.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use shop_domain::account::{
    AccountStatus, AccountStore, Email, PersonName, Role, User, UserFilter,
};
use shop_domain::audit::AuditEntry;
use shop_domain::ids::UserId;
use shop_domain::page::MAX_PAGE_LIMIT;
use shop_domain::{DomainError, Page, PageRequest, StoreError};

use crate::DynamoAccountStore;
use crate::error::{request_build_error, store_error};
use crate::item::{Item, get_optional_time, get_str, get_time, get_u64, n, s, time};
use crate::retry::{MAX_ATTEMPTS, back_off};
use crate::schema::{
    ADMIN, ADMIN_VALUE, ADMINS_INDEX, PK, USER_ID, USER_LIST, USER_LIST_VALUE, USERS_INDEX,
};

const VERSION: &str = "version";
const EMAIL: &str = "email";
const NAME: &str = "name";
/// The lower-cased name, for case-insensitive search (`contains` is
/// case-sensitive; e-mails are stored lower-case already).
const NAME_LOWER: &str = "name_lower";
const PASSWORD_HASH: &str = "password_hash";
const ROLE: &str = "role";
const STATUS: &str = "status";
const SESSION_VERSION: &str = "session_version";
const CREATED_AT: &str = "created_at";
/// The time the address was verified, or NULL while it is not. An item
/// without the attribute was written before verification existed: it counts
/// as verified since its creation (the upgrade locks no customer out).
const EMAIL_VERIFIED_AT: &str = "email_verified_at";
/// On e-mail items: the user holding the address.
const EMAIL_OWNER: &str = "user_id";

/// Items a query reads per round trip when a filter drops some of them.
const FILTERED_QUERY_BATCH: i32 = 200;

fn user_key(id: &UserId) -> AttributeValue {
    s(format!("USER#{id}"))
}

fn email_key(email: &Email) -> AttributeValue {
    s(format!("EMAIL#{email}"))
}

fn user_item(user: &User) -> Item {
    let mut item = Item::from([
        (PK.to_string(), user_key(&user.id)),
        (USER_ID.to_string(), s(user.id.as_str())),
        (USER_LIST.to_string(), s(USER_LIST_VALUE)),
        (EMAIL.to_string(), s(user.email.as_str())),
        (NAME.to_string(), s(user.name.as_str())),
        (NAME_LOWER.to_string(), s(user.name.as_str().to_lowercase())),
        (PASSWORD_HASH.to_string(), s(&user.password_hash)),
        (ROLE.to_string(), s(user.role.as_str())),
        (STATUS.to_string(), s(user.status.as_str())),
        (SESSION_VERSION.to_string(), n(user.session_version)),
        (CREATED_AT.to_string(), time(user.created_at)),
        (VERSION.to_string(), n(0)),
    ]);
    item.insert(
        EMAIL_VERIFIED_AT.to_string(),
        user.email_verified_at
            .map_or(AttributeValue::Null(true), time),
    );
    if user.role == Role::Admin {
        item.insert(ADMIN.to_string(), s(ADMIN_VALUE));
    }
    item
}

fn parse_user(item: &Item) -> Result<User, DomainError> {
    let corrupt = |what: &str| crate::error::corrupt_item(what);
    Ok(User {
        id: UserId::new(get_str(item, USER_ID)?),
        email: Email::parse(get_str(item, EMAIL)?).map_err(|_| corrupt(EMAIL))?,
        name: PersonName::parse(get_str(item, NAME)?).map_err(|_| corrupt(NAME))?,
        password_hash: get_str(item, PASSWORD_HASH)?.to_string(),
        role: Role::parse(get_str(item, ROLE)?).ok_or_else(|| corrupt(ROLE))?,
        status: AccountStatus::parse(get_str(item, STATUS)?).ok_or_else(|| corrupt(STATUS))?,
        session_version: get_u64(item, SESSION_VERSION)?,
        created_at: get_time(item, CREATED_AT)?,
        email_verified_at: if item.contains_key(EMAIL_VERIFIED_AT) {
            get_optional_time(item, EMAIL_VERIFIED_AT)?
        } else {
            Some(get_time(item, CREATED_AT)?)
        },
    })
}

fn bad_cursor() -> DomainError {
    DomainError::invalid("cursor", "is not a valid cursor")
}

/// Cursors are the URL-safe base64 of the last listed user id.
fn decode_cursor(cursor: &str) -> Result<String, DomainError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad_cursor())?;
    String::from_utf8(bytes)
        .ok()
        .filter(|id| !id.is_empty())
        .ok_or_else(bad_cursor)
}

fn contended(id: &UserId) -> DomainError {
    DomainError::Store(StoreError::unavailable(format!(
        "dynamodb: user {id} still contended after {MAX_ATTEMPTS} attempts"
    )))
}

/// How a lost insert transaction ends: its cancellation reasons are in
/// item order, the user item first, then the e-mail item.
enum InsertRefusal {
    EmailTaken,
    UserExists,
    /// Another transaction touched an item meanwhile: try again.
    Conflict,
}

fn insert_refusal(err: &TransactWriteItemsError) -> Option<InsertRefusal> {
    let TransactWriteItemsError::TransactionCanceledException(cancel) = err else {
        return None;
    };
    let reasons = cancel.cancellation_reasons();
    let code = |i: usize| reasons.get(i).and_then(|r| r.code());
    if code(1) == Some("ConditionalCheckFailed") {
        Some(InsertRefusal::EmailTaken)
    } else if code(0) == Some("ConditionalCheckFailed") {
        Some(InsertRefusal::UserExists)
    } else if reasons
        .iter()
        .any(|r| r.code() == Some("TransactionConflict"))
    {
        Some(InsertRefusal::Conflict)
    } else {
        None
    }
}

impl DynamoAccountStore {
    async fn user_by_id(&self, id: &UserId) -> Result<Option<(User, u64)>, DomainError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.accounts)
            .key(PK, user_key(id))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem", e))?;
        out.item
            .map(|item| Ok((parse_user(&item)?, get_u64(&item, VERSION)?)))
            .transpose()
    }

    fn insert_transaction(&self, user: &User) -> Result<Vec<TransactWriteItem>, DomainError> {
        let user_put = Put::builder()
            .table_name(&self.tables.accounts)
            .set_item(Some(user_item(user)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(request_build_error)?;
        let email_put = Put::builder()
            .table_name(&self.tables.accounts)
            .item(PK, email_key(&user.email))
            .item(EMAIL_OWNER, s(user.id.as_str()))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(request_build_error)?;
        Ok(vec![
            TransactWriteItem::builder().put(user_put).build(),
            TransactWriteItem::builder().put(email_put).build(),
        ])
    }

    /// Read, change, and write back only if nobody wrote in between (the
    /// `version` attribute); a loser reads again. Only the attributes the
    /// change touched are written (with the ones derived from each of them),
    /// and the session version by `ADD`, so no update ever carries another
    /// field's stale value.
    async fn update_user(
        &self,
        id: &UserId,
        change: impl Fn(&mut User),
    ) -> Result<(), DomainError> {
        for attempt in 0..MAX_ATTEMPTS {
            let Some((before, version)) = self.user_by_id(id).await? else {
                return Err(DomainError::NotFound("user"));
            };
            let mut after = before.clone();
            change(&mut after);
            let mut request = self
                .client
                .update_item()
                .table_name(&self.tables.accounts)
                .key(PK, user_key(id))
                .condition_expression("#version = :expected")
                .expression_attribute_names("#version", VERSION)
                .expression_attribute_values(":expected", n(version))
                .expression_attribute_values(":next", n(version + 1));
            let mut set = vec!["#version = :next"];
            let mut add = Vec::new();
            let mut remove = Vec::new();
            if after.name != before.name {
                set.extend(["#name = :name", "#name_lower = :name_lower"]);
                request = request
                    .expression_attribute_names("#name", NAME)
                    .expression_attribute_names("#name_lower", NAME_LOWER)
                    .expression_attribute_values(":name", s(after.name.as_str()))
                    .expression_attribute_values(
                        ":name_lower",
                        s(after.name.as_str().to_lowercase()),
                    );
            }
            if after.password_hash != before.password_hash {
                set.push("#password_hash = :password_hash");
                request = request
                    .expression_attribute_names("#password_hash", PASSWORD_HASH)
                    .expression_attribute_values(":password_hash", s(&after.password_hash));
            }
            if after.role != before.role {
                set.push("#role = :role");
                request = request
                    .expression_attribute_names("#role", ROLE)
                    .expression_attribute_values(":role", s(after.role.as_str()))
                    .expression_attribute_names("#admin", ADMIN);
                if after.role == Role::Admin {
                    set.push("#admin = :admin");
                    request = request.expression_attribute_values(":admin", s(ADMIN_VALUE));
                } else {
                    remove.push("#admin");
                }
            }
            if after.status != before.status {
                set.push("#status = :status");
                request = request
                    .expression_attribute_names("#status", STATUS)
                    .expression_attribute_values(":status", s(after.status.as_str()));
            }
            if after.session_version != before.session_version {
                add.push("#session_version :bump");
                request = request
                    .expression_attribute_names("#session_version", SESSION_VERSION)
                    .expression_attribute_values(
                        ":bump",
                        n(after.session_version.saturating_sub(before.session_version)),
                    );
            }
            let mut expression = format!("SET {}", set.join(", "));
            if !add.is_empty() {
                expression.push_str(&format!(" ADD {}", add.join(", ")));
            }
            if !remove.is_empty() {
                expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
            }
            match request.update_expression(expression).send().await {
                Ok(_) => return Ok(()),
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                {
                    back_off(attempt).await;
                }
                Err(err) => return Err(store_error("UpdateItem", err)),
            }
        }
        Err(contended(id))
    }

    async fn query_active_admins(&self) -> Result<Vec<User>, DomainError> {
        let mut users = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.tables.accounts)
                .index_name(ADMINS_INDEX)
                .key_condition_expression("#admin = :admin")
                .filter_expression("#status = :active")
                .expression_attribute_names("#admin", ADMIN)
                .expression_attribute_names("#status", STATUS)
                .expression_attribute_values(":admin", s(ADMIN_VALUE))
                .expression_attribute_values(":active", s(AccountStatus::Active.as_str()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("Query", e))?;
            for item in out.items.unwrap_or_default() {
                users.push(parse_user(&item)?);
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(users),
            }
        }
    }
}

#[async_trait]
impl AccountStore for DynamoAccountStore {
    /// The user item and an `EMAIL#` item in one transaction, each only if
    /// absent: of any number of concurrent inserts of one address exactly
    /// one commits.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
    async fn insert(&self, user: &User) -> Result<(), DomainError> {
        let items = self.insert_transaction(user)?;
        for attempt in 0..MAX_ATTEMPTS {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(()),
                Err(err) => err,
            };
            match err.as_service_error().and_then(insert_refusal) {
                Some(InsertRefusal::EmailTaken) => return Err(DomainError::EmailTaken),
                Some(InsertRefusal::UserExists) => return Err(DomainError::AlreadyExists("user")),
                Some(InsertRefusal::Conflict) => back_off(attempt).await,
                None => return Err(store_error("TransactWriteItems", err)),
            }
        }
        Err(contended(&user.id))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn get(&self, id: &UserId) -> Result<Option<User>, DomainError> {
        Ok(self.user_by_id(id).await?.map(|(user, _)| user))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, DomainError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.accounts)
            .key(PK, email_key(email))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem", e))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let owner = UserId::new(get_str(&item, EMAIL_OWNER)?);
        self.get(&owner).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn set_name(&self, id: &UserId, name: &PersonName) -> Result<(), DomainError> {
        self.update_user(id, |u| u.name = name.clone()).await
    }

    /// The hash and the session version in one conditional update; the
    /// entries are appended right after it (see the crate documentation).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn set_password_hash(
        &self,
        id: &UserId,
        hash: &str,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        self.check_audit(audit)?;
        self.update_user(id, |u| {
            u.password_hash = hash.to_string();
            u.session_version += 1;
        })
        .await?;
        self.append_audit(audit).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn set_role(&self, id: &UserId, role: Role) -> Result<(), DomainError> {
        self.update_user(id, |u| u.role = role).await
    }

    /// The status and the session version in one conditional update; the
    /// entries are appended right after it (see the crate documentation).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn set_status(
        &self,
        id: &UserId,
        status: AccountStatus,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        self.check_audit(audit)?;
        self.update_user(id, |u| {
            u.status = status;
            u.session_version += 1;
        })
        .await?;
        self.append_audit(audit).await
    }

    /// An atomic `ADD`, no read: it needs no retry, and bumping `version`
    /// too makes a concurrent read-modify-write of the user start over.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn bump_session_version(&self, id: &UserId) -> Result<(), DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.accounts)
            .key(PK, user_key(id))
            .update_expression("ADD #session_version :one, #version :one")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#session_version", SESSION_VERSION)
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(DomainError::NotFound("user"))
            }
            Err(err) => Err(store_error("UpdateItem", err)),
        }
    }

    /// One conditional update, no read: only an item whose attribute is
    /// still NULL changes (the first time stays); bumping `version` makes a
    /// concurrent read-modify-write start over.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn set_email_verified(
        &self,
        id: &UserId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.accounts)
            .key(PK, user_key(id))
            .update_expression("SET #verified = :at ADD #version :one")
            .condition_expression("attribute_exists(#pk) AND attribute_type(#verified, :null)")
            .expression_attribute_names("#verified", EMAIL_VERIFIED_AT)
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":at", time(at))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":null", s("NULL"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                // Verified already, or no such user.
                match self.user_by_id(id).await? {
                    Some(_) => Ok(()),
                    None => Err(DomainError::NotFound("user")),
                }
            }
            Err(err) => Err(store_error("UpdateItem", err)),
        }
    }

    /// A query of the users index backwards from the cursor. A filter drops
    /// items after DynamoDB counted them, so pages are gathered over as many
    /// round trips as it takes to find `limit + 1` matches (the extra one
    /// only tells that another page follows); the cursor is the id of the
    /// last user returned, never DynamoDB's last evaluated key, so nothing
    /// read past the page is skipped.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, DomainError> {
        let limit = page.limit.clamp(1, MAX_PAGE_LIMIT) as usize;
        let after = page.cursor.as_deref().map(decode_cursor).transpose()?;
        let search = filter
            .query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_lowercase);

        let mut conditions = Vec::new();
        if filter.status.is_some() {
            conditions.push("#status = :status");
        }
        if search.is_some() {
            conditions.push("(contains(#email, :search) OR contains(#name_lower, :search))");
        }
        let filtered = !conditions.is_empty();
        let batch = if filtered {
            FILTERED_QUERY_BATCH
        } else {
            i32::try_from(limit + 1).unwrap_or(FILTERED_QUERY_BATCH)
        };

        let mut users = Vec::new();
        let mut start = None;
        'pages: loop {
            let mut request = self
                .client
                .query()
                .table_name(&self.tables.accounts)
                .index_name(USERS_INDEX)
                .scan_index_forward(false)
                .limit(batch)
                .expression_attribute_names("#list", USER_LIST)
                .expression_attribute_values(":list", s(USER_LIST_VALUE))
                .set_exclusive_start_key(start.take());
            request = match &after {
                Some(id) => request
                    .key_condition_expression("#list = :list AND #id < :after")
                    .expression_attribute_names("#id", USER_ID)
                    .expression_attribute_values(":after", s(id)),
                None => request.key_condition_expression("#list = :list"),
            };
            if let Some(status) = filter.status {
                request = request
                    .expression_attribute_names("#status", STATUS)
                    .expression_attribute_values(":status", s(status.as_str()));
            }
            if let Some(search) = &search {
                request = request
                    .expression_attribute_names("#email", EMAIL)
                    .expression_attribute_names("#name_lower", NAME_LOWER)
                    .expression_attribute_values(":search", s(search));
            }
            if filtered {
                request = request.filter_expression(conditions.join(" AND "));
            }
            let out = request.send().await.map_err(|e| store_error("Query", e))?;
            for item in out.items.unwrap_or_default() {
                users.push(parse_user(&item)?);
                if users.len() > limit {
                    break 'pages;
                }
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }

        let more = users.len() > limit;
        users.truncate(limit);
        let next_cursor = match users.last() {
            Some(last) if more => Some(URL_SAFE_NO_PAD.encode(last.id.as_str())),
            _ => None,
        };
        Ok(Page {
            items: users,
            next_cursor,
        })
    }

    /// The sparse admins index, by id, without the inactive ones: admins
    /// are few, so the filter costs next to nothing.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_active_admins(&self) -> Result<Vec<User>, DomainError> {
        self.query_active_admins().await
    }
}
