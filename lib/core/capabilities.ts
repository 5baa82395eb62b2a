/** What the machine can do, as `probe()` found it. A plain object: tests and dry runs pass their own. */
import { describe } from "./values.ts";

/** One node of a builder. */
export interface BuilderNode {
  readonly name: string;
  readonly status: string | null;
  readonly platforms: readonly string[];
  /**
   * The node's BuildKit release (`major.minor.patch`), or null when unknown: not inspected, or
   * reported without a release (Debian's engine says `v0.0.0+unknown`).
   */
  readonly buildkitVersion: string | null;
  /** Where buildx reaches its BuildKit (`unix://...`, `ssh://...`, `kubernetes:///...`), when known. */
  readonly endpoint?: string | null;
  /**
   * The platforms set for this node with `docker buildx create --platform` (marked `*` by
   * `buildx inspect`, stored in buildx's instance file): [] when none were set, absent when unknown.
   */
  readonly configuredPlatforms?: readonly string[];
  /** What `buildx inspect` printed for it (`v0.13.2`, `v0.0.0+unknown`); null or absent when not inspected. */
  readonly buildkitVersionText?: string | null;
}

/** The rule that chose the builder: `--builder`, BUILDX_BUILDER, buildx's config, the docker context, or the default. */
export type BuilderSource = "flag" | "env" | "config" | "context" | "default";

/** The builder instance a build would use. */
export interface BuilderInfo {
  readonly name: string;
  readonly driver: string;
  readonly nodes: readonly BuilderNode[];
}

/** Why something the build needs is missing. */
export interface Problem {
  /** `probe-timeout`: a command the probe ran did not answer within its time limit (stopped, with all it started). */
  readonly code: "no-docker" | "daemon-unreachable" | "no-buildx" | "buildx-too-old" | "buildx-version-unreadable" | "builder-unavailable" | "probe-timeout";
  readonly message: string;
}

/** The drivers whose builds run inside the Docker daemon or a container it runs, so need it up. */
const DRIVERS_NEEDING_THE_DAEMON: readonly string[] = ["docker", "docker-container"];

/**
 * The one answer to "can this machine build?": the problem that stops a build here, or null when
 * nothing does. The guide, the CLI and `doctor` all ask this. Two problems do not stop a build: an
 * old buildx (the plan names each option it lacks) and a version buildx-kit cannot read (the plan
 * assumes the latest and says so). A daemon that does not answer stops only a builder that runs in
 * it (docker, docker-container, or a driver not known yet); a remote or kubernetes builder builds
 * without it.
 */
export function buildBlocker(caps: Capabilities): Problem | null {
  for (const p of caps.problems) {
    if (p.code === "buildx-too-old" || p.code === "buildx-version-unreadable") continue;
    if (p.code === "daemon-unreachable" && caps.driver !== null && !DRIVERS_NEEDING_THE_DAEMON.includes(caps.driver)) continue;
    return p;
  }
  return caps.buildxCommand === null ? { code: "no-docker", message: "docker with buildx was not found" } : null;
}

/**
 * What the machine can do. `null` anywhere means "unknown": the plan then assumes the latest
 * buildx and says so, instead of guessing a limit.
 */
export interface Capabilities {
  /** The buildx release (`major.minor.patch`), or null when unknown. */
  readonly buildxVersion: string | null;
  /** What `buildx version` printed, for messages ("" when it was not run). */
  readonly buildxVersionText: string;
  /** How to run buildx: `["docker", "buildx"]`, or a standalone `["/usr/bin/buildx"]`; null when none was found. */
  readonly buildxCommand: readonly string[] | null;
  /**
   * The buildx plugin binary `docker buildx` runs, when the probe is sure which one it is: builds
   * then run it directly (standalone), skipping docker's own start and plugin lookup. Null or
   * absent: through docker.
   */
  readonly buildxPlugin?: string | null;
  /** The Docker Engine's version, or null when no daemon answered. */
  readonly engineVersion: string | null;
  /** The builder's driver (`docker`, `docker-container`, `kubernetes`, `remote`), or null when unknown. */
  readonly driver: string | null;
  /** BuildKit's release on the builder's first node, or null when unknown (see `BuilderNode`). */
  readonly buildkitVersion: string | null;
  /** True when the engine keeps images in the containerd image store; null when unknown. */
  readonly containerdImageStore: boolean | null;
  /** The builder in use, or null when it could not be inspected. */
  readonly builder: BuilderInfo | null;
  /**
   * Which of buildx's rules chose the builder: `--builder` ("flag"), `BUILDX_BUILDER` ("env"),
   * buildx's current builder in `$BUILDX_CONFIG` ("config"), the docker context's builder chosen
   * by `DOCKER_HOST`, `DOCKER_CONTEXT` or config.json ("context"), or none of them ("default").
   * Null or absent: unknown.
   */
  readonly builderSource?: BuilderSource | null;
  /** The docker context docker uses (`default` included), or null/absent when unknown. */
  readonly dockerContext?: string | null;
  /** Everything that stood in the way, in the order found. Empty when all is well. */
  readonly problems: readonly Problem[];
  /**
   * Whether buildx's environment lets it use a `type=gha` cache: a token (`ACTIONS_RUNTIME_TOKEN`)
   * and a cache URL (`ACTIONS_CACHE_URL` or `ACTIONS_RESULTS_URL`). buildx silently drops a gha
   * cache without both (build/opt.go, isActive, v0.36.1), so plan() warns. Booleans only: the
   * values never enter capabilities. `build()` fills it from the environment buildx gets; null or
   * absent: unknown, and plan() says nothing.
   */
  readonly githubActionsEnv?: { readonly token: boolean; readonly url: boolean } | null;
}

/** What `Capabilities.githubActionsEnv` says for an environment. */
export function githubActionsEnv(env: Readonly<Record<string, string | undefined>>): { token: boolean; url: boolean } {
  return { token: Boolean(env.ACTIONS_RUNTIME_TOKEN), url: Boolean(env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL) };
}

/**
 * A BuildKit release out of what `buildx inspect` prints (`v0.13.2`, `0.12.5`, `v0.26.1-rc1`), or
 * null: `v0.0.0+unknown` (a build from source, as Debian ships it) and anything else is no release.
 */
export function buildkitRelease(text: string | null | undefined): string | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:$|[-+.])/.exec((text ?? "").trim());
  if (!m) return null;
  const version = `${Number(m[1])}.${Number(m[2])}.${Number(m[3])}`;
  return version === "0.0.0" ? null : version;
}

/** The BuildKit the nodes that build run, as far as it is known. */
export interface BuildkitOnBuilder {
  /** The oldest release among the building nodes that report one; null when none does. */
  readonly version: string | null;
  /** The node that runs `version` (null when the capabilities name no node). */
  readonly node: string | null;
  /** Building nodes that were inspected but report no release, with what they report. */
  readonly unreadable: readonly { readonly node: string; readonly text: string }[];
}

/** A platform as a node lists it and as it is asked for, compared loosely. */
function samePlatform(a: string, b: string): boolean {
  const norm = (p: string) => p.toLowerCase().replace(/^([^/]+)\/(arm64)\/v8$/, "$1/$2");
  return norm(a) === norm(b);
}

/**
 * The BuildKit of the nodes that build: those whose platforms include a platform asked for (buildx
 * sends each platform to a node that has it), else the first node (the builder's own platform).
 * Without nodes, the capabilities' `buildkitVersion`.
 */
export function buildkitFor(caps: Capabilities, platforms: readonly string[]): BuildkitOnBuilder {
  const nodes = caps.builder?.nodes ?? [];
  if (nodes.length === 0) {
    const version = buildkitRelease(caps.buildkitVersion);
    const unreadable = version === null && caps.buildkitVersion ? [{ node: caps.builder?.name ?? "the builder", text: caps.buildkitVersion }] : [];
    return { version, node: null, unreadable };
  }
  const matching = nodes.filter((n) => platforms.some((p) => n.platforms.some((q) => samePlatform(p, q))));
  const building = matching.length ? matching : [nodes[0]!];
  let version: string | null = null;
  let node: string | null = null;
  const unreadable: { node: string; text: string }[] = [];
  for (const n of building) {
    const v = buildkitRelease(n.buildkitVersion);
    if (v === null) {
      const text = n.buildkitVersionText ?? n.buildkitVersion;
      if (text) unreadable.push({ node: n.name, text });
      continue;
    }
    if (version === null || olderThan(v, version)) [version, node] = [v, n.name];
  }
  return { version, node, unreadable };
}

function olderThan(a: string, b: string): boolean {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) if (x![i] !== y![i]) return x![i]! < y![i]!;
  return false;
}

/** Capabilities of a machine nothing is known about: plans assume the latest buildx. */
export const UNKNOWN_CAPABILITIES: Capabilities = Object.freeze({
  buildxVersion: null,
  buildxVersionText: "",
  buildxCommand: null,
  buildxPlugin: null,
  engineVersion: null,
  driver: null,
  buildkitVersion: null,
  containerdImageStore: null,
  builder: null,
  builderSource: null,
  dockerContext: null,
  problems: [],
});

/** What each field of `Capabilities` holds, for messages and the shape check below. */
const FIELDS: Readonly<Record<keyof Capabilities, { optional?: true; expects: string; ok: (v: unknown) => boolean }>> = {
  buildxVersion: { expects: "a release (major.minor.patch) or null", ok: (v) => v === null || (typeof v === "string" && /^\d+\.\d+\.\d+$/.test(v)) },
  buildxVersionText: { expects: "a string", ok: (v) => typeof v === "string" },
  buildxCommand: {
    expects: 'an array of words (such as ["docker", "buildx"]) or null',
    ok: (v) => v === null || (Array.isArray(v) && v.length > 0 && v.every((w) => typeof w === "string" && w !== "")),
  },
  buildxPlugin: { optional: true, expects: "a path or null", ok: (v) => v === null || v === undefined || typeof v === "string" },
  engineVersion: { expects: "a string or null", ok: (v) => v === null || typeof v === "string" },
  driver: { expects: "a string or null", ok: (v) => v === null || typeof v === "string" },
  buildkitVersion: { expects: "a string or null", ok: (v) => v === null || typeof v === "string" },
  containerdImageStore: { expects: "true, false or null", ok: (v) => v === null || typeof v === "boolean" },
  builder: { expects: "an object or null", ok: (v) => v === null || (typeof v === "object" && !Array.isArray(v)) },
  builderSource: {
    optional: true,
    expects: '"flag", "env", "config", "context", "default" or null',
    ok: (v) => v === null || v === undefined || ["flag", "env", "config", "context", "default"].includes(v as string),
  },
  dockerContext: { optional: true, expects: "a string or null", ok: (v) => v === null || v === undefined || typeof v === "string" },
  problems: { expects: "an array", ok: (v) => Array.isArray(v) },
  githubActionsEnv: {
    optional: true,
    expects: "{ token: boolean, url: boolean } or null",
    ok: (v) =>
      v === null || v === undefined ||
      (typeof v === "object" && typeof (v as { token?: unknown }).token === "boolean" && typeof (v as { url?: unknown }).url === "boolean"),
  },
};

/** The hint for capabilities of the wrong shape. */
export const CAPABILITIES_HINT =
  'pass what probe() returns, or UNKNOWN_CAPABILITIES with your own fields: { ...UNKNOWN_CAPABILITIES, buildxVersion: "0.13.1" }';

/** What is wrong with a value passed as `Capabilities`, one message per problem (empty when it is one). */
export function capabilitiesProblems(value: unknown): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [`capabilities must be a Capabilities object (what probe() returns), got ${describe(value)}`];
  }
  const record = value as Record<string, unknown>;
  const missing: string[] = [];
  const problems: string[] = [];
  for (const [name, field] of Object.entries(FIELDS)) {
    const v = record[name];
    if (v === undefined && !field.optional) missing.push(name);
    else if (!field.ok(v)) problems.push(`capabilities.${name} expects ${field.expects}, got ${describe(v)}`);
  }
  if (missing.length) problems.unshift(`capabilities is missing ${missing.join(", ")}`);
  return problems;
}
