/**
 * Processes and signals (issue 14, hardening), on Node (dist/), Deno and Bun (the source):
 *
 * - a script running build() that is SIGKILLed takes its build with it: buildx is gone within
 *   seconds, nothing is pushed, no temp folder is left (the supervisor in lib/runtime/spawn.ts);
 * - `buildx-kit run` and runRecipes interrupted by SIGINT or SIGTERM start no further recipe and
 *   leave no temp folder;
 * - the probe's time limit holds for a hung tool's whole process tree, and the hang is reported;
 * - more than ten builds at once print no MaxListenersExceededWarning.
 */
import { spawn } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanUp, fakeDocker, nonce, processes, ROOT, tempDir, waitFor } from "./fixtures/build/support.ts";
import { fakePath } from "./fixtures/cli/support.ts";
import { BASE_IMAGE, requireEngine } from "./support/engine.ts";

const engine = await requireEngine();
afterAll(cleanUp);

type Runtime = "node" | "deno" | "bun";
const BIN = join(ROOT, "node_modules/.bin");
const FIXTURES = join(ROOT, "test/fixtures/signals");

/** `SCRIPT ARGS...` on a runtime, importing the library as a user would there: Node the compiled dist/, Deno and Bun the source. */
function scriptOn(runtime: Runtime, script: string, args: readonly string[]): string[] {
  const fixture = join(FIXTURES, script);
  // The entry a user imports for the task: recipes from buildx-kit/recipes, builds from buildx-kit.
  const entry = script === "recipes.ts" ? "lib/recipe/mod" : "mod";
  if (runtime === "deno") return [join(BIN, "deno"), "run", "-A", "--quiet", fixture, join(ROOT, `${entry}.ts`), ...args];
  if (runtime === "bun") return [join(BIN, "bun"), fixture, join(ROOT, `${entry}.ts`), ...args];
  // Node 20 runs no .ts: the same script, its types stripped, inline.
  return [process.execPath, "--input-type=module", "-e", nodeScript(script), "--", join(ROOT, `dist/${entry}.js`), ...args];
}

/** The fixtures as Node runs them (`node -e SCRIPT -- ARGS`: the arguments start at argv[1]). */
const NODE_SCRIPTS: Record<string, string> = {
  "killed.ts": `const [mod, context, tag, nonce] = process.argv.slice(1);
const { build } = await import(mod);
console.log("STARTED");
try { await build({ context, tag: [tag], push: true, buildArg: { NONCE: nonce } }, { log: () => {} }); console.log("FINISHED"); }
catch (e) { console.log("FAILED " + e.message.split("\\n")[0]); }`,
  "recipes.ts": `const [mod, listen, ...recipes] = process.argv.slice(1);
const { runRecipes, runResultJson } = await import(mod);
if (listen === "listen") for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => console.error("script got " + s));
console.log("STARTED");
const results = await runRecipes(recipes, { quiet: true, concurrency: 1 });
console.log(JSON.stringify(results.map(runResultJson)));`,
  "many.ts": `const [mod, docker, count] = process.argv.slice(1);
const { build, UNKNOWN_CAPABILITIES } = await import(mod);
const capabilities = { ...UNKNOWN_CAPABILITIES, buildxVersion: "0.13.1", buildxVersionText: "fake", buildxCommand: [docker, "buildx"], engineVersion: "26.1.5", driver: "docker", containerdImageStore: true };
const controller = new AbortController();
const results = await Promise.all(Array.from({ length: Number(count) }, (_, i) =>
  build({ context: ".", tag: ["many:" + i] }, { capabilities, signal: controller.signal, log: () => {}, stdout: "ignore" })));
console.log("DONE " + results.filter((r) => r.ok).length);`,
};

function nodeScript(script: string): string {
  return NODE_SCRIPTS[script]!;
}

/** A process of the test's own (its own group, as at a terminal), TMPDIR pointed at `tmp`. */
function start(argv: readonly string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal }))
  );
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // gone
      }
    }
  };
  return { child, out, exited, stop };
}

/** The processes whose command line holds `marker` (buildx, its supervisor's watcher). */
async function holding(marker: string): Promise<string[]> {
  return (await processes()).filter((p) => p.args.includes(marker) && !/\bps -eo\b/.test(p.args)).map((p) => `${p.pid} ${p.args}`);
}

/** The tags the registry holds for `name` (none: the repository is unknown). */
async function registryTags(name: string): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:5000/v2/${name}/tags/list`);
  if (!res.ok) return [];
  return ((await res.json()) as { tags?: string[] | null }).tags ?? [];
}

/** A context whose build takes a few seconds in RUN (NONCE keeps it from the cache). */
async function slowContext(seconds: number): Promise<string> {
  const dir = await tempDir("slow");
  await writeFile(join(dir, "Dockerfile"), `FROM ${BASE_IMAGE}\nARG NONCE\nRUN echo "$NONCE" > /nonce && sleep ${seconds} && echo done > /done\n`);
  return dir;
}

describe.skipIf(!engine.ok)("a script running build() killed with SIGKILL (real engine and registry)", () => {
  it.each(["node", "deno", "bun"] as const)("on %s: buildx goes within seconds, nothing is pushed, no temp folder is left", async (runtime) => {
    const id = nonce();
    const name = `buildx-kit-test/killed-${runtime}-${id}`;
    const tag = `localhost:5000/${name}:1`;
    const tmp = await tempDir("killed-tmpdir");
    const run = start(scriptOn(runtime, "killed.ts", [await slowContext(5), tag, id]), { TMPDIR: tmp });
    try {
      // buildx has started: its process is there, with this build's argument.
      expect(await waitFor(async () => (await holding(`NONCE=${id}`)).some((p) => p.includes("docker-buildx")), 60_000), run.out.stderr).toBe(true);
      expect((await readdir(tmp)).filter((f) => f.startsWith("buildx-kit-"))).toHaveLength(1);
      process.kill(run.child.pid!, "SIGKILL");
      const killedAt = Date.now();
      expect((await run.exited).signal).toBe("SIGKILL");
      expect(await waitFor(async () => (await holding(`NONCE=${id}`)).length === 0, 5_000), (await holding(`NONCE=${id}`)).join("\n")).toBe(true);
      expect(Date.now() - killedAt).toBeLessThan(5_000);
      // Long enough for the RUN step and the push, had buildx gone on.
      await new Promise((r) => setTimeout(r, 9_000));
      expect(await registryTags(name)).toEqual([]);
      expect(await readdir(tmp)).toEqual([]);
      expect(run.out.stdout).toBe("STARTED\n");
    } finally {
      run.stop();
    }
  }, 120_000);
});

/** Recipes that write the same output folder, so they run one after the other, each sleeping in RUN. */
async function chainedRecipes(id: string, names: readonly string[], seconds: number): Promise<{ dir: string; paths: string[] }> {
  const dir = await tempDir("chain");
  const paths: string[] = [];
  for (const n of names) {
    await mkdir(join(dir, n));
    await writeFile(join(dir, n, "Dockerfile"), `FROM ${BASE_IMAGE}\nARG N\nRUN echo "$N" > /n.txt && sleep ${seconds}\n`);
    const path = join(dir, n, `${n}.json`);
    await writeFile(
      path,
      JSON.stringify({ recipe: 1, name: n, options: { output: `type=local,dest=${join(dir, "out")}`, noCache: true, buildArg: { N: `${n}-${id}` } } }),
    );
    paths.push(path);
  }
  return { dir, paths };
}

describe.skipIf(!engine.ok)("several recipes interrupted (real engine)", () => {
  it.each(
    [
      ["node", "SIGINT", 130],
      ["node", "SIGTERM", 143],
      ["deno", "SIGINT", 130],
      ["bun", "SIGTERM", 143],
    ] as const,
  )("buildx-kit run on %s, %s during the first: dies of it (%i), the second never starts, no temp folder is left", async (runtime, sig, status) => {
    const id = nonce();
    const { paths } = await chainedRecipes(id, ["one", "two", "three"], 20);
    const tmp = await tempDir("run-tmpdir");
    const cli = runtime === "node"
      ? [process.execPath, join(ROOT, "dist/cli/scripts/cli.js")]
      : runtime === "deno"
      ? [join(BIN, "deno"), "run", "-A", join(ROOT, "scripts/cli.ts")]
      : [join(BIN, "bun"), join(ROOT, "scripts/cli.ts")];
    const run = start([...cli, "run", ...paths], { TMPDIR: tmp, NO_COLOR: "1" });
    try {
      expect(await waitFor(async () => (await holding(`N=one-${id}`)).some((p) => p.includes("docker-buildx")), 60_000), run.out.stderr).toBe(true);
      // As at a terminal: the signal goes to the CLI's group (buildx has a group of its own).
      process.kill(-run.child.pid!, sig);
      // Meanwhile, nothing else is started.
      const seen: string[] = [];
      const watching = (async () => {
        for (let i = 0; i < 20 && run.child.exitCode === null && run.child.signalCode === null; i++) {
          seen.push(...(await holding(`N=two-${id}`)), ...(await holding(`N=three-${id}`)));
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const { code, signal } = await run.exited;
      await watching;
      expect(signal === sig || code === status, `code ${code}, signal ${signal}, stderr: ${run.out.stderr}`).toBe(true);
      expect(seen).toEqual([]);
      expect(await waitFor(async () => (await holding(id)).length === 0, 15_000)).toBe(true);
      // Nothing started after it, even late.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await holding(id)).toEqual([]);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      run.stop();
    }
  }, 120_000);

  it.each(["node", "bun"] as const)("runRecipes on %s, with the script listening for SIGINT: the results say the others were not run", async (runtime) => {
    const id = nonce();
    const { paths } = await chainedRecipes(id, ["one", "two"], 20);
    const tmp = await tempDir("recipes-tmpdir");
    const run = start(scriptOn(runtime, "recipes.ts", ["listen", ...paths]), { TMPDIR: tmp });
    try {
      expect(await waitFor(async () => (await holding(`N=one-${id}`)).some((p) => p.includes("docker-buildx")), 60_000), run.out.stderr).toBe(true);
      process.kill(run.child.pid!, "SIGINT");
      const { code } = await run.exited;
      expect(code, run.out.stderr).toBe(0);
      const results = JSON.parse(run.out.stdout.split("\n").find((l) => l.startsWith("["))!) as {
        name: string;
        ok: boolean;
        ran: boolean;
        error: { interrupted: boolean; message: string; signal: string };
      }[];
      expect(results.map((r) => [r.name, r.ok, r.ran, r.error.interrupted, r.error.signal])).toEqual([
        ["one", false, true, true, "SIGINT"],
        ["two", false, false, true, "SIGINT"],
      ]);
      expect(results[1]!.error.message.split("\n")[0]).toBe("docker buildx build not run: interrupted by SIGINT before it started");
      expect(await holding(id)).toEqual([]);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      run.stop();
    }
  }, 120_000);
});

describe("the probe's time limit holds for the whole process tree (a fake docker)", () => {
  it.each(["node", "deno"] as const)(
    "doctor on %s with a buildx version that hangs with a grandchild: finishes within the limit, reports the hang, leaves no sleep",
    async (runtime) => {
      const nap = 1000 + Math.floor(Math.random() * 8000);
      const env = await fakePath(`case "$1 $2" in
  "buildx version") /bin/sleep ${nap}; echo never ;;
  "buildx inspect") printf 'Name: default\\nDriver: docker\\n\\nNodes:\\nName: default\\nStatus: running\\nPlatforms: linux/amd64\\n' ;;
  "info "*) echo '{"ServerVersion":"26.1.5","DriverStatus":[["driver-type","io.containerd.snapshotter.v1"]]}' ;;
  *) exit 99 ;;
esac`);
      const limit = 2_000;
      const cli = runtime === "node"
        ? [process.execPath, join(ROOT, "dist/cli/scripts/cli.js")]
        : [join(BIN, "deno"), "run", "-A", join(ROOT, "scripts/cli.ts")];
      const started = Date.now();
      const run = start([...cli, "doctor", "--json"], { ...env, DOCKER_HOST: "tcp://127.0.0.1:1", BUILDX_KIT_PROBE_TIMEOUT_MS: String(limit), NO_COLOR: "1" });
      try {
        const { code } = await run.exited;
        const took = Date.now() - started;
        expect(took).toBeLessThan(2 * limit);
        expect(code).toBe(1);
        const caps = JSON.parse(run.out.stdout) as { problems: { code: string; message: string }[] };
        expect(caps.problems).toEqual([{
          code: "probe-timeout",
          message:
            "docker buildx version did not answer within 2 s: stopped it and everything it started (a hung docker or buildx; BUILDX_KIT_PROBE_TIMEOUT_MS sets the limit)",
        }]);
        expect(await waitFor(async () => !(await processes()).some((p) => p.args.trim().endsWith(`sleep ${nap}`)), 2_000)).toBe(true);
      } finally {
        run.stop();
      }
    },
    60_000,
  );
});

describe("more than ten builds at once (a fake docker)", () => {
  it.each(["node", "bun"] as const)("on %s: twelve builds sharing an AbortSignal print no MaxListenersExceededWarning", async (runtime) => {
    const fake = await fakeDocker("exit 0");
    const run = start(scriptOn(runtime, "many.ts", [fake.docker, "12"]));
    try {
      const { code } = await run.exited;
      expect(code, run.out.stderr).toBe(0);
      expect(run.out.stdout).toBe("DONE 12\n");
      expect(run.out.stderr).not.toMatch(/MaxListenersExceeded|memory leak/);
      expect(run.out.stderr).toBe("");
    } finally {
      run.stop();
    }
  }, 60_000);
});
