/**
 * An invocation is what will run for a build: the argv, the folder it runs in, the variables it
 * adds to the environment, and the plan's diagnostics. The dry run, the printed command, the
 * guide's "print" and the real run are all views of the same invocation, so they cannot disagree.
 * Pure: no I/O (`build()` in lib/build/run.ts decides the progress mode and spawns).
 */
import type { Capabilities } from "./capabilities.ts";
import type { Diagnostic } from "./diagnostics.ts";
import type { BuildOptions } from "./options.ts";
import { type Plan, plan } from "./plan.ts";
import { commandIn } from "./shell.ts";

/** What the run adds to the options it was given. */
export interface InvocationRequest {
  /** The folder buildx runs in (absolute): relative paths in the options resolve against it. */
  readonly cwd: string;
  /** Secret values by id, handed to buildx in its environment only (`--secret id=ID,env=VAR`). */
  readonly secrets?: Readonly<Record<string, string>>;
  /**
   * The progress mode the run reads buildx in, over the options' own: `plain` outside a terminal,
   * `rawjson` for progress events.
   */
  readonly progress?: string;
  /**
   * A quiet build that buildx-kit runs itself: buildx reports in `rawjson` (read, not shown, so a
   * failure keeps the failing step's output, which `--quiet` drops) without `--quiet`, and
   * buildx-kit prints the image id. The command to paste stays the quiet one.
   */
  readonly quietAsRawjson?: boolean;
  /** What the run adds to the plan's diagnostics (how it reads buildx on an older release). */
  readonly notes?: readonly Diagnostic[];
}

/** What will run. */
export interface Invocation {
  readonly plan: Plan;
  /** The command, one element per argument: `docker buildx build ...`. */
  readonly argv: readonly string[];
  /** The absolute folder it runs in. */
  readonly cwd: string;
  /** Variables added to buildx's environment: the secret values. Never printed. */
  readonly env: Readonly<Record<string, string>>;
  /** `cd CWD && docker buildx build ...`, quoted for any shell: pasted, it runs the same build from any folder. */
  readonly command: string;
}

/** The variable that carries secret `id` to buildx: `BUILDX_KIT_SECRET_` and the id in capitals. */
export function secretVariable(id: string, taken: ReadonlySet<string> = new Set()): string {
  const base = `BUILDX_KIT_SECRET_${id.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  return name;
}

/**
 * Plans `options` as they will run from `request.cwd`: secret values become `env=` secrets (the
 * value lives only in buildx's environment, never on disk or in the command), and the run's
 * progress mode is added when the options name none.
 *
 * @example
 * const inv = invocation({ tag: ["app:1"] }, UNKNOWN_CAPABILITIES, { cwd: "/src/app" });
 * inv.command; // "cd /src/app && docker buildx build --load --tag=app:1 ."
 */
export function invocation(options: BuildOptions, capabilities: Capabilities, request: InvocationRequest): Invocation {
  const env: Record<string, string> = {};
  const added = Object.entries(request.secrets ?? {}).map(([id, value]) => {
    const variable = secretVariable(id, new Set(Object.keys(env)));
    env[variable] = value;
    return { id, env: variable };
  });
  const existing = options.secret === undefined ? [] : Array.isArray(options.secret) ? options.secret : [options.secret];
  const given: BuildOptions = { ...options, ...(added.length ? { secret: [...existing, ...added] } : {}) };
  if (request.quietAsRawjson) {
    const runs = plan({ ...given, quiet: undefined, progress: "rawjson" }, capabilities);
    const pasted = plan(options.quiet === true || options.progress !== undefined ? given : { ...given, progress: "quiet" }, capabilities);
    const note: Diagnostic = {
      level: "info",
      code: "quiet-read-as-rawjson",
      option: options.quiet === true ? "quiet" : "progress",
      message:
        "buildx runs with --progress=rawjson, read and not shown, so a failure keeps the failing step's output; the image id is printed as --quiet prints it",
      hint: "the command shown is the quiet one, which does the same when pasted",
    };
    const planned = { ...runs, diagnostics: [...runs.diagnostics, note, ...(request.notes ?? [])] };
    return { plan: planned, argv: runs.argv, cwd: request.cwd, env, command: commandIn(request.cwd, asTyped(pasted.argv)) };
  }
  const planOnly = plan({ ...given, ...(request.progress ? { progress: request.progress } : {}) }, capabilities);
  const planned = request.notes?.length ? { ...planOnly, diagnostics: [...planOnly.diagnostics, ...request.notes] } : planOnly;
  return { plan: planned, argv: planned.argv, cwd: request.cwd, env, command: commandIn(request.cwd, asTyped(planned.argv)) };
}

/** The command as a person types it: `docker buildx ...`, not `/usr/local/bin/docker buildx ...`. */
export function asTyped(argv: readonly string[]): readonly string[] {
  const [first, ...rest] = argv;
  return first !== undefined && first !== "docker" && /(^|\/)docker$/.test(first) ? ["docker", ...rest] : argv;
}
