/**
 * The guide in a real terminal: tmux runs it (on Bun, Deno, and Node from a compiled build), the
 * test reads the screen and sends keys like a person, the build really runs against the engine,
 * and the recipe it saved is then rebuilt. Also: Ctrl-C leaves the terminal as it found it; the
 * builder question picks the second engine's builder and builds there; `?` at 80x24; a RUN step
 * that fails, its step and hint before the choice, then an answer changed and a build that works.
 *
 * The first journeys use this machine's own docker and buildx configuration, where other builders
 * may come and go (other test runs create some): the builder question is answered with Enter when
 * it comes. The new ones have a configuration of their own (DOCKER_CONFIG, BUILDX_CONFIG).
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
import { mkdir } from "node:fs/promises";
import { BASE_IMAGE, requireEngine, requireSecondEngine, SECOND_CONTEXT, SECOND_HOST } from "./support/engine.ts";

const exec = promisify(execFile);
const REPO = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(REPO, "node_modules", ".bin");
/** The guide as a user starts it. */
const ENTRY = ["scripts/cli.ts", "guide"];
/** A tmux server of our own, so nothing here touches anyone's sessions. */
const SOCKET = `buildx-kit-guide-${process.pid}`;

const engine = await requireEngine();
const second = await requireSecondEngine();
const tmux = tmuxOn(SOCKET);

/** A guide running in a tmux pane (120x40 unless told). */
class Terminal {
  private constructor(readonly name: string, readonly cwd: string) {}

  /** Starts `command` in `cwd` (with `env` added); after it exits, the pane says its exit code and whether the tty is sane. */
  static async start(command: string[], cwd: string, size: [number, number] = [120, 40], env: Record<string, string> = {}): Promise<Terminal> {
    const name = `guide-${randomBytes(3).toString("hex")}`;
    const script = join(cwd, ".guide-session.sh");
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const quoted = command.map(quote).join(" ");
    await writeFile(
      script,
      [
        "#!/bin/sh",
        `cd '${cwd}'`,
        ...Object.entries(env).map(([k, v]) => `export ${k}=${quote(v)}`),
        quoted,
        'echo "GUIDE-EXIT=$?"',
        "if stty -a | grep -qw -e '-icanon' -e '-echo'; then echo TTY=broken; else echo TTY=sane; fi",
        "exec sleep 600",
        "",
      ].join("\n"),
    );
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

  /**
   * Waits until the question on screen is one of `messages` (each the start of a question),
   * and says which; keys are not sent.
   */
  async either(...messages: string[]): Promise<string> {
    const escaped = messages.map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    const m = await this.waitFor(new RegExp(`^\\? (${escaped.join("|")}).*$(?![^]*^\\? )`, "m"));
    return messages.find((x) => m[1] === x)!;
  }

  /** Every visible line is at most `width` columns (lines the terminal wrapped count joined). */
  async fits(width: number, where: string, except: (line: string) => boolean = () => false): Promise<void> {
    for (const line of await this.visible()) {
      if (except(line)) continue;
      expect([...line].length, `${where}, ${width} columns: ${JSON.stringify(line)}`).toBeLessThanOrEqual(width);
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

/** The builder question, when this machine's builders make the guide ask it: Enter keeps the current one. */
async function currentBuilder(t: Terminal): Promise<void> {
  if ((await t.either("Which builder to build on?", "Platforms to build for")) === "Which builder to build on?") {
    await t.answer("Which builder to build on?", "{Enter}");
  }
}

/** The questions up to the destination: context app, its Dockerfile, the last stage, a tag, the current builder, no platforms. */
async function basics(t: Terminal, tag: string): Promise<void> {
  await t.answer("Folder to build", "app", "{Enter}");
  await t.answer("Which Dockerfile?", "{Enter}");
  await t.answer("Which stage to build?", "{Enter}");
  // Typing replaces the offered name (app:latest); Backspace first drops it: no name.
  await t.answer("Image name and tag", tag || "{BSpace}", "{Enter}");
  await currentBuilder(t);
  await t.answer("Platforms to build for", "{Enter}");
}

/**
 * A docker and buildx configuration of a test's own (this machine's is neither read nor changed):
 * only the default builder, or (`second`) also the context buildx-kit-second and an instance on it,
 * `second-inst`, which builds there from the default context.
 */
async function ownConfig(root: string, withSecond: boolean): Promise<Record<string, string>> {
  const env = { DOCKER_CONFIG: join(root, ".docker"), BUILDX_CONFIG: join(root, ".buildx") };
  await mkdir(join(env.BUILDX_CONFIG, "instances"), { recursive: true });
  await mkdir(env.DOCKER_CONFIG, { recursive: true });
  if (withSecond) {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !["DOCKER_HOST", "DOCKER_CONTEXT", "BUILDX_BUILDER"].includes(k)));
    await exec("docker", ["context", "create", SECOND_CONTEXT, "--docker", `host=${SECOND_HOST}`], { env: { ...clean, ...env } });
    await writeFile(
      join(env.BUILDX_CONFIG, "instances", "second-inst"),
      JSON.stringify({ Name: "second-inst", Driver: "", Nodes: [{ Name: "second-inst0", Endpoint: SECOND_CONTEXT }] }),
    );
  }
  return env;
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
    expect(screen).toMatch(
      new RegExp(`^Built in \\d+\\.\\ds\\.\\nPushed ${tag}@sha256:[0-9a-f]{64}\\n  see http://localhost:5000/v2/${repo0}/manifests/${ref0}$`, "m"),
    );
    const recipe = JSON.parse(await readFile(join(cwd, "bun.json"), "utf8"));
    expect(recipe.options).toEqual({ context: "app", buildArg: { GREETING: "from bun" }, push: true, tag: [tag] });
    // In the registry:
    const [repo, ref] = [tag.slice("localhost:5000/".length).split(":")[0], tag.split(":").pop()];
    const head = await fetch(`http://127.0.0.1:5000/v2/${repo}/manifests/${ref}`, {
      method: "HEAD",
      headers: {
        Accept:
          "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json",
      },
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
        ["", ""],
        ["Platforms to build for", "{Space}", "{Down}", "{Down}", "{Down}", "{Space}", "{Enter}"],
        ["Where should the image go?", "{Enter}"],
        ["Build arguments to set", "{Enter}"],
        ["More options?", "y", "{Enter}"],
        ["Which options?", "{Enter}"],
        ["What now?", "{C-c}"],
      ];
      for (const [question, ...keys] of steps) {
        if (!question) {
          // The builder question, if this machine's builders make the guide ask it.
          if ((await t.either("Which builder to build on?", "Platforms to build for")) === "Which builder to build on?") {
            await fits("Which builder to build on?");
            await t.answer("Which builder to build on?", "{Enter}");
          }
          continue;
        }
        await fits(question);
        await t.answer(question, ...keys);
      }
      expect(await t.exitCode(30_000)).toBe(130);
      await t.close();
    }, 90_000);
  }
});

describe.skipIf(!second.ok || !hasTmux)("guide in a real terminal: which builder", () => {
  it("on Node (compiled): picks the second engine's builder, plans with its platforms and image store, and builds there", async () => {
    const cwd = await workdir();
    dirs.push(cwd);
    const env = await ownConfig(cwd, true);
    await mkdir(join(cwd, "proj"));
    // The second engine has no base image with a shell: an image of one file.
    await writeFile(join(cwd, "proj", "Dockerfile"), "FROM scratch\nCOPY greeting.txt /greeting.txt\n");
    await writeFile(join(cwd, "proj", "greeting.txt"), "built on the second engine\n");
    const tag = `localhost:5000/guide/tmux-builder:${randomBytes(3).toString("hex")}`;
    images.push(tag);
    const t = await Terminal.start(runtime("node", ENTRY), cwd, [120, 40], env);
    terminals.push(t);
    await t.answer("Folder to build", "proj", "{Enter}");
    await t.answer("Which Dockerfile?", "{Enter}");
    await t.answer("Image name and tag", tag, "{Enter}");
    // Every builder buildx lists: the current one first and highlighted, the other context's disabled with why.
    await t.answer("Which builder to build on?");
    const question = (await t.screen()).slice((await t.screen()).lastIndexOf("? Which builder to build on?"));
    expect(question).toMatch(/^❯ default \(current\) · docker · linux\/amd64, linux\/amd64\/v2, linux\/amd64\/v3$/m);
    expect(question).toMatch(/^ {2}second-inst · docker · linux\/amd64, linux\/amd64\/v2 \+2 more$/m);
    expect(question).toMatch(/^- buildx-kit-second · docker · .* \(only from its docker context\)$/m);
    await t.answer("Which builder to build on?", "{Down}", "{Enter}");
    // Probed again for the one chosen: its machine line, and its own platforms (linux/386) offered as such.
    await t.waitFor(/^Machine: buildx \S+ · docker driver \(builder second-inst\) · classic image\s+store/m);
    await t.answer("Platforms to build for");
    expect(await t.screen()).toMatch(/^ ◯ linux\/386$/m);
    await t.answer("Platforms to build for", "{Enter}");
    await t.answer("Where should the image go?", "{Enter}");
    await t.answer("More options?", "{Enter}");
    await t.answer("What now?", "{Enter}");
    const screen = await finished(t);
    expect(screen).toContain(`docker buildx build --builder=second-inst --load --progress=plain --tag=${tag} proj`);
    expect(screen).toMatch(new RegExp(`^In the image store as ${tag.replace(/[.]/g, "\\.")} \\(sha256:[0-9a-f]{12}\\)\\.$`, "m"));
    // On the second engine, not on this one.
    const on = async (hostSocket: string) => exec("docker", ["--host", hostSocket, "image", "inspect", tag]).then(() => true, () => false);
    expect({ second: await on(SECOND_HOST), main: await on("unix:///var/run/docker.sock") }).toEqual({ second: true, main: false });
    await exec("docker", ["--host", SECOND_HOST, "image", "rm", tag]).catch(() => {});
    await t.close();
  }, 240_000);

  it("? at 80x24: the long help of an input, the builder question and a checkbox, each asked again; no line wider than 80", async () => {
    const cwd = await workdir();
    dirs.push(cwd);
    const env = await ownConfig(cwd, true);
    const t = await Terminal.start(runtime("bun", ENTRY), cwd, [80, 24], env);
    terminals.push(t);
    await t.answer("Folder to build", "app", "{Enter}");
    await t.answer("Which Dockerfile?", "{Enter}");
    await t.answer("Which stage to build?", "{Enter}");
    // An input: ? and Enter, then the same question with its default.
    await t.answer("Image name and tag", "?", "{Enter}");
    await t.waitFor(
      /^More about "Image name and tag":\n {2}--tag \(-t\): Image identifier \(format: \[registry\/\]repository\[:tag\]\)\.\n {2}For example: app:1\.0\n/m,
    );
    await t.waitFor(/only\.\n\? Image name and tag {2}\(--tag\) \(app:latest\)$/m);
    await t.fits(80, "the tag's long help");
    await t.answer("Image name and tag", "{Enter}");
    // A select: the key ? (named in its line of keys), the question erased, then asked again.
    await t.answer("Which builder to build on?");
    expect(await t.screen()).toMatch(/^↑↓ navigate • ⏎ select • \? more$/m);
    await t.answer("Which builder to build on?", "?");
    await t.waitFor(
      /^More about "Which builder to build on":\n {2}--builder: Override the configured builder instance\.\n {2}Added in buildx 0\.4\.0\. For example: default\n/m,
    );
    await t.waitFor(/^ {2}buildx-kit-second cannot build from here \(only from its docker context\)\.$/m);
    await t.waitFor(/^\? Which builder to build on\? {2}\(--builder\)\n❯ default \(current\)/m);
    await t.fits(80, "the builder's long help");
    // Asked once more, not twice: the first question was erased.
    expect((await t.screen()).match(/^\? Which builder to build on\?/gm)).toHaveLength(1);
    await t.answer("Which builder to build on?", "{Enter}");
    // A checkbox.
    await t.answer("Platforms to build for", "?");
    await t.waitFor(/^More about "Platforms to build for":\n {2}--platform: Set target platforms for the build\.\n/m);
    await t.waitFor(/^\? Platforms to build for {2}\(--platform\)\n❯◯ linux\/amd64$/m);
    await t.fits(80, "the platforms' long help");
    await t.answer("Platforms to build for", "{C-c}");
    expect(await t.exitCode(30_000)).toBe(130);
    await t.close();
  }, 120_000);
});

describe.skipIf(!engine.ok || !hasTmux)("guide in a real terminal: a build that fails", () => {
  it("at 80x24 on Bun: a RUN that fails, the step and the hint right before the choice; another stage, run again, built", async () => {
    const cwd = await workdir();
    dirs.push(cwd);
    const env = await ownConfig(cwd, false);
    await mkdir(join(cwd, "fails"));
    await writeFile(join(cwd, "fails", "Dockerfile"), `FROM ${BASE_IMAGE} AS good\nRUN echo ok > /ok.txt\n\nFROM good AS broken\nRUN exit 3\n`);
    const tag = `localhost:5000/guide/tmux-fails:${randomBytes(3).toString("hex")}`;
    images.push(tag);
    const t = await Terminal.start(runtime("bun", ENTRY), cwd, [80, 24], env);
    terminals.push(t);
    await t.answer("Folder to build", "fails", "{Enter}");
    await t.answer("Which Dockerfile?", "{Enter}");
    await t.answer("Which stage to build?", "{Enter}");
    await t.answer("Image name and tag", tag, "{Enter}");
    await t.answer("Platforms to build for", "{Enter}");
    await t.answer("Where should the image go?", "{Enter}");
    await t.answer("More options?", "{Enter}");
    await t.answer("What now?", "{Enter}");
    // buildx's own lines above (plain, at a terminal too), then what failed and the hint, then the choice.
    await t.waitFor(
      /^ERROR: failed to solve: process "\/bin\/sh -c exit 3" did not complete successfully: exit code: 3\n\nThe build failed at \[broken \d\/\d\] RUN exit 3\.\nHint: the command exited with code 3; the step's own output says why\n\? What now\?\n❯ change an answer and run again$/m,
      120_000,
    );
    // The guide's own two lines fit (buildx's lines above are buildx's).
    await t.fits(80, "after the failed build", (line) => !/^(The build failed|Hint:)/.test(line));
    await t.answer("What now?", "{Enter}");
    await t.answer("Which answer?", "{Down}", "{Down}", "{Enter}");
    await t.answer("Which stage to build?", "{Down}", "{Enter}");
    await t.answer("What now?", "{Down}", "{Enter}");
    const screen = await finished(t);
    expect(screen).toContain(`docker buildx build --load --progress=plain --tag=${tag} --target=good fails`);
    // (The guide wraps its own lines to the 80 columns.)
    expect(screen).toMatch(new RegExp(`^Built in \\d+\\.\\ds\\.\\nIn the image store as ${tag.replace(/[.]/g, "\\.")}\\s+\\(sha256:[0-9a-f]{12}\\)\\.$`, "m"));
    expect((await exec("docker", ["run", "--rm", tag, "cat", "/ok.txt"], { timeout: 60_000 })).stdout).toBe("ok\n");
    await t.close();
  }, 240_000);
});
