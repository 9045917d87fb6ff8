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

const STATE_LABELS = {
  open: "待整改",
  returned: "已退回",
  proof_submitted: "待审核",
  verified: "已通过",
  fixed_on_spot: "已现场整改",
};

const TIER_LABELS = {
  self_fix: "自行整改",
  guided: "指导整改",
  supervised: "监督整改",
};

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

const OFFLINE_MESSAGE = "网络不可用，请检查手机网络后重试。已选的照片仍保留在页面上。";

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

/** Strips the English gloss the server appends in brackets, which a phone user does not need. */
function chineseMessage(message) {
  const trimmed = String(message || "").replace(/\s*\([^()]*\)\s*$/, "").trim();
  return trimmed || String(message || "");
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
    throw new UserError(OFFLINE_MESSAGE);
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
      return "登录已失效，请重新登录。";
    }
    if (error.status === 413) return "照片太大，超过 20 MB 上限，请换一张或重新拍摄。";
    if (error.status === 415) return "只能上传 JPEG 或 PNG 格式的照片。";
    if (error.status >= 500) return "服务器暂时出错，请稍后重试。";
    if (error.message) return chineseMessage(error.message);
    return "请求失败（HTTP " + error.status + "），请稍后重试。";
  }
  if (!navigator.onLine) return OFFLINE_MESSAGE;
  console.error(error);
  return "页面出错，请刷新后重试。";
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
      (blob) => (blob ? resolve(blob) : reject(new UserError("照片压缩失败，请换一张照片重试。"))),
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
  const name = file.name || "照片";
  const looksLikeImage = file.type ? file.type.startsWith("image/") : /\.(jpe?g|png|webp|gif|bmp|heic|heif)$/i.test(name);
  if (!looksLikeImage) {
    throw new UserError(`“${name}”不是图片文件，请选择照片。`);
  }
  if (file.size > MAX_INPUT_BYTES) {
    throw new UserError(`“${name}”有 ${formatMegabytes(file.size)}，超过 ${formatMegabytes(MAX_INPUT_BYTES)} 上限，请换一张照片。`);
  }
  if (!globalThis.crypto || !crypto.subtle) {
    throw new UserError("当前连接不是安全连接（https），浏览器无法校验照片。请通过 https 地址打开本页面。");
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    throw new UserError(`无法读取“${name}”：它不是图片，或是本浏览器不支持的格式。请选择 JPEG 或 PNG 照片。`);
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
    throw new UserError(`“${name}”压缩后仍有 ${formatMegabytes(blob.size)}，超过 20 MB 上限，请换一张照片。`);
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
    xhr.addEventListener("error", () => reject(new UserError(OFFLINE_MESSAGE)));
    xhr.addEventListener("abort", () => reject(new UserError("上传已取消。")));
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
  if (mode.mode === "deadline") return `请于 ${mode.due} 前完成整改：${mode.requirement}`;
  if (mode.mode === "on_spot") return `检查时已现场整改：${mode.measure}`;
  return "";
}

function stateChips(task) {
  return el("div", { class: "chips" }, [
    el("span", { class: "chip " + task.state, "data-testid": "task-state", text: STATE_LABELS[task.state] || task.state }),
    task.overdue ? el("span", { class: "chip overdue", "data-testid": "task-overdue", text: "已逾期" }) : null,
    task.key ? el("span", { class: "chip key", text: "重点项" }) : null,
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
    ...field("整改要求", modeText(task.mode)),
    ...field("检查意见", task.remark),
    ...field("整改方式", TIER_LABELS[task.tier]),
  ]);
  if (task.photos.length > 0) {
    details.append(
      el("dt", { text: `检查照片（${task.photos.length} 张，点按放大）` }),
      el("dd", {}, [
        el("div", { class: "thumbs" }, task.photos.map((hash, index) => storedThumb(hash, `检查照片 ${index + 1}`, "evidence-photo"))),
      ]),
    );
  }
  const lastRound = task.rounds[task.rounds.length - 1];
  if (lastRound) {
    details.append(
      el("dt", { text: `已提交的整改材料（第 ${task.rounds.length} 次，${formatTime(lastRound.at_ms)}）` }),
      el("dd", { text: lastRound.note || "（无文字说明）" }),
      el("dd", {}, [
        el("div", { class: "thumbs" }, lastRound.photos.map((hash, index) => storedThumb(hash, `整改照片 ${index + 1}`, "proof-photo"))),
      ]),
    );
  }
  card.append(details);

  if (task.state === "returned") {
    card.append(
      el("p", {
        class: "return-reason",
        "data-testid": "return-reason",
        text: "退回原因：" + (task.last_review_remark || "监管人员未填写原因，请联系辖区监管所。"),
      }),
    );
  } else if (task.state === "verified" && task.last_review_remark) {
    card.append(el("p", { class: "hint", text: "复查意见：" + task.last_review_remark }));
  } else if (task.state === "proof_submitted") {
    card.append(el("p", { class: "hint", text: "整改材料已提交，等待监管人员审核。" }));
  }

  if (task.state === "open" || task.state === "returned") card.append(proofForm(task));
  return card;
}

/** The form that collects proof photos and a note for one task, and submits them. */
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
    placeholder: "简要说明整改情况，例如：已补办健康证。",
    "data-testid": "proof-note",
  });
  const fileInput = el("input", { type: "file", accept: "image/*", multiple: true, "data-testid": "proof-file" });
  const submit = el("button", { type: "submit", class: "primary", disabled: true, "data-testid": "submit-proof", text: "提交整改材料" });
  const picker = el("label", { class: "file-button" }, [document.createTextNode("拍照或选择照片"), fileInput]);

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
          "aria-label": `移除照片 ${index + 1}`,
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
        problems.push(`每次最多提交 ${MAX_PROOF_PHOTOS} 张照片。`);
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
    el("h4", { text: task.state === "returned" ? "重新提交整改材料" : "提交整改材料" }),
    el("p", { class: "hint", text: `上传能说明已整改的照片（1 至 ${MAX_PROOF_PHOTOS} 张），较大的照片会自动压缩。` }),
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
      showError("请先选择至少一张整改照片。");
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
          progressText.textContent = `正在上传第 ${index + 1}/${chosen.length} 张照片：${percent}%`;
        });
        done += photo.blob.size;
      }
      progressText.textContent = "照片已上传，正在提交……";
      const updated = await api("POST", `/v1/owner/tasks/${task.task_id}/proof`, {
        note: note.value.trim(),
        photos: chosen.map((photo) => photo.hash),
      });
      chosen.forEach((photo) => URL.revokeObjectURL(photo.previewUrl));
      showBanner("整改材料已提交，等待监管人员审核。", false);
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

/** Groups: tasks the owner must act on, those waiting for review, then closed ones. */
function renderTasks(tasks) {
  currentTasks = tasks;
  const groups = $("#task-groups");
  const actionable = tasks.filter((t) => t.state === "returned" || t.state === "open");
  const waiting = tasks.filter((t) => t.state === "proof_submitted");
  const closed = tasks.filter((t) => t.state === "verified" || t.state === "fixed_on_spot");
  const sections = [];
  if (actionable.length > 0) {
    sections.push(el("h3", { class: "group-title", text: `需要整改（${actionable.length}）` }), ...actionable.map(renderTask));
  }
  if (waiting.length > 0) {
    sections.push(el("h3", { class: "group-title", text: `等待审核（${waiting.length}）` }), ...waiting.map(renderTask));
  }
  if (closed.length > 0) {
    sections.push(
      el("details", { class: "group", "data-testid": "closed-tasks" }, [
        el("summary", { text: `已完成（${closed.length}）` }),
        ...closed.map(renderTask),
      ]),
    );
  }
  groups.replaceChildren(...sections);
  $("#empty").hidden = tasks.length > 0;
}

/** Replaces one task's card where it stands, so photos chosen in other cards stay chosen. */
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
  $("#who").textContent = "当前账号：" + session.display_name;
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
    error.textContent = "请输入账号和密码。";
    error.hidden = false;
    return;
  }
  button.disabled = true;
  button.textContent = "正在登录……";
  try {
    clearSession();
    const response = await api("POST", "/v1/devices/register", {
      username,
      password,
      device_name: "经营者手机浏览器",
    });
    if (response.role !== "owner") {
      error.textContent = "该账号不是经营者账号，请使用监管所发放的经营者账号登录。";
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
        ? "账号或密码错误，请重新输入。"
        : describeFailure(failure);
    error.hidden = false;
  } finally {
    button.disabled = false;
    button.textContent = "登录";
  }
}

function signOut() {
  // NOTE: the server has no endpoint to revoke a device's token yet; the token stays valid
  // on the server but this browser forgets it.
  clearSession();
  photoUrls.forEach((pending) => pending.then((url) => URL.revokeObjectURL(url), () => {}));
  photoUrls.clear();
  $("#task-groups").replaceChildren();
  showBanner("已退出登录。", false);
  showSignIn();
}

function start() {
  $("#sign-in-form").addEventListener("submit", signIn);
  $("#sign-out").addEventListener("click", signOut);
  $("#refresh").addEventListener("click", () => {
    showBanner("", false);
    loadTasks();
  });
  $("#viewer-close").addEventListener("click", () => {
    $("#viewer").hidden = true;
  });
  window.addEventListener("offline", () => showBanner(OFFLINE_MESSAGE, true));
  window.addEventListener("online", () => showBanner("网络已恢复。", false));

  const session = loadSession();
  if (session) showTasks(session);
  else showSignIn();
}

start();
