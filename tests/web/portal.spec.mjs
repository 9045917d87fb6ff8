// Browser end-to-end test of the web pages, run by scripts/web-e2e.sh with `node --test`.
//
// The script prepares a demo data folder with an open rectification task (`xtask demo
// --stop-before-proof`), serves it with the real sync server on 127.0.0.1 and passes:
//   FOODPATROL_WEB_URL    base URL of the running server
//   FOODPATROL_DATA_DIR   the demo data folder; `open-task.json` in it names the task and accounts
//   FOODPATROL_XTASK      path of the built xtask binary, for the inspector's review
//   FOODPATROL_WEB_ONLY   `owner` runs steps 1-2 only; `all` (default) runs every step
//   CHROMIUM              browser binary (default /usr/bin/chromium)
// Screenshots go to target/web-screenshots/.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { unzipSync, strFromU8 } from "fflate";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const baseUrl = requiredEnv("FOODPATROL_WEB_URL");
const dataDir = requiredEnv("FOODPATROL_DATA_DIR");
const xtask = requiredEnv("FOODPATROL_XTASK");
const only = process.env.FOODPATROL_WEB_ONLY || "all";
const screenshots = path.join(root, "target", "web-screenshots");
const proofPhoto = path.join(root, "tests/fixtures/photos/mobile/HMD_Nokia_8.3_5G.jpg");
const password = "FoodPatrol-2026";
/** Upper bound for any single wait; every wait ends as soon as its condition holds. */
const TIMEOUT_MS = 20_000;

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the test through scripts/web-e2e.sh`);
  return value;
}

let browser;
let openTask;

before(async () => {
  openTask = JSON.parse(await readFile(path.join(dataDir, "open-task.json"), "utf8"));
  await mkdir(screenshots, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
});

async function phonePage() {
  const context = await browser.newContext({
    viewport: { width: 360, height: 800 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "zh-CN",
  });
  context.setDefaultTimeout(TIMEOUT_MS);
  return context.newPage();
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

function ownerTask(page) {
  return page.locator(`[data-testid=owner-task][data-task-id="${openTask.task_id}"]`);
}

/** Waits until every <img> matched by `selector` has decoded; returns their natural widths. */
async function loadedImageWidths(page, selector) {
  await page.waitForFunction(
    (css) => {
      const images = [...document.querySelectorAll(css)];
      return images.length > 0 && images.every((image) => image.complete && image.naturalWidth > 0);
    },
    selector,
    { timeout: TIMEOUT_MS },
  );
  return page.$$eval(selector, (images) => images.map((image) => image.naturalWidth));
}

test("owner portal, inspector review, console and QR page", async (t) => {
  await t.test("owner uploads proof at 360 px", async () => {
    const page = await phonePage();
    // English is the second locale, chosen with ?lang=en or by the browser's language.
    await page.goto(`${baseUrl}/owner?lang=en`);
    await page.locator("[data-testid=sign-in-form]").waitFor();
    assert.equal(await page.locator("#sign-in-title").textContent(), "Shop owner sign-in");
    assert.equal(await page.getAttribute("html", "lang"), "en");

    await page.goto(`${baseUrl}/owner`);
    await page.locator("[data-testid=sign-in-form]").waitFor();
    assert.equal(await page.locator("#sign-in-title").textContent(), "经营者登录");
    await shot(page, "owner-1-sign-in");

    // A wrong password is rejected with a Chinese message and no session.
    await page.fill("input[name=username]", openTask.owner_username);
    await page.fill("input[name=password]", "wrong-password");
    await page.click("[data-testid=sign-in-submit]");
    const signInError = page.locator("[data-testid=sign-in-error]");
    await signInError.waitFor();
    assert.match(await signInError.textContent(), /账号或密码错误/);

    await page.fill("input[name=password]", password);
    await page.click("[data-testid=sign-in-submit]");
    const card = ownerTask(page);
    await card.waitFor();
    assert.equal(await card.getAttribute("data-state"), "open");
    assert.equal(await card.locator("[data-testid=task-state]").textContent(), "待整改");
    const evidenceWidths = await loadedImageWidths(
      page,
      `[data-testid=owner-task][data-task-id="${openTask.task_id}"] [data-testid=evidence-photo] img`,
    );
    assert.ok(evidenceWidths.length >= 1, "the inspector's evidence photo is shown");
    const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(pageWidth <= 360, `the page fits 360 px without sideways scrolling (scrollWidth ${pageWidth})`);
    await shot(page, "owner-2-open-task");

    // A file that is not an image is rejected before any upload.
    await card.locator("[data-testid=proof-file]").setInputFiles({
      name: "说明.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("not a photo"),
    });
    const proofError = card.locator("[data-testid=proof-error]");
    await proofError.waitFor();
    assert.match(await proofError.textContent(), /不是图片/);
    assert.equal(await card.locator("[data-testid=submit-proof]").isDisabled(), true);

    // A file over the 40 MB decode limit is rejected without reading it.
    await card.locator("[data-testid=proof-file]").setInputFiles({
      name: "huge.jpg",
      mimeType: "image/jpeg",
      buffer: Buffer.alloc(41 * 1024 * 1024),
    });
    await card.locator("[data-testid=proof-error]", { hasText: "超过" }).waitFor();
    assert.match(await proofError.textContent(), /40\.0 MB 上限/);
    assert.equal(await card.locator("[data-testid=chosen-photo]").count(), 0);

    await card.locator("[data-testid=proof-file]").setInputFiles(proofPhoto);
    await card.locator("[data-testid=chosen-photo]").waitFor();
    await card.locator("[data-testid=proof-note]").fill("已补办健康证，附照片。");
    await shot(page, "owner-3-photo-chosen");

    // Offline, the submission fails with a network message and the chosen photo stays.
    await page.context().setOffline(true);
    await card.locator("[data-testid=submit-proof]").click();
    await card.locator("[data-testid=proof-error]", { hasText: "网络不可用" }).waitFor();
    assert.equal(await card.locator("[data-testid=chosen-photo]").count(), 1);
    assert.equal(await card.getAttribute("data-state"), "open");
    await page.context().setOffline(false);

    const uploaded = page.waitForResponse(
      (response) => response.request().method() === "PUT" && response.url().includes("/v1/photos/"),
    );
    const submitted = page.waitForResponse(
      (response) => response.request().method() === "POST" && response.url().endsWith("/proof"),
    );
    await card.locator("[data-testid=submit-proof]").click();
    const upload = await uploaded;
    assert.equal(upload.status(), 201, "the resized photo is stored");
    const uploadedBytes = Number(upload.request().headers()["upload-length"]);
    const originalBytes = (await readFile(proofPhoto)).length;
    assert.ok(uploadedBytes < originalBytes, `resized ${uploadedBytes} B < original ${originalBytes} B`);
    assert.equal((await submitted).status(), 200);

    await page.locator(`[data-testid=owner-task][data-task-id="${openTask.task_id}"][data-state=proof_submitted]`).waitFor();
    assert.equal(await card.locator("[data-testid=task-state]").textContent(), "待审核");
    const proofWidths = await loadedImageWidths(
      page,
      `[data-testid=owner-task][data-task-id="${openTask.task_id}"] [data-testid=proof-photo] img`,
    );
    assert.equal(proofWidths.length, 1);
    assert.ok(proofWidths[0] <= 1600, `the stored proof photo is at most 1600 px wide (${proofWidths[0]})`);
    await shot(page, "owner-4-pending");
    await page.context().close();
  });

  await t.test("inspector verifies on a device", async () => {
    const run = promisify(execFile);
    const { stdout } = await run(xtask, ["verify-proof", "--data", dataDir, "--task", openTask.task_id], {
      timeout: 120_000,
    });
    assert.match(stdout, /verified/);

    // The owner sees the loop closed.
    const page = await phonePage();
    await page.goto(`${baseUrl}/owner`);
    await page.fill("input[name=username]", openTask.owner_username);
    await page.fill("input[name=password]", password);
    await page.click("[data-testid=sign-in-submit]");
    const card = page.locator(`[data-testid=owner-task][data-task-id="${openTask.task_id}"][data-state=verified]`);
    await card.waitFor({ state: "attached" });
    await page.locator("[data-testid=closed-tasks] summary").click();
    assert.equal(await card.locator("[data-testid=task-state]").textContent(), "已通过");
    await shot(page, "owner-5-verified");
    await page.context().close();
  });

  const skipOthers = only === "owner" ? "run with --only owner" : false;

  await t.test("supervisor sees the task verified and exports the daily report", { skip: skipOthers }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN", acceptDownloads: true });
    context.setDefaultTimeout(TIMEOUT_MS);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console/login`);
    await page.fill("input[name=username]", openTask.supervisor_username);
    await page.fill("input[name=password]", password);
    await Promise.all([page.waitForURL(/\/console\/?$/), page.click("button[type=submit]")]);

    await page.goto(`${baseUrl}/console/tasks`);
    const row = page.locator(`[data-testid=task-row][data-task-id="${openTask.task_id}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute("data-state"), "verified");
    await shot(page, "console-1-tasks");

    await page.goto(`${baseUrl}/console/reports/daily?date=${openTask.report_date}`);
    const report = page.locator("[data-testid=daily-report]");
    await report.waitFor();
    const reportText = await report.textContent();
    for (const name of openTask.inspector_names) {
      assert.ok(reportText.includes(name), `the daily report lists inspector ${name}`);
    }
    await shot(page, "console-2-daily-report");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click("[data-testid=export-daily-xlsx]"),
    ]);
    const workbook = unzipSync(new Uint8Array(await readFile(await download.path())));
    assert.ok(workbook["xl/worksheets/sheet1.xml"], "the xlsx has a first worksheet");
    const sheet = strFromU8(workbook["xl/worksheets/sheet1.xml"]);
    const strings = workbook["xl/sharedStrings.xml"] ? strFromU8(workbook["xl/sharedStrings.xml"]) : "";
    const rows = sheet.match(/<row[\s>]/g) ?? [];
    assert.ok(rows.length >= 1 + openTask.inspector_names.length, `a header and one row per inspector (${rows.length} rows)`);
    for (const name of openTask.inspector_names) {
      assert.ok((strings + sheet).includes(name), `the xlsx lists inspector ${name}`);
    }
    await context.close();
  });

  await t.test("QR page shows the shop's latest result", { skip: skipOthers }, async () => {
    const code = await qrCodeForShop(openTask.shop_id);
    const page = await phonePage();
    await page.goto(`${baseUrl}/q/${encodeURIComponent(code)}`);
    const body = await page.locator("body").textContent();
    assert.ok(body.includes(openTask.shop_name), `the QR page names ${openTask.shop_name}`);
    assert.ok(!body.includes("暂无检查记录"), "the QR page shows an inspection");
    assert.ok(body.includes(`检查日期：${openTask.report_date}`), `the latest inspection is dated ${openTask.report_date}`);
    assert.match(body, /不符合|基本符合|符合/, "the QR page shows the inspection's result");
    await shot(page, "qr-1-shop");
    await page.context().close();
  });
});

/** Returns the signed code of a shop's QR page (`/q/{code}`), read from `GET /v1/qr/{shop_id}` as a supervisor. */
async function qrCodeForShop(shopId) {
  const signIn = await fetch(`${baseUrl}/v1/devices/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: openTask.supervisor_username, password, device_name: "browser e2e" }),
  });
  assert.equal(signIn.status, 200, "the supervisor signs in to the JSON API");
  const { token } = await signIn.json();
  const response = await fetch(`${baseUrl}/v1/qr/${shopId}`, {
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
  });
  assert.equal(response.status, 200, `GET /v1/qr/${shopId} returns the shop's QR code`);
  const body = await response.json();
  assert.ok(body.code, `the QR API response has a code: ${JSON.stringify(body)}`);
  return body.code;
}
