//! The top bar: app title, the signed-in inspector, the online indicator and the language switch.

use yew::prelude::*;

use crate::components::offline_indicator::OfflineIndicator;
use crate::i18n::{Label, Locale, use_locale};

#[derive(Properties, PartialEq)]
pub(crate) struct HeaderProps {
    /// Display name of the signed-in inspector; `None` on the sign-in screen.
    pub(crate) user: Option<String>,
    pub(crate) online: bool,
    pub(crate) on_switch_locale: Callback<Locale>,
}

#[function_component(Header)]
pub(crate) fn header(props: &HeaderProps) -> Html {
    let locale = use_locale();
    let onclick = {
        let on_switch_locale = props.on_switch_locale.clone();
        Callback::from(move |_: MouseEvent| on_switch_locale.emit(locale.other()))
    };
    html! {
        <header class="app-header">
            <div class="app-title">
                <strong>{ locale.t(Label::AppTitle) }</strong>
                if let Some(user) = &props.user {
                    <span class="app-user" data-testid="user-name">{ user }</span>
                }
            </div>
            <div class="app-header-actions">
                if props.user.is_some() {
                    <OfflineIndicator online={props.online} />
                }
                <button class="btn btn-ghost btn-small" data-testid="lang-toggle" {onclick}
                    lang={locale.other().code()}>
                    { locale.t(Label::SwitchLanguage) }
                </button>
            </div>
        </header>
    }
}
