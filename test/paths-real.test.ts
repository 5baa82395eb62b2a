/**
 * Paths as the file system has them (issue 14), on the real engine: a recipe saved by
 * `build --save` through a symlinked folder builds, and build() reads its metadata file where
 * buildx wrote it when the build's cwd is a symbolic link.
 */
import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, realpath, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../lib/cli/main.ts";
import { runRecipe } from "../lib/recipe/run.ts";
import { build } from "../lib/build/run.ts";
import { cleanup, nonce, projectCopy, tempDir, trackImage } from "./fixtures/cli/support.ts";
import { requireEngine } from "./support/engine.ts";
import { canMount } from "./support/mount.ts";

const engine = await requireEngine();
afterAll(cleanup);

/** A copy of the CLI fixture project (app/ builds a small image) and, elsewhere, a folder linked into it. */
async function linkedProject(): Promise<{ project: string; elsewhere: string }> {
  const project = await realpath(await projectCopy("paths"));
  const elsewhere = join(await realpath(await tempDir("paths-elsewhere")), "recipes");
  await mkdir(elsewhere);
  // project/recipes -> elsewhere/recipes: ".." of the name is the project, of the real folder not.
  await symlink(elsewhere, join(project, "recipes"));
  return { project, elsewhere };
}

const quietLog = { log: () => {}, stdout: "ignore" as const, quiet: true };

describe.skipIf(!engine.ok)("paths as the file system has them", () => {
  it("build --save through a symlinked folder writes paths that build", async () => {
    const { project, elsewhere } = await linkedProject();
    const tag = trackImage(`buildx-kit-test/paths-save:${nonce()}`);
    const err: string[] = [];
    const io = { out: () => {}, err: (t: string) => err.push(t), env: { ...process.env, NO_COLOR: "1" }, isTTY: false, cwd: project };
    expect(await main(["build", "--dry-run", "--save", "recipes/app.json", "-t", tag, "app"], io)).toBe(0);
    expect(err).toEqual(["saved recipes/app.json"]);
    const saved = JSON.parse(await readFile(join(elsewhere, "app.json"), "utf8"));
    expect(saved.options.context).toBe(join("..", "..", project.split("/").slice(-1)[0]!, "app"));
    const result = await runRecipe(join(project, "recipes", "app.json"), quietLog);
    expect(result.ok).toBe(true);
    expect(result.cwd).toBe(elsewhere);
  });

  it("build() reads the metadata file where buildx wrote it: metadataFile relative to the real cwd", async () => {
    const { project } = await linkedProject();
    await mkdir(join(project, "sub"));
    const link = join(await tempDir("paths-link"), "sub");
    await symlink(join(project, "sub"), link);
    const tag = trackImage(`buildx-kit-test/paths-meta:${nonce()}`);
    // From the link, "../app" and "../meta.json" are in the project, as buildx running there sees them.
    const result = await build({ context: "../app", tag: [tag], load: true, metadataFile: "../meta.json" }, { cwd: link, ...quietLog });
    const written = JSON.parse(await readFile(join(project, "meta.json"), "utf8")) as Record<string, unknown>;
    expect(result.metadata).toEqual(written);
    expect(result.configDigest ?? result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.imageNames).toEqual([`docker.io/${tag}`]);
  });
});

describe.skipIf(!engine.ok || !canMount)("a full TMPDIR (issue 14)", () => {
  it("build() and the CLI say so, naming TMPDIR, and leave nothing there", async () => {
    const { project } = await linkedProject();
    const tmp = await tempDir("paths-tmpdir");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", tmp], { stdio: "ignore" });
    const saved = process.env.TMPDIR;
    try {
      await writeFile(join(tmp, "filler"), Buffer.alloc(1 << 20)).catch(() => {});
      process.env.TMPDIR = tmp;
      const message =
        `cannot make a private temporary folder in ${tmp} (TMPDIR): no space left on the device; free some space there, or set TMPDIR to another folder`;
      const tag = trackImage(`buildx-kit-test/paths-tmp:${nonce()}`);
      const error = (await build({ context: "app", tag: [tag] }, { cwd: project, ...quietLog }).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toBe(message);
      expect(await readdir(tmp)).toEqual(["filler"]);
      const err: string[] = [];
      const io = { out: () => {}, err: (t: string) => err.push(t), env: { ...process.env, NO_COLOR: "1" }, isTTY: false, cwd: project };
      expect(await main(["build", "-t", tag, "app"], io)).toBe(1);
      expect(err).toEqual([`error: ${message}`]);
      expect(await readdir(tmp)).toEqual(["filler"]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      execFileSync("umount", [tmp], { stdio: "ignore" });
    }
  });
});
