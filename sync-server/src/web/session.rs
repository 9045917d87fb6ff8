//! Cookie sessions of the supervisor console, for supervisor and administrator accounts only.
//!
//! Signing in checks the password like device registration does, then sets a random 256-bit token
//! in an `HttpOnly; SameSite=Strict` cookie. The database keeps only the token's SHA-256.
//! Browsers do not send a `SameSite=Strict` cookie on requests from other sites. Every console POST
//! also checks the `Origin` header, and signing out by form also needs the session's CSRF token.

use axum::extract::{Form, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use foodpatrol_shared::role::Role;
use maud::html;
use serde::Deserialize;

use super::{LANG_COOKIE, Lang, PageError, bare_page, encode_query};
use crate::AppState;
use crate::auth::{new_token, token_hash, verify_password};
use crate::error::AppError;
use crate::store::{NewWebSession, WebSession};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "fp_console";
/// How long a console session lasts from sign-in.
pub const SESSION_HOURS: i64 = 12;
/// Roles that may use the console.
pub const CONSOLE_ROLES: [Role; 2] = [Role::Supervisor, Role::Admin];

/// Returns the value of a cookie of the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// A signed-in console user, read from the session cookie.
///
/// Without a valid session the request is redirected to the sign-in form (back to this page after).
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    pub session: WebSession,
}

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_request_parts(parts, state).await.unwrap_or(Lang::Zh);
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/console".to_owned());
            Redirect::to(&format!("/console/login?next={}", encode_query(&next))).into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let session = state
            .store
            .web_session(&token_hash(&token), Utc::now())
            .await
            .map_err(|e| PageError::new(e, lang).into_response())?;
        let Some(session) = session else {
            return Err(to_login());
        };
        // The account's role may have changed since sign-in.
        if !CONSOLE_ROLES.contains(&session.user.role) {
            return Err(PageError::new(wrong_role(session.user.role, lang), lang).into_response());
        }
        Ok(ConsoleUser { session })
    }
}

fn wrong_role(role: Role, lang: Lang) -> AppError {
    AppError::Forbidden {
        code: "wrong_role",
        message: match lang {
            Lang::Zh => format!(
                "监管端仅供监管负责人和管理员使用，当前账号是{}。检查人员请使用巡查 App，经营者请使用经营者页面。",
                role.label_zh()
            ),
            Lang::En => format!(
                "the console is for supervisors and administrators; this account is a {} account",
                role.as_str()
            ),
        },
    }
}

/// Returns `next` when it is a console path, so the redirect after sign-in cannot leave the site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with("/console") && !path.starts_with("/console/login") => path.to_owned(),
        _ => "/console".to_owned(),
    }
}

/// Rejects a POST whose `Origin` header names another site. A request without the header passes,
/// because old browsers omit it; the `SameSite=Strict` cookie still protects those.
fn check_origin(headers: &HeaderMap, lang: Lang) -> Result<(), PageError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    if origin_host == host {
        return Ok(());
    }
    Err(PageError::new(
        AppError::Forbidden {
            code: "cross_site_request",
            message: match lang {
                Lang::Zh => format!("拒绝来自其他网站 {origin} 的请求，请在监管端页面内操作。"),
                Lang::En => {
                    format!("rejected a request from another site ({origin}); use the console's own pages")
                }
            },
        },
        lang,
    ))
}

fn session_cookie(headers: &HeaderMap, value: &str, max_age_s: i64) -> HeaderValue {
    // Behind a TLS-terminating proxy the cookie must also be Secure.
    let secure = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&cookie).expect("session cookie is ASCII")
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

fn login_page(lang: Lang, next: &str, username: &str, error: Option<&str>) -> impl IntoResponse + use<> {
    let title = lang.t("监管端登录", "Console sign-in");
    bare_page(
        lang,
        title,
        html! {
            form.login method="post" action="/console/login" {
                h1 { (title) }
                @if let Some(error) = error {
                    p.error role="alert" data-testid="login-error" { (error) }
                }
                input type="hidden" name="next" value=(next);
                label { (lang.t("用户名", "Username"))
                    input type="text" name="username" value=(username) autocomplete="username" required autofocus; }
                label { (lang.t("密码", "Password"))
                    input type="password" name="password" autocomplete="current-password" required; }
                button type="submit" { (lang.t("登录", "Sign in")) }
                p.note { (lang.t("仅限监管负责人和管理员账号。", "For supervisor and administrator accounts only.")) }
            }
        },
    )
}

/// `GET /console/login`: the sign-in form.
pub async fn login_form(lang: Lang, Query(query): Query<LoginQuery>) -> impl IntoResponse {
    login_page(lang, &safe_next(query.next.as_deref()), "", None)
}

/// A failed console sign-in.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("invalid username or password")]
    BadCredentials,
    #[error("role {0:?} may not use the console")]
    WrongRole(Role),
    #[error(transparent)]
    App(#[from] AppError),
}

/// Checks a supervisor's or administrator's password and opens a session. Returns the cookie token.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: String,
) -> Result<(String, WebSession), SignInError> {
    let found = state
        .store
        .user_by_username(username.trim())
        .await
        .map_err(AppError::from)?;
    // Verify even for an unknown user, so the response time does not reveal which usernames exist.
    let (user, phc) = match found {
        Some((user, phc)) => (Some(user), phc),
        None => (None, state.dummy_password_hash.clone()),
    };
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(|e| AppError::Internal(format!("password check failed: {e}")))?;
    let (Some(user), true) = (user, ok) else {
        return Err(SignInError::BadCredentials);
    };
    if !CONSOLE_ROLES.contains(&user.role) {
        return Err(SignInError::WrongRole(user.role));
    }
    let token = new_token();
    let session = WebSession {
        user,
        csrf_token: new_token(),
        expires_at: Utc::now() + Duration::hours(SESSION_HOURS),
    };
    state
        .store
        .insert_web_session(&NewWebSession {
            token_hash: token_hash(&token),
            user_id: session.user.id,
            csrf_token: session.csrf_token.clone(),
            expires_at: session.expires_at,
        })
        .await
        .map_err(AppError::from)?;
    Ok((token, session))
}

/// `POST /console/login`: signs in and redirects to the requested page, or shows the form with the error.
// NOTE: failed attempts are logged but not throttled. Only the cost of one argon2 hash per guess
// slows down password guessing.
pub async fn login(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    check_origin(&headers, lang)?;
    let next = safe_next(form.next.as_deref());
    let username = form.username.trim().to_owned();
    if username.is_empty() || form.password.is_empty() {
        let message = lang.t("请输入用户名和密码。", "Enter the username and the password.");
        return Ok((
            StatusCode::BAD_REQUEST,
            login_page(lang, &next, &username, Some(message)),
        )
            .into_response());
    }
    match sign_in(&state, &username, form.password).await {
        Ok((token, session)) => {
            tracing::info!(user_id = %session.user.id, role = session.user.role.as_str(), "console sign-in");
            let mut response = Redirect::to(&next).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&headers, &token, SESSION_HOURS * 3600),
            );
            Ok(response)
        }
        Err(SignInError::BadCredentials) => {
            tracing::warn!("console sign-in rejected: bad credentials");
            let message = lang.t(
                "用户名或密码错误，请重新输入。忘记密码请联系管理员。",
                "Invalid username or password. Ask an administrator if you forgot the password.",
            );
            Ok((
                StatusCode::UNAUTHORIZED,
                login_page(lang, &next, &username, Some(message)),
            )
                .into_response())
        }
        Err(SignInError::WrongRole(role)) => {
            tracing::warn!(role = role.as_str(), "console sign-in rejected: wrong role");
            let message = wrong_role(role, lang).to_string();
            Ok((
                StatusCode::FORBIDDEN,
                login_page(lang, &next, &username, Some(&message)),
            )
                .into_response())
        }
        Err(SignInError::App(error)) => Err(PageError::new(error, lang)),
    }
}

async fn end_session(state: &AppState, headers: &HeaderMap) -> Result<Response, AppError> {
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        state.store.delete_web_session(&token_hash(&token)).await?;
        tracing::info!("console sign-out");
    }
    let mut response = Redirect::to("/console/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(headers, "", 0));
    Ok(response)
}

/// `GET /console/logout`: ends the session. Safe as a GET because a link from another site does
/// not carry the `SameSite=Strict` cookie, so it cannot end anyone's session.
pub async fn logout(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    end_session(&state, &headers)
        .await
        .map_err(|e| PageError::new(e, lang))
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/logout`: the sign-out button; needs the session's CSRF token.
pub async fn logout_form(
    State(state): State<AppState>,
    lang: Lang,
    user: ConsoleUser,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Result<Response, PageError> {
    check_origin(&headers, lang)?;
    if form.csrf != user.session.csrf_token {
        return Err(PageError::new(
            AppError::Forbidden {
                code: "invalid_csrf_token",
                message: lang
                    .t(
                        "页面已过期，请刷新后再退出登录。",
                        "The page has expired; reload it and sign out again.",
                    )
                    .to_owned(),
            },
            lang,
        ));
    }
    end_session(&state, &headers)
        .await
        .map_err(|e| PageError::new(e, lang))
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    to: Option<String>,
}

/// `GET /console/lang?to=en|zh`: keeps the language in a cookie and goes back to the console page
/// the link was on.
pub async fn switch_language(headers: HeaderMap, Query(query): Query<LangQuery>) -> Response {
    let lang = match query.to.as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| referer.find("/console").map(|at| &referer[at..]))
        .map_or_else(|| "/console".to_owned(), |path| safe_next(Some(path)));
    let mut response = Redirect::to(&back).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.code()
    );
    response
        .headers_mut()
        .insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("ASCII"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_next_stays_on_console() {
        assert_eq!(
            safe_next(Some("/console/tasks?state=open")),
            "/console/tasks?state=open"
        );
        assert_eq!(safe_next(Some("https://evil.example/console")), "/console");
        assert_eq!(safe_next(Some("//evil.example")), "/console");
        assert_eq!(safe_next(Some("/console/login?next=/x")), "/console");
        assert_eq!(safe_next(None), "/console");
    }

    #[test]
    fn cookie_reads_one_of_many() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; fp_console=tok; fp_lang=en"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(cookie(&headers, LANG_COOKIE).as_deref(), Some("en"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn encode_query_escapes_separators() {
        assert_eq!(
            encode_query("/console/tasks?state=open&x=1"),
            "/console/tasks%3Fstate%3Dopen%26x%3D1"
        );
    }
}
