/**
 * `buildx-kit build` (Node, dist/) against the real engine in every progress mode (the default,
 * auto, plain, tty, quiet, rawjson), with and without -q, with stdout and stderr each a pipe,
 * /dev/null, or a real terminal (tmux): the exit code, and what appears on stdout and on stderr.
 * A quiet build prints the image id on stdout and nothing else, as docker buildx build does: the
 * id is checked against the one buildx writes to --iidfile.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, cliEnv, commandFor, ROOT, tempDir, trackImage } from "./fixtures/cli/support.ts";
import { fixture, nonce } from "./fixtures/build/support.ts";
import { makeRecipe } from "../lib/recipe/recipe.ts";
import { requireEngine } from "./support/engine.ts";
import { quoteArg as quote } from "../lib/core/shell.ts";
import { hasTmux, privateTmux, sleep } from "./support/tmux.ts";

const engine = await requireEngine();
const { tmux, close } = privateTmux("progress");

afterAll(async () => {
  await close();
  await cleanup();
});

/** One image for the whole file (the same NONCE: cached after the first build). */
const ID = nonce();
const TAG = trackImage(`buildx-kit-test/progress:${ID}`);
const MODES = ["default", "auto", "plain", "tty", "quiet", "rawjson"] as const;
type Mode = (typeof MODES)[number];

function args(mode: Mode, quiet: boolean, iidfile: string): string[] {
  return [
    "build",
    ...(quiet ? ["-q"] : []),
    ...(mode === "default" ? [] : [`--progress=${mode}`]),
    "-t",
    TAG,
    "--build-arg",
    `NONCE=${ID}`,
    `--iidfile=${iidfile}`,
    fixture("scratch"),
  ];
}

type Sink = "pipe" | "null";

/** The CLI on Node with stdout and stderr each a pipe or /dev/null. */
function runCli(argv: readonly string[], out: Sink, err: Sink): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [file, ...pre] = commandFor("node");
  const devNull = openSync("/dev/null", "w");
  return new Promise((resolve, reject) => {
    const child = spawn(file!, [...pre, ...argv], {
      cwd: ROOT,
      env: cliEnv(),
      stdio: ["ignore", out === "pipe" ? "pipe" : devNull, err === "pipe" ? "pipe" : devNull],
    });
    closeSync(devNull);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** What each combination must do; `refused` is the plan's exit 2 for -q beside another progress. */
function expected(mode: Mode, quiet: boolean, stderrIsTerminal: boolean) {
  if (quiet && (mode === "plain" || mode === "tty" || mode === "rawjson")) return "refused" as const;
  if (quiet || mode === "quiet") return "id" as const;
  if (mode === "tty" && !stderrIsTerminal) return "no-console" as const;
  return "built" as const;
}

const refusal = (mode: Mode) =>
  `error: invalid build options (1 problem):\n  error [quiet-with-progress] progress: buildx refuses --progress=${mode} together with --quiet\n    hint: leave progress out (quiet shows no progress), or leave quiet out\n`;
const SUMMARY = new RegExp(`^built in \\d+\\.\\ds  docker\\.io/${TAG.replace(/[./]/g, "\\$&")}  sha256:[0-9a-f]{64}\\n$`);
/** What buildx's progress looks like on stderr, by mode, when it is not a terminal. */
const PIPED_PROGRESS: Record<Exclude<Mode, "quiet" | "tty">, RegExp> = {
  default: /^#1 \[internal\] load build definition from Dockerfile$/m,
  auto: /^#1 \[internal\] load build definition from Dockerfile$/m,
  plain: /^#1 \[internal\] load build definition from Dockerfile$/m,
  rawjson: /^\s*"name": "\[internal\] load build definition from Dockerfile"/m,
};

const cases = MODES.flatMap((mode) => [false, true].map((quiet) => [mode, quiet] as const));

describe.skipIf(!engine.ok)("build progress modes, stdout and stderr a pipe or /dev/null (Node, real engine)", () => {
  it.each(cases)("--progress=%s, -q %s", async (mode, quiet) => {
    const dir = await tempDir("progress");
    const iid = join(dir, "iid");
    const expect_ = expected(mode, quiet, false);

    // Both pipes: everything visible.
    const both = await runCli(args(mode, quiet, iid), "pipe", "pipe");
    if (expect_ === "refused") {
      expect(both).toEqual({ code: 2, stdout: "", stderr: refusal(mode) });
    } else if (expect_ === "id") {
      const id = await readFile(iid, "utf8");
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(both).toEqual({ code: 0, stdout: `${id}\n`, stderr: "" });
    } else if (expect_ === "no-console") {
      expect(both.code).toBe(1);
      expect(both.stdout).toBe("");
      expect(both.stderr).toMatch(
        /^error: docker buildx build exited with code 1\nERROR: failed to get console: provided file is not a console\nhint: progress tty needs a terminal on stderr and there is none: leave progress out, or use auto or plain\ncommand: cd \S+ && docker buildx build /m,
      );
    } else {
      expect(both.code, both.stderr).toBe(0);
      expect(both.stdout).toMatch(SUMMARY);
      expect(both.stderr).toMatch(PIPED_PROGRESS[mode as keyof typeof PIPED_PROGRESS]);
    }

    // stderr to /dev/null: stdout the same.
    await rm(iid, { force: true });
    const quietErr = await runCli(args(mode, quiet, iid), "pipe", "null");
    expect(quietErr.code).toBe(both.code);
    if (expect_ === "id") expect(quietErr.stdout).toBe(`${await readFile(iid, "utf8")}\n`);
    else if (expect_ === "built") expect(quietErr.stdout).toMatch(SUMMARY);
    else expect(quietErr.stdout).toBe("");

    // stdout to /dev/null: stderr the same (nothing at all for a quiet build).
    await rm(iid, { force: true });
    const quietOut = await runCli(args(mode, quiet, iid), "null", "pipe");
    expect(quietOut.code).toBe(both.code);
    if (expect_ === "id" || expect_ === "refused") expect(quietOut.stderr).toBe(both.stderr);
    else if (expect_ === "built") expect(quietOut.stderr).toMatch(PIPED_PROGRESS[mode as keyof typeof PIPED_PROGRESS]);
    else expect(quietOut.stderr).toMatch(/^ERROR: failed to get console: provided file is not a console$/m);
  }, 120_000);
});

describe.skipIf(!engine.ok)("quiet outside a terminal: a recipe, build(), the template (Node, real engine)", () => {
  it('run RECIPE with "quiet": true: the image id on stdout, nothing on stderr; with --json, only the JSON', async () => {
    const dir = await tempDir("quiet-recipe");
    const iid = join(dir, "iid");
    const recipe = join(dir, "quiet.json");
    await writeFile(
      recipe,
      JSON.stringify(makeRecipe({ context: fixture("scratch"), tag: [TAG], buildArg: { NONCE: ID }, iidfile: iid, quiet: true }, { name: "quiet" })),
    );
    const ran = await runCli(["run", recipe], "pipe", "pipe");
    expect(ran).toEqual({ code: 0, stdout: `${await readFile(iid, "utf8")}\n`, stderr: "" });
    const quietErr = await runCli(["run", recipe], "pipe", "null");
    expect(quietErr).toEqual({ code: 0, stdout: `${await readFile(iid, "utf8")}\n`, stderr: "" });
    const json = await runCli(["run", recipe, "--json"], "pipe", "pipe");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, error: null, result: { error: null } });
  }, 120_000);

  it("build() with quiet in the options prints the id; quiet in RunOptions prints nothing; both build", async () => {
    const dir = await tempDir("quiet-api");
    const iid = join(dir, "iid");
    const mod = JSON.stringify(join(ROOT, "dist/mod.js"));
    const options = JSON.stringify({ context: fixture("scratch"), tag: [TAG], buildArg: { NONCE: ID }, iidfile: iid });
    const script = (code: string) => ["--input-type=module", "-e", `import { build, buildx } from ${mod};\nconst options = ${options};\n${code}`];
    const node = (code: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, script(code), { cwd: ROOT, env: cliEnv(), stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (c) => resolve({ code: c, stdout, stderr }));
      });

    const buildOption = await node(`const r = await build({ ...options, quiet: true }); console.error(r.ok);`);
    expect(buildOption).toEqual({ code: 0, stdout: `${await readFile(iid, "utf8")}\n`, stderr: "true\n" });
    const runOption = await node(`const r = await build(options, { quiet: true }); console.error(r.ok);`);
    expect(runOption).toEqual({ code: 0, stdout: "", stderr: "true\n" });
    await rm(iid);
    const template = await node(
      `const r = await buildx\`-q -t \${options.tag[0]} --build-arg NONCE=${ID} --iidfile \${options.iidfile} \${options.context}\`; console.error(r.ok);`,
    );
    expect(template).toEqual({ code: 0, stdout: `${await readFile(iid, "utf8")}\n`, stderr: "true\n" });
  }, 120_000);
});

/** Runs a shell line in a tmux pane (120x40) and returns the pane and the exit code once it ends. */
async function inTerminal(line: string): Promise<{ screen: string; code: number }> {
  const name = `p-${randomBytes(3).toString("hex")}`;
  const dir = await tempDir("tmux");
  const script = join(dir, "session.sh");
  const env = Object.entries(cliEnv()).filter(([k]) => k !== "TMUX").map(([k, v]) => `export ${k}=${quote(v ?? "")}`);
  await writeFile(script, ["#!/bin/sh", ...env, `cd ${quote(ROOT)}`, line, 'echo "EXIT=$?"', "exec sleep 600", ""].join("\n"));
  await tmux("-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", `sh ${quote(script)}`);
  try {
    const until = Date.now() + 90_000;
    for (;;) {
      const screen = (await tmux("capture-pane", "-p", "-J", "-S", "-2000", "-t", name)).stdout;
      const m = /^EXIT=(\d+)$/m.exec(screen);
      if (m) return { screen: screen.slice(0, m.index), code: Number(m[1]) };
      if (Date.now() > until) throw new Error(`timed out; the screen:\n${screen}`);
      await sleep(100);
    }
  } finally {
    await tmux("kill-session", "-t", name).catch(() => {});
  }
}

describe.skipIf(!engine.ok || !hasTmux)("build progress modes at a real terminal (tmux, Node, real engine)", () => {
  const cli = commandFor("node").map(quote).join(" ");

  it.each(cases)("--progress=%s, -q %s: stdout and stderr the terminal, then stdout a file", async (mode, quiet) => {
    const dir = await tempDir("progress-tty");
    const iid = join(dir, "iid");
    const outFile = join(dir, "stdout.txt");
    const expect_ = expected(mode, quiet, true);
    const line = args(mode, quiet, iid).map(quote).join(" ");

    // Both on the terminal.
    const t = await inTerminal(`${cli} ${line}`);
    const screen = t.screen.trimEnd();
    if (expect_ === "refused") {
      expect(t.code).toBe(2);
      expect(`${screen}\n`).toBe(refusal(mode));
    } else if (expect_ === "id") {
      expect(t.code).toBe(0);
      // Only the id: no progress was drawn.
      expect(screen).toBe(await readFile(iid, "utf8"));
    } else {
      expect(t.code, screen).toBe(0);
      expect(screen.split("\n").at(-1)).toMatch(new RegExp(SUMMARY.source.replace(/\\n\$$/, "$")));
      if (mode === "plain") expect(screen).toMatch(/^#1 \[internal\] load build definition from Dockerfile$/m);
      else if (mode === "rawjson") expect(screen).toMatch(/"vertexes": \[/);
      // buildx draws its own progress (tty), which leaves its last frame on the screen.
      else expect(screen).toMatch(/^\[\+\] Building \d+\.\ds \(\d+\/\d+\) FINISHED/m);
    }

    // stdout to a file, stderr the terminal: `id=$(buildx-kit build -q .)` in a terminal.
    await rm(iid, { force: true });
    const redirected = await inTerminal(`${cli} ${line} > ${quote(outFile)}`);
    expect(redirected.code).toBe(t.code);
    const captured = await readFile(outFile, "utf8");
    if (expect_ === "id") {
      expect(captured).toBe(`${await readFile(iid, "utf8")}\n`);
      expect(redirected.screen.trim()).toBe("");
    } else if (expect_ === "refused") {
      expect(captured).toBe("");
    } else {
      expect(captured).toMatch(SUMMARY);
      expect(redirected.screen).not.toMatch(/^built in /m);
    }
  }, 200_000);
});
