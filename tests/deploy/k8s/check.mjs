// check.mjs - offline checks of rendered Kubernetes manifests.
//
//   node check.mjs --metrics NAMES RENDERED.yaml...
//
// Every object is validated against the schemas of kubernetes-models (a
// current Kubernetes release) or @kubernetes-models/keda, then held to
// the project's rules (docs/deploy.md): pinned images with a pull policy,
// probes present and liveness never on readiness, requests and limits on
// every container, no plaintext secret, Redis headless with its AOF,
// maxmemory and noeviction, workers with a disruption budget and more
// termination grace than their drain, the coordinator with
// CRAWLFLEET_REDIS, autoscalers on metrics that exist (NAMES: one metric
// name a line, from the real binaries). Prints one line per check and
// ends with "k8s_check: N passed, N failed".
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

let passed = 0;
let failed = 0;
function ok(what) {
  passed++;
  console.log(`ok - ${what}`);
}
function fail(what) {
  failed++;
  console.log(`FAIL - ${what}`);
}
function check(cond, what, why) {
  if (cond) ok(what);
  else fail(why ? `${what}: ${why}` : what);
}

const args = process.argv.slice(2);
let metricsFile = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--metrics") metricsFile = args[++i];
  else files.push(args[i]);
}
if (!metricsFile || files.length === 0) {
  console.error("usage: node check.mjs --metrics NAMES RENDERED.yaml...");
  process.exit(2);
}
const metrics = new Set(
  readFileSync(metricsFile, "utf8").split("\n").filter((l) => l.length),
);
if (metrics.size === 0) {
  fail(`metric names in ${metricsFile}: none`);
}

// The model class of an object, from its apiVersion and kind.
async function modelOf(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/")
    ? apiVersion.split("/")
    : ["", apiVersion];
  let mod;
  if (group === "keda.sh") {
    mod = await import(`@kubernetes-models/keda/keda.sh/${version}`);
  } else {
    mod = await import(
      group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`
    );
  }
  return mod[kind];
}

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job"]);
const SECRETISH = /pass|secret|token|credential|auth|key/i;

function podSpec(o) {
  return WORKLOADS.has(o.kind) ? o.spec?.template?.spec : null;
}

// --grace-ms of a worker container, in seconds (default 20 s).
function drainSeconds(c) {
  const a = [...(c.command ?? []), ...(c.args ?? [])];
  const i = a.indexOf("--grace-ms");
  return (i >= 0 ? Number(a[i + 1]) : 20000) / 1000;
}
// What a worker may take beyond its grace to give leases back.
const RELEASE_WAIT_S = 2;

function checkContainer(o, c, init) {
  const where = `${o.kind}/${o.metadata.name} container ${c.name}`;
  const img = c.image ?? "";
  const tag = img.includes("@")
    ? "digest"
    : img.lastIndexOf(":") > img.lastIndexOf("/")
      ? img.slice(img.lastIndexOf(":") + 1)
      : "";
  check(
    c.imagePullPolicy !== undefined,
    `${where}: imagePullPolicy set`,
    `none for ${img}`,
  );
  check(
    (tag !== "" && tag !== "latest") || c.imagePullPolicy !== undefined,
    `${where}: image pinned or with a pull policy`,
    `${img} floats with no policy`,
  );
  check(
    tag !== "" && tag !== "latest",
    `${where}: image ${img} has a fixed tag`,
  );
  const r = c.resources ?? {};
  for (const kind of ["requests", "limits"])
    for (const res of ["cpu", "memory"])
      check(
        r[kind]?.[res] !== undefined,
        `${where}: ${kind}.${res} set`,
      );
  for (const e of c.env ?? []) {
    if (SECRETISH.test(e.name))
      check(
        e.value === undefined,
        `${where}: ${e.name} not written in the manifest`,
        "a literal value",
      );
    if (typeof e.value === "string")
      check(
        !/:\/\/[^/@\s]*:[^/@\s]+@/.test(e.value),
        `${where}: ${e.name} holds no credentials`,
      );
  }
  const argv = [...(c.command ?? []), ...(c.args ?? [])].join(" ");
  check(
    !/--requirepass|--pass|\s-a\s|:\/\/[^/@\s]*:[^/@\s]+@/.test(argv),
    `${where}: no password in argv`,
    argv,
  );
  if (init) return;
  check(c.livenessProbe !== undefined, `${where}: livenessProbe`);
  check(c.readinessProbe !== undefined, `${where}: readinessProbe`);
  check(c.startupProbe !== undefined, `${where}: startupProbe`);
  const live = c.livenessProbe?.httpGet?.path;
  if (live !== undefined)
    check(
      live !== "/readyz" && live !== "/healthz",
      `${where}: liveness not on readiness (${live})`,
    );
  const start = c.startupProbe?.httpGet?.path;
  if (start !== undefined)
    check(start !== "/readyz", `${where}: startup probe not on /readyz`);
  if (c.readinessProbe?.httpGet)
    check(
      c.readinessProbe.httpGet.path === "/readyz",
      `${where}: readiness on /readyz`,
    );
}

const objects = [];
for (const f of files) {
  for (const doc of parseAllDocuments(readFileSync(f, "utf8"))) {
    if (doc.errors.length) {
      fail(`${f}: YAML: ${doc.errors[0].message}`);
      continue;
    }
    const o = doc.toJS();
    if (o) objects.push({ file: f, o });
  }
}
check(objects.length > 0, `objects rendered: ${objects.length}`);

// Schemas.
for (const { file, o } of objects) {
  const name = `${file}: ${o.kind}/${o.metadata?.name}`;
  let Model;
  try {
    Model = await modelOf(o.apiVersion, o.kind);
  } catch {
    Model = undefined;
  }
  if (!Model) {
    fail(`${name}: no schema for ${o.apiVersion} ${o.kind}`);
    continue;
  }
  try {
    new Model(o).validate();
    ok(`${name}: valid ${o.apiVersion}`);
  } catch (e) {
    fail(`${name}: ${String(e.message).slice(0, 400)}`);
  }
}

// Rules, per rendered file (each is one way to deploy).
for (const f of files) {
  const objs = objects.filter((x) => x.file === f).map((x) => x.o);
  const by = (kind, name) =>
    objs.find((o) => o.kind === kind && (!name || o.metadata.name === name));
  console.log(`# rules: ${f}`);

  for (const o of objs)
    check(
      !(o.kind === "Secret" && (o.data || o.stringData)),
      `${o.kind}/${o.metadata.name}: not a committed secret`,
    );

  const crawlfleetImages = new Set();
  for (const o of objs) {
    const ps = podSpec(o);
    if (!ps) continue;
    check(
      ps.securityContext?.runAsNonRoot === true,
      `${o.kind}/${o.metadata.name}: runs as non-root`,
    );
    for (const c of ps.initContainers ?? []) checkContainer(o, c, true);
    for (const c of ps.containers ?? []) {
      checkContainer(o, c, false);
      if (/crawlfleet/.test(c.image)) crawlfleetImages.add(c.image);
    }
  }
  check(
    crawlfleetImages.size === 1,
    `one crawlfleet image for every pod (${[...crawlfleetImages].join(", ")})`,
  );

  // Redis.
  const redis = by("StatefulSet", "redis");
  check(redis !== undefined, "Redis is a StatefulSet");
  if (redis) {
    const svc = by("Service", redis.spec.serviceName);
    check(
      svc?.spec?.clusterIP === "None",
      `Redis Service ${redis.spec.serviceName} is headless`,
    );
    const conf = objs.find(
      (o) =>
        o.kind === "ConfigMap" &&
        redis.spec.template.spec.volumes?.some(
          (v) => v.configMap?.name === o.metadata.name,
        ),
    );
    const text = Object.values(conf?.data ?? {}).join("\n");
    check(/^appendonly yes$/m.test(text), "Redis config: appendonly yes");
    check(/^maxmemory \S+$/m.test(text), "Redis config: maxmemory set");
    check(
      /^maxmemory-policy noeviction$/m.test(text),
      "Redis config: maxmemory-policy noeviction",
    );
    check(
      !/^requirepass/m.test(text),
      "Redis config: no password in the ConfigMap",
    );
    check(
      redis.spec.template.spec.volumes?.some((v) => v.secret),
      "Redis password comes from a Secret volume",
    );
  }

  // Workers.
  const worker = by("Deployment", "crawlfleet-worker");
  check(worker !== undefined, "worker Deployment");
  if (worker) {
    const ps = worker.spec.template.spec;
    const c = ps.containers[0];
    const need = drainSeconds(c) + RELEASE_WAIT_S;
    check(
      (ps.terminationGracePeriodSeconds ?? 30) > need,
      `worker: terminationGracePeriodSeconds ${ps.terminationGracePeriodSeconds} > drain ${need} s`,
    );
    const labels = worker.spec.template.metadata.labels;
    const pdb = objs.find(
      (o) =>
        o.kind === "PodDisruptionBudget" &&
        Object.entries(o.spec.selector?.matchLabels ?? {}).every(
          ([k, v]) => labels[k] === v,
        ),
    );
    check(pdb !== undefined, "worker: a PodDisruptionBudget selects it");
  }

  // Coordinator.
  const coord = by("Deployment", "crawlfleet-coordinator");
  check(
    coord?.spec.template.spec.containers[0].env?.some(
      (e) => e.name === "CRAWLFLEET_REDIS",
    ),
    "coordinator: CRAWLFLEET_REDIS set (crawlfleet status works in it)",
  );

  // Autoscaling: on the backlog, with metrics that exist.
  const names = (q) =>
    [...q.matchAll(/\b(crawlfleet_[a-z_]+)\b/g)].map((m) => m[1]);
  const so = by("ScaledObject");
  const hpa = by("HorizontalPodAutoscaler");
  check(so || hpa, "workers have an autoscaler");
  if (so) {
    check(
      so.spec.scaleTargetRef.name === "crawlfleet-worker",
      "ScaledObject scales the workers",
    );
    check(so.spec.minReplicaCount === 0, "ScaledObject scales to zero");
    for (const t of so.spec.triggers) {
      const q = t.metadata.query ?? "";
      check(
        t.type === "prometheus" && names(q).length > 0,
        `ScaledObject trigger ${t.type} on crawlfleet metrics`,
      );
      for (const n of names(q))
        check(metrics.has(n), `ScaledObject query: ${n} is served`);
    }
  }
  if (hpa) {
    check(
      hpa.spec.scaleTargetRef.name === "crawlfleet-worker",
      "HPA scales the workers",
    );
    check(
      hpa.spec.metrics.some((m) => m.type === "External"),
      "HPA scales on the backlog (External metric)",
    );
  }
}

console.log(`k8s_check: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
