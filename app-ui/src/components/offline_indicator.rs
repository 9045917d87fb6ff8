//! A dot and a word telling whether the device can reach the server right now.

use yew::prelude::*;

use crate::i18n::{Label, use_locale};

#[derive(Properties, PartialEq)]
pub(crate) struct OfflineIndicatorProps {
    pub(crate) online: bool,
}

#[function_component(OfflineIndicator)]
pub(crate) fn offline_indicator(props: &OfflineIndicatorProps) -> Html {
    let locale = use_locale();
    let (class, key, state) = if props.online {
        ("net net-online", Label::Online, "online")
    } else {
        ("net net-offline", Label::Offline, "offline")
    };
    html! {
        <span class={class} data-testid="offline-indicator" data-state={state} role="status">
            <span class="net-dot" aria-hidden="true"></span>
            { locale.t(key) }
        </span>
    }
}
