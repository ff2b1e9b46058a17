//! Every setting the shop's processes read, in the README's order: this
//! crate's own rows with the adapters' between them. The README's
//! configuration table is this table (a test holds them together).

use shop_settings::Setting;

/// All settings, in order.
pub fn all() -> Vec<&'static Setting> {
    [
        PROCESS,
        shop_sql::SETTINGS,
        ACCOUNTS,
        shop_dynamodb::SETTINGS,
        PAYMENTS,
        shop_square::SETTINGS,
        MAIL,
        shop_email::SMTP_SETTINGS,
        shop_email::SES_SETTINGS,
        shop_square::webhook::SETTINGS,
        SHOP,
        WORKER_MODE,
        shop_stepfunctions::SETTINGS,
        WORKER,
        OUTPUT,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The process: the settings file, where it listens and keeps its state, its relational store.
pub const PROCESS: &[Setting] = &[
    Setting {
        name: "SHOP_CONFIG",
        default: r#"unset"#,
        meaning: r#"A TOML file of settings beneath the environment: the same names in lower case without `SHOP_` (`database_url = "mysql://..."`, `worker = "off"`, `worker_poll_ms = 100`); a variable set in the environment wins, and a key that is no setting stops start-up."#,
    },
    Setting {
        name: "SHOP_BIND",
        default: r#"`127.0.0.1:8080`"#,
        meaning: r#"Address to listen on; port `0` picks a free one (the bound address is logged)."#,
    },
    Setting {
        name: "SHOP_DATA_DIR",
        default: r#"`var`"#,
        meaning: r#"Directory for local state: the SQLite database (`shop.db`, unless `SHOP_DATABASE_URL` says otherwise), the access-token signing keys (`jwt-keys/`, unless `SHOP_JWT_KEY_DIR` says otherwise) and the file mailbox (`mail/`). Created when missing."#,
    },
    Setting {
        name: "SHOP_DATABASE_URL",
        default: r#"unset"#,
        meaning: r#"The relational store. Unset: a SQLite file `$SHOP_DATA_DIR/shop.db` (WAL journal). `sqlite://PATH` (created when missing), `mysql://USER:PASSWORD@HOST:PORT/DB` (MySQL 8 / MariaDB 10.6+; the database must exist), or `memory:` (in-memory stores, lost on exit: for integrators' tests). Pending migrations are applied at start-up (and by `shop-api migrate`)."#,
    },
];

/// Which store keeps accounts.
pub const ACCOUNTS: &[Setting] = &[Setting {
    name: "SHOP_ACCOUNTS",
    default: r#"`sql`"#,
    meaning: r#"Accounts store (users and refresh sessions): `sql` (the relational store of `SHOP_DATABASE_URL`) or `dynamodb` (two DynamoDB tables, settings `SHOP_DYNAMODB_*` below; every other store stays in `SHOP_DATABASE_URL`). AWS credentials come from the AWS default chain (`AWS_ACCESS_KEY_ID`..., profile, role)."#,
}];

/// Which payment gateway.
pub const PAYMENTS: &[Setting] = &[Setting {
    name: "SHOP_PAYMENTS",
    default: r#"`simulator`"#,
    meaning: r#"Payment gateway: `simulator` (the built-in Square sandbox simulator, whose ledger lives in the shop's database: authorizations survive a restart and every process on the database sees them; admins read it at `GET /api/v1/admin/payment-simulator/payments`) or `square` (Square's Payments API v2 over HTTPS, `Square-Version: 2025-08-20`; needs the three `SHOP_SQUARE_*` settings below)."#,
}];

/// Which mail transport.
pub const MAIL: &[Setting] = &[Setting {
    name: "SHOP_MAIL",
    default: r#"`file`"#,
    meaning: r#"Mail transport: `file` (a mailbox under `$SHOP_DATA_DIR/mail`, listed at `GET /api/v1/admin/mailbox` with the tokens of verification and reset links redacted), `smtp` (an SMTP relay, `SHOP_SMTP_*` below) or `ses` (Amazon SES v2, `SHOP_SES_*` below; credentials from the standard AWS chain). With `smtp` or `ses` the admin mailbox endpoint answers 404."#,
}];

/// The shop, its admins, access tokens and the HTTP edge.
pub const SHOP: &[Setting] = &[
    Setting {
        name: "SHOP_CURRENCY",
        default: r#"`USD`"#,
        meaning: r#"ISO-4217 currency of the shop."#,
    },
    Setting {
        name: "SHOP_ROUNDING",
        default: r#"`half_even`"#,
        meaning: r#"Rounding to the minor unit: `half_even` or `half_up`."#,
    },
    Setting {
        name: "SHOP_NAME",
        default: r#"`Shop`"#,
        meaning: r#"Shop name used in mails."#,
    },
    Setting {
        name: "SHOP_ADDRESS",
        default: r#"empty"#,
        meaning: r#"Shop postal address used in mail footers."#,
    },
    Setting {
        name: "SHOP_MAIL_FROM",
        default: r#"`shop@localhost`"#,
        meaning: r#"Sender address of outgoing mail."#,
    },
    Setting {
        name: "SHOP_ADMIN_NOTIFY",
        default: r#"empty"#,
        meaning: r#"Comma-separated addresses that receive new-order notices; empty means every active admin."#,
    },
    Setting {
        name: "SHOP_REQUIRE_EMAIL_VERIFICATION",
        default: r#"`true`"#,
        meaning: r#"`true`: registration mails a verification link (`SHOP_PUBLIC_URL/verify?token=...`, single use, 24 hours) and a customer whose address is unverified is refused ordering and submitting a business profile (403 `email_unverified`). `false` (integrators' tests): no link is mailed at registration (`POST /api/v1/auth/resend-verification` still sends one) and unverified customers may order. Accounts that existed before verification was introduced count as verified."#,
    },
    Setting {
        name: "SHOP_PUBLIC_URL",
        default: r#"`http://127.0.0.1:8080`"#,
        meaning: r#"Base URL of the web app, for the links in mails (`/verify?token=`, `/reset-password?token=`)."#,
    },
    Setting {
        name: "SHOP_ADMIN_EMAIL",
        default: r#"unset"#,
        meaning: r#"With `SHOP_ADMIN_PASSWORD` (both or neither): the admin account created at start-up when no account has that address. An existing account is left as it is: never promoted, never re-activated (`shop-api admin promote EMAIL` does that on purpose)."#,
    },
    Setting {
        name: "SHOP_ADMIN_PASSWORD",
        default: r#"unset"#,
        meaning: r#"Password of that admin when it is created (10..=128 characters, not a common one)."#,
    },
    Setting {
        name: "SHOP_JWT_KEY_DIR",
        default: r#"`$SHOP_DATA_DIR`"#,
        meaning: r#"Access tokens are EdDSA (Ed25519) JWTs with a `kid`: signed with the active key of `<dir>/jwt-keys/` (a first key is generated there, mode 0600), verified with every key there. `shop-api jwt-rotate` adds a new active key (restart the processes sharing the directory); the public keys are served at `GET /.well-known/jwks.json`."#,
    },
    Setting {
        name: "SHOP_JWT_JWKS_URL",
        default: r#"unset"#,
        meaning: r#"Also accept access tokens signed by another service (such as the auth Lambda): the `http(s)://` URL of its JWKS document (`.../.well-known/jwks.json`), fetched at start-up, every 10 minutes, and again (at most once a minute) when a token names an unknown `kid`. Not with `SHOP_JWT_SECRET`."#,
    },
    Setting {
        name: "SHOP_JWT_SECRET",
        default: r#"unset"#,
        meaning: r#"Legacy: HS256 access tokens with this shared key (at least 32 bytes) instead of EdDSA; `SHOP_JWT_KEY_DIR` and the JWKS then play no part. Only for deployments that already rely on it."#,
    },
    Setting {
        name: "SHOP_JWT_ISSUER",
        default: r#"`shop`"#,
        meaning: r#"`iss` claim of access tokens."#,
    },
    Setting {
        name: "SHOP_JWT_AUDIENCE",
        default: r#"`shop-api`"#,
        meaning: r#"`aud` claim of access tokens."#,
    },
    Setting {
        name: "SHOP_ACCESS_TOKEN_TTL_SECONDS",
        default: r#"`900`"#,
        meaning: r#"Access token lifetime (1..=86400)."#,
    },
    Setting {
        name: "SHOP_REFRESH_TOKEN_TTL_SECONDS",
        default: r#"`2592000`"#,
        meaning: r#"Refresh token lifetime (1..=31536000)."#,
    },
    Setting {
        name: "SHOP_QUOTE_TTL_SECONDS",
        default: r#"`900`"#,
        meaning: r#"Checkout quote lifetime (1..=86400)."#,
    },
    Setting {
        name: "SHOP_RATE_LIMIT_LOGIN_PER_MINUTE",
        default: r#"`10`"#,
        meaning: r#"Login attempts per minute per client (an IPv4 address, or the /64 prefix of an IPv6 address, so rotating addresses within one allocation gains nothing). Per-process; the per-address back-off below is the limit shared by every instance."#,
    },
    Setting {
        name: "SHOP_LOGIN_FAILURES_BEFORE_BACKOFF",
        default: r#"`5`"#,
        meaning: r#"Consecutive failed sign-ins for one e-mail address (whatever the client IP, and whether the address has an account or not) after which its sign-ins are refused with 429 `login_backoff` and `Retry-After`, without checking the password, for `SHOP_LOGIN_BACKOFF_BASE_SECONDS`, doubling with each further failure up to `SHOP_LOGIN_BACKOFF_MAX_SECONDS` (1..=1000). A successful sign-in starts over. When an account enters back-off its owner is mailed once (through the outbox) and the trail records `login.backoff`. The counters live in the accounts store (the relational one, or DynamoDB with `SHOP_ACCOUNTS=dynamodb`), keyed by a SHA-256 of the address, so every instance and the auth Lambda share them."#,
    },
    Setting {
        name: "SHOP_LOGIN_BACKOFF_BASE_SECONDS",
        default: r#"`1`"#,
        meaning: r#"The first sign-in back-off delay (1..=3600)."#,
    },
    Setting {
        name: "SHOP_LOGIN_BACKOFF_MAX_SECONDS",
        default: r#"`900`"#,
        meaning: r#"The longest sign-in back-off delay (1..=86400, at least the base)."#,
    },
    Setting {
        name: "SHOP_RATE_LIMIT_REGISTER_PER_MINUTE",
        default: r#"`5`"#,
        meaning: r#"Registrations per minute per client (IPv4 address or IPv6 /64); the same quota, counted apart, for verification resends and password reset requests."#,
    },
    Setting {
        name: "SHOP_RATE_LIMIT_CONTACT_PER_MINUTE",
        default: r#"`5`"#,
        meaning: r#"Contact messages per minute per client (IPv4 address or IPv6 /64)."#,
    },
    Setting {
        name: "SHOP_RATE_LIMIT_PASSWORD_CHANGE_PER_MINUTE",
        default: r#"`5`"#,
        meaning: r#"Password changes (`POST /api/v1/me/password`) per minute per signed-in user."#,
    },
    Setting {
        name: "SHOP_PASSWORD_HASH_CONCURRENCY",
        default: r#"half the CPUs (at least 1)"#,
        meaning: r#"Password hashes (argon2id, 19 MiB and tens of milliseconds of CPU each: sign-in, registration, password change) computed at once by this process (1..=1024). The default leaves half the CPUs to the rest of the API, so a sign-in flood slows sign-ins, not the catalog (see the benchmark's password-change flood)."#,
    },
    Setting {
        name: "SHOP_PASSWORD_HASH_QUEUE",
        default: r#"4 per CPU"#,
        meaning: r#"Password hashes that may wait for one of those (0..=100000), at most 2 seconds each; beyond, the request is held 2 seconds (no hash memory, only its connection, so a flood that ignores `Retry-After` cannot spin through refusals) and answered 503 `busy` with `Retry-After: 1`. Bounds the memory and CPU a sign-in flood can take; the other routes keep their threads."#,
    },
    Setting {
        name: "SHOP_TRUST_PROXY",
        default: r#"`false`"#,
        meaning: r#"Which peers are your proxies: a comma-separated list of addresses or CIDR ranges (`10.0.0.0/8,192.168.0.0/16,fd00::/8`). When the peer is one of them, the client IP is the right-most address of `X-Forwarded-For` that is not; otherwise it is the peer address. `true` trusts every peer (any client can then choose its IP: only behind a proxy that all traffic passes), `false` none. **Behind a load balancer, set it**: with `false` every client has the balancer's address and shares one rate-limit bucket."#,
    },
    Setting {
        name: "SHOP_BODY_LIMIT_BYTES",
        default: r#"`65536`"#,
        meaning: r#"Largest JSON request body (1024..=16777216); larger is 413 `payload_too_large`."#,
    },
];

/// Who finalizes orders.
pub const WORKER_MODE: &[Setting] = &[Setting {
    name: "SHOP_WORKER",
    default: r#"`embedded`"#,
    meaning: r#"Order finalization worker: `embedded` (a loop inside this process), `off` (run `shop-worker` processes instead, see below), or `stepfunctions` (the loop inside this process hands each order's finalization to the AWS Step Functions state machine of `deploy/aws`, whose Lambda steps do the work; mail jobs still run in the loop; needs `SHOP_SFN_STATE_MACHINE_ARN`)."#,
}];

/// The job loop's pace and budgets.
pub const WORKER: &[Setting] = &[
    Setting {
        name: "SHOP_WORKER_POLL_MS",
        default: r#"`250`"#,
        meaning: r#"Worker sleep when no job is due, in milliseconds (10..=60000)."#,
    },
    Setting {
        name: "SHOP_WORKER_LEASE_SECONDS",
        default: r#"`60`"#,
        meaning: r#"How long a worker holds a claimed job (1..=3600): after a worker dies, its job is taken over once the lease lapses. Keep it above the longest step (a Square call with its timeout)."#,
    },
    Setting {
        name: "SHOP_WORKER_MAX_ATTEMPTS",
        default: r#"`12`"#,
        meaning: r#"Quick retries (1..=100) of a job, backing off 1 s, 2 s, 4 s ... up to `SHOP_WORKER_BACKOFF_MAX_MS`, with jitter. A finalization failing for another reason than the payment provider (the store, a bug, an unreachable workflow engine) stops after them: `dead` in `GET /api/v1/admin/orders`, the order alerted (admins mailed) and requeueable (`POST /api/v1/admin/orders/{id}/retry-finalization`). A capture Square cannot take yet is not counted against them: it is retried until `SHOP_PAYMENT_VOID_MARGIN_SECONDS` before the authorization lapses. A mail past them moves to the slow retry; one the transport refuses for good (SMTP 5xx, SES rejection) stops at once."#,
    },
    Setting {
        name: "SHOP_WORKER_BACKOFF_MAX_MS",
        default: r#"`600000`"#,
        meaning: r#"The longest pause between two retries of a job, in milliseconds (100..=3600000)."#,
    },
    Setting {
        name: "SHOP_PAYMENT_ALERT_AFTER",
        default: r#"`10`"#,
        meaning: r#"Failed captures (1..=1000) after which the order is flagged (`alert` in the admin orders) and the admins are mailed, once; the retries go on."#,
    },
    Setting {
        name: "SHOP_PAYMENT_VOID_MARGIN_SECONDS",
        default: r#"`21600`"#,
        meaning: r#"How long before a card authorization lapses (Square: 7 days) the shop stops retrying its capture, voids it, fails the order (stock, promotion use and quote given back) and mails the customer and the admins (1..=518400)."#,
    },
    Setting {
        name: "SHOP_MAIL_SLOW_RETRY_SECONDS",
        default: r#"`3600`"#,
        meaning: r#"The pause between attempts of a mail past its quick retries (1..=86400)."#,
    },
    Setting {
        name: "SHOP_MAIL_GIVE_UP_AFTER_HOURS",
        default: r#"`168`"#,
        meaning: r#"How long after it was recorded a mail is still tried (72..=720); after that it is `dead` in `GET /api/v1/admin/mail`, where an admin can resend it (`POST /api/v1/admin/mail/{id}/resend`)."#,
    },
    Setting {
        name: "SHOP_SWEEP_INTERVAL_SECONDS",
        default: r#"`300`"#,
        meaning: r#"How often the worker looks for open orders without a live finalization job (a lost job: requeued at once; a dead one: at the deadline, so no authorization lapses with the stock held) (1..=86400)."#,
    },
    Setting {
        name: "SHOP_WORKER_CRASH_AT",
        default: r#"unset"#,
        meaning: r#"Test hook, read by `shop-worker` only (with `SHOP_WORKER_CRASH_DIR`): a step boundary (`before_capture`, `after_capture`, `before_mark_paid`, `after_mark_paid`, `before_mail`, `after_mail`) at which the worker kills itself with SIGKILL, once per order or mail. Only test builds have the hook (the `test-hooks` feature of shop-bootstrap, which the black-box tests turn on); a release build ignores it with a warning."#,
    },
    Setting {
        name: "SHOP_WORKER_CRASH_DIR",
        default: r#"unset"#,
        meaning: r#"Test hook: where `shop-worker` remembers which crashes happened, so each order or mail crashes once."#,
    },
];

/// The web app served and the logs written.
pub const OUTPUT: &[Setting] = &[
    Setting {
        name: "SHOP_WEB_DIR",
        default: r#"`apps/web/dist/shop-web/browser`"#,
        meaning: r#"Directory of the built web app (`npm run build` in `apps/web`), served at `/` with a fallback to `index.html` for app routes; hashed assets are sent with `Cache-Control: public, max-age=31536000, immutable`, `index.html` with `no-cache`. Relative to the working directory. Missing: the API runs without it and `/` answers 404."#,
    },
    Setting {
        name: "SHOP_LOG",
        default: r#"`info`"#,
        meaning: r#"Log filter, `RUST_LOG` syntax (e.g. `info,shop_api=debug`)."#,
    },
    Setting {
        name: "SHOP_LOG_FORMAT",
        default: r#"`text`"#,
        meaning: r#"Log format: `text` or `json`."#,
    },
];
