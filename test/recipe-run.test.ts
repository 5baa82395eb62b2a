/**
 * Rerunning recipes on the real engine: a recipe saved in one folder builds from another (in this
 * process, and from Deno and Bun), its relative paths resolving against its own folder; several
 * recipes build concurrently and each result is reported.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { BuildError } from "../lib/core/errors.ts";
import { makeRecipe, saveRecipe } from "../lib/recipe/recipe.ts";
import { runRecipe, runRecipes } from "../lib/recipe/run.ts";
import { BASE_IMAGE, requireEngine } from "./support/engine.ts";

const exec = promisify(execFile);
const engine = await requireEngine();
const ROOT = resolve(".");
const RERUN = join(ROOT, "test/fixtures/recipes/rerun.ts");

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "recipe-run-"));
  dirs.push(d);
  return d;
}

/**
 * A project folder whose recipe uses every kind of relative path: a Dockerfile in a subfolder, a
 * named build context, a secret file, a local output and a local cache.
 */
async function project(): Promise<{ dir: string; recipe: string }> {
  const dir = await tempDir();
  await mkdir(join(dir, "docker"));
  await mkdir(join(dir, "assets"));
  await writeFile(join(dir, "assets/hello.txt"), "hello from assets\n");
  await writeFile(join(dir, "token.txt"), "s3cr3t\n");
  await writeFile(
    join(dir, "docker/Dockerfile"),
    [
      `FROM ${BASE_IMAGE} AS build`,
      "ARG RUNTIME",
      "COPY --from=assets hello.txt /work/asset.txt",
      'RUN --mount=type=secret,id=token cat /run/secrets/token > /work/secret.txt && echo "$RUNTIME" > /work/runtime.txt',
      "FROM scratch",
      "COPY --from=build /work/ /",
      "",
    ].join("\n"),
  );
  const recipe = join(dir, "recipe.json");
  await saveRecipe(
    recipe,
    makeRecipe({
      context: ".",
      file: "docker/Dockerfile",
      buildContext: { assets: "./assets" },
      secret: "id=token,src=token.txt",
      output: "type=local,dest=out",
      cacheTo: "type=local,dest=.cache",
      buildArg: { RUNTIME: "recipe" },
    }, { name: "paths" }),
  );
  return { dir, recipe };
}

async function outputOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of ["asset.txt", "secret.txt", "runtime.txt"]) out[f] = await readFile(join(dir, "out", f), "utf8");
  return out;
}

describe.skipIf(!engine.ok)("rerunning a recipe from another folder", () => {
  it("in this process: relative paths resolve against the recipe's folder, not the working directory", async () => {
    const { dir, recipe } = await project();
    const before = await readdir(ROOT);
    expect(resolve(process.cwd())).not.toBe(dir);
    const [result] = await runRecipes([relative(process.cwd(), recipe)], { set: ["buildArg.RUNTIME=node"], quiet: true });
    expect(result!.error).toBeNull();
    expect(result!.ok).toBe(true);
    expect(result!.cwd).toBe(dir);
    expect(result!.result!.argv).toContain("--file=docker/Dockerfile");
    expect(await outputOf(dir)).toEqual({ "asset.txt": "hello from assets\n", "secret.txt": "s3cr3t\n", "runtime.txt": "node\n" });
    expect(await readdir(join(dir, ".cache"))).toContain("index.json");
    expect(await readdir(ROOT)).toEqual(before); // nothing landed in the working directory
  });

  for (const runtime of ["deno", "bun"] as const) {
    it(`from ${runtime}, started in an unrelated folder`, async () => {
      const { dir, recipe } = await project();
      const elsewhere = await tempDir();
      const bin = join(ROOT, "node_modules/.bin", runtime);
      const args = runtime === "deno" ? ["run", "-A", RERUN] : [RERUN];
      const { stdout } = await exec(bin, [...args, relative(elsewhere, recipe), "--set", `buildArg.RUNTIME=${runtime}`], {
        cwd: elsewhere,
        timeout: 120_000,
        env: { ...process.env, NO_COLOR: "1" },
      });
      const report = JSON.parse(stdout) as { cwd: string; results: { ok: boolean; cwd: string; error: unknown }[] };
      expect(report.cwd).toBe(elsewhere);
      expect(report.results).toMatchObject([{ ok: true, cwd: dir, error: null }]);
      expect(await outputOf(dir)).toEqual({ "asset.txt": "hello from assets\n", "secret.txt": "s3cr3t\n", "runtime.txt": `${runtime}\n` });
      expect(await readdir(elsewhere)).toEqual([]);
    });
  }
});

/** A recipe folder whose build takes about `seconds` of RUN time and writes a local output. */
async function slowRecipe(name: string, seconds: number, extra: Record<string, unknown> = {}): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, "Dockerfile"), `FROM ${BASE_IMAGE}\nARG N\nRUN sleep ${seconds} && echo "$N" > /n.txt\n`);
  const path = join(dir, `${name}.json`);
  await saveRecipe(path, makeRecipe({ output: "type=local,dest=out", noCache: true, buildArg: { N: name }, ...extra }, { name }));
  return path;
}

describe.skipIf(!engine.ok)("several recipes in one call", () => {
  it("build concurrently, each reported with its own result", async () => {
    const paths = await Promise.all(["one", "two", "three"].map((n) => slowRecipe(n, 3)));
    const started = performance.now();
    const results = await runRecipes(paths, { quiet: true });
    const wall = performance.now() - started;
    expect(results.map((r) => [r.name, r.ok])).toEqual([["one", true], ["two", true], ["three", true]]);
    // They overlapped: every build started before any finished.
    expect(Math.max(...results.map((r) => r.startedAt))).toBeLessThan(Math.min(...results.map((r) => r.finishedAt)));
    const slowest = Math.max(...results.map((r) => r.result!.durationMs));
    expect(wall).toBeLessThan(1.5 * slowest + 1000);
  });

  it("a failed build is a result with its error; the others still build", async () => {
    const good = await slowRecipe("good", 0);
    const dir = await tempDir();
    await writeFile(join(dir, "Dockerfile"), `FROM ${BASE_IMAGE}\nRUN echo about to fail && exit 3\n`);
    await saveRecipe(join(dir, "bad.json"), makeRecipe({ output: "type=local,dest=out" }, { name: "bad" }));
    const results = await runRecipes([good, join(dir, "bad.json")], { quiet: true });
    expect(results[0]).toMatchObject({ name: "good", ok: true, error: null });
    expect(results[1]).toMatchObject({ name: "bad", ok: false, result: null });
    expect(results[1]!.error).toBeInstanceOf(BuildError);
    expect((results[1]!.error as BuildError).exitCode).toBe(1);
    expect((results[1]!.error as BuildError).errorLines.join("\n")).toContain("exit code: 3");
    // runRecipe throws it.
    await expect(runRecipe(join(dir, "bad.json"), { quiet: true })).rejects.toBeInstanceOf(BuildError);
  });

  it("recipes writing the same place build one after the other", async () => {
    const shared = await tempDir();
    const a = await slowRecipe("a", 1, { output: `type=local,dest=${shared}` });
    const b = await slowRecipe("b", 1, { output: `type=local,dest=${shared}` });
    const [ra, rb] = await runRecipes([a, b], { quiet: true });
    expect(ra!.ok && rb!.ok).toBe(true);
    expect(rb!.startedAt).toBeGreaterThanOrEqual(ra!.finishedAt);
    expect(await readFile(join(shared, "n.txt"), "utf8")).toBe("b\n");
  });
});

describe("dry runs (no engine needed)", () => {
  it("show the command and the folder it would run in", async () => {
    const dir = await tempDir();
    await saveRecipe(join(dir, "r.json"), makeRecipe({ context: "app", tag: "app:1" }, { name: "r" }));
    const [r] = await runRecipes([join(dir, "r.json")], { dryRun: true, offline: true, set: ["tag=app:2", "platform=linux/arm64"] });
    expect(r).toMatchObject({ name: "r", cwd: dir, ok: true });
    expect(r!.result!.argv).toEqual(["docker", "buildx", "build", "--load", "--platform=linux/arm64", "--progress=plain", "--tag=app:2", "app"]);
    expect(r!.result!.command).toBe(`cd ${dir} && docker buildx build --load --platform=linux/arm64 --progress=plain --tag=app:2 app`);
    expect(await readdir(dir)).toEqual(["r.json"]);
  });

  it("a recipe object runs in the given folder", async () => {
    const somewhere = await tempDir();
    const result = await runRecipe(makeRecipe({ tag: "x:1" }, { name: "obj", builder: "default" }), { dryRun: true, offline: true, cwd: somewhere });
    expect(result.argv).toEqual(["docker", "buildx", "build", "--builder=default", "--load", "--progress=plain", "--tag=x:1", "."]);
    expect(result.cwd).toBe(somewhere);
    // A folder that is not there: the dry run says so, as the real run would.
    await expect(runRecipe(makeRecipe({ tag: "x:1" }, { name: "obj" }), { dryRun: true, offline: true, cwd: "/nowhere-at-all" }))
      .rejects.toThrow("the working directory /nowhere-at-all does not exist");
  });
});
