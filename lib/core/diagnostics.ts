/** What the plan says about a build: every adjustment, warning and error, each with a stable code. */

/** Every code `plan()` emits: its rules, and the checks of each value (lib/core/kinds.ts, lib/core/values.ts). */
export const PLAN_CODES = [
  // The arguments and the values.
  "invalid-options",
  "invalid-capabilities",
  "unknown-option",
  "invalid-value",
  "secret-value",
  "invalid-tag",
  "nul-byte",
  "unknown-choice",
  "unknown-type",
  "unknown-attribute",
  "unvalidated-value",
  "unvalidated-flag",
  "extra-flag-is-known",
  // What the installed buildx and BuildKit can do.
  "flag-needs-newer-buildx",
  "value-needs-newer-buildx",
  "needs-newer-buildkit",
  "nothing-to-turn-off",
  "secret-env-needs-newer-buildx",
  "multiple-exporters-need-newer-buildx",
  "multiple-exporters-need-newer-buildkit",
  "buildx-version-unknown",
  "buildkit-version-unknown",
  // Where the result goes.
  "push-disables-load",
  "load-by-default",
  "local-output-disables-push",
  "local-output-disables-load",
  "push-needs-tag",
  "docker-driver-loads-anyway",
  "result-stays-in-cache",
  "multi-platform-load-needs-containerd-store",
  "multi-platform-load-unchecked",
  "attestation-needs-containerd-store",
  "index-annotation-needs-index",
  // Platforms and the builder's nodes.
  "platform-emulated",
  "platform-not-listed",
  "platform-not-served",
  // Flags that do not go together, and what buildx does silently.
  "quiet-with-progress",
  "gha-cache-dropped",
] as const;

/** A code of `plan()`. */
export type PlanCode = (typeof PLAN_CODES)[number];

/** Codes of reading command-line words (`parseBuildArgs()`, the CLI's `build`, templates). */
export type ParseCode =
  | "invalid-words"
  | "two-contexts"
  | "missing-value"
  | "value-looks-like-flag"
  | "invalid-flag"
  | "misspelt-flag"
  | "unknown-flag"
  | "unknown-short-flag"
  | "invalid-value"
  | "repeated-flag"
  | "repeated-key";

/** Codes of the tagged template beyond its words' (`buildx\`...\``). */
export type TemplateCode = "template-empty-array" | "template-overrides-option";

/** Codes of the bake export and import (lib/recipe/bake.ts, lib/core/kinds.ts). */
export type BakeCode =
  | "bake-cannot-express"
  | "bake-attest"
  | "bake-push-as-output"
  | "bake-load-as-output"
  | "bake-keys-unchecked"
  | "bake-key-unknown-to-buildx"
  | "bake-build-arg-from-environment"
  | "bake-variables-ignored"
  | "bake-allow-left-out";

/** Codes of builder commands (`createBuilderArgs()`, `mergeManifestsArgs()`). */
export type BuilderCode = "append-needs-name" | "merge-needs-sources" | "merge-needs-tag" | "invalid-value" | "nul-byte";

/** Codes of running a build beyond its plan's (lib/build/run.ts, lib/core/invocation.ts). */
export type RunCode = "cwd-missing" | "progress-events-unavailable" | "quiet-without-rawjson" | "quiet-read-as-rawjson";

/** Codes of running several recipes: how each ran, through one bake or alone, and why (lib/recipe/bake-run.ts, lib/recipe/recipe.ts). */
export type RecipeRunCode =
  | "run-via-bake"
  | "run-via-build"
  | "bake-nothing-to-share"
  | "bake-rerun"
  | "bake-same-place"
  | "bake-too-old"
  | "bake-quiet"
  | "bake-secret-values"
  | "bake-stdout"
  | "bake-call"
  | "bake-not-expressible";

/** Every diagnostic code. */
export type DiagnosticCode = PlanCode | ParseCode | TemplateCode | BakeCode | BuilderCode | RunCode | RecipeRunCode;

/** How serious a diagnostic is. An `error` stops a run. */
export type DiagnosticLevel = "error" | "warning" | "info";

/** One finding of `plan()` (its codes: `Diagnostic<PlanCode>`), or of parsing, a template, bake, a builder command or a run. */
export interface Diagnostic<Code extends DiagnosticCode = DiagnosticCode> {
  readonly level: DiagnosticLevel;
  /** Stable, kebab-case; safe to match on. */
  readonly code: Code;
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
