//! The problems that still block submission, one line each. Tapping a problem about one item
//! scrolls to that item.

use foodpatrol_shared::inspection::SubmitProblem;
use yew::prelude::*;

use crate::i18n::use_locale;
use crate::web;

#[derive(Properties, PartialEq)]
pub(crate) struct ProblemListProps {
    pub(crate) problems: Vec<SubmitProblem>,
}

/// Returns the item a problem is about, if it names one (the first of the unanswered items).
fn problem_item(problem: &SubmitProblem) -> Option<&str> {
    match problem {
        SubmitProblem::FailedWithoutRemark { item }
        | SubmitProblem::FailedWithoutPhoto { item }
        | SubmitProblem::NoRectificationOrder { item }
        | SubmitProblem::UnresolvedConflict { item }
        | SubmitProblem::UnknownItem { item } => Some(item),
        SubmitProblem::Unanswered { items } => items.first().map(String::as_str),
        _ => None,
    }
}

#[function_component(ProblemList)]
pub(crate) fn problem_list(props: &ProblemListProps) -> Html {
    let locale = use_locale();
    let rows = props.problems.iter().enumerate().map(|(index, problem)| {
        let text = locale.problem(problem);
        match problem_item(problem) {
            Some(item) => {
                let target = format!("item-{item}");
                let onclick = Callback::from(move |_: MouseEvent| web::scroll_to_test_id(&target));
                html! {
                    <li data-testid={format!("problem-{index}")}>
                        <button type="button" class="link" {onclick}>{ text }</button>
                    </li>
                }
            }
            None => html! { <li data-testid={format!("problem-{index}")}>{ text }</li> },
        }
    });
    html! { <ul class="problems" data-testid="problem-list">{ for rows }</ul> }
}
