/**
 * Which builder, as buildx decides it, on two real engines: the main one and the second one
 * (`scripts/engine.sh up`: unix:///run/buildx-kit/docker2.sock, the context buildx-kit-second,
 * classic image store). For each of buildx's rules a build through buildx-kit (`build()` with
 * `env`: the buildx plugin started directly) lands on the engine buildx picks, and `probe({ env })`
 * describes that engine. Every case has its own DOCKER_CONFIG and BUILDX_CONFIG: a developer's
 * own config is never read nor touched.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { formatDoctor } from "../lib/cli/doctor.ts";
import { probe } from "../lib/build/probe.ts";
import { build } from "../lib/build/run.ts";
import type { BuilderSource } from "../lib/build/selection.ts";
import { requireSecondEngine, SECOND_CONTEXT, SECOND_HOST } from "./support/engine.ts";

const exec = promisify(execFile);
const MAIN_HOST = "unix:///var/run/docker.sock";
const engine = await requireSecondEngine();

const dirs: string[] = [];
const tags: string[] = [];
afterAll(async () => {
  for (const host of [MAIN_HOST, SECOND_HOST]) {
    if (tags.length) await exec("docker", ["--host", host, "image", "rm", "--force", ...tags]).catch(() => undefined);
  }
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** This process's environment without anything that picks a builder or an engine. */
function cleanEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "BUILDX_CONFIG", "BUILDX_BUILDER", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"]) {
    delete env[name];
  }
  return env;
}

interface Case {
  /** The build's `builder` option. */
  readonly builder?: string;
  readonly env?: Record<string, string>;
  /** buildx's `current` file in the private BUILDX_CONFIG. */
  readonly current?: { Key: string; Name: string; Global: boolean };
  /** config.json's currentContext in the private DOCKER_CONFIG. */
  readonly currentContext?: string;
  /** Where the build lands, and what the probe says. */
  readonly lands: "second" | "main";
  readonly source: BuilderSource;
  readonly builderName: string;
}

/** An instance on the second engine: a context's builder saved as an instance (no driver: docker). */
const SECOND_INSTANCE = "second-inst";

const CASES: Record<string, Case> = {
  "nothing set: the default context's builder, on the main engine": { lands: "main", source: "default", builderName: "default" },
  "the builder option (--builder) naming a builder on the second context": {
    builder: SECOND_INSTANCE,
    lands: "second",
    source: "flag",
    builderName: SECOND_INSTANCE,
  },
  "the builder option naming the second context while it is the current one": {
    builder: SECOND_CONTEXT,
    env: { DOCKER_CONTEXT: SECOND_CONTEXT },
    lands: "second",
    source: "flag",
    builderName: SECOND_CONTEXT,
  },
  "BUILDX_BUILDER": { env: { BUILDX_BUILDER: SECOND_INSTANCE }, lands: "second", source: "env", builderName: SECOND_INSTANCE },
  "BUILDX_BUILDER naming the second context while it is the current one (currentContext)": {
    env: { BUILDX_BUILDER: SECOND_CONTEXT },
    currentContext: SECOND_CONTEXT,
    lands: "second",
    source: "env",
    builderName: SECOND_CONTEXT,
  },
  "BUILDX_CONFIG's current, Key the endpoint": {
    current: { Key: MAIN_HOST, Name: SECOND_INSTANCE, Global: false },
    lands: "second",
    source: "config",
    builderName: SECOND_INSTANCE,
  },
  "BUILDX_CONFIG's current, Global, for another endpoint": {
    current: { Key: "unix:///elsewhere.sock", Name: SECOND_INSTANCE, Global: true },
    lands: "second",
    source: "config",
    builderName: SECOND_INSTANCE,
  },
  "BUILDX_CONFIG's current for another endpoint, not Global: ignored": {
    current: { Key: "unix:///elsewhere.sock", Name: SECOND_INSTANCE, Global: false },
    lands: "main",
    source: "default",
    builderName: "default",
  },
  "DOCKER_CONTEXT=buildx-kit-second": { env: { DOCKER_CONTEXT: SECOND_CONTEXT }, lands: "second", source: "context", builderName: SECOND_CONTEXT },
  "DOCKER_HOST=the second engine's socket": { env: { DOCKER_HOST: SECOND_HOST }, lands: "second", source: "context", builderName: "default" },
  "DOCKER_HOST over DOCKER_CONTEXT": {
    env: { DOCKER_HOST: MAIN_HOST, DOCKER_CONTEXT: SECOND_CONTEXT },
    lands: "main",
    source: "context",
    builderName: "default",
  },
  "config.json's currentContext (docker context use)": { currentContext: SECOND_CONTEXT, lands: "second", source: "context", builderName: SECOND_CONTEXT },
};

/** A private DOCKER_CONFIG (with the context buildx-kit-second) and BUILDX_CONFIG, and a project. */
async function setUp(c: Case, name: string) {
  const root = await mkdtemp(join(tmpdir(), "buildx-kit-builder-selection-"));
  dirs.push(root);
  const dockerConfig = join(root, "docker");
  const buildxConfig = join(root, "buildx");
  await mkdir(join(buildxConfig, "instances"), { recursive: true });
  await mkdir(dockerConfig, { recursive: true });
  await exec("docker", ["context", "create", SECOND_CONTEXT, "--docker", `host=${SECOND_HOST}`], { env: { ...cleanEnv(), DOCKER_CONFIG: dockerConfig } });
  await writeFile(join(dockerConfig, "config.json"), JSON.stringify(c.currentContext ? { currentContext: c.currentContext } : {}));
  await writeFile(
    join(buildxConfig, "instances", SECOND_INSTANCE),
    JSON.stringify({ Name: SECOND_INSTANCE, Driver: "", Nodes: [{ Name: `${SECOND_INSTANCE}0`, Endpoint: SECOND_CONTEXT }] }),
  );
  if (c.current) await writeFile(join(buildxConfig, "current"), JSON.stringify(c.current));
  const project = join(root, "project");
  await mkdir(project);
  await writeFile(join(project, "Dockerfile"), "FROM scratch\nCOPY case.txt /case.txt\n");
  await writeFile(join(project, "case.txt"), `${name}\n`);
  const env = { ...cleanEnv(), DOCKER_CONFIG: dockerConfig, BUILDX_CONFIG: buildxConfig, ...c.env };
  return { env, project, dockerConfig };
}

/** Whether the image is on the engine at `host`. */
async function has(host: string, tag: string): Promise<boolean> {
  return await exec("docker", ["--host", host, "image", "inspect", tag], { env: cleanEnv() }).then(() => true, () => false);
}

let n = 0;
describe.skipIf(!engine.ok)("which builder, as buildx decides it, on two engines", () => {
  it.each(Object.entries(CASES))("%s", async (name, c) => {
    const { env, project, dockerConfig } = await setUp(c, name);
    const tag = `buildx-kit-selection-${process.pid}-${n++}:1`;
    tags.push(tag);

    // The probe describes the engine buildx picks: the builder, the rule, and its image store
    // (the second engine keeps the classic one).
    const caps = await probe({ env, refresh: true, ...(c.builder ? { builder: c.builder } : {}) });
    expect(caps.problems).toEqual([]);
    expect(caps.builder?.name).toBe(c.builderName);
    expect(caps.builderSource).toBe(c.source);
    expect(caps.containerdImageStore).toBe(c.lands === "main");
    const light = await probe({ env, refresh: true, inspect: false, ...(c.builder ? { builder: c.builder } : {}) });
    expect({ name: light.builder?.name, source: light.builderSource, store: light.containerdImageStore })
      .toEqual({ name: c.builderName, source: c.source, store: c.lands === "main" });

    // A build lands where buildx would put it: the plugin started directly sees the same env.
    expect(light.buildxPlugin).toMatch(/\/docker-buildx$/);
    const result = await build({ context: ".", tag: [tag], load: true, ...(c.builder ? { builder: c.builder } : {}) }, { cwd: project, env, quiet: true });
    expect(result.ok).toBe(true);
    expect({ main: await has(MAIN_HOST, tag), second: await has(SECOND_HOST, tag) }).toEqual({ main: c.lands === "main", second: c.lands === "second" });
    // As docker itself tells it, through the private config's context.
    const second = await exec("docker", ["--context", SECOND_CONTEXT, "image", "inspect", "--format", "{{.Id}}", tag], {
      env: { ...cleanEnv(), DOCKER_CONFIG: dockerConfig },
    })
      .then(() => true, () => false);
    expect(second).toBe(c.lands === "second");
  });

  it("the builder option naming another context than the current one: refused, as buildx refuses it", async () => {
    const { env, project } = await setUp({ lands: "main", source: "flag", builderName: SECOND_CONTEXT }, "refused");
    const refusal = `use \`docker --context=${SECOND_CONTEXT} buildx\` to switch to context "${SECOND_CONTEXT}"`;
    const caps = await probe({ env, refresh: true, builder: SECOND_CONTEXT });
    expect(caps.builderSource).toBe("flag");
    expect(caps.problems).toEqual([{ code: "builder-unavailable", message: `cannot build with builder ${SECOND_CONTEXT}: ${refusal}` }]);
    const tag = `buildx-kit-selection-${process.pid}-refused:1`;
    tags.push(tag);
    const result = await build({ context: ".", tag: [tag], load: true, builder: SECOND_CONTEXT }, { cwd: project, env, quiet: true, nothrow: true });
    expect(result.ok).toBe(false);
    expect(String(result.error?.message)).toContain(refusal);
    expect({ main: await has(MAIN_HOST, tag), second: await has(SECOND_HOST, tag) }).toEqual({ main: false, second: false });
  });

  it("doctor names the rule that chose the builder, and the context", async () => {
    const { env } = await setUp(CASES["DOCKER_CONTEXT=buildx-kit-second"]!, "doctor");
    const lines = formatDoctor(await probe({ env, refresh: true })).split("\n");
    expect(lines).toContain(`  context      ${SECOND_CONTEXT}`);
    expect(lines).toContain(`  builder      ${SECOND_CONTEXT} (driver docker)`);
    expect(lines).toContain("    chosen by  the docker context's builder (DOCKER_HOST, DOCKER_CONTEXT or docker context use)");
    expect(lines).toContain("  image store  classic");
  });
});
