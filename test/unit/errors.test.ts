/**
 * One error base and one answer to "can this machine build?". Every error buildx-kit throws is a
 * BuildxKitError whose exitStatus is what the command exits with; report() prints any of them the
 * same way. buildBlocker() is the answer the guide, the CLI and doctor share.
 */
import { describe, expect, it } from "vitest";
import { BuilderError } from "../../lib/build/builders.ts";
import { buildBlocker, type Capabilities, type Problem, UNKNOWN_CAPABILITIES } from "../../lib/core/capabilities.ts";
import { type CliIO, report, UsageError } from "../../lib/cli/main.ts";
import { formatDoctor } from "../../lib/cli/doctor.ts";
import { BuildError, BuildxKitError, EXIT, TempFolderError, ValidationError } from "../../lib/core/errors.ts";
import { cannotRun } from "../../lib/guide/flow.ts";
import { RecipeError } from "../../lib/recipe/recipe.ts";
import { TemplateError } from "../../lib/build/template.ts";

function io(): CliIO & { said: string[] } {
  const said: string[] = [];
  return { said, out: (t) => said.push(t), err: (t) => said.push(t), env: {}, isTTY: false, cwd: "/" };
}

const failed = (interrupted: boolean) =>
  new BuildError({
    exitCode: interrupted ? null : 1,
    signal: interrupted ? "SIGINT" : null,
    command: "docker buildx build .",
    argv: ["build", "."],
    stderrTail: "",
    interrupted,
    durationMs: 5,
  });

describe("one error base", () => {
  const cases: [string, BuildxKitError, number][] = [
    ["ValidationError", new ValidationError([{ level: "error", code: "unknown-option", option: "tag", message: "bad tag" }]), EXIT.badInput],
    ["UsageError", new UsageError("run needs a recipe"), EXIT.badInput],
    ["RecipeError", new RecipeError([{ file: "/r.json", path: "tag", message: "not a string", code: "invalid-value" }]), EXIT.badInput],
    ["TemplateError", new TemplateError("an interpolation became a flag", 1), EXIT.badInput],
    ["BuildError", failed(false), EXIT.failed],
    ["BuildError (interrupted)", failed(true), EXIT.interrupted],
    [
      "BuilderError",
      new BuilderError(["docker", "buildx", "rm", "x"], { code: 1, signal: null, stdout: "", stderr: 'ERROR: no builder "x" found\n' } as never),
      EXIT.failed,
    ],
    ["TempFolderError", new TempFolderError("cannot make a private temporary folder in /full (TMPDIR): no space left"), EXIT.failed],
  ];
  it.each(cases)("%s is a BuildxKitError whose exitStatus report() returns, printed as one error line without a stack", (_, error, status) => {
    expect(error).toBeInstanceOf(BuildxKitError);
    expect(error).toBeInstanceOf(Error);
    expect(error.exitStatus).toBe(status);
    const out = io();
    expect(report(error, out)).toBe(status);
    expect(out.said).toEqual([`error: ${error.message}`]);
  });

  it("an error that is not ours exits 1 and offers the stack trace; Ctrl-C at a prompt exits 130", () => {
    const out = io();
    expect(report(new RangeError("oops"), out)).toBe(EXIT.failed);
    expect(out.said).toEqual(["error: oops\n(run with --debug for a stack trace)"]);
    const prompt = io();
    expect(report(Object.assign(new Error("User force closed the prompt"), { name: "ExitPromptError" }), prompt)).toBe(EXIT.interrupted);
    expect(prompt.said).toEqual(["interrupted"]);
  });
});

describe("can this machine build? one answer", () => {
  const caps = (problems: Problem[], more: Partial<Capabilities> = {}): Capabilities => ({
    ...UNKNOWN_CAPABILITIES,
    buildxCommand: ["docker", "buildx"],
    buildxVersion: "0.13.1",
    driver: "docker",
    problems,
    ...more,
  });
  const daemon: Problem = { code: "daemon-unreachable", message: "the Docker daemon is not reachable: connection refused" };

  it("no problem: it can", () => {
    expect(buildBlocker(caps([]))).toBeNull();
    expect(cannotRun(caps([]))).toBeNull();
  });

  it("an old buildx or an unreadable version does not stop a build (the plan names what is missing)", () => {
    const old: Problem = { code: "buildx-too-old", message: "buildx 0.7.1 is older than 0.8.0" };
    const unreadable: Problem = { code: "buildx-version-unreadable", message: "cannot read a version" };
    expect(buildBlocker(caps([old, unreadable]))).toBeNull();
    expect(formatDoctor(caps([old]), (_, t) => t).split("\n").slice(-2)).toEqual([
      "not healthy, but this machine can build:",
      "  - buildx 0.7.1 is older than 0.8.0 [buildx-too-old]",
    ]);
  });

  it("a daemon that does not answer stops the docker and docker-container drivers, or an unknown one, but not a remote builder", () => {
    expect(buildBlocker(caps([daemon]))).toEqual(daemon);
    expect(buildBlocker(caps([daemon], { driver: "docker-container" }))).toEqual(daemon);
    expect(buildBlocker(caps([daemon], { driver: null }))).toEqual(daemon);
    expect(buildBlocker(caps([daemon], { driver: "remote" }))).toBeNull();
    expect(buildBlocker(caps([daemon], { driver: "kubernetes" }))).toBeNull();
  });

  it("the guide and doctor say the same blocker", () => {
    const missing: Problem = { code: "builder-unavailable", message: 'cannot inspect builder ci: no builder "ci" found' };
    expect(cannotRun(caps([missing]))).toBe(missing.message);
    expect(formatDoctor(caps([missing]), (_, t) => t).split("\n").slice(-2, -1)).toEqual(["not healthy: this machine cannot build (builder-unavailable)"]);
  });

  it("no buildx command at all stops it even without a problem listed", () => {
    expect(buildBlocker(caps([], { buildxCommand: null }))?.code).toBe("no-docker");
  });
});
