/**
 * The same module on Deno and Bun: test/fixtures/plan-argv.ts, run by each runtime, must print
 * exactly what plan() returns here on Node (where vitest imports the TypeScript in-process).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { Capabilities } from "../lib/core/capabilities.ts";
import { type BuildOptions, plan, UNKNOWN_CAPABILITIES } from "../mod.ts";

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./fixtures/plan-argv.ts", import.meta.url));

const RUNTIMES: readonly (readonly [string, readonly string[]])[] = [
  ["deno", [`${ROOT}node_modules/.bin/deno`, "run", "-A", "--quiet"]],
  ["bun", [`${ROOT}node_modules/.bin/bun`]],
];

/** [what, options, capability overrides]. */
const SETS: readonly (readonly [string, BuildOptions, Partial<Capabilities>])[] = [
  ["no options", {}, {}],
  ["push with tags and build args", { push: true, tag: ["localhost:5000/app:1", "localhost:5000/app:latest"], buildArg: { VERSION: "1.2", N: 3 } }, {
    buildxVersion: "0.13.1",
  }],
  ["a local output with a comma in its path, push and load", { output: { type: "local", dest: "out,dir" }, push: true, load: true, tag: "app:1" }, {}],
  ["multi-platform on the classic store", { platform: "linux/amd64,linux/arm64" }, { buildxVersion: "0.13.1", driver: "docker", containerdImageStore: false }],
  ["every value kind", {
    addHost: { "db.local": "10.0.0.5" },
    allow: ["network.host"],
    attest: [{ type: "provenance", mode: "max" }],
    cacheTo: "type=inline",
    file: "Dockerfile",
    noCache: true,
    provenance: false,
    sbom: true,
    secret: { id: "a", src: '"quoted".txt' },
    shmSize: "64m",
    ulimit: { nofile: [1024, 2048], nproc: { soft: 10, hard: 20 } },
    extraFlags: { someNewFlag: ["x", "y"], bare: true },
    context: "./app",
  }, {}],
  ["errors", { push: "true", tag: "App:1", buildArgs: {}, context: "" } as unknown as BuildOptions, { buildxVersion: "0.9.1" }],
  ["a standalone buildx", { load: true, attest: "type=sbom" }, { buildxVersion: "0.10.0", buildxCommand: ["/usr/local/bin/buildx"] }],
];

async function runFixture(command: readonly string[], options: BuildOptions, overrides: Partial<Capabilities>): Promise<unknown> {
  const [file, ...args] = command;
  const { stdout } = await exec(file!, [...args, FIXTURE, JSON.stringify(options), JSON.stringify(overrides)], { cwd: ROOT, timeout: 60_000 });
  return JSON.parse(stdout);
}

describe.each(RUNTIMES)("%s", (_, command) => {
  it.each(SETS)("prints the same argv and diagnostics as Node for %s", async (_what, options, overrides) => {
    const p = plan(options, { ...UNKNOWN_CAPABILITIES, ...overrides });
    const expected = { argv: p.argv, codes: p.diagnostics.map((d) => d.code) };
    expect(expected.argv.length).toBeGreaterThan(3);
    expect(await runFixture(command, options, overrides)).toEqual(expected);
  });
});

describe("deno check", () => {
  it.each(["mod.ts", "test/fixtures/plan-argv.ts"])("passes for %s", async (file) => {
    const result = await exec(`${ROOT}node_modules/.bin/deno`, ["check", "--quiet", file], { cwd: ROOT, timeout: 120_000 })
      .then(() => ({ code: 0, stderr: "" }), (e: { code?: number; stderr?: string }) => ({ code: e.code ?? -1, stderr: e.stderr ?? "" }));
    expect(result).toEqual({ code: 0, stderr: "" });
  });
});
