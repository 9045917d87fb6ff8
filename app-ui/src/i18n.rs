//! UI text in Simplified Chinese (the default) and English.
//!
//! Every fixed label is a [`Label`]; [`Locale::t`] looks it up in one table, so a missing translation
//! is a compile error rather than a blank button. Text with numbers in it has its own function.
//! Messages that come from the shell (`CommandError.message`, `Preview.reason_zh`) are Chinese and
//! are shown as they are in both locales. The chosen locale is remembered in `localStorage`.

use foodpatrol_shared::checklist::Answer;
use foodpatrol_shared::inspection::{InspectionKind, SubmitProblem};
use foodpatrol_shared::outcome::Outcome;
use foodpatrol_shared::rectification::Tier;
use foodpatrol_shared::shop::BusinessType;

use crate::web;

const STORAGE_KEY: &str = "foodpatrol.locale";

/// Language of the labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Locale {
    #[default]
    Zh,
    En,
}

impl Locale {
    /// Reads the remembered locale; Chinese when none was chosen.
    pub(crate) fn load() -> Locale {
        match web::storage_get(STORAGE_KEY).as_deref() {
            Some("en") => Locale::En,
            _ => Locale::Zh,
        }
    }

    pub(crate) fn store(self) {
        web::storage_set(STORAGE_KEY, self.code());
    }

    /// BCP 47 tag for the `lang` attribute.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Locale::Zh => "zh-CN",
            Locale::En => "en",
        }
    }

    pub(crate) fn other(self) -> Locale {
        match self {
            Locale::Zh => Locale::En,
            Locale::En => Locale::Zh,
        }
    }

    /// Returns the label for `key` in this locale.
    pub(crate) fn t(self, key: Label) -> &'static str {
        let (zh, en) = entry(key);
        match self {
            Locale::Zh => zh,
            Locale::En => en,
        }
    }

    fn pick(self, zh: String, en: String) -> String {
        match self {
            Locale::Zh => zh,
            Locale::En => en,
        }
    }

    /// Returns the colon between a label and its value (full-width in Chinese).
    pub(crate) fn colon(self) -> &'static str {
        match self {
            Locale::Zh => "：",
            Locale::En => ": ",
        }
    }

    /// Returns the separator between two clauses (full-width semicolon in Chinese).
    pub(crate) fn separator(self) -> &'static str {
        match self {
            Locale::Zh => "；",
            Locale::En => "; ",
        }
    }

    /// Returns the separator between list entries (enumeration comma in Chinese).
    pub(crate) fn list_separator(self) -> &'static str {
        match self {
            Locale::Zh => "、",
            Locale::En => ", ",
        }
    }

    pub(crate) fn answer(self, answer: Answer) -> &'static str {
        match (self, answer) {
            (Locale::Zh, _) => answer.label_zh(),
            (Locale::En, Answer::Yes) => "Yes",
            (Locale::En, Answer::No) => "No",
            (Locale::En, Answer::NotApplicable) => "N/A",
        }
    }

    pub(crate) fn outcome(self, outcome: Outcome) -> &'static str {
        match (self, outcome) {
            (Locale::Zh, _) => outcome.label_zh(),
            (Locale::En, Outcome::Compliant) => "Compliant",
            (Locale::En, Outcome::BasicallyCompliant) => "Basically compliant",
            (Locale::En, Outcome::NonCompliant) => "Non-compliant",
        }
    }

    pub(crate) fn tier(self, tier: Tier) -> &'static str {
        match (self, tier) {
            (Locale::Zh, _) => tier.label_zh(),
            (Locale::En, Tier::SelfFix) => "Owner fixes it",
            (Locale::En, Tier::Guided) => "Guided fix",
            (Locale::En, Tier::Supervised) => "Supervised fix",
        }
    }

    /// Short inspection type label (日常 / 飞行 / 体系).
    pub(crate) fn kind(self, kind: InspectionKind) -> &'static str {
        match (self, kind) {
            (Locale::Zh, InspectionKind::Daily) => "日常",
            (Locale::Zh, InspectionKind::Flight) => "飞行",
            (Locale::Zh, InspectionKind::System) => "体系",
            (Locale::En, InspectionKind::Daily) => "Routine",
            (Locale::En, InspectionKind::Flight) => "Unannounced",
            (Locale::En, InspectionKind::System) => "System",
        }
    }

    /// Business type (业态) label for a code; an unknown code is shown as it is.
    pub(crate) fn business_type(self, code: &str) -> String {
        let Some(business) = BusinessType::parse(code) else {
            return code.to_owned();
        };
        let en = match business {
            BusinessType::Catering => "Catering",
            BusinessType::SchoolCanteen => "School canteen",
            BusinessType::ElderlyCanteen => "Elderly-care canteen",
            BusinessType::GroupMeal => "Work canteen / group meals",
            BusinessType::CentralKitchen => "Central kitchen",
            BusinessType::Retail => "Food retail",
            BusinessType::Supermarket => "Supermarket",
            BusinessType::Wholesale => "Wholesale",
            BusinessType::FarmMarketStall => "Market stall",
            BusinessType::OnlineSales => "Online sales",
        };
        self.pick(business.label_zh().to_owned(), en.to_owned())
    }

    /// Text of a problem that blocks submission; Chinese comes from the shared crate.
    pub(crate) fn problem(self, problem: &SubmitProblem) -> String {
        if self == Locale::Zh {
            return problem.message_zh();
        }
        match problem {
            SubmitProblem::Unanswered { items } => {
                format!("{} items not checked yet: {}", items.len(), items.join(", "))
            }
            SubmitProblem::TooFewInspectors { count } => {
                format!("Only {count} inspector(s); at least 2 are required. Add the second inspector.")
            }
            SubmitProblem::FailedWithoutRemark { item } => format!("{item} failed: write a remark."),
            SubmitProblem::FailedWithoutPhoto { item } => format!("{item} failed: take at least one photo."),
            SubmitProblem::NoRectificationOrder { item } => {
                format!("{item} failed: choose on-the-spot or written-deadline rectification.")
            }
            SubmitProblem::UnresolvedConflict { item } => {
                format!("{item}: two devices disagree. Mark the item again.")
            }
            SubmitProblem::UnknownItem { item } => format!("{item} is not in this checklist."),
            SubmitProblem::NoSignature => {
                "Get the owner's signature, or record the refusal and a witness.".to_owned()
            }
            SubmitProblem::AlreadySubmitted => "This record was submitted and cannot change.".to_owned(),
        }
    }

    /// "已检查 n/m".
    pub(crate) fn answered(self, answered: usize, total: usize) -> String {
        self.pick(
            format!("已检查 {answered}/{total}"),
            format!("Checked {answered}/{total}"),
        )
    }

    pub(crate) fn problem_count(self, count: usize) -> String {
        self.pick(
            format!("{count} 个问题待处理"),
            format!("{count} issue(s) to resolve"),
        )
    }

    pub(crate) fn due(self, date: &str) -> String {
        self.pick(format!("截止 {date}"), format!("Due {date}"))
    }

    pub(crate) fn started_at(self, time: &str) -> String {
        self.pick(format!("开始于 {time}"), format!("Started {time}"))
    }

    pub(crate) fn sync_report(self, docs: usize, photos: usize) -> String {
        self.pick(
            format!("本次同步上传 {docs} 条记录、{photos} 张照片"),
            format!("This sync sent {docs} record(s) and {photos} photo(s)"),
        )
    }

    /// Clock skew warning; `skew_ms` is device time minus server time.
    pub(crate) fn skew(self, skew_ms: i64) -> String {
        let minutes = skew_ms.abs() / 60_000;
        let (zh, en) = if skew_ms > 0 {
            ("快", "ahead of")
        } else {
            ("慢", "behind")
        };
        self.pick(
            format!("本机时间比服务器{zh}约 {minutes} 分钟，请校准系统时间"),
            format!("This device's clock is about {minutes} min {en} the server; correct the system time"),
        )
    }

    pub(crate) fn progress_count(self, done: u64, total: u64) -> String {
        self.pick(format!("{done}/{total}"), format!("{done} of {total}"))
    }
}

/// Every fixed label of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    AppTitle,
    SwitchLanguage,
    NavHome,
    NavSync,
    Online,
    Offline,
    Back,
    Loading,
    Retry,
    Cancel,
    Saving,
    DemoNotice,
    // sign-in
    SignInTitle,
    SignInIntro,
    ServerUrl,
    Username,
    Password,
    DeviceName,
    DeviceNameHint,
    SignInSubmit,
    SigningIn,
    NotInApp,
    SessionExpired,
    SignInMissingField,
    // home
    TodayTasks,
    NoTasks,
    StatusTodo,
    StatusContinue,
    StatusSubmitted,
    PickShop,
    SearchPlaceholder,
    NoShopsFound,
    ScanQr,
    ScanQrHint,
    Recognizing,
    LocalRecords,
    Resume,
    StartTitle,
    InspectionKind,
    Partner,
    PartnerChoose,
    PartnerRequired,
    StartInspection,
    NoColleagues,
    Licence,
    // inspection
    KeyItem,
    Remark,
    RemarkPlaceholder,
    TakePhoto,
    RemovePhoto,
    PhotoRequired,
    Rectification,
    OnSpot,
    Deadline,
    Measure,
    MeasurePlaceholder,
    DueDate,
    Requirement,
    RequirementPlaceholder,
    TierHeading,
    SaveOrder,
    OrderSaved,
    OrderIncomplete,
    Conflict,
    ConflictCurrent,
    ConflictOther,
    ReadyToSubmit,
    ShowDetails,
    HideDetails,
    GoSignature,
    Sealed,
    Inspectors,
    AddInspector,
    BackToTasks,
    Outcome,
    // signature
    SignatureTitle,
    SignHere,
    ClearSignature,
    SignerName,
    SaveSignature,
    Signed,
    RefuseToggle,
    SignToggle,
    RefuseReason,
    Witness,
    SaveRefusal,
    Refused,
    GoSubmit,
    NeedInk,
    NeedSignerName,
    NeedRefusalFields,
    // submit
    SubmitTitle,
    SubmitIntro,
    Submit,
    ConfirmSubmit,
    ProblemsTitle,
    Submitted,
    Consequence,
    ViewRecord,
    GoSync,
    // sync
    SyncTitle,
    PendingDocs,
    PendingPhotos,
    LastSuccess,
    Never,
    LastError,
    SyncNow,
    Syncing,
    PhaseDocuments,
    PhasePhotos,
    PhaseDone,
    PhaseError,
    RejectedDocs,
    AutoSyncNote,
}

/// The table: `(Chinese, English)` for each key.
fn entry(key: Label) -> (&'static str, &'static str) {
    match key {
        Label::AppTitle => ("食安巡查", "FoodPatrol"),
        Label::SwitchLanguage => ("English", "中文"),
        Label::NavHome => ("今日任务", "Today"),
        Label::NavSync => ("同步", "Sync"),
        Label::Online => ("在线", "Online"),
        Label::Offline => ("离线 · 记录保存在本机", "Offline · saved on this device"),
        Label::Back => ("返回", "Back"),
        Label::Loading => ("正在加载…", "Loading…"),
        Label::Retry => ("重试", "Retry"),
        Label::Cancel => ("取消", "Cancel"),
        Label::Saving => ("正在保存…", "Saving…"),
        Label::DemoNotice => (
            "演示模式：示例数据，只保存在本页面",
            "Demo mode: sample data, kept in this page only",
        ),
        Label::SignInTitle => ("登录", "Sign in"),
        Label::SignInIntro => (
            "首次使用需联网登录一次，之后没有网络也能检查，联网后自动同步。",
            "Sign in once while online; after that inspections work offline and sync when the network is back.",
        ),
        Label::ServerUrl => ("服务器地址", "Server address"),
        Label::Username => ("用户名", "Username"),
        Label::Password => ("密码", "Password"),
        Label::DeviceName => ("设备名称", "Device name"),
        Label::DeviceNameHint => ("例如：张三的 Pad", "e.g. Zhang San's tablet"),
        Label::SignInSubmit => ("登录", "Sign in"),
        Label::SigningIn => ("正在登录…", "Signing in…"),
        Label::NotInApp => (
            "请在食安巡查 App 中打开：浏览器里无法登录和保存检查记录。",
            "Open this in the FoodPatrol app: a browser cannot sign in or keep inspection records.",
        ),
        Label::SessionExpired => (
            "登录已失效，请重新登录；未同步的记录仍保存在本机。",
            "Your sign-in has expired. Sign in again; records not yet synced are still on this device.",
        ),
        Label::SignInMissingField => (
            "请填写服务器地址、用户名、密码和设备名称",
            "Fill in the server address, username, password and device name",
        ),
        Label::TodayTasks => ("今日任务", "Today's tasks"),
        Label::NoTasks => (
            "今天没有分配的检查任务，可以搜索店铺或扫码开始检查。",
            "No visits are planned for today. Search for a shop or scan its code to start.",
        ),
        Label::StatusTodo => ("待检查", "To do"),
        Label::StatusContinue => ("继续检查", "Continue"),
        Label::StatusSubmitted => ("已提交", "Submitted"),
        Label::PickShop => ("选择店铺开始检查", "Pick a shop to inspect"),
        Label::SearchPlaceholder => ("搜索店名、地址或许可证号", "Search name, address or licence no."),
        Label::NoShopsFound => ("没有找到匹配的店铺", "No matching shop"),
        Label::ScanQr => ("扫码检查", "Scan licence code"),
        Label::ScanQrHint => (
            "拍摄店铺许可证上的二维码",
            "Photograph the QR code on the shop's licence",
        ),
        Label::Recognizing => ("正在识别二维码…", "Reading the code…"),
        Label::LocalRecords => ("本机未提交的检查", "Unsubmitted records on this device"),
        Label::Resume => ("继续检查", "Continue"),
        Label::StartTitle => ("开始检查", "Start inspection"),
        Label::InspectionKind => ("检查类型", "Inspection type"),
        Label::Partner => ("第二名检查人员", "Second inspector"),
        Label::PartnerChoose => ("请选择", "Choose…"),
        Label::PartnerRequired => (
            "检查须有两名执法人员，请先选择第二名检查人员",
            "Two inspectors are required: choose the second inspector first",
        ),
        Label::StartInspection => ("开始检查", "Start"),
        Label::NoColleagues => (
            "本机还没有同事名单，请联网同步一次",
            "No colleague list on this device yet: sync once while online",
        ),
        Label::Licence => ("许可证", "Licence"),
        Label::KeyItem => ("重点项", "Key item"),
        Label::Remark => ("备注（不符合情况）", "Remark (what is wrong)"),
        Label::RemarkPlaceholder => (
            "写明发现的问题，例如：冷藏柜温度 12℃",
            "Describe the finding, e.g. fridge at 12 °C",
        ),
        Label::TakePhoto => ("拍照取证", "Take photo"),
        Label::RemovePhoto => ("删除", "Delete"),
        Label::PhotoRequired => ("至少拍摄一张照片", "At least one photo is required"),
        Label::Rectification => ("整改要求", "Rectification"),
        Label::OnSpot => ("现场整改", "Fixed on the spot"),
        Label::Deadline => ("书面限期整改", "Written deadline"),
        Label::Measure => ("整改措施", "Measure taken"),
        Label::MeasurePlaceholder => (
            "例如：当场销毁过期食品",
            "e.g. expired food destroyed on the spot",
        ),
        Label::DueDate => ("整改期限", "Due date"),
        Label::Requirement => ("整改要求", "Requirement"),
        Label::RequirementPlaceholder => (
            "例如：补办健康证并上传照片",
            "e.g. obtain health certificates and upload a photo",
        ),
        Label::TierHeading => ("整改方式", "Who leads the fix"),
        Label::SaveOrder => ("保存整改要求", "Save rectification"),
        Label::OrderSaved => ("整改要求已保存", "Rectification saved"),
        Label::OrderIncomplete => (
            "请填写整改措施，或选择期限并填写整改要求",
            "Describe the measure, or pick a due date and write the requirement",
        ),
        Label::Conflict => (
            "两台设备判定不一致，请重新判定",
            "Two devices disagree on this item: mark it again",
        ),
        Label::ConflictCurrent => ("当前判定", "Current mark"),
        Label::ConflictOther => ("另一台设备", "Other device"),
        Label::ReadyToSubmit => ("可以签字提交", "Ready to sign and submit"),
        Label::ShowDetails => ("详情", "Details"),
        Label::HideDetails => ("收起", "Hide"),
        Label::GoSignature => ("下一步：签字", "Next: signature"),
        Label::Sealed => ("已封存，等待同步", "Sealed, waiting to sync"),
        Label::Inspectors => ("检查人员", "Inspectors"),
        Label::AddInspector => ("添加检查人员", "Add inspector"),
        Label::BackToTasks => ("返回任务", "Back to tasks"),
        Label::Outcome => ("检查结果", "Outcome"),
        Label::SignatureTitle => ("经营者签字", "Owner's signature"),
        Label::SignHere => ("请负责人在框内签字", "Person in charge: sign in the box"),
        Label::ClearSignature => ("重写", "Clear"),
        Label::SignerName => ("签字人姓名", "Signer's name"),
        Label::SaveSignature => ("保存签字", "Save signature"),
        Label::Signed => ("已签字", "Signed"),
        Label::RefuseToggle => ("拒绝签字", "Refuses to sign"),
        Label::SignToggle => ("改为签字", "Sign instead"),
        Label::RefuseReason => ("拒签原因", "Reason for refusal"),
        Label::Witness => ("见证人", "Witness"),
        Label::SaveRefusal => ("记录拒签", "Record refusal"),
        Label::Refused => ("已记录拒签", "Refusal recorded"),
        Label::GoSubmit => ("下一步：提交", "Next: submit"),
        Label::NeedInk => ("请先在框内签字", "Sign in the box first"),
        Label::NeedSignerName => ("请填写签字人姓名", "Enter the signer's name"),
        Label::NeedRefusalFields => ("请填写拒签原因和见证人", "Enter the reason and the witness"),
        Label::SubmitTitle => ("提交检查记录", "Submit the record"),
        Label::SubmitIntro => (
            "提交后记录封存，不能再修改，联网后自动上传。",
            "A submitted record is sealed and cannot change; it uploads when online.",
        ),
        Label::Submit => ("提交", "Submit"),
        Label::ConfirmSubmit => ("确认提交（提交后不能修改）", "Confirm (cannot be changed later)"),
        Label::ProblemsTitle => ("以下问题处理后才能提交", "Resolve these before submitting"),
        Label::Submitted => ("已提交", "Submitted"),
        Label::Consequence => ("处理", "Consequence"),
        Label::ViewRecord => ("查看记录", "View record"),
        Label::GoSync => ("查看同步", "Go to sync"),
        Label::SyncTitle => ("同步", "Sync"),
        Label::PendingDocs => ("待上传记录", "Records to upload"),
        Label::PendingPhotos => ("待上传照片", "Photos to upload"),
        Label::LastSuccess => ("上次成功同步", "Last successful sync"),
        Label::Never => ("从未同步", "Never"),
        Label::LastError => ("上次同步错误", "Last sync error"),
        Label::SyncNow => ("立即同步", "Sync now"),
        Label::Syncing => ("正在同步…", "Syncing…"),
        Label::PhaseDocuments => ("正在上传记录", "Uploading records"),
        Label::PhasePhotos => ("正在上传照片", "Uploading photos"),
        Label::PhaseDone => ("同步完成", "Sync finished"),
        Label::PhaseError => ("同步失败", "Sync failed"),
        Label::RejectedDocs => ("服务器拒收的记录", "Records the server rejected"),
        Label::AutoSyncNote => (
            "联网时 App 会自动同步；恢复网络后也会立即同步。",
            "The app syncs by itself while online, and at once when the network comes back.",
        ),
    }
}

/// Returns the locale provided by the app (Chinese outside a provider).
#[yew::hook]
pub(crate) fn use_locale() -> Locale {
    yew::use_context::<Locale>().unwrap_or_default()
}
