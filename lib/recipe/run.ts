/**
 * Rerunning recipes: one, or many at once (through one `docker buildx bake` where they can share
 * one, lib/recipe/bake-run.ts), with `--set` overrides, results per recipe, and `checkRecipe()`.
 */
import * as host from "../runtime/host.ts";
import { basename, resolve } from "../runtime/posix.ts";
import { type Capabilities, UNKNOWN_CAPABILITIES } from "../core/capabilities.ts";
import type { Diagnostic } from "../core/diagnostics.ts";
import { BuildError } from "../core/errors.ts";
import type { BuildOptions } from "../core/options.ts";
import { plan } from "../core/plan.ts";
import { isRemote, visitPaths } from "./paths.ts";
import { probe } from "../build/probe.ts";
import type { BakeGroup, BakeOutcome } from "./bake-run.ts";
import { RUN_VIAS, type RunVia } from "./via.ts";
import type { BuildResult } from "../core/result.ts";
import { build, type RunOptions } from "../build/run.ts";
import { commandIn } from "../core/shell.ts";
import { formatProblem, RecipeError, type RecipeProblem } from "./problems.ts";
import { applySets, parseSet, shownSet } from "./overrides.ts";
import { credentialWarnings, type LoadedRecipe, loadRecipeFile, optionProblems, type Recipe, recipeOptions, validateRecipe } from "./recipe.ts";

// ---------------------------------------------------------------------------------------------
// Running

/** How to run recipes: `RunOptions` plus overrides. */
export interface RecipeRunOptions extends RunOptions {
  /** `--set key=value` overrides, applied to every recipe. */
  readonly set?: readonly string[];
  /**
   * Where a relative recipe file path starts, and where the relative paths of a recipe *object*
   * resolve (a recipe file's own paths always resolve against its folder, where its build runs).
   * Default: `process.cwd()`.
   */
  readonly cwd?: string;
  /**
   * How many buildx processes may run at once: builds, and bakes (a bake of several recipes is one).
   * Recipes that write the same place always run one after another. Default 4.
   */
  readonly concurrency?: number;
  /**
   * How the recipes run: `"bake"`, the recipes bake can express (per builder) as the targets of one
   * `docker buildx bake`, even a single one; `"build"`, one `docker buildx build` each;
   * `"auto"` (the default), a bake where at least `AUTO_BAKE_FROM` (2) recipes can share one
   * (BENCHMARKS.md: faster from 6 recipes, within the noise at 3, a third of the memory or less).
   * What bake cannot express builds alone either way,
   * and each result's `diagnostics` say how it ran and why.
   */
  readonly via?: RunVia;
}

export { RUN_VIAS, type RunVia } from "./via.ts";

/** The bake a recipe was built in (`RecipeRunResult.bake`). */
export interface RecipeBake {
  /** The recipe's target in it. */
  readonly target: string;
  /** Every target of that bake, one per recipe, in order. */
  readonly targets: readonly string[];
  /**
   * The bake file's name in the command (`buildx-kit-bake.json`): the run writes it to a private
   * temporary folder and removes it afterwards; saved under this name in `cwd`, the command runs as shown.
   */
  readonly fileName: string;
  /** The bake file's text (JSON; every local path absolute). */
  readonly file: string;
  /** The folder bake runs in: the recipes' folders' common folder. */
  readonly cwd: string;
  /** The command, one element per argument: `docker buildx bake --file=buildx-kit-bake.json --progress=rawjson ... TARGET...`. */
  readonly argv: readonly string[];
  /** `cd CWD && docker buildx bake ...`, quoted for any shell. */
  readonly command: string;
  /** The entitlements granted with `--allow` (what the targets need, where the installed bake has `--allow`). */
  readonly allow: readonly string[];
}

/** What became of one recipe. */
export interface RecipeRunResult {
  /** The recipe file as named, or null for a recipe object. */
  readonly path: string | null;
  readonly name: string;
  /**
   * The recipe's folder: its relative paths resolve against it, and its build runs there (a bake
   * runs in its recipes' common folder, `bake.cwd`, with every path made absolute).
   */
  readonly cwd: string;
  readonly ok: boolean;
  /**
   * False for a recipe that never started: an interrupt (Ctrl-C, SIGTERM, the AbortSignal) came
   * first. Its error is then an interrupted `BuildError` that says so.
   */
  readonly ran: boolean;
  /** The options it built with, after `--set`. */
  readonly options: BuildOptions;
  /** The build's result (also for a failed build when `nothrow` was set); null when it threw. */
  readonly result: BuildResult | null;
  /**
   * Why it failed (a `BuildError`, usually: exit code, ERROR lines, stderr tail, the failing step
   * and its output, a hint), also when `nothrow` returned the result; null when it did not fail.
   */
  readonly error: Error | null;
  /** Advice about the recipe that did not stop it (build args that look like credentials). */
  readonly warnings: readonly RecipeProblem[];
  /** When the build started and ended (ms since the epoch). */
  readonly startedAt: number;
  readonly finishedAt: number;
  /** How its result was built: in one `docker buildx bake` with others, or with its own `docker buildx build`. */
  readonly via: "bake" | "build";
  /**
   * How it ran and why, info diagnostics with stable codes: `run-via-bake`; `run-via-build` (asked);
   * why bake was not used (`bake-not-expressible`, `bake-too-old`, `bake-quiet`, `bake-secret-values`,
   * `bake-stdout`, `bake-call`, `bake-same-place`, `bake-nothing-to-share`); `bake-rerun` (built
   * again alone after another recipe's failure stopped its bake).
   */
  readonly diagnostics: readonly Diagnostic[];
  /** The bake it was built in (also when a failure elsewhere made it build again alone); null otherwise. */
  readonly bake: RecipeBake | null;
}

/** A recipe to run: a file path, a loaded recipe, or a recipe object. */
export type RecipeSource = string | LoadedRecipe | Recipe;

interface Prepared {
  readonly path: string | null;
  readonly name: string;
  readonly cwd: string;
  readonly options: BuildOptions;
  readonly warnings: readonly RecipeProblem[];
  readonly capabilities?: Capabilities;
}

function isLoaded(source: RecipeSource): source is LoadedRecipe {
  return typeof source === "object" && "recipe" in source && typeof (source as LoadedRecipe).recipe === "object" && "dir" in source;
}

async function prepare(source: RecipeSource, run: RecipeRunOptions): Promise<Prepared> {
  let path: string | null = null;
  let recipe: Recipe;
  let cwd: string;
  if (typeof source === "string") {
    const loaded = await loadRecipeFile(source, run.cwd !== undefined ? { cwd: run.cwd } : {});
    [path, recipe, cwd] = [loaded.path, loaded.recipe, loaded.dir];
  } else if (isLoaded(source)) {
    [path, recipe, cwd] = [source.path, source.recipe, source.dir];
  } else {
    const problems = validateRecipe(source);
    if (problems.length) throw new RecipeError(problems);
    [recipe, cwd] = [source, resolve(run.cwd ?? host.cwd())];
  }
  let options = recipeOptions(recipe);
  if (run.set?.length) {
    try {
      options = applySets(options, run.set);
    } catch (e) {
      throw e instanceof RecipeError ? new RecipeError(e.problems.map((p) => (path !== null ? { ...p, file: path } : p)), e.heading) : e;
    }
    // The values set are checked like the file's, and blamed on the --set that gave them.
    // As messages show it (a secret's value is not shown), and its place among the --set.
    const setBy = new Map<string, string>();
    const place = new Map<string, number>();
    run.set.forEach((text, i) => {
      const shown = shownSet(text);
      setBy.set(parseSet(text).option, shown);
      if (!place.has(shown)) place.set(shown, i);
    });
    const order = (p: RecipeProblem) => (p.set === undefined ? Infinity : place.get(p.set) ?? Infinity);
    const problems = optionProblems(options).map((p): RecipeProblem => {
      const option = /^options\.([A-Za-z]+)/.exec(p.path)?.[1] ?? "";
      const set = setBy.get(option);
      return { ...(path !== null ? { file: path } : {}), ...p, ...(set !== undefined ? { set } : {}) };
    }).sort((a, b) => order(a) - order(b));
    if (problems.length) throw new RecipeError(problems);
  }
  const name = recipe.name ?? (path !== null ? basename(path).replace(/\.json$/i, "") : "recipe");
  const warnings = credentialWarnings(options).map((w): RecipeProblem => ({ ...(path !== null ? { file: path } : {}), ...w }));
  return { path, name, cwd, options, warnings };
}

/** Recipes that write the same place (a tag, an output folder, a cache, a file) run one after another. */
function chains(prepared: readonly Prepared[]): number[][] {
  const parent = prepared.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const owner = new Map<string, number>();
  prepared.forEach((p, i) => {
    const o = p.options;
    const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const writes = list(o.tag).map((t) => `tag:${String(t)}`);
    visitPaths(o, (path, written) => {
      if (written && path !== "-" && !isRemote(path)) writes.push(`path:${resolve(p.cwd, path)}`);
      return path;
    });
    for (const w of writes) {
      const other = owner.get(w);
      if (other === undefined) owner.set(w, i);
      else parent[find(i)] = find(other);
    }
  });
  const groups = new Map<number, number[]>();
  prepared.forEach((_, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), i]);
  });
  return [...groups.values()];
}

/**
 * Runs recipes: loads and checks every one first (with the `--set` overrides), and throws a
 * `RecipeError` listing every problem of every file before anything is built. Then builds them:
 * those that can share one `docker buildx bake` (`via`, default `auto`: two or more on one builder,
 * everything they say expressible as a bake target) as its targets, the others concurrently with
 * one `docker buildx build` each (those writing the same place in turn), each recipe's relative
 * paths resolving against its own folder. Each is reported on its own, with how it ran and why
 * (`via`, `diagnostics`): a failed build is a result with `ok: false`, not a throw; a failure in a
 * bake fails only its own recipe (the bake's other recipes build again alone).
 *
 * @example
 * const results = await runRecipes(["recipes/api.json", "recipes/web.json"], { set: ["tag=app:1.2"] });
 * for (const r of results) console.log(r.name, r.ok ? r.result?.digest : r.error?.message);
 */
export async function runRecipes(sources: readonly RecipeSource[], run: RecipeRunOptions = {}): Promise<RecipeRunResult[]> {
  const settled = await Promise.allSettled(sources.map((s) => prepare(s, run)));
  const problems = settled.flatMap((s) => (s.status === "rejected" && s.reason instanceof RecipeError ? s.reason.problems : []));
  const other = settled.find((s): s is PromiseRejectedResult => s.status === "rejected" && !(s.reason instanceof RecipeError));
  if (other) throw other.reason;
  if (problems.length) throw new RecipeError(problems);
  const prepared = settled.map((s) => (s as PromiseFulfilledResult<Prepared>).value);

  // What the machine can do, once per builder; and every plan checked before the first build.
  const capsFor = new Map<string, Promise<Capabilities>>();
  const capabilities = (p: Prepared): Promise<Capabilities> => {
    if (run.capabilities) return Promise.resolve(run.capabilities);
    if (run.offline) return Promise.resolve(UNKNOWN_CAPABILITIES);
    const key = p.options.builder ?? "";
    if (!capsFor.has(key)) {
      capsFor.set(key, probe({ inspect: false, ...(p.options.builder ? { builder: p.options.builder } : {}), ...(run.env ? { env: run.env } : {}) }));
    }
    return capsFor.get(key)!;
  };
  const planned = await Promise.all(prepared.map(async (p) => ({ ...p, capabilities: await capabilities(p) })));
  const planProblems = planned.flatMap((p) => plan(p.options, p.capabilities).diagnostics.filter((d) => d.level === "error").map((d) => planProblem(d, p)));
  if (planProblems.length) throw new RecipeError(planProblems, "cannot build");

  const via = run.via ?? "auto";
  if (!RUN_VIAS.includes(via)) throw new TypeError(`via must be one of ${RUN_VIAS.join(", ")}, got ${JSON.stringify(via)}`);
  const many = planned.length > 1;
  const log = run.log ?? ((line: string) => host.write("stderr", `${line}\n`));
  const sayFor = (index: number) => (many ? (line: string) => log(`[${planned[index]!.name}] ${line}`) : log);
  const results = new Array<RecipeRunResult>(planned.length);

  // How each recipe runs: bakes of the recipes that can share one, the others alone (lib/recipe/bake-run.ts,
  // loaded only when there is something to share or a bake is asked for).
  const chained = chains(planned);
  const notes: Diagnostic[][] = planned.map(() => []);
  const jobs: Job[] = [];
  let bakes: typeof import("./bake-run.ts") | null = null;
  if (via === "build" || (via === "auto" && !many)) {
    planned.forEach((_, i) => notes[i]!.push(via === "build" ? RUN_VIA_BUILD : NOTHING_TO_SHARE));
    jobs.push(...chained.map((chain): Job => ({ kind: "chain", chain })));
  } else {
    bakes = await import("./bake-run.ts");
    const planOfBakes = await bakes.planBakes(planned.map((p) => ({ name: p.name, cwd: p.cwd, options: p.options, capabilities: p.capabilities })), {
      via,
      chains: chained,
      ...(run.secrets ? { secrets: run.secrets } : {}),
    });
    planOfBakes.notes.forEach((d, i) => notes[i]!.push(d));
    jobs.push(...planOfBakes.groups.map((group): Job => ({ kind: "bake", group })));
    const alone = new Set(planOfBakes.alone);
    jobs.push(...chained.filter((chain) => chain.every((i) => alone.has(i))).map((chain): Job => ({ kind: "chain", chain })));
  }

  // From the first build until the last temp folder is gone, a signal from outside (Ctrl-C,
  // SIGTERM, a hang-up) is runRecipes' to handle: the builds running stop, no other starts, and
  // once every build has cleaned up the signal is re-raised (unless someone else listens for it),
  // so the process dies of it as a shell script would (130 for Ctrl-C, 143 for SIGTERM).
  const stopAll = new AbortController();
  let interruptedBy: host.Signal | null = null;
  const forgetSignals = INTERRUPTS.map((s) =>
    host.onSignal(s, () => {
      interruptedBy ??= s;
      if (!stopAll.signal.aborted) stopAll.abort(s);
    })
  );
  const given = run.signal;
  const onGiven = () => {
    if (!stopAll.signal.aborted) stopAll.abort(given?.reason);
  };
  if (given?.aborted) onGiven();
  else given?.addEventListener("abort", onGiven, { once: true });

  const common = (p: Prepared, index: number) => ({
    path: p.path,
    name: p.name,
    cwd: p.cwd,
    options: p.options,
    warnings: p.warnings,
    diagnostics: notes[index]!,
  });
  const runOne = async (index: number, bake: RecipeBake | null = null): Promise<void> => {
    const p = planned[index]!;
    if (stopAll.signal.aborted) {
      const argv = plan(p.options, p.capabilities).argv;
      const reason: unknown = stopAll.signal.reason;
      const signal = interruptedBy ?? (typeof reason === "string" && /^SIG[A-Z0-9]+$/.test(reason) ? reason : null);
      const error = new BuildError({
        exitCode: null,
        signal,
        command: commandIn(p.cwd, argv),
        argv,
        stderrTail: "",
        interrupted: true,
        durationMs: 0,
        notStarted: true,
      });
      const now = Date.now();
      results[index] = { ...common(p, index), ok: false, ran: false, result: null, error, startedAt: now, finishedAt: now, via: "build", bake };
      return;
    }
    // Several builds drawing on one terminal would garble it: plain progress, each line named.
    const interleaved = many && !run.onProgress && !run.quiet && !p.options.quiet && p.options.progress === undefined && host.isTerminal("stderr");
    const options = interleaved ? { ...p.options, progress: "plain" } : p.options;
    const say = sayFor(index);
    if (!run.quiet && !bake) { for (const w of p.warnings) say(`warning: ${formatProblem(w)}`); }
    const startedAt = Date.now();
    let result: BuildResult | null = null;
    let error: Error | null = null;
    try {
      result = await build(options, {
        ...run,
        signal: stopAll.signal,
        cwd: p.cwd,
        capabilities: p.capabilities,
        log: say,
      });
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    }
    // nothrow: the result carries the error; so does the run's.
    error ??= result?.error ?? null;
    results[index] = {
      ...common(p, index),
      ok: error === null && result !== null && result.ok,
      ran: true,
      result,
      error,
      startedAt,
      finishedAt: Date.now(),
      via: "build",
      bake,
    };
  };

  const limit = Math.max(1, run.concurrency ?? 4);
  const runBakeJob = async (group: BakeGroup): Promise<void> => {
    const aboutBake = (k: number): RecipeBake => ({
      target: group.targets[k]!,
      targets: group.targets,
      fileName: bakes!.BAKE_FILE_NAME,
      file: group.text,
      cwd: group.cwd,
      argv: group.argv,
      command: group.command,
      allow: group.allow,
    });
    if (!run.quiet) { for (const i of group.members) for (const w of planned[i]!.warnings) sayFor(i)(`warning: ${formatProblem(w)}`); }
    let outcomes: BakeOutcome[];
    try {
      outcomes = await bakes!.runBake(group, planned, {
        ...run,
        signal: stopAll.signal,
        interruptedBy: () => interruptedBy,
        logFor: sayFor,
        // As a build shows its progress: unless quiet, or the caller takes the events.
        showProgress: !run.quiet && !run.onProgress,
      });
    } catch (e) {
      // The bake could not even start (no private folder): each recipe's error says why.
      const error = e instanceof Error ? e : new Error(String(e));
      const now = Date.now();
      group.members.forEach((i, k) => {
        results[i] = {
          ...common(planned[i]!, i),
          ok: false,
          ran: false,
          result: null,
          error,
          startedAt: now,
          finishedAt: now,
          via: "bake",
          bake: aboutBake(k),
        };
      });
      return;
    }
    outcomes.forEach((o, k) => {
      const i = group.members[k]!;
      if (o.rerun) {
        notes[i]!.push(bakeRerun(o.stoppedBy ?? []));
        pending.push({ kind: "chain", chain: [i], bake: aboutBake(k) });
        return;
      }
      const error = o.error;
      results[i] = {
        ...common(planned[i]!, i),
        ok: error === null && o.result !== null && o.result.ok,
        ran: !(error instanceof BuildError && error.notStarted === true),
        result: o.result,
        error,
        startedAt: o.startedAt,
        finishedAt: o.finishedAt,
        via: "bake",
        bake: aboutBake(k),
      };
    });
  };
  const runJob = async (job: Job): Promise<void> => {
    if (job.kind === "bake") return await runBakeJob(job.group);
    for (const index of job.chain) await runOne(index, job.bake ?? null);
  };

  // At most `limit` jobs at once; a bake's recipes that must build again alone join the queue.
  const pending: Job[] = jobs;
  const running = new Set<Promise<void>>();
  try {
    while (pending.length || running.size) {
      while (pending.length && running.size < limit) {
        const job = runJob(pending.shift()!).finally(() => running.delete(job));
        running.add(job);
      }
      await Promise.race(running);
    }
  } finally {
    for (const f of forgetSignals) f();
    given?.removeEventListener("abort", onGiven);
  }
  if (interruptedBy && !host.listenedElsewhere(interruptedBy)) host.kill(host.pid(), interruptedBy);
  return results;
}

/** What a run does next: recipes one after another (each alone), or a bake of several. */
type Job =
  | { readonly kind: "chain"; readonly chain: readonly number[]; readonly bake?: RecipeBake }
  | { readonly kind: "bake"; readonly group: BakeGroup };

/** Said of every recipe run with `via: "build"`. */
const RUN_VIA_BUILD: Diagnostic = { level: "info", code: "run-via-build", option: null, message: "runs with docker buildx build, as asked (via: build)" };

/** Said of a recipe run alone (`via: "auto"`): a bake of one shares nothing. */
const NOTHING_TO_SHARE: Diagnostic = {
  level: "info",
  code: "bake-nothing-to-share",
  option: null,
  message: "the only recipe a bake could build: bake has nothing to share, so it runs alone with docker buildx build",
};

/** Said of a recipe built again alone because another recipe's failure stopped its bake. */
function bakeRerun(stoppedBy: readonly string[]): Diagnostic {
  return {
    level: "info",
    code: "bake-rerun",
    option: null,
    message: stoppedBy.length
      ? `its bake stopped when ${
        stoppedBy.join(", ")
      } failed (bake cancels the other targets and writes no results): built again alone with docker buildx build`
      : "its bake failed before any target's step did: built again alone with docker buildx build, whose result says why",
  };
}

/** The signals from outside that stop a run of recipes. */
const INTERRUPTS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function planProblem(d: Diagnostic, p: Prepared): RecipeProblem {
  return {
    ...(p.path !== null ? { file: p.path } : {}),
    path: d.option ? `options.${d.option}` : "options",
    code: d.code,
    message: `${d.message}${d.hint ? ` (hint: ${d.hint})` : ""}`,
  };
}

/**
 * Runs one recipe (a file, a loaded recipe or a recipe object) in its folder, with overrides.
 * Throws `RecipeError` before building when the recipe is invalid, and `BuildError` when the build
 * fails (unless `nothrow`).
 *
 * @example
 * const result = await runRecipe("recipes/api.json", { set: ["tag=api:1.2"] });
 */
export async function runRecipe(source: RecipeSource, run: RecipeRunOptions = {}): Promise<BuildResult> {
  const [only] = await runRecipes([source], run);
  if (only!.error) throw only!.error;
  return only!.result!;
}

/** A run result as plain JSON (what `buildx-kit run --json` prints): errors as `{ name, message, ... }`. */
export function runResultJson(r: RecipeRunResult): Record<string, unknown> {
  const e = r.error as (Error & { exitCode?: unknown; hint?: unknown; errorLines?: unknown; command?: unknown }) | null;
  return {
    path: r.path,
    name: r.name,
    cwd: r.cwd,
    ok: r.ok,
    ran: r.ran,
    result: r.result,
    warnings: r.warnings.map(formatProblem),
    // A BuildError's own JSON (stderr tail, failing step and its output, ...); any other error's essentials.
    error: e instanceof BuildError
      ? e.toJSON()
      : e
      ? { name: e.name, message: e.message, exitCode: e.exitCode ?? null, hint: e.hint ?? null, errorLines: e.errorLines ?? [], command: e.command ?? null }
      : null,
    startedAt: new Date(r.startedAt).toISOString(),
    durationMs: r.finishedAt - r.startedAt,
    via: r.via,
    diagnostics: r.diagnostics,
    bake: r.bake,
  };
}

// ---------------------------------------------------------------------------------------------
// Checking

/** What `checkRecipe` found in a valid recipe. */
export interface RecipeCheck {
  readonly path: string;
  readonly recipe: Recipe;
  /** The options after `--set`. */
  readonly options: BuildOptions;
  /** What the plan says against this machine (warnings, infos; errors are thrown). */
  readonly diagnostics: readonly Diagnostic[];
  /** Advice: build args that look like credentials. */
  readonly warnings: readonly RecipeProblem[];
}

/**
 * Checks a recipe file without building: everything `loadRecipe` checks, the `--set` overrides,
 * and the plan against this machine (probed unless `capabilities` are given). Throws a
 * `RecipeError` for any problem or plan error.
 */
export async function checkRecipe(
  path: string,
  options: { set?: readonly string[]; capabilities?: Capabilities; env?: RunOptions["env"]; cwd?: string } = {},
): Promise<RecipeCheck> {
  const loaded = await loadRecipeFile(path, options.cwd !== undefined ? { cwd: options.cwd } : {});
  const prepared = await prepare(loaded, { ...(options.set ? { set: options.set } : {}) });
  const caps = options.capabilities ??
    // Planning needs the version, the driver and the image store, not the nodes: no inspect.
    await probe({ inspect: false, ...(prepared.options.builder ? { builder: prepared.options.builder } : {}), ...(options.env ? { env: options.env } : {}) });
  const p = plan(prepared.options, caps);
  const errors = p.diagnostics.filter((d) => d.level === "error");
  if (errors.length) throw new RecipeError(errors.map((d) => planProblem(d, prepared)), "cannot build");
  // The file's warnings, then those only the --set values raise (a Set: a recipe may hold thousands).
  const warned = new Set(loaded.warnings.map((w) => w.path));
  return {
    path,
    recipe: loaded.recipe,
    options: prepared.options,
    diagnostics: p.diagnostics,
    warnings: [...loaded.warnings, ...credentialWarnings(prepared.options).filter((w) => !warned.has(w.path)).map((w) => ({ file: path, ...w }))],
  };
}
