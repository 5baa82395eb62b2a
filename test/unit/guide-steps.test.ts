/**
 * The guide's decisions, directly: question lines and help, defaults, the plan's rules in a
 * person's words, destinations, warnings, and where the result went. Pure functions of the answers
 * and the machine (lib/guide/steps.ts); the diagnostics come from the real plan().
 */
import { describe, expect, it } from "vitest";
import { BuildError } from "../../lib/core/errors.ts";
import { FLAGS, OPTION_NAMES } from "../../lib/core/flags.ts";
import {
  asksBuilder,
  builderChoices,
  builderDescription,
  builderLabel,
  builderOption,
  defaultBuilder,
  defaultTag,
  destinationChoices,
  explain,
  explainLine,
  failureLines,
  helpFor,
  imageNameFrom,
  type KnownBuilder,
  longHelp,
  QUESTION_WIDTH,
  questionLine,
  registryOf,
  registryUrl,
  shortReason,
  summaryLine,
  tagWarnings,
  whereItWent,
  wrap,
} from "../../lib/guide/steps.ts";
import type { BuildOptions } from "../../lib/core/options.ts";
import { plan } from "../../lib/core/plan.ts";
import type { BuildResult } from "../../lib/core/result.ts";
import { builder, CLASSIC, MODERN, NONE, OLD } from "../fixtures/guide/fake.ts";

const STEPS = ["context", "file", "target", "tag", "builder", "platform", "destination", "buildArg", "more"];
const ASKED = OPTION_NAMES.filter((n) => FLAGS[n].guide !== "never");

function diagnostic(options: BuildOptions, caps: typeof MODERN, code: string) {
  const d = plan(options, caps).diagnostics.find((x) => x.code === code);
  expect(d, `plan() says ${code}`).toBeDefined();
  return d!;
}

function result(fields: Partial<BuildResult> = {}): BuildResult {
  return {
    ok: true,
    exitCode: 0,
    dryRun: false,
    error: null,
    digest: null,
    configDigest: null,
    imageNames: [],
    imageName: null,
    ref: null,
    metadata: null,
    warnings: [],
    diagnostics: [],
    durationMs: 700,
    argv: [],
    cwd: "/",
    command: "",
    ...fields,
  };
}

describe("questions", () => {
  it("every row the guide asks has a short question, shown with its flag dimmed beside it", () => {
    for (const name of ASKED) {
      expect(FLAGS[name].question, name).toBeTruthy();
      expect(questionLine(name).length, name).toBeLessThanOrEqual(QUESTION_WIDTH);
    }
    expect(questionLine("tag")).toBe("Image name and tag  (--tag)");
    expect(questionLine("tag", (t) => `<${t}>`)).toBe("Image name and tag  <(--tag)>");
    expect(questionLine("context")).toBe("Folder to build  (build context)");
    expect(questionLine("destination")).toBe("Where should the image go?");
  });

  it("a one-line help for each question, under 72 columns, from the answers and the machine", () => {
    const answers = { options: {}, folder: "hello", destinationChosen: false };
    for (const caps of [MODERN, CLASSIC, OLD, NONE]) {
      for (const step of STEPS) {
        const help = helpFor(step, answers, caps);
        expect(help, step).not.toBe("");
        expect(help.length + 2, `${step}: ${help}`).toBeLessThanOrEqual(QUESTION_WIDTH);
      }
    }
    expect(helpFor("platform", answers, MODERN)).toBe("Space ticks. None ticked: linux/amd64, this builder's own.");
    expect(helpFor("platform", answers, NONE)).toBe("Space ticks. None ticked: the builder's own.");
    // Once push is chosen, the tag's help says what a push needs.
    expect(helpFor("tag", { ...answers, options: { push: true }, destinationChosen: true }, MODERN)).toMatch(/registry first: localhost:5000/);
  });

  it("the tag's default is the context folder's name, as Docker accepts it", () => {
    expect(defaultTag(".", "hello")).toBe("hello:latest");
    expect(defaultTag(undefined, "My App")).toBe("my-app:latest");
    expect(defaultTag("app", "x")).toBe("app:latest");
    expect(defaultTag("./services/API_v2/", "x")).toBe("api_v2:latest");
    expect(defaultTag("..", "here")).toBe("here:latest");
    expect(defaultTag("https://github.com/example/app.git#main", "here")).toBe("here:latest");
    expect(imageNameFrom("___")).toBe("image");
  });
});

describe("the rules, in a person's words (the rule is plan()'s)", () => {
  const API = /load: true|push: true|output: type|\(CLI:|--output=|type=local|extraFlags|\[[a-z-]+\]/;

  it("push disables load", () => {
    const d = diagnostic({ push: true, tag: "localhost:5000/a:1" }, MODERN, "push-disables-load");
    expect(explain(d, MODERN)).toBe('Pushed only: the image will not be in this machine\'s image store. To have it here too, choose "load and push".');
    // An older buildx cannot do both: it is not offered.
    expect(explain(d, OLD)).toBe("Pushed only: the image will not be in this machine's image store (buildx 0.9.1 sends a result to one place).");
  });

  it("a local output disables both: one sentence for the two diagnostics", () => {
    const p = plan({ push: true, load: true, output: "type=local,dest=out" }, MODERN);
    const said = new Set(p.diagnostics.filter((d) => d.code.startsWith("local-output-disables")).map((d) => explainLine(d, MODERN)));
    expect([...said]).toEqual(["Note: Files only: writing the result as files neither pushes the image nor loads it into the image store."]);
  });

  it("two platforms and the classic image store, with the ways out", () => {
    const d = diagnostic({ platform: ["linux/amd64", "linux/arm64"], load: true }, CLASSIC, "multi-platform-load-needs-containerd-store");
    expect(explainLine(d, CLASSIC, 2)).toBe(
      "Problem: This machine's image store (the classic one) holds one platform per image, so 2 platforms cannot be loaded into it. " +
        "Push them to a registry, write an OCI layout, or build one platform (or turn on the containerd image store).",
    );
  });

  it("attestations and the store; an option this buildx lacks", () => {
    const a = diagnostic({ provenance: true }, CLASSIC, "attestation-needs-containerd-store");
    expect(explain(a, CLASSIC)).toMatch(/^Attestations need the containerd image store/);
    expect(shortReason(a, CLASSIC)).toBe("needs the containerd image store");
    const old = diagnostic({ annotation: "a=b" }, OLD, "flag-needs-newer-buildx");
    expect(explain(old, OLD)).toBe("Annotations on the image: needs buildx 0.12.0 or later; this machine has 0.9.1.");
    expect(shortReason(old, OLD)).toBe("needs buildx 0.12.0+ (this is 0.9.1)");
  });

  it("no explanation speaks the API", () => {
    const cases: [BuildOptions, typeof MODERN][] = [
      [{ push: true, tag: "a:1" }, MODERN],
      [{ push: true }, MODERN],
      [{ output: "type=local,dest=o", push: true, load: true }, MODERN],
      [{ load: false }, MODERN],
      [{ load: false }, machine("docker-container")],
      [{ platform: ["linux/amd64", "linux/arm64"], load: true }, CLASSIC],
      [{ platform: ["linux/amd64", "linux/arm64"], load: true }, NONE],
      [{ sbom: true }, CLASSIC],
      [{ push: true, load: true, tag: "a:1" }, OLD],
      [{ secret: "id=a,env=A" }, { ...OLD, buildxVersion: "0.5.1" }],
    ];
    for (const [options, caps] of cases) {
      for (const d of plan(options, caps).diagnostics) {
        if (d.code === "load-by-default" || d.code === "buildx-version-unknown") continue;
        expect(explain(d, caps), `${d.code}: ${JSON.stringify(options)}`).not.toMatch(API);
      }
    }
  });
});

function machine(driver: string) {
  return { ...MODERN, driver };
}

describe("destinations", () => {
  it("load is described for one platform, for two, and for two on the classic store", () => {
    const load = (o: BuildOptions, caps: typeof MODERN) => destinationChoices(o, caps).find((c) => c.value === "load")!.description;
    expect(load({}, MODERN)).toBe("into this machine's image store, to docker run it here");
    expect(load({ platform: ["linux/amd64", "linux/arm64"] }, MODERN)).toBe("both platforms into the image store, to docker run here");
    expect(load({ platform: ["linux/amd64", "linux/arm64", "linux/arm/v7"] }, CLASSIC)).toBe(
      "3 platforms do not fit the classic image store here: push, or write an OCI layout",
    );
    expect(destinationChoices({}, OLD).find((c) => c.value === "both")!.disabled).toBe("needs buildx 0.13.0+ (this is 0.9.1)");
    expect(destinationChoices({}, MODERN).find((c) => c.value === "both")!.disabled).toBeUndefined();
  });
});

describe("warnings", () => {
  it("a tag without a registry would push to Docker Hub", () => {
    expect(tagWarnings({ push: true, tag: ["hello:1", "localhost:5000/hello:1", "me/hello:1"] })).toEqual([
      "Warning: hello:1 names no registry, so a push sends it to Docker Hub (docker.io/library/hello). For another registry, write it first: localhost:5000/hello:1.",
      "Warning: me/hello:1 names no registry, so a push sends it to Docker Hub (docker.io/me/hello). For another registry, write it first: localhost:5000/me/hello:1.",
    ]);
    expect(tagWarnings({ load: true, tag: "hello:1" })).toEqual([]);
    expect(tagWarnings({ output: "type=image,push=true", tag: "hello:1" })).toHaveLength(1);
    expect(registryOf("registry.example.com/a/b:1")).toBe("registry.example.com");
    expect(registryOf("a/b:1")).toBeNull();
  });
});

describe("where the result went", () => {
  it("a loaded image by its name, never moby-dangling; an untagged one with how to name it", () => {
    const named = whereItWent(result({ digest: "sha256:" + "a".repeat(64), imageNames: ["hello:1"] }), { tag: "hello:1", load: true }, MODERN);
    expect(named).toEqual(["Built in 0.7s.", "In the image store as hello:1 (sha256:aaaaaaaaaaaa).", "  Run it: docker run --rm hello:1"]);
    const id = "sha256:" + "b".repeat(64);
    const untagged = whereItWent(result({ digest: id, imageNames: [`moby-dangling@${id}`] }), {}, MODERN);
    expect(untagged.join("\n")).not.toContain("moby-dangling");
    expect(untagged).toEqual(["Built in 0.7s.", `In the image store as an untagged image ${id}.`, `  Name it with: docker tag ${id} NAME:TAG`]);
  });

  it("a push with the registry's URL", () => {
    const lines = whereItWent(
      result({ digest: "sha256:cd", imageNames: ["localhost:5000/guide/app:1"] }),
      { push: true, tag: "localhost:5000/guide/app:1" },
      MODERN,
    );
    expect(lines).toEqual(["Built in 0.7s.", "Pushed localhost:5000/guide/app:1@sha256:cd", "  see http://localhost:5000/v2/guide/app/manifests/1"]);
    expect(registryUrl("hello:1")).toBe("https://hub.docker.com/_/hello");
    expect(registryUrl("me/hello")).toBe("https://hub.docker.com/r/me/hello");
    expect(registryUrl("ghcr.io/me/hello@sha256:ef")).toBe("https://ghcr.io/v2/me/hello/manifests/sha256:ef");
  });

  it("files: the folder and its first entries; a tar or OCI layout and its size", () => {
    const o = { output: "type=local,dest=out" };
    expect(whereItWent(result(), o, MODERN, { entries: ["bin/", "etc/", "hello.txt"], count: 7 })).toEqual([
      "Built in 0.7s.",
      "The files are in out/: bin/, etc/, hello.txt, and 4 more.",
    ]);
    expect(whereItWent(result(), o, MODERN, { entries: [], count: 0 })[1]).toMatch(/^The files are in out\/ \(it is empty/);
    expect(whereItWent(result(), { output: "type=oci,dest=img.tar" }, MODERN, { size: 3 * 1024 * 1024 })[1]).toBe(
      "The image is in img.tar (3.0 MB), an OCI layout. Load it with: docker load -i img.tar",
    );
  });

  const failure = (fields: Partial<ConstructorParameters<typeof BuildError>[0]>) =>
    new BuildError({ exitCode: 1, signal: null, command: "c", argv: [], interrupted: false, durationMs: 1, stderrTail: "", ...fields });

  it("a failed build: what failed in one line (buildx's last error), then the hint", () => {
    const e = failure({ stderrTail: 'ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref x::y: "/nope.txt": not found' });
    expect(failureLines(e)).toEqual([
      'The build failed: failed to solve: failed to compute cache key: failed to calculate checksum of ref x::y: "/nope.txt": not found',
      `Hint: ${e.hint}`,
    ]);
    expect(e.hint).toMatch(/^COPY source "nope\.txt" is not in the build context/);
  });

  it("a failed step: the step, and the hint without naming the step again", () => {
    // buildx's plain progress at the end of a failed RUN (as the guide reads it at a terminal too).
    const e = failure({
      stderrTail: [
        "#6 [runtime 2/2] RUN exit 3",
        '#6 ERROR: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
        "------",
        " > [runtime 2/2] RUN exit 3:",
        "------",
        'ERROR: failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
      ].join("\n"),
    });
    expect(e.failedStep).toBe("[runtime 2/2] RUN exit 3");
    expect(failureLines(e)).toEqual([
      "The build failed at [runtime 2/2] RUN exit 3.",
      "Hint: the command exited with code 3; the step's own output says why",
    ]);
  });

  it("nobody saw buildx's output (quiet): its errors and the step's last lines follow", () => {
    const e = failure({
      failedStep: "[2/2] RUN make",
      stepOutput: ["1", "2", "3", "4", "5", "6", "make: *** no rule"].join("\n"),
      progressShown: false,
      stderrTail: 'ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
    });
    expect(failureLines(e, false)).toEqual([
      "The build failed at [2/2] RUN make.",
      "Hint: the command exited with code 2; the step's own output says why",
      '  ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
      "  | 3",
      "  | 4",
      "  | 5",
      "  | 6",
      "  | make: *** no rule",
    ]);
    expect(failureLines(e, true)).toHaveLength(2);
  });

  it("buildx drew its own output and nothing was read; buildx could not start; an exit code with a meaning", () => {
    expect(failureLines(failure({ stderrCaptured: false }))).toEqual(["The build failed (exit code 1): buildx's output just above says why."]);
    expect(failureLines(failure({ exitCode: null, startError: "cannot run docker: ENOENT" }))[0]).toBe("The build could not start: cannot run docker: ENOENT");
    expect(failureLines(failure({ exitCode: 102, stderrCaptured: false }))).toEqual([
      "The build failed (exit code 102: the builder ran out of a resource (memory, disk, ...)).",
      `Hint: ${failure({ exitCode: 102 }).hint}`,
    ]);
  });
});

describe("builders", () => {
  const AMD = ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3"];
  const many = builder("a-builder-with-a-rather-long-name", {
    driver: "kubernetes",
    platforms: [...AMD, "linux/arm64", "linux/arm/v7", "linux/386", "linux/ppc64le"],
  });

  it("a label: name, driver and platforms, the current one marked, at most 72 columns, the rest counted", () => {
    expect(builderLabel(builder("default", { current: true, platforms: AMD }))).toBe(
      "default (current) · docker · linux/amd64, linux/amd64/v2, linux/amd64/v3",
    );
    expect(builderLabel(many)).toBe("a-builder-with-a-rather-long-name · kubernetes · linux/amd64 +6 more");
    expect(builderLabel(many).length).toBeLessThanOrEqual(QUESTION_WIDTH);
    expect(builderLabel(many, 60)).toBe("a-builder-with-a-rather-long-name · kubernetes · 7 platforms");
    expect(builderLabel(many, 50)).toBe("a-builder-with-a-rather-long-name · kubernetes");
    expect(builderLabel(many, 30)).toBe("a-builder-with-a-rather-long-…");
    expect(builderLabel(builder("x", { platforms: AMD }), 40)).toBe("x · docker · linux/amd64 +2 more");
    // Two nodes: each platform once.
    const two: KnownBuilder = {
      name: "pair",
      driver: "remote",
      current: false,
      nodes: [{ name: "a", platforms: ["linux/amd64"] }, { name: "b", platforms: ["linux/amd64", "linux/arm64"] }],
    };
    expect(builderLabel(two)).toBe("pair · remote · linux/amd64, linux/arm64");
    expect(builderDescription(two)).toBe("node a: linux/amd64; node b: linux/amd64, linux/arm64");
    // A stopped docker-container builder lists no platforms until it starts.
    const stopped = builder("idle", { driver: "docker-container", platforms: [] });
    expect(builderLabel(stopped)).toBe("idle · docker-container · platforms not known yet");
    expect(builderDescription({ ...stopped, nodes: [{ name: "idle0", platforms: [], status: "inactive" }] })).toBe(
      "node idle0 (inactive): platforms not known until it starts",
    );
    for (let width = 20; width <= 80; width++) {
      for (const b of [many, two, stopped]) expect(builderLabel(b, width).length, `${b.name} at ${width}`).toBeLessThanOrEqual(width);
    }
  });

  it("the choices: the current one first, every builder listed, those that cannot build disabled with why, all within 72 columns", () => {
    const list = [many, builder("second", { unavailable: "only from its docker context" }), builder("default", { current: true, platforms: AMD })];
    const choices = builderChoices(list);
    expect(choices.map((c) => c.value)).toEqual(["default", "a-builder-with-a-rather-long-name", "second"]);
    // The answered question shows the name only.
    expect(choices[0]).toEqual({
      value: "default",
      name: "default (current) · docker · linux/amd64, linux/amd64/v2, linux/amd64/v3",
      short: "default",
      description: "node default (running): linux/amd64, linux/amd64/v2, linux/amd64/v3",
    });
    // Beside its reason, a disabled builder's platforms are counted sooner.
    expect(choices[2]).toEqual({ value: "second", name: "second · docker · linux/amd64 +2 more", disabled: "(only from its docker context)" });
    // Inquirer draws a disabled choice as "- NAME REASON", an enabled one as "❯ NAME".
    for (const c of choices) expect((c.disabled ? `- ${c.name} ${c.disabled}` : `❯ ${c.name}`).length, c.value).toBeLessThanOrEqual(QUESTION_WIDTH + 2);
    // A name the options give that is not listed is offered as given.
    expect(builderChoices(list, "gone").map((c) => c.name)).toContain("gone (as given; this machine does not list it)");
    expect(builderChoices(list, "DEFAULT")).toHaveLength(3);
  });

  it("asked when two builders can build here, or the options name one", () => {
    const current = builder("default", { current: true });
    const other = builder("other");
    const away = builder("away", { unavailable: "only from its docker context" });
    expect(asksBuilder([current])).toBe(false);
    expect(asksBuilder([current, away])).toBe(false);
    expect(asksBuilder([current, other])).toBe(true);
    expect(asksBuilder([current], "other")).toBe(true);
    expect(asksBuilder([], "")).toBe(false);
  });

  it("the default: the one named (a recipe's), else the current one, else the first that can build", () => {
    const list = [builder("b"), builder("a", { current: true }), builder("away", { unavailable: "x" })];
    expect(defaultBuilder(list)).toBe("a");
    expect(defaultBuilder(list, "b")).toBe("b");
    expect(defaultBuilder(list, "B")).toBe("b");
    expect(defaultBuilder(list, "gone")).toBe("gone");
    // Named but unable to build here: the current one is highlighted instead.
    expect(defaultBuilder(list, "away")).toBe("a");
    expect(defaultBuilder([builder("b"), builder("a", { current: true, unavailable: "x" })])).toBe("b");
    expect(defaultBuilder([])).toBeNull();
  });

  it("the option: left out for the current one, unless the options started with a builder named", () => {
    const list = [builder("multi"), builder("default", { current: true })];
    expect(builderOption("default", list, false)).toBeUndefined();
    expect(builderOption("multi", list, false)).toBe("multi");
    expect(builderOption("default", list, true)).toBe("default");
  });
});

describe("more about a question (?)", () => {
  it("every question has its flag, the table's help, and the guide's words", () => {
    for (const step of STEPS) {
      const lines = longHelp(step, MODERN);
      expect(lines[0], step).toMatch(/^More about "/);
      expect(lines.length, step).toBeGreaterThanOrEqual(2);
    }
    expect(longHelp("context", MODERN)[1]).toBe(
      "  The build context, the last argument of docker buildx build: a directory, a Git or HTTP URL, or - to read a tarball from stdin.",
    );
    // The destination sets three flags: each with its help.
    const where = longHelp("destination", MODERN);
    expect(where.filter((l) => /^  --(load|push|output)/.test(l))).toEqual([
      "  --load: Load the single-platform build result into the image store (shorthand for --output=type=docker).",
      "  --push: Push the build result to a registry (shorthand for --output=type=registry).",
      "  --output (-o): Output destination (format: type=local,dest=path).",
    ]);
    for (const name of ASKED) {
      const lines = longHelp(name, MODERN);
      expect(lines[1], name).toBe(`  ${FLAGS[name]!.flag}${FLAGS[name]!.short ? ` (${FLAGS[name]!.short})` : ""}: ${FLAGS[name]!.doc}`);
      expect(longHelp(`row:${name}`, MODERN)).toEqual(lines);
    }
  });

  it("the buildx release that added a flag, where it is later than the first; a BuildKit floor; this machine's buildx when older", () => {
    expect(longHelp("tag", MODERN).join("\n")).not.toMatch(/Added in/);
    expect(longHelp("annotation", MODERN)).toEqual([
      'More about "Annotations on the image":',
      "  --annotation: Add annotations to the image (index:, manifest: prefixes allowed).",
      "  Added in buildx 0.12.0. For example: org.opencontainers.image.title=app",
    ]);
    expect(longHelp("annotation", OLD)[2]).toBe(
      "  Added in buildx 0.12.0; this machine has 0.9.1, so it is not offered here. For example: org.opencontainers.image.title=app",
    );
    expect(longHelp("sbom", MODERN)[2]).toMatch(/^  Added in buildx 0\.10\.0\. It needs BuildKit 0\.11\.0 or later on the builder\./);
  });

  it("the builder question says why a builder cannot build here", () => {
    const lines = longHelp("builder", MODERN, [builder("default", { current: true }), builder("second", { unavailable: "only from its docker context" })]);
    expect(lines.slice(-2)).toEqual([
      "  second cannot build from here (only from its docker context).",
      "  A docker context's own builder builds only from that context: docker context use NAME, then start the guide again.",
    ]);
    expect(longHelp("builder", MODERN, [builder("default", { current: true })]).join("\n")).not.toMatch(/cannot build/);
  });

  it("in plain words: no option names of the API", () => {
    for (const step of [...STEPS, ...ASKED]) {
      expect(longHelp(step, MODERN).join("\n"), step).not.toMatch(/\b(buildArg|noCache|cacheFrom|extraFlags|BuildOptions)\b/);
    }
  });
});

describe("summary and wrapping", () => {
  it("one line per answer, in words", () => {
    const o: BuildOptions = { context: "app", push: true, tag: ["a:1"], buildArg: { V: "1" }, noCache: true };
    expect(STEPS.map((s) => summaryLine(s, o, s === "file" ? "app/Dockerfile" : null, MODERN))).toEqual([
      "Folder to build: app",
      "Dockerfile: app/Dockerfile",
      "Stage: the last stage",
      "Image name: a:1",
      "Builder: the current one (default)",
      "Platforms: the builder's own (linux/amd64)",
      "Goes to: push to a registry",
      "Build arguments: V=1",
      "More options: build everything again, without cache",
    ]);
    expect(summaryLine("builder", { builder: "multi" }, null, MODERN)).toBe("Builder: multi");
    expect(summaryLine("builder", {}, null, NONE)).toBe("Builder: the current one");
  });

  it("wraps at words, indenting what follows", () => {
    expect(wrap("  one two three four", 12, "    ")).toBe("  one two\n    three\n    four");
    expect(wrap("short", 12)).toBe("short");
    expect(wrap("Pushed localhost:5000/a-very-long-name@sha256:0123", 20)).toBe("Pushed localhost:5000/a-very-long-name@sha256:0123");
  });
});
