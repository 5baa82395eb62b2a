/**
 * The guide's question flow, with a scripted person (test/fixtures/guide/fake.ts): every journey
 * names each question it expects, in order, with its answer, and asserts what the guide said and
 * what it built or saved. Machines are fake Capabilities; builds are a fake build().
 */
import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Capabilities } from "../lib/core/capabilities.ts";
import { BuildError, ValidationError } from "../lib/core/errors.ts";
import { describeMachine, guideCommand, type GuideIO, type KnownBuilder } from "../lib/guide/flow.ts";
import type { RunOptions } from "../lib/build/run.ts";
import { shellCommand } from "../lib/runtime/spawn.ts";
import {
  ANCIENT,
  builder,
  CLASSIC,
  fakeBuild,
  machine,
  MODERN,
  NONE,
  OLD,
  ONE_BUILDER,
  Screen,
  scripted,
  type Step,
  TWO_BUILDERS,
  workdir,
} from "./fixtures/guide/fake.ts";
import { canMount } from "./support/mount.ts";

interface Journey {
  readonly code: number;
  /** What the guide said, with each question as `? message`. */
  readonly text: string;
  readonly cwd: string;
  readonly calls: ReturnType<typeof fakeBuild>["calls"];
}

async function journey(
  script: Step[],
  opts: {
    caps?: Capabilities;
    args?: string[];
    cwd?: string;
    env?: Record<string, string>;
    build?: GuideIO["build"];
    /** The machine's builders (default: one, so no builder question). */
    builders?: GuideIO["builders"];
    /** The machine with the builder named (a builder chosen, or a recipe's); default `caps`. */
    probe?: GuideIO["probe"];
  } = {},
): Promise<Journey> {
  const cwd = opts.cwd ?? (await workdir());
  const screen = new Screen();
  const prompts = scripted(script, screen);
  const fake = fakeBuild();
  const code = await guideCommand(opts.args ?? [], {
    prompts,
    cwd,
    output: screen,
    env: opts.env ?? {},
    probe: opts.probe ?? (async () => opts.caps ?? MODERN),
    builders: opts.builders ?? (async () => ONE_BUILDER),
    build: opts.build ?? fake.build,
  });
  if (process.env.GUIDE_DEBUG) console.log(screen.text);
  expect(prompts.left(), "every scripted question was asked").toEqual([]);
  return { code, text: screen.text, cwd, calls: fake.calls };
}

/** The text between two markers (the second one excluded), to check that a message came where it arose. */
function between(text: string, from: string, to: string): string {
  // The last `from` that `to` follows: a question asked twice is looked at the time it led to `to`.
  let found = text.lastIndexOf(from);
  while (found >= 0 && text.indexOf(to, found + from.length) < 0) found = text.lastIndexOf(from, found - 1);
  expect(found, `${JSON.stringify(from)} followed by ${JSON.stringify(to)} in the output`).toBeGreaterThanOrEqual(0);
  const start = text.indexOf("\n", found) + 1; // the rest of the marker's line is not between
  return text.slice(start, text.indexOf(to, start));
}

async function recipeAt(cwd: string, path: string): Promise<Record<string, unknown> & { options: Record<string, unknown> }> {
  return JSON.parse(await readFile(join(cwd, path), "utf8"));
}

async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

const TAG = "localhost:5000/guide/app:1";

/**
 * The command as the guide shows it after `cd FOLDER && `: `docker buildx build ARGS`, shell-quoted
 * by shellCommand(), with the `--progress=plain` a build adds where stderr is no terminal (as here),
 * in its place in the table's (alphabetical) order.
 */
function cmd(...args: string[]): string {
  const at = args.findIndex((a) => !a.startsWith("--") || a.slice(2) > "progress");
  const withProgress = [...args.slice(0, at < 0 ? args.length : at), "--progress=plain", ...args.slice(at < 0 ? args.length : at)];
  return shellCommand(["docker", "buildx", "build", ...withProgress]);
}

/** Context app, its Dockerfile, the last stage, one tag. */
function start(tag = TAG): Step[] {
  return [
    { input: "Folder to build", answer: "app", default: "." },
    {
      select: "(--file)",
      choices: ["Dockerfile", "Dockerfile.dev", "another file..."],
      default: "app/Dockerfile",
    },
    {
      select: "(--target)",
      choices: ["the last stage (runtime)", "deps", "test", "runtime"],
      default: "",
    },
    { input: "(--tag)", answer: tag },
  ];
}

const PLATFORMS_NONE: Step = { checkbox: "(--platform)", checked: [] };
const ARGS_NONE: Step = {
  checkbox: "Build arguments to set  (--build-arg)",
  choices: ['BASE (default: "local/busybox:1")', 'GREETING (default: "hello from the guide")', 'DEPS_MODE (default: "fast")'],
  answer: [],
};
const MORE_NO: Step = { confirm: "More options?", answer: false, default: false };
const WHERE = "Where should the image go?";
/** The help lines said right before a question (dimmed at a terminal). */
const HELP_ARGS = "  Values for the Dockerfile's ARGs. Space ticks; the rest keep defaults.\n";
const PUSHED_ONLY = '  Note: Pushed only: the image will not be in this machine\'s image store. To have it here too, choose "load and push".\n';
const FILES_ONLY = "  Note: Files only: writing the result as files neither pushes the image nor loads it into the image store.\n";
const NOW = "What now?";

describe("guide: destinations", () => {
  it("loads into the image store (the default) and runs", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      {
        select: WHERE,
        default: "load",
        choices: [
          "load into the image store",
          "push to a registry",
          "load and push",
          "a local folder",
          "a tar file",
          "an OCI layout",
          "nowhere: the build cache only",
        ],
        enabled: ["both"],
      },
      ARGS_NONE,
      MORE_NO,
      {
        select: NOW,
        default: "run",
        choices: ["run it now", "save it as a recipe", "save it as a recipe and run it", "print the command only", "change an answer"],
      },
    ]);
    expect(j.code).toBe(0);
    expect(j.text).toMatch(
      /^Machine: buildx 0\.13\.1 · docker driver \(builder default\) · containerd image store · platforms linux\/amd64, linux\/amd64\/v2, linux\/amd64\/v3\n/,
    );
    expect(j.text).toContain(`The command:\n  cd ${j.cwd} && ${cmd("--load", `--tag=${TAG}`, "app")}\n`);
    // Where it went: the name it has in the image store, and how to run it.
    expect(j.text).toContain(`Building...\nBuilt in 1.2s.\nIn the image store as ${TAG} (sha256:0123456789ab).\n  Run it: docker run --rm ${TAG}\n`);
    expect(j.calls).toHaveLength(1);
    expect(j.calls[0]!.options).toEqual({ context: "app", load: true, tag: [TAG] });
    expect(j.calls[0]!.run).toMatchObject({ cwd: j.cwd, capabilities: MODERN });
    expect(await filesIn(j.cwd)).toEqual(["app", "bare"]);
  });

  it("pushes: says that load is off because push is on, and saves a recipe", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE, answer: "push" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "save" },
      { input: "Save the recipe as", default: "app.json", answer: "push.json" },
      { input: "A description for the recipe (empty: none)", answer: "pushes app" },
    ]);
    expect(j.code).toBe(0);
    expect(between(j.text, `? ${WHERE}`, "? Build arguments")).toBe(PUSHED_ONLY + HELP_ARGS);
    expect(j.text).toContain("Saved push.json. Rebuild it with: buildx-kit run push.json\n");
    expect(j.calls).toEqual([]);
    const recipe = await recipeAt(j.cwd, "push.json");
    expect(recipe).toEqual({
      $schema: "urn:buildx-kit:recipe-schema:1",
      recipe: 1,
      name: "push",
      description: "pushes app",
      buildx: "0.13.1",
      options: { context: "app", push: true, tag: [TAG] },
    });
  });

  it("pushes without a tag: the plan's error, then the tag question again, which now needs one", async () => {
    const j = await journey([
      ...start("").slice(0, 3),
      { input: "(--tag)", clear: true },
      PLATFORMS_NONE,
      { select: WHERE, answer: "push" },
      {
        input: "(--tag)",
        default: "app:latest",
        clear: true,
        answer: "",
        invalid: "Pushing needs a name that says where the image goes, e.g. localhost:5000/app:1.",
      },
      { input: "(--tag)", answer: TAG },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "print" },
    ]);
    expect(j.code).toBe(0);
    expect(between(j.text, `? ${WHERE}`, "? Image name")).toBe(
      "  Problem: Pushing needs a name that says where the image goes, e.g. localhost:5000/app:1.\n" +
        "  A push needs the registry first: localhost:5000/NAME:1. Several: spaces.\n",
    );
    expect(j.text).toContain(`  cd ${j.cwd} && ${cmd("--push", `--tag=${TAG}`, "app")}\n`);
    // "print only" ends with the bare command, to copy.
    expect(j.text.endsWith(`? ${NOW}\ncd ${j.cwd} && ${cmd("--push", `--tag=${TAG}`, "app")}\n`)).toBe(true);
  });

  it("offers the folder's name as the tag; pushing a tag with no registry warns that it goes to Docker Hub", async () => {
    const j = await journey([
      ...start().slice(0, 3),
      { input: "(--tag)", default: "app:latest" },
      PLATFORMS_NONE,
      { select: WHERE, answer: "push" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "change" },
      { select: "Which answer?", choices: ["Image name: app:latest"], answer: "tag" },
      { input: "(--tag)", default: "app:latest", answer: "app:latest me/app:1" },
      { select: NOW, answer: "print" },
    ]);
    const hub = "  Warning: app:latest names no registry, so a push sends it to Docker Hub (docker.io/library/app). " +
      "For another registry, write it first: localhost:5000/app:latest.\n";
    // Said at the destination, where the push was chosen, once; the new tag gets its own.
    expect(between(j.text, `? ${WHERE}`, "? Build arguments")).toBe(PUSHED_ONLY + hub + HELP_ARGS);
    expect(j.text.split(hub)).toHaveLength(2);
    expect(between(j.text, "? Image name and tag", "\nThe command:")).toContain(
      "  Warning: me/app:1 names no registry, so a push sends it to Docker Hub (docker.io/me/app).",
    );
  });

  it("loads and pushes where buildx >= 0.13 can export twice, saving and running", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE, answer: "both", enabled: ["both"] },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "both" },
      { input: "Save the recipe as", answer: "" },
      { input: "A description for the recipe", answer: "" },
    ]);
    expect(j.code).toBe(0);
    expect(j.calls[0]!.options).toEqual({ context: "app", load: true, push: true, tag: [TAG] });
    expect((await recipeAt(j.cwd, "app.json")).options).toEqual({ context: "app", load: true, push: true, tag: [TAG] });
    expect((await recipeAt(j.cwd, "app.json")).name).toBe("app");
    // Saved before building: the recipe exists even if the build then fails.
    expect(j.text.indexOf("Saved app.json.")).toBeLessThan(j.text.indexOf("Building..."));
  });

  it("offers load and push disabled on buildx 0.9, with the version it needs", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE, disabled: { both: "needs buildx 0.13.0+ (this is 0.9.1)" }, default: "load" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "print" },
    ], { caps: OLD });
    expect(j.text).toMatch(/^Machine: buildx 0\.9\.1 · docker driver \(builder default\) · classic image store · platforms/);
    expect(j.text).toContain(cmd("--load", `--tag=${TAG}`, "app"));
  });

  it("writes a local folder: push and load are off, in the plan's words", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE, answer: "local" },
      { input: "Folder to write the files to", default: "out", answer: "-", invalid: "- (stdout) is the terminal here: name a file" },
      { input: "Folder to write the files to", answer: "dist" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "save" },
      { input: "Save the recipe as", answer: "local.json" },
      { input: "A description for the recipe", answer: "" },
    ]);
    // The rule (a file output turns push and load off) said once, where it was chosen.
    expect(between(j.text, "? Folder to write the files to", "? Build arguments")).toBe(FILES_ONLY + HELP_ARGS);
    expect(j.text).toContain(cmd("--output=type=local,dest=dist", `--tag=${TAG}`, "app"));
    expect((await recipeAt(j.cwd, "local.json")).options).toEqual({ context: "app", output: "type=local,dest=dist", tag: [TAG] });
  });

  it("writes a tar file", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE, answer: "tar" },
      { input: "Tar file to write the files to", default: "image.tar", answer: "" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "print" },
    ]);
    expect(j.text).toContain(FILES_ONLY);
    expect(j.text.split(FILES_ONLY)).toHaveLength(2);
    expect(j.text).toContain(cmd("--output=type=tar,dest=image.tar", `--tag=${TAG}`, "app"));
  });

  it("writes an OCI layout", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE, answer: "oci" },
      { input: "File for the OCI layout (a tar)", default: "image-oci.tar", answer: "" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "print" },
    ]);
    expect(j.text).toContain("  Note: the image goes to image-oci.tar only: it is neither pushed nor loaded.\n");
    expect(j.text).toContain(cmd("--output=type=oci,dest=image-oci.tar", `--tag=${TAG}`, "app"));
  });

  it("keeps the result in the build cache only: the plan's warning comes right there", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE, answer: "cache" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "run" },
    ]);
    expect(between(j.text, `? ${WHERE}`, "? Build arguments")).toBe(
      "  Warning: This builder (the docker driver) puts the result into the image store anyway.\n" + HELP_ARGS,
    );
    expect(j.calls[0]!.options).toEqual({ context: "app", load: false, tag: [TAG] });
  });
});

describe("guide: the live rules", () => {
  const MANY = ["linux/amd64", "linux/arm64"];
  const platforms = (answer: string[]): Step => ({
    checkbox: "(--platform)",
    answer,
    choices: ["linux/amd64", "linux/arm64 (not this builder's own: emulated, slower)"],
  });
  const conflict = "  Problem: This machine's image store (the classic one) holds one platform per image, so 2 platforms cannot be loaded into it. " +
    "Push them to a registry, write an OCI layout, or build one platform (or turn on the containerd image store).\n";
  const INSTEAD = "2 platforms cannot be loaded here. Instead:";

  it("several platforms + load on the classic store: explains, offers an OCI layout instead", async () => {
    const j = await journey([
      ...start(),
      platforms(MANY),
      // The default is already push: load would not work here.
      { select: WHERE, default: "push", answer: "load" },
      { select: INSTEAD, choices: ["push to a registry", "write an OCI layout", "choose other platforms"], answer: "oci" },
      { input: "File for the OCI layout (a tar)", answer: "" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "print" },
    ], { caps: CLASSIC });
    expect(j.text).toMatch(/^Machine: buildx 0\.13\.1 · docker driver \(builder default\) · classic image store · /);
    expect(between(j.text, `? ${WHERE}`, `? ${INSTEAD}`)).toBe(conflict);
    expect(j.text).toContain(cmd("--output=type=oci,dest=image-oci.tar", "--platform=linux/amd64,linux/arm64", `--tag=${TAG}`, "app"));
  });

  it("several platforms + load on the classic store: push instead", async () => {
    const j = await journey([
      ...start(),
      platforms(MANY),
      { select: WHERE, answer: "load" },
      { select: INSTEAD, answer: "push" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "run" },
    ], { caps: CLASSIC });
    expect(j.calls[0]!.options).toEqual({ context: "app", push: true, platform: MANY, tag: [TAG] });
    expect(j.text).toContain(PUSHED_ONLY);
  });

  it("several platforms + load on the classic store: back to the platforms, one can be loaded", async () => {
    const j = await journey([
      ...start(),
      platforms(MANY),
      { select: WHERE, answer: "load" },
      { select: INSTEAD, answer: "platform" },
      { checkbox: "(--platform)", checked: MANY, answer: ["linux/arm64"] },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "print" },
    ], { caps: CLASSIC });
    expect(j.text).toContain(cmd("--load", "--platform=linux/arm64", `--tag=${TAG}`, "app"));
  });

  it("the same on the containerd store is fine, and unknown stores get a note", async () => {
    const ok = await journey([...start(), platforms(MANY), { select: WHERE, default: "load" }, ARGS_NONE, MORE_NO, { select: NOW, answer: "print" }]);
    expect(ok.text).toContain(cmd("--load", "--platform=linux/amd64,linux/arm64", `--tag=${TAG}`, "app"));
    const unknown = await journey([
      ...start(),
      { checkbox: "(--platform)", answer: MANY },
      { select: WHERE, default: "load" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "save", disabled: { run: "(no docker (and no standalone buildx) on PATH)" } },
      { input: "Save the recipe as", answer: "" },
      { input: "A description", answer: "" },
    ], { caps: NONE });
    expect(between(unknown.text, `? ${WHERE}`, "? Build arguments")).toBe(
      "  Note: Loading 2 platforms needs the containerd image store; this machine was not checked, so the build may refuse.\n" + HELP_ARGS,
    );
  });

  it("changing the platforms after choosing load runs into the same rule, with the same way out", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE, answer: "load" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "change" },
      { select: "Which answer?", choices: ["Platforms: the builder's own (linux/amd64)", "Goes to: load into the image store"], answer: "platform" },
      platforms(MANY),
      { select: INSTEAD, answer: "oci" },
      { input: "File for the OCI layout (a tar)", answer: "multi.tar" },
      { select: NOW, answer: "print" },
    ], { caps: CLASSIC });
    expect(between(j.text, "? Platforms", `? ${INSTEAD}`)).toBe(conflict);
    expect(j.text).toContain("  Note: the image goes to multi.tar only: it is neither pushed nor loaded.\n");
    expect(j.text).toContain(cmd("--output=type=oci,dest=multi.tar", "--platform=linux/amd64,linux/arm64", `--tag=${TAG}`, "app"));
  });

  it("buildx 0.9: attestations and annotations are shown disabled with the version they need", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      { confirm: "More options?", answer: true },
      {
        checkbox: "Which options?",
        disabled: {
          annotation: "needs buildx 0.12.0+ (this is 0.9.1)",
          attest: "needs buildx 0.10.0+",
          provenance: "needs buildx 0.10.0+",
          sbom: "needs buildx 0.10.0+",
        },
        choices: ["Build everything again, without cache?  (--no-cache)"],
        answer: ["noCache"],
      },
      { confirm: "(--no-cache)", default: true },
      { select: NOW, answer: "print" },
    ], { caps: OLD });
    expect(j.text).toContain(cmd("--load", "--no-cache", `--tag=${TAG}`, "app"));
  });

  it("the classic store: attestations disabled with the plan's reason", async () => {
    const why = "needs the containerd image store";
    await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      { confirm: "More options?", answer: true },
      { checkbox: "Which options?", disabled: { attest: why, provenance: why, sbom: why }, enabled: ["annotation", "secret"], answer: [] },
      { select: NOW, answer: "print" },
    ], { caps: CLASSIC });
  });

  it("buildx 0.5: the machine's problem is said, secrets from env and newer flags are disabled", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      { confirm: "More options?", answer: true },
      {
        checkbox: "Which options?",
        disabled: {
          buildContext: "needs buildx 0.8.0+",
          noCacheFilter: "needs buildx 0.8.0+",
          shmSize: "needs buildx 0.7.0+",
          ulimit: "needs buildx 0.7.0+ (this is 0.5.1)",
        },
        answer: ["secret"],
      },
      { input: "A secret: its id  (RUN --mount=type=secret,id=...; empty: done)", answer: "npmrc" },
      { select: "Where does npmrc come from?", disabled: { env: "needs buildx 0.6.0+" }, default: "src" },
      { input: "The file", answer: "app/missing", invalid: `there is no file app/missing in ` },
      { input: "The file", answer: "app/npmrc" },
      { input: "Another secret: its id", answer: "" },
      { select: NOW, answer: "print" },
    ], { caps: ANCIENT });
    expect(j.text).toContain(
      "Machine: buildx 0.5.1 · docker driver (builder default) · containerd image store · platforms linux/amd64, linux/amd64/v2, linux/amd64/v3\n  buildx 0.5.1 is older than 0.8.0, the oldest buildx-kit supports\n",
    );
    expect(j.text).toContain(cmd("--load", "--secret=id=npmrc,src=app/npmrc", `--tag=${TAG}`, "app"));
  });

  it("no docker at all: says why, still plans, saves and prints; running is disabled", async () => {
    const j = await journey([
      ...start(),
      { checkbox: "(--platform)", choices: ["linux/amd64", "linux/arm64", "linux/riscv64"], answer: [] },
      { select: WHERE, enabled: ["both"] },
      ARGS_NONE,
      MORE_NO,
      {
        select: NOW,
        default: "save",
        disabled: { run: "(no docker (and no standalone buildx) on PATH)", both: "(no docker (and no standalone buildx) on PATH)" },
        answer: "save",
      },
      { input: "Save the recipe as", answer: "offline.json" },
      { input: "A description", answer: "" },
    ], { caps: NONE });
    expect(j.text).toMatch(
      /^Machine: no docker \(and no standalone buildx\) on PATH\.\nYou can still plan the build, save it as a recipe and print the command; running it needs docker with buildx\.\n/,
    );
    expect(j.text).toContain(cmd("--load", `--tag=${TAG}`, "app"));
    const recipe = await recipeAt(j.cwd, "offline.json");
    expect(recipe.buildx).toBeUndefined();
    expect(recipe.options).toEqual({ context: "app", load: true, tag: [TAG] });
  });

  it("a daemon that does not answer: buildx is there, running is disabled with the reason", async () => {
    const caps = machine({ problems: [{ code: "daemon-unreachable", message: "the Docker daemon is not reachable: Cannot connect" }], engineVersion: null });
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, disabled: { run: "(the Docker daemon is not reachable: Cannot connect)" }, answer: "print" },
    ], { caps });
    expect(j.text).toContain(
      "  the Docker daemon is not reachable: Cannot connect\nYou can still plan the build, save it as a recipe and print the command; running it needs a working docker with buildx.\n",
    );
  });
});

describe("guide: the questions", () => {
  it("checks the context, the tags as typed, and offers the Dockerfile's stages and ARGs with defaults", async () => {
    const j = await journey([
      { input: "Folder to build", answer: "nowhere", invalid: /^there is no folder nowhere in / },
      { input: "Folder to build", answer: "-", invalid: "- (a tarball on stdin) cannot be the context of a guided build: stdin is the terminal" },
      { input: "Folder to build", answer: "app/Dockerfile", invalid: "app/Dockerfile is a file, not a folder" },
      { input: "Folder to build", answer: "app" },
      { select: "(--file)", answer: "app/Dockerfile.dev" },
      { select: "(--target)", choices: ["the last stage (dev)", "dev"], answer: "dev" },
      { input: "(--tag)", answer: "Bad:Tag", invalid: '"Bad:Tag" has upper-case letters in the repository name (they must be lower-case)' },
      { input: "(--tag)", answer: "app:", invalid: '"app:" is not a valid image reference ([registry/]repository[:tag], lower-case)' },
      { input: "(--tag)", answer: "dev:1, localhost:5000/guide/dev:1" },
      PLATFORMS_NONE,
      { select: WHERE },
      { checkbox: "Build arguments to set  (--build-arg)", choices: ['DEV_PORT (default: "8080")'], answer: ["DEV_PORT"] },
      { input: "DEV_PORT =", default: "8080", answer: "9090" },
      MORE_NO,
      { select: NOW, answer: "print" },
    ]);
    expect(j.text).toContain(
      cmd("--build-arg=DEV_PORT=9090", "--file=app/Dockerfile.dev", "--load", "--tag=dev:1", "--tag=localhost:5000/guide/dev:1", "--target=dev", "app"),
    );
  });

  it("a context with no Dockerfile: asks for its path, from here", async () => {
    const j = await journey([
      { input: "Folder to build", answer: "bare" },
      {
        input: "Path of the Dockerfile, from here (not from the context)",
        default: "bare/Dockerfile",
        answer: "",
        invalid: /^there is no file bare\/Dockerfile in /,
      },
      { input: "Path of the Dockerfile", answer: "app", invalid: "app is not a file" },
      { input: "Path of the Dockerfile", answer: "app/Dockerfile" },
      { select: "(--target)", answer: "deps" },
      { input: "(--tag)", clear: true },
      PLATFORMS_NONE,
      { select: WHERE },
      { checkbox: "(--build-arg)", choices: ["BASE", "GREETING", "DEPS_MODE"], answer: ["GREETING", "DEPS_MODE"] },
      { input: "GREETING =", default: "hello from the guide", answer: "" },
      { input: "DEPS_MODE =", default: "fast", answer: "slow" },
      MORE_NO,
      { select: NOW, answer: "print" },
    ]);
    expect(j.text).toContain("No Dockerfile in bare: name one (its path from here).\n");
    expect(j.text).toContain(
      cmd("--build-arg=GREETING=hello from the guide", "--build-arg=DEPS_MODE=slow", "--file=app/Dockerfile", "--load", "--target=deps", "bare"),
    );
  });

  it("another file, a Dockerfile without ARGs, and a credential-looking build arg", async () => {
    const cwd = await workdir();
    await writeFile(join(cwd, "app", "plain.Dockerfile"), "FROM local/busybox:1\nRUN true\n");
    await writeFile(join(cwd, "app", "Containerfile"), "FROM local/busybox:1 AS c\nARG API_TOKEN\n");
    await writeFile(join(cwd, "noargs.Dockerfile"), "FROM local/busybox:1\n");
    await writeFile(join(cwd, "broken.Dockerfile"), "# nothing here\n");
    const j = await journey([
      { input: "Folder to build", answer: "app" },
      { select: "(--file)", choices: ["Dockerfile", "Containerfile", "Dockerfile.dev", "plain.Dockerfile", "another file..."], answer: "\u0000other" },
      { input: "Path of the Dockerfile", answer: "broken.Dockerfile" },
      { input: "(--tag)", clear: true },
      PLATFORMS_NONE,
      { select: WHERE },
      MORE_NO,
      { select: NOW, answer: "change" },
      { select: "Which answer?", answer: "file" },
      { select: "(--file)", choices: ["broken.Dockerfile (as given)"], answer: "app/Containerfile" },
      { select: NOW, answer: "change" },
      { select: "Which answer?", choices: ["Build arguments: none"], answer: "buildArg" },
      { checkbox: "(--build-arg)", choices: ["API_TOKEN (no default)"], answer: ["API_TOKEN"] },
      { input: "API_TOKEN =", default: null, answer: "hunter2" },
      { select: NOW, answer: "print" },
    ], { cwd });
    expect(j.text).toContain("  broken.Dockerfile has no FROM instruction.\n");
    expect(j.text).toContain("  broken.Dockerfile has no named stages (FROM ... AS name): its last stage is built.\n");
    expect(j.text).toContain("  broken.Dockerfile declares no ARG: no build arguments to set.\n");
    expect(j.text).toContain("  Warning: API_TOKEN looks like a credential: build args stay in the image's history; pass it as a secret instead");
    expect(j.text).toContain(cmd("--build-arg=API_TOKEN=hunter2", "--file=app/Containerfile", "--load", "app"));
  });

  it("a remote context: the Dockerfile and build args are typed", async () => {
    const j = await journey([
      { input: "Folder to build", answer: "https://github.com/example/app.git#main" },
      { input: "Which Dockerfile?  (--file) in the repository", default: "Dockerfile", answer: "docker/Dockerfile" },
      { input: "(--target)", answer: "prod" },
      { input: "(--tag)", clear: true },
      PLATFORMS_NONE,
      { select: WHERE },
      { input: "A build argument, NAME=value  (--build-arg) e.g. VERSION=1.2; empty: none", answer: "nonsense", invalid: "write NAME=value" },
      { input: "(--build-arg)", answer: "VERSION=1.2" },
      { input: "Another build argument, NAME=value  (--build-arg) e.g. VERSION=1.2; empty: no more", answer: "" },
      MORE_NO,
      { select: NOW, answer: "print" },
    ]);
    expect(j.text).toContain(cmd("--build-arg=VERSION=1.2", "--file=docker/Dockerfile", "--load", "--target=prod", "https://github.com/example/app.git#main"));
  });

  it("every more option, each asked by its kind, with the plan checking each entry", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      { confirm: "More options?", answer: true },
      {
        checkbox: "Which options?",
        answer: [
          "addHost",
          "allow",
          "annotation",
          "attest",
          "buildContext",
          "cacheFrom",
          "cacheTo",
          "label",
          "network",
          "noCache",
          "noCacheFilter",
          "provenance",
          "pull",
          "sbom",
          "secret",
          "shmSize",
          "ulimit",
        ],
      },
      { input: "first?  (--add-host)", answer: "nonsense", invalid: 'expects host:ip, got the string "nonsense"' },
      { input: "first?  (--add-host)", answer: "db.local=10.0.0.5" },
      { input: "another?  (--add-host)", answer: "" },
      { checkbox: "(--allow)", choices: ["network.host", "security.insecure", "device", "buildx.local.delete"], answer: ["network.host"] },
      { input: "first?  (--annotation)", answer: "org.opencontainers.image.title=guide" },
      { input: "another?  (--annotation)", answer: "" },
      { input: "first?  (--attest)", answer: 'type="sbom', invalid: 'bare quote in a field at column 1 of "type=\\"sbom"' },
      { input: "first?  (--attest)", answer: "type=sbom" },
      { input: "another?  (--attest)", answer: "" },
      { input: "first?  (--build-context)", answer: "assets=./app" },
      { input: "another?  (--build-context)", answer: "" },
      { input: "first?  (--cache-from)", answer: "type=local,src=.cache" },
      { input: "another?  (--cache-from)", answer: "" },
      { input: "first?  (--cache-to)", answer: "type=local,dest=.cache,mode=max" },
      { input: "another?  (--cache-to)", answer: "" },
      { input: "first?  (--label)", answer: "org.opencontainers.image.source=https://example.com/app" },
      { input: "another?  (--label)", answer: "" },
      { select: "(--network)", choices: ["default", "none", "host"], answer: "host" },
      { confirm: "(--no-cache)", answer: true },
      { checkbox: "(--no-cache-filter)", choices: ["deps", "test", "runtime"], answer: ["deps"] },
      { select: "(--provenance)", choices: ["yes", "no, explicitly", "yes, with settings"], answer: "attrs" },
      { input: "Settings, key=value,...  (--provenance)", default: "mode=max", answer: "  ", invalid: "give settings (key=value,...), or choose yes" },
      { input: "Settings, key=value,...  (--provenance)", answer: "" },
      { confirm: "(--pull)", answer: true },
      {
        select: "(--sbom)",
        answer: "true",
        exactly: [
          { value: "true", name: "yes" },
          { value: "false", name: "no, explicitly", description: "buildx may add a minimal one by itself unless told no" },
          { value: "attrs", name: "yes, with settings", description: "key=value,..." },
        ],
      },
      { input: "A secret: its id", answer: "bad id", invalid: "an id is letters, digits, . _ and -" },
      { input: "A secret: its id", answer: "token" },
      { select: "Where does token come from?", enabled: ["env", "src"], default: "env" },
      { input: "The environment variable", default: "TOKEN", answer: "" },
      { input: "Another secret: its id", answer: "token", invalid: "there is a secret token already" },
      { input: "Another secret: its id", answer: "npmrc" },
      { select: "Where does npmrc come from?", answer: "src" },
      { input: "The file", answer: "app/npmrc" },
      { input: "Another secret: its id", answer: "" },
      { input: "(--shm-size)", default: "64m", answer: "  ", invalid: "give a value, or untick the option" },
      { input: "(--shm-size)", default: "64m", answer: "lots", invalid: 'expects a size in bytes or with a unit (64m, 1g), got the string "lots"' },
      { input: "(--shm-size)", answer: "128m" },
      { input: "first?  (--ulimit)", answer: "nofile=2048:1024", invalid: "soft limit 2048 is above the hard limit 1024" },
      { input: "first?  (--ulimit)", answer: "nofile", invalid: 'expects name=soft[:hard] (e.g. nofile=1024:2048), got the string "nofile"' },
      { input: "first?  (--ulimit)", answer: "nofile=1024:2048" },
      { input: "another?  (--ulimit)", answer: "" },
      { select: NOW, answer: "save" },
      { input: "Save the recipe as", answer: "everything.json" },
      { input: "A description", answer: "all of it" },
    ]);
    expect(j.text).toContain("  Warning: TOKEN is not set here: set it before the build runs, or the secret is empty.\n");
    expect(j.code).toBe(0);
    const options = (await recipeAt(j.cwd, "everything.json")).options;
    expect(options).toEqual({
      context: "app",
      addHost: { "db.local": "10.0.0.5" },
      allow: ["network.host"],
      annotation: ["org.opencontainers.image.title=guide"],
      attest: ["type=sbom"],
      buildContext: { assets: "./app" },
      cacheFrom: ["type=local,src=.cache"],
      cacheTo: ["type=local,dest=.cache,mode=max"],
      label: { "org.opencontainers.image.source": "https://example.com/app" },
      load: true,
      network: "host",
      noCache: true,
      noCacheFilter: ["deps"],
      provenance: "mode=max",
      pull: true,
      sbom: true,
      secret: ["id=token,env=TOKEN", "id=npmrc,src=app/npmrc"],
      shmSize: "128m",
      tag: [TAG],
      ulimit: { nofile: { soft: 1024, hard: 2048 } },
    });
    expect(j.text).toContain(
      `  cd ${j.cwd} && ${
        cmd(
          "--add-host=db.local:10.0.0.5",
          "--allow=network.host",
          "--annotation=org.opencontainers.image.title=guide",
          "--attest=type=sbom",
          "--build-context=assets=./app",
          "--cache-from=type=local,src=.cache",
          "--cache-to=type=local,dest=.cache,mode=max",
          "--label=org.opencontainers.image.source=https://example.com/app",
          "--load",
          "--network=host",
          "--no-cache",
          "--no-cache-filter=deps",
          "--provenance=mode=max",
          "--pull",
          "--sbom=true",
          "--secret=id=token,env=TOKEN",
          "--secret=id=npmrc,src=app/npmrc",
          "--shm-size=128m",
          `--tag=${TAG}`,
          "--ulimit=nofile=1024:2048",
          "app",
        )
      }\n`,
    );
  });
});

describe("guide: changing an answer", () => {
  it("goes back to that question, keeps the others, and returns to the end", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      { checkbox: "(--build-arg)", answer: ["GREETING"] },
      { input: "GREETING =", answer: "hi" },
      MORE_NO,
      { select: NOW, answer: "change" },
      {
        select: "Which answer?",
        choices: [
          "Folder to build: app",
          "Dockerfile: app/Dockerfile",
          "Stage: the last stage",
          `Image name: ${TAG}`,
          "Platforms: the builder's own (linux/amd64)",
          "Goes to: load into the image store",
          "Build arguments: GREETING=hi",
          "More options: none",
        ],
        answer: "destination",
      },
      { select: WHERE, default: "load", answer: "local" },
      { input: "Folder to write the files to", answer: "" },
      { select: NOW, answer: "change" },
      { select: "Which answer?", choices: ["Goes to: files in out/"], answer: "tag" },
      { input: "(--tag)", default: TAG, answer: "localhost:5000/guide/app:2" },
      { select: NOW, answer: "print" },
    ]);
    expect(j.text).toContain(cmd("--build-arg=GREETING=hi", "--output=type=local,dest=out", "--tag=localhost:5000/guide/app:2", "app"));
  });

  it("a new context asks for its Dockerfile again, and the target again when its stage is gone", async () => {
    const j = await journey([
      { input: "Folder to build", answer: "app" },
      { select: "(--file)" },
      { select: "(--target)", answer: "runtime" },
      { input: "(--tag)", clear: true },
      PLATFORMS_NONE,
      { select: WHERE },
      { checkbox: "(--build-arg)", answer: [] },
      MORE_NO,
      { select: NOW, answer: "change" },
      { select: "Which answer?", answer: "context" },
      { input: "Folder to build", default: "app", answer: "bare" },
      { input: "Path of the Dockerfile", answer: "app/Dockerfile.dev" },
      { select: "(--target)", choices: ["the last stage (dev)", "dev"], default: "" },
      { select: NOW, answer: "print" },
    ]);
    expect(j.text).toContain("  runtime is not a stage of app/Dockerfile.dev: choose another.\n");
    expect(j.text).toContain(cmd("--file=app/Dockerfile.dev", "--load", "bare"));
  });

  it("unchecking a more option drops it, and says so", async () => {
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      { confirm: "More options?", answer: true },
      { checkbox: "Which options?", answer: ["pull", "noCache"] },
      { confirm: "(--no-cache)" },
      { confirm: "(--pull)" },
      { select: NOW, answer: "change" },
      { select: "Which answer?", choices: ["More options: build everything again, without cache; always pull newer base images"], answer: "more" },
      { confirm: "More options?", default: true },
      { checkbox: "Which options?", checked: ["noCache", "pull"], answer: ["pull"] },
      { confirm: "(--pull)", default: true },
      { select: NOW, answer: "print" },
    ]);
    expect(j.text).toContain("  Dropped: build everything again, without cache (--no-cache).\n");
    expect(j.text).toContain(cmd("--load", "--pull", `--tag=${TAG}`, "app"));
  });
});

describe("guide --from", () => {
  async function withRecipe(options: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
    const cwd = await workdir();
    await mkdir(join(cwd, "recipes"));
    await writeFile(join(cwd, "recipes", "app.json"), `${JSON.stringify({ recipe: 1, name: "app", description: "the app", ...extra, options }, null, 2)}\n`);
    return cwd;
  }
  const FROM = {
    context: "../app",
    tag: "localhost:5000/guide/from:1",
    push: true,
    platform: "linux/amd64",
    buildArg: { GREETING: "from a recipe" },
    label: { team: "guide" },
    output: undefined,
    progress: "plain",
  };

  it("shows the recipe's answers and asks only what to change; changes one, saves it back", async () => {
    const cwd = await withRecipe(FROM);
    const j = await journey([
      // Nothing is asked again: the summary, then what to do with it.
      { select: NOW, default: "run", answer: "change" },
      { select: "Which answer?", choices: ["Image name: localhost:5000/guide/from:1"], answer: "tag" },
      { input: "(--tag)", default: "localhost:5000/guide/from:1", answer: "localhost:5000/guide/from:2" },
      { select: NOW, answer: "save" },
      { input: "Save the recipe as", default: "recipes/app.json" },
      { confirm: "recipes/app.json exists. Overwrite it?", default: false, answer: true },
      { input: "A description", default: "the app" },
    ], { cwd, args: ["--from", "recipes/app.json"] });
    expect(j.code).toBe(0);
    expect(j.text).toContain(
      "Starting from recipes/app.json (the app):\n" +
        "  Folder to build: app\n  Dockerfile: app/Dockerfile\n  Stage: the last stage\n  Image name: localhost:5000/guide/from:1\n" +
        "  Platforms: linux/amd64\n  Goes to: push to a registry\n  Build arguments: GREETING=from a recipe\n  More options: labels on the image\n" +
        PUSHED_ONLY + "\nThe command:\n",
    );
    const saved = await recipeAt(cwd, "recipes/app.json");
    expect(saved).toMatchObject({ name: "app", description: "the app", buildx: "0.13.1" });
    // Paths are relative to the recipe's folder again; what the guide does not ask (progress) is kept.
    expect(saved.options).toEqual({ ...FROM, output: undefined, tag: ["localhost:5000/guide/from:2"] });
  });

  it("runs straight from the recipe: one question", async () => {
    const cwd = await withRecipe({ context: "../app", tag: "localhost:5000/guide/from:1", push: true });
    const j = await journey([{ select: NOW, answer: "run" }], { cwd, args: ["--from", "recipes/app.json"] });
    expect(j.code).toBe(0);
    expect(j.calls[0]!.options).toEqual({ context: "app", tag: "localhost:5000/guide/from:1", push: true });
    expect(j.text).toContain(
      "Built in 1.2s.\nPushed localhost:5000/guide/from:1@sha256:0123456789abcdef\n  see http://localhost:5000/v2/guide/from/manifests/1\n",
    );
  });

  it("does not overwrite when told no, and saves elsewhere, converting paths for that folder", async () => {
    const cwd = await withRecipe({ context: "../app", output: "type=local,dest=../out", secret: "id=npmrc,src=../app/npmrc" });
    const before = await readFile(join(cwd, "recipes", "app.json"), "utf8");
    const j = await journey([
      { select: NOW, answer: "save" },
      { input: "Save the recipe as", default: "recipes/app.json" },
      { confirm: "recipes/app.json exists. Overwrite it?", answer: false },
      { input: "Save the recipe as", answer: "copy.json" },
      { input: "A description", default: "the app" },
    ], { cwd, args: ["--from=recipes/app.json"] });
    expect(j.text).toContain("  Goes to: files in out/\n  Build arguments: none\n  More options: secrets for run steps\n");
    expect(await readFile(join(cwd, "recipes", "app.json"), "utf8")).toBe(before);
    // Nothing was re-asked: the recipe's values are kept as written, paths converted.
    expect((await recipeAt(cwd, "copy.json")).options).toEqual({ context: "app", output: "type=local,dest=out", secret: "id=npmrc,src=app/npmrc" });
  });

  it("keeps an output it has no question for, and says what the recipe's target lacks", async () => {
    const cwd = await withRecipe({ context: "../app", target: "gone", output: "type=image,name=localhost:5000/guide/img:1,push=true", buildArg: { OLD: "1" } });
    const j = await journey([
      { select: NOW, answer: "change" },
      { select: "Which answer?", choices: ["Stage: gone", "Goes to: type=image,name=localhost:5000/guide/img:1,push=true"], answer: "target" },
      { select: "(--target)", default: "" },
      { select: NOW, answer: "print" },
    ], { cwd, args: ["--from", "recipes/app.json"] });
    expect(j.text).toContain("  Problem: gone is not a stage of app/Dockerfile: change the stage.\n");
    expect(j.text).toContain(cmd("--build-arg=OLD=1", "--output=type=image,name=localhost:5000/guide/img:1,push=true", "app"));
  });

  it("a recipe with an error the guide never asks about: shown at the end, run and save disabled", async () => {
    const cwd = await withRecipe({ context: "../app", call: "check" });
    const j = await journey([
      {
        select: NOW,
        default: "change",
        disabled: { run: "(fix the problems first)", save: "(fix the problems first)", both: "(fix the problems first)" },
        answer: "print",
      },
    ], { cwd, args: ["--from", "recipes/app.json"], caps: OLD });
    expect(j.text).toContain("  Problem: --call: needs buildx 0.15.0 or later; this machine has 0.9.1.\n");
  });

  it("a recipe that cannot be read: exit 2, nothing asked", async () => {
    const cwd = await workdir();
    await writeFile(join(cwd, "bad.json"), '{ "recipe": 1, "options": { "tag": 42, } }');
    const screen = new Screen();
    const prompts = scripted([]);
    expect(await guideCommand(["--from", "bad.json"], { prompts, cwd, output: screen, probe: async () => MODERN })).toBe(2);
    expect(screen.text).toBe(
      "error: bad.json: invalid recipe (1 problem):\n  bad.json:1:38: trailing comma after the last property: remove it (JSON allows none)\n",
    );
    expect(prompts.asked).toEqual([]);
    const missing = new Screen();
    expect(await guideCommand(["--from", "nope.json"], { prompts, cwd, output: missing })).toBe(2);
    expect(missing.text).toBe("error: nope.json: invalid recipe (1 problem):\n  nope.json: no such file\n");
  });
});

describe("guide: leaving", () => {
  for (
    const [where, steps] of [
      ["the first question", [{ cancel: "input", at: "Folder to build" }]],
      ["the destination", [...start(), PLATFORMS_NONE, { cancel: "select", at: WHERE }]],
      ["a secret's id", [...start(), PLATFORMS_NONE, { select: WHERE }, ARGS_NONE, { confirm: "More options?", answer: true }, {
        checkbox: "Which options?",
        answer: ["secret"],
      }, { cancel: "input", at: "A secret" }]],
      ["the recipe's path", [...start(), PLATFORMS_NONE, { select: WHERE }, ARGS_NONE, MORE_NO, { select: NOW, answer: "both" }, {
        cancel: "input",
        at: "Save the recipe as",
      }]],
      ["the recipe's description", [...start(), PLATFORMS_NONE, { select: WHERE }, ARGS_NONE, MORE_NO, { select: NOW, answer: "save" }, {
        input: "Save the recipe as",
      }, { cancel: "input", at: "A description" }]],
    ] as [string, Step[]][]
  ) {
    it(`Ctrl-C at ${where}: exit 130, nothing written, nothing built`, async () => {
      const j = await journey(steps);
      expect(j.code).toBe(130);
      expect(j.text.endsWith("\nLeft the guide: nothing was written.\n")).toBe(true);
      expect(await filesIn(j.cwd)).toEqual(["app", "bare"]);
      expect(j.calls).toEqual([]);
    });
  }

  it("Ctrl-C at the overwrite question leaves the old recipe as it was", async () => {
    const cwd = await workdir();
    await writeFile(join(cwd, "app.json"), "old\n");
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "save" },
      { input: "Save the recipe as", default: "app.json" },
      { cancel: "confirm", at: "app.json exists. Overwrite it?" },
    ], { cwd });
    expect(j.code).toBe(130);
    expect(await readFile(join(cwd, "app.json"), "utf8")).toBe("old\n");
    expect(await filesIn(cwd)).toEqual(["app", "app.json", "bare"]);
  });

  it("an aborted signal ends the guide the same way", async () => {
    const controller = new AbortController();
    const screen = new Screen();
    const code = await guideCommand([], {
      cwd: await workdir(),
      output: screen,
      probe: async () => MODERN,
      builders: async () => ONE_BUILDER,
      signal: controller.signal,
      prompts: {
        ...scripted([]),
        input: async (_q, context) => {
          controller.abort();
          throw Object.assign(new Error("aborted"), { name: "AbortPromptError", signal: context?.signal });
        },
      },
    });
    expect(code).toBe(130);
  });
});

/** The docker-container builder of TWO_BUILDERS as the probe describes it: nodes pinned to amd64 and arm64. */
const MULTI = machine({
  driver: "docker-container",
  containerdImageStore: null,
  builder: {
    name: "multi",
    driver: "docker-container",
    nodes: [{
      name: "multi0",
      status: "running",
      buildkitVersion: "0.13.1",
      platforms: ["linux/amd64", "linux/arm64", "linux/arm/v7"],
      configuredPlatforms: ["linux/amd64", "linux/arm64"],
    }],
  },
});

/** A probe per builder, recording each builder it was asked about ("" for buildx's own pick). */
function probes(byBuilder: Record<string, Capabilities>) {
  const asked: string[] = [];
  return {
    asked,
    probe: async (name?: string) => {
      asked.push(name ?? "");
      return byBuilder[name ?? ""] ?? MODERN;
    },
  };
}

describe("guide: which builder", () => {
  const WHICH = "Which builder to build on?  (--builder)";

  it("one builder that can build (another docker context's cannot): nothing asked, nothing set", async () => {
    const p = probes({});
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "change" },
      // The builder is not among the answers to change either.
      { select: "Which answer?", choices: ["Image name: localhost:5000/guide/app:1"], answer: "tag" },
      { input: "(--tag)" },
      { select: NOW, answer: "print" },
    ], {
      builders: async () => [builder("default", { current: true }), builder("other", { unavailable: "only from its docker context" })],
      probe: p.probe,
    });
    expect(j.code).toBe(0);
    expect(j.text).not.toContain(WHICH);
    expect(j.text).not.toContain("Builder:");
    expect(j.text).not.toContain("--builder");
    expect(p.asked).toEqual([""]);
  });

  it("two builders: the current one first and highlighted; another one sets --builder, and its platforms and rules follow", async () => {
    const p = probes({ multi: MULTI });
    const j = await journey([
      ...start(),
      {
        select: WHICH,
        default: "default",
        exactly: [
          {
            value: "default",
            name: "default (current) · docker · linux/amd64, linux/amd64/v2, linux/amd64/v3",
            short: "default",
            description: "node default (running): linux/amd64, linux/amd64/v2, linux/amd64/v3",
          },
          {
            value: "multi",
            name: "multi · docker-container · linux/amd64, linux/arm64, linux/arm/v7",
            short: "multi",
            description: "node multi (running): linux/amd64, linux/arm64, linux/arm/v7",
          },
        ],
        answer: "multi",
      },
      // The chosen builder's platforms are its own; one no node serves is refused, in the plan's words.
      {
        checkbox: "(--platform)",
        choices: ["linux/arm64", "linux/riscv64 (not this builder's own: emulated, slower)"],
        answer: ["linux/riscv64"],
        invalid: /linux\/riscv64 is served by no node of builder multi/,
      },
      { checkbox: "(--platform)", answer: ["linux/arm64"] },
      { select: WHERE, answer: "push" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "run" },
    ], { builders: async () => TWO_BUILDERS, probe: p.probe });
    expect(j.code).toBe(0);
    expect(p.asked).toEqual(["", "multi"]);
    // The machine line is said again, for the builder chosen, before its platforms are asked.
    expect(between(j.text, `? ${WHICH}`, "? Platforms to build for")).toMatch(
      /^Machine: buildx 0\.13\.1 · docker-container driver \(builder multi\) · image store unknown · platforms linux\/amd64, linux\/arm64, linux\/arm\/v7\n/,
    );
    expect(j.text).toContain("  Space ticks. None ticked: linux/amd64, this builder's own.\n? Platforms to build for");
    expect(j.calls[0]!.options).toEqual({ context: "app", tag: [TAG], builder: "multi", platform: ["linux/arm64"], push: true });
    expect(j.calls[0]!.run.capabilities).toBe(MULTI);
    expect(j.text).toContain(cmd("--builder=multi", "--platform=linux/arm64", "--push", `--tag=${TAG}`, "app"));
  });

  it("taking the highlighted one keeps buildx's own pick: no --builder, no second probe", async () => {
    const p = probes({ multi: MULTI });
    const j = await journey([
      ...start(),
      { select: WHICH, default: "default" },
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "run" },
    ], { builders: async () => TWO_BUILDERS, probe: p.probe });
    expect(p.asked).toEqual([""]);
    expect(j.calls[0]!.options).toEqual({ context: "app", load: true, tag: [TAG] });
    expect(j.text.match(/^Machine:/gm)).toHaveLength(1);
  });

  it("a builder that cannot build from here is shown disabled with why, and ? says how to reach it", async () => {
    const j = await journey([
      ...start(),
      { more: "select", at: WHICH },
      { select: WHICH, default: "default", disabled: { second: "(only from its docker context)" }, answer: "multi" },
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "print" },
    ], {
      builders: async () => [...TWO_BUILDERS, builder("second", { unavailable: "only from its docker context", platforms: ["linux/amd64", "linux/386"] })],
      probe: probes({ multi: MULTI }).probe,
    });
    expect(between(j.text, `? ${WHICH}`, `? ${WHICH}`)).toBe([
      'More about "Which builder to build on":',
      "  --builder: Override the configured builder instance.",
      "  Added in buildx 0.4.0. For example: default",
      "  A builder is where BuildKit runs the build: this machine's docker engine (the docker driver), a BuildKit container, a remote daemon or a cluster. It builds its nodes' platforms at full speed, others emulated. The current one is what buildx uses when none is named (docker buildx use changes it).",
      "  second cannot build from here (only from its docker context).",
      "  A docker context's own builder builds only from that context: docker context use NAME, then start the guide again.",
      "",
    ].join("\n"));
  });

  it("changing the builder asks the platforms again when the new one does not serve them", async () => {
    const j = await journey([
      ...start(),
      { select: WHICH, answer: "multi" },
      { checkbox: "(--platform)", answer: ["linux/arm64"] },
      { select: WHERE, answer: "push" },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "change" },
      { select: "Which answer?", choices: ["Builder: multi"], answer: "builder" },
      { select: WHICH, default: "multi", answer: "arm" },
      // arm serves only linux/arm/v7: linux/arm64 is refused, so the platforms are asked again.
      { checkbox: "(--platform)", checked: ["linux/arm64"], answer: ["linux/arm/v7"] },
      { select: NOW, answer: "print" },
    ], {
      builders: async () => [...TWO_BUILDERS, builder("arm", { driver: "remote", platforms: ["linux/arm/v7"] })],
      probe: probes({
        multi: MULTI,
        arm: machine({
          driver: "remote",
          builder: {
            name: "arm",
            driver: "remote",
            nodes: [{ name: "arm0", status: "running", buildkitVersion: "0.13.1", platforms: ["linux/arm/v7"], configuredPlatforms: ["linux/arm/v7"] }],
          },
        }),
      }).probe,
    });
    expect(j.code).toBe(0);
    expect(j.text).toContain(cmd("--builder=arm", "--platform=linux/arm/v7", "--push", `--tag=${TAG}`, "app"));
  });

  it("a docker buildx ls that does not answer in time: said, the build stays on the current builder, the other questions go on", async () => {
    let answer!: (list: readonly KnownBuilder[]) => void;
    const late = new Promise<readonly KnownBuilder[]>((r) => (answer = r));
    const cwd = await workdir();
    const screen = new Screen();
    const script = scripted([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      // Once the list is there, the builder is among the answers to change.
      { select: NOW, answer: "change" },
      { select: "Which answer?", choices: ["Builder: the current one (default)"], answer: "builder" },
      { select: WHICH, answer: "multi" },
      { select: NOW, answer: "print" },
    ], screen);
    // buildx ls answers while "More options?" is asked, long after the builder question gave up.
    const prompts = {
      ...script,
      confirm: async (q: Parameters<typeof script.confirm>[0]) => {
        const yes = await script.confirm(q);
        answer(TWO_BUILDERS);
        await late;
        return yes;
      },
    };
    const code = await guideCommand([], {
      prompts,
      cwd,
      output: screen,
      env: {},
      machineWaitMs: 1,
      builderWaitMs: 20,
      probe: probes({ multi: MULTI }).probe,
      builders: () => late,
      build: fakeBuild().build,
    });
    expect(script.left()).toEqual([]);
    expect(code).toBe(0);
    expect(between(screen.text, "? Image name and tag", "? Platforms to build for")).toBe(
      "Looking for this machine's builders...\n" +
        '  docker buildx ls has not answered yet: the build stays on the current builder; "change an answer" offers the others once it has.\n' +
        "  Space ticks. None ticked: linux/amd64, this builder's own.\n",
    );
    expect(screen.text).toContain(cmd("--builder=multi", "--load", `--tag=${TAG}`, "app"));
  });

  it("guide --from a recipe that names a builder: probed for it from the start, kept as the default", async () => {
    const cwd = await workdir();
    await writeFile(join(cwd, "r.json"), JSON.stringify({ recipe: 1, options: { context: "app", builder: "multi", push: true, tag: TAG } }));
    const p = probes({ multi: MULTI });
    const j = await journey([
      { select: NOW, answer: "change" },
      { select: "Which answer?", choices: ["Builder: multi"], answer: "builder" },
      { select: WHICH, default: "multi" },
      { select: NOW, answer: "run" },
    ], { cwd, args: ["--from", "r.json"], builders: async () => TWO_BUILDERS, probe: p.probe });
    expect(j.code).toBe(0);
    expect(j.text).toContain("  Builder: multi\n");
    expect(j.text).toMatch(/^Machine: buildx 0\.13\.1 · docker-container driver \(builder multi\)/m);
    expect(p.asked).toEqual(["multi"]);
    expect(j.calls[0]!.options).toMatchObject({ builder: "multi" });
    expect(j.calls[0]!.run.capabilities).toBe(MULTI);

    // Keeping the current builder, named in the recipe, keeps its name (nothing dropped silently).
    await writeFile(join(cwd, "d.json"), JSON.stringify({ recipe: 1, options: { context: "app", builder: "default" } }));
    const kept = await journey([
      { select: NOW, answer: "change" },
      { select: "Which answer?", answer: "builder" },
      { select: WHICH, default: "default" },
      { select: NOW, answer: "run" },
    ], { cwd, args: ["--from", "d.json"], builders: async () => TWO_BUILDERS });
    expect(kept.calls[0]!.options).toMatchObject({ builder: "default" });

    // A builder this machine does not list is offered as given, highlighted: Enter changes nothing.
    await writeFile(join(cwd, "gone.json"), JSON.stringify({ recipe: 1, options: { context: "app", builder: "gone" } }));
    const gone = await journey([
      { select: NOW, answer: "change" },
      { select: "Which answer?", answer: "builder" },
      { select: WHICH, default: "gone", choices: ["gone (as given; this machine does not list it)"] },
      { select: NOW, answer: "print" },
    ], { cwd, args: ["--from", "gone.json"], builders: async () => TWO_BUILDERS });
    expect(gone.text).toContain(cmd("--builder=gone", "--load", "app"));
  });
});

describe("guide: ? says more", () => {
  it("at an input, a select, a checkbox and a confirm: the long help, then the same question with its default", async () => {
    const j = await journey([
      { input: "Folder to build", answer: "app" },
      { more: "select", at: "(--file)" },
      { select: "(--file)", default: "app/Dockerfile" },
      { select: "(--target)" },
      { input: "(--tag)", answer: "?" },
      { input: "(--tag)", default: "app:latest", answer: TAG },
      { more: "checkbox", at: "(--platform)" },
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      { more: "confirm", at: "More options?" },
      { confirm: "More options?", default: false, answer: true },
      { checkbox: "Which options?", answer: ["provenance"] },
      { more: "select", at: "(--provenance)" },
      { select: "(--provenance)", answer: "true" },
      { select: NOW, answer: "print" },
    ]);
    expect(j.code).toBe(0);
    expect(between(j.text, "? Which Dockerfile?", "? Which Dockerfile?")).toBe([
      'More about "Which Dockerfile":',
      "  --file (-f): Name of the Dockerfile (default: PATH/Dockerfile).",
      "  For example: Dockerfile",
      '  The guide lists the Dockerfiles of the folder to build; "another file..." takes any path from here. Its stages and ARGs are offered by the next questions.',
      "",
    ].join("\n"));
    expect(between(j.text, "? Image name and tag", "? Image name and tag")).toMatch(
      /^More about "Image name and tag":\n  --tag \(-t\): Image identifier \(format: \[registry\/\]repository\[:tag\]\)\.\n  For example: app:1\.0\n  Written NAME:TAG/,
    );
    expect(between(j.text, "? Platforms to build for", "? Platforms to build for")).toMatch(
      /^More about "Platforms to build for":\n  --platform: Set target platforms for the build\./,
    );
    expect(between(j.text, "? More options?", "? More options?")).toMatch(/^More about "More options":\n  Options most builds leave out/);
    // A row of the table with a later buildx and a BuildKit floor says both.
    expect(between(j.text, "? Attach provenance", "? Attach provenance")).toBe([
      'More about "Attach provenance (how it was built)":',
      "  --provenance: Shorthand for --attest=type=provenance.",
      "  Added in buildx 0.10.0. It needs BuildKit 0.11.0 or later on the builder. For example: mode=max",
      "",
    ].join("\n"));
    // Each question was asked again and answered: the answers are all there.
    expect(j.text).toContain(cmd("--load", "--provenance=true", `--tag=${TAG}`, "app"));
  });

  it("questions that set a flag take the key ?; the others take ? as an answer; how to ask for more is said once", async () => {
    const cwd = await workdir();
    const screen = new Screen();
    const prompts = scripted([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "save" },
      // The recipe's path has no flag: "?" is an answer, refused as a file name.
      { input: "Save the recipe as", answer: "?", invalid: "a recipe is a .json file" },
      { input: "Save the recipe as", answer: "r.json" },
      { input: "A description", answer: "" },
    ], screen);
    expect(
      await guideCommand([], { prompts, cwd, output: screen, env: {}, probe: async () => OLD, builders: async () => ONE_BUILDER, build: fakeBuild().build }),
    ).toBe(0);
    // Every question that sets a flag takes the key ?; the others do not.
    const keyed = (m: string) => prompts.asked.find((a) => a.message.startsWith(m))!.helpKey;
    expect([keyed("Which Dockerfile?"), keyed("Platforms to build for"), keyed(WHERE), keyed("More options?")]).toEqual([true, true, true, true]);
    expect([keyed(NOW)]).toEqual([undefined]);
    expect(screen.text).toContain("  Answer ? to a question to read more about it.\n");
    expect(screen.text.split("Answer ? to a question")).toHaveLength(2);
  });
});

describe("guide: the command line", () => {
  it("refuses unknown arguments and a --from without a file (exit 2); --help", async () => {
    const cases: [string[], number, string][] = [
      [["--frm", "x.json"], 2, 'error: unexpected argument "--frm"\nusage: buildx-kit guide [--from RECIPE]\n'],
      [["--from"], 2, "error: --from needs a recipe file\nusage: buildx-kit guide [--from RECIPE]\n"],
      [
        ["--help"],
        0,
        "usage: buildx-kit guide [--from RECIPE]\n\nAsks for each option of a build, checks the combination as you answer, then runs it,\nsaves it as a recipe, or prints the command. Ctrl-C leaves without writing anything.\n",
      ],
    ];
    for (const [args, code, text] of cases) {
      const screen = new Screen();
      expect(await guideCommand(args, { output: screen, prompts: scripted([]) })).toBe(code);
      expect(screen.text).toBe(text);
    }
  });

  it("a build that fails: the hint first, then change an answer and run again; or leave with exit 1", async () => {
    const missing = () =>
      new BuildError({
        exitCode: 1,
        signal: null,
        command: "docker buildx build app",
        argv: [],
        interrupted: false,
        durationMs: 5,
        stderrTail:
          '#7 ERROR: failed to calculate checksum of ref abc::def: "/greeting.txt": not found\nERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref abc::def: "/greeting.txt": not found',
      });
    let builds = 0;
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "run" },
      { select: NOW, default: "change", choices: ["change an answer and run again", "run it again", "leave"], answer: "change" },
      { select: "Which answer?", answer: "target" },
      { select: "(--target)", answer: "deps" },
      { select: NOW, answer: "run" },
    ], {
      build: async (options, run) => {
        if (builds++ === 0) throw missing();
        return fakeBuild().build(options, run);
      },
    });
    expect(j.code).toBe(0);
    // What failed, the hint, then the choice: nothing between (the command was said before the build).
    expect(between(j.text, "Building...", `? ${NOW}`)).toBe(
      '\nThe build failed: failed to solve: failed to compute cache key: failed to calculate checksum of ref abc::def: "/greeting.txt": not found\n' +
        'Hint: COPY source "greeting.txt" is not in the build context: COPY and ADD read paths relative to the context folder (check the path, and that .dockerignore does not exclude it)\n',
    );
    expect(j.text).toContain(cmd("--load", `--tag=${TAG}`, "--target=deps", "app"));
    expect(builds).toBe(2);

    const left = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "run" },
      { select: NOW, answer: "leave" },
    ], { build: async () => Promise.reject(missing()) });
    expect(left.code).toBe(1);
  });

  it("a failed RUN step: the step, the hint without the step again, then the choice; plain progress at a terminal too", async () => {
    // buildx's plain progress, as a terminal shows it and the build reads it.
    const stderrTail = [
      "#6 [runtime 3/3] RUN exit 3",
      '#6 ERROR: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
      "------",
      " > [runtime 3/3] RUN exit 3:",
      "------",
      'ERROR: failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
    ].join("\n");
    const failing = new BuildError({ exitCode: 1, signal: null, command: "c", argv: [], interrupted: false, durationMs: 5, stderrTail });
    const runs: RunOptions[] = [];
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "run" },
      { select: NOW, answer: "leave" },
    ], { build: async (_o, run) => (runs.push(run), Promise.reject(failing)) });
    expect(j.code).toBe(1);
    expect(between(j.text, "Building...", `? ${NOW}`)).toBe(
      "\nThe build failed at [runtime 3/3] RUN exit 3.\nHint: the command exited with code 3; the step's own output says why\n",
    );
    // At a terminal buildx prints plain lines instead of its own drawing, so the guide can read the failure.
    expect(runs[0]).toMatchObject({ plainAtTerminal: true, cwd: j.cwd });
  });

  it("a quiet recipe that fails: nobody saw buildx's lines, so its errors and the step's output are said", async () => {
    const cwd = await workdir();
    await writeFile(join(cwd, "quiet.json"), JSON.stringify({ recipe: 1, options: { context: "app", quiet: true } }));
    const failing = new BuildError({
      exitCode: 1,
      signal: null,
      command: "c",
      argv: [],
      interrupted: false,
      durationMs: 5,
      progressShown: false,
      failedStep: "[runtime 3/3] RUN make",
      stepOutput: "make: *** No rule to make target 'all'.  Stop.",
      stderrTail: 'ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
    });
    const j = await journey([{ select: NOW, answer: "run" }, { select: NOW, answer: "leave" }], {
      cwd,
      args: ["--from", "quiet.json"],
      build: () => Promise.reject(failing),
    });
    expect(between(j.text, "Building...", `? ${NOW}`)).toBe(
      "\nThe build failed at [runtime 3/3] RUN make.\nHint: the command exited with code 2; the step's own output says why\n" +
        '  ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2\n' +
        "  | make: *** No rule to make target 'all'.  Stop.\n",
    );
  });

  it("a probe that is slow is waited for before the platforms, and said once", async () => {
    let release!: (c: Capabilities) => void;
    const slow = new Promise<Capabilities>((r) => (release = r));
    const screen = new Screen();
    const prompts = scripted([
      { input: "Folder to build", answer: "app" },
      { select: "(--file)" },
      { select: "(--target)" },
      // The probe answers only a moment after the last question before the platforms.
      { input: "(--tag)", clear: true, meanwhile: async () => void setTimeout(() => release(MODERN), 50) },
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "print" },
    ], screen);
    const done = guideCommand([], { prompts, cwd: await workdir(), output: screen, probe: () => slow, builders: async () => ONE_BUILDER, machineWaitMs: 1 });
    expect(await done).toBe(0);
    expect(screen.text).toMatch(
      /^  Answer \? to a question to read more about it\.\n  The folder COPY reads from[^]*\? Folder to build[^]*Checking this machine\.\.\.\nMachine: buildx 0\.13\.1/,
    );
    expect(screen.text.match(/Machine:/g)).toHaveLength(1);
  });

  it("a probe that throws counts as no machine", async () => {
    const screen = new Screen();
    const code = await guideCommand([], {
      cwd: await workdir(),
      output: screen,
      probe: () => Promise.reject(new Error("boom")),
      builders: async () => ONE_BUILDER,
      prompts: scripted([...start(), { checkbox: "(--platform)" }, { select: WHERE }, ARGS_NONE, MORE_NO, {
        select: NOW,
        disabled: { run: "(the machine could not be probed: boom)" },
        answer: "print",
      }]),
    });
    expect(code).toBe(0);
    expect(screen.text).toMatch(/^Machine: the machine could not be probed: boom\./);
  });
});

describe("guide: the rest of what it says", () => {
  it("refuses blank answers where a value is needed", async () => {
    const j = await journey([
      { input: "Folder to build", answer: "  ", invalid: "name a folder (. is this one)" },
      { input: "Folder to build", answer: "bare" },
      { input: "Path of the Dockerfile", answer: "  ", invalid: "name the Dockerfile" },
      { input: "Path of the Dockerfile", answer: "app/Dockerfile" },
      { select: "(--target)" },
      { input: "(--tag)", clear: true },
      PLATFORMS_NONE,
      { select: WHERE, answer: "tar" },
      { input: "Tar file to write the files to", answer: "  ", invalid: "name where to write it" },
      { input: "Tar file to write the files to", answer: "" },
      { checkbox: "(--build-arg)", answer: [] },
      MORE_NO,
      { select: NOW, answer: "save" },
      { input: "Save the recipe as", default: "bare.json", answer: "  ", invalid: "name a file" },
      { input: "Save the recipe as", answer: "" },
      { input: "A description", answer: "" },
    ]);
    expect(j.code).toBe(0);
  });

  it("a Dockerfile that cannot be read, a target with no ARGs, a provenance the store cannot keep", async () => {
    const cwd = await workdir();
    await mkdir(join(cwd, "recipes"));
    await writeFile(join(cwd, "app", "Dockerfile.noargs"), "FROM local/busybox:1 AS base\nARG X=1\nFROM local/busybox:1 AS final\n");
    await writeFile(
      join(cwd, "recipes", "r.json"),
      JSON.stringify({ recipe: 1, options: { context: "../app", file: "../gone/Dockerfile", provenance: true } }),
    );
    const why = "needs the containerd image store";
    const j = await journey([
      { select: NOW, default: "change", answer: "change" },
      { select: "Which answer?", answer: "more" },
      { confirm: "More options?", default: true },
      { checkbox: "Which options?", choices: [`Attach provenance (how it was built)?  (--provenance) (${why}; untick to drop it)`], checked: ["provenance"] },
      { select: "(--provenance)", default: "true", answer: "true" },
      { select: NOW, answer: "change" },
      { select: "Which answer?", answer: "file" },
      { select: "(--file)", default: "gone/Dockerfile", choices: ["gone/Dockerfile (as given)"], answer: "app/Dockerfile.noargs" },
      { select: NOW, answer: "change" },
      { select: "Which answer?", answer: "target" },
      { select: "(--target)", answer: "final" },
      { select: NOW, answer: "change" },
      { select: "Which answer?", answer: "buildArg" },
      { select: NOW, answer: "print" },
    ], { cwd, args: ["--from", "recipes/r.json"], caps: CLASSIC });
    expect(j.text).toContain("  Cannot read gone/Dockerfile: its stages and ARGs are not offered.\n");
    expect(j.text).toContain(
      "  Left out: Attestations need the containerd image store or a docker-container builder; this machine uses the classic image store.\n",
    );
    expect(j.text).toContain("  app/Dockerfile.noargs declares no ARG for final: no build arguments to set.\n");
    expect(j.text).toContain(cmd("--file=app/Dockerfile.noargs", "--load", "--target=final", "app"));
  });

  it("a recipe file that appears while the description is asked is not overwritten: back to what now", async () => {
    const cwd = await workdir();
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "save" },
      { input: "Save the recipe as", answer: "race.json" },
      { input: "A description", answer: "", meanwhile: () => writeFile(join(cwd, "race.json"), "someone else's\n") },
      { select: NOW, answer: "print" },
    ], { cwd });
    expect(j.text).toContain("Not saved: race.json: not saved (1 problem):\n  race.json: already exists: pass overwrite (CLI: --force) to replace it\n");
    expect(await readFile(join(cwd, "race.json"), "utf8")).toBe("someone else's\n");
  });

  it.skipIf(!canMount)("a full disk: says why, keeps every answer, offers another place, and saves there (issue 14)", async () => {
    const cwd = await workdir();
    const disk = join(cwd, "disk");
    await mkdir(disk);
    mount(disk);
    await writeFile(join(disk, "filler"), Buffer.alloc(1 << 20)).catch(() => {});
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "save" },
      { input: "Save the recipe as", answer: "disk/app.json" },
      { input: "A description", answer: "kept through the fault" },
      { confirm: "Save it somewhere else?", default: true, answer: true },
      { input: "Save the recipe as", default: "disk/app.json", answer: "app.json" },
    ], { cwd });
    expect(j.code).toBe(0);
    expect(j.text).toContain(
      "Not saved: disk/app.json: not saved (1 problem):\n  disk/app.json: cannot be written: no space left on the device\nYour answers are kept.\n",
    );
    expect(j.text).toContain("Saved app.json. Rebuild it with: buildx-kit run app.json\n");
    const saved = await recipeAt(cwd, "app.json");
    expect(saved).toMatchObject({ name: "app", description: "kept through the fault" });
    expect(saved.options).toMatchObject({ context: "app", tag: [TAG] });
    expect(await readdir(disk)).toEqual(["filler"]);
  });

  it.skipIf(!canMount)("a folder that cannot be made (read-only): says why; declining another place goes back to what now (issue 14)", async () => {
    const cwd = await workdir();
    const ro = join(cwd, "ro");
    await mkdir(ro);
    mount(ro);
    execFileSync("mount", ["-o", "remount,ro", ro], { stdio: "ignore" });
    const j = await journey([
      ...start(),
      PLATFORMS_NONE,
      { select: WHERE },
      ARGS_NONE,
      MORE_NO,
      { select: NOW, answer: "save" },
      { input: "Save the recipe as", answer: "ro/new/app.json" },
      { input: "A description", answer: "" },
      { confirm: "Save it somewhere else?", default: true, answer: false },
      { select: NOW, answer: "print" },
    ], { cwd });
    expect(j.code).toBe(0);
    expect(j.text).toContain("Not saved: the folder ro/new cannot be made: the file system is read-only\nYour answers are kept.\n");
    expect(await readdir(ro)).toEqual([]);
  });

  it("a build refused by the plan at run time: exit 2; interrupted: exit 130", async () => {
    const refused = await journey([...start(), PLATFORMS_NONE, { select: WHERE }, ARGS_NONE, MORE_NO, { select: NOW, answer: "run" }], {
      build: async () => {
        throw new ValidationError([{ level: "error", code: "invalid-tag", option: "tag", message: "is bad" }]);
      },
    });
    expect(refused.code).toBe(2);
    expect(refused.text).toContain("error: invalid build options (1 problem):\n  error [invalid-tag] tag: is bad\n");
    const stopped = await journey([...start(), PLATFORMS_NONE, { select: WHERE }, ARGS_NONE, MORE_NO, { select: NOW, answer: "run" }], {
      build: async () => {
        throw new BuildError({
          exitCode: 130,
          signal: "SIGINT",
          command: "docker buildx build app",
          argv: [],
          stderrTail: "",
          interrupted: true,
          durationMs: 5,
        });
      },
    });
    expect(stopped.code).toBe(130);
    expect(stopped.text).toContain("error: docker buildx build interrupted by SIGINT\ncommand: docker buildx build app\n");
  });

  it("describes machines it knows little about", () => {
    expect(
      describeMachine(
        machine({
          buildxVersion: null,
          buildxVersionText: "github.com/docker/buildx dev dev",
          containerdImageStore: null,
          driver: "docker-container",
          platforms: [],
        }),
      ),
    ).toEqual([
      'Machine: buildx of unknown release ("github.com/docker/buildx dev dev"; assuming the latest) · docker-container driver (builder default) · image store unknown · platforms unknown',
    ]);
    expect(describeMachine(machine({ driver: null }))).toEqual([
      "Machine: buildx 0.13.1 · driver unknown · containerd image store · platforms unknown",
    ]);
    expect(describeMachine({ ...NONE, problems: [] })).toEqual([
      "Machine: docker with buildx was not found.",
      "You can still plan the build, save it as a recipe and print the command; running it needs docker with buildx.",
    ]);
  });
});

describe("guide: the choices as offered", () => {
  it("destinations, the way out of a conflict, secret sources and the end: names and descriptions", async () => {
    await journey([
      ...start(),
      { checkbox: "(--platform)", answer: ["linux/amd64", "linux/arm64"] },
      {
        select: WHERE,
        answer: "load",
        exactly: [
          // Two platforms on the classic store: load says it will not fit, push and OCI say they hold both.
          {
            value: "load",
            name: "load into the image store",
            description: "2 platforms do not fit the classic image store here: push, or write an OCI layout",
          },
          { value: "push", name: "push to a registry", description: "to the registry its name starts with, both platforms in one image" },
          { value: "both", name: "load and push", description: "both at once" },
          { value: "local", name: "a local folder", description: "the image's files, written to a folder (not an image)" },
          { value: "tar", name: "a tar file", description: "the image's files, in one tar (not an image)" },
          { value: "oci", name: "an OCI layout", description: "the image, both platforms, as one tar that docker load reads" },
          { value: "cache", name: "nowhere: the build cache only", description: "check that it builds; export nothing" },
        ],
      },
      {
        select: "2 platforms cannot be loaded here. Instead:",
        answer: "push",
        exactly: [
          { value: "push", name: "push to a registry", description: "a registry keeps every platform in one image index" },
          { value: "oci", name: "write an OCI layout", description: "a tarball holding every platform" },
          { value: "platform", name: "choose other platforms", description: "back to the platforms: one platform can be loaded" },
        ],
      },
      ARGS_NONE,
      { confirm: "More options?", answer: true },
      { checkbox: "Which options?", answer: ["secret"] },
      { input: "A secret", answer: "s" },
      {
        select: "Where does s come from?",
        answer: "env",
        exactly: [
          { value: "env", name: "an environment variable", description: "read when the build runs; never written to the recipe" },
          { value: "src", name: "a file", description: "its path, from here" },
        ],
      },
      { input: "The environment variable", default: "S", answer: "HOME" },
      { input: "Another secret", answer: "" },
      {
        select: NOW,
        answer: "print",
        exactly: [
          { value: "run", name: "run it now" },
          { value: "save", name: "save it as a recipe" },
          { value: "both", name: "save it as a recipe and run it" },
          { value: "print", name: "print the command only" },
          { value: "change", name: "change an answer" },
        ],
      },
    ], { caps: machine({ containerdImageStore: false, buildxVersion: "0.13.1" }), env: { HOME: "/root" } });
  });

  it("the guide module never loads Inquirer by itself (mod.ts may re-export it)", async () => {
    const source = await readFile(new URL("../lib/guide/flow.ts", import.meta.url), "utf8");
    expect(source).not.toMatch(/^import[^;]*from "@inquirer\//m);
    expect(source).toContain('await import("@inquirer/prompts")');
  });
});

// A small tmpfs for the save faults (root only; elsewhere those tests skip).
const mounts: string[] = [];
function mount(dir: string): void {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "ignore" });
  mounts.push(dir);
}
afterAll(() => {
  for (const m of mounts.splice(0)) execFileSync("umount", [m], { stdio: "ignore" });
});
