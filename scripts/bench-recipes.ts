/**
 * Benchmark: do several recipes in one call really build concurrently? Three independent recipes
 * (each: a RUN that sleeps and hashes, no cache, the image loaded under its own tag) are built one
 * at a time, then all three with one `runRecipes` call. The goal: the three together finish within
 * 1.5x of the slowest alone. Exits 1 when the median round misses it.
 *
 *   npx bun scripts/bench-recipes.ts [--rounds 3] [--sleep 2] [--json]
 *   npx deno run -A scripts/bench-recipes.ts
 *
 * Needs the project's engine (bash scripts/engine.sh up). Node 20 cannot run .ts files directly.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { $ } from "zx";
import { probe } from "../lib/build/probe.ts";
import { makeRecipe, saveRecipe } from "../lib/recipe/recipe.ts";
import { runRecipe, runRecipes } from "../lib/recipe/run.ts";

const GOAL = 1.5;
const NAMES = ["alpha", "beta", "gamma"];

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} expects a positive number`);
  return value;
}

const rounds = option("rounds", 3);
const sleep = option("sleep", 2);
const json = process.argv.includes("--json");
const say = (line: string) => {
  if (!json) console.log(line);
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

async function main(): Promise<number> {
  const caps = await probe();
  if (caps.problems.length) {
    console.error(`no engine: ${caps.problems.map((p) => p.message).join("; ")} (bash scripts/engine.sh up)`);
    return 2;
  }
  const root = await mkdtemp(join(tmpdir(), "bench-recipes-"));
  try {
    const paths: string[] = [];
    for (const name of NAMES) {
      const dir = join(root, name);
      await mkdir(dir);
      await writeFile(
        join(dir, "Dockerfile"),
        [
          "FROM local/busybox:1",
          "ARG N",
          `RUN sleep ${sleep} && dd if=/dev/zero bs=1M count=64 2>/dev/null | md5sum > /sum && echo "$N" > /n`,
          "",
        ].join("\n"),
      );
      const path = join(dir, "recipe.json");
      await saveRecipe(path, makeRecipe({ tag: `bench-recipes-${name}:latest`, noCache: true, buildArg: { N: name } }, { name, capabilities: caps }));
      paths.push(path);
    }
    const run = { quiet: true, capabilities: caps } as const;

    say(
      `buildx ${caps.buildxVersion ?? "?"}, driver ${
        caps.driver ?? "?"
      }; ${rounds} rounds of ${NAMES.length} recipes (RUN sleep ${sleep} + hashing 64 MiB, no cache)`,
    );
    // Warm up: the base image, the frontend, the builder's first session.
    await runRecipes(paths, run);

    const table: { alone: number[]; slowest: number; together: number; ratio: number }[] = [];
    for (let round = 1; round <= rounds; round++) {
      const alone: number[] = [];
      for (const path of paths) {
        const started = performance.now();
        await runRecipe(path, run);
        alone.push(performance.now() - started);
      }
      const started = performance.now();
      const results = await runRecipes(paths, run);
      const together = performance.now() - started;
      const failed = results.filter((r) => !r.ok);
      if (failed.length) throw new Error(`${failed.map((r) => r.name).join(", ")} failed: ${failed[0]!.error?.message}`);
      const slowest = Math.max(...alone);
      table.push({ alone, slowest, together, ratio: together / slowest });
      say(
        `round ${round}: alone ${alone.map(seconds).join(" / ")} (slowest ${seconds(slowest)}), together ${seconds(together)}: ${
          (together / slowest).toFixed(2)
        }x`,
      );
    }
    const ratio = median(table.map((r) => r.ratio));
    const summary = {
      rounds,
      sleep,
      goal: GOAL,
      medianRatio: Number(ratio.toFixed(3)),
      medianSlowestAloneMs: Math.round(median(table.map((r) => r.slowest))),
      medianTogetherMs: Math.round(median(table.map((r) => r.together))),
      sequentialSumMs: Math.round(median(table.map((r) => r.alone.reduce((a, b) => a + b, 0)))),
      ok: ratio <= GOAL,
    };
    if (json) console.log(JSON.stringify(summary));
    else {
      say(
        `median: together ${seconds(summary.medianTogetherMs)} vs slowest alone ${seconds(summary.medianSlowestAloneMs)} ` +
          `(one after another: ${seconds(summary.sequentialSumMs)}): ${ratio.toFixed(2)}x, goal <= ${GOAL}x: ${summary.ok ? "met" : "MISSED"}`,
      );
    }
    return summary.ok ? 0 : 1;
  } finally {
    await rm(root, { recursive: true, force: true });
    for (const name of NAMES) {
      await $({ quiet: true, nothrow: true })`docker image rm -f ${`bench-recipes-${name}:latest`}`;
    }
  }
}

process.exitCode = await main();
