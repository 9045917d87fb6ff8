//! The three big 是 / 否 / 合理缺项 buttons of one checklist item.

use foodpatrol_shared::checklist::{Answer, ItemVerdict};
use yew::prelude::*;

use crate::i18n::use_locale;

#[derive(Properties, PartialEq)]
pub(crate) struct AnswerButtonsProps {
    pub(crate) item_id: AttrValue,
    pub(crate) current: Option<Answer>,
    /// The compliant answer; some items are phrased so that 是 is the bad answer.
    pub(crate) expected: Answer,
    pub(crate) disabled: bool,
    pub(crate) on_answer: Callback<Answer>,
}

fn verdict(answer: Answer, expected: Answer) -> ItemVerdict {
    match answer {
        Answer::NotApplicable => ItemVerdict::NotApplicable,
        a if a == expected => ItemVerdict::Passed,
        _ => ItemVerdict::Failed,
    }
}

#[function_component(AnswerButtons)]
pub(crate) fn answer_buttons(props: &AnswerButtonsProps) -> Html {
    let locale = use_locale();
    let button = |answer: Answer| {
        let chosen = props.current == Some(answer);
        let tone = match verdict(answer, props.expected) {
            ItemVerdict::Passed => "pass",
            ItemVerdict::Failed => "fail",
            ItemVerdict::NotApplicable => "na",
        };
        let onclick = {
            let on_answer = props.on_answer.clone();
            Callback::from(move |_: MouseEvent| on_answer.emit(answer))
        };
        html! {
            <button type="button"
                class={classes!("answer", format!("answer-{tone}"), chosen.then_some("chosen"))}
                aria-pressed={chosen.to_string()}
                disabled={props.disabled}
                data-testid={format!("item-{}-{}", props.item_id, answer.as_str())}
                {onclick}>
                { locale.answer(answer) }
            </button>
        }
    };
    html! {
        <div class="answers" role="group">
            { button(Answer::Yes) }
            { button(Answer::No) }
            { button(Answer::NotApplicable) }
        </div>
    }
}
