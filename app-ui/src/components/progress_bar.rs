//! A horizontal progress bar with an accessible value.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(crate) struct ProgressBarProps {
    pub(crate) done: u64,
    pub(crate) total: u64,
    /// Spoken and tooltip label.
    pub(crate) label: AttrValue,
    #[prop_or_default]
    pub(crate) test_id: Option<AttrValue>,
}

#[function_component(ProgressBar)]
pub(crate) fn progress_bar(props: &ProgressBarProps) -> Html {
    let percent = (props.done.min(props.total) * 100)
        .checked_div(props.total)
        .unwrap_or(0);
    html! {
        <div class="progress" role="progressbar" aria-label={props.label.clone()}
            aria-valuemin="0" aria-valuemax={props.total.to_string()} aria-valuenow={props.done.to_string()}
            title={props.label.clone()} data-testid={props.test_id.clone()}>
            <div class="progress-fill" style={format!("width: {percent}%")}></div>
        </div>
    }
}
