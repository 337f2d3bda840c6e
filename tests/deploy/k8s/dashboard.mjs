// dashboard.mjs - check a Grafana dashboard against the metrics served.
//
//   node dashboard.mjs --metrics NAMES DASHBOARD.json
//
// The dashboard must parse, have panels with unique ids, and every
// target's expression must name crawlfleet metrics, each of them served
// by the real worker or coordinator (NAMES: one metric name a line).
// Ends with "dashboard_check: N passed, N failed".
import { readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
function check(cond, what) {
  if (cond) {
    passed++;
    console.log(`ok - ${what}`);
  } else {
    failed++;
    console.log(`FAIL - ${what}`);
  }
}

const args = process.argv.slice(2);
const mi = args.indexOf("--metrics");
if (mi < 0 || args.length !== 3) {
  console.error("usage: node dashboard.mjs --metrics NAMES DASHBOARD.json");
  process.exit(2);
}
const metrics = new Set(
  readFileSync(args[mi + 1], "utf8").split("\n").filter((l) => l.length),
);
const file = args.find((a, i) => i !== mi && i !== mi + 1);
let dash = null;
try {
  dash = JSON.parse(readFileSync(file, "utf8"));
} catch (e) {
  check(false, `${file} parses: ${e.message}`);
}
if (dash) {
  check(true, `${file} parses`);
  const panels = dash.panels ?? [];
  check(panels.length > 0, `${panels.length} panels`);
  const ids = panels.map((p) => p.id);
  check(new Set(ids).size === ids.length, "panel ids are unique");
  const used = new Set();
  for (const p of panels) {
    const targets = p.targets ?? [];
    check(targets.length > 0, `panel "${p.title}" has targets`);
    for (const t of targets) {
      const names = [...(t.expr ?? "").matchAll(/\b(crawlfleet_[a-z_]+)\b/g)]
        .map((m) => m[1]);
      check(names.length > 0, `panel "${p.title}" ${t.refId}: names a crawlfleet metric`);
      for (const n of names) {
        used.add(n);
        check(metrics.has(n), `panel "${p.title}" ${t.refId}: ${n} is served`);
      }
    }
  }
  console.log(`# ${used.size} of ${metrics.size} metric names on the dashboard`);
}
console.log(`dashboard_check: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
