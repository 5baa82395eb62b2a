/**
 * The recipe commands of the CLI: `run RECIPE...` and `recipe export|import|check`. Thin: the
 * work is in lib/recipe/recipe.ts and lib/recipe/bake.ts; this reads flags and prints.
 */
import { dirname, resolve } from "../runtime/posix.ts";
import { formatDiagnostic } from "../core/diagnostics.ts";
import { commandIn } from "../core/shell.ts";
import type { CliIO } from "./io.ts";
import { cannotBuild, EXIT, painter, ranQuiet, summarize, takeFlags, UsageError } from "./io.ts";
import { RUN_VIAS, type RunVia } from "../recipe/via.ts";

/** The arguments of `run` (the CLI's and the REPL's `.run`): the recipe files and the flags. */
export interface RunArgs {
  readonly files: string[];
  readonly sets: string[];
  readonly dryRun: boolean;
  readonly offline: boolean;
  readonly json: boolean;
  /** `--metadata-file DIR`: one `<name>.json` per recipe built. */
  readonly metadataDir: string | null;
  /** `--via bake|build|auto`: how the recipes run (`RecipeRunOptions.via`); default auto. */
  readonly via: RunVia;
}

/** Reads `RECIPE... [--set K=V]... [--dry-run [--offline]] [--json] [--via bake|build|auto]`; throws UsageError on an unknown flag. Files may be none. */
export function parseRunArgs(args: readonly string[]): RunArgs {
  const { flags, sets, rest } = takeFlags(args, ["--dry-run", "--offline", "--json"], ["--set", "--metadata-file", "--via"]);
  const via = flags["--via"] ?? "auto";
  if (typeof via !== "string" || !(RUN_VIAS as readonly string[]).includes(via)) {
    throw new UsageError(
      `--via takes bake, build or auto (got ${
        JSON.stringify(via)
      }): bake builds the recipes it can express in one docker buildx bake, build runs one docker buildx build each, auto (the default) bakes where two or more can share one`,
    );
  }
  if (flags["--offline"] && !flags["--dry-run"]) throw new UsageError("--offline plans without looking at this machine, so it goes with --dry-run only");
  const unknown = rest.find((a) => a.startsWith("-"));
  if (unknown) throw new UsageError(`run does not know ${unknown} (buildx-kit run --help lists its options)`);
  const metadataDir = typeof flags["--metadata-file"] === "string" ? flags["--metadata-file"] : null;
  return {
    files: rest,
    sets,
    dryRun: Boolean(flags["--dry-run"]),
    offline: Boolean(flags["--offline"]),
    json: Boolean(flags["--json"]),
    metadataDir,
    via: via as RunVia,
  };
}

/** `buildx-kit run RECIPE... [--set K=V]... [--dry-run [--offline]] [--json] [--via bake|build|auto]`: 0 when every build succeeded, else 1. */
export async function runCommand(args: string[], io: CliIO): Promise<number> {
  const { files: rest, sets, dryRun, offline, json, metadataDir, via } = parseRunArgs(args);
  const flags = { "--dry-run": dryRun, "--offline": offline, "--json": json };
  if (rest.length === 0) throw new UsageError("run needs at least one recipe file: buildx-kit run RECIPE.json");
  // The probe waits on the daemon's socket and small files while the recipe code loads.
  const probing = flags["--dry-run"] ? null : cannotBuild(io);
  const [why, { runRecipes, runResultJson }, { formatProblem }] = await Promise.all([probing, import("../recipe/run.ts"), import("../recipe/problems.ts")]);
  if (why) {
    io.err(`${painter(io)("bad", "error:")} ${why}`);
    return EXIT.failed;
  }
  // Several builds at once: each prints its own result line, not interleaved progress.
  const quiet = rest.length > 1 || Boolean(flags["--json"]);
  // Files as typed (messages name them so), relative to io.cwd.
  const results = await runRecipes(rest, {
    set: sets,
    dryRun: Boolean(flags["--dry-run"]),
    offline: Boolean(flags["--offline"]),
    env: io.env,
    cwd: io.cwd,
    quiet,
    // Several builds, or JSON: the result lines say it all, without bare image ids between them.
    stdout: quiet ? "ignore" : "inherit",
    via,
  });
  if (flags["--json"]) {
    const json = results.map(runResultJson);
    io.out(JSON.stringify(rest.length === 1 ? json[0] : json, null, 2));
  } else {
    // A dry run says how each recipe would run (a bake, or alone, and why), then prints each bake
    // once: its command and its file, as the run writes it.
    if (flags["--dry-run"] && (rest.length > 1 || via !== "auto")) {
      for (const [i, r] of results.entries()) for (const d of r.diagnostics) io.err(`${rest.length > 1 ? `${rest[i]}: ` : ""}${formatDiagnostic(d)}`);
    }
    const shownBakes = new Set<string>();
    for (const [i, r] of results.entries()) {
      // Unless quiet, runRecipes has printed them already, before the build's progress.
      if (quiet) { for (const w of r.warnings) io.err(`warning: ${formatProblem(w)}`); }
      if (flags["--dry-run"] && r.ok && r.via === "bake" && r.bake) {
        if (shownBakes.has(r.bake.command)) continue;
        shownBakes.add(r.bake.command);
        io.out(r.bake.command);
        io.out(
          `${r.bake.fileName} (the run writes it to a private temporary folder, removed afterwards; saved as ${r.bake.fileName} in ${r.bake.cwd}, the command above runs as shown):`,
        );
        io.out(r.bake.file.replace(/\n$/, ""));
        continue;
      }
      const label = rest.length > 1 ? `${rest[i]}: ` : "";
      // A quiet recipe built alone has printed its image id, as docker buildx build does.
      if (r.ok && r.result) {
        if (quiet || r.result.dryRun || !ranQuiet(r.options)) io.out(`${label}${summarize(r.result)}`);
      } else io.err(`${label}failed: ${r.error?.message ?? "unknown error"}`);
    }
  }
  // For CI: GitHub's step outputs and job summary (when its variables are set), metadata files.
  if (io.env.GITHUB_OUTPUT || io.env.GITHUB_STEP_SUMMARY || metadataDir !== null) {
    const { writeGithubResults, writeMetadataFiles } = await import("../recipe/ci.ts");
    await writeGithubResults(results, io.env);
    if (metadataDir !== null) await writeMetadataFiles(results, resolve(io.cwd, metadataDir));
  }
  if (results.some((r) => (r.error as { interrupted?: boolean } | null)?.interrupted)) return EXIT.interrupted;
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
}

/** `buildx-kit recipe export|import|check ...`. */
export async function recipeCommand(args: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "check":
      return await check(rest, io);
    case "export":
      return await exportCommand(rest, io);
    case "import":
      return await importCommand(rest, io);
    default:
      throw new UsageError(`recipe needs a subcommand: export, import or check${sub ? ` (got "${sub}")` : ""}`);
  }
}

async function check(args: string[], io: CliIO): Promise<number> {
  const { flags, sets, rest } = takeFlags(args, ["--json"], ["--set"]);
  if (rest.length === 0) throw new UsageError("recipe check needs a recipe file");
  const [{ checkRecipe }, { formatProblem }] = await Promise.all([import("../recipe/run.ts"), import("../recipe/problems.ts")]);
  for (const file of rest) {
    const checked = await checkRecipe(file, { set: sets, env: io.env, cwd: io.cwd });
    if (flags["--json"]) {
      io.out(JSON.stringify({ path: file, ok: true, options: checked.options, diagnostics: checked.diagnostics }, null, 2));
      continue;
    }
    for (const w of checked.warnings) io.err(`warning: ${formatProblem(w)}`);
    for (const d of checked.diagnostics) if (d.level !== "info") io.err(formatDiagnostic(d));
    io.out(`${file}: ok`);
  }
  return EXIT.ok;
}

async function exportCommand(args: string[], io: CliIO): Promise<number> {
  const { flags, sets, rest } = takeFlags(args, ["--force"], ["--bake", "--target", "--set"]);
  if (rest.length === 0) throw new UsageError("recipe export needs at least one recipe file: buildx-kit recipe export FILE... [--bake OUT]");
  if (rest.length > 1 && typeof flags["--target"] === "string") {
    throw new UsageError("--target names the target of one recipe; with several, each target is named after its recipe");
  }
  const { exportBake } = await import("../recipe/bake.ts");
  const out = typeof flags["--bake"] === "string" ? flags["--bake"] : undefined;
  const exported = await exportBake(rest, {
    set: sets,
    env: io.env,
    cwd: io.cwd,
    ...(out ? { out, overwrite: Boolean(flags["--force"]) } : {}),
    ...(typeof flags["--target"] === "string" ? { target: flags["--target"] } : {}),
  });
  for (const d of exported.diagnostics) if (d.level !== "info" || out) io.err(formatDiagnostic(d));
  if (out) io.err(`wrote ${flags["--bake"]}: build it with ${commandIn(exported.cwd, exported.command)}`);
  else io.out(exported.text);
  return EXIT.ok;
}

async function importCommand(args: string[], io: CliIO): Promise<number> {
  const { flags, rest } = takeFlags(args, ["--force"], ["--target", "--out"]);
  if (rest.length !== 1) throw new UsageError("recipe import takes one bake file: buildx-kit recipe import BAKE [--target T] [--out FILE|DIR/]");
  const { importBakeTargets } = await import("../recipe/bake.ts");
  const { formatRecipe, saveRecipe } = await import("../recipe/recipe.ts");
  const host = await import("../runtime/host.ts");
  const out = typeof flags["--out"] === "string" ? flags["--out"] : null;
  // --out DIR/ (or an existing folder): one recipe per target in it.
  const intoDir = out !== null && (out.endsWith("/") || await host.stat(resolve(io.cwd, out)).then((s) => s.isDirectory, () => false));
  const recipeDir = out === null ? io.cwd : intoDir ? resolve(io.cwd, out) : dirname(resolve(io.cwd, out));
  const imports = await importBakeTargets(rest[0]!, {
    dir: recipeDir,
    cwd: io.cwd,
    env: io.env,
    ...(typeof flags["--target"] === "string" ? { target: flags["--target"] } : {}),
  });
  for (const i of imports) for (const d of i.diagnostics) if (d.level !== "info") io.err(formatDiagnostic(d));
  if (!intoDir && imports.length !== 1) {
    throw new UsageError(
      `${rest[0]} has ${imports.length} targets (${
        imports.map((i) => i.target).join(", ")
      }): import them into a folder (--out DIR/) or choose one (--target NAME)`,
    );
  }
  if (out === null) {
    io.out(formatRecipe(imports[0]!.recipe));
    return EXIT.ok;
  }
  if (intoDir) await host.makeDir(recipeDir);
  for (const i of imports) {
    const shown = intoDir ? `${out.replace(/\/+$/, "")}/${i.target.replace(/[^A-Za-z0-9_.-]/g, "_")}.json` : out;
    await saveRecipe(shown, i.recipe, { overwrite: Boolean(flags["--force"]), cwd: io.cwd });
    io.err(`wrote ${shown} (target ${i.target})`);
  }
  return EXIT.ok;
}
