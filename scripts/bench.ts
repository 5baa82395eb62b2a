/**
 * Every benchmark of buildx-kit, in one command: prints a table and writes it into BENCHMARKS.md.
 *
 *   bun scripts/bench.ts [--runs 30] [--no-write] [--skip-recipes] [--json]
 *   npm run bench
 *
 * Needs the engine (bash scripts/engine.sh up); strace for the process counts (apt-get install
 * strace; without it that section is skipped and says so). Every figure is a ratio of two things
 * measured side by side in this run, alternating, medians of at least 10 runs, on a fully cached
 * build (the case where buildx-kit's own cost shows most):
 *
 *   a. against a zx script running $`docker buildx build ${argv}`, on Node, Deno and Bun:
 *      build() from a script, `buildx-kit run recipe.json`, and build() called again inside a
 *      process that has built before (target <= 1.05);
 *   b. against `docker buildx build` run directly: `buildx-kit run` (<= 1.3 Node, <= 1.15 Deno, Bun);
 *   c. processes the runtime spawns per build, counted with strace -f (1 for each build after the
 *      first in a process; at most 2 for a whole CLI run);
 *   d. import time of mod.ts against importing zx alone (<= 1.2);
 *   e. scripts/bench-recipes.ts: several recipes in one call against the slowest alone (<= 1.5).
 *
 * Node runs the compiled package (dist/, what npm users get: Node 20 cannot run .ts); Deno and Bun
 * run the source (what JSR users get). The bench compiles dist/ first.
 */
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { build, probe } from "../mod.ts";
import { findExecutable } from "../lib/build/probe.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BENCH = join(ROOT, "scripts/bench");
const FIXTURE = join(ROOT, "test/fixtures/build/image");
const TAG = "buildx-kit-bench:latest";
const MARK_START = "<!-- bench:start (written by scripts/bench.ts; edit outside these marks) -->";
const MARK_END = "<!-- bench:end -->";

function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
function count(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} takes a positive whole number`);
  return v;
}

const RUNS = count("runs", 30);
if (RUNS < 10) throw new Error("--runs must be at least 10: every figure is a median of at least 10 runs");
const JSON_OUT = flag("json");
const say = (line = ""): void => {
  if (!JSON_OUT) console.log(line);
};

// ---------------------------------------------------------------------------------------------
// Running things

interface Ran {
  readonly code: number | null;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns a command (no shell), waits, and times it from spawn to exit. */
function exec(argv: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd ?? ROOT,
      env: (options.env ?? process.env) as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => {
      stderr += c.toString();
      if (stderr.length > 64_000) stderr = stderr.slice(-32_000);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, ms: performance.now() - started, stdout, stderr }));
  });
}

async function mustRun(argv: readonly string[], options: Parameters<typeof exec>[1] = {}): Promise<Ran> {
  const ran = await exec(argv, options);
  if (ran.code !== 0) throw new Error(`${argv.join(" ")} exited with ${ran.code}:\n${ran.stderr.slice(-3000)}`);
  return ran;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A ratio of two series measured side by side: of the medians, and the median of the pairs' ratios. */
interface Ratio {
  readonly what: string;
  readonly runtime: string;
  readonly versus: string;
  readonly subject: number;
  readonly baseline: number;
  readonly ratio: number;
  readonly paired: number;
  readonly runs: number;
  readonly target: number;
}

function ratio(what: string, runtime: string, versus: string, subject: readonly number[], baseline: readonly number[], target: number): Ratio {
  const ms = median(subject);
  const mb = median(baseline);
  return {
    what,
    runtime,
    versus,
    subject: ms,
    baseline: mb,
    ratio: ms / mb,
    paired: median(subject.map((s, i) => s / baseline[i]!)),
    runs: subject.length,
    target,
  };
}

// ---------------------------------------------------------------------------------------------
// The runtimes

interface Runtime {
  readonly name: "node" | "deno" | "bun";
  /** How to run a .mjs/.ts script. */
  readonly script: readonly string[];
  /** How to run `buildx-kit`. */
  readonly cli: readonly string[];
  version: string;
}

const BIN = join(ROOT, "node_modules/.bin");
const nodeBin = (await findExecutable("node", process.env.PATH)) ?? "node";
const RUNTIMES: Runtime[] = [
  { name: "node", script: [nodeBin], cli: [nodeBin, join(ROOT, "dist/cli/scripts/cli.js")], version: "" },
  {
    name: "deno",
    script: [join(BIN, "deno"), "run", "-A", "--quiet"],
    cli: [join(BIN, "deno"), "run", "-A", "--quiet", join(ROOT, "scripts/cli.ts")],
    version: "",
  },
  { name: "bun", script: [join(BIN, "bun")], cli: [join(BIN, "bun"), join(ROOT, "scripts/cli.ts")], version: "" },
];

// ---------------------------------------------------------------------------------------------
// Set-up

const caps = await probe();
if (caps.problems.length) {
  console.error(`the engine is not ready: ${caps.problems.map((p) => p.message).join("; ")}\nrun: bash scripts/engine.sh up`);
  process.exit(1);
}
say("compiling dist/ (what Node runs) ...");
await mustRun(["npm", "run", "--silent", "build"], { cwd: ROOT });

for (const r of RUNTIMES) {
  const out = (await mustRun([r.script[0]!, "--version"])).stdout.trim();
  r.version = (out.split("\n")[0] ?? "").replace(/^v/, "").replace(/^(deno|bun) /, "").replace(/ \(.*$/, "");
}

// Outside any git repository: buildx would otherwise run git a handful of times per build, the same
// for every side, which dilutes the ratios. The harder case is the honest one.
const scratch = await mkdtemp(join(os.tmpdir(), "buildx-kit-bench-"));
const ctx = join(scratch, "ctx");
await cp(FIXTURE, ctx, { recursive: true });
const options = { context: "ctx", tag: [TAG], buildArg: { GREETING: "bench", NONCE: "bench" } };
await writeFile(join(scratch, "recipe.json"), JSON.stringify({ recipe: 1, name: "bench", options }, null, 2));

try {
  say(`warming up: the build cache, the probe cache, each runtime's module caches ...`);
  const first = await build(options, { cwd: scratch, log: () => {} });
  // What a zx user would run: the very argv build() ran, with its own metadata file.
  const argv = first.argv.map((a) => (a.startsWith("--metadata-file=") ? `--metadata-file=${join(scratch, "zx-metadata.json")}` : a));
  const check: string[] = [];
  await build(options, { cwd: scratch, log: (l) => check.push(l) });
  if (!check.some((l) => /^#\d+ CACHED$/.test(l))) throw new Error(`the build is not cached after the warm-up:\n${check.join("\n")}`);

  // What buildx-kit starts for that argv: docker's buildx plugin itself, the way docker runs it.
  const plugin = caps.buildxPlugin ?? null;
  const pluginEnv = { ...process.env, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: argv[0]! };
  const cases = (r: Runtime): Record<string, readonly string[]> => ({
    docker: argv,
    ...(plugin ? { plugin: [plugin, ...argv.slice(1)] } : {}),
    empty: [...r.script, join(BENCH, "empty.mjs")],
    zx: [...r.script, join(BENCH, "zx-script.mjs"), JSON.stringify({ argv, cwd: scratch })],
    api: [...r.script, join(BENCH, "build-script.mjs"), JSON.stringify({ options, cwd: scratch })],
    cli: [...r.cli, "run", "recipe.json"],
  });
  const runCase = (name: string, command: readonly string[]) => mustRun(command, { cwd: scratch, ...(name === "plugin" ? { env: pluginEnv } : {}) });
  for (const r of RUNTIMES) for (const [name, c] of Object.entries(cases(r))) await runCase(name, c);

  // ---- a and b: whole processes, alternating (the order rotates every round) --------------------
  say(`a, b: ${RUNS} rounds of docker / its plugin / an empty script / zx script / build() script / buildx-kit run, on each runtime ...`);
  const times: Record<string, Record<string, number[]>> = {};
  for (const r of RUNTIMES) times[r.name] = Object.fromEntries(Object.keys(cases(r)).map((name) => [name, []]));
  const loadStart = os.loadavg();
  for (let round = 0; round < RUNS; round++) {
    for (const r of RUNTIMES) {
      const all = Object.entries(cases(r));
      const order = all.map((_, i) => all[(i + round) % all.length]!);
      for (const [name, command] of order) times[r.name]![name]!.push((await runCase(name, command)).ms);
    }
  }

  // ---- a: build() again inside a process that has built ----------------------------------------
  say(`a: build() against a zx call inside one process, ${RUNS} pairs on each runtime ...`);
  const inProcess: Record<string, { build: number[]; zx: number[]; own: number[] }> = {};
  for (const r of RUNTIMES) {
    const ran = await mustRun([...r.script, join(BENCH, "in-process.mjs"), JSON.stringify({ options, argv, cwd: scratch, runs: RUNS })], { cwd: scratch });
    inProcess[r.name] = JSON.parse(ran.stdout.trim().split("\n").pop()!);
  }

  // ---- d: import time ---------------------------------------------------------------------------
  say(`d: import time of mod.ts against zx, ${RUNS} fresh processes each, alternating ...`);
  const imports: Record<string, { zx: number[]; mod: number[] }> = {};
  for (const r of RUNTIMES) {
    imports[r.name] = { zx: [], mod: [] };
    await mustRun([...r.script, join(BENCH, "import-time.mjs"), "mod"]);
    for (let i = 0; i < RUNS; i++) {
      for (const which of (i % 2 ? ["zx", "mod"] : ["mod", "zx"]) as ("zx" | "mod")[]) {
        const ran = await mustRun([...r.script, join(BENCH, "import-time.mjs"), which]);
        imports[r.name]![which].push(Number(ran.stdout.trim()));
      }
    }
  }
  const loadEnd = os.loadavg();

  // ---- c: processes spawned, counted with strace --------------------------------------------------
  const strace = await findExecutable("strace", process.env.PATH);
  const spawns: Record<string, Record<string, SpawnCount>> = {};
  if (strace) {
    say(`c: processes spawned per build, strace -f ...`);
    const coldCache = join(scratch, "cold-cache");
    for (const r of RUNTIMES) {
      const c = cases(r);
      const api = (repeat: number) => [...r.script, join(BENCH, "build-script.mjs"), JSON.stringify({ options, cwd: scratch, repeat })];
      const one = await traced(strace, api(1), scratch);
      const five = await traced(strace, api(5), scratch);
      await rm(coldCache, { recursive: true, force: true });
      await mkdir(coldCache);
      spawns[r.name] = {
        "zx script (1 build)": await traced(strace, c.zx!, scratch),
        "build() script, 1 build": one,
        "build() script, 5 builds": five,
        "buildx-kit run": await traced(strace, c.cli!, scratch),
        "buildx-kit run, empty probe cache": await traced(strace, c.cli!, scratch, { XDG_CACHE_HOME: coldCache }),
      };
    }
    spawns.docker = { "docker buildx build": await traced(strace, argv, scratch) };
  } else {
    say("c: skipped: no strace on PATH (apt-get install strace)");
  }

  // ---- e: the recipes' concurrency bench ----------------------------------------------------------
  let recipes: { medianRatio: number; goal: number; rounds: number; medianTogetherMs: number; medianSlowestAloneMs: number } | null = null;
  if (!flag("skip-recipes")) {
    say(`e: scripts/bench-recipes.ts (several recipes at once against the slowest alone) ...`);
    const ran = await exec([join(BIN, "bun"), join(ROOT, "scripts/bench-recipes.ts"), "--json"]);
    try {
      recipes = JSON.parse(ran.stdout.trim().split("\n").pop()!);
    } catch {
      say(`   bench-recipes.ts failed (exit ${ran.code}): ${ran.stderr.trim().split("\n").slice(-3).join(" / ")}`);
    }
  }

  // ---- the table ----------------------------------------------------------------------------------
  const TARGET_B: Record<string, number> = { node: 1.3, deno: 1.15, bun: 1.15 };
  const ratios: Ratio[] = [];
  for (const r of RUNTIMES) {
    const t = times[r.name]!;
    const label = `${r.name} ${r.version}`;
    ratios.push(ratio("a. build() from a script", label, "zx script", t.api!, t.zx!, 1.05));
    ratios.push(ratio("a. `buildx-kit run recipe.json`", label, "zx script", t.cli!, t.zx!, 1.05));
    const ip = inProcess[r.name]!;
    ratios.push(ratio("a. build() call, after the first in a process", label, "zx call, same process", ip.build, ip.zx, 1.05));
  }
  for (const r of RUNTIMES) {
    const t = times[r.name]!;
    ratios.push(ratio("b. `buildx-kit run recipe.json`", `${r.name} ${r.version}`, "docker buildx build", t.cli!, t.docker!, TARGET_B[r.name]!));
  }
  // Not targets: the floor under b. What the runtime alone costs (an empty script), and what the
  // build costs when buildx's plugin is started directly; b cannot go below about their sum.
  for (const r of RUNTIMES) {
    const t = times[r.name]!;
    ratios.push(ratio("(floor of b) the runtime alone: an empty script", `${r.name} ${r.version}`, "docker buildx build", t.empty!, t.docker!, Number.NaN));
  }
  if (plugin) {
    const all = (name: string) => RUNTIMES.flatMap((r) => times[r.name]![name]!);
    ratios.push(
      ratio("(floor of b) buildx's plugin started directly, as buildx-kit does", "(none)", "docker buildx build", all("plugin"), all("docker"), Number.NaN),
    );
  }
  for (const r of RUNTIMES) {
    const t = times[r.name]!;
    ratios.push(ratio("(floor of b) the zx script", `${r.name} ${r.version}`, "docker buildx build", t.zx!, t.docker!, Number.NaN));
  }
  for (const r of RUNTIMES) {
    const im = imports[r.name]!;
    ratios.push(ratio("d. import mod.ts", `${r.name} ${r.version}`, "import zx", im.mod, im.zx, 1.2));
  }

  const machine = await describeMachine(loadStart, loadEnd);
  const lines: string[] = [];
  lines.push(`Run of ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: ${RUNS} runs of everything, fully cached build of`);
  lines.push("`test/fixtures/build/image` (copied outside git), tagged and loaded into the image store.");
  lines.push("");
  lines.push("### Machine");
  lines.push("");
  lines.push("| | |");
  lines.push("|---|---|");
  for (const [k, v] of machine.rows) lines.push(`| ${k} | ${v} |`);
  lines.push("");
  if (machine.noisy) {
    lines.push(`**The machine was shared and busy** while this ran (load average above half its ${machine.cpus} CPUs): other`);
    lines.push("work used the same CPUs and the same engine, so single runs vary a lot.");
    lines.push("");
  }
  lines.push("### Ratios (lower is better; 1.00 = no cost at all)");
  lines.push("");
  lines.push("Two figures per row: the ratio of the medians, and the median of the pairs' ratios (each pair ran back");
  lines.push('to back, so it drifts less with the machine\'s load). The verdict is "ok" only when both are within the target.');
  lines.push("");
  lines.push("| what | runtime | against | median | baseline median | ratio of medians | median of pair ratios | target | verdict |");
  lines.push("|---|---|---|---|---|---|---|---|---|");
  for (const x of ratios) {
    const target = Number.isNaN(x.target) ? "(none)" : `<= ${x.target}`;
    lines.push(
      `| ${x.what} | ${x.runtime} | ${x.versus} | ${fmtMs(x.subject)} | ${fmtMs(x.baseline)} | ${x.ratio.toFixed(3)} | ${x.paired.toFixed(3)} | ${target} | ${
        verdict(x)
      } |`,
    );
  }
  lines.push("");
  const own = RUNTIMES.map((r) => `${r.name} ${fmtMs(median(inProcess[r.name]!.own))}`).join(", ");
  lines.push(`build()'s own time outside buildx (wall time minus buildx's spawn-to-exit), median: ${own}.`);
  lines.push("");
  lines.push("### Processes spawned (c)");
  lines.push("");
  if (strace) {
    lines.push("Counted with `strace -f -e trace=process`: the processes the runtime itself starts (its children; threads");
    lines.push("not counted), and every process of the tree below it (docker starts the buildx plugin twice, buildx");
    lines.push("may start git). Target: 1 per build after the first in a process, at most 2 for a whole CLI run.");
    lines.push("");
    lines.push("| runtime | what | runtime's children | per build after the first | whole tree | children's programs |");
    lines.push("|---|---|---|---|---|---|");
    for (const r of RUNTIMES) {
      const s = spawns[r.name]!;
      const per = (s["build() script, 5 builds"]!.children - s["build() script, 1 build"]!.children) / 4;
      for (const [what, n] of Object.entries(s)) {
        const perCell = what === "build() script, 5 builds" ? `${per} ${per === 1 ? "ok" : "**missed**"}` : "";
        const cliCell = what.startsWith("buildx-kit run") ? ` ${n.children <= 2 ? "ok" : "**missed**"}` : "";
        lines.push(`| ${r.name} | ${what} | ${n.children}${cliCell} | ${perCell} | ${n.tree} | ${n.programs.join(", ")} |`);
      }
    }
    const d = spawns.docker!["docker buildx build"]!;
    lines.push(`| (none) | docker buildx build, run directly | ${d.children} | | ${d.tree} | ${d.programs.join(", ")} |`);
  } else {
    lines.push("Not measured: strace was not installed (apt-get install strace).");
  }
  lines.push("");
  lines.push("### Several recipes at once (e, scripts/bench-recipes.ts)");
  lines.push("");
  if (recipes) {
    lines.push(
      `Three uncached recipes in one \`runRecipes\` call against the slowest of them alone, median of ${recipes.rounds} rounds: ` +
        `${(recipes.medianTogetherMs / 1000).toFixed(2)} s against ${(recipes.medianSlowestAloneMs / 1000).toFixed(2)} s, ` +
        `ratio ${recipes.medianRatio.toFixed(2)} (target <= ${recipes.goal}: ${recipes.medianRatio <= recipes.goal ? "ok" : "**missed**"}).`,
    );
  } else {
    lines.push("Not run this time (--skip-recipes, or it failed).");
  }
  const section = lines.join("\n");

  say("");
  say(section);
  if (JSON_OUT) console.log(JSON.stringify({ machine: machine.rows, ratios, spawns, times, inProcess, imports, recipes }));
  if (!flag("no-write")) {
    await writeSection(join(ROOT, "BENCHMARKS.md"), section);
    say("\nwrote BENCHMARKS.md");
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}

/** "ok" only when both figures are within the target: the ratio of the medians and the median of the pairs. */
function verdict(x: Ratio): string {
  if (Number.isNaN(x.target)) return "";
  const worst = Math.max(x.ratio, x.paired);
  if (worst <= x.target) return "ok";
  return Math.min(x.ratio, x.paired) <= x.target ? "**missed** (one of two)" : "**missed**";
}

function fmtMs(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}

// ---------------------------------------------------------------------------------------------
// Counting processes with strace

interface SpawnCount {
  /** Processes the traced process itself started. */
  readonly children: number;
  /** Every process below it. */
  readonly tree: number;
  /** What the children ran (their last execve), in order. */
  readonly programs: readonly string[];
}

async function traced(strace: string, argv: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<SpawnCount> {
  const out = join(cwd, `strace-${Math.random().toString(36).slice(2)}.txt`);
  await mustRun([strace, "-f", "-qq", "-e", "trace=process", "-e", "signal=none", "-s", "120", "-o", out, "--", ...argv], {
    cwd,
    env: { ...process.env, ...env },
  });
  const text = await readFile(out, "utf8");
  await rm(out, { force: true });
  return countProcesses(text);
}

/**
 * Reads `strace -f -e trace=process` output: which thread started which, told apart from threads
 * by CLONE_THREAD, so each process is known with its parent process.
 */
export function countProcesses(text: string): SpawnCount {
  const lines = text.split("\n").filter(Boolean);
  const root = Number(/^(\d+)/.exec(lines[0] ?? "")?.[1]);
  const processOf = new Map<number, number>([[root, root]]); // thread id -> process (thread group) id
  const parentOf = new Map<number, number>(); // process -> parent process
  const exec = new Map<number, string>(); // process -> last program
  const pending = new Map<number, string>(); // thread -> the start of an unfinished clone
  for (const raw of lines) {
    const m = /^(\d+)\s+(.*)$/.exec(raw);
    if (!m) continue;
    const tid = Number(m[1]);
    let call = m[2]!;
    if (call.endsWith("<unfinished ...>")) {
      pending.set(tid, call);
      continue;
    }
    const resumed = /^<\.\.\. (\w+) resumed>(.*)$/.exec(call);
    if (resumed) {
      call = `${pending.get(tid) ?? `${resumed[1]}(`}${resumed[2]}`;
      pending.delete(tid);
    }
    const owner = processOf.get(tid) ?? tid;
    const spawned = /^(clone3?|fork|vfork)\(.*\)\s+=\s+(\d+)/.exec(call);
    if (spawned) {
      const child = Number(spawned[2]);
      if (/CLONE_THREAD/.test(call)) processOf.set(child, owner);
      else {
        processOf.set(child, child);
        parentOf.set(child, owner);
      }
      continue;
    }
    const ex = /^execve\("([^"]+)"/.exec(call);
    if (ex && / = 0$/.test(call)) exec.set(owner, ex[1]!.split("/").pop()!);
  }
  const children = [...parentOf.entries()].filter(([, p]) => p === root).map(([c]) => c);
  return { children: children.length, tree: parentOf.size, programs: children.map((c) => exec.get(c) ?? "(fork, no exec)") };
}

// ---------------------------------------------------------------------------------------------
// The machine and BENCHMARKS.md

async function describeMachine(loadStart: number[], loadEnd: number[]) {
  const cpus = os.cpus();
  let osName = `${os.platform()} ${os.release()}`;
  try {
    const rel = await readFile("/etc/os-release", "utf8");
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(rel)?.[1];
    if (pretty) osName = `${pretty}, Linux ${os.release()}`;
  } catch {
    // not Linux
  }
  const dockerCli = (await exec(["docker", "version", "--format", "{{.Client.Version}}"])).stdout.trim();
  const zxVersion = (JSON.parse(await readFile(join(ROOT, "node_modules/zx/package.json"), "utf8")) as { version: string }).version;
  const nproc = (await exec(["nproc"])).stdout.trim() || String(cpus.length);
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  const loadText = `${load(loadStart)} at the start, ${load(loadEnd)} at the end (1, 5, 15 min)`;
  const rows: [string, string][] = [
    ["CPU", `${cpus[0]?.model?.trim() ?? "?"} (\`nproc\`: ${nproc})`],
    ["memory", `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ["OS", osName],
    ["engine", `Docker Engine ${caps.engineVersion}, ${caps.containerdImageStore ? "containerd image store" : "classic image store"}, ${caps.driver} driver`],
    ["buildx", `${caps.buildxVersionText.replace(/^github\.com\/docker\/buildx /, "")}; docker CLI ${dockerCli}`],
    ["runtimes", RUNTIMES.map((r) => `${r.name} ${r.version}`).join(", ") + `; zx ${zxVersion}`],
    ["load average", loadText],
  ];
  const noisy = Math.max(...loadStart.slice(0, 1), ...loadEnd.slice(0, 1)) > 0.5 * Number(nproc);
  return { rows, noisy, loadText, cpus: nproc };
}

async function writeSection(file: string, section: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    text = `# Benchmarks\n\nRun them all with \`npm run bench\` (bun scripts/bench.ts).\n\n${MARK_START}\n${MARK_END}\n`;
  }
  const start = text.indexOf(MARK_START);
  const end = text.indexOf(MARK_END);
  if (start === -1 || end < start) text = `${text.trimEnd()}\n\n${MARK_START}\n${MARK_END}\n`;
  const s = text.indexOf(MARK_START);
  const e = text.indexOf(MARK_END);
  await writeFile(file, `${text.slice(0, s + MARK_START.length)}\n${section}\n${text.slice(e)}`);
}
