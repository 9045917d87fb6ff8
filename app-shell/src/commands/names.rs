// Names of every command the shell exposes, in `docs/APP-COMMANDS.md` order.
// Included by build.rs (which generates an `allow-<name>` permission for each) and by
// `commands/mod.rs`; `capabilities/default.json` must grant exactly these.
const COMMAND_NAMES: &[&str] = &[
    "app_info",
    "session_get",
    "session_sign_in",
    "tasks_today",
    "shops_search",
    "shop_from_qr",
    "shop_from_code",
    "colleagues_list",
    "inspections_list",
    "inspection_start",
    "inspection_get",
    "inspection_answer",
    "inspection_remark",
    "inspection_photo_add",
    "inspection_photo_remove",
    "inspection_add_inspector",
    "inspection_order",
    "inspection_sign",
    "inspection_refuse",
    "inspection_submit",
    "sync_now",
    "sync_status",
];
