/**
 * Time to the guide's first question, on Node (the compiled command), Deno and Bun (the source),
 * at a real terminal (util-linux `script` gives each run a pty): from the spawn to the first
 * `? ` the guide draws. The baseline is what the same runtime needs to start and print a line at
 * that terminal (its floor), so the ratio is what the guide adds; the probe of the machine runs
 * while the first question is on screen, so it is not in the figure.
 *
 *   bun scripts/bench-guide.ts [--runs N]    (default 15; needs the engine: bash scripts/engine.sh up)
 *
 * Prints a Markdown table; BENCHMARKS.md holds the figures of a run.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "node_modules/.bin");
const at = process.argv.indexOf("--runs");
const RUNS = at > 0 ? Number(process.argv[at + 1]) : 15;

/** Milliseconds from the spawn until `marker` appears on the terminal (the command is then killed). */
function timeTo(command: string, marker: RegExp, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      cwd,
      stdio: ["pipe", "pipe", "ignore"],
      env: { ...process.env, TERM: "xterm", NO_COLOR: "1" },
    });
    let seen = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no ${marker} within 30 s from: ${command}\n${seen.slice(-500)}`));
    }, 30_000);
    child.stdout.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (marker.test(seen)) {
        const ms = performance.now() - started;
        clearTimeout(timer);
        child.kill("SIGKILL");
        resolve(ms);
      }
    });
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const project = await mkdtemp(join(os.tmpdir(), "buildx-kit-bench-guide-"));
await writeFile(join(project, "Dockerfile"), "FROM scratch\nCOPY Dockerfile /\n");
const floor = join(project, "floor.mjs");
await writeFile(floor, 'console.log("? ready"); setTimeout(() => {}, 60_000);\n');

const runtimes = [
  { name: "Node", guide: `node ${join(ROOT, "dist/cli/scripts/cli.js")} guide`, floor: `node ${floor}` },
  { name: "Deno", guide: `${join(BIN, "deno")} run -A ${join(ROOT, "scripts/cli.ts")} guide`, floor: `${join(BIN, "deno")} run -A ${floor}` },
  { name: "Bun", guide: `${join(BIN, "bun")} ${join(ROOT, "scripts/cli.ts")} guide`, floor: `${join(BIN, "bun")} ${floor}` },
];
// A prompt line (its "? " starts the line), not a "?" inside the guide's own lines ("Answer ? to ...").
const question = /(^|\n)\? \S/;

console.log(`| runtime | first question (median of ${RUNS}) | the runtime alone | ratio |`);
console.log("| --- | --- | --- | --- |");
try {
  for (const rt of runtimes) {
    // One run each first: the runtime's own caches (Deno's, the buildx version cache) are warm, as for a user.
    await timeTo(rt.guide, question, project);
    await timeTo(rt.floor, question, project);
    const guide: number[] = [];
    const alone: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternated, so a busy moment of the machine weighs on both.
      guide.push(await timeTo(rt.guide, question, project));
      alone.push(await timeTo(rt.floor, question, project));
    }
    const g = median(guide);
    const f = median(alone);
    console.log(`| ${rt.name} | ${g.toFixed(0)} ms | ${f.toFixed(0)} ms | ${(g / f).toFixed(2)} |`);
  }
} finally {
  await rm(project, { recursive: true, force: true });
}
