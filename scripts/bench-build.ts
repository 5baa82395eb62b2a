/**
 * How much build() costs on top of running buildx yourself: a fully cached build through build()
 * (in a process that has already probed) against the very same argv run by a plain zx call,
 * alternating, and the ratio of the median wall times. Target: <= 1.05.
 *
 *   npx bun scripts/bench-build.ts [--runs 30] [--warmup 3]
 *   npx deno run -A scripts/bench-build.ts
 *
 * Needs the engine (bash scripts/engine.sh up). Builds test/fixtures/build/image (FROM
 * local/busybox:1, one RUN step), tags it buildx-kit-bench:latest and loads it; the same tag
 * every time, so after the warm-up every step is cached and only the export to the image store
 * and buildx itself are left. The metadata file is given explicitly so that the argv contains no
 * temp path and zx can run it as is; progress is plain (what build() uses when not at a terminal),
 * with build()'s lines going to a no-op log.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { $ } from "zx";
import { build, probe } from "../mod.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} takes a positive whole number`);
  return v;
}

const RUNS = arg("runs", 30);
const WARMUP = arg("warmup", 3);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CONTEXT = join(ROOT, "test/fixtures/build/image");
const TAG = "buildx-kit-bench:latest";

function runtime(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  return `node ${process.version}`;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function fmt(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}

const caps = await probe();
if (caps.problems.length) {
  console.error(`the engine is not ready: ${caps.problems.map((p) => p.message).join("; ")}\nrun: bash scripts/engine.sh up`);
  process.exit(1);
}

const scratch = await mkdtemp(join(os.tmpdir(), "buildx-kit-bench-"));
try {
  const options = {
    context: CONTEXT,
    tag: [TAG],
    buildArg: { GREETING: "bench", NONCE: "bench" },
    progress: "plain",
    metadataFile: join(scratch, "metadata.json"),
  };
  const quietLog = () => {};
  const inside: number[] = []; // build()'s wall time minus buildx's own (spawn to exit)
  const viaBuild = async () => {
    const t0 = performance.now();
    const r = await build(options, { log: quietLog });
    inside.push(performance.now() - t0 - r.durationMs);
  };

  // Warm-up: fills the cache, and gives the argv to hand to zx.
  const lines: string[] = [];
  const first = await build(options, { log: (l) => lines.push(l) });
  const argv = [...first.argv];
  for (let i = 1; i < WARMUP; i++) await viaBuild();
  const check: string[] = [];
  await build(options, { log: (l) => check.push(l) });
  if (!check.some((l) => /^#\d+ CACHED$/.test(l))) {
    console.error(`the build is not cached after the warm-up:\n${check.join("\n")}`);
    process.exit(1);
  }
  const viaZx = async () => {
    await $({ quiet: true, verbose: false })`${argv}`;
  };
  await viaZx();

  const times = { build: [] as number[], zx: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    // Alternate which goes first, so neither always follows the other.
    const order = i % 2 === 0 ? (["build", "zx"] as const) : (["zx", "build"] as const);
    for (const which of order) {
      const t0 = performance.now();
      await (which === "build" ? viaBuild() : viaZx());
      times[which].push(performance.now() - t0);
    }
  }

  const mb = median(times.build);
  const mz = median(times.zx);
  const ratio = mb / mz;
  // The machine's load drifts over a run (other builds share the engine); each pair ran back to
  // back, so the median of the pairs' ratios is the steadier figure.
  const paired = median(times.build.map((b, i) => b / times.zx[i]!));
  const own = median(inside.slice(-RUNS));
  const cpus = os.cpus();
  console.log(`buildx-kit bench: fully cached build, ${RUNS} runs each after ${WARMUP} warm-up, alternating`);
  console.log(`machine:   ${cpus.length} x ${cpus[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`);
  console.log(`load:      ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} (1, 5, 15 min averages, at the end)`);
  console.log(`runtime:   ${runtime()}`);
  console.log(`engine:    docker ${caps.engineVersion}, buildx ${caps.buildxVersion} (${caps.driver ?? "?"} driver, containerd store: ${caps.containerdImageStore})`);
  console.log(`argv:      ${argv.join(" ")}`);
  console.log(`build():   median ${fmt(mb)}  (min ${fmt(Math.min(...times.build))}, max ${fmt(Math.max(...times.build))})`);
  console.log(`zx $:      median ${fmt(mz)}  (min ${fmt(Math.min(...times.zx))}, max ${fmt(Math.max(...times.zx))})`);
  const minRatio = Math.min(...times.build) / Math.min(...times.zx);
  console.log(`ratio:     ${ratio.toFixed(3)} of the medians; ${paired.toFixed(3)} median of the pairs; ${minRatio.toFixed(3)} of the minimums`);
  console.log(`verdict:   ${paired <= 1.05 ? "ok" : "OVER TARGET"} (target <= 1.05, judged on the pairs: the medians drift with the machine's load)`);
  console.log(`build() outside buildx (plan, temp folder, metadata): median ${fmt(own)}`);
  if (process.argv.includes("--json")) console.log(JSON.stringify({ runtime: runtime(), runs: RUNS, build: times.build, zx: times.zx, inside: inside.slice(-RUNS), ratio, paired, minRatio }));
} finally {
  await rm(scratch, { recursive: true, force: true });
}
