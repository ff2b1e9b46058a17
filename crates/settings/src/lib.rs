//! How the shop's binaries and adapters read their settings.
//!
//! Every setting is a `SHOP_*` name with a default and a meaning, declared
//! once in a [`Setting`] table by the crate that reads it (each adapter has
//! its own; `shop-bootstrap` puts them together for the unknown-variable
//! check and the README). Values come from a [`Source`]: the process
//! environment over an optional TOML file ([`Layers`]); an empty value
//! counts as unset. Each kind of value has one parser here, so a URL or a
//! range is checked and reported the same way whichever crate asks, and an
//! error names the setting, never a secret's value.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::Path;
use std::time::Duration;

pub use secrecy::{ExposeSecret, SecretString};

/// One setting: what an operator reads in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    pub name: &'static str,
    /// As the README shows it (`unset`, `` `10` ``, `required with smtp`...).
    pub default: &'static str,
    pub meaning: &'static str,
}

/// A setting that cannot be used, reported as `SETTING: problem`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct SettingError {
    pub setting: &'static str,
    pub problem: String,
}

impl SettingError {
    pub fn new(setting: &'static str, problem: impl Into<String>) -> Self {
        Self {
            setting,
            problem: problem.into(),
        }
    }
}

/// Reads settings by name through a lookup (the process environment, a
/// map in tests, or [`Layers`]). Blank values count as unset.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Source<'a> {
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { lookup }
    }

    /// The value as given (not trimmed), if not empty: for passwords, whose
    /// spaces may be part of them.
    pub fn raw(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.is_empty())
    }

    /// The trimmed value, if not blank.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    pub fn string(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_string())
    }

    /// The value, or an error saying when it is needed (`when` completes
    /// "must be set ...", e.g. "when SHOP_PAYMENTS=square").
    pub fn required(&self, name: &'static str, when: &str) -> Result<String, SettingError> {
        self.get(name)
            .ok_or_else(|| SettingError::new(name, format!("must be set {when}")))
    }

    /// A secret: kept as given (not trimmed), never shown by `Debug`.
    pub fn secret(&self, name: &str) -> Option<SecretString> {
        self.raw(name).map(SecretString::from)
    }

    /// A whole number in `range`, `default` when unset.
    pub fn int(
        &self,
        name: &'static str,
        default: i64,
        range: RangeInclusive<i64>,
    ) -> Result<i64, SettingError> {
        let Some(raw) = self.get(name) else {
            return Ok(default);
        };
        let value: i64 = raw
            .parse()
            .map_err(|_| SettingError::new(name, format!("{raw:?} is not a whole number")))?;
        if !range.contains(&value) {
            return Err(SettingError::new(
                name,
                format!(
                    "{value} is out of range (allowed {}..={})",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(value)
    }

    /// [`Self::int`] as a `u32` (`range` within `u32`).
    pub fn count(
        &self,
        name: &'static str,
        default: u32,
        range: RangeInclusive<u32>,
    ) -> Result<u32, SettingError> {
        let value = self.int(
            name,
            i64::from(default),
            i64::from(*range.start())..=i64::from(*range.end()),
        )?;
        u32::try_from(value).map_err(|_| SettingError::new(name, "is out of range"))
    }

    /// Whole seconds in `range`.
    pub fn seconds(
        &self,
        name: &'static str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> Result<Duration, SettingError> {
        Ok(Duration::from_secs(self.unsigned(name, default, range)?))
    }

    /// Whole milliseconds in `range`.
    pub fn millis(
        &self,
        name: &'static str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> Result<Duration, SettingError> {
        Ok(Duration::from_millis(self.unsigned(name, default, range)?))
    }

    fn unsigned(
        &self,
        name: &'static str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> Result<u64, SettingError> {
        let wide = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let value = self.int(
            name,
            wide(default),
            wide(*range.start())..=wide(*range.end()),
        )?;
        u64::try_from(value).map_err(|_| SettingError::new(name, "is out of range"))
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    pub fn boolean(&self, name: &'static str, default: bool) -> Result<bool, SettingError> {
        match self.get(name).map(|v| v.to_ascii_lowercase()).as_deref() {
            None => Ok(default),
            Some("true" | "1" | "yes" | "on") => Ok(true),
            Some("false" | "0" | "no" | "off") => Ok(false),
            Some(other) => Err(SettingError::new(
                name,
                format!("{other:?} is not a boolean (true or false)"),
            )),
        }
    }

    /// One of `available` (case-insensitive), `default` when unset.
    pub fn choice(
        &self,
        name: &'static str,
        default: &str,
        available: &[&str],
    ) -> Result<String, SettingError> {
        let value = self.string(name, default).to_ascii_lowercase();
        if available.contains(&value.as_str()) {
            return Ok(value);
        }
        Err(SettingError::new(
            name,
            format!("{value:?} is not one of {}", available.join(", ")),
        ))
    }

    /// An `http://` or `https://` URL without spaces, if set.
    pub fn http_url(&self, name: &'static str) -> Result<Option<String>, SettingError> {
        let Some(url) = self.get(name) else {
            return Ok(None);
        };
        let scheme_and_rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        match scheme_and_rest {
            Some(rest) if !rest.is_empty() && !url.chars().any(char::is_whitespace) => {
                Ok(Some(url))
            }
            _ => Err(SettingError::new(
                name,
                format!("{url:?} is not an http(s) URL"),
            )),
        }
    }

    /// A base URL that links are appended to (`SHOP_PUBLIC_URL`):
    /// `http(s)://host[:port][/path]` without query, fragment or blanks,
    /// kept without a trailing slash; `default` when unset.
    pub fn base_url(&self, name: &'static str, default: &str) -> Result<String, SettingError> {
        let raw = self.string(name, default);
        let value = raw.trim().trim_end_matches('/');
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"));
        match rest {
            Some(rest)
                if !rest.is_empty()
                    && !rest.starts_with('/')
                    && !value.chars().any(|c| c.is_control() || c.is_whitespace())
                    && !value.contains(['?', '#']) =>
            {
                Ok(value.to_string())
            }
            _ => Err(SettingError::new(
                name,
                format!("{raw:?} is not an http(s) URL without query or fragment"),
            )),
        }
    }

    /// [`Self::http_url`], required (`when` as in [`Self::required`]).
    pub fn required_http_url(
        &self,
        name: &'static str,
        when: &str,
    ) -> Result<String, SettingError> {
        self.required(name, when)?;
        self.http_url(name)?
            .ok_or_else(|| SettingError::new(name, format!("must be set {when}")))
    }

    /// Both of two settings or neither: `(None, None)`, or both values.
    pub fn pair(
        &self,
        first: &'static str,
        second: &'static str,
    ) -> Result<Option<(String, String)>, SettingError> {
        match (self.get(first), self.get(second)) {
            (None, None) => Ok(None),
            (Some(a), Some(b)) => Ok(Some((a, b))),
            (Some(_), None) => Err(SettingError::new(
                second,
                format!("must be set when {first} is set (both or neither)"),
            )),
            (None, Some(_)) => Err(SettingError::new(
                first,
                format!("must be set when {second} is set (both or neither)"),
            )),
        }
    }
}

/// The settings of a process: its environment over the TOML file that
/// `SHOP_CONFIG` names, if any. The file holds the same settings in lower
/// case without the prefix (`database_url = "mysql://..."` for
/// `SHOP_DATABASE_URL`); a variable set in the environment wins.
#[derive(Debug, Default, Clone)]
pub struct Layers {
    env: BTreeMap<String, String>,
    file: BTreeMap<String, String>,
}

/// Names the file may not hold: it is found through the first, and the
/// others are process concerns.
const NOT_IN_FILE: &[&str] = &["SHOP_CONFIG"];

impl Layers {
    /// `env` (name to value) over the file `env` names in `SHOP_CONFIG`.
    /// A file key no setting of `known` has is an error: a typo in a file
    /// written on purpose should stop start-up, not pass unnoticed.
    pub fn new(env: BTreeMap<String, String>, known: &[&Setting]) -> Result<Self, SettingError> {
        let file = match env.get("SHOP_CONFIG").filter(|p| !p.trim().is_empty()) {
            Some(path) => read_file(Path::new(path.trim()), known)?,
            None => BTreeMap::new(),
        };
        Ok(Self { env, file })
    }

    /// The `SHOP_*` variables of the process environment. A `SHOP_`
    /// variable that is not valid UTF-8 is refused rather than ignored.
    pub fn from_process(known: &[&Setting]) -> Result<Self, SettingError> {
        let mut env = BTreeMap::new();
        for (key, value) in std::env::vars_os() {
            let Some(key) = key.to_str() else { continue };
            if !key.starts_with("SHOP_") {
                continue;
            }
            let Some(value) = value.to_str() else {
                let setting = known
                    .iter()
                    .find(|s| s.name == key)
                    .map_or("SHOP_*", |s| s.name);
                return Err(SettingError::new(setting, "is not valid UTF-8"));
            };
            env.insert(key.to_string(), value.to_string());
        }
        Self::new(env, known)
    }

    /// A setting's value: the environment's when set and not blank, else
    /// the file's.
    pub fn lookup(&self, name: &str) -> Option<String> {
        self.env
            .get(name)
            .filter(|v| !v.trim().is_empty())
            .or_else(|| self.file.get(name))
            .cloned()
    }

    /// `SHOP_*` variables of the environment no setting of `known` has.
    pub fn unknown(&self, known: &[&Setting]) -> Vec<String> {
        self.env
            .keys()
            .filter(|k| !NOT_IN_FILE.contains(&k.as_str()) && !known.iter().any(|s| s.name == *k))
            .cloned()
            .collect()
    }
}

fn read_file(path: &Path, known: &[&Setting]) -> Result<BTreeMap<String, String>, SettingError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        SettingError::new(
            "SHOP_CONFIG",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        SettingError::new(
            "SHOP_CONFIG",
            format!("{} is not a TOML table of settings: {e}", path.display()),
        )
    })?;
    let mut values = BTreeMap::new();
    for (key, value) in table {
        let name = format!("SHOP_{}", key.to_ascii_uppercase());
        let Some(setting) = known
            .iter()
            .find(|s| s.name == name && !NOT_IN_FILE.contains(&s.name))
        else {
            return Err(SettingError::new(
                "SHOP_CONFIG",
                format!("{}: {key:?} is not a setting", path.display()),
            ));
        };
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Float(f) => f.to_string(),
            _ => {
                return Err(SettingError::new(
                    "SHOP_CONFIG",
                    format!(
                        "{}: {key} must be a string, a number or a boolean ({})",
                        path.display(),
                        setting.name
                    ),
                ));
            }
        };
        values.insert(name, value);
    }
    Ok(values)
}

/// The settings as the README's configuration table: one row per setting.
pub fn markdown_table(settings: &[&Setting]) -> String {
    let mut out = String::from("| Variable | Default | Meaning |\n|---|---|---|\n");
    for s in settings {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            s.name, s.default, s.meaning
        ));
    }
    out
}

#[cfg(test)]
mod tests;
