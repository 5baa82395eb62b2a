/**
 * `buildx-kit repl`: a JavaScript REPL with top-level await and the whole API in scope, written on
 * node:readline so it behaves the same on Node, Deno and Bun.
 */
import { appendFile, chmod, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createInterface, type Interface } from "node:readline";
import { inspect } from "node:util";
import type { BuildResult } from "../core/result.ts";

/** How to start the REPL; tests pass their own streams. */
export interface ReplOptions {
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The history file (default ~/.buildx-kit_history; "" for none). */
  readonly historyFile?: string;
}

const HELP = `The API is in scope: buildx, build, plan, probe, health, healthReport, supportsAttestation,
constructBuildArgs, loadRecipe, saveRecipe, runRecipe, toBake, fromBake, and zx's $.
Top-level await works:  await buildx\`-t app:1 .\`   plan({ push: true, tag: "x:1" }).diagnostics
  .guide          start the guided build
  .run FILE [--set K=V]... [--dry-run] [--json]
                  rerun a saved recipe, as buildx-kit run does
  .dry FLAGS...   show the command and diagnostics for buildx flags, without running
  .doctor         what this machine can build
  .help           this text
  .exit           leave (Ctrl-D works too)`;

function isBuildResult(value: unknown): value is BuildResult {
  return typeof value === "object" && value !== null && "argv" in value && "dryRun" in value && "digest" in value;
}

/** Shows a value readably: a BuildResult as a short summary, anything else through inspect. */
export function show(value: unknown, colors = false): string {
  if (isBuildResult(value)) {
    if (value.dryRun) return `BuildResult (dry run)\n  ${value.command}${value.warnings.map((w) => `\n  ${w}`).join("")}`;
    return [
      `BuildResult ${value.ok ? "ok" : `failed (exit ${value.exitCode})`} in ${(value.durationMs / 1000).toFixed(1)}s`,
      value.imageNames.length ? `  image   ${value.imageNames.join(", ")}` : "",
      value.digest ? `  digest  ${value.digest}` : "",
      `  command ${value.command}`,
      ...value.warnings.map((w) => `  ${w}`),
    ].filter(Boolean).join("\n");
  }
  return inspect(value, { colors, depth: 4 });
}

/**
 * Whether REPL input holds a secret value, which the history must not keep: a `secrets:` option
 * (`build(options, { secrets: { NPM_TOKEN: "..." } })` maps ids to values) or a `value=` attribute
 * (a secret written inline). `env=` and `src=` name where a secret comes from, not the secret: kept.
 */
export function holdsSecret(input: string): boolean {
  return /(?:^|[^\w$.])["'`]?secrets["'`]?\s*:/.test(input) || /(?:^|[\s,"'`])value=(?!=)/i.test(input);
}

/** What the REPL says the first time it keeps input out of the history. */
export const KEPT_OUT_OF_HISTORY = "(this input holds a secret value (secrets: or value=): it is kept out of the history, as every such input will be)";

/** Where a session keeps its next step; a name no input is likely to declare. */
const SESSION = "__buildxKitSession";

/**
 * Whether `code` starts as a declaration that an expression statement cannot start with
 * (`function`, `async function`, `class`, `let [`: the grammar's own lookahead rule). Read as an
 * expression these would parse as something else (a function expression, a member access) and
 * declare nothing. Leading comments are skipped.
 */
function startsAsDeclaration(code: string): boolean {
  const rest = code.replace(/^(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/, "");
  return /^(?:function\b|class\b|async[ \t]+function\b|let\s*\[)/.test(rest);
}

/**
 * A REPL session: evaluates inputs one after another, each in the scope of those before it, as
 * node's REPL does. Returns an input's value when it is an expression, else undefined.
 *
 * Each input is the body of an async function (so `await` works at top level), and that body is
 * compiled by a direct `eval` inside the function the previous input left behind. So every
 * declaration an input makes (`const`, `let`, `var`, destructuring, `function`, `class`) is an
 * ordinary binding of that body, which the engine itself keeps for the inputs after it: nothing
 * is parsed here, and nothing is put on `globalThis` or on `scope`. A later input may declare a
 * name again: its binding hides the earlier one. The names of `scope` (the API) are seen through
 * `with`, which is why this is sloppy-mode code, as node's REPL is.
 *
 * @example
 * const run = createEvaluator({ plan });
 * await run("const { argv } = plan({ tag: 'x:1' })"); // undefined: a declaration
 * await run("argv.length");                           // 4
 */
export function createEvaluator(scope: Record<string, unknown>): (code: string) => Promise<unknown> {
  type Step = (source: string) => Promise<unknown>;
  const session: { next: Step | null } = { next: null };
  // The first step evals inside `with (scope)`, so the API's names resolve in every input.
  session.next = new Function("__scope", SESSION, "with (__scope) { return (__source) => eval(__source); }")(scope, session) as Step;
  // Each body first hands over the next step: a function that evals in that body's scope.
  const handOver = `${SESSION}.next = (__source) => eval(__source);`;
  return async (code: string) => {
    const step = session.next!;
    // Calling an async function never throws: what step() throws is eval's syntax error, so the
    // input is not an expression. An error the input itself raises rejects the promise instead.
    let running: Promise<unknown> | null = null;
    if (!startsAsDeclaration(code)) {
      try {
        running = step(`(async () => { ${handOver} return (\n${code}\n); })()`);
      } catch (e) {
        if (!(e instanceof SyntaxError)) throw e;
      }
    }
    if (running) return await running;
    await step(`(async () => { ${handOver}\n${code}\n})()`);
    // Statements and declarations show nothing, as in node's REPL.
    return undefined;
  };
}

/**
 * True when `code` is the start of something longer: an open bracket, string, template or comment.
 * A small scanner rather than the parser, whose messages differ between V8 and JavaScriptCore.
 */
export function isIncomplete(code: string): boolean {
  const open: string[] = []; // brackets, and "`" for a template (its ${ pushes "{")
  let quote: string | null = null;
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    const top = open[open.length - 1];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      else if (c === "\n") return false; // a broken string is an error, not a continuation
      continue;
    }
    if (top === "`") {
      if (c === "\\") i++;
      else if (c === "`") open.pop();
      else if (c === "$" && code[i + 1] === "{") (open.push("{"), i++);
      continue;
    }
    if (c === "/" && code[i + 1] === "/") {
      const end = code.indexOf("\n", i);
      if (end === -1) break;
      i = end;
    } else if (c === "/" && code[i + 1] === "*") {
      const end = code.indexOf("*/", i + 2);
      if (end === -1) return true;
      i = end + 1;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "`" || c === "(" || c === "[" || c === "{") open.push(c);
    else if (c === ")" || c === "]" || c === "}") {
      if (!open.length) return false; // too many closers: let the parser say so
      open.pop();
    }
  }
  return open.length > 0;
}

/** The scope every REPL line sees: every entry's API (builds, recipes, the guide) and zx's $. */
export async function replScope(): Promise<Record<string, unknown>> {
  const [builds, recipes, guided, { $ }] = await Promise.all([import("../build/mod.ts"), import("../recipe/mod.ts"), import("../guide/mod.ts"), import("zx")]);
  return { ...builds, ...recipes, ...guided, $ };
}

/** Runs the REPL until .exit or end of input; resolves to the exit code. */
export async function startRepl(options: ReplOptions = {}): Promise<number> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const write = (text: string) => output.write(`${text}\n`);
  const historyFile = options.historyFile ?? join(options.env?.HOME ?? homedir(), ".buildx-kit_history");
  let history: string[] = [];
  if (historyFile) {
    try {
      history = (await readFile(historyFile, "utf8")).split("\n").filter((l) => l && !holdsSecret(l)).reverse().slice(0, 500);
    } catch {
      history = [];
    }
  }
  const terminal = Boolean((output as { isTTY?: boolean }).isTTY) && Boolean((input as { isTTY?: boolean }).isTTY);
  const colors = terminal && !(options.env?.NO_COLOR ?? "") && options.env?.TERM !== "dumb";
  // Lines are queued as they arrive: input piped in all at once must not be lost while the API
  // loads or a line is evaluated (an async iterator made later misses them on Node and Deno).
  const queue: string[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  // The interface is closed while the guide has the terminal (else it would read the guide's
  // keys as REPL lines) and opened again after; a close of ours is not the end of input.
  let rl!: Interface;
  let handingOver = false;
  // Whether a line is being evaluated. At a terminal Ctrl-C is a key readline reads, not a signal:
  // while a line runs it is passed on as SIGINT, so a running build() stops its buildx and the
  // line fails as interrupted; the REPL stays.
  let running = false;
  const open = () => {
    rl = createInterface({ input, output, terminal, history: [...history], historySize: 500, prompt: "buildx-kit> " });
    rl.on("line", (line: string) => {
      queue.push(line);
      wake?.();
    });
    rl.on("close", () => {
      if (handingOver) return;
      ended = true;
      wake?.();
    });
    // A terminal that went away (its window closed) fails readline's own clean-up: that is the
    // end of input, not a crash that would leave a running build behind.
    rl.on("error", () => {
      ended = true;
      wake?.();
    });
    rl.on("SIGINT", () => {
      if (running) {
        output.write("^C\n");
        // A real signal, to this process: build() listens through the runtime's own API (Deno's
        // addSignalListener on Deno), which an emitted event would not reach.
        process.kill(process.pid, "SIGINT");
        return;
      }
      // Drop what was typed, as a shell does, and stay.
      rl.write(null, { ctrl: true, name: "e" });
      rl.write(null, { ctrl: true, name: "u" });
      output.write("\n(to leave, press Ctrl-D or type .exit)\n");
      prompt();
    });
  };
  open();
  const nextLine = async (): Promise<string | null> => {
    while (queue.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
    wake = null;
    return queue.shift() ?? null;
  };
  // Once the input is closed, Bun throws on prompt().
  const prompt = () => {
    if (!ended) rl.prompt();
  };
  const evaluate = createEvaluator(await replScope());
  write(`buildx-kit REPL: the API is loaded and await works. .help for commands, .exit or Ctrl-D to leave.`);

  const dot = async (line: string): Promise<boolean> => {
    const [cmd] = line.trim().split(/\s+/);
    switch (cmd) {
      case ".exit":
        return false;
      case ".help":
        write(HELP);
        return true;
      case ".doctor": {
        const { probe } = await import("../build/probe.ts");
        const { formatDoctor } = await import("./doctor.ts");
        write(formatDoctor(await probe(options.env ? { env: options.env } : {})));
        return true;
      }
      case ".dry": {
        const { parseBuildArgs } = await import("../core/parse.ts");
        const { invocationFor } = await import("../build/run.ts");
        const { formatDiagnostic } = await import("../core/diagnostics.ts");
        const { splitWords } = await import("../build/template.ts");
        // The rest of the line as typed (quotes keep their spaces), planned as build() would run it here.
        const parsed = parseBuildArgs(splitWords(line.trim().slice(".dry".length)));
        const inv = await invocationFor(parsed.options, options.env ? { env: options.env } : {});
        // The parser's words first; the plan repeats some of them (an unknown flag), once is enough.
        const said = new Set(parsed.diagnostics.map((d) => `${d.option} ${d.message}`));
        const diagnostics = [...parsed.diagnostics, ...inv.plan.diagnostics.filter((d) => !said.has(`${d.option} ${d.message}`))];
        // A command that would not run is not shown as if it would.
        write(diagnostics.some((d) => d.level === "error") ? "not runnable as written:" : inv.command);
        for (const d of diagnostics) write(formatDiagnostic(d));
        return true;
      }
      case ".run": {
        // The CLI's own reading of `run`'s arguments; the rest of the line as typed, quotes kept.
        const { parseRunArgs } = await import("./commands.ts");
        const { splitWords } = await import("../build/template.ts");
        let run: ReturnType<typeof parseRunArgs>;
        try {
          run = parseRunArgs(splitWords(line.trim().slice(".run".length)));
        } catch (e) {
          if ((e as Error)?.name !== "UsageError") throw e;
          write((e as Error).message);
          return true;
        }
        if (run.metadataDir !== null) {
          write(".run does not write metadata files: the result's metadata is in .run --json; buildx-kit run --metadata-file DIR writes them");
          return true;
        }
        if (run.files.length !== 1) {
          write(run.files.length ? `.run takes one recipe file (got ${run.files.length}); buildx-kit run builds several at once` : ".run needs a recipe file");
          return true;
        }
        const recipes = await import("../recipe/run.ts");
        const result = await recipes.runRecipe(run.files[0]!, {
          set: run.sets,
          dryRun: run.dryRun,
          offline: run.offline,
          via: run.via,
          ...(options.env ? { env: options.env } : {}),
        });
        write(run.json ? JSON.stringify(result, null, 2) : show(result));
        return true;
      }
      case ".guide": {
        const { guideCommand } = await import("../guide/flow.ts");
        handingOver = true;
        rl.close();
        try {
          await guideCommand([], options.env ? { env: options.env } : {});
        } finally {
          handingOver = false;
          open();
        }
        return true;
      }
      default:
        write(`unknown command ${cmd}; .help lists them`);
        return true;
    }
  };

  // The history file is the person's alone (0600, made so once a session if it was not), and
  // never holds a secret value: an input's lines go in once it is complete and found to hold none.
  let secured = false;
  let toldKeptOut = false;
  const remember = async (lines: readonly string[], code: string): Promise<void> => {
    if (!lines.length) return;
    if (holdsSecret(code)) {
      // Nor in readline's own history (the up arrow): the last lines it took are these.
      const kept = (rl as unknown as { history?: string[] }).history;
      if (Array.isArray(kept)) { for (const l of [...lines].reverse()) if (kept[0] !== undefined && kept[0].trim() === l) kept.shift(); }
      if (!toldKeptOut) write(KEPT_OUT_OF_HISTORY);
      toldKeptOut = true;
      return;
    }
    history.unshift(...[...lines].reverse());
    if (!historyFile) return;
    if (!secured) await chmod(historyFile, 0o600).catch(() => undefined);
    secured = true;
    await appendFile(historyFile, lines.map((l) => `${l}\n`).join(""), { mode: 0o600 }).catch(() => undefined);
  };

  prompt();
  // Lines of an input not yet complete (`foo(`, an open template): evaluated when it closes.
  let pending = "";
  let pendingLines: string[] = [];
  for (let line = await nextLine(); line !== null; line = await nextLine()) {
    const code = pending ? `${pending}\n${line}` : line.trim();
    if (line.trim()) pendingLines.push(line.trim());
    if (!code.startsWith(".") && code.trim() && isIncomplete(code)) {
      pending = code;
      rl.setPrompt("... ");
      prompt();
      continue;
    }
    await remember(pendingLines, code);
    pendingLines = [];
    pending = "";
    rl.setPrompt("buildx-kit> ");
    // Someone listening for SIGINT tells build() not to re-raise it once buildx has stopped.
    const stay = () => {};
    process.on("SIGINT", stay);
    running = true;
    try {
      if (code.startsWith(".")) {
        if (!(await dot(code))) break;
      } else if (code) {
        const value = await evaluate(code);
        if (value !== undefined) write(show(value, colors));
      }
    } catch (e) {
      write(`Uncaught ${e instanceof Error ? `${e.name}: ${e.message}` : inspect(e)}`);
    } finally {
      running = false;
      process.off("SIGINT", stay);
    }
    prompt();
  }
  // Ctrl-D at a terminal leaves the cursor after the prompt: the shell's prompt goes on a line of its own.
  if (ended && terminal) output.write("\n");
  rl.close();
  return 0;
}
