/**
 * Builders: the buildx instances a build runs on, and the images several builds make together.
 * buildx and BuildKit are the distributed engine; this module only drives `docker buildx`
 * (`ls`, `inspect`, `create`, `use`, `stop`, `rm`, `imagetools create|inspect`), one process per
 * call through spawn.ts, and reads what it prints. Nothing here reimplements a driver.
 */
import * as host from "../runtime/host.ts";
import { join } from "../runtime/posix.ts";
import { buildkitRelease } from "../core/capabilities.ts";
import { type BuilderDetails, type BuilderNodeDetails, emptyNode, parseBuilderInspect, splitPlatforms } from "../core/inspect.ts";

export { type BuilderDetails, type BuilderNodeDetails, parseBuilderInspect };
import type { Diagnostic } from "../core/diagnostics.ts";
import { BuildxKitError, EXIT, type ExitStatus, ValidationError } from "../core/errors.ts";
import { probe } from "./probe.ts";
import { shellCommand } from "../core/shell.ts";
import { capture, type Captured } from "../runtime/spawn.ts";
import { atLeast } from "../core/version.ts";

/** The first buildx whose `ls` takes `--format json` (older ones print only the table). */
export const LS_JSON_SINCE = "0.13.0";

/** A `docker buildx` command that failed: its argv, exit code and what it printed. */
export class BuilderError extends BuildxKitError {
  override readonly name = "BuilderError";
  /** A buildx command failed: 1. */
  readonly exitStatus: ExitStatus = EXIT.failed;
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(argv: readonly string[], ran: Captured) {
    const said = ran.stderr.trim().split(/\r?\n/).filter((l) => l.trim()).slice(-3).join("\n").replace(/^ERROR:\s*/gm, "");
    super(`${asTyped(argv).join(" ")} failed (exit code ${ran.code ?? ran.signal ?? "?"})${said ? `: ${said}` : ""}`);
    this.argv = argv;
    this.exitCode = ran.code;
    this.stderr = ran.stderr;
  }
}

/** How to run the `docker buildx` command of a builder call. */
export interface BuilderCallOptions {
  /** The environment buildx sees (BUILDX_CONFIG, DOCKER_CONFIG, DOCKER_HOST, ...). Default: this process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Kill it after this long (default 120 s: a bootstrap may start a container or reach a cluster). */
  readonly timeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Parsing: pure, tested on recorded output of several buildx releases and drivers

interface LsJsonNode {
  Name?: string;
  Endpoint?: string;
  Status?: string;
  Version?: string;
  Platforms?: string[] | null;
  Flags?: string[] | null;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  Err?: unknown;
}
interface LsJsonBuilder {
  Name?: string;
  Driver?: string;
  LastActivity?: string;
  Nodes?: LsJsonNode[] | null;
  Err?: unknown;
}

function errText(e: unknown): string | null {
  if (typeof e === "string") return e || null;
  if (e && typeof e === "object") return JSON.stringify(e);
  return null;
}

/**
 * Reads `docker buildx ls --format json` (buildx >= 0.13): one JSON object per builder a line
 * (buildx 0.13.1 prints each twice; kept once). JSON does not mark the platforms set with
 * `--platform`, nor the current builder: `currentName` says which one is.
 */
export function parseBuilderLsJson(text: string, currentName: string | null = null): BuilderDetails[] {
  const seen = new Map<string, BuilderDetails>();
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim().startsWith("{")) continue;
    let b: LsJsonBuilder;
    try {
      b = JSON.parse(line) as LsJsonBuilder;
    } catch {
      continue;
    }
    if (!b.Name || seen.has(b.Name)) continue;
    seen.set(b.Name, {
      name: b.Name,
      driver: b.Driver ?? "",
      lastActivity: b.LastActivity && !b.LastActivity.startsWith("0001-") ? b.LastActivity : null,
      current: currentName === null ? null : b.Name.toLowerCase() === currentName.toLowerCase(),
      error: errText(b.Err),
      nodes: (b.Nodes ?? []).map((n) => ({
        ...emptyNode(n.Name ?? ""),
        endpoint: n.Endpoint || null,
        status: n.Status || null,
        buildkitVersion: buildkitRelease(n.Version),
        buildkitVersionText: n.Version || null,
        platforms: n.Platforms ?? [],
        driverOptions: n.DriverOpts ?? {},
        flags: n.Flags?.length ? n.Flags.join(" ") : null,
        labels: n.Labels ?? {},
        error: errText(n.Err),
      })),
    });
  }
  return [...seen.values()];
}

/**
 * Reads the `docker buildx ls` table, in the layout of buildx before 0.13 (nodes indented) and
 * after (nodes under ` \_ `): the columns are where the header puts them. The current builder is
 * marked `*` after its name; platforms set with `--platform` are marked `*`.
 */
export function parseBuilderLsText(text: string): BuilderDetails[] {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => /^NAME\/NODE\s+DRIVER\/ENDPOINT/.test(l));
  if (headerAt === -1) return [];
  const header = lines[headerAt]!;
  const cols = ["DRIVER/ENDPOINT", "STATUS", "BUILDKIT", "PLATFORMS"].map((c) => header.indexOf(c));
  const [endpointAt, statusAt, buildkitAt, platformsAt] = cols as [number, number, number, number];
  const cell = (line: string, from: number, to: number) => (from < 0 ? "" : line.slice(from, to < 0 ? undefined : to)).trim().replace(/^\\_\s*/, "");
  const builders: { b: Omit<BuilderDetails, "nodes">; nodes: BuilderNodeDetails[] }[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (!line.trim()) continue;
    const first = line.slice(0, endpointAt).trim();
    if (!/^\s/.test(line)) {
      const m = /^(\S+?)\s*(\*)?$/.exec(first);
      if (!m) continue;
      builders.push({
        b: { name: m[1]!, driver: cell(line, endpointAt, statusAt).split(/\s+/)[0] ?? "", lastActivity: null, current: m[2] === "*", error: null },
        nodes: [],
      });
      continue;
    }
    const owner = builders[builders.length - 1];
    const nodeName = first.replace(/^\\_\s*/, "");
    if (!owner || !nodeName || /^(error|ERROR)/.test(nodeName)) continue;
    const { platforms, configured } = splitPlatforms(cell(line, platformsAt, -1));
    owner.nodes.push({
      ...emptyNode(nodeName),
      endpoint: cell(line, endpointAt, statusAt) || null,
      status: cell(line, statusAt, buildkitAt) || null,
      buildkitVersion: buildkitRelease(cell(line, buildkitAt, platformsAt)),
      buildkitVersionText: cell(line, buildkitAt, platformsAt) || null,
      platforms,
      configuredPlatforms: configured,
    });
  }
  return builders.map(({ b, nodes }) => ({ ...b, nodes }));
}

// ---------------------------------------------------------------------------------------------
// Running buildx

/** How this machine runs buildx, from the probe (no process: its version is cached on disk). */
async function buildxOf(env: Readonly<Record<string, string | undefined>> | undefined) {
  const caps = await probe({ inspect: false, ...(env ? { env } : {}) });
  if (!caps.buildxCommand) {
    const why = caps.problems.map((p) => p.message).join("; ") || "no buildx found";
    throw new BuilderError(["docker", "buildx"], { code: null, signal: null, stdout: "", stderr: `cannot run buildx: ${why}` });
  }
  return { command: caps.buildxCommand, version: caps.buildxVersion };
}

async function runBuildx(args: readonly string[], options: BuilderCallOptions = {}): Promise<{ stdout: string; stderr: string; argv: string[] }> {
  const { command } = await buildxOf(options.env);
  const argv = [...command, ...args];
  const ran = await capture(argv, { ...(options.env ? { env: options.env } : {}), timeoutMs: options.timeoutMs ?? 120_000 });
  if (ran.code !== 0) throw new BuilderError(argv, ran);
  return { stdout: ran.stdout, stderr: ran.stderr, argv };
}

/** The command as a person types it (`docker buildx ...`). */
function asTyped(argv: readonly string[]): readonly string[] {
  const [first, ...rest] = argv;
  return first !== undefined && first !== "docker" && /(^|\/)docker$/.test(first) ? ["docker", ...rest] : argv;
}

/** Refuses values that buildx would read as a flag, or that no argument can carry. */
function checkWords(what: Record<string, string | readonly string[] | undefined>): void {
  const problems: Diagnostic[] = [];
  for (const [option, value] of Object.entries(what)) {
    for (const v of value === undefined ? [] : typeof value === "string" ? [value] : value) {
      if (v.includes("\0")) {
        problems.push({ level: "error", code: "nul-byte", option, message: "holds a NUL byte (\\0), which no command-line argument can carry" });
      } else if (v.startsWith("-")) problems.push({ level: "error", code: "invalid-value", option, message: `${JSON.stringify(v)} would be read as a flag` });
      else if (v === "") problems.push({ level: "error", code: "invalid-value", option, message: "is empty" });
    }
  }
  if (problems.length) throw new ValidationError(problems);
}

/** buildx's folder of instance files and `current` (BUILDX_CONFIG, else DOCKER_CONFIG/buildx, else ~/.docker/buildx). */
function buildxConfigDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env.BUILDX_CONFIG) return env.BUILDX_CONFIG;
  const docker = env.DOCKER_CONFIG || join(env.HOME || host.env().HOME || "/", ".docker");
  return join(docker, "buildx");
}

/** The current builder's name from buildx's `current` file: null when none is set (the context's own). */
async function currentBuilderName(env: Readonly<Record<string, string | undefined>>): Promise<string | null> {
  if (env.BUILDX_BUILDER) return env.BUILDX_BUILDER;
  try {
    const name = (JSON.parse(await host.readText(join(buildxConfigDir(env), "current"))) as { Name?: string }).Name;
    return name || null;
  } catch {
    return null;
  }
}

/**
 * Every builder instance: `docker buildx ls --format json` where buildx has it (>= 0.13), the
 * `ls` table otherwise. Nodes are as far as `ls` knows them (it does not bootstrap).
 *
 * @example
 * for (const b of await listBuilders()) console.log(b.name, b.driver, b.nodes.map((n) => n.platforms.join(",")));
 */
export async function listBuilders(options: BuilderCallOptions = {}): Promise<BuilderDetails[]> {
  const env = options.env ?? host.env();
  const { version } = await buildxOf(options.env);
  if (atLeast(version, LS_JSON_SINCE)) {
    const [{ stdout }, current] = await Promise.all([runBuildx(["ls", "--format", "json"], options), currentBuilderName(env)]);
    // No current file: the docker context's own builder (named after the context) is current.
    return parseBuilderLsJson(stdout, current ?? (env.DOCKER_CONTEXT || "default"));
  }
  return parseBuilderLsText((await runBuildx(["ls"], options)).stdout);
}

/** How to inspect a builder. */
export interface InspectBuilderOptions extends BuilderCallOptions {
  /** Start the builder's nodes first (`--bootstrap`): a docker-container node's container, a kubernetes deployment. */
  readonly bootstrap?: boolean;
}

/**
 * One builder (default: the current one) with every node: name, endpoint, status, BuildKit
 * version, platforms (those set with `--platform` first, also in `configuredPlatforms`), driver
 * options and labels. Throws `BuilderError` when buildx cannot inspect it.
 *
 * @example
 * const b = await inspectBuilder("multi", { bootstrap: true });
 * for (const n of b.nodes) console.log(n.name, n.endpoint, n.status, n.buildkitVersion, n.platforms);
 */
export async function inspectBuilder(name?: string, options: InspectBuilderOptions = {}): Promise<BuilderDetails> {
  if (name !== undefined) checkWords({ name });
  const args = ["inspect", ...(options.bootstrap ? ["--bootstrap"] : []), ...(name ? [name] : [])];
  const ran = await runBuildx(args, options);
  const parsed = parseBuilderInspect(ran.stdout);
  if (!parsed) {
    throw new BuilderError(ran.argv, {
      code: 0,
      signal: null,
      stdout: ran.stdout,
      stderr: `${ran.stderr}\nbuildx inspect printed no builder and driver:\n${ran.stdout}`.trim(),
    });
  }
  return parsed;
}

/** What `docker buildx create` makes: a new builder, or a node appended to one. */
export interface CreateBuilderOptions extends BuilderCallOptions {
  /** The builder's name (buildx picks one when absent; required with `append`). */
  readonly name?: string;
  /** `docker-container`, `kubernetes`, `remote`, `cloud`, `docker` (buildx's default: docker-container). */
  readonly driver?: string;
  /** `--driver-opt` values: `{ namespace: "buildkit", replicas: "2" }` for kubernetes, `cacert` for remote, ... */
  readonly driverOpts?: Readonly<Record<string, string>>;
  /**
   * The node's endpoint: a docker context or `unix://`/`tcp://`/`ssh://` for docker-container, the
   * BuildKit address for remote (`tcp://buildkitd:1234`, `unix:///run/buildkit.sock`), `ORG/NAME`
   * for cloud.
   */
  readonly endpoint?: string;
  /** The platforms this node serves (`--platform`): buildx sends builds of them to it first. */
  readonly platforms?: string | readonly string[];
  /** Add a node to the existing builder `name` (`--append`). */
  readonly append?: boolean;
  /** The node's name (`--node`). */
  readonly node?: string;
  /** Start the node now (`--bootstrap`) rather than at its first build. */
  readonly bootstrap?: boolean;
  /** Make it the current builder (`--use`). */
  readonly use?: boolean;
  /** BuildKit daemon flags (`--buildkitd-flags`), for drivers that start BuildKit. */
  readonly buildkitdFlags?: string;
  /** A buildkitd.toml for drivers that start BuildKit (`--config`; buildx 0.14 also names it `--buildkitd-config`). */
  readonly config?: string;
}

/** The argv after `docker buildx` for `createBuilder(options)`. Pure. */
export function createBuilderArgs(options: CreateBuilderOptions): string[] {
  const platforms = options.platforms === undefined
    ? []
    : typeof options.platforms === "string"
    ? options.platforms.split(",").map((p) => p.trim()).filter(Boolean)
    : [...options.platforms];
  const opts = Object.entries(options.driverOpts ?? {}).map(([k, v]) => `${k}=${v}`);
  checkWords({
    name: options.name,
    driver: options.driver,
    endpoint: options.endpoint,
    platforms,
    node: options.node,
    driverOpts: opts,
    config: options.config,
  });
  if (options.append && !options.name) {
    throw new ValidationError([{
      level: "error",
      code: "append-needs-name",
      option: "append",
      message: "appending a node needs the builder's name",
      hint: "pass name: the builder to add the node to",
    }]);
  }
  return [
    "create",
    ...(options.name ? [`--name=${options.name}`] : []),
    ...(options.driver ? [`--driver=${options.driver}`] : []),
    ...opts.map((o) => `--driver-opt=${o}`),
    ...(platforms.length ? [`--platform=${platforms.join(",")}`] : []),
    ...(options.append ? ["--append"] : []),
    ...(options.node ? [`--node=${options.node}`] : []),
    ...(options.bootstrap ? ["--bootstrap"] : []),
    ...(options.use ? ["--use"] : []),
    ...(options.buildkitdFlags !== undefined ? [`--buildkitd-flags=${options.buildkitdFlags}`] : []),
    ...(options.config ? [`--config=${options.config}`] : []),
    ...(options.endpoint ? [options.endpoint] : []),
  ];
}

/**
 * Creates a builder, or appends a node to one (`append`), with `docker buildx create`; resolves
 * with the builder's name (as buildx printed it). Throws `BuilderError` when buildx refuses (a
 * duplicate endpoint, an unknown driver, an unreachable cluster with `bootstrap`).
 *
 * @example
 * await createBuilder({ name: "multi", driver: "remote", endpoint: "tcp://amd64-box:1234", platforms: ["linux/amd64"] });
 * await createBuilder({ name: "multi", append: true, node: "arm", driver: "remote", endpoint: "tcp://arm-box:1234", platforms: ["linux/arm64"] });
 */
export async function createBuilder(options: CreateBuilderOptions): Promise<string> {
  const { stdout } = await runBuildx(createBuilderArgs(options), options);
  return stdout.trim().split(/\r?\n/).pop()?.trim() || options.name || "";
}

/**
 * Makes `name` the current builder (`docker buildx use`); `global` for every docker context,
 * `default` to make it the context's default.
 *
 * @example
 * await useBuilder("multi");
 */
export async function useBuilder(name: string, options: BuilderCallOptions & { readonly global?: boolean; readonly default?: boolean } = {}): Promise<void> {
  checkWords({ name });
  await runBuildx(["use", ...(options.global ? ["--global"] : []), ...(options.default ? ["--default"] : []), name], options);
}

/**
 * Stops a builder's nodes (`docker buildx stop`): a docker-container node's container, a
 * kubernetes deployment scaled down. A remote node is not stopped (buildx does not own it).
 *
 * @example
 * await stopBuilder("multi");
 */
export async function stopBuilder(name?: string, options: BuilderCallOptions = {}): Promise<void> {
  if (name !== undefined) checkWords({ name });
  await runBuildx(["stop", ...(name ? [name] : [])], options);
}

/**
 * Removes a builder (`docker buildx rm`): its nodes' containers or deployments, and buildx's
 * instance file. `keepState` keeps BuildKit's state (its cache volume); `force` does not ask.
 *
 * @example
 * await removeBuilder("multi");
 */
export async function removeBuilder(
  name: string,
  options: BuilderCallOptions & { readonly keepState?: boolean; readonly keepDaemon?: boolean; readonly force?: boolean } = {},
): Promise<void> {
  checkWords({ name });
  await runBuildx([
    "rm",
    ...(options.keepState ? ["--keep-state"] : []),
    ...(options.keepDaemon ? ["--keep-daemon"] : []),
    ...(options.force ? ["--force"] : []),
    name,
  ], options);
}

// ---------------------------------------------------------------------------------------------
// Images of several builds: imagetools

/** What `mergeManifests()` makes. */
export interface MergeOptions extends BuilderCallOptions {
  /** The tags to create (at least one): `registry/repository:tag`. */
  readonly tags: string | readonly string[];
  /**
   * What goes into the index: digests (`sha256:...`, in the first tag's repository), or full
   * references (`localhost:5000/app@sha256:...`, `app:amd64`). An index among them adds all its
   * manifests (attestations included).
   */
  readonly sources: readonly string[];
  /** Annotations for the new index (`--annotation`, buildx >= 0.12): `index:org.opencontainers.image.source=...`. */
  readonly annotations?: readonly string[];
  /** Print the index instead of pushing it (`--dry-run`). */
  readonly dryRun?: boolean;
}

/** What `mergeManifests()` did. */
export interface MergeResult {
  /** The command, one element per argument: `docker buildx imagetools create ...`. */
  readonly argv: readonly string[];
  /** The command to paste. */
  readonly command: string;
  /** The index buildx printed, on a dry run. */
  readonly index: Readonly<Record<string, unknown>> | null;
}

/** The argv after `docker buildx` for `mergeManifests(options)`. Pure. */
export function mergeManifestsArgs(options: MergeOptions): string[] {
  const tags = typeof options.tags === "string" ? [options.tags] : [...(options.tags ?? [])];
  const sources = [...(options.sources ?? [])];
  const problems: Diagnostic[] = [];
  if (tags.length === 0) {
    problems.push({
      level: "error",
      code: "merge-needs-tag",
      option: "tags",
      message: "merging needs a tag for the new index",
      hint: 'pass tags: ["registry/repository:tag"]',
    });
  }
  if (sources.length === 0) {
    problems.push({ level: "error", code: "merge-needs-sources", option: "sources", message: "merging needs the digests (or references) to put in the index" });
  }
  if (problems.length) throw new ValidationError(problems);
  checkWords({ tags, sources, annotations: options.annotations });
  return [
    "imagetools",
    "create",
    ...(options.dryRun ? ["--dry-run"] : []),
    ...tags.map((t) => `--tag=${t}`),
    ...(options.annotations ?? []).map((a) => `--annotation=${a}`),
    ...sources,
  ];
}

/**
 * Creates the final tags of a build made in parts (one platform per runner, each pushed by
 * digest) with `docker buildx imagetools create`: one index holding every source's manifests.
 * No image is pulled or rebuilt; the registry copies by digest.
 *
 * @example
 * const amd = await build({ platform: "linux/amd64", output: "type=image,push-by-digest=true,name-canonical=true,push=true,name=localhost:5000/app" });
 * const arm = await build({ platform: "linux/arm64", output: "type=image,push-by-digest=true,name-canonical=true,push=true,name=localhost:5000/app" });
 * await mergeManifests({ tags: ["localhost:5000/app:1"], sources: [amd.digest!, arm.digest!] });
 */
export async function mergeManifests(options: MergeOptions): Promise<MergeResult> {
  const ran = await runBuildx(mergeManifestsArgs(options), options);
  let index: Record<string, unknown> | null = null;
  if (options.dryRun) {
    try {
      index = JSON.parse(ran.stdout) as Record<string, unknown>;
    } catch {
      index = null;
    }
  }
  return { argv: ran.argv, command: shellCommand(asTyped(ran.argv)), index };
}

/** One manifest of an image. */
export interface ImageManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number | null;
  /** `os/architecture[/variant]`; null for a single-manifest image (its platform is in its config). */
  readonly platform: string | null;
  /** True for an attestation manifest (provenance, SBOM): platform `unknown/unknown`, `vnd.docker.reference.type: attestation-manifest`. */
  readonly attestation: boolean;
  /** For an attestation: the digest of the manifest it describes. */
  readonly attests: string | null;
  readonly annotations: Readonly<Record<string, string>>;
}

/** An image in a registry, as `imagetools inspect` reads it. */
export interface ImageInspection {
  readonly ref: string;
  /** The digest of what `ref` names: the index, or the one manifest. */
  readonly digest: string | null;
  readonly mediaType: string | null;
  /** True when `ref` names an index (several manifests). */
  readonly index: boolean;
  /** Every manifest, attestations included (an index's in its order; one for a single manifest). */
  readonly manifests: readonly ImageManifest[];
  /** The platforms of the image's manifests, attestations left out. */
  readonly platforms: readonly string[];
  /** The raw JSON buildx printed. */
  readonly raw: Readonly<Record<string, unknown>>;
}

interface RawDescriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

/** Reads `imagetools inspect --format '{{json .Manifest}}'` output. Pure. */
export function parseImageInspection(ref: string, text: string): ImageInspection {
  const raw = JSON.parse(text) as Record<string, unknown> & RawDescriptor & { manifests?: RawDescriptor[] };
  const list = Array.isArray(raw.manifests) ? raw.manifests : null;
  const manifests: ImageManifest[] = (list ?? [raw]).map((m) => {
    const annotations = m.annotations ?? {};
    const p = list ? m.platform : undefined;
    const platform = p ? [p.os, p.architecture, p.variant].filter(Boolean).join("/") : null;
    const attestation = annotations["vnd.docker.reference.type"] === "attestation-manifest";
    return {
      digest: m.digest ?? "",
      mediaType: m.mediaType ?? "",
      size: typeof m.size === "number" ? m.size : null,
      platform,
      attestation,
      attests: attestation ? annotations["vnd.docker.reference.digest"] ?? null : null,
      annotations,
    };
  });
  return {
    ref,
    digest: typeof raw.digest === "string" ? raw.digest : null,
    mediaType: typeof raw.mediaType === "string" ? raw.mediaType : null,
    index: list !== null,
    manifests,
    platforms: manifests.filter((m) => !m.attestation && m.platform).map((m) => m.platform!),
    raw,
  };
}

/**
 * An image's index in a registry, with `docker buildx imagetools inspect --format '{{json .Manifest}}'`:
 * its digest, every manifest's platform and digest, attestation manifests marked as such.
 *
 * @example
 * const image = await inspectImage("localhost:5000/app:1");
 * console.log(image.platforms); // ["linux/amd64", "linux/arm64"]
 */
export async function inspectImage(ref: string, options: BuilderCallOptions = {}): Promise<ImageInspection> {
  checkWords({ ref });
  const { stdout } = await runBuildx(["imagetools", "inspect", "--format", "{{json .Manifest}}", ref], options);
  return parseImageInspection(ref, stdout);
}
