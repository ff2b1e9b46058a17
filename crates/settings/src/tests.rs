// Test support: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};

use super::*;

fn with<T>(vars: &[(&str, &str)], f: impl FnOnce(Source<'_>) -> T) -> T {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = |name: &str| map.get(name).cloned();
    f(Source::new(&lookup))
}

const KNOWN: &[Setting] = &[
    Setting {
        name: "SHOP_CONFIG",
        default: "unset",
        meaning: "the file",
    },
    Setting {
        name: "SHOP_DATABASE_URL",
        default: "unset",
        meaning: "where",
    },
    Setting {
        name: "SHOP_WORKER_POLL_MS",
        default: "`250`",
        meaning: "how often",
    },
    Setting {
        name: "SHOP_TRUST_PROXY",
        default: "`false`",
        meaning: "whom",
    },
];

fn known() -> Vec<&'static Setting> {
    KNOWN.iter().collect()
}

#[test]
fn blank_is_unset_and_values_are_trimmed_except_raw_ones() {
    with(&[("A", "  "), ("B", " x "), ("P", " pw ")], |s| {
        assert_eq!(s.get("A"), None);
        assert_eq!(s.get("B").as_deref(), Some("x"));
        assert_eq!(s.raw("P").as_deref(), Some(" pw "));
        assert_eq!(s.secret("P").unwrap().expose_secret(), " pw ");
        assert_eq!(s.string("A", "d"), "d");
    });
}

#[test]
fn secrets_never_print() {
    with(&[("P", "hunter2-hunter2")], |s| {
        let secret = s.secret("P").unwrap();
        assert!(!format!("{secret:?}").contains("hunter2"));
    });
}

#[test]
fn numbers_are_checked_against_their_range_and_name_the_setting() {
    with(&[("N", "7"), ("BIG", "70"), ("WORD", "seven")], |s| {
        assert_eq!(s.int("N", 1, 1..=10), Ok(7));
        assert_eq!(s.int("UNSET", 3, 1..=10), Ok(3));
        let err = s.int("BIG", 1, 1..=10).unwrap_err();
        assert_eq!(err.setting, "BIG");
        assert_eq!(err.problem, "70 is out of range (allowed 1..=10)");
        assert_eq!(
            s.int("WORD", 1, 1..=10).unwrap_err().problem,
            "\"seven\" is not a whole number"
        );
        assert_eq!(s.count("N", 1, 1..=10), Ok(7));
        assert_eq!(s.seconds("N", 1, 1..=10), Ok(Duration::from_secs(7)));
        assert_eq!(s.millis("N", 1, 1..=10), Ok(Duration::from_millis(7)));
    });
}

#[test]
fn booleans_and_choices() {
    with(
        &[("T", "Yes"), ("F", "off"), ("X", "maybe"), ("C", "SMTP")],
        |s| {
            assert_eq!(s.boolean("T", false), Ok(true));
            assert_eq!(s.boolean("F", true), Ok(false));
            assert_eq!(s.boolean("UNSET", true), Ok(true));
            assert_eq!(s.boolean("X", true).unwrap_err().setting, "X");
            assert_eq!(
                s.choice("C", "file", &["file", "smtp"]).as_deref(),
                Ok("smtp")
            );
            assert_eq!(
                s.choice("X", "file", &["file", "smtp"])
                    .unwrap_err()
                    .problem,
                "\"maybe\" is not one of file, smtp"
            );
        },
    );
}

#[test]
fn urls_must_be_http_or_https_without_spaces() {
    let vars = [
        ("OK", "https://example.com/x"),
        ("PLAIN", "http://127.0.0.1:5005"),
        ("FTP", "ftp://example.com"),
        ("BARE", "https://"),
        ("SPACE", "https://exa mple.com"),
    ];
    with(&vars, |s| {
        assert_eq!(
            s.http_url("OK").unwrap().as_deref(),
            Some("https://example.com/x")
        );
        assert!(s.http_url("PLAIN").unwrap().is_some());
        assert_eq!(s.http_url("UNSET"), Ok(None));
        for bad in ["FTP", "BARE", "SPACE"] {
            let err = s.http_url(bad).unwrap_err();
            assert_eq!(err.setting, bad);
            assert!(err.problem.ends_with("is not an http(s) URL"), "{err}");
        }
        assert_eq!(
            s.required_http_url("UNSET", "when X=y")
                .unwrap_err()
                .problem,
            "must be set when X=y"
        );
    });
}

#[test]
fn pairs_are_both_or_neither() {
    with(&[("A", "a"), ("B", "b"), ("LONE", "x")], |s| {
        assert_eq!(s.pair("A", "B"), Ok(Some(("a".into(), "b".into()))));
        assert_eq!(s.pair("U1", "U2"), Ok(None));
        let err = s.pair("LONE", "U2").unwrap_err();
        assert_eq!(err.setting, "U2");
        assert_eq!(
            err.problem,
            "must be set when LONE is set (both or neither)"
        );
        assert_eq!(s.pair("U1", "LONE").unwrap_err().setting, "U1");
    });
}

fn file(text: &str) -> tempfile_path::TempFile {
    tempfile_path::TempFile::with(text)
}

/// A file in the system's temporary directory, removed on drop (the crate
/// has no dev-dependencies to spare).
mod tempfile_path {
    use std::path::PathBuf;

    pub struct TempFile(pub PathBuf);

    impl TempFile {
        pub fn with(text: &str) -> Self {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let path = std::env::temp_dir().join(format!(
                "shop-settings-{}-{}.toml",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let mut f = std::fs::File::create(&path).unwrap();
            std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
            Self(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

fn env(vars: &[(&str, &str)]) -> BTreeMap<String, String> {
    vars.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_environment_wins_over_the_file() {
    let f =
        file("database_url = \"sqlite://from-file.db\"\nworker_poll_ms = 40\ntrust_proxy = true\n");
    let path = f.0.display().to_string();
    let layers = Layers::new(
        env(&[
            ("SHOP_CONFIG", &path),
            ("SHOP_WORKER_POLL_MS", "90"),
            ("SHOP_TRUST_PROXY", " "),
        ]),
        &known(),
    )
    .unwrap();
    assert_eq!(
        layers.lookup("SHOP_DATABASE_URL").as_deref(),
        Some("sqlite://from-file.db")
    );
    assert_eq!(layers.lookup("SHOP_WORKER_POLL_MS").as_deref(), Some("90"));
    // Blank in the environment is unset there: the file's value counts.
    assert_eq!(layers.lookup("SHOP_TRUST_PROXY").as_deref(), Some("true"));
    assert!(layers.unknown(&known()).is_empty());
}

#[test]
fn a_file_key_that_is_no_setting_or_not_a_scalar_stops_start_up() {
    let typo = file("databse_url = \"x\"\n");
    let err = Layers::new(
        env(&[("SHOP_CONFIG", &typo.0.display().to_string())]),
        &known(),
    )
    .unwrap_err();
    assert_eq!(err.setting, "SHOP_CONFIG");
    assert!(
        err.problem.contains("\"databse_url\" is not a setting"),
        "{err}"
    );

    let nested = file("[database]\nurl = \"x\"\n");
    let err = Layers::new(
        env(&[("SHOP_CONFIG", &nested.0.display().to_string())]),
        &known(),
    )
    .unwrap_err();
    assert!(err.problem.contains("is not a setting"), "{err}");

    let table = file("database_url = [\"x\"]\n");
    let err = Layers::new(
        env(&[("SHOP_CONFIG", &table.0.display().to_string())]),
        &known(),
    )
    .unwrap_err();
    assert!(
        err.problem
            .contains("must be a string, a number or a boolean"),
        "{err}"
    );

    let err = Layers::new(env(&[("SHOP_CONFIG", "/nonexistent/shop.toml")]), &known()).unwrap_err();
    assert!(
        err.problem
            .starts_with("cannot read /nonexistent/shop.toml"),
        "{err}"
    );

    let broken = file("database_url = \n");
    let err = Layers::new(
        env(&[("SHOP_CONFIG", &broken.0.display().to_string())]),
        &known(),
    )
    .unwrap_err();
    assert!(err.problem.contains("is not a TOML table"), "{err}");
}

#[test]
fn unknown_environment_variables_are_listed() {
    let layers = Layers::new(
        env(&[
            ("SHOP_WORKER_POLL_MS", "1"),
            ("SHOP_TYPO", "x"),
            ("SHOP_CONFIG", ""),
        ]),
        &known(),
    )
    .unwrap();
    assert_eq!(layers.unknown(&known()), vec!["SHOP_TYPO".to_string()]);
}

#[test]
fn the_table_renders_as_markdown() {
    assert_eq!(
        markdown_table(&known()[1..3]),
        "| Variable | Default | Meaning |\n|---|---|---|\n\
         | `SHOP_DATABASE_URL` | unset | where |\n\
         | `SHOP_WORKER_POLL_MS` | `250` | how often |\n"
    );
}
