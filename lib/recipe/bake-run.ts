/**
 * Recipes built through one `docker buildx bake`: `runRecipes` plans every recipe, and those that
 * can share one bake (the same builder, and everything they say expressible as a bake target, as
 * `toBake` translates it through the flag table) become the targets of one bake file, written to a
 * private temporary folder and built with one `docker buildx bake --metadata-file --progress=rawjson`.
 * The metadata file gives each target's result, rawjson each target's steps (buildx puts the
 * target's name in front of each step's name), and each recipe gets its own `BuildResult` or
 * `BuildError`, as a build of its own would.
 *
 * What bake cannot express runs alone with `docker buildx build`, and an info diagnostic with a
 * stable code says why: `bake-not-expressible` (an option with no bake key, or one the installed
 * bake does not read yet), `bake-too-old` (no rawjson), `bake-quiet`, `bake-secret-values`,
 * `bake-stdout`, `bake-call`, `bake-same-place`, `bake-nothing-to-share`; `run-via-build` when
 * asked to; `run-via-bake` for a recipe built in a bake.
 *
 * The bake file names every local path absolute and bake runs in the recipes' common folder, so
 * entitlements (`--allow`, buildx 0.17; the file system's from 0.20) are asked only for what is
 * outside it, and only what the targets need.
 *
 * A failing target stops the whole bake: bake cancels the other targets and writes no metadata at
 * all (buildx 0.13 to 0.36: `build.Build` runs the targets in one errgroup, and `runBake` writes the
 * file only after it returned without error); a stopped step may fail with "context canceled", with
 * EOF, or not at all. The recipe whose step failed (the error buildx reports) gets its error; every
 * other recipe of that bake is built again on its own with `docker buildx build` (from the cache,
 * for the steps the bake finished), so each recipe's result is its own (`bake-rerun`), and one
 * that fails of its own fails there with its own error.
 */
import * as host from "../runtime/host.ts";
import { dirname, join, resolve } from "../runtime/posix.ts";
import type { Capabilities } from "../core/capabilities.ts";
import type { Diagnostic, RecipeRunCode } from "../core/diagnostics.ts";
import { formatDiagnostic } from "../core/diagnostics.ts";
import { BuildError } from "../core/errors.ts";
import { flagRow, FLAGS } from "../core/flags.ts";
import { asTyped } from "../core/invocation.ts";
import type { BuildOptions } from "../core/options.ts";
import { plan } from "../core/plan.ts";
import { mapPaths } from "./paths.ts";
import { type ProgressEvent, ProgressReader, RawjsonReader, type SolveStatus } from "../core/progress.ts";
import type { RunVia } from "./via.ts";
import { type BuildResult, readMetadata } from "../core/result.ts";
import { executable, failureFacts, privateFolder, type RunOptions } from "../build/run.ts";
import { commandIn } from "../core/shell.ts";
import { launch, signalGroup } from "../runtime/spawn.ts";
import { atLeast } from "../core/version.ts";
import { BAKE_FS_ENTITLEMENTS_SINCE, type BakeFile, bakeFsEntitlements, type BakeTarget, formatBake, optionBakeKeys, toBake } from "./bake.ts";

/**
 * The bake file's name: in the command shown (`cd FOLDER && docker buildx bake --file=NAME ...`,
 * which runs as shown once the file printed with it is saved there) and in the private temporary
 * folder the run writes it to.
 */
export const BAKE_FILE_NAME = "buildx-kit-bake.json";

/**
 * The fewest recipes `via: "auto"` builds through one bake. BENCHMARKS.md ("Many recipes, one
 * bake"): faster than one build per recipe in every run from 6 recipes, within the machine's noise
 * either way at 3, and one buildx process instead of one per recipe: a third of the memory or less.
 */
export const AUTO_BAKE_FROM = 2;

/** The first buildx whose bake has `--allow` (and reads the `entitlements` key): the flag table's. */
const BAKE_ALLOW_SINCE = FLAGS.allow!.bakeSince!;

/** `--progress=rawjson`, which a bake's steps are read per target from: the flag table's choice gate. */
const RAWJSON_SINCE = FLAGS.progress!.choiceGates!.rawjson!.since!;

/** Target names bake or its progress already use: never a recipe's target. */
const RESERVED_TARGETS = ["default", "internal"];

/** The diagnostics of `toBake` that mean a recipe cannot be said as a bake target. */
const CANNOT_EXPRESS = new Set(["bake-cannot-express", "bake-key-unknown-to-buildx", "bake-build-arg-from-environment"]);

/** A recipe as the bake planner sees it: checked, its overrides applied, its machine probed. */
export interface BakeCandidate {
  readonly name: string;
  /** The recipe's folder: its relative paths resolve against it. */
  readonly cwd: string;
  readonly options: BuildOptions;
  readonly capabilities: Capabilities;
}

/** Recipes that build as the targets of one `docker buildx bake`. */
export interface BakeGroup {
  /** The recipes (indexes of the candidates), in the order given. */
  readonly members: readonly number[];
  /** Each member's target, in the same order. */
  readonly targets: readonly string[];
  /** The bake file: a target per member, every local path absolute. */
  readonly bake: BakeFile;
  /** The bake file's text, as written (`BAKE_FILE_NAME` in a private temporary folder). */
  readonly text: string;
  /** The folder bake runs in: the members' recipe folders' common folder. */
  readonly cwd: string;
  /** The builder (`--builder`), or null for the one buildx picks. */
  readonly builder: string | null;
  /** The entitlements granted (`--allow=...`): what the targets ask for, where the installed bake has `--allow`. */
  readonly allow: readonly string[];
  /** The command as shown: `docker buildx bake --file=buildx-kit-bake.json --progress=rawjson ... TARGET...`. */
  readonly argv: readonly string[];
  /** `cd CWD && docker buildx bake ...`, quoted for any shell. */
  readonly command: string;
  readonly capabilities: Capabilities;
}

/** How a set of recipes runs. */
export interface BakePlan {
  /** The bakes, each at least two recipes (one, when a bake is forced). */
  readonly groups: readonly BakeGroup[];
  /** The recipes that run alone with `docker buildx build` (indexes), in order. */
  readonly alone: readonly number[];
  /** Per recipe (by index): how it runs and why, an info diagnostic with a stable code. */
  readonly notes: readonly Diagnostic[];
}

/** What the planner is told besides the recipes. */
export interface BakePlanOptions {
  readonly via: RunVia;
  /** Secret values for every build (`RunOptions.secrets`). */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Recipes that write the same place (indexes), as `runRecipes` chains them: one after another. */
  readonly chains: readonly (readonly number[])[];
}

function info(code: RecipeRunCode, option: string | null, message: string, hint?: string): Diagnostic {
  return hint === undefined ? { level: "info", code, option, message } : { level: "info", code, option, message, hint };
}

const ALONE = "it runs alone with docker buildx build";

/** The options a bake target is made of: every local path absolute (bake then reads them wherever it runs), the builder left to the command. */
function targetOptions(c: BakeCandidate): BuildOptions {
  const { builder: _builder, ...rest } = c.options;
  return mapPaths({ context: ".", ...rest }, (p) => resolve(c.cwd, p));
}

/**
 * Why a recipe cannot be a bake target, as the info diagnostic `runRecipes` reports; null when it
 * can. `toBake`, with the bake keys the installed buildx reads (the flag table's `bakeSince`), says
 * what bake cannot express; the rest is about how a build runs.
 */
export function bakeObstacle(c: BakeCandidate, secrets?: Readonly<Record<string, string>>): Diagnostic | null {
  const o = c.options;
  const version = c.capabilities.buildxVersion;
  if (!atLeast(version, RAWJSON_SINCE)) {
    return info(
      "bake-too-old",
      null,
      `buildx ${version} has no --progress=rawjson (${RAWJSON_SINCE}), from which a bake's steps are told apart per target: ${ALONE}`,
      "upgrade buildx to bake several recipes at once",
    );
  }
  if (o.quiet === true || o.progress === "quiet") {
    return info("bake-quiet", o.quiet === true ? "quiet" : "progress", `a quiet build prints its image id, which bake does not: ${ALONE}`);
  }
  if (secrets && Object.keys(secrets).length) {
    return info(
      "bake-secret-values",
      null,
      `secret values (secrets: ${Object.keys(secrets).join(", ")}) reach each build in its own environment, which a bake file cannot say: ${ALONE}`,
    );
  }
  const planned = plan(o, c.capabilities);
  if (planned.outputs.some((out) => out.attrs.dest === "-")) {
    return info("bake-stdout", "output", `writes its output to stdout (dest=-), which the targets of one bake cannot share: ${ALONE}`);
  }
  if ((o.call !== undefined && o.call !== "build") || o.check === true) {
    return info(
      "bake-call",
      o.check === true ? "check" : "call",
      `a build method's result (${o.check === true ? "check" : o.call}) comes back for each build; bake prints them together: ${ALONE}`,
    );
  }
  const exported = toBake({ recipe: 1, name: c.name, options: targetOptions(c) }, {
    bakeKeys: optionBakeKeys(c.capabilities.buildxVersion),
    dir: c.cwd,
    target: "t",
  });
  const obstacle = exported.diagnostics.find((d) => CANNOT_EXPRESS.has(d.code));
  if (obstacle) {
    const reason = obstacle.message.replace(/: left out$/, "");
    // A key this bake does not read yet: the release whose bake does (the flag table's bakeSince).
    const row = obstacle.code === "bake-key-unknown-to-buildx" && obstacle.option && obstacle.option ? flagRow(obstacle.option) : undefined;
    return info(
      "bake-not-expressible",
      obstacle.option,
      `${reason}: ${ALONE}`,
      row ? `buildx ${row.bakeSince ?? row.since} and later bake it with the others` : undefined,
    );
  }
  return null;
}

/** The deepest folder holding every one of `dirs` (absolute). */
function commonFolder(dirs: readonly string[]): string {
  let common = resolve(dirs[0]!);
  for (const d of dirs.slice(1)) {
    const dir = resolve(d);
    while (common !== "/" && dir !== common && !dir.startsWith(`${common}/`)) common = dirname(common);
  }
  return common;
}

/** The entitlement a value of `allow` names (`device=nvidia.com/gpu` -> `device`). */
function entitlementName(value: string): string {
  return value.split("=")[0]!.trim();
}

function list(value: unknown): string[] {
  return value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
}

/**
 * The `--allow` values a bake of these recipes needs, as the installed bake asks for them: the
 * entitlements the recipes allow (and `network.host` for `network: host`, which bake asks for too),
 * from bake's `--allow` (buildx 0.17); the default SSH agent and paths outside `cwd`, from the
 * release that checks them (0.20). Never more than the recipes need.
 */
async function entitlements(members: readonly BakeCandidate[], cwd: string, version: string | null): Promise<string[]> {
  if (!atLeast(version, BAKE_ALLOW_SINCE)) return [];
  const allow = new Set<string>();
  const gates = FLAGS.allow!.choiceGates ?? {};
  for (const c of members) {
    for (const value of list(c.options.allow)) {
      const gate = gates[entitlementName(value)];
      if (!gate?.since || atLeast(version, gate.since)) allow.add(value.trim());
    }
    if (c.options.network === "host") allow.add("network.host");
  }
  const fs: string[] = [];
  if (atLeast(version, BAKE_FS_ENTITLEMENTS_SINCE)) {
    fs.push(...await bakeFsEntitlements(members.map(targetOptions), cwd));
    // An SSH agent forwarded without naming its socket or keys is bake's "ssh" entitlement.
    if (members.some((c) => list(c.options.ssh).some((s) => !s.includes("=")))) allow.add("ssh");
  }
  return [...allow, ...fs];
}

/** `name` made a bake target name (letters, digits, `-`, `_`), unique among `taken`. */
function targetName(name: string, taken: Set<string>): string {
  const base = name.replace(/[^A-Za-z0-9_-]/g, "_") || "recipe";
  let target = base;
  for (let n = 2; taken.has(target); n++) target = `${base}-${n}`;
  taken.add(target);
  return target;
}

/**
 * Plans how recipes run: which build together in one bake (grouped by builder), and which alone,
 * each with the info diagnostic saying how and why. `via: "build"` runs every recipe alone;
 * `"bake"` makes a bake of every group bake can express, even of one recipe; `"auto"` a bake of
 * groups of at least `AUTO_BAKE_FROM` recipes.
 */
export async function planBakes(candidates: readonly BakeCandidate[], options: BakePlanOptions): Promise<BakePlan> {
  const notes: Diagnostic[] = new Array(candidates.length);
  const alone: number[] = [];
  if (options.via === "build") {
    candidates.forEach((_, i) => {
      notes[i] = info("run-via-build", null, "runs with docker buildx build, as asked (via: build)");
      alone.push(i);
    });
    return { groups: [], alone, notes };
  }
  // Recipes writing the same place run one after another, never side by side in one bake.
  const chained = new Map<number, readonly number[]>();
  for (const chain of options.chains) if (chain.length > 1) { for (const i of chain) chained.set(i, chain); }
  const byBuilder = new Map<string, number[]>();
  candidates.forEach((c, i) => {
    const chain = chained.get(i);
    const obstacle = chain
      ? info(
        "bake-same-place",
        null,
        `writes the same place (a tag or a path) as ${
          chain.filter((j) => j !== i).map((j) => candidates[j]!.name).join(", ")
        }: they run one after another, each alone with docker buildx build`,
      )
      : bakeObstacle(c, options.secrets);
    if (obstacle) {
      notes[i] = obstacle;
      alone.push(i);
      return;
    }
    const key = c.options.builder ?? "";
    byBuilder.set(key, [...(byBuilder.get(key) ?? []), i]);
  });
  const groups: BakeGroup[] = [];
  const least = options.via === "bake" ? 1 : AUTO_BAKE_FROM;
  for (const [builder, members] of byBuilder) {
    if (members.length < least) {
      for (const i of members) {
        notes[i] = info(
          "bake-nothing-to-share",
          null,
          `the only recipe${builder ? ` on builder ${builder}` : ""} a bake could build: bake has nothing to share, so ${ALONE}`,
        );
        alone.push(i);
      }
      continue;
    }
    const group = await makeGroup(candidates, members, builder || null);
    members.forEach((i, k) => {
      const others = members.length - 1;
      notes[i] = info(
        "run-via-bake",
        null,
        `builds as target ${group.targets[k]} of one docker buildx bake${others ? ` with ${others} other recipe${others === 1 ? "" : "s"}` : ""}${
          options.via === "bake" ? " (via: bake)" : ""
        }`,
      );
    });
    groups.push(group);
  }
  alone.sort((a, b) => a - b);
  return { groups, alone, notes };
}

async function makeGroup(candidates: readonly BakeCandidate[], members: readonly number[], builder: string | null): Promise<BakeGroup> {
  const taken = new Set(RESERVED_TARGETS);
  const targets = members.map((i) => targetName(candidates[i]!.name, taken));
  const target: Record<string, BakeTarget> = {};
  members.forEach((i, k) => {
    const c = candidates[i]!;
    const version = c.capabilities.buildxVersion;
    Object.assign(
      target,
      toBake({ recipe: 1, name: c.name, options: targetOptions(c) }, { bakeKeys: optionBakeKeys(version), dir: c.cwd, target: targets[k]! }).bake.target,
    );
  });
  const bake: BakeFile = { group: { default: { targets } }, target };
  const capabilities = candidates[members[0]!]!.capabilities;
  const wanted = commonFolder(members.map((i) => candidates[i]!.cwd));
  const cwd = await host.realPath(wanted).catch(() => wanted);
  const allow = await entitlements(members.map((i) => candidates[i]!), cwd, capabilities.buildxVersion);
  const argv = [
    ...asTyped(capabilities.buildxCommand ?? ["docker", "buildx"]),
    "bake",
    `--file=${BAKE_FILE_NAME}`,
    "--progress=rawjson",
    ...(builder ? [`--builder=${builder}`] : []),
    ...allow.map((a) => `--allow=${a}`),
    ...targets,
  ];
  return { members, targets, bake, text: formatBake(bake), cwd, builder, allow, argv, command: commandIn(cwd, argv), capabilities };
}

// ---------------------------------------------------------------------------------------------
// Running

/** How `runRecipes` runs a bake: its run options, and what it knows of the run as a whole. */
export interface BakeRunOptions extends RunOptions {
  /** Stops the bake (buildx gets the signal the reason names, SIGINT otherwise; SIGKILL after `killGraceMs`). */
  readonly signal: AbortSignal;
  /** The signal from outside that interrupted the run, if one did. */
  readonly interruptedBy: () => host.Signal | null;
  /** Where a member's lines go (its name in front, when several recipes run). */
  readonly logFor: (member: number) => (line: string) => void;
  /** Show each target's steps as lines (through `logFor`), as a build's plain progress would be shown. */
  readonly showProgress: boolean;
}

/** What became of one recipe of a bake. */
export interface BakeOutcome {
  /** Its result: a success, a dry run, or (with `nothrow`) a failure; null for a failure otherwise. */
  readonly result: BuildResult | null;
  readonly error: BuildError | null;
  /** The bake stopped before this recipe's target could finish (another failed): it runs again alone. */
  readonly rerun: boolean;
  /** The recipes whose failure stopped the bake, for the rerun's diagnostic. */
  readonly stoppedBy?: readonly string[];
  /** When the bake started and ended (ms since the epoch): the same for every recipe of it. */
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** A vertex's error that is only the bake being stopped (another target failed), not a failure of its own. */
function cancelled(error: string): boolean {
  return /context canceled|context cancelled|\bcanceled\s*$/i.test(error);
}

/** `[a base 1/2] FROM x` of target `a` back to `[base 1/2] FROM x`; `[a] exporting` to `exporting` (buildx's progress prefix, undone). */
function ownName(name: string, target: string): string | null {
  if (name.startsWith(`[${target}] `)) return name.slice(target.length + 3);
  if (name.startsWith(`[${target} `)) return `[${name.slice(target.length + 2)}`;
  return null;
}

/**
 * Each target's part of a bake's SolveStatus: its steps (their names without the target), and the
 * logs of steps it has (a step two targets share is reported under each target's name, with one
 * digest: its logs go to both).
 */
class TargetSplitter {
  readonly #targets: readonly string[];
  readonly #owners = new Map<string, Set<string>>();

  constructor(targets: readonly string[]) {
    this.#targets = [...targets].sort((a, b) => b.length - a.length);
  }

  /** The targets that have the step with this digest. */
  owners(vertex: string): readonly string[] {
    return [...(this.#owners.get(vertex) ?? [])];
  }

  split(status: SolveStatus): Map<string, SolveStatus> {
    const parts = new Map<string, SolveStatus>();
    const part = (t: string) => {
      let p = parts.get(t);
      if (!p) parts.set(t, p = { vertexes: [], logs: [] });
      return p;
    };
    for (const v of status.vertexes ?? []) {
      if (!v.digest) continue;
      // One target: buildx names its steps without a prefix.
      const single = this.#targets.length === 1 ? this.#targets[0]! : null;
      for (const t of single ? [single] : this.#targets) {
        const name = single ? v.name ?? "" : v.name === undefined ? null : ownName(v.name, t);
        if (name === null) continue;
        const owners = this.#owners.get(v.digest) ?? new Set<string>();
        owners.add(t);
        this.#owners.set(v.digest, owners);
        part(t).vertexes!.push({ ...v, name });
        break;
      }
    }
    for (const log of status.logs ?? []) {
      for (const t of log.vertex ? this.#owners.get(log.vertex) ?? [] : []) part(t).logs!.push(log);
    }
    return parts;
  }
}

/** What each target's steps did, read from rawjson. */
interface TargetSteps {
  readonly reader: ProgressReader;
  readonly logs: Map<string, string>;
  readonly numbers: Map<string, number>;
  /** The steps that failed, but for those only stopped ("context canceled") because another target failed. */
  readonly failed: { vertex: string; name: string; error: string; time: string | null }[];
}

/** How much of each step's output is kept, for the error of the step that fails (as a build keeps). */
const STEP_OUTPUT_CHARS = 16_384;
const TAIL_LINES = 200;

/** A step's event as a plain progress line: `#3 [2/2] RUN make`, `#3 DONE 0.4s`, `#3 CACHED`, `#3 ERROR: ...`, its output. */
function plainLines(event: ProgressEvent, n: number): string[] {
  switch (event.type) {
    case "started":
      return [`#${n} ${event.name}`];
    case "cached":
      return [`#${n} ${event.name}`, `#${n} CACHED`];
    case "completed":
      return [`#${n} DONE ${((event.durationMs ?? 0) / 1000).toFixed(1)}s`];
    case "errored":
      return [`#${n} ERROR: ${event.error ?? ""}`];
    case "log":
      return (event.text ?? "").replace(/\n$/, "").split("\n").map((l) => `#${n} ${l}`);
  }
}

/**
 * Runs one bake of a group: writes the bake file into a private temporary folder, runs `docker
 * buildx bake --file=FILE --metadata-file=FILE --progress=rawjson ...` there (bound to this
 * process, as builds are: it cannot outlive it), reads every target's steps from rawjson and its
 * result from the metadata file, and removes the folder, also on failure and when interrupted.
 * Returns one outcome per member: its result, its own error, or that it must run again alone
 * because the bake stopped on another target's failure.
 */
export async function runBake(group: BakeGroup, candidates: readonly BakeCandidate[], run: BakeRunOptions): Promise<BakeOutcome[]> {
  const members = group.members.map((i) => candidates[i]!);
  const plans = members.map((c) => plan(c.options, c.capabilities));
  const now = () => Date.now();
  const base = (k: number, extra: Partial<BuildResult> = {}): BuildResult => ({
    ok: true,
    exitCode: null,
    dryRun: false,
    digest: null,
    configDigest: null,
    platformDigests: {},
    imageNames: [],
    imageName: null,
    ref: null,
    metadata: null,
    callResult: null,
    warnings: plans[k]!.diagnostics.filter((d) => d.level === "warning").map(formatDiagnostic),
    diagnostics: plans[k]!.diagnostics,
    durationMs: 0,
    argv: group.argv,
    cwd: group.cwd,
    command: group.command,
    error: null,
    ...extra,
  });
  const interruptError = (signal: string | null, notStarted: boolean, durationMs: number) =>
    new BuildError({
      exitCode: notStarted ? null : 130,
      signal,
      command: group.command,
      argv: group.argv,
      stderrTail: "",
      interrupted: true,
      durationMs,
      notStarted,
      program: "bake",
    });
  const reasonSignal = (): host.Signal => {
    const reason: unknown = run.signal.reason;
    return run.interruptedBy() ?? (typeof reason === "string" && /^SIG[A-Z0-9]+$/.test(reason) ? reason as host.Signal : "SIGINT");
  };

  if (!run.quiet) {
    members.forEach((_, k) => {
      for (const d of plans[k]!.diagnostics) if (d.level === "warning") run.logFor(group.members[k]!)(formatDiagnostic(d));
    });
  }
  if (run.dryRun) {
    const at = now();
    return members.map((_, k) => ({ result: base(k, { dryRun: true }), error: null, rerun: false, startedAt: at, finishedAt: at }));
  }
  if (run.signal.aborted) {
    const at = now();
    const signal = run.interruptedBy() ?? (typeof run.signal.reason === "string" && /^SIG/.test(run.signal.reason) ? run.signal.reason : null);
    return members.map(() => ({ result: null, error: interruptError(signal, true, 0), rerun: false, startedAt: at, finishedAt: at }));
  }

  const startedAt = now();
  const scratch = await privateFolder();
  const forgetFolder = host.onProcessEnd(() => host.removeNowSync(scratch));
  try {
    const file = join(scratch, BAKE_FILE_NAME);
    const metadataFile = join(scratch, "metadata.json");
    await host.writeText(file, group.text);
    const command = group.capabilities.buildxCommand ?? ["docker", "buildx"];
    // The shown argv names the file as it is called in the folder; the run names the real one, and the private metadata file.
    const at = group.argv.indexOf("bake") + 1;
    const spawned = [...command, "bake", `--file=${file}`, `--metadata-file=${metadataFile}`, ...group.argv.slice(at + 1)];
    const env = run.env ?? host.env();
    const runs = executable(spawned, { ...env, BUILDX_METADATA_WARNINGS: env.BUILDX_METADATA_WARNINGS ?? "1" }, group.capabilities);

    const splitter = new TargetSplitter(group.targets);
    const steps = new Map<string, TargetSteps>(
      group.targets.map((t) => [t, { reader: new ProgressReader(), logs: new Map(), numbers: new Map(), failed: [] }]),
    );
    const memberOf = new Map(group.targets.map((t, k) => [t, k]));
    const lines = new RawjsonReader();
    const tail: string[] = [];
    const onStatus = (status: SolveStatus) => {
      for (const [target, part] of splitter.split(status)) {
        const own = steps.get(target)!;
        const k = memberOf.get(target)!;
        for (const event of own.reader.read(part)) {
          if (event.type === "log") own.logs.set(event.vertex, ((own.logs.get(event.vertex) ?? "") + (event.text ?? "")).slice(-STEP_OUTPUT_CHARS));
          else if (event.type === "errored" && !cancelled(event.error ?? "")) {
            own.failed.push({ vertex: event.vertex, name: event.name, error: event.error ?? "", time: event.time });
          }
          run.onProgress?.({ ...event, target });
          if (run.showProgress) {
            if (!own.numbers.has(event.vertex)) own.numbers.set(event.vertex, own.numbers.size + 1);
            const say = run.logFor(group.members[k]!);
            for (const line of plainLines(event, own.numbers.get(event.vertex)!)) say(line);
          }
        }
      }
    };
    let partial = "";
    const onLine = (line: string) => {
      const statuses = lines.feed(line);
      if (statuses) {
        for (const s of statuses) onStatus(s);
        return;
      }
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      if (run.showProgress && line.trim()) (run.log ?? ((l: string) => host.write("stderr", `${l}\n`)))(line);
    };
    const decoder = new TextDecoder();
    const child = await launch(runs.argv, {
      cwd: group.cwd,
      env: runs.env,
      detached: true,
      bound: true,
      leftovers: [scratch],
      stdin: "ignore",
      stdout: "ignore",
      stderr: (chunk) => {
        const split = (partial + decoder.decode(chunk, { stream: true })).split(/\r?\n/);
        partial = split.pop() ?? "";
        for (const line of split) onLine(line);
      },
    });
    const pid = child.pid;
    let stoppedBy: host.Signal | null = null;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const stop = (signal: host.Signal) => {
      stoppedBy ??= signal;
      signalGroup(pid, signal);
      killTimer ??= setTimeout(() => signalGroup(pid, "SIGKILL"), run.killGraceMs ?? 10_000);
    };
    const onAbort = () => stop(reasonSignal());
    if (run.signal.aborted) onAbort();
    else run.signal.addEventListener("abort", onAbort, { once: true });
    const forgetChild = host.onProcessEnd(() => signalGroup(pid, "SIGKILL"));
    let ended;
    try {
      ended = await child.exited;
    } finally {
      run.signal.removeEventListener("abort", onAbort);
      forgetChild();
      clearTimeout(killTimer);
    }
    if (partial) onLine(partial);
    const finishedAt = now();
    const durationMs = finishedAt - startedAt;

    if (stoppedBy) {
      return members.map(() => ({ result: null, error: interruptError(stoppedBy, false, durationMs), rerun: false, startedAt, finishedAt }));
    }
    if (ended.code === 0) {
      let metadata: Record<string, unknown> = {};
      try {
        const parsed: unknown = JSON.parse(await host.readText(metadataFile));
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) metadata = parsed as Record<string, unknown>;
      } catch {
        metadata = {};
      }
      // The build's warnings (BUILDX_METADATA_WARNINGS, buildx 0.16 on) are the bake's: each goes to the targets of its step.
      const warnings = Array.isArray(metadata["buildx.build.warnings"]) ? metadata["buildx.build.warnings"] as unknown[] : [];
      return members.map((_, k) => {
        const target = group.targets[k]!;
        const own = metadata[target];
        const mine = warnings.filter((w) => {
          const vertex = (w as { vertex?: unknown })?.vertex;
          const owners = typeof vertex === "string" ? splitter.owners(vertex) : [];
          return owners.length === 0 || owners.includes(target);
        });
        const text = typeof own === "object" && own !== null ? JSON.stringify(mine.length ? { ...own, "buildx.build.warnings": mine } : own) : null;
        const { buildxWarnings, ...fromMetadata } = readMetadata(text, plans[k]!.platforms);
        const result = base(k, {
          exitCode: 0,
          ...fromMetadata,
          warnings: [...base(k).warnings, ...buildxWarnings],
          durationMs,
        });
        return { result, error: null, rerun: false, startedAt, finishedAt };
      });
    }

    // The bake failed: bake stops every other target when one fails (a stopped step may then fail
    // with "context canceled", or with EOF, or not at all) and writes no metadata. The failure is
    // the one buildx reports (its ERROR line names the step's error), else the first step to fail;
    // the targets that have that step get it. Every other recipe builds again alone, where a
    // failure of its own would show as its own.
    const said = tail.filter((l) => /^ERROR\b/.test(l.trim())).join("\n");
    const failures = group.targets.flatMap((t) => steps.get(t)!.failed.map((f) => ({ target: t, ...f })));
    const reported = failures.find((f) => f.error !== "" && said.includes(f.error)) ??
      [...failures].sort((a, b) => (a.time ?? "").localeCompare(b.time ?? ""))[0];
    const failedTargets = reported ? group.targets.filter((t) => steps.get(t)!.failed.some((f) => f.vertex === reported.vertex)) : [];
    const failedNames = failedTargets.map((t) => members[group.targets.indexOf(t)]!.name);
    return members.map((c, k) => {
      const target = group.targets[k]!;
      const own = steps.get(target)!;
      if (!reported || !failedTargets.includes(target)) {
        return { result: null, error: null, rerun: true, stoppedBy: failedNames, startedAt, finishedAt };
      }
      const stderrTail = (said ? tail : [...tail, `ERROR: failed to solve: ${reported.error}`]).join("\n");
      const error = new BuildError({
        exitCode: ended.code,
        signal: ended.signal ?? null,
        command: group.command,
        argv: group.argv,
        stderrTail,
        interrupted: false,
        durationMs,
        stderrCaptured: true,
        startError: ended.startError ?? null,
        failedStep: own.failed.find((f) => f.vertex === reported.vertex)!.name,
        stepOutput: (own.logs.get(reported.vertex) ?? "").replace(/\n$/, ""),
        progressShown: run.showProgress || run.onProgress !== undefined,
        facts: failureFacts(c.options, c.cwd),
        program: "bake",
      });
      const result = run.nothrow ? base(k, { ok: false, exitCode: ended.code, durationMs, error }) : null;
      return { result, error, rerun: false, startedAt, finishedAt };
    });
  } finally {
    forgetFolder();
    await host.remove(scratch);
  }
}
