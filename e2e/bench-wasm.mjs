// Workload W4 of issue 8: the engine compiled to wasm, in Debian's headless
// Chromium, on exactly the inputs of the native bench's W1 and W2, next to
// the native numbers. A benchmark, not a test: it fails only when wasm and
// native disagree on the alert count (or something does not run).
//
// For each workload it runs `target/release/rulelab bench --only wN
// --events N --format json --write-inputs DIR` (native timing, and the
// inputs: sources, location, the N lines), serves dist/ (from `trunk build
// --release`) and DIR, opens the playground, fetches the inputs in the page
// and calls the page's export `window.wasmBindings.rulelabBench` (see
// crates/web/src/bench.rs): one warm-up run, then --runs measured runs (the
// native bench also runs --runs times); medians are reported.
//
// Usage: node e2e/bench-wasm.mjs [--w1 N] [--w2 N] [--runs R]
//          [--only w1|w2] [--format text|markdown|json] [--cpuprofile DIR]
// --cpuprofile records the measured runs with Chromium's sampling profiler
// into DIR/wN.cpuprofile (open it in DevTools' Performance panel) and
// prints the functions with the most self time to stderr (the profiler
// slows the runs: take the table from a run without it). Wasm functions
// have names only in a build that keeps the name section (wasm-opt strips
// it: build with data-wasm-opt="0" or pass -g to wasm-opt).
// Run by scripts/bench-wasm.sh, which builds the CLI and dist/ first.
// Environment: RULELAB_SHARED (default ../shared), CHROMIUM (default
// /usr/bin/chromium), RULELAB_BIN (default target/release/rulelab),
// RULELAB_DIST (default dist/: e.g. a build with other RUSTFLAGS).

import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./serve.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const dist = path.resolve(process.env.RULELAB_DIST || path.join(root, "dist"));
const shared = process.env.RULELAB_SHARED || path.resolve(root, "../shared");
const bin = process.env.RULELAB_BIN || path.join(root, "target/release/rulelab");

const CHROMIUM_ARGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run",
];
const NAMES = { w1: "W1 Falco JSON, integration rules", w2: "W2 upstream suite mix, stock ruleset" };

function parseArgs(argv) {
  const opts = { w1: 50000, w2: 20000, runs: 3, only: [], format: "text", cpuprofile: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--w1" || a === "--w2" || a === "--runs") {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a}: a positive integer`);
      opts[a.slice(2)] = n;
    } else if (a === "--only") {
      const w = value().toLowerCase();
      if (!(w in NAMES)) throw new Error(`--only: w1 or w2, not ${w}`);
      opts.only.push(w);
    } else if (a === "--format") {
      opts.format = value();
      if (!["text", "markdown", "json"].includes(opts.format)) throw new Error(`--format: text, markdown or json`);
    } else if (a === "--cpuprofile") {
      opts.cpuprofile = path.resolve(value());
    } else if (a === "-h" || a === "--help") {
      console.log("usage: node e2e/bench-wasm.mjs [--w1 N] [--w2 N] [--runs R] [--only w1|w2] [--format text|markdown|json] [--cpuprofile DIR]");
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  if (opts.only.length === 0) opts.only = ["w1", "w2"];
  return opts;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/// Runs the native bench `runs` times on workload `w`; the first run also
/// writes the inputs to `dir`. Returns the medians and the alert count.
function native(w, n, runs, dir) {
  const seconds = [];
  const compile = [];
  let alerts;
  for (let r = 0; r < runs; r++) {
    const args = ["bench", "--only", w, "--events", String(n), "--format", "json", "--compile-runs", "1", "--shared", shared];
    if (r === 0) args.push("--write-inputs", dir);
    const out = JSON.parse(execFileSync(bin, args, { encoding: "utf8", maxBuffer: 1 << 24 }));
    const row = out.rows.find((x) => x.workload === NAMES[w]);
    if (!row || row.alerts === undefined) throw new Error(`${w}: the native bench printed no ${NAMES[w]} row with alerts`);
    if (alerts !== undefined && alerts !== row.alerts) throw new Error(`${w}: native alert counts differ between runs`);
    alerts = row.alerts;
    seconds.push(row.seconds);
    const w3 = out.rows.find((x) => x.workload.startsWith("W3"));
    if (w3) compile.push(w3.seconds);
  }
  return { seconds: median(seconds), alerts, compileSeconds: compile.length ? median(compile) : null };
}

function serveBench(inputs) {
  // The inputs the native CLI wrote, next to the built playground.
  return serve(dist, (pathname) =>
    pathname.startsWith("/__bench/") ? path.join(inputs, path.basename(pathname)) : undefined);
}

/// In the page: fetches the inputs of `w`, runs the bench once to warm up,
/// then `runs` times. Only the call's own clock (performance.now() around
/// the evaluation loop, inside wasm) is reported.
async function wasm(page, w, runs, profiler) {
  await page.evaluate(async (w) => {
    const input = await (await fetch(`/__bench/${w}.json`)).json();
    window.benchInput = { sources: JSON.stringify(input.sources), events: input.events.join("\n"), location: input.location };
  }, w);
  const once = () => page.evaluate(() => {
    const i = window.benchInput;
    return JSON.parse(window.wasmBindings.rulelabBench(i.sources, i.events, i.location));
  });
  const warmup = await once();
  if (profiler) await profiler.send("Profiler.start");
  const results = [];
  for (let r = 0; r < runs; r++) results.push(await once());
  const profile = profiler ? (await profiler.send("Profiler.stop")).profile : null;
  await page.evaluate(() => { delete window.benchInput; });
  return { warmup, runs: results, profile };
}

/// The functions with the most self time in a CPU profile.
function topSelf(profile, n) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const dt = profile.timeDeltas;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = f.functionName || `(anonymous ${f.url}:${f.lineNumber})`;
    self.set(key, (self.get(key) || 0) + (dt[i] || 0));
    total += dt[i] || 0;
  });
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([name, us]) => `${(100 * us / total).toFixed(1).padStart(5)}%  ${name}`);
}

function fmtInt(x) {
  return Math.round(x).toLocaleString("en-US");
}

function fmtMs(ms) {
  return `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
}

function render(format, rows, meta) {
  if (format === "json") return JSON.stringify({ ...meta, rows }, null, 2);
  const head = ["workload", "events", "native events/s", "wasm events/s", "ratio (wasm/native time)", "alerts native", "alerts wasm", "compile native", "compile wasm"];
  const cells = rows.map((r) => [
    r.workload, String(r.events), fmtInt(r.native_events_per_sec), fmtInt(r.wasm_events_per_sec),
    `${r.ratio.toFixed(2)}x`, String(r.alerts_native), String(r.alerts_wasm),
    r.native_compile_ms === null ? "-" : fmtMs(r.native_compile_ms), fmtMs(r.wasm_compile_ms),
  ]);
  if (format === "markdown") {
    const lines = [`| ${head.join(" | ")} |`, `|---|${head.slice(1).map(() => "---:").join("|")}|`];
    for (const c of cells) lines.push(`| ${c.join(" | ")} |`);
    return lines.join("\n");
  }
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ");
  return [line(head), ...cells.map(line), "", `${meta.chromium}; median of ${meta.runs} runs after one warm-up`].join("\n");
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  for (const [p, what] of [[path.join(dist, "index.html"), "dist/ (trunk build --release)"], [bin, "the release CLI (cargo build --release)"], [path.join(shared, "wazuh-4.11.1"), "the reference data (RULELAB_SHARED)"]]) {
    if (!fs.existsSync(p)) throw new Error(`${p} is missing: ${what}`);
  }
  // The inputs hold the reference data: a temporary folder, never the repository.
  const inputs = fs.mkdtempSync(path.join(os.tmpdir(), "rulelab-bench-wasm-"));
  const server = await serveBench(inputs);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const rows = [];
  let failed = false;
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => typeof window.wasmBindings?.rulelabBench === "function", null, { timeout: 60000 });
    let profiler = null;
    if (opts.cpuprofile) {
      fs.mkdirSync(opts.cpuprofile, { recursive: true });
      profiler = await page.context().newCDPSession(page);
      await profiler.send("Profiler.enable");
      await profiler.send("Profiler.setSamplingInterval", { interval: 200 });
    }
    for (const w of opts.only) {
      const n = opts[w];
      process.stderr.write(`${w}: native bench, ${opts.runs} runs of ${n} events...\n`);
      const nat = native(w, n, opts.runs, inputs);
      process.stderr.write(`${w}: wasm bench in Chromium, 1 warm-up + ${opts.runs} runs...\n`);
      const res = await wasm(page, w, opts.runs, profiler);
      if (res.profile) {
        const file = path.join(opts.cpuprofile, `${w}.cpuprofile`);
        fs.writeFileSync(file, JSON.stringify(res.profile));
        process.stderr.write(`${w}: ${file}; most self time:\n  ${topSelf(res.profile, 25).join("\n  ")}\n`);
      }
      const ms = median(res.runs.map((r) => r.millis));
      const alertsWasm = res.runs[0].alerts;
      if (res.runs.some((r) => r.alerts !== alertsWasm || r.events !== n) || res.warmup.alerts !== alertsWasm) {
        throw new Error(`${w}: wasm runs disagree (${JSON.stringify(res.runs.map((r) => [r.events, r.alerts]))})`);
      }
      const row = {
        workload: NAMES[w],
        events: n,
        native_seconds: nat.seconds,
        wasm_seconds: ms / 1000,
        native_events_per_sec: n / nat.seconds,
        wasm_events_per_sec: n / (ms / 1000),
        ratio: ms / 1000 / nat.seconds,
        alerts_native: nat.alerts,
        alerts_wasm: alertsWasm,
        native_compile_ms: nat.compileSeconds === null ? null : nat.compileSeconds * 1000,
        wasm_compile_ms: median(res.runs.map((r) => r.load_millis)),
        warmup_wasm_seconds: res.warmup.millis / 1000,
      };
      if (row.alerts_native !== row.alerts_wasm) {
        failed = true;
        process.stderr.write(`error: ${w}: ${row.alerts_native} alerts native, ${row.alerts_wasm} in wasm\n`);
      }
      rows.push(row);
      // The inputs are big (W1: ~1.3 KB an event); drop them once used.
      fs.rmSync(path.join(inputs, `${w}.json`), { force: true });
    }
    if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
    const meta = { chromium: `Chromium ${browser.version()}`, runs: opts.runs };
    console.log(render(opts.format, rows, meta));
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(inputs, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
