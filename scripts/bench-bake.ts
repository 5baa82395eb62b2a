/**
 * Benchmark: many recipes, one engine run. N recipes (3 and 6) that share one context and a base
 * stage (a common stage does some work, then each recipe's own stage a little more; each image is
 * loaded under its own tag), built three ways, side by side in one run:
 *
 *   - bake:      `runRecipes(files, { via: "bake" })`, one `docker buildx bake` for all of them;
 *   - build:     `runRecipes(files, { via: "build" })`, one `docker buildx build` per recipe (4 at once);
 *   - raw bake:  `docker buildx bake` of the very file and argv buildx-kit runs, started directly
 *                (the limit: what bake itself costs, without buildx-kit).
 *
 * Uncached: every round and every way gets a fresh nonce in the common stage's first RUN, so nothing
 * from an earlier build matches (the engine is shared with other work: no cache prune), while the
 * recipes of one run still share their common stage. Cached: the same recipes again, every step
 * from the cache. Wall time is spawn to exit of a process doing only that (the runtime's start
 * included; median of the rounds, ways in a rotating order). Peak memory: the buildx-kit process's
 * own VmHWM (/proc/self/status at its end), and the buildx processes (below buildx-kit: the buildx
 * plugin and the supervisor's watcher; for the raw bake, docker and the plugin it starts), as the
 * peak of their summed VmRSS sampled from /proc every 20 ms (the tree walked every 100 ms: a
 * process that lives less than that can be missed).
 *
 *   npx bun scripts/bench-bake.ts [--rounds 3] [--sizes 3,6] [--json]
 *   npx deno run -A scripts/bench-bake.ts
 *
 * Needs the project's engine (bash scripts/engine.sh up). Prints a markdown table.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { probe } from "../lib/build/probe.ts";
import { makeRecipe, saveRecipe } from "../lib/recipe/recipe.ts";
import { runRecipes } from "../lib/recipe/run.ts";

const SCRIPT = fileURLToPath(import.meta.url);
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const runtimeName = isDeno ? "deno" : (process.versions as Record<string, string | undefined>).bun ? "bun" : "node";

/** This script again, as a child on the same runtime. */
function self(args: readonly string[]): string[] {
  return isDeno ? [process.execPath, "run", "-A", "--quiet", SCRIPT, ...args] : [process.execPath, SCRIPT, ...args];
}

// ---------------------------------------------------------------------------------------------
// The child: one runRecipes call, then its own peak memory.

async function child(via: "bake" | "build", files: readonly string[]): Promise<void> {
  const started = performance.now();
  const results = await runRecipes(files, { via, quiet: true, stdout: "ignore" });
  const ms = performance.now() - started;
  const status = await readFile("/proc/self/status", "utf8");
  const hwmKb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error?.message.split("\n").slice(0, 3).join(" / ")}`);
  console.log(JSON.stringify({ ms, hwmKb, failed, via: results.map((r) => r.via) }));
}

if (process.argv[2] === "--child") {
  const [, , , via, ...files] = process.argv;
  await child(via as "bake" | "build", files);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Measuring a process and everything below it

interface Measured {
  readonly ms: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak of the summed VmRSS of every process below the one started (KiB). */
  readonly childrenPeakKb: number;
  /** How many processes were seen below it. */
  readonly childrenSeen: number;
}

async function statusOf(pid: number): Promise<{ rssKb: number } | null> {
  try {
    const text = await readFile(`/proc/${pid}/status`, "utf8");
    return { rssKb: Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(text)?.[1] ?? 0) };
  } catch {
    return null;
  }
}

/** The processes below `pid`, from /proc/PID/task/TID/children (every thread's). */
async function descendants(pid: number): Promise<number[]> {
  const found: number[] = [];
  const walk = async (p: number): Promise<void> => {
    let tasks: string[];
    try {
      tasks = await readdir(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let text = "";
      try {
        text = await readFile(`/proc/${p}/task/${t}/children`, "utf8");
      } catch {
        continue;
      }
      for (const c of text.trim().split(/\s+/).filter(Boolean).map(Number)) {
        if (!found.includes(c)) {
          found.push(c);
          await walk(c);
        }
      }
    }
  };
  await walk(pid);
  return found;
}

async function measure(argv: readonly string[], cwd: string, env: Record<string, string | undefined> = {}, withRoot = false): Promise<Measured> {
  const started = performance.now();
  const proc = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (d: Uint8Array) => (stdout += new TextDecoder().decode(d)));
  proc.stderr.on("data", (d: Uint8Array) => (stderr = (stderr + new TextDecoder().decode(d)).slice(-20_000)));
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    proc.on("close", (code) => {
      done = true;
      resolve(code);
    })
  );
  let peak = 0;
  const seen = new Set<number>();
  const sampler = (async () => {
    // The process tree is walked every 100 ms (every thread's children file: the walk itself takes
    // CPU from the build), the known processes' RSS read every 20 ms.
    let pids: number[] = [];
    for (let tick = 0; !done; tick++) {
      if (tick % 5 === 0) pids = [...(withRoot ? [proc.pid!] : []), ...await descendants(proc.pid!)];
      let sum = 0;
      for (const p of pids) {
        const s = await statusOf(p);
        if (!s) continue;
        seen.add(p);
        sum += s.rssKb;
      }
      peak = Math.max(peak, sum);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const code = await exited;
  const ms = performance.now() - started;
  await sampler;
  return { ms, code, stdout, stderr, childrenPeakKb: peak, childrenSeen: seen.size };
}

// ---------------------------------------------------------------------------------------------
// The recipes

const SIZES = (() => {
  const i = process.argv.indexOf("--sizes");
  const list = (i === -1 ? "3,6" : process.argv[i + 1] ?? "").split(",").map(Number);
  if (!list.length || list.some((n) => !Number.isInteger(n) || n < 2)) throw new Error("--sizes takes numbers of recipes, each at least 2: --sizes 3,6");
  return list;
})();
const ROUNDS = (() => {
  const i = process.argv.indexOf("--rounds");
  const n = i === -1 ? 3 : Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error("--rounds takes a positive whole number");
  return n;
})();
const JSON_OUT = process.argv.includes("--json");
const say = (line = "") => {
  if (!JSON_OUT) console.log(line);
};

const DOCKERFILE = [
  "FROM local/busybox:1 AS common",
  "ARG ROUND",
  "COPY src/ /src/",
  // The shared work: hashing 96 MiB, a second of waiting (a download, a compiler), the context copied.
  'RUN echo "$ROUND" > /round && dd if=/dev/zero bs=1M count=96 2>/dev/null | md5sum > /common.sum && sleep 1 && md5sum /src/* > /src.sum',
  "FROM common",
  "ARG N",
  // Each recipe's own part.
  'RUN echo "$N" > /n && dd if=/dev/zero bs=1M count=24 2>/dev/null | md5sum > /own.sum',
  "",
].join("\n");

type Way = "bake" | "build" | "raw bake";
const WAYS: readonly Way[] = ["bake", "build", "raw bake"];

interface Sample {
  readonly round: number;
  readonly n: number;
  readonly cache: "uncached" | "cached";
  readonly way: Way;
  readonly ms: number;
  readonly kitKb: number | null;
  readonly childrenKb: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<number> {
  const load = async () => (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ");
  const loadBefore = await load();
  const caps = await probe();
  if (caps.problems.length) {
    console.error(`no engine: ${caps.problems.map((p) => p.message).join("; ")} (bash scripts/engine.sh up)`);
    return 2;
  }
  const root = await mkdtemp(join(tmpdir(), "bench-bake-"));
  const tags = new Set<string>();
  const samples: Sample[] = [];
  try {
    // One project: the Dockerfile and a context of 64 small files (1 MiB), outside any git checkout.
    await mkdir(join(root, "project/src"), { recursive: true });
    await writeFile(join(root, "project/Dockerfile"), DOCKERFILE);
    for (let f = 0; f < 64; f++) await writeFile(join(root, "project/src", `f${f}.txt`), `${f}\n`.repeat(16 * 1024 / 3));
    let made = 0;
    /** N recipes (in the project's recipes folder, context ..), all with this nonce. */
    const recipes = async (n: number, nonce: string): Promise<string[]> => {
      const dir = join(root, "project", `recipes-${made++}`);
      await mkdir(dir);
      const files: string[] = [];
      for (let i = 0; i < n; i++) {
        const tag = `buildx-kit-bench-bake-${i}:latest`;
        tags.add(tag);
        const file = join(dir, `r${i}.json`);
        await saveRecipe(file, makeRecipe({ context: "..", tag, buildArg: { ROUND: nonce, N: String(i) } }, { name: `r${i}` }));
        files.push(file);
      }
      return files;
    };
    const nonce = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

    const runWay = async (way: Way, files: readonly string[]): Promise<{ ms: number; kitKb: number | null; childrenKb: number }> => {
      if (way === "raw bake") {
        // The very file and argv buildx-kit runs (its dry run says them), bake started directly.
        const [dry] = await runRecipes(files, { via: "bake", dryRun: true, quiet: true, capabilities: caps });
        const bake = dry!.bake!;
        const dir = await mkdtemp(join(root, "raw-"));
        await writeFile(join(dir, bake.fileName), bake.file);
        const argv = ["docker", "buildx", "bake", `--file=${join(dir, bake.fileName)}`, `--metadata-file=${join(dir, "metadata.json")}`, ...bake.argv.slice(4)];
        const m = await measure(argv, bake.cwd, { BUILDX_METADATA_WARNINGS: "1" }, true);
        if (m.code !== 0) throw new Error(`raw bake failed (${m.code}): ${m.stderr.split("\n").filter((l) => l.startsWith("ERROR")).join("; ")}`);
        return { ms: m.ms, kitKb: null, childrenKb: m.childrenPeakKb };
      }
      const m = await measure(self(["--child", way, ...files]), root);
      const line = m.stdout.trim().split("\n").pop() ?? "";
      let report: { hwmKb: number; failed: string[]; via: string[] };
      try {
        report = JSON.parse(line);
      } catch {
        throw new Error(`${way}: the child printed no result (exit ${m.code}): ${m.stderr.slice(-2000)}`);
      }
      if (report.failed.length) throw new Error(`${way}: ${report.failed.join("; ")}`);
      if (report.via.some((v) => v !== way)) throw new Error(`${way}: ran ${report.via.join(", ")}`);
      return { ms: m.ms, kitKb: report.hwmKb, childrenKb: m.childrenPeakKb };
    };

    say(
      `buildx ${caps.buildxVersion ?? "?"}, driver ${caps.driver ?? "?"}, ${runtimeName}; recipes of ${
        SIZES.join(" and ")
      }, ${ROUNDS} rounds, ways in rotating order`,
    );
    // Warm up: the base image, the frontend, the builder's first session, each way once.
    for (const way of WAYS) await runWay(way, await recipes(2, nonce()));

    for (const n of SIZES) {
      const cachedFiles = await recipes(n, nonce());
      await runWay("build", cachedFiles); // fills the cache for the cached rounds
      for (let round = 0; round < ROUNDS; round++) {
        const order = WAYS.map((_, k) => WAYS[(k + round) % WAYS.length]!);
        for (const way of order) {
          const r = await runWay(way, await recipes(n, nonce()));
          samples.push({ round, n, cache: "uncached", way, ms: r.ms, kitKb: r.kitKb, childrenKb: r.childrenKb });
          say(`  ${n} recipes, uncached, ${way}: ${sec(r.ms)}`);
        }
        for (const way of order) {
          const r = await runWay(way, cachedFiles);
          samples.push({ round, n, cache: "cached", way, ms: r.ms, kitKb: r.kitKb, childrenKb: r.childrenKb });
          say(`  ${n} recipes, cached, ${way}: ${sec(r.ms)}`);
        }
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
    if (tags.size) await measure(["docker", "image", "rm", "-f", ...tags], tmpdir());
  }

  const rows: string[] = [];
  const summary: Record<string, unknown>[] = [];
  for (const n of SIZES) {
    for (const cache of ["uncached", "cached"] as const) {
      const of = (way: Way) => samples.filter((s) => s.n === n && s.cache === cache && s.way === way);
      const wall = (way: Way) => median(of(way).map((s) => s.ms));
      for (const way of WAYS) {
        const mine = of(way);
        const kit = mine[0]?.kitKb === null ? null : median(mine.map((s) => s.kitKb!));
        const kids = median(mine.map((s) => s.childrenKb));
        const vsBuild = wall(way) / wall("build");
        // Each round's ways ran back to back: their ratio drifts less with the machine's load.
        const paired = median(mine.map((s) => s.ms / of("build").find((b) => b.round === s.round)!.ms));
        rows.push(
          `| ${n} | ${cache} | ${way} | ${sec(wall(way))} | ${way === "build" ? "1.00 | 1.00" : `${vsBuild.toFixed(2)} | ${paired.toFixed(2)}`} | ${
            kit === null ? "(none)" : mib(kit)
          } | ${mib(kids)} |`,
        );
        summary.push({
          n,
          cache,
          way,
          wallMs: Math.round(wall(way)),
          vsBuild: Number(vsBuild.toFixed(3)),
          pairedVsBuild: Number(paired.toFixed(3)),
          kitPeakKb: kit,
          buildxPeakKb: kids,
        });
      }
    }
  }
  if (JSON_OUT) console.log(JSON.stringify(summary));
  else {
    say("");
    say(
      `Run of ${
        new Date().toISOString().slice(0, 16).replace("T", " ")
      } UTC on ${runtimeName}; buildx ${caps.buildxVersion}; medians of ${ROUNDS} rounds; load average ${loadBefore} at the start, ${await load()} at the end (1, 5, 15 min).`,
    );
    say("");
    say(
      "| recipes | cache | way | wall time | against build (medians) | against build (median of the rounds' ratios) | buildx-kit process (VmHWM) | buildx processes (peak summed RSS) |",
    );
    say("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const row of rows) say(row);
  }
  return 0;
}

process.exitCode = await main();
