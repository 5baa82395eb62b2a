/**
 * `probe()`: what this machine can build with, read from the real tools (`buildx version`,
 * `buildx inspect`, `docker info`). Cached per process. Never throws for a missing or broken
 * docker: every obstacle becomes a `Problem` in the result.
 */
import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";
import process from "node:process";
import { $ } from "zx";
import type { BuilderInfo, BuilderNode, Capabilities, Problem } from "./capabilities.ts";
import { MIN_BUILDX } from "./flags.ts";
import { atLeast, parseBuildxVersion } from "./version.ts";

/** How to probe. */
export interface ProbeOptions {
  /** The builder to inspect (else `BUILDX_BUILDER`, else the current one). */
  readonly builder?: string;
  /** The environment the tools see (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Ignore the cache and ask the tools again. */
  readonly refresh?: boolean;
}

const cache = new Map<string, Promise<Capabilities>>();

/** The first executable called `name` on PATH, or null. */
export async function findExecutable(name: string, path: string | undefined): Promise<string | null> {
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(command: readonly string[], args: readonly string[], env: Record<string, string | undefined>): Promise<Ran> {
  try {
    const out = await $({ quiet: true, nothrow: true, env, timeout: 20_000, verbose: false })`${[...command, ...args]}`;
    return { code: out.exitCode, stdout: out.stdout, stderr: out.stderr };
  } catch (e) {
    return { code: null, stdout: "", stderr: (e as Error).message };
  }
}

/** Reads `docker buildx inspect` text: the builder and each node's platforms and BuildKit version. */
export function parseInspect(text: string): BuilderInfo | null {
  let name: string | null = null;
  let driver: string | null = null;
  const nodes: { name: string; status: string | null; platforms: string[]; buildkitVersion: string | null }[] = [];
  let inNodes = false;
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(line);
    if (line.trim() === "Nodes:") { inNodes = true; continue; }
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (!inNodes) {
      if (key === "name") name = value;
      else if (key === "driver") driver = value;
      continue;
    }
    const node = nodes[nodes.length - 1];
    if (key === "name") nodes.push({ name: value, status: null, platforms: [], buildkitVersion: null });
    else if (!node) continue;
    else if (key === "status") node.status = value;
    else if (key === "buildkit version" || key === "buildkit") node.buildkitVersion = value || null;
    else if (key === "platforms") node.platforms = value.split(",").map((s) => s.trim().replace(/\*$/, "")).filter(Boolean);
  }
  // An empty driver is what inspect prints (exit code 0) when it cannot reach the builder.
  if (name === null || !driver) return null;
  return { name, driver, nodes };
}

/** Reads whether `docker info` JSON says the engine uses the containerd image store. */
export function usesContainerdStore(info: { DriverStatus?: unknown; Driver?: unknown }): boolean {
  const status = Array.isArray(info.DriverStatus) ? info.DriverStatus : [];
  return status.some((pair) => Array.isArray(pair) && pair[0] === "driver-type" && String(pair[1]).includes("containerd.snapshotter"));
}

async function gather(options: ProbeOptions): Promise<Capabilities> {
  const env = { ...(options.env ?? process.env) };
  const problems: Problem[] = [];
  const builder = options.builder ?? env.BUILDX_BUILDER ?? undefined;

  const docker = await findExecutable("docker", env.PATH);
  const standalone = docker ? null : await findExecutable("buildx", env.PATH);
  const buildxCommand = docker ? [docker, "buildx"] : standalone ? [standalone] : null;
  if (!buildxCommand) {
    problems.push({ code: "no-docker", message: "no docker (and no standalone buildx) on PATH" });
    return blank({ problems });
  }

  const [version, inspect, info] = await Promise.all([
    run(buildxCommand, ["version"], env),
    run(buildxCommand, builder ? ["inspect", builder] : ["inspect"], env),
    docker ? run([docker], ["info", "--format", "{{json .}}"], env) : Promise.resolve(null),
  ]);

  let engineVersion: string | null = null;
  let containerdImageStore: boolean | null = null;
  if (info) {
    let parsed: { ServerVersion?: string; DriverStatus?: unknown; ServerErrors?: string[] } | null = null;
    try {
      parsed = JSON.parse(info.stdout.trim().split("\n")[0] || "null");
    } catch {
      parsed = null;
    }
    const serverError = parsed?.ServerErrors?.join("; ");
    if (info.code === 0 && parsed?.ServerVersion && !serverError) {
      engineVersion = parsed.ServerVersion;
      containerdImageStore = usesContainerdStore(parsed);
    } else {
      const why = firstLine(serverError || info.stderr) || `docker info exited with code ${info.code}`;
      problems.push({ code: "daemon-unreachable", message: `the Docker daemon is not reachable: ${why}` });
    }
  }

  const parsedVersion = parseBuildxVersion(version.stdout);
  const buildxMissing = version.code !== 0 && /is not a docker command|unknown command|not found/i.test(version.stderr + version.stdout);
  if (version.code !== 0 && (buildxMissing || !version.stdout.trim())) {
    problems.push({ code: "no-buildx", message: `buildx is not installed: ${firstLine(version.stderr) || `exit code ${version.code}`}` });
    return blank({ problems, engineVersion, containerdImageStore, buildxCommand: null });
  }
  if (parsedVersion.version !== null && !atLeast(parsedVersion.version, MIN_BUILDX)) {
    problems.push({ code: "buildx-too-old", message: `buildx ${parsedVersion.version} is older than ${MIN_BUILDX}, the oldest buildx-kit supports` });
  }

  const builderInfo = inspect.code === 0 ? parseInspect(inspect.stdout) : null;
  if (!builderInfo && !problems.some((p) => p.code === "daemon-unreachable")) {
    problems.push({
      code: "builder-unavailable",
      message: `cannot inspect builder ${builder ?? "(current)"}: ${firstLine(inspect.stderr) || `exit code ${inspect.code}`}`,
    });
  }
  const firstNode: BuilderNode | undefined = builderInfo?.nodes[0];
  return {
    buildxVersion: parsedVersion.version,
    buildxVersionText: parsedVersion.raw,
    buildxCommand,
    engineVersion,
    driver: builderInfo?.driver ?? null,
    buildkitVersion: firstNode?.buildkitVersion?.replace(/^v/, "") ?? null,
    containerdImageStore,
    builder: builderInfo,
    problems,
  };
}

function firstLine(text: string | undefined): string {
  return (text ?? "").trim().split(/\r?\n/).find((l) => l.trim())?.replace(/^ERROR:\s*/, "").trim() ?? "";
}

function blank(fields: Partial<Capabilities>): Capabilities {
  return {
    buildxVersion: null,
    buildxVersionText: "",
    buildxCommand: null,
    engineVersion: null,
    driver: null,
    buildkitVersion: null,
    containerdImageStore: null,
    builder: null,
    problems: [],
    ...fields,
  };
}

/**
 * Finds out what this machine can build with: buildx version, driver, BuildKit version,
 * containerd image store, and the builder's nodes and platforms. Cached per process (per builder
 * and environment); never throws.
 *
 * @example
 * const caps = await probe();
 * console.log(caps.buildxVersion, caps.driver, caps.containerdImageStore);
 */
export function probe(options: ProbeOptions = {}): Promise<Capabilities> {
  const env = options.env ?? process.env;
  const key = JSON.stringify([options.builder ?? env.BUILDX_BUILDER ?? "", env.PATH ?? "", env.DOCKER_HOST ?? "", env.DOCKER_CONTEXT ?? "", env.DOCKER_CONFIG ?? ""]);
  const cached = cache.get(key);
  if (cached && !options.refresh) return cached;
  const fresh = gather(options);
  cache.set(key, fresh);
  return fresh;
}

/** Whether a probe found the machine able to build, and if not, why. */
export interface HealthReport {
  readonly healthy: boolean;
  readonly problems: readonly Problem[];
  readonly capabilities: Capabilities;
}

/** Probes and reports every reason the machine cannot build (none: healthy). */
export async function healthReport(options: ProbeOptions = {}): Promise<HealthReport> {
  const capabilities = await probe(options);
  return { healthy: capabilities.problems.length === 0, problems: capabilities.problems, capabilities };
}

/** True when docker, its daemon, buildx (recent enough) and the builder are all there. */
export async function health(options: ProbeOptions = {}): Promise<boolean> {
  return (await healthReport(options)).healthy;
}

/** The first buildx with attestations (`--attest`, `--provenance`, `--sbom`). */
export const ATTESTATION_SINCE = "0.10.0";

/**
 * True when buildx is there and is 0.10.0 or newer (the original backend compared `> 0.10.0`,
 * wrongly rejecting 0.10.0). Give capabilities to decide without probing; an unknown version
 * (a build from source) counts as the latest.
 */
export async function supportsAttestation(capabilities?: Capabilities): Promise<boolean> {
  const caps = capabilities ?? (await probe());
  return caps.buildxCommand !== null && atLeast(caps.buildxVersion, ATTESTATION_SINCE);
}
