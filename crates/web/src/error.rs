//! One error type for pages and API: it renders as an HTML page or as JSON with a
//! code, a message, and the field, rule and statute involved.

use crate::i18n::Lang;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use plenum_app::AppError;
use plenum_domain::RuleError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `rule_violation`, `not_found`, `forbidden`.
    pub code: &'static str,
    /// Human-readable message, with the statute article where one applies.
    pub message: String,
    /// The input field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The rule broken, e.g. `preparatory_meeting.only`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The statute article, e.g. `OL art. 17`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl Failure {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody { code, message: message.into(), field: None, rule: None, source: None },
        }
    }
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.body.field = Some(field.into());
        self
    }
    pub fn with_message(mut self, m: impl Into<String>) -> Self {
        self.body.message = m.into();
        self
    }
    /// Names the rule refused, for the caller and for `localize`.
    pub fn with_rule(mut self, rule: &str) -> Self {
        self.body.rule = Some(rule.to_owned());
        self
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", what)
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "your role may not do this")
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "log in first")
    }
    pub fn too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the request is too large")
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
    pub fn json(self) -> ApiError {
        ApiError(self)
    }

    /// As JSON on the API, as a page elsewhere.
    pub(crate) fn respond(self, is_api: bool, lang: Lang) -> Response {
        if is_api { self.json().into_response() } else { PageError(self, lang).into_response() }
    }

    /// A rule's refusal in the reader's language: for Chinese, the table's sentence for
    /// the rule (`election.err.{rule}`, else `plenary.err.{rule}`; for a failure without
    /// a rule, its code: the table has sentences only for specific codes, never for a
    /// generic one such as `forbidden`, whose message the caller chose) with `values`
    /// put in for its `{name}`s, and the statute after it; else the rules' own English
    /// message. Idempotent, so the error page applies it to whatever a handler has not:
    /// a sentence already filled in stays (without the values its `{name}`s stay open,
    /// and the message is left as it is).
    pub fn localize(mut self, lang: Lang, values: &[(&str, String)]) -> Failure {
        if lang != Lang::Zh {
            return self;
        }
        let key = self.body.rule.as_deref().unwrap_or(self.body.code);
        let Some(zh) =
            lang.find(&format!("election.err.{key}")).or_else(|| lang.find(&format!("plenary.err.{key}")))
        else {
            return self;
        };
        let mut text = zh.to_owned();
        for (k, v) in values {
            text = text.replace(&format!("{{{k}}}"), v);
        }
        if text.contains('{') {
            // A value the sentence names was not given: the rules' own message has it.
            return self;
        }
        self.body.message = match &self.body.source {
            Some(s) => format!("{text}（{s}）"),
            None => text,
        };
        self
    }
}

impl From<RuleError> for Failure {
    fn from(e: RuleError) -> Self {
        Failure {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: ErrorBody {
                code: "rule_violation",
                message: e.to_string(),
                field: e.field.map(str::to_owned),
                rule: Some(e.rule.to_owned()),
                source: e.source.map(str::to_owned),
            },
        }
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Rule(r) => r.into(),
            AppError::Unavailable => {
                Failure::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", e.to_string())
            }
            other => {
                tracing::error!("{other}");
                Failure::internal(other.to_string())
            }
        }
    }
}

impl From<plenum_journal::AuthError> for Failure {
    fn from(e: plenum_journal::AuthError) -> Self {
        match e {
            plenum_journal::AuthError::UsernameTaken(u) => {
                Failure::new(StatusCode::CONFLICT, "username_taken", format!("the username {u} is taken"))
                    .field("username")
            }
            other => {
                tracing::error!("{other}");
                Failure::internal(other.to_string())
            }
        }
    }
}

/// A failure answered as JSON (the API).
#[derive(Debug)]
pub struct ApiError(pub Failure);

impl<E: Into<Failure>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0.status, Json(self.0.body)).into_response()
    }
}

/// A failure answered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub Failure, pub Lang);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError(f, lang) = self;
        let f = f.localize(lang, &[]);
        let title = lang.t("error.title");
        let back = lang.t("error.back");
        let body = format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title><link rel=\"stylesheet\" href=\"/static/app.css\"><link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\"></head><body><main id=\"main\" class=\"narrow\">\
             <h1>{title}</h1><p role=\"alert\">{}</p><p><a href=\"/\">{back}</a></p></main></body></html>",
            lang.code(),
            html_escape(&f.body.message)
        );
        (f.status, Html(body)).into_response()
    }
}

pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub type ApiResult<T> = Result<T, ApiError>;

/// An extractor's rejection (a path segment that is not a number, a body that is not
/// the JSON or form expected, a wrong content type) comes from axum as plain English
/// text. It is answered like every other failure: on the API as JSON with a code and
/// axum's explanation, on a page in the visitor's language. Any other response passes
/// unchanged.
pub(crate) async fn rejection_as_failure(res: Response, is_api: bool, lang: Lang) -> Response {
    let plain = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !plain {
        return res;
    }
    let status = res.status();
    // Rejections are short; anything longer is not one of them.
    match axum::body::to_bytes(res.into_body(), 4096).await {
        Ok(text) => rejection(status, String::from_utf8_lossy(&text).trim(), is_api, lang),
        Err(_) => rejection(status, "", is_api, lang),
    }
}

/// The failure for a rejection of `status` explained by `text` (see
/// `rejection_as_failure`).
pub(crate) fn rejection(status: StatusCode, text: &str, is_api: bool, lang: Lang) -> Response {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => return Failure::too_large().respond(is_api, lang),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        _ => "bad_request",
    };
    let message =
        if is_api && !text.is_empty() { text.to_owned() } else { lang.t("error.bad_request").to_owned() };
    let mut f = Failure::new(status, code, message);
    // A JSON body of the wrong shape names where: "…target type: choice: invalid type…",
    // or "…target type: missing field `choice` at…".
    if let Some(rest) = text.strip_prefix("Failed to deserialize the JSON body into the target type: ") {
        let missing =
            rest.strip_prefix("missing field `").and_then(|r| r.split_once('`')).map(|(name, _)| name);
        let at = rest.split_once(": ").map(|(path, _)| path).filter(|p| !p.contains(' '));
        if let Some(field) = missing.or(at).filter(|p| !p.is_empty()) {
            f = f.field(field);
        }
    }
    f.respond(is_api, lang)
}

/// Extractor rejections are client errors with these statuses.
pub(crate) fn may_be_rejection(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::BAD_REQUEST
            | StatusCode::UNPROCESSABLE_ENTITY
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
            | StatusCode::PAYLOAD_TOO_LARGE
    )
}

impl From<StatusCode> for Failure {
    fn from(s: StatusCode) -> Self {
        Failure::new(s, "http", s.canonical_reason().unwrap_or("error"))
    }
}
