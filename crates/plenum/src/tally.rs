//! `plenum tally FILE.json`: count a resolution or an election round offline and
//! print the result as JSON. Errors name the JSON path at fault and exit with 2.

use plenum_tally::{Election, ResolutionInput, TallyInput};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

/// Read `file` (`-` for stdin), count, print. Exit 0, or 2 with the error on stderr.
pub fn run(file: &Path) -> ExitCode {
    match count(file) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("plenum tally: {message}");
            ExitCode::from(2)
        }
    }
}

fn count(file: &Path) -> Result<String, String> {
    let text = if file == Path::new("-") {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| format!("reading stdin: {e}"))?;
        s
    } else {
        std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?
    };
    let input = parse(&text)?;
    let output = plenum_tally::tally(&input).map_err(|e| e.to_string())?;
    serde_json::to_string_pretty(&output).map_err(|e| e.to_string())
}

/// Two steps, so that every error carries its JSON path: `kind` picks the type,
/// then the rest is deserialized with `serde_path_to_error` (an internally tagged
/// enum would buffer the document and lose the path).
fn parse(text: &str) -> Result<TallyInput, String> {
    let mut value: Value = serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
    let Some(object) = value.as_object_mut() else {
        return Err(r#".: expected an object with "kind": "election" or "resolution""#.into());
    };
    let kind = match object.remove("kind") {
        Some(Value::String(kind)) => kind,
        Some(other) => return Err(format!(r#"kind: expected "election" or "resolution", found {other}"#)),
        None => return Err(r#"kind: missing; expected "election" or "resolution""#.into()),
    };
    match kind.as_str() {
        "election" => Ok(TallyInput::Election(with_path::<Election>(value)?)),
        "resolution" => Ok(TallyInput::Resolution(with_path::<ResolutionInput>(value)?)),
        other => Err(format!(r#"kind: unknown kind "{other}"; expected "election" or "resolution""#)),
    }
}

fn with_path<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| format!("{}: {}", e.path(), e.inner()))
}
