/**
 * The packages as users meet them.
 *
 * JSR: `deno check`, `deno lint` and `deno publish --dry-run` pass, the last one with its check for
 * slow types (every export of mod.ts, and what it reaches, explicitly typed).
 *
 * npm: `npm pack` makes a tarball with the compiled JS, the .d.ts types, `exports` with types
 * first, the `buildx-kit` bin, README, LICENSE and the recipe schema; installed into an empty
 * folder, `npx buildx-kit doctor` and a dry run work, a TypeScript consumer type-checks against
 * it, and `import "buildx-kit"` does not load @inquirer/prompts (the guide loads it when it runs).
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, type Installed, packAndInstall, ROOT } from "./fixtures/matrix/pack.ts";
import { requireEngine } from "./support/engine.ts";

const exec = promisify(execFile);
const DENO = join(ROOT, "node_modules/.bin/deno");

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to the end; never throws for a non-zero exit. */
async function run(file: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<Ran> {
  try {
    const { stdout, stderr } = await exec(file, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), timeout: options.timeout ?? 180_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; message?: string };
    return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr || err.message || "" };
  }
}

describe("JSR (deno.json)", () => {
  it("names the package, its version and both entry points", async () => {
    const deno = JSON.parse(await readFile(join(ROOT, "deno.json"), "utf8"));
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
    expect(deno.name).toBe("@buildx-kit/buildx-kit");
    expect(deno.version).toBe(pkg.version);
    expect(deno.exports).toEqual({
      ".": "./mod.ts",
      "./core": "./lib/core/mod.ts",
      "./recipes": "./lib/recipe/mod.ts",
      "./guide": "./lib/guide/mod.ts",
      "./cli": "./scripts/cli.ts",
    });
    // Every dependency of the npm package is an npm: import for Deno, at the same range.
    for (const [name, range] of Object.entries(pkg.dependencies as Record<string, string>)) {
      expect(deno.imports[name]).toBe(`npm:${name}@${range}`);
    }
  });

  it("passes deno check for both entry points", async () => {
    const r = await run(DENO, ["check", "--quiet", "mod.ts", "lib/core/mod.ts", "lib/recipe/mod.ts", "lib/guide/mod.ts", "scripts/cli.ts"], { cwd: ROOT });
    expect(r).toMatchObject({ code: 0, stderr: "" });
  });

  it("passes deno lint", async () => {
    const r = await run(DENO, ["lint"], { cwd: ROOT });
    expect(r.stderr + r.stdout).not.toMatch(/error\[/);
    expect(r.code).toBe(0);
  });

  it("passes deno publish --dry-run, slow types included", async () => {
    const r = await run(DENO, ["publish", "--dry-run", "--allow-dirty"], { cwd: ROOT });
    const text = r.stdout + r.stderr;
    expect(text).toContain("Checking for slow types in the public API");
    // A slow type is reported as error[missing-explicit-type] (or -return-type) and the like.
    expect(text).not.toMatch(/error\[|warning\[|missing-explicit/i);
    expect(text).toContain("Success Dry run complete");
    // What a Deno user gets: the source, the CLI entry, the schema, README and LICENSE; no tests.
    for (const file of ["mod.ts", "lib/build/run.ts", "scripts/cli.ts", "README.md", "LICENSE"]) expect(text).toContain(`/${file} (`);
    expect(text).not.toMatch(/\/test\//);
    expect(r.code).toBe(0);
  });
});

describe("npm (package.json, npm pack)", () => {
  let installed: Installed;
  beforeAll(async () => {
    installed = await packAndInstall();
  }, 600_000);
  afterAll(async () => {
    await installed?.remove();
  });

  it("packs the compiled JS, its types, README, LICENSE and the schema, and no sources or tests", () => {
    const files = installed.pack.files.map((f) => f.path).sort();
    for (
      const f of [
        "package.json",
        "README.md",
        "LICENSE",
        "dist/mod.js",
        "dist/mod.d.ts",
        "dist/cli/package.json",
        "dist/cli/scripts/cli.js",
        "dist/lib/build/run.js",
        "dist/lib/build/run.d.ts",
        "dist/lib/guide/flow.js",
        "dist/lib/core/mod.js",
        "dist/lib/recipe/mod.d.ts",
        "schema/recipe.schema.json",
      ]
    ) {
      expect(files).toContain(f);
    }
    // Every module of the library has its declarations beside it; the command (dist/cli/) needs none.
    for (const js of files.filter((f) => f.startsWith("dist/") && !f.startsWith("dist/cli/") && f.endsWith(".js"))) {
      expect(files).toContain(js.replace(/\.js$/, ".d.ts"));
    }
    expect(files.filter((f) => f.startsWith("dist/cli/") && f.endsWith(".d.ts"))).toEqual([]);
    expect(files.filter((f) => /^(test|lib|scripts)\//.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts")))).toEqual([]);
  });

  it("declares exports with types first, and the bin", async () => {
    const pkg = JSON.parse(await readFile(join(installed.dir, "node_modules/buildx-kit/package.json"), "utf8"));
    expect(Object.keys(pkg.exports["."])[0]).toBe("types");
    expect(pkg.exports["."]).toEqual({ types: "./dist/mod.d.ts", default: "./dist/mod.js" });
    for (const [name, dir] of [["./core", "core"], ["./recipes", "recipe"], ["./guide", "guide"]]) {
      expect(pkg.exports[name!]).toEqual({ types: `./dist/lib/${dir}/mod.d.ts`, default: `./dist/lib/${dir}/mod.js` });
    }
    expect(pkg.bin).toEqual({ "buildx-kit": "dist/cli/scripts/cli.js" });
    expect(pkg.type).toBe("module");
    const cli = await readFile(join(installed.dir, "node_modules/buildx-kit/dist/cli/scripts/cli.js"), "utf8");
    expect(cli.startsWith("#!/usr/bin/env node\n")).toBe(true);
    // The command runs as CommonJS (tsconfig.cli.json says why); the library stays an ES module.
    expect(cli).toContain('require("../lib/cli/main.js")');
    expect(JSON.parse(await readFile(join(installed.dir, "node_modules/buildx-kit/dist/cli/package.json"), "utf8"))).toEqual({ type: "commonjs" });
  });

  it("runs a dry run with npx buildx-kit", async () => {
    const r = await run("npx", ["--no", "--", "buildx-kit", "build", "--dry-run", "-t", "x:1", "."], { cwd: installed.dir });
    expect(r).toMatchObject({ code: 0, stdout: `cd ${installed.dir} && docker buildx build --load --progress=plain --tag=x:1 .\n` });
  });

  it("prints its version and help with npx buildx-kit", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
    expect((await run("npx", ["--no", "--", "buildx-kit", "--version"], { cwd: installed.dir })).stdout.trim()).toBe(pkg.version);
    expect((await run("npx", ["--no", "--", "buildx-kit", "--help"], { cwd: installed.dir })).stdout).toContain("usage: buildx-kit <command>");
  });

  it("type-checks a TypeScript consumer against the package's declarations", async () => {
    await writeFile(
      join(installed.dir, "consumer.ts"),
      [
        `import { build, plan, buildx, type BuildOptions, type BuildResult, type Plan } from "buildx-kit";`,
        `const options: BuildOptions = { context: ".", tag: ["app:1"], buildArg: { VERSION: "1" }, push: true };`,
        `const planned: Plan = plan(options);`,
        `const argv: readonly string[] = planned.argv;`,
        `const result: Promise<BuildResult> = build(options, { dryRun: true });`,
        `void buildx; void argv; void result;`,
        `// @ts-expect-error push takes a boolean`,
        `plan({ push: "yes" });`,
        "",
      ].join("\n"),
    );
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const r = await run(process.execPath, [
      tsc,
      "--noEmit",
      "--strict",
      "--skipLibCheck",
      "false",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2022",
      "--types",
      "node",
      "--typeRoots",
      join(ROOT, "node_modules/@types"),
      "consumer.ts",
    ], { cwd: installed.dir });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  /**
   * A module resolve hook (node --import) that writes every module Node resolves to a file: the
   * import of buildx-kit and of everything it loads goes through it. Then a
   * positive control: importing @inquirer/prompts directly shows up in the same log, so its
   * absence before means buildx-kit did not load it.
   */
  it('does not load @inquirer/prompts on import "buildx-kit"', async () => {
    const log = join(installed.dir, "resolved.log");
    await writeFile(
      join(installed.dir, "hooks.mjs"),
      [
        `import { appendFileSync } from "node:fs";`,
        `let log;`,
        `export function initialize(data) { log = data.log; }`,
        `export async function resolve(specifier, context, next) {`,
        `  const result = await next(specifier, context);`,
        `  appendFileSync(log, result.url + "\\n");`,
        `  return result;`,
        `}`,
        "",
      ].join("\n"),
    );
    await writeFile(
      join(installed.dir, "register.mjs"),
      `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url, { data: { log: ${JSON.stringify(log)} } });\n`,
    );
    const script = [
      `import { appendFileSync } from "node:fs";`,
      `const kit = await import("buildx-kit");`,
      `const guided = await import("buildx-kit/guide");`,
      `if (typeof guided.guide !== "function" || typeof kit.build !== "function") throw new Error("incomplete exports");`,
      `appendFileSync(${JSON.stringify(log)}, "--- imported buildx-kit\\n");`,
      `await import("@inquirer/prompts");`,
    ].join("\n");
    const r = await run(process.execPath, ["--import", "./register.mjs", "--input-type=module", "-e", script], { cwd: installed.dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const [before, after] = (await readFile(log, "utf8")).split("--- imported buildx-kit\n") as [string, string];
    expect(before).toContain("/node_modules/buildx-kit/dist/mod.js");
    expect(before).toContain("/node_modules/buildx-kit/dist/lib/guide/flow.js");
    // No package at all: not zx (builds spawn with node:child_process; zx is the REPL's $).
    expect(before).not.toContain("/node_modules/zx/");
    expect(before.split("\n").filter((url) => url.includes("/node_modules/") && !url.includes("/node_modules/buildx-kit/"))).toEqual([]);
    expect(before).not.toContain("@inquirer");
    expect(after).toContain("/node_modules/@inquirer/prompts/");
  });

  describe("on the real engine", async () => {
    const engine = await requireEngine();
    it.skipIf(!engine.ok)("npx buildx-kit doctor exits 0 on the healthy engine", async () => {
      const r = await run("npx", ["--no", "--", "buildx-kit", "doctor"], { cwd: installed.dir });
      expect(r.stdout).toContain("healthy: this machine can build");
      expect(r.code).toBe(0);
    });
  });
});
