/**
 * Reading `docker buildx inspect` text, pure: the one parser of it, used by `probe()` (the builder
 * a build would use) and by `inspectBuilder()` (every detail of every node).
 */
import { type BuilderInfo, type BuilderNode, buildkitRelease } from "./capabilities.ts";

/** A node as `buildx inspect` describes it: the Capabilities' node, with what inspect adds. */
export interface BuilderNodeDetails extends BuilderNode {
  readonly endpoint: string | null;
  readonly configuredPlatforms: readonly string[];
  /** `--driver-opt` values (`Driver Options:`), unquoted. */
  readonly driverOptions: Readonly<Record<string, string>>;
  /** `--buildkitd-flags` (`Flags:`), as printed. */
  readonly flags: string | null;
  /** BuildKit's worker labels (hostname, executor, snapshotter, ...). */
  readonly labels: Readonly<Record<string, string>>;
  /** Why the node could not be reached, when inspect says so. */
  readonly error: string | null;
}

/** A builder instance as `buildx inspect` or `buildx ls` describes it. */
export interface BuilderDetails extends BuilderInfo {
  readonly nodes: readonly BuilderNodeDetails[];
  /** `Last Activity`, as buildx prints it; null when never used or not said. */
  readonly lastActivity: string | null;
  /** Whether it is the current builder (`buildx use`); null when the listing does not say. */
  readonly current: boolean | null;
  /** Why the builder could not be loaded, when buildx says so. */
  readonly error: string | null;
}

/** Splits `a="1" b="x y"` (inspect's `Driver Options:`) into a record. */
export function parseDriverOptions(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const raw = m[2]!;
    out[m[1]!] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
  }
  return out;
}

/** A node's `Platforms:` line: every platform, and those set with `--platform` (marked `*`). */
export function splitPlatforms(value: string): { platforms: string[]; configured: string[] } {
  const listed = value.split(",").map((s) => s.trim()).filter(Boolean);
  return {
    platforms: listed.map((p) => p.replace(/\*$/, "")),
    // FormatInGroups: the platforms set with --platform come first, marked `*`.
    configured: listed.filter((p) => p.endsWith("*")).map((p) => p.slice(0, -1)),
  };
}

/** A node while it is being read. */
export type MutableNode = { -readonly [K in keyof BuilderNodeDetails]: BuilderNodeDetails[K] } & {
  driverOptions: Record<string, string>;
  labels: Record<string, string>;
};

/** A node with nothing read yet. */
export function emptyNode(name: string): MutableNode {
  return {
    name,
    endpoint: null,
    status: null,
    buildkitVersion: null,
    buildkitVersionText: null,
    platforms: [],
    configuredPlatforms: [],
    driverOptions: {},
    flags: null,
    labels: {},
    error: null,
  };
}

/**
 * Reads `docker buildx inspect` text: the builder, then every node with its endpoint, status,
 * BuildKit version, platforms (those set with `--platform` first, as buildx prints them), driver
 * options, flags and labels. Both dialects: `Buildkit:` (buildx < 0.13) and `BuildKit version:`
 * (0.13 and later). Null when the text names no builder or no driver (an unreachable daemon).
 */
export function parseBuilderInspect(text: string): BuilderDetails | null {
  let name: string | null = null;
  let driver: string | null = null;
  let lastActivity: string | null = null;
  let error: string | null = null;
  const nodes: MutableNode[] = [];
  let inNodes = false;
  let block: "labels" | "other" | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") {
      block = null;
      continue;
    }
    if (line.trim() === "Nodes:") {
      inNodes = true;
      block = null;
      continue;
    }
    const node = nodes[nodes.length - 1];
    // An indented line belongs to the block above it (Labels:, GC Policy rule#N:).
    if (/^\s/.test(line)) {
      if (block === "labels" && node) {
        const m = /^\s+([^:]+(?::[^\s:][^:]*)*?):\s+(.*)$/.exec(line) ?? /^\s+(\S+):\s*(.*)$/.exec(line);
        if (m) node.labels[m[1]!.trim()] = m[2]!.trim();
      }
      continue;
    }
    const m = /^([A-Za-z][A-Za-z #0-9]*?):\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    block = key === "labels" ? "labels" : /^gc policy/.test(key) ? "other" : null;
    if (!inNodes) {
      if (key === "name") name = value;
      else if (key === "driver") driver = value;
      else if (key === "last activity") lastActivity = value || null;
      else if (key === "error") error = value || null;
      continue;
    }
    if (key === "name") {
      nodes.push(emptyNode(value));
      continue;
    }
    if (!node) continue;
    if (key === "endpoint") node.endpoint = value || null;
    else if (key === "status") node.status = value || null;
    else if (key === "buildkit version" || key === "buildkit") {
      // The release, or null for none (Debian's engine says v0.0.0+unknown); the text as printed.
      node.buildkitVersion = buildkitRelease(value);
      node.buildkitVersionText = value || null;
    } else if (key === "platforms") {
      const { platforms, configured } = splitPlatforms(value);
      node.platforms = platforms;
      node.configuredPlatforms = configured;
    } else if (key === "driver options") node.driverOptions = parseDriverOptions(value);
    else if (key === "flags") node.flags = value || null;
    else if (key === "error") node.error = value || null;
  }
  if (name === null || !driver) return null;
  return { name, driver, nodes, lastActivity, current: null, error };
}

/** What `probe()` keeps of `docker buildx inspect`: the builder, its driver, each node's platforms and BuildKit. */
export function parseInspect(text: string): BuilderInfo | null {
  const details = parseBuilderInspect(text);
  if (!details) return null;
  const nodes: BuilderNode[] = details.nodes.map((n) => ({
    name: n.name,
    status: n.status,
    platforms: n.platforms,
    buildkitVersion: n.buildkitVersion,
    buildkitVersionText: n.buildkitVersionText,
    endpoint: n.endpoint,
    configuredPlatforms: n.configuredPlatforms,
  }));
  return { name: details.name, driver: details.driver, nodes };
}
