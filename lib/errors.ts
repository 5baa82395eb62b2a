/** The errors buildx-kit throws. Each carries what a caller needs to act, not just a message. */
import { type Diagnostic, formatDiagnostic } from "./diagnostics.ts";

/** The exit codes of `buildx-kit` and its guide: 0 ok, 1 build failed, 2 bad input, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;

/** Options that cannot be built as given. Lists every error diagnostic at once. */
export class ValidationError extends Error {
  override readonly name = "ValidationError";
  /** The error diagnostics (at least one). */
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.level === "error");
    const head = errors.length === 1 ? "1 problem" : `${errors.length} problems`;
    super(`invalid build options (${head}):\n${errors.map((d) => `  ${formatDiagnostic(d).replace(/\n/g, "\n  ")}`).join("\n")}`);
    this.diagnostics = errors;
  }
}

/** A known buildx failure and what to do about it. */
interface KnownFailure {
  readonly pattern: RegExp;
  readonly hint: (match: RegExpMatchArray) => string;
}

/** The failures people meet most, matched against buildx's stderr in this order. */
const KNOWN_FAILURES: readonly KnownFailure[] = [
  {
    pattern: /Cannot connect to the Docker daemon|Is the docker daemon running|dial unix [^:]*docker\.sock/i,
    hint: () => "the Docker daemon is not running: start it (systemctl start docker, or scripts/engine.sh up for this project's engine)",
  },
  {
    pattern: /docker exporter does not currently support exporting manifest lists|Multi-platform build is not supported for the docker driver/i,
    hint: () => "the docker driver's classic image store cannot hold several platforms: push instead (push: true), write output type=oci, or turn on the containerd image store",
  },
  {
    pattern: /tag is needed when pushing to registry/i,
    hint: () => "pushing needs a tag: add tag \"registry/repository:tag\"",
  },
  {
    pattern: /attestations? (?:is|are) not supported/i,
    hint: () => "the docker driver keeps attestations only with the containerd image store: turn it on, or use a docker-container builder",
  },
  {
    pattern: /unknown flag: (--?[\w-]+)/,
    hint: (m) => `this buildx does not know ${m[1]}: upgrade buildx, or leave the option out (buildx-kit's flag table names the version each flag needs)`,
  },
  {
    // buildx 0.13 says "secret x: not found" (a RUN mount with no such secret) and, for a src= file
    // that is missing, "failed to stat FILE: stat FILE: no such file or directory".
    pattern: /(?:failed to (?:read|load|stat) secret|secret [\w.-]+:? not found|could not read secret|^ERROR: failed to stat (.+): stat \1: no such file or directory)[^\n]*/im,
    hint: () => "a --secret source is missing: check its src= path (relative paths resolve against the build's working directory) or that its env= variable is set",
  },
  {
    pattern: /dockerfile parse error|unknown instruction/i,
    hint: () => "the Dockerfile does not parse: fix the line the error names",
  },
  {
    pattern: /failed to read dockerfile|open [^\n]*Dockerfile[^\n]*: no such file or directory/i,
    hint: () => "no Dockerfile where buildx looked: pass file (-f) or check the context path",
  },
  {
    // Not a bare "failed to do request": pulling a base image fails with that too, and is no push.
    pattern: /(?:failed to push|push access denied|failed to authorize)[^\n]*(?:connection refused|no such host|i\/o timeout)?/i,
    hint: () => "the push failed: check that the registry is up and reachable, and that you are logged in (docker login)",
  },
];

/** A hint for the first known failure in buildx's stderr, or null. */
export function hintFor(stderr: string): string | null {
  for (const known of KNOWN_FAILURES) {
    const m = stderr.match(known.pattern);
    if (m) return known.hint(m);
  }
  return null;
}

/** What a failed build leaves behind. */
export interface BuildErrorDetails {
  /** buildx's exit code, or null when a signal ended it. */
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
}

/** A build that ran and failed: the exit code, every `ERROR` line, the stderr tail, the command, a hint. */
export class BuildError extends Error implements BuildErrorDetails {
  override readonly name = "BuildError";
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

  constructor(details: BuildErrorDetails) {
    const errorLines = details.stderrTail.split(/\r?\n/).map((l) => l.replace(/^#\d+\s+(?:\d+\.\d+\s+)?/, "").trim())
      .filter((l) => /^ERROR\b/.test(l));
    const hint = details.interrupted ? null : hintFor(details.stderrTail);
    const how = details.interrupted
      ? `interrupted${details.signal ? ` by ${details.signal}` : ""}`
      : details.exitCode === null
      ? `ended by signal ${details.signal ?? "unknown"}`
      : `exited with code ${details.exitCode}`;
    const said = errorLines.length
      ? errorLines.join("\n")
      : details.stderrTail.trim()
      ? details.stderrTail.trim().split("\n").slice(-5).join("\n")
      : details.interrupted
      ? ""
      : details.stderrCaptured === false
      ? "(buildx's own output, above, shows why)"
      : "(buildx printed nothing to stderr)";
    super([`docker buildx build ${how}`, said, hint ? `hint: ${hint}` : "", `command: ${details.command}`].filter(Boolean).join("\n"));
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.command = details.command;
    this.argv = details.argv;
    this.stderrTail = details.stderrTail;
    this.interrupted = details.interrupted;
    this.durationMs = details.durationMs;
    this.errorLines = errorLines;
    this.hint = hint;
  }
}
