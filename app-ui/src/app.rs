//! The top-level component: which screen is shown, who is signed in, and the app-wide sync state.
//!
//! There is no router: the inspector app is one window moving SignIn → Home → Inspection →
//! Signature → Submit, with Sync reachable from the bottom bar, so one reducer ([`AppState`])
//! switches screens. It also owns what the header needs on every screen: the locale (given to all
//! components as a context), the online indicator, the latest `sync-progress` event and the last
//! `sync_status`. When the browser reports `online`, it calls `sync_now` at once.

use std::rc::Rc;

use foodpatrol_shared::ids::InspectionId;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::header::Header;
use crate::components::nav_bar::NavBar;
use crate::i18n::{Label, Locale};
use crate::screens::home::HomeScreen;
use crate::screens::inspection::InspectionScreen;
use crate::screens::sign_in::SignInScreen;
use crate::screens::signature::SignatureScreen;
use crate::screens::submit::SubmitScreen;
use crate::screens::sync::SyncScreen;
use crate::services::{self, IdentityView, SyncPhase, SyncProgress, SyncStatusView, codes};
use crate::{demo_data, web};

/// The screen on display.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Screen {
    /// Waiting for `session_get`.
    Loading,
    SignIn,
    Home,
    Inspection(InspectionId),
    Signature(InspectionId),
    Submit(InspectionId),
    Sync,
}

/// App-wide state; each screen keeps its own state in its own reducer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppState {
    screen: Screen,
    identity: Option<IdentityView>,
    locale: Locale,
    /// Latest `sync-progress` payload.
    progress: Option<SyncProgress>,
    sync: Option<SyncStatusView>,
    /// `navigator.onLine`, kept current by the window's `online`/`offline` events.
    browser_online: bool,
    /// Code of the last failed sync this UI saw (`offline`, `signed_out`, ...); cleared on success.
    last_sync_error_code: Option<String>,
}

impl AppState {
    fn new() -> Self {
        AppState {
            screen: Screen::Loading,
            identity: None,
            locale: Locale::load(),
            progress: None,
            sync: None,
            browser_online: web::navigator_online(),
            last_sync_error_code: None,
        }
    }

    /// Online unless the browser, the shell or the last sync reported the device offline.
    fn online(&self) -> bool {
        self.browser_online
            && self.last_sync_error_code.as_deref() != Some(codes::OFFLINE)
            && self.sync.as_ref().is_none_or(|s| s.online)
    }

    fn session_expired(&self) -> bool {
        self.identity.as_ref().is_some_and(|i| !i.signed_in)
            || self.last_sync_error_code.as_deref() == Some(codes::SIGNED_OUT)
    }
}

pub(crate) enum AppAction {
    Navigate(Screen),
    SessionLoaded(Option<IdentityView>),
    SignedIn(IdentityView),
    SetLocale(Locale),
    Progress(SyncProgress),
    SyncStatus(SyncStatusView),
    /// A sync finished: `None` on success, the error code otherwise.
    SyncFinished(Option<String>),
    BrowserOnline(bool),
}

impl Reducible for AppState {
    type Action = AppAction;

    fn reduce(self: Rc<Self>, action: AppAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            AppAction::Navigate(screen) => {
                next.screen = screen;
                web::scroll_to_top();
            }
            AppAction::SessionLoaded(identity) => {
                next.screen = match &identity {
                    Some(identity) if identity.signed_in => Screen::Home,
                    _ => Screen::SignIn,
                };
                next.identity = identity;
            }
            AppAction::SignedIn(identity) => {
                next.identity = Some(identity);
                next.last_sync_error_code = None;
                next.screen = Screen::Home;
            }
            AppAction::SetLocale(locale) => {
                locale.store();
                next.locale = locale;
            }
            AppAction::Progress(progress) => next.progress = Some(progress),
            AppAction::SyncStatus(status) => next.sync = Some(status),
            AppAction::SyncFinished(code) => next.last_sync_error_code = code,
            AppAction::BrowserOnline(online) => next.browser_online = online,
        }
        Rc::new(next)
    }
}

/// Fetches `sync_status` into the app state; a failure leaves the last status shown.
fn refresh_sync_status(dispatcher: UseReducerDispatcher<AppState>) {
    spawn_local(async move {
        if let Ok(status) = services::sync_status().await {
            dispatcher.dispatch(AppAction::SyncStatus(status));
        }
    });
}

/// Asks the shell to sync now and records the result.
fn sync_now(dispatcher: UseReducerDispatcher<AppState>) {
    spawn_local(async move {
        let code = services::sync_now().await.err().map(|e| e.code);
        dispatcher.dispatch(AppAction::SyncFinished(code));
        refresh_sync_status(dispatcher);
    });
}

#[function_component(App)]
pub(crate) fn app() -> Html {
    let state = use_reducer(AppState::new);
    let dispatcher = state.dispatcher();

    // Load the session once, and keep the sync and network listeners for the app's lifetime.
    {
        let dispatcher = dispatcher.clone();
        use_effect_with((), move |_| {
            let session = dispatcher.clone();
            spawn_local(async move {
                let identity = if services::available() {
                    services::session_get().await.ok().flatten()
                } else {
                    None
                };
                session.dispatch(AppAction::SessionLoaded(identity));
            });
            if services::available() {
                refresh_sync_status(dispatcher.clone());
            }

            let progress = dispatcher.clone();
            let subscription = services::on_sync_progress(move |event| {
                let finished = matches!(event.phase, SyncPhase::Done | SyncPhase::Error);
                if event.phase == SyncPhase::Done {
                    progress.dispatch(AppAction::SyncFinished(None));
                }
                progress.dispatch(AppAction::Progress(event));
                if finished {
                    refresh_sync_status(progress.clone());
                }
            });
            let went_online = dispatcher.clone();
            let online = web::EventListener::on_window("online", move |_| {
                went_online.dispatch(AppAction::BrowserOnline(true));
                if services::in_tauri() {
                    sync_now(went_online.clone());
                }
            });
            let went_offline = dispatcher;
            let offline = web::EventListener::on_window("offline", move |_| {
                went_offline.dispatch(AppAction::BrowserOnline(false));
            });
            move || drop((subscription, online, offline))
        });
    }

    let on_navigate = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |screen: Screen| {
            dispatcher.dispatch(AppAction::Navigate(screen));
            // Leaving a record may have queued changes: keep the pending count in the bar current.
            refresh_sync_status(dispatcher.clone());
        })
    };
    let on_switch_locale = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |locale: Locale| dispatcher.dispatch(AppAction::SetLocale(locale)))
    };
    let on_signed_in = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |identity: IdentityView| {
            dispatcher.dispatch(AppAction::SignedIn(identity));
            refresh_sync_status(dispatcher.clone());
        })
    };
    let on_sync_finished = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |code: Option<String>| {
            dispatcher.dispatch(AppAction::SyncFinished(code));
            refresh_sync_status(dispatcher.clone());
        })
    };
    let on_refresh_sync = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |()| refresh_sync_status(dispatcher.clone()))
    };

    let locale = state.locale;
    let signed_in = state.identity.is_some() && !matches!(state.screen, Screen::SignIn | Screen::Loading);
    let me = state.identity.as_ref().map(|i| i.user_id);
    let body = match (&state.screen, me) {
        (Screen::Loading, _) => html! {
            <p class="loading" data-testid="app-loading">{ locale.t(Label::Loading) }</p>
        },
        (Screen::SignIn, _) | (_, None) => html! {
            <SignInScreen
                expired={state.session_expired()}
                identity={state.identity.clone()}
                on_signed_in={on_signed_in}
            />
        },
        (Screen::Home, Some(me)) => html! {
            <HomeScreen
                me={me}
                synced_at={state.sync.as_ref().and_then(|s| s.status.last_success_ms)}
                on_navigate={on_navigate.clone()}
            />
        },
        (Screen::Inspection(id), Some(me)) => html! {
            <InspectionScreen key={id.to_string()} id={*id} me={me} on_navigate={on_navigate.clone()} />
        },
        (Screen::Signature(id), Some(_)) => html! {
            <SignatureScreen key={id.to_string()} id={*id} on_navigate={on_navigate.clone()} />
        },
        (Screen::Submit(id), Some(_)) => html! {
            <SubmitScreen key={id.to_string()} id={*id} on_navigate={on_navigate.clone()} />
        },
        (Screen::Sync, Some(_)) => html! {
            <SyncScreen
                status={state.sync.clone()}
                progress={state.progress.clone()}
                online={state.online()}
                on_synced={on_sync_finished}
                on_refresh={on_refresh_sync}
            />
        },
    };

    let pending = state
        .sync
        .as_ref()
        .map(|s| s.status.pending_docs + s.status.pending_photos)
        .unwrap_or(0);
    let relogin =
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(AppAction::Navigate(Screen::SignIn)));
    let expired_banner = (signed_in && state.session_expired()).then(|| {
        html! {
            <div class="banner banner-warn" role="alert" data-testid="session-expired">
                <span>{ locale.t(Label::SessionExpired) }</span>
                <button class="btn btn-small" data-testid="relogin" onclick={relogin}>
                    { locale.t(Label::SignInTitle) }
                </button>
            </div>
        }
    });

    html! {
        <ContextProvider<Locale> context={locale}>
            <div class={classes!("app", signed_in.then_some("with-nav"))} lang={locale.code()}>
                <Header
                    user={state.identity.as_ref().filter(|_| signed_in).map(|i| i.display_name.clone())}
                    online={state.online()}
                    on_switch_locale={on_switch_locale}
                />
                if demo_data::active() {
                    <div class="banner banner-info" data-testid="demo-notice">{ locale.t(Label::DemoNotice) }</div>
                }
                { for expired_banner }
                <main class="screen">{ body }</main>
                if signed_in {
                    <NavBar screen={state.screen.clone()} pending={pending} on_navigate={on_navigate} />
                }
            </div>
        </ContextProvider<Locale>>
    }
}
