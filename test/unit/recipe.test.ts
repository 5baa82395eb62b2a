/**
 * Recipes without an engine: the malformed corpus (exact text, path, line and column; nothing
 * built, nothing written), --set, the saved format, and the shipped JSON Schema (current, and in
 * agreement with what loading accepts).
 */
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { UNKNOWN_CAPABILITIES } from "../../lib/core/capabilities.ts";
import { FLAGS } from "../../lib/core/flags.ts";
import {
  formatRecipe,
  loadRecipe,
  loadRecipeFile,
  makeRecipe,
  MAX_RECIPE_BYTES,
  parseRecipe,
  type Recipe,
  RecipeError,
  saveRecipe,
  validateRecipe,
} from "../../lib/recipe/recipe.ts";
import { checkRecipe, runRecipes } from "../../lib/recipe/run.ts";
import { parseJsonWithPositions } from "../../lib/core/json.ts";
import { applySets, parseSet } from "../../lib/recipe/overrides.ts";
import { recipeSchema, renderRecipeSchema } from "../../lib/recipe/schema.ts";
import { schemaErrors } from "../support/json-schema.ts";

// No build may start from this file: build() is a spy that fails the test if called.
const builds = vi.hoisted(() => ({ calls: [] as unknown[] }));
vi.mock("../../lib/build/run.ts", async (original) => ({
  ...(await original<typeof import("../../lib/build/run.ts")>()),
  build: vi.fn(async (options: unknown) => {
    builds.calls.push(options);
    throw new Error("build() must not be called by these tests");
  }),
}));

const CORPUS = "test/fixtures/recipes/malformed";
const VALID = "test/fixtures/recipes/valid";
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "recipe-test-"));
  dirs.push(d);
  return d;
}
beforeEach(() => {
  builds.calls.length = 0;
});

/** Every file of the corpus and the exact message loading it gives (%F is the path as given). */
const EXPECTED: readonly (readonly [string, string])[] = [
  ["01-not-json.json", '%F: invalid recipe (1 problem):\n  %F:1:1: unexpected "recipe": expected a value (text takes double quotes)'],
  ["02-bom.json", "%F: invalid recipe (1 problem):\n  %F:1:1: the file starts with a byte order mark (BOM): save it as UTF-8 without a BOM"],
  ["03-trailing-comma-object.json", "%F: invalid recipe (1 problem):\n  %F:4:19: trailing comma after the last property: remove it (JSON allows none)"],
  ["04-trailing-comma-array.json", "%F: invalid recipe (1 problem):\n  %F:4:34: trailing comma after the last element: remove it (JSON allows none)"],
  ["05-comment.json", "%F: invalid recipe (1 problem):\n  %F:2:3: comments are not allowed in JSON: remove it"],
  ["06-single-quotes.json", "%F: invalid recipe (1 problem):\n  %F:3:23: strings take double quotes in JSON, not single quotes"],
  ["07-unquoted-key.json", '%F: invalid recipe (1 problem):\n  %F:2:3: property names take double quotes in JSON: write "recipe"'],
  [
    "08-unterminated-string.json",
    '%F: invalid recipe (1 problem):\n  %F:3:23: unterminated string: a string cannot hold a line break (write \\n, or close it with ")',
  ],
  ["09-empty.json", "%F: invalid recipe (1 problem):\n  %F:1:1: the file is empty: a recipe is a JSON object"],
  ["10-top-level-array.json", "%F: invalid recipe (1 problem):\n  %F:1:1: a recipe is a JSON object, got an array"],
  ["11-missing-version.json", '%F: invalid recipe (1 problem):\n  %F:1:1: recipe: is missing: add "recipe": 1 (the format version)'],
  [
    "12-future-version.json",
    "%F: invalid recipe (1 problem):\n  %F:2:13: recipe: format version 2 is newer than this buildx-kit reads (1): upgrade buildx-kit",
  ],
  ["13-version-as-string.json", '%F: invalid recipe (1 problem):\n  %F:2:13: recipe: expects the format version 1 (a number), got the string "1"'],
  ["14-option-at-top-level.json", '%F: invalid recipe (1 problem):\n  %F:3:3: tag: is not a recipe field: build options go inside "options"'],
  [
    "15-unknown-option.json",
    "%F: invalid recipe (1 problem):\n  %F:4:5: options.tags: is not a buildx build option; did you mean tag? Flags buildx-kit does not know go in extraFlags.",
  ],
  ["16-options-not-object.json", "%F: invalid recipe (1 problem):\n  %F:3:14: options: expects an object of build options, got an array"],
  ["17-bool-as-string.json", '%F: invalid recipe (1 problem):\n  %F:5:13: options.push: expects true or false, got the string "true"'],
  ["18-tag-not-string.json", "%F: invalid recipe (1 problem):\n  %F:4:22: options.tag[1]: expects a string, got the number 2"],
  [
    "19-bad-platform.json",
    '%F: invalid recipe (1 problem):\n  %F:4:33: options.platform[1]: "lnux" is not a platform: expected os/arch[/variant] (linux/arm/v7), an OS or an architecture alone (linux, arm64), an OS version in parentheses (windows(10.0.17763)/amd64) or local',
  ],
  [
    "20-bad-key-value-map.json",
    '%F: invalid recipe (2 problems):\n  %F:4:30: options.buildArg.VERSION: expects a string, number or boolean, got an object\n  %F:5:15: options.label[0]: expects key=value, got the string "maintainer"',
  ],
  [
    "21-bad-ulimit-type.json",
    '%F: invalid recipe (1 problem):\n  %F:4:37: options.ulimit.nofile.soft: expects a whole number (-1 for unlimited), got the string "lots"',
  ],
  ["22-ulimit-soft-above-hard.json", "%F: invalid recipe (1 problem):\n  %F:4:27: options.ulimit.nofile: soft limit 4096 is above the hard limit 1024"],
  [
    "23-secret-value-record.json",
    '%F: invalid recipe (1 problem):\n  %F:4:39: options.secret.value: "value" is not a secret attribute: a secret says where its value comes from (id=NAME,src=FILE or id=NAME,env=VARIABLE), never the value itself',
  ],
  [
    "24-secret-value-csv.json",
    '%F: invalid recipe (1 problem):\n  %F:4:39: options.secret[1]: "token" is not a secret attribute: a secret says where its value comes from (id=NAME,src=FILE or id=NAME,env=VARIABLE), never the value itself',
  ],
  ["25-null-option.json", "%F: invalid recipe (1 problem):\n  %F:4:12: options.tag: is null; leave the option out to unset it"],
  [
    "26-duplicate-key.json",
    "%F: invalid recipe (1 problem):\n  %F:5:5: options.tag: appears twice in one object: keep one (JSON readers would silently use the last)",
  ],
  ["27-bad-csv.json", '%F: invalid recipe (1 problem):\n  %F:4:15: options.output: bare quote in a field at column 12 of "type=local,dest=\\"out"'],
  [
    "28-bad-tag-reference.json",
    '%F: invalid recipe (1 problem):\n  %F:4:12: options.tag: "My-App:1" has upper-case letters in the repository name (they must be lower-case)',
  ],
  ["29-name-not-string.json", "%F: invalid recipe (1 problem):\n  %F:3:11: name: expects a string, got the number 42"],
  [
    "30-bad-choice.json",
    '%F: invalid recipe (2 problems):\n  %F:4:16: options.network: must be one of default, none, host; got "bridge"\n  %F:5:17: options.progress: must be one of auto, plain, tty, quiet, rawjson, none; got "fancy"',
  ],
  [
    "31-bad-shm-size.json",
    '%F: invalid recipe (1 problem):\n  %F:4:16: options.shmSize: expects a size in bytes or with a unit (64m, 1g), got the string "a lot"',
  ],
  ["32-missing-options.json", '%F: invalid recipe (1 problem):\n  %F:1:1: options: is missing: add "options": { ... } with the build options'],
  [
    "33-builder-conflict.json",
    '%F: invalid recipe (1 problem):\n  %F:3:14: builder: "fast" differs from options.builder "slow": name the builder in one place',
  ],
  ["34-text-after-end.json", '%F: invalid recipe (1 problem):\n  %F:2:1: unexpected "{" after the end of the JSON value'],
  ["35-invalid-escape.json", "%F: invalid recipe (1 problem):\n  %F:3:37: invalid escape \\D in a string: write a backslash as \\\\"],
  ["36-missing-comma.json", '%F: invalid recipe (1 problem):\n  %F:3:3: expected , or } after the value of "recipe": is a comma missing?'],
  [
    "37-many-problems.json",
    [
      "%F: invalid recipe (9 problems):",
      '  %F:3:3: nmae: is not a recipe field; did you mean "name"?',
      '  %F:5:16: options.context: expects a path or URL, got the string ""',
      "  %F:6:22: options.tag[1]: expects a string, got the number 7",
      "  %F:7:13: options.push: expects true or false, got the number 1",
      '  %F:8:17: options.platform: "arm65" is not a platform: expected os/arch[/variant] (linux/arm/v7), an OS or an architecture alone (linux, arm64), an OS version in parentheses (windows(10.0.17763)/amd64) or local',
      '  %F:9:18: options.buildArg[0]: expects key=value, got the string "=1"',
      '  %F:10:51: options.ulimit.nofile.hard: expects a whole number (-1 for unlimited), got the string "max"',
      '  %F:11:40: options.secret.password: "password" is not a secret attribute: a secret says where its value comes from (id=NAME,src=FILE or id=NAME,env=VARIABLE), never the value itself',
      "  %F:12:13: options.sbom: is null; leave the option out to unset it",
    ].join("\n"),
  ],
  [
    "38-bad-extra-flags.json",
    '%F: invalid recipe (2 problems):\n  %F:4:27: options.extraFlags.--: "--" is not a flag name\n  %F:4:39: options.extraFlags.ok: expects a string, a boolean or an array of strings, got the number 3',
  ],
  ["39-nan.json", '%F: invalid recipe (1 problem):\n  %F:3:27: unexpected "NaN": JSON has no NaN, Infinity or undefined'],
  [
    "40-bad-secret-type.json",
    "%F: invalid recipe (1 problem):\n  %F:3:26: options.secret: type must be file or env (the type given is not shown: it may be the secret itself)",
  ],
  ["41-not-utf8.json", "%F: invalid recipe (1 problem):\n  %F: is not UTF-8 text: save it as UTF-8"],
  // Names on Object.prototype are not options (plan() once let them through, dropped).
  [
    "42-prototype-keys.json",
    "%F: invalid recipe (2 problems):\n  %F:5:5: options.constructor: is not a buildx build option; flags buildx-kit does not know go in extraFlags.\n  %F:6:5: options.toString: is not a buildx build option; flags buildx-kit does not know go in extraFlags.",
  ],
];

async function loadError(path: string): Promise<RecipeError> {
  try {
    await loadRecipe(path);
  } catch (e) {
    if (e instanceof RecipeError) return e;
    throw e;
  }
  throw new Error(`${path} loaded, but it is malformed`);
}

/** Names, sizes and modification times of everything under a folder. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    const info = await stat(path);
    out.push(`${path} ${info.size} ${info.mtimeMs}`);
  }
  return out.sort();
}

describe("the malformed corpus", () => {
  it("holds at least 25 files, each with an expected message", async () => {
    const files = (await readdir(CORPUS)).sort();
    expect(files.length).toBeGreaterThanOrEqual(25);
    expect(files).toEqual(EXPECTED.map(([f]) => f));
  });

  it.each(EXPECTED)("%s: the exact message, with path, line and column", async (file, expected) => {
    const path = `${CORPUS}/${file}`;
    const error = await loadError(path);
    expect(error.message).toBe(expected.split("%F").join(path));
    expect(error.file).toBe(path);
    expect(error.problems.length).toBeGreaterThan(0);
    for (const p of error.problems) expect(p.file).toBe(path);
  });

  it("an enormous file is refused before it is read", async () => {
    const dir = await tempDir();
    const path = join(dir, "huge.json");
    await writeFile(path, `{"recipe": 1, "description": "${"x".repeat(2 * MAX_RECIPE_BYTES)}", "options": {}}`);
    const error = await loadError(path);
    expect(error.message).toBe(`${path}: invalid recipe (1 problem):\n  ${path}: is 2.0 MiB; a recipe is at most 1.0 MiB (is this the right file?)`);
    // The same limit holds for text handed over directly.
    expect(() => parseRecipe("x".repeat(MAX_RECIPE_BYTES + 1))).toThrow("a recipe is at most 1.0 MiB");
  });

  it("a missing file and a folder say so", async () => {
    expect((await loadError(`${CORPUS}/nope.json`)).message).toBe(`${CORPUS}/nope.json: invalid recipe (1 problem):\n  ${CORPUS}/nope.json: no such file`);
    expect((await loadError(CORPUS)).message).toBe(`${CORPUS}: invalid recipe (1 problem):\n  ${CORPUS}: is a folder, not a recipe file`);
  });

  it("problems carry path, line, column and code for the CLI", async () => {
    const error = await loadError(`${CORPUS}/21-bad-ulimit-type.json`);
    expect(error.problems).toEqual([{
      file: `${CORPUS}/21-bad-ulimit-type.json`,
      path: "options.ulimit.nofile.soft",
      code: "invalid-value",
      line: 4,
      column: 37,
      message: 'expects a whole number (-1 for unlimited), got the string "lots"',
    }]);
    expect(error.name).toBe("RecipeError");
    expect(error.heading).toBe("invalid recipe");
  });

  it("running any of them builds nothing and writes nothing, even beside a good recipe", async () => {
    const before = await snapshot(CORPUS);
    const good = `${VALID}/credential-args.json`;
    for (const [file, expected] of EXPECTED) {
      const path = `${CORPUS}/${file}`;
      await expect(runRecipes([good, path], { capabilities: UNKNOWN_CAPABILITIES, quiet: true })).rejects.toThrow(expected.split("%F").join(path));
    }
    // All of them at once: one error with every file's problems.
    const all = EXPECTED.map(([f]) => `${CORPUS}/${f}`);
    const error = await runRecipes(all, { quiet: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecipeError);
    expect(new Set((error as RecipeError).problems.map((p) => p.file))).toEqual(new Set(all));
    expect(builds.calls).toEqual([]);
    expect(await snapshot(CORPUS)).toEqual(before);
  });

  it("saving what parses of them writes nothing", async () => {
    const dir = await tempDir();
    let tried = 0;
    for (const [file] of EXPECTED) {
      let value: unknown;
      try {
        value = JSON.parse(await readFile(`${CORPUS}/${file}`, "utf8"));
      } catch {
        continue;
      }
      // Problems of the text, not of the value: JSON.parse keeps the last duplicate, Node reads
      // bad UTF-8 as U+FFFD.
      if (file === "26-duplicate-key.json" || file === "41-not-utf8.json") continue;
      tried++;
      const target = join(dir, file);
      await expect(saveRecipe(target, value as Recipe)).rejects.toThrow(RecipeError);
      await expect(saveRecipe(target, value as Recipe, { overwrite: true })).rejects.toThrow(/^.*: not saved: invalid recipe/);
    }
    expect(tried).toBeGreaterThanOrEqual(20);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("valid recipes", () => {
  it("every option of the table, in its several spellings, loads", async () => {
    const loaded = await loadRecipeFile(`${VALID}/every-option.json`);
    expect(Object.keys(loaded.recipe.options).filter((k) => k in FLAGS).sort()).toEqual(Object.keys(FLAGS).sort());
    expect(loaded.dir).toBe(join(process.cwd(), VALID));
    expect(loaded.warnings).toEqual([]);
  });

  it("build args that look like credentials are warnings with their position", async () => {
    const loaded = await loadRecipeFile(`${VALID}/credential-args.json`);
    expect(loaded.warnings.map((w) => [w.path, w.line, w.column])).toEqual([
      ["options.buildArg.GITHUB_TOKEN", 5, 19],
      ["options.buildArg.NPM_PASSWORD", 5, 40],
      ["options.buildArg.API_KEY", 5, 61],
    ]);
    expect(loaded.warnings[0]!.message).toBe(
      "GITHUB_TOKEN looks like a credential: build args stay in the image's history; pass it as a secret instead " +
        '(secret: "id=GITHUB_TOKEN,env=GITHUB_TOKEN" and RUN --mount=type=secret,id=GITHUB_TOKEN,env=GITHUB_TOKEN ...)',
    );
  });

  it("validateRecipe checks objects too, without positions", () => {
    expect(validateRecipe({ recipe: 1, options: { tag: 3, push: true } })).toEqual([
      { path: "options.tag", code: "invalid-value", message: "expects a string, got the number 3" },
    ]);
    expect(validateRecipe(makeRecipe({ tag: "app:1" }, { name: "x", capabilities: { ...UNKNOWN_CAPABILITIES, buildxVersion: "0.13.1" } }))).toEqual([]);
  });
});

describe("the folder a recipe's paths resolve against (issue 14)", () => {
  it("is the real folder of the file, symbolic links resolved, as buildx sees it: loading and runRecipes' cwd", async () => {
    const root = await realpath(await tempDir());
    await mkdir(join(root, "real", "recipes"), { recursive: true });
    await writeFile(join(root, "real", "recipes", "api.json"), JSON.stringify({ recipe: 1, options: { context: "..", tag: "api:1" } }));
    // A symlinked folder, and a symlinked file in another folder.
    await symlink(join(root, "real", "recipes"), join(root, "linked"));
    await symlink(join(root, "real", "recipes", "api.json"), join(root, "api.json"));
    for (const path of [join(root, "linked", "api.json"), join(root, "api.json")]) {
      const loaded = await loadRecipeFile(path);
      expect(loaded.path).toBe(path);
      expect(loaded.file).toBe(path);
      expect(loaded.dir).toBe(join(root, "real", "recipes"));
      const [result] = await runRecipes([path], { capabilities: UNKNOWN_CAPABILITIES, quiet: true });
      expect(result!.cwd).toBe(join(root, "real", "recipes"));
    }
    expect(builds.calls).toHaveLength(2);
  });
});

describe("the saved format", () => {
  it("orders keys stably: the format's fields, options in table order, key=value records sorted", () => {
    const a: Recipe = { options: { tag: "app:1", buildArg: { Z: "1", A: "2" }, context: "." }, name: "api", recipe: 1 };
    const b: Recipe = { recipe: 1, name: "api", options: { context: ".", buildArg: { A: "2", Z: "1" }, tag: "app:1" } };
    expect(formatRecipe(a)).toBe(formatRecipe(b));
    expect(formatRecipe(a)).toBe(`{
  "$schema": "urn:buildx-kit:recipe-schema:1",
  "recipe": 1,
  "name": "api",
  "options": {
    "context": ".",
    "buildArg": {
      "A": "2",
      "Z": "1"
    },
    "tag": "app:1"
  }
}
`);
  });

  it("save, load, save gives the same bytes", async () => {
    const dir = await tempDir();
    const original = await loadRecipe(`${VALID}/every-option.json`);
    const first = await saveRecipe(join(dir, "a.json"), original);
    const second = await saveRecipe(join(dir, "b.json"), await loadRecipe(join(dir, "a.json")));
    expect(second.text).toBe(first.text);
    expect(await readFile(join(dir, "b.json"), "utf8")).toBe(first.text);
  });

  it("a recipe without a name is saved under its file's name; warnings come back", async () => {
    const dir = await tempDir();
    const saved = await saveRecipe(join(dir, "web.json"), { recipe: 1, options: { buildArg: { DB_PASSWORD: "x" } } });
    expect(JSON.parse(saved.text).name).toBe("web");
    expect(saved.warnings.map((w) => w.path)).toEqual(["options.buildArg.DB_PASSWORD"]);
  });
});

describe("--set", () => {
  it("reads key=value, with entries and an options. prefix", () => {
    expect(parseSet("buildArg.VERSION=1.2")).toEqual({ text: "buildArg.VERSION=1.2", option: "buildArg", key: "VERSION", value: "1.2" });
    expect(parseSet("options.tag=api:1.2")).toEqual({ text: "options.tag=api:1.2", option: "tag", key: null, value: "api:1.2" });
    expect(parseSet("label.org.opencontainers.image.title=x=y")).toMatchObject({ option: "label", key: "org.opencontainers.image.title", value: "x=y" });
  });

  it("overrides: a list's first --set replaces, later ones add; entries merge; empty unsets", () => {
    const options = applySets(
      { tag: "app:1", buildArg: { A: "1" }, platform: "linux/amd64", push: false, output: "type=local,dest=out" },
      [
        "tag=api:1.2",
        "tag=api:latest",
        "buildArg.VERSION=1.2",
        "buildArg=B=2",
        "platform=linux/arm64",
        "push=true",
        "output=",
        "shmSize=1024",
        "ulimit.nofile=1024:2048",
        "extraFlags.foo=true",
      ],
    );
    expect(options).toEqual({
      tag: ["api:1.2", "api:latest"],
      buildArg: { A: "1", VERSION: "1.2", B: "2" },
      platform: "linux/arm64",
      push: true,
      shmSize: 1024,
      ulimit: { nofile: { soft: 1024, hard: 2048 } },
      extraFlags: { foo: true },
    });
  });

  it("a build arg taken from the environment stays a list entry", () => {
    expect(applySets({ buildArg: ["HOME", "A=1"] }, ["buildArg.A=2"])).toEqual({ buildArg: ["HOME", "A=2"] });
  });

  it("says what is wrong with each --set at once", () => {
    expect(() => applySets({}, ["tags=x", "push=yes", "nope", "tag.x=1", "extraFlags=1", "constructor=x"])).toThrow(
      [
        "invalid --set (6 problems):",
        '  --set tags=x: "tags" is not a build option; did you mean tag?',
        '  --set push=yes: options.push: expects true or false, got "yes"',
        "  --set nope: expects key=value (e.g. tag=api:1.2 or buildArg.VERSION=1.2)",
        "  --set tag.x=1: tag has no entries: write tag=VALUE",
        "  --set extraFlags=1: name the flag: extraFlags.NAME=VALUE",
        '  --set constructor=x: "constructor" is not a build option',
      ].join("\n"),
    );
  });

  it("values from --set are checked like the file's, blamed on the --set, before anything is built", async () => {
    const error =
      (await runRecipes([`${VALID}/credential-args.json`], { set: ["platform=lnux", "tag=Bad:1"], dryRun: true }).catch((e: unknown) => e)) as RecipeError;
    expect(error.message).toBe([
      `${VALID}/credential-args.json: invalid recipe (2 problems):`,
      '  --set platform=lnux: options.platform: "lnux" is not a platform: expected os/arch[/variant] (linux/arm/v7), an OS or an architecture alone (linux, arm64), an OS version in parentheses (windows(10.0.17763)/amd64) or local',
      '  --set tag=Bad:1: options.tag: "Bad:1" has upper-case letters in the repository name (they must be lower-case)',
    ].join("\n"));
    expect(builds.calls).toEqual([]);
  });

  it("plan errors of the combination stop every recipe before the first build", async () => {
    const error =
      (await runRecipes([`${VALID}/credential-args.json`], { set: ["push=true"], capabilities: UNKNOWN_CAPABILITIES }).catch((e: unknown) => e)) as RecipeError;
    expect(error.message).toBe([
      `${VALID}/credential-args.json: cannot build (1 problem):`,
      `  ${VALID}/credential-args.json: options.push: pushing needs a tag to know where the image goes (hint: add tag: "registry/repository:tag" (or name= in an image output))`,
    ].join("\n"));
    await expect(checkRecipe(`${VALID}/credential-args.json`, { set: ["push=true"], capabilities: UNKNOWN_CAPABILITIES })).rejects.toThrow(error.message);
    expect(builds.calls).toEqual([]);
  });
});

describe("the JSON parser", () => {
  it("reads what JSON.parse reads, the same", () => {
    const samples: unknown[] = [
      {},
      [],
      "",
      0,
      -0.5,
      1e21,
      1.5e-7,
      true,
      null,
      '\u00e9\ud83d\ude00\n\t"\\/',
      { a: [1, { b: [] }], "": "empty key", "x y": { z: null } },
      { __proto__: 1, constructor: 2 },
    ];
    for (const sample of samples) {
      for (const text of [JSON.stringify(sample), JSON.stringify(sample, null, 2), JSON.stringify(sample, null, "\t")]) {
        expect(parseJsonWithPositions(text).value).toEqual(JSON.parse(text));
      }
    }
    expect(parseJsonWithPositions('"\\u00e9\\/"').value).toBe("\u00e9/");
    const parsed = parseJsonWithPositions('{"__proto__": {"polluted": true}}').value as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("records where each value starts", () => {
    const { positions } = parseJsonWithPositions('{\n  "a": [1,\n    {"b": "c"}]\n}');
    expect(positions.get("a")).toEqual({ value: { line: 2, column: 8 }, key: { line: 2, column: 3 } });
    expect(positions.get("a[1].b")).toEqual({ value: { line: 3, column: 11 }, key: { line: 3, column: 6 } });
  });

  it("refuses nesting deeper than 32 levels", () => {
    expect(() => parseJsonWithPositions(`${"[".repeat(40)}${"]".repeat(40)}`)).toThrow("nested deeper than 32 levels at line 1, column 34");
  });
});

// ---------------------------------------------------------------------------------------------
// The schema

describe("the JSON Schema", () => {
  it("schema/recipe.schema.json is current (regenerate: npm run gen)", async () => {
    expect(await readFile("schema/recipe.schema.json", "utf8")).toBe(renderRecipeSchema());
  });

  it("has one property per option of the table, plus context and extraFlags", () => {
    const props = (recipeSchema().properties as Record<string, { properties: Record<string, unknown> }>).options!.properties;
    expect(Object.keys(props).sort()).toEqual(["context", ...Object.keys(FLAGS), "extraFlags"].sort());
  });

  it("accepts every valid recipe", async () => {
    const schema = recipeSchema();
    for (const file of await readdir(VALID)) {
      expect(schemaErrors(schema, JSON.parse(await readFile(`${VALID}/${file}`, "utf8"))), file).toEqual([]);
    }
  });

  it("rejects the malformed recipes it can, and exactly those others are left to loading", async () => {
    const schema = recipeSchema();
    const acceptedBySchema: string[] = [];
    for (const [file] of EXPECTED) {
      let value: unknown;
      try {
        value = JSON.parse(await readFile(`${CORPUS}/${file}`, "utf8"));
      } catch {
        continue; // a syntax error: no schema involved
      }
      if (file === "26-duplicate-key.json" || file === "41-not-utf8.json") continue; // problems of the text
      if (schemaErrors(schema, value).length === 0) acceptedBySchema.push(file);
    }
    // What a schema cannot say: a soft limit above the hard one, the image reference grammar,
    // and two fields that must agree. (A CSV string's syntax and a secret's attributes it says.)
    expect(acceptedBySchema).toEqual([
      "22-ulimit-soft-above-hard.json",
      "28-bad-tag-reference.json",
      "33-builder-conflict.json",
    ]);
  });
});

describe("size (issue 14)", () => {
  it("checks a recipe of 40,000 build args named like credentials in linear time (was > 120 s)", async () => {
    // ~900 KB of JSON, just under the 1 MiB limit: every arg warns, and each warning was compared
    // with every other (checkRecipe's filter of the file's warnings), 1.6 billion comparisons.
    const buildArg = Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`TOKEN_${i}`, `v${i}`]));
    const file = join(await tempDir(), "big.json");
    await writeFile(file, JSON.stringify({ recipe: 1, options: { context: ".", buildArg } }));
    expect((await stat(file)).size).toBeGreaterThan(800_000);
    const started = performance.now();
    const checked = await checkRecipe(file, { capabilities: { ...UNKNOWN_CAPABILITIES, buildxVersion: "0.13.1" } });
    const ms = performance.now() - started;
    expect(checked.warnings).toHaveLength(40_000);
    expect(checked.warnings[39_999]).toMatchObject({ file, path: "options.buildArg.TOKEN_39999", code: "credential-build-arg" });
    // Under a second on a laptop; the bound is generous for a busy CI machine.
    expect(ms).toBeLessThan(10_000);
  });
});
