/**
 * `plan()`: options and capabilities in, argv and diagnostics out. Pure: no I/O, no clock, no
 * environment. Every adjustment it makes to what was asked is a diagnostic; nothing is dropped
 * or changed silently.
 */
import { type BuilderNode, buildkitFor, type Capabilities, CAPABILITIES_HINT, capabilitiesProblems, UNKNOWN_CAPABILITIES } from "./capabilities.ts";
import { parseAttributes } from "./csv.ts";
import type { Diagnostic, PlanCode } from "./diagnostics.ts";
import { ValidationError } from "./errors.ts";
import { FEATURES, FLAG_ROWS, flagRow, FLAGS, type Gate, type TypeSpec } from "./flags.ts";
import { encodeOption, gatedUses, turnsOff } from "./kinds.ts";
import type { BuildOptions } from "./options.ts";
import { referenceProblem } from "./reference.ts";
import { atLeast } from "./version.ts";
import { attributesOf, describe, distance, encodeExtraFlag, scalarText } from "./values.ts";

export { distance };

/** An exporter the build writes to, read from an `output` value. */
export interface PlannedOutput {
  /** `local`, `tar`, `oci`, `docker`, `image`, `registry`, `cacheonly`, ... */
  readonly type: string;
  readonly attrs: Readonly<Record<string, string>>;
}

/** What `plan()` decided. */
export interface Plan {
  /** The whole command: `["docker", "buildx", "build", ...flags, context]`. */
  readonly argv: readonly string[];
  /** The arguments after `build`: the flags in table order, then the context. */
  readonly args: readonly string[];
  /** Every finding, in the order the rules ran. */
  readonly diagnostics: readonly Diagnostic[];
  /** True when no diagnostic is an error: the build may run. */
  readonly ok: boolean;
  /** Whether the result is pushed (by `push` or a pushing output). */
  readonly push: boolean;
  /** Whether the result is loaded into the image store (by `load` or an output of type docker). */
  readonly load: boolean;
  /** The target platforms, one per element (empty: the builder's own). */
  readonly platforms: readonly string[];
  readonly outputs: readonly PlannedOutput[];
  /** The options as they will run: after defaults and adjustments. */
  readonly options: BuildOptions;
}

const ATTESTATIONS = ["attest", "provenance", "sbom"] as const;

/** Reads an `output` value (string, record, or an array of either) into exporters. */
export function readOutputs(value: unknown): PlannedOutput[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((item): PlannedOutput[] => {
    if (typeof item === "string") {
      // As buildx reads it: a single field not starting with type= is a path; "-" is a tar on
      // stdout, anything else a local folder.
      if (!item.includes(",") && !/^type=/i.test(item.trim())) return [{ type: item.trim() === "-" ? "tar" : "local", attrs: { dest: item } }];
      let attrs: Record<string, string>;
      try {
        attrs = parseAttributes(item);
      } catch {
        return [];
      }
      return [{ type: (attrs.type ?? "").toLowerCase(), attrs }];
    }
    if (typeof item === "object" && item !== null) {
      const attrs = Object.fromEntries(Object.entries(item).map(([k, v]) => [k.toLowerCase(), scalarText(v) ?? ""])); // the value check reports the rest
      return [{ type: (attrs.type ?? "").toLowerCase(), attrs }];
    }
    return [];
  });
}

/** What an exporter of this output's type does with the image, as the table's `--output` types say (undefined: none of that). */
export function outputExports(o: PlannedOutput): TypeSpec["exports"] {
  const types = FLAGS.output.attributes.types ?? {};
  return Object.hasOwn(types, o.type) ? types[o.type]!.exports : undefined;
}

/** Whether an output pushes the image: a registry exporter, or an image exporter with push=true. */
export function pushes(o: PlannedOutput): boolean {
  const exports = outputExports(o);
  // buildx reads the attribute with Go's strconv.ParseBool: 1, t, true, TRUE, True.
  return exports === "push" || (exports === "push-attribute" && /^(1|t|true)$/i.test(o.attrs.push ?? ""));
}

function hasImageName(o: PlannedOutput): boolean {
  return Boolean(o.attrs.name);
}

function listOf(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The platforms named by a `platform` value, after splitting commas. */
export function platformsOf(value: unknown): string[] {
  return listOf(value).flatMap((v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : []));
}

/**
 * The path of the first annotation that targets the image index (`index:` or `index-descriptor:`
 * among the comma-separated types before the key, platform qualifiers in brackets aside), or null.
 */
function indexAnnotationPath(value: unknown): string | null {
  const list = listOf(value);
  for (const [i, item] of list.entries()) {
    if (typeof item !== "string") continue; // the value check reports it
    const key = item.split("=")[0]!;
    const colon = key.indexOf(":");
    if (colon === -1) continue; // no types: the manifest
    const types = key.slice(0, colon).replace(/\[[^\]]*\]/g, "").split(",").map((t) => t.trim());
    if (types.includes("index") || types.includes("index-descriptor")) return Array.isArray(value) ? `annotation[${i}]` : "annotation";
  }
  return null;
}

/** True when an attestation or BUILDKIT_MULTI_PLATFORM makes BuildKit write an image index even for one platform. */
function makesIndexAnyway(given: Record<string, unknown>): boolean {
  if (listOf(given.attest).length > 0) return true;
  if (given.sbom !== undefined && given.sbom !== false) return true;
  const args = given.buildArg;
  let multi: unknown;
  if (Array.isArray(args) || typeof args === "string") {
    for (const a of listOf(args)) if (typeof a === "string" && a.startsWith("BUILDKIT_MULTI_PLATFORM=")) multi = a.slice(a.indexOf("=") + 1);
  } else if (typeof args === "object" && args !== null) {
    multi = (args as Record<string, unknown>).BUILDKIT_MULTI_PLATFORM;
  }
  // buildx reads it with Go's strconv.ParseBool.
  return /^(1|t|true)$/i.test(String(multi ?? ""));
}

/** The known option closest to `name`, if one is close. */
export function suggestOption(name: string): string | null {
  const lower = name.toLowerCase().replace(/[-_]/g, "");
  let best: string | null = null;
  let bestScore = Infinity;
  for (const known of [...FLAG_ROWS.map(([name]) => name), "context", "extraFlags"]) {
    const score = distance(lower, known.toLowerCase());
    if (score < bestScore) [best, bestScore] = [known, score];
  }
  return bestScore <= Math.max(2, Math.floor(lower.length / 3)) ? best : null;
}

function versionText(caps: Capabilities): string {
  return caps.buildxVersion ?? "unknown";
}

/**
 * Plans a build: checks every option against the flag table and the machine, applies the rules
 * (push disables load, a local output disables both, ...), and returns the argv with every
 * finding. Pure; never throws for bad options: they become error diagnostics.
 *
 * Pass `UNKNOWN_CAPABILITIES` (the default) to plan without a machine: the latest buildx is assumed.
 */
export function plan(options: BuildOptions, capabilities: Capabilities = UNKNOWN_CAPABILITIES): Plan {
  const caps = capabilities;
  const diagnostics: Diagnostic<PlanCode>[] = [];
  const say = (level: Diagnostic["level"], code: PlanCode, option: string | null, message: string, hint?: string) =>
    diagnostics.push(hint === undefined ? { level, code, option, message } : { level, code, option, message, hint });

  // The two arguments' shapes first: nothing below can be trusted without them.
  const capsProblems = capabilitiesProblems(caps);
  for (const problem of capsProblems) say("error", "invalid-capabilities", null, problem, CAPABILITIES_HINT);
  const badOptions = typeof options !== "object" || options === null || Array.isArray(options);
  if (badOptions) {
    say(
      "error",
      "invalid-options",
      null,
      `build options must be an object, got ${describe(options)}`,
      'pass an object of build options, e.g. { context: ".", tag: "app:1" }',
    );
  }
  if (badOptions || capsProblems.length) {
    return finish([], diagnostics, capsProblems.length ? UNKNOWN_CAPABILITIES : caps, { push: false, load: false, platforms: [], outputs: [], options: {} });
  }

  // Which keys are options at all; null is never a value.
  const given: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key !== "context" && key !== "extraFlags" && !flagRow(key)) {
      const guess = suggestOption(key);
      say(
        "error",
        "unknown-option",
        key,
        `is not a buildx build option`,
        guess ? `did you mean ${guess}? Flags buildx-kit does not know go in extraFlags.` : "flags buildx-kit does not know go in extraFlags.",
      );
      continue;
    }
    if (value === null) {
      say("error", "invalid-value", key, "is null; leave the option out to unset it");
      continue;
    }
    given[key] = value;
  }

  const resolved: Record<string, unknown> = { ...given };
  const outputs = readOutputs(given.output);
  const platforms = platformsOf(given.platform);
  const version = caps.buildxVersion;

  // A local or tar output writes files: nothing is pushed or loaded.
  const fileOutput = outputs.find((o) => outputExports(o) === "files");
  if (fileOutput) {
    const what = `output type=${fileOutput.type} writes files`;
    if (resolved.push === true) {
      say(
        "warning",
        "local-output-disables-push",
        "push",
        `is off: ${what}, it does not push`,
        "to push as well, drop the local output or add an output of type=registry",
      );
      resolved.push = false;
    }
    if (resolved.load === true) {
      say(
        "warning",
        "local-output-disables-load",
        "load",
        `is off: ${what}, it does not load`,
        "to load as well, drop the local output or add an output of type=docker",
      );
      resolved.load = false;
    }
  } else if (resolved.push === true && resolved.load === undefined) {
    say("info", "push-disables-load", "load", "is off because push is on", `set load: true to load as well (buildx >= ${FEATURES.multipleExporters.since})`);
  } else if (resolved.push !== true && resolved.load === undefined && outputs.length === 0 && !resolved.call && resolved.check !== true) {
    resolved.load = true;
    say(
      "info",
      "load-by-default",
      "load",
      "is on: with no push and no output the image is loaded into the image store",
      caps.driver === "docker"
        ? "the docker driver loads the result even with load: false; to keep it out of the image store, use output: type=cacheonly"
        : caps.driver === null
        ? "set load: false to keep the result in the build cache only (the docker driver loads it anyway)"
        : "set load: false to keep the result in the build cache only",
    );
  }

  const push = resolved.push === true || outputs.some(pushes);
  const load = resolved.load === true || outputs.some((o) => outputExports(o) === "load");

  // BuildKit on the nodes that build: features BuildKit must do, checked as the table says.
  const buildkit = buildkitFor(caps, platforms);
  const buildkitUsed: string[] = [];
  /** False (after an error) when the building nodes run a BuildKit older than `gate.buildkit`. */
  const buildkitHas = (gate: Gate, what: string, option: string | null, hint: string, code: PlanCode = "needs-newer-buildkit"): boolean => {
    if (!gate.buildkit) return true;
    buildkitUsed.push(what);
    if (buildkit.version === null || atLeast(buildkit.version, gate.buildkit)) return true;
    say(
      "error",
      code,
      option,
      `${what} need${what.startsWith("--") ? "s" : ""} BuildKit >= ${gate.buildkit}; ${buildkitText()} BuildKit ${buildkit.version}`,
      hint,
    );
    return false;
  };
  const buildkitText = () => (buildkit.node ? `builder node ${buildkit.node} runs` : "the builder runs");
  const UPGRADE_BUILDKIT = "upgrade BuildKit: a newer Docker Engine for the docker driver, or a docker-container builder (docker buildx create --use)";

  // Before 0.13 buildx can export to one place only, and BuildKit before 0.13 too.
  const exporters = outputs.length + (resolved.push === true ? 1 : 0) + (resolved.load === true ? 1 : 0);
  if (exporters > 1) {
    const what = resolved.push === true && resolved.load === true && outputs.length === 0
      ? "push and load together"
      : `${exporters} exporters (${
        [...outputs.map((o) => `output type=${o.type}`), ...(resolved.push === true ? ["push"] : []), ...(resolved.load === true ? ["load"] : [])].join(", ")
      })`;
    const option = resolved.push === true && resolved.load === true ? "load" : "output";
    if (!atLeast(version, FEATURES.multipleExporters.since)) {
      say(
        "error",
        "multiple-exporters-need-newer-buildx",
        option,
        `${what} need buildx >= ${FEATURES.multipleExporters.since}; installed ${versionText(caps)}`,
        "keep one destination, or upgrade buildx",
      );
    } else {
      // BuildKit refuses it: "multiple outputs currently unsupported by the current BuildKit daemon".
      buildkitHas(FEATURES.multipleExporters, what, option, `keep one destination, or ${UPGRADE_BUILDKIT}`, "multiple-exporters-need-newer-buildkit");
    }
  }

  // Several platforms into the image store need the containerd store (or a builder that is not
  // the docker driver).
  if (platforms.length > 1 && load) {
    if (caps.driver === "docker" && caps.containerdImageStore === false) {
      say(
        "error",
        "multi-platform-load-needs-containerd-store",
        "platform",
        `${platforms.length} platforms cannot be loaded into the classic image store of the docker driver`,
        "push instead (push: true), write an OCI layout (output: type=oci,dest=image.tar), or turn on the containerd image store",
      );
    } else if (caps.driver === null || (caps.driver === "docker" && caps.containerdImageStore === null)) {
      say(
        "info",
        "multi-platform-load-unchecked",
        "platform",
        `loading ${platforms.length} platforms needs the containerd image store or a non-docker driver; the machine was not probed`,
      );
    }
  }
  checkPlatformsServed(platforms, caps, Array.isArray(given.platform) && platforms.length === listOf(given.platform).length, say);

  if (!push && !load && outputs.length === 0 && !resolved.call && resolved.check !== true && caps.driver === "docker") {
    // buildx gives the docker driver an image export when none is asked for: the result is loaded.
    say(
      "warning",
      "docker-driver-loads-anyway",
      "load",
      "is off, but the docker driver loads the result into the image store anyway (buildx exports there when no push or output is given)",
      "to keep it out of the image store, use output: type=cacheonly, or a docker-container builder (builder option)",
    );
  } else if (!push && !load && outputs.length === 0 && !resolved.call && resolved.check !== true) {
    say(
      "warning",
      "result-stays-in-cache",
      platforms.length > 1 ? "platform" : null,
      platforms.length > 1
        ? `${platforms.length} platforms with no push and no output: the result stays in the build cache`
        : "no push, no load and no output: the result stays in the build cache",
      "push it (push: true), load it (load: true), or write it out (output)",
    );
  }

  // Attestations: buildx >= 0.10 (checked with every flag below), and a store that keeps them.
  const attesting = ATTESTATIONS.filter((name) => given[name] !== undefined && given[name] !== false);
  if (attesting.length && caps.driver === "docker" && caps.containerdImageStore === false) {
    for (const name of attesting) {
      say(
        "error",
        "attestation-needs-containerd-store",
        name,
        "attestations are not supported by the docker driver with the classic image store",
        "turn on the containerd image store, or use a docker-container builder (builder option)",
      );
    }
  }

  const indexAnnotation = indexAnnotationPath(given.annotation);
  if (indexAnnotation !== null) {
    // BuildKit writes index annotations only into an image index; an export of one manifest fails
    // with "index annotations not supported for single platform export". Refused here where that
    // is certain; a single platform otherwise gets its index from buildx's default provenance.
    const building = (resolved.call === undefined || resolved.call === "build") && resolved.check !== true;
    const exportsImage = building && (outputs.length === 0 || outputs.some((o) => outputExports(o) !== "files"));
    const failure = 'the build would fail with "index annotations not supported for single platform export"';
    if (caps.driver === "docker" && caps.containerdImageStore === false && exportsImage) {
      say(
        "error",
        "index-annotation-needs-index",
        indexAnnotation,
        `an index annotation needs an image index, which the docker driver with the classic image store never makes; ${failure}`,
        "turn on the containerd image store, use a docker-container builder (builder option), or annotate the manifest (manifest:KEY=VALUE)",
      );
    } else if (building && platforms.length <= 1 && given.provenance === false && !makesIndexAnyway(given)) {
      say(
        "error",
        "index-annotation-needs-index",
        indexAnnotation,
        `an index annotation needs an image index, and ${
          platforms.length === 1 ? "one platform" : "the builder's one platform"
        } with provenance: false and no other attestation makes a single manifest; ${failure}`,
        "build several platforms, drop provenance: false (buildx's default provenance attestation makes an index), or annotate the manifest (manifest:KEY=VALUE)",
      );
    }
  }

  if (push && (listOf(given.tag).length === 0) && !outputs.some(hasImageName)) {
    say(
      "error",
      "push-needs-tag",
      "push",
      "pushing needs a tag to know where the image goes",
      'add tag: "registry/repository:tag" (or name= in an image output)',
    );
  }

  for (const [i, tag] of listOf(given.tag).entries()) {
    if (typeof tag !== "string" || tag === "") continue; // the value check reports it
    const problem = referenceProblem(tag);
    if (problem) say("error", "invalid-tag", Array.isArray(given.tag) ? `tag[${i}]` : "tag", `${JSON.stringify(tag)} ${problem}`);
  }

  if (version === null) {
    say(
      "info",
      "buildx-version-unknown",
      null,
      caps.buildxVersionText
        ? `could not read a release from "${caps.buildxVersionText}"; assuming the latest buildx`
        : "buildx was not probed; assuming the latest buildx",
    );
  }

  // No program's argument can hold a NUL byte (C strings end there): refused here, by name.
  const nulByte = (option: string) =>
    say("error", "nul-byte", option, "holds a NUL byte (\\0), which no command-line argument can carry", "remove the NUL byte from the value");

  // buildx: "progress=plain and quiet cannot be used together" (exit 1); said here, before running.
  const progress = resolved.progress;
  if (resolved.quiet === true && typeof progress === "string" && progress !== "auto" && progress !== "quiet") {
    say(
      "error",
      "quiet-with-progress",
      "progress",
      `buildx refuses --progress=${progress} together with --quiet`,
      "leave progress out (quiet shows no progress), or leave quiet out",
    );
  }

  // Every value, checked and encoded in table order; every flag newer than the installed buildx.
  const args: string[] = [];
  for (const [name, row] of FLAG_ROWS) {
    const value = resolved[name];
    if (value === undefined) continue;
    const encoded = encodeOption(name, row, value);
    for (const p of encoded.problems) say("error", p.code ?? "invalid-value", p.path, p.message);
    for (const n of encoded.notes) say("warning", n.code ?? "unvalidated-value", n.path, n.message);
    if (encoded.args.some((a) => a.includes("\0"))) {
      // A record (buildArg, label, ...): the key that holds it.
      const keys = typeof value === "object" && value !== null && !Array.isArray(value)
        ? Object.entries(value).filter(([k, v]) => `${k}${String(v)}`.includes("\0")).map(([k]) => `${name}.${k}`)
        : [];
      for (const key of keys.length ? keys : [name]) nulByte(key);
    }
    if (encoded.args.length && !atLeast(version, row.since) && turnsOff(row, value)) {
      say(
        "info",
        "nothing-to-turn-off",
        name,
        `${encoded.args[0]} is left out: buildx ${versionText(caps)} has no ${row.flag} (added in ${row.since}), so there is nothing to turn off`,
      );
      continue;
    }
    if (encoded.args.length && !atLeast(version, row.since)) {
      say(
        "error",
        "flag-needs-newer-buildx",
        name,
        `${row.flag} needs buildx >= ${row.since}; installed ${versionText(caps)}`,
        `upgrade buildx, or leave ${name} out`,
      );
    } else if (encoded.args.length && !turnsOff(row, value)) {
      buildkitHas(row, row.flag, name, `${UPGRADE_BUILDKIT}, or leave ${name} out`);
      // Choices and attributes newer than the flag (progress: "none", output mode=): data in the table.
      for (const use of gatedUses(name, row, value)) {
        if (use.gate.since && !atLeast(version, use.gate.since)) {
          say(
            "error",
            "value-needs-newer-buildx",
            use.path,
            `${use.what} needs buildx >= ${use.gate.since}; installed ${versionText(caps)}`,
            `upgrade buildx, or leave it out`,
          );
        } else {
          buildkitHas(use.gate, use.what, use.path, `${UPGRADE_BUILDKIT}, or leave it out`);
        }
      }
    }
    args.push(...encoded.args);
  }
  if (buildkitUsed.length && buildkit.version === null && buildkit.unreadable.length) {
    const [first] = buildkit.unreadable;
    say(
      "info",
      "buildkit-version-unknown",
      null,
      `BuildKit on ${first!.node} reports ${JSON.stringify(first!.text)}, no release; assuming the latest BuildKit for ${
        [...new Set(buildkitUsed)].join(", ")
      }`,
    );
  }

  // buildx drops a gha cache it has no token and URL for, without a word (build/opt.go, isActive).
  const ghaEnv = caps.githubActionsEnv;
  if (ghaEnv) {
    for (const name of ["cacheFrom", "cacheTo"] as const) {
      for (const [i, item] of listOf(given[name]).entries()) {
        const attrs = attributesOf(item);
        if (!attrs || (attrs.type ?? "").toLowerCase() !== "gha") continue;
        const token = Boolean(attrs.token) || ghaEnv.token;
        const url = Boolean(attrs.url || attrs.url_v2) || ghaEnv.url;
        if (token && url) continue;
        const missing = [...(token ? [] : ["ACTIONS_RUNTIME_TOKEN"]), ...(url ? [] : ["ACTIONS_CACHE_URL (or ACTIONS_RESULTS_URL)"])].join(" and ");
        say(
          "warning",
          "gha-cache-dropped",
          Array.isArray(given[name]) ? `${name}[${i}]` : name,
          `buildx drops this type=gha cache without a word: its environment has no ${missing}`,
          "run it in a GitHub Actions job that exposes the runtime variables (e.g. crazy-max/ghaction-github-runtime), or give token= and url=",
        );
      }
    }
  }
  if (!atLeast(version, FEATURES.secretEnv.since)) {
    for (const [i, item] of listOf(given.secret).entries()) {
      const attrs = readOutputs(item)[0]?.attrs ?? {};
      if ("env" in attrs) {
        say(
          "error",
          "secret-env-needs-newer-buildx",
          Array.isArray(given.secret) ? `secret[${i}]` : "secret",
          `a secret read from an environment variable (env=) needs buildx >= ${FEATURES.secretEnv.since}; installed ${versionText(caps)}`,
          "write the value to a file and use src=",
        );
      }
    }
  }

  const extra = given.extraFlags;
  if (extra !== undefined) {
    if (typeof extra !== "object" || Array.isArray(extra)) {
      say("error", "invalid-value", "extraFlags", `expects a record of flag: value, got ${describe(extra)}`);
    } else {
      for (const [name, value] of Object.entries(extra as Record<string, unknown>)) {
        const encoded = encodeExtraFlag(name, value);
        for (const p of encoded.problems) say("error", "invalid-value", p.path, p.message);
        if (encoded.args.some((a) => a.includes("\0"))) nulByte(`extraFlags.${name}`);
        const flag = encoded.args[0]?.split("=")[0];
        const known = FLAG_ROWS.find(([, row]) => row.flag === flag);
        if (known) {
          say(
            "error",
            "extra-flag-is-known",
            `extraFlags.${name}`,
            `${flag} is in the flag table; extraFlags would bypass its checks`,
            `use the ${known[0]} option instead`,
          );
          continue;
        }
        if (encoded.args.length) {
          say(
            "warning",
            "unvalidated-flag",
            `extraFlags.${name}`,
            `${encoded.args[0]!.split("=")[0]} is not in buildx-kit's flag table; passed to buildx unchecked`,
          );
        }
        args.push(...encoded.args);
      }
    }
  }

  const context = given.context ?? ".";
  if (typeof context !== "string" || context === "") {
    say("error", "invalid-value", "context", `expects a path or URL, got ${describe(context)}`);
  } else {
    // "--" would end the flags for buildx, but a context starting with "-" is only ever "-".
    if (context.includes("\0")) nulByte("context");
    if (context.startsWith("-") && context !== "-") {
      say("error", "invalid-value", "context", `${JSON.stringify(context)} looks like a flag; write ./${context} for a folder of that name`);
    }
    args.push(context);
  }

  return finish(args, diagnostics, caps, {
    push,
    load,
    platforms,
    outputs,
    options: Object.fromEntries(Object.entries(resolved).filter(([, v]) => v !== undefined)) as BuildOptions,
  });
}

/** Architecture aliases, as buildx's platform parser (containerd's) normalises them. */
const ARCH_ALIASES: Readonly<Record<string, string>> = { x86_64: "amd64", "x86-64": "amd64", aarch64: "arm64", armhf: "arm", armel: "arm", i386: "386" };

/**
 * A platform as buildx compares them (`linux/arm64/v8` is `linux/arm64`, `linux/arm` is
 * `linux/arm/v7`), or null when it names no one platform (`local`, an OS or arch alone is left to buildx).
 */
export function normalizePlatform(platform: string): string | null {
  const parts = platform.trim().toLowerCase().replace(/\(.*?\)/g, "").split("/");
  if (parts.length < 2 || parts.some((p) => p === "")) return null;
  const [os, rawArch, variant] = parts as [string, string, string | undefined];
  const arch = ARCH_ALIASES[rawArch] ?? rawArch;
  if (arch === "arm64") return variant && variant !== "v8" ? `${os}/arm64/${variant}` : `${os}/arm64`;
  if (arch === "arm") return `${os}/arm/${variant ?? "v7"}`;
  if (arch === "amd64") return variant && variant !== "v1" ? `${os}/amd64/${variant}` : `${os}/amd64`;
  return variant ? `${os}/${arch}/${variant}` : `${os}/${arch}`;
}

/** The architectures a machine of `arch` runs without emulation. */
function nativeArchs(arch: string): readonly string[] {
  return arch === "amd64" ? ["amd64", "386"] : arch === "arm64" ? ["arm64", "arm"] : [arch];
}

/**
 * Whether the builder's nodes serve every requested platform. The rule:
 *
 * - The docker driver, an unknown builder, or a builder with no nodes known: nothing is said.
 *   The docker driver's one node lists only what its BuildKit reports (linux/amd64* here), yet
 *   builds other platforms whose steps need no emulation (`FROM scratch` + `COPY` for
 *   linux/arm64), and runs RUN steps under QEMU when binfmt is installed: refusing would be wrong.
 * - A node serves a platform set for it with `--platform` (`configuredPlatforms`), or one its
 *   BuildKit reports of its own architecture family (amd64 runs 386, arm64 runs arm). Nothing said.
 * - A platform only reported by nodes of another architecture is served by emulation (QEMU): info.
 * - A platform no node lists at all: an error only when every node has platforms set with
 *   `--platform` (a builder deliberately split by platform, such as remote or docker-container
 *   nodes, one per architecture). buildx would not refuse it: its resolver sends a platform no node
 *   matches to the first node, which then builds it emulated or fails at its first RUN ("exec
 *   format error"), so a build meant to spread over nodes would quietly run on the wrong one.
 *   With a node whose platforms were not set (it takes what BuildKit reports), it is info.
 *
 * Nodes known only from buildx's files (a light probe) list just their set platforms; build()
 * inspects the builder before refusing, so platforms BuildKit reports (QEMU) count.
 */
function checkPlatformsServed(
  platforms: readonly string[],
  caps: Capabilities,
  indexed: boolean,
  say: (level: Diagnostic["level"], code: PlanCode, option: string | null, message: string, hint?: string) => void,
): void {
  const builder = caps.builder;
  if (!platforms.length || !builder || builder.driver === "docker" || !Array.isArray(builder.nodes) || builder.nodes.length === 0) return;
  const nodes = (builder.nodes as readonly BuilderNode[]).map((n) => {
    const configured = (n.configuredPlatforms ?? []).map(normalizePlatform).filter((p): p is string => p !== null);
    const reported = (n.platforms ?? []).map(normalizePlatform).filter((p): p is string => p !== null);
    const native = (configured[0] ?? reported[0] ?? "").split("/")[1] ?? "";
    return { node: n, configured, reported, pinned: n.configuredPlatforms !== undefined && configured.length > 0, native };
  });
  const describeNodes = () =>
    nodes.map(({ node, configured, reported }) => {
      const listed = [...configured.map((p) => `${p}*`), ...reported.filter((p) => !configured.includes(p))];
      return `${node.name} (${listed.join(", ") || "no platforms known"})`;
    }).join("; ");
  for (const [i, requested] of platforms.entries()) {
    const p = normalizePlatform(requested);
    if (p === null) continue;
    const arch = p.split("/")[1]!;
    const option = indexed ? `platform[${i}]` : "platform";
    const natively = nodes.filter((n) => n.configured.includes(p) || (n.reported.includes(p) && nativeArchs(n.native).includes(arch)));
    if (natively.length) continue;
    const emulated = nodes.filter((n) => n.reported.includes(p));
    if (emulated.length) {
      say(
        "info",
        "platform-emulated",
        option,
        `${requested} is served by emulation (QEMU) only, on ${
          emulated.map((n) => n.node.name).join(", ")
        } of builder ${builder.name}: RUN steps run several times slower`,
        `for native speed, add a node of that architecture: docker buildx create --append --name ${builder.name} --platform ${p} ENDPOINT`,
      );
      continue;
    }
    const hint =
      `add a node for it (docker buildx create --append --name ${builder.name} --platform ${p} ENDPOINT), use a builder that has one (builder option), ` +
      "or install QEMU on a node's machine (binfmt: docker run --privileged --rm tonistiigi/binfmt --install all) so its BuildKit lists the platform";
    if (nodes.every((n) => n.pinned)) {
      say(
        "error",
        "platform-not-served",
        option,
        `${requested} is served by no node of builder ${builder.name} (${builder.driver}): ${describeNodes()}; buildx would send it to the first node, where a RUN step fails with "exec format error"`,
        hint,
      );
    } else {
      say(
        "info",
        "platform-not-listed",
        option,
        `no node of builder ${builder.name} lists ${requested} (${describeNodes()}): buildx builds it on the first node, where steps without RUN work and a RUN needs QEMU (binfmt)`,
        hint,
      );
    }
  }
}

/**
 * Whether BuildKit's version matters to these options: a flag, choice or attribute with a BuildKit
 * floor in the table, or several exporters. `build()` then inspects the builder for its nodes'
 * BuildKit (a `buildx inspect`, which it skips otherwise).
 */
export function buildkitMatters(options: BuildOptions): boolean {
  if (typeof options !== "object" || options === null) return false;
  const given = options as Record<string, unknown>;
  for (const [name, row] of FLAG_ROWS) {
    const value = given[name];
    if (value === undefined || value === null || value === false) continue;
    if (row.buildkit || gatedUses(name, row, value).some((u) => u.gate.buildkit)) return true;
  }
  return readOutputs(given.output).length + (given.push === true ? 1 : 0) + (given.load === true ? 1 : 0) > 1;
}

function finish(
  args: string[],
  diagnostics: Diagnostic[],
  caps: Capabilities,
  decided: Pick<Plan, "push" | "load" | "platforms" | "outputs" | "options">,
): Plan {
  const command = caps.buildxCommand ?? ["docker", "buildx"];
  return {
    argv: [...command, "build", ...args],
    args,
    diagnostics,
    ok: !diagnostics.some((d) => d.level === "error"),
    ...decided,
  };
}

/**
 * The port of the original backend's `construct_build_args`: the arguments after
 * `docker buildx build` for these options, context last. Throws a `ValidationError` listing every
 * error at once.
 */
export function constructBuildArgs(options: BuildOptions, capabilities: Capabilities = UNKNOWN_CAPABILITIES): string[] {
  const p = plan(options, capabilities);
  if (!p.ok) throw new ValidationError(p.diagnostics);
  return [...p.args];
}
