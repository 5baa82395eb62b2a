/**
 * What every command of the CLI shares: where it writes (`CliIO`), its flags, colour, the one
 * "can this machine build?" refusal, and `report()`, the one place an error becomes a message and
 * an exit code.
 */
import * as host from "../runtime/host.ts";
import { buildBlocker, type Problem } from "../core/capabilities.ts";
import { BuildxKitError, EXIT, type ExitStatus } from "../core/errors.ts";
// Loaded with the CLI, not when needed: a build's probe then starts before its other modules load
// and reads its files while they do.
import { probe } from "../build/probe.ts";
import type { BuildResult } from "../core/result.ts";

export { EXIT };

/** Where the CLI writes and what it knows of its terminal; tests pass their own. */
export interface CliIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout and stderr are terminals (colour, the overview). */
  readonly isTTY: boolean;
  readonly cwd: string;
}

/** Bad command-line input: exit 2, one paragraph. */
export class UsageError extends BuildxKitError {
  override readonly name = "UsageError";
  /** Bad input: 2. */
  readonly exitStatus: ExitStatus = EXIT.badInput;
}

/** The real terminal: this process's stdout, stderr, environment and folder. */
export function defaultIO(): CliIO {
  return {
    out: (t) => host.write("stdout", t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => host.write("stderr", t.endsWith("\n") ? t : `${t}\n`),
    env: host.env(),
    isTTY: host.isTerminal("stdout") && host.isTerminal("stderr"),
    cwd: host.cwd(),
  };
}

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function painter(io: Pick<CliIO, "env" | "isTTY">, forceOff = false) {
  const on = io.isTTY && !forceOff && !(io.env.NO_COLOR ?? "") && io.env.TERM !== "dumb";
  const codes = { ok: "32", bad: "31", dim: "2", bold: "1", warn: "33" } as const;
  return (style: keyof typeof codes, text: string): string => (on ? `\x1b[${codes[style]}m${text}\x1b[0m` : text);
}

/** Splits buildx-kit's own flags (`--json`, `--dry-run`, ...) out of a list of arguments. */
export function takeFlags(args: readonly string[], bools: readonly string[], valued: readonly string[]) {
  const flags: Record<string, string | boolean> = {};
  const sets: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (bools.includes(name) && eq === -1) flags[name] = true;
    else if (valued.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      if (name === "--set") sets.push(value);
      else flags[name] = value;
    } else rest.push(arg);
  }
  return { flags, sets, rest };
}

/** A one-paragraph summary of a BuildResult, for people. */
export function summarize(result: BuildResult): string {
  if (result.dryRun) return result.command;
  const parts = [`built in ${(result.durationMs / 1000).toFixed(1)}s`];
  if (result.imageNames.length) parts.push(result.imageNames.join(", "));
  if (result.digest) parts.push(result.digest);
  return parts.join("  ");
}

/** What to do about each problem that stops a build, said after it. */
const BLOCKER_HINTS: Readonly<Record<Problem["code"], string>> = {
  "no-docker": "install Docker with buildx",
  "no-buildx": "install the buildx plugin (Debian: apt-get install docker-buildx)",
  "daemon-unreachable": "start the Docker daemon (systemctl start docker), or pick a remote builder with --builder",
  "builder-unavailable": 'pick a builder that "docker buildx ls" lists, with --builder or "docker buildx use NAME"',
  "probe-timeout": '"buildx-kit doctor" says which command did not answer',
  "buildx-too-old": "upgrade buildx",
  "buildx-version-unreadable": "reinstall buildx",
};

/**
 * Why nothing can be built here (no docker and no standalone buildx on PATH), as the paragraph the
 * CLI prints, or null. The same probe build() makes, so it costs nothing more.
 */
export async function cannotBuild(io: CliIO, builder?: string): Promise<string | null> {
  const caps = await probe({ inspect: false, env: io.env, ...(builder ? { builder } : {}) });
  const blocker = buildBlocker(caps);
  return blocker
    ? `cannot build: ${blocker.message}\nhint: ${
      BLOCKER_HINTS[blocker.code]
    }; --dry-run prints the command without running it, and "buildx-kit doctor" says what this machine lacks`
    : null;
}

/** Whether a build with these options prints only its image id (`--quiet`, `--progress=quiet`). */
export function ranQuiet(options: { quiet?: boolean; progress?: string }): boolean {
  return options.quiet === true || options.progress === "quiet";
}

/** Prints an error as one paragraph (a stack trace only with --debug) and returns its exit code. */
export function report(e: unknown, io: CliIO, debug = false): number {
  const paint = painter(io);
  const error = e as Error | undefined;
  const text = debug && error?.stack ? error.stack : error?.message ?? String(e);
  // Ours: the message already says what and how to fix it; no stack trace to ask for.
  if (e instanceof BuildxKitError) {
    io.err(`${paint("bad", "error:")} ${text}`);
    return e.exitStatus;
  }
  // The prompts' own (Ctrl-C at a question) and an aborted signal's.
  if (error?.name === "ExitPromptError" || error?.name === "AbortError") {
    io.err("interrupted");
    return EXIT.interrupted;
  }
  io.err(`${paint("bad", "error:")} ${text}${debug ? "" : "\n(run with --debug for a stack trace)"}`);
  return EXIT.failed;
}
