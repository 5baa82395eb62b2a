/**
 * Every rule of plan(), both sides: when it fires (the exact diagnostics, with level, code,
 * option, message and hint) and when it does not, with the argv either way.
 */
import { describe, expect, it } from "vitest";
import { type Capabilities, UNKNOWN_CAPABILITIES } from "../../lib/core/capabilities.ts";
import { type Diagnostic, formatDiagnostic } from "../../lib/core/diagnostics.ts";
import { ValidationError } from "../../lib/core/errors.ts";
import { FEATURES, type FlagKind, type FlagRow, FLAGS } from "../../lib/core/flags.ts";
import type { BuildOptions } from "../../lib/core/options.ts";
import { constructBuildArgs, plan } from "../../lib/core/plan.ts";
import { recipeSchema } from "../../lib/recipe/schema.ts";

/** Capabilities from UNKNOWN_CAPABILITIES with overrides. */
function caps(overrides: Partial<Capabilities>): Capabilities {
  return { ...UNKNOWN_CAPABILITIES, ...overrides };
}

/** A probed machine with a recent buildx on the docker driver with the containerd store. */
const RECENT = caps({
  buildxVersion: "0.19.0",
  buildxVersionText: "github.com/docker/buildx v0.19.0 257815a6fb95a7ad6a7b0d0e2ea0ae6b73b5a8ff",
  buildxCommand: ["docker", "buildx"],
  engineVersion: "27.3.1",
  driver: "docker",
  containerdImageStore: true,
});
const at = (buildxVersion: string, more: Partial<Capabilities> = {}) => ({
  ...RECENT,
  buildxVersion,
  buildxVersionText: `github.com/docker/buildx v${buildxVersion} abc`,
  ...more,
});
const DOCKER_CLASSIC = { ...RECENT, containerdImageStore: false };
const DOCKER_STORE_UNKNOWN = { ...RECENT, containerdImageStore: null };
const CONTAINER_DRIVER = { ...RECENT, driver: "docker-container", containerdImageStore: false };

// The diagnostics, message and hint included.
/** On the docker driver (RECENT): load: false would not keep the result out of the image store. */
const LOAD_BY_DEFAULT: Diagnostic = {
  level: "info",
  code: "load-by-default",
  option: "load",
  message: "is on: with no push and no output the image is loaded into the image store",
  hint: "the docker driver loads the result even with load: false; to keep it out of the image store, use output: type=cacheonly",
};
const LOAD_BY_DEFAULT_OTHER_DRIVER: Diagnostic = { ...LOAD_BY_DEFAULT, hint: "set load: false to keep the result in the build cache only" };
const LOAD_BY_DEFAULT_DRIVER_UNKNOWN: Diagnostic = {
  ...LOAD_BY_DEFAULT,
  hint: "set load: false to keep the result in the build cache only (the docker driver loads it anyway)",
};
const DOCKER_DRIVER_LOADS_ANYWAY: Diagnostic = {
  level: "warning",
  code: "docker-driver-loads-anyway",
  option: "load",
  message: "is off, but the docker driver loads the result into the image store anyway (buildx exports there when no push or output is given)",
  hint: "to keep it out of the image store, use output: type=cacheonly, or a docker-container builder (builder option)",
};
const PUSH_DISABLES_LOAD: Diagnostic = {
  level: "info",
  code: "push-disables-load",
  option: "load",
  message: "is off because push is on",
  hint: "set load: true to load as well (buildx >= 0.13.0)",
};
const localDisablesPush = (type: string): Diagnostic => ({
  level: "warning",
  code: "local-output-disables-push",
  option: "push",
  message: `is off: output type=${type} writes files, it does not push`,
  hint: "to push as well, drop the local output or add an output of type=registry",
});
const localDisablesLoad = (type: string): Diagnostic => ({
  level: "warning",
  code: "local-output-disables-load",
  option: "load",
  message: `is off: output type=${type} writes files, it does not load`,
  hint: "to load as well, drop the local output or add an output of type=docker",
});
const STAYS_IN_CACHE: Diagnostic = {
  level: "warning",
  code: "result-stays-in-cache",
  option: null,
  message: "no push, no load and no output: the result stays in the build cache",
  hint: "push it (push: true), load it (load: true), or write it out (output)",
};
const PUSH_NEEDS_TAG: Diagnostic = {
  level: "error",
  code: "push-needs-tag",
  option: "push",
  message: "pushing needs a tag to know where the image goes",
  hint: 'add tag: "registry/repository:tag" (or name= in an image output)',
};
const multiPlatformLoadError = (n: number): Diagnostic => ({
  level: "error",
  code: "multi-platform-load-needs-containerd-store",
  option: "platform",
  message: `${n} platforms cannot be loaded into the classic image store of the docker driver`,
  hint: "push instead (push: true), write an OCI layout (output: type=oci,dest=image.tar), or turn on the containerd image store",
});
const MULTI_PLATFORM_UNCHECKED: Diagnostic = {
  level: "info",
  code: "multi-platform-load-unchecked",
  option: "platform",
  message: "loading 2 platforms needs the containerd image store or a non-docker driver; the machine was not probed",
};
const attestationNeedsStore = (option: string): Diagnostic => ({
  level: "error",
  code: "attestation-needs-containerd-store",
  option,
  message: "attestations are not supported by the docker driver with the classic image store",
  hint: "turn on the containerd image store, or use a docker-container builder (builder option)",
});
const NOT_PROBED: Diagnostic = {
  level: "info",
  code: "buildx-version-unknown",
  option: null,
  message: "buildx was not probed; assuming the latest buildx",
};

/** The end of the message for a value that is not a platform. */
const NOT_A_PLATFORM = "is not a platform: expected os/arch[/variant] (linux/arm/v7), an OS or an architecture alone (linux, arm64), " +
  "an OS version in parentheses (windows(10.0.17763)/amd64) or local";

/** [what, options, capabilities, every diagnostic in order, the args after `build`]. */
type Rule = readonly [string, BuildOptions, Capabilities, readonly Diagnostic[], readonly string[]];

function check([, options, capabilities, diagnostics, args]: Rule): void {
  const p = plan(options, capabilities);
  expect(p.diagnostics).toEqual(diagnostics);
  expect(p.args).toEqual(args);
  expect(p.argv).toEqual([...(capabilities.buildxCommand ?? ["docker", "buildx"]), "build", ...args]);
  expect(p.ok).toBe(!diagnostics.some((d) => d.level === "error"));
}

const TAG = "localhost:5000/app:1";

describe("load by default", () => {
  it.each<Rule>([
    ["fires with no push and no output", {}, RECENT, [LOAD_BY_DEFAULT], ["--load", "."]],
    ["fires with push: false", { push: false }, RECENT, [LOAD_BY_DEFAULT], ["--load", "."]],
    ["not with load: true", { load: true }, RECENT, [], ["--load", "."]],
    ["not with load: false", { load: false }, CONTAINER_DRIVER, [STAYS_IN_CACHE], ["."]],
    ["a docker-container builder: the hint offers load: false", {}, CONTAINER_DRIVER, [LOAD_BY_DEFAULT_OTHER_DRIVER], ["--load", "."]],
    ["the driver unknown: the hint offers load: false, naming the docker driver", {}, UNKNOWN_CAPABILITIES, [LOAD_BY_DEFAULT_DRIVER_UNKNOWN, NOT_PROBED], [
      "--load",
      ".",
    ]],
  ])("%s", (...rule) => check(rule));
});

// buildx gives the docker driver an image export when no push or output is given (build.go,
// "backwards compat for docker driver only"): load: false does not keep the image out of the store.
describe("load: false on the docker driver", () => {
  it.each<Rule>([
    ["the docker driver loads anyway: a warning, not 'stays in the build cache'", { load: false }, RECENT, [DOCKER_DRIVER_LOADS_ANYWAY], ["."]],
    ["the classic store too", { load: false }, DOCKER_CLASSIC, [DOCKER_DRIVER_LOADS_ANYWAY], ["."]],
    ["not with push", { load: false, push: true, tag: TAG }, RECENT, [], ["--push", `--tag=${TAG}`, "."]],
    ["not with an output (type=cacheonly keeps it out)", { load: false, output: "type=cacheonly" }, RECENT, [], ["--output=type=cacheonly", "."]],
    ["not with check", { load: false, check: true }, RECENT, [], ["--check", "."]],
    ["not with an output", { output: "type=docker,dest=image.tar" }, RECENT, [], ["--output=type=docker,dest=image.tar", "."]],
    ["not with call", { call: "outline" }, RECENT, [], ["--call=outline", "."]],
    ["not with check", { check: true }, RECENT, [], ["--check", "."]],
  ])("%s", (...rule) => check(rule));
});

describe("push disables the default load", () => {
  it.each<Rule>([
    ["fires with push and no load", { push: true, tag: TAG }, RECENT, [PUSH_DISABLES_LOAD], ["--push", `--tag=${TAG}`, "."]],
    ["not with load: false", { push: true, load: false, tag: TAG }, RECENT, [], ["--push", `--tag=${TAG}`, "."]],
    ["push and load on buildx 0.13: both", { push: true, load: true, tag: TAG }, at("0.13.0"), [], ["--load", "--push", `--tag=${TAG}`, "."]],
    ["push and load on buildx 0.12: an error", { push: true, load: true, tag: TAG }, at("0.12.1"), [{
      level: "error",
      code: "multiple-exporters-need-newer-buildx",
      option: "load",
      message: "push and load together need buildx >= 0.13.0; installed 0.12.1",
      hint: "keep one destination, or upgrade buildx",
    }], ["--load", "--push", `--tag=${TAG}`, "."]],
    ["two outputs on buildx 0.12: an error naming them", { output: ["type=local,dest=out", { type: "registry", name: TAG }] }, at("0.12.1"), [{
      level: "error",
      code: "multiple-exporters-need-newer-buildx",
      option: "output",
      message: "2 exporters (output type=local, output type=registry) need buildx >= 0.13.0; installed 0.12.1",
      hint: "keep one destination, or upgrade buildx",
    }], ["--output=type=local,dest=out", `--output=type=registry,name=${TAG}`, "."]],
    ["an output and push on buildx 0.12", { output: "type=oci,dest=image.tar", push: true, tag: TAG }, at("0.12.1"), [PUSH_DISABLES_LOAD, {
      level: "error",
      code: "multiple-exporters-need-newer-buildx",
      option: "output",
      message: "2 exporters (output type=oci, push) need buildx >= 0.13.0; installed 0.12.1",
      hint: "keep one destination, or upgrade buildx",
    }], ["--output=type=oci,dest=image.tar", "--push", `--tag=${TAG}`, "."]],
    ["an output, push and load on buildx 0.12", { output: "type=oci,dest=image.tar", push: true, load: true, tag: TAG }, at("0.12.1"), [{
      level: "error",
      code: "multiple-exporters-need-newer-buildx",
      option: "load",
      message: "3 exporters (output type=oci, push, load) need buildx >= 0.13.0; installed 0.12.1",
      hint: "keep one destination, or upgrade buildx",
    }], ["--load", "--output=type=oci,dest=image.tar", "--push", `--tag=${TAG}`, "."]],
    ["two outputs on buildx 0.13", { output: ["type=local,dest=out", { type: "registry", name: TAG }] }, at("0.13.0"), [], [
      "--output=type=local,dest=out",
      `--output=type=registry,name=${TAG}`,
      ".",
    ]],
  ])("%s", (...rule) => check(rule));
});

describe("a local or tar output disables push and load", () => {
  const both = (type: string) => [localDisablesPush(type), localDisablesLoad(type)];
  it.each<Rule>([
    ["type=local as a string", { output: "type=local,dest=out", push: true, load: true, tag: TAG }, RECENT, both("local"), [
      "--output=type=local,dest=out",
      `--tag=${TAG}`,
      ".",
    ]],
    ["type=local as a record", { output: { type: "local", dest: "out" }, push: true, load: true, tag: TAG }, RECENT, both("local"), [
      "--output=type=local,dest=out",
      `--tag=${TAG}`,
      ".",
    ]],
    ["type=local in a list", { output: [{ type: "local", dest: "out" }], push: true, tag: TAG }, RECENT, [localDisablesPush("local")], [
      "--output=type=local,dest=out",
      `--tag=${TAG}`,
      ".",
    ]],
    ["a bare path is local", { output: "out", push: true, load: true, tag: TAG }, RECENT, both("local"), ["--output=out", `--tag=${TAG}`, "."]],
    ["- is tar", { output: "-", push: true, load: true, tag: TAG }, RECENT, both("tar"), ["--output=-", `--tag=${TAG}`, "."]],
    ["type=tar", { output: "type=tar,dest=out.tar", load: true }, RECENT, [localDisablesLoad("tar")], ["--output=type=tar,dest=out.tar", "."]],
    ["type in capitals", { output: { TYPE: "LOCAL", dest: "out" }, load: true }, RECENT, [localDisablesLoad("local")], ["--output=TYPE=LOCAL,dest=out", "."]],
    ["not without push or load", { output: "type=local,dest=out" }, RECENT, [], ["--output=type=local,dest=out", "."]],
    ["not with push: false", { output: "type=local,dest=out", push: false }, RECENT, [], ["--output=type=local,dest=out", "."]],
    // Never by substring: "local" in a registry address is not a local output.
    // (ref= is no attribute of the image exporter, which would keep it silently: a warning.)
    ["not for type=registry,ref=localhost:5000/x", { output: "type=registry,ref=localhost:5000/x", push: true, tag: "localhost:5000/x" }, RECENT, [
      PUSH_DISABLES_LOAD,
      {
        level: "warning",
        code: "unknown-attribute",
        option: "output",
        message: '"ref" is not an attribute buildx-kit knows for --output type=registry; passed to buildx unchecked',
      },
    ], ["--output=type=registry,ref=localhost:5000/x", "--push", "--tag=localhost:5000/x", "."]],
    ["not for an image named .../local/tar", { output: { type: "image", name: "localhost:5000/local/tar", push: true }, load: true }, RECENT, [], [
      "--load",
      "--output=type=image,name=localhost:5000/local/tar,push=true",
      ".",
    ]],
    ["not for type=oci,dest=local.tar", { output: "type=oci,dest=local.tar", load: true }, RECENT, [], ["--load", "--output=type=oci,dest=local.tar", "."]],
  ])("%s", (...rule) => check(rule));

  it("the plan reports what it decided", () => {
    const p = plan({ output: "type=local,dest=out", push: true, load: true, tag: TAG }, RECENT);
    expect([p.push, p.load]).toEqual([false, false]);
    expect(p.outputs).toEqual([{ type: "local", attrs: { type: "local", dest: "out" } }]);
    expect(p.options).toEqual({ output: "type=local,dest=out", push: false, load: false, tag: TAG });
  });

  it("a registry output pushes", () => {
    const p = plan({ output: "type=registry,ref=localhost:5000/x", push: true, tag: "localhost:5000/x" }, RECENT);
    expect([p.push, p.load]).toEqual([true, false]);
  });
});

describe("platforms", () => {
  it.each(
    [
      ["linux/amd64", ["linux/amd64"]],
      ["linux/amd64,linux/arm64", ["linux/amd64", "linux/arm64"]],
      [["linux/amd64", "linux/arm64,linux/arm/v7"], ["linux/amd64", "linux/arm64", "linux/arm/v7"]],
    ] as const,
  )("%j is %j", (platform, platforms) => {
    expect(plan({ platform, push: true, tag: TAG }, RECENT).platforms).toEqual(platforms);
  });

  const TWO = "linux/amd64,linux/arm64";
  it.each<Rule>([
    ["two platforms, default load, docker driver, classic store: an error", { platform: TWO }, DOCKER_CLASSIC, [LOAD_BY_DEFAULT, multiPlatformLoadError(2)], [
      "--load",
      `--platform=${TWO}`,
      ".",
    ]],
    ["three platforms, load, classic store: an error", { platform: ["linux/amd64", "linux/arm64", "linux/arm/v7"], load: true }, DOCKER_CLASSIC, [
      multiPlatformLoadError(3),
    ], ["--load", "--platform=linux/amd64,linux/arm64,linux/arm/v7", "."]],
    ["two platforms, load, containerd store: fine", { platform: TWO, load: true }, RECENT, [], ["--load", `--platform=${TWO}`, "."]],
    ["two platforms, load, store unknown: info", { platform: TWO, load: true }, DOCKER_STORE_UNKNOWN, [MULTI_PLATFORM_UNCHECKED], [
      "--load",
      `--platform=${TWO}`,
      ".",
    ]],
    ["two platforms, load, nothing probed: info", { platform: TWO, load: true }, UNKNOWN_CAPABILITIES, [MULTI_PLATFORM_UNCHECKED, NOT_PROBED], [
      "--load",
      `--platform=${TWO}`,
      ".",
    ]],
    ["two platforms, load, docker-container driver: fine", { platform: TWO, load: true }, CONTAINER_DRIVER, [], ["--load", `--platform=${TWO}`, "."]],
    ["one platform, load, classic store: fine", { platform: "linux/amd64", load: true }, DOCKER_CLASSIC, [], ["--load", "--platform=linux/amd64", "."]],
    ["two platforms, push, classic store: fine", { platform: TWO, push: true, tag: TAG }, DOCKER_CLASSIC, [PUSH_DISABLES_LOAD], [
      `--platform=${TWO}`,
      "--push",
      `--tag=${TAG}`,
      ".",
    ]],
    ["two platforms to an OCI layout, classic store: fine", { platform: TWO, output: "type=oci,dest=image.tar" }, DOCKER_CLASSIC, [], [
      "--output=type=oci,dest=image.tar",
      `--platform=${TWO}`,
      ".",
    ]],
  ])("%s", (...rule) => check(rule));
});

describe("the result stays in the build cache", () => {
  it.each<Rule>([
    ["fires with no push, no load, no output", { load: false }, CONTAINER_DRIVER, [STAYS_IN_CACHE], ["."]],
    ["fires for two platforms, naming them", { load: false, platform: ["linux/amd64", "linux/arm64"] }, CONTAINER_DRIVER, [{
      ...STAYS_IN_CACHE,
      option: "platform",
      message: "2 platforms with no push and no output: the result stays in the build cache",
    }], ["--platform=linux/amd64,linux/arm64", "."]],
    ["not with push", { load: false, push: true, tag: TAG }, CONTAINER_DRIVER, [], ["--push", `--tag=${TAG}`, "."]],
    ["not with an output", { load: false, output: "type=local,dest=out" }, CONTAINER_DRIVER, [], ["--output=type=local,dest=out", "."]],
    ["not with call", { load: false, call: "check" }, CONTAINER_DRIVER, [], ["--call=check", "."]],
    ["not with check", { load: false, check: true }, CONTAINER_DRIVER, [], ["--check", "."]],
  ])("%s", (...rule) => check(rule));
});

describe("attestations", () => {
  const newer = (option: string, flag: string, installed: string): Diagnostic => ({
    level: "error",
    code: "flag-needs-newer-buildx",
    option,
    message: `${flag} needs buildx >= 0.10.0; installed ${installed}`,
    hint: `upgrade buildx, or leave ${option} out`,
  });
  const nothingToTurnOff = (option: string, installed: string): Diagnostic => ({
    level: "info",
    code: "nothing-to-turn-off",
    option,
    message: `--${option}=false is left out: buildx ${installed} has no --${option} (added in 0.10.0), so there is nothing to turn off`,
  });
  it.each<Rule>([
    ["attest on 0.9.1: an error", { attest: "type=provenance", load: true }, at("0.9.1"), [newer("attest", "--attest", "0.9.1")], [
      "--attest=type=provenance",
      "--load",
      ".",
    ]],
    ["provenance on 0.9.1: an error", { provenance: true, load: true }, at("0.9.1"), [newer("provenance", "--provenance", "0.9.1")], [
      "--load",
      "--provenance=true",
      ".",
    ]],
    ["sbom on 0.9.1: an error", { sbom: true, load: true }, at("0.9.1"), [newer("sbom", "--sbom", "0.9.1")], ["--load", "--sbom=true", "."]],
    // The original backend compared > 0.10.0 and refused 0.10.0 itself.
    // Before 0.10 buildx makes no attestation: false has nothing to turn off and is left out.
    ["provenance: false on 0.9.1: left out, with an info", { provenance: false, load: true }, at("0.9.1"), [nothingToTurnOff("provenance", "0.9.1")], [
      "--load",
      ".",
    ]],
    ["sbom: false on 0.9.1: left out, with an info", { sbom: false, load: true }, at("0.9.1"), [nothingToTurnOff("sbom", "0.9.1")], ["--load", "."]],
    ["both false on 0.8.0, beside attest: only attest is an error", { provenance: false, sbom: false, attest: "type=sbom", load: true }, at("0.8.0"), [
      newer("attest", "--attest", "0.8.0"),
      nothingToTurnOff("provenance", "0.8.0"),
      nothingToTurnOff("sbom", "0.8.0"),
    ], ["--attest=type=sbom", "--load", "."]],
    ["provenance attributes on 0.9.1: an error naming 0.10.0", { provenance: { mode: "max" }, load: true }, at("0.9.1"), [
      newer("provenance", "--provenance", "0.9.1"),
    ], ["--load", "--provenance=mode=max", "."]],
    ["provenance: false on 0.10.0: passed on", { provenance: false, load: true }, at("0.10.0"), [], ["--load", "--provenance=false", "."]],
    ["all three on 0.10.0 exactly: fine", { attest: "type=provenance", provenance: { mode: "max" }, sbom: true, load: true }, at("0.10.0"), [], [
      "--attest=type=provenance",
      "--load",
      "--provenance=mode=max",
      "--sbom=true",
      ".",
    ]],
    ["sbom: true is --sbom=true, never a bare --sbom", { sbom: true, push: true, tag: TAG }, RECENT, [PUSH_DISABLES_LOAD], [
      "--push",
      "--sbom=true",
      `--tag=${TAG}`,
      ".",
    ]],
    [
      "on the docker driver with the classic store: an error per flag",
      { attest: { type: "provenance" }, provenance: "mode=max", sbom: true, load: true },
      DOCKER_CLASSIC,
      [attestationNeedsStore("attest"), attestationNeedsStore("provenance"), attestationNeedsStore("sbom")],
      ["--attest=type=provenance", "--load", "--provenance=mode=max", "--sbom=true", "."],
    ],
    ["turned off on the classic store: fine", { provenance: false, sbom: false, load: true }, DOCKER_CLASSIC, [], [
      "--load",
      "--provenance=false",
      "--sbom=false",
      ".",
    ]],
    ["on the containerd store: fine", { sbom: true, load: true }, RECENT, [], ["--load", "--sbom=true", "."]],
    ["on a docker-container builder: fine", { sbom: true, load: true }, CONTAINER_DRIVER, [], ["--load", "--sbom=true", "."]],
    ["store unknown: no error", { sbom: true, load: true }, DOCKER_STORE_UNKNOWN, [], ["--load", "--sbom=true", "."]],
  ])("%s", (...rule) => check(rule));
});

describe("booleans take booleans only", () => {
  it.each<Rule>([
    ['push: "true" is an error, not a stray argument', { push: "true" as unknown as boolean, tag: TAG }, RECENT, [LOAD_BY_DEFAULT, {
      level: "error",
      code: "invalid-value",
      option: "push",
      message: 'expects true or false, got the string "true"',
    }], ["--load", `--tag=${TAG}`, "."]],
    ['load: "false" is an error', { load: "false" as unknown as boolean }, RECENT, [DOCKER_DRIVER_LOADS_ANYWAY, {
      level: "error",
      code: "invalid-value",
      option: "load",
      message: 'expects true or false, got the string "false"',
    }], ["."]],
  ])("%s", (...rule) => check(rule));
});

describe("push needs a tag", () => {
  it.each<Rule>([
    ["push without a tag: an error", { push: true }, RECENT, [PUSH_DISABLES_LOAD, PUSH_NEEDS_TAG], ["--push", "."]],
    ["push with an empty tag list: an error", { push: true, tag: [] }, RECENT, [PUSH_DISABLES_LOAD, PUSH_NEEDS_TAG], ["--push", "."]],
    ["a registry output without a name: an error", { output: "type=registry" }, RECENT, [PUSH_NEEDS_TAG], ["--output=type=registry", "."]],
    ["push with a tag: fine", { push: true, tag: TAG }, RECENT, [PUSH_DISABLES_LOAD], ["--push", `--tag=${TAG}`, "."]],
    ["push with name= in an image output: fine", { push: true, output: `type=image,name=${TAG},push=true` }, RECENT, [PUSH_DISABLES_LOAD], [
      `--output=type=image,name=${TAG},push=true`,
      "--push",
      ".",
    ]],
    ["a registry output with name= as a record: fine", { output: { type: "registry", name: TAG } }, RECENT, [], [`--output=type=registry,name=${TAG}`, "."]],
    ["no push, no tag: fine", { load: true }, RECENT, [], ["--load", "."]],
  ])("%s", (...rule) => check(rule));
});

describe("tags are image references", () => {
  const invalid = (option: string, message: string): Diagnostic => ({ level: "error", code: "invalid-tag", option, message });
  it.each<Rule>([
    ["upper case", { tag: "App:1", load: true }, RECENT, [invalid("tag", '"App:1" has upper-case letters in the repository name (they must be lower-case)')], [
      "--load",
      "--tag=App:1",
      ".",
    ]],
    ["whitespace, in a list", { tag: ["app:1", "app: 2"], load: true }, RECENT, [invalid("tag[1]", '"app: 2" contains whitespace')], [
      "--load",
      "--tag=app:1",
      "--tag=app: 2",
      ".",
    ]],
    ["an empty tag name", { tag: "app:", load: true }, RECENT, [
      invalid("tag", '"app:" is not a valid image reference ([registry/]repository[:tag], lower-case)'),
    ], ["--load", "--tag=app:", "."]],
    ["too long", { tag: `app:${"1".repeat(500)}`, load: true }, RECENT, [invalid("tag", `"app:${"1".repeat(500)}" is too long`)], [
      "--load",
      `--tag=app:${"1".repeat(500)}`,
      ".",
    ]],
    ["a repository over 255 characters", { tag: `${"a".repeat(256)}:1`, load: true }, RECENT, [
      invalid("tag", `"${"a".repeat(256)}:1" has a repository name longer than 255 characters`),
    ], ["--load", `--tag=${"a".repeat(256)}:1`, "."]],
  ])("%s", (...rule) => check(rule));

  it.each([
    "app",
    "app:1",
    "localhost:5000/app:1",
    "registry.example.com:443/team/sub/app:1.2.3-rc_1",
    "library/busybox",
    `app@sha256:${"a".repeat(64)}`,
    `localhost:5000/app:1@sha256:${"0".repeat(64)}`,
    "[::1]:5000/app:1",
    "a__b/c-d.e:Tag_1",
  ])("%s is valid", (tag) => {
    expect(plan({ tag, load: true }, RECENT).diagnostics).toEqual([]);
  });
});

/** A value any row of the given kind accepts (its own attributes or keys, where it has them). */
function sampleValue(row: FlagRow): unknown {
  if (row.keys) return { [row.keys[0]!]: 1 }; // a map's keys (resource) or a ulimit's names
  if (row.attributes?.common && row.kind === "csv") return `${Object.keys(row.attributes.common)[0]}=x`;
  const samples: Record<FlagKind, unknown> = {
    bool: true,
    string: row.choices?.[0] ?? "x",
    list: row.choices?.[0] ?? "x",
    platforms: "linux/amd64",
    map: { A: "1" },
    hosts: { h: "10.0.0.1" },
    csv: "type=local,dest=out",
    csvOrBool: true,
    ulimit: { nofile: 1024 },
    bytes: "64m",
  };
  return samples[row.kind];
}

describe("every flag newer than the installed buildx", () => {
  const FIRST = "0.2.0";
  const newer = Object.entries(FLAGS).filter(([, row]) => row.since !== FIRST);
  const oldest = Object.entries(FLAGS).filter(([, row]) => row.since === FIRST);
  /** The minor release before `version` (x.y.0 -> x.(y-1).0). */
  const before = (version: string) => {
    const [major, minor] = version.split(".").map(Number) as [number, number];
    return `${major}.${minor - 1}.0`;
  };

  it("has rows to check on both sides", () => {
    expect(newer.length).toBeGreaterThanOrEqual(10);
    expect(oldest.length).toBeGreaterThanOrEqual(10);
  });

  it.each(newer)("%s: an error naming the version on the buildx before", (name, row) => {
    const installed = before(row.since);
    const p = plan({ [name]: sampleValue(row), tag: TAG } as BuildOptions, at(installed));
    expect(p.diagnostics.filter((d) => d.code === "flag-needs-newer-buildx")).toEqual([{
      level: "error",
      code: "flag-needs-newer-buildx",
      option: name,
      message: `${row.flag} needs buildx >= ${row.since}; installed ${installed}`,
      hint: `upgrade buildx, or leave ${name} out`,
    }]);
    expect(p.ok).toBe(false);
  });

  it.each(newer)("%s: fine on the buildx that introduced it", (name, row) => {
    const p = plan({ [name]: sampleValue(row), tag: TAG } as BuildOptions, at(row.since));
    expect(p.diagnostics.filter((d) => d.code === "flag-needs-newer-buildx")).toEqual([]);
  });

  it.each(oldest)("%s: fine on the first buildx", (name, row) => {
    const p = plan({ [name]: sampleValue(row), tag: TAG } as BuildOptions, at(FIRST));
    expect(p.diagnostics.filter((d) => d.code === "flag-needs-newer-buildx")).toEqual([]);
  });

  it("names every newer flag at once", () => {
    const options = Object.fromEntries(newer.map(([name, row]) => [name, sampleValue(row)])) as BuildOptions;
    const flagged = plan(options, at(FIRST)).diagnostics.filter((d) => d.code === "flag-needs-newer-buildx").map((d) => d.option);
    expect(flagged.sort()).toEqual(newer.map(([name]) => name).sort());
  });

  it("finds no flag too new for an unknown version (it counts as the latest)", () => {
    expect(plan({ attest: "type=sbom", call: "check" }, UNKNOWN_CAPABILITIES).diagnostics).toEqual([NOT_PROBED]);
  });
});

describe("secrets from the environment", () => {
  const needsNewer = (option: string): Diagnostic => ({
    level: "error",
    code: "secret-env-needs-newer-buildx",
    option,
    message: `a secret read from an environment variable (env=) needs buildx >= ${FEATURES.secretEnv.since}; installed 0.5.0`,
    hint: "write the value to a file and use src=",
  });
  it("needs 0.6.0", () => {
    expect(FEATURES.secretEnv.since).toBe("0.6.0");
  });
  it.each<Rule>([
    ["env= on 0.5: an error", { secret: "id=token,env=TOKEN", load: true }, at("0.5.0"), [needsNewer("secret")], [
      "--load",
      "--secret=id=token,env=TOKEN",
      ".",
    ]],
    ["env= as a record in a list on 0.5: an error at its index", { secret: ["id=a,src=a.txt", { id: "b", env: "B" }], load: true }, at("0.5.0"), [
      needsNewer("secret[1]"),
    ], ["--load", "--secret=id=a,src=a.txt", "--secret=id=b,env=B", "."]],
    ["src= on 0.5: fine", { secret: "id=a,src=a.txt", load: true }, at("0.5.0"), [], ["--load", "--secret=id=a,src=a.txt", "."]],
    ["env= on 0.6: fine", { secret: "id=token,env=TOKEN", load: true }, at("0.6.0"), [], ["--load", "--secret=id=token,env=TOKEN", "."]],
  ])("%s", (...rule) => check(rule));
});

describe("unknown options", () => {
  const unknown = (option: string, guess: string | null): Diagnostic => ({
    level: "error",
    code: "unknown-option",
    option,
    message: "is not a buildx build option",
    hint: guess ? `did you mean ${guess}? Flags buildx-kit does not know go in extraFlags.` : "flags buildx-kit does not know go in extraFlags.",
  });
  it.each([
    ["buildArgs", "buildArg"],
    ["build-arg", "buildArg"],
    ["build_arg", "buildArg"],
    ["cache_to", "cacheTo"],
    ["tags", "tag"],
    ["plaform", "platform"],
    ["contex", "context"],
    ["extraFlag", "extraFlags"],
    ["somethingElseEntirely", null],
  ])("%s -> did you mean %s", (name, guess) => {
    const p = plan({ [name]: "x", load: true } as BuildOptions, RECENT);
    expect(p.diagnostics).toEqual([unknown(name, guess)]);
    expect(p.args).toEqual(["--load", "."]);
  });

  it("ignores an unknown option that is undefined", () => {
    expect(plan({ buildArgs: undefined, load: true } as BuildOptions, RECENT).diagnostics).toEqual([]);
  });
});

describe("null and undefined", () => {
  const isNull = (option: string): Diagnostic => ({ level: "error", code: "invalid-value", option, message: "is null; leave the option out to unset it" });
  it.each<Rule>([
    ["null tag: an error", { tag: null, load: true } as unknown as BuildOptions, RECENT, [isNull("tag")], ["--load", "."]],
    ["null context: an error", { context: null, load: true } as unknown as BuildOptions, RECENT, [isNull("context")], ["--load", "."]],
    ["null extraFlags: an error", { extraFlags: null, load: true } as unknown as BuildOptions, RECENT, [isNull("extraFlags")], ["--load", "."]],
    ["undefined values: ignored", { tag: undefined, push: undefined, context: undefined, extraFlags: undefined }, RECENT, [LOAD_BY_DEFAULT], ["--load", "."]],
  ])("%s", (...rule) => check(rule));

  it("leaves undefined values out of the planned options", () => {
    expect(plan({ tag: undefined, target: "t" }, RECENT).options).toEqual({ target: "t", load: true });
  });

  it.each([
    [null, "null"],
    [undefined, "undefined"],
    ["--push", 'the string "--push"'],
    [["--push"], "an array"],
    [42, "the number 42"],
  ])("options %j: invalid-options", (options, described) => {
    const p = plan(options as unknown as BuildOptions, RECENT);
    expect(p.diagnostics).toEqual([{
      level: "error",
      code: "invalid-options",
      option: null,
      message: `build options must be an object, got ${described}`,
      hint: 'pass an object of build options, e.g. { context: ".", tag: "app:1" }',
    }]);
    expect(p.ok).toBe(false);
    expect(p.args).toEqual([]);
  });
});

describe("an unknown buildx version", () => {
  it("says buildx was not probed", () => {
    expect(plan({ load: true }).diagnostics).toEqual([NOT_PROBED]);
  });

  it("names what buildx version printed", () => {
    const dev = caps({ buildxCommand: ["docker", "buildx"], buildxVersion: null, buildxVersionText: "github.com/docker/buildx dev dev" });
    expect(plan({ load: true }, dev).diagnostics).toEqual([{
      level: "info",
      code: "buildx-version-unknown",
      option: null,
      message: 'could not read a release from "github.com/docker/buildx dev dev"; assuming the latest buildx',
    }]);
  });

  it("plans as the latest buildx: push and load together, every flag", () => {
    const p = plan({ push: true, load: true, tag: TAG, call: "check", sbom: true }, UNKNOWN_CAPABILITIES);
    expect(p.diagnostics).toEqual([NOT_PROBED]);
    expect(p.args).toEqual(["--call=check", "--load", "--push", "--sbom=true", `--tag=${TAG}`, "."]);
  });

  it("is silent when the version is known", () => {
    expect(plan({ load: true }, RECENT).diagnostics.some((d) => d.code === "buildx-version-unknown")).toBe(false);
  });
});

describe("the command", () => {
  it("runs the buildx the probe found", () => {
    expect(plan({ load: true }, { ...RECENT, buildxCommand: ["/usr/libexec/docker/cli-plugins/docker-buildx"] }).argv)
      .toEqual(["/usr/libexec/docker/cli-plugins/docker-buildx", "build", "--load", "."]);
  });

  it("is docker buildx when nothing was probed", () => {
    expect(plan({ load: true }).argv).toEqual(["docker", "buildx", "build", "--load", "."]);
  });
});

describe("constructBuildArgs and ValidationError", () => {
  it("returns the args when there are only warnings", () => {
    expect(constructBuildArgs({ load: false }, RECENT)).toEqual(["."]);
  });

  it("throws one ValidationError listing every error at once", () => {
    const options = { buildArgs: { A: "1" }, push: "true", tag: "App:1", platform: "lnux" } as unknown as BuildOptions;
    let error: unknown;
    try {
      constructBuildArgs(options, RECENT);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toBeInstanceOf(Error);
    const v = error as ValidationError;
    expect(v.name).toBe("ValidationError");
    expect(v.diagnostics).toEqual([
      {
        level: "error",
        code: "unknown-option",
        option: "buildArgs",
        message: "is not a buildx build option",
        hint: "did you mean buildArg? Flags buildx-kit does not know go in extraFlags.",
      },
      { level: "error", code: "invalid-tag", option: "tag", message: '"App:1" has upper-case letters in the repository name (they must be lower-case)' },
      { level: "error", code: "invalid-value", option: "platform", message: `"lnux" ${NOT_A_PLATFORM}` },
      { level: "error", code: "invalid-value", option: "push", message: 'expects true or false, got the string "true"' },
    ]);
    expect(v.message).toBe([
      "invalid build options (4 problems):",
      "  error [unknown-option] buildArgs: is not a buildx build option",
      "    hint: did you mean buildArg? Flags buildx-kit does not know go in extraFlags.",
      '  error [invalid-tag] tag: "App:1" has upper-case letters in the repository name (they must be lower-case)',
      `  error [invalid-value] platform: "lnux" ${NOT_A_PLATFORM}`,
      '  error [invalid-value] push: expects true or false, got the string "true"',
    ].join("\n"));
  });

  it("says 1 problem for one", () => {
    expect(() => constructBuildArgs({ push: true }, RECENT)).toThrow(
      "invalid build options (1 problem):\n  error [push-needs-tag] push: pushing needs a tag to know where the image goes\n" +
        '    hint: add tag: "registry/repository:tag" (or name= in an image output)',
    );
  });
});

describe("formatDiagnostic", () => {
  it.each([
    [
      PUSH_NEEDS_TAG,
      'error [push-needs-tag] push: pushing needs a tag to know where the image goes\n  hint: add tag: "registry/repository:tag" (or name= in an image output)',
    ],
    [NOT_PROBED, "info [buildx-version-unknown] buildx was not probed; assuming the latest buildx"],
  ])("%j", (diagnostic, text) => {
    expect(formatDiagnostic(diagnostic)).toBe(text);
  });
});

describe("fixes found in review", () => {
  it("reads a single field not starting with type= as a local path, as buildx does", () => {
    const p = plan({ output: "dest=out", push: true, tag: "x:1" }, RECENT);
    expect(p.outputs).toEqual([{ type: "local", attrs: { dest: "dest=out" } }]);
    expect(p.push).toBe(false);
    expect(p.diagnostics.map((d) => d.code)).toContain("local-output-disables-push");
  });

  it("names upper-case letters in a repository, even behind a registry", () => {
    const d = plan({ tag: "localhost:5000/App:1" }, RECENT).diagnostics.find((x) => x.code === "invalid-tag");
    expect(d?.message).toBe('"localhost:5000/App:1" has upper-case letters in the repository name (they must be lower-case)');
  });

  it("refuses extraFlags that name a flag of the table, which would bypass its checks", () => {
    const p = plan({ tag: "x:1", extraFlags: { push: true } }, RECENT);
    expect(p.ok).toBe(false);
    expect(p.diagnostics).toContainEqual({
      level: "error",
      code: "extra-flag-is-known",
      option: "extraFlags.push",
      message: "--push is in the flag table; extraFlags would bypass its checks",
      hint: "use the push option instead",
    });
    expect(p.args).not.toContain("--push");
  });

  it("rejects a size with an exabyte unit, which docker does not read", () => {
    const p = plan({ shmSize: "1e" }, RECENT);
    expect(p.diagnostics).toContainEqual({
      level: "error",
      code: "invalid-value",
      option: "shmSize",
      message: 'expects a size in bytes or with a unit (64m, 1g), got the string "1e"',
    });
  });
});

describe("single-valued attestation shorthands", () => {
  it.each(["provenance", "sbom"] as const)("refuses several %s values, which buildx would silently reduce to the last", (name) => {
    const p = plan({ [name]: ["mode=max", "mode=min"] } as unknown as BuildOptions, RECENT);
    expect(p.diagnostics).toContainEqual({
      level: "error",
      code: "invalid-value",
      option: name,
      message: `takes one value (buildx keeps only the last --${name}); got 2`,
    });
  });
});

describe("ulimit text is checked like the record form", () => {
  it("refuses a soft limit above the hard one", () => {
    expect(plan({ ulimit: "nofile=2048:1024" }, RECENT).diagnostics).toContainEqual({
      level: "error",
      code: "invalid-value",
      option: "ulimit",
      message: "soft limit 2048 is above the hard limit 1024",
    });
    expect(plan({ ulimit: ["nofile=1024:2048", "nproc=-1:-1"] }, RECENT).ok).toBe(true);
  });
});

describe("an image output pushes as buildx reads push=", () => {
  it.each(["true", "1", "TRUE", "t"])("push=%s needs a tag", (v) => {
    const p = plan({ output: `type=image,push=${v}` }, RECENT);
    expect(p.push).toBe(true);
    expect(p.diagnostics.map((d) => d.code)).toContain("push-needs-tag");
  });
  it("push=false does not push", () => {
    expect(plan({ output: "type=image,push=false" }, RECENT).push).toBe(false);
  });
});

describe("entitlements: open, typos refused", () => {
  it("refuses a near miss of an entitlement, naming it", () => {
    expect(plan({ allow: ["network.host", "network.hots"] }, RECENT).diagnostics).toContainEqual({
      level: "error",
      code: "invalid-value",
      option: "allow[1]",
      message:
        'must be one of network.host, security.insecure, device, buildx.local.delete (or another buildx knows); got "network.hots" (did you mean network.host?)',
    });
    expect(plan({ allow: "network.host,security.insecure" }, RECENT).ok).toBe(true);
  });

  it("passes one it does not know to buildx, with a warning", () => {
    const p = plan({ allow: "gpu.everything", load: true }, at("0.36.0"));
    expect(p.ok).toBe(true);
    expect(p.diagnostics).toEqual([{
      level: "warning",
      code: "unknown-choice",
      option: "allow",
      message: '"gpu.everything" is not one buildx-kit knows (network.host, security.insecure, device, buildx.local.delete); passed to buildx unchecked',
    }]);
    expect(p.args).toContain("--allow=gpu.everything");
  });
});

describe("platforms as buildx reads them", () => {
  // The schema's pattern for one platform string, as an editor would apply it.
  const options = (recipeSchema().properties as Record<string, { properties: Record<string, { anyOf: { pattern?: string }[] }> }>).options!.properties;
  const pattern = new RegExp(options.platform!.anyOf[0]!.pattern!, "u");

  const ACCEPTED = [
    "linux/amd64",
    "linux/arm/v7",
    "linux/arm64/v8.2",
    "local",
    "LOCAL",
    "Local",
    "linux",
    "LINUX",
    "windows",
    "macos",
    "arm64",
    "x86_64",
    "x86-64",
    "aarch64",
    "armhf",
    "i386",
    "riscv64",
    "windows(10.0.17763)/amd64",
    "windows(10.0.17763)",
    "windows()/amd64",
    "Linux/AMD64",
    "foo/bar",
    "linux/amd64,linux/arm64",
    " linux/amd64 , arm64 ",
    "local,linux/arm64",
  ];
  const REFUSED = [
    "",
    "lnux",
    "amd",
    "arm64(1)",
    "linux/arm/v7/x",
    "linux/*",
    "*",
    "linux/",
    "/amd64",
    "linux//v7",
    "linux/amd64,",
    ",linux/amd64",
    "linux/amd64;",
    "win dows/amd64",
    "windows(10.0/amd64",
    "windows(1)(2)/amd64",
    "linux/amd(64)",
  ];

  it.each(ACCEPTED)("%j: plan() and the schema accept it", (platform) => {
    expect(plan({ platform, load: true }, CONTAINER_DRIVER).diagnostics).toEqual([]);
    expect(pattern.test(platform)).toBe(true);
  });

  it.each(REFUSED)("%j: plan() and the schema refuse it", (platform) => {
    expect(plan({ platform, load: true }, CONTAINER_DRIVER).diagnostics.map((d) => d.code)).toEqual(["invalid-value"]);
    expect(pattern.test(platform)).toBe(false);
  });

  it("counts each platform, whatever its form", () => {
    expect(plan({ platform: ["LOCAL", "arm64,windows(10.0.17763)/amd64"], push: true, tag: TAG }, RECENT).platforms)
      .toEqual(["LOCAL", "arm64", "windows(10.0.17763)/amd64"]);
  });
});

// buildx docs (docs/reference/buildx_build.md, --annotation; build/metadata/annotations): "the build
// must produce the component that you specify, or else the build will fail". BuildKit exports an
// image index only for several platforms or when attestations are attached (buildx's default
// provenance does that for one platform); otherwise: "index annotations not supported for single
// platform export". buildx itself refuses them on the docker driver without the containerd store.
describe("index annotations need an image index", () => {
  const FAILURE = 'the build would fail with "index annotations not supported for single platform export"';
  const noIndex = (option: string, platforms: string): Diagnostic => ({
    level: "error",
    code: "index-annotation-needs-index",
    option,
    message: `an index annotation needs an image index, and ${platforms} with provenance: false and no other attestation makes a single manifest; ${FAILURE}`,
    hint:
      "build several platforms, drop provenance: false (buildx's default provenance attestation makes an index), or annotate the manifest (manifest:KEY=VALUE)",
  });
  const classic = (option: string): Diagnostic => ({
    level: "error",
    code: "index-annotation-needs-index",
    option,
    message: `an index annotation needs an image index, which the docker driver with the classic image store never makes; ${FAILURE}`,
    hint: "turn on the containerd image store, use a docker-container builder (builder option), or annotate the manifest (manifest:KEY=VALUE)",
  });
  const base = { push: true, tag: TAG, provenance: false } as const;
  it.each<Rule>([
    ["index: on one platform without provenance: an error", { ...base, annotation: "index:foo=bar", platform: "linux/amd64" }, CONTAINER_DRIVER, [
      PUSH_DISABLES_LOAD,
      noIndex("annotation", "one platform"),
    ], ["--annotation=index:foo=bar", "--platform=linux/amd64", "--provenance=false", "--push", `--tag=${TAG}`, "."]],
    ["index-descriptor: in a list, no platform given: an error at its index", { ...base, annotation: ["a=b", "index-descriptor:foo=bar"] }, CONTAINER_DRIVER, [
      PUSH_DISABLES_LOAD,
      noIndex("annotation[1]", "the builder's one platform"),
    ], ["--annotation=a=b", "--annotation=index-descriptor:foo=bar", "--provenance=false", "--push", `--tag=${TAG}`, "."]],
    ["several types with a platform qualifier", { ...base, annotation: "manifest[linux/amd64],index:foo=bar" }, CONTAINER_DRIVER, [
      PUSH_DISABLES_LOAD,
      noIndex("annotation", "the builder's one platform"),
    ], ["--annotation=manifest[linux/amd64],index:foo=bar", "--provenance=false", "--push", `--tag=${TAG}`, "."]],
    ["two platforms: fine", { ...base, annotation: "index:foo=bar", platform: "linux/amd64,linux/arm64" }, CONTAINER_DRIVER, [PUSH_DISABLES_LOAD], [
      "--annotation=index:foo=bar",
      "--platform=linux/amd64,linux/arm64",
      "--provenance=false",
      "--push",
      `--tag=${TAG}`,
      ".",
    ]],
    ["one platform with buildx's default provenance: fine (the docs' own example)", { push: true, tag: TAG, annotation: "index:foo=bar" }, CONTAINER_DRIVER, [
      PUSH_DISABLES_LOAD,
    ], ["--annotation=index:foo=bar", "--push", `--tag=${TAG}`, "."]],
    ["one platform with an sbom: fine", { ...base, sbom: true, annotation: "index:foo=bar" }, CONTAINER_DRIVER, [PUSH_DISABLES_LOAD], [
      "--annotation=index:foo=bar",
      "--provenance=false",
      "--push",
      "--sbom=true",
      `--tag=${TAG}`,
      ".",
    ]],
    [
      "one platform with BUILDKIT_MULTI_PLATFORM=1: fine",
      { ...base, buildArg: { BUILDKIT_MULTI_PLATFORM: 1 }, annotation: "index:foo=bar" },
      CONTAINER_DRIVER,
      [PUSH_DISABLES_LOAD],
      ["--annotation=index:foo=bar", "--build-arg=BUILDKIT_MULTI_PLATFORM=1", "--provenance=false", "--push", `--tag=${TAG}`, "."],
    ],
    ["manifest: and a key holding a colon: fine", { ...base, annotation: ["manifest:foo=bar", "org.example.url=https://x"] }, CONTAINER_DRIVER, [
      PUSH_DISABLES_LOAD,
    ], ["--annotation=manifest:foo=bar", "--annotation=org.example.url=https://x", "--provenance=false", "--push", `--tag=${TAG}`, "."]],
    ["the docker driver with the classic store: an error, provenance or not", { push: true, tag: TAG, annotation: "index:foo=bar" }, DOCKER_CLASSIC, [
      PUSH_DISABLES_LOAD,
      classic("annotation"),
    ], ["--annotation=index:foo=bar", "--push", `--tag=${TAG}`, "."]],
    ["the classic store, a local output only: fine", { output: "type=local,dest=out", annotation: "index:foo=bar" }, DOCKER_CLASSIC, [], [
      "--annotation=index:foo=bar",
      "--output=type=local,dest=out",
      ".",
    ]],
  ])("%s", (...rule) => check(rule));
});

describe("capabilities of the wrong shape", () => {
  const HINT = 'pass what probe() returns, or UNKNOWN_CAPABILITIES with your own fields: { ...UNKNOWN_CAPABILITIES, buildxVersion: "0.13.1" }';
  const wrong = (message: string): Diagnostic => ({ level: "error", code: "invalid-capabilities", option: null, message, hint: HINT });
  const ALL = "buildxVersion, buildxVersionText, buildxCommand, engineVersion, driver, buildkitVersion, containerdImageStore, builder, problems";
  it.each(
    [
      ["a string", "0.13.1", [wrong('capabilities must be a Capabilities object (what probe() returns), got the string "0.13.1"')]],
      ["null", null, [wrong("capabilities must be a Capabilities object (what probe() returns), got null")]],
      ["an array", [], [wrong("capabilities must be a Capabilities object (what probe() returns), got an array")]],
      ["{}", {}, [wrong(`capabilities is missing ${ALL}`)]],
      ['{ buildx: "0.13" }', { buildx: "0.13" }, [wrong(`capabilities is missing ${ALL}`)]],
      ["a version that is not a release", { ...RECENT, buildxVersion: "0.13" }, [
        wrong('capabilities.buildxVersion expects a release (major.minor.patch) or null, got the string "0.13"'),
      ]],
      ["fields of the wrong type", { ...RECENT, buildxCommand: "docker buildx", containerdImageStore: "yes", buildxVersionText: undefined }, [
        wrong("capabilities is missing buildxVersionText"),
        wrong('capabilities.buildxCommand expects an array of words (such as ["docker", "buildx"]) or null, got the string "docker buildx"'),
        wrong('capabilities.containerdImageStore expects true, false or null, got the string "yes"'),
      ]],
    ] as const,
  )("%s: an error saying what was expected, nothing planned", (_, capabilities, diagnostics) => {
    const p = plan({ load: true }, capabilities as unknown as Capabilities);
    expect(p.diagnostics).toEqual(diagnostics);
    expect(p.ok).toBe(false);
    expect(p.argv).toEqual(["docker", "buildx", "build"]);
  });

  it("reports bad options and bad capabilities together", () => {
    expect(plan("x" as unknown as BuildOptions, "0.13" as unknown as Capabilities).diagnostics.map((d) => d.code)).toEqual([
      "invalid-capabilities",
      "invalid-options",
    ]);
  });

  it("a buildxPlugin may be left out", () => {
    const { buildxPlugin: _, ...rest } = RECENT;
    expect(plan({ load: true }, rest as Capabilities).diagnostics).toEqual([]);
  });

  it("constructBuildArgs throws a ValidationError, and never a TypeError", () => {
    expect(() => constructBuildArgs({}, { buildx: "0.13" } as unknown as Capabilities)).toThrow(ValidationError);
    expect(() => constructBuildArgs(undefined as unknown as BuildOptions)).toThrow(
      'invalid build options (1 problem):\n  error [invalid-options] build options must be an object, got undefined\n    hint: pass an object of build options, e.g. { context: ".", tag: "app:1" }',
    );
  });
});

// Issue 16: the table, the rules and the probe as of buildx 0.36/0.37 and BuildKit.
describe("today's buildx and BuildKit", () => {
  /** A docker-container builder with one node running BuildKit `buildkit`, buildx `buildx`. */
  const builder = (buildx: string, buildkit: string | null, text: string | null = buildkit && `v${buildkit}`): Capabilities =>
    at(buildx, {
      driver: "docker-container",
      containerdImageStore: false,
      buildkitVersion: buildkit,
      builder: {
        name: "b",
        driver: "docker-container",
        nodes: [{ name: "b0", status: "running", platforms: ["linux/amd64"], buildkitVersion: buildkit, buildkitVersionText: text }],
      },
    });

  it("buildx 0.36 with BuildKit 0.26 accepts policy, resource, progress none and call outline,format=json", () => {
    const options: BuildOptions = { policy: "filename=policy.rego", resource: { memory: "2g" }, progress: "none", call: "outline,format=json" };
    const p = plan(options, builder("0.36.0", "0.26.0"));
    expect(p.diagnostics).toEqual([]);
    expect(p.ok).toBe(true);
    expect(p.args).toEqual(["--call=outline,format=json", "--policy=filename=policy.rego", "--progress=none", "--resource=memory=2g", "."]);
  });

  it("buildx 0.30 refuses resource, naming 0.35", () => {
    const p = plan({ resource: { memory: "2g" }, load: true }, builder("0.30.0", "0.26.0"));
    expect(p.diagnostics).toEqual([{
      level: "error",
      code: "flag-needs-newer-buildx",
      option: "resource",
      message: "--resource needs buildx >= 0.35.0; installed 0.30.0",
      hint: "upgrade buildx, or leave resource out",
    }]);
    expect(p.ok).toBe(false);
  });

  it("BuildKit 0.12 refuses push and load together, naming BuildKit 0.13", () => {
    const p = plan({ push: true, load: true, tag: TAG }, builder("0.36.0", "0.12.5"));
    expect(p.diagnostics).toEqual([{
      level: "error",
      code: "multiple-exporters-need-newer-buildkit",
      option: "load",
      message: "push and load together need BuildKit >= 0.13.0; builder node b0 runs BuildKit 0.12.5",
      hint:
        "keep one destination, or upgrade BuildKit: a newer Docker Engine for the docker driver, or a docker-container builder (docker buildx create --use)",
    }]);
    expect(p.ok).toBe(false);
  });

  it("BuildKit 0.13 takes push and load together", () => {
    expect(plan({ push: true, load: true, tag: TAG }, builder("0.36.0", "0.13.0")).diagnostics).toEqual([]);
  });

  it("policy needs BuildKit 0.26, and strict=true BuildKit 0.27", () => {
    expect(plan({ policy: "filename=p.rego", load: true }, builder("0.36.0", "0.25.1")).diagnostics).toEqual([{
      level: "error",
      code: "needs-newer-buildkit",
      option: "policy",
      message: "--policy needs BuildKit >= 0.26.0; builder node b0 runs BuildKit 0.25.1",
      hint: "upgrade BuildKit: a newer Docker Engine for the docker driver, or a docker-container builder (docker buildx create --use), or leave policy out",
    }]);
    expect(plan({ policy: ["filename=p.rego", "strict=true"], load: true }, builder("0.36.0", "0.26.0")).diagnostics).toEqual([{
      level: "error",
      code: "needs-newer-buildkit",
      option: "policy[1]",
      message: "--policy strict=true needs BuildKit >= 0.27.0; builder node b0 runs BuildKit 0.26.0",
      hint: "upgrade BuildKit: a newer Docker Engine for the docker driver, or a docker-container builder (docker buildx create --use), or leave it out",
    }]);
    expect(plan({ policy: "filename=p.rego,strict=false", load: true }, builder("0.36.0", "0.26.0")).ok).toBe(true);
  });

  it("attestations need BuildKit 0.11; turning them off does not", () => {
    expect(plan({ sbom: true, load: true }, builder("0.36.0", "0.10.6")).diagnostics).toEqual([{
      level: "error",
      code: "needs-newer-buildkit",
      option: "sbom",
      message: "--sbom needs BuildKit >= 0.11.0; builder node b0 runs BuildKit 0.10.6",
      hint: "upgrade BuildKit: a newer Docker Engine for the docker driver, or a docker-container builder (docker buildx create --use), or leave sbom out",
    }]);
    expect(plan({ provenance: false, load: true }, builder("0.36.0", "0.10.6")).diagnostics).toEqual([]);
  });

  it("an unknown BuildKit (v0.0.0+unknown) is assumed the latest, with an info, only where BuildKit matters", () => {
    const debian = builder("0.36.0", null, "v0.0.0+unknown");
    expect(plan({ policy: "filename=p.rego", push: true, load: true, tag: TAG }, debian).diagnostics).toEqual([{
      level: "info",
      code: "buildkit-version-unknown",
      option: null,
      message: 'BuildKit on b0 reports "v0.0.0+unknown", no release; assuming the latest BuildKit for push and load together, --policy',
    }]);
    expect(plan({ load: true }, debian).diagnostics).toEqual([]);
    // Not inspected (no text): nothing to say.
    expect(plan({ policy: "filename=p.rego", load: true }, builder("0.36.0", null, null)).diagnostics).toEqual([]);
  });

  it("gates on the nodes that build the platforms asked for", () => {
    const two = at("0.36.0", {
      driver: "docker-container",
      containerdImageStore: false,
      buildkitVersion: "0.26.0",
      builder: {
        name: "multi",
        driver: "docker-container",
        nodes: [
          { name: "amd", status: "running", platforms: ["linux/amd64"], buildkitVersion: "0.26.0", buildkitVersionText: "v0.26.0" },
          { name: "arm", status: "running", platforms: ["linux/arm64"], buildkitVersion: "0.25.0", buildkitVersionText: "v0.25.0" },
        ],
      },
    });
    expect(plan({ policy: "filename=p.rego", platform: "linux/amd64", push: true, tag: TAG }, two).ok).toBe(true);
    expect(plan({ policy: "filename=p.rego", platform: "linux/amd64,linux/arm64", push: true, tag: TAG }, two).diagnostics.map((d) => d.message))
      .toContain("--policy needs BuildKit >= 0.26.0; builder node arm runs BuildKit 0.25.0");
  });

  it("choices and attributes have their own buildx versions, from the table", () => {
    const newer = (option: string, what: string, since: string, installed: string): Diagnostic => ({
      level: "error",
      code: "value-needs-newer-buildx",
      option,
      message: `${what} needs buildx >= ${since}; installed ${installed}`,
      hint: "upgrade buildx, or leave it out",
    });
    expect(plan({ progress: "none", load: true }, at("0.28.0")).diagnostics).toEqual([newer("progress", "--progress=none", "0.29.0", "0.28.0")]);
    expect(plan({ progress: "rawjson", load: true }, at("0.12.1")).diagnostics).toEqual([newer("progress", "--progress=rawjson", "0.13.0", "0.12.1")]);
    expect(plan({ allow: ["network.host", "device=nvidia.com/gpu"], load: true }, at("0.20.0")).diagnostics)
      .toEqual([newer("allow[1]", "--allow=device", "0.21.0", "0.20.0")]);
    expect(plan({ allow: "buildx.local.delete", output: "type=local,dest=out,mode=delete" }, at("0.34.0")).diagnostics)
      .toEqual([newer("allow", "--allow=buildx.local.delete", "0.35.0", "0.34.0"), newer("output", "--output type=local mode=", "0.35.0", "0.34.0")]);
    expect(plan({ progress: "none", allow: "buildx.local.delete", output: "type=local,dest=out,mode=copy" }, at("0.35.0")).diagnostics).toEqual([]);
  });

  it("the corrected since of builder and quiet", () => {
    expect(FLAGS.builder.since).toBe("0.4.0");
    expect(FLAGS.quiet.since).toBe("0.7.0");
    expect(FLAGS.debug).toMatchObject({ flag: "--debug", short: "-D", since: "0.17.0", kind: "bool" });
    expect([
      FLAGS.policy.bake,
      FLAGS.resource.bake,
      FLAGS.call.bakeSince,
      FLAGS.network.bakeSince,
      FLAGS.addHost.bakeSince,
      FLAGS.shmSize.bakeSince,
      FLAGS.ulimit.bakeSince,
    ])
      .toEqual(["policy", "resources", "0.16.0", "0.17.0", "0.25.0", "0.13.0", "0.13.0"]);
  });
});

describe("a gha cache buildx would drop", () => {
  const GHA_DROPPED = (option: string, missing: string): Diagnostic => ({
    level: "warning",
    code: "gha-cache-dropped",
    option,
    message: `buildx drops this type=gha cache without a word: its environment has no ${missing}`,
    hint: "run it in a GitHub Actions job that exposes the runtime variables (e.g. crazy-max/ghaction-github-runtime), or give token= and url=",
  });
  it.each<Rule>([
    ["no token and no URL: a warning per cache", { cacheFrom: "type=gha", cacheTo: ["type=gha,mode=max"], load: true }, {
      ...RECENT,
      githubActionsEnv: { token: false, url: false },
    }, [
      GHA_DROPPED("cacheFrom", "ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_URL (or ACTIONS_RESULTS_URL)"),
      GHA_DROPPED("cacheTo[0]", "ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_URL (or ACTIONS_RESULTS_URL)"),
    ], ["--cache-from=type=gha", "--cache-to=type=gha,mode=max", "--load", "."]],
    ["a token but no URL", { cacheFrom: { type: "gha" }, load: true }, { ...RECENT, githubActionsEnv: { token: true, url: false } }, [
      GHA_DROPPED("cacheFrom", "ACTIONS_CACHE_URL (or ACTIONS_RESULTS_URL)"),
    ], ["--cache-from=type=gha", "--load", "."]],
    ["both in the environment: fine", { cacheFrom: "type=gha", load: true }, { ...RECENT, githubActionsEnv: { token: true, url: true } }, [], [
      "--cache-from=type=gha",
      "--load",
      ".",
    ]],
    [
      "both as attributes: fine",
      { cacheFrom: "type=gha,token=t,url=https://c", load: true },
      { ...RECENT, githubActionsEnv: { token: false, url: false } },
      [],
      ["--cache-from=type=gha,token=t,url=https://c", "--load", "."],
    ],
    ["the environment unknown: nothing said", { cacheFrom: "type=gha", load: true }, RECENT, [], ["--cache-from=type=gha", "--load", "."]],
  ])("%s", (...rule) => check(rule));
});
