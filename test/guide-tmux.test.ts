/**
 * The guide in a real terminal: tmux runs it (on Bun, Deno, and Node from a compiled build), the
 * test reads the screen and sends keys like a person, the build really runs against the engine,
 * and the recipe it saved is then rebuilt. Also: Ctrl-C leaves the terminal as it found it.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { hasTmux, sleep, tmuxOn } from "./support/tmux.ts";
import { afterAll, describe, expect, it } from "vitest";
import { workdir } from "./fixtures/guide/fake.ts";
import { requireEngine } from "./support/engine.ts";

const exec = promisify(execFile);
const REPO = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(REPO, "node_modules", ".bin");
/** The guide as a user starts it. */
const ENTRY = ["scripts/cli.ts", "guide"];
/** A tmux server of our own, so nothing here touches anyone's sessions. */
const SOCKET = `buildx-kit-guide-${process.pid}`;

const engine = await requireEngine();
const tmux = tmuxOn(SOCKET);

/** A guide running in a tmux pane (120x40 unless told). */
class Terminal {
  private constructor(readonly name: string, readonly cwd: string) {}

  /** Starts `command` in `cwd`; after it exits, the pane says its exit code and whether the tty is sane. */
  static async start(command: string[], cwd: string, size: [number, number] = [120, 40]): Promise<Terminal> {
    const name = `guide-${randomBytes(3).toString("hex")}`;
    const script = join(cwd, ".guide-session.sh");
    const quoted = command.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    await writeFile(script, [
      "#!/bin/sh",
      `cd '${cwd}'`,
      quoted,
      'echo "GUIDE-EXIT=$?"',
      "if stty -a | grep -qw -e '-icanon' -e '-echo'; then echo TTY=broken; else echo TTY=sane; fi",
      "exec sleep 600",
      "",
    ].join("\n"));
    const conf = join(cwd, ".guide-tmux.conf");
    await writeFile(conf, "set -g history-limit 20000\n");
    await tmux("-f", conf, "new-session", "-d", "-s", name, "-x", String(size[0]), "-y", String(size[1]), `sh '${script}'`);
    return new Terminal(name, cwd);
  }

  /** The whole pane, scrollback included, wrapped lines joined. */
  async screen(): Promise<string> {
    return (await tmux("capture-pane", "-p", "-J", "-S", "-20000", "-t", this.name)).stdout;
  }

  /** The visible pane only, lines the terminal wrapped joined again (so a wrapped line is longer than the width). */
  async visible(): Promise<string[]> {
    return (await tmux("capture-pane", "-p", "-J", "-t", this.name)).stdout.split("\n");
  }

  /** Polls the screen until `pattern` shows, or fails with the screen after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      const m = screen.match(pattern);
      if (m) return m;
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern} in ${this.name}; the screen:\n${screen}`);
      await sleep(150);
    }
  }

  /** Waits for the prompt whose message starts with `message`, then sends the keys (text is typed, `{Key}` pressed). */
  async answer(message: string, ...keys: string[]): Promise<void> {
    const escaped = message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    await this.waitFor(new RegExp(`^\\? ${escaped}.*$(?![^]*^\\? )`, "m"));
    for (const key of keys.filter(Boolean)) {
      const named = /^\{(.+)\}$/.exec(key);
      if (named) await tmux("send-keys", "-t", this.name, named[1]!);
      else await tmux("send-keys", "-t", this.name, "-l", key);
      await sleep(60);
    }
  }

  async exitCode(timeoutMs = 180_000): Promise<number> {
    return Number((await this.waitFor(/^GUIDE-EXIT=(\d+)$/m, timeoutMs))[1]);
  }

  async cursorVisible(): Promise<boolean> {
    return (await tmux("display", "-p", "-t", this.name, "#{cursor_flag}")).stdout.trim() === "1";
  }

  async close(): Promise<void> {
    await tmux("kill-session", "-t", this.name).catch(() => {});
  }
}

const terminals: Terminal[] = [];
const images: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const t of terminals) await t.close();
  if (images.length) await exec("docker", ["rmi", "-f", ...images]).catch(() => {});
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** How each runtime runs a TypeScript entry (Node runs the compiled command, dist/cli/, as npx does). */
function runtime(name: "bun" | "deno" | "node", entry: string[]): string[] {
  const [file, ...args] = entry;
  if (name === "bun") return [join(BIN, "bun"), join(REPO, file!), ...args];
  if (name === "deno") return [join(BIN, "deno"), "run", "-A", join(REPO, file!), ...args];
  return ["node", join(REPO, "dist", "cli", file!.replace(/\.ts$/, ".js")), ...args];
}

/** Rebuilds a recipe with `buildx-kit run`, from another folder than the guide's. */
async function rebuild(name: "bun" | "deno" | "node", recipe: string): Promise<string> {
  const command = runtime(name, ["scripts/cli.ts", "run", recipe]);
  const { stdout, stderr } = await exec(command[0]!, command.slice(1), { cwd: tmpdir(), timeout: 180_000 });
  return stdout + stderr;
}

/** The questions up to the destination: context app, its Dockerfile, the last stage, a tag, no platforms. */
async function basics(t: Terminal, tag: string): Promise<void> {
  await t.answer("Folder to build", "app", "{Enter}");
  await t.answer("Which Dockerfile?", "{Enter}");
  await t.answer("Which stage to build?", "{Enter}");
  // Typing replaces the offered name (app:latest); Backspace first drops it: no name.
  await t.answer("Image name and tag", tag || "{BSpace}", "{Enter}");
  await t.answer("Platforms to build for", "{Enter}");
}

/** From the build args to the end: set GREETING, no more options, save as `recipe` and run. */
async function saveAndRun(t: Terminal, greeting: string, recipe: string): Promise<void> {
  await t.answer("Build arguments to set", "{Down}", "{Space}", "{Enter}");
  await t.answer("GREETING =", "{C-u}", greeting, "{Enter}");
  await t.answer("More options?", "{Enter}");
  await t.answer("What now?", "{Down}", "{Down}", "{Enter}");
  await t.answer("Save the recipe as", recipe, "{Enter}");
  await t.answer("A description", `guided in a terminal: ${greeting}`, "{Enter}");
}

async function finished(t: Terminal): Promise<string> {
  expect(await t.exitCode()).toBe(0);
  const screen = await t.screen();
  expect(screen).toMatch(/^TTY=sane$/m);
  expect(await t.cursorVisible()).toBe(true);
  return screen;
}

async function imageSays(tag: string): Promise<string> {
  return (await exec("docker", ["run", "--rm", tag], { timeout: 60_000 })).stdout;
}

describe.skipIf(!engine.ok || !hasTmux)("guide in a real terminal", () => {
  it("on Bun: pushes to the registry, saves the recipe, which rebuilds", async () => {
    const cwd = await workdir();
    dirs.push(cwd);
    const tag = `localhost:5000/guide/tmux-bun:${randomBytes(3).toString("hex")}`;
    images.push(tag);
    const t = await Terminal.start(runtime("bun", ENTRY), cwd);
    terminals.push(t);
    await basics(t, tag);
    // Said before the first question, or (when the probe is slower than the first answer) right after it.
    // (The guide wraps its own lines to the terminal.)
    await t.waitFor(/^Machine: buildx \S+ · docker driver[^]*platforms\s+linux\/amd64/m);
    await t.answer("Where should the image go?", "{Down}", "{Enter}");
    await saveAndRun(t, "from bun", "bun.json");
    const screen = await finished(t);
    expect(screen).toContain("Note: Pushed only: the image will not be in this machine's image store.");
    expect(screen).toContain("Saved bun.json. Rebuild it with: buildx-kit run bun.json");
    // Where it went: the name and digest, and the registry's URL.
    const [repo0, ref0] = [tag.slice("localhost:5000/".length).split(":")[0], tag.split(":").pop()];
    expect(screen).toMatch(new RegExp(`^Built in \\d+\\.\\ds\\.\\nPushed ${tag}@sha256:[0-9a-f]{64}\\n  see http://localhost:5000/v2/${repo0}/manifests/${ref0}$`, "m"));
    const recipe = JSON.parse(await readFile(join(cwd, "bun.json"), "utf8"));
    expect(recipe.options).toEqual({ context: "app", buildArg: { GREETING: "from bun" }, push: true, tag: [tag] });
    // In the registry:
    const [repo, ref] = [tag.slice("localhost:5000/".length).split(":")[0], tag.split(":").pop()];
    const head = await fetch(`http://127.0.0.1:5000/v2/${repo}/manifests/${ref}`, {
      method: "HEAD",
      headers: { Accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json" },
    });
    expect(head.status).toBe(200);
    expect(await rebuild("bun", join(cwd, "bun.json"))).toMatch(new RegExp(`rebuilt ${tag} sha256:[0-9a-f]{64}|${tag}`));
    await t.close();
  }, 240_000);

  it("on Deno: loads into the image store with a build arg, saves the recipe, which rebuilds", async () => {
    const cwd = await workdir();
    dirs.push(cwd);
    const tag = `localhost:5000/guide/tmux-deno:${randomBytes(3).toString("hex")}`;
    images.push(tag);
    const t = await Terminal.start(runtime("deno", ENTRY), cwd);
    terminals.push(t);
    await basics(t, tag);
    await t.answer("Where should the image go?", "{Enter}");
    await saveAndRun(t, "from deno", "deno.json");
    const screen = await finished(t);
    expect(screen).toContain("Saved deno.json.");
    expect(screen).toMatch(new RegExp(`^In the image store as ${tag} \\(sha256:[0-9a-f]{12}\\)\\.\\n  Run it: docker run --rm ${tag}$`, "m"));
    expect(await imageSays(tag)).toBe("from deno\narch amd64\n");
    await exec("docker", ["rmi", tag]);
    await rebuild("deno", join(cwd, "deno.json"));
    expect(await imageSays(tag)).toBe("from deno\narch amd64\n");
    await t.close();
  }, 240_000);

  it("on Node (compiled): writes a local folder, saves the recipe in a new folder, which rebuilds from anywhere", async () => {
    const cwd = await workdir();
    dirs.push(cwd);
    const t = await Terminal.start(runtime("node", ENTRY), cwd);
    terminals.push(t);
    await basics(t, "");
    await t.answer("Where should the image go?", "{Down}", "{Down}", "{Down}", "{Enter}");
    await t.answer("Folder to write the files to", "{Enter}");
    await t.waitFor(/Note: Files only: writing the result as files neither pushes the image nor loads it into the image store\./);
    await saveAndRun(t, "from node", "recipes/local.json");
    const screen = await finished(t);
    // Where it went: the folder and its first entries.
    expect(screen).toMatch(/^The files are in out\/: bin\/, .*, and \d+ more\.$/m);
    expect(await readFile(join(cwd, "out", "greeting.txt"), "utf8")).toBe("from node\narch amd64\n");
    const recipe = JSON.parse(await readFile(join(cwd, "recipes", "local.json"), "utf8"));
    // Relative to the recipe's folder, where it is rebuilt.
    expect(recipe.options).toEqual({ context: "../app", buildArg: { GREETING: "from node" }, output: "type=local,dest=../out" });
    await rm(join(cwd, "out"), { recursive: true });
    await rebuild("node", join(cwd, "recipes", "local.json"));
    expect(await readFile(join(cwd, "out", "greeting.txt"), "utf8")).toBe("from node\narch amd64\n");
    await t.close();
  }, 240_000);

  it("Ctrl-C mid-way: exit 130, nothing written, the terminal sane and the cursor back", async () => {
    const cwd = await workdir();
    dirs.push(cwd);
    const t = await Terminal.start(runtime("bun", ENTRY), cwd);
    terminals.push(t);
    await basics(t, "localhost:5000/guide/never:1");
    await t.answer("Where should the image go?", "{C-c}");
    expect(await t.exitCode(30_000)).toBe(130);
    const screen = await t.screen();
    expect(screen).toContain("Left the guide: nothing was written.");
    expect(screen).toMatch(/^TTY=sane$/m);
    expect(await t.cursorVisible()).toBe(true);
    expect((await readdir(cwd)).filter((f) => !f.startsWith(".guide-")).sort()).toEqual(["app", "bare"]);
    await t.close();
  }, 60_000);

  for (const [width, height] of [[80, 24], [160, 50]] as [number, number][]) {
    it(`at ${width}x${height}, no line of a question screen is wider than the terminal`, async () => {
      const cwd = await workdir();
      dirs.push(cwd);
      const t = await Terminal.start(runtime("bun", ENTRY), cwd, [width, height]);
      terminals.push(t);
      const fits = async (question: string) => {
        await t.answer(question);
        for (const line of await t.visible()) {
          // The command is printed whole, to copy: the only line allowed to wrap.
          if (line.startsWith("  cd ")) continue;
          expect([...line].length, `at "${question}", ${width} columns: ${JSON.stringify(line)}`).toBeLessThanOrEqual(width);
        }
      };
      const steps: [string, ...string[]][] = [
        ["Folder to build", "app", "{Enter}"],
        ["Which Dockerfile?", "{Enter}"],
        ["Which stage to build?", "{Down}", "{Enter}"],
        ["Image name and tag", "localhost:5000/guide/width:1", "{Enter}"],
        ["Platforms to build for", "{Space}", "{Down}", "{Down}", "{Down}", "{Space}", "{Enter}"],
        ["Where should the image go?", "{Enter}"],
        ["Build arguments to set", "{Enter}"],
        ["More options?", "y", "{Enter}"],
        ["Which options?", "{Enter}"],
        ["What now?", "{C-c}"],
      ];
      for (const [question, ...keys] of steps) {
        await fits(question);
        await t.answer(question, ...keys);
      }
      expect(await t.exitCode(30_000)).toBe(130);
      await t.close();
    }, 90_000);
  }
});
