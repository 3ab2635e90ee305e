//! The HTTP face of Plenum. For now a status page and a health check; the full web
//! application (accounts, pages, API, live updates) builds on this router.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use plenum_app::App;
use plenum_domain::ItemState;
use std::fmt::Write as _;

pub fn router(app: App) -> Router {
    Router::new().route("/", get(status)).route("/healthz", get(health)).with_state(app)
}

/// Serves until the process is stopped.
pub async fn serve(app: App, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(app)).with_graceful_shutdown(shutdown()).await
}

async fn shutdown() {
    // Ctrl-C; a failure to install the handler means we just run until killed.
    let _ = tokio::signal::ctrl_c().await;
}

async fn health(State(app): State<App>) -> impl IntoResponse {
    (StatusCode::OK, format!("ok position={}\n", app.position()))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn state_label(s: ItemState) -> &'static str {
    match s {
        ItemState::Pending => "待审议 pending",
        ItemState::InProgress => "进行中 in progress",
        ItemState::Done => "已完成 done",
        ItemState::Deferred => "已推迟 deferred",
    }
}

async fn status(State(app): State<App>) -> Html<String> {
    let mut body = String::new();
    app.read_all(|p| {
        let _ = write!(body, "<p>日志位置 Journal position: {}</p>", p.position);
        for (id, view) in &p.assemblies {
            let a = &view.state;
            let seated = a.seated_members().count();
            let _ = write!(
                body,
                "<section><h2>{} <small lang=\"en\">{}</small></h2><p>id <code>{}</code> · 组成人员 members: {} · 代表团/界别 groups: {}</p>",
                esc(&a.name),
                esc(&a.name_en),
                esc(id.as_str()),
                seated,
                a.groups.len()
            );
            for s in a.sessions.values() {
                let _ = write!(body, "<h3>{} <small lang=\"en\">{}</small></h3><ol>", esc(&s.title), esc(&s.title_en));
                for it in &s.agenda {
                    let _ = write!(body, "<li>{} — {}</li>", esc(&it.title), state_label(it.state));
                }
                body.push_str("</ol>");
            }
            body.push_str("</section>");
        }
    });
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Plenum</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a}}small{{color:#444}}</style></head>\
         <body><h1>Plenum</h1>{body}</body></html>"
    ))
}
