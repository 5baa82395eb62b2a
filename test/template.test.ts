/**
 * The tagged template: word splitting, interpolations, every error message, the handle (lazy,
 * immutable, nothrow, quiet, kill, dryRun, plan) against a fake buildx; then, against the real
 * engine, hostile values that must reach buildx as one argument each, and a zx-style script run
 * by Node, Deno and Bun.
 */
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { $ } from "zx";
import { type Capabilities, UNKNOWN_CAPABILITIES } from "../lib/core/capabilities.ts";
import { formatDiagnostic } from "../lib/core/diagnostics.ts";
import { BuildError, ValidationError } from "../lib/core/errors.ts";
import { plan } from "../lib/core/plan.ts";
import { BuildHandle, buildx, splitWords, TemplateError } from "../lib/build/template.ts";
import { BASE_IMAGE, REGISTRY, requireEngine } from "./support/engine.ts";

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FIXTURE = join(ROOT, "test/fixtures/template");

/** A template from parts: text, or `{ v }` for an interpolation (for templates made in a loop). */
function template(parts: readonly (string | { v: unknown })[]): [TemplateStringsArray, unknown[]] {
  const strings = [""];
  const values: unknown[] = [];
  for (const part of parts) {
    if (typeof part === "string") strings[strings.length - 1] += part;
    else {
      values.push(part.v);
      strings.push("");
    }
  }
  return [Object.assign(strings, { raw: [...strings] }) as unknown as TemplateStringsArray, values];
}

function thrown(f: () => unknown): TemplateError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error("expected a TemplateError");
}

describe("words", () => {
  it("splits the text as a shell would, without expanding anything", () => {
    expect(splitWords(`-t app:1   --label "title=my app" --label 'q=it''s' a\\ b "c\\"d\\\\e\\x" $'f\\tg\\n\\'h' "" .`))
      .toEqual(["-t", "app:1", "--label", "title=my app", "--label", "q=its", "a b", 'c"d\\e\\x', "f\tg\n'h", "", "."]);
    expect(splitWords("one\\\ntwo\n\tthree # a comment; with | syntax\nfour#not-a-comment")).toEqual(["onetwo", "three", "four#not-a-comment"]);
    // Globs, tildes, braces and ! are plain characters: no shell sees them.
    expect(splitWords("* ?.txt [ab] ~/x {a,b} !! a=b")).toEqual(["*", "?.txt", "[ab]", "~/x", "{a,b}", "!!", "a=b"]);
  });

  it("reads back what zx's quote prints ($'...' with escapes)", () => {
    expect(splitWords("$'a\\'b\\\\c\\x41\\u00e9\\U0001F680\\101\\0end' $\"dq\"")).toEqual(["a'b\\cAé🚀A\0end", "dq"]);
  });

  it("takes every interpolation as exactly one argument", () => {
    const spaced = "a b";
    const h = buildx`--label x=${spaced} -t ${"app:1"} ${""} --build-arg ${"N"}=${3} --label "q=${"it's"} ${true}" ${"ctx dir"}`;
    expect(h.words).toEqual(["--label", "x=a b", "-t", "app:1", "", "--build-arg", "N=3", "--label", "q=it's true", "ctx dir"]);
  });

  it("gives one argument per element of an array standing alone, none for an empty array", () => {
    const tags = ["-t", "a:1", "-t", "b:1"];
    expect(buildx`${tags} --push ${[]} ${["my dir"]}`.words).toEqual([...tags, "--push", "my dir"]);
    expect(buildx`${tags}`.options).toEqual({ tag: ["a:1", "b:1"] });
  });

  it("stringifies numbers, booleans and bigints, and takes zx's output without its last newline", async () => {
    const out = await $`printf 'v1.2\n'`;
    expect(buildx`${1.5} ${false} ${10n} ${out}`.words).toEqual(["1.5", "false", "10", "v1.2"]);
  });

  it("uses the text as JavaScript cooked it, as zx does", () => {
    // `\\ ` in the source is a backslash and a space: an escaped space.
    expect(buildx`a\\ b ${"c"}\\d`.words).toEqual(["a b", "cd"]);
  });

  it("ignores interpolations in a comment", () => {
    expect(
      buildx`-t a:1 # --label x=${undefined}
      .`.words,
    ).toEqual(["-t", "a:1", "."]);
  });
});

describe("bad interpolations throw when the template is evaluated, naming the position", () => {
  const ONE = "every interpolation is one argument: pass a string, a number, a boolean, or an array of them";
  const cases: readonly [string, unknown, string][] = [
    ["undefined", undefined, "undefined"],
    ["null", null, "null"],
    ["a plain object", { tag: "x" }, "a plain object (build options go in buildx({ ... }), not in the text)"],
    ["an object with no prototype", Object.create(null), "a plain object (build options go in buildx({ ... }), not in the text)"],
    ["a class instance", new URL("https://example.com"), "an object (URL); pass String(value) if its text is meant"],
    ["a function", () => "x", "a function"],
    ["a promise", Promise.resolve("x"), "a promise (did you forget await?)"],
    ["a symbol", Symbol("s"), "a symbol"],
    ["NaN", Number.NaN, "the number NaN"],
    ["Infinity", Number.POSITIVE_INFINITY, "the number Infinity"],
  ];

  it.each(cases)("%s", (_what, value, description) => {
    const e = thrown(() => buildx`--platform ${"linux/amd64"} -t ${value} .`);
    expect(e.message).toBe(`interpolation #2 (after \`-t \`) is ${description}; ${ONE}`);
    expect(e.interpolation).toBe(2);
    expect(e.message).not.toMatch(/^undefined|"undefined"/);
  });

  it("names the element of an array, and the start of the template", () => {
    expect(thrown(() => buildx`-t a:1 --label ${["a=1", undefined]}`).message)
      .toBe(`interpolation #1 (after \`-t a:1 --label \`), element [1], is undefined; ${ONE}`);
    expect(thrown(() => buildx`${null} .`).message).toBe(`interpolation #1 (at the start of the template) is null; ${ONE}`);
    expect(thrown(() => buildx`-t ${"a"}${undefined}`).message).toBe(`interpolation #2 (right after interpolation #1) is undefined; ${ONE}`);
    const long = thrown(() => buildx`--label org.opencontainers.image.description=${undefined}`).message;
    expect(long).toBe(`interpolation #1 (after \`…ncontainers.image.description=\`) is undefined; ${ONE}`);
  });

  it("refuses an array joined to text, and a NUL", () => {
    const joined = "is an array joined to other text; an array gives one argument per element, so it must stand alone between spaces";
    // --flag=${list} is only for a flag of the table that takes a value
    expect(thrown(() => buildx`--push=${["true"]}`).message).toBe(`interpolation #1 (after \`--push=\`) ${joined}`);
    expect(thrown(() => buildx`--newer=${["a", "b"]}`).message).toBe(`interpolation #1 (after \`--newer=\`) ${joined}`);
    expect(thrown(() => buildx`--tag=${["a", "b"]}x`).message).toBe(`interpolation #1 (after \`--tag=\`) ${joined}`);
    expect(thrown(() => buildx`-t ${["a"]}:1`).message).toBe(`interpolation #1 (after \`-t \`) ${joined}`);
    expect(thrown(() => buildx`-t "${["a"]}"`).message).toBe(`interpolation #1 (after \`-t "\`) ${joined}`);
    expect(thrown(() => buildx`${["a"]}${"b"}`).message).toBe(`interpolation #1 (at the start of the template) ${joined}`);
    expect(thrown(() => buildx`--label a=${"x\0y"}`).message)
      .toBe("interpolation #1 (after `--label a=`) holds a NUL character, which no command-line argument can");
  });

  it('never turns a value into the text "undefined"', () => {
    const maybe: string | undefined = process.env.SURELY_NOT_SET_ANYWHERE;
    expect(() => buildx`-t ${maybe} .`).toThrow(TemplateError);
  });
});

describe("an array written as a flag's value is that flag's values", () => {
  const platforms = ["linux/amd64", "linux/arm64"];

  it("the README's first example: --platform ${platforms} -t ${tag} --push .", () => {
    const h = buildx`--platform ${platforms} -t ${"localhost:5000/app:1"} --push .`;
    expect(h.words).toEqual(["--platform", "linux/amd64,linux/arm64", "-t", "localhost:5000/app:1", "--push", "."]);
    expect(h.options).toEqual({ platform: platforms, tag: ["localhost:5000/app:1"], push: true, context: "." });
    expect(h.plan.ok).toBe(true);
    expect(h.plan.args).toEqual(["--platform=linux/amd64,linux/arm64", "--push", "--tag=localhost:5000/app:1", "."]);
  });

  it("platforms are joined, in either form; a repeatable flag is written once per element", () => {
    const tags = ["a:1", "b:1"];
    const h = buildx`--platform=${platforms} -t ${tags} --tag=${["c:1"]} --build-arg ${["A=1", "B=2"]} --label=${["x=1", "y=2"]} -o ${["type=cacheonly"]} .`;
    expect(h.words).toEqual([
      "--platform=linux/amd64,linux/arm64",
      "-t",
      "a:1",
      "-t",
      "b:1",
      "--tag=c:1",
      "--build-arg",
      "A=1",
      "--build-arg",
      "B=2",
      "--label=x=1",
      "--label=y=2",
      "-o",
      "type=cacheonly",
      ".",
    ]);
    expect(h.options).toEqual({
      platform: platforms,
      tag: ["a:1", "b:1", "c:1"],
      buildArg: { A: "1", B: "2" },
      label: { x: "1", y: "2" },
      output: ["type=cacheonly"],
      context: ".",
    });
    // The last letter of a bundle is the flag: -qt ${tags}
    expect(buildx`-qt ${tags} .`.options).toEqual({ quiet: true, tag: tags, context: "." });
    // Elements holding commas or spaces stay whole.
    expect(buildx`--platform ${["linux/amd64,linux/arm/v7", "linux/arm64"]} --label ${["t=a b"]}`.options)
      .toEqual({ platform: ["linux/amd64", "linux/arm/v7", "linux/arm64"], label: { t: "a b" } });
  });

  it("a flag that takes one value takes a one-element array; more is an error naming the flag", () => {
    expect(buildx`--target ${["base"]} -f ${["Dockerfile.x"]} --sbom ${["generator=x"]} --provenance=${["mode=max"]} .`.options)
      .toEqual({ target: "base", file: "Dockerfile.x", sbom: "generator=x", provenance: "mode=max", context: "." });
    const e = thrown(() => buildx`--target ${["base", "prod"]} .`);
    expect(e.message).toBe("interpolation #1 (after `--target `) is an array of 2 values, but --target takes one value; pass one string");
    expect(e.interpolation).toBe(1);
  });

  it("an empty array leaves its flag out, and says so (info)", () => {
    const h = buildx`--platform ${[]} -t ${[]} --build-arg=${[]} --push .`;
    expect(h.words).toEqual(["--push", "."]);
    expect(h.options).toEqual({ push: true, context: "." });
    expect(h.plan.diagnostics.filter((d) => d.code === "template-empty-array").map(formatDiagnostic)).toEqual([
      "info [template-empty-array] platform: interpolation #1 (after `--platform `) is an empty array: --platform is left out",
      "info [template-empty-array] tag: interpolation #2 (after `-t `) is an empty array: -t is left out",
      "info [template-empty-array] buildArg: interpolation #3 (after `--build-arg=`) is an empty array: --build-arg is left out",
    ]);
    // ... and the plan says what that means: a push needs a tag.
    expect(h.plan.diagnostics.map((d) => d.code)).toContain("push-needs-tag");
    // In a bundle, only the flag's letter goes.
    expect(buildx`-qt ${[]} .`.words).toEqual(["-q", "."]);
    expect(buildx`-qt=${[]} .`.options).toEqual({ quiet: true, context: "." });
  });

  it("an array standing alone is still one word per element, flags included (zx)", () => {
    expect(buildx`--push ${["-t", "a:1"]} ${["ctx"]}`.options).toEqual({ push: true, tag: ["a:1"], context: "ctx" });
    // after a flag's value, after a boolean flag, after an unknown flag: not a value
    expect(buildx`--target base ${["--push"]} .`.words).toEqual(["--target", "base", "--push", "."]);
    expect(buildx`--newer ${["a"]}`.words).toEqual(["--newer", "a"]);
    // after -- (the flags ended), and after a flag that is itself another flag's value
    expect(buildx`-- ${["ctx"]}`.options).toEqual({ context: "ctx" });
    expect(buildx`--label --platform ${["linux/amd64"]}`.options).toEqual({ label: ["--platform"], context: "linux/amd64" });
  });

  it("an array after a misspelt flag: the typo is the one error", () => {
    const h = buildx`--plaform ${platforms} .`;
    expect(h.plan.diagnostics.filter((d) => d.level === "error").map(formatDiagnostic)).toEqual([
      "error [misspelt-flag] --plaform is not in buildx-kit's flag table; did you mean --platform?\n" +
      "  hint: a flag this near a known one is taken for a typo; give a flag of a newer buildx in extraFlags",
    ]);
    expect(buildx`--tga ${["a:1", "b:1"]} .`.plan.diagnostics.filter((d) => d.level === "error").map((d) => d.message))
      .toEqual(["--tga is not in buildx-kit's flag table; did you mean --tag?"]);
    // An empty one keeps the typo in sight.
    expect(buildx`--plaform ${[]} .`.plan.diagnostics.map((d) => d.code)).toContain("misspelt-flag");
  });
});

describe("an interpolated value never becomes a flag", () => {
  const FLAG =
    "an interpolated value never becomes a flag: write the flag in the template's text and interpolate only its value (and ./ before a path that starts with a dash)";

  it("in the context position: refused, naming the interpolation (it used to be read as --output and write files)", () => {
    const ctx = "--output=type=local,dest=/x";
    const e = thrown(() => buildx`--target base ${ctx}`);
    expect(e.message).toBe(`interpolation #1 (after \`--target base \`) would be read as the flag "--output=type=local,dest=/x"; ${FLAG}`);
    expect(e.interpolation).toBe(1);
  });

  it.each([
    ["at the start", () => buildx`${"--push"} -t a:1 .`, 'interpolation #1 (at the start of the template) would be read as the flag "--push"'],
    ["a short flag", () => buildx`-t a:1 ${"-q"} .`, 'interpolation #1 (after `-t a:1 `) would be read as the flag "-q"'],
    ["quoted", () => buildx`-t a:1 "${"--push"}" .`, 'interpolation #1 (after `-t a:1 "`) would be read as the flag "--push"'],
    [
      "the start of a word",
      () => buildx`-t a:1 ${"--out"}put=type=local,dest=/x .`,
      'interpolation #1 (after `-t a:1 `) would be read as the flag "--output=type=local,dest=/x"',
    ],
    ["after a value", () => buildx`-t ${"a:1"} ${"--push"} .`, 'interpolation #2 (right after interpolation #1) would be read as the flag "--push"'],
    ["an unknown flag", () => buildx`. ${"--newer=x"}`, 'interpolation #1 (after `. `) would be read as the flag "--newer=x"'],
    ["--", () => buildx`${"--"} -x`, 'interpolation #1 (at the start of the template) would be read as the flag "--"'],
  ])("%s", (_what, make, start) => {
    expect(thrown(make).message).toBe(`${start}; ${FLAG}`);
  });

  it("nor a context that starts with a dash", () => {
    expect(thrown(() => buildx`-t a:1 ${"-"}`).message).toBe(
      'interpolation #1 (after `-t a:1 `) would be the context "-", which starts with a dash; an interpolated context never does: ' +
        "write ./- for a folder of that name, or - in the template's text to read a tarball from stdin",
    );
    expect(thrown(() => buildx`-t a:1 -- ${"--odd"}`).message).toBe(
      'interpolation #1 (after `-t a:1 -- `) would be the context "--odd", which starts with a dash; an interpolated context never does: ' +
        "write ./--odd for a folder of that name",
    );
  });

  it("written as a flag's value, a value starting with a dash is that value", () => {
    expect(buildx`--target ${"-weird"} -f ${"-"} --label=${"--push"} -t${"-x"} ${"./-dir"}`.options)
      .toEqual({ target: "-weird", file: "-", label: ["--push"], tag: ["-x"], context: "./-dir" });
    // Text written in the template is the template's: a flag, or - for stdin.
    expect(buildx`--${"push"} -`.options).toEqual({ push: true, context: "-" });
  });
});

describe("the command itself is not part of the template", () => {
  it.each([["docker buildx build"], ["buildx build"], ["docker build"]])("%s ...", (command) => {
    const [strings, values] = template([`${command} -t `, { v: "app:1" }, " ."]);
    const e = thrown(() => buildx(strings, ...values));
    expect(e.message).toBe(
      `the template starts with \`${command}\`, which buildx\`...\` runs itself: drop it and write only the flags and the context (buildx\`-t app:1 .\`)`,
    );
    expect(e.interpolation).toBe(null);
  });

  it("a context named docker or build is still a context", () => {
    expect(buildx`-t a:1 docker`.options).toEqual({ tag: ["a:1"], context: "docker" });
    expect(buildx`build`.options).toEqual({ context: "build" });
  });
});

describe("shell syntax in the text is an error, not a surprise", () => {
  const cases: readonly [string, string][] = [
    ["-t a; echo", "`;` (at `-t a;`) is shell syntax, but buildx`...` runs no shell: quote it (';') if it is part of a value"],
    ["-t a && echo", "`&` (at `-t a &`) is shell syntax, but buildx`...` runs no shell: quote it ('&') if it is part of a value"],
    ["-t a | tee", "`|` (at `-t a |`) is shell syntax, but buildx`...` runs no shell: quote it ('|') if it is part of a value"],
    [". > log", "`>` (at `. >`) is shell syntax, but buildx`...` runs no shell: quote it ('>') if it is part of a value"],
    ["-t `id`", "``` (at `-t ``) is shell syntax, but buildx`...` runs no shell: quote it ('`') if it is part of a value"],
    [
      "-t $HOME",
      "`$HOME` (at `-t $`) is shell syntax, but buildx`...` runs no shell: nothing is expanded; interpolate the value instead (${process.env.NAME}), or quote it ('$HOME') for the text itself",
    ],
    [
      '-t "$(id)"',
      "`$(id)` (at `-t \"$`) is shell syntax, but buildx`...` runs no shell: nothing is expanded; interpolate the value instead (${process.env.NAME}), or quote it ('$(id)') for the text itself",
    ],
    ["-t 'open", "a ' quote is never closed (opened at `-t '`)"],
    ['--label "a=b', 'a " quote is never closed (opened at `--label "`)'],
    ["-t a\\", "the template ends with a backslash that escapes nothing"],
  ];
  it.each(cases)("%s", (text, message) => {
    expect(thrown(() => splitWords(text)).message).toBe(message);
  });

  it("quoted, the same characters are text", () => {
    expect(splitWords(`--label 'a=; && | > \`id\` $HOME $(id)' "b=$ & ;"`)).toEqual(["--label", "a=; && | > `id` $HOME $(id)", "b=$ & ;"]);
  });

  it("a backslash before an interpolation escapes nothing", () => {
    expect(thrown(() => buildx`-t a\\${"b"}`).message)
      .toBe("a backslash right before interpolation #1 escapes nothing; remove it (every interpolation is taken literally)");
  });
});

describe("options: text, call defaults, and how they merge", () => {
  it("parses through the flag table", () => {
    const platforms = ["linux/amd64", "linux/arm64"];
    const h = buildx`--platform ${platforms.join(",")} -t ${"localhost:5000/app:1"} --push --build-arg V=${"1.2"} ${"./app"}`;
    expect(h.options).toEqual({
      platform: ["linux/amd64", "linux/arm64"],
      tag: ["localhost:5000/app:1"],
      push: true,
      buildArg: { V: "1.2" },
      context: "./app",
    });
    expect(h.plan.args).toEqual(["--build-arg=V=1.2", "--platform=linux/amd64,linux/arm64", "--push", "--tag=localhost:5000/app:1", "./app"]);
  });

  it("merges buildx({ ... }) defaults under the text, the text winning with a warning", () => {
    const $b = buildx({
      cwd: "/srv",
      quiet: true,
      builder: "default",
      tag: "x:1",
      buildArg: { A: "1", B: "2" },
      extraFlags: { newer: "a" },
      platform: "linux/amd64",
    });
    const h = $b`--build-arg A=3 --build-arg C=4 -t y:1 --newer=b --platform linux/amd64 .`;
    expect(h.options).toEqual({
      builder: "default",
      tag: ["y:1"],
      buildArg: { A: "3", B: "2", C: "4" },
      extraFlags: { newer: "b" },
      platform: ["linux/amd64"],
      context: ".",
    });
    const own = h.plan.diagnostics.filter((d) => d.code === "template-overrides-option");
    expect(own.map((d) => [d.level, d.option, d.message])).toEqual([
      ["warning", "buildArg.A", 'the template\'s "3" replaces "1" given to buildx({ ... })'],
      ["warning", "tag", 'the template\'s ["y:1"] replaces "x:1" given to buildx({ ... })'],
      ["warning", "extraFlags.newer", 'the template\'s "b" replaces "a" given to buildx({ ... })'],
    ]);
    expect(own[0]!.hint).toBe("give it in one place only");
    // the run options are not build options
    expect(h.options).not.toHaveProperty("cwd");
    expect(h.options).not.toHaveProperty("quiet");
  });

  it("keeps bare build args from either side", () => {
    expect(buildx({ buildArg: ["HTTP_PROXY"] })`--build-arg A=1`.options).toEqual({ buildArg: ["HTTP_PROXY", "A=1"] });
  });

  it("nests configured tags, and offers .dry on each", () => {
    const outer = buildx({ cwd: "/a", label: { a: "1" } });
    const inner = outer({ cwd: "/b", nothrow: true });
    expect(inner.options).toEqual({ cwd: "/b", label: { a: "1" }, nothrow: true });
    expect(inner.dry.options).toEqual({ cwd: "/b", label: { a: "1" }, nothrow: true, dryRun: true });
    expect(() => (buildx as unknown as (x: unknown) => unknown)("-t x")).toThrow(
      'buildx takes a template (buildx`-t app .`) or options (buildx({ cwd })), got the string "-t x"',
    );
  });

  it(".plan is pure and shows the diagnostics first, against given capabilities", () => {
    const old: Capabilities = { ...UNKNOWN_CAPABILITIES, buildxVersion: "0.9.1", driver: "docker", containerdImageStore: false };
    const h = buildx({ capabilities: old })`-x --push --attest type=provenance --unknown-thing .`;
    expect(h.plan.ok).toBe(false);
    expect(h.plan.diagnostics.map((d) => d.code)).toEqual([
      "unknown-short-flag",
      "unknown-flag",
      "push-disables-load",
      "attestation-needs-containerd-store",
      "push-needs-tag",
      "flag-needs-newer-buildx",
    ]);
    expect(h.plan).toBe(h.plan);
    // plan()'s own warning for the unknown flag is not repeated
    expect(plan(h.options, old).diagnostics.map((d) => d.code)).toContain("unvalidated-flag");
  });
});

describe("the handle, against a fake buildx", () => {
  let dir: string;
  let fake: Capabilities;
  let calls: string;
  const env = (mode: string) => ({ ...process.env, FAKE_CALLS: calls, FAKE_MODE: mode });
  const called = async () => (await readFile(calls, "utf8").catch(() => "")).split("\n").filter(Boolean).length;
  const argsOfLastCall = async () => {
    const lines = (await readFile(calls, "utf8")).split("\n").filter(Boolean);
    return Buffer.from(lines.at(-1)!, "base64").toString("utf8").split("\0").slice(0, -1);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "buildx-kit-template-"));
    calls = join(dir, "calls");
    const script = join(dir, "fake-docker");
    // Records its arguments (NUL-separated, base64, one call a line), then does what FAKE_MODE says.
    await writeFile(
      script,
      [
        "#!/bin/sh",
        'printf \'%s\\0\' "$@" | base64 -w0 >> "$FAKE_CALLS"; echo >> "$FAKE_CALLS"',
        'case "$FAKE_MODE" in',
        "  fail) echo 'ERROR: failed to solve: the fake failed' >&2; exit 1;;",
        "  sleep) exec sleep 30;;",
        "esac",
      ].join("\n"),
    );
    await chmod(script, 0o755);
    fake = {
      ...UNKNOWN_CAPABILITIES,
      buildxVersion: "0.13.1",
      buildxVersionText: "fake",
      buildxCommand: [script, "buildx"],
      driver: "docker",
      containerdImageStore: true,
    };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs nothing until awaited, then runs once however often it is awaited", async () => {
    await rm(calls, { force: true });
    const h = buildx({ capabilities: fake, env: env("ok"), quiet: true })`-t app:1 --label ${"a b"}=${"c; d"} .`;
    await new Promise((r) => setTimeout(r, 200));
    expect(await called()).toBe(0);
    const [a, b] = await Promise.all([h, h]);
    expect(a).toBe(b);
    expect(await h).toBe(a);
    expect(await called()).toBe(1);
    expect(a.ok).toBe(true);
    // Quiet runs buildx in rawjson, read and not shown (the failing step's output is kept); the command to paste says quiet.
    expect(await argsOfLastCall()).toEqual([
      "buildx",
      "build",
      expect.stringMatching(/^--metadata-file=/),
      "--label=a b=c; d",
      "--load",
      "--progress=rawjson",
      "--tag=app:1",
      ".",
    ]);
    expect(a.command).toMatch(/ --load --progress=quiet --tag=app:1 \.$/);
  });

  it("is immutable: each method returns a new handle", async () => {
    const h = buildx({ capabilities: fake, env: env("fail") })`-t app:1 .`;
    const quiet = h.quiet();
    const nothrow = quiet.nothrow();
    expect(quiet).toBeInstanceOf(BuildHandle);
    expect(new Set([h, quiet, nothrow]).size).toBe(3);
    expect(nothrow.options).toEqual(h.options);
    const result = await nothrow;
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(1);
    await expect(quiet).rejects.toBeInstanceOf(BuildError);
    await expect(quiet.nothrow(false)).rejects.toThrow(/the fake failed/);
  });

  it("prints the template's warnings once, unless quiet", async () => {
    const log = vi.fn();
    const result = await buildx({ capabilities: fake, env: env("ok"), log })`-t app:1 --newer=x .`;
    const lines = log.mock.calls.map(([line]) => String(line));
    expect(lines.filter((l) => l.includes("--newer"))).toEqual([
      "warning [unknown-flag] extraFlags.newer: --newer is not in buildx-kit's flag table; passed to buildx unchecked\n  hint: an unknown flag takes a value only as --newer=VALUE",
    ]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["unknown-flag", "load-by-default"]);
    expect(result.warnings).toHaveLength(1);

    const silent = vi.fn();
    await buildx({ capabilities: fake, env: env("ok"), log: silent })`-t app:1 --newer=x .`.quiet();
    expect(silent).not.toHaveBeenCalled();
  });

  it("refuses to run what does not parse, without running anything", async () => {
    await rm(calls, { force: true });
    const h = buildx({ capabilities: fake, env: env("ok") })`-t app:1 --push=maybe a b`;
    const e = await h.then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).diagnostics.map((d) => d.code)).toEqual(["two-contexts", "invalid-value"]);
    expect(await called()).toBe(0);
  });

  it("kill() stops a running build; before it starts, it stops it from starting", async () => {
    await rm(calls, { force: true });
    const h = buildx({ capabilities: fake, env: env("sleep"), quiet: true, killGraceMs: 2000 })`-t app:1 .`;
    const settled = h.then(() => null, (err: unknown) => err);
    while ((await called()) === 0) await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    h.kill();
    const e = await settled;
    expect(e).toBeInstanceOf(BuildError);
    expect((e as BuildError).interrupted).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);

    await rm(calls, { force: true });
    const never = buildx({ capabilities: fake, env: env("ok"), quiet: true })`-t app:1 .`;
    never.kill();
    await expect(never).rejects.toMatchObject({ name: "BuildError", interrupted: true });
    expect(await called()).toBe(0);
  });

  it("follows the signal given to buildx({ signal })", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(buildx({ capabilities: fake, env: env("ok"), signal: controller.signal })`-t app:1 .`).rejects.toMatchObject({ interrupted: true });
  });

  it(".dryRun() and buildx.dry give the argv and command without running; offline, without probing", async () => {
    await rm(calls, { force: true });
    // Offline: a probe would run the real docker; this dry run must not.
    const h = buildx({ env: env("ok"), offline: true })`--platform linux/amd64 -t ${"localhost:5000/app:1"} --push --label ${"k=it's $(x)"} .`;
    const dry = await h.dryRun();
    expect(dry.dryRun).toBe(true);
    // Here stderr is no terminal, so the build would add --progress=plain: the dry run says so too.
    const argv = [
      "docker",
      "buildx",
      "build",
      "--label=k=it's $(x)",
      "--platform=linux/amd64",
      "--progress=plain",
      "--push",
      "--tag=localhost:5000/app:1",
      ".",
    ];
    expect(dry.argv).toEqual(argv);
    expect(dry.cwd).toBe(process.cwd());
    expect(dry.command).toBe(
      `cd ${process.cwd()} && docker buildx build '--label=k=it'\\''s $(x)' --platform=linux/amd64 --progress=plain --push --tag=localhost:5000/app:1 .`,
    );
    // the printed command reads back as the same words
    expect(splitWords(dry.command.slice(dry.command.indexOf("&& ") + 3))).toEqual(dry.argv);
    expect((await buildx.dry({ offline: true })`-t app:1 .`).argv).toEqual(["docker", "buildx", "build", "--load", "--progress=plain", "--tag=app:1", "."]);
    expect(await called()).toBe(0);
    await expect(buildx.dry({ offline: true })`--push .`).rejects.toThrow(/push-needs-tag/);
  });

  it("a dry run shows the invocation the real run spawns: same argv, same command, same warnings", async () => {
    await rm(calls, { force: true });
    const warned: string[][] = [[], []];
    const handle = (i: number) =>
      buildx({ capabilities: fake, env: env("ok"), log: (l) => warned[i]!.push(l) })`-t app:1 --push -o type=local,dest=out --secret ${"id=s,env=S"} .`;
    const dry = await handle(0).dryRun();
    const real = await handle(1);
    expect(real.argv).toEqual(dry.argv);
    expect(real.command).toBe(dry.command);
    expect(real.cwd).toBe(dry.cwd);
    // A dry run prints the plan's warnings as the real run does (push with a local output).
    expect(warned[0]!.filter((l) => l.startsWith("warning"))).toEqual(warned[1]!.filter((l) => l.startsWith("warning")));
    expect(warned[0]!.some((l) => l.startsWith("warning [push-with-local-output]") || /push/.test(l))).toBe(true);
    // What ran is the same argv, plus only the private metadata file.
    expect(await argsOfLastCall()).toEqual([...dry.argv.slice(1, 3), expect.stringMatching(/^--metadata-file=\/.*\/metadata\.json$/), ...dry.argv.slice(3)]);
  });
});

// ---------------------------------------------------------------------------------------------
// Against the real engine.

const engine = await requireEngine();
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;

/** Values no shell may touch; each must come back from buildx exactly as given. */
const HOSTILE: readonly string[] = [
  "two words",
  "  leading and trailing spaces  ",
  "it's",
  'say "hi"',
  "'\"'\"' mixed quotes \"'",
  "back\\slash \\n \\t \\\\ \\",
  "$(echo pwned)",
  "`id`",
  "$HOME ${HOME} $$ $1",
  "a; rm -rf /",
  "a && b || c",
  "a | b > c < d 2>&1 &",
  "*",
  "?.txt [abc] {a,b}",
  "~/home ~root",
  "!bang !! !$",
  "# not a comment",
  "line one\nline two\n",
  "tab\there\r\n",
  "",
  "-leading-dash",
  "--push",
  "a=b=c, d=e",
  "%s %d %% printf",
  "héllo wörld ñ e\u0301 中文 日本語 שלום",
  "🚀🐳 emoji 👩‍👩‍👧 \u200b zero width",
  `long:${"0123456789 'quote' \"dq\" $(x) `;\\ ".repeat(130).slice(0, 4000)}`,
];

describe.skipIf(!engine.ok)("hostile values reach buildx as one argument each (real engine)", () => {
  let dir: string;
  const image = `buildx-kit-hostile-${RUN_ID}:1`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "buildx-kit-hostile-"));
    const args = HOSTILE.map((_, i) => `V${i}`);
    await writeFile(
      join(dir, "Dockerfile"),
      [
        `FROM ${BASE_IMAGE} AS values`,
        ...args.map((a) => `ARG ${a}`),
        `RUN mkdir /out && ${args.map((a, i) => `printf '%s' "$${a}" > /out/v${i}`).join(" && ")}`,
        "FROM scratch AS files",
        "COPY --from=values /out/ /",
        "FROM values",
      ].join("\n"),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await exec("docker", ["image", "rm", "-f", image]).catch(() => undefined);
  });

  it(`has at least 20 of them (${HOSTILE.length})`, () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(20);
    expect(Math.max(...HOSTILE.map((v) => v.length))).toBeGreaterThanOrEqual(4000);
  });

  it("--label values read back identically from docker image inspect, --build-arg values are echoed by the Dockerfile", async () => {
    const $b = buildx({ cwd: dir, quiet: true });
    // Labels glued into words (half in double quotes); build args as one array of words.
    const [strings, values] = template([
      "--target values -t ",
      { v: image },
      " --load\n",
      ...HOSTILE.flatMap((v, i) => (i % 2 ? [` --label "hostile.${i}=`, { v }, '"'] : [` --label hostile.${i}=`, { v }])),
      " ",
      { v: HOSTILE.flatMap((v, i) => ["--build-arg", `V${i}=${v}`]) },
      " .",
    ]);
    const loaded = $b(strings, ...values);
    // One argument each, before anything runs.
    for (const [i, v] of HOSTILE.entries()) {
      expect(loaded.plan.args.filter((a) => a === `--label=hostile.${i}=${v}`)).toHaveLength(1);
      expect(loaded.plan.args.filter((a) => a === `--build-arg=V${i}=${v}`)).toHaveLength(1);
    }
    expect(loaded.plan.ok).toBe(true);
    await loaded;

    const { stdout } = await exec("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", image]);
    const labels = JSON.parse(stdout) as Record<string, string>;
    for (const [i, v] of HOSTILE.entries()) expect({ i, label: labels[`hostile.${i}`] }).toEqual({ i, label: v });

    // The same build args, the files stage written out: the cache makes this second build quick.
    const out = join(dir, "out");
    await $b`--target files ${HOSTILE.flatMap((v, i) => ["--build-arg", `V${i}=${v}`])} -o type=local,dest=${out} .`;
    for (const [i, v] of HOSTILE.entries()) {
      expect({ i, echoed: await readFile(join(out, `v${i}`), "utf8") }).toEqual({ i, echoed: v });
    }
  });
});

describe.skipIf(!engine.ok)("an array after --platform builds every platform (real engine)", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "buildx-kit-platforms-"));
    // FROM scratch with a COPY builds for any platform without emulation; TARGETARCH picks the file.
    await writeFile(join(dir, "Dockerfile"), "FROM scratch\nARG TARGETARCH\nCOPY ${TARGETARCH}.txt /arch.txt\n");
    await writeFile(join(dir, "amd64.txt"), "amd64\n");
    await writeFile(join(dir, "arm64.txt"), "arm64\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("--platform ${platforms} -o type=local,dest=${out}: one folder per platform, each with its own file", async () => {
    const platforms = ["linux/amd64", "linux/arm64"];
    const out = join(dir, "out dir");
    const result = await buildx({ cwd: dir, quiet: true })`--platform ${platforms} -o type=local,dest=${out} .`;
    expect(result.ok).toBe(true);
    expect(result.argv.filter((a) => a.startsWith("--platform") || a.startsWith("--output"))).toEqual([
      `--output=type=local,dest=${out}`,
      "--platform=linux/amd64,linux/arm64",
    ]);
    expect(await readFile(join(out, "linux_amd64/arch.txt"), "utf8")).toBe("amd64\n");
    expect(await readFile(join(out, "linux_arm64/arch.txt"), "utf8")).toBe("arm64\n");
  });
});

describe.skipIf(!engine.ok)("a zx-style script runs on Node, Deno and Bun (real engine)", () => {
  const bin = (name: string) => join(ROOT, "node_modules/.bin", name);
  const compiled = join(ROOT, ".tmp", `template-smoke-${RUN_ID}`);
  const RUNTIMES: readonly (readonly [string, () => readonly string[]])[] = [
    ["node", () => [process.execPath, join(compiled, "test/fixtures/template/script.js")]],
    ["deno", () => [bin("deno"), "run", "-A", "--quiet", join(FIXTURE, "script.ts")]],
    ["bun", () => [bin("bun"), join(FIXTURE, "script.ts")]],
  ];
  interface Report {
    runtime: string;
    app: string;
    builds: { ok: boolean; imageNames: string[]; digest: string | null; argv: string[] }[];
  }
  const reports = new Map<string, Report | Error>();

  beforeAll(async () => {
    // Node 20 runs no TypeScript: compile the script and the lib files it imports, next to the
    // repository's node_modules and package.json (type: module).
    await mkdir(compiled, { recursive: true });
    const tsc = await exec(bin("tsc"), ["-p", join(FIXTURE, "tsconfig.json"), "--outDir", compiled], { cwd: ROOT })
      .then(() => "", (e: { stdout?: string }) => e.stdout ?? String(e));
    // Type errors are the typecheck's business; the compiled script is what this test needs.
    if (tsc) console.warn(`tsc reported, still emitting:\n${tsc}`);
    await copyFile(join(FIXTURE, "Dockerfile"), join(compiled, "test/fixtures/template/Dockerfile"));
    await stat(join(compiled, "test/fixtures/template/script.js"));

    // The three at once: their builds share the engine's cache.
    await Promise.all(RUNTIMES.map(async ([runtime, command]) => {
      const [file, ...args] = command();
      try {
        const { stdout } = await exec(file!, args, {
          cwd: ROOT,
          timeout: 240_000,
          env: { ...process.env, SMOKE_RUNTIME: runtime, SMOKE_ID: `${runtime}-${RUN_ID}` },
        });
        reports.set(runtime, JSON.parse(stdout.trim().split("\n").at(-1)!) as Report);
      } catch (e) {
        const err = e as { stderr?: string; message?: string };
        reports.set(runtime, new Error(`${runtime} failed: ${err.message}\n${err.stderr ?? ""}`));
      }
    }));
  }, 300_000);

  afterAll(async () => {
    await rm(compiled, { recursive: true, force: true });
    const images = [...reports.values()].flatMap((r) => (r instanceof Error ? [] : r.builds.flatMap((b) => b.imageNames)));
    if (images.length) await exec("docker", ["image", "rm", "-f", ...images]).catch(() => undefined);
  });

  it.each(RUNTIMES.map(([r]) => r))("%s built, loaded and pushed the images", async (runtime) => {
    const report = reports.get(runtime);
    if (report instanceof Error) throw report;
    expect(report).toBeDefined();
    const { app, builds } = report!;
    expect(report!.runtime).toBe(runtime);
    expect(builds.map((b) => b.ok)).toEqual([true, true, true]);

    // 1: FROM local/busybox:1 with a RUN, loaded: the RUN's file says which runtime asked.
    const inspect = async (ref: string) =>
      JSON.parse((await exec("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", ref])).stdout) as Record<string, string> | null;
    await inspect(`${app}:run`);
    const { stdout: said } = await exec("docker", ["run", "--rm", `${app}:run`, "cat", "/runtime.txt"]);
    expect(said.trim()).toBe(`built by ${runtime}`);

    // 2: two tags, labels with spaces.
    expect(builds[1]!.imageNames).toEqual([`docker.io/library/${app}:labelled`, `docker.io/library/${app}:also`]);
    expect(await inspect(`${app}:also`)).toMatchObject({ runtime, "made by": "buildx-kit" });

    // 3: pushed: the registry serves the manifest under the digest buildx reported.
    const res = await fetch(`http://127.0.0.1:5000/v2/${app}/manifests/1`, {
      method: "HEAD",
      headers: {
        accept:
          "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-content-digest")).toBe(builds[2]!.digest);
    expect(builds[2]!.imageNames).toEqual([`${REGISTRY}/${app}:1`]);
  });
});
