/** The errors buildx-kit throws. Each carries what a caller needs to act, not just a message. */
import { type Diagnostic, formatDiagnostic } from "./diagnostics.ts";
import { BUILDX_EXIT_CODES } from "./flags.ts";

/** The exit codes of `buildx-kit` and its guide: 0 ok, 1 build failed, 2 bad input, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;

/** One of the exit codes in {@link EXIT}. */
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/**
 * The base of every error buildx-kit throws at its callers. The message says what is wrong, where,
 * and how to fix it; `exitStatus` is what `buildx-kit` exits with for it (2 bad input, 1 a build or
 * a buildx command failed, 130 interrupted), so every entry reports an error the same way.
 * (`exitCode`, where a subclass has one, is the exit code of the buildx process it ran.)
 */
export abstract class BuildxKitError extends Error {
  /** What `buildx-kit` exits with for this error. */
  abstract readonly exitStatus: ExitStatus;
}

/** Options that cannot be built as given. Lists every error diagnostic at once. */
export class ValidationError extends BuildxKitError {
  override readonly name = "ValidationError";
  /** Bad input: 2. */
  readonly exitStatus: ExitStatus = EXIT.badInput;
  /** The error diagnostics (at least one). */
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.level === "error");
    const head = errors.length === 1 ? "1 problem" : `${errors.length} problems`;
    super(`invalid build options (${head}):\n${errors.map((d) => `  ${formatDiagnostic(d).replace(/\n/g, "\n  ")}`).join("\n")}`);
    this.diagnostics = errors;
  }
}

/** What buildx-kit knew of the build, for hints that name things: the folders and the failing step. */
export interface FailureFacts {
  /** The build's context folder, absolute (null for a URL or stdin). */
  readonly context?: string | null;
  /** The Dockerfile the options named (`file`), absolute; null when buildx looks for CONTEXT/Dockerfile. */
  readonly file?: string | null;
  /** The step that failed, as buildx names it: `[2/2] RUN make`. */
  readonly failedStep?: string | null;
}

/** A known buildx failure and what to do about it. */
interface KnownFailure {
  readonly pattern: RegExp;
  readonly hint: (match: RegExpMatchArray, facts: FailureFacts) => string;
}

/** The registry part of an image reference (`localhost:5999/app:1` -> `localhost:5999`), or null for Docker Hub. */
function registryOf(ref: string): string | null {
  const first = ref.split("/")[0]!;
  return ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : null;
}

/** The failures people meet most, matched against buildx's stderr in this order. */
const KNOWN_FAILURES: readonly KnownFailure[] = [
  {
    // Before the daemon's hint: "no such file or directory" is no daemon problem here.
    pattern: /^cannot run (\S+): .*(?:ENOENT|not found|No such file or directory)/im,
    hint: (m) =>
      `${m[1]} is not on PATH: install Docker Engine with the buildx plugin (https://docs.docker.com/engine/install/), or add the folder that holds ${
        m[1]
      } to PATH`,
  },
  {
    pattern: /Cannot connect to the Docker daemon|Is the docker daemon running|dial unix [^:]*docker\.sock/i,
    hint: () => "the Docker daemon is not running: start it (systemctl start docker, or scripts/engine.sh up for this project's engine)",
  },
  {
    pattern: /docker exporter does not currently support exporting manifest lists|Multi-platform build is not supported for the docker driver/i,
    hint: () =>
      "the docker driver's classic image store cannot hold several platforms: push instead (push: true), write output type=oci, or turn on the containerd image store",
  },
  {
    pattern: /tag is needed when pushing to registry/i,
    hint: () => 'pushing needs a tag: add tag "registry/repository:tag"',
  },
  {
    pattern: /attestations? (?:is|are) not supported/i,
    hint: () => "the docker driver keeps attestations only with the containerd image store: turn it on, or use a docker-container builder",
  },
  {
    pattern: /failed to get console: provided file is not a console/,
    hint: () => "progress tty needs a terminal on stderr and there is none: leave progress out, or use auto or plain",
  },
  {
    pattern: /unknown flag: (--?[\w-]+)/,
    hint: (m) => `this buildx does not know ${m[1]}: upgrade buildx, or leave the option out (buildx-kit's flag table names the version each flag needs)`,
  },
  {
    // buildx 0.13 says "secret x: not found" (a RUN mount with no such secret) and, for a src= file
    // that is missing, "failed to stat FILE: stat FILE: no such file or directory".
    pattern:
      /(?:failed to (?:read|load|stat) secret|secret [\w.-]+:? not found|could not read secret|^ERROR: failed to stat (.+): stat \1: no such file or directory)[^\n]*/im,
    hint: () =>
      "a --secret source is missing: check its src= path (relative paths resolve against the build's working directory) or that its env= variable is set",
  },
  {
    pattern: /dockerfile parse error|unknown instruction/i,
    hint: () => "the Dockerfile does not parse: fix the line the error names",
  },
  {
    pattern: /failed to read dockerfile|open [^\n]*Dockerfile[^\n]*: no such file or directory/i,
    hint: (_, facts) =>
      facts.file
        ? `the Dockerfile ${facts.file} does not exist: check file (-f); a relative path is relative to the working directory, not to the context`
        : facts.context
        ? `no Dockerfile in the context folder ${facts.context}: add one there, pass file (-f), or check the context path`
        : "no Dockerfile where buildx looked: pass file (-f) or check the context path",
  },
  {
    // COPY or ADD of a path the context does not hold (buildx 0.13: `"/missing.txt": not found`).
    pattern: /failed to calculate checksum of ref [^\n]*?: "\/?([^"\n]+)": not found/,
    hint: (m, facts) =>
      `COPY source "${m[1]}" is not in the build context${
        facts.context ? ` ${facts.context}` : ""
      }: COPY and ADD read paths relative to the context folder (check the path, and that .dockerignore does not exclude it)`,
  },
  {
    // A RUN step's command exiting non-zero: `process "/bin/sh -c X" did not complete successfully: exit code: N`.
    pattern: /process "(?:\/bin\/sh -c )?((?:[^"\\]|\\.)*)" did not complete successfully: exit code: (\d+)/,
    hint: (m, facts) => {
      const step = facts.failedStep ?? `RUN ${m[1]!.replace(/\\(.)/g, "$1")}`;
      return `${step}: the command exited with code ${m[2]}; the step's own output says why`;
    },
  },
  {
    // An image the build needs (a FROM's base image, the SBOM scanner) that cannot be resolved: no
    // such image, a registry that does not answer, no access.
    pattern: /failed to resolve source metadata for ([^\s:]+(?::\d+)?\/[^\s:]+(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?):/i,
    hint: (m) => {
      const registry = registryOf(m[1]!) ?? "docker.io";
      return `the image ${
        m[1]
      } cannot be pulled: check its name and tag (a base image's are in FROM), that the registry ${registry} is reachable, and docker login if it is private`;
    },
  },
  {
    // Before the push hint below: a registry that is not there at all says more than "the push failed".
    pattern: /failed to push ([^\s:]+(?::\d+)?)\/[^\n]*connection refused/i,
    hint: (m) => `nothing answers at the registry ${m[1]} (connection refused): start the registry, or fix the host and port in the tag`,
  },
  {
    // Not a bare "failed to do request": pulling a base image fails with that too, and is no push.
    pattern: /(?:failed to push|push access denied|failed to authorize)[^\n]*(?:connection refused|no such host|i\/o timeout)?/i,
    hint: () => "the push failed: check that the registry is up and reachable, and that you are logged in (docker login)",
  },
];

/** A hint for what buildx's own exit code says, when stderr matched no known failure. */
function exitHint(code: number | null): string | null {
  if (code === 102) return "the builder ran out of memory, disk or another resource: free some (docker buildx prune), raise its limits, or build less at once";
  if (code === 100) {
    return "BuildKit failed inside: retry, and if it persists, look at the builder's logs (docker buildx inspect, the buildkitd container's logs)";
  }
  if (code === 130) return "buildx was cancelled (by a signal, or its connection to BuildKit)";
  return null;
}

/** A hint for the first known failure in buildx's stderr, or null. `facts` let it name folders and the step. */
export function hintFor(stderr: string, facts: FailureFacts = {}): string | null {
  for (const known of KNOWN_FAILURES) {
    const m = stderr.match(known.pattern);
    if (m) return known.hint(m, facts);
  }
  return null;
}

/**
 * The failing step and its own output, from buildx's plain progress, which ends a failed build with
 * `------`, ` > [2/2] RUN make:`, the step's last lines (each after its time), `------`. Null when
 * the text holds no such block.
 */
export function failedStepIn(stderr: string): { step: string; output: string } | null {
  const lines = stderr.split(/\r?\n/);
  for (let i = lines.length - 2; i >= 1; i--) {
    const head = /^ > (.+):$/.exec(lines[i]!);
    if (!head || lines[i - 1] !== "------") continue;
    const end = lines.indexOf("------", i + 1);
    const body = lines.slice(i + 1, end === -1 ? undefined : end);
    return { step: head[1]!, output: body.map((l) => l.replace(/^\d+\.\d+ /, "")).join("\n") };
  }
  return null;
}

/** What a failed build leaves behind. */
export interface BuildErrorDetails {
  /** buildx's exit code, or null when a signal ended it or it never started. */
  readonly exitCode: number | null;
  /** The signal that ended buildx, if one did. */
  readonly signal: string | null;
  /** The exact command, shell-quoted. */
  readonly command: string;
  readonly argv: readonly string[];
  /** The last lines buildx wrote to stderr ("" when its output went straight to the terminal). */
  readonly stderrTail: string;
  /** True when the build was stopped on purpose (Ctrl-C, SIGTERM, an AbortSignal). */
  readonly interrupted: boolean;
  readonly durationMs: number;
  /** False when buildx wrote straight to the terminal, so there was no stderr to read. */
  readonly stderrCaptured?: boolean;
  /** Why buildx could not be started at all (no such program, say). */
  readonly startError?: string | null;
  /** The step that failed (`[2/2] RUN make`); read from the plain progress in `stderrTail` when not given. */
  readonly failedStep?: string | null;
  /** What the failing step printed; read from the plain progress in `stderrTail` when not given. */
  readonly stepOutput?: string | null;
  /** False when nobody saw buildx's progress (quiet): the message then shows the step's output. */
  readonly progressShown?: boolean;
  /** The folders the build used, for the hints that name them. */
  readonly facts?: Pick<FailureFacts, "context" | "file">;
  /** True for a build an interrupt kept from starting (several recipes, one after another). */
  readonly notStarted?: boolean;
  /**
   * What ran: `build` (the default) or `bake`, for a recipe built as a target of one `docker
   * buildx bake` with others (`runRecipes`); the message names it.
   */
  readonly program?: "build" | "bake";
}

/** A BuildError as plain JSON (what `JSON.stringify` writes, `run --json` prints, a nothrow result carries). */
export interface BuildErrorJson {
  readonly name: "BuildError";
  readonly message: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly interrupted: boolean;
  readonly errorLines: readonly string[];
  readonly hint: string | null;
  readonly failedStep: string | null;
  readonly stepOutput: string | null;
  readonly startError: string | null;
  readonly exitReason: string | null;
  readonly stderrTail: string;
  readonly command: string;
  readonly argv: readonly string[];
  readonly durationMs: number;
}

/** Lines of a step's output the message repeats, at most (the rest is in `stepOutput`). */
const MESSAGE_STEP_LINES = 20;

/**
 * A build that ran and failed (or could not start): the exit code, every `ERROR` line, the stderr
 * tail, the failing step and its output, the command, a hint.
 */
export class BuildError extends BuildxKitError implements BuildErrorDetails {
  override readonly name = "BuildError";
  /** 130 when interrupted, 1 otherwise. */
  get exitStatus(): ExitStatus {
    return this.interrupted ? EXIT.interrupted : EXIT.failed;
  }
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly command: string;
  readonly argv: readonly string[];
  readonly stderrTail: string;
  readonly interrupted: boolean;
  readonly durationMs: number;
  /** Every line of stderr that starts with `ERROR` (buildx's own and BuildKit's). */
  readonly errorLines: readonly string[];
  /** What to do about it, for a known failure; null otherwise. */
  readonly hint: string | null;
  /** The step that failed, as buildx names it (`[2/2] RUN make`); null when unknown. */
  readonly failedStep: string | null;
  /** What the failing step printed (its last lines); null when unknown (buildx drew on the terminal). */
  readonly stepOutput: string | null;
  /** Why buildx could not start; null when it ran. */
  readonly startError: string | null;
  /**
   * What buildx's exit code means (buildx 0.25 on: 1 the build failed, 100 an internal BuildKit
   * error, 102 a resource ran out, 130 cancelled); null for a code buildx does not give.
   */
  readonly exitReason: string | null;
  /** True for a build an interrupt kept from starting. */
  readonly notStarted: boolean;

  constructor(details: BuildErrorDetails) {
    const errorLines = details.stderrTail.split(/\r?\n/).map((l) => l.replace(/^#\d+\s+(?:\d+\.\d+\s+)?/, "").trim())
      .filter((l) => /^ERROR\b/.test(l));
    const fromPlain = details.failedStep === undefined || details.stepOutput === undefined ? failedStepIn(details.stderrTail) : null;
    const failedStep = details.failedStep !== undefined ? details.failedStep : fromPlain?.step ?? null;
    const stepOutput = details.stepOutput !== undefined ? details.stepOutput : fromPlain?.output ?? null;
    const startError = details.startError ?? null;
    const exitReason = details.exitCode !== null && startError === null ? BUILDX_EXIT_CODES[details.exitCode] ?? null : null;
    const hint = details.interrupted ? null : hintFor(startError ?? details.stderrTail, { ...details.facts, failedStep }) ?? exitHint(details.exitCode);
    const how = details.notStarted
      ? `not run: interrupted${details.signal ? ` by ${details.signal}` : ""} before it started`
      : details.interrupted
      ? `interrupted${details.signal ? ` by ${details.signal}` : ""}`
      : startError !== null
      ? "could not start"
      : details.exitCode === null
      ? `ended by signal ${details.signal ?? "unknown"}`
      : `exited with code ${details.exitCode}${exitReason && details.exitCode !== 1 ? ` (${exitReason})` : ""}`;
    const said = startError !== null
      ? startError
      : errorLines.length
      ? errorLines.join("\n")
      : details.stderrTail.trim()
      ? details.stderrTail.trim().split("\n").slice(-5).join("\n")
      : details.interrupted
      ? ""
      : details.stderrCaptured === false
      ? "(buildx's own output, above, shows why)"
      : "(buildx printed nothing to stderr)";
    // Nobody saw the progress (quiet): the step's own output is the part of it that says why.
    const shown = details.progressShown === false && failedStep && stepOutput?.trim()
      ? [`output of ${failedStep}:`, ...stepOutput.trimEnd().split("\n").slice(-MESSAGE_STEP_LINES).map((l) => `  ${l}`)].join("\n")
      : "";
    super(
      [`docker buildx ${details.program ?? "build"} ${how}`, said, shown, hint ? `hint: ${hint}` : "", `command: ${details.command}`].filter(Boolean).join(
        "\n",
      ),
    );
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.command = details.command;
    this.argv = details.argv;
    this.stderrTail = details.stderrTail;
    this.interrupted = details.interrupted;
    this.durationMs = details.durationMs;
    this.errorLines = errorLines;
    this.hint = hint;
    this.failedStep = failedStep;
    this.stepOutput = stepOutput;
    this.startError = startError;
    this.exitReason = exitReason;
    this.notStarted = details.notStarted === true;
  }

  /** Plain JSON, message included (an Error's own `message` is not enumerable). */
  toJSON(): BuildErrorJson {
    return {
      name: this.name,
      message: this.message,
      exitCode: this.exitCode,
      signal: this.signal,
      interrupted: this.interrupted,
      errorLines: this.errorLines,
      hint: this.hint,
      failedStep: this.failedStep,
      stepOutput: this.stepOutput,
      startError: this.startError,
      exitReason: this.exitReason,
      stderrTail: this.stderrTail,
      command: this.command,
      argv: this.argv,
      durationMs: this.durationMs,
    };
  }
}

/** No private temporary folder could be made (TMPDIR full or not writable): the machine's fault, said in full. */
export class TempFolderError extends BuildxKitError {
  override readonly name = "TempFolderError";
  /** A failure, not bad input: 1. */
  readonly exitStatus: ExitStatus = EXIT.failed;
}
