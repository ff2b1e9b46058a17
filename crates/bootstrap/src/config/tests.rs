// Test support: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use shop_domain::jobs::RetryPolicy;
use shop_settings::ExposeSecret as _;
use shop_stepfunctions::StepFunctionsSettings;

use super::*;

fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    Config::from_lookup(&|name| map.get(name).cloned())
}

fn error_of(vars: &[(&str, &str)]) -> ConfigError {
    match parse(vars) {
        Ok(_) => panic!("{vars:?} should be refused"),
        Err(e) => e,
    }
}

#[test]
fn defaults_give_the_embedded_shape() {
    let c = parse(&[]).unwrap();
    assert_eq!(c.bind, "127.0.0.1:8080");
    assert_eq!(c.data_dir, PathBuf::from("var"));
    assert_eq!(c.currency.code(), "USD");
    assert_eq!(c.body_limit_bytes, 65_536);
    assert_eq!(c.worker, WorkerMode::Embedded);
    assert_eq!(c.worker_poll, Duration::from_millis(250));
    assert_eq!(c.worker_lease, Duration::from_secs(60));
    assert_eq!(c.worker_max_attempts, 12);
    assert_eq!(c.retry_policy, RetryPolicy::default());
    assert_eq!(c.sweep_interval, Duration::from_secs(300));
    assert_eq!(c.rate_limits.login_per_minute.get(), 10);
    assert_eq!(c.rate_limits.register_per_minute.get(), 5);
    assert_eq!(c.rate_limits.contact_per_minute.get(), 5);
    assert_eq!(c.log_format, LogFormat::Text);
    assert!(c.admin.is_none() && c.trust_proxy == TrustedProxies::None);
    assert_eq!(
        c.login_backoff,
        shop_domain::account::BackoffPolicy::default()
    );
    assert_eq!(c.rate_limits.password_change_per_minute.get(), 5);
    assert_eq!(c.accounts, AccountsChoice::Sql);
    assert_eq!(
        c.token_keys,
        TokenKeys::KeyRing {
            dir: PathBuf::from("var"),
            jwks_url: None
        }
    );
    let s = c.shop_settings();
    assert_eq!(s.access_token_ttl.num_seconds(), 900);
    assert_eq!(s.refresh_token_ttl.num_seconds(), 2_592_000);
    assert_eq!(s.quote_ttl.num_seconds(), 900);
    assert_eq!(s.mail_from.as_str(), "shop@localhost");
}

#[test]
fn every_bad_value_names_its_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("SHOP_BIND", "nowhere")], "SHOP_BIND"),
        (
            &[("SHOP_DATABASE_URL", "postgres://x")],
            "SHOP_DATABASE_URL",
        ),
        (&[("SHOP_DATABASE_URL", "sqlite://")], "SHOP_DATABASE_URL"),
        (
            &[("SHOP_DATABASE_MAX_CONNECTIONS", "0")],
            "SHOP_DATABASE_MAX_CONNECTIONS",
        ),
        (
            &[
                ("SHOP_DATABASE_MAX_CONNECTIONS", "2"),
                ("SHOP_DATABASE_MIN_CONNECTIONS", "3"),
            ],
            "SHOP_DATABASE_MIN_CONNECTIONS",
        ),
        (
            &[("SHOP_DATABASE_CONNECT_TIMEOUT_SECONDS", "x")],
            "SHOP_DATABASE_CONNECT_TIMEOUT_SECONDS",
        ),
        (
            &[("SHOP_DATABASE_ACQUIRE_TIMEOUT_SECONDS", "0")],
            "SHOP_DATABASE_ACQUIRE_TIMEOUT_SECONDS",
        ),
        (
            &[("SHOP_SQLITE_BUSY_TIMEOUT_MS", "-1")],
            "SHOP_SQLITE_BUSY_TIMEOUT_MS",
        ),
        (&[("SHOP_ACCOUNTS", "mongo")], "SHOP_ACCOUNTS"),
        (
            &[
                ("SHOP_ACCOUNTS", "dynamodb"),
                ("SHOP_DYNAMODB_CREATE_TABLES", "yes"),
            ],
            "SHOP_DYNAMODB_CREATE_TABLES",
        ),
        (
            &[
                ("SHOP_ACCOUNTS", "dynamodb"),
                ("SHOP_DYNAMODB_TABLE_PREFIX", "shop tables"),
            ],
            "SHOP_DYNAMODB_TABLE_PREFIX",
        ),
        (
            &[
                ("SHOP_ACCOUNTS", "dynamodb"),
                ("SHOP_DYNAMODB_ENDPOINT_URL", "127.0.0.1:5005"),
            ],
            "SHOP_DYNAMODB_ENDPOINT_URL",
        ),
        (
            &[("SHOP_JWT_JWKS_URL", "auth.example.com/jwks.json")],
            "SHOP_JWT_JWKS_URL",
        ),
        (
            &[
                ("SHOP_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
                ("SHOP_JWT_JWKS_URL", "https://auth.example.com/jwks.json"),
            ],
            "SHOP_JWT_JWKS_URL",
        ),
        (
            &[("SHOP_WORKER", "stepfunctions")],
            "SHOP_SFN_STATE_MACHINE_ARN",
        ),
        (
            &[
                ("SHOP_WORKER", "stepfunctions"),
                ("SHOP_SFN_STATE_MACHINE_ARN", "my-machine"),
            ],
            "SHOP_SFN_STATE_MACHINE_ARN",
        ),
        (
            &[
                ("SHOP_WORKER", "stepfunctions"),
                (
                    "SHOP_SFN_STATE_MACHINE_ARN",
                    "arn:aws:states:us-east-1:123456789012:stateMachine:finalize",
                ),
                ("SHOP_SFN_ENDPOINT_URL", "localhost:5006"),
            ],
            "SHOP_SFN_ENDPOINT_URL",
        ),
        (&[("SHOP_PAYMENTS", "square")], "SHOP_SQUARE_BASE_URL"),
        (
            &[
                ("SHOP_PAYMENTS", "square"),
                ("SHOP_SQUARE_BASE_URL", "connect.squareup.com"),
            ],
            "SHOP_SQUARE_BASE_URL",
        ),
        (
            &[
                ("SHOP_PAYMENTS", "square"),
                (
                    "SHOP_SQUARE_BASE_URL",
                    "https://connect.squareupsandbox.com",
                ),
            ],
            "SHOP_SQUARE_ACCESS_TOKEN",
        ),
        (
            &[
                ("SHOP_PAYMENTS", "square"),
                (
                    "SHOP_SQUARE_BASE_URL",
                    "https://connect.squareupsandbox.com",
                ),
                ("SHOP_SQUARE_ACCESS_TOKEN", "t"),
            ],
            "SHOP_SQUARE_LOCATION_ID",
        ),
        (&[("SHOP_PAYMENTS", "stripe")], "SHOP_PAYMENTS"),
        (&[("SHOP_MAIL", "smtp")], "SHOP_SMTP_HOST"),
        (&[("SHOP_MAIL", "pigeon")], "SHOP_MAIL"),
        (&[("SHOP_WORKER", "lambda")], "SHOP_WORKER"),
        (&[("SHOP_CURRENCY", "dollars")], "SHOP_CURRENCY"),
        (&[("SHOP_MAIL_FROM", "not-an-address")], "SHOP_MAIL_FROM"),
        (
            &[("SHOP_ADMIN_NOTIFY", "a@example.com, nope")],
            "SHOP_ADMIN_NOTIFY",
        ),
        (
            &[("SHOP_ADMIN_EMAIL", "admin@example.com")],
            "SHOP_ADMIN_PASSWORD",
        ),
        (
            &[("SHOP_ADMIN_PASSWORD", "long-enough-pw-1")],
            "SHOP_ADMIN_EMAIL",
        ),
        (
            &[
                ("SHOP_ADMIN_EMAIL", "admin@example.com"),
                ("SHOP_ADMIN_PASSWORD", "short"),
            ],
            "SHOP_ADMIN_PASSWORD",
        ),
        (&[("SHOP_JWT_SECRET", "too-short")], "SHOP_JWT_SECRET"),
        (
            &[("SHOP_ACCESS_TOKEN_TTL_SECONDS", "0")],
            "SHOP_ACCESS_TOKEN_TTL_SECONDS",
        ),
        (
            &[("SHOP_REFRESH_TOKEN_TTL_SECONDS", "x")],
            "SHOP_REFRESH_TOKEN_TTL_SECONDS",
        ),
        (
            &[("SHOP_QUOTE_TTL_SECONDS", "-5")],
            "SHOP_QUOTE_TTL_SECONDS",
        ),
        (
            &[("SHOP_RATE_LIMIT_LOGIN_PER_MINUTE", "0")],
            "SHOP_RATE_LIMIT_LOGIN_PER_MINUTE",
        ),
        (
            &[("SHOP_RATE_LIMIT_CONTACT_PER_MINUTE", "many")],
            "SHOP_RATE_LIMIT_CONTACT_PER_MINUTE",
        ),
        (&[("SHOP_TRUST_PROXY", "maybe")], "SHOP_TRUST_PROXY"),
        (&[("SHOP_BODY_LIMIT_BYTES", "12")], "SHOP_BODY_LIMIT_BYTES"),
        (&[("SHOP_WORKER_POLL_MS", "1.5")], "SHOP_WORKER_POLL_MS"),
        (
            &[("SHOP_WORKER_LEASE_SECONDS", "0")],
            "SHOP_WORKER_LEASE_SECONDS",
        ),
        (
            &[("SHOP_WORKER_BACKOFF_MAX_MS", "99")],
            "SHOP_WORKER_BACKOFF_MAX_MS",
        ),
        (
            &[("SHOP_PAYMENT_ALERT_AFTER", "0")],
            "SHOP_PAYMENT_ALERT_AFTER",
        ),
        (
            &[("SHOP_PAYMENT_VOID_MARGIN_SECONDS", "604800")],
            "SHOP_PAYMENT_VOID_MARGIN_SECONDS",
        ),
        (
            &[("SHOP_MAIL_SLOW_RETRY_SECONDS", "0")],
            "SHOP_MAIL_SLOW_RETRY_SECONDS",
        ),
        (
            &[("SHOP_MAIL_GIVE_UP_AFTER_HOURS", "71")],
            "SHOP_MAIL_GIVE_UP_AFTER_HOURS",
        ),
        (
            &[("SHOP_SWEEP_INTERVAL_SECONDS", "x")],
            "SHOP_SWEEP_INTERVAL_SECONDS",
        ),
        (
            &[("SHOP_WORKER_MAX_ATTEMPTS", "101")],
            "SHOP_WORKER_MAX_ATTEMPTS",
        ),
        (&[("SHOP_LOG", "info,[[")], "SHOP_LOG"),
        (&[("SHOP_LOG_FORMAT", "xml")], "SHOP_LOG_FORMAT"),
        (
            &[("SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY", "k")],
            "SHOP_SQUARE_WEBHOOK_URL",
        ),
        (
            &[(
                "SHOP_SQUARE_WEBHOOK_URL",
                "https://shop.test/api/v1/webhooks/square",
            )],
            "SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY",
        ),
        (
            &[
                ("SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY", "k"),
                ("SHOP_SQUARE_WEBHOOK_URL", "shop.test/hook"),
            ],
            "SHOP_SQUARE_WEBHOOK_URL",
        ),
    ];
    for (vars, setting) in cases {
        let e = error_of(vars);
        assert_eq!(e.setting, *setting, "{vars:?}: {e}");
        assert!(e.to_string().starts_with(&format!("{setting}: ")), "{e}");
        assert!(!e.to_string().contains('\n'), "one line: {e}");
    }
}

#[test]
fn token_keys_default_to_the_data_dir_key_ring() {
    let c = parse(&[("SHOP_DATA_DIR", "/srv/shop")]).unwrap();
    assert_eq!(
        c.token_keys,
        TokenKeys::KeyRing {
            dir: PathBuf::from("/srv/shop"),
            jwks_url: None
        }
    );
    let c = parse(&[
        ("SHOP_DATA_DIR", "/srv/shop"),
        ("SHOP_JWT_KEY_DIR", "/run/secrets/shop"),
        (
            "SHOP_JWT_JWKS_URL",
            "https://auth.example.com/.well-known/jwks.json",
        ),
    ])
    .unwrap();
    assert_eq!(
        c.token_keys,
        TokenKeys::KeyRing {
            dir: PathBuf::from("/run/secrets/shop"),
            jwks_url: Some("https://auth.example.com/.well-known/jwks.json".into())
        }
    );
}

#[test]
fn an_explicit_secret_keeps_legacy_hs256() {
    let c = parse(&[
        ("SHOP_JWT_SECRET", "0123456789abcdef0123456789abcdef-legacy"),
        ("SHOP_JWT_KEY_DIR", "/ignored"),
    ])
    .unwrap();
    let TokenKeys::Hs256(secret) = &c.token_keys else {
        panic!("HS256 expected: {:?}", c.token_keys);
    };
    assert_eq!(
        secret.expose_secret(),
        "0123456789abcdef0123456789abcdef-legacy"
    );
    assert!(!format!("{c:?}").contains("abcdef-legacy"));
}

#[test]
fn dynamodb_accounts_read_their_settings() {
    let c = parse(&[
        ("SHOP_ACCOUNTS", "DynamoDB"),
        ("SHOP_DYNAMODB_ENDPOINT_URL", "http://127.0.0.1:5005"),
        ("SHOP_DYNAMODB_REGION", "eu-west-1"),
        ("SHOP_DYNAMODB_TABLE_PREFIX", "staging"),
        ("SHOP_DYNAMODB_CREATE_TABLES", "true"),
    ])
    .unwrap();
    let AccountsChoice::DynamoDb(settings) = &c.accounts else {
        panic!("dynamodb expected: {:?}", c.accounts);
    };
    assert_eq!(
        settings.endpoint_url.as_deref(),
        Some("http://127.0.0.1:5005")
    );
    assert_eq!(settings.region.as_deref(), Some("eu-west-1"));
    assert_eq!(settings.tables().accounts, "staging-accounts");
    assert!(settings.create_tables);
    // The DynamoDB settings are only read when DynamoDB is chosen.
    let c = parse(&[("SHOP_DYNAMODB_CREATE_TABLES", "yes")]).unwrap();
    assert_eq!(c.accounts, AccountsChoice::Sql);
}

#[test]
fn new_variables_are_known() {
    for name in [
        "SHOP_JWT_KEY_DIR",
        "SHOP_JWT_JWKS_URL",
        "SHOP_DYNAMODB_ENDPOINT_URL",
        "SHOP_DYNAMODB_REGION",
        "SHOP_DYNAMODB_TABLE_PREFIX",
        "SHOP_DYNAMODB_CREATE_TABLES",
    ] {
        assert!(crate::table::all().iter().any(|s| s.name == name), "{name}");
    }
}

#[test]
fn mail_transports_are_configured() {
    assert_eq!(parse(&[]).unwrap().mail, MailChoice::File);
    let c = parse(&[
        ("SHOP_MAIL", "SMTP"),
        ("SHOP_SMTP_HOST", "smtp.example.com"),
        ("SHOP_SMTP_SECURITY", "tls"),
        ("SHOP_SMTP_USERNAME", "shop"),
        ("SHOP_SMTP_PASSWORD", "smtp-hunter2"),
        ("SHOP_SMTP_TIMEOUT_SECONDS", "7"),
    ])
    .unwrap();
    assert!(!format!("{c:?}").contains("smtp-hunter2"));
    let MailChoice::Smtp(smtp) = c.mail else {
        panic!("smtp expected");
    };
    assert_eq!(smtp.host, "smtp.example.com");
    assert_eq!(smtp.port, 465);
    assert_eq!(smtp.security, shop_email::SmtpSecurity::Tls);
    assert_eq!(smtp.timeout, Duration::from_secs(7));
    assert_eq!(
        smtp.credentials.as_ref().map(|c| c.username()),
        Some("shop")
    );
    let c = parse(&[
        ("SHOP_MAIL", "ses"),
        ("SHOP_SES_REGION", "eu-west-1"),
        ("SHOP_SES_ENDPOINT_URL", "http://127.0.0.1:5005"),
    ])
    .unwrap();
    assert_eq!(
        c.mail,
        MailChoice::Ses(shop_email::SesSettings {
            region: Some("eu-west-1".into()),
            endpoint_url: Some("http://127.0.0.1:5005".into()),
            configuration_set: None,
        })
    );
    // The transport's variables mean nothing with the file mailbox.
    assert_eq!(
        parse(&[("SHOP_SMTP_PORT", "nope")]).unwrap().mail,
        MailChoice::File
    );
}

#[test]
fn mail_settings_errors_name_their_variable() {
    let smtp = |extra: &[(&'static str, &'static str)]| {
        let mut vars = vec![("SHOP_MAIL", "smtp"), ("SHOP_SMTP_HOST", "127.0.0.1")];
        vars.extend_from_slice(extra);
        error_of(&vars)
    };
    let cases = [
        (error_of(&[("SHOP_MAIL", "smtp")]), "SHOP_SMTP_HOST"),
        (
            smtp(&[("SHOP_SMTP_SECURITY", "ssl3")]),
            "SHOP_SMTP_SECURITY",
        ),
        (smtp(&[("SHOP_SMTP_PORT", "0")]), "SHOP_SMTP_PORT"),
        (smtp(&[("SHOP_SMTP_PORT", "65536")]), "SHOP_SMTP_PORT"),
        (
            smtp(&[("SHOP_SMTP_TIMEOUT_SECONDS", "301")]),
            "SHOP_SMTP_TIMEOUT_SECONDS",
        ),
        (
            smtp(&[("SHOP_SMTP_USERNAME", "shop")]),
            "SHOP_SMTP_PASSWORD",
        ),
        (
            smtp(&[("SHOP_SMTP_PASSWORD", "smtp-hunter2")]),
            "SHOP_SMTP_USERNAME",
        ),
        (
            error_of(&[("SHOP_MAIL", "ses"), ("SHOP_SES_REGION", "EU WEST")]),
            "SHOP_SES_REGION",
        ),
        (
            error_of(&[("SHOP_MAIL", "ses"), ("SHOP_SES_ENDPOINT_URL", "moto:5005")]),
            "SHOP_SES_ENDPOINT_URL",
        ),
    ];
    for (e, setting) in cases {
        assert_eq!(e.setting, setting, "{e}");
        assert!(e.to_string().starts_with(&format!("{setting}: ")), "{e}");
        assert!(!e.to_string().contains('\n'), "one line: {e}");
        assert!(!e.to_string().contains("smtp-hunter2"), "{e}");
    }
}

#[test]
fn step_functions_worker_is_configured() {
    let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:shop-finalize";
    let c = parse(&[
        ("SHOP_WORKER", "stepfunctions"),
        ("SHOP_SFN_STATE_MACHINE_ARN", arn),
    ])
    .unwrap();
    assert_eq!(
        c.worker,
        WorkerMode::StepFunctions(StepFunctionsSettings {
            state_machine_arn: arn.into(),
            endpoint_url: None,
        })
    );
    let c = parse(&[
        ("SHOP_WORKER", "StepFunctions"),
        ("SHOP_SFN_STATE_MACHINE_ARN", arn),
        ("SHOP_SFN_ENDPOINT_URL", "http://127.0.0.1:5006"),
    ])
    .unwrap();
    let WorkerMode::StepFunctions(sfn) = c.worker else {
        panic!("{:?}", c.worker);
    };
    assert_eq!(sfn.endpoint_url.as_deref(), Some("http://127.0.0.1:5006"));
    // The SFN settings mean nothing to the other modes.
    let c = parse(&[("SHOP_SFN_STATE_MACHINE_ARN", "nonsense")]).unwrap();
    assert_eq!(c.worker, WorkerMode::Embedded);
}

#[test]
fn square_payments_are_configured() {
    let c = parse(&[
        ("SHOP_PAYMENTS", "square"),
        (
            "SHOP_SQUARE_BASE_URL",
            "https://connect.squareupsandbox.com",
        ),
        ("SHOP_SQUARE_ACCESS_TOKEN", "EAAA-secret-token"),
        ("SHOP_SQUARE_LOCATION_ID", "L1"),
    ])
    .unwrap();
    assert!(!format!("{c:?}").contains("EAAA-secret-token"));
    let PaymentsChoice::Square(square) = c.payments else {
        panic!("square expected");
    };
    assert_eq!(square.base_url, "https://connect.squareupsandbox.com");
    assert_eq!(square.access_token.expose(), "EAAA-secret-token");
    assert_eq!(square.location_id, "L1");
    assert_eq!(square.request_timeout, Duration::from_secs(20));
    assert!(matches!(
        parse(&[]).unwrap().payments,
        PaymentsChoice::Simulator
    ));
}

#[test]
fn database_urls() {
    let c = parse(&[("SHOP_DATA_DIR", "/srv/shop")]).unwrap();
    assert_eq!(
        c.database,
        DatabaseChoice::Sql(DatabaseUrl::new("sqlite:///srv/shop/shop.db"))
    );
    assert_eq!(c.database_pool.max_connections, 10);
    assert_eq!(c.database_pool.busy_timeout, Duration::from_secs(5));
    let c = parse(&[("SHOP_DATABASE_URL", "memory:")]).unwrap();
    assert_eq!(c.database, DatabaseChoice::Memory);
    let c = parse(&[
        ("SHOP_DATABASE_URL", "mysql://shop:hunter2@db:3306/shop"),
        ("SHOP_DATABASE_MAX_CONNECTIONS", "32"),
        ("SHOP_DATABASE_MIN_CONNECTIONS", "0"),
        ("SHOP_DATABASE_CONNECT_TIMEOUT_SECONDS", "3"),
        ("SHOP_DATABASE_ACQUIRE_TIMEOUT_SECONDS", "4"),
        ("SHOP_SQLITE_BUSY_TIMEOUT_MS", "250"),
    ])
    .unwrap();
    assert!(!format!("{c:?}").contains("hunter2"));
    assert_eq!(c.database_pool.max_connections, 32);
    assert_eq!(c.database_pool.min_connections, 0);
    assert_eq!(c.database_pool.connect_timeout, Duration::from_secs(3));
    assert_eq!(c.database_pool.acquire_timeout, Duration::from_secs(4));
    assert_eq!(c.database_pool.busy_timeout, Duration::from_millis(250));
    let e = error_of(&[("SHOP_DATABASE_URL", "postgres://shop:hunter2@db/shop")]);
    assert!(!e.to_string().contains("hunter2"), "{e}");
}

#[test]
fn secrets_do_not_show_in_debug() {
    let c = parse(&[
        ("SHOP_JWT_SECRET", "0123456789abcdef0123456789abcdef-secret"),
        ("SHOP_ADMIN_EMAIL", "Admin@Example.com"),
        ("SHOP_ADMIN_PASSWORD", "a-long-admin-password"),
        ("SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY", "webhook-signature-key"),
        (
            "SHOP_SQUARE_WEBHOOK_URL",
            "https://shop.test/api/v1/webhooks/square",
        ),
    ])
    .unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains("abcdef-secret"));
    assert!(!debug.contains("a-long-admin-password"));
    assert!(!debug.contains("webhook-signature-key"));
    let webhook = c.square_webhook.unwrap();
    assert_eq!(
        webhook.signature_key.expose_secret(),
        "webhook-signature-key"
    );
    assert_eq!(
        webhook.notification_url,
        "https://shop.test/api/v1/webhooks/square"
    );
}

#[test]
fn values_are_parsed() {
    let c = parse(&[
        ("SHOP_BIND", "127.0.0.1:0"),
        ("SHOP_WORKER", "off"),
        ("SHOP_LOG_FORMAT", "json"),
        ("SHOP_TRUST_PROXY", "true"),
        ("SHOP_ADMIN_NOTIFY", "a@example.com, b@example.com"),
        ("SHOP_CURRENCY", "eur"),
        ("SHOP_RATE_LIMIT_LOGIN_PER_MINUTE", "1000"),
    ])
    .unwrap();
    assert_eq!(c.worker, WorkerMode::Off);
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(c.trust_proxy, TrustedProxies::All);
    assert_eq!(c.admin_notify.len(), 2);
    assert_eq!(c.currency.code(), "EUR");
    assert_eq!(c.rate_limits.login_per_minute.get(), 1000);
}

#[test]
fn the_readme_configuration_table_is_the_settings_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let table = shop_settings::markdown_table(&crate::table::all());
    assert!(
        readme.contains(&table),
        "README.md's configuration table differs from crates/bootstrap's settings table; \
         put this table in the README:\n\n{table}"
    );
}

#[test]
fn every_setting_is_named_once_and_documented() {
    let all = crate::table::all();
    for (i, s) in all.iter().enumerate() {
        assert!(s.name.starts_with("SHOP_"), "{}", s.name);
        assert!(!s.default.is_empty() && !s.meaning.is_empty(), "{}", s.name);
        assert!(
            all[..i].iter().all(|other| other.name != s.name),
            "{} twice",
            s.name
        );
    }
}

fn layers(env: &[(&str, &str)]) -> Result<shop_settings::Layers, ConfigError> {
    shop_settings::Layers::new(
        env.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        &crate::table::all(),
    )
}

#[test]
fn a_settings_file_lies_beneath_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shop.toml");
    std::fs::write(
        &file,
        "worker = \"off\"\nworker_poll_ms = 40\ncurrency = \"EUR\"\ntrust_proxy = true\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let c =
        Config::from_layers(&layers(&[("SHOP_CONFIG", &path), ("SHOP_CURRENCY", "GBP")]).unwrap())
            .unwrap();
    assert_eq!(c.worker, WorkerMode::Off);
    assert_eq!(c.worker_poll, Duration::from_millis(40));
    assert_eq!(c.trust_proxy, TrustedProxies::All);
    // The environment wins.
    assert_eq!(c.currency.code(), "GBP");
    assert!(c.unknown_variables.is_empty(), "{:?}", c.unknown_variables);

    // A bad value in the file names its setting as the environment's would.
    std::fs::write(&file, "worker_poll_ms = 1\n").unwrap();
    let e = Config::from_layers(&layers(&[("SHOP_CONFIG", &path)]).unwrap()).unwrap_err();
    assert_eq!(e.setting, "SHOP_WORKER_POLL_MS");
    // A key that is no setting stops start-up.
    std::fs::write(&file, "wroker = \"off\"\n").unwrap();
    assert_eq!(
        layers(&[("SHOP_CONFIG", &path)]).unwrap_err().setting,
        "SHOP_CONFIG"
    );
}

#[test]
fn unknown_variables_are_reported_but_square_ones_are_not() {
    let c = Config::from_layers(
        &layers(&[
            ("SHOP_WROKER", "off"),
            ("SHOP_SQUARE_ENVIRONMENT", "sandbox"),
            ("SHOP_LOG", "warn"),
        ])
        .unwrap(),
    )
    .unwrap();
    assert_eq!(c.unknown_variables, vec!["SHOP_WROKER".to_string()]);
}
