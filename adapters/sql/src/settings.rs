//! The pool's `SHOP_DATABASE_*` and `SHOP_SQLITE_*` settings. The database
//! URL itself is read by the binaries: they also decide between SQL and the
//! in-memory stores with it.

use shop_settings::{Setting, SettingError, Source};

use crate::store::PoolOptions;

const MAX_CONNECTIONS: &str = "SHOP_DATABASE_MAX_CONNECTIONS";
const MIN_CONNECTIONS: &str = "SHOP_DATABASE_MIN_CONNECTIONS";
const CONNECT_TIMEOUT: &str = "SHOP_DATABASE_CONNECT_TIMEOUT_SECONDS";
const ACQUIRE_TIMEOUT: &str = "SHOP_DATABASE_ACQUIRE_TIMEOUT_SECONDS";
const BUSY_TIMEOUT: &str = "SHOP_SQLITE_BUSY_TIMEOUT_MS";

/// The settings [`PoolOptions::from_settings`] reads, as the README lists them.
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: MAX_CONNECTIONS,
        default: "`10`",
        meaning: "Most pooled database connections (1..=1000).",
    },
    Setting {
        name: MIN_CONNECTIONS,
        default: "`1`",
        meaning: "Pooled connections kept open when idle (0..=1000, at most the maximum).",
    },
    Setting {
        name: CONNECT_TIMEOUT,
        default: "`10`",
        meaning: "Time to establish one database connection (1..=600).",
    },
    Setting {
        name: ACQUIRE_TIMEOUT,
        default: "`10`",
        meaning: "Time a request waits for a free pooled connection (1..=600).",
    },
    Setting {
        name: BUSY_TIMEOUT,
        default: "`5000`",
        meaning: "SQLite only: how long a writer waits for the write lock, in milliseconds (0..=600000).",
    },
];

impl PoolOptions {
    /// The pool sizes and timeouts of `src`; each unset one keeps its
    /// [`Default`] (idle timeout and lifetime have no setting).
    pub fn from_settings(src: &Source<'_>) -> Result<Self, SettingError> {
        let max_connections = src.count(MAX_CONNECTIONS, 10, 1..=1000)?;
        let min_connections = src.count(MIN_CONNECTIONS, 1, 0..=1000)?;
        if min_connections > max_connections {
            return Err(SettingError::new(
                MIN_CONNECTIONS,
                format!("{min_connections} is more than {MAX_CONNECTIONS} ({max_connections})"),
            ));
        }
        Ok(Self {
            max_connections,
            min_connections,
            connect_timeout: src.seconds(CONNECT_TIMEOUT, 10, 1..=600)?,
            acquire_timeout: src.seconds(ACQUIRE_TIMEOUT, 10, 1..=600)?,
            busy_timeout: src.millis(BUSY_TIMEOUT, 5000, 0..=600_000)?,
            ..Self::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<PoolOptions, SettingError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let lookup = |name: &str| map.get(name).cloned();
        PoolOptions::from_settings(&Source::new(&lookup))
    }

    #[test]
    fn the_table_lists_the_pool_settings_in_order() {
        let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "SHOP_DATABASE_MAX_CONNECTIONS",
                "SHOP_DATABASE_MIN_CONNECTIONS",
                "SHOP_DATABASE_CONNECT_TIMEOUT_SECONDS",
                "SHOP_DATABASE_ACQUIRE_TIMEOUT_SECONDS",
                "SHOP_SQLITE_BUSY_TIMEOUT_MS",
            ]
        );
    }

    #[test]
    fn unset_settings_keep_the_defaults() {
        assert_eq!(parse(&[]), Ok(PoolOptions::default()));
        assert_eq!(
            parse(&[(MAX_CONNECTIONS, " "), (BUSY_TIMEOUT, "")]),
            Ok(PoolOptions::default())
        );
    }

    #[test]
    fn every_setting_is_read() {
        let pool = parse(&[
            (MAX_CONNECTIONS, "32"),
            (MIN_CONNECTIONS, "0"),
            (CONNECT_TIMEOUT, "3"),
            (ACQUIRE_TIMEOUT, "4"),
            (BUSY_TIMEOUT, "250"),
        ])
        .unwrap();
        assert_eq!(
            pool,
            PoolOptions {
                max_connections: 32,
                min_connections: 0,
                connect_timeout: Duration::from_secs(3),
                acquire_timeout: Duration::from_secs(4),
                busy_timeout: Duration::from_millis(250),
                ..PoolOptions::default()
            }
        );
        // The ends of each range are allowed.
        let pool = parse(&[
            (MAX_CONNECTIONS, "1000"),
            (MIN_CONNECTIONS, "1000"),
            (CONNECT_TIMEOUT, "600"),
            (ACQUIRE_TIMEOUT, "1"),
            (BUSY_TIMEOUT, "0"),
        ])
        .unwrap();
        assert_eq!(pool.min_connections, 1000);
        assert_eq!(pool.busy_timeout, Duration::ZERO);
    }

    #[test]
    fn bad_values_name_their_setting_on_one_line() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[(MAX_CONNECTIONS, "0")], MAX_CONNECTIONS),
            (&[(MAX_CONNECTIONS, "1001")], MAX_CONNECTIONS),
            (&[(MIN_CONNECTIONS, "-1")], MIN_CONNECTIONS),
            (
                &[(MAX_CONNECTIONS, "2"), (MIN_CONNECTIONS, "3")],
                MIN_CONNECTIONS,
            ),
            (&[(CONNECT_TIMEOUT, "x")], CONNECT_TIMEOUT),
            (&[(CONNECT_TIMEOUT, "601")], CONNECT_TIMEOUT),
            (&[(ACQUIRE_TIMEOUT, "0")], ACQUIRE_TIMEOUT),
            (&[(BUSY_TIMEOUT, "-1")], BUSY_TIMEOUT),
            (&[(BUSY_TIMEOUT, "600001")], BUSY_TIMEOUT),
        ];
        for (vars, setting) in cases {
            let e = parse(vars).unwrap_err();
            assert_eq!(e.setting, *setting, "{vars:?}: {e}");
            assert!(e.to_string().starts_with(&format!("{setting}: ")), "{e}");
            assert!(!e.to_string().contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn the_minimum_may_not_exceed_the_maximum() {
        assert_eq!(
            parse(&[(MAX_CONNECTIONS, "2"), (MIN_CONNECTIONS, "3")])
                .unwrap_err()
                .to_string(),
            "SHOP_DATABASE_MIN_CONNECTIONS: 3 is more than SHOP_DATABASE_MAX_CONNECTIONS (2)"
        );
        assert_eq!(
            parse(&[(MAX_CONNECTIONS, "3"), (MIN_CONNECTIONS, "3")])
                .unwrap()
                .min_connections,
            3
        );
    }
}
