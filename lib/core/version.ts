/**
 * Reading the version out of `docker buildx version`, in every dialect packagers print:
 * `v0.17.1`, `0.13.1+ds1`, `0.30.1 0.30.1-0ubuntu1`, `v0.12.1-desktop.4`, `v0.14.0-rc1-23-gabcdef0`,
 * `v0.14.0.m`, `v0.0.0+unknown`, `dev dev`, a bare commit. Never throws.
 */
/** What `docker buildx version` said, read. */
export interface BuildxVersion {
  /** `major.minor.patch`, or null when the output names no release (a build from source, garbage). */
  readonly version: string | null;
  /** The version line, trimmed (control characters as spaces), for messages; "" when there was none. */
  readonly raw: string;
  /**
   * `release` (a version was read), `development` (a build from source: `v0.0.0+unknown`, a Go
   * pseudo-version, `dev`, a bare commit), or `unreadable` (nothing printed, or no version in it).
   */
  readonly kind: BuildxVersionKind;
}

/** What kind of buildx a version text names. */
export type BuildxVersionKind = "release" | "development" | "unreadable";

const RELEASE = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:$|[-+.~])/;
/** What `go build` stamps on a build from source: v0.0.0+unknown, a pseudo-version, dev, a commit. */
const DEVELOPMENT = /^(?:v?0\.0\.0(?:$|[-+.~])|\(?dev(?:el)?\)?$|[0-9a-f]{7,40}(?:\.m)?$)/i;
/** A line a tool prints before its answer (docker's config warnings go to stdout in some releases). */
const NOTICE = /^(?:WARNING|WARN|NOTICE|DEPRECATED|DEPRECATION)\b/i;

/** Control characters (a NUL after the version, say) read as spaces; not tab, newline or carriage return. */
// deno-lint-ignore no-control-regex -- these control characters are what it is for
const CONTROL_CHARACTERS = /[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/**
 * Reads a buildx version out of `docker buildx version` (or `buildx version`) output. The version
 * line is the first that names buildx, else the first that is not a `WARNING:`; NUL and other
 * control characters count as spaces, and `~` (Debian's pre-release mark) ends a release.
 */
export function parseBuildxVersion(output: string): BuildxVersion {
  const lines = String(output ?? "").replace(CONTROL_CHARACTERS, " ").split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const raw = lines.find((l) => /^(?:\S*\/)?buildx(?:\s|$)/.test(l)) ?? lines.find((l) => !NOTICE.test(l)) ?? lines[0] ?? "";
  const words = raw.split(/\s+/).filter(Boolean);
  // The first word is the package path ("github.com/docker/buildx") unless it is all there is.
  const candidates = words.length > 1 ? words.slice(1) : words;
  for (const word of candidates) {
    const m = RELEASE.exec(word);
    if (!m) continue;
    const parts = [m[1], m[2], m[3] ?? "0"].map(Number);
    const version = parts.join(".");
    // v0.0.0+unknown is what `go build` stamps on a build from source: no release at all.
    if (version === "0.0.0") return { version: null, raw, kind: "development" };
    if (!parts.every(Number.isSafeInteger)) return { version: null, raw, kind: "unreadable" };
    return { version, raw, kind: "release" };
  }
  return { version: null, raw, kind: candidates.some((w) => DEVELOPMENT.test(w)) ? "development" : "unreadable" };
}

/** A release's three numbers, or null when the text is not `major.minor.patch`. */
function release(text: string): number[] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * True when `installed` is at least `needed`, both `major.minor.patch` (what parseBuildxVersion
 * returns and the flag table holds), compared as semver orders releases: number by number. An
 * unknown version (null) is assumed to be the latest, so it satisfies everything. Throws a
 * TypeError naming a version that is not a release. (Not the semver package: loading it took
 * 7-10 ms of every CLI run on Node and Deno, for two comparisons of three numbers.)
 */
export function atLeast(installed: string | null, needed: string): boolean {
  if (installed === null) return true;
  const have = release(installed);
  const want = release(needed);
  if (!have || !want) throw new TypeError(`not a release (major.minor.patch): ${JSON.stringify(have ? needed : installed)}`);
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return have[i]! > want[i]!;
  return true;
}
