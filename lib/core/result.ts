/** What a build produced: `BuildResult`, read from buildx's `--metadata-file`. */
import type { Diagnostic } from "./diagnostics.ts";
import type { BuildError } from "./errors.ts";

/** What a build produced and how it ran. */
export interface BuildResult {
  /** True when buildx exited 0 (always true for a dry run). */
  readonly ok: boolean;
  /** buildx's exit code; null for a dry run or when it was killed by a signal. */
  readonly exitCode: number | null;
  /** True when nothing was spawned: `argv` and `command` say what would run. */
  readonly dryRun: boolean;
  /** The image's manifest (or index) digest, `containerimage.digest`. */
  readonly digest: string | null;
  /**
   * The image config's digest, `containerimage.config.digest`; null when buildx does not write it
   * (the containerd image store, an image pushed by digest).
   */
  readonly configDigest: string | null;
  /** The names the image was exported as, `image.name` (comma-separated by buildx), split. */
  readonly imageNames: readonly string[];
  /** The first of `imageNames`, or null. */
  readonly imageName: string | null;
  /**
   * The digest to use for each platform, where the metadata says it: the one manifest's platform
   * (`containerimage.descriptor`), or, for a build of one platform whose result is an index (the
   * default provenance attestation makes one), that platform's index, which `mergeManifests()`
   * takes as it is. Empty for an index of several platforms (`inspectImage(digest)` lists them).
   * Present on the results of `build()`.
   */
  readonly platformDigests?: Readonly<Record<string, string>>;
  /** The build's reference in the builder's history, `buildx.build.ref`. */
  readonly ref: string | null;
  /** The metadata file as buildx wrote it (null when it wrote none, or wrote `null`). */
  readonly metadata: Readonly<Record<string, unknown>> | null;
  /**
   * Warnings: the plan's, then the build's own (build checks), one line each. buildx writes the
   * build's into the metadata file when `BUILDX_METADATA_WARNINGS=1` (buildx 0.16 on), which
   * `build()` sets.
   */
  readonly warnings: readonly string[];
  /**
   * What a `call` method returned (`result.json` in the metadata: the outline, the targets, the
   * lint warnings), parsed; null for a build, or when buildx wrote none.
   */
  readonly callResult?: unknown;
  /** Everything the plan said. */
  readonly diagnostics: readonly Diagnostic[];
  /** Wall time from the spawn to the exit, in milliseconds (0 for a dry run). */
  readonly durationMs: number;
  /**
   * The exact command, one element per argument: `docker buildx build ...`. (It runs as docker
   * would run it: docker's buildx plugin, started directly when the probe knows which one, see
   * `Capabilities.buildxPlugin`.)
   */
  readonly argv: readonly string[];
  /** The absolute folder buildx runs in (relative paths in the options resolve against it). */
  readonly cwd: string;
  /**
   * The whole invocation as text to paste from any folder: `cd CWD && docker buildx build ...`,
   * quoted for sh, bash, zsh and fish. The same for a dry run and a real run: it never names a
   * temp file (the private `--metadata-file`) or a secret value (secrets travel in variables).
   */
  readonly command: string;
  /**
   * Why the build failed, for a failed build under `nothrow` (exit code, ERROR lines, stderr tail,
   * the failing step and its output, a hint); null otherwise. `JSON.stringify` writes it as plain
   * JSON, message included.
   */
  readonly error: BuildError | null;
}

/** The fields of a BuildResult that come from the metadata file. */
export type MetadataFields = Pick<BuildResult, "digest" | "configDigest" | "imageNames" | "imageName" | "ref" | "metadata" | "callResult"> & {
  readonly platformDigests: Readonly<Record<string, string>>;
  readonly buildxWarnings: readonly string[];
};

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function decode(value: unknown): string {
  if (typeof value !== "string") return "";
  try {
    return atob(value);
  } catch {
    return value;
  }
}

/**
 * One value of a metadata file, as JSON where it is JSON: buildx writes a value that is a JSON
 * object (and, from 0.19, a JSON list) as JSON, older ones a list as its base64 text; `result.json`
 * is JSON text in some versions. Anything else as written.
 */
export function metadataValue(metadata: Readonly<Record<string, unknown>> | null, key: string): unknown {
  const value = metadata?.[key];
  if (typeof value !== "string") return value ?? null;
  for (const text of [value, decode(value)]) {
    if (!/^\s*[[{]/.test(text)) continue;
    try {
      return JSON.parse(text);
    } catch {
      // not JSON after all
    }
  }
  return value;
}

/**
 * Reads the text of a metadata file (or null when buildx wrote none). A file holding `null`,
 * nothing, or something that is not an object gives empty fields, never an exception.
 */
export function readMetadata(content: string | null, platforms: readonly string[] = []): MetadataFields {
  let metadata: Record<string, unknown> | null = null;
  if (content !== null && content.trim() !== "") {
    try {
      const parsed: unknown = JSON.parse(content);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) metadata = parsed as Record<string, unknown>;
    } catch {
      metadata = null;
    }
  }
  const m = metadata ?? {};
  const imageNames = (text(m["image.name"]) ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const warningsValue = metadataValue(m, "buildx.build.warnings");
  const rawWarnings = Array.isArray(warningsValue) ? (warningsValue as unknown[]) : [];
  const buildxWarnings = rawWarnings.map((w) =>
    typeof w === "object" && w !== null ? decode((w as { short?: unknown }).short) || JSON.stringify(w) : String(w)
  );
  const digest = text(m["containerimage.digest"]);
  const descriptor = (typeof m["containerimage.descriptor"] === "object" && m["containerimage.descriptor"] !== null ? m["containerimage.descriptor"] : {}) as {
    digest?: unknown;
    mediaType?: unknown;
    platform?: { os?: unknown; architecture?: unknown; variant?: unknown };
  };
  const platformDigests: Record<string, string> = {};
  const described = descriptor.platform
    ? [descriptor.platform.os, descriptor.platform.architecture, descriptor.platform.variant].filter((v) => typeof v === "string" && v).join("/")
    : "";
  const descriptorDigest = text(descriptor.digest) ?? digest;
  if (described && descriptorDigest) platformDigests[described] = descriptorDigest;
  else if (platforms.length === 1 && descriptorDigest && /index|manifest\.list/.test(String(descriptor.mediaType ?? ""))) {
    platformDigests[platforms[0]!] = descriptorDigest;
  }
  return {
    digest,
    platformDigests,
    configDigest: text(m["containerimage.config.digest"]),
    imageNames,
    imageName: imageNames[0] ?? null,
    ref: text(m["buildx.build.ref"]),
    metadata,
    callResult: metadataValue(m, "result.json"),
    buildxWarnings,
  };
}
