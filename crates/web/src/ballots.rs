//! The ballot fast path. A plenary vote is the one request a whole hall makes within
//! seconds, so an API ballot (`POST /api/v1/assemblies/{id}/polls/{poll}/vote` with
//! a bearer token and a JSON body) is served in front of the router: the router and
//! its middleware cost every request a copy of the route, a boxed future and the
//! extractors' work. It passes the same access rule (the route table's entry for the
//! vote route), the same caller resolution and the same handler code as the routed
//! request; anything else, a cookie-authenticated or malformed request included,
//! goes through the router as before.

use crate::auth::Caller;
use crate::error::Failure;
use crate::plenary_api::{self, VoteRequest};
use crate::{Identity, Web, identify, refuse, request_langs};
use axum::Json;
use axum::Router;
use axum::extract::Request;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The route pattern of a ballot, as in the route table.
pub(crate) const VOTE_ROUTE: &str = "/api/v1/assemblies/{id}/polls/{poll}/vote";

/// Largest ballot body read (a ballot is a few dozen bytes).
const MAX_BALLOT: usize = 16 * 1024;

/// The web service: ballots on the fast path, everything else through the router.
#[derive(Clone)]
pub struct Service {
    pub(crate) router: Router,
    pub(crate) web: Web,
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl tower_service::Service<Request> for Service {
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> BoxFuture {
        match ballot_target(&req) {
            Some((id, poll)) => {
                let web = self.web.clone();
                Box::pin(async move { Ok(web.metrics.serving(ballot(&web, &id, poll, req)).await) })
            }
            None => Box::pin(tower_service::Service::call(&mut self.router, req)),
        }
    }
}

/// The assembly and poll of an API ballot that the fast path serves: a POST to the
/// vote route with a bearer token and a JSON body. Whatever this does not recognise
/// exactly (an escaped path, another content type) goes to the router.
fn ballot_target(req: &Request) -> Option<(String, u32)> {
    if req.method() != Method::POST {
        return None;
    }
    let rest = req.uri().path().strip_prefix("/api/v1/assemblies/")?;
    let mut parts = rest.split('/');
    let (id, polls, poll, vote) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || polls != "polls" || vote != "vote" || id.is_empty() || id.contains('%') {
        return None;
    }
    let poll: u32 = poll.parse().ok()?;
    let headers = req.headers();
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())?.starts_with("Bearer ");
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "application/json" || v.starts_with("application/json;"));
    (bearer && json).then(|| (id.to_owned(), poll))
}

async fn ballot(web: &Web, id: &str, poll: u32, req: Request) -> Response {
    let (lang, api_lang) = request_langs(req.headers());
    let fail = |f: Failure| f.json().into_response();
    // Fail closed, as the guard does: no rule, no service.
    let Some(access) = web.access_rule(VOTE_ROUTE, &Method::POST) else {
        return fail(Failure::forbidden());
    };
    let Identity { account, role, by_token, .. } = match identify(web, req.headers(), &fail).await {
        Ok(who) => who,
        Err(res) => return res,
    };
    if !access.allows(role) {
        return refuse(role, true, lang, req.uri().path());
    }
    let title = role.label_key();
    let caller = Caller { account, role, lang, api_lang, csrf: String::new(), by_token, title };
    let bytes = match axum::body::to_bytes(req.into_body(), MAX_BALLOT).await {
        Ok(b) => b,
        Err(_) => return fail(Failure::too_large()),
    };
    // A well-formed body is read directly. The `Json` extractor of the routed
    // handler accepts the same bodies (it parses with serde_json too) but tracks
    // the path into the body as it goes, for its error message; so a malformed body
    // goes through it, for the same answer as the guard gives to its rejection.
    let body: VoteRequest = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(_) => match Json::from_bytes(&bytes) {
            Ok(Json(b)) => b,
            Err(r) => return crate::error::rejection(r.status(), &r.body_text(), true, lang),
        },
    };
    plenary_api::cast(web, &caller, id, poll, body).await.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn post(path: &str, auth: Option<&str>, ctype: Option<&str>) -> Request {
        let mut b = Request::builder().method(Method::POST).uri(path);
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        if let Some(c) = ctype {
            b = b.header(header::CONTENT_TYPE, c);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn only_bearer_json_ballots_take_the_fast_path() {
        let path = "/api/v1/assemblies/city-npc/polls/7/vote";
        let ok = post(path, Some("Bearer abc"), Some("application/json"));
        assert_eq!(ballot_target(&ok), Some(("city-npc".to_owned(), 7)));
        let charset = post(path, Some("Bearer abc"), Some("application/json; charset=utf-8"));
        assert_eq!(ballot_target(&charset), Some(("city-npc".to_owned(), 7)));
        // Everything else goes through the router and its guard.
        assert_eq!(ballot_target(&post(path, None, Some("application/json"))), None);
        assert_eq!(ballot_target(&post(path, Some("Basic abc"), Some("application/json"))), None);
        assert_eq!(ballot_target(&post(path, Some("Bearer abc"), Some("text/plain"))), None);
        assert_eq!(ballot_target(&post(path, Some("Bearer abc"), None)), None);
        for other in [
            "/api/v1/assemblies/city-npc/polls/7/vote/x",
            "/api/v1/assemblies/city-npc/polls/x/vote",
            "/api/v1/assemblies/city-npc/polls/7/close",
            "/api/v1/assemblies/city%2Dnpc/polls/7/vote",
            "/api/v1/assemblies//polls/7/vote",
            "/api/v1/assemblies/city-npc/elections/7/vote",
        ] {
            assert_eq!(
                ballot_target(&post(other, Some("Bearer abc"), Some("application/json"))),
                None,
                "{other}"
            );
        }
        let mut get = post(path, Some("Bearer abc"), Some("application/json"));
        *get.method_mut() = Method::GET;
        assert_eq!(ballot_target(&get), None);
    }
}
