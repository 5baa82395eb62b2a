/**
 * `build()`: plan, then run `docker buildx build` and read back what it produced. The one place
 * in buildx-kit that spawns a build.
 */
import * as host from "../runtime/host.ts";
import { join, resolve } from "../runtime/posix.ts";
import { type Capabilities, githubActionsEnv, UNKNOWN_CAPABILITIES } from "../core/capabilities.ts";
import { type Diagnostic, formatDiagnostic } from "../core/diagnostics.ts";
import { BuildError, TempFolderError, ValidationError } from "../core/errors.ts";
import { FLAGS } from "../core/flags.ts";
import { buildkitMatters } from "../core/plan.ts";
import { atLeast } from "../core/version.ts";
import type { BuildOptions } from "../core/options.ts";
import { type Invocation, invocation } from "../core/invocation.ts";
import { probe } from "./probe.ts";
import { type ProgressEvent, ProgressReader } from "../core/progress.ts";
import { type BuildResult, readMetadata } from "../core/result.ts";
import { launch, signalGroup } from "../runtime/spawn.ts";

type Signal = host.Signal;

/** How to run a build (as opposed to what to build). */
export interface RunOptions {
  /** The build's working directory: relative paths in the options resolve against it. Default: the working directory. */
  readonly cwd?: string;
  /** The environment buildx sees. Default: this process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Stops the build (buildx gets SIGINT, then SIGKILL after `killGraceMs`); the promise rejects with an interrupted `BuildError`. */
  readonly signal?: AbortSignal;
  /**
   * Everything but the spawn: probe, plan, print the plan's warnings, and return a BuildResult with
   * the `argv` and `command` that would run (the same as a real run's). Nothing is built.
   */
  readonly dryRun?: boolean;
  /** Plan without probing the machine: assume the latest buildx (a dry run on a machine without docker). */
  readonly offline?: boolean;
  /** Plan against these instead of probing the machine. */
  readonly capabilities?: Capabilities;
  /**
   * Print nothing: no warnings, no progress, not even the image id a quiet build prints (it is in
   * the result). A `progress` in the options then runs as given, unseen.
   */
  readonly quiet?: boolean;
  /**
   * Where the build's stdout goes: the image id a quiet build prints, a tar written to output dest
   * `-`. Default: this process's stdout.
   */
  readonly stdout?: "inherit" | "ignore";
  /** Resolve to a BuildResult with `ok: false` instead of throwing when buildx fails. */
  readonly nothrow?: boolean;
  /** Receive progress events (buildx runs with `--progress=rawjson`). */
  readonly onProgress?: (event: ProgressEvent) => void;
  /**
   * Secret values by id, for this build only: passed as `--secret id=ID,env=BUILDX_KIT_SECRET_ID`
   * with the value in buildx's environment alone: never written to disk, never in the command.
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Where buildx-kit's own lines (warnings, plain progress) go. Default: stderr. */
  readonly log?: (line: string) => void;
  /** How long buildx gets to stop after SIGINT before SIGKILL. Default 10 s. */
  readonly killGraceMs?: number;
  /**
   * At a terminal too, buildx prints plain progress lines (shown as they come, through `log`, and
   * read) instead of drawing its own display, which is not read back: a failure then has its
   * failing step, that step's output and a hint. The guide runs its builds so. Elsewhere plain is
   * what a build without `progress` uses anyway. Default false.
   */
  readonly plainAtTerminal?: boolean;
}

const TAIL_LINES = 200;
/** How much of each step's output a rawjson build keeps, for the error of the step that fails. */
const STEP_OUTPUT_CHARS = 16_384;
const INTERRUPTS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** How buildx's progress reaches the user. */
interface ProgressMode {
  /** The `--progress` buildx-kit runs buildx with, in place of the options' own. */
  readonly progress?: string;
  /** buildx writes straight to this process's stderr (a terminal): nothing to read. */
  readonly inherit: boolean;
  /** Captured lines are shown (through `log`) as they come. */
  readonly echo: boolean;
  /**
   * A quiet build, run by buildx-kit: buildx reports in rawjson, read but not shown (so the
   * failing step's output is kept for the error, which `--quiet` would drop), without `--quiet`
   * (which buildx refuses beside any other progress).
   */
  readonly quiet: boolean;
  /** Print the image id on success, as `--quiet` and `--progress=quiet` do (not for RunOptions' quiet alone). */
  readonly printId: boolean;
  /** buildx prints the image id itself (quiet on a buildx without rawjson): RunOptions' quiet drops its stdout. */
  readonly silenceStdout?: boolean;
  /** What the plan is told about how buildx is read (an older buildx). */
  readonly notes?: readonly Diagnostic[];
}

/** `--progress=rawjson`, which progress events and quiet builds are read in: buildx 0.13 on (the table's choice gate). */
const RAWJSON_SINCE = FLAGS.progress.choiceGates.rawjson.since;

/**
 * How buildx's progress reaches the user. On a buildx without `--progress=rawjson` (before 0.13)
 * quiet builds run buildx's own quiet, and progress events are unavailable (said in a warning).
 */
export function progressMode(options: BuildOptions, run: RunOptions, caps: Capabilities = UNKNOWN_CAPABILITIES): ProgressMode {
  const progress = options.progress;
  // buildx refuses --quiet beside any progress but auto and quiet: as given, for the plan to refuse.
  if (options.quiet === true && progress !== undefined && progress !== "auto" && progress !== "quiet") {
    return { inherit: false, echo: false, quiet: false, printId: false };
  }
  // buildx-kit's own quiet prints nothing at all; buildx's prints the image id.
  const printId = !run.quiet && (options.quiet === true || progress === "quiet");
  const rawjson = atLeast(caps.buildxVersion, RAWJSON_SINCE);
  const installed = caps.buildxVersion ?? "unknown";
  const noEvents: Diagnostic[] = run.onProgress && !rawjson
    ? [{
      level: "warning",
      code: "progress-events-unavailable",
      option: null,
      message: `onProgress gets no events: they are read from --progress=rawjson, which needs buildx >= ${RAWJSON_SINCE}; installed ${installed}`,
      hint: "upgrade buildx for progress events; the build's progress shows as it would without onProgress",
    }]
    : [];
  if (run.onProgress && rawjson) return { progress: "rawjson", inherit: false, echo: false, quiet: options.quiet === true, printId };
  if (options.quiet === true || progress === "quiet" || (run.quiet && progress === undefined)) {
    if (rawjson) return { progress: "rawjson", inherit: false, echo: false, quiet: true, printId };
    // buildx's own quiet: it prints the image id itself, and a failure keeps its ERROR lines only.
    return {
      ...(options.quiet === true || progress === "quiet" ? {} : { progress: "quiet" }),
      inherit: false,
      echo: false,
      quiet: false,
      printId: false,
      silenceStdout: run.quiet === true,
      notes: [...noEvents, {
        level: "info",
        code: "quiet-without-rawjson",
        option: options.quiet === true ? "quiet" : progress === "quiet" ? "progress" : null,
        message:
          `buildx ${installed} has no --progress=rawjson (${RAWJSON_SINCE}): buildx runs quiet itself, so a failure keeps its ERROR lines but not the failing step's output`,
      }],
    };
  }
  if (noEvents.length) return { ...progressMode(options, { ...run, onProgress: undefined }, caps), notes: noEvents };
  if (progress) {
    const toTerminal = (progress === "tty" || progress === "auto") && host.isTerminal("stderr") && !run.quiet;
    return { inherit: toTerminal, echo: !run.quiet, quiet: false, printId: false };
  }
  // At a terminal buildx draws its own progress (unless asked for plain lines there too); elsewhere
  // plain lines, which are also captured.
  if (host.isTerminal("stderr") && !run.plainAtTerminal) return { inherit: true, echo: false, quiet: false, printId: false };
  return { progress: "plain", inherit: false, echo: true, quiet: false, printId: false };
}

/** The folders a failed build's hints name: the context (a local one) and the Dockerfile given as `file`. */
export function failureFacts(options: BuildOptions, cwd: string): { context: string | null; file: string | null } {
  const context = typeof options.context === "string" ? options.context : ".";
  const remote = context === "-" || /^[a-z][a-z0-9+.-]*:\/\//i.test(context) || /^git@/.test(context);
  // A Dockerfile given as an http(s) URL is no path.
  const file = typeof options.file === "string" && options.file !== "-" && !remote && !/^https?:\/\//i.test(options.file) ? resolve(cwd, options.file) : null;
  return { context: remote ? null : resolve(cwd, context), file };
}

/** The working directory, or a ValidationError naming it when it is not a folder. */
async function checkCwd(cwd: string): Promise<void> {
  let isDirectory: boolean | null = null;
  try {
    isDirectory = (await host.stat(cwd)).isDirectory;
  } catch {
    isDirectory = null;
  }
  if (isDirectory === true) return;
  throw new ValidationError([{
    level: "error",
    code: "cwd-missing",
    option: "cwd",
    message: isDirectory === null ? `the working directory ${cwd} does not exist` : `the working directory ${cwd} is not a folder`,
    hint: "pass the folder to build in as cwd (relative paths in the options resolve against it)",
  }]);
}

/**
 * The invocation `build(options, run)` would spawn, without spawning: probes the machine (unless
 * `run.offline` or `run.capabilities`), picks the progress mode for where output goes, and plans.
 * The dry run, the REPL's `.dry` and the guide's "print" show this, so they show what runs.
 *
 * @example
 * const inv = await invocationFor({ tag: ["app:1"] }, { cwd: "app" });
 * console.log(inv.command); // cd /src/app && docker buildx build --load --tag=app:1 .
 */
export async function invocationFor(options: BuildOptions, run: RunOptions = {}): Promise<Invocation> {
  return (await prepare(options, run)).inv;
}

async function prepare(options: BuildOptions, run: RunOptions) {
  // A dry run plans against the same machine as the real run (unless told offline), so it says the same.
  // The builder is inspected (its nodes' BuildKit) only when the options need a BuildKit feature.
  const probing = { ...(options.builder ? { builder: options.builder } : {}), ...(run.env ? { env: run.env } : {}) };
  const probed = run.capabilities ?? (run.offline ? UNKNOWN_CAPABILITIES : await probe({ inspect: buildkitMatters(options), ...probing }));
  // Whether buildx's environment lets it use a gha cache (which it drops silently otherwise).
  const withGha = (c: Capabilities): Capabilities =>
    run.offline || c.githubActionsEnv != null ? c : { ...c, githubActionsEnv: githubActionsEnv(run.env ?? host.env()) };
  let caps = withGha(probed);
  const mode = progressMode(options, run, caps);
  const cwd = resolve(run.cwd ?? host.cwd());
  await checkCwd(cwd);
  const request = {
    cwd,
    ...(run.secrets ? { secrets: run.secrets } : {}),
    ...(mode.progress ? { progress: mode.progress } : {}),
    ...(mode.quiet ? { quietAsRawjson: true } : {}),
    ...(mode.notes ? { notes: mode.notes } : {}),
  };
  let inv = invocation(options, caps, request);
  // buildx's files know only the platforms set with --platform: before refusing a platform no
  // node lists, ask `buildx inspect` what the nodes' BuildKit reports (QEMU adds platforms).
  if (
    !run.capabilities && !run.offline && inv.plan.diagnostics.some((d) => d.code === "platform-not-served") &&
    caps.builder?.nodes.every((n) => n.status === null)
  ) {
    caps = withGha(await probe({ ...probing, inspect: true }));
    inv = invocation(options, caps, request);
  }
  return { inv, caps, mode };
}

/**
 * Builds an image: plans the options against the machine (refusing on errors, printing
 * warnings), runs `docker buildx build`, and reads buildx's metadata file back into a
 * `BuildResult`. Throws `ValidationError` before running, or `BuildError` when buildx fails.
 *
 * @example
 * const result = await build({ context: ".", tag: ["localhost:5000/app:1"], push: true });
 * console.log(result.digest);
 */
export async function build(options: BuildOptions, run: RunOptions = {}): Promise<BuildResult> {
  const log = run.log ?? ((line: string) => host.write("stderr", `${line}\n`));
  const { inv, caps, mode } = await prepare(options, run);
  if (!inv.plan.ok) throw new ValidationError(inv.plan.diagnostics);
  if (!run.quiet) {
    for (const d of inv.plan.diagnostics) if (d.level === "warning") log(formatDiagnostic(d));
  }
  if (run.dryRun) return result(inv, { dryRun: true, exitCode: null, durationMs: 0 });

  // From here until the temp folder is gone, a signal from outside is buildx-kit's to handle: it
  // stops the build (or keeps it from starting), and is re-raised once the folder is removed.
  const interrupt: Interrupt = { by: null, stop: null };
  const forgetSignals = INTERRUPTS.map((s) =>
    host.onSignal(s, () => {
      interrupt.by ??= s;
      interrupt.stop?.(s);
    })
  );
  let scratch: string | null = null;
  // Should this process end mid-build (an uncaught error, process.exit()), the folder goes with it;
  // should it be killed outright (SIGKILL), the build's supervisor removes it (lib/runtime/spawn.ts).
  let forget = () => {};
  try {
    // A private folder (mkdtemp makes it 0700) for the metadata file, unless the options name one.
    scratch = options.metadataFile ? null : await privateFolder();
    const made = scratch;
    if (made) forget = host.onProcessEnd(() => host.removeNowSync(made));
    // Read where buildx writes it: relative to the folder it runs in as the file system has it
    // (".." of a symlinked cwd is its real parent, not the parent of the name).
    const metadataFile = scratch ? join(scratch, "metadata.json") : resolve(await host.realPath(inv.cwd).catch(() => inv.cwd), options.metadataFile!);
    return await spawnBuild(inv, { ...run, capabilities: caps }, mode, metadataFile, scratch, log, interrupt, failureFacts(options, inv.cwd));
  } finally {
    forget();
    if (scratch) await host.remove(scratch);
    for (const f of forgetSignals) f();
    // A signal from outside with no one else to handle it: die of it, as a shell script would
    // (exit status 128+n, so 130 for Ctrl-C), now that buildx has stopped and the folder is gone.
    if (interrupt.by && !run.signal?.aborted && !host.listenedElsewhere(interrupt.by)) host.kill(host.pid(), interrupt.by);
  }
}

/** A signal from outside during a build: which came first, and how to pass it on to buildx once it runs. */
interface Interrupt {
  by: Signal | null;
  stop: ((signal: Signal) => void) | null;
}

/** Per AbortSignal, the handlers of the builds it stops: one listener however many builds share it. */
const abortHandlers = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `handler` once `signal` aborts, until the returned function is called. */
function onAbort(signal: AbortSignal, handler: () => void): () => void {
  let handlers = abortHandlers.get(signal);
  if (!handlers) {
    const all = new Set<() => void>();
    handlers = all;
    abortHandlers.set(signal, all);
    signal.addEventListener("abort", () => {
      abortHandlers.delete(signal);
      for (const h of [...all]) h();
    }, { once: true });
  }
  const mine = () => handler();
  handlers.add(mine);
  return () => {
    handlers.delete(mine);
  };
}

/** A BuildResult for `inv` from what the run learned (nothing, for a dry run). */
function result(
  inv: Invocation,
  ran: { dryRun: boolean; exitCode: number | null; durationMs: number; ok?: boolean },
  meta: ReturnType<typeof readMetadata> = readMetadata(null),
): BuildResult {
  const { buildxWarnings, ...fromMetadata } = meta;
  return {
    ok: ran.ok ?? true,
    exitCode: ran.exitCode,
    dryRun: ran.dryRun,
    ...fromMetadata,
    warnings: [...inv.plan.diagnostics.filter((d) => d.level === "warning").map(formatDiagnostic), ...buildxWarnings],
    diagnostics: inv.plan.diagnostics,
    durationMs: ran.durationMs,
    argv: inv.argv,
    cwd: inv.cwd,
    command: inv.command,
    error: null,
  };
}

async function spawnBuild(
  inv: Invocation,
  run: RunOptions,
  mode: ProgressMode,
  metadataFile: string,
  scratch: string | null,
  log: (line: string) => void,
  interrupt: Interrupt,
  facts: { context: string | null; file: string | null },
): Promise<BuildResult> {
  const { argv, command, plan: planned } = inv;
  const readsStdin = planned.options.context === "-" || planned.options.file === "-";
  const writesStdout = planned.outputs.some((o) => o.attrs.dest === "-");

  if (run.signal?.aborted || interrupt.by) {
    throw new BuildError({ exitCode: null, signal: interrupt.by, command, argv, stderrTail: "", interrupted: true, durationMs: 0 });
  }

  const started = performance.now();
  // Its own process group, so a signal reaches docker and the buildx plugin it runs.
  // The private metadata file goes in after `build`; it is gone once build() returns, so the
  // invocation everyone is shown does not name it.
  const at = argv.indexOf("build") + 1;
  const spawned = scratch ? [...argv.slice(0, at), `--metadata-file=${metadataFile}`, ...argv.slice(at)] : argv;
  // BUILDX_METADATA_WARNINGS=1 (buildx 0.16 on): the build's warnings go into the metadata file too.
  const base = run.env ?? host.env();
  const runs = executable(spawned, { ...base, BUILDX_METADATA_WARNINGS: base.BUILDX_METADATA_WARNINGS ?? "1", ...inv.env }, run.capabilities);

  const tail: string[] = [];
  const reader = new ProgressReader();
  // Read from rawjson: what each step printed (its last STEP_OUTPUT_CHARS), and the first step that failed.
  const rawjson = mode.progress === "rawjson";
  const stepLogs = new Map<string, string>();
  let errored = null as { vertex: string; name: string } | null;
  let partial = "";
  const onLine = (line: string) => {
    const events = rawjson ? reader.feed(line) : null;
    if (events) {
      for (const event of events) {
        if (event.type === "log") stepLogs.set(event.vertex, ((stepLogs.get(event.vertex) ?? "") + (event.text ?? "")).slice(-STEP_OUTPUT_CHARS));
        else if (event.type === "errored") errored ??= { vertex: event.vertex, name: event.name };
        run.onProgress?.(event);
      }
      return;
    }
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    if (mode.echo) log(line);
  };
  const decoder = new TextDecoder();
  const child = await launch(runs.argv, {
    cwd: inv.cwd,
    env: runs.env,
    // Bound: should this process be killed outright, buildx dies with it (it must not go on to push
    // or load) and the temp folder goes (lib/runtime/spawn.ts has the supervisor).
    detached: true,
    bound: true,
    leftovers: scratch ? [scratch] : [],
    stdin: readsStdin ? "inherit" : "ignore",
    stdout: mode.silenceStdout && !writesStdout ? "ignore" : run.stdout ?? "inherit",
    stderr: mode.inherit ? "inherit" : (chunk) => {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split(/\r?\n/);
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    },
  });
  const pid = child.pid;

  // Ctrl-C, SIGTERM, an AbortSignal: pass it on to the whole build, then make sure it stops.
  let interruptedBy = null as Signal | null;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = (signal: Signal) => {
    interruptedBy ??= signal;
    signalGroup(pid, signal);
    killTimer ??= setTimeout(() => signalGroup(pid, "SIGKILL"), run.killGraceMs ?? 10_000);
  };
  interrupt.stop = stop;
  // A signal that came while buildx was starting.
  if (interrupt.by) stop(interrupt.by);
  // The abort reason may name the signal (handle.kill("SIGTERM")); anything else means Ctrl-C.
  const forgetAbort = run.signal
    ? onAbort(run.signal, () => {
      const reason = run.signal?.reason;
      stop(typeof reason === "string" && /^SIG[A-Z0-9]+$/.test(reason) ? (reason as Signal) : "SIGINT");
    })
    : () => {};
  // The build runs in a group of its own, which a closed terminal's hang-up does not reach: should
  // this process end while it runs (an uncaught error, process.exit()), the build ends with it.
  const forget = host.onProcessEnd(() => signalGroup(pid, "SIGKILL"));

  let output;
  try {
    output = await child.exited;
  } finally {
    interrupt.stop = null;
    forgetAbort();
    forget();
    clearTimeout(killTimer);
  }
  if (partial) onLine(partial);
  const durationMs = Math.round(performance.now() - started);

  let metadataText: string | null = null;
  try {
    metadataText = await host.readText(metadataFile);
  } catch {
    metadataText = null;
  }
  const meta = readMetadata(metadataText, inv.plan.platforms);
  const exitCode = output.code;
  const ok = exitCode === 0 && !interruptedBy;
  const built = result(inv, { dryRun: false, exitCode, durationMs, ok }, meta);
  if (ok) {
    // What `--quiet` prints (buildx's getImageID): the config digest, else the image digest; a
    // line, empty when there is neither. Not beside a tar written to stdout.
    if (mode.printId && !writesStdout && run.stdout !== "ignore") host.write("stdout", `${meta.configDigest ?? meta.digest ?? ""}\n`);
    return built;
  }
  const error = new BuildError({
    exitCode: interruptedBy ? 130 : exitCode,
    signal: interruptedBy ?? output.signal ?? null,
    command,
    argv,
    stderrTail: tail.join("\n"),
    interrupted: interruptedBy !== null,
    durationMs,
    stderrCaptured: !mode.inherit,
    startError: output.startError ?? null,
    // From rawjson when buildx reported in it; else the error reads buildx's plain progress.
    ...(rawjson ? { failedStep: errored?.name ?? null, stepOutput: errored ? (stepLogs.get(errored.vertex) ?? "").replace(/\n$/, "") : null } : {}),
    progressShown: mode.inherit || mode.echo || run.onProgress !== undefined,
    facts,
  });
  if (run.nothrow) return { ...built, error };
  throw error;
}

/**
 * What runs for `argv`. `docker buildx ...` runs the buildx plugin itself when the probe found the
 * one docker would run, the way docker runs it (the same arguments, and the variable that tells
 * buildx it runs as docker's plugin: same messages, same exit codes), without docker's own start
 * and its plugin lookup, which runs the plugin once more for its metadata (together ~40 ms of a
 * ~300 ms cached build).
 */
export function executable(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, caps: Capabilities | undefined) {
  const command = caps?.buildxCommand;
  const plugin = caps?.buildxPlugin;
  if (plugin && command?.length === 2 && argv[0] === command[0] && argv[1] === command[1]) {
    return { argv: [plugin, ...argv.slice(1)], env: { ...env, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: argv[0] } };
  }
  return { argv, env };
}

/**
 * A new private (0700) folder in the temporary folder for the metadata file (and a bake's bake
 * file), shown to take a page of text (buildx writes the file there after the build: a full disk would fail it only then).
 * Throws an error naming the folder and TMPDIR when it cannot be made or written.
 */
export async function privateFolder(): Promise<string> {
  let dir: string | null = null;
  try {
    dir = await host.makeTempDir("buildx-kit-");
    const probe = join(dir, "metadata.json");
    await host.writeText(probe, " ".repeat(4096));
    await host.remove(probe);
    return dir;
  } catch (e) {
    if (dir) await host.remove(dir).catch(() => {});
    throw new TempFolderError(
      `cannot make a private temporary folder in ${host.tempRoot()} (TMPDIR): ${host.fileFailure(e)}; free some space there, or set TMPDIR to another folder`,
      { cause: e },
    );
  }
}
