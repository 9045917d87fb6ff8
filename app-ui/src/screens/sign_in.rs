//! 登录: registers this device with the server (the only step that needs the network).
//!
//! The server address is prefilled from the previous identity, else from the shell's `app_info`
//! (when the shell has that command). Errors are the shell's `CommandError.message`, already in
//! plain Chinese. Outside the app the screen still renders, with a notice that it must run inside.

use std::rc::Rc;

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::i18n::{Label, use_locale};
use crate::services::{self, IdentityView};
use crate::web;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    ServerUrl,
    Username,
    Password,
    DeviceName,
}

/// State of the sign-in form.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct SignInState {
    server_url: String,
    username: String,
    password: String,
    device_name: String,
    busy: bool,
    error: Option<String>,
    /// The shell's version from `app_info`, shown small under the form.
    app_version: Option<String>,
}

pub(crate) enum SignInAction {
    /// Fills the server address unless the user already typed one.
    Prefill {
        server_url: String,
        app_version: Option<String>,
    },
    Edit(Field, String),
    Submitting,
    Failed(String),
}

impl Reducible for SignInState {
    type Action = SignInAction;

    fn reduce(self: Rc<Self>, action: SignInAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            SignInAction::Prefill {
                server_url,
                app_version,
            } => {
                if next.server_url.is_empty() {
                    next.server_url = server_url;
                }
                next.app_version = app_version.or(next.app_version);
            }
            SignInAction::Edit(field, value) => {
                let slot = match field {
                    Field::ServerUrl => &mut next.server_url,
                    Field::Username => &mut next.username,
                    Field::Password => &mut next.password,
                    Field::DeviceName => &mut next.device_name,
                };
                *slot = value;
                next.error = None;
            }
            SignInAction::Submitting => {
                next.busy = true;
                next.error = None;
            }
            SignInAction::Failed(message) => {
                next.busy = false;
                next.error = Some(message);
            }
        }
        Rc::new(next)
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct SignInScreenProps {
    /// True when the server revoked this device's token.
    pub(crate) expired: bool,
    /// The previous identity, to prefill the server address.
    pub(crate) identity: Option<IdentityView>,
    pub(crate) on_signed_in: Callback<IdentityView>,
}

#[function_component(SignInScreen)]
pub(crate) fn sign_in_screen(props: &SignInScreenProps) -> Html {
    let locale = use_locale();
    let state = use_reducer(SignInState::default);
    let available = services::available();
    {
        let dispatcher = state.dispatcher();
        let previous = props.identity.as_ref().map(|i| i.server_url.clone());
        use_effect_with((), move |_| {
            if let Some(server_url) = previous {
                dispatcher.dispatch(SignInAction::Prefill {
                    server_url,
                    app_version: None,
                });
            }
            if services::available() {
                spawn_local(async move {
                    if let Some(info) = services::app_info().await {
                        dispatcher.dispatch(SignInAction::Prefill {
                            server_url: info.default_server_url,
                            app_version: Some(info.version),
                        });
                    }
                });
            }
        });
    }

    let edit = |field: Field| {
        let dispatcher = state.dispatcher();
        Callback::from(move |event: InputEvent| {
            dispatcher.dispatch(SignInAction::Edit(field, web::event_value(&event)));
        })
    };
    let onsubmit = {
        let state = state.clone();
        let on_signed_in = props.on_signed_in.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if state.busy {
                return;
            }
            let form = (*state).clone();
            let fields = [
                &form.server_url,
                &form.username,
                &form.password,
                &form.device_name,
            ];
            if fields.iter().any(|f| f.trim().is_empty()) {
                state.dispatch(SignInAction::Failed(
                    locale.t(Label::SignInMissingField).to_owned(),
                ));
                return;
            }
            state.dispatch(SignInAction::Submitting);
            let dispatcher = state.dispatcher();
            let on_signed_in = on_signed_in.clone();
            spawn_local(async move {
                let result = services::session_sign_in(
                    form.server_url.trim(),
                    form.username.trim(),
                    &form.password,
                    form.device_name.trim(),
                )
                .await;
                match result {
                    Ok(identity) => on_signed_in.emit(identity),
                    Err(error) => dispatcher.dispatch(SignInAction::Failed(error.message)),
                }
            });
        })
    };

    html! {
        <section class="stack sign-in">
            <h1>{ locale.t(Label::SignInTitle) }</h1>
            if !available {
                <div class="banner banner-warn" role="alert" data-testid="not-in-app">
                    { locale.t(Label::NotInApp) }
                </div>
            }
            if props.expired {
                <div class="banner banner-warn" role="alert" data-testid="signin-expired">
                    { locale.t(Label::SessionExpired) }
                </div>
            }
            <p class="muted">{ locale.t(Label::SignInIntro) }</p>
            <form class="card stack" onsubmit={onsubmit} novalidate=true>
                <label class="field">
                    <span>{ locale.t(Label::ServerUrl) }</span>
                    <input type="url" inputmode="url" autocomplete="url" autocapitalize="off" spellcheck="false"
                        placeholder="https://" value={state.server_url.clone()}
                        data-testid="signin-server" oninput={edit(Field::ServerUrl)} />
                </label>
                <label class="field">
                    <span>{ locale.t(Label::Username) }</span>
                    <input type="text" autocomplete="username" autocapitalize="off" spellcheck="false"
                        value={state.username.clone()}
                        data-testid="signin-username" oninput={edit(Field::Username)} />
                </label>
                <label class="field">
                    <span>{ locale.t(Label::Password) }</span>
                    <input type="password" autocomplete="current-password" value={state.password.clone()}
                        data-testid="signin-password" oninput={edit(Field::Password)} />
                </label>
                <label class="field">
                    <span>{ locale.t(Label::DeviceName) }</span>
                    <input type="text" placeholder={locale.t(Label::DeviceNameHint)} value={state.device_name.clone()}
                        data-testid="signin-device" oninput={edit(Field::DeviceName)} />
                </label>
                if let Some(error) = &state.error {
                    <p class="error" role="alert" data-testid="signin-error">{ error }</p>
                }
                <button type="submit" class="btn btn-primary btn-block" disabled={state.busy}
                    data-testid="signin-submit">
                    { if state.busy { locale.t(Label::SigningIn) } else { locale.t(Label::SignInSubmit) } }
                </button>
            </form>
            if let Some(version) = &state.app_version {
                <p class="muted small" data-testid="app-version">{ format!("v{version}") }</p>
            }
        </section>
    }
}
