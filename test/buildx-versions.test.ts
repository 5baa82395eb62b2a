/**
 * Issue 16 without a newer buildx on this machine: buildx's outputs of several releases (test/
 * fixtures/buildx) read back, runs against a fake buildx of a given release, the doctor's report,
 * buildx's -D beside buildx-kit's own --debug, and the exit codes buildx gives since 0.25.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Capabilities, UNKNOWN_CAPABILITIES } from "../lib/core/capabilities.ts";
import { featureStatus, formatDoctor } from "../lib/cli/doctor.ts";
import { main } from "../lib/cli/main.ts";
import { BuildError } from "../lib/core/errors.ts";
import { parseBuildArgs } from "../lib/core/parse.ts";
import { mapPaths } from "../lib/recipe/paths.ts";
import { parseInspect } from "../lib/build/probe.ts";
import { readMetadata } from "../lib/core/result.ts";
import { build, progressMode } from "../lib/build/run.ts";

const fixture = (path: string) => readFileSync(new URL(`./fixtures/buildx/${path}`, import.meta.url), "utf8");

describe("metadata files of several buildx releases", () => {
  it("0.13.1 (Debian, containerd store): no config digest; the digest stands in", () => {
    const m = readMetadata(fixture("metadata/0.13.1-debian-load.json"));
    expect(m.configDigest).toBeNull();
    expect(m.digest).toBe("sha256:df936cb8b19196d3ace8bd7ec956df7d4fcce9fb75bd40cee16ad7014ff79902");
    expect(m.imageNames).toEqual(["docker.io/library/buildx-kit-fixture:1"]);
    expect(m.buildxWarnings).toEqual([]);
    expect(m.callResult).toBeNull();
  });

  it("0.19.3: a value that is a JSON list is kept as one; several image names split", () => {
    const m = readMetadata(fixture("metadata/0.19.3-list-value.json"));
    expect(m.metadata?.["example.frontend.list"]).toEqual([{ name: "first", value: "1" }, { name: "second", value: "2" }]);
    expect(m.imageNames).toEqual(["localhost:5000/app:1", "localhost:5000/app:latest"]);
    expect(m.configDigest).toBe("sha256:6a7b5e3c0d1f2e3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f901234");
  });

  it("0.36.1 with BUILDX_METADATA_WARNINGS: the build's warnings, one line each", () => {
    expect(readMetadata(fixture("metadata/0.36.1-warnings.json")).buildxWarnings).toEqual([
      "FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)",
      "UndefinedVar: Usage of undefined variable '$VERSION' (line 3)",
    ]);
  });

  it("0.36.1 pushed by digest: no config digest, no tag", () => {
    const m = readMetadata(fixture("metadata/0.36.1-push-by-digest.json"));
    expect([m.configDigest, m.digest, m.imageName]).toEqual([
      null,
      "sha256:3333333333333333333333333333333333333333333333333333333333333333",
      "localhost:5000/app",
    ]);
  });

  it("0.36.1 --call: result.json is the call's result", () => {
    expect(readMetadata(fixture("metadata/0.36.1-call-outline.json")).callResult).toMatchObject({
      name: "runtime",
      args: [{ name: "VERSION", value: "1.2" }, { name: "JOBS" }],
    });
    expect((readMetadata(fixture("metadata/0.36.1-call-lint.json")).callResult as { warnings: { ruleName: string }[] }).warnings.map((w) => w.ruleName))
      .toEqual(["FromAsCasing"]);
  });

  it("older forms: a list written as base64, result.json as JSON text", () => {
    const list = btoa(JSON.stringify([{ short: btoa("Old: a warning") }]));
    expect(readMetadata(JSON.stringify({ "buildx.build.warnings": list, "result.json": '{"targets":[]}' }))).toMatchObject({
      buildxWarnings: ["Old: a warning"],
      callResult: { targets: [] },
    });
  });
});

describe("buildx's exit codes (0.25 on) in the error", () => {
  const error = (exitCode: number, stderrTail = "ERROR: failed to solve: something") =>
    new BuildError({
      exitCode,
      signal: null,
      command: "docker buildx build .",
      argv: ["docker", "buildx", "build", "."],
      stderrTail,
      interrupted: false,
      durationMs: 1,
    });
  it.each(
    [
      [1, "the build failed", "docker buildx build exited with code 1\n"],
      [100, "BuildKit reported an internal error", "docker buildx build exited with code 100 (BuildKit reported an internal error)\n"],
      [
        102,
        "the builder ran out of a resource (memory, disk, ...)",
        "docker buildx build exited with code 102 (the builder ran out of a resource (memory, disk, ...))\n",
      ],
      [130, "the build was cancelled", "docker buildx build exited with code 130 (the build was cancelled)\n"],
      [7, null, "docker buildx build exited with code 7\n"],
    ] as const,
  )("exit code %i: %s", (code, reason, head) => {
    const e = error(code);
    expect(e.exitReason).toBe(reason);
    expect(e.message.startsWith(head)).toBe(true);
    expect(e.toJSON().exitReason).toBe(reason);
  });
  it("102 without a known failure in stderr gets a hint", () => {
    expect(error(102).hint).toBe(
      "the builder ran out of memory, disk or another resource: free some (docker buildx prune), raise its limits, or build less at once",
    );
    expect(error(1).hint).toBeNull();
  });
});

describe("reading buildx without rawjson (before 0.13)", () => {
  const at = (buildxVersion: string): Capabilities => ({ ...UNKNOWN_CAPABILITIES, buildxVersion, buildxCommand: ["docker", "buildx"] });
  it("a quiet build is read as rawjson from 0.13", () => {
    expect(progressMode({ quiet: true }, {}, at("0.13.0"))).toMatchObject({ progress: "rawjson", quiet: true, printId: true });
  });
  it("before 0.13 a quiet build is buildx's own --quiet, which prints the id itself", () => {
    const mode = progressMode({ quiet: true }, {}, at("0.12.1"));
    expect(mode).toMatchObject({ quiet: false, printId: false });
    expect(mode.progress).toBeUndefined();
    expect(mode.notes?.map((n) => n.code)).toEqual(["quiet-without-rawjson"]);
  });
  it("before 0.13 RunOptions' quiet runs --progress=quiet with stdout dropped", () => {
    expect(progressMode({}, { quiet: true }, at("0.12.1"))).toMatchObject({ progress: "quiet", silenceStdout: true, printId: false });
  });
  it("before 0.13 onProgress gets no events, and a warning says so", () => {
    const mode = progressMode({}, { onProgress: () => {} }, at("0.8.2"));
    expect(mode.progress).not.toBe("rawjson");
    expect(mode.notes).toEqual([{
      level: "warning",
      code: "progress-events-unavailable",
      option: null,
      message: "onProgress gets no events: they are read from --progress=rawjson, which needs buildx >= 0.13.0; installed 0.8.2",
      hint: "upgrade buildx for progress events; the build's progress shows as it would without onProgress",
    }]);
  });
});

describe("a build against a fake buildx of a given release", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** A standalone `buildx` that records its arguments and environment, writes `meta` as the metadata file and exits `code`. */
  async function fakeBuildx(meta: string, code = 0) {
    const dir = await mkdtemp(join(tmpdir(), "buildx-kit-fake-"));
    dirs.push(dir);
    const script = join(dir, "buildx");
    await writeFile(join(dir, "meta.json"), meta);
    await writeFile(
      script,
      `#!/bin/sh
printf '%s\\n' "$@" > "${dir}/args"
printf '%s' "\${BUILDX_METADATA_WARNINGS:-unset}" > "${dir}/env"
for a in "$@"; do case "$a" in --metadata-file=*) cp "${dir}/meta.json" "\${a#--metadata-file=}";; esac; done
[ ${code} -ne 0 ] && echo "ERROR: failed to solve: ResourceExhausted: no space left on device" >&2
exit ${code}
`,
    );
    await chmod(script, 0o755);
    const caps = (buildxVersion: string): Capabilities => ({
      ...UNKNOWN_CAPABILITIES,
      buildxVersion,
      buildxVersionText: `github.com/docker/buildx v${buildxVersion}`,
      buildxCommand: [script],
    });
    return { dir, caps, args: async () => (await readFile(join(dir, "args"), "utf8")).trim().split("\n"), env: () => readFile(join(dir, "env"), "utf8") };
  }

  it("asks for metadata warnings, and returns them and the call's result", async () => {
    const fake = await fakeBuildx(JSON.stringify({ ...JSON.parse(fixture("metadata/0.36.1-warnings.json")), "result.json": { targets: [{ name: "app" }] } }));
    const result = await build({ tag: "app:1" }, { cwd: fake.dir, capabilities: fake.caps("0.36.1"), log: () => {}, stdout: "ignore" });
    expect(await fake.env()).toBe("1");
    expect(result.warnings).toEqual([
      "FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)",
      "UndefinedVar: Usage of undefined variable '$VERSION' (line 3)",
    ]);
    expect(result.callResult).toEqual({ targets: [{ name: "app" }] });
  });

  it("on buildx 0.12 onProgress does not pass --progress=rawjson, and warns", async () => {
    const fake = await fakeBuildx(fixture("metadata/0.13.1-debian-load.json"));
    const events: unknown[] = [];
    const result = await build({ tag: "app:1" }, {
      cwd: fake.dir,
      capabilities: fake.caps("0.12.1"),
      log: () => {},
      stdout: "ignore",
      onProgress: (e) => events.push(e),
    });
    expect((await fake.args()).filter((a) => a.startsWith("--progress"))).toEqual(["--progress=plain"]);
    expect(result.diagnostics.map((d) => d.code)).toContain("progress-events-unavailable");
    expect(result.configDigest).toBeNull();
  });

  it("on buildx 0.12 quiet runs buildx's --quiet; on 0.13 it reads rawjson", async () => {
    const old = await fakeBuildx("{}");
    await build({ quiet: true, tag: "app:1" }, { cwd: old.dir, capabilities: old.caps("0.12.1"), log: () => {}, stdout: "ignore" });
    expect((await old.args()).filter((a) => a.startsWith("--progress") || a === "--quiet")).toEqual(["--quiet"]);
    const recent = await fakeBuildx("{}");
    await build({ quiet: true, tag: "app:1" }, { cwd: recent.dir, capabilities: recent.caps("0.13.1"), log: () => {}, stdout: "ignore" });
    expect((await recent.args()).filter((a) => a.startsWith("--progress") || a === "--quiet")).toEqual(["--progress=rawjson"]);
  });

  it("exit code 102: a BuildError that says a resource ran out", async () => {
    const fake = await fakeBuildx("{}", 102);
    const result = await build({ tag: "app:1" }, { cwd: fake.dir, capabilities: fake.caps("0.36.1"), log: () => {}, stdout: "ignore", nothrow: true });
    expect(result.ok).toBe(false);
    expect(result.error?.exitCode).toBe(102);
    expect(result.error?.exitReason).toBe("the builder ran out of a resource (memory, disk, ...)");
  });

  it("a gha cache without the GitHub Actions variables: warned before buildx drops it", async () => {
    const fake = await fakeBuildx("{}");
    const lines: string[] = [];
    const env = { ...process.env, ACTIONS_RUNTIME_TOKEN: "", ACTIONS_CACHE_URL: "", ACTIONS_RESULTS_URL: "" };
    await build({ tag: "app:1", cacheFrom: "type=gha" }, {
      cwd: fake.dir,
      capabilities: fake.caps("0.36.1"),
      env,
      log: (l) => lines.push(l),
      stdout: "ignore",
    });
    expect(lines.join("\n")).toContain("warning [gha-cache-dropped] cacheFrom: buildx drops this type=gha cache without a word");
  });
});

describe("doctor: nodes, their BuildKit, and what the installed buildx lacks", () => {
  const multi = parseInspect(fixture("inspect/docker-container-0.36.1.txt"));
  const caps: Capabilities = {
    ...UNKNOWN_CAPABILITIES,
    buildxVersion: "0.30.1",
    buildxVersionText: fixture("version/0.29.1.txt").trim(),
    buildxCommand: ["docker", "buildx"],
    engineVersion: "28.0.1",
    driver: "docker-container",
    buildkitVersion: "0.26.2",
    containerdImageStore: false,
    builder: multi,
  };
  it("shows each node's BuildKit and platforms", () => {
    const text = formatDoctor(caps);
    expect(text).toContain("    node       multi0: running, BuildKit v0.26.2");
    expect(text).toContain("    platforms  linux/arm64, linux/arm/v7, linux/arm/v6");
    expect(text).toContain("    node       multi1: running, BuildKit v0.12.5");
  });
  it("names the rows, choices and attributes buildx 0.30.1 lacks, and what the oldest node's BuildKit cannot do", () => {
    const missing = Object.fromEntries(featureStatus(caps).filter((f) => !f.available).map((f) => [f.name, f.why]));
    expect(missing).toMatchObject({
      "--policy": "needs buildx >= 0.31.0 (installed 0.30.1)",
      "--resource": "needs buildx >= 0.35.0 (installed 0.30.1)",
      "--allow=buildx.local.delete": "needs buildx >= 0.35.0 (installed 0.30.1)",
      "--output type=local mode=": "needs buildx >= 0.35.0 (installed 0.30.1)",
      "two exporters at once (push and load, or several outputs)": "needs BuildKit >= 0.13.0 (node multi1 runs 0.12.5)",
    });
    expect(missing["--progress=none"]).toBeUndefined();
  });
  it("Debian's engine: BuildKit unknown, said so", () => {
    const debian = parseInspect(fixture("inspect/docker-debian-0.13.1.txt"));
    const text = formatDoctor({ ...caps, buildxVersion: "0.36.1", driver: "docker", builder: debian, buildkitVersion: null });
    expect(text).toContain("    node       default: running, BuildKit unknown (v0.0.0+unknown; assumed the latest)");
    expect(text.split("\n")).toContain("  yes --policy");
  });
});

describe("buildx's -D beside buildx-kit's own --debug", () => {
  it("-D and --debug are buildx's debug in build flags (templates, parseBuildArgs)", () => {
    expect(parseBuildArgs(["-D", "."]).options).toEqual({ debug: true, context: "." });
    expect(parseBuildArgs(["--debug", "."]).options).toEqual({ debug: true, context: "." });
  });

  it("in the CLI, --debug stays buildx-kit's (stack traces) and -D reaches buildx", async () => {
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(argv, {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        env: { ...process.env, NO_COLOR: "1" },
        isTTY: false,
        cwd: process.cwd(),
      });
      return { code, out: out.join("\n"), err: err.join("\n") };
    };
    const withD = await run(["build", "--debug", "-D", "--dry-run", "--offline", "-t", "app:1", "."]);
    expect(withD.code).toBe(0);
    expect(withD.out).toMatch(/docker buildx build --debug --load (--progress=plain )?--tag=app:1 \.$/m);
    const without = await run(["build", "--debug", "--dry-run", "--offline", "-t", "app:1", "."]);
    expect(without.out).not.toContain("--debug");
    // buildx-kit's --debug: a stack trace instead of the hint to ask for one.
    const failed = await run(["build", "--debug", "--dry-run", "--offline", "--platform=lnux", "."]);
    expect(failed.code).toBe(2);
    expect(failed.err).not.toContain("(run with --debug for a stack trace)");
  });
});

describe("paths that are not paths", () => {
  const abs = (p: string) => `/abs/${p}`;
  it("a secret of type=env names a variable in src=", () => {
    expect(mapPaths({ secret: ["type=env,id=t,src=TOKEN", "id=f,src=f.txt"] }, abs).secret).toEqual(["type=env,id=t,src=TOKEN", "id=f,src=/abs/f.txt"]);
  });
  it("a Dockerfile at an http(s) URL", () => {
    expect(mapPaths({ file: "https://example.com/Dockerfile" }, abs).file).toBe("https://example.com/Dockerfile");
  });
  it("a cache given as a bare registry ref", () => {
    expect(mapPaths({ cacheFrom: "localhost:5000/app:cache", cacheTo: "type=local,dest=c" }, abs)).toEqual({
      cacheFrom: "localhost:5000/app:cache",
      cacheTo: "type=local,dest=/abs/c",
    });
  });
});
