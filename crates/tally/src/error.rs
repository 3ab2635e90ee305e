//! The one error of this crate: input that cannot be counted, with the JSON path
//! of the field at fault.

/// Input that cannot be counted.
///
/// `path` is the JSON path of the field at fault, in the notation of
/// `serde_path_to_error` (`ballots[3].yes[1]`, `present`, `rules.threshold`), so a
/// command line or an HTTP handler can show it next to deserialization errors.
/// `statute` is the rule the input breaks, where one applies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct TallyError {
    pub path: String,
    pub message: String,
    pub statute: Option<&'static str>,
}

impl TallyError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into(), statute: None }
    }

    pub fn statute(mut self, statute: &'static str) -> Self {
        self.statute = Some(statute);
        self
    }
}
