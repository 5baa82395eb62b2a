/**
 * Which builder `docker buildx build` uses, decided as buildx decides it (read from docker/buildx
 * v0.13.1, unchanged through v0.36.1):
 *
 * 1. `--builder NAME` (commands/root.go: the flag's default is `$BUILDX_BUILDER`), so
 * 2. `BUILDX_BUILDER`. A name is an instance file `instances/NAME` (lowercased, when a valid name)
 *    or else a docker context's own builder; else "no builder NAME found"
 *    (store/storeutil.GetNodeGroup). A context's builder builds only when that context is the
 *    current one (builder.Validate; `buildx inspect` skips the check): else buildx fails with "use
 *    `docker --context=NAME buildx` to switch to context NAME".
 * 3. buildx's `current` file, in `$BUILDX_CONFIG`, else `$DOCKER_CONFIG/buildx` (~/.docker/buildx)
 *    (util/confutil): `{Key, Name, Global}` (store.Txn.Current). With a Name: `Global` and the
 *    instance exists: that instance. `Key` equal to the current endpoint: the instance if it
 *    exists, else step 4 (the defaults file is not read). Otherwise `defaults/HASH` (HASH: the
 *    first 20 hex digits of sha256(endpoint), written by `buildx use --default`) names the
 *    instance, else step 4.
 * 4. The current docker context's builder (storeutil.GetCurrentInstance: GetNodeGroup of the
 *    context's name, so an instance file of that name comes first). The context is docker's
 *    (docker/cli resolveContextName): `DOCKER_HOST` set means "default", else `DOCKER_CONTEXT`,
 *    else config.json's `currentContext`, else "default".
 *
 * The endpoint (util/dockerutil.GetCurrentEndpoint) is the context's name, or for "default" its
 * docker host: `DOCKER_HOST` as docker parses it, else unix:///var/run/docker.sock.
 *
 * `decideBuilder` is the pure decision; `chooseBuilder` reads the files it needs and decides.
 */
import * as host from "../runtime/host.ts";
import { join } from "../runtime/posix.ts";

import type { BuilderSource } from "../core/capabilities.ts";
export type { BuilderSource };

/** Why docker uses the context it uses. */
export type ContextSource = "DOCKER_HOST" | "DOCKER_CONTEXT" | "config" | "default";

/** The docker context the docker CLI (and so buildx) uses. */
export interface DockerContextChoice {
  readonly name: string;
  readonly source: ContextSource;
}

/** An instance file's fields that matter here (store.NodeGroup). */
export interface InstanceFile {
  readonly Name?: string;
  readonly Driver?: string;
  readonly Nodes?:
    | readonly {
      readonly Name?: string;
      readonly Endpoint?: string;
      readonly Platforms?: readonly { OS?: string; Architecture?: string; Variant?: string; os?: string; architecture?: string; variant?: string }[] | null;
    }[]
    | null;
}

/** What buildx's and docker's files say, as far as the decision needs them. */
export interface SelectionFacts {
  /** config.json's `currentContext` ("" or null: none). */
  readonly currentContext: string | null;
  /** The `current` file's text, or null when there is none. */
  readonly current: string | null;
  /** `defaults/HASH`'s text for the current endpoint, or null when there is none. */
  readonly defaultForEndpoint: string | null;
  /** Instance files by (lowercased) name: their text. A name missing here has no file. */
  readonly instances: Readonly<Record<string, string>>;
  /** Docker contexts that exist besides "default" (which always does). */
  readonly contexts: readonly string[];
}

/** What was decided. */
export interface BuilderDecision {
  /** The builder's name, or null when buildx would fail (`error` says why). */
  readonly name: string | null;
  readonly source: BuilderSource;
  /** An instance of buildx's store, or a docker context's own builder (docker driver). */
  readonly kind: "instance" | "context" | null;
  /** The instance file, for `kind: "instance"`. */
  readonly instance: InstanceFile | null;
  /** For a context's builder, the context; for an instance, null. */
  readonly builderContext: string | null;
  /** The docker context docker uses. */
  readonly context: DockerContextChoice;
  /** The endpoint buildx keys `current` and `defaults/` on. */
  readonly endpoint: string;
  /** How the rule applied, for people: "--builder", "BUILDX_BUILDER", "current (Global)", ... */
  readonly detail: string;
  /**
   * Why buildx would fail to build with it, or null: no such builder (then `name` is null), or a
   * context's builder that is not the current context (`name` is that context).
   */
  readonly error: string | null;
}

/** The default daemon socket (docker/cli opts.defaultUnixSocket). */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/** A docker host as docker/cli's opts.ParseHost writes it ("" is the default socket). */
export function parseDockerHost(value: string | undefined): string {
  const trimmed = (value ?? "").trim();
  if (trimmed === "") return DEFAULT_DOCKER_HOST;
  const at = trimmed.indexOf("://");
  const proto = at === -1 ? "tcp" : trimmed.slice(0, at);
  const rest = at === -1 ? trimmed : trimmed.slice(at + 3);
  switch (proto) {
    case "unix":
      return `unix://${rest || "/var/run/docker.sock"}`;
    case "npipe":
      return `npipe://${rest || "//./pipe/docker_engine"}`;
    case "tcp": {
      if (rest === "") return "tcp://localhost:2375";
      const slash = rest.indexOf("/");
      const hostPort = slash === -1 ? rest : rest.slice(0, slash);
      const path = slash === -1 ? "" : rest.slice(slash);
      const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
      if (!m) return trimmed;
      return `tcp://${m[1] || "localhost"}:${m[2] || "2375"}${path}`;
    }
    default:
      return trimmed; // ssh://, fd://, or what docker refuses: kept as written
  }
}

/** The docker context docker uses (docker/cli resolveContextName, without --context and -H). */
export function dockerContextOf(env: Readonly<Record<string, string | undefined>>, currentContext: string | null): DockerContextChoice {
  if (env.DOCKER_HOST) return { name: "default", source: "DOCKER_HOST" };
  if (env.DOCKER_CONTEXT) return { name: env.DOCKER_CONTEXT, source: "DOCKER_CONTEXT" };
  if (currentContext) return { name: currentContext, source: "config" };
  return { name: "default", source: "default" };
}

/** The endpoint buildx keys its current builder on (dockerutil.GetCurrentEndpoint). */
export function endpointOf(context: DockerContextChoice, env: Readonly<Record<string, string | undefined>>): string {
  return context.name !== "default" ? context.name : parseDockerHost(env.DOCKER_HOST);
}

const NAME = /^[a-zA-Z][a-zA-Z0-9.\-_]*$/;

/** The instance-file name buildx reads for `name` (store.ValidateName), or null for an invalid name. */
export function instanceKey(name: string): string | null {
  return NAME.test(name) ? name.toLowerCase() : null;
}

/**
 * The builder buildx uses, from the builder asked for (the `--builder` option), the environment
 * and the files' contents. Pure: `chooseBuilder` reads the files.
 */
export function decideBuilder(input: {
  readonly builder?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly facts: SelectionFacts;
}): BuilderDecision {
  const { env, facts } = input;
  const context = dockerContextOf(env, facts.currentContext);
  const endpoint = endpointOf(context, env);
  const base = { context, endpoint };

  const instance = (name: string): InstanceFile | "missing" | "unreadable" => {
    const key = instanceKey(name);
    const text = key === null ? undefined : facts.instances[key];
    if (text === undefined) return "missing";
    try {
      const parsed: unknown = JSON.parse(text);
      return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as InstanceFile) : "unreadable";
    } catch {
      return "unreadable";
    }
  };
  const contextExists = (name: string) => name === "default" || facts.contexts.includes(name);

  // store/storeutil.GetNodeGroup: an instance, else a docker context's builder, else an error.
  const byName = (name: string, source: BuilderSource, detail: string): BuilderDecision => {
    const found = instance(name);
    if (found === "unreadable") {
      return {
        ...base,
        name: null,
        source,
        kind: null,
        instance: null,
        builderContext: null,
        detail,
        error: `the instance file of builder "${name}" cannot be read`,
      };
    }
    if (found !== "missing") {
      return { ...base, name: found.Name || instanceKey(name)!, source, kind: "instance", instance: found, builderContext: null, detail, error: null };
    }
    if (contextExists(name)) {
      // builder.Validate: a context's builder builds only as the current context's.
      const error = name === context.name ? null : `use \`docker --context=${name} buildx\` to switch to context "${name}"`;
      return { ...base, name, source, kind: "context", instance: null, builderContext: name, detail, error };
    }
    return { ...base, name: null, source, kind: null, instance: null, builderContext: null, detail, error: `no builder "${name}" found` };
  };

  if (input.builder) return byName(input.builder, "flag", "--builder");
  if (env.BUILDX_BUILDER) return byName(env.BUILDX_BUILDER, "env", "BUILDX_BUILDER");

  // store.Txn.Current(endpoint)
  const fromConfig = (name: string, detail: string): BuilderDecision | null => {
    const found = instance(name);
    return typeof found === "object"
      ? { ...base, name: found.Name || instanceKey(name)!, source: "config", kind: "instance", instance: found, builderContext: null, detail, error: null }
      : null;
  };
  const current = (): BuilderDecision | null | "context" => {
    if (facts.current !== null) {
      let c: { Key?: unknown; Name?: unknown; Global?: unknown };
      try {
        c = JSON.parse(facts.current) ?? {};
      } catch {
        return {
          ...base,
          name: null,
          source: "config",
          kind: null,
          instance: null,
          builderContext: null,
          detail: "current",
          error: "buildx's current file is not JSON",
        };
      }
      const name = typeof c.Name === "string" ? c.Name : "";
      if (name !== "") {
        if (c.Global === true) {
          const global = fromConfig(name, "current (Global)");
          if (global) return global;
        }
        if (c.Key === endpoint) return fromConfig(name, "current (Key)") ?? "context";
      }
    }
    if (facts.defaultForEndpoint !== null) return fromConfig(facts.defaultForEndpoint, "defaults (buildx use --default)");
    return null;
  };
  const chosen = current();
  if (chosen && chosen !== "context") return chosen;

  // storeutil.GetCurrentInstance: the docker context's builder.
  const source: BuilderSource = context.source === "default" ? "default" : "context";
  const detail = context.source === "default"
    ? "the default context"
    : `docker context ${context.name} (${context.source === "config" ? "config.json currentContext" : context.source})`;
  return byName(context.name, source, detail);
}

/** sha256 in hex (Web Crypto, on every runtime). */
async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await host.readText(path);
  } catch {
    return null;
  }
}

/** docker's configuration folder: `$DOCKER_CONFIG`, else ~/.docker. */
export function dockerConfigDir(env: Readonly<Record<string, string | undefined>>): string {
  return env.DOCKER_CONFIG || join(env.HOME || host.env().HOME || "/", ".docker");
}

/** buildx's store: `$BUILDX_CONFIG`, else `$DOCKER_CONFIG/buildx` (util/confutil). */
export function buildxConfigDir(env: Readonly<Record<string, string | undefined>>): string {
  return env.BUILDX_CONFIG || join(dockerConfigDir(env), "buildx");
}

/** A docker context's meta.json (docker/cli context store: contexts/meta/sha256(name)/meta.json). */
async function contextMeta(env: Readonly<Record<string, string | undefined>>, name: string): Promise<{ Endpoints?: { docker?: { Host?: string } } } | null> {
  const text = await readOrNull(join(dockerConfigDir(env), "contexts", "meta", await sha256(name), "meta.json"));
  try {
    return text === null ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

/** The docker host of a context ("default": DOCKER_HOST or the default socket), or null when unknown. */
export async function contextHost(env: Readonly<Record<string, string | undefined>>, name: string): Promise<string | null> {
  if (name === "default") return parseDockerHost(env.DOCKER_HOST);
  return (await contextMeta(env, name))?.Endpoints?.docker?.Host ?? null;
}

/**
 * The builder buildx uses here, read from the files as buildx reads them, plus the docker host
 * its engine answers on when the files tell (for a docker-driver builder: where it builds and
 * loads). Never throws.
 */
export async function chooseBuilder(
  builder: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<BuilderDecision & { readonly engineHost: string | null }> {
  const dir = buildxConfigDir(env);
  const configText = env.DOCKER_HOST || env.DOCKER_CONTEXT ? null : await readOrNull(join(dockerConfigDir(env), "config.json"));
  let currentContext: string | null = null;
  try {
    const parsed = configText === null ? null : JSON.parse(configText);
    currentContext = typeof parsed?.currentContext === "string" ? parsed.currentContext : null;
  } catch {
    currentContext = null;
  }
  const context = dockerContextOf(env, currentContext);
  const endpoint = endpointOf(context, env);
  const named = builder || env.BUILDX_BUILDER || "";
  const [current, defaultForEndpoint] = named
    ? [null, null]
    : await Promise.all([readOrNull(join(dir, "current")), sha256(endpoint).then((h) => readOrNull(join(dir, "defaults", h.slice(0, 20))))]);
  let currentName = "";
  try {
    const n = current === null ? null : (JSON.parse(current) as { Name?: unknown } | null)?.Name;
    currentName = typeof n === "string" ? n : "";
  } catch {
    // decided below
  }
  // Every instance the decision may ask for, and whether those names are contexts.
  const candidates = [...new Set([named, currentName, defaultForEndpoint ?? "", context.name].filter(Boolean))];
  const instances: Record<string, string> = {};
  const contexts: string[] = [];
  await Promise.all(candidates.map(async (name) => {
    const key = instanceKey(name);
    const [text, meta] = await Promise.all([key ? readOrNull(join(dir, "instances", key)) : null, name === "default" ? null : contextMeta(env, name)]);
    if (key && text !== null) instances[key] = text;
    if (meta) contexts.push(name);
  }));
  const decision = decideBuilder({ builder, env, facts: { currentContext, current, defaultForEndpoint, instances, contexts } });
  return { ...decision, engineHost: await engineHostOf(decision, env) };
}

/** The docker host of the engine a builder builds on, when it is a docker engine the files name. */
async function engineHostOf(decision: BuilderDecision, env: Readonly<Record<string, string | undefined>>): Promise<string | null> {
  if (decision.kind === "context" && decision.builderContext) return await contextHost(env, decision.builderContext);
  const node = decision.instance?.Nodes?.[0];
  const driver = decision.instance?.Driver;
  if (decision.kind === "instance" && node?.Endpoint && (!driver || driver === "docker-container" || driver === "docker")) {
    // A node's endpoint is a context's name or a docker host.
    return node.Endpoint.includes("://") ? node.Endpoint : await contextHost(env, node.Endpoint);
  }
  // Other drivers build elsewhere; the engine docker talks to is the context's.
  return await contextHost(env, decision.context.name);
}
