//! Square's sandbox card nonces.

/// The nonce Square's sandbox approves.
pub const NONCE_OK: &str = "cnon:card-nonce-ok";

/// The sandbox nonces that decline: nonce, Square's code, HTTP status.
/// Every decline has category `PAYMENT_METHOD_ERROR`.
pub const DECLINING_NONCES: [(&str, &str, u16); 5] = [
    ("cnon:card-nonce-declined", "GENERIC_DECLINE", 402),
    ("cnon:card-nonce-rejected-cvv", "CVV_FAILURE", 402),
    (
        "cnon:card-nonce-rejected-postalcode",
        "ADDRESS_VERIFICATION_FAILURE",
        402,
    ),
    (
        "cnon:card-nonce-rejected-expiration",
        "INVALID_EXPIRATION",
        402,
    ),
    ("cnon:card-nonce-already-used", "CARD_TOKEN_USED", 400),
];

/// What the sandbox does with a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NonceOutcome {
    Approve,
    Decline {
        code: &'static str,
        http_status: u16,
    },
    Unknown,
}

pub(crate) fn outcome_of(source_id: &str) -> NonceOutcome {
    if source_id == NONCE_OK {
        return NonceOutcome::Approve;
    }
    DECLINING_NONCES
        .iter()
        .find(|(nonce, _, _)| *nonce == source_id)
        .map_or(NonceOutcome::Unknown, |(_, code, http_status)| {
            NonceOutcome::Decline {
                code,
                http_status: *http_status,
            }
        })
}
