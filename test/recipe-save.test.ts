/**
 * saveRecipe is atomic and careful: the file system calls are wrapped so a failure can be injected
 * between writing the temporary file and putting it in place, and the order of write, fsync and
 * rename can be checked.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { makeRecipe, RECIPE_SCHEMA_URL, RecipeError, saveRecipe, schemaPathFrom, writeFileAtomic } from "../lib/recipe.ts";

const fault = vi.hoisted(() => ({
  /** The next call of this name fails (once). */
  failNext: null as null | "rename" | "link" | "sync",
  events: [] as string[],
}));

vi.mock("node:fs/promises", async (original) => {
  const fs = await original<typeof import("node:fs/promises")>();
  const injected = (name: "rename" | "link" | "sync") => {
    fault.events.push(name);
    if (fault.failNext === name) {
      fault.failNext = null;
      throw Object.assign(new Error(`injected failure in ${name}`), { code: "EIO" });
    }
  };
  return {
    ...fs,
    rename: async (from: string, to: string) => {
      injected("rename");
      return fs.rename(from, to);
    },
    link: async (from: string, to: string) => {
      injected("link");
      return fs.link(from, to);
    },
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      const sync = handle.sync.bind(handle);
      const write = handle.writeFile.bind(handle);
      handle.sync = async () => {
        injected("sync");
        return sync();
      };
      handle.writeFile = (async (...a: Parameters<typeof handle.writeFile>) => {
        fault.events.push("write");
        return write(...a);
      }) as typeof handle.writeFile;
      return handle;
    },
  };
});

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "recipe-save-"));
  dirs.push(d);
  return d;
}
beforeEach(() => {
  fault.failNext = null;
  fault.events.length = 0;
});

const OLD = { recipe: 1, name: "api", options: { tag: "api:1" } };
const NEW = { recipe: 1, name: "api", options: { tag: "api:2" } };

describe("saveRecipe", () => {
  it("writes, fsyncs, then links into place (no overwrite), leaving no temporary file", async () => {
    const dir = await tempDir();
    const saved = await saveRecipe(join(dir, "api.json"), OLD);
    expect(fault.events).toEqual(["write", "sync", "link", "sync"]);
    expect(await readdir(dir)).toEqual(["api.json"]);
    expect(await readFile(join(dir, "api.json"), "utf8")).toBe(saved.text);
  });

  it("never overwrites an existing file without the flag", async () => {
    const dir = await tempDir();
    const path = join(dir, "api.json");
    await saveRecipe(path, OLD);
    const before = await readFile(path, "utf8");
    const error = (await saveRecipe(path, NEW).catch((e: unknown) => e)) as RecipeError;
    expect(error).toBeInstanceOf(RecipeError);
    expect(error.message).toBe(`${path}: not saved (1 problem):\n  ${path}: already exists: pass overwrite (CLI: --force) to replace it`);
    expect(error.problems[0]!.code).toBe("file-exists");
    expect(await readFile(path, "utf8")).toBe(before);
    expect(await readdir(dir)).toEqual(["api.json"]);
  });

  it("overwrites with the flag, by rename, keeping the file's mode", async () => {
    const dir = await tempDir();
    const path = join(dir, "api.json");
    await saveRecipe(path, OLD);
    await chmod(path, 0o600);
    fault.events.length = 0;
    const saved = await saveRecipe(path, NEW, { overwrite: true });
    expect(fault.events).toEqual(["write", "sync", "rename", "sync"]);
    expect(await readFile(path, "utf8")).toBe(saved.text);
    expect(JSON.parse(saved.text).options.tag).toBe("api:2");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("a failure between write and rename leaves the old file intact and no temporary file", async () => {
    const dir = await tempDir();
    const path = join(dir, "api.json");
    await saveRecipe(path, OLD);
    const before = await readFile(path, "utf8");
    fault.failNext = "rename";
    await expect(saveRecipe(path, NEW, { overwrite: true })).rejects.toThrow("injected failure in rename");
    expect(await readFile(path, "utf8")).toBe(before);
    expect(await readdir(dir)).toEqual(["api.json"]);
  });

  it("a failure in fsync puts nothing in place", async () => {
    const dir = await tempDir();
    const path = join(dir, "api.json");
    await saveRecipe(path, OLD);
    const before = await readFile(path, "utf8");
    fault.failNext = "sync";
    await expect(saveRecipe(path, NEW, { overwrite: true })).rejects.toThrow("injected failure in sync");
    expect(fault.events).not.toContain("rename");
    expect(await readFile(path, "utf8")).toBe(before);
    expect(await readdir(dir)).toEqual(["api.json"]);
  });

  it("a failure putting a new file in place leaves nothing behind", async () => {
    const dir = await tempDir();
    fault.failNext = "link";
    await expect(saveRecipe(join(dir, "api.json"), OLD)).rejects.toThrow("injected failure in link");
    expect(await readdir(dir)).toEqual([]);
  });

  it("of two saves racing for a new file, exactly one wins; the other is told it exists", async () => {
    const dir = await tempDir();
    const path = join(dir, "api.json");
    const results = await Promise.allSettled([saveRecipe(path, OLD), saveRecipe(path, NEW)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === "rejected")!;
    expect((lost.reason as RecipeError).problems[0]!.code).toBe("file-exists");
    expect(await readdir(dir)).toEqual(["api.json"]);
  });

  it("refuses secret values and writes nothing", async () => {
    const dir = await tempDir();
    const path = join(dir, "api.json");
    await writeFile(path, "old");
    const error = (await saveRecipe(path, { recipe: 1, options: { secret: { id: "npm", token: "npm_abc" } } }, { overwrite: true }).catch((e: unknown) => e)) as RecipeError;
    expect(error.message).toBe(
      `${path}: not saved: invalid recipe (1 problem):\n  ${path}: options.secret.token: "token" is not a secret attribute: ` +
        "a secret says where its value comes from (id=NAME,src=FILE or id=NAME,env=VARIABLE), never the value itself",
    );
    expect(fault.events).toEqual([]);
    expect(await readFile(path, "utf8")).toBe("old");
  });

  it("writeFileAtomic is the same for other files (the bake export uses it)", async () => {
    const dir = await tempDir();
    await writeFileAtomic(join(dir, "x.json"), "{}\n");
    await expect(writeFileAtomic(join(dir, "x.json"), "[]\n")).rejects.toThrow("already exists");
    expect(await readFile(join(dir, "x.json"), "utf8")).toBe("{}\n");
  });
});

describe("the $schema a saved recipe points at", () => {
  it("is the installed package's schema file, relative to the recipe, so editors find it", async () => {
    const root = await mkdtemp(join(tmpdir(), "buildx-kit-schema-"));
    await mkdir(join(root, "node_modules", "buildx-kit", "schema"), { recursive: true });
    await writeFile(join(root, "node_modules", "buildx-kit", "schema", "recipe.schema.json"), "{}");
    await mkdir(join(root, "recipes"));
    const saved = await saveRecipe(join(root, "recipes", "api.json"), makeRecipe({ context: "..", tag: "api:1" }));
    expect(JSON.parse(saved.text).$schema).toBe("../node_modules/buildx-kit/schema/recipe.schema.json");
    expect(await schemaPathFrom(join(root, "recipes"))).toBe("../node_modules/buildx-kit/schema/recipe.schema.json");
  });

  it("is the schema's id where no package is installed above the recipe", async () => {
    const root = await mkdtemp(join(tmpdir(), "buildx-kit-schema-"));
    const saved = await saveRecipe(join(root, "api.json"), makeRecipe({ context: ".", tag: "api:1" }));
    expect(JSON.parse(saved.text).$schema).toBe(RECIPE_SCHEMA_URL);
  });
});
