// Owner portal (经营者端): sign in, list the shop's rectification tasks, upload proof photos.
//
// Everything goes through the sync server's JSON API with a bearer token kept in sessionStorage,
// so closing the tab signs the owner out. Photos are resized in the browser to at most
// MAX_EDGE_PX on the long edge, re-encoded as JPEG and addressed by their SHA-256, which is how
// the server stores photos (`PUT /v1/photos/{sha256}`).
"use strict";

const SESSION_KEY = "foodpatrol.owner.session";
/** Long edge of an uploaded proof photo, in pixels. */
const MAX_EDGE_PX = 1600;
const JPEG_QUALITY = 0.85;
/** Largest file the page tries to decode; bigger files are rejected before reading them. */
const MAX_INPUT_BYTES = 40 * 1024 * 1024;
/** The server's limit for one photo (`MAX_PHOTO_BYTES` in shared/src/protocol.rs). */
const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/** The server's limits for one proof round (`MAX_PROOF_PHOTOS`, `MAX_NOTE_CHARS` in owner.rs). */
const MAX_PROOF_PHOTOS = 9;
const MAX_NOTE_CHARS = 1000;

/**
 * Texts of the page in Simplified Chinese (the default) and English. A `{name}` is replaced by the
 * parameter of that name. `?lang=en` or `?lang=zh` in the address overrides the browser's language.
 */
const MESSAGES = {
  zh: {
    "state.open": "待整改",
    "state.returned": "已退回",
    "state.proof_submitted": "待审核",
    "state.verified": "已通过",
    "state.fixed_on_spot": "已现场整改",
    "tier.self_fix": "自行整改",
    "tier.guided": "指导整改",
    "tier.supervised": "监督整改",
    offline: "网络不可用，请检查手机网络后重试。已选的照片仍保留在页面上。",
    expired: "登录已失效，请重新登录。",
    tooLargeServer: "照片太大，超过 20 MB 上限，请换一张或重新拍摄。",
    unsupportedType: "只能上传 JPEG 或 PNG 格式的照片。",
    serverError: "服务器暂时出错，请稍后重试。",
    httpError: "请求失败（HTTP {status}），请稍后重试。",
    pageError: "页面出错，请刷新后重试。",
    compressFailed: "照片压缩失败，请换一张照片重试。",
    defaultPhotoName: "照片",
    notImage: "“{name}”不是图片文件，请选择照片。",
    inputTooLarge: "“{name}”有 {size}，超过 {limit} 上限，请换一张照片。",
    insecure: "当前连接不是安全连接（https），浏览器无法校验照片。请通过 https 地址打开本页面。",
    undecodable: "无法读取“{name}”：它不是图片，或是本浏览器不支持的格式。请选择 JPEG 或 PNG 照片。",
    outputTooLarge: "“{name}”压缩后仍有 {size}，超过 20 MB 上限，请换一张照片。",
    uploadAborted: "上传已取消。",
    modeDeadline: "请于 {due} 前完成整改：{requirement}",
    modeOnSpot: "检查时已现场整改：{measure}",
    overdue: "已逾期",
    keyItem: "重点项",
    requirement: "整改要求",
    remark: "检查意见",
    tier: "整改方式",
    evidencePhotos: "检查照片（{count} 张，点按放大）",
    evidencePhoto: "检查照片 {n}",
    proofRound: "已提交的整改材料（第 {round} 次，{time}）",
    noNote: "（无文字说明）",
    proofPhoto: "整改照片 {n}",
    returnReason: "退回原因：{reason}",
    returnReasonMissing: "监管人员未填写原因，请联系辖区监管所。",
    reviewRemark: "复查意见：{remark}",
    waitingReview: "整改材料已提交，等待监管人员审核。",
    notePlaceholder: "简要说明整改情况，例如：已补办健康证。",
    submitProof: "提交整改材料",
    resubmitProof: "重新提交整改材料",
    pickPhotos: "拍照或选择照片",
    removePhoto: "移除照片 {n}",
    tooManyPhotos: "每次最多提交 {max} 张照片。",
    proofHint: "上传能说明已整改的照片（1 至 {max} 张），较大的照片会自动压缩。",
    choosePhotoFirst: "请先选择至少一张整改照片。",
    uploading: "正在上传第 {index}/{count} 张照片：{percent}%",
    submitting: "照片已上传，正在提交……",
    groupAction: "需要整改（{count}）",
    groupWaiting: "等待审核（{count}）",
    groupClosed: "已完成（{count}）",
    currentAccount: "当前账号：{name}",
    enterBoth: "请输入账号和密码。",
    signingIn: "正在登录……",
    signIn: "登录",
    deviceName: "经营者手机浏览器",
    notOwner: "该账号不是经营者账号，请使用监管所发放的经营者账号登录。",
    badCredentials: "账号或密码错误，请重新输入。",
    signedOut: "已退出登录。",
    online: "网络已恢复。",
    "page.title": "整改任务 · 食安巡查经营者端",
    "page.app": "食安巡查 · 经营者端",
    "page.signOut": "退出登录",
    "page.signInTitle": "经营者登录",
    "page.signInHint": "请使用监管所发放的经营者账号登录，账号形如 owner-许可证编号。",
    "page.username": "账号",
    "page.password": "密码",
    "page.tasksTitle": "整改任务",
    "page.refresh": "刷新",
    "page.loading": "正在加载……",
    "page.noTasks": "本店目前没有整改任务。",
    "page.close": "关闭",
    "page.viewer": "查看照片",
  },
  en: {
    "state.open": "To fix",
    "state.returned": "Returned",
    "state.proof_submitted": "Pending review",
    "state.verified": "Verified",
    "state.fixed_on_spot": "Fixed on the spot",
    "tier.self_fix": "Fixed by the owner",
    "tier.guided": "Fixed with guidance",
    "tier.supervised": "Supervised fix",
    offline: "No network. Check the phone's connection and try again; the chosen photos stay on the page.",
    expired: "Your sign-in has expired. Please sign in again.",
    tooLargeServer: "The photo exceeds the 20 MB limit. Choose another photo or take it again.",
    unsupportedType: "Only JPEG or PNG photos can be uploaded.",
    serverError: "The server had an error. Please try again later.",
    httpError: "The request failed (HTTP {status}). Please try again later.",
    pageError: "The page had an error. Please reload it and try again.",
    compressFailed: "The photo could not be compressed. Please choose another photo.",
    defaultPhotoName: "photo",
    notImage: "\"{name}\" is not an image. Please choose a photo.",
    inputTooLarge: "\"{name}\" is {size}, over the {limit} limit. Please choose another photo.",
    insecure: "This connection is not secure (https), so the browser cannot check photos. Open this page at its https address.",
    undecodable: "\"{name}\" cannot be read: it is not an image or this browser does not support its format. Choose a JPEG or PNG photo.",
    outputTooLarge: "\"{name}\" is still {size} after compression, over the 20 MB limit. Please choose another photo.",
    uploadAborted: "Upload cancelled.",
    modeDeadline: "Fix by {due}: {requirement}",
    modeOnSpot: "Fixed during the inspection: {measure}",
    overdue: "Overdue",
    keyItem: "Key item",
    requirement: "Requirement",
    remark: "Inspector's remark",
    tier: "Kind of fix",
    evidencePhotos: "Inspection photos ({count}, tap to enlarge)",
    evidencePhoto: "Inspection photo {n}",
    proofRound: "Proof submitted (round {round}, {time})",
    noNote: "(no note)",
    proofPhoto: "Proof photo {n}",
    returnReason: "Returned because: {reason}",
    returnReasonMissing: "The inspector gave no reason. Please contact your supervision office.",
    reviewRemark: "Review: {remark}",
    waitingReview: "Proof submitted. Waiting for the inspector's review.",
    notePlaceholder: "Describe the fix briefly, e.g. health certificates renewed.",
    submitProof: "Submit proof",
    resubmitProof: "Submit proof again",
    pickPhotos: "Take or choose photos",
    removePhoto: "Remove photo {n}",
    tooManyPhotos: "At most {max} photos per submission.",
    proofHint: "Upload 1 to {max} photos that show the fix. Large photos are compressed automatically.",
    choosePhotoFirst: "Choose at least one proof photo first.",
    uploading: "Uploading photo {index}/{count}: {percent}%",
    submitting: "Photos uploaded. Submitting…",
    groupAction: "To fix ({count})",
    groupWaiting: "Waiting for review ({count})",
    groupClosed: "Closed ({count})",
    currentAccount: "Signed in as {name}",
    enterBoth: "Enter your account and password.",
    signingIn: "Signing in…",
    signIn: "Sign in",
    deviceName: "Owner's phone browser",
    notOwner: "This is not a shop owner account. Sign in with the owner account from your supervision office.",
    badCredentials: "Wrong account or password. Please try again.",
    signedOut: "Signed out.",
    online: "Back online.",
    "page.title": "Rectification tasks · FoodPatrol for shop owners",
    "page.app": "FoodPatrol · Shop owners",
    "page.signOut": "Sign out",
    "page.signInTitle": "Shop owner sign-in",
    "page.signInHint": "Sign in with the owner account from your market supervision office, such as owner-<licence number>.",
    "page.username": "Account",
    "page.password": "Password",
    "page.tasksTitle": "Rectification tasks",
    "page.refresh": "Refresh",
    "page.loading": "Loading…",
    "page.noTasks": "Your shop has no rectification tasks.",
    "page.close": "Close",
    "page.viewer": "Photo",
  },
};

/** Picks `?lang=` if given, else the browser's first language; Chinese unless that is English. */
function pickLanguage() {
  const requested = new URLSearchParams(location.search).get("lang");
  if (requested === "en" || requested === "zh") return requested;
  const preferred = (navigator.languages && navigator.languages[0]) || navigator.language || "zh";
  return preferred.toLowerCase().startsWith("en") ? "en" : "zh";
}

const LANGUAGE = pickLanguage();

/** Returns the text of `key` in the page's language with `{name}` parameters filled in. */
function t(key, parameters = {}) {
  const template = MESSAGES[LANGUAGE][key] ?? MESSAGES.zh[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in parameters ? String(parameters[name]) : whole));
}

/** A failure to show the owner as it is: a complete Chinese sentence. */
class UserError extends Error {}

/** A failed API call: HTTP status and the server's `ApiError` body. */
class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}


// ---------------------------------------------------------------- session

function loadSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    return session && typeof session.token === "string" ? session : null;
  } catch {
    return null;
  }
}

function saveSession(session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

// ---------------------------------------------------------------- API

/** Picks the part of a server message in the page's language: Chinese, or the English gloss the server appends in brackets. */
function localMessage(message) {
  const text = String(message || "");
  const gloss = text.match(/\(([^()]*)\)\s*$/);
  if (LANGUAGE === "en") return gloss ? gloss[1] : text;
  const chinese = text.replace(/\s*\([^()]*\)\s*$/, "").trim();
  return chinese || text;
}

async function readFailure(response) {
  let code = "http_" + response.status;
  let message = "";
  try {
    const body = await response.json();
    code = body.code || code;
    message = body.message || "";
  } catch {
    // Not JSON, for example a proxy's error page: the status decides the message below.
  }
  return new ApiFailure(response.status, code, message);
}

/** Calls the JSON API; returns the parsed body or throws `ApiFailure` or `UserError` (offline). */
async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const session = loadSession();
  if (session) headers.Authorization = "Bearer " + session.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new UserError(t("offline"));
  }
  if (!response.ok) throw await readFailure(response);
  return response.json();
}

/** Turns any failure into the sentence to show; signs out when the token is no longer valid. */
function describeFailure(error) {
  if (error instanceof UserError) return error.message;
  if (error instanceof ApiFailure) {
    if (error.status === 401) {
      clearSession();
      showSignIn();
      return t("expired");
    }
    if (error.status === 413) return t("tooLargeServer");
    if (error.status === 415) return t("unsupportedType");
    if (error.status >= 500) return t("serverError");
    if (error.message) return localMessage(error.message);
    return t("httpError", { status: error.status });
  }
  if (!navigator.onLine) return t("offline");
  console.error(error);
  return t("pageError");
}

// ---------------------------------------------------------------- DOM helpers

const $ = (selector) => document.querySelector(selector);

/** Creates an element with attributes (`class`, `text`, `data-*`, properties) and children. */
function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child) node.append(child);
  }
  return node;
}

function showBanner(message, isError) {
  const banner = $("#banner");
  banner.textContent = message;
  banner.classList.toggle("error", Boolean(isError));
  banner.hidden = !message;
}

function formatTime(ms) {
  const date = new Date(ms);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function formatMegabytes(bytes) {
  return (bytes / (1024 * 1024)).toFixed(1) + " MB";
}

// ---------------------------------------------------------------- photos shown with the token

/** Object URLs of photos already downloaded, by content address; photos never change. */
const photoUrls = new Map();

async function photoUrl(hash) {
  if (!photoUrls.has(hash)) {
    const pending = (async () => {
      const session = loadSession();
      const response = await fetch("/v1/photos/" + hash, {
        headers: session ? { Authorization: "Bearer " + session.token } : {},
      });
      if (!response.ok) throw await readFailure(response);
      return URL.createObjectURL(await response.blob());
    })();
    photoUrls.set(hash, pending);
    pending.catch(() => photoUrls.delete(hash));
  }
  return photoUrls.get(hash);
}

function openViewer(url) {
  $("#viewer-image").src = url;
  $("#viewer").hidden = false;
  $("#viewer-close").focus();
}

/** A thumbnail button for a stored photo; it loads in the background and opens full size on tap. */
function storedThumb(hash, label, testId) {
  const image = el("img", { alt: label });
  const button = el("button", { type: "button", class: "thumb", "data-testid": testId, "aria-label": label }, [image]);
  photoUrl(hash)
    .then((url) => {
      image.src = url;
      button.addEventListener("click", () => openViewer(url));
    })
    .catch(() => button.classList.add("failed"));
  return button;
}

// ---------------------------------------------------------------- preparing and uploading proof

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

function canvasToJpeg(canvas) {
  return new Promise((resolve, reject) => {
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new UserError(t("compressFailed")))),
      "image/jpeg",
      JPEG_QUALITY,
    );
  });
}

/**
 * Decodes a chosen file, scales it to at most MAX_EDGE_PX, re-encodes it as JPEG and hashes it.
 * Throws `UserError` for a file that is not an image, cannot be decoded or stays too large.
 */
async function preparePhoto(file) {
  const name = file.name || t("defaultPhotoName");
  const looksLikeImage = file.type ? file.type.startsWith("image/") : /\.(jpe?g|png|webp|gif|bmp|heic|heif)$/i.test(name);
  if (!looksLikeImage) {
    throw new UserError(t("notImage", { name }));
  }
  if (file.size > MAX_INPUT_BYTES) {
    throw new UserError(t("inputTooLarge", { name, size: formatMegabytes(file.size), limit: formatMegabytes(MAX_INPUT_BYTES) }));
  }
  if (!globalThis.crypto || !crypto.subtle) {
    throw new UserError(t("insecure"));
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    throw new UserError(t("undecodable", { name }));
  }
  const scale = Math.min(1, MAX_EDGE_PX / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  // JPEG has no transparency: paint white first so transparent PNG areas do not turn black.
  context.fillStyle = "#fff";
  context.fillRect(0, 0, width, height);
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const blob = await canvasToJpeg(canvas);
  if (blob.size > MAX_UPLOAD_BYTES) {
    throw new UserError(t("outputTooLarge", { name, size: formatMegabytes(blob.size) }));
  }
  const hash = hex(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
  return { name, blob, hash, width, height, previewUrl: URL.createObjectURL(blob) };
}

/** Sends the photo's bytes from `offset` with XMLHttpRequest, reporting bytes sent so far. */
function putPhoto(photo, offset, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", "/v1/photos/" + photo.hash);
    xhr.setRequestHeader("Authorization", "Bearer " + loadSession().token);
    xhr.setRequestHeader("Content-Type", "image/jpeg");
    xhr.setRequestHeader("Upload-Length", String(photo.blob.size));
    xhr.setRequestHeader("Upload-Offset", String(offset));
    xhr.upload.addEventListener("progress", (event) => onProgress(offset + event.loaded));
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(photo.blob.size);
        resolve();
        return;
      }
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON: the status decides the message.
      }
      reject(new ApiFailure(xhr.status, body.code || "http_" + xhr.status, body.message || ""));
    });
    xhr.addEventListener("error", () => reject(new UserError(t("offline"))));
    xhr.addEventListener("abort", () => reject(new UserError(t("uploadAborted"))));
    xhr.send(photo.blob.slice(offset));
  });
}

/** Uploads one photo unless the server has it, resuming after the bytes a cut upload left. */
async function uploadPhoto(photo, onProgress) {
  const status = await api("GET", "/v1/photos/" + photo.hash + "/upload");
  if (status.complete) {
    onProgress(photo.blob.size);
    return;
  }
  await putPhoto(photo, status.received_bytes, onProgress);
}

// ---------------------------------------------------------------- task cards

function modeText(mode) {
  if (mode.mode === "deadline") return t("modeDeadline", mode);
  if (mode.mode === "on_spot") return t("modeOnSpot", mode);
  return "";
}

function stateChips(task) {
  return el("div", { class: "chips" }, [
    el("span", { class: "chip " + task.state, "data-testid": "task-state", text: t("state." + task.state) }),
    task.overdue ? el("span", { class: "chip overdue", "data-testid": "task-overdue", text: t("overdue") }) : null,
    task.key ? el("span", { class: "chip key", text: t("keyItem") }) : null,
  ]);
}

function field(label, value) {
  return value ? [el("dt", { text: label }), el("dd", { text: value })] : [];
}

function renderTask(task) {
  const card = el("article", {
    class: "task",
    "data-testid": "owner-task",
    "data-task-id": task.task_id,
    "data-state": task.state,
  });
  card.append(
    el("h3", {}, [document.createTextNode(task.item_text + " "), el("span", { class: "item-id", text: task.item_id })]),
    stateChips(task),
  );

  const details = el("dl", {}, [
    ...field(t("requirement"), modeText(task.mode)),
    ...field(t("remark"), task.remark),
    ...field(t("tier"), t("tier." + task.tier)),
  ]);
  if (task.photos.length > 0) {
    details.append(
      el("dt", { text: t("evidencePhotos", { count: task.photos.length }) }),
      el("dd", {}, [
        el("div", { class: "thumbs" }, task.photos.map((hash, index) => storedThumb(hash, t("evidencePhoto", { n: index + 1 }), "evidence-photo"))),
      ]),
    );
  }
  const lastRound = task.rounds[task.rounds.length - 1];
  if (lastRound) {
    details.append(
      el("dt", { text: t("proofRound", { round: task.rounds.length, time: formatTime(lastRound.at_ms) }) }),
      el("dd", { text: lastRound.note || t("noNote") }),
      el("dd", {}, [
        el("div", { class: "thumbs" }, lastRound.photos.map((hash, index) => storedThumb(hash, t("proofPhoto", { n: index + 1 }), "proof-photo"))),
      ]),
    );
  }
  card.append(details);

  if (task.state === "returned") {
    card.append(
      el("p", {
        class: "return-reason",
        "data-testid": "return-reason",
        text: t("returnReason", { reason: task.last_review_remark || t("returnReasonMissing") }),
      }),
    );
  } else if (task.state === "verified" && task.last_review_remark) {
    card.append(el("p", { class: "hint", text: t("reviewRemark", { remark: task.last_review_remark }) }));
  } else if (task.state === "proof_submitted") {
    card.append(el("p", { class: "hint", text: t("waitingReview") }));
  }

  if (task.state === "open" || task.state === "returned") card.append(proofForm(task));
  return card;
}

/** Builds the form that collects proof photos and a note for one task and submits them. */
function proofForm(task) {
  const chosen = [];
  const thumbs = el("div", { class: "thumbs", "data-testid": "chosen-photos" });
  const error = el("p", { class: "error", role: "alert", "data-testid": "proof-error", hidden: true });
  const bar = el("progress", { max: "100", value: "0", "data-testid": "upload-progress" });
  const progressText = el("p", { "data-testid": "upload-progress-text" });
  const progress = el("div", { class: "progress", hidden: true }, [bar, progressText]);
  const note = el("textarea", {
    name: "note",
    maxlength: String(MAX_NOTE_CHARS),
    placeholder: t("notePlaceholder"),
    "data-testid": "proof-note",
  });
  const fileInput = el("input", { type: "file", accept: "image/*", multiple: true, "data-testid": "proof-file" });
  const submit = el("button", { type: "submit", class: "primary", disabled: true, "data-testid": "submit-proof", text: t("submitProof") });
  const picker = el("label", { class: "file-button" }, [document.createTextNode(t("pickPhotos")), fileInput]);

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  function refreshThumbs() {
    thumbs.replaceChildren(
      ...chosen.map((photo, index) => {
        const remove = el("button", {
          type: "button",
          class: "remove",
          "aria-label": t("removePhoto", { n: index + 1 }),
          text: "×",
          onclick: () => {
            URL.revokeObjectURL(photo.previewUrl);
            chosen.splice(index, 1);
            refreshThumbs();
          },
        });
        return el("div", { class: "thumb", "data-testid": "chosen-photo" }, [el("img", { src: photo.previewUrl, alt: photo.name }), remove]);
      }),
    );
    submit.disabled = chosen.length === 0;
  }

  fileInput.addEventListener("change", async () => {
    const files = Array.from(fileInput.files || []);
    fileInput.value = "";
    showError("");
    const problems = [];
    for (const file of files) {
      if (chosen.length >= MAX_PROOF_PHOTOS) {
        problems.push(t("tooManyPhotos", { max: MAX_PROOF_PHOTOS }));
        break;
      }
      try {
        const photo = await preparePhoto(file);
        if (!chosen.some((c) => c.hash === photo.hash)) chosen.push(photo);
      } catch (failure) {
        problems.push(describeFailure(failure));
      }
    }
    refreshThumbs();
    showError(problems.join("\n"));
  });

  const form = el("form", { class: "proof", novalidate: true }, [
    el("h4", { text: task.state === "returned" ? t("resubmitProof") : t("submitProof") }),
    el("p", { class: "hint", text: t("proofHint", { max: MAX_PROOF_PHOTOS }) }),
    picker,
    thumbs,
    note,
    progress,
    error,
    submit,
  ]);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (chosen.length === 0) {
      showError(t("choosePhotoFirst"));
      return;
    }
    showError("");
    submit.disabled = true;
    picker.hidden = true;
    progress.hidden = false;
    const total = chosen.reduce((sum, photo) => sum + photo.blob.size, 0);
    let done = 0;
    try {
      for (const [index, photo] of chosen.entries()) {
        await uploadPhoto(photo, (sent) => {
          const percent = Math.round(((done + sent) / total) * 100);
          bar.value = percent;
          progressText.textContent = t("uploading", { index: index + 1, count: chosen.length, percent });
        });
        done += photo.blob.size;
      }
      progressText.textContent = t("submitting");
      const updated = await api("POST", `/v1/owner/tasks/${task.task_id}/proof`, {
        note: note.value.trim(),
        photos: chosen.map((photo) => photo.hash),
      });
      chosen.forEach((photo) => URL.revokeObjectURL(photo.previewUrl));
      showBanner(t("waitingReview"), false);
      replaceTask(updated);
    } catch (failure) {
      showError(describeFailure(failure));
      progress.hidden = true;
      picker.hidden = false;
      submit.disabled = chosen.length === 0;
    }
  });
  return form;
}

// ---------------------------------------------------------------- task list

let currentTasks = [];

/** Renders the tasks in groups: those the owner must act on, those waiting for review, then closed ones. */
function renderTasks(tasks) {
  currentTasks = tasks;
  const groups = $("#task-groups");
  const actionable = tasks.filter((t) => t.state === "returned" || t.state === "open");
  const waiting = tasks.filter((t) => t.state === "proof_submitted");
  const closed = tasks.filter((t) => t.state === "verified" || t.state === "fixed_on_spot");
  const sections = [];
  if (actionable.length > 0) {
    sections.push(el("h3", { class: "group-title", text: t("groupAction", { count: actionable.length }) }), ...actionable.map(renderTask));
  }
  if (waiting.length > 0) {
    sections.push(el("h3", { class: "group-title", text: t("groupWaiting", { count: waiting.length }) }), ...waiting.map(renderTask));
  }
  if (closed.length > 0) {
    sections.push(
      el("details", { class: "group", "data-testid": "closed-tasks" }, [
        el("summary", { text: t("groupClosed", { count: closed.length }) }),
        ...closed.map(renderTask),
      ]),
    );
  }
  groups.replaceChildren(...sections);
  $("#empty").hidden = tasks.length > 0;
}

/** Replaces one task's card in place, so photos chosen in other cards stay chosen. */
function replaceTask(updated) {
  currentTasks = currentTasks.map((task) => (task.task_id === updated.task_id ? updated : task));
  const card = document.querySelector(`[data-testid=owner-task][data-task-id="${updated.task_id}"]`);
  if (card) card.replaceWith(renderTask(updated));
  else renderTasks(currentTasks);
}

async function loadTasks() {
  $("#loading").hidden = false;
  try {
    renderTasks(await api("GET", "/v1/owner/tasks"));
  } catch (failure) {
    showBanner(describeFailure(failure), true);
  } finally {
    $("#loading").hidden = true;
  }
}

// ---------------------------------------------------------------- screens

function showSignIn() {
  $("#tasks").hidden = true;
  $("#sign-out").hidden = true;
  $("#sign-in").hidden = false;
}

function showTasks(session) {
  $("#sign-in").hidden = true;
  $("#sign-out").hidden = false;
  $("#tasks").hidden = false;
  $("#who").textContent = t("currentAccount", { name: session.display_name });
  loadTasks();
}

async function signIn(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const error = $("#sign-in-error");
  const button = form.querySelector("button[type=submit]");
  const username = form.username.value.trim();
  const password = form.password.value;
  error.hidden = true;
  if (!username || !password) {
    error.textContent = t("enterBoth");
    error.hidden = false;
    return;
  }
  button.disabled = true;
  button.textContent = t("signingIn");
  try {
    clearSession();
    const response = await api("POST", "/v1/devices/register", {
      username,
      password,
      device_name: t("deviceName"),
    });
    if (response.role !== "owner") {
      error.textContent = t("notOwner");
      error.hidden = false;
      return;
    }
    const session = { token: response.token, display_name: response.display_name };
    saveSession(session);
    form.password.value = "";
    showBanner("", false);
    showTasks(session);
  } catch (failure) {
    error.textContent =
      failure instanceof ApiFailure && failure.status === 401
        ? t("badCredentials")
        : describeFailure(failure);
    error.hidden = false;
  } finally {
    button.disabled = false;
    button.textContent = t("signIn");
  }
}

function signOut() {
  // NOTE: the server has no endpoint to revoke a device's token yet, so the token stays valid
  // on the server and only this browser deletes it.
  clearSession();
  photoUrls.forEach((pending) => pending.then((url) => URL.revokeObjectURL(url), () => {}));
  photoUrls.clear();
  $("#task-groups").replaceChildren();
  showBanner(t("signedOut"), false);
  showSignIn();
}

/** Translates the static page when it is shown in another language than its Chinese HTML. */
function translatePage() {
  if (LANGUAGE === "zh") return;
  document.documentElement.lang = LANGUAGE;
  document.title = t("page.title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
}

function start() {
  translatePage();
  $("#sign-in-form").addEventListener("submit", signIn);
  $("#sign-out").addEventListener("click", signOut);
  $("#refresh").addEventListener("click", () => {
    showBanner("", false);
    loadTasks();
  });
  $("#viewer-close").addEventListener("click", () => {
    $("#viewer").hidden = true;
  });
  window.addEventListener("offline", () => showBanner(t("offline"), true));
  window.addEventListener("online", () => showBanner(t("online"), false));

  const session = loadSession();
  if (session) showTasks(session);
  else showSignIn();
}

start();
