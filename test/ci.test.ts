/**
 * Results for CI: GitHub step outputs, the job summary and metadata files, exact text from
 * made-up results; then `buildx-kit run` for real (Node, from dist) with GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY pointed at temp files and --metadata-file, a failed recipe among them.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { githubOutputText, jobSummaryText, resultNames, writeGithubResults, writeMetadataFiles } from "../lib/recipe/ci.ts";
import type { RecipeRunResult } from "../lib/recipe/run.ts";
import type { BuildResult } from "../lib/core/result.ts";
import { BuildError } from "../lib/core/errors.ts";
import { cleanup, cli, nonce, trackImage } from "./fixtures/cli/support.ts";
import { BASE_IMAGE, requireEngine } from "./support/engine.ts";

const engine = await requireEngine();
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  await cleanup();
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "ci-test-"));
  dirs.push(d);
  return d;
}

const DIGEST = `sha256:${"a".repeat(64)}`;
const built = (name: string, extra: Partial<RecipeRunResult> = {}): RecipeRunResult => ({
  path: `${name}.json`,
  name,
  cwd: "/p",
  ok: true,
  ran: true,
  options: {},
  result: {
    ok: true,
    dryRun: false,
    digest: DIGEST,
    imageNames: ["docker.io/app:1", "docker.io/app:latest"],
    imageName: "docker.io/app:1",
    metadata: { "containerimage.digest": DIGEST, "image.name": "docker.io/app:1,docker.io/app:latest" },
  } as unknown as BuildResult,
  error: null,
  warnings: [],
  startedAt: 1_000,
  finishedAt: 3_450,
  via: "build",
  diagnostics: [],
  bake: null,
  ...extra,
});
const failed = (name: string): RecipeRunResult => ({
  path: `${name}.json`,
  name,
  cwd: "/p",
  ok: false,
  ran: true,
  options: {},
  result: null,
  error: new Error("docker buildx build exited with code 1\nERROR: failed to solve | oops"),
  warnings: [],
  startedAt: 0,
  finishedAt: 500,
  via: "build",
  diagnostics: [],
  bake: null,
});

describe("the texts", () => {
  it("GITHUB_OUTPUT: digest, image names, and metadata as JSON in the multi-line form", () => {
    expect(githubOutputText([built("api"), failed("web")], "ghadelimiter_X")).toBe([
      `api-digest=${DIGEST}`,
      "api-image-names=docker.io/app:1,docker.io/app:latest",
      "api-metadata<<ghadelimiter_X",
      `{"containerimage.digest":"${DIGEST}","image.name":"docker.io/app:1,docker.io/app:latest"}`,
      "ghadelimiter_X",
      "web-digest=",
      "web-image-names=",
      "web-metadata<<ghadelimiter_X",
      "null",
      "ghadelimiter_X",
      "",
    ].join("\n"));
  });

  it("the delimiter is random, and a value holding it is refused", () => {
    const text = githubOutputText([built("api")]);
    const delimiter = /^api-metadata<<(ghadelimiter_[0-9a-f-]{36})$/m.exec(text)?.[1];
    expect(delimiter).toBeDefined();
    expect(githubOutputText([built("api")])).not.toContain(delimiter);
    const sneaky = built("api", { result: { ...built("api").result!, metadata: { x: "ghadelimiter_X" } } });
    expect(() => githubOutputText([sneaky], "ghadelimiter_X")).toThrow("the metadata of api holds the output delimiter");
  });

  it("names are made safe and unique", () => {
    expect(resultNames([{ name: "my app" }, { name: "my app" }, { name: "" }])).toEqual(["my_app", "my_app-2", "recipe"]);
  });

  it("the job summary: one row per recipe, a failed one with its first line", () => {
    const notStarted = { ...failed("late"), ran: false };
    expect(jobSummaryText([built("api"), failed("web"), notStarted])).toBe([
      "### buildx-kit run",
      "",
      "| recipe | result | image | digest | time |",
      "| --- | --- | --- | --- | --- |",
      `| api | ✅ built | \`docker.io/app:1\` | \`${DIGEST}\` | 2.5s |`,
      "| web | ❌ failed: docker buildx build exited with code 1 |  |  | 0.5s |",
      "| late | ❌ not started |  |  | 0.5s |",
      "",
      "",
    ].join("\n"));
  });

  it("writers: append to the files the variables name (nothing without them); metadata per recipe", async () => {
    const dir = await tempDir();
    const output = join(dir, "output");
    const summary = join(dir, "summary");
    await writeFile(output, "earlier=1\n");
    expect(await writeGithubResults([built("api")], {})).toEqual([]);
    expect(await writeGithubResults([built("api")], { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary })).toEqual([output, summary]);
    expect((await readFile(output, "utf8")).startsWith(`earlier=1\napi-digest=${DIGEST}\n`)).toBe(true);
    expect(await readFile(summary, "utf8")).toBe(jobSummaryText([built("api")]));
    const meta = join(dir, "meta");
    expect(await writeMetadataFiles([built("api"), failed("web"), built("api")], meta)).toEqual([join(meta, "api.json"), join(meta, "api-2.json")]);
    expect(await readFile(join(meta, "api.json"), "utf8")).toBe(`${JSON.stringify(built("api").result!.metadata, null, 2)}\n`);
  });

  it("a BuildError's message gives the failed row", () => {
    const error = new BuildError({ exitCode: 1, signal: null, command: "docker buildx build .", argv: [], stderrTail: "", durationMs: 1, interrupted: false });
    expect(jobSummaryText([{ ...failed("x"), error }]).split("\n")[4]).toBe("| x | ❌ failed: docker buildx build exited with code 1 |  |  | 0.5s |");
  });
});

describe.skipIf(!engine.ok)("buildx-kit run in CI (node, dist)", () => {
  it("appends outputs and a summary, writes metadata files; a failed recipe has its row", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "Dockerfile"), `FROM ${BASE_IMAGE}\nLABEL ci=yes\n`);
    await writeFile(join(dir, "Broken.Dockerfile"), `FROM ${BASE_IMAGE}\nRUN exit 3\n`);
    const tag = trackImage(`buildx-kit-ci-test/app-${nonce()}:1`);
    await writeFile(join(dir, "good.json"), JSON.stringify({ recipe: 1, name: "good", options: { context: ".", tag: [tag] } }));
    await writeFile(
      join(dir, "bad.json"),
      JSON.stringify({ recipe: 1, name: "bad", options: { context: ".", file: "Broken.Dockerfile", output: "type=cacheonly" } }),
    );
    const output = join(dir, "gh-output");
    const summary = join(dir, "gh-summary");
    const r = await cli("node", ["run", "good.json", "bad.json", "--metadata-file", "meta"], {
      cwd: dir,
      env: { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary },
    });
    expect(r.code, r.stderr).toBe(1);
    const meta = JSON.parse(await readFile(join(dir, "meta", "good.json"), "utf8")) as Record<string, unknown>;
    const digest = meta["containerimage.digest"] as string;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await readdir(join(dir, "meta"))).toEqual(["good.json"]);
    const text = await readFile(output, "utf8");
    const delimiter = /^good-metadata<<(ghadelimiter_[0-9a-f-]{36})$/m.exec(text)![1]!;
    expect(text).toBe([
      `good-digest=${digest}`,
      `good-image-names=docker.io/${tag}`,
      `good-metadata<<${delimiter}`,
      JSON.stringify(meta),
      delimiter,
      "bad-digest=",
      "bad-image-names=",
      `bad-metadata<<${delimiter}`,
      "null",
      delimiter,
      "",
    ].join("\n"));
    const rows = (await readFile(summary, "utf8")).split("\n");
    expect(rows.slice(0, 4)).toEqual(["### buildx-kit run", "", "| recipe | result | image | digest | time |", "| --- | --- | --- | --- | --- |"]);
    expect(rows[4]).toMatch(new RegExp(`^\\| good \\| ✅ built \\| \`docker\\.io/${tag.replace(/[.:/]/g, "\\$&")}\` \\| \`${digest}\` \\| \\d+\\.\\ds \\|$`));
    expect(rows[5]).toMatch(/^\| bad \| ❌ failed: docker buildx bake exited with code 1 \|  \|  \| \d+\.\ds \|$/);
    expect(rows.slice(6)).toEqual(["", ""]);
  });
});
