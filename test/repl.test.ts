/**
 * `buildx-kit repl` driven through its stdin (a pipe) on Node, Deno and Bun, as a script or an
 * editor would drive it: expressions, declarations kept across lines, top-level await, the API in
 * scope, the dot-commands, errors that do not end the session, the history file, and the end of
 * input (Ctrl-D) ending it with exit 0. The terminal side (arrows, Ctrl-C) is test/cli-tmux.test.ts.
 */
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvaluator, holdsSecret, isIncomplete, KEPT_OUT_OF_HISTORY, show } from "../lib/cli/repl.ts";
import type { BuildResult } from "../lib/core/result.ts";
import { ANSI, cleanup, cli, fakePath, nonce, projectCopy, type Ran, type RuntimeName, RUNTIMES, tempDir, trackImage } from "./fixtures/cli/support.ts";
import { requireEngine } from "./support/engine.ts";

const engine = await requireEngine();
const NAMES = RUNTIMES.map(([name]) => name);
const BANNER = "buildx-kit REPL: the API is loaded and await works. .help for commands, .exit or Ctrl-D to leave.";

afterAll(cleanup);

let project = "";
beforeAll(async () => {
  project = await projectCopy("repl");
});

/** A REPL session fed `lines` on stdin, with a HOME of its own (its history file). */
async function repl(
  runtime: RuntimeName,
  lines: readonly string[],
  options: { home?: string; env?: Record<string, string> } = {},
): Promise<Ran & { home: string }> {
  const home = options.home ?? (await tempDir("repl-home"));
  const r = await cli(runtime, ["repl"], { cwd: project, input: lines.map((l) => `${l}\n`).join(""), env: { HOME: home, ...options.env }, timeoutMs: 90_000 });
  expect(r.stdout, "stdout has an ANSI escape").not.toMatch(ANSI);
  expect(r.stderr, "stderr has an ANSI escape").not.toMatch(ANSI);
  return { ...r, home };
}

/** The output after the banner, prompts removed (they show only while input is still open). */
function said(r: Ran): string {
  expect(r.stdout.startsWith(`${BANNER}\n`), r.stdout).toBe(true);
  return r.stdout.slice(BANNER.length + 1).replaceAll("buildx-kit> ", "");
}

describe.each(NAMES)("the REPL on %s, through its input", (rt) => {
  it("evaluates expressions; declarations last across lines; .exit leaves with exit 0", async () => {
    const r = await repl(rt, [
      "1+1",
      "const greeting = 'hi'",
      "let n = 40",
      "n + 2",
      "`${greeting} ${n}`",
      "[1, 2].map((x) => x * 2)",
      ".exit",
      "'not evaluated'",
    ]);
    expect(r.code, r.stderr).toBe(0);
    // Declarations show nothing, as in node's REPL.
    expect(said(r)).toBe(["2", "42", "'hi 40'", "[ 2, 4 ]", ""].join("\n"));
  });

  it("declarations of every form last across lines, as in node's REPL, and none lands on globalThis", async () => {
    const r = await repl(rt, [
      "const x = 1, y = 2",
      "x + y",
      "const { a, b: [c] } = { a: 3, b: [4] }",
      "const [p, , q = 5] = [6, 7]",
      "[a, c, p, q]",
      "let n = 1",
      "n += 1",
      "var v = 'v'",
      "function f(k) { return k * 10 + n }",
      "f(x)",
      "class C { get sum() { return x + y + a } }",
      "new C().sum",
      "async function g() { return await Promise.resolve(v) }",
      "const got = await g()",
      "got",
      "let [s] = [8]",
      "s",
      // Over several lines; a comment before it.
      "/* kept */ function h() {",
      "  return s * 2",
      "}",
      "h()",
      // Declared again: the new binding hides the old one.
      "const x = 10",
      "x",
      // The REPL's own process: nothing was put on its globalThis.
      "['x', 'y', 'a', 'b', 'c', 'p', 'q', 'n', 'v', 'f', 'C', 'g', 'got', 's', 'h'].filter((k) => k in globalThis || globalThis[k] !== undefined)",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(said(r)).toBe(["3", "[ 3, 4, 6, 5 ]", "2", "12", "6", "'v'", "8", "16", "10", "[]", ""].join("\n"));
  });

  it(".run FILE takes run's arguments: --dry-run prints the command and starts nothing; --set changes the options", async () => {
    // A docker that notes every call: a dry run may probe it, but starts no build.
    const log = join(await tempDir("docker-log"), "calls");
    const env = { ...(await fakePath(`echo "$*" >> '${log}'; exit 1`)) };
    const r = await repl(rt, [
      ".run good.json --dry-run",
      ".run good.json --set tag=localhost:5000/other:2 --dry-run --set buildArg.GREETING=hi",
      '.run good.json --dry-run --set "buildArg.GREETING=two words"',
      ".run --dry-run",
      ".run good.json bad.json --dry-run",
      ".run good.json --bogus",
      ".run good.json --dry-run --set",
      ".run good.json --dry-run --metadata-file meta",
    ], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(said(r)).toBe([
      "BuildResult (dry run)",
      `  cd ${project} && docker buildx build '--build-arg=GREETING=from a recipe' --load --progress=plain --tag=buildx-kit-cli-test/good:1 app`,
      "BuildResult (dry run)",
      `  cd ${project} && docker buildx build --build-arg=GREETING=hi --load --progress=plain --tag=localhost:5000/other:2 app`,
      "BuildResult (dry run)",
      `  cd ${project} && docker buildx build '--build-arg=GREETING=two words' --load --progress=plain --tag=buildx-kit-cli-test/good:1 app`,
      ".run needs a recipe file",
      ".run takes one recipe file (got 2); buildx-kit run builds several at once",
      "run does not know --bogus (buildx-kit run --help lists its options)",
      "--set needs a value",
      ".run does not write metadata files: the result's metadata is in .run --json; buildx-kit run --metadata-file DIR writes them",
      "",
    ].join("\n"));
    const calls = await readFile(log, "utf8").catch(() => "");
    expect(calls.split("\n").filter((l) => /\bbuild\b/.test(l)), "a build was started").toEqual([]);
  });

  it(".run FILE --dry-run --json prints the BuildResult as JSON", async () => {
    const r = await repl(rt, [".run good.json --dry-run --json --set tag=a:9"]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(said(r)) as { dryRun: boolean; argv: string[] };
    expect(result.dryRun).toBe(true);
    expect(result.argv).toContain("--tag=a:9");
  });

  it("the end of input (Ctrl-D) ends it with exit 0", async () => {
    const r = await repl(rt, ["6*7"]);
    expect(r.code).toBe(0);
    expect(said(r)).toBe("42\n");
  });

  it.skipIf(!engine.ok)("top-level await and the API in scope: plan, build (a dry run), the template, recipes", async () => {
    const r = await repl(rt, [
      "(await plan({ push: true, tag: 'x:1' })).argv",
      "plan({ push: true, tag: 'x:1' }).diagnostics.map((d) => d.code)",
      "await build({ tag: ['a:1'], context: 'app' }, { dryRun: true })",
      "await buildx.dry`-t a:2 --push app`",
      "typeof loadRecipe + typeof saveRecipe + typeof runRecipe + typeof toBake + typeof fromBake + typeof $ + typeof probe + typeof health",
      "(await loadRecipe('good.json')).options.tag",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(said(r)).toBe([
      "[ 'docker', 'buildx', 'build', '--push', '--tag=x:1', '.' ]",
      "[ 'push-disables-load', 'buildx-version-unknown' ]",
      // A BuildResult as a short summary, not a wall of JSON.
      // Dry runs plan against this machine, as a real run would run here (stderr is a pipe: plain progress).
      "BuildResult (dry run)",
      `  cd ${project} && docker buildx build --load --progress=plain --tag=a:1 app`,
      "BuildResult (dry run)",
      `  cd ${project} && docker buildx build --progress=plain --push --tag=a:2 app`,
      "'functionfunctionfunctionfunctionfunctionfunctionfunctionfunction'",
      "[ 'buildx-kit-cli-test/good:1' ]",
      "",
    ].join("\n"));
  });

  it.skipIf(!engine.ok)(".dry FLAGS prints the command and every diagnostic, without running anything", async () => {
    const r = await repl(rt, [".dry -t a:1 --push .", ".dry --platfrom x --newer=y .", '.dry -t "a b" --build-arg "X=y z" .']);
    expect(r.code, r.stderr).toBe(0);
    // Planned against this machine (buildx 0.13.1), as the real run would be: no "not probed" note.
    expect(said(r)).toBe([
      `cd ${project} && docker buildx build --progress=plain --push --tag=a:1 .`,
      "info [push-disables-load] load: is off because push is on",
      "  hint: set load: true to load as well (buildx >= 0.13.0)",
      // Errors: no command, as if it would run; a typo names the flag meant; the parser's warning
      // for an unknown flag once, not again from the plan.
      "not runnable as written:",
      "error [misspelt-flag] --platfrom is not in buildx-kit's flag table; did you mean --platform?",
      "  hint: a flag this near a known one is taken for a typo; give a flag of a newer buildx in extraFlags",
      "warning [unknown-flag] extraFlags.newer: --newer is not in buildx-kit's flag table; passed to buildx unchecked",
      "  hint: an unknown flag takes a value only as --newer=VALUE",
      "info [load-by-default] load: is on: with no push and no output the image is loaded into the image store",
      "  hint: the docker driver loads the result even with load: false; to keep it out of the image store, use output: type=cacheonly",
      // Quotes keep their spaces.
      "not runnable as written:",
      "info [load-by-default] load: is on: with no push and no output the image is loaded into the image store",
      "  hint: the docker driver loads the result even with load: false; to keep it out of the image store, use output: type=cacheonly",
      'error [invalid-tag] tag[0]: "a b" contains whitespace',
      "",
    ].join("\n"));
  });

  it(".help lists the API and the dot-commands", async () => {
    const out = said(await repl(rt, [".help"]));
    const lines = out.split("\n");
    expect(lines[0]).toBe("The API is in scope: buildx, build, plan, probe, health, healthReport, supportsAttestation,");
    for (const cmd of [".guide", ".run FILE", ".dry FLAGS...", ".doctor", ".help", ".exit"]) {
      expect(lines.some((l) => l.startsWith(`  ${cmd} `)), `${cmd} in:\n${out}`).toBe(true);
    }
    expect(lines).toContain("  .exit           leave (Ctrl-D works too)");
  });

  it("mistakes are reported and the session goes on", async () => {
    const r = await repl(rt, ["nope + 1", "throw 'plain'", ".bogus", ".run", "await build({ push: true }, { dryRun: true })", "'still here'"]);
    expect(r.code).toBe(0);
    expect(said(r)).toBe([
      "Uncaught ReferenceError: nope is not defined",
      "Uncaught 'plain'",
      "unknown command .bogus; .help lists them",
      ".run needs a recipe file",
      "Uncaught ValidationError: invalid build options (1 problem):",
      "  error [push-needs-tag] push: pushing needs a tag to know where the image goes",
      '    hint: add tag: "registry/repository:tag" (or name= in an image output)',
      "'still here'",
      "",
    ].join("\n"));
  });

  it("keeps the history in ~/.buildx-kit_history, appending across sessions", async () => {
    const first = await repl(rt, ["1+1", "", "  const a = 1  ", ".exit"]);
    const file = join(first.home, ".buildx-kit_history");
    expect(await readFile(file, "utf8")).toBe("1+1\nconst a = 1\n.exit\n");
    await repl(rt, ["2+2"], { home: first.home });
    expect(await readFile(file, "utf8")).toBe("1+1\nconst a = 1\n.exit\n2+2\n");
  });

  it("keeps input holding a secret value out of the history, says so once, and writes the file 0600 (issue 14)", async () => {
    const home = await tempDir("repl-home");
    const file = join(home, ".buildx-kit_history");
    // A history file from before, readable by others: made the person's own.
    await writeFile(file, "'old line'\n");
    await chmod(file, 0o644);
    const r = await repl(rt, [
      "1+1",
      'const run = { secrets: { NPM_TOKEN: "s3cr3t-one" } }',
      'plan({ secret: "id=npm,env=NPM_TOKEN" }).argv.length',
      "'id=npm,value=s3cr3t-two'.length",
      // Over several lines: the value is on a line without the word.
      "JSON.stringify({",
      "  secrets: {",
      '    A: "s3cr3t-three" } })',
      "'after'",
    ], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(said(r)).toBe([
      "2",
      KEPT_OUT_OF_HISTORY,
      "6",
      "23",
      `'{"secrets":{"A":"s3cr3t-three"}}'`,
      "'after'",
      "",
    ].join("\n"));
    const text = await readFile(file, "utf8");
    expect(text).toBe(`'old line'\n1+1\nplan({ secret: "id=npm,env=NPM_TOKEN" }).argv.length\n'after'\n`);
    expect(text).not.toMatch(/s3cr3t/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("makes a new history file 0600 (issue 14)", async () => {
    const r = await repl(rt, ["1+1"]);
    expect((await stat(join(r.home, ".buildx-kit_history"))).mode & 0o777).toBe(0o600);
  });

  it.skipIf(!engine.ok)(".doctor reports on the real engine", async () => {
    const out = said(await repl(rt, [".doctor"]));
    const lines = out.split("\n");
    expect(lines).toContain("  buildx       0.13.1");
    expect(lines).toContain("  image store  containerd");
    expect(lines).toContain("  no  --call: needs buildx >= 0.15.0 (installed 0.13.1)");
    expect(lines).toContain("healthy: this machine can build");
  });

  it.skipIf(!engine.ok)(".run FILE builds a saved recipe and shows the BuildResult as a summary", async () => {
    const name = trackImage(`buildx-kit-cli-test/repl-${rt}-${nonce()}:1`);
    const recipe = `repl-${rt}.json`;
    await writeFile(join(project, recipe), JSON.stringify({ recipe: 1, options: { context: "app", tag: [name] } }));
    const r = await repl(rt, [`.run ${recipe}`, "'after'"]);
    expect(r.code, r.stderr).toBe(0);
    expect(said(r)).toMatch(
      new RegExp([
        "^BuildResult ok in \\d+\\.\\ds",
        `  image   docker\\.io/${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`,
        "  digest  sha256:[0-9a-f]{64}",
        `  command cd ${project.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} && docker buildx build --load --progress=plain --tag=\\S+ app`,
        "'after'\n$",
      ].join("\n")),
    );
    // buildx's progress went to stderr, not into the REPL's output.
    expect(r.stderr).toMatch(/^#\d+ naming to /m);
  });
});

describe("holdsSecret(): what the history keeps out (issue 14)", () => {
  it.each([
    ['build(o, { secrets: { NPM_TOKEN: "x" } })', true],
    ['build(o, { "secrets": { NPM_TOKEN: "x" } })', true],
    ["await buildx({ secrets })`-t app:1 .`", false],
    ["await buildx({ secrets: s })`-t app:1 .`", true],
    ['plan({ secret: "id=npm,value=hunter2" })', true],
    [".dry --secret id=npm,value=hunter2 .", true],
    ['plan({ secret: "id=npm,env=NPM_TOKEN" })', false],
    ['plan({ secret: "id=npm,src=.npmrc" })', false],
    ["x.value = 1", false],
    ["if (value === 1) 2", false],
    ["mySecrets.length", false],
  ])("%s -> %s", (line, expected) => {
    expect(holdsSecret(line)).toBe(expected);
  });
});

describe("show(): how the REPL prints a value", () => {
  const result: BuildResult = {
    ok: true,
    exitCode: 0,
    dryRun: false,
    error: null,
    digest: "sha256:abc",
    configDigest: null,
    imageNames: ["docker.io/library/app:1", "localhost:5000/app:1"],
    imageName: "docker.io/library/app:1",
    ref: null,
    metadata: { big: "x".repeat(5000) },
    warnings: ["warning [w] something"],
    diagnostics: [],
    durationMs: 1234,
    argv: ["docker", "buildx", "build", "."],
    cwd: "/src",
    command: "cd /src && docker buildx build .",
  };

  it("a BuildResult as a few lines, never the metadata", () => {
    expect(show(result)).toBe([
      "BuildResult ok in 1.2s",
      "  image   docker.io/library/app:1, localhost:5000/app:1",
      "  digest  sha256:abc",
      "  command cd /src && docker buildx build .",
      "  warning [w] something",
    ].join("\n"));
    expect(show({ ...result, ok: false, exitCode: 1, imageNames: [], digest: null, warnings: [] })).toBe(
      "BuildResult failed (exit 1) in 1.2s\n  command cd /src && docker buildx build .",
    );
  });

  it("anything else through inspect, coloured only when asked", () => {
    expect(show({ a: [1, "b"] })).toBe("{ a: [ 1, 'b' ] }");
    expect(show(1, true)).toMatch(ANSI);
    expect(show(1, false)).toBe("1");
  });
});

describe("input over several lines", () => {
  it.each([
    ["[1,", true],
    ["foo(", true],
    ["`x", true],
    ["if (a) {", true],
    ["/* note", true],
    ["f(`${a", true],
    ["[1, 2]", false],
    ["'a(' + `b[`", false],
    ["// (", false],
    ["a)", false],
    ["'broken", false],
  ])("%j is %s", (code, incomplete) => {
    expect(isIncomplete(code)).toBe(incomplete);
  });

  it("a declaration shows nothing, and the name is kept", async () => {
    const evaluate = createEvaluator({});
    expect(await evaluate("const a = 40")).toBeUndefined();
    expect(await evaluate("a + 2")).toBe(42);
    expect(await evaluate("[1,\n2].length")).toBe(2);
  });

  it("every form of declaration is kept, in its session only, never on globalThis or the scope", async () => {
    const scope: Record<string, unknown> = { api: 1 };
    const evaluate = createEvaluator(scope);
    const names = ["rx", "ry", "ra", "rb", "rp", "rq", "rn", "rv", "rf", "RC", "rg", "rs"];
    for (
      const line of [
        "const rx = 1, ry = 2",
        "const { ra, rb: [rb] } = { ra: 3, rb: [4] }",
        "const [rp, , rq] = [5, 6, 7]",
        "let rn = 8",
        "var rv = 9",
        "function rf() { return rx + ry }",
        "class RC { static n = rn }",
        "async function rg() { return rv }",
        "let [rs] = [api]",
      ]
    ) {
      expect(await evaluate(line), line).toBeUndefined();
    }
    expect(await evaluate("[rx, ry, ra, rb, rp, rq, rn, rv, rf(), RC.n, await rg(), rs]")).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 3, 8, 9, 1]);
    for (const name of names) {
      expect(name in globalThis, `${name} on globalThis`).toBe(false);
      expect(name in scope, `${name} on the scope`).toBe(false);
    }
    // Another session does not see them.
    await expect(createEvaluator({})("rx")).rejects.toThrow("rx is not defined");
    // An input that fails half-way keeps what it declared before the error.
    await expect(evaluate("const before = 1; nope()")).rejects.toThrow("nope is not defined");
    expect(await evaluate("before")).toBe(1);
    await expect(evaluate("1 +")).rejects.toThrow(SyntaxError);
    expect(await evaluate("{ a: 1 }")).toEqual({ a: 1 });
  });
});
