/**
 * The tagged template: word splitting, interpolations, every error message, the handle (lazy,
 * immutable, nothrow, quiet, kill, dryRun, plan) against a fake buildx; then, against the real
 * engine, hostile values that must reach buildx as one argument each, and a zx-style script run
 * by Node, Deno and Bun.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { $ } from "zx";
import { type Capabilities, UNKNOWN_CAPABILITIES } from "../lib/capabilities.ts";
import { BuildError, ValidationError } from "../lib/errors.ts";
import { plan } from "../lib/plan.ts";
import { BuildHandle, buildx, splitWords, TemplateError } from "../lib/template.ts";
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
      .toEqual(["-t", "app:1", "--label", "title=my app", "--label", "q=its", "a b", "c\"d\\e\\x", "f\tg\n'h", "", "."]);
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
    expect(buildx`-t a:1 # --label x=${undefined}
      .`.words).toEqual(["-t", "a:1", "."]);
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
    expect(thrown(() => buildx`--tag=${["a", "b"]}`).message).toBe(`interpolation #1 (after \`--tag=\`) ${joined}`);
    expect(thrown(() => buildx`-t ${["a"]}:1`).message).toBe(`interpolation #1 (after \`-t \`) ${joined}`);
    expect(thrown(() => buildx`-t "${["a"]}"`).message).toBe(`interpolation #1 (after \`-t "\`) ${joined}`);
    expect(thrown(() => buildx`${["a"]}${"b"}`).message).toBe(`interpolation #1 (at the start of the template) ${joined}`);
    expect(thrown(() => buildx`--label a=${"x\0y"}`).message)
      .toBe("interpolation #1 (after `--label a=`) holds a NUL character, which no command-line argument can");
  });

  it("never turns a value into the text \"undefined\"", () => {
    const maybe: string | undefined = process.env.SURELY_NOT_SET_ANYWHERE;
    expect(() => buildx`-t ${maybe} .`).toThrow(TemplateError);
  });
});

describe("shell syntax in the text is an error, not a surprise", () => {
  const cases: readonly [string, string][] = [
    ["-t a; echo", "`;` (at `-t a;`) is shell syntax, but buildx`...` runs no shell: quote it (';') if it is part of a value"],
    ["-t a && echo", "`&` (at `-t a &`) is shell syntax, but buildx`...` runs no shell: quote it ('&') if it is part of a value"],
    ["-t a | tee", "`|` (at `-t a |`) is shell syntax, but buildx`...` runs no shell: quote it ('|') if it is part of a value"],
    [". > log", "`>` (at `. >`) is shell syntax, but buildx`...` runs no shell: quote it ('>') if it is part of a value"],
    ["-t `id`", "``` (at `-t ``) is shell syntax, but buildx`...` runs no shell: quote it ('`') if it is part of a value"],
    ["-t $HOME", "`$HOME` (at `-t $`) is shell syntax, but buildx`...` runs no shell: nothing is expanded; interpolate the value instead (${process.env.NAME}), or quote it ('$HOME') for the text itself"],
    ["-t \"$(id)\"", "`$(id)` (at `-t \"$`) is shell syntax, but buildx`...` runs no shell: nothing is expanded; interpolate the value instead (${process.env.NAME}), or quote it ('$(id)') for the text itself"],
    ["-t 'open", "a ' quote is never closed (opened at `-t '`)"],
    ["--label \"a=b", "a \" quote is never closed (opened at `--label \"`)"],
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
      platform: ["linux/amd64", "linux/arm64"], tag: ["localhost:5000/app:1"], push: true, buildArg: { V: "1.2" }, context: "./app",
    });
    expect(h.plan.args).toEqual(["--build-arg=V=1.2", "--platform=linux/amd64,linux/arm64", "--push", "--tag=localhost:5000/app:1", "./app"]);
  });

  it("merges buildx({ ... }) defaults under the text, the text winning with a warning", () => {
    const $b = buildx({ cwd: "/srv", quiet: true, builder: "default", tag: "x:1", buildArg: { A: "1", B: "2" }, extraFlags: { newer: "a" }, platform: "linux/amd64" });
    const h = $b`--build-arg A=3 --build-arg C=4 -t y:1 --newer=b --platform linux/amd64 .`;
    expect(h.options).toEqual({
      builder: "default", tag: ["y:1"], buildArg: { A: "3", B: "2", C: "4" }, extraFlags: { newer: "b" }, platform: ["linux/amd64"], context: ".",
    });
    const own = h.plan.diagnostics.filter((d) => d.code === "template-overrides-option");
    expect(own.map((d) => [d.level, d.option, d.message])).toEqual([
      ["warning", "buildArg.A", "the template's \"3\" replaces \"1\" given to buildx({ ... })"],
      ["warning", "tag", "the template's [\"y:1\"] replaces \"x:1\" given to buildx({ ... })"],
      ["warning", "extraFlags.newer", "the template's \"b\" replaces \"a\" given to buildx({ ... })"],
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
    expect(() => (buildx as unknown as (x: unknown) => unknown)("-t x")).toThrow("buildx takes a template (buildx`-t app .`) or options (buildx({ cwd })), got the string \"-t x\"");
  });

  it(".plan is pure and shows the diagnostics first, against given capabilities", () => {
    const old: Capabilities = { ...UNKNOWN_CAPABILITIES, buildxVersion: "0.9.1", driver: "docker", containerdImageStore: false };
    const h = buildx({ capabilities: old })`-x --push --attest type=provenance --unknown-thing .`;
    expect(h.plan.ok).toBe(false);
    expect(h.plan.diagnostics.map((d) => d.code)).toEqual([
      "unknown-short-flag", "unknown-flag", "push-disables-load", "attestation-needs-containerd-store", "push-needs-tag", "flag-needs-newer-buildx",
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
    await writeFile(script, [
      "#!/bin/sh",
      "printf '%s\\0' \"$@\" | base64 -w0 >> \"$FAKE_CALLS\"; echo >> \"$FAKE_CALLS\"",
      "case \"$FAKE_MODE\" in",
      "  fail) echo 'ERROR: failed to solve: the fake failed' >&2; exit 1;;",
      "  sleep) exec sleep 30;;",
      "esac",
    ].join("\n"));
    await chmod(script, 0o755);
    fake = { ...UNKNOWN_CAPABILITIES, buildxVersion: "0.13.1", buildxVersionText: "fake", buildxCommand: [script, "buildx"], driver: "docker", containerdImageStore: true };
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
    expect(await argsOfLastCall()).toEqual(["buildx", "build", "--label=a b=c; d", "--load", expect.stringMatching(/^--metadata-file=/), "--progress=rawjson", "--tag=app:1", "."]);
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

  it(".dryRun() and buildx.dry give the argv and command without running or probing", async () => {
    await rm(calls, { force: true });
    // No capabilities: a probe would run the real docker; a dry run must not.
    const h = buildx({ env: env("ok") })`--platform linux/amd64 -t ${"localhost:5000/app:1"} --push --label ${"k=it's $(x)"} .`;
    const dry = await h.dryRun();
    expect(dry.dryRun).toBe(true);
    expect(dry.argv).toEqual(["docker", "buildx", "build", "--label=k=it's $(x)", "--platform=linux/amd64", "--push", "--tag=localhost:5000/app:1", "."]);
    expect(dry.command).toBe("docker buildx build '--label=k=it'\\''s $(x)' --platform=linux/amd64 --push --tag=localhost:5000/app:1 .");
    // the printed command reads back as the same words
    expect(splitWords(dry.command)).toEqual(dry.argv);
    expect((await buildx.dry`-t app:1 .`).argv).toEqual(["docker", "buildx", "build", "--load", "--tag=app:1", "."]);
    expect(await called()).toBe(0);
    await expect(buildx.dry`--push .`).rejects.toThrow(/push-needs-tag/);
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
  "say \"hi\"",
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
    await writeFile(join(dir, "Dockerfile"), [
      `FROM ${BASE_IMAGE} AS values`,
      ...args.map((a) => `ARG ${a}`),
      `RUN mkdir /out && ${args.map((a, i) => `printf '%s' "$${a}" > /out/v${i}`).join(" && ")}`,
      "FROM scratch AS files",
      "COPY --from=values /out/ /",
      "FROM values",
    ].join("\n"));
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
      "--target values -t ", { v: image }, " --load\n",
      ...HOSTILE.flatMap((v, i) => (i % 2 ? [` --label "hostile.${i}=`, { v }, "\""] : [` --label hostile.${i}=`, { v }])),
      " ", { v: HOSTILE.flatMap((v, i) => ["--build-arg", `V${i}=${v}`]) },
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
          cwd: ROOT, timeout: 240_000, env: { ...process.env, SMOKE_RUNTIME: runtime, SMOKE_ID: `${runtime}-${RUN_ID}` },
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
      headers: { accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-content-digest")).toBe(builds[2]!.digest);
    expect(builds[2]!.imageNames).toEqual([`${REGISTRY}/${app}:1`]);
  });
});
