/** What the machine can do, as `probe()` found it. A plain object: tests and dry runs pass their own. */

/** One node of a builder. */
export interface BuilderNode {
  readonly name: string;
  readonly status: string | null;
  readonly platforms: readonly string[];
  readonly buildkitVersion: string | null;
}

/** The builder instance a build would use. */
export interface BuilderInfo {
  readonly name: string;
  readonly driver: string;
  readonly nodes: readonly BuilderNode[];
}

/** Why something the build needs is missing. */
export interface Problem {
  readonly code: "no-docker" | "daemon-unreachable" | "no-buildx" | "buildx-too-old" | "builder-unavailable";
  readonly message: string;
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
  /** BuildKit's version on the builder's first node, or null when unknown. */
  readonly buildkitVersion: string | null;
  /** True when the engine keeps images in the containerd image store; null when unknown. */
  readonly containerdImageStore: boolean | null;
  /** The builder in use, or null when it could not be inspected. */
  readonly builder: BuilderInfo | null;
  /** Everything that stood in the way, in the order found. Empty when all is well. */
  readonly problems: readonly Problem[];
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
  problems: [],
});
