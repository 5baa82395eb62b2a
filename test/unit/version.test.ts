/**
 * `docker buildx version` output in every dialect seen in the wild -> the release it names, and
 * whether that buildx can do attestations (>= 0.10.0; unknown counts as the latest).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FLAGS } from "../../lib/core/flags.ts";
import { type Capabilities, UNKNOWN_CAPABILITIES } from "../../lib/core/capabilities.ts";
import { ATTESTATION_SINCE, supportsAttestation } from "../../lib/build/probe.ts";
import semverGte from "semver/functions/gte.js";
import { atLeast, type BuildxVersionKind, parseBuildxVersion } from "../../lib/core/version.ts";

interface Case {
  readonly what: string;
  readonly output: string;
  /** The release read, or null for "unknown version". */
  readonly version: string | null;
  /** The first line, trimmed. */
  readonly raw: string;
  readonly attestation: boolean;
  /** What kind of buildx it names (default: "release" when a version is read, else "development"). */
  readonly kind?: BuildxVersionKind;
}

const CORPUS: readonly Case[] = [
  {
    what: "an upstream release",
    output: "github.com/docker/buildx v0.17.1 257815a6fb95a7ad6a7b0d0e2ea0ae6b73b5a8ff\n",
    version: "0.17.1",
    raw: "github.com/docker/buildx v0.17.1 257815a6fb95a7ad6a7b0d0e2ea0ae6b73b5a8ff",
    attestation: true,
  },
  {
    what: "Debian's package",
    output: "github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3\n",
    version: "0.13.1",
    raw: "github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3",
    attestation: true,
  },
  {
    what: "Ubuntu's package",
    output: "github.com/docker/buildx 0.30.1 0.30.1-0ubuntu1\n",
    version: "0.30.1",
    raw: "github.com/docker/buildx 0.30.1 0.30.1-0ubuntu1",
    attestation: true,
  },
  {
    what: "Docker Desktop",
    output: "github.com/docker/buildx v0.12.1-desktop.4 6f9cf54cda87d8c5e1f58f0e1a0a5b7a8d8c6f2e\n",
    version: "0.12.1",
    raw: "github.com/docker/buildx v0.12.1-desktop.4 6f9cf54cda87d8c5e1f58f0e1a0a5b7a8d8c6f2e",
    attestation: true,
  },
  {
    what: "a -docker suffix, exactly 0.10.0",
    output: "github.com/docker/buildx v0.10.0-docker 876462897612d36679153c3414f7689626251501\n",
    version: "0.10.0",
    raw: "github.com/docker/buildx v0.10.0-docker 876462897612d36679153c3414f7689626251501",
    attestation: true,
  },
  {
    what: "a git describe of an rc",
    output: "github.com/docker/buildx v0.14.0-rc1-23-gabcdef0 abcdef0123456789abcdef0123456789abcdef01\n",
    version: "0.14.0",
    raw: "github.com/docker/buildx v0.14.0-rc1-23-gabcdef0 abcdef0123456789abcdef0123456789abcdef01",
    attestation: true,
  },
  {
    what: "a dirty tree (.m)",
    output: "github.com/docker/buildx v0.14.0.m 171fcbeb69d67c90ba7f44f41a9e418f6a6ec1da.m\n",
    version: "0.14.0",
    raw: "github.com/docker/buildx v0.14.0.m 171fcbeb69d67c90ba7f44f41a9e418f6a6ec1da.m",
    attestation: true,
  },
  {
    what: "a build from source",
    output: "github.com/docker/buildx v0.0.0+unknown \n",
    version: null,
    raw: "github.com/docker/buildx v0.0.0+unknown",
    attestation: true,
  },
  {
    what: "a Go pseudo-version",
    output: "github.com/docker/buildx v0.0.0-20240502091244-3f1c5e9d2b7a 3f1c5e9\n",
    version: null,
    raw: "github.com/docker/buildx v0.0.0-20240502091244-3f1c5e9d2b7a 3f1c5e9",
    attestation: true,
  },
  {
    what: "dev dev",
    output: "github.com/docker/buildx dev dev\n",
    version: null,
    raw: "github.com/docker/buildx dev dev",
    attestation: true,
  },
  {
    what: "a bare 7-hex commit",
    output: "github.com/docker/buildx 3f1c5e9 3f1c5e9\n",
    version: null,
    raw: "github.com/docker/buildx 3f1c5e9 3f1c5e9",
    attestation: true,
  },
  {
    what: "a standalone buildx binary",
    output: "buildx v0.11.2 9872040\n",
    version: "0.11.2",
    raw: "buildx v0.11.2 9872040",
    attestation: true,
  },
  { what: "empty output", output: "", version: null, raw: "", attestation: false, kind: "unreadable" },
  { what: "whitespace only", output: " \n\t\n", version: null, raw: "", attestation: false, kind: "unreadable" },
  {
    what: "garbage",
    output: "Segmentation fault (core dumped)\n",
    version: null,
    raw: "Segmentation fault (core dumped)",
    attestation: false,
    kind: "unreadable",
  },
  {
    what: "the package path alone",
    output: "github.com/docker/buildx\n",
    version: null,
    raw: "github.com/docker/buildx",
    attestation: false,
    kind: "unreadable",
  },
  {
    what: "a WARNING: line before the version line",
    output:
      "WARNING: Error loading config file: /root/.docker/config.json: unexpected end of JSON input\ngithub.com/docker/buildx v0.13.1 788433953af10f2a698f5c07611dcdeb2b2f8b2f\n",
    version: "0.13.1",
    raw: "github.com/docker/buildx v0.13.1 788433953af10f2a698f5c07611dcdeb2b2f8b2f",
    attestation: true,
  },
  {
    what: "a WARNING: line before a bare version",
    output: "WARNING: buildx is old\nv0.9.1\n",
    version: "0.9.1",
    raw: "v0.9.1",
    attestation: false,
  },
  {
    what: "only a WARNING: line",
    output: "WARNING: something\n",
    version: null,
    raw: "WARNING: something",
    attestation: false,
    kind: "unreadable",
  },
  {
    what: "a NUL right after the version",
    output: "github.com/docker/buildx v0.13.1\0 788433953af10f2a698f5c07611dcdeb2b2f8b2f\n",
    version: "0.13.1",
    raw: "github.com/docker/buildx v0.13.1  788433953af10f2a698f5c07611dcdeb2b2f8b2f",
    attestation: true,
  },
  {
    what: "NULs padding the output",
    output: "\0\0github.com/docker/buildx 0.12.1\0\0",
    version: "0.12.1",
    raw: "github.com/docker/buildx 0.12.1",
    attestation: true,
  },
  {
    what: "a ~ after the version (Debian's pre-release mark)",
    output: "github.com/docker/buildx 0.13.1~rc1 0.13.1~rc1-1\n",
    version: "0.13.1",
    raw: "github.com/docker/buildx 0.13.1~rc1 0.13.1~rc1-1",
    attestation: true,
  },
  {
    what: "a ~ after an old version",
    output: "github.com/docker/buildx 0.9.1~ds1 0.9.1~ds1-2\n",
    version: "0.9.1",
    raw: "github.com/docker/buildx 0.9.1~ds1 0.9.1~ds1-2",
    attestation: false,
  },
  {
    what: "a build from source with a NUL after it",
    output: "github.com/docker/buildx v0.0.0+unknown\0\n",
    version: null,
    raw: "github.com/docker/buildx v0.0.0+unknown",
    attestation: true,
  },
  {
    what: "multi-line output (the first line counts)",
    output: "\n  github.com/docker/buildx v0.9.1 ed00243a0ce2a0aee75311b06e32d33b44729689\nv0.20.0\nsomething else\n",
    version: "0.9.1",
    raw: "github.com/docker/buildx v0.9.1 ed00243a0ce2a0aee75311b06e32d33b44729689",
    attestation: false,
  },
  {
    what: "Windows line endings",
    output: "github.com/docker/buildx v0.12.1 30feaa1a915b869ebc2eea6328624b49facd4bfb\r\n",
    version: "0.12.1",
    raw: "github.com/docker/buildx v0.12.1 30feaa1a915b869ebc2eea6328624b49facd4bfb",
    attestation: true,
  },
  {
    what: "0.9.1, just before attestations",
    output: "github.com/docker/buildx v0.9.1 ed00243a0ce2a0aee75311b06e32d33b44729689\n",
    version: "0.9.1",
    raw: "github.com/docker/buildx v0.9.1 ed00243a0ce2a0aee75311b06e32d33b44729689",
    attestation: false,
  },
  {
    what: "0.10.0 exactly (the original backend's off-by-one)",
    output: "github.com/docker/buildx v0.10.0 876462897612d36679153c3414f7689626251501\n",
    version: "0.10.0",
    raw: "github.com/docker/buildx v0.10.0 876462897612d36679153c3414f7689626251501",
    attestation: true,
  },
  {
    what: "an old two-part release",
    output: "github.com/docker/buildx v0.5 a8f7ef3\n",
    version: "0.5.0",
    raw: "github.com/docker/buildx v0.5 a8f7ef3",
    attestation: false,
  },
  {
    what: "a version with leading zeros",
    output: "github.com/docker/buildx v0.010.01 abc\n",
    version: "0.10.1",
    raw: "github.com/docker/buildx v0.010.01 abc",
    attestation: true,
  },
];

function capabilitiesFor(output: string): Capabilities {
  const parsed = parseBuildxVersion(output);
  return { ...UNKNOWN_CAPABILITIES, buildxVersion: parsed.version, buildxVersionText: parsed.raw, buildxCommand: ["docker", "buildx"] };
}

describe("parseBuildxVersion", () => {
  it("has a corpus of at least 15 outputs", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(15);
  });

  it.each(CORPUS)("$what -> $version", ({ output, version, raw, kind }) => {
    expect(parseBuildxVersion(output)).toEqual({ version, raw, kind: kind ?? (version === null ? "development" : "release") });
  });

  it.each(CORPUS)("$what -> attestation support: $attestation", async ({ output, attestation }) => {
    expect(await supportsAttestation(capabilitiesFor(output))).toBe(attestation);
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["a huge line", `github.com/docker/buildx ${"v".repeat(100_000)}`],
    ["only a version", "v0.17.1"],
    ["NUL bytes", "\0\0\0"],
  ])("never throws on %s", (_, output) => {
    expect(() => parseBuildxVersion(output as string)).not.toThrow();
  });

  it("reads a version printed on its own", () => {
    expect(parseBuildxVersion("v0.17.1\n")).toEqual({ version: "0.17.1", raw: "v0.17.1", kind: "release" });
  });

  it("reads no version out of the package path alone", () => {
    expect(parseBuildxVersion("github.com/docker/buildx\n").version).toBeNull();
  });
});

describe("supportsAttestation", () => {
  it("starts at 0.10.0", () => {
    expect(ATTESTATION_SINCE).toBe("0.10.0");
  });

  it.each(
    [
      ["a known release at 0.10.0", "0.10.0", "github.com/docker/buildx v0.10.0 abc", true],
      ["a known release below", "0.9.1", "github.com/docker/buildx v0.9.1 abc", false],
      ["v0.0.0+unknown", null, "github.com/docker/buildx v0.0.0+unknown", true],
      ["dev", null, "github.com/docker/buildx dev dev", true],
      ["a commit hash", null, "github.com/docker/buildx 3f1c5e9d2b7a 3f1c5e9d2b7a", true],
      ["empty output", null, "", false],
      ["unreadable output", null, "Segmentation fault (core dumped)", false],
    ] as const,
  )("%s -> %s", async (_, buildxVersion, buildxVersionText, expected) => {
    expect(await supportsAttestation({ ...UNKNOWN_CAPABILITIES, buildxVersion, buildxVersionText, buildxCommand: ["docker", "buildx"] })).toBe(expected);
  });

  it("is false without a buildx to run, whatever the version", async () => {
    expect(await supportsAttestation({ ...UNKNOWN_CAPABILITIES, buildxVersion: "0.17.1", buildxCommand: null })).toBe(false);
  });
});

describe("atLeast", () => {
  it.each(
    [
      ["0.10.0", "0.10.0", true],
      ["0.9.1", "0.10.0", false],
      ["0.10.1", "0.10.0", true],
      ["1.0.0", "0.13.0", true],
      ["0.12.1", "0.13.0", false],
      [null, "99.0.0", true],
    ] as const,
  )("%s >= %s: %s", (installed, needed, expected) => {
    expect(atLeast(installed, needed)).toBe(expected);
  });

  it("orders every pair of releases as semver does (the semver package as the oracle)", () => {
    const releases = ["0.0.1", "0.8.0", "0.9.9", "0.10.0", "0.10.1", "0.10.10", "0.13.1", "0.100.0", "1.0.0", "1.2.3", "2.0.0", "10.0.0", "10.0.10"];
    let pairs = 0;
    for (const a of releases) {
      for (const b of releases) {
        expect(atLeast(a, b), `${a} >= ${b}`).toBe(semverGte(a, b));
        pairs++;
      }
    }
    expect(pairs).toBe(169);
  });

  it("refuses what is not a release, naming it", () => {
    expect(() => atLeast("0.13", "0.10.0")).toThrow(new TypeError('not a release (major.minor.patch): "0.13"'));
    expect(() => atLeast("0.13.1", "v0.10.0")).toThrow(new TypeError('not a release (major.minor.patch): "v0.10.0"'));
  });

  it("reads a version too large to be a number as no release", () => {
    expect(parseBuildxVersion("github.com/docker/buildx v99999999999999999999.0.0 x")).toEqual({
      version: null,
      raw: "github.com/docker/buildx v99999999999999999999.0.0 x",
      kind: "unreadable",
    });
  });
});

// Recorded and tag-exact `buildx version` lines (test/fixtures/buildx/version), read as the probe
// reads them, and what each release can do with the flag table.
describe("buildx version lines of several releases", () => {
  const line = (name: string) => readFileSync(new URL(`../fixtures/buildx/version/${name}.txt`, import.meta.url), "utf8");
  it.each([
    ["debian-0.13.1", "0.13.1"],
    ["0.12.1", "0.12.1"],
    ["0.13.1", "0.13.1"],
    ["0.19.3", "0.19.3"],
    ["0.29.1", "0.29.1"],
    ["0.36.1", "0.36.1"],
  ])("%s reads as %s", (name, version) => {
    expect(parseBuildxVersion(line(name)).version).toBe(version);
  });

  it.each(
    [
      // [release, rawjson (progress events, quiet read as rawjson), --progress=none, --policy, --resource]
      ["0.12.1", false, false, false, false],
      ["0.13.1", true, false, false, false],
      ["0.29.1", true, true, false, false],
      ["0.36.1", true, true, true, true],
    ] as const,
  )("buildx %s: rawjson %s, none %s, policy %s, resource %s", (name, rawjson, none, policy, resource) => {
    const v = parseBuildxVersion(line(name)).version;
    expect(atLeast(v, FLAGS.progress.choiceGates.rawjson.since)).toBe(rawjson);
    expect(atLeast(v, FLAGS.progress.choiceGates.none.since)).toBe(none);
    expect(atLeast(v, FLAGS.policy.since)).toBe(policy);
    expect(atLeast(v, FLAGS.resource.since)).toBe(resource);
  });
});
