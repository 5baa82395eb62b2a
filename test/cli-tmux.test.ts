/**
 * `buildx-kit` in a real terminal (tmux, on a server of its own, 120x40), on Node, Deno and Bun:
 * the REPL's history (kept in $HOME/.buildx-kit_history, recalled with the Up arrow in a new
 * session), Ctrl-C (says how to leave, drops the line, keeps running; while a line builds, stops
 * the build and keeps running) and Ctrl-D (leaves, exit 0);
 * and the CLI's colour: on at a terminal, off with NO_COLOR or --no-color; the overview's
 * suggestion to try the guide.
 */
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { quoteArg as quote } from "../lib/core/shell.ts";
import { hasTmux, privateTmux, sleep } from "./support/tmux.ts";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, commandFor, PROJECT, type RuntimeName, RUNTIMES, tempDir } from "./fixtures/cli/support.ts";
import { fixture, leftovers, napSeconds, nonce, processes, waitFor } from "./fixtures/build/support.ts";
import { requireEngine } from "./support/engine.ts";

const engine = await requireEngine();

const NAMES = RUNTIMES.map(([name]) => name);
const PROMPT = "buildx-kit> ";

const { tmux, close } = privateTmux("cli");

afterAll(async () => {
  await close();
  await cleanup();
});

/** A command running in a tmux pane; after it exits the pane says `EXIT=<code>`. */
class Terminal {
  private constructor(readonly name: string) {}

  static async start(command: readonly string[], env: Record<string, string>, cwd = PROJECT): Promise<Terminal> {
    const name = `cli-${randomBytes(3).toString("hex")}`;
    const dir = await tempDir("tmux");
    const script = join(dir, "session.sh");
    const exports = Object.entries(env).map(([k, v]) => `export ${k}=${quote(v)}`);
    await writeFile(
      script,
      ["#!/bin/sh", "unset NO_COLOR FORCE_COLOR", ...exports, `cd ${quote(cwd)}`, command.map(quote).join(" "), 'echo "EXIT=$?"', "exec sleep 600", ""].join(
        "\n",
      ),
    );
    await tmux("-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", `sh ${quote(script)}`);
    return new Terminal(name);
  }

  /** The pane, scrollback included; with `escapes`, its colours as escape sequences. */
  async screen(escapes = false): Promise<string> {
    return (await tmux("capture-pane", "-p", "-J", ...(escapes ? ["-e"] : []), "-S", "-2000", "-t", this.name)).stdout;
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000, escapes = false): Promise<RegExpMatchArray> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen(escapes);
      const m = screen.match(pattern);
      if (m) return m;
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern} in ${this.name}; the screen:\n${screen}`);
      await sleep(100);
    }
  }

  /** Types text literally. */
  async type(text: string): Promise<void> {
    await tmux("send-keys", "-t", this.name, "-l", text);
  }

  /** Presses keys by name: Enter, Up, C-c, C-d. */
  async press(...keys: string[]): Promise<void> {
    for (const key of keys) {
      await tmux("send-keys", "-t", this.name, key);
      await sleep(50);
    }
  }

  /** The screen's last line holding a prompt, as shown. */
  async promptLine(): Promise<string> {
    return (await this.screen()).split("\n").filter((l) => l.startsWith(PROMPT)).at(-1) ?? "";
  }

  async exitCode(timeoutMs = 30_000): Promise<number> {
    return Number((await this.waitFor(/^EXIT=(\d+)$/m, timeoutMs))[1]);
  }

  async close(): Promise<void> {
    await tmux("kill-session", "-t", this.name).catch(() => {});
  }
}

/** A REPL in a terminal whose line is building fixtures/build/sleep, its RUN step running. */
async function replBuilding(rt: RuntimeName): Promise<{ t: Terminal; marker: string; nap: number }> {
  const marker = `repl-build-${nonce()}`;
  const nap = napSeconds();
  const t = await Terminal.start([...commandFor(rt), "repl"], { HOME: await tempDir("home") });
  await t.waitFor(/^buildx-kit> $/m);
  await t.type(`await build({ context: ${JSON.stringify(fixture("sleep"))}, buildArg: { NAP: "${nap}", NONCE: "${marker}" }, noCache: true })`);
  await t.press("Enter");
  // The RUN step is running: its sleep is in the process list.
  expect(await waitFor(async () => (await leftovers(marker, nap)).some((p) => / sleep /.test(` ${p} `)), 60_000)).toBe(true);
  return { t, marker, nap };
}

/** Counts the prompts on screen (each evaluated line leaves one behind). */
function prompts(screen: string): number {
  return screen.split("\n").filter((l) => l.startsWith(PROMPT)).length;
}

describe.skipIf(!hasTmux).each(NAMES)("in a real terminal, on %s", (rt: RuntimeName) => {
  it("the REPL: history kept in the file and recalled with Up; Ctrl-C stays; Ctrl-D leaves", async () => {
    const home = await tempDir("home");
    const history = join(home, ".buildx-kit_history");
    const t = await Terminal.start([...commandFor(rt), "repl"], { HOME: home });
    try {
      await t.waitFor(/^buildx-kit> $/m);
      await t.type("1+41");
      await t.press("Enter");
      await t.waitFor(/^buildx-kit> 1\+41\n42\n/m);
      // Results are coloured at a terminal (a number in yellow).
      await t.waitFor(/\x1b\[33m42\b/, 5_000, true);

      // Ctrl-C: the hint, the half-typed line dropped, the REPL still there.
      await t.type("abc");
      await t.waitFor(/^buildx-kit> abc$/m);
      await t.press("C-c");
      await t.waitFor(/^\(to leave, press Ctrl-D or type \.exit\)\nbuildx-kit> $/m);
      await t.type("2*3");
      await t.press("Enter");
      await t.waitFor(/^buildx-kit> 2\*3\n6\n/m);
      expect(await t.screen()).not.toMatch(/EXIT=/);

      // Ctrl-D leaves, exit 0, with both lines in the history file (not the dropped one).
      await t.waitFor(/^buildx-kit> $/m);
      await t.press("C-d");
      expect(await t.exitCode()).toBe(0);
      expect(await readFile(history, "utf8")).toBe("1+41\n2*3\n");
    } finally {
      await t.close();
    }

    // A new session recalls the history, newest first.
    const again = await Terminal.start([...commandFor(rt), "repl"], { HOME: home });
    try {
      await again.waitFor(/^buildx-kit> $/m);
      await again.press("Up");
      await again.waitFor(/^buildx-kit> 2\*3$/m);
      await again.press("Up");
      await again.waitFor(/^buildx-kit> 1\+41$/m);
      await again.press("Enter");
      await again.waitFor(/^buildx-kit> 1\+41\n42\n/m);
      expect(prompts(await again.screen())).toBe(2);
      await again.type(".exit");
      await again.press("Enter");
      expect(await again.exitCode()).toBe(0);
      expect(await readFile(history, "utf8")).toBe("1+41\n2*3\n1+41\n.exit\n");
    } finally {
      await again.close();
    }
  }, 60_000);

  it.skipIf(!engine.ok)("the REPL: Ctrl-C while a line builds stops the build (interrupted, nothing left running); the REPL goes on", async () => {
    const { t, marker, nap } = await replBuilding(rt);
    try {
      await t.press("C-c");
      await t.waitFor(/^Uncaught BuildError: docker buildx build interrupted by SIGINT$/m, 30_000);
      await t.waitFor(/^buildx-kit> $/m);
      expect(await waitFor(async () => (await leftovers(marker, nap)).length === 0, 15_000)).toBe(true);
      await t.type("6*7");
      await t.press("Enter");
      await t.waitFor(/^buildx-kit> 6\*7\n42\n/m);
      expect(await t.screen()).not.toMatch(/EXIT=/);
      await t.press("C-d");
      expect(await t.exitCode()).toBe(0);
    } finally {
      await t.close();
    }
  }, 120_000);

  it.skipIf(!engine.ok)("the REPL: closing the terminal while a line builds ends the REPL and the build, nothing left running", async () => {
    const repl = [...commandFor(rt), "repl"].join(" ");
    const { t, marker, nap } = await replBuilding(rt);
    try {
      expect((await processes()).some((p) => p.args.includes(repl))).toBe(true);
    } finally {
      // The window closes: the terminal hangs up on everything in it.
      await t.close();
    }
    expect(await waitFor(async () => (await leftovers(marker, nap)).length === 0, 20_000)).toBe(true);
    // Nor the REPL (the tests in this file run one at a time).
    expect(await waitFor(async () => !(await processes()).some((p) => p.args.includes(repl)), 10_000)).toBe(true);
  }, 120_000);

  it("the REPL's .guide: the guide has the terminal (its answers are not REPL lines); Ctrl-C in it returns to the REPL", async () => {
    const home = await tempDir("home");
    const t = await Terminal.start([...commandFor(rt), "repl"], { HOME: home });
    try {
      await t.waitFor(/^buildx-kit> $/m);
      await t.type(".guide");
      await t.press("Enter");
      await t.waitFor(/^\? Folder to build/m);
      await t.type("app");
      await t.press("Enter");
      await t.waitFor(/^\? Which Dockerfile\?/m);
      await t.press("C-c");
      await t.waitFor(/^Left the guide: nothing was written\.\nbuildx-kit> $/m);
      await t.type("2+2");
      await t.press("Enter");
      await t.waitFor(/^buildx-kit> 2\+2\n4\n/m);
      // "app" went to the guide, not to the REPL (no ReferenceError), and not into the history.
      expect(await t.screen()).not.toContain("Uncaught");
      await t.press("Up", "Up");
      await t.waitFor(/^buildx-kit> \.guide$/m);
      await t.press("C-u", "C-d");
      expect(await t.exitCode()).toBe(0);
      expect(await readFile(join(home, ".buildx-kit_history"), "utf8")).toBe(".guide\n2+2\n");
    } finally {
      await t.close();
    }
  }, 60_000);

  it("NO_COLOR turns the REPL's colours off", async () => {
    const t = await Terminal.start([...commandFor(rt), "repl"], { HOME: await tempDir("home"), NO_COLOR: "1" });
    try {
      await t.waitFor(/^buildx-kit> $/m);
      await t.type("1+41");
      await t.press("Enter");
      await t.waitFor(/^42$/m);
      expect(await t.screen(true)).not.toMatch(/\x1b\[3\dm/);
      await t.press("C-d");
      expect(await t.exitCode()).toBe(0);
    } finally {
      await t.close();
    }
  }, 30_000);

  it("the guide: colour at a terminal, not one escape with --no-color or NO_COLOR (an input, a select, an error, a checkbox)", async () => {
    /** The screens, escapes included, at each kind of prompt; then Ctrl-C. */
    const screens = async (args: readonly string[], env: Record<string, string>): Promise<string[]> => {
      const t = await Terminal.start([...commandFor(rt), ...args], env);
      try {
        const seen: string[] = [];
        await t.waitFor(/^\? Folder to build/m);
        await t.type("app");
        await t.press("Enter");
        await t.waitFor(/^\? Which Dockerfile\?.*\n.*Dockerfile/m);
        seen.push(await t.screen(true));
        await t.press("Enter");
        await t.waitFor(/^\? Image name and tag/m);
        await t.type("Not A Tag");
        await t.press("Enter");
        await t.waitFor(/^> /m);
        seen.push(await t.screen(true));
        await t.press("C-u", "Enter");
        // The builder question comes only when this machine has two builders or more that can build
        // (other test runs may add some for a while): Enter keeps the current one.
        const next = await t.waitFor(/^\? (Platforms to build for|Which builder to build on\?)(?![^]*^\? )/m);
        if (next[1] !== "Platforms to build for") await t.press("Enter");
        await t.waitFor(/^\? Platforms to build for/m);
        await t.press("Space");
        await t.waitFor(/^\u276f\u25c9 linux\/amd64$/m);
        seen.push(await t.screen(true));
        await t.press("C-c");
        expect(await t.exitCode()).toBe(130);
        return seen;
      } finally {
        await t.close();
      }
    };
    for (const screen of await screens(["guide"], {})) expect(screen).toMatch(/\x1b\[/);
    for (const [args, env] of [[["--no-color", "guide"], {}], [["guide"], { NO_COLOR: "1" }]] as const) {
      for (const screen of await screens(args, env)) expect(screen, `${args.join(" ")} ${JSON.stringify(env)}`).not.toMatch(/\x1b\[/);
    }
  }, 90_000);

  it("the CLI: colour at a terminal, none with NO_COLOR or --no-color; no arguments suggest the guide", async () => {
    const cli = commandFor(rt).map(quote).join(" ");
    const dir = await tempDir("colour");
    const script = join(dir, "colour.sh");
    await writeFile(
      script,
      [
        `${cli} bogus; echo "A=$?"`,
        `NO_COLOR=1 ${cli} bogus; echo "B=$?"`,
        `${cli} --no-color bogus; echo "C=$?"`,
        `${cli}`,
        "",
      ].join("\n"),
    );
    const t = await Terminal.start(["sh", script], {});
    try {
      expect(await t.exitCode()).toBe(0);
      const coloured = await t.screen(true);
      const lines = coloured.split("\n");
      const at = (marker: string) => lines[lines.findIndex((l) => l === marker) - 1] ?? "";
      expect(at("A=2")).toMatch(/^\x1b\[31merror:\x1b\[39m unknown command "bogus" \(buildx-kit --help lists them\)/);
      expect(at("B=2")).toBe('error: unknown command "bogus" (buildx-kit --help lists them)');
      expect(at("C=2")).toBe('error: unknown command "bogus" (buildx-kit --help lists them)');
      const plain = await t.screen();
      expect(plain).toMatch(/^usage: buildx-kit <command> \[options\]$/m);
      expect(plain).toMatch(/^Run "buildx-kit <command> --help" for a command's options\.\n\nNew here\? Try: buildx-kit guide\nEXIT=0$/m);
    } finally {
      await t.close();
    }
  }, 30_000);
});
