//! Reusable pieces of the screens, one component per file.

pub(crate) mod add_inspector;
pub(crate) mod answer_buttons;
pub(crate) mod category_section;
pub(crate) mod header;
pub(crate) mod item_row;
pub(crate) mod nav_bar;
pub(crate) mod offline_indicator;
pub(crate) mod outcome_badge;
pub(crate) mod photo_strip;
pub(crate) mod preview_bar;
pub(crate) mod problem_list;
pub(crate) mod progress_bar;
pub(crate) mod rectification_form;
pub(crate) mod signature_pad;
pub(crate) mod start_panel;
pub(crate) mod task_card;
