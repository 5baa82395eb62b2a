/**
 * The `buildx-kit` command. Each subcommand is loaded when used, so `buildx-kit run` does not pay
 * for the guide's prompts. Exit codes: 0 ok, 1 build failed, 2 bad input, 130 interrupted (a build or
 * a run interrupted by a signal nobody else handles dies of it once it has cleaned up: 130 for
 * Ctrl-C, 143 for SIGTERM, as a shell reports them).
 */
import * as host from "../runtime/host.ts";
import { resolve } from "../runtime/posix.ts";
import type { Capabilities } from "../core/capabilities.ts";
import { formatDiagnostic } from "../core/diagnostics.ts";
import { ValidationError } from "../core/errors.ts";
import { FLAG_ROWS } from "../core/flags.ts";
// Loaded with the CLI, not when needed: a build's probe then starts before its other modules load
// and reads its files while they do.
import { probe } from "../build/probe.ts";
import { cannotBuild, type CliIO, defaultIO, EXIT, painter, ranQuiet, report, summarize, takeFlags, UsageError } from "./io.ts";

export { cannotBuild, type CliIO, EXIT, painter, ranQuiet, report, summarize, takeFlags, UsageError };

export const VERSION = "0.1.0";

const OVERVIEW = `buildx-kit ${VERSION}: docker buildx build, planned and validated before it runs

usage: buildx-kit <command> [options]

commands:
  guide                      build step by step: asks each option, checks the combination
  build [flags] [context]    the flags of docker buildx build, checked first
  run RECIPE...              rerun saved recipes
  recipe export|import|check work with recipe files and docker buildx bake
  doctor                     what this machine can build, and what it lacks
  builder ls|inspect|create|use|stop|rm
                             the builders (and their nodes) builds run on
  merge -t TAG DIGEST...     one image index from builds pushed by digest
  repl                       a JavaScript REPL with the whole API loaded

global options: --help, --version, --debug (stack traces; buildx's own debug is build -D), --no-color
exit codes: 0 ok, 1 build failed, 2 bad input, 130 interrupted
Run "buildx-kit <command> --help" for a command's options.`;

const HELP: Record<string, string> = {
  build: `usage: buildx-kit build [flags] [context]

Runs docker buildx build with these flags after checking them (push disables load, a local
output disables both, flags your buildx lacks are named). Flags of buildx-kit itself:
  --dry-run      everything but the build: check against this machine, print the command
  --offline      with --dry-run: plan without looking at this machine (assume the latest buildx)
  --json         print the BuildResult as JSON
  --save FILE    also save the options as a recipe (FILE must not exist)
  --force        with --save: replace FILE if it exists
  --debug        buildx-kit's own stack traces; for buildx's debug logging write -D

buildx flags:
${
    FLAG_ROWS.map(([, r]) => `  ${`${r.short ? `${r.short}, ` : "    "}${r.flag}`.padEnd(22)} ${r.doc}${r.since !== "0.2.0" ? ` (buildx >= ${r.since})` : ""}`)
      .join("\n")
  }`,
  guide: `usage: buildx-kit guide [--from RECIPE]

Asks for each option of a build, checks the combination as you answer, then runs it, saves it as
a recipe, or prints the command. --from starts from a saved recipe's answers. Ctrl-C leaves
without writing anything (exit 130).`,
  run: `usage: buildx-kit run RECIPE... [--set KEY=VALUE]... [--dry-run [--offline]] [--json] [--metadata-file DIR] [--via bake|build|auto]

Rebuilds saved recipes; several build concurrently. Relative paths in a recipe resolve against
the recipe's folder.
  --set KEY=VALUE   override an option: --set tag=api:1.2, --set buildArg.VERSION=1.2
  --dry-run         everything but the builds: check against this machine, print the commands
  --offline         with --dry-run: plan without looking at this machine
  --json            print the results as JSON
  --metadata-file DIR  write each recipe's build metadata to DIR/NAME.json
  --via bake|build|auto  bake: the recipes bake can express build in one docker buildx bake;
                    build: one docker buildx build each; auto (default): a bake where two or
                    more recipes can share one (a failure in a bake builds the others again alone)
With GITHUB_OUTPUT set, each recipe's NAME-digest, NAME-image-names and NAME-metadata are
appended to it; with GITHUB_STEP_SUMMARY set, a table of the results.`,
  recipe: `usage: buildx-kit recipe <export|import|check> ...

  recipe check FILE... [--set K=V]     validate recipes (exit 2 on problems, each with its path)
  recipe export FILE... [--bake OUT] [--target NAME] [--set K=V] [--force]
                                       write the recipes as one docker-bake.json, a target each and
                                       a default group, paths relative to OUT's folder (stdout
                                       without --bake)
  recipe import BAKE [--target T] [--out FILE|DIR/] [--force]
                                       turn a bake file's targets (JSON or HCL, read by docker
                                       buildx bake --print) into recipes (stdout without --out)`,
  doctor: `usage: buildx-kit doctor [--json]

Reports docker, the daemon, buildx, the builder, its platforms, the image store, and which
features are available and why not. Exit 0 when healthy, 1 when not.`,
  repl: `usage: buildx-kit repl

A JavaScript REPL with top-level await and the API in scope (buildx, build, plan, probe, health,
recipe functions, zx's $). Dot-commands: .guide, .run FILE, .dry FLAGS..., .doctor, .help, .exit.`,
};

async function doctor(args: string[], io: CliIO): Promise<number> {
  const { flags, rest } = takeFlags(args, ["--json"], []);
  if (rest.length) throw new UsageError(`doctor takes no arguments (got ${rest.join(" ")})`);
  const { formatDoctor } = await import("./doctor.ts");
  const caps: Capabilities = await probe({ env: io.env });
  if (flags["--json"]) io.out(JSON.stringify(caps, null, 2));
  else io.out(formatDoctor(caps, painter(io)));
  return caps.problems.length === 0 ? EXIT.ok : EXIT.failed;
}

async function buildCommand(args: string[], io: CliIO): Promise<number> {
  const { flags, rest } = takeFlags(args, ["--dry-run", "--offline", "--json", "--force"], ["--save"]);
  if (flags["--offline"] && !flags["--dry-run"]) throw new UsageError("--offline plans without looking at this machine, so it goes with --dry-run only");
  const { parseBuildArgs } = await import("../core/parse.ts");
  const parsed = parseBuildArgs(rest);
  // Warnings first, even when an error follows: "did you mean --platform?" explains many errors.
  for (const d of parsed.diagnostics) if (d.level === "warning") io.err(formatDiagnostic(d));
  if (parsed.diagnostics.some((d) => d.level === "error")) throw new ValidationError(parsed.diagnostics);
  const { build } = await import("../build/run.ts");
  if (flags["--force"] && typeof flags["--save"] !== "string") throw new UsageError("--force replaces the file of --save; there is no --save here");
  if (typeof flags["--save"] === "string") {
    const file = flags["--save"];
    const { makeRecipe, recipeFolder, saveRecipe } = await import("../recipe/recipe.ts");
    const { mapPaths, rebase } = await import("../recipe/paths.ts");
    const { plan } = await import("../core/plan.ts");
    const checked = plan(parsed.options);
    if (!checked.ok) throw new ValidationError(checked.diagnostics);
    // The flags' paths are relative to here; a recipe's to its own real folder, where it reruns
    // (both as the file system has them: ".." of a symlinked folder is its real parent).
    const [here, recipeDir] = await Promise.all([host.realPath(io.cwd).catch(() => resolve(io.cwd)), recipeFolder(file, io.cwd)]);
    const options = mapPaths(parsed.options, (p) => rebase(p, here, recipeDir));
    // Messages name the file as typed.
    const saved = await saveRecipe(file, makeRecipe(options, { name: nameFrom(file) }), { overwrite: Boolean(flags["--force"]), cwd: io.cwd });
    for (const w of saved.warnings) io.err(`warning: ${w.message}`);
    io.err(`saved ${file}`);
  }
  if (!flags["--dry-run"]) {
    const why = await cannotBuild(io, typeof parsed.options.builder === "string" ? parsed.options.builder : undefined);
    if (why) {
      io.err(`${painter(io)("bad", "error:")} ${why}`);
      return EXIT.failed;
    }
  }
  // The plan repeats some of the parser's warnings (an unknown flag) in its own words: once is enough.
  const warned = new Set(parsed.diagnostics.map((d) => `${d.option ? `${d.option}: ` : ""}${d.message}`));
  const log = (line: string) => {
    const said = /^warning \[[\w-]+\] (.*)$/.exec(line)?.[1];
    if (said === undefined || !warned.has(said)) io.err(line);
  };
  const json = Boolean(flags["--json"]);
  // With --json the JSON is stdout's only text (the image id is in it).
  const result = await build(parsed.options, {
    cwd: io.cwd,
    env: io.env,
    dryRun: Boolean(flags["--dry-run"]),
    offline: Boolean(flags["--offline"]),
    log,
    stdout: json ? "ignore" : "inherit",
  });
  // A quiet build has printed its image id, as docker buildx build does, and nothing else.
  if (json) io.out(JSON.stringify(result, null, 2));
  else if (result.dryRun || !ranQuiet(parsed.options)) io.out(summarize(result));
  return EXIT.ok;
}

function nameFrom(path: string): string {
  return path.split(/[\\/]/).pop()!.replace(/\.json$/i, "") || "build";
}

/** Runs `buildx-kit ARGS...` and returns its exit code. */
export async function main(argv: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  const debug = argv.includes("--debug");
  const args = argv.filter((a) => a !== "--debug" && a !== "--no-color");
  const ioUsed: CliIO = argv.includes("--no-color") ? { ...io, env: { ...io.env, NO_COLOR: "1" } } : io;
  const [command, ...rest] = args;
  try {
    if (command === undefined) {
      io.out(io.isTTY ? `${OVERVIEW}\n\nNew here? Try: buildx-kit guide` : OVERVIEW);
      return EXIT.ok;
    }
    if (command === "--version" || command === "-V") {
      io.out(VERSION);
      return EXIT.ok;
    }
    if (command === "--help" || command === "-h" || command === "help") {
      const topic = command === "help" ? rest[0] : undefined;
      if (topic === "builder" || topic === "merge") {
        const { BUILDER_HELP, MERGE_HELP } = await import("./builder-commands.ts");
        io.out(topic === "builder" ? BUILDER_HELP : MERGE_HELP);
        return EXIT.ok;
      }
      io.out(topic && HELP[topic] ? HELP[topic] : OVERVIEW);
      return EXIT.ok;
    }
    if ((rest.includes("--help") || rest.includes("-h")) && HELP[command]) {
      io.out(HELP[command]);
      return EXIT.ok;
    }
    if ((command === "builder" || command === "merge") && (rest.includes("--help") || rest.includes("-h") || (command === "builder" && rest[0] === "help"))) {
      const { BUILDER_HELP, MERGE_HELP } = await import("./builder-commands.ts");
      io.out(command === "builder" ? BUILDER_HELP : MERGE_HELP);
      return EXIT.ok;
    }
    switch (command) {
      case "doctor":
        return await doctor(rest, ioUsed);
      case "build":
        return await buildCommand(rest, ioUsed);
      case "run":
        return await (await import("./commands.ts")).runCommand(rest, ioUsed);
      case "recipe":
        return await (await import("./commands.ts")).recipeCommand(rest, ioUsed);
      case "guide":
        return await (await import("../guide/flow.ts")).guideCommand(rest, { env: ioUsed.env });
      case "builder":
        return await (await import("./builder-commands.ts")).builderCommand(rest, ioUsed);
      case "merge":
        return await (await import("./builder-commands.ts")).mergeCommand(rest, ioUsed);
      case "repl":
        if (rest.length) throw new UsageError(`repl takes no arguments (got ${rest.join(" ")})`);
        return await (await import("./repl.ts")).startRepl({ env: ioUsed.env });
      default: {
        const { distance } = await import("../core/plan.ts");
        const near = [...Object.keys(HELP), "builder", "merge"].find((k) => distance(k, command) <= 2 || k.startsWith(command.slice(0, 3)));
        throw new UsageError(`unknown command "${command}"${near ? `; did you mean "${near}"?` : ""} (buildx-kit --help lists them)`);
      }
    }
  } catch (e) {
    return report(e, ioUsed, debug);
  }
}
