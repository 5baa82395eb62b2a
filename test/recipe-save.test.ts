/**
 * saveRecipe is atomic and careful: the file system calls are wrapped so a failure can be injected
 * between writing the temporary file and putting it in place, and the order of write, fsync and
 * rename can be checked.
 */
import { execFileSync } from "node:child_process";
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../lib/cli/main.ts";
import { loadRecipeFile, makeRecipe, RECIPE_SCHEMA_URL, RecipeError, saveRecipe, schemaPathFrom, writeFileAtomic } from "../lib/recipe/recipe.ts";
import { canMount } from "./support/mount.ts";

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
    const error =
      (await saveRecipe(path, { recipe: 1, options: { secret: { id: "npm", token: "npm_abc" } } }, { overwrite: true }).catch((e: unknown) =>
        e
      )) as RecipeError;
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

/** A tmpfs of `size` mounted on a new folder (root only; null where mounting is not allowed). */
async function smallDisk(size = "64k"): Promise<{ dir: string; readOnly: () => void } | null> {
  const dir = await tempDir();
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
  } catch {
    return null;
  }
  mounts.push(dir);
  return { dir, readOnly: () => execFileSync("mount", ["-o", "remount,ro", dir], { stdio: "ignore" }) };
}
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.splice(0)) execFileSync("umount", [m], { stdio: "ignore" });
});

/** Fills a disk: a file written until no byte more fits. */
async function fill(dir: string): Promise<void> {
  await writeFile(join(dir, "filler"), Buffer.alloc(1 << 20)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOSPC") throw e;
  });
}

/** A CliIO that keeps what the CLI says. */
function io(cwd: string): { out: string[]; err: string[]; io: Parameters<typeof main>[1] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t) => out.push(t), err: (t) => err.push(t), env: { ...process.env, NO_COLOR: "1" }, isTTY: false, cwd } };
}

describe("faults while saving (issue 14): a clean error naming the path given, the old file intact, no temporary file", () => {
  it("a folder on the way that is a file", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "notes.txt"), "x");
    const path = join(dir, "notes.txt", "api.json");
    const error = (await saveRecipe(path, OLD).catch((e: unknown) => e)) as RecipeError;
    expect(error).toBeInstanceOf(RecipeError);
    expect(error.message).toBe(`${path}: not saved (1 problem):\n  ${path}: ${join(dir, "notes.txt")} is a file, not a folder`);
    expect(error.problems[0]!.code).toBe("not-a-folder");
    const deeper = join(dir, "notes.txt", "sub", "api.json");
    expect(((await saveRecipe(deeper, OLD).catch((e: unknown) => e)) as RecipeError).message)
      .toBe(`${deeper}: not saved (1 problem):\n  ${deeper}: ${join(dir, "notes.txt")} is a file, not a folder`);
    expect(await readdir(dir)).toEqual(["notes.txt"]);
  });

  it("through the CLI: build --save into a file's folder exits 2 with the path as typed", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "notes.txt"), "x");
    const said = io(dir);
    expect(await main(["build", "--dry-run", "--offline", "--save", "notes.txt/api.json", "."], said.io)).toBe(2);
    expect(said.err).toEqual(["error: notes.txt/api.json: not saved (1 problem):\n  notes.txt/api.json: notes.txt is a file, not a folder"]);
  });

  it.skipIf(!canMount)("a full disk (a 64k tmpfs): exit 2, the old file intact, the temporary file removed", async () => {
    const disk = (await smallDisk())!;
    const path = join(disk.dir, "api.json");
    await saveRecipe(path, OLD);
    const before = await readFile(path, "utf8");
    await fill(disk.dir);
    const big = { ...NEW, description: "x".repeat(8192) };
    const error = (await saveRecipe(path, big, { overwrite: true }).catch((e: unknown) => e)) as RecipeError;
    expect(error).toBeInstanceOf(RecipeError);
    expect(error.message).toBe(`${path}: not saved (1 problem):\n  ${path}: cannot be written: no space left on the device`);
    expect(error.problems[0]!.code).toBe("not-written");
    expect(await readFile(path, "utf8")).toBe(before);
    expect((await readdir(disk.dir)).sort()).toEqual(["api.json", "filler"]);
    // The CLI: exit 2, the path as typed, nothing else said.
    const said = io(disk.dir);
    expect(await main(["build", "--dry-run", "--offline", "--force", "--save", "api.json", "--build-arg", `PAD=${"x".repeat(8192)}`, "."], said.io)).toBe(2);
    expect(said.err).toEqual(["error: api.json: not saved (1 problem):\n  api.json: cannot be written: no space left on the device"]);
    expect(await readFile(path, "utf8")).toBe(before);
    expect((await readdir(disk.dir)).sort()).toEqual(["api.json", "filler"]);
  });

  it.skipIf(!canMount)("a read-only file system (fails for root too): exit 2, the old file intact", async () => {
    const disk = (await smallDisk())!;
    const path = join(disk.dir, "api.json");
    await saveRecipe(path, OLD);
    const before = await readFile(path, "utf8");
    disk.readOnly();
    const error = (await saveRecipe(path, NEW, { overwrite: true }).catch((e: unknown) => e)) as RecipeError;
    expect(error.message).toBe(`${path}: not saved (1 problem):\n  ${path}: cannot be written: the file system is read-only`);
    const said = io(disk.dir);
    expect(await main(["build", "--dry-run", "--offline", "--save", "new.json", "."], said.io)).toBe(2);
    expect(said.err).toEqual(["error: new.json: not saved (1 problem):\n  new.json: cannot be written: the file system is read-only"]);
    expect(await readFile(path, "utf8")).toBe(before);
    expect(await readdir(disk.dir)).toEqual(["api.json"]);
  });

  it("stale temporary files of the same recipe from a killed save are removed; a live process's and other files' are kept", async () => {
    const dir = await tempDir();
    const path = join(dir, "api.json");
    await saveRecipe(path, OLD);
    const dead = ".api.json.99999999.deadbeef.tmp"; // no such process (above any pid_max)
    const live = `.api.json.${process.ppid}.cafebabe.tmp`; // a process that is running
    const other = ".web.json.99999999.deadbeef.tmp"; // another recipe's
    const odd = ".api.json.99999999.tmp"; // not a name saving makes
    for (const name of [dead, live, other, odd]) await writeFile(join(dir, name), "half a recipe");
    await saveRecipe(path, NEW, { overwrite: true });
    expect((await readdir(dir)).sort()).toEqual([live, odd, other, "api.json"].sort());
  });
});

describe("symbolic links (issue 14)", () => {
  it("--force over a symlinked recipe writes the file the link points to; the link stays a link", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "shared"));
    const target = join(dir, "shared", "api.json");
    await saveRecipe(target, OLD);
    await chmod(target, 0o640);
    await symlink("shared/api.json", join(dir, "api.json"));
    await expect(saveRecipe(join(dir, "api.json"), NEW)).rejects.toThrow("already exists: pass overwrite (CLI: --force) to replace it");
    const saved = await saveRecipe(join(dir, "api.json"), NEW, { overwrite: true });
    expect(saved.file).toBe(target);
    expect((await lstat(join(dir, "api.json"))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, "api.json"))).toBe("shared/api.json");
    expect(await readFile(target, "utf8")).toBe(saved.text);
    expect(JSON.parse(await readFile(target, "utf8")).options.tag).toBe("api:2");
    expect((await stat(target)).mode & 0o777).toBe(0o640);
    expect((await readdir(dir)).sort()).toEqual(["api.json", "shared"]);
    expect(await readdir(join(dir, "shared"))).toEqual(["api.json"]);
  });

  it("build --force --save over a symlinked recipe, through the CLI: the link stays, its target holds the new recipe", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "shared"));
    await writeFile(join(dir, "shared", "api.json"), "old\n");
    await symlink(join(dir, "shared", "api.json"), join(dir, "api.json"));
    const said = io(dir);
    expect(await main(["build", "--dry-run", "--offline", "--force", "--save", "api.json", "-t", "api:3", "."], said.io)).toBe(0);
    expect((await lstat(join(dir, "api.json"))).isSymbolicLink()).toBe(true);
    // Its paths are relative to the folder of the file it is, shared/, however it is reached.
    expect(JSON.parse(await readFile(join(dir, "shared", "api.json"), "utf8")).options).toEqual({ context: "..", tag: ["api:3"] });
    const real = await realpath(dir);
    expect((await loadRecipeFile(join(dir, "api.json"))).dir).toBe(join(real, "shared"));
    expect(said.err).toEqual(["saved api.json"]);
  });

  it("build --save through a symlinked folder writes paths relative to the real folder, where the recipe builds", async () => {
    const root = await realpath(await tempDir());
    await mkdir(join(root, "project", "app"), { recursive: true });
    await mkdir(join(root, "elsewhere", "recipes"), { recursive: true });
    // project/recipes -> ../elsewhere/recipes: ".." of the link is project, of the real folder elsewhere.
    await symlink(join(root, "elsewhere", "recipes"), join(root, "project", "recipes"));
    const said = io(join(root, "project"));
    expect(await main(["build", "--dry-run", "--offline", "--save", "recipes/app.json", "--metadata-file", "meta.json", "app"], said.io)).toBe(0);
    const saved = JSON.parse(await readFile(join(root, "elsewhere", "recipes", "app.json"), "utf8"));
    expect(saved.options).toEqual({ context: "../../project/app", metadataFile: "../../project/meta.json" });
    // Loaded through the link, it resolves against the real folder: the same app folder.
    const loaded = await loadRecipeFile(join(root, "project", "recipes", "app.json"));
    expect(loaded.dir).toBe(join(root, "elsewhere", "recipes"));
    expect(join(loaded.dir, saved.options.context)).toBe(join(root, "project", "app"));
  });
});
