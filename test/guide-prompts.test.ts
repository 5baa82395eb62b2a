/**
 * The guide with the real @inquirer/prompts, each prompt rendered by @inquirer/testing: keys are
 * pressed, and what the person sees (live hints, validation messages, disabled choices with the
 * version they need, defaults) is read off the screen. Select, checkbox and confirm are wrapped as
 * the guide wraps them (`helpKeyPrompt`), so the key `?` is the real one.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checkbox, confirm, input, select } from "@inquirer/prompts";
import { render } from "@inquirer/testing";
import { describe, expect, it } from "vitest";
import type { Capabilities } from "../lib/core/capabilities.ts";
import { guideCommand, type GuideIO, type GuidePrompts, helpKeyPrompt, type InquirerPrompt } from "../lib/guide/flow.ts";
import { shellCommand } from "../lib/runtime/spawn.ts";
import { builder, CLASSIC, machine, MODERN, OLD, ONE_BUILDER, Screen, TWO_BUILDERS, workdir } from "./fixtures/guide/fake.ts";

type Key = string | { name?: string; ctrl?: boolean };

/** What a driver can do at one prompt. */
interface UI {
  /** The prompt as drawn now, without colours. */
  screen(): string;
  /** The same with the lines the 80-column screen wrapped joined again. */
  flat(): string;
  /** Everything the prompt wrote, escape sequences included. */
  raw(): string;
  type(text: string): Promise<void>;
  /** Waits (up to 2 s) until the prompt shows `text`: an async validation may take a moment on a busy machine. */
  shows(text: string): Promise<void>;
  press(...keys: Key[]): Promise<void>;
}

/** One expected prompt: its kind, the start of its message, and the keys pressed there. */
interface Turn {
  readonly kind: "input" | "select" | "checkbox" | "confirm";
  readonly message: string;
  readonly keys: (ui: UI) => Promise<void>;
}

const tick = () => new Promise((r) => setTimeout(r, 5));

/** Real prompts, each rendered in memory and driven by the next turn. */
function rendered(turns: Turn[]): GuidePrompts & { left: () => number } {
  const queue = [...turns];
  const drive = async <T>(kind: Turn["kind"], prompt: unknown, config: { message: string }): Promise<T> => {
    const turn = queue.shift();
    if (!turn) throw new Error(`unexpected ${kind} ${JSON.stringify(config.message)}: no turns left`);
    if (turn.kind !== kind || !config.message.startsWith(turn.message)) {
      throw new Error(`expected ${turn.kind} ${JSON.stringify(turn.message)}, got ${kind} ${JSON.stringify(config.message)}`);
    }
    // deno-lint-ignore no-explicit-any
    const r = await render(prompt as any, config as any);
    // Ctrl-C rejects while keys are still being pressed: handled below, not "unhandled" meanwhile.
    r.answer.catch(() => {});
    const ui: UI = {
      screen: () => r.getScreen(),
      flat: () => r.getScreen().replace(/ ?\n/g, " "),
      raw: () => r.getFullOutput(),
      shows: async (text) => {
        for (let i = 0; i < 400 && !r.getScreen().includes(text); i++) await tick();
        expect(r.getScreen()).toContain(text);
      },
      type: async (text) => {
        r.events.type(text);
        await tick();
      },
      press: async (...keys) => {
        for (const key of keys) {
          r.events.keypress(key);
          await tick();
        }
      },
    };
    await turn.keys(ui);
    return (await r.answer) as T;
  };
  // As the guide's own prompts are: the key ? ends a select, checkbox or confirm asked with helpKey.
  const plain = { color: false };
  return {
    left: () => queue.length,
    input: (q) => drive("input", input, q),
    select: (q) => drive("select", helpKeyPrompt(select as InquirerPrompt<unknown>, plain), q),
    checkbox: (q) => drive("checkbox", helpKeyPrompt(checkbox as InquirerPrompt<unknown>, plain), q),
    confirm: (q) => drive("confirm", helpKeyPrompt(confirm as InquirerPrompt<boolean>, plain), q),
  };
}

async function run(turns: Turn[], caps: Capabilities, args: string[] = [], cwd?: string, io: Partial<GuideIO> = {}) {
  const dir = cwd ?? (await workdir());
  const screen = new Screen();
  const prompts = rendered(turns);
  const code = await guideCommand(args, { prompts, cwd: dir, output: screen, env: {}, probe: async () => caps, builders: async () => ONE_BUILDER, ...io });
  expect(prompts.left(), "every turn was taken").toBe(0);
  return { code, text: screen.text, cwd: dir };
}

const enter = (ui: UI) => ui.press("enter");

describe("guide with the real prompts", () => {
  it("shows live hints, validation messages and disabled choices, and takes keys", async () => {
    const j = await run([
      {
        kind: "input",
        message: "Folder to build",
        keys: async (ui) => {
          expect(ui.screen()).toBe("? Folder to build  (build context) (.)");
          await ui.type("nowhere");
          await ui.press("enter");
          expect(ui.screen()).toMatch(/^\? Folder to build  \(build context\) nowhere\n> there is no folder nowhere in \/.*buildx-kit-guide-/);
          await ui.press({ name: "u", ctrl: true });
          await ui.type("app");
          await ui.press("enter");
        },
      },
      {
        kind: "select",
        message: "Which Dockerfile?",
        keys: async (ui) => {
          expect(ui.screen()).toContain("❯ Dockerfile\n  Dockerfile.dev\n  another file...");
          await ui.press("enter");
        },
      },
      {
        kind: "select",
        message: "Which stage to build?",
        keys: async (ui) => {
          expect(ui.screen()).toContain("❯ the last stage (runtime)\n  deps\n  test\n  runtime");
          expect(ui.screen()).toContain("what buildx builds without --target");
          await ui.press("down");
          expect(ui.screen()).toContain("FROM ${BASE}, line 5");
          await ui.press("enter");
        },
      },
      {
        kind: "input",
        message: "Image name and tag",
        keys: async (ui) => {
          // The context folder's name is offered.
          expect(ui.screen()).toBe("? Image name and tag  (--tag) (app:latest)");
          await ui.type("Bad:Tag");
          // Checked as typed, before Enter.
          expect(ui.flat()).toBe("? Image name and tag  (--tag) Bad:Tag  ✗ Bad:Tag has upper-case letters in the repository name (they must be lower-case)");
          await ui.press("enter");
          expect(ui.flat()).toContain('> "Bad:Tag" has upper-case letters in the repository name (they must be lower-case)');
          await ui.press({ name: "u", ctrl: true });
          await ui.type("localhost:5000/guide/r:1");
          expect(ui.screen()).not.toContain("✗");
          await ui.press("enter");
        },
      },
      {
        kind: "checkbox",
        message: "Platforms to build for",
        keys: async (ui) => {
          expect(ui.screen()).toContain("linux/arm64 (not this builder's own: emulated, slower)");
          await ui.press("space", "down", "down", "down", "space");
          expect(ui.screen()).toMatch(/◉ linux\/amd64\n.*\n.*\n.*◉ linux\/arm64/);
          await ui.press("enter");
        },
      },
      {
        kind: "select",
        message: "Where should the image go?",
        keys: async (ui) => {
          // Several platforms on the classic store: push is the default; both needs a newer buildx.
          expect(ui.screen()).toContain("❯ push to a registry");
          expect(ui.screen()).toContain("- load and push needs buildx 0.13.0+ (this is 0.9.1)");
          // Two platforms: load says it will not fit here (the description of the choice under the cursor).
          await ui.press("up");
          expect(ui.flat()).toContain("2 platforms do not fit the classic image store here: push, or write an OCI layout");
          await ui.press("down");
          await ui.press("up", "enter");
        },
      },
      {
        kind: "select",
        message: "2 platforms cannot be loaded here. Instead:",
        keys: async (ui) => {
          expect(ui.screen()).toContain("❯ push to a registry\n  write an OCI layout\n  choose other platforms");
          await ui.press("down", "enter");
        },
      },
      { kind: "input", message: "File for the OCI layout", keys: enter },
      {
        kind: "checkbox",
        message: "Build arguments to set",
        keys: async (ui) => {
          // The deps stage reads the global ARGs and its own, not those of the other stages.
          expect(ui.screen()).toContain('BASE (default: "local/busybox:1")');
          expect(ui.screen()).toContain('DEPS_MODE (default: "fast")');
          expect(ui.screen()).not.toContain("TEST_FLAGS");
          expect(ui.screen()).toContain("ARG before the first FROM of app/Dockerfile");
          await ui.press("down", "down");
          expect(ui.screen()).toContain("ARG in stage deps of app/Dockerfile");
          await ui.press("enter");
        },
      },
      {
        kind: "confirm",
        message: "More options?",
        keys: async (ui) => {
          expect(ui.screen()).toContain("(y/N)");
          await ui.type("y");
          await ui.press("enter");
        },
      },
      {
        kind: "checkbox",
        message: "Which options?",
        keys: async (ui) => {
          expect(ui.screen()).toContain("- Annotations on the image  (--annotation) needs buildx 0.12.0+ (this is 0.9.1)");
          // The flag's own help is the description of the option under the cursor.
          expect(ui.screen()).toContain("Add custom host-to-IP mappings (host:ip).");
          await ui.press("down", "down", "down", "down", "down", "down", "down");
          await ui.press("space");
          expect(ui.screen()).toContain("◉ Build everything again, without cache?  (--no-cache)");
          expect(ui.screen()).toContain("Do not use cache when building the image.");
          await ui.press("enter");
        },
      },
      {
        kind: "confirm",
        message: "Build everything again",
        keys: async (ui) => {
          expect(ui.screen()).toContain("(Y/n)");
          await ui.press("enter");
        },
      },
      {
        kind: "select",
        message: "What now?",
        keys: async (ui) => {
          expect(ui.screen()).toContain("❯ run it now");
          await ui.press("down", "down", "down");
          expect(ui.screen()).toContain("❯ print the command only");
          await ui.press("enter");
        },
      },
    ], OLD);
    expect(j.code).toBe(0);
    expect(j.text).toContain(
      "  Problem: This machine's image store (the classic one) holds one platform per image, so 2 platforms cannot be loaded into it.",
    );
    // Each question's help came right before it.
    expect(j.text).toContain("  NAME:TAG; several: separated by spaces. Backspace, Enter: no name.\n");
    expect(j.text).toContain(shellCommand([
      "docker",
      "buildx",
      "build",
      "--no-cache",
      "--output=type=oci,dest=image-oci.tar",
      "--platform=linux/amd64,linux/arm64",
      "--progress=plain",
      "--tag=localhost:5000/guide/r:1",
      "--target=deps",
      "app",
    ]));
  });

  it("? at an input, a select, a checkbox and a confirm: the question goes, the long help comes, the same question again with its default", async () => {
    /** Inquirer's end of a prompt erased (eraseLines, then the cursor shown), not left with its answer. */
    const ERASED = "\x1b[2K\x1b[G\x1b[?25h";
    const j = await run([
      {
        kind: "input",
        message: "Folder to build",
        keys: async (ui) => {
          await ui.type("?");
          // Not refused, not hinted at: a question mark asks for more.
          expect(ui.screen()).toBe("? Folder to build  (build context) ?");
          await ui.press("enter");
        },
      },
      {
        kind: "input",
        message: "Folder to build",
        keys: async (ui) => {
          expect(ui.screen()).toBe("? Folder to build  (build context) (.)");
          await ui.type("app");
          await ui.press("enter");
        },
      },
      {
        kind: "select",
        message: "Which Dockerfile?",
        keys: async (ui) => {
          // The line of keys names ?.
          expect(ui.screen()).toContain("↑↓ navigate • ⏎ select • ? more");
          await ui.press("down");
          await ui.type("?");
          expect(ui.raw().endsWith(ERASED)).toBe(true);
        },
      },
      {
        kind: "select",
        message: "Which Dockerfile?",
        keys: async (ui) => {
          // Asked again at its default, not where the cursor was.
          expect(ui.screen()).toContain("❯ Dockerfile\n  Dockerfile.dev");
          await ui.press("enter");
        },
      },
      { kind: "select", message: "Which stage to build?", keys: enter },
      { kind: "input", message: "Image name and tag", keys: enter },
      {
        kind: "checkbox",
        message: "Platforms to build for",
        keys: async (ui) => {
          expect(ui.screen()).toContain("↑↓ navigate • space select • a all • i invert • ⏎ submit • ? more");
          await ui.press("space");
          await ui.press({ name: "?", sequence: "?" } as Key);
          expect(ui.raw().endsWith(ERASED)).toBe(true);
        },
      },
      {
        kind: "checkbox",
        message: "Platforms to build for",
        keys: async (ui) => {
          // Its default again: what was ticked before the ? is not kept (Inquirer tells no one).
          expect(ui.screen()).toContain("❯◯ linux/amd64\n");
          await ui.press("enter");
        },
      },
      { kind: "select", message: "Where should the image go?", keys: enter },
      { kind: "checkbox", message: "Build arguments to set", keys: enter },
      {
        kind: "confirm",
        message: "More options?",
        keys: async (ui) => {
          await ui.type("?");
          expect(ui.raw().endsWith(ERASED)).toBe(true);
        },
      },
      {
        kind: "confirm",
        message: "More options?",
        keys: async (ui) => {
          expect(ui.screen()).toBe("? More options? (y/N)");
          await ui.press("enter");
        },
      },
      {
        kind: "select",
        message: "What now?",
        keys: async (ui) => {
          // No flag, no more to say: the key line is Inquirer's own, and ? does nothing.
          expect(ui.screen()).not.toContain("? more");
          await ui.type("?");
          await ui.press("down", "down", "down", "enter");
        },
      },
    ], MODERN);
    expect(j.code).toBe(0);
    expect(j.text).toContain('More about "Folder to build":\n  The build context, the last argument of docker buildx build: a directory');
    expect(j.text).toContain('More about "Which Dockerfile":\n  --file (-f): Name of the Dockerfile (default: PATH/Dockerfile).\n');
    expect(j.text).toContain('More about "Platforms to build for":\n  --platform: Set target platforms for the build.\n');
    expect(j.text).toContain('More about "More options":\n  Options most builds leave out');
    expect(j.text.match(/More about "/g)).toHaveLength(4);
    // Asked again, none of the answers was lost: the build is the one answered.
    expect(j.text).toContain(shellCommand(["docker", "buildx", "build", "--load", "--progress=plain", "--tag=app:latest", "app"]));
  });

  it("which builder: the current one first and highlighted, labels within the screen, one disabled with why; the chosen one's platforms follow", async () => {
    const multi = machine({
      driver: "docker-container",
      containerdImageStore: null,
      builder: {
        name: "multi",
        driver: "docker-container",
        nodes: [{ name: "multi0", status: "running", buildkitVersion: "0.13.1", platforms: ["linux/amd64", "linux/arm64", "linux/arm/v7"] }],
      },
    });
    const asked: string[] = [];
    const j = await run(
      [
        { kind: "input", message: "Folder to build", keys: (ui) => ui.type("app").then(() => ui.press("enter")) },
        { kind: "select", message: "Which Dockerfile?", keys: enter },
        { kind: "select", message: "Which stage to build?", keys: enter },
        { kind: "input", message: "Image name and tag", keys: enter },
        {
          kind: "select",
          message: "Which builder to build on?",
          keys: async (ui) => {
            expect(ui.screen()).toBe([
              "? Which builder to build on?  (--builder)",
              "❯ default (current) · docker · linux/amd64, linux/amd64/v2, linux/amd64/v3",
              "  multi · docker-container · linux/amd64, linux/arm64, linux/arm/v7",
              "- second · docker · linux/amd64, linux/386 (only from its docker context)",
              "",
              "node default (running): linux/amd64, linux/amd64/v2, linux/amd64/v3",
              "↑↓ navigate • ⏎ select • ? more",
            ].join("\n"));
            for (const line of ui.screen().split("\n")) expect(line.length, line).toBeLessThanOrEqual(80);
            await ui.press("down");
            expect(ui.screen()).toContain("node multi (running): linux/amd64, linux/arm64, linux/arm/v7");
            // The disabled one is skipped.
            await ui.press("down");
            expect(ui.screen()).toContain("❯ default (current)");
            await ui.press("up", "enter");
            // Answered: the name alone (the label would not fit beside the question).
            expect(ui.screen()).toBe("✔ Which builder to build on?  (--builder) multi");
          },
        },
        {
          kind: "checkbox",
          message: "Platforms to build for",
          keys: async (ui) => {
            // multi's own platforms are not said to be emulated; the current builder's were amd64 only.
            expect(ui.screen()).toContain(" ◯ linux/arm64\n ◯ linux/arm/v7\n");
            expect(ui.screen()).toContain("linux/386 (not this builder's own: emulated, slower)");
            await ui.press("enter");
          },
        },
        { kind: "select", message: "Where should the image go?", keys: enter },
        { kind: "checkbox", message: "Build arguments to set", keys: enter },
        { kind: "confirm", message: "More options?", keys: enter },
        { kind: "select", message: "What now?", keys: (ui) => ui.press("down", "down", "down", "enter") },
      ],
      MODERN,
      [],
      undefined,
      {
        builders: async () => [...TWO_BUILDERS, builder("second", { unavailable: "only from its docker context", platforms: ["linux/amd64", "linux/386"] })],
        probe: async (name) => (asked.push(name ?? ""), name === "multi" ? multi : MODERN),
      },
    );
    expect(j.code).toBe(0);
    expect(asked).toEqual(["", "multi"]);
    expect(j.text).toContain("Machine: buildx 0.13.1 · docker-container driver (builder multi)");
    expect(j.text).toContain(shellCommand(["docker", "buildx", "build", "--builder=multi", "--load", "--progress=plain", "--tag=app:latest", "app"]));
  });

  it("Ctrl-C in a real prompt: exit 130, nothing written", async () => {
    const j = await run([
      { kind: "input", message: "Folder to build", keys: (ui) => ui.type("app").then(() => ui.press("enter")) },
      { kind: "select", message: "Which Dockerfile?", keys: enter },
      { kind: "select", message: "Which stage to build?", keys: enter },
      { kind: "input", message: "Image name and tag", keys: (ui) => ui.type("half-typ").then(() => ui.press({ name: "c", ctrl: true })) },
    ], MODERN);
    expect(j.code).toBe(130);
    expect(j.text).toContain("Left the guide: nothing was written.");
    expect((await readdir(j.cwd)).sort()).toEqual(["app", "bare"]);
  });

  it("asks before overwriting a recipe; no means another path", async () => {
    const cwd = await workdir();
    await writeFile(join(cwd, "r.json"), "keep me\n");
    await mkdir(join(cwd, "folder.json"));
    const j = await run(
      [
        { kind: "input", message: "Folder to build", keys: (ui) => ui.type("app").then(() => ui.press("enter")) },
        { kind: "select", message: "Which Dockerfile?", keys: enter },
        { kind: "select", message: "Which stage to build?", keys: enter },
        { kind: "input", message: "Image name and tag", keys: (ui) => ui.type("localhost:5000/guide/r:1").then(() => ui.press("enter")) },
        { kind: "checkbox", message: "Platforms to build for", keys: enter },
        {
          kind: "select",
          message: "Where should the image go?",
          keys: async (ui) => {
            expect(ui.screen()).toContain("❯ load into the image store");
            expect(ui.screen()).toContain("  load and push\n");
            await ui.press("enter");
          },
        },
        { kind: "checkbox", message: "Build arguments to set", keys: enter },
        { kind: "confirm", message: "More options?", keys: enter },
        { kind: "select", message: "What now?", keys: (ui) => ui.press("down", "enter") },
        {
          kind: "input",
          message: "Save the recipe as",
          keys: async (ui) => {
            expect(ui.screen()).toBe("? Save the recipe as (r.json)");
            await ui.type("app");
            await ui.press("enter");
            await ui.shows("> a recipe is a .json file");
            await ui.press({ name: "u", ctrl: true });
            await ui.type("app/npmrc/r.json");
            await ui.press("enter");
            await ui.shows("> app/npmrc is a file, not a folder");
            await ui.press({ name: "u", ctrl: true });
            await ui.type("folder.json");
            await ui.press("enter");
            await ui.shows("> folder.json is a folder: name a file in it");
            await ui.press({ name: "u", ctrl: true });
            await ui.press("enter");
          },
        },
        {
          kind: "confirm",
          message: "r.json exists. Overwrite it?",
          keys: async (ui) => {
            expect(ui.screen()).toBe("? r.json exists. Overwrite it? (y/N)");
            await ui.press("enter");
          },
        },
        { kind: "input", message: "Save the recipe as", keys: (ui) => ui.type("new/folder/r2.json").then(() => ui.press("enter")) },
        { kind: "input", message: "A description", keys: enter },
      ],
      CLASSIC,
      [],
      cwd,
    );
    expect(j.code).toBe(0);
    expect(await readFile(join(cwd, "r.json"), "utf8")).toBe("keep me\n");
    // A folder that did not exist is made; the recipe's paths are relative to it.
    expect(JSON.parse(await readFile(join(cwd, "new", "folder", "r2.json"), "utf8")).options).toEqual({
      context: "../../app",
      load: true,
      tag: ["localhost:5000/guide/r:1"],
    });
    expect(j.text).toContain("Saved new/folder/r2.json. Rebuild it with: buildx-kit run new/folder/r2.json\n");
  });
});
