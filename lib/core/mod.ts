/**
 * buildx-kit's core: the flag table, `plan()`, the argument parser and every type, with no I/O and
 * no dependency. Use it where nothing may spawn or touch files (a bundler plugin, an editor, a
 * browser): it plans and checks a build and gives its exact argv; `buildx-kit` runs it.
 *
 * @example
 * import { plan } from "buildx-kit/core";
 * const { ok, argv, diagnostics } = plan({ context: ".", tag: ["app:1"], push: true });
 *
 * @module
 */

// The options and the table they come from.
export type { BuildOptions, CsvAttributes, KeyValues, UlimitRange, Ulimits } from "./options.ts";
export type { FlagKind, FlagRow, GuideGroup, OptionName } from "./flags.ts";
export { FEATURES, FLAGS, MIN_BUILDX } from "./flags.ts";

// Planning: the rules, the argv, what was adjusted and why.
export type { Plan, PlannedOutput } from "./plan.ts";
export { constructBuildArgs, normalizePlatform, plan } from "./plan.ts";
export type { Diagnostic, DiagnosticCode, DiagnosticLevel, PlanCode } from "./diagnostics.ts";
export { formatDiagnostic } from "./diagnostics.ts";

// Reading flags back: the CLI's and the templates' parser.
export type { ParsedBuildArgs } from "./parse.ts";
export { parseBuildArgs } from "./parse.ts";
export { shellCommand } from "./shell.ts";

// The machine, as data: what a probe finds, and whether it can build.
export type { BuilderInfo, BuilderNode, BuilderSource, Capabilities, Problem } from "./capabilities.ts";
export { buildBlocker, UNKNOWN_CAPABILITIES } from "./capabilities.ts";
export type { BuildxVersion } from "./version.ts";
export { parseBuildxVersion } from "./version.ts";

// Results and errors.
export type { BuildResult } from "./result.ts";
export type { ProgressEvent } from "./progress.ts";
export type { BuildErrorDetails, ExitStatus } from "./errors.ts";
export { BuildError, BuildxKitError, EXIT, ValidationError } from "./errors.ts";
