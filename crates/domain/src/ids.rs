//! Opaque identifiers. Adapters mint them through [`crate::IdGenerator`]
//! (time-ordered, so "newest first" is "largest id first").

macro_rules! string_id {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

string_id!(
    UserId,
    SessionId,
    CategoryId,
    ProductId,
    QuoteId,
    OrderId,
    PromotionId,
    ContactMessageId,
    JobId,
    StockMovementId,
    AuditEntryId,
);
