/**
 * The runtime matrix: one smoke suite, spawned under Node (the npm package, packed and installed
 * from its tarball), Deno and Bun (the source, as JSR ships it), whose answers must be identical:
 *
 * - plan: plan() for a fixed set of options and capabilities (test/fixtures/matrix/smoke.mjs);
 * - dry run: `buildx-kit build --dry-run --json ...`;
 * - a real build: build() three times in one process, the same image (same digests) everywhere,
 *   and 1 docker process per build after the first;
 * - a recipe run: `buildx-kit run recipe.json --json`, the same image, and at most 2 docker
 *   processes for the whole CLI run (1 once the buildx version is cached).
 *
 * Docker processes are counted by a `docker` on PATH that logs its arguments and execs the real
 * one. (scripts/bench.ts counts every process with strace.)
 */
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BuildOptions, type Capabilities, plan, UNKNOWN_CAPABILITIES } from "../mod.ts";
import { findExecutable } from "../lib/build/probe.ts";
import { cleanEnv, type Installed, packAndInstall, ROOT } from "./fixtures/matrix/pack.ts";
import { requireEngine } from "./support/engine.ts";

const exec = promisify(execFile);
const FIXTURE = join(ROOT, "test/fixtures/matrix");
const BIN = join(ROOT, "node_modules/.bin");
const engine = await requireEngine();

interface Runtime {
  readonly name: "node" | "deno" | "bun";
  /** `buildx-kit` on this runtime. */
  readonly cli: readonly string[];
  /** Runs smoke.mjs: the command, and what it imports. */
  readonly smoke: readonly string[];
  readonly module: string;
}

let installed: Installed;
let runtimes: Runtime[] = [];
let work: string;
let shimDir: string;
let realDocker: string;

beforeAll(async () => {
  installed = await packAndInstall();
  // smoke.mjs beside the installed package imports it by name, as a user's script would.
  await copyFile(join(FIXTURE, "smoke.mjs"), join(installed.dir, "smoke.mjs"));
  const modTs = pathToFileURL(join(ROOT, "mod.ts")).href;
  runtimes = [
    { name: "node", cli: [installed.bin], smoke: [process.execPath, join(installed.dir, "smoke.mjs")], module: "buildx-kit" },
    {
      name: "deno",
      cli: [join(BIN, "deno"), "run", "-A", "--quiet", join(ROOT, "scripts/cli.ts")],
      smoke: [join(BIN, "deno"), "run", "-A", "--quiet", join(FIXTURE, "smoke.mjs")],
      module: modTs,
    },
    { name: "bun", cli: [join(BIN, "bun"), join(ROOT, "scripts/cli.ts")], smoke: [join(BIN, "bun"), join(FIXTURE, "smoke.mjs")], module: modTs },
  ];
  // A copy of the fixture (the recipe's paths are relative to it) outside this git checkout.
  work = await mkdtemp(join(tmpdir(), "buildx-kit-matrix-"));
  await mkdir(join(work, "ctx"));
  await copyFile(join(FIXTURE, "ctx/Dockerfile"), join(work, "ctx/Dockerfile"));
  await copyFile(join(FIXTURE, "recipe.json"), join(work, "recipe.json"));
  // The counting docker: logs each call's arguments, then becomes the real docker.
  realDocker = (await findExecutable("docker", process.env.PATH)) ?? "docker";
  shimDir = join(work, "shim");
  await mkdir(shimDir);
  await writeFile(join(shimDir, "docker"), `#!/bin/sh\nprintf '%s\\n' "$*" >> "$DOCKER_CALLS"\nexec ${realDocker} "$@"\n`);
  await chmod(join(shimDir, "docker"), 0o755);
}, 600_000);

afterAll(async () => {
  await installed?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function spawnIn(command: readonly string[], args: readonly string[], env: Record<string, string> = {}): Promise<Ran> {
  const [file, ...pre] = command;
  try {
    const { stdout, stderr } = await exec(file!, [...pre, ...args], { cwd: work, env: cleanEnv(env), timeout: 300_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string; message?: string };
    return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr || err.message || "" };
  }
}

/** Runs a step under each runtime and returns the parsed JSON each printed, by runtime. */
async function each(step: (r: Runtime) => Promise<Ran>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const r of runtimes) {
    const ran = await step(r);
    if (ran.code !== 0) throw new Error(`${r.name}: exit ${ran.code}\n${ran.stderr.slice(-2000)}`);
    out[r.name] = JSON.parse(ran.stdout);
  }
  return out;
}

/** A counting-docker environment with an empty probe cache: returns it and a reader of the calls. */
async function counted(label: string): Promise<{ env: Record<string, string>; calls: () => Promise<string[]> }> {
  const log = join(work, `calls-${label}.log`);
  const cache = join(work, `cache-${label}`);
  await rm(cache, { recursive: true, force: true });
  await mkdir(cache);
  await writeFile(log, "");
  return {
    env: { PATH: `${shimDir}:${process.env.PATH}`, DOCKER_CALLS: log, XDG_CACHE_HOME: cache },
    calls: async () => (await readFile(log, "utf8")).split("\n").filter(Boolean).map((l) => l.split(" ").slice(0, 2).join(" ")),
  };
}

/** A CLI result without what legitimately differs per run: timings, the build ref, paths of temp files. */
function stable(result: Record<string, unknown>): Record<string, unknown> {
  const { durationMs: _d, ref: _r, metadata: _m, ...rest } = result;
  return { ...rest, argv: (result.argv as string[]).map((a) => (a.startsWith("--metadata-file=") ? "--metadata-file=<private>" : a)) };
}

describe("the same answers from Node (npm package), Deno and Bun (source)", () => {
  it("plan", async () => {
    const out = await each((r) => spawnIn(r.smoke, [r.module, "plan"]));
    expect(out.deno).toEqual(out.node);
    expect(out.bun).toEqual(out.node);
    const plans = out.node as { ok: boolean; argv: string[]; diagnostics: { code: string }[] }[];
    expect(plans).toHaveLength(6);
    // And the same as plan() here, in vitest's own process.
    const p = plan(
      { push: true, tag: ["localhost:5000/app:1", "localhost:5000/app:latest"], buildArg: { VERSION: "1.2", N: 3 } } as BuildOptions,
      { ...UNKNOWN_CAPABILITIES, buildxVersion: "0.13.1" } as Capabilities,
    );
    expect(plans[1]!.argv).toEqual(p.argv);
    // push: "true" and an upper-case tag: refused, with a diagnostic for each.
    expect(plans[5]!.ok).toBe(false);
    expect(plans[5]!.diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(["invalid-value", "invalid-tag"]));
  });

  it("dry run (buildx-kit build --dry-run --json)", async () => {
    const args = [
      "build",
      "--dry-run",
      "--json",
      "--push",
      "-t",
      "localhost:5000/matrix:1",
      "--platform",
      "linux/amd64,linux/arm64",
      "--build-arg",
      "A=1 2",
      "--cache-to",
      "type=inline",
      "--sbom=true",
      "-f",
      "ctx/Dockerfile",
      "ctx",
    ];
    const out = await each((r) => spawnIn(r.cli, args));
    expect(out.deno).toEqual(out.node);
    expect(out.bun).toEqual(out.node);
    const result = out.node as { dryRun: boolean; argv: string[]; command: string };
    expect(result.dryRun).toBe(true);
    expect(result.argv).toContain("--build-arg=A=1 2");
    expect(result.command).toContain("'--build-arg=A=1 2'");
  });

  describe.skipIf(!engine.ok)("on the real engine", () => {
    it("a real build: build() three times in one process, the same image, 1 docker per build after the first", async () => {
      // Fill the build cache first, so every runtime's builds are the same cached build.
      await spawnIn(runtimes[0]!.smoke, [runtimes[0]!.module, "build", work, "buildx-kit-matrix:api"]);
      const calls: Record<string, string[]> = {};
      const out = await each(async (r) => {
        const c = await counted(`build-${r.name}`);
        const ran = await spawnIn(r.smoke, [r.module, "build", work, "buildx-kit-matrix:api"], c.env);
        calls[r.name] = await c.calls();
        return ran;
      });
      expect(out.deno).toEqual(out.node);
      expect(out.bun).toEqual(out.node);
      const results = out.node as { ok: boolean; digest: string; configDigest: string; imageName: string; argv: string[] }[];
      expect(results.map((r) => r.ok)).toEqual([true, true, true]);
      expect(results[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(results[0]!.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(new Set(results.map((r) => r.configDigest)).size).toBe(1);
      expect(results[0]!.imageName).toBe("docker.io/library/buildx-kit-matrix:api");
      // The probe cache was empty: the first build asks buildx its version; after that, only builds.
      for (const r of runtimes) expect(calls[r.name], r.name).toEqual(["buildx version", "buildx build", "buildx build", "buildx build"]);
    });

    it("a recipe run (buildx-kit run recipe.json --json): the same image, at most 2 docker processes per CLI run", async () => {
      await spawnIn(runtimes[0]!.cli, ["run", "recipe.json"]);
      const calls: Record<string, string[][]> = {};
      const out = await each(async (r) => {
        const c = await counted(`run-${r.name}`);
        const first = await spawnIn(r.cli, ["run", "recipe.json", "--json"], c.env);
        const afterFirst = await c.calls();
        const second = await spawnIn(r.cli, ["run", "recipe.json", "--json"], c.env);
        calls[r.name] = [afterFirst, (await c.calls()).slice(afterFirst.length)];
        if (first.code !== 0) return first;
        const a = JSON.parse(first.stdout) as { result: Record<string, unknown> };
        const b = JSON.parse(second.stdout) as { result: Record<string, unknown> };
        expect(stable(b.result)).toEqual(stable(a.result));
        return { ...first, stdout: JSON.stringify({ ...a, result: stable(a.result), startedAt: null, durationMs: null }) };
      });
      expect(out.deno).toEqual(out.node);
      expect(out.bun).toEqual(out.node);
      const run = out.node as { ok: boolean; name: string; result: { digest: string; configDigest: string; imageName: string; argv: string[] } };
      expect(run.ok).toBe(true);
      expect(run.name).toBe("matrix");
      expect(run.result.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(run.result.imageName).toBe("docker.io/library/buildx-kit-matrix:recipe");
      expect(run.result.argv).toContain("--build-arg=FLAVOUR=recipe");
      for (const r of runtimes) {
        expect(calls[r.name]![0], `${r.name}, empty probe cache`).toEqual(["buildx version", "buildx build"]);
        expect(calls[r.name]![1], `${r.name}, probe cache filled`).toEqual(["buildx build"]);
      }
    });
  });
});
