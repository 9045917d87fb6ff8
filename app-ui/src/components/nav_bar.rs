//! The bottom bar (thumb reach on a phone): today's tasks and sync, with the count of uploads waiting.

use yew::prelude::*;

use crate::app::Screen;
use crate::i18n::{Label, use_locale};

#[derive(Properties, PartialEq)]
pub(crate) struct NavBarProps {
    pub(crate) screen: Screen,
    /// Records plus photos waiting to upload.
    pub(crate) pending: usize,
    pub(crate) on_navigate: Callback<Screen>,
}

#[function_component(NavBar)]
pub(crate) fn nav_bar(props: &NavBarProps) -> Html {
    let locale = use_locale();
    let go = |screen: Screen| {
        let on_navigate = props.on_navigate.clone();
        Callback::from(move |_: MouseEvent| on_navigate.emit(screen.clone()))
    };
    let on_sync = matches!(props.screen, Screen::Sync);
    html! {
        <nav class="nav-bar">
            <button class={classes!("nav-item", (!on_sync).then_some("active"))}
                data-testid="nav-home" onclick={go(Screen::Home)}>
                { locale.t(Label::NavHome) }
            </button>
            <button class={classes!("nav-item", on_sync.then_some("active"))}
                data-testid="nav-sync" onclick={go(Screen::Sync)}>
                { locale.t(Label::NavSync) }
                if props.pending > 0 {
                    <span class="badge-count" data-testid="nav-sync-pending">{ props.pending }</span>
                }
            </button>
        </nav>
    }
}
