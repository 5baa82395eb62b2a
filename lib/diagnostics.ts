/** What the plan says about a build: every adjustment, warning and error, each with a stable code. */

/** How serious a diagnostic is. An `error` stops a run. */
export type DiagnosticLevel = "error" | "warning" | "info";

/** One finding of `plan()`. */
export interface Diagnostic {
  readonly level: DiagnosticLevel;
  /** Stable, kebab-case; safe to match on. */
  readonly code: string;
  /** The option it concerns (`push`, `output`, `buildArg.VERSION`), or null for the build as a whole. */
  readonly option: string | null;
  readonly message: string;
  /** What to do about it, when there is something to do. */
  readonly hint?: string;
}

/** One line per diagnostic, as the CLI prints them: `error [push-needs-tag] push: ... (hint: ...)`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.option ? `${d.option}: ` : "";
  return `${d.level} [${d.code}] ${where}${d.message}${d.hint ? `\n  hint: ${d.hint}` : ""}`;
}
