//! Settings, layered: built-in defaults, then a TOML file (`--config`, `PLENUM_CONFIG`
//! or `./plenum.toml`), then `PLENUM_*` environment variables, then flags.

use anyhow::{Context, Result};
use plenum_journal::DatabaseUrl;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database: Option<String>,
    listen: Option<String>,
    secure_cookies: Option<bool>,
}

/// The effective settings. `Debug` shows the database address without its password.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseUrl,
    pub listen: String,
    /// Mark cookies `Secure`: set it when Plenum is served over HTTPS.
    pub secure_cookies: bool,
}

pub const DEFAULT_DATABASE: &str = "sqlite:plenum.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl Config {
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let path: Option<PathBuf> = match (file, env("PLENUM_CONFIG")) {
            (Some(f), _) => Some(f.to_owned()),
            (None, Some(f)) => Some(PathBuf::from(f)),
            (None, None) => Some(PathBuf::from("plenum.toml")).filter(|p| p.exists()),
        };
        let from_file = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
                toml::from_str::<FileConfig>(&text).with_context(|| format!("in {}", p.display()))?
            }
            None => FileConfig::default(),
        };
        Ok(Config {
            database: DatabaseUrl::new(
                env("PLENUM_DATABASE").or(from_file.database).unwrap_or_else(|| DEFAULT_DATABASE.to_owned()),
            ),
            listen: env("PLENUM_LISTEN").or(from_file.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
            secure_cookies: match env("PLENUM_SECURE_COOKIES") {
                Some(v) => parse_bool("PLENUM_SECURE_COOKIES", &v)?,
                None => from_file.secure_cookies.unwrap_or(false),
            },
        })
    }
}

fn parse_bool(name: &str, v: &str) -> Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => anyhow::bail!("{name} must be true or false, not {other:?}"),
    }
}

impl Config {
    pub fn web(&self) -> plenum_web::WebConfig {
        plenum_web::WebConfig { secure_cookies: self.secure_cookies }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.toml");
        std::fs::write(&f, "database = \"postgres://u:pw@h/db\"\nlisten = \"0.0.0.0:9\"\n").unwrap();
        let c = Config::load(Some(&f), |_| None).unwrap();
        assert_eq!(c.listen, "0.0.0.0:9");
        assert!(!format!("{c:?}").contains("pw@"));
        let c = Config::load(Some(&f), |k| (k == "PLENUM_LISTEN").then(|| "1.2.3.4:5".to_owned())).unwrap();
        assert_eq!(c.listen, "1.2.3.4:5");
        assert!(c.database.is_postgres());
        assert!(!c.secure_cookies);
        let c =
            Config::load(Some(&f), |k| (k == "PLENUM_SECURE_COOKIES").then(|| "true".to_owned())).unwrap();
        assert!(c.secure_cookies);
        assert!(
            Config::load(Some(&f), |k| (k == "PLENUM_SECURE_COOKIES").then(|| "maybe".to_owned())).is_err()
        );
        std::fs::write(&f, "databse = \"x\"\n").unwrap();
        let err = format!("{:#}", Config::load(Some(&f), |_| None).unwrap_err());
        assert!(err.contains("databse"), "{err}");
    }
}
