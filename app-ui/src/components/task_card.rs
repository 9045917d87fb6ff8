//! One planned visit in today's list: shop, address, due date, business type and status.

use yew::prelude::*;

use crate::i18n::{Label, use_locale};
use crate::services::TaskView;

#[derive(Properties, PartialEq)]
pub(crate) struct TaskCardProps {
    pub(crate) task: TaskView,
    pub(crate) on_open: Callback<TaskView>,
}

#[function_component(TaskCard)]
pub(crate) fn task_card(props: &TaskCardProps) -> Html {
    let locale = use_locale();
    let task = &props.task;
    let (status_key, status_class, status) = match (task.inspection_id, task.submitted) {
        (_, true) => (Label::StatusSubmitted, "status status-done", "submitted"),
        (Some(_), false) => (Label::StatusContinue, "status status-doing", "in_progress"),
        (None, false) => (Label::StatusTodo, "status status-todo", "todo"),
    };
    let onclick = {
        let (on_open, task) = (props.on_open.clone(), task.clone());
        Callback::from(move |_: MouseEvent| on_open.emit(task.clone()))
    };
    html! {
        <li>
            <button type="button" class="card task-card" data-testid={format!("task-{}", task.shop.id)}
                data-status={status} {onclick}>
                <span class="task-top">
                    <strong class="task-name">{ &task.shop.name }</strong>
                    <span class={status_class}>{ locale.t(status_key) }</span>
                </span>
                <span class="task-address">{ &task.shop.address }</span>
                <span class="task-meta">
                    <span class="chip">{ locale.business_type(&task.shop.business_type) }</span>
                    <span class="chip">{ locale.kind(task.kind) }</span>
                    <span>{ locale.due(&task.due) }</span>
                </span>
            </button>
        </li>
    }
}
