/**
 * The guide's decisions, as pure functions of the answers so far and what the machine can do:
 * how each question is worded and helped, its default, how a rule of `plan()` is explained to a
 * person, which destinations are offered, what to warn about, and where the result went. No I/O
 * and no prompts: `lib/guide/flow.ts` asks, these decide what it says.
 *
 * The rules themselves stay in `plan()`: these functions only put its diagnostics into words.
 */
import type { Capabilities } from "../core/capabilities.ts";
import type { Diagnostic } from "../core/diagnostics.ts";
import type { BuildError } from "../core/errors.ts";
import { CONTEXT, FEATURES, flagRow, FLAGS, OPTION_NAMES } from "../core/flags.ts";
import type { BuildOptions } from "../core/options.ts";
import { platformsOf, pushes, readOutputs } from "../core/plan.ts";
import type { BuildResult } from "../core/result.ts";
import { atLeast } from "../core/version.ts";

/** How a part of a line is drawn: dimmed on a colour terminal, as is otherwise. */
export type Style = (text: string) => string;
const same: Style = (text) => text;

/** The widest a question's own line may be (the prompt's `? ` and a short default fit beside it in 80 columns). */
export const QUESTION_WIDTH = 72;

// ---------------------------------------------------------------------------------------------
// Questions

/** The guide's own questions: the table's rows, plus the destination (push, load or output). */
export type StepName = "context" | "file" | "target" | "tag" | "builder" | "platform" | "destination" | "buildArg" | "more";

const DESTINATION_QUESTION = "Where should the image go?";

/** A question's short text, without the flag: `Image name and tag`. */
export function questionText(step: string): string {
  if (step === "context") return CONTEXT.question;
  if (step === "destination") return DESTINATION_QUESTION;
  if (step === "more") return "More options?";
  const row = flagRow(step.startsWith("row:") ? step.slice(4) : step);
  return row?.question ?? row?.flag ?? step;
}

/** The flag a question sets, as shown dimmed beside it (`--tag`), or null when it sets several. */
export function flagOf(step: string): string | null {
  if (step === "context") return "build context";
  if (step === "destination" || step === "more") return null;
  return flagRow(step.startsWith("row:") ? step.slice(4) : step)?.flag ?? null;
}

/** A question's line: `Image name and tag  (--tag)`, the flag drawn with `dim`. */
export function questionLine(step: string, dim: Style = same): string {
  const flag = flagOf(step);
  return flag ? `${questionText(step)}  ${dim(`(${flag})`)}` : questionText(step);
}

/** What the answers so far say, as the help functions need it. */
export interface Answers {
  readonly options: BuildOptions;
  /** The working directory's folder name (the image's name when the context is `.`). */
  readonly folder: string;
  /** Whether the destination question was answered (or came from a recipe). */
  readonly destinationChosen: boolean;
}

/** A name Docker accepts, made from a folder's name: lower-case, `a-z0-9._-`, starting with a letter or digit. */
export function imageNameFrom(folder: string): string {
  const name = folder.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[^a-z0-9]+/, "").replace(/[^a-z0-9]+$/, "");
  return name || "image";
}

/** The tag offered when none is given yet: the context folder's name, `NAME:latest`. */
export function defaultTag(context: string | undefined, folder: string): string {
  const local = context && !/^[a-z][a-z0-9+.-]*:\/\//i.test(context) && !context.startsWith("git@") ? context : ".";
  const parts = local.split("/").filter((p) => p && p !== ".");
  const last = parts.length && parts[parts.length - 1] !== ".." ? parts[parts.length - 1]! : folder;
  return `${imageNameFrom(last)}:latest`;
}

function pushing(o: BuildOptions): boolean {
  return o.push === true || readOutputs(o.output).some(pushes);
}

/** The one-line help shown with a question: what it is for, and what Enter does. At most 72 columns. */
export function helpFor(step: string, a: Answers, caps: Capabilities): string {
  const o = a.options;
  switch (step) {
    case "context":
      return "The folder COPY reads from (. is this one); a Git URL works too.";
    case "file":
      return "The recipe for the image. Enter takes the one highlighted.";
    case "target":
      return "Enter builds the last stage, the usual image.";
    case "tag":
      return a.destinationChosen && pushing(o)
        ? "A push needs the registry first: localhost:5000/NAME:1. Several: spaces."
        : "NAME:TAG; several: separated by spaces. Backspace, Enter: no name.";
    case "builder":
      return "Where the build runs. Enter keeps the one highlighted.";
    case "platform": {
      const own = builderPlatformsOf(caps)[0];
      return `Space ticks. None ticked: ${own ? `${own}, this builder's own` : "the builder's own"}.`;
    }
    case "destination":
      return "Load: docker run it here. Push: share it. Files: write them out.";
    case "buildArg":
      return "Values for the Dockerfile's ARGs. Space ticks; the rest keep defaults.";
    case "more":
      return "Cache, secrets, labels, network, attestations, limits...";
    default:
      return "";
  }
}

function builderPlatformsOf(caps: Capabilities): string[] {
  return [...new Set(caps.builder?.nodes.flatMap((n) => n.platforms) ?? [])];
}

// ---------------------------------------------------------------------------------------------
// The rules, in words

/** Where a diagnostic is about: the root option (`tag[1]` -> `tag`). */
function rootOf(option: string | null): string | null {
  return option === null ? null : option.split(/[.[]/)[0]!;
}

/**
 * A diagnostic of `plan()` in a person's words: what happens, why, and what to choose instead.
 * The rule is the plan's; this only says it. `platforms` is how many were chosen.
 */
export function explain(d: Diagnostic, caps: Capabilities, platforms = 0): string {
  const version = caps.buildxVersion ?? "of unknown release";
  const both = FEATURES.multipleExporters.since;
  const n = platforms || Number(/^(\d+) platforms/.exec(d.message)?.[1] ?? 2);
  const root = rootOf(d.option);
  const row = root ? flagRow(root) : undefined;
  switch (d.code) {
    case "push-disables-load":
      return atLeast(caps.buildxVersion, both)
        ? 'Pushed only: the image will not be in this machine\'s image store. To have it here too, choose "load and push".'
        : `Pushed only: the image will not be in this machine's image store (buildx ${version} sends a result to one place).`;
    case "local-output-disables-push":
    case "local-output-disables-load":
      return "Files only: writing the result as files neither pushes the image nor loads it into the image store.";
    case "multi-platform-load-needs-containerd-store":
      return `This machine's image store (the classic one) holds one platform per image, so ${n} platforms cannot be loaded into it. ` +
        "Push them to a registry, write an OCI layout, or build one platform (or turn on the containerd image store).";
    case "multi-platform-load-unchecked":
      return `Loading ${n} platforms needs the containerd image store; this machine was not checked, so the build may refuse.`;
    case "attestation-needs-containerd-store":
      return "Attestations need the containerd image store or a docker-container builder; this machine uses the classic image store.";
    case "flag-needs-newer-buildx":
      return `${row?.question?.replace(/\?$/, "") ?? row?.flag ?? root}: needs buildx ${row?.since ?? "newer"} or later; this machine has ${version}.`;
    case "multiple-exporters-need-newer-buildx":
      return `buildx ${version} sends the result to one place only; loading and pushing at once needs buildx ${both}.`;
    case "secret-env-needs-newer-buildx":
      return `A secret from an environment variable needs buildx ${FEATURES.secretEnv.since}; this machine has ${version}: give a file instead.`;
    case "push-needs-tag":
      return "Pushing needs a name that says where the image goes, e.g. localhost:5000/app:1.";
    case "docker-driver-loads-anyway":
      return "This builder (the docker driver) puts the result into the image store anyway.";
    case "result-stays-in-cache":
      return "Nothing is exported: the result stays in the build cache, for the next build to reuse.";
    case "nothing-to-turn-off":
      return `${row?.flag ?? root} is left out: buildx ${version} does not have it, so there is nothing to turn off.`;
    case "invalid-tag":
    case "invalid-value":
      return d.message;
    default:
      return d.option && !d.message.startsWith(d.option) ? `${row?.question?.replace(/\?$/, "") ?? d.option}: ${d.message}` : d.message;
  }
}

/** A diagnostic's line as the guide prints it: `Note:`, `Warning:` or `Problem:`, then its words. */
export function explainLine(d: Diagnostic, caps: Capabilities, platforms = 0): string {
  // A file output turning push and load off is what the person chose, not a danger: a note.
  const chosen = d.code === "local-output-disables-push" || d.code === "local-output-disables-load";
  const word = d.level === "error" ? "Problem" : d.level === "warning" && !chosen ? "Warning" : "Note";
  return `${word}: ${explain(d, caps, platforms)}`;
}

/** Why a choice cannot be picked here, short enough to sit beside it (`needs buildx 0.12.0+`). */
export function shortReason(d: Diagnostic, caps: Capabilities): string {
  const row = flagRow(rootOf(d.option) ?? "");
  switch (d.code) {
    case "flag-needs-newer-buildx":
      return `needs buildx ${row?.since ?? "newer"}+ (this is ${caps.buildxVersion ?? "unknown"})`;
    case "attestation-needs-containerd-store":
      return "needs the containerd image store";
    default:
      return explain(d, caps);
  }
}

// ---------------------------------------------------------------------------------------------
// Destinations

/** Where the result goes. */
export type Destination = "load" | "push" | "both" | "local" | "tar" | "oci" | "cache";

/** One choice of a select question. */
export interface StepChoice {
  readonly value: string;
  readonly name: string;
  /** What the answered question shows, when shorter than `name`. */
  readonly short?: string;
  readonly description?: string;
  readonly disabled?: string;
}

/** The destinations, described for these answers on this machine, with what this buildx cannot do disabled. */
export function destinationChoices(o: BuildOptions, caps: Capabilities): StepChoice[] {
  const n = platformsOf(o.platform).length;
  const all = n === 2 ? "both" : `all ${n}`;
  const classic = caps.driver === "docker" && caps.containerdImageStore === false;
  const both = FEATURES.multipleExporters.since;
  const canBoth = atLeast(caps.buildxVersion, both);
  const load = n > 1
    ? classic
      ? `${n} platforms do not fit the classic image store here: push, or write an OCI layout`
      : `${all} platforms into the image store, to docker run here`
    : "into this machine's image store, to docker run it here";
  return [
    { value: "load", name: "load into the image store", description: load },
    { value: "push", name: "push to a registry", description: `to the registry its name starts with${n > 1 ? `, ${all} platforms in one image` : ""}` },
    {
      value: "both",
      name: "load and push",
      description: "both at once",
      ...(canBoth ? {} : { disabled: `needs buildx ${both}+ (this is ${caps.buildxVersion ?? "unknown"})` }),
    },
    { value: "local", name: "a local folder", description: "the image's files, written to a folder (not an image)" },
    { value: "tar", name: "a tar file", description: "the image's files, in one tar (not an image)" },
    { value: "oci", name: "an OCI layout", description: `the image${n > 1 ? `, ${all} platforms,` : ""} as one tar that docker load reads` },
    { value: "cache", name: "nowhere: the build cache only", description: "check that it builds; export nothing" },
  ];
}

// ---------------------------------------------------------------------------------------------
// Builders

/** A builder of this machine as the guide offers it: from `docker buildx ls`, and whether it can build from here. */
export interface KnownBuilder {
  readonly name: string;
  /** `docker`, `docker-container`, `remote`, `kubernetes`, `cloud`, ... */
  readonly driver: string;
  readonly nodes: readonly { readonly name: string; readonly platforms: readonly string[]; readonly status?: string | null }[];
  /** Whether buildx builds with it when no builder is named (as lib/build/selection.ts decides). */
  readonly current: boolean;
  /**
   * Why it cannot build from here, in a few words shown beside it (`only from its docker context`);
   * null or absent when it can.
   */
  readonly unavailable?: string | null;
}

/** A builder's platforms, each once, in its nodes' order. */
export function platformsOfBuilder(builder: KnownBuilder): string[] {
  return [...new Set(builder.nodes.flatMap((n) => n.platforms))];
}

/** `text` cut to `width` columns, ending with `…` when cut. */
function cut(text: string, width: number): string {
  return [...text].length <= width ? text : `${[...text].slice(0, Math.max(0, width - 1)).join("")}\u2026`;
}

/**
 * A builder as one choice of the builder question: `NAME · DRIVER · PLATFORMS`, the current one
 * marked `(current)`, at most `width` columns: platforms that do not fit are counted (`+2 more`).
 */
export function builderLabel(builder: KnownBuilder, width = QUESTION_WIDTH): string {
  const head = `${builder.name}${builder.current ? " (current)" : ""} · ${builder.driver || "driver unknown"}`;
  const platforms = platformsOfBuilder(builder);
  if (!platforms.length) {
    const unknown = `${head} · platforms not known yet`;
    return unknown.length <= width ? unknown : cut(head, width);
  }
  for (let shown = platforms.length; shown >= 1; shown--) {
    const more = shown < platforms.length ? ` +${platforms.length - shown} more` : "";
    const text = `${head} · ${platforms.slice(0, shown).join(", ")}${more}`;
    if (text.length <= width) return text;
  }
  const counted = `${head} · ${platforms.length} platform${platforms.length === 1 ? "" : "s"}`;
  return counted.length <= width ? counted : cut(head, width);
}

/** The line under the builder question for the builder under the cursor: each node, its state and every platform. */
export function builderDescription(builder: KnownBuilder): string {
  if (!builder.nodes.length) return `${builder.driver} driver; no nodes listed`;
  return builder.nodes.map((n) => {
    const state = n.status ? ` (${n.status})` : "";
    return `node ${n.name}${state}: ${n.platforms.length ? n.platforms.join(", ") : "platforms not known until it starts"}`;
  }).join("; ");
}

/** Whether the guide asks which builder: when two builders or more can build from here, or the options name one. */
export function asksBuilder(builders: readonly KnownBuilder[], named?: string): boolean {
  return builders.filter((b) => !b.unavailable).length > 1 || (named !== undefined && named !== "");
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The builder question's choices: the current builder first, then the others as listed; those that
 * cannot build from here disabled with why. A builder the options name (a recipe's) that this
 * machine does not list is offered as given, so that keeping it changes nothing.
 */
export function builderChoices(builders: readonly KnownBuilder[], named?: string): StepChoice[] {
  const ordered = [...builders.filter((b) => b.current), ...builders.filter((b) => !b.current)];
  const choices: StepChoice[] = ordered.map((b) => {
    const why = b.unavailable ? `(${b.unavailable})` : null;
    const name = builderLabel(b, why ? QUESTION_WIDTH - why.length - 1 : QUESTION_WIDTH);
    return why ? { value: b.name, name, disabled: why } : { value: b.name, name, short: b.name, description: builderDescription(b) };
  });
  if (named && !builders.some((b) => sameName(b.name, named))) {
    choices.push({
      value: named,
      name: cut(`${named} (as given; this machine does not list it)`, QUESTION_WIDTH),
      short: named,
      description: "a build with it fails unless it exists when the build runs",
    });
  }
  return choices;
}

/**
 * The builder highlighted when the question is asked: the one the options name (a recipe's) when
 * it can build here, else the current one, else the first that can build.
 */
export function defaultBuilder(builders: readonly KnownBuilder[], named?: string): string | null {
  if (named) {
    const found = builders.find((b) => sameName(b.name, named));
    if (!found || !found.unavailable) return found?.name ?? named;
  }
  return (builders.find((b) => b.current && !b.unavailable) ?? builders.find((b) => !b.unavailable))?.name ?? null;
}

/**
 * The `builder` option for the builder chosen: left out for the current one (buildx picks it
 * anyway, and the command stays as it was) unless the options started with a builder named (a
 * recipe's), which is then kept as a name.
 */
export function builderOption(chosen: string, builders: readonly KnownBuilder[], startedNamed: boolean): string | undefined {
  const current = builders.find((b) => b.current);
  return current && sameName(current.name, chosen) && !startedNamed ? undefined : chosen;
}

// ---------------------------------------------------------------------------------------------
// More about a question: what `?` prints

/** The guide's own words about each of its questions, after the flag table's help. */
const MORE: Readonly<Record<string, string>> = {
  context: "COPY and ADD read their files from it, and a .dockerignore there leaves files out. A folder is relative " +
    "to here; a Git URL can name a branch and a subfolder (https://github.com/me/app.git#main:sub). The guide " +
    "cannot read a tarball from stdin: here stdin is the terminal.",
  file: 'The guide lists the Dockerfiles of the folder to build; "another file..." takes any path from here. Its ' +
    "stages and ARGs are offered by the next questions.",
  target: "A Dockerfile can have several stages (FROM ... AS name). Without one, buildx builds the last stage; a " +
    "stage such as test or deps builds only what that stage needs.",
  tag: "Written NAME:TAG (no TAG means latest). To push, start with the registry: localhost:5000/app:1; a name " +
    "without one is pushed to Docker Hub. Several names: separate them with spaces. No name: the image is known " +
    "by its digest only.",
  builder: "A builder is where BuildKit runs the build: this machine's docker engine (the docker driver), a " +
    "BuildKit container, a remote daemon or a cluster. It builds its nodes' platforms at full speed, others " +
    "emulated. The current one is what buildx uses when none is named (docker buildx use changes it).",
  platform: "A platform is an OS and a CPU (linux/amd64, linux/arm64). The builder's own build at full speed, " +
    "others run emulated (QEMU), slower. None ticked: the builder's own. Several make one image with a manifest " +
    "for each.",
  destination: "Load puts the image into this machine's image store, for docker run. Push sends it to the registry " +
    "its name starts with. A folder, a tar file or an OCI layout write the image's files instead; nowhere keeps " +
    "the result in the build cache only.",
  buildArg: "Each ARG of the Dockerfile has a default; the ones ticked are asked for a value, the rest keep theirs. " +
    "Build arguments stay in the image's history: give passwords and tokens as secrets instead.",
  more: "Options most builds leave out: cache import and export, secrets, labels and annotations, network and extra " +
    "hosts, privileges, attestations (provenance, SBOM), shared memory and limits. Under the list is the help of " +
    "the option under the cursor; one this buildx lacks is shown with the release it needs.",
  secret: "A secret reaches RUN --mount=type=secret,id=ID only while that step runs: it is not in the image nor in " +
    "its history. Its value comes from an environment variable or a file; a recipe keeps where it comes from, " +
    "never the value.",
};

/** The rows a question sets: one row, or for the destination push, load and output. */
function rowsOf(step: string): string[] {
  const name = step.startsWith("row:") ? step.slice(4) : step;
  if (name === "destination") return ["load", "push", "output"];
  if (name === "context" || name === "more") return [];
  return flagRow(name) ? [name] : [];
}

/** The first buildx of every row without a later one: the release that first had `build`. */
const FIRST_BUILDX = "0.2.0";

/**
 * What `?` prints about a question: its flag and the flag table's full help, the buildx release
 * that added it (when later than the first buildx with `build`) and any BuildKit it needs, an
 * example, then the guide's own words. For the builder question, why each builder that cannot build
 * here cannot. One logical line each (the guide wraps them to the terminal).
 */
export function longHelp(step: string, caps: Capabilities, builders: readonly KnownBuilder[] = []): string[] {
  const name = step.startsWith("row:") ? step.slice(4) : step;
  const lines: string[] = [`More about "${questionText(name).replace(/\?$/, "")}":`];
  if (name === "context") lines.push(`  The build context, the last argument of docker buildx build: ${CONTEXT.doc.replace(/^Build context: /, "")}`);
  for (const rowName of rowsOf(name)) {
    const row = flagRow(rowName)!;
    lines.push(`  ${row.flag}${row.short ? ` (${row.short})` : ""}: ${row.doc}`);
    const notes: string[] = [];
    if (row.since !== FIRST_BUILDX) {
      const here = caps.buildxVersion && !atLeast(caps.buildxVersion, row.since) ? `; this machine has ${caps.buildxVersion}, so it is not offered here` : "";
      notes.push(`Added in buildx ${row.since}${here}.`);
    }
    if (row.buildkit) notes.push(`It needs BuildKit ${row.buildkit} or later on the builder.`);
    const example = row.example && !row.example.startsWith("{") ? row.example : null;
    if (example && row.kind !== "bool") notes.push(`For example: ${example}`);
    if (notes.length) lines.push(`  ${notes.join(" ")}`);
  }
  const more = MORE[name];
  if (more) lines.push(`  ${more}`);
  if (name === "builder") {
    for (const b of builders.filter((x) => x.unavailable)) {
      lines.push(`  ${b.name} cannot build from here (${b.unavailable}).`);
    }
    if (builders.some((b) => b.unavailable)) {
      lines.push("  A docker context's own builder builds only from that context: docker context use NAME, then start the guide again.");
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Warnings

/** The registry a reference names, or null for Docker Hub (no registry written). */
export function registryOf(tag: string): string | null {
  const first = tag.split("/")[0]!;
  if (!tag.includes("/")) return null;
  return first.includes(".") || first.includes(":") || first === "localhost" ? first : null;
}

/** A warning for each tag that names no registry while the result is pushed: it would go to Docker Hub. */
export function tagWarnings(o: BuildOptions): string[] {
  if (!pushing(o)) return [];
  const tags = (Array.isArray(o.tag) ? o.tag : o.tag === undefined ? [] : [o.tag]).filter((t): t is string => typeof t === "string");
  return tags.filter((t) => registryOf(t) === null).map((t) => {
    const repo = t.replace(/[:@].*$/, "");
    const hub = repo.includes("/") ? `docker.io/${repo}` : `docker.io/library/${repo}`;
    return `Warning: ${t} names no registry, so a push sends it to Docker Hub (${hub}). ` +
      `For another registry, write it first: localhost:5000/${t}.`;
  });
}

// ---------------------------------------------------------------------------------------------
// After the build

/** What the guide found at a file destination after the build, for `whereItWent`. */
export interface Written {
  /** A folder's first entries (folders end with `/`), sorted. */
  readonly entries?: readonly string[];
  /** How many entries the folder has in all. */
  readonly count?: number;
  /** A file's size in bytes. */
  readonly size?: number;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The URL where a pushed tag can be looked at: Docker Hub's page, or the registry's API (http for localhost). */
export function registryUrl(tag: string): string {
  const registry = registryOf(tag);
  const [repo, ref] = splitRef(registry ? tag.slice(registry.length + 1) : tag);
  if (!registry || registry === "docker.io") {
    const path = repo.includes("/") ? `r/${repo}` : `_/${repo}`;
    return `https://hub.docker.com/${path}`;
  }
  const local = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(registry);
  return `${local ? "http" : "https"}://${registry}/v2/${repo}/manifests/${ref}`;
}

function splitRef(path: string): [string, string] {
  const at = path.indexOf("@");
  if (at >= 0) return [path.slice(0, at), path.slice(at + 1)];
  const colon = path.lastIndexOf(":");
  return colon >= 0 ? [path.slice(0, colon), path.slice(colon + 1)] : [path, "latest"];
}

/** Names buildx reports that are not a person's: the untagged image's `moby-dangling@sha256:...`. */
function realNames(names: readonly string[]): string[] {
  return names.filter((n) => !n.startsWith("moby-dangling@") && !n.includes("@sha256:"));
}

/**
 * Where the result went, after a build that worked: the image's names and digest, the registry
 * URL of a push, or the folder or file written and what is in it. Never `moby-dangling@...`: an
 * untagged image is said as such, with how to tag it.
 */
export function whereItWent(result: BuildResult, options: BuildOptions, caps: Capabilities, written: Written = {}): string[] {
  const seconds = `${(result.durationMs / 1000).toFixed(1)}s`;
  const lines = [`Built in ${seconds}.`];
  const outputs = readOutputs(options.output);
  const tags = (Array.isArray(options.tag) ? options.tag : options.tag === undefined ? [] : [options.tag]).filter((t): t is string => typeof t === "string");
  const names = realNames(result.imageNames).length ? realNames(result.imageNames) : tags;
  const digest = result.digest;
  const file = outputs.find((o) => o.type === "local" || o.type === "tar" || o.type === "oci");
  if (file && options.push !== true && options.load !== true) {
    const dest = file.attrs.dest ?? "?";
    if (file.type === "local") {
      const shown = written.entries ?? [];
      const more = written.count !== undefined && written.count > shown.length ? `, and ${written.count - shown.length} more` : "";
      lines.push(
        shown.length ? `The files are in ${dest}/: ${shown.join(", ")}${more}.` : `The files are in ${dest}/ (it is empty: the stage built has no files).`,
      );
    } else {
      const size = written.size !== undefined ? ` (${bytes(written.size)})` : "";
      lines.push(
        file.type === "oci"
          ? `The image is in ${dest}${size}, an OCI layout. Load it with: docker load -i ${dest}`
          : `The files are in ${dest}${size}. List them with: tar -tf ${dest}`,
      );
    }
    return lines;
  }
  if (pushing(options)) {
    for (const name of names) lines.push(`Pushed ${name}${digest ? `@${digest}` : ""}`, `  see ${registryUrl(name)}`);
    if (!names.length && digest) lines.push(`Pushed ${digest}.`);
  }
  const loads = options.load === true || (!pushing(options) && outputs.length === 0 && options.load !== false) ||
    (options.load === false && caps.driver === "docker" && !pushing(options) && outputs.length === 0);
  if (loads) {
    const id = caps.containerdImageStore === false ? result.configDigest ?? digest : digest ?? result.configDigest;
    if (names.length) {
      lines.push(`In the image store as ${names.join(", ")}${id ? ` (${short(id)})` : ""}.`, `  Run it: docker run --rm ${names[0]}`);
    } else if (id) {
      lines.push(`In the image store as an untagged image ${id}.`, `  Name it with: docker tag ${id} NAME:TAG`);
    }
  } else if (!pushing(options) && outputs.length === 0) {
    lines.push("Nothing was exported: the result is in the build cache.");
  }
  return lines;
}

function short(digest: string): string {
  return digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, "$1");
}

/**
 * What the guide says of a failed build, right before it asks what to do: one line saying what
 * failed (the failing step when known, else buildx's last error), then the hint when there is one.
 * `outputShown` false (a quiet build: nobody saw buildx's output) adds buildx's error lines and the
 * last lines the failing step printed, which are then nowhere else on the screen.
 */
export function failureLines(error: BuildError, outputShown = true): string[] {
  const code = error.exitCode !== null && error.exitCode !== 1 ? ` (exit code ${error.exitCode}${error.exitReason ? `: ${error.exitReason}` : ""})` : "";
  const lastError = error.errorLines.length ? error.errorLines[error.errorLines.length - 1]!.replace(/^ERROR:?\s*/, "") : null;
  const tail = error.stderrTail.trim().split("\n").filter((l) => l.trim());
  let what: string;
  if (error.startError) what = `The build could not start: ${error.startError}`;
  else if (error.failedStep) what = `The build failed at ${error.failedStep}${code}.`;
  else if (lastError) what = `The build failed${code}: ${lastError}`;
  // At a terminal buildx may draw its own output, which is not read back: it says why, just above.
  else if (!error.hint && !tail.length) what = `The build failed (exit code ${error.exitCode ?? "unknown"}): buildx's output just above says why.`;
  else what = `The build failed${code}${tail.length ? `: ${tail[tail.length - 1]!.trim()}` : "."}`;
  const lines = [what];
  if (error.hint) {
    // The step is named on the line above: the hint need not name it again.
    const step = error.failedStep ? `${error.failedStep}: ` : null;
    lines.push(`Hint: ${step && error.hint.startsWith(step) ? error.hint.slice(step.length) : error.hint}`);
  }
  if (!outputShown) {
    for (const line of error.errorLines) lines.push(`  ${line.trim()}`);
    if (error.stepOutput?.trim()) { for (const line of error.stepOutput.trimEnd().split("\n").slice(-5)) lines.push(`  | ${line}`); }
  }
  return lines;
}

/** Splits a message into lines of at most `width` columns, at spaces, each after the first indented by `indent`. */
export function wrap(text: string, width: number, indent = "  "): string {
  if (text.length <= width) return text;
  const out: string[] = [];
  let line = "";
  const lead = /^\s*/.exec(text)![0];
  for (const word of text.trim().split(/ +/)) {
    const prefix = out.length ? indent : lead;
    // A word too long for a line of its own stays where it is: breaking before it gains nothing.
    if (line && (prefix + line + " " + word).length > width && (indent + word).length <= width) {
      out.push(prefix + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push((out.length ? indent : lead) + line);
  return out.join("\n");
}

/** The summary line of one answer, as `change an answer` and a recipe's summary show it. */
export function summaryLine(step: string, o: BuildOptions, dockerfile: string | null, caps: Capabilities): string {
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ");
  switch (step) {
    case "context":
      return `Folder to build: ${typeof o.context === "string" ? o.context : "."}`;
    case "file":
      return `Dockerfile: ${dockerfile ?? o.file ?? "Dockerfile"}`;
    case "target":
      return `Stage: ${o.target ?? "the last stage"}`;
    case "tag":
      return `Image name: ${list(o.tag) || "none"}`;
    case "builder":
      return `Builder: ${typeof o.builder === "string" ? o.builder : `the current one${caps.builder ? ` (${caps.builder.name})` : ""}`}`;
    case "platform":
      return `Platforms: ${platformsOf(o.platform).join(", ") || `the builder's own${builderPlatformsOf(caps)[0] ? ` (${builderPlatformsOf(caps)[0]})` : ""}`}`;
    case "destination": {
      const outputs = readOutputs(o.output);
      const what = o.push === true && o.load === true
        ? "load and push"
        : o.push === true
        ? "push to a registry"
        : outputs.length === 1 && o.load !== true
        ? outputs[0]!.type === "local"
          ? `files in ${outputs[0]!.attrs.dest}/`
          : outputs[0]!.type === "tar"
          ? `a tar file, ${outputs[0]!.attrs.dest}`
          : outputs[0]!.type === "oci"
          ? `an OCI layout, ${outputs[0]!.attrs.dest}`
          : outputs[0]!.type === "cacheonly"
          ? "the build cache only"
          : list(o.output)
        : outputs.length
        ? list(o.output)
        : o.load === false
        ? "the build cache only"
        : "load into the image store";
      return `Goes to: ${what}`;
    }
    case "buildArg": {
      const args = o.buildArg;
      const text = args === undefined
        ? ""
        : typeof args === "object" && !Array.isArray(args)
        ? Object.entries(args).map(([k, v]) => `${k}=${String(v)}`).join(", ")
        : list(args);
      return `Build arguments: ${text || "none"}`;
    }
    case "more": {
      const set = OPTION_NAMES.filter((n) => FLAGS[n].guide === "more" && (o as Record<string, unknown>)[n] !== undefined);
      return `More options: ${set.map((n) => FLAGS[n].question!.replace(/\?$/, "").toLowerCase()).join("; ") || "none"}`;
    }
    default: {
      const name = step.startsWith("row:") ? step.slice(4) : step;
      return `${questionText(name)}: ${list((o as Record<string, unknown>)[name]) || "not set"}`;
    }
  }
}
