/**
 * The guide's decisions, directly: question lines and help, defaults, the plan's rules in a
 * person's words, destinations, warnings, and where the result went. Pure functions of the answers
 * and the machine (lib/guide-steps.ts); the diagnostics come from the real plan().
 */
import { describe, expect, it } from "vitest";
import { BuildError } from "../lib/errors.ts";
import { FLAGS, OPTION_NAMES } from "../lib/flags.ts";
import {
  defaultTag, destinationChoices, explain, explainLine, failureLines, helpFor, imageNameFrom, QUESTION_WIDTH, questionLine,
  registryOf, registryUrl, shortReason, summaryLine, tagWarnings, whereItWent, wrap,
} from "../lib/guide-steps.ts";
import type { BuildOptions } from "../lib/options.ts";
import { plan } from "../lib/plan.ts";
import type { BuildResult } from "../lib/result.ts";
import { CLASSIC, MODERN, NONE, OLD } from "./fixtures/guide/fake.ts";

const STEPS = ["context", "file", "target", "tag", "platform", "destination", "buildArg", "more"];
const ASKED = OPTION_NAMES.filter((n) => FLAGS[n].guide !== "never");

function diagnostic(options: BuildOptions, caps: typeof MODERN, code: string) {
  const d = plan(options, caps).diagnostics.find((x) => x.code === code);
  expect(d, `plan() says ${code}`).toBeDefined();
  return d!;
}

function result(fields: Partial<BuildResult> = {}): BuildResult {
  return {
    ok: true, exitCode: 0, dryRun: false, error: null, digest: null, configDigest: null, imageNames: [], imageName: null,
    ref: null, metadata: null, warnings: [], diagnostics: [], durationMs: 700, argv: [], cwd: "/", command: "", ...fields,
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
    expect(explain(d, MODERN)).toBe("Pushed only: the image will not be in this machine's image store. To have it here too, choose \"load and push\".");
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
      [{ push: true, tag: "a:1" }, MODERN], [{ push: true }, MODERN], [{ output: "type=local,dest=o", push: true, load: true }, MODERN],
      [{ load: false }, MODERN], [{ load: false }, machine("docker-container")], [{ platform: ["linux/amd64", "linux/arm64"], load: true }, CLASSIC],
      [{ platform: ["linux/amd64", "linux/arm64"], load: true }, NONE], [{ sbom: true }, CLASSIC], [{ push: true, load: true, tag: "a:1" }, OLD],
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
    expect(load({ platform: ["linux/amd64", "linux/arm64", "linux/arm/v7"] }, CLASSIC)).toBe("3 platforms do not fit the classic image store here: push, or write an OCI layout");
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
    const lines = whereItWent(result({ digest: "sha256:cd", imageNames: ["localhost:5000/guide/app:1"] }), { push: true, tag: "localhost:5000/guide/app:1" }, MODERN);
    expect(lines).toEqual(["Built in 0.7s.", "Pushed localhost:5000/guide/app:1@sha256:cd", "  see http://localhost:5000/v2/guide/app/manifests/1"]);
    expect(registryUrl("hello:1")).toBe("https://hub.docker.com/_/hello");
    expect(registryUrl("me/hello")).toBe("https://hub.docker.com/r/me/hello");
    expect(registryUrl("ghcr.io/me/hello@sha256:ef")).toBe("https://ghcr.io/v2/me/hello/manifests/sha256:ef");
  });

  it("files: the folder and its first entries; a tar or OCI layout and its size", () => {
    const o = { output: "type=local,dest=out" };
    expect(whereItWent(result(), o, MODERN, { entries: ["bin/", "etc/", "hello.txt"], count: 7 })).toEqual([
      "Built in 0.7s.", "The files are in out/: bin/, etc/, hello.txt, and 4 more.",
    ]);
    expect(whereItWent(result(), o, MODERN, { entries: [], count: 0 })[1]).toMatch(/^The files are in out\/ \(it is empty/);
    expect(whereItWent(result(), { output: "type=oci,dest=img.tar" }, MODERN, { size: 3 * 1024 * 1024 })[1]).toBe(
      "The image is in img.tar (3.0 MB), an OCI layout. Load it with: docker load -i img.tar",
    );
  });

  it("a failed build: the hint first", () => {
    const e = new BuildError({
      exitCode: 1, signal: null, command: "docker buildx build .", argv: [], interrupted: false, durationMs: 1,
      stderrTail: 'ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref x::y: "/nope.txt": not found',
    });
    const lines = failureLines(e);
    expect(lines[0]).toBe(`The build failed: ${e.hint}`);
    expect(lines[0]).toMatch(/nope\.txt/);
    expect(lines).toContain('  ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref x::y: "/nope.txt": not found');

    // At a terminal, buildx's own output was shown and not read: point at it.
    const drawn = new BuildError({ exitCode: 1, signal: null, command: "c", argv: [], interrupted: false, durationMs: 1, stderrTail: "", stderrCaptured: false });
    expect(failureLines(drawn)).toEqual(["The build failed (exit code 1): buildx's output just above says why."]);
  });
});

describe("summary and wrapping", () => {
  it("one line per answer, in words", () => {
    const o: BuildOptions = { context: "app", push: true, tag: ["a:1"], buildArg: { V: "1" }, noCache: true };
    expect(STEPS.map((s) => summaryLine(s, o, s === "file" ? "app/Dockerfile" : null, MODERN))).toEqual([
      "Folder to build: app", "Dockerfile: app/Dockerfile", "Stage: the last stage", "Image name: a:1",
      "Platforms: the builder's own (linux/amd64)", "Goes to: push to a registry", "Build arguments: V=1",
      "More options: build everything again, without cache",
    ]);
  });

  it("wraps at words, indenting what follows", () => {
    expect(wrap("  one two three four", 12, "    ")).toBe("  one two\n    three\n    four");
    expect(wrap("short", 12)).toBe("short");
    expect(wrap("Pushed localhost:5000/a-very-long-name@sha256:0123", 20)).toBe("Pushed localhost:5000/a-very-long-name@sha256:0123");
  });
});
