/**
 * build() when things go wrong, against the real engine where the failure can be made real (a
 * broken Dockerfile, no daemon at DOCKER_HOST, no registry on the port, a missing secret, an
 * unknown flag, a build interrupted by an AbortSignal or by Ctrl-C), and against a fake `docker`
 * for what this engine cannot be made to do (the classic image store's refusals, a silent failure,
 * a crash). Every message a user can see from a BuildError is asserted at least once, and so is
 * the temp folder being gone in every outcome.
 */
import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mkdir } from "node:fs/promises";
import { BuildError, ValidationError } from "../lib/core/errors.ts";
import { makeRecipe } from "../lib/recipe/recipe.ts";
import { runRecipes, runResultJson } from "../lib/recipe/run.ts";
import { build } from "../lib/build/run.ts";
import { buildx } from "../lib/build/template.ts";
import type { RunOptions } from "../lib/build/run.ts";
import type { BuildOptions } from "../lib/core/options.ts";
import type { ProgressEvent } from "../lib/core/progress.ts";
import {
  cleanUp,
  collectLog,
  fakeDocker,
  fixture,
  leftovers,
  napSeconds,
  nonce,
  privateTmp,
  ROOT,
  tempDir,
  trackImage,
  waitFor,
} from "./fixtures/build/support.ts";
import { requireEngine } from "./support/engine.ts";

const engine = await requireEngine();

afterAll(cleanUp);

/** Runs a build that must fail; returns its BuildError, what was logged, and what was left in TMPDIR. */
async function failing(options: BuildOptions, run: RunOptions = {}): Promise<{ error: BuildError; logged: string[]; left: string[] }> {
  const tmp = await privateTmp();
  const { lines, log } = collectLog();
  let outcome: unknown;
  try {
    outcome = await build(options, { log, ...run }).then(
      (result) => new Error(`expected a BuildError, the build succeeded: ${result.command}`),
      (e: unknown) => e,
    );
  } finally {
    tmp.restore();
  }
  if (!(outcome instanceof BuildError)) throw outcome;
  return { error: outcome, logged: lines, left: await tmp.entries() };
}

/** The parts of a BuildError's message, in order. */
function messageParts(error: BuildError): { head: string; hint: string | undefined; command: string | undefined } {
  const lines = error.message.split("\n");
  return {
    head: lines[0]!,
    hint: lines.find((l) => l.startsWith("hint: ")),
    command: lines.find((l) => l.startsWith("command: ")),
  };
}

describe.skipIf(!engine.ok)("build() failures on the real engine", () => {
  it("a broken Dockerfile: exit code 1, buildx's ERROR lines, a hint about the Dockerfile, no temp files", async () => {
    const { error, logged, left } = await failing({ context: fixture("broken"), load: false, output: "type=cacheonly" });

    expect(error).toBeInstanceOf(BuildError);
    expect(error.name).toBe("BuildError");
    expect(error.exitCode).toBe(1);
    expect(error.signal).toBeNull();
    expect(error.interrupted).toBe(false);
    expect(error.errorLines).toEqual([
      "ERROR: failed to solve: dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)",
    ]);
    expect(error.hint).toBe("the Dockerfile does not parse: fix the line the error names");
    expect(error.stderrTail).toContain(">>> RUNN echo");
    expect(error.command).toMatch(/^cd \S+ && docker buildx build --output=type=cacheonly --progress=plain \S+\/broken$/);
    expect(error.argv).toContain("--progress=plain");
    expect(error.message).toBe([
      "docker buildx build exited with code 1",
      error.errorLines[0],
      "hint: the Dockerfile does not parse: fix the line the error names",
      `command: ${error.command}`,
    ].join("\n"));
    // Not a TTY: buildx's plain progress was shown through `log` as it came.
    expect(logged).toContain(error.errorLines[0]);
    expect(left).toEqual([]);
  });

  it("a file (-f) that does not exist: the hint names it, resolved against the working directory", async () => {
    const { error } = await failing({ context: fixture("scratch"), file: "Dockerfile.missing", output: "type=cacheonly" });
    expect(error.exitCode).toBe(1);
    expect(error.errorLines.join("\n")).toMatch(/failed to read dockerfile: open Dockerfile\.missing: no such file or directory/);
    expect(messageParts(error).hint).toBe(
      `hint: the Dockerfile ${
        join(process.cwd(), "Dockerfile.missing")
      } does not exist: check file (-f); a relative path is relative to the working directory, not to the context`,
    );
  });

  it("no daemon (DOCKER_HOST at a socket nobody listens on): the daemon hint", async () => {
    const socket = `/tmp/buildx-kit-test-nonexistent-${nonce()}.sock`;
    const { error, left } = await failing({ context: fixture("scratch"), output: "type=cacheonly" }, {
      env: { ...process.env, DOCKER_HOST: `unix://${socket}` },
    });

    expect(error.exitCode).toBe(1);
    expect(error.errorLines).toEqual([`ERROR: Cannot connect to the Docker daemon at unix://${socket}. Is the docker daemon running?`]);
    expect(error.hint).toMatch(/^the Docker daemon is not running: start it/);
    expect(messageParts(error).hint).toBe(
      "hint: the Docker daemon is not running: start it (systemctl start docker, or scripts/engine.sh up for this project's engine)",
    );
    expect(left).toEqual([]);
  });

  it("a registry that is down during the push: the push hint", async () => {
    const id = nonce();
    const ref = trackImage(`localhost:5999/buildx-kit-test/down:${id}`); // the docker driver names it locally before pushing
    const { error } = await failing({ context: fixture("scratch"), tag: [ref], push: true, buildArg: { NONCE: id } });

    expect(error.exitCode).toBe(1);
    expect(error.errorLines.at(-1)).toMatch(
      new RegExp(`^ERROR: failed to solve: failed to push ${ref.replace(/[.]/g, "\\.")}: .*connect: connection refused$`),
    );
    expect(messageParts(error).hint).toBe(
      "hint: nothing answers at the registry localhost:5999 (connection refused): start the registry, or fix the host and port in the tag",
    );
  });

  it("a secret whose src file is missing: the secret hint", async () => {
    const missing = join(await tempDir("no-secret"), "token.txt");
    const { error } = await failing({ context: fixture("secret"), secret: { id: "token", src: missing }, output: "type=cacheonly" });

    expect(error.exitCode).toBe(1);
    expect(error.errorLines).toEqual([`ERROR: failed to stat ${missing}: stat ${missing}: no such file or directory`]);
    expect(messageParts(error).hint).toBe(
      "hint: a --secret source is missing: check its src= path (relative paths resolve against the build's working directory) or that its env= variable is set",
    );
  });

  it("a required secret that was not given: the secret hint too, and an errored progress event", async () => {
    const events: ProgressEvent[] = [];
    const { error } = await failing({ context: fixture("secret"), output: "type=cacheonly", buildArg: { NONCE: nonce() } }, {
      onProgress: (e) => events.push(e),
    });
    // With onProgress, buildx's rawjson becomes events; the lines that are not JSON stay the error's.
    expect(error.errorLines).toEqual(["ERROR: failed to solve: secret token: not found"]);
    expect(error.hint).toMatch(/^a --secret source is missing/);
    const errored = events.filter((e) => e.type === "errored");
    expect(errored).toEqual([expect.objectContaining({ type: "errored", error: "secret token: not found" })]);
    expect(errored[0]!.name).toMatch(/^\[(?:stage-0 )?2\/2\] RUN --mount=type=secret,id=token,required=true echo /);
  });

  it("a flag this buildx does not know: the upgrade hint, and buildx's own lines when there is no ERROR line", async () => {
    const { error, logged } = await failing({ context: fixture("scratch"), extraFlags: { "no-such-flag": true } });

    expect(error.exitCode).toBe(125);
    expect(error.errorLines).toEqual([]);
    expect(error.hint).toBe(
      "this buildx does not know --no-such-flag: upgrade buildx, or leave the option out (buildx-kit's flag table names the version each flag needs)",
    );
    expect(error.message.split("\n").slice(0, 3)).toEqual([
      "docker buildx build exited with code 125",
      "unknown flag: --no-such-flag",
      "See 'docker buildx build --help'.",
    ]);
    expect(logged.some((l) => l.startsWith("warning: ") || l.includes("not in buildx-kit's flag table"))).toBe(true);
  });

  it("--sbom (its scanner image is on Docker Hub, out of reach): a clear error, the image that cannot be pulled, and no push hint", async () => {
    const id = nonce();
    const { error } = await failing({ context: fixture("scratch"), sbom: true, output: "type=cacheonly", buildArg: { NONCE: id } });
    expect(error.exitCode).toBe(1);
    expect(error.errorLines.at(-1)).toMatch(/^ERROR: failed to solve: .*buildkit-syft-scanner.*: failed to do request: /);
    expect(error.hint).toMatch(
      /^the image docker\.io\/docker\/buildkit-syft-scanner:[\w.-]+ cannot be pulled: check its name and tag \(a base image's are in FROM\), that the registry docker\.io is reachable, and docker login if it is private$/,
    );
    expect(error.message).not.toMatch(/push/);
  });

  it("an AbortSignal mid-build: rejects as interrupted (130), and buildx and the RUN step are gone", async () => {
    const id = nonce();
    const nap = napSeconds();
    const controller = new AbortController();
    let runStarted!: () => void;
    const started = new Promise<void>((resolve) => (runStarted = resolve));
    const tmp = await privateTmp();
    let error: unknown;
    let abortedAt: number;
    try {
      const pending = build({ context: fixture("sleep"), output: "type=cacheonly", buildArg: { NONCE: id, NAP: String(nap) } }, {
        ...collectLog(),
        signal: controller.signal,
        onProgress: (e) => {
          if (e.type === "started" && e.name.includes("] RUN ")) runStarted();
        },
      }).catch((e: unknown) => e);
      await Promise.race([started, pending]);
      // The RUN step really is running: its `sleep NAP` is in the process list, as is buildx.
      expect(await waitFor(async () => (await leftovers(id, nap)).some((p) => p.endsWith(`sleep ${nap}`)), 20_000)).toBe(true);
      expect((await leftovers(id, nap)).some((p) => p.includes("buildx") && p.includes(`--build-arg=NONCE=${id}`))).toBe(true);
      abortedAt = Date.now();
      controller.abort();
      error = await pending;
    } finally {
      tmp.restore();
    }

    expect(Date.now() - abortedAt).toBeLessThan(10_000); // stopped by SIGINT, not by the SIGKILL after the grace time
    expect(error).toBeInstanceOf(BuildError);
    const e = error as BuildError;
    expect(e.interrupted).toBe(true);
    expect(e.exitCode).toBe(130);
    expect(e.signal).toBe("SIGINT");
    expect(e.hint).toBeNull();
    expect(e.message.split("\n")[0]).toBe("docker buildx build interrupted by SIGINT");
    expect(await waitFor(async () => (await leftovers(id, nap)).length === 0, 20_000)).toBe(true);
    expect(await tmp.entries()).toEqual([]);
  });

  it("an AbortSignal already aborted: rejects as interrupted without spawning", async () => {
    const fake = await fakeDocker("exit 0");
    const tmp = await privateTmp();
    const error = await build({ context: "." }, { capabilities: fake.capabilities, signal: AbortSignal.abort(), ...collectLog() })
      .catch((e: unknown) => e)
      .finally(() => tmp.restore());

    expect(error).toBeInstanceOf(BuildError);
    const e = error as BuildError;
    expect(e.interrupted).toBe(true);
    expect(e.durationMs).toBe(0);
    expect(e.message).toBe(`docker buildx build interrupted\ncommand: ${e.command}`);
    expect(e.command).not.toContain("--metadata-file");
    expect(await tmp.entries()).toEqual([]);
    await expect(stat(fake.calls)).rejects.toThrow(/ENOENT/);
  });

  it.each(
    [
      ["Ctrl-C", "SIGINT", 130],
      ["kill (SIGTERM)", "SIGTERM", 143],
    ] as const,
  )("%s on a script running a build: the script dies of the signal, nothing is left running or on disk", async (_, sig, status) => {
    const id = nonce();
    const nap = napSeconds();
    const tmp = await tempDir("ctrl-c-tmpdir");
    // As at a terminal: the script is the leader of its own foreground group, and Ctrl-C signals
    // the whole group (so does this test, for SIGTERM too). bun runs the .ts directly (npx would add an npm process in between).
    const { child, out, exited } = startScript([join(ROOT, "node_modules/.bin/bun"), fixture("ctrl-c.ts"), fixture("sleep"), id, String(nap)], tmp);

    try {
      expect(await waitFor(() => out.stdout.includes("RUN-STARTED") || child.exitCode !== null, 60_000)).toBe(true);
      expect(out.stdout, out.stderr).toContain("RUN-STARTED");
      expect(await waitFor(async () => (await leftovers(id, nap)).some((p) => p.endsWith(`sleep ${nap}`)), 20_000)).toBe(true);
      process.kill(-child.pid!, sig);
      const { code, signal } = await exited;

      // Died of the signal (a shell reports 128 + n: 130 for SIGINT), or exited with that status.
      expect(signal === sig || code === status, `code ${code}, signal ${signal}, stderr: ${out.stderr}`).toBe(true);
      expect(out.stdout).not.toMatch(/FINISHED|FAILED/);
      expect(await waitFor(async () => (await leftovers(id, nap)).length === 0, 20_000)).toBe(true);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    }
  });
});

/** fixtures/build/fails: its RUN step as buildx names it, its output, and the ERROR line it ends with. */
function failsStep(id: string) {
  return {
    step: `[2/2] RUN echo "first line ${id}"; echo "second line"; exit 3`,
    output: `first line ${id}\nsecond line`,
    errorLine:
      `ERROR: failed to solve: process "/bin/sh -c echo \\"first line $NONCE\\"; echo \\"second line\\"; exit 3" did not complete successfully: exit code: 3`,
    hint: `[2/2] RUN echo "first line ${id}"; echo "second line"; exit 3: the command exited with code 3; the step's own output says why`,
  };
}

describe.skipIf(!engine.ok)("a failure keeps its reason: the step, its output, the hint (real engine)", () => {
  it("a RUN step exiting 3, plain progress: the failing step, its own output, and a hint naming both step and code", async () => {
    const id = nonce();
    const want = failsStep(id);
    const { error, logged } = await failing({ context: fixture("fails"), output: "type=cacheonly", buildArg: { NONCE: id } });
    expect(error.exitCode).toBe(1);
    expect(error.errorLines).toEqual([`ERROR: ${want.errorLine.slice("ERROR: failed to solve: ".length)}`, want.errorLine]);
    expect(error.failedStep).toBe(want.step);
    expect(error.stepOutput).toBe(want.output);
    expect(error.hint).toBe(want.hint);
    // The output was shown as it came: the message does not repeat it.
    expect(logged).toContain(`#5 ${want.step}`);
    expect(error.message).not.toContain("output of ");
  });

  it.each(
    [
      ["quiet: true in BuildOptions (-q)", { quiet: true }, {}, "--quiet"],
      ["progress quiet", { progress: "quiet" }, {}, "--progress=quiet"],
      ["quiet: true in RunOptions", {}, { quiet: true }, "--progress=quiet"],
    ] as const,
  )("%s: nothing shown, yet the failing step's output is kept and the message shows it", async (_, extra, run, flag) => {
    const id = nonce();
    const want = failsStep(id);
    const { error, logged } = await failing({ context: fixture("fails"), output: "type=cacheonly", buildArg: { NONCE: id }, ...extra }, run);
    expect(logged).toEqual([]);
    expect(error.exitCode).toBe(1);
    expect(error.errorLines).toEqual([want.errorLine]);
    expect(error.failedStep).toBe(want.step);
    expect(error.stepOutput).toBe(want.output);
    // buildx reported in rawjson, read quietly; the command to paste is the quiet one.
    expect(error.argv).toContain("--progress=rawjson");
    expect(error.argv).not.toContain("--quiet");
    expect(error.command).toMatch(new RegExp(`^cd \\S+ && docker buildx build --build-arg=NONCE=${id} --output=type=cacheonly ${flag} \\S+/fails$`));
    expect(error.message).toBe([
      "docker buildx build exited with code 1",
      want.errorLine,
      `output of ${want.step}:`,
      `  first line ${id}`,
      "  second line",
      `hint: ${want.hint}`,
      `command: ${error.command}`,
    ].join("\n"));
  });

  it("nothrow (build() and the template handle): the result carries the error, as plain JSON too", async () => {
    const id = nonce();
    const want = failsStep(id);
    const result = await build({ context: fixture("fails"), output: "type=cacheonly", buildArg: { NONCE: id } }, { nothrow: true, ...collectLog() });
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(result.error).toBeInstanceOf(BuildError);
    const json = JSON.parse(JSON.stringify(result)) as { error: Record<string, unknown> };
    expect(json.error).toEqual({
      name: "BuildError",
      message: result.error!.message,
      exitCode: 1,
      signal: null,
      interrupted: false,
      errorLines: result.error!.errorLines,
      hint: want.hint,
      failedStep: want.step,
      stepOutput: want.output,
      startError: null,
      exitReason: "the build failed",
      stderrTail: expect.stringContaining(want.errorLine),
      command: result.command,
      argv: result.argv,
      durationMs: expect.any(Number),
    });

    const handled = await buildx({ log: collectLog().log })`--output type=cacheonly --build-arg ${`NONCE=${id}`} ${fixture("fails")}`.nothrow();
    expect(handled.ok).toBe(false);
    expect(handled.error?.hint).toBe(want.hint);
    expect(handled.error?.stepOutput).toBe(want.output);
    // A build that worked: no error.
    const fine = await build({ context: fixture("scratch"), output: "type=cacheonly", buildArg: { NONCE: id } }, { nothrow: true, ...collectLog() });
    expect(fine.error).toBeNull();
  });

  it("runRecipes: each result carries the error (also under nothrow), and run --json's form keeps the reason", async () => {
    const id = nonce();
    const want = failsStep(id);
    const recipe = makeRecipe({ context: fixture("fails"), output: "type=cacheonly", buildArg: { NONCE: id } }, { name: "fails" });
    const [thrown] = await runRecipes([recipe], { ...collectLog() });
    expect(thrown!.ok).toBe(false);
    expect(thrown!.result).toBeNull();
    expect(thrown!.error).toBeInstanceOf(BuildError);
    const json = runResultJson(thrown!).error as Record<string, unknown>;
    expect(json).toMatchObject({
      name: "BuildError",
      exitCode: 1,
      hint: want.hint,
      failedStep: want.step,
      stepOutput: want.output,
      errorLines: [expect.any(String), want.errorLine],
    });
    expect(json.stderrTail).toContain(want.errorLine);
    expect(json.message).toBe((thrown!.error as BuildError).message);

    const [kept] = await runRecipes([recipe], { nothrow: true, ...collectLog() });
    expect(kept!.ok).toBe(false);
    expect(kept!.result?.error).toBeInstanceOf(BuildError);
    expect(kept!.error).toBe(kept!.result!.error);
    expect((kept!.error as BuildError).hint).toBe(want.hint);
  });

  it("a COPY source the context lacks: the hint names the file and the context folder", async () => {
    const { error } = await failing({ context: fixture("copy-missing"), output: "type=cacheonly", buildArg: { NONCE: nonce() } });
    expect(error.exitCode).toBe(1);
    expect(error.errorLines.at(-1)).toMatch(
      /^ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref \S+: "\/missing\.txt": not found$/,
    );
    expect(error.failedStep).toBe("[1/1] COPY missing.txt /missing.txt");
    expect(messageParts(error).hint).toBe(
      `hint: COPY source "missing.txt" is not in the build context ${
        fixture("copy-missing")
      }: COPY and ADD read paths relative to the context folder (check the path, and that .dockerignore does not exclude it)`,
    );
  });

  it.each(
    [
      ["a registry that has no such image", (id: string) => `localhost:5000/buildx-kit-test/no-such-image:${id}`, "localhost:5000"],
      ["Docker Hub (out of reach here)", (id: string) => `local/no-such-image:${id}`, "docker.io"],
    ] as const,
  )("a base image that cannot be pulled, from %s: the hint names the image and its registry", async (_, base, registry) => {
    const id = nonce();
    const { error } = await failing({ context: fixture("base"), output: "type=cacheonly", buildArg: { BASE: base(id) } });
    const full = registry === "docker.io" ? `docker.io/${base(id)}` : base(id);
    expect(error.exitCode).toBe(1);
    expect(error.errorLines.at(-1)).toContain(`failed to resolve source metadata for ${full}: `);
    expect(messageParts(error).hint).toBe(
      `hint: the image ${full} cannot be pulled: check its name and tag (a base image's are in FROM), that the registry ${registry} is reachable, and docker login if it is private`,
    );
  });

  it("a context folder with no Dockerfile: the hint names the folder it resolved to", async () => {
    const dir = await tempDir("no-dockerfile");
    await mkdir(join(dir, "app"));
    const { error } = await failing({ context: "app", output: "type=cacheonly" }, { cwd: dir });
    expect(error.exitCode).toBe(1);
    expect(error.errorLines).toEqual(["ERROR: failed to solve: failed to read dockerfile: open Dockerfile: no such file or directory"]);
    expect(messageParts(error).hint).toBe(
      `hint: no Dockerfile in the context folder ${join(dir, "app")}: add one there, pass file (-f), or check the context path`,
    );
  });

  it("a cwd that does not exist: a ValidationError naming it (not 'ended by signal unknown')", async () => {
    const missing = join(await tempDir("no-cwd"), "gone");
    const error = await build({ context: "." }, { cwd: missing, ...collectLog() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe([
      "invalid build options (1 problem):",
      `  error [cwd-missing] cwd: the working directory ${missing} does not exist`,
      "    hint: pass the folder to build in as cwd (relative paths in the options resolve against it)",
    ].join("\n"));
    // nothrow is for builds that ran: this one could not.
    await expect(build({ context: "." }, { cwd: missing, nothrow: true, ...collectLog() })).rejects.toThrow(ValidationError);
  });

  it("no docker on PATH: 'could not start', why, and an install hint (not 'ended by signal unknown')", async () => {
    const dir = await tempDir("no-docker");
    const env = { ...process.env, PATH: join(dir, "bin"), HOME: dir, XDG_CACHE_HOME: join(dir, "cache"), DOCKER_CONFIG: join(dir, "docker") };
    const { error } = await failing({ context: fixture("scratch"), output: "type=cacheonly" }, { env });
    expect(error.exitCode).toBeNull();
    expect(error.signal).toBeNull();
    expect(error.startError).toMatch(/^cannot run docker: .*ENOENT/);
    expect(error.message).toBe([
      "docker buildx build could not start",
      error.startError,
      "hint: docker is not on PATH: install Docker Engine with the buildx plugin (https://docs.docker.com/engine/install/), or add the folder that holds docker to PATH",
      `command: ${error.command}`,
    ].join("\n"));
    const kept = await build({ context: fixture("scratch"), output: "type=cacheonly" }, { env, nothrow: true, ...collectLog() });
    expect(kept.error?.message).toBe(error.message);
  });

  it("a NUL byte in an option value: a ValidationError naming the option, before anything runs", async () => {
    const fake = await fakeDocker("exit 0");
    const error = await build({ context: fixture("scratch"), buildArg: { GREETING: "a\0b" }, tag: "app:1" }, {
      capabilities: fake.capabilities,
      ...collectLog(),
    })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe([
      "invalid build options (1 problem):",
      "  error [nul-byte] buildArg.GREETING: holds a NUL byte (\\0), which no command-line argument can carry",
      "    hint: remove the NUL byte from the value",
    ].join("\n"));
    await expect(stat(fake.calls)).rejects.toThrow(/ENOENT/);
  });
});

/** A user's script, in a process group of its own (as at a terminal), with TMPDIR set to `tmp`. */
function startScript(argv: readonly string[], tmp: string) {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  );
  return { child, out, exited };
}

/** fixtures/build/ctrl-c.ts in `crash` mode, for Node (which cannot run .ts: the same, inline, on dist/). */
function crashingScript(runtime: "node" | "deno", id: string, nap: number): string[] {
  if (runtime === "deno") {
    return [join(ROOT, "node_modules/.bin/deno"), "run", "-A", "--quiet", fixture("ctrl-c.ts"), fixture("sleep"), id, String(nap), "crash"];
  }
  const script = `import { build } from ${JSON.stringify(join(ROOT, "dist/mod.js"))};
await build({ context: ${JSON.stringify(fixture("sleep"))}, output: "type=cacheonly", buildArg: { NONCE: "${id}", NAP: "${nap}" } }, {
  log: () => {},
  onProgress: (e) => {
    if (e.type === "started" && e.name.includes("] RUN ")) {
      console.log("RUN-STARTED");
      setTimeout(() => { throw new Error("the script crashed"); }, 300);
    }
  },
});`;
  return [process.execPath, "--input-type=module", "-e", script];
}

// Bun is not here: with a child process running, it reports an uncaught error and goes on.
describe.skipIf(!engine.ok)("a script that dies mid-build of an uncaught error (real engine)", () => {
  it.each(["node", "deno"] as const)("on %s, takes its build with it: no buildx, no RUN step, no temp folder left", async (runtime) => {
    const id = nonce();
    const nap = napSeconds();
    const tmp = await tempDir("crash-tmpdir");
    const { child, out, exited } = startScript(crashingScript(runtime, id, nap), tmp);
    try {
      const { code } = await exited;
      expect(out.stdout).toBe("RUN-STARTED\n");
      expect(out.stderr).toContain("the script crashed");
      expect(code).toBe(1);
      expect(await waitFor(async () => (await leftovers(id, nap)).length === 0, 20_000)).toBe(true);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    }
  });
});

describe("build() failures the engine here cannot produce (a fake docker)", () => {
  it("the docker exporter refusing a manifest list (classic image store): the store hint", async () => {
    const fake = await fakeDocker(`echo 'ERROR: docker exporter does not currently support exporting manifest lists' >&2; exit 1`);
    const { error, left } = await failing({ context: ".", platform: "linux/amd64,linux/arm64", load: true }, { capabilities: fake.capabilities });
    expect(error.errorLines).toEqual(["ERROR: docker exporter does not currently support exporting manifest lists"]);
    expect(messageParts(error).hint).toBe(
      "hint: the docker driver's classic image store cannot hold several platforms: push instead (push: true), write output type=oci, or turn on the containerd image store",
    );
    expect(left).toEqual([]);
  });

  it("pushing with no tag (the plan refuses it, so only a fake buildx can say it): the tag hint", async () => {
    // The words real buildx 0.13.1 prints for `--output type=registry` with no tag.
    const fake = await fakeDocker(`echo 'ERROR: tag is needed when pushing to registry' >&2; exit 1`);
    const { error } = await failing({ context: "." }, { capabilities: fake.capabilities });
    expect(error.errorLines).toEqual(["ERROR: tag is needed when pushing to registry"]);
    expect(messageParts(error).hint).toBe('hint: pushing needs a tag: add tag "registry/repository:tag"');
  });

  it("attestations refused by the docker driver: the attestation hint", async () => {
    const fake = await fakeDocker(
      `printf 'ERROR: Attestation is not supported for the docker driver.\\nSwitch to a different driver, or turn on the containerd image store, and try again.\\n' >&2; exit 1`,
    );
    const { error } = await failing({ context: ".", provenance: "mode=max" }, { capabilities: fake.capabilities });
    expect(error.errorLines).toEqual(["ERROR: Attestation is not supported for the docker driver."]);
    expect(messageParts(error).hint).toBe(
      "hint: the docker driver keeps attestations only with the containerd image store: turn it on, or use a docker-container builder",
    );
  });

  it("a non-zero exit with nothing on stderr is still an error (and nothrow returns it)", async () => {
    const fake = await fakeDocker("exit 3");
    const { error, left } = await failing({ context: "." }, { capabilities: fake.capabilities });
    expect(error.exitCode).toBe(3);
    expect(error.stderrTail).toBe("");
    expect(error.errorLines).toEqual([]);
    expect(error.hint).toBeNull();
    expect(error.message).toBe(`docker buildx build exited with code 3\n(buildx printed nothing to stderr)\ncommand: ${error.command}`);
    // As a person types it, from the folder it ran in: the fake is the docker on PATH here.
    expect(error.command.startsWith(`cd ${process.cwd()} && docker buildx build `)).toBe(true);
    expect(error.argv[0]).toBe(fake.docker);
    expect(left).toEqual([]);

    const result = await build({ context: "." }, { capabilities: fake.capabilities, nothrow: true, ...collectLog() });
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(3);
    expect(result.digest).toBeNull();
    expect(result.metadata).toBeNull();
  });

  it("stderr with no ERROR line: its last 5 lines stand in for them", async () => {
    const fake = await fakeDocker(`for i in 1 2 3 4 5 6 7 8; do echo "line $i" >&2; done; exit 2`);
    const { error } = await failing({ context: "." }, { capabilities: fake.capabilities });
    expect(error.stderrTail).toBe("line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8");
    expect(error.message).toBe(`docker buildx build exited with code 2\nline 4\nline 5\nline 6\nline 7\nline 8\ncommand: ${error.command}`);
  });

  it("buildx killed by a signal: 'ended by signal'", async () => {
    const fake = await fakeDocker("echo 'about to crash' >&2; kill -KILL $$");
    const { error } = await failing({ context: "." }, { capabilities: fake.capabilities });
    expect(error.exitCode).toBeNull();
    expect(error.signal).toBe("SIGKILL");
    expect(error.interrupted).toBe(false);
    expect(error.message).toBe(`docker buildx build ended by signal SIGKILL\nabout to crash\ncommand: ${error.command}`);
  });

  it("the metadata is there to read after every build: the supervisor leaves a normal end alone (30 in a row)", async () => {
    // Node destroys a child's stdin when it exits, so the watcher sees end of file, not "done":
    // it once took that for this process's death and removed the folder being read (1 build in 8).
    const fake = await fakeDocker(
      `for a in "$@"; do case "$a" in --metadata-file=*) printf '{"containerimage.digest":"sha256:abc"}' > "\${a#--metadata-file=}";; esac; done; exit 0`,
    );
    const digests: (string | null)[] = [];
    for (let i = 0; i < 30; i++) digests.push((await build({ context: "." }, { capabilities: fake.capabilities, ...collectLog() })).digest);
    expect(digests).toEqual(Array(30).fill("sha256:abc"));
  });

  it("exit 0 with a metadata file holding null: a result with empty fields", async () => {
    const fake = await fakeDocker(`for a in "$@"; do case "$a" in --metadata-file=*) printf 'null' > "\${a#--metadata-file=}";; esac; done; exit 0`);
    const result = await build({ context: "." }, { capabilities: fake.capabilities, ...collectLog() });
    expect(result.ok).toBe(true);
    expect(result.metadata).toBeNull();
    expect(result.digest).toBeNull();
    expect(result.imageNames).toEqual([]);
    // The private metadata file the fake wrote to is buildx-kit's own: not in the invocation shown.
    expect(result.argv.some((a) => a.startsWith("--metadata-file="))).toBe(false);
  });

  it("buildx drawing its own progress on a terminal: the message points at its output", () => {
    // Only reachable with a TTY on stderr (buildx then writes there itself); built directly.
    const error = new BuildError({
      exitCode: 1,
      signal: null,
      command: "docker buildx build .",
      argv: ["docker", "buildx", "build", "."],
      stderrTail: "",
      interrupted: false,
      durationMs: 5,
      stderrCaptured: false,
    });
    expect(error.message).toBe("docker buildx build exited with code 1\n(buildx's own output, above, shows why)\ncommand: docker buildx build .");
    // Neither an exit code nor a signal (a process that could not be waited for): still says so.
    const unknown = new BuildError({
      exitCode: null,
      signal: null,
      command: "docker buildx build .",
      argv: [],
      stderrTail: "",
      interrupted: false,
      durationMs: 0,
    });
    expect(unknown.message).toBe("docker buildx build ended by signal unknown\n(buildx printed nothing to stderr)\ncommand: docker buildx build .");
  });
});
