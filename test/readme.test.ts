/**
 * The README is executable: every code block of README.md runs here, in order, against the real
 * engine and registry, so the front page cannot lie. Only these mechanical substitutions are made,
 * each stated where it happens:
 *
 * - the project is a copy of `examples/hello` with the npm package installed from `npm pack` of
 *   this checkout (the registry has no such package to install by name);
 * - `localhost:5000/NAME` becomes `localhost:5000/readme-NONCE/NAME`, so runs never share a tag;
 * - `ts` blocks run on Node (as an ES module, importing the installed package), Deno (mapping
 *   `buildx-kit` to mod.ts, as JSR ships it) and Bun (the installed package);
 * - `sh` blocks run in bash (`set -e`), with the package's `node_modules/.bin` first on PATH, as
 *   `npx` would find `buildx-kit`; an install block installs the packed tarball under its name;
 * - the `json` block is the file the text names (`recipes/hello.json`), checked and used by the
 *   `sh` block after it;
 * - the two set-up blocks at the top: `bash scripts/engine.sh up && npm ci` is what .ci/run runs
 *   before `npm test` (checked), so the first block's rest (the guide) runs in a real terminal
 *   (tmux) taking every default, and the second block is checked to be CI's own command.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, type Installed, packAndInstall, ROOT } from "./fixtures/matrix/pack.ts";
import { requireEngine } from "./support/engine.ts";
import { hasTmux, sleep, tmuxOn } from "./support/tmux.ts";

const exec = promisify(execFile);
const engine = await requireEngine();
const BIN = join(ROOT, "node_modules/.bin");
const NONCE = randomBytes(4).toString("hex");

/** One fenced code block of the README: its language, its text and the line it starts on. */
interface Block {
  readonly lang: string;
  readonly code: string;
  readonly line: number;
}

/** Every fenced block of `markdown`, in order. */
export function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    blocks.push({ lang: open[1]!, code: `${body.join("\n")}\n`, line: start + 1 });
  }
  return blocks;
}

/** The stated tag substitution: a registry path of this run's own. */
function unique(code: string, runtime: string): string {
  return code.replaceAll("localhost:5000/", `localhost:5000/readme-${NONCE}-${runtime}/`);
}

const README = await readFile(join(ROOT, "README.md"), "utf8");
const BLOCKS = codeBlocks(README);

describe("README.md", () => {
  it("has code blocks only in languages this test runs", () => {
    expect(BLOCKS.length).toBeGreaterThan(8);
    for (const b of BLOCKS) expect(["ts", "sh", "json"], `README.md:${b.line}`).toContain(b.lang);
  });

  it("never points outside the project", () => {
    expect(README).not.toMatch(/\.\.\/shared/);
  });

  it("opens with the two set-up commands, and the second is what CI runs", async () => {
    const [main, tests] = BLOCKS;
    const ci = await readFile(join(ROOT, ".ci/run"), "utf8");
    const setUp = "bash scripts/engine.sh up && npm ci";
    expect(main!.code.startsWith(`${setUp} && `)).toBe(true);
    expect(tests!.code.trim()).toBe(`${setUp} && npm test`);
    expect(ci.split("\n")).toContain(tests!.code.trim());
  });
});

describe.skipIf(!engine.ok)("README.md, run block by block", () => {
  let installed: Installed;
  let project: string;
  const env = (): NodeJS.ProcessEnv => cleanEnv({ PATH: `${join(project, "node_modules/.bin")}:${BIN}:${process.env.PATH}` });

  beforeAll(async () => {
    installed = await packAndInstall();
    project = installed.dir;
    await cp(join(ROOT, "examples/hello"), project, { recursive: true });
    // Deno: `buildx-kit` is the source (as JSR ships it); its own imports as deno.json has them.
    const denoJson = JSON.parse(await readFile(join(ROOT, "deno.json"), "utf8")) as { imports: Record<string, string> };
    await writeFile(
      join(project, "deno.json"),
      JSON.stringify({
        imports: { ...denoJson.imports, "buildx-kit": pathToFileURL(join(ROOT, "mod.ts")).href },
        nodeModulesDir: "manual",
      }),
    );
  }, 600_000);

  afterAll(async () => {
    await installed?.remove();
  });

  /** Runs one command in the project; resolves with its output, whatever its exit code. */
  async function run(file: string, args: readonly string[], timeout = 300_000) {
    try {
      const r = await exec(file, args, { cwd: project, env: env(), timeout, maxBuffer: 64 * 1024 * 1024 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
    }
  }

  type Command = (file: string) => [string, string[]];
  const RUNTIMES: readonly (readonly [string, Command, string])[] = [
    ["node", (file) => [process.execPath, [file]], ".mjs"],
    ["deno", (file) => [join(BIN, "deno"), ["run", "-A", "--quiet", file]], ".ts"],
    ["bun", (file) => [join(BIN, "bun"), [file]], ".ts"],
  ];

  const body = BLOCKS.slice(2);
  for (const [index, block] of body.entries()) {
    const where = `README.md:${block.line}`;
    if (block.lang === "ts") {
      it.each(RUNTIMES)(`${where}: the ts block runs on %s`, async (runtime, command, ext) => {
        const file = join(project, `readme-${block.line}-${runtime}${ext}`);
        await writeFile(file, unique(block.code, runtime));
        const [bin, args] = command(file);
        const r = await run(bin, args);
        expect(r.code, `${where} on ${runtime}:\n${r.stderr}`).toBe(0);
        expect(r.stderr, where).not.toMatch(/^(error|Uncaught)|ERROR/m);
      });
    } else if (block.lang === "json") {
      it(`${where}: the json block is ${"recipes/hello.json"}, and recipe check passes`, async () => {
        // The text before it names the file: "A recipe saved as `recipes/hello.json`".
        const before = README.split("\n").slice(0, block.line - 1).join("\n");
        expect(before.slice(before.lastIndexOf("```") + 3)).toMatch(/saved as `recipes\/hello\.json`/);
        await mkdir(join(project, "recipes"), { recursive: true });
        await writeFile(join(project, "recipes/hello.json"), unique(block.code, "sh"));
        const r = await run("buildx-kit", ["recipe", "check", "recipes/hello.json"]);
        expect(r, where).toMatchObject({ code: 0, stdout: "recipes/hello.json: ok\n" });
        // The $schema names the schema the package ships, from the recipe's folder.
        const schema = (JSON.parse(block.code) as { $schema: string }).$schema;
        await expect(readFile(join(project, "recipes", schema), "utf8")).resolves.toContain('"$schema"');
      });
    } else if (/^(npm install|bun add) buildx-kit\s*$/.test(block.code)) {
      it(`${where}: the install block installs the package (from its packed tarball)`, async () => {
        const folder = join(project, `install-${index}`);
        await mkdir(folder, { recursive: true });
        await writeFile(join(folder, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
        // The stated substitution: the package name becomes the tarball of this checkout.
        const code = block.code.replace(/buildx-kit\s*$/, installed.tarball);
        const r = await exec(
          "bash",
          ["-ec", code.startsWith("npm ") ? code.replace("npm install", "npm install --no-audit --no-fund --prefer-offline") : code],
          {
            cwd: folder,
            env: env(),
            timeout: 300_000,
          },
        );
        expect(r).toBeDefined();
        const check = await exec(process.execPath, [
          "--input-type=module",
          "-e",
          'const m = await import("buildx-kit"); console.log(typeof m.build, typeof m.plan)',
        ], { cwd: folder, env: env() });
        expect(check.stdout).toBe("function function\n");
      }, 600_000);
    } else {
      it(`${where}: the sh block runs in bash`, async () => {
        const r = await run("bash", ["-ec", unique(block.code, "sh")]);
        expect(r.code, `${where}:\n${r.stderr}`).toBe(0);
        expect(r.stderr, where).not.toMatch(/^error/m);
      });
    }
  }

  it.skipIf(!hasTmux)(`README.md:${BLOCKS[0]!.line}: the main job, the guide, runs at a terminal taking every default, and builds`, async () => {
    const main = BLOCKS[0]!.code.trim().replace(/^bash scripts\/engine\.sh up && npm ci && /, "");
    const socket = `readme-${NONCE}`;
    const tmux = tmuxOn(socket);
    const script = join(project, "main-job.sh");
    await writeFile(script, `cd '${ROOT}'\n${main}\necho "GUIDE-EXIT=$?"\nsleep 600\n`);
    await exec("tmux", ["-L", socket, "new-session", "-d", "-s", "main", "-x", "120", "-y", "50", `sh '${script}'`], { env: env() });
    try {
      let screen = "";
      for (let i = 0, previous = ""; i < 80 && !/GUIDE-EXIT=\d+/.test(screen); i++, previous = screen) {
        await sleep(700);
        screen = (await tmux("capture-pane", "-p", "-J", "-S", "-2000", "-t", "main")).stdout;
        // A question that has waited a moment, unchanged: Enter takes its default (none while it builds).
        if (screen === previous && /^\? /m.test(screen) && !/^Building\.\.\./m.test(screen)) await tmux("send-keys", "-t", "main", "Enter");
      }
      expect(screen).toMatch(/^Machine: buildx /m);
      // The folder's name is the offered tag (and buildx prints plain lines, which the guide reads); after the build, where the image is.
      expect(screen).toContain(`cd ${join(ROOT, "examples/hello")} && docker buildx build --load --progress=plain --tag=hello:latest .`);
      expect(screen).toMatch(/^Built in \d+\.\ds\.\nIn the image store as (docker\.io\/library\/)?hello:latest \(sha256:[0-9a-f]{12}\)\./m);
      expect(screen).toMatch(/GUIDE-EXIT=0/);
    } finally {
      await tmux("kill-server").catch(() => {});
    }
  }, 120_000);

  afterAll(async () => {
    await rm(join(project ?? "/nonexistent", "out"), { recursive: true, force: true });
  });
});
