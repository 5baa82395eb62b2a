/**
 * `probe()`: what this machine can build with, read from the real tools (`buildx version`,
 * `buildx inspect`, the Docker API). Cached per process, and on disk what only changes with a new
 * binary or a restarted daemon (buildx's version, the image store). Never throws for a missing or
 * broken docker: every obstacle becomes a `Problem` in the result.
 */
import * as host from "../runtime/host.ts";
import { delimiter, dirname, join } from "../runtime/posix.ts";
import { type BuilderInfo, type BuilderNode, buildkitRelease, type Capabilities, type Problem, UNKNOWN_CAPABILITIES } from "../core/capabilities.ts";
import { type BuilderDecision, chooseBuilder } from "./selection.ts";
import { FLAGS, MIN_BUILDX } from "../core/flags.ts";
import { capture, type Captured } from "../runtime/spawn.ts";
import { atLeast, parseBuildxVersion } from "../core/version.ts";
import { parseInspect } from "../core/inspect.ts";

/** How to probe. */
export interface ProbeOptions {
  /**
   * The builder to inspect (`--builder`), else the one buildx picks: `BUILDX_BUILDER`, buildx's
   * current builder (`$BUILDX_CONFIG/current`), the docker context's (lib/build/selection.ts).
   */
  readonly builder?: string;
  /** The environment the tools see (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Ignore the cache and ask the tools again. */
  readonly refresh?: boolean;
  /**
   * Run `buildx inspect` for the builder's nodes, platforms and BuildKit version (default true).
   * `false` reads the driver from buildx's files instead, with no process: enough to plan a build.
   */
  readonly inspect?: boolean;
  /**
   * How long each command the probe runs (`buildx version`, `buildx inspect`, `docker info`) may
   * take before it is stopped, with everything it started, and reported as a `probe-timeout`
   * problem. Default: the environment's `BUILDX_KIT_PROBE_TIMEOUT_MS`, else 20 s.
   */
  readonly timeoutMs?: number;
}

/** How long a probe's command may take by default. */
export const PROBE_TIMEOUT_MS = 20_000;

const cache = new Map<string, Promise<Capabilities>>();

/** The first executable called `name` on PATH, or null. Every folder is asked at once. */
export async function findExecutable(name: string, path: string | undefined): Promise<string | null> {
  const candidates = (path ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  const found = await Promise.all(candidates.map(host.isExecutableFile));
  return candidates[found.indexOf(true)] ?? null;
}

/** The probe's time limit per command: the option, else BUILDX_KIT_PROBE_TIMEOUT_MS, else 20 s. */
function probeTimeout(options: ProbeOptions, env: Record<string, string | undefined>): number {
  const given = options.timeoutMs ?? Number(env.BUILDX_KIT_PROBE_TIMEOUT_MS || NaN);
  return Number.isFinite(given) && given > 0 ? given : PROBE_TIMEOUT_MS;
}

/** The commands that outlived the time limit, as problems: one each, naming the command and the limit. */
const hung = new WeakMap<Record<string, string | undefined>, Problem[]>();

function run(command: readonly string[], args: readonly string[], env: Record<string, string | undefined>): Promise<Captured> {
  const timeoutMs = timeouts.get(env) ?? PROBE_TIMEOUT_MS;
  return capture([...command, ...args], { env, timeoutMs }).then((ran) => {
    if (ran.timedOut) {
      const shown = [command[0]!.split("/").pop()!, ...command.slice(1), ...args].join(" ");
      const limit = timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`;
      const list = hung.get(env) ?? [];
      list.push({
        code: "probe-timeout",
        message:
          `${shown} did not answer within ${limit}: stopped it and everything it started (a hung docker or buildx; BUILDX_KIT_PROBE_TIMEOUT_MS sets the limit)`,
      });
      hung.set(env, list);
    }
    return ran;
  });
}

/** Per probe (its environment object), the time limit its commands run under. */
const timeouts = new WeakMap<Record<string, string | undefined>, number>();

export { parseInspect } from "../core/inspect.ts";

/** Reads whether `docker info` JSON says the engine uses the containerd image store. */
export function usesContainerdStore(info: { DriverStatus?: unknown; Driver?: unknown }): boolean {
  const status = Array.isArray(info.DriverStatus) ? info.DriverStatus : [];
  return status.some((pair) => Array.isArray(pair) && pair[0] === "driver-type" && String(pair[1]).includes("containerd.snapshotter"));
}

async function gather(options: ProbeOptions): Promise<Capabilities> {
  const env = options.env ? { ...options.env } : host.env();
  timeouts.set(env, probeTimeout(options, env));
  const problems: Problem[] = [];
  const builder = options.builder ?? env.BUILDX_BUILDER ?? undefined;

  // The engine over its API socket and buildx's version from a cache cost no process; only a
  // builder that must be inspected (platforms, a remote driver) or a cache miss spawns.
  // All at once, docker's own lookup on PATH included: each waits on files or the socket, and
  // only what needs docker's path waits for it. `buildx inspect` runs only when asked for, or
  // when buildx's files do not tell the builder.
  const dockerFound = findExecutable("docker", env.PATH);
  const selection = chooseBuilder(options.builder, env).catch(() => null);
  const files = options.inspect === false ? selection.then(builderFromDecision) : Promise.resolve(null);
  const installed = installedPlugin(env);
  const engineAsked = engineInfo(dockerFound, env, options.refresh === true, selection);

  const docker = await dockerFound;
  const standalone = docker ? null : await findExecutable("buildx", env.PATH);
  const buildxCommand = docker ? [docker, "buildx"] : standalone ? [standalone] : null;
  if (!buildxCommand) {
    problems.push({ code: "no-docker", message: "no docker (and no standalone buildx) on PATH" });
    return blank({ problems, ...chosenBy(await selection) });
  }
  const [fromFiles, version, inspect, engine, plugin] = await Promise.all([
    files,
    installed.then((found) => buildxVersion(buildxCommand, docker, docker ? found : null, env, options.refresh === true)),
    files.then((known) => (known ? null : run(buildxCommand, builder ? ["inspect", builder] : ["inspect"], env))),
    docker ? engineAsked : null,
    installed.then((found) => (docker && found ? pluginOf(docker, found, env) : null)),
  ]);

  // A command that hung is named as such, not as what its missing answer would otherwise suggest.
  const timedOut = hung.get(env) ?? [];
  problems.push(...timedOut);
  if (version.timedOut) {
    return blank({ problems, engineVersion: engine?.version ?? null, containerdImageStore: engine?.containerdImageStore ?? null, buildxCommand });
  }

  const engineVersion = engine?.version ?? null;
  const containerdImageStore = engine?.containerdImageStore ?? null;
  if (engine?.problem && !timedOut.some((p) => p.message.includes(" info "))) {
    problems.push({ code: "daemon-unreachable", message: `the Docker daemon is not reachable: ${engine.problem}` });
  }

  const parsedVersion = parseBuildxVersion(version.stdout);
  const buildxMissing = version.code !== 0 && /is not a docker command|unknown command|not found/i.test(version.stderr + version.stdout);
  if (version.code !== 0 && (buildxMissing || !version.stdout.trim())) {
    problems.push({ code: "no-buildx", message: `buildx is not installed: ${firstLine(version.stderr) || `exit code ${version.code}`}` });
    return blank({ problems, engineVersion, containerdImageStore, buildxCommand: null, ...chosenBy(await selection) });
  }
  if (parsedVersion.kind === "unreadable") {
    problems.push({
      code: "buildx-version-unreadable",
      message: parsedVersion.raw
        ? `cannot read a version in what buildx version printed: ${JSON.stringify(parsedVersion.raw)}`
        : `buildx version printed nothing${version.code === 0 ? " (exit code 0)" : ` (exit code ${version.code})`}: reinstall buildx, or see what "${
          buildxCommand.join(" ")
        } version" prints`,
    });
  }
  if (parsedVersion.version !== null && !atLeast(parsedVersion.version, MIN_BUILDX)) {
    problems.push({ code: "buildx-too-old", message: `buildx ${parsedVersion.version} is older than ${MIN_BUILDX}, the oldest buildx-kit supports` });
  }

  const builderInfo = fromFiles ?? (inspect?.code === 0 ? parseInspect(inspect.stdout) : null);
  if (!builderInfo && inspect && !inspect.timedOut && !problems.some((p) => p.code === "daemon-unreachable")) {
    problems.push({
      code: "builder-unavailable",
      message: `cannot inspect builder ${builder ?? "(current)"}: ${firstLine(inspect.stderr) || `exit code ${inspect.code}`}`,
    });
  }
  // A builder buildx can name but will not build with (another context's: builder.Validate).
  const chosen = await selection;
  if (chosen?.error && chosen.name !== null) {
    problems.push({ code: "builder-unavailable", message: `cannot build with builder ${chosen.name}: ${chosen.error}` });
  }
  const firstNode: BuilderNode | undefined = builderInfo?.nodes[0];
  return {
    buildxVersion: parsedVersion.version,
    buildxVersionText: parsedVersion.raw,
    buildxCommand,
    buildxPlugin: plugin,
    engineVersion,
    driver: builderInfo?.driver ?? null,
    // A release, or null: Debian's engine reports v0.0.0+unknown, which is none.
    buildkitVersion: buildkitRelease(firstNode?.buildkitVersion),
    containerdImageStore,
    builder: builderInfo,
    ...chosenBy(await selection),
    problems,
  };
}

/** Which rule chose the builder, and the docker context docker uses, for Capabilities. */
function chosenBy(decision: BuilderDecision | null): Pick<Capabilities, "builderSource" | "dockerContext"> {
  return { builderSource: decision?.source ?? null, dockerContext: decision?.context.name ?? null };
}

interface EngineInfo {
  readonly version: string | null;
  readonly containerdImageStore: boolean | null;
  /** Why the daemon did not answer, or null. */
  readonly problem: string | null;
}

/**
 * The daemon's `/info`: over its unix socket when DOCKER_HOST is one (no process), else `docker info`.
 * Over the socket, `/_ping` (under 1 ms) says the daemon is up and which version it is; the image
 * store, which only `/info` tells (~10 ms, the bulk of a probe), is cached on disk while the same
 * daemon runs: keyed by its socket and pid file, both made anew when a daemon starts, and its
 * version. No pid file beside the socket (a remote or proxied daemon): asked every time.
 */
async function engineInfo(
  dockerFound: Promise<string | null>,
  env: Record<string, string | undefined>,
  refresh: boolean,
  selection: Promise<(BuilderDecision & { engineHost: string | null }) | null>,
): Promise<EngineInfo> {
  // The engine of the builder buildx picks: its docker context's (lib/build/selection.ts).
  const chosen = await selection;
  const daemonHost = chosen
    ? chosen.engineHost
    : env.DOCKER_HOST || (env.DOCKER_CONTEXT && env.DOCKER_CONTEXT !== "default" ? null : "unix:///var/run/docker.sock");
  if (daemonHost?.startsWith("unix://")) {
    const socketPath = daemonHost.slice("unix://".length);
    try {
      const file = cacheFile(env, "engine.json");
      const reading = refresh ? Promise.resolve({} as Record<string, unknown>) : readJson(file);
      const daemon = await daemonKey(socketPath);
      if (daemon) {
        // The ping goes out while the cache file is read.
        const [ping, cached] = await Promise.all([getOverSocket(socketPath, "/_ping"), reading]);
        const version = /^Server:\s*Docker\/(\S+)/im.exec(ping.head)?.[1] ?? null;
        const key = `${daemon}|${version}`;
        const known = cached[key] as { containerdImageStore?: unknown } | undefined;
        if (typeof known?.containerdImageStore === "boolean") return { version, containerdImageStore: known.containerdImageStore, problem: null };
        const info = JSON.parse((await getOverSocket(socketPath, "/info")).body) as { ServerVersion?: string; DriverStatus?: unknown };
        const containerdImageStore = usesContainerdStore(info);
        if (version && info.ServerVersion === version) await writeJson(file, { [key]: { containerdImageStore } });
        return { version: info.ServerVersion ?? null, containerdImageStore, problem: null };
      }
      const info = JSON.parse((await getOverSocket(socketPath, "/info")).body) as { ServerVersion?: string; DriverStatus?: unknown };
      return { version: info.ServerVersion ?? null, containerdImageStore: usesContainerdStore(info), problem: null };
    } catch (e) {
      return { version: null, containerdImageStore: null, problem: `cannot connect to the Docker daemon at ${daemonHost} (${(e as Error).message})` };
    }
  }
  const docker = await dockerFound;
  if (!docker) return { version: null, containerdImageStore: null, problem: "no docker on PATH" };
  // A builder on another context than docker's own: ask that context's engine.
  const other = chosen?.kind === "context" && chosen.builderContext && chosen.builderContext !== chosen.context.name
    ? ["--context", chosen.builderContext]
    : [];
  const info = await run([docker], [...other, "info", "--format", "{{json .}}"], env);
  let parsed: { ServerVersion?: string; DriverStatus?: unknown; ServerErrors?: string[] } | null = null;
  try {
    parsed = JSON.parse(info.stdout.trim().split("\n")[0] || "null");
  } catch {
    parsed = null;
  }
  const serverError = parsed?.ServerErrors?.join("; ");
  if (info.code === 0 && parsed?.ServerVersion && !serverError) {
    return { version: parsed.ServerVersion, containerdImageStore: usesContainerdStore(parsed), problem: null };
  }
  return { version: null, containerdImageStore: null, problem: firstLine(serverError || info.stderr) || `docker info exited with code ${info.code}` };
}

/**
 * Which daemon serves this socket, as far as files tell: the socket's and the daemon's pid file's
 * (`docker.pid` beside it: /var/run, or $XDG_RUNTIME_DIR when rootless) inode and mtime. A daemon
 * start rewrites the pid file even when systemd keeps the socket. Null without a pid file.
 */
async function daemonKey(socketPath: string): Promise<string | null> {
  const [sock, pid] = await Promise.all([host.stat(socketPath).catch(() => null), host.stat(join(dirname(socketPath), "docker.pid")).catch(() => null)]);
  if (!sock || !pid) return null;
  // host.stat's mtimes are whole milliseconds on every runtime: one key for all on one machine.
  return `${socketPath}:${sock.ino}:${sock.mtimeMs}:${pid.ino}:${pid.mtimeMs}`;
}

function cacheFile(env: Record<string, string | undefined>, name: string): string {
  return join(env.XDG_CACHE_HOME || join(home(env), ".cache"), "buildx-kit", name);
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  try {
    const value: unknown = JSON.parse(await host.readText(file));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Replaces a cache file atomically; a cache that cannot be written only costs a request next time. */
async function writeJson(file: string, value: Record<string, unknown>): Promise<void> {
  try {
    await host.makeDir(dirname(file));
    const tmp = `${file}.${host.pid()}.tmp`;
    await host.writeText(tmp, JSON.stringify(value));
    await host.rename(tmp, file);
  } catch {
    // not cached
  }
}

/**
 * A GET on the Docker API's unix socket: the head (status line and headers) and the body; rejects
 * on a refused connection or a non-200 answer. Plain HTTP/1.0 (the daemon answers unchunked and
 * closes): node:http would cost ~10 ms to load, on every runtime, for this request.
 */
async function getOverSocket(socketPath: string, path: string): Promise<{ head: string; body: string }> {
  const text = new TextDecoder().decode(await host.askUnixSocket(socketPath, `GET ${path} HTTP/1.0\r\nHost: docker\r\n\r\n`, 10_000));
  const split = text.indexOf("\r\n\r\n");
  const status = /^HTTP\/\d\.\d (\d{3})/.exec(text)?.[1];
  const head = split === -1 ? text : text.slice(0, split);
  const body = split === -1 ? "" : text.slice(split + 4);
  if (status !== "200") throw new Error(`HTTP ${status ?? "?"}: ${body.trim()}`);
  return { head, body };
}

/** The home folder: the environment's HOME, else this process's. */
function home(env: Record<string, string | undefined>): string {
  return env.HOME || host.env().HOME || "/";
}

/** docker's configuration folder: config.json, cli-plugins, buildx's files. */
function configDir(env: Record<string, string | undefined>): string {
  return env.DOCKER_CONFIG || join(home(env), ".docker");
}

/** Where docker looks for CLI plugins, in its order (when config.json adds none). */
function pluginDirs(env: Record<string, string | undefined>): string[] {
  return [
    join(configDir(env), "cli-plugins"),
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
  ];
}

/** The first executable `docker-buildx` file in docker's plugin folders, every folder asked at once. */
async function installedPlugin(env: Record<string, string | undefined>): Promise<string | null> {
  const candidates = pluginDirs(env).map((dir) => join(dir, "docker-buildx"));
  const usable = await Promise.all(candidates.map(host.isExecutableFile));
  return candidates[usable.indexOf(true)] ?? null;
}

/**
 * Whether `docker buildx` surely runs `plugin` (the installed one), so a build can start it
 * directly: not when docker is a script (a wrapper may do more than pass `buildx` on), nor when
 * config.json adds plugin folders (docker releases differ in where they go).
 */
async function pluginOf(docker: string, plugin: string, env: Record<string, string | undefined>): Promise<string | null> {
  const [head, config] = await Promise.all([
    host.readHead(docker, 2).then((b) => new TextDecoder("latin1").decode(b), () => null),
    readJson(join(configDir(env), "config.json")),
  ]);
  if (head === null || head === "#!") return null;
  const extra = config.cliPluginsExtraDirs;
  if (Array.isArray(extra) && extra.length > 0) return null;
  return plugin;
}

async function fingerprint(path: string): Promise<string | null> {
  try {
    const s = await host.stat(path);
    return `${path}:${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}

const VERSION_CACHE_ENTRIES = 8;

/**
 * `buildx version`, cached on disk by the binaries' path, size and mtime: an upgrade changes the
 * key, so the cache is never stale, and a CLI run does not spawn for it.
 */
async function buildxVersion(
  command: readonly string[],
  docker: string | null,
  plugin: string | null,
  env: Record<string, string | undefined>,
  refresh: boolean,
): Promise<Captured> {
  // With docker: its own binary and its plugin; without a plugin found, nothing to key on.
  const binaries = docker ? (plugin ? [docker, plugin] : []) : [command[0]!];
  const prints = await Promise.all(binaries.map(fingerprint));
  const key = prints.length && prints.every((f) => f !== null) ? prints.join("|") : null;
  const file = cacheFile(env, "buildx-version.json");
  const cached = key ? await readJson(file) : {};
  if (key && !refresh && typeof cached[key] === "string") return { code: 0, signal: null, stdout: cached[key] as string, stderr: "" };
  const ran = await run(command, ["version"], env);
  // A cache that cannot be written only costs a spawn next time.
  if (key && ran.code === 0 && parseBuildxVersion(ran.stdout).raw) {
    // The newest few binaries only: every CLI run reads this file.
    const others = Object.entries(cached).filter(([k]) => k !== key).slice(-(VERSION_CACHE_ENTRIES - 1));
    await writeJson(file, Object.fromEntries([...others, [key, ran.stdout]]));
  }
  return ran;
}

/**
 * The builder from buildx's own files, as buildx picks it (lib/build/selection.ts): a docker context's
 * builder (docker driver), or a named instance's driver and nodes. Null when only `buildx
 * inspect` can tell (buildx would not find the builder: inspect says why).
 */
function builderFromDecision(decision: BuilderDecision | null): BuilderInfo | null {
  if (!decision?.name) return null;
  if (decision.kind === "context") return { name: decision.name, driver: "docker", nodes: [] };
  const instance = decision.instance;
  if (!instance) return null;
  // No driver: a docker context's builder saved as an instance; buildx picks the docker driver
  // for an engine with BuildKit (builder.Factory), any engine buildx-kit can build on.
  return {
    name: instance.Name ?? decision.name,
    driver: instance.Driver || "docker",
    nodes: (instance.Nodes ?? []).map((n) => {
      // The file holds only the platforms set with --platform (buildx writes lower-case keys; Go's
      // encoding/json reads either case, older files may have the capitalised ones); BuildKit's own
      // come from inspect.
      const configured = (n.Platforms ?? []).map((p) => [p.os ?? p.OS, p.architecture ?? p.Architecture, p.variant ?? p.Variant].filter(Boolean).join("/"));
      return { name: n.Name ?? "", status: null, platforms: configured, buildkitVersion: null, endpoint: n.Endpoint ?? null, configuredPlatforms: configured };
    }),
  };
}

function firstLine(text: string | undefined): string {
  return (text ?? "").trim().split(/\r?\n/).find((l) => l.trim())?.replace(/^ERROR:\s*/, "").trim() ?? "";
}

function blank(fields: Partial<Capabilities>): Capabilities {
  return { ...UNKNOWN_CAPABILITIES, ...fields };
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
  const env = options.env ?? host.env();
  const key = JSON.stringify([
    options.inspect !== false,
    options.builder ?? env.BUILDX_BUILDER ?? "",
    env.PATH ?? "",
    env.DOCKER_HOST ?? "",
    env.DOCKER_CONTEXT ?? "",
    env.DOCKER_CONFIG ?? "",
    env.BUILDX_CONFIG ?? "",
  ]);
  const cached = cache.get(key);
  if (cached && !options.refresh) return cached;
  // A full probe answers a light one too.
  const full = options.inspect === false ? cache.get(JSON.stringify([true, ...JSON.parse(key).slice(1)])) : undefined;
  if (full && !options.refresh) return full;
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
export const ATTESTATION_SINCE: string = FLAGS.attest.since;

/**
 * True when buildx is there and is 0.10.0 or newer (the original backend compared `> 0.10.0`,
 * wrongly rejecting 0.10.0), or is a development build (`v0.0.0+unknown`, `dev`, a commit: built
 * from source, so as new as its source). False when its version output was empty or unreadable
 * (which `healthReport()` reports as a problem). Give capabilities to decide without probing.
 */
export async function supportsAttestation(capabilities?: Capabilities): Promise<boolean> {
  const caps = capabilities ?? (await probe({ inspect: false }));
  if (caps.buildxCommand === null) return false;
  if (caps.buildxVersion !== null) return atLeast(caps.buildxVersion, ATTESTATION_SINCE);
  return parseBuildxVersion(caps.buildxVersionText).kind === "development";
}
