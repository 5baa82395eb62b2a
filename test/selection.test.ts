/**
 * Which builder buildx picks (lib/build/selection.ts), on a table of cases, each in its own private
 * DOCKER_CONFIG / BUILDX_CONFIG folders: the decision, and, where buildx is installed, buildx's own
 * answer for the same folders and environment (`docker buildx inspect`: the builder's name, or its
 * error) as the oracle.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { formatDoctor } from "../lib/cli/doctor.ts";
import { UNKNOWN_CAPABILITIES } from "../lib/core/capabilities.ts";
import { type BuilderSource, chooseBuilder, decideBuilder, dockerContextOf, endpointOf, parseDockerHost } from "../lib/build/selection.ts";

const exec = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

interface Case {
  readonly builder?: string;
  readonly env?: Record<string, string>;
  /** Instances in buildx's store (remote driver, nobody listening). */
  readonly instances?: readonly string[];
  /** Docker contexts in DOCKER_CONFIG (a socket nobody listens on). */
  readonly contexts?: readonly string[];
  readonly currentContext?: string;
  /** buildx's `current` file: an object as JSON, or text as written. */
  readonly current?: object | string;
  /** `defaults/HASH` for an endpoint: `buildx use --default`. */
  readonly defaults?: { readonly endpoint: string; readonly name: string };
  /** Use a BUILDX_CONFIG folder; DOCKER_CONFIG/buildx then gets a decoy (current: Global "decoy"). */
  readonly buildxConfig?: boolean;
  readonly expected: { readonly name: string | null; readonly source: BuilderSource; readonly detail?: string; readonly error?: string };
}

const SOCK = "unix:///var/run/docker.sock";

const CASES: Record<string, Case> = {
  "nothing set: the default context's builder": { expected: { name: "default", source: "default", detail: "the default context" } },
  "--builder naming an instance": { builder: "inst1", instances: ["inst1"], expected: { name: "inst1", source: "flag" } },
  "--builder naming another docker context (inspect shows it, a build refuses it)": {
    builder: "ctx1",
    contexts: ["ctx1"],
    expected: { name: "ctx1", source: "flag", error: 'use `docker --context=ctx1 buildx` to switch to context "ctx1"' },
  },
  "--builder naming the current docker context": {
    builder: "ctx1",
    contexts: ["ctx1"],
    env: { DOCKER_CONTEXT: "ctx1" },
    expected: { name: "ctx1", source: "flag" },
  },
  "--builder naming the default context": { builder: "default", expected: { name: "default", source: "flag" } },
  "--builder over BUILDX_BUILDER": {
    builder: "inst1",
    instances: ["inst1", "inst2"],
    env: { BUILDX_BUILDER: "inst2" },
    expected: { name: "inst1", source: "flag" },
  },
  "BUILDX_BUILDER, any case (instance names are lowercased)": {
    instances: ["inst1"],
    env: { BUILDX_BUILDER: "INST1" },
    expected: { name: "inst1", source: "env" },
  },
  "BUILDX_BUILDER naming nothing": { env: { BUILDX_BUILDER: "nope" }, expected: { name: null, source: "env", error: 'no builder "nope" found' } },
  "BUILDX_BUILDER over a Global current": {
    instances: ["inst1", "inst2"],
    env: { BUILDX_BUILDER: "inst1" },
    current: { Key: SOCK, Name: "inst2", Global: true },
    expected: { name: "inst1", source: "env" },
  },
  "current whose Key is the endpoint": {
    instances: ["inst1"],
    current: { Key: SOCK, Name: "inst1", Global: false },
    expected: { name: "inst1", source: "config", detail: "current (Key)" },
  },
  "current Global, for another endpoint": {
    instances: ["inst1"],
    current: { Key: "unix:///elsewhere.sock", Name: "inst1", Global: true },
    expected: { name: "inst1", source: "config", detail: "current (Global)" },
  },
  "current for another endpoint, not Global: ignored": {
    instances: ["inst1"],
    current: { Key: "unix:///elsewhere.sock", Name: "inst1", Global: false },
    expected: { name: "default", source: "default" },
  },
  "current whose Key matches but whose instance is gone: the context's, not defaults": {
    instances: ["inst2"],
    current: { Key: SOCK, Name: "gone", Global: true },
    defaults: { endpoint: SOCK, name: "inst2" },
    expected: { name: "default", source: "default" },
  },
  "current for another endpoint, and defaults for this one": {
    instances: ["inst1", "inst2"],
    current: { Key: "unix:///elsewhere.sock", Name: "inst1", Global: false },
    defaults: { endpoint: SOCK, name: "inst2" },
    expected: { name: "inst2", source: "config", detail: "defaults (buildx use --default)" },
  },
  "no current, defaults for this endpoint": {
    instances: ["inst2"],
    defaults: { endpoint: SOCK, name: "inst2" },
    expected: { name: "inst2", source: "config" },
  },
  "BUILDX_CONFIG, not DOCKER_CONFIG/buildx": {
    buildxConfig: true,
    instances: ["inst1"],
    current: { Key: "x", Name: "inst1", Global: true },
    expected: { name: "inst1", source: "config", detail: "current (Global)" },
  },
  "DOCKER_CONTEXT": {
    contexts: ["ctx1"],
    env: { DOCKER_CONTEXT: "ctx1" },
    expected: { name: "ctx1", source: "context", detail: "docker context ctx1 (DOCKER_CONTEXT)" },
  },
  "DOCKER_CONTEXT, and current keyed on that context": {
    contexts: ["ctx1"],
    instances: ["inst1"],
    env: { DOCKER_CONTEXT: "ctx1" },
    current: { Key: "ctx1", Name: "inst1", Global: false },
    expected: { name: "inst1", source: "config", detail: "current (Key)" },
  },
  "DOCKER_CONTEXT, and current keyed on the default socket": {
    contexts: ["ctx1"],
    instances: ["inst1"],
    env: { DOCKER_CONTEXT: "ctx1" },
    current: { Key: SOCK, Name: "inst1", Global: false },
    expected: { name: "ctx1", source: "context" },
  },
  "DOCKER_HOST over DOCKER_CONTEXT": {
    contexts: ["ctx1"],
    env: { DOCKER_CONTEXT: "ctx1", DOCKER_HOST: "unix:///tmp/buildx-kit-nobody.sock" },
    expected: { name: "default", source: "context", detail: "docker context default (DOCKER_HOST)" },
  },
  "DOCKER_HOST as docker parses it keys current": {
    instances: ["inst1"],
    env: { DOCKER_HOST: "127.0.0.1:1" },
    current: { Key: "tcp://127.0.0.1:1", Name: "inst1", Global: false },
    expected: { name: "inst1", source: "config", detail: "current (Key)" },
  },
  "config.json's currentContext (docker context use)": {
    contexts: ["ctx1"],
    currentContext: "ctx1",
    expected: { name: "ctx1", source: "context", detail: "docker context ctx1 (config.json currentContext)" },
  },
  "DOCKER_CONTEXT over currentContext": {
    contexts: ["ctx1", "ctx2"],
    currentContext: "ctx1",
    env: { DOCKER_CONTEXT: "ctx2" },
    expected: { name: "ctx2", source: "context" },
  },
  "an instance named as the context comes before the context": {
    contexts: ["ctx1"],
    instances: ["ctx1"],
    env: { DOCKER_CONTEXT: "ctx1" },
    expected: { name: "ctx1", source: "context" },
  },
  "a current file that is not JSON": { current: "{not json", expected: { name: null, source: "config", error: "buildx's current file is not JSON" } },
};

/** Lays out a case's folders; returns its environment (nothing from this process's but PATH). */
async function layout(c: Case): Promise<{ env: Record<string, string>; root: string }> {
  const root = await mkdtemp(join(tmpdir(), "buildx-kit-selection-"));
  dirs.push(root);
  const dockerConfig = join(root, "docker");
  const buildxDir = c.buildxConfig ? join(root, "buildx-config") : join(dockerConfig, "buildx");
  await mkdir(join(buildxDir, "instances"), { recursive: true });
  await mkdir(join(buildxDir, "defaults"), { recursive: true });
  const instance = (name: string) =>
    JSON.stringify({ Name: name, Driver: "remote", Nodes: [{ Name: `${name}0`, Endpoint: `unix://${root}/nobody-${name}.sock` }] });
  for (const name of c.instances ?? []) await writeFile(join(buildxDir, "instances", name), instance(name));
  if (c.current !== undefined) await writeFile(join(buildxDir, "current"), typeof c.current === "string" ? c.current : JSON.stringify(c.current));
  if (c.defaults) await writeFile(join(buildxDir, "defaults", sha256(c.defaults.endpoint).slice(0, 20)), c.defaults.name);
  if (c.buildxConfig) {
    // What buildx must not read once BUILDX_CONFIG is set.
    await mkdir(join(dockerConfig, "buildx", "instances"), { recursive: true });
    await writeFile(join(dockerConfig, "buildx", "instances", "decoy"), instance("decoy"));
    await writeFile(join(dockerConfig, "buildx", "current"), JSON.stringify({ Key: SOCK, Name: "decoy", Global: true }));
  }
  for (const name of c.contexts ?? []) {
    const meta = join(dockerConfig, "contexts", "meta", sha256(name));
    await mkdir(meta, { recursive: true });
    await writeFile(
      join(meta, "meta.json"),
      JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: `unix://${root}/${name}.sock`, SkipTLSVerify: false } } }),
    );
  }
  await writeFile(join(dockerConfig, "config.json"), JSON.stringify(c.currentContext ? { currentContext: c.currentContext } : {}));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: root,
    DOCKER_CONFIG: dockerConfig,
    ...(c.buildxConfig ? { BUILDX_CONFIG: buildxDir } : {}),
    ...c.env,
  };
  return { env, root };
}

/** buildx's own answer: the builder `docker buildx inspect` names, or its error. */
async function buildxSays(env: Record<string, string>, builder?: string): Promise<{ name: string | null; error: string }> {
  const r = await exec("docker", ["buildx", "inspect", ...(builder ? ["--builder", builder] : [])], { env, timeout: 20_000 }).then(
    (ok) => ({ stdout: ok.stdout, stderr: ok.stderr }),
    (e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? "", stderr: e.stderr ?? "" }),
  );
  return { name: /^Name:\s*(\S+)/.exec(r.stdout)?.[1] ?? null, error: r.stderr.trim() };
}

const buildxHere = await exec("docker", ["buildx", "version"], { timeout: 15_000 }).then(() => true, () => false);
if (!buildxHere && process.env.CI) throw new Error("CI is set and `docker buildx version` fails: run bash scripts/engine.sh up");

describe("which builder, as buildx decides it", () => {
  it.each(Object.entries(CASES))("%s", async (_, c) => {
    const { env } = await layout(c);
    const decision = await chooseBuilder(c.builder, env);
    expect({ name: decision.name, source: decision.source }).toEqual({ name: c.expected.name, source: c.expected.source });
    if (c.expected.detail) expect(decision.detail).toBe(c.expected.detail);
    expect(decision.error).toBe(c.expected.error ?? null);
    if (!buildxHere) return;
    // buildx itself, on the same folders (after the decision: buildx rewrites `current` as it reads it).
    const oracle = await buildxSays(env, c.builder);
    expect(oracle.name, oracle.error).toBe(decision.name);
    if (c.expected.error?.startsWith("no builder")) expect(oracle.error).toContain(c.expected.error);
  });

  it("knows the engine each builder is on: the context's host, DOCKER_HOST, the default socket", async () => {
    const { env, root } = await layout({ contexts: ["ctx1"], expected: { name: null, source: "default" } });
    expect((await chooseBuilder(undefined, { ...env, DOCKER_CONTEXT: "ctx1" })).engineHost).toBe(`unix://${root}/ctx1.sock`);
    expect((await chooseBuilder("ctx1", env)).engineHost).toBe(`unix://${root}/ctx1.sock`);
    expect((await chooseBuilder(undefined, { ...env, DOCKER_HOST: "unix:///tmp/x.sock" })).engineHost).toBe("unix:///tmp/x.sock");
    expect((await chooseBuilder(undefined, env)).engineHost).toBe(SOCK);
  });
});

describe("the pure parts", () => {
  it.each([
    ["", SOCK],
    ["unix://", SOCK],
    ["unix:///run/buildx-kit/docker2.sock", "unix:///run/buildx-kit/docker2.sock"],
    ["tcp://10.0.0.1", "tcp://10.0.0.1:2375"],
    ["10.0.0.1:2376", "tcp://10.0.0.1:2376"],
    ["tcp://", "tcp://localhost:2375"],
    ["  tcp://h:1  ", "tcp://h:1"],
    ["ssh://me@box", "ssh://me@box"],
  ])("DOCKER_HOST %j is %s to docker", (value, expected) => {
    expect(parseDockerHost(value)).toBe(expected);
  });

  it.each(
    [
      [{}, null, "default", "default"],
      [{}, "ctx", "ctx", "config"],
      [{ DOCKER_CONTEXT: "c2" }, "ctx", "c2", "DOCKER_CONTEXT"],
      [{ DOCKER_HOST: "tcp://h:1", DOCKER_CONTEXT: "c2" }, "ctx", "default", "DOCKER_HOST"],
    ] as const,
  )("the docker context of %j with currentContext %s: %s (%s)", (env, current, name, source) => {
    expect(dockerContextOf(env, current)).toEqual({ name, source });
  });

  it("keys on the context's name, or the default context's host", () => {
    expect(endpointOf({ name: "c2", source: "DOCKER_CONTEXT" }, {})).toBe("c2");
    expect(endpointOf({ name: "default", source: "DOCKER_HOST" }, { DOCKER_HOST: "h:1" })).toBe("tcp://h:1");
  });

  it("decides from the files' contents alone", () => {
    const facts = {
      currentContext: null,
      current: JSON.stringify({ Key: "k", Name: "b1", Global: true }),
      defaultForEndpoint: null,
      instances: { b1: '{"Name":"b1","Driver":"remote"}' },
      contexts: [],
    };
    expect(decideBuilder({ env: {}, facts })).toMatchObject({ name: "b1", source: "config", kind: "instance", detail: "current (Global)" });
    expect(decideBuilder({ env: {}, facts: { ...facts, instances: {} } })).toMatchObject({ name: "default", source: "default", kind: "context" });
    expect(decideBuilder({ env: {}, facts: { ...facts, instances: { b1: "{" } }, builder: "b1" })).toMatchObject({
      name: null,
      error: 'the instance file of builder "b1" cannot be read',
    });
    // An invalid instance name is only a context's.
    expect(decideBuilder({ env: {}, facts: { ...facts, contexts: ["9ctx"] }, builder: "9ctx" })).toMatchObject({ name: "9ctx", kind: "context" });
  });

  it("doctor says which rule chose the builder, and the docker context", () => {
    const caps = { ...UNKNOWN_CAPABILITIES, builder: { name: "ctx1", driver: "docker", nodes: [] }, builderSource: "context" as const, dockerContext: "ctx1" };
    const lines = formatDoctor(caps).split("\n");
    expect(lines).toContain("  context      ctx1");
    expect(lines).toContain("  builder      ctx1 (driver docker)");
    expect(lines).toContain("    chosen by  the docker context's builder (DOCKER_HOST, DOCKER_CONTEXT or docker context use)");
  });
});
