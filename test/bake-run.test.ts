/**
 * Many recipes, one engine run: `runRecipes` and `buildx-kit run` build the recipes that can share
 * one `docker buildx bake` as its targets (lib/recipe/bake-run.ts).
 *
 * - the plan (no engine): which recipes bake together, which build alone, and each diagnostic's
 *   words; the dry run's bake command and file, through the CLI;
 * - the exact argv (a fake docker that records what it was given): the bake file in a private
 *   temporary folder, gone afterwards; the metadata read per target; `--allow` as each buildx
 *   release's bake asks for it;
 * - on the real engine: three recipes through exactly one bake (counted by a docker that records
 *   every call), each image under its own tag with its own digest; a failing recipe among passing
 *   ones; a recipe bake cannot express, built alone; `--json`; GITHUB_OUTPUT and --metadata-file;
 *   Ctrl-C (Node, Deno, Bun; and a script that listens for it) stops the bake and leaves no process
 *   and no temp folder, and neither does a SIGKILL.
 */
import { spawn } from "node:child_process";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Capabilities, UNKNOWN_CAPABILITIES } from "../lib/core/capabilities.ts";
import { type BakeCandidate, planBakes } from "../lib/recipe/bake-run.ts";
import { BuildError } from "../lib/core/errors.ts";
import type { BuildOptions } from "../lib/core/options.ts";
import type { ProgressEvent } from "../lib/core/progress.ts";
import { probe } from "../lib/build/probe.ts";
import { makeRecipe, saveRecipe } from "../lib/recipe/recipe.ts";
import { runRecipes, runResultJson } from "../lib/recipe/run.ts";
import { cleanUp, docker, fakeDocker, nonce, privateTmp, processes, ROOT, tempDir, trackImage, waitFor } from "./fixtures/build/support.ts";
import { cli } from "./fixtures/cli/support.ts";
import { BASE_IMAGE, requireEngine } from "./support/engine.ts";

const engine = await requireEngine();
afterAll(cleanUp);

const at = (version: string | null): Capabilities => ({ ...UNKNOWN_CAPABILITIES, buildxVersion: version, buildxCommand: ["docker", "buildx"] });
const candidate = (name: string, options: BuildOptions, extra: Partial<BakeCandidate> = {}): BakeCandidate => ({
  name,
  cwd: "/project/recipes",
  options: { context: "..", tag: `${name}:1`, ...options },
  capabilities: at("0.13.1"),
  ...extra,
});
const shown = (notes: readonly { level: string; code: string; option: string | null; message: string; hint?: string }[]) =>
  notes.map((d) => `${d.level} ${d.code}${d.option ? ` ${d.option}` : ""}: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ""}`);

// ---------------------------------------------------------------------------------------------

describe("which recipes bake together (the plan, no engine)", () => {
  it("recipes bake can express build as the targets of one bake; each is told so", async () => {
    const planned = await planBakes([candidate("api", {}), candidate("web", { buildArg: { A: "1" } }), candidate("worker", { target: "w" })], {
      via: "auto",
      chains: [[0], [1], [2]],
    });
    expect(planned.groups.map((g) => [g.members, g.targets, g.cwd, g.builder, g.allow])).toEqual([[
      [0, 1, 2],
      ["api", "web", "worker"],
      "/project/recipes",
      null,
      [],
    ]]);
    expect(planned.alone).toEqual([]);
    expect(shown(planned.notes)).toEqual([
      "info run-via-bake: builds as target api of one docker buildx bake with 2 other recipes",
      "info run-via-bake: builds as target web of one docker buildx bake with 2 other recipes",
      "info run-via-bake: builds as target worker of one docker buildx bake with 2 other recipes",
    ]);
    const group = planned.groups[0]!;
    expect(group.argv).toEqual(["docker", "buildx", "bake", "--file=buildx-kit-bake.json", "--progress=rawjson", "api", "web", "worker"]);
    expect(group.command).toBe("cd /project/recipes && docker buildx bake --file=buildx-kit-bake.json --progress=rawjson api web worker");
    // Every local path absolute: bake reads them wherever it runs.
    expect(JSON.parse(group.text)).toEqual({
      group: { default: { targets: ["api", "web", "worker"] } },
      target: {
        api: { context: "/project", tags: ["api:1"], output: ["type=docker"] },
        web: { context: "/project", args: { A: "1" }, tags: ["web:1"], output: ["type=docker"] },
        worker: { context: "/project", tags: ["worker:1"], target: "w", output: ["type=docker"] },
      },
    });
  });

  it("what bake cannot express builds alone, with the reason; the rest still bake", async () => {
    const list = [
      candidate("plain", {}),
      candidate("quiet", { quiet: true }),
      candidate("iid", { iidfile: "id.txt" }),
      candidate("net", { network: "host", allow: "network.host" }),
      candidate("env", { buildArg: ["FROM_ENV"] }),
      candidate("tar", { output: "type=tar,dest=-" }),
      candidate("outline", { call: "outline" }, { capabilities: at("0.16.0") }),
      candidate("extra", { extraFlags: { "new-flag": "x" } }),
      candidate("plain2", { label: { a: "b" } }),
    ];
    const planned = await planBakes(list, { via: "auto", chains: list.map((_, i) => [i]) });
    expect(planned.groups.map((g) => g.targets)).toEqual([["plain", "plain2"]]);
    expect(planned.alone).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(shown(planned.notes.slice(1, 8))).toEqual([
      "info bake-quiet quiet: a quiet build prints its image id, which bake does not: it runs alone with docker buildx build",
      "info bake-not-expressible iidfile: --iidfile has no bake file key: it runs alone with docker buildx build",
      'info bake-not-expressible allow: this buildx\'s bake does not know the key "entitlements" (it would ignore it): it runs alone with docker buildx build (hint: buildx 0.17.0 and later bake it with the others)',
      "info bake-not-expressible buildArg.FROM_ENV: takes its value from the environment when buildx runs; a bake file cannot: it runs alone with docker buildx build",
      "info bake-stdout output: writes its output to stdout (dest=-), which the targets of one bake cannot share: it runs alone with docker buildx build",
      "info bake-call call: a build method's result (outline) comes back for each build; bake prints them together: it runs alone with docker buildx build",
      "info bake-not-expressible extraFlags.new-flag: flags outside the flag table have no known bake key: it runs alone with docker buildx build",
    ]);
    // Secret values reach each build in its own environment: every recipe builds alone.
    const secret = await planBakes([candidate("a", {}), candidate("b", {})], { via: "auto", chains: [[0], [1]], secrets: { token: "s3cr3t" } });
    expect(secret.groups).toEqual([]);
    expect(shown(secret.notes)[0]).toBe(
      "info bake-secret-values: secret values (secrets: token) reach each build in its own environment, which a bake file cannot say: it runs alone with docker buildx build",
    );
    expect(JSON.stringify(secret)).not.toContain("s3cr3t");
    // A buildx without rawjson cannot tell a bake's targets apart.
    const old = await planBakes([candidate("a", {}, { capabilities: at("0.12.1") }), candidate("b", {}, { capabilities: at("0.12.1") })], {
      via: "bake",
      chains: [[0], [1]],
    });
    expect(shown(old.notes)[0]).toBe(
      "info bake-too-old: buildx 0.12.1 has no --progress=rawjson (0.13.0), from which a bake's steps are told apart per target: it runs alone with docker buildx build (hint: upgrade buildx to bake several recipes at once)",
    );
  });

  it("one bake per builder; a bake of one only when asked; recipes writing the same place never share a bake", async () => {
    const list = [
      candidate("a", {}),
      candidate("b", { builder: "fast" }),
      candidate("c", { builder: "fast" }),
      candidate("d", { tag: "same:1" }),
      candidate("e", { tag: "same:1" }),
    ];
    const auto = await planBakes(list, { via: "auto", chains: [[0], [1], [2], [3, 4]] });
    expect(auto.groups.map((g) => [g.targets, g.builder, g.argv.join(" ")])).toEqual([
      [["b", "c"], "fast", "docker buildx bake --file=buildx-kit-bake.json --progress=rawjson --builder=fast b c"],
    ]);
    expect(auto.alone).toEqual([0, 3, 4]);
    expect(shown([auto.notes[0]!, auto.notes[3]!])).toEqual([
      "info bake-nothing-to-share: the only recipe a bake could build: bake has nothing to share, so it runs alone with docker buildx build",
      "info bake-same-place: writes the same place (a tag or a path) as e: they run one after another, each alone with docker buildx build",
    ]);
    const forced = await planBakes(list, { via: "bake", chains: [[0], [1], [2], [3, 4]] });
    expect(forced.groups.map((g) => g.targets)).toEqual([["a"], ["b", "c"]]);
    expect(shown([forced.notes[0]!])).toEqual(["info run-via-bake: builds as target a of one docker buildx bake (via: bake)"]);
    const built = await planBakes(list, { via: "build", chains: [[0], [1], [2], [3, 4]] });
    expect(built.groups).toEqual([]);
    expect(new Set(shown(built.notes))).toEqual(new Set(["info run-via-build: runs with docker buildx build, as asked (via: build)"]));
  });

  it("target names: made valid and unique, never bake's own (default, internal)", async () => {
    const planned = await planBakes([
      candidate("my app", { tag: "x:1" }),
      candidate("my app", { tag: "x:2" }),
      candidate("default", {}),
      candidate("internal", {}),
    ], { via: "auto", chains: [[0], [1], [2], [3]] });
    expect(planned.groups[0]!.targets).toEqual(["my_app", "my_app-2", "default-2", "internal-2"]);
  });

  it("grants exactly the entitlements the targets need, as each buildx release's bake asks for them", async () => {
    const root = await tempDir("bake-allow");
    await mkdir(join(root, "recipes"));
    await mkdir(join(root, "elsewhere"));
    const list = (version: string) => [
      candidate("net", { context: "../elsewhere", network: "host", allow: ["network.host", "security.insecure"] }, {
        cwd: join(root, "recipes"),
        capabilities: at(version),
      }),
      candidate("keys", { context: ".", ssh: "default", cacheTo: "type=local,dest=../cache" }, { cwd: join(root, "recipes"), capabilities: at(version) }),
    ];
    const allow = async (version: string) => (await planBakes(list(version), { via: "auto", chains: [[0], [1]] })).groups[0]?.allow;
    // 0.17: bake's --allow and entitlements; the file system is checked from 0.20 (an error there; a warning in 0.19).
    expect(await allow("0.17.0")).toEqual(["network.host", "security.insecure"]);
    expect(await allow("0.20.0")).toEqual(["network.host", "security.insecure", "ssh", `fs.write=${root}`, `fs.read=${join(root, "elsewhere")}`]);
    // Before 0.17 bake has neither the keys nor --allow: those recipes build alone.
    const old = await planBakes(list("0.13.1"), { via: "auto", chains: [[0], [1]] });
    expect(old.groups).toEqual([]);
    expect(old.notes.map((d) => d.code)).toEqual(["bake-not-expressible", "bake-nothing-to-share"]);
  });
});

describe("the dry run (the CLI, no engine)", () => {
  it("prints the bake command and the bake file (or the build commands), and says how each recipe runs", async () => {
    const dir = await tempDir("bake-dry");
    for (const name of ["api", "web"]) {
      await writeFile(join(dir, `${name}.json`), JSON.stringify({ recipe: 1, name, options: { context: ".", tag: `${name}:1` } }));
    }
    await writeFile(join(dir, "quiet.json"), JSON.stringify({ recipe: 1, name: "quiet", options: { context: ".", tag: "q:1", quiet: true } }));
    const files = ["api.json", "web.json", "quiet.json"];
    const r = await cli("node", ["run", "--dry-run", "--offline", ...files], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const file = {
      group: { default: { targets: ["api", "web"] } },
      target: { api: { context: dir, tags: ["api:1"], output: ["type=docker"] }, web: { context: dir, tags: ["web:1"], output: ["type=docker"] } },
    };
    expect(r.stdout).toBe([
      `cd ${dir} && docker buildx bake --file=buildx-kit-bake.json --progress=rawjson api web`,
      `buildx-kit-bake.json (the run writes it to a private temporary folder, removed afterwards; saved as buildx-kit-bake.json in ${dir}, the command above runs as shown):`,
      JSON.stringify(file, null, 2),
      `quiet.json: cd ${dir} && docker buildx build --load --quiet --tag=q:1 .`,
      "",
    ].join("\n"));
    expect(r.stderr).toBe([
      "api.json: info [run-via-bake] builds as target api of one docker buildx bake with 1 other recipe",
      "web.json: info [run-via-bake] builds as target web of one docker buildx bake with 1 other recipe",
      "quiet.json: info [bake-quiet] quiet: a quiet build prints its image id, which bake does not: it runs alone with docker buildx build",
      "",
    ].join("\n"));
    const built = await cli("node", ["run", "--dry-run", "--offline", "--via", "build", ...files], { cwd: dir });
    expect(built.stdout).toBe([
      `api.json: cd ${dir} && docker buildx build --load --progress=quiet --tag=api:1 .`,
      `web.json: cd ${dir} && docker buildx build --load --progress=quiet --tag=web:1 .`,
      `quiet.json: cd ${dir} && docker buildx build --load --quiet --tag=q:1 .`,
      "",
    ].join("\n"));
    expect(built.stderr.split("\n")[0]).toBe("api.json: info [run-via-build] runs with docker buildx build, as asked (via: build)");
    // The JSON has how each ran, and the bake.
    const json = JSON.parse((await cli("node", ["run", "--dry-run", "--offline", "--json", ...files], { cwd: dir })).stdout) as Record<string, unknown>[];
    expect(json.map((j) => [j.name, j.via, (j.bake as { target?: string } | null)?.target ?? null, (j.diagnostics as { code: string }[])[0]!.code])).toEqual([
      ["api", "bake", "api", "run-via-bake"],
      ["web", "bake", "web", "run-via-bake"],
      ["quiet", "build", null, "bake-quiet"],
    ]);
    expect(JSON.parse((json[0]!.bake as { file: string }).file)).toEqual(file);
    // A wrong --via is bad input.
    const bad = await cli("node", ["run", "--via", "both", ...files], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'error: --via takes bake, build or auto (got "both"): bake builds the recipes it can express in one docker buildx bake, build runs one docker buildx build each, auto (the default) bakes where two or more can share one\n',
    );
  });
});

// ---------------------------------------------------------------------------------------------

/** Two recipe files in one folder, each built from the folder's Dockerfile. */
async function twoRecipes(dir: string, extra: BuildOptions = {}): Promise<string[]> {
  const files: string[] = [];
  for (const name of ["a", "b"]) {
    const file = join(dir, `${name}.json`);
    await saveRecipe(file, makeRecipe({ context: ".", tag: `fake-${name}:1`, ...extra }, { name }));
    files.push(file);
  }
  return files;
}

/** A docker whose `buildx bake` keeps a copy of its bake file, answers in rawjson and writes metadata for targets a and b. */
const FAKE_BAKE = `case "$1 $2" in
"buildx bake")
  for arg in "$@"; do case "$arg" in
    --file=*) cp "\${arg#--file=}" "$(dirname "$0")/seen-bake.json"; dirname "\${arg#--file=}" > "$(dirname "$0")/seen-folder" ;;
    --metadata-file=*) meta="\${arg#--metadata-file=}" ;;
  esac; done
  printf '%s\\n' '{"vertexes":[{"digest":"sha256:v1","name":"[a 1/1] RUN make","started":"2026-01-01T00:00:00Z","completed":"2026-01-01T00:00:01Z"},{"digest":"sha256:v1","name":"[b 1/1] RUN make","started":"2026-01-01T00:00:00Z","completed":"2026-01-01T00:00:01Z"}]}' >&2
  printf '%s' '{"a":{"containerimage.digest":"sha256:aaa","image.name":"docker.io/library/fake-a:1"},"b":{"containerimage.digest":"sha256:bbb","image.name":"docker.io/library/fake-b:1"},"buildx.build.warnings":[{"vertex":"sha256:v1","short":"'"$(printf 'shared step warning' | base64)"'"}]}' > "$meta"
  exit 0 ;;
esac
exit 0`;

describe("the exact bake run (a fake docker)", () => {
  it("one bake: the file in a private temporary folder (gone afterwards), the metadata read per target, every step's events per target", async () => {
    const fake = await fakeDocker(FAKE_BAKE);
    const dir = await tempDir("bake-fake");
    const files = await twoRecipes(dir);
    const tmp = await privateTmp();
    const events: ProgressEvent[] = [];
    try {
      const results = await runRecipes(files, { capabilities: fake.capabilities, onProgress: (e) => events.push(e) });
      const folder = (await readFile(join(fake.dir, "seen-folder"), "utf8")).trim();
      expect(folder.startsWith(join(tmp.dir, "buildx-kit-"))).toBe(true);
      expect((await readFile(fake.calls, "utf8")).split("\n")).toEqual([
        `buildx bake --file=${folder}/buildx-kit-bake.json --metadata-file=${folder}/metadata.json --progress=rawjson a b`,
        "",
      ]);
      expect(await tmp.entries()).toEqual([]);
      expect(await readFile(join(fake.dir, "seen-bake.json"), "utf8")).toBe(results[0]!.bake!.file);
      expect(results.map((r) => [r.name, r.ok, r.via, r.result?.digest, r.result?.imageNames, r.result?.warnings])).toEqual([
        ["a", true, "bake", "sha256:aaa", ["docker.io/library/fake-a:1"], ["shared step warning"]],
        ["b", true, "bake", "sha256:bbb", ["docker.io/library/fake-b:1"], ["shared step warning"]],
      ]);
      expect(results[0]!.result!.command).toBe(`cd ${dir} && docker buildx bake --file=buildx-kit-bake.json --progress=rawjson a b`);
      expect(results[0]!.bake).toEqual({
        target: "a",
        targets: ["a", "b"],
        fileName: "buildx-kit-bake.json",
        file: results[0]!.bake!.file,
        cwd: dir,
        argv: ["docker", "buildx", "bake", "--file=buildx-kit-bake.json", "--progress=rawjson", "a", "b"],
        command: results[0]!.result!.command,
        allow: [],
      });
      // A step two targets share is each target's, named without the target.
      expect(events.map((e) => `${e.target} ${e.type} ${e.name}`)).toEqual([
        "a started [1/1] RUN make",
        "a completed [1/1] RUN make",
        "b started [1/1] RUN make",
        "b completed [1/1] RUN make",
      ]);
    } finally {
      tmp.restore();
    }
  });

  it("--allow: exactly what the targets need (buildx 0.20: an entitlement and a folder outside)", async () => {
    const fake = await fakeDocker(FAKE_BAKE);
    const root = await tempDir("bake-fake-allow");
    await mkdir(join(root, "recipes"));
    await mkdir(join(root, "src"));
    const files: string[] = [];
    for (const name of ["a", "b"]) {
      const file = join(root, "recipes", `${name}.json`);
      await saveRecipe(file, makeRecipe({ context: "../src", tag: `fake-${name}:1`, ...(name === "a" ? { allow: "security.insecure" } : {}) }, { name }));
      files.push(file);
    }
    await runRecipes(files, { capabilities: { ...fake.capabilities, buildxVersion: "0.20.0" }, quiet: true });
    const call = (await readFile(fake.calls, "utf8")).trim();
    expect(call.replace(/--file=\S+ --metadata-file=\S+ /, "")).toBe(
      `buildx bake --progress=rawjson --allow=security.insecure --allow=fs.read=${join(root, "src")} a b`,
    );
  });

  it("progress, unless quiet: each target's steps as plain lines, each line its recipe's; the recipes' warnings first", async () => {
    const fake = await fakeDocker(FAKE_BAKE);
    const dir = await tempDir("bake-fake-progress");
    const files = await twoRecipes(dir, { buildArg: { API_TOKEN: "x" } });
    const lines: string[] = [];
    const results = await runRecipes(files, { capabilities: fake.capabilities, log: (l) => lines.push(l) });
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    const credential =
      'API_TOKEN looks like a credential: build args stay in the image\'s history; pass it as a secret instead (secret: "id=API_TOKEN,env=API_TOKEN" and RUN --mount=type=secret,id=API_TOKEN,env=API_TOKEN ...)';
    expect(lines).toEqual([
      `[a] warning: ${files[0]}: options.buildArg.API_TOKEN: ${credential}`,
      `[b] warning: ${files[1]}: options.buildArg.API_TOKEN: ${credential}`,
      "[a] #1 [1/1] RUN make",
      "[a] #1 DONE 1.0s",
      "[b] #1 [1/1] RUN make",
      "[b] #1 DONE 1.0s",
    ]);
  });

  it("interrupted before the bake starts: every recipe not run, with its reason; a private folder that cannot be made: each recipe's error says so", async () => {
    const fake = await fakeDocker(FAKE_BAKE);
    const dir = await tempDir("bake-fake-stopped");
    const files = await twoRecipes(dir);
    const stopped = await runRecipes(files, { capabilities: fake.capabilities, quiet: true, signal: AbortSignal.abort("SIGTERM") });
    expect(stopped.map((r) => [r.ok, r.ran, r.via, r.error?.message.split("\n")[0]])).toEqual([
      [false, false, "bake", "docker buildx bake not run: interrupted by SIGTERM before it started"],
      [false, false, "bake", "docker buildx bake not run: interrupted by SIGTERM before it started"],
    ]);
    expect(await readFile(fake.calls, "utf8").catch(() => "")).toBe("");
    const before = process.env.TMPDIR;
    process.env.TMPDIR = join(dir, "no-such-folder");
    try {
      const results = await runRecipes(files, { capabilities: fake.capabilities, quiet: true });
      expect(results.map((r) => [r.ok, r.ran, r.via, r.error?.name])).toEqual([[false, false, "bake", "TempFolderError"], [
        false,
        false,
        "bake",
        "TempFolderError",
      ]]);
      expect(results[0]!.error!.message).toMatch(new RegExp(`^cannot make a private temporary folder in ${join(dir, "no-such-folder")} \\(TMPDIR\\): `));
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
  });

  it("a single recipe runs alone and says why (no bake module needed); a wrong via is refused", async () => {
    const dir = await tempDir("bake-single");
    const [file] = await twoRecipes(dir);
    const [r] = await runRecipes([file!], { dryRun: true, offline: true });
    expect([r!.via, shown(r!.diagnostics)]).toEqual(["build", [
      "info bake-nothing-to-share: the only recipe a bake could build: bake has nothing to share, so it runs alone with docker buildx build",
    ]]);
    await expect(runRecipes([file!], { dryRun: true, offline: true, via: "fast" as "auto" })).rejects.toThrow(
      'via must be one of auto, bake, build, got "fast"',
    );
  });

  it("a bake that fails before any step does: every recipe builds again alone, and says why", async () => {
    const fake = await fakeDocker(
      `case "$1 $2" in "buildx bake") echo 'ERROR: something bake itself refused' >&2; exit 1 ;; esac; echo 'ERROR: the build says no' >&2; exit 1`,
    );
    const dir = await tempDir("bake-fake-fails");
    const files = await twoRecipes(dir);
    const results = await runRecipes(files, { capabilities: fake.capabilities, quiet: true });
    const calls = (await readFile(fake.calls, "utf8")).trim().split("\n").map((l) => l.split(" ").slice(0, 2).join(" "));
    expect(calls.sort()).toEqual(["buildx bake", "buildx build", "buildx build"]);
    expect(results.map((r) => [r.name, r.ok, r.via, r.diagnostics.map((d) => d.code)])).toEqual([
      ["a", false, "build", ["run-via-bake", "bake-rerun"]],
      ["b", false, "build", ["run-via-bake", "bake-rerun"]],
    ]);
    expect(results[0]!.diagnostics[1]!.message).toBe(
      "its bake failed before any target's step did: built again alone with docker buildx build, whose result says why",
    );
    expect(results[0]!.error!.message.split("\n").slice(0, 2)).toEqual(["docker buildx build exited with code 1", "ERROR: the build says no"]);
    expect(results[0]!.bake?.target).toBe("a");
  });
});

// ---------------------------------------------------------------------------------------------
// The real engine

/**
 * A project: a Dockerfile whose common stage every recipe shares (NONCE keeps it from the cache)
 * and a recipe per name in recipes/ (context ..), each with its own tag.
 */
async function project(
  names: readonly string[],
  id: string,
  extra: Record<string, BuildOptions> = {},
): Promise<{ dir: string; files: string[]; tags: string[] }> {
  const dir = await tempDir("bake-project");
  await mkdir(join(dir, "recipes"));
  await writeFile(
    join(dir, "Dockerfile"),
    [
      `FROM ${BASE_IMAGE} AS common`,
      "ARG NONCE",
      'RUN echo "$NONCE" > /nonce && sleep 1',
      "FROM common",
      "ARG N",
      'RUN echo "$N" > /n',
      "",
    ].join("\n"),
  );
  await writeFile(join(dir, "Bad.Dockerfile"), `FROM ${BASE_IMAGE}\nARG NONCE\nRUN echo "about to fail $NONCE" && exit 3\n`);
  const files: string[] = [];
  const tags: string[] = [];
  for (const name of names) {
    const tag = trackImage(`buildx-kit-test/bake-${name}:${id}`);
    const file = join(dir, "recipes", `${name}.json`);
    await saveRecipe(file, makeRecipe({ context: "..", tag, buildArg: { NONCE: id, N: name }, ...extra[name] }, { name }));
    files.push(file);
    tags.push(tag);
  }
  return { dir, files, tags };
}

/** The real engine, through a docker that records every call (so the tests can count bakes and builds). */
async function recordingCapabilities(): Promise<{ capabilities: Capabilities; calls: () => Promise<string[]> }> {
  const dir = await tempDir("recording-docker");
  const calls = join(dir, "calls.log");
  const docker = join(dir, "docker");
  await writeFile(docker, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${calls}'\nPATH='${process.env.PATH}' exec docker "$@"\n`);
  await chmod(docker, 0o755);
  const capabilities = { ...await probe(), buildxCommand: [docker, "buildx"], buildxPlugin: null };
  return {
    capabilities,
    calls: async () => (await readFile(calls, "utf8").catch(() => "")).split("\n").filter(Boolean).map((l) => l.split(" ").slice(0, 2).join(" ")),
  };
}

async function imageId(tag: string): Promise<string> {
  return (await docker("image", "inspect", "--format", "{{.Id}}", tag)).trim();
}

describe.skipIf(!engine.ok)("on the real engine", () => {
  it("three recipes sharing one context and a stage: exactly one docker buildx bake; each image under its own tag, its digest the image store's", async () => {
    const id = nonce();
    const { files, tags } = await project(["one", "two", "three"], id);
    const recording = await recordingCapabilities();
    const events: ProgressEvent[] = [];
    const results = await runRecipes(files, { capabilities: recording.capabilities, quiet: true, onProgress: (e) => events.push(e) });
    expect(await recording.calls()).toEqual(["buildx bake"]);
    expect(results.map((r) => [r.name, r.ok, r.via, r.error, r.bake?.target, r.diagnostics.map((d) => d.code)])).toEqual([
      ["one", true, "bake", null, "one", ["run-via-bake"]],
      ["two", true, "bake", null, "two", ["run-via-bake"]],
      ["three", true, "bake", null, "three", ["run-via-bake"]],
    ]);
    for (const [i, r] of results.entries()) {
      expect(r.result!.imageNames).toEqual([`docker.io/${tags[i]}`]);
      expect(r.result!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await imageId(tags[i]!)).toBe(r.result!.digest);
      expect((await docker("run", "--rm", tags[i]!, "cat", "/n", "/nonce")).split("\n")).toEqual([r.name, id, ""]);
    }
    expect(new Set(results.map((r) => r.result!.digest)).size).toBe(3);
    // Each target's own steps, the shared stage's under each: named as a build of its own names them.
    for (const name of ["one", "two", "three"]) {
      const own = events.filter((e) => e.target === name && (e.type === "completed" || e.type === "cached")).map((e) => e.name);
      expect(own).toEqual(expect.arrayContaining([`[common 2/2] RUN echo "${id}" > /nonce && sleep 1`, `[stage-1 1/1] RUN echo "${name}" > /n`]));
    }
  });

  it("a failing recipe among passing ones: its own error (ERROR lines, the failed step and its output, a hint); the others built again alone", async () => {
    const id = nonce();
    const { files, tags } = await project(["good", "bad", "fine"], id, { bad: { file: "../Bad.Dockerfile" } });
    const recording = await recordingCapabilities();
    const results = await runRecipes(files, { capabilities: recording.capabilities, quiet: true });
    expect((await recording.calls()).sort()).toEqual(["buildx bake", "buildx build", "buildx build"]);
    expect(results.map((r) => [r.name, r.ok, r.via, r.diagnostics.map((d) => d.code)])).toEqual([
      ["good", true, "build", ["run-via-bake", "bake-rerun"]],
      ["bad", false, "bake", ["run-via-bake"]],
      ["fine", true, "build", ["run-via-bake", "bake-rerun"]],
    ]);
    expect(results[0]!.diagnostics[1]!.message).toBe(
      "its bake stopped when bad failed (bake cancels the other targets and writes no results): built again alone with docker buildx build",
    );
    for (const i of [0, 2]) expect(await imageId(tags[i]!)).toBe(results[i]!.result!.digest);
    const bad = results[1]!;
    expect(bad.result).toBeNull();
    expect(bad.error).toBeInstanceOf(BuildError);
    const error = bad.error as BuildError;
    const step = `[2/2] RUN echo "about to fail ${id}" && exit 3`;
    expect(error.exitCode).toBe(1);
    // BuildKit's words, as a build of its own says them (the ARG unexpanded).
    expect(error.errorLines).toEqual([
      'ERROR: failed to solve: process "/bin/sh -c echo \\"about to fail $NONCE\\" && exit 3" did not complete successfully: exit code: 3',
    ]);
    expect(error.failedStep).toBe(step);
    expect(error.stepOutput).toBe(`about to fail ${id}`);
    expect(error.hint).toBe(`${step}: the command exited with code 3; the step's own output says why`);
    expect(error.message.split("\n")[0]).toBe("docker buildx bake exited with code 1");
    expect(error.command).toBe(bad.bake!.command);
    await expect(docker("image", "inspect", tags[1]!)).rejects.toThrow();
  });

  it("a recipe bake cannot express builds alone with its diagnostic; the others share one bake", async () => {
    const id = nonce();
    const { dir, files, tags } = await project(["p", "q", "iid"], id, { iid: { iidfile: "iid.txt" } });
    const recording = await recordingCapabilities();
    const results = await runRecipes(files, { capabilities: recording.capabilities, quiet: true });
    expect((await recording.calls()).sort()).toEqual(["buildx bake", "buildx build"]);
    expect(results.map((r) => [r.name, r.ok, r.via, r.bake?.targets ?? null])).toEqual([
      ["p", true, "bake", ["p", "q"]],
      ["q", true, "bake", ["p", "q"]],
      ["iid", true, "build", null],
    ]);
    expect(results[2]!.diagnostics).toEqual([{
      level: "info",
      code: "bake-not-expressible",
      option: "iidfile",
      message: "--iidfile has no bake file key: it runs alone with docker buildx build",
    }]);
    expect((await readFile(join(dir, "recipes", "iid.txt"), "utf8")).trim()).toBe(await imageId(tags[2]!));
  });

  it("buildx-kit run --json (Node, dist): one result per recipe, through one bake", async () => {
    const id = nonce();
    const { files, tags } = await project(["j1", "j2", "j3"], id);
    const r = await cli("node", ["run", "--json", ...files]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as {
      name: string;
      ok: boolean;
      via: string;
      result: { digest: string; imageNames: string[] };
      error: unknown;
      bake: { command: string; targets: string[] };
    }[];
    expect(json.map((j) => [j.name, j.ok, j.via, j.error, j.bake.targets])).toEqual([
      ["j1", true, "bake", null, ["j1", "j2", "j3"]],
      ["j2", true, "bake", null, ["j1", "j2", "j3"]],
      ["j3", true, "bake", null, ["j1", "j2", "j3"]],
    ]);
    for (const [i, j] of json.entries()) {
      expect(j.result.digest).toBe(await imageId(tags[i]!));
      expect(j.result.imageNames).toEqual([`docker.io/${tags[i]}`]);
    }
  });

  it("GITHUB_OUTPUT, the job summary and --metadata-file are each recipe's own, a failed one among them", async () => {
    const id = nonce();
    const { dir, files, tags } = await project(["ok1", "broken", "ok2"], id, { broken: { file: "../Bad.Dockerfile" } });
    const output = join(dir, "gh-output");
    const summary = join(dir, "gh-summary");
    const r = await cli("node", ["run", ...files, "--metadata-file", "meta"], { cwd: dir, env: { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary } });
    expect(r.code, r.stderr).toBe(1);
    expect(await readdir(join(dir, "meta"))).toEqual(["ok1.json", "ok2.json"]);
    const text = await readFile(output, "utf8");
    const delimiter = /^ok1-metadata<<(ghadelimiter_[0-9a-f-]{36})$/m.exec(text)![1]!;
    const lines: string[] = [];
    for (const [i, name] of ["ok1", "broken", "ok2"].entries()) {
      if (name === "broken") {
        lines.push("broken-digest=", "broken-image-names=", `broken-metadata<<${delimiter}`, "null", delimiter);
        continue;
      }
      const meta = JSON.parse(await readFile(join(dir, "meta", `${name}.json`), "utf8")) as Record<string, unknown>;
      expect(meta["containerimage.digest"]).toBe(await imageId(tags[i]!));
      lines.push(
        `${name}-digest=${meta["containerimage.digest"]}`,
        `${name}-image-names=docker.io/${tags[i]}`,
        `${name}-metadata<<${delimiter}`,
        JSON.stringify(meta),
        delimiter,
      );
    }
    expect(text).toBe(`${lines.join("\n")}\n`);
    const rows = (await readFile(summary, "utf8")).split("\n");
    expect(rows[4]).toMatch(/^\| ok1 \| ✅ built \| `docker\.io\/buildx-kit-test\/bake-ok1:\w+` \| `sha256:[0-9a-f]{64}` \| \d+\.\ds \|$/);
    expect(rows[5]).toMatch(/^\| broken \| ❌ failed: docker buildx bake exited with code 1 \|  \|  \| \d+\.\ds \|$/);
    expect(rows[6]).toMatch(/^\| ok2 \| ✅ built \| /);
  });
});

// ---------------------------------------------------------------------------------------------
// Ctrl-C

/** The processes whose command line holds `marker`, but ps itself. */
async function holding(marker: string): Promise<string[]> {
  return (await processes()).filter((p) => p.args.includes(marker) && !/\bps -eo\b/.test(p.args)).map((p) => `${p.pid} ${p.args}`);
}

/** Recipes (named after `id`, so bake's argv names them) whose shared stage sleeps `nap` seconds. */
async function slowProject(id: string, nap: number): Promise<string[]> {
  const dir = await tempDir("bake-slow");
  await writeFile(join(dir, "Dockerfile"), `FROM ${BASE_IMAGE}\nARG NONCE\nRUN echo "$NONCE" && sleep ${nap}\nARG N\nRUN echo "$N"\n`);
  const files: string[] = [];
  for (const n of ["x", "y", "z"]) {
    const file = join(dir, `${n}.json`);
    await writeFile(
      file,
      JSON.stringify({ recipe: 1, name: `${n}-${id}`, options: { context: ".", output: "type=cacheonly", buildArg: { NONCE: id, N: n } } }),
    );
    files.push(file);
  }
  return files;
}

describe.skipIf(!engine.ok)("Ctrl-C during a bake (real engine)", () => {
  it.each(["node", "deno", "bun"] as const)(
    "buildx-kit run on %s: dies of SIGINT (130), no bake process, no RUN step and no temp folder left",
    async (runtime) => {
      const id = nonce();
      const nap = 600 + Math.floor(Math.random() * 9000);
      const files = await slowProject(id, nap);
      const tmp = await tempDir("bake-ctrl-c-tmpdir");
      const cli = runtime === "node"
        ? [process.execPath, join(ROOT, "dist/cli/scripts/cli.js")]
        : runtime === "deno"
        ? [join(ROOT, "node_modules/.bin/deno"), "run", "-A", join(ROOT, "scripts/cli.ts")]
        : [join(ROOT, "node_modules/.bin/bun"), join(ROOT, "scripts/cli.ts")];
      const child = spawn(cli[0]!, [...cli.slice(1), "run", ...files], {
        cwd: ROOT,
        env: { ...process.env, TMPDIR: tmp, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdout.resume();
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on("close", (code, signal) => r({ code, signal })));
      try {
        // The bake runs (its argv names the targets) and its shared RUN step sleeps.
        expect(
          await waitFor(
            async () => (await holding(`x-${id}`)).some((p) => / bake /.test(p)) && (await processes()).some((p) => p.args.trim().endsWith(`sleep ${nap}`)),
            60_000,
          ),
          stderr,
        ).toBe(true);
        expect((await readdir(tmp)).filter((f) => f.startsWith("buildx-kit-"))).toHaveLength(1);
        // As at a terminal: Ctrl-C signals the CLI's whole group (the bake has a group of its own).
        process.kill(-child.pid!, "SIGINT");
        const { code, signal } = await exited;
        expect(code === 130 || signal === "SIGINT", `code ${code}, signal ${signal}, stderr: ${stderr}`).toBe(true);
        expect(
          await waitFor(async () => (await holding(id)).length === 0 && !(await processes()).some((p) => p.args.trim().endsWith(`sleep ${nap}`)), 20_000),
          (await holding(id)).join("\n"),
        ).toBe(true);
        expect(await readdir(tmp)).toEqual([]);
      } finally {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
      }
    },
    120_000,
  );

  it("buildx-kit run killed outright (SIGKILL, node): the bake goes with it, and its temp folder", async () => {
    const id = nonce();
    const nap = 600 + Math.floor(Math.random() * 9000);
    const files = await slowProject(id, nap);
    const tmp = await tempDir("bake-kill-tmpdir");
    const child = spawn(process.execPath, [join(ROOT, "dist/cli/scripts/cli.js"), "run", ...files], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ["ignore", "ignore", "ignore"],
      detached: true,
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on("close", (_, signal) => r(signal)));
    try {
      expect(await waitFor(async () => (await processes()).some((p) => p.args.trim().endsWith(`sleep ${nap}`)), 60_000)).toBe(true);
      process.kill(child.pid!, "SIGKILL");
      expect(await exited).toBe("SIGKILL");
      expect(await waitFor(async () => (await holding(id)).length === 0, 10_000), (await holding(id)).join("\n")).toBe(true);
      expect(await waitFor(async () => (await readdir(tmp)).length === 0, 5_000)).toBe(true);
    } finally {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // gone
      }
    }
  }, 120_000);

  it("runRecipes in a script listening for SIGINT: every recipe of the bake interrupted, nothing left", async () => {
    const id = nonce();
    const nap = 600 + Math.floor(Math.random() * 9000);
    const files = await slowProject(id, nap);
    const tmp = await tempDir("bake-listen-tmpdir");
    const script = join(ROOT, "test/fixtures/signals/recipes.ts");
    const child = spawn(join(ROOT, "node_modules/.bin/bun"), [script, join(ROOT, "lib/recipe/mod.ts"), "listen", ...files], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    try {
      expect(await waitFor(async () => (await processes()).some((p) => p.args.trim().endsWith(`sleep ${nap}`)), 60_000), stderr).toBe(true);
      process.kill(child.pid!, "SIGINT");
      expect(await exited, stderr).toBe(0);
      const results = JSON.parse(stdout.split("\n").find((l) => l.startsWith("["))!) as ReturnType<typeof runResultJson>[];
      expect(
        results.map((
          r,
        ) => [r.name, r.ok, r.ran, r.via, (r.error as { interrupted: boolean; signal: string }).interrupted, (r.error as { signal: string }).signal]),
      ).toEqual(
        ["x", "y", "z"].map((n) => [`${n}-${id}`, false, true, "bake", true, "SIGINT"]),
      );
      expect((results[0]!.error as { message: string }).message.split("\n")[0]).toBe("docker buildx bake interrupted by SIGINT");
      expect(await waitFor(async () => (await holding(id)).length === 0, 20_000)).toBe(true);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    }
  }, 120_000);
});
