/**
 * Recipes and docker buildx bake: round trips for every option bake can express, diagnostics for
 * what it cannot, groups/inherits/matrix on import; then against the real buildx: which bake keys
 * it knows, `$${` escaping, inherits, and for a set of recipes the argv buildx-kit runs and what
 * `bake --print` reports for the exported file agree field by field, and both really build.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { BAKE_KEYS, escapeBake, exportBake, formatBake, fromBake, importBake, importBakeTargets, probeBakeKeys, toBake } from "../lib/recipe/bake.ts";
import { parseAttributes } from "../lib/core/csv.ts";
import type { Diagnostic } from "../lib/core/diagnostics.ts";
import { type FlagRow, FLAGS } from "../lib/core/flags.ts";
import type { BuildOptions } from "../lib/core/options.ts";
import { plan } from "../lib/core/plan.ts";
import { UNKNOWN_CAPABILITIES } from "../lib/core/capabilities.ts";
import { probe } from "../lib/build/probe.ts";
import { atLeast } from "../lib/core/version.ts";
import { makeRecipe, type Recipe, RecipeError, saveRecipe } from "../lib/recipe/recipe.ts";
import { runRecipe, runRecipes } from "../lib/recipe/run.ts";
import { BASE_IMAGE, REGISTRY, requireEngine } from "./support/engine.ts";

const exec = promisify(execFile);
const engine = await requireEngine();

const dirs: string[] = [];
const images: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  if (images.length) await exec("docker", ["image", "rm", "-f", ...images]).catch(() => {});
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "bake-test-"));
  dirs.push(d);
  return d;
}

const recipe = (options: BuildOptions, name = "app"): Recipe => ({ recipe: 1, name, options });
const levels = (ds: readonly Diagnostic[], level: Diagnostic["level"]) => ds.filter((d) => d.level === level);

/** A canonical value of an option, from its row's example: what fromBake gives back. */
function sample(name: string, row: FlagRow): unknown {
  const example = row.example ?? "";
  switch (row.kind) {
    case "bool":
      return true;
    case "map":
    case "hosts":
    case "ulimit":
      return JSON.parse(example);
    case "platforms":
      return example.split(",");
    case "bytes":
      return example;
    default:
      return row.choices && name !== "allow" ? row.choices[row.choices.length - 1] : example;
  }
}

const EXPRESSIBLE = Object.entries(FLAGS).filter(([name, row]) => row.bake !== null && name !== "file");

// ---------------------------------------------------------------------------------------------

describe("recipe -> bake -> recipe", () => {
  it.each(EXPRESSIBLE)("%s round-trips unchanged", (name, row) => {
    // Load stated, as fromBake states it (an output of type=docker); a local output writes files instead.
    const options = { [name]: sample(name, row), ...(name === "output" ? {} : { load: true }) } as BuildOptions;
    const exported = toBake(recipe(options));
    expect(levels(exported.diagnostics, "warning")).toEqual([]);
    expect(exported.bake.target.app).toHaveProperty(row.bake!);
    expect(fromBake(formatBake(exported.bake)).recipe.options).toEqual(options);
  });

  it("every expressible option at once, with context, file, push, name and description", () => {
    const options: BuildOptions = {
      context: "app",
      ...Object.fromEntries(EXPRESSIBLE.map(([name, row]) => [name, sample(name, row)])),
      file: "app/docker/Dockerfile.prod",
      output: "type=oci,dest=out.tar",
      push: true,
      tag: "localhost:5000/app:1",
    };
    const original: Recipe = { recipe: 1, name: "all", description: "everything bake says", options };
    const exported = toBake(original);
    expect(levels(exported.diagnostics, "warning")).toEqual([]);
    expect(exported.bake.target.all).toMatchObject({
      context: "app",
      dockerfile: "docker/Dockerfile.prod",
      output: ["type=oci,dest=out.tar", "type=registry"],
    });
    const back = fromBake(formatBake(exported.bake)).recipe;
    expect(back).toEqual({ $schema: expect.any(String), recipe: 1, name: "all", description: "everything bake says", options });
  });

  it("other spellings come back in canonical form, building the same", () => {
    const spelled: BuildOptions[] = [
      { tag: ["app:1"], load: true },
      { platform: "linux/amd64, linux/arm64", load: true },
      { buildArg: ["A=1", "B=two"], label: { n: 1, b: true }, load: true },
      { cacheTo: { type: "local", dest: ".cache", mode: "max" }, output: { type: "local", dest: "out" } },
      { ulimit: "nofile=1024:2048", shmSize: 67108864, load: true },
      { ulimit: { nofile: [1024, 2048], nproc: 10 }, load: true },
      { addHost: ["db:10.0.0.5", "cache:10.0.0.6"], load: true },
      { tag: "app:1" }, // load by default
      { tag: "app:1", push: true, load: true },
    ];
    for (const options of spelled) {
      const back = fromBake(formatBake(toBake(recipe(options)).bake)).recipe.options;
      expect(plan(back).args, JSON.stringify(options)).toEqual(plan(options).args);
    }
    // --push on an image output is push=true on it, which is how it comes back.
    expect(fromBake(formatBake(toBake(recipe({ output: "type=image,name=localhost:5000/x:1", push: true })).bake)).recipe.options)
      .toEqual({ output: "type=image,name=localhost:5000/x:1,push=true" });
    expect(fromBake(formatBake(toBake(recipe({ ulimit: "nofile=1024:2048", shmSize: 67108864 })).bake)).recipe.options)
      .toMatchObject({ ulimit: { nofile: { soft: 1024, hard: 2048 } }, shmSize: 67108864 });
  });

  it("escapes bake's template syntax in values and keys, and reads it back", () => {
    const options: BuildOptions = {
      buildArg: { "A${x}": "${HOME}", P: "100%{", L: "$${literal}", D: "$$", O: "%%{" },
      label: { "org.example": "${not.a.variable}" },
      tag: "app:1",
      load: true,
    };
    const exported = toBake(recipe(options));
    expect(exported.bake.target.app).toMatchObject({
      args: { "A$${x}": "$${HOME}", P: "100%%{", L: "$$${literal}", D: "$$", O: "%%%{" },
      labels: { "org.example": "$${not.a.variable}" },
    });
    expect(fromBake(formatBake(exported.bake)).recipe.options).toEqual(options);
    expect(escapeBake("${a} %{b} $${c}")).toBe("$${a} %%{b} $$${c}");
  });
});

describe("what bake cannot express", () => {
  it("is a warning each, never a silent drop", () => {
    const exported = toBake({
      recipe: 1,
      name: "x",
      builder: "fast",
      options: {
        context: ".",
        tag: "app:1",
        iidfile: "id.txt",
        metadataFile: "m.json",
        progress: "plain",
        quiet: true,
        cgroupParent: "/b",
        check: false,
        buildArg: ["FROM_ENV", "A=1"],
        extraFlags: { "new-flag": "x" },
      },
    });
    expect(levels(exported.diagnostics, "warning").map((d) => `${d.option}: ${d.message}${d.hint ? ` (${d.hint})` : ""}`)).toEqual([
      "extraFlags.new-flag: --new-flag is not in buildx-kit's flag table; passed to buildx unchecked", // the plan's own
      'buildArg.FROM_ENV: takes its value from the environment when buildx runs; a bake file cannot: left out (give it a value (buildArg: { "FROM_ENV": "..." }), or pass it at bake time with --set TARGET.args.FROM_ENV=...)',
      "builder: --builder has no bake file key: left out (run docker buildx bake --builder fast)",
      "cgroupParent: --cgroup-parent has no bake file key: left out (pass --cgroup-parent to docker buildx build instead, or leave it out)",
      "check: --check has no bake file key: left out (pass --check to docker buildx build instead, or leave it out)",
      "iidfile: --iidfile has no bake file key: left out (pass --iidfile to docker buildx build instead, or leave it out)",
      "metadataFile: --metadata-file has no bake file key: left out (pass --metadata-file to docker buildx build instead, or leave it out)",
      "progress: --progress has no bake file key: left out (pass --progress to docker buildx build instead, or leave it out)",
      "quiet: --quiet has no bake file key: left out (pass --quiet to docker buildx build instead, or leave it out)",
      "extraFlags.new-flag: flags outside the flag table have no known bake key: left out",
    ]);
    expect(exported.bake.target.x!).toEqual({ context: ".", args: { A: "1" }, tags: ["app:1"], output: ["type=docker"] });
  });

  it("stdin as context or Dockerfile", () => {
    const exported = toBake(recipe({ context: "-", file: "-", tag: "a:1", load: true }));
    expect(levels(exported.diagnostics, "warning").map((d) => d.message)).toEqual([
      "a context read from stdin (-) is not allowed in bake: left out",
      "a Dockerfile read from stdin (-) is not allowed in bake: left out",
    ]);
  });

  it("keys the installed buildx's bake does not know are left out, with the version that has the flag", () => {
    const known = BAKE_KEYS.filter((k) => !["network", "extra-hosts", "entitlements", "call", "description"].includes(k));
    const exported = toBake({
      recipe: 1,
      name: "x",
      description: "d",
      options: { network: "host", addHost: { a: "1.2.3.4" }, allow: "network.host", tag: "a:1", load: true },
    }, { bakeKeys: known });
    expect(exported.diagnostics.filter((d) => d.code === "bake-key-unknown-to-buildx").map((d) => `${d.level} ${d.option}: ${d.message}`)).toEqual([
      'warning addHost: this buildx\'s bake does not know the key "extra-hosts" (it would ignore it): left out',
      'warning allow: this buildx\'s bake does not know the key "entitlements" (it would ignore it): left out',
      'warning network: this buildx\'s bake does not know the key "network" (it would ignore it): left out',
      "info null: this buildx's bake has no \"description\" key: the recipe's description is left out",
    ]);
    expect(exported.bake.target.x!).toEqual({ tags: ["a:1"], output: ["type=docker"] });
    // Not probed: everything is written, and an info says so.
    expect(toBake(recipe({ tag: "a:1" })).diagnostics.map((d) => d.code)).toContain("bake-keys-unchecked");
  });

  it("attestation shorthands become attest entries; push and load become outputs", () => {
    const t = (options: BuildOptions) => toBake(recipe(options)).bake.target.app!;
    expect(t({ tag: "r/a:1", push: true, provenance: "mode=max", sbom: false })).toMatchObject({
      output: ["type=registry"],
      attest: ["type=provenance,mode=max", "type=sbom,disabled=true"],
    });
    expect(t({ output: "type=image,name=r/a:1", push: true }).output).toEqual(["type=image,name=r/a:1,push=true"]);
    expect(t({ tag: "a:1", output: "type=oci,dest=a.tar", load: true }).output).toEqual(["type=oci,dest=a.tar", "type=docker"]);
    // A local output writes files: the plan turns push off, and says so.
    const local = toBake(recipe({ tag: "a:1", push: true, output: "type=local,dest=out" }));
    expect(local.bake.target.app!.output).toEqual(["type=local,dest=out"]);
    expect(local.diagnostics.map((d) => d.code)).toContain("local-output-disables-push");
  });

  it("the Dockerfile is written relative to the context, as bake reads it", () => {
    const t = (options: BuildOptions) => toBake(recipe({ ...options, tag: "a:1" }), { dir: "/proj" }).bake.target.app!;
    expect(t({ context: "app", file: "app/Dockerfile.prod" }).dockerfile).toBe("Dockerfile.prod");
    expect(t({ context: "./app", file: "docker/Dockerfile" }).dockerfile).toBe("../docker/Dockerfile");
    expect(t({ file: "Dockerfile.dev" }).dockerfile).toBe("Dockerfile.dev");
    expect(t({ context: "https://github.com/x/y.git", file: "build/Dockerfile" }).dockerfile).toBe("build/Dockerfile");
    expect(t({ context: "/abs/app", file: "Dockerfile" }).dockerfile).toBe("/proj/Dockerfile");
    expect(t({ context: "app", file: "/abs/Dockerfile" }).dockerfile).toBe("/abs/Dockerfile");
    expect(fromBake({ target: { app: { context: "./app", dockerfile: "../docker/Dockerfile" } } }).recipe.options.file).toBe("docker/Dockerfile");
  });

  it("an invalid recipe is refused with its problems", () => {
    expect(() => toBake(recipe({ tag: 3 } as unknown as BuildOptions))).toThrow("options.tag: expects a string, got the number 3");
  });
});

describe("bake -> recipe", () => {
  const file = {
    group: { default: { targets: ["app"] }, all: { targets: ["app", "worker"] }, nested: { targets: ["all"] } },
    target: {
      base: {
        args: { A: "1", B: "base" },
        tags: ["base:1"],
        platforms: ["linux/amd64"],
        annotations: ["a=1"],
        "cache-from": ["type=local,src=c1"],
        "cache-to": ["type=local,dest=c1"],
        labels: { x: "1" },
        "no-cache-filter": ["s1"],
        attest: ["type=provenance,mode=min"],
        output: ["type=docker"],
      },
      mid: { inherits: ["base"], args: { B: "mid", C: "mid" }, tags: ["mid:1"], annotations: ["b=2"], ulimits: ["nofile=1:2"] },
      app: {
        inherits: ["mid"],
        args: { D: "app" },
        "cache-from": ["type=local,src=c2"],
        "cache-to": ["type=local,dest=c2"],
        "no-cache-filter": ["s2"],
        ulimits: ["nproc=3:4"],
        labels: { y: "2" },
        target: "final",
        description: "the app",
      },
      worker: { context: "worker", output: [{ type: "local", dest: "out" }] },
    },
  };

  it("resolves the default group and inherits as bake does", () => {
    const { recipe: r, target } = fromBake(JSON.stringify(file));
    expect(target).toBe("app");
    expect(r).toEqual({
      $schema: expect.any(String),
      recipe: 1,
      name: "app",
      description: "the app",
      options: {
        annotation: ["a=1", "b=2"],
        attest: "type=provenance,mode=min",
        buildArg: { A: "1", B: "mid", C: "mid", D: "app" },
        cacheFrom: ["type=local,src=c1", "type=local,src=c2"],
        cacheTo: "type=local,dest=c2",
        label: { x: "1", y: "2" },
        load: true,
        noCacheFilter: ["s1", "s2"],
        platform: "linux/amd64",
        tag: "mid:1",
        target: "final",
        ulimit: { nofile: { soft: 1, hard: 2 }, nproc: { soft: 3, hard: 4 } },
      },
    });
  });

  it("takes a named target; object entries become CSV strings", () => {
    expect(fromBake(file, "worker").recipe.options).toEqual({ context: "worker", output: "type=local,dest=out" });
  });

  it("says which target to choose when a group holds several", () => {
    expect(() => fromBake(file, "all")).toThrow('group.all: group "all" holds 2 targets (app, worker); a recipe is one build: choose one (CLI: --target NAME)');
    expect(() => fromBake(file, "nested")).toThrow('group "nested" holds 2 targets (app, worker)');
    expect(() => fromBake(file, "nope")).toThrow('target: no target or group "nope" (targets: base, mid, app, worker; groups: default, all, nested)');
    expect(() => fromBake({ target: { a: {}, b: {} } })).toThrow(
      "target: the bake file has 2 targets (a, b) and no default group: choose one (CLI: --target NAME)",
    );
  });

  it("rejects a matrix with a clear message", () => {
    const text = JSON.stringify({ target: { app: { matrix: { v: ["1", "2"] }, name: "app-${v}", args: { V: "${v}" } } } }, null, 2);
    let error: RecipeError | undefined;
    try {
      fromBake(text, undefined, { file: "docker-bake.json" });
    } catch (e) {
      error = e as RecipeError;
    }
    expect(error?.message).toBe([
      "docker-bake.json: cannot import (1 problem):",
      '  docker-bake.json: target.app.matrix: target "app" has a matrix, which makes several builds of one target; a recipe is one build: ' +
      "write the combination you want as a plain target (docker buildx bake --print app lists them)",
    ].join("\n"));
  });

  it("rejects interpolation, keys a recipe cannot hold, and cycles, all at once with positions", () => {
    const text = `{
  "variable": { "TAG": { "default": "1" } },
  "target": {
    "app": {
      "inherits": ["app2"],
      "tags": ["app:\${TAG}"],
      "dockerfile-inline": "FROM scratch",
      "tag": "typo"
    },
    "app2": { "inherits": ["app"] }
  }
}`;
    expect(() => fromBake(text, "app", { file: "b.json" })).toThrow([
      "b.json: cannot import (4 problems):",
      "  b.json:5:19: target.app.inherits: inherits itself (app -> app2 -> app)",
      "  b.json:6:16: target.app.tags[0]: uses bake interpolation (${TAG}), which a recipe cannot hold: resolve it first (docker buildx bake --print app > resolved.json), or write the value",
      '  b.json:7:28: target.app.dockerfile-inline: "dockerfile-inline" has no equivalent in a recipe, which builds from a Dockerfile on disk: write the Dockerfile to a file and name it in "dockerfile"',
      '  b.json:8:14: target.app.tag: "tag" is not a bake target key buildx-kit can carry into a recipe',
    ].join("\n"));
  });

  it("syntax errors have line and column; values are checked as a recipe's", () => {
    expect(() => fromBake('{\n  "target": {,}\n}', undefined, { file: "b.json" })).toThrow(
      'b.json: cannot import (1 problem):\n  b.json:2:14: unexpected ",": expected a property name in double quotes',
    );
    expect(() => fromBake({ target: { base: { args: { A: { x: 1 } } }, app: { inherits: ["base"], platforms: ["lnux"], pull: "yes" } } }, "app")).toThrow([
      "cannot import (3 problems):",
      "  target.base.args.A: expects a string, got an object",
      '  target.app.pull: expects true or false, got the string "yes"',
      '  target.app.platforms: "lnux" is not a platform: expected os/arch[/variant] (linux/arm/v7), an OS or an architecture alone (linux, arm64), an OS version in parentheses (windows(10.0.17763)/amd64) or local',
    ].join("\n"));
  });

  it("printed objects (bake 0.20+ prints ssh, secret, cache and output entries so) become CSV strings", () => {
    const printed = {
      target: {
        app: {
          context: ".",
          dockerfile: "Dockerfile",
          secret: [{ id: "x", src: "f" }, { id: "e", env: "E" }],
          ssh: [{ id: "default" }],
          "cache-from": [{ type: "local", src: "c" }],
          "cache-to": [{ type: "local", dest: "c", mode: "max" }],
          output: [{ type: "local", dest: "out" }],
          args: { A: "${literal}" },
        },
      },
    };
    expect(fromBake(printed, "app", { printed: true }).recipe.options).toEqual({
      context: ".",
      file: "Dockerfile",
      buildArg: { A: "${literal}" },
      cacheFrom: "type=local,src=c",
      cacheTo: "type=local,dest=c,mode=max",
      output: "type=local,dest=out",
      secret: ["id=x,src=f", "id=e,env=E"],
      ssh: "id=default",
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Against the real buildx

async function bake(cwd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return await exec("docker", ["buildx", "bake", ...args], { cwd, timeout: 240_000, maxBuffer: 64 << 20 });
}

/** The flags of an argv, by flag: `--tag` -> ["a", "b"]; bare booleans are "true"; the context under "context". */
function argvFields(argv: readonly string[]): Map<string, string[]> {
  const args = argv.slice(argv.indexOf("build") + 1);
  const fields = new Map<string, string[]>();
  const add = (k: string, v: string) => fields.set(k, [...(fields.get(k) ?? []), v]);
  for (const arg of args.slice(0, -1)) {
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (flag === "--metadata-file" || flag === "--progress") continue; // how buildx-kit runs, not what it builds
    add(flag, eq === -1 ? "true" : arg.slice(eq + 1));
  }
  add("context", args[args.length - 1]!);
  if (!fields.has("--file")) add("--file", posix.join(args[args.length - 1]!, "Dockerfile"));
  return fields;
}

/** What `bake --print` reports for a target, as the same flags: read through the table's bake keys. */
function printFields(target: Record<string, unknown>): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const add = (k: string, v: string) => fields.set(k, [...(fields.get(k) ?? []), v]);
  const csv = (v: unknown) => (typeof v === "string" ? v : Object.entries(v as object).map(([k, x]) => `${k}=${x}`).join(","));
  const context = String(target.context ?? ".");
  for (const [key, value] of Object.entries(target)) {
    if (key === "context") add("context", context);
    else if (key === "dockerfile") add("--file", posix.isAbsolute(String(value)) ? String(value) : posix.join(context, String(value)));
    else if (key === "output") {
      for (const entry of value as unknown[]) {
        const text = csv(entry);
        if (text === "type=docker") add("--load", "true");
        else if (text === "type=registry") add("--push", "true");
        else add("--output", text);
      }
    } else {
      const row = Object.values(FLAGS).find((r) => r.bake === key);
      if (!row) throw new Error(`bake --print reported "${key}", which no row of the flag table names`);
      if (row.kind === "bool") {
        if (value === true) add(row.flag, "true");
      } else if (row.kind === "platforms") add(row.flag, (value as string[]).join(","));
      else if (row.kind === "map" || row.kind === "hosts") {
        for (const [k, v] of Object.entries(value as object)) add(row.flag, `${k}${row.kind === "hosts" ? ":" : "="}${v}`);
      } else if (Array.isArray(value)) { for (const v of value) add(row.flag, csv(v)); }
      else add(row.flag, String(value));
    }
  }
  return fields;
}

/** Values compared as sets; CSV attributes compared by attribute. */
function normalized(fields: Map<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, values] of fields) {
    out[k] = values.map((v) => (/^[a-z-]+=/.test(v) && v.includes(",") ? JSON.stringify(Object.entries(parseAttributes(v)).sort()) : v)).sort();
  }
  return out;
}

describe.skipIf(!engine.ok)("against the installed buildx", () => {
  it("finds which bake keys this buildx knows", async () => {
    const caps = await probe();
    const keys = await probeBakeKeys({ capabilities: caps });
    expect(keys).not.toBeNull();
    if (caps.buildxVersion === "0.13.1") {
      // 0.13's bake has no description key, nor any the flag table dates later (bakeSince: network,
      // call, entitlements, extra-hosts, policy, resources): it silently ignores them, which is why
      // they are probed.
      const later = Object.values(FLAGS).filter((r) => r.bake && r.bakeSince && !atLeast("0.13.1", r.bakeSince)).map((r) => r.bake!);
      expect(later.sort()).toEqual(["call", "entitlements", "extra-hosts", "network", "policy", "resources"]);
      expect([...keys!].sort()).toEqual(BAKE_KEYS.filter((k) => ![...later, "description"].includes(k)).sort());
    } else {
      expect(keys).toEqual(expect.arrayContaining(["context", "dockerfile", "tags", "args", "output"]));
    }
    expect(await probeBakeKeys({ capabilities: caps })).toBe(keys); // cached
  });

  it("bake --print reads the escaped values back as written", async () => {
    const dir = await tempDir();
    const options: BuildOptions = {
      buildArg: { A: "${HOME}", B: "100%{", C: "$${x}", "K${k}": "v" },
      label: { l: "%{ if true }y%{ endif }" },
      tag: "a:1",
      load: true,
    };
    await writeFile(join(dir, "b.json"), formatBake(toBake(recipe(options)).bake));
    const printed = JSON.parse((await bake(dir, ["--print", "-f", "b.json", "app"])).stdout);
    expect(printed.target.app.args).toEqual(options.buildArg);
    expect(printed.target.app.labels).toEqual(options.label);
  });

  it("resolves inherits as bake does", async () => {
    const dir = await tempDir();
    const file = {
      group: { default: { targets: ["app"] } },
      target: {
        base: {
          args: { A: "1", B: "base" },
          tags: ["base:1"],
          platforms: ["linux/amd64"],
          annotations: ["a=1"],
          "cache-from": ["type=local,src=c1"],
          "cache-to": ["type=local,dest=c1"],
          labels: { x: "1" },
          "no-cache-filter": ["s1"],
          output: ["type=docker"],
        },
        mid: { inherits: ["base"], args: { B: "mid", C: "mid" }, tags: ["mid:1"], annotations: ["b=2"], ulimits: ["nofile=1:2"], secret: ["id=s,env=S"] },
        app: {
          inherits: ["mid"],
          args: { D: "app" },
          "cache-from": ["type=local,src=c2"],
          "cache-to": ["type=local,dest=c2"],
          "no-cache-filter": ["s2"],
          ulimits: ["nproc=3:4"],
          labels: { y: "2" },
          secret: ["id=t,env=T"],
          target: "final",
        },
      },
    };
    await writeFile(join(dir, "b.json"), JSON.stringify(file));
    const printed = JSON.parse((await bake(dir, ["--print", "-f", "b.json", "app"])).stdout);
    const ours = fromBake(file, "app").recipe.options;
    const theirs = fromBake(printed, "app").recipe.options;
    expect({ context: ".", file: "Dockerfile", ...ours }).toEqual(theirs);
  });

  it("recipes in two folders exported into a third: docker buildx bake there builds both, and --print gives the targets back", async () => {
    const root = await tempDir();
    const id = Math.random().toString(36).slice(2, 8);
    for (const d of ["one", "two/ctx", "bake"]) await mkdir(join(root, d), { recursive: true });
    await writeFile(join(root, "one/Dockerfile"), `FROM ${BASE_IMAGE}\nARG V\nLABEL v=$V\n`);
    await writeFile(
      join(root, "two/ctx/Dockerfile"),
      `FROM ${BASE_IMAGE}\nARG W\nRUN --mount=type=secret,id=t,required=true test "$(cat /run/secrets/t)" = tok\nLABEL w=$W\n`,
    );
    await writeFile(join(root, "two/tok.txt"), "tok");
    const tags = [`bake-test/one-${id}:1`, `bake-test/two-${id}:1`];
    images.push(...tags);
    await saveRecipe(join(root, "one/r.json"), makeRecipe({ context: ".", tag: tags[0], buildArg: { V: "one" }, label: { from: "one" } }, { name: "one" }));
    await saveRecipe(
      join(root, "two/r.json"),
      makeRecipe({ context: "ctx", tag: tags[1], buildArg: { W: "two" }, secret: "id=t,src=tok.txt", cacheTo: "type=local,dest=cache" }, { name: "two" }),
    );
    const exported = await exportBake([join(root, "one/r.json"), join(root, "two/r.json")], { out: join(root, "bake/docker-bake.json") });
    expect(exported.cwd).toBe(join(root, "bake"));
    await bake(join(root, "bake"), ["-f", "docker-bake.json"]);
    const labels = async (tag: string) => JSON.parse((await exec("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", tag])).stdout);
    expect(await labels(tags[0]!)).toEqual({ from: "one", v: "one" });
    expect(await labels(tags[1]!)).toEqual({ w: "two" });
    expect(await readdir(join(root, "two/cache"))).toContain("index.json");
    const printed = JSON.parse((await bake(join(root, "bake"), ["--print", "-f", "docker-bake.json"])).stdout);
    expect(printed.group.default.targets).toEqual(["one", "two"]);
    for (const name of ["one", "two"]) {
      expect({ dockerfile: "Dockerfile", ...exported.bake.target[name] }).toEqual(printed.target[name]);
    }
  });

  it("an HCL file with inherits and a matrix imports, one recipe per target, and the recipes build what bake builds", async () => {
    const root = await tempDir();
    const id = Math.random().toString(36).slice(2, 8);
    await mkdir(join(root, "bake/src"), { recursive: true });
    await mkdir(join(root, "recipes"));
    await writeFile(
      join(root, "bake/src/Dockerfile"),
      `FROM ${BASE_IMAGE}\nARG V\nARG BASE\nRUN --mount=type=secret,id=t,required=true test "$(cat /run/secrets/t)" = tok\nLABEL v=$V base=$BASE\n`,
    );
    await writeFile(join(root, "bake/tok.txt"), "tok");
    await writeFile(
      join(root, "bake/docker-bake.hcl"),
      [
        `variable "ID" { default = "${id}" }`,
        `target "base" {`,
        `  context = "src"`,
        `  args = { BASE = "yes", V = "base" }`,
        `  labels = { "org.example.kind" = "base" }`,
        `  secret = ["id=t,src=tok.txt"]`,
        `  tags = ["bake-test/hcl-base-\${ID}:1"]`,
        `}`,
        `target "app" {`,
        `  inherits = ["base"]`,
        `  name = "app-\${v}"`,
        `  matrix = { v = ["a", "b"] }`,
        `  args = { V = v }`,
        `  labels = { "org.example.kind" = "app" }`,
        `  tags = ["bake-test/hcl-\${v}-\${ID}:1"]`,
        `}`,
        ``,
      ].join("\n"),
    );
    const tags = { base: `bake-test/hcl-base-${id}:1`, "app-a": `bake-test/hcl-a-${id}:1`, "app-b": `bake-test/hcl-b-${id}:1` };
    images.push(...Object.values(tags));
    const labels = async (tag: string) => JSON.parse((await exec("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", tag])).stdout);

    await bake(join(root, "bake"), ["-f", "docker-bake.hcl", "base", "app"]);
    const baked = Object.fromEntries(await Promise.all(Object.entries(tags).map(async ([t, tag]) => [t, await labels(tag)])));
    expect(baked).toEqual({
      base: { "org.example.kind": "base", base: "yes", v: "base" },
      "app-a": { "org.example.kind": "app", base: "yes", v: "a" },
      "app-b": { "org.example.kind": "app", base: "yes", v: "b" },
    });
    await exec("docker", ["image", "rm", ...Object.values(tags)]);

    const imports = await importBakeTargets(join(root, "bake/docker-bake.hcl"), { dir: join(root, "recipes") });
    expect(imports.map((i) => i.target).sort()).toEqual(["app-a", "app-b", "base"]);
    const a = imports.find((i) => i.target === "app-a")!;
    expect(a.recipe.options).toEqual({
      context: "../bake/src",
      buildArg: { BASE: "yes", V: "a" },
      file: "../bake/src/Dockerfile",
      label: { "org.example.kind": "app" },
      secret: "id=t,src=../bake/tok.txt",
      tag: tags["app-a"],
    });
    for (const i of imports) await saveRecipe(join(root, "recipes", `${i.target}.json`), i.recipe);
    const results = await runRecipes(imports.map((i) => join(root, "recipes", `${i.target}.json`)), { quiet: true });
    expect(results.map((r) => r.error?.message ?? null)).toEqual([null, null, null]);
    const rebuilt = Object.fromEntries(await Promise.all(Object.entries(tags).map(async ([t, tag]) => [t, await labels(tag)])));
    expect(rebuilt).toEqual(baked);

    // One target of the matrix; the matrix's group is several.
    expect((await importBake(join(root, "bake/docker-bake.hcl"), { target: "app-b", dir: join(root, "recipes") })).recipe.name).toBe("app-b");
    await expect(importBake(join(root, "bake/docker-bake.hcl"), { target: "app", dir: root })).rejects.toThrow(
      `${
        join(root, "bake/docker-bake.hcl")
      }: target: "app" makes 2 targets (app-a, app-b); a recipe is one build: choose one (CLI: --target NAME), or import them all into a folder (CLI: --out DIR/)`,
    );
  });

  it("import: what bake --print refuses is its ERROR line; a JSON file's keys this bake drops are warnings", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "bad.hcl"), `target "x" {\n  context = "."\n  secret = ["id=t,src=missing.txt"]\n}\n`);
    await expect(importBake(join(dir, "bad.hcl"))).rejects.toThrow(
      `${join(dir, "bad.hcl")}: cannot import (1 problem):\n  ${
        join(dir, "bad.hcl")
      }: docker buildx bake --print could not read it: ERROR: failed to stat missing.txt: stat missing.txt: no such file or directory`,
    );
    await writeFile(join(dir, "b.json"), JSON.stringify({ target: { x: { context: ".", description: "d", network: "host", tags: ["x:1"] } } }));
    const caps = await probe();
    const imported = await importBake(join(dir, "b.json"), { dir });
    if (caps.buildxVersion === "0.13.1") {
      expect(imported.diagnostics.map((d) => `${d.level} ${d.code}: ${d.message}`)).toEqual([
        'warning bake-key-unknown-to-buildx: target x: this buildx\'s bake does not know the key "description" (bake --print left it out): not in the recipe',
        'warning bake-key-unknown-to-buildx: target x: this buildx\'s bake does not know the key "network" (bake --print left it out): not in the recipe',
      ]);
    }
    await expect(importBake(join(dir, "nope.json"))).rejects.toThrow("nope.json: no such file");
    await expect(importBake(join(dir, "b.json"), { target: "y" })).rejects.toThrow('target: no target or group "y" (targets: x)');
  });

  describe("a set of recipes: what buildx-kit runs and what bake --print reports agree, and both build", async () => {
    const caps = engine.ok ? await probe() : null;
    const keys = engine.ok ? await probeBakeKeys({ capabilities: caps! }) : null;
    const project = await tempDir();
    await mkdir(join(project, "app"));
    await mkdir(join(project, "assets"));
    await writeFile(join(project, "assets/hello.txt"), "hello\n");
    await writeFile(join(project, "token.txt"), "tok\n");
    await writeFile(
      join(project, "Dockerfile"),
      [
        `FROM ${BASE_IMAGE} AS build`,
        "ARG V",
        "ARG LIT",
        'RUN echo "v=$V lit=$LIT" > /built.txt',
        "FROM build AS final",
        "LABEL stage=final",
        "",
      ].join("\n"),
    );
    await writeFile(
      join(project, "app/Dockerfile.prod"),
      [
        `FROM ${BASE_IMAGE} AS build`,
        "COPY --from=assets hello.txt /out/asset.txt",
        "RUN --mount=type=secret,id=token cat /run/secrets/token > /out/token.txt && ulimit -n > /out/nofile.txt",
        "FROM scratch AS final",
        "COPY --from=build /out/ /",
        "",
      ].join("\n"),
    );
    await writeFile(join(project, "Dockerfile.multi"), "FROM scratch\nCOPY assets/hello.txt /hello.txt\n");

    const stamp = Date.now().toString(36);
    const recipes: Record<string, BuildOptions> = {
      basic: {
        context: ".",
        tag: `${REGISTRY}/bk-basic:${stamp}`,
        buildArg: { V: "1", LIT: "${HOME}-%{x}" },
        label: { "org.example.v": "1" },
        target: "final",
        noCache: true,
      },
      paths: {
        context: "app",
        file: "app/Dockerfile.prod",
        buildContext: { assets: "./assets" },
        noCacheFilter: "build",
        ulimit: { nofile: { soft: 1024, hard: 2048 } },
        shmSize: "64m",
        output: "type=local,dest=out-paths",
        cacheTo: "type=local,dest=.cache-paths",
        secret: "id=token,src=token.txt",
        pull: false,
        target: "final",
      },
      push: {
        file: "Dockerfile.multi",
        tag: [`${REGISTRY}/bk-push:${stamp}`],
        push: true,
        platform: ["linux/amd64", "linux/arm64"],
        attest: "type=provenance,mode=max",
        annotation: "org.opencontainers.image.title=bk",
      },
      twice: { file: "Dockerfile.multi", tag: `bk-twice:${stamp}`, load: true, output: "type=oci,dest=out-twice.tar" },
    };

    images.push(String(recipes.basic!.tag), String(recipes.twice!.tag));
    for (const [name, options] of Object.entries(recipes)) {
      it(`${name}: argv and bake --print agree field by field`, async () => {
        const path = join(project, `${name}.json`);
        await saveRecipe(path, makeRecipe(options, { name, capabilities: caps! }), { overwrite: true });
        const exported = await exportBake(path, { out: join(project, `${name}.bake.json`), overwrite: true, bakeKeys: keys });
        expect(levels(exported.diagnostics, "warning")).toEqual([]);
        expect(exported.cwd).toBe(project);
        expect(exported.command).toEqual(["docker", "buildx", "bake", "-f", `${name}.bake.json`, name]);
        const printed = JSON.parse((await bake(project, ["--print", "-f", `${name}.bake.json`, name])).stdout);
        const [dry] = await runRecipes([path], { dryRun: true, capabilities: caps! });
        expect(normalized(printFields(printed.target[name]))).toEqual(normalized(argvFields(dry!.result!.argv)));
      });

      it(`${name}: both really build, the same result`, async () => {
        const path = join(project, `${name}.json`);
        const ours = await runRecipe(path, { quiet: true });
        expect(ours.ok).toBe(true);
        const oursOut = await outputOf(name, project, options);
        await rm(join(project, `out-${name}`), { recursive: true, force: true });
        await rm(join(project, `out-${name}.tar`), { force: true });
        if (name !== "push") await exec("docker", ["image", "rm", "-f", String([options.tag].flat()[0])]).catch(() => {});
        await bake(project, ["-f", `${name}.bake.json`, name, "--progress=plain"]);
        expect(await outputOf(name, project, options)).toEqual(oursOut);
      });
    }
  });
});

/** What a build produced, comparable between buildx-kit and bake. */
async function outputOf(name: string, project: string, options: BuildOptions): Promise<unknown> {
  const tag = String([options.tag].flat()[0]);
  switch (name) {
    case "basic": {
      const { stdout } = await exec("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", tag]);
      const { stdout: built } = await exec("docker", ["run", "--rm", tag, "cat", "/built.txt"]);
      return { labels: JSON.parse(stdout), built };
    }
    case "paths": {
      const dir = join(project, "out-paths");
      const files = (await readdir(dir)).sort();
      return Object.fromEntries(await Promise.all(files.map(async (f) => [f, await readFile(join(dir, f), "utf8")])));
    }
    case "push": {
      const [repo, ref] = tag.slice(REGISTRY.length + 1).split(":");
      const res = await fetch(`http://127.0.0.1:5000/v2/${repo}/manifests/${ref}`, {
        headers: { accept: "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json" },
      });
      expect(res.status).toBe(200);
      const index = await res.json() as { manifests: { platform: { os: string; architecture: string }; annotations?: Record<string, string> }[] };
      return index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort();
    }
    case "twice": {
      const tar = (await readFile(join(project, "out-twice.tar"))).length > 0;
      const { stdout } = await exec("docker", ["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", tag]);
      return { tar, image: stdout.trim() };
    }
  }
  return null;
}

describe("exportBake (files, no engine needed)", () => {
  it("writes the file atomically, refuses to overwrite; paths are the bake file's folder's", async () => {
    const dir = await tempDir();
    const elsewhere = await tempDir();
    await saveRecipe(join(dir, "api.json"), makeRecipe({ context: ".", tag: "api:1", buildArg: { V: "${V}" } }, { name: "api" }));
    const out = join(elsewhere, "docker-bake.json");
    const exported = await exportBake(join(dir, "api.json"), { out, bakeKeys: null });
    expect(exported.file).toBe(out);
    expect(await readFile(out, "utf8")).toBe(exported.text);
    const back = `../${dir.split("/").pop()}`;
    expect(JSON.parse(exported.text)).toEqual({
      group: { default: { targets: ["api"] } },
      target: { api: { context: back, args: { V: "$${V}" }, tags: ["api:1"], output: ["type=docker"] } },
    });
    expect(exported.cwd).toBe(elsewhere);
    expect(exported.command).toEqual(["docker", "buildx", "bake", `--allow=fs.read=${dir}`, "-f", "docker-bake.json", "api"]);
    await expect(exportBake(join(dir, "api.json"), { out, bakeKeys: null })).rejects.toThrow("already exists: pass overwrite (CLI: --force) to replace it");
    await exportBake(join(dir, "api.json"), { out, bakeKeys: null, overwrite: true, set: ["tag=api:2"] });
    expect(JSON.parse(await readFile(out, "utf8")).target.api.tags).toEqual(["api:2"]);
  });

  it("several recipes: a target each (unique names), a default group, every path rebased, the --allow list bake >= 0.20 asks for", async () => {
    const root = await tempDir();
    for (const d of ["a", "b/ctx", "b/sub", "bake"]) await mkdir(join(root, d), { recursive: true });
    await writeFile(join(root, "b/tok.txt"), "t\n");
    await saveRecipe(join(root, "a/r.json"), makeRecipe({ context: ".", file: "Dockerfile", tag: "a:1", output: "type=local,dest=out" }, { name: "app" }));
    await saveRecipe(
      join(root, "b/r.json"),
      makeRecipe({
        context: "ctx",
        file: "ctx/Other.Dockerfile",
        tag: "b:1",
        buildContext: { extra: "sub", img: "docker-image://busybox" },
        secret: "id=t,src=tok.txt",
        cacheFrom: "type=local,src=sub",
        cacheTo: "type=local,dest=cache",
        load: true,
      }, { name: "app" }),
    );
    await saveRecipe(join(root, "bake/default.json"), makeRecipe({ context: ".", output: "type=cacheonly" }, { name: "default" }));
    const caps = { ...UNKNOWN_CAPABILITIES, buildxVersion: "0.20.0" };
    const exported = await exportBake([join(root, "a/r.json"), join(root, "b/r.json"), join(root, "bake/default.json")], {
      out: join(root, "bake/docker-bake.json"),
      bakeKeys: null,
      capabilities: caps,
    });
    expect(exported.targets).toEqual(["app", "app-2", "default-2"]);
    expect(exported.target).toBe("default");
    expect(JSON.parse(exported.text)).toEqual({
      group: { default: { targets: ["app", "app-2", "default-2"] } },
      target: {
        app: { context: "../a", dockerfile: "Dockerfile", tags: ["a:1"], output: ["type=local,dest=../a/out"] },
        "app-2": {
          context: "../b/ctx",
          dockerfile: "Other.Dockerfile",
          tags: ["b:1"],
          contexts: { extra: "../b/sub", img: "docker-image://busybox" },
          secret: ["id=t,src=../b/tok.txt"],
          "cache-from": ["type=local,src=../b/sub"],
          "cache-to": ["type=local,dest=../b/cache"],
          output: ["type=docker"],
        },
        "default-2": { context: ".", output: ["type=cacheonly"] },
      },
    });
    // Reads at the path, writes at the nearest folder that exists (a/out and b/cache do not yet), as bake checks them.
    expect(exported.allow).toEqual([
      `fs=${root}/a`,
      `fs.write=${root}/b`,
      `fs.read=${root}/b/ctx`,
      `fs.read=${root}/b/sub`,
      `fs.read=${root}/b/tok.txt`,
    ]);
    expect(exported.command).toEqual(["docker", "buildx", "bake", ...exported.allow.map((a) => `--allow=${a}`), "-f", "docker-bake.json"]);
    expect(exported.diagnostics.filter((d) => d.code !== "bake-keys-unchecked").map((d) => `${d.code}: ${d.message}`)).toEqual([
      "bake-load-as-output: target app-2: written as output type=docker",
    ]);
    // On a buildx without bake --allow, the command leaves it out and says so.
    const old = await exportBake([join(root, "a/r.json")], { bakeKeys: null, capabilities: { ...caps, buildxVersion: "0.13.1" }, cwd: join(root, "bake") });
    expect(old.file).toBeNull();
    expect(old.command).toEqual(["docker", "buildx", "bake", "-f", "-", "app"]);
    expect(old.diagnostics.find((d) => d.code === "bake-allow-left-out")).toEqual({
      level: "info",
      code: "bake-allow-left-out",
      option: null,
      message:
        `buildx 0.20.0 and later ask for --allow=fs=${root}/a to reach outside ${root}/bake; this buildx (0.13.1) has no bake --allow, so the command leaves it out`,
    });
  });

  it("a recipe that cannot build is not exported", async () => {
    const dir = await tempDir();
    await saveRecipe(join(dir, "api.json"), makeRecipe({ push: true }, { name: "api" }));
    await expect(exportBake(join(dir, "api.json"), { out: join(dir, "b.json"), bakeKeys: null })).rejects.toThrow(
      `${join(dir, "api.json")}: cannot export (1 problem):\n  ${
        join(dir, "api.json")
      }: options.push: pushing needs a tag to know where the image goes (hint: add tag: "registry/repository:tag" (or name= in an image output))`,
    );
    expect(await readdir(dir)).toEqual(["api.json"]);
  });
});
