//! The sticky live-outcome bar of a record: the 符合/基本符合/不符合 badge, items checked n/m with a
//! progress bar, and (expanded, below the bar) the reason and what still blocks submission.

use std::rc::Rc;

use yew::prelude::*;

use crate::components::outcome_badge::OutcomeBadge;
use crate::components::problem_list::ProblemList;
use crate::components::progress_bar::ProgressBar;
use crate::i18n::{Label, use_locale};
use crate::services::Preview;
use crate::web;

/// Widest viewport, in CSS pixels, on which the details start collapsed (phones).
const PHONE_MAX_WIDTH: f64 = 700.0;

#[derive(Properties, PartialEq)]
pub(crate) struct PreviewBarProps {
    pub(crate) preview: Rc<Preview>,
}

#[function_component(PreviewBar)]
pub(crate) fn preview_bar(props: &PreviewBarProps) -> Html {
    let locale = use_locale();
    let expanded = use_state(|| web::inner_width() > PHONE_MAX_WIDTH);
    // Set by a tap, so that the details opened below the bar are brought into view once rendered.
    let reveal = use_mut_ref(|| false);
    {
        let reveal = reveal.clone();
        use_effect_with(*expanded, move |&expanded| {
            if expanded && std::mem::take(&mut *reveal.borrow_mut()) {
                web::scroll_to_test_id_top("preview-details");
            }
        });
    }
    let preview = &props.preview;
    let ontoggle = {
        let expanded = expanded.clone();
        Callback::from(move |_: MouseEvent| {
            *reveal.borrow_mut() = !*expanded;
            expanded.set(!*expanded);
        })
    };
    let problems = preview.problems.len();
    let summary = if problems == 0 {
        locale.t(Label::ReadyToSubmit).to_owned()
    } else {
        locale.problem_count(problems)
    };
    // Only the summary line is sticky; the details scroll with the list so they never cover it.
    html! {
        <>
            <section class="preview-bar" data-testid="preview-bar">
                <div class="preview-line">
                    <OutcomeBadge outcome={preview.evaluation.outcome} />
                    <span class="preview-count" data-testid="answered-count">
                        { locale.answered(preview.answered, preview.total) }
                    </span>
                    <button type="button" class={classes!("btn", "btn-small", "btn-ghost", (problems > 0).then_some("warn"))}
                        aria-expanded={expanded.to_string()} data-testid="preview-toggle" onclick={ontoggle}>
                        { summary }{ " · " }
                        { if *expanded { locale.t(Label::HideDetails) } else { locale.t(Label::ShowDetails) } }
                    </button>
                </div>
                <ProgressBar done={preview.answered as u64} total={preview.total as u64}
                    label={locale.answered(preview.answered, preview.total)}
                    test_id={AttrValue::from("overall-progress")} />
            </section>
            if *expanded {
                <div class="card preview-details" data-testid="preview-details">
                    <p class="reason" data-testid="outcome-reason">{ &preview.reason_zh }</p>
                    if problems > 0 {
                        <ProblemList problems={preview.problems.clone()} />
                    }
                </div>
            }
        </>
    }
}
