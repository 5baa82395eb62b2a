/**
 * `buildx-kit` spawned as a user runs it, on Node (the compiled dist/), Deno and Bun (the source):
 * help, version, dry runs, real builds against the engine, recipes and bake, bad input (exit 2,
 * one paragraph, no stack trace unless --debug), doctor on a healthy engine and on a broken or
 * missing docker, a failing build (exit 1), and Ctrl-C during a build (exit 130). stdout and
 * stderr are pipes here, so no output may hold a colour escape.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, VERSION } from "../lib/cli/main.ts";
import {
  ANSI,
  BROKEN_DAEMON,
  cleanup,
  cli,
  cliEnv,
  commandFor,
  DAEMON_DOWN,
  fakeBuildx,
  fakePath,
  NO_BUILDX,
  nonce,
  processes,
  projectCopy,
  type Ran,
  ROOT,
  run,
  type RuntimeName,
  RUNTIMES,
  STACK_FRAME,
  tempDir,
  trackImage,
  waitFor,
} from "./fixtures/cli/support.ts";
import { requireEngine } from "./support/engine.ts";

const engine = await requireEngine();
const NAMES = RUNTIMES.map(([name]) => name);

afterAll(cleanup);

/** Every run here is on pipes: colour would be a bug. */
function plain(r: Ran): Ran {
  expect(r.stdout, "stdout has an ANSI escape").not.toMatch(ANSI);
  expect(r.stderr, "stderr has an ANSI escape").not.toMatch(ANSI);
  return r;
}

async function bx(runtime: RuntimeName, args: readonly string[], options: Parameters<typeof cli>[2] = {}): Promise<Ran> {
  return plain(await cli(runtime, args, options));
}

/** `buildx-kit ARGS...` run in this process through `main(argv, io)`: what it prints and returns. */
async function inProcess(args: readonly string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const line = (t: string) => (t.endsWith("\n") ? t : `${t}\n`);
  const env = cliEnv() as Record<string, string>;
  const code = await main(args, { out: (t) => (stdout += line(t)), err: (t) => (stderr += line(t)), env, isTTY: false, cwd });
  return { code, stdout, stderr };
}

/**
 * A bad-input run, in this process (the same main() the command runs): exit 2, nothing on stdout,
 * exactly `stderr`, no stack frame. "a real process says the same" below spawns one per runtime.
 */
async function badInput(args: readonly string[], stderr: string): Promise<void> {
  const r = await inProcess(args);
  expect(r).toEqual({ code: 2, stdout: "", stderr });
  expect(r.stderr).not.toMatch(STACK_FRAME);
}

/** A bad-input run about files in a folder: spawned there on a runtime, and in this process with `io.cwd` there. */
async function badInputIn(runtime: RuntimeName, cwd: string, args: readonly string[], stderr: string): Promise<void> {
  const r = await bx(runtime, args, { cwd });
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: "", stderr });
  expect(r.stderr).not.toMatch(STACK_FRAME);
  // main(argv, io) in this process, whose own folder is elsewhere, says the same: files are io.cwd's, named as typed.
  expect(await inProcess(args, cwd)).toEqual({ code: 2, stdout: "", stderr });
}

async function labelOf(image: string, key: string): Promise<string | null> {
  const r = await run("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", image]);
  if (r.code !== 0) return null;
  return (JSON.parse(r.stdout) as Record<string, string> | null)?.[key] ?? null;
}

async function imageSays(image: string): Promise<string> {
  return (await run("docker", ["run", "--rm", image], { timeout: 60_000 })).stdout;
}

let project = "";
beforeAll(async () => {
  project = await projectCopy("project");
});

describe.each(NAMES)("buildx-kit on %s: discovering it", (rt) => {
  it("--version prints the version, which is package.json's", async () => {
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect(VERSION).toBe(pkg.version);
    for (const flag of ["--version", "-V"]) {
      const r = await bx(rt, [flag]);
      expect(r).toEqual({ code: 0, signal: null, stdout: `${pkg.version}\n`, stderr: "" });
    }
  });

  it("no arguments, not at a terminal: the overview, without the guide suggestion meant for people", async () => {
    const r = await bx(rt, []);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(`buildx-kit ${VERSION}: docker buildx build, planned and validated before it runs`);
    expect(lines).toContain("usage: buildx-kit <command> [options]");
    for (
      const command of [
        "guide",
        "build [flags] [context]",
        "run RECIPE...",
        "recipe export|import|check",
        "doctor",
        "builder ls|inspect|create|use|stop|rm",
        "merge -t TAG DIGEST...",
        "repl",
      ]
    ) {
      expect(r.stdout).toMatch(new RegExp(`^  ${command.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s`, "m"));
    }
    expect(lines).toContain("exit codes: 0 ok, 1 build failed, 2 bad input, 130 interrupted");
    expect(lines).toContain('Run "buildx-kit <command> --help" for a command\'s options.');
    expect(r.stdout).not.toContain("New here?");
    // --help and help say the same.
    expect((await bx(rt, ["--help"])).stdout).toBe(r.stdout);
    expect((await bx(rt, ["help"])).stdout).toBe(r.stdout);
  });

  it.each([
    ["build", [
      "usage: buildx-kit build [flags] [context]",
      "  --dry-run      everything but the build: check against this machine, print the command",
      "  --offline      with --dry-run: plan without looking at this machine (assume the latest buildx)",
      "  --json         print the BuildResult as JSON",
      "  --save FILE    also save the options as a recipe (FILE must not exist)",
      "  --force        with --save: replace FILE if it exists",
      "buildx flags:",
    ]],
    ["guide", ["usage: buildx-kit guide [--from RECIPE]", "without writing anything (exit 130)."]],
    ["run", [
      "usage: buildx-kit run RECIPE... [--set KEY=VALUE]... [--dry-run [--offline]] [--json] [--metadata-file DIR] [--via bake|build|auto]",
      "  --set KEY=VALUE   override an option: --set tag=api:1.2, --set buildArg.VERSION=1.2",
      "  --via bake|build|auto  bake: the recipes bake can express build in one docker buildx bake;",
      "  --dry-run         everything but the builds: check against this machine, print the commands",
      "  --offline         with --dry-run: plan without looking at this machine",
    ]],
    ["recipe", [
      "usage: buildx-kit recipe <export|import|check> ...",
      "  recipe check FILE... [--set K=V]     validate recipes (exit 2 on problems, each with its path)",
      "  recipe export FILE... [--bake OUT] [--target NAME] [--set K=V] [--force]",
      "  recipe import BAKE [--target T] [--out FILE|DIR/] [--force]",
    ]],
    ["doctor", ["usage: buildx-kit doctor [--json]", "features are available and why not. Exit 0 when healthy, 1 when not."]],
    ["repl", ["usage: buildx-kit repl", "recipe functions, zx's $). Dot-commands: .guide, .run FILE, .dry FLAGS..., .doctor, .help, .exit."]],
    ["builder", [
      "usage: buildx-kit builder <ls|inspect|create|use|stop|rm> ...",
      "  builder ls [--json]                      every builder and its nodes",
      "  builder rm NAME [--keep-state] [--force] remove it",
    ]],
    ["merge", [
      "usage: buildx-kit merge -t TAG [-t TAG]... [--annotation A]... [--dry-run] [--json] SOURCE...",
      "  --dry-run   print the index instead of pushing it",
    ]],
  ])("%s --help (and -h, and help COMMAND) names its usage and options", async (command, lines) => {
    const r = await bx(rt, [command, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const got = r.stdout.split("\n");
    for (const line of lines) expect(got).toContain(line);
    expect((await bx(rt, [command, "-h"])).stdout).toBe(r.stdout);
    expect((await bx(rt, ["help", command])).stdout).toBe(r.stdout);
  });

  it("build --help lists the buildx flags from the flag table, with the buildx version newer ones need", async () => {
    const { stdout } = await bx(rt, ["build", "--help"]);
    expect(stdout).toMatch(/^ {2}-t, --tag {14}Image identifier/m);
    expect(stdout).toMatch(/^ {6}--platform {9}Set target platforms for the build\.$/m);
    expect(stdout).toMatch(/^ {6}--call {13}.*\(buildx >= 0\.15\.0\)$/m);
    expect(stdout).not.toMatch(/--platform .*\(buildx >=/);
  });
});

describe.each(NAMES)("buildx-kit on %s: bad input, in a real process", (rt) => {
  it("a real process says the same as main() in-process: exit 2, one paragraph on stderr, nothing on stdout; --debug adds the stack", async () => {
    for (const args of [["build", "--platfrom", "x", "."], ["bogus"], ["run", "--set"]]) {
      const spawned = await bx(rt, args);
      expect(spawned, args.join(" ")).toEqual({ ...(await inProcess(args)), signal: null });
      expect(spawned.code).toBe(2);
    }
    const debug = await bx(rt, ["--debug", "build", "--push", "."]);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^error: ValidationError: invalid build options \(1 problem\):\n/);
    expect(debug.stderr).toMatch(STACK_FRAME);
  });
});

describe.each(NAMES)("buildx-kit on %s: bad recipe files", (rt) => {
  it("recipe files that are missing or do not parse name the file", async () => {
    await badInputIn(rt, project, ["run", "missing.json"], "error: missing.json: invalid recipe (1 problem):\n  missing.json: no such file\n");
    await badInputIn(rt, project, ["recipe", "import", "missing.json"], "error: missing.json: cannot import (1 problem):\n  missing.json: no such file\n");
    await badInputIn(
      rt,
      project,
      ["recipe", "import", "bake.json", "--target", "api"],
      'error: bake.json: cannot import (1 problem):\n  bake.json: target: no target or group "api" (targets: web; groups: default)\n',
    );
  });
});

describe("buildx-kit: bad input is exit 2 and one paragraph (in-process)", () => {
  it("a misspelt flag is an error naming the flag meant, and its value is not taken for the context", async () => {
    const typo = [
      "error: invalid build options (1 problem):",
      "  error [misspelt-flag] --platfrom is not in buildx-kit's flag table; did you mean --platform?",
      "    hint: a flag this near a known one is taken for a typo; give a flag of a newer buildx in extraFlags",
      "",
    ].join("\n");
    await badInput(["build", "--platfrom", "x", "."], typo);
    // Written --flag=value it no longer reaches buildx either.
    await badInput(["build", "--platfrom=linux/amd64", "--dry-run", "."], typo);
  });

  it("an unknown flag far from any known one, taking the context as its value: the warning, then the error why it failed", async () => {
    await badInput(
      ["build", "--newer", "x", "."],
      [
        "warning [unknown-flag] extraFlags.newer: --newer is not in buildx-kit's flag table; passed to buildx unchecked",
        "  hint: an unknown flag takes a value only as --newer=VALUE",
        "error: invalid build options (1 problem):",
        '  error [two-contexts] context: a second build context "." (the first is "x")',
        '    hint: --newer is not a flag buildx-kit knows, so it did not take "x" as its value: write --newer=x',
        "",
      ].join("\n"),
    );
  });

  it("push without a tag: the plan's error; --debug adds the stack trace", async () => {
    const message = [
      "error: invalid build options (1 problem):",
      "  error [push-needs-tag] push: pushing needs a tag to know where the image goes",
      '    hint: add tag: "registry/repository:tag" (or name= in an image output)',
      "",
    ].join("\n");
    await badInput(["build", "--push", "."], message);
    const debug = await inProcess(["--debug", "build", "--push", "."]);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^error: ValidationError: invalid build options \(1 problem\):\n/);
    expect(debug.stderr).toContain("  error [push-needs-tag] push: pushing needs a tag to know where the image goes");
    expect(debug.stderr).toMatch(STACK_FRAME);
    expect(debug.stderr).toMatch(/^\s+at .*\bbuild\b/m);
  });

  it("unknown commands, with a suggestion when one is near", async () => {
    await badInput(["bogus"], 'error: unknown command "bogus" (buildx-kit --help lists them)\n');
    await badInput(["buidl", "-t", "x", "."], 'error: unknown command "buidl"; did you mean "build"? (buildx-kit --help lists them)\n');
    await badInput(["bild"], 'error: unknown command "bild"; did you mean "build"? (buildx-kit --help lists them)\n');
    await badInput(
      ["build", "-t", "a:1", "--save", "nope/x.json", "--dry-run", "."],
      "error: nope/x.json: not saved (1 problem):\n  nope/x.json: the folder nope does not exist\n",
    );
    await badInput(["bogus", "--help"], 'error: unknown command "bogus" (buildx-kit --help lists them)\n');
  });

  it("the parser's errors: an unknown one-letter flag, a flag with no value, a boolean given a word", async () => {
    await badInput(
      ["build", "-Z", "."],
      [
        "error: invalid build options (1 problem):",
        "  error [unknown-short-flag] -Z is not a flag of docker buildx build",
        "    hint: one-letter flags: -D (--debug), -f (--file), -o (--output), -q (--quiet), -t (--tag); write long flags with two dashes",
        "",
      ].join("\n"),
    );
    await badInput(
      ["build", ".", "--tag"],
      [
        "error: invalid build options (1 problem):",
        "  error [missing-value] tag: --tag needs a value",
        "    hint: write --tag=VALUE or --tag VALUE",
        "",
      ].join("\n"),
    );
    await badInput(
      ["build", "--push=maybe", "-t", "x:1", "."],
      [
        "error: invalid build options (1 problem):",
        '  error [invalid-value] push: --push takes true or false, got "maybe"',
        "    hint: write --push alone for true, or --push=false",
        "",
      ].join("\n"),
    );
  });

  it("buildx-kit's own flags and arguments", async () => {
    await badInput(["build", "--save"], "error: --save needs a value\n");
    await badInput(["build", "--force", "."], "error: --force replaces the file of --save; there is no --save here\n");
    await badInput(["doctor", "now"], "error: doctor takes no arguments (got now)\n");
    await badInput(["repl", "script.js"], "error: repl takes no arguments (got script.js)\n");
    await badInput(["run"], "error: run needs at least one recipe file: buildx-kit run RECIPE.json\n");
    await badInput(["run", "--bogus", "good.json"], "error: run does not know --bogus (buildx-kit run --help lists its options)\n");
    await badInput(["run", "--set"], "error: --set needs a value\n");
    await badInput(["recipe"], "error: recipe needs a subcommand: export, import or check\n");
    await badInput(["recipe", "verify", "good.json"], 'error: recipe needs a subcommand: export, import or check (got "verify")\n');
    await badInput(["recipe", "check"], "error: recipe check needs a recipe file\n");
    await badInput(["recipe", "export"], "error: recipe export needs at least one recipe file: buildx-kit recipe export FILE... [--bake OUT]\n");
    await badInput(
      ["recipe", "export", "a.json", "b.json", "--target", "x"],
      "error: --target names the target of one recipe; with several, each target is named after its recipe\n",
    );
    await badInput(
      ["recipe", "import", "a.json", "b.json"],
      "error: recipe import takes one bake file: buildx-kit recipe import BAKE [--target T] [--out FILE|DIR/]\n",
    );
  });
});

/** What `buildx-kit guide` says without a terminal, on stderr. */
const GUIDE_NO_TERMINAL = [
  "error: the guide asks its questions at a terminal, and stdin is not one",
  "hint: without a terminal, build with flags (buildx-kit build [flags] [context]) or rerun a saved recipe (buildx-kit run recipe.json)",
  "",
].join("\n");

/** `buildx-kit ARGS...` with stdin on /dev/null (stdout and stderr pipes). */
function withoutStdin(runtime: RuntimeName, args: readonly string[], env: Record<string, string> = {}): Promise<Ran> {
  const [file, ...pre] = commandFor(runtime);
  return new Promise((resolve, reject) => {
    const child = spawn(file!, [...pre, ...args], { cwd: project, env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe.each(NAMES)("buildx-kit on %s: the guide without a terminal", (rt) => {
  it("stdin a pipe (empty, or with answers in it), or CI=true: exit 2, says it needs a terminal and what to use instead", async () => {
    for (const [input, env] of [["", {}], ["app\n\n", {}], ["", { CI: "true" }]] as const) {
      const r = await bx(rt, ["guide"], { cwd: project, input, env });
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }, JSON.stringify({ input, env })).toEqual({ code: 2, stdout: "", stderr: GUIDE_NO_TERMINAL });
    }
    // --from is no different.
    const from = await bx(rt, ["guide", "--from", "good.json"], { cwd: project });
    expect({ code: from.code, stdout: from.stdout, stderr: from.stderr }).toEqual({ code: 2, stdout: "", stderr: GUIDE_NO_TERMINAL });
  });

  it("stdin on /dev/null: the same", async () => {
    for (const env of [{}, { CI: "true" }] as Record<string, string>[]) {
      const r = plain(await withoutStdin(rt, ["guide"], env));
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: "", stderr: GUIDE_NO_TERMINAL });
    }
  });
});

describe.each(NAMES)("buildx-kit on %s: dry runs and recipes (no build)", (rt) => {
  it("build --dry-run prints the exact command and nothing else", async () => {
    const r = await bx(rt, ["build", "--dry-run", "-t", "x:1", "app"], { cwd: project });
    // The whole invocation, to paste from any folder; --progress=plain because stderr is a pipe here,
    // as the real run would have it.
    expect(r).toEqual({ code: 0, signal: null, stdout: `cd ${project} && docker buildx build --load --progress=plain --tag=x:1 app\n`, stderr: "" });
    const pushed = await bx(rt, ["build", "--dry-run", "--push", "-t", "localhost:5000/x:1", "--platform", "linux/amd64,linux/arm64", "app"], { cwd: project });
    expect(pushed.stdout).toBe(
      `cd ${project} && docker buildx build --platform=linux/amd64,linux/arm64 --progress=plain --push --tag=localhost:5000/x:1 app\n`,
    );
  });

  it("build --dry-run --json prints a BuildResult that parses", async () => {
    const r = await bx(rt, ["build", "--dry-run", "--json", "-t", "x:1", "--build-arg", "A=b c", "app"], { cwd: project });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { ok: boolean; dryRun: boolean; argv: string[]; command: string };
    expect(result).toMatchObject({
      ok: true,
      dryRun: true,
      cwd: project,
      argv: [expect.stringMatching(/(^|\/)docker$/), "buildx", "build", "--build-arg=A=b c", "--load", "--progress=plain", "--tag=x:1", "app"],
    });
    expect(result.command).toBe(`cd ${project} && docker buildx build '--build-arg=A=b c' --load --progress=plain --tag=x:1 app`);
  });

  it("build --save FILE writes the recipe, refuses to replace it, and --force does", async () => {
    const file = `saved-${rt}.json`;
    const r = await bx(rt, ["build", "--dry-run", "--save", file, "-t", "x:1", "--label", "k=v", "app"], { cwd: project });
    expect(r).toEqual({
      code: 0,
      signal: null,
      stdout: `cd ${project} && docker buildx build --label=k=v --load --progress=plain --tag=x:1 app\n`,
      stderr: `saved ${file}\n`,
    });
    const recipe = JSON.parse(await readFile(join(project, file), "utf8"));
    expect(recipe).toMatchObject({ recipe: 1, name: `saved-${rt}`, options: { context: "app", label: { k: "v" }, tag: ["x:1"] } });
    await badInputIn(
      rt,
      project,
      ["build", "--dry-run", "--save", file, "app"],
      `error: ${file}: not saved (1 problem):\n  ${file}: already exists: pass overwrite (CLI: --force) to replace it\n`,
    );
    const forced = await bx(rt, ["build", "--dry-run", "--save", file, "--force", "-t", "y:2", "app"], { cwd: project });
    expect(forced.code).toBe(0);
    expect(JSON.parse(await readFile(join(project, file), "utf8")).options).toEqual({ context: "app", tag: ["y:2"] });
  });

  it("a build arg that looks like a credential: saved, with a warning", async () => {
    const file = `token-${rt}.json`;
    const r = await bx(rt, ["build", "--dry-run", "--save", file, "--build-arg", "TOKEN=abc", "app"], { cwd: project });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe([
      'warning: TOKEN looks like a credential: build args stay in the image\'s history; pass it as a secret instead (secret: "id=TOKEN,env=TOKEN" and RUN --mount=type=secret,id=TOKEN,env=TOKEN ...)',
      `saved ${file}`,
      "",
    ].join("\n"));
  });

  it("recipe check and run warn about a build arg that looks like a credential", async () => {
    await writeFile(join(project, `secretive-${rt}.json`), JSON.stringify({ recipe: 1, options: { context: "app", buildArg: { API_TOKEN: "abc" } } }));
    const warning =
      'warning: API_TOKEN looks like a credential: build args stay in the image\'s history; pass it as a secret instead (secret: "id=API_TOKEN,env=API_TOKEN" and RUN --mount=type=secret,id=API_TOKEN,env=API_TOKEN ...)';
    const file = `secretive-${rt}.json`;
    const checked = await bx(rt, ["recipe", "check", file], { cwd: project });
    expect(checked).toEqual({
      code: 0,
      signal: null,
      stdout: `${file}: ok\n`,
      stderr: `${warning.replace(/^warning: /, `warning: ${file}:1:52: options.buildArg.API_TOKEN: `)}\n`,
    });
    // Once, whether one recipe runs (with its progress) or several (quiet, each with its result).
    const ran = await bx(rt, ["run", "--dry-run", file], { cwd: project });
    expect(ran).toEqual({
      code: 0,
      signal: null,
      stdout: `cd ${project} && docker buildx build --build-arg=API_TOKEN=abc --load --progress=plain app\n`,
      stderr: `${warning.replace(/^warning: /, `warning: ${file}: options.buildArg.API_TOKEN: `)}\n`,
    });
    const two = await bx(rt, ["run", "--dry-run", file, "good.json"], { cwd: project });
    expect(two.stderr.split("\n").filter((l) => l.includes("looks like a credential"))).toHaveLength(1);
  });

  it("--save under a file, not a folder: exit 2, the path as typed, no stack trace (was an unexpected ENOTDIR, issue 14)", async () => {
    const r = await bx(rt, ["build", "--dry-run", "--save", "/etc/hostname/x.json", "app"], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("error: /etc/hostname/x.json: not saved (1 problem):\n  /etc/hostname/x.json: /etc/hostname is a file, not a folder\n");
    const debug = await bx(rt, ["build", "--debug", "--dry-run", "--save", "/etc/hostname/x.json", "app"], { cwd: project });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^error: RecipeError: \/etc\/hostname\/x\.json: not saved \(1 problem\):\n/);
    expect(debug.stderr).toMatch(STACK_FRAME);
  });

  it("run --dry-run prints the recipe's command; from another folder, paths are the recipe's", async () => {
    const r = await bx(rt, ["run", "--dry-run", "good.json"], { cwd: project });
    expect(r).toEqual({
      code: 0,
      signal: null,
      stdout: `cd ${project} && docker buildx build '--build-arg=GREETING=from a recipe' --load --progress=plain --tag=buildx-kit-cli-test/good:1 app\n`,
      stderr: "",
    });
    const several = await bx(rt, ["run", "--dry-run", join(project, "good.json"), "--set", "tag=z:9", join(project, "good.json")], { cwd: "/" });
    expect(several.code).toBe(0);
    expect(several.stdout.split("\n")).toEqual([
      // Pasted from here ("/"), each still runs in the recipe's folder; several at once run quiet.
      `${join(project, "good.json")}: cd ${project} && docker buildx build '--build-arg=GREETING=from a recipe' --load --progress=quiet --tag=z:9 app`,
      `${join(project, "good.json")}: cd ${project} && docker buildx build '--build-arg=GREETING=from a recipe' --load --progress=quiet --tag=z:9 app`,
      "",
    ]);
  });

  it("a dry run tells what the real run would: the same warnings, and the same exit code for what this buildx lacks", async () => {
    // push with a local output: the warning that the real run prints, before the command.
    const pushLocal = await bx(rt, ["build", "--dry-run", "--push", "-t", "localhost:5000/x:1", "-o", "type=local,dest=out", "app"], { cwd: project });
    expect(pushLocal.code).toBe(0);
    expect(pushLocal.stderr).toMatch(/^warning \[[\w-]+\] push: /m);
    expect(pushLocal.stdout).toBe(`cd ${project} && docker buildx build --output=type=local,dest=out --progress=plain --tag=localhost:5000/x:1 app\n`);
  });

  it.skipIf(!engine.ok)("--dry-run --check exits 2 on buildx 0.13.1 as the real run does; --offline plans for the latest buildx", async () => {
    const dry = await bx(rt, ["build", "--dry-run", "--check", "app"], { cwd: project });
    const real = await bx(rt, ["build", "--check", "app"], { cwd: project });
    expect(dry.code).toBe(2);
    expect(real.code).toBe(2);
    expect(dry.stderr).toBe(real.stderr);
    expect(dry.stderr).toContain("needs buildx >= 0.15.0");
    const offline = await bx(rt, ["build", "--dry-run", "--offline", "--check", "app"], { cwd: project });
    expect(offline).toMatchObject({ code: 0, stdout: `cd ${project} && docker buildx build --check --progress=plain app\n` });
    await badInputIn(rt, project, ["build", "--offline", "app"], "error: --offline plans without looking at this machine, so it goes with --dry-run only\n");
    await badInputIn(
      rt,
      project,
      ["run", "--offline", "good.json"],
      "error: --offline plans without looking at this machine, so it goes with --dry-run only\n",
    );
  });

  it("the printed command runs pasted into sh and bash from another folder, even for a folder named like a command", async () => {
    const odd = join(await tempDir("paste"), "x $(touch pwned) 'q'");
    await mkdir(join(odd, "app"), { recursive: true });
    await writeFile(join(odd, "app", "Dockerfile"), "FROM scratch\n");
    const dry = await bx(rt, ["build", "--dry-run", "--offline", "-o", "type=local,dest=out", "app"], { cwd: odd });
    expect(dry.code, dry.stderr).toBe(0);
    const printed = dry.stdout.trimEnd();
    expect(printed.startsWith(`cd '${odd.replaceAll("'", "'\\''")}' && docker buildx build `)).toBe(true);
    // Swap docker for echo: what the shell hands over must be the same words, from the same folder.
    for (const shell of ["sh", "bash"]) {
      const ran = await run(shell, ["-c", `${printed.replace("&& docker ", "&& pwd && echo docker ")}`], { cwd: "/" });
      expect(ran.stdout).toBe(`${odd}\ndocker buildx build --output=type=local,dest=out --progress=plain app\n`);
    }
    expect(existsSync(join("/", "pwned"))).toBe(false);
  });

  it("recipe export's ready-to-paste line is quoted: a folder named like a command runs nothing when pasted", async () => {
    const odd = join(await tempDir("export"), "x $(touch pwned) 'q'");
    await mkdir(join(odd, "app"), { recursive: true });
    await writeFile(join(odd, "app", "Dockerfile"), "FROM scratch\n");
    await writeFile(join(odd, "r.json"), JSON.stringify({ recipe: 1, name: "r", options: { context: "app", output: "type=cacheonly" } }));
    const r = await bx(rt, ["recipe", "export", "r.json", "--bake", "bake.json"], { cwd: odd });
    expect(r.code, r.stderr).toBe(0);
    const line = r.stderr.split("\n").find((l) => l.startsWith("wrote bake.json: build it with "))!;
    const pasted = line.slice("wrote bake.json: build it with ".length);
    expect(pasted).toBe(`cd '${odd.replaceAll("'", "'\\''")}' && docker buildx bake -f bake.json r`);
    for (const shell of ["sh", "bash"]) {
      const ran = await run(shell, ["-c", pasted.replace("&& docker ", "&& pwd && echo docker ")], { cwd: "/" });
      expect(ran.stdout).toBe(`${odd}\ndocker buildx bake -f bake.json r\n`);
    }
    expect(existsSync(join("/", "pwned"))).toBe(false);
    expect(existsSync(join(odd, "..", "pwned"))).toBe(false);
  });

  it("recipe check: a good recipe is ok (exit 0); a bad one names the path of every problem (exit 2)", async () => {
    expect(await bx(rt, ["recipe", "check", "good.json"], { cwd: project })).toEqual({ code: 0, signal: null, stdout: "good.json: ok\n", stderr: "" });
    const json = await bx(rt, ["recipe", "check", "--json", "good.json"], { cwd: project });
    expect(JSON.parse(json.stdout)).toMatchObject({ path: "good.json", ok: true, options: { context: "app", tag: ["buildx-kit-cli-test/good:1"] } });
    const problems = [
      "error: bad.json: invalid recipe (3 problems):",
      "  bad.json:5:12: options.tag: expects a string, got the number 5",
      '  bad.json:6:13: options.push: expects true or false, got the string "yes"',
      "  bad.json:7:5: options.platfrom: is not a buildx build option; did you mean platform? Flags buildx-kit does not know go in extraFlags.",
      "",
    ].join("\n");
    await badInputIn(rt, project, ["recipe", "check", "bad.json"], problems);
    // Each file in turn: the good one says so, the bad one fails the command.
    const both = await bx(rt, ["recipe", "check", "good.json", "bad.json"], { cwd: project });
    expect(both).toEqual({ code: 2, signal: null, stdout: "good.json: ok\n", stderr: problems });
  });

  it("recipe import: a bake target becomes a recipe, on stdout or --out FILE", async () => {
    const r = await bx(rt, ["recipe", "import", "bake.json"], { cwd: project });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const recipe = JSON.parse(r.stdout);
    expect(recipe).toMatchObject({
      recipe: 1,
      name: "web",
      options: { context: "app", file: "app/Dockerfile", buildArg: { GREETING: "from bake" }, label: { "org.example.team": "web" } },
    });
    expect([recipe.options.tag].flat()).toEqual(["buildx-kit-cli-test/web:1"]);
    const out = `imported-${rt}.json`;
    const written = await bx(rt, ["recipe", "import", "bake.json", "--target", "web", "--out", out], { cwd: project });
    expect(written).toEqual({ code: 0, signal: null, stdout: "", stderr: `wrote ${out} (target web)\n` });
    expect(JSON.parse(await readFile(join(project, out), "utf8"))).toEqual(recipe);
    await badInputIn(
      rt,
      project,
      ["recipe", "import", "bake.json", "--out", out],
      `error: ${out}: not saved (1 problem):\n  ${out}: already exists: pass overwrite (CLI: --force) to replace it\n`,
    );
    expect((await bx(rt, ["recipe", "check", out], { cwd: project })).stdout).toBe(`${out}: ok\n`);
  });
});

describe.skipIf(!engine.ok).each(NAMES)("buildx-kit on %s: bake files both ways (no build)", (rt) => {
  it("recipe export of recipes in two folders into a third; recipe import of every target into a folder", async () => {
    const root = await tempDir("bake-both");
    for (const d of ["one", "two", "bake", "recipes"]) await mkdir(join(root, d), { recursive: true });
    await writeFile(join(root, "one/r.json"), JSON.stringify({ recipe: 1, name: "web", options: { context: ".", output: "type=cacheonly" } }));
    await writeFile(join(root, "two/r.json"), JSON.stringify({ recipe: 1, name: "web", options: { context: "app", output: "type=local,dest=out" } }));
    const r = await bx(rt, ["recipe", "export", "one/r.json", "two/r.json", "--bake", "bake/docker-bake.json"], { cwd: root });
    expect(r).toEqual({
      code: 0,
      signal: null,
      stdout: "",
      stderr:
        `info [bake-allow-left-out] buildx 0.20.0 and later ask for --allow=fs.read=${root}/one --allow=fs=${root}/two to reach outside ${root}/bake; this buildx (0.13.1) has no bake --allow, so the command leaves it out\n` +
        `wrote bake/docker-bake.json: build it with cd ${root}/bake && docker buildx bake -f docker-bake.json\n`,
    });
    expect(JSON.parse(await readFile(join(root, "bake/docker-bake.json"), "utf8"))).toEqual({
      group: { default: { targets: ["web", "web-2"] } },
      target: { web: { context: "../one", output: ["type=cacheonly"] }, "web-2": { context: "../two/app", output: ["type=local,dest=../two/out"] } },
    });
    // Back: every target, one recipe each, paths from the bake file's folder to the recipes'.
    await badInputIn(
      rt,
      root,
      ["recipe", "import", "bake/docker-bake.json"],
      "error: bake/docker-bake.json has 2 targets (web, web-2): import them into a folder (--out DIR/) or choose one (--target NAME)\n",
    );
    const back = await bx(rt, ["recipe", "import", "bake/docker-bake.json", "--out", "recipes/"], { cwd: root });
    expect(back).toEqual({ code: 0, signal: null, stdout: "", stderr: "wrote recipes/web.json (target web)\nwrote recipes/web-2.json (target web-2)\n" });
    expect(JSON.parse(await readFile(join(root, "recipes/web-2.json"), "utf8")).options).toEqual({
      context: "../two/app",
      file: "../two/app/Dockerfile",
      output: "type=local,dest=../two/out",
    });
    const one = await bx(rt, ["recipe", "import", "../bake/docker-bake.json", "--target", "web"], { cwd: join(root, "one") });
    expect(JSON.parse(one.stdout).options).toEqual({ context: ".", file: "Dockerfile", output: "type=cacheonly" });
  });
});

describe.each(NAMES)("buildx-kit on %s: doctor", (rt) => {
  it.skipIf(!engine.ok)("with the healthy engine: exit 0, the versions, the store, and each feature with why not", async () => {
    const r = await bx(rt, ["doctor"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n");
    expect(lines).toContain("  buildx       0.13.1");
    expect(lines).toContain("  builder      default (driver docker)");
    expect(lines).toContain("  image store  containerd");
    expect(lines).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ {2}docker {7}\/\S+\/docker buildx$/), expect.stringMatching(/^ {2}engine {7}26\./)]),
    );
    expect(lines).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ {2}builds run {3}\/\S+\/cli-plugins\/docker-buildx \(the plugin docker runs, started directly\)$/)]),
    );
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^ {4}platforms {2}linux\/amd64/)]));
    expect(lines).toContain("features:");
    expect(lines).toContain("  no  --call: needs buildx >= 0.15.0 (installed 0.13.1)");
    expect(lines).toContain("  no  --check: needs buildx >= 0.15.0 (installed 0.13.1)");
    expect(lines).toContain("  yes --attest");
    expect(lines).toContain("  yes loading several platforms at once");
    expect(lines).toContain("  yes attestations kept with the image");
    expect(lines.at(-2)).toBe("healthy: this machine can build");
    const json = await bx(rt, ["doctor", "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ buildxVersion: "0.13.1", driver: "docker", containerdImageStore: true, problems: [] });
  });

  it("with a docker whose daemon is down: exit 1 and the reason", async () => {
    // DOCKER_HOST off the unix socket, so the engine is asked through (the fake) `docker info`.
    const env = { ...(await fakePath(BROKEN_DAEMON)), DOCKER_HOST: "tcp://127.0.0.1:1" };
    const r = await bx(rt, ["doctor"], { env });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n");
    expect(lines).toContain("  engine       not reachable");
    expect(lines).toContain("  buildx       0.13.1");
    expect(lines).toContain("  builder      not inspected");
    expect(lines).toContain("  no  loading several platforms at once: the builder could not be inspected");
    expect(lines.slice(-3, -1)).toEqual([
      "not healthy: this machine cannot build (daemon-unreachable)",
      `  - the Docker daemon is not reachable: ${DAEMON_DOWN} [daemon-unreachable]`,
    ]);
    // A build is refused before buildx runs, with the same reason doctor gives (one answer), and exits 1.
    const built = await bx(rt, ["build", "-t", "x:1", "."], { env, cwd: project });
    expect(built.code).toBe(1);
    expect(built.stderr).toBe(
      `error: cannot build: the Docker daemon is not reachable: ${DAEMON_DOWN}\n` +
        'hint: start the Docker daemon (systemctl start docker), or pick a remote builder with --builder; --dry-run prints the command without running it, and "buildx-kit doctor" says what this machine lacks\n',
    );
  });

  it("with a docker that has no buildx: exit 1 and the reason", async () => {
    const env = { ...(await fakePath(NO_BUILDX)), DOCKER_HOST: "tcp://127.0.0.1:1" };
    const r = await bx(rt, ["doctor"], { env });
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")).toContain("  engine       26.1.5");
    expect(r.stdout.split("\n").slice(-3, -1)).toEqual([
      "not healthy: this machine cannot build (no-buildx)",
      "  - buildx is not installed: docker: 'buildx' is not a docker command. [no-buildx]",
    ]);
  });

  it("with a buildx older than buildx-kit supports: exit 1; features it lacks say which version they need", async () => {
    const inspect =
      "Name:   default\nDriver: docker\n\nNodes:\nName:      default\nEndpoint:  default\nStatus:    running\nBuildkit:  v0.10.6\nPlatforms: linux/amd64\n";
    const env = { ...(await fakePath(fakeBuildx("github.com/docker/buildx v0.7.1 05846896", { stdout: inspect }))), DOCKER_HOST: "tcp://127.0.0.1:1" };
    const r = await bx(rt, ["doctor"], { env });
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines).toContain("    node       default: running, BuildKit v0.10.6");
    expect(lines).toContain("  no  --attest: needs buildx >= 0.10.0 (installed 0.7.1)");
    expect(lines).toContain("  no  attestations kept with the image: needs buildx >= 0.10.0 (installed 0.7.1)");
    expect(lines.slice(-3, -1)).toEqual([
      "not healthy, but this machine can build:",
      "  - buildx 0.7.1 is older than 0.8.0, the oldest buildx-kit supports [buildx-too-old]",
    ]);
  });

  it("with a builder that cannot be inspected: exit 1 and buildx's reason", async () => {
    const docker = fakeBuildx("github.com/docker/buildx v0.13.1 788433953af10f2a698f5c07611dcdeb2b2f8b2f", { stderr: 'ERROR: no builder "ci" found' });
    const env = { ...(await fakePath(docker)), DOCKER_HOST: "tcp://127.0.0.1:1", BUILDX_BUILDER: "ci" };
    const r = await bx(rt, ["doctor"], { env });
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n").slice(-3, -1)).toEqual([
      "not healthy: this machine cannot build (builder-unavailable)",
      '  - cannot inspect builder ci: no builder "ci" found [builder-unavailable]',
    ]);
  });

  it("with no docker at all: doctor exits 1, build and run refuse with the reason, --dry-run still plans", async () => {
    const env = await fakePath(null);
    const r = await bx(rt, ["doctor"], { env });
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines).toContain("  docker       not found");
    expect(lines).toContain("  no  --attest: no buildx");
    expect(lines.slice(-3, -1)).toEqual(["not healthy: this machine cannot build (no-docker)", "  - no docker (and no standalone buildx) on PATH [no-docker]"]);
    const refusal = [
      "error: cannot build: no docker (and no standalone buildx) on PATH",
      'hint: install Docker with buildx; --dry-run prints the command without running it, and "buildx-kit doctor" says what this machine lacks',
      "",
    ].join("\n");
    expect(await bx(rt, ["build", "-t", "x:1", "app"], { env, cwd: project })).toEqual({ code: 1, signal: null, stdout: "", stderr: refusal });
    expect(await bx(rt, ["run", "good.json"], { env, cwd: project })).toEqual({ code: 1, signal: null, stdout: "", stderr: refusal });
    expect((await bx(rt, ["build", "--dry-run", "-t", "x:1", "app"], { env, cwd: project })).stdout).toBe(
      `cd ${project} && docker buildx build --load --progress=plain --tag=x:1 app\n`,
    );
  });
});

describe.skipIf(!engine.ok).each(NAMES)("buildx-kit on %s: real builds", (rt) => {
  it("build -t NAME --label k=v DIR: the image is in the store with the label; the summary names it", async () => {
    const name = trackImage(`buildx-kit-cli-test/${rt}-${nonce()}:1`);
    const r = await bx(rt, ["build", "-t", name, "--label", `made.by=${rt}`, "--build-arg", `GREETING=built on ${rt}`, "app"], { cwd: project });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^built in \\d+\\.\\ds  docker\\.io/${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}  sha256:[0-9a-f]{64}\\n$`));
    // Not at a terminal: buildx's plain progress on stderr.
    expect(r.stderr).toMatch(/^#\d+ naming to docker\.io\//m);
    expect(await labelOf(name, "made.by")).toBe(rt);
    expect(await imageSays(name)).toBe(`built on ${rt}\n`);
  });

  it("build --save FILE, then run FILE rebuilds it (plain and --json)", async () => {
    const name = trackImage(`buildx-kit-cli-test/${rt}-${nonce()}:2`);
    const file = `rebuild-${rt}.json`;
    const built = await bx(rt, ["build", "--save", file, "-t", name, "--label", "k=v", "app"], { cwd: project });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toMatch(new RegExp(`^saved ${file}$`, "m"));
    await run("docker", ["rmi", name]);
    expect(await labelOf(name, "k")).toBeNull();

    const again = await bx(rt, ["run", file], { cwd: project });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^built in \d+\.\ds {2}docker\.io\/\S+ {2}sha256:[0-9a-f]{64}\n$/);
    expect(await labelOf(name, "k")).toBe("v");

    const json = await bx(rt, ["run", "--json", file], { cwd: project });
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { path: string; ok: boolean; result: { ok: boolean; imageName: string; digest: string } };
    expect(parsed).toMatchObject({ path: file, ok: true, result: { ok: true, imageName: `docker.io/${name}` } });
    expect(parsed.result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("recipe export --bake OUT, then docker buildx bake -f OUT builds the same image", async () => {
    const name = trackImage(`buildx-kit-cli-test/${rt}-${nonce()}:3`);
    const recipe = `bake-${rt}.json`;
    await writeFile(
      join(project, recipe),
      JSON.stringify({ recipe: 1, name: `bake-${rt}`, options: { context: "app", tag: [name], label: { via: "bake" }, buildArg: { GREETING: "baked" } } }),
    );
    const out = `docker-bake-${rt}.json`;
    const r = await bx(rt, ["recipe", "export", recipe, "--bake", out], { cwd: project });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "info [bake-load-as-output] load: is on by default (no push, no output): written as output type=docker\n" +
        `wrote ${out}: build it with cd ${project.replace(/\/$/, "")} && docker buildx bake -f ${out} bake-${rt}\n`,
    );
    const baked = await run("docker", ["buildx", "bake", "-f", out], { cwd: project });
    expect(baked.code, baked.stderr).toBe(0);
    expect(await labelOf(name, "via")).toBe("bake");
    expect(await imageSays(name)).toBe("baked\n");
    // On stdout without --bake, and never over an existing file.
    const printed = await bx(rt, ["recipe", "export", recipe], { cwd: project });
    expect(JSON.parse(printed.stdout)).toEqual(JSON.parse(await readFile(join(project, out), "utf8")));
    await badInputIn(
      rt,
      project,
      ["recipe", "export", recipe, "--bake", out],
      `error: ${out}: not saved (1 problem):\n  ${out}: already exists: pass overwrite (CLI: --force) to replace it\n`,
    );
  });

  it("a broken Dockerfile: exit 1, one paragraph with buildx's ERROR line, a hint and the command; no stack trace", async () => {
    const r = await bx(rt, ["build", "broken"], { cwd: project });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const paragraph = r.stderr.slice(r.stderr.indexOf("error: "));
    expect(paragraph).toMatch(
      new RegExp([
        "^error: docker buildx build exited with code 1",
        "ERROR: failed to solve: dockerfile parse error on line 2: unknown instruction: RUNN \\(did you mean RUN\\?\\)",
        "hint: the Dockerfile does not parse: fix the line the error names",
        `command: cd ${project} && docker buildx build --load --progress=plain broken\n$`,
      ].join("\n")),
    );
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr).not.toContain("--debug");
  });

  it("an unknown flag written --flag=value goes to buildx, which refuses it: warned once, then buildx's words and a hint (exit 1)", async () => {
    const r = await bx(rt, ["build", "--no-such-flag=linux/amd64", "app"], { cwd: project });
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").filter((l) => l.includes("is not in buildx-kit's flag table"))).toEqual([
      "warning [unknown-flag] extraFlags.no-such-flag: --no-such-flag is not in buildx-kit's flag table; passed to buildx unchecked",
    ]);
    expect(r.stderr).toContain("  hint: an unknown flag takes a value only as --no-such-flag=VALUE\n");
    expect(r.stderr).toMatch(
      new RegExp(
        [
          "^error: docker buildx build exited with code 125",
          "unknown flag: --no-such-flag",
          "See 'docker buildx build --help'\\.",
          "hint: this buildx does not know --no-such-flag: upgrade buildx, or leave the option out \\(buildx-kit's flag table names the version each flag needs\\)",
          `command: cd ${project} && docker buildx build --load --progress=plain --no-such-flag=linux/amd64 app$`,
        ].join("\n"),
        "m",
      ),
    );
  });

  it("a failing recipe among several: each result on its own line, exit 1", async () => {
    await writeFile(join(project, `broken-${rt}.json`), JSON.stringify({ recipe: 1, options: { context: "broken", output: "type=cacheonly" } }));
    await writeFile(join(project, `fine-${rt}.json`), JSON.stringify({ recipe: 1, options: { context: "app", output: "type=cacheonly" } }));
    const r = await bx(rt, ["run", `broken-${rt}.json`, `fine-${rt}.json`], { cwd: project });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^fine-${rt}\\.json: built in \\d+\\.\\ds\\n$`));
    expect(r.stderr).toMatch(
      new RegExp(`^broken-${rt}\\.json: failed: docker buildx build exited with code 1\\nERROR: failed to solve: dockerfile parse error`, "m"),
    );
  });

  it("Ctrl-C during a build: exit 130 (or death by SIGINT), and no buildx or RUN step left running", async () => {
    const nap = 600 + Math.floor(Math.random() * 9000);
    const [file, ...pre] = commandFor(rt);
    // As at a terminal: the CLI leads its own process group, and Ctrl-C signals the whole group.
    const child = spawn(file!, [...pre, "build", "--output=type=cacheonly", `--build-arg=NAP=${nap}`, "sleep"], {
      cwd: project,
      env: cliEnv(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on("exit", (code, signal) => r({ code, signal })));
    const ours = async () =>
      (await processes()).filter((p) => p.args.includes(`NAP=${nap}`) || /^(?:\S*\/)?sleep\s/.test(p.args) && p.args.trim().endsWith(` ${nap}`));
    try {
      const started = await waitFor(async () => (await ours()).some((p) => p.args.trim().endsWith(`sleep ${nap}`)), 60_000);
      expect(started, `the RUN step never started; stderr:\n${stderr}`).toBe(true);
      process.kill(-child.pid!, "SIGINT");
      const { code, signal } = await exited;
      expect(code === 130 || signal === "SIGINT", `code ${code}, signal ${signal}, stderr:\n${stderr}`).toBe(true);
      expect(await waitFor(async () => (await ours()).length === 0, 20_000), (await ours()).map((p) => p.args).join("\n")).toBe(true);
      expect(stderr).not.toMatch(STACK_FRAME);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    }
  });
});
