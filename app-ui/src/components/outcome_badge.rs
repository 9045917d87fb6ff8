//! The 符合 / 基本符合 / 不符合 badge, coloured by outcome.

use foodpatrol_shared::outcome::Outcome;
use yew::prelude::*;

use crate::i18n::use_locale;

#[derive(Properties, PartialEq)]
pub(crate) struct OutcomeBadgeProps {
    pub(crate) outcome: Outcome,
}

#[function_component(OutcomeBadge)]
pub(crate) fn outcome_badge(props: &OutcomeBadgeProps) -> Html {
    let locale = use_locale();
    let class = match props.outcome {
        Outcome::Compliant => "outcome outcome-ok",
        Outcome::BasicallyCompliant => "outcome outcome-warn",
        Outcome::NonCompliant => "outcome outcome-bad",
    };
    html! {
        <span class={class} data-testid="outcome-badge" data-outcome={props.outcome.as_str()}>
            { locale.outcome(props.outcome) }
        </span>
    }
}
