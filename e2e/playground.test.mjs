// End-to-end test of the built playground (dist/, from `trunk build`) in
// Debian's headless Chromium, driven by playwright-core. Run by
// scripts/test-web.sh; exits non-zero on the first failed check.
//
// Checks: the default Falco example shows rule 100603 at level 8 for the
// Warning alert; a typed rule and event give their verdict; a share link
// opened in a fresh browser context reproduces the state; no network
// request after load; with ../shared present, the whole stock ruleset is
// uploaded as a folder and 100 mixed upstream log lines are evaluated.
// Prints timings and saves screenshots to e2e/artifacts/.

import { chromium } from "playwright-core";
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const dist = path.join(root, "dist");
const artifacts = path.join(here, "artifacts");
const shared = process.env.RULELAB_SHARED || path.resolve(root, "../shared");
fs.mkdirSync(artifacts, { recursive: true });

const CHROMIUM_ARGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run",
];
const MIME = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };

function check(cond, msg) {
  if (!cond) {
    throw new Error(`check failed: ${msg}`);
  }
  console.log(`ok - ${msg}`);
}

function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let file = path.join(dist, decodeURIComponent(url.pathname));
    if (!file.startsWith(dist)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404).end(); return; }
      res.writeHead(200, { "content-type": MIME[path.extname(file)] || "application/octet-stream" });
      res.end(data);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/// The text of the header of the n-th (1-based) result card.
async function cardHead(page, n) {
  return page.locator(`article.event:nth-of-type(${n}) header`).innerText();
}

async function main() {
  check(fs.existsSync(path.join(dist, "index.html")), "dist/index.html exists (trunk build ran)");
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const report = {};
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));

    // 1. First load: the default example.
    const t0 = Date.now();
    await page.goto(base);
    await page.waitForSelector("article.event");
    report.first_verdict_ms = Date.now() - t0;
    const loadRequests = requests.length;
    check(requests.every((u) => u.startsWith(base)), `page load requested only its own files (${loadRequests} requests)`);
    check((await page.locator("article.event").count()) === 12, "12 verdicts for the Falco example");
    const warning = await cardHead(page, 2);
    check(/rule 100603/.test(warning) && /\b8\b/.test(warning), `Warning alert -> rule 100603 level 8 ("${warning.replace(/\s+/g, " ")}")`);
    await page.screenshot({ path: path.join(artifacts, "playground.png") });

    // 2. Type a rule and an event.
    const rule = `<group name="demo,">
  <rule id="100950" level="11">
    <decoded_as>json</decoded_as>
    <field name="op">^delete$</field>
    <description>demo: $(user) deleted $(object)</description>
  </rule>
</group>`;
    await page.fill("#rules", rule);
    await page.fill("#events", '{"op":"delete","user":"mallory","object":"backups"}');
    await page.waitForFunction(() => document.querySelectorAll("article.event").length === 1
      && document.querySelector("article.event header").innerText.includes("100950"));
    const typed = await cardHead(page, 1);
    check(/rule 100950/.test(typed) && /mallory deleted backups/.test(typed) && /\b11\b/.test(typed), "typed rule and event give rule 100950 level 11");

    // 3. Share link in a fresh context (no localStorage).
    await page.click("#share");
    const link = await page.inputValue("#share-link");
    check(link.startsWith(base) && link.includes("#s1="), "share link carries the state in the fragment");
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page2 = await fresh.newPage();
    await page2.goto(link);
    await page2.waitForSelector("article.event");
    check((await page2.inputValue("#rules")) === rule, "the shared page has the same rules");
    check(/rule 100950/.test(await cardHead(page2, 1)), "the shared page shows the same verdict");
    await page2.screenshot({ path: path.join(artifacts, "shared.png") });
    await fresh.close();

    // 4. Dark mode and keyboard run.
    await page.click("#theme");
    await page.focus("#events");
    await page.keyboard.press("Control+Enter");
    await page.screenshot({ path: path.join(artifacts, "playground-dark.png") });

    check(requests.length === loadRequests, `no network request after load (${requests.length - loadRequests})`);

    // 5. The stock ruleset, uploaded as a folder, and 100 mixed log lines.
    const wazuh = path.join(shared, "wazuh-4.11.1");
    if (fs.existsSync(path.join(wazuh, "rules"))) {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rulelab-stock-"));
      const folder = path.join(tmp, "ruleset");
      fs.mkdirSync(folder);
      // Copies: Chromium does not follow symlinked folders in uploads.
      for (const d of ["rules", "decoders", "lists"]) fs.cpSync(path.join(wazuh, d), path.join(folder, d), { recursive: true });
      const before = requests.length;
      const tu = Date.now();
      await page.setInputFiles("#upload-folder", folder);
      await page.waitForFunction(() => /Files \((\d{3,})\)/.test(document.body.innerText), null, { timeout: 120000 });
      await page.waitForFunction(() => /\b\d{4} rules\b/.test(document.querySelector("#summary").innerText), null, { timeout: 120000 });
      report.stock_upload_and_load_ms = Date.now() - tu;
      const lines = [];
      const tests = path.join(wazuh, "testing/tests");
      for (const f of fs.readdirSync(tests).sort()) {
        if (!f.endsWith(".ini") || f.endsWith("geoip.ini")) continue;
        for (const l of fs.readFileSync(path.join(tests, f), "utf8").split(/\r?\n/)) {
          const m = /^log \d+ pass\s*=\s*(.*)$/.exec(l);
          if (m && lines.length < 100 && !lines.includes(m[1])) lines.push(m[1]);
        }
        if (lines.length >= 100) break;
      }
      check(lines.length === 100, "100 distinct upstream log lines");
      const te = Date.now();
      await page.fill("#events", lines.join("\n"));
      await page.focus("#events");
      await page.keyboard.press("Control+Enter");
      await page.waitForFunction(() => document.querySelectorAll("article.event").length === 100, null, { timeout: 120000 });
      report.stock_100_lines_ms = Date.now() - te;
      const tp = Date.now();
      await page.evaluate(() => 1);
      report.page_responds_after_ms = Date.now() - tp;
      const summary = await page.locator("#summary").innerText();
      report.stock_summary = summary;
      check(/^100 events/.test(summary), `stock ruleset evaluated 100 lines: ${summary}`);
      check(requests.length === before, "no network request during the upload and run");
      await page.screenshot({ path: path.join(artifacts, "stock.png") });
      fs.rmSync(tmp, { recursive: true, force: true });
    } else {
      console.log(`SKIPPED: ${wazuh} is absent; the stock-ruleset upload was not tested`);
    }
    check(errors.length === 0, `no page errors ${errors.join("; ")}`);
    await context.close();
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`REPORT ${JSON.stringify(report)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
