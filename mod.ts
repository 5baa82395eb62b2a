/**
 * buildx-kit: script container image builds with `docker buildx build`, planned and validated
 * before they run. Runs unchanged on Node, Deno and Bun.
 *
 * @example
 * import { plan } from "buildx-kit";
 * const { argv, diagnostics } = plan({ context: ".", tag: ["app:1"], push: true });
 *
 * @module
 */

export type { BuildOptions, CsvAttributes, KeyValues, UlimitRange, Ulimits } from "./lib/options.ts";
export type { BuilderInfo, BuilderNode, Capabilities, Problem } from "./lib/capabilities.ts";
export { UNKNOWN_CAPABILITIES } from "./lib/capabilities.ts";
export type { Diagnostic, DiagnosticCode, DiagnosticLevel, PlanCode } from "./lib/diagnostics.ts";
export { formatDiagnostic } from "./lib/diagnostics.ts";
export { ValidationError } from "./lib/errors.ts";
export type { FlagKind, FlagRow, GuideGroup, OptionName } from "./lib/flags.ts";
export { FEATURES, FLAGS, MIN_BUILDX } from "./lib/flags.ts";
export type { Plan, PlannedOutput } from "./lib/plan.ts";
export { constructBuildArgs, plan } from "./lib/plan.ts";
export type { HealthReport, ProbeOptions } from "./lib/probe.ts";
export { ATTESTATION_SINCE, health, healthReport, probe, supportsAttestation } from "./lib/probe.ts";
export type { BuildxVersion } from "./lib/version.ts";
export { parseBuildxVersion } from "./lib/version.ts";
export type {
  BuilderCallOptions,
  BuilderDetails,
  BuilderNodeDetails,
  CreateBuilderOptions,
  ImageInspection,
  ImageManifest,
  InspectBuilderOptions,
  MergeOptions,
  MergeResult,
} from "./lib/builders.ts";
export {
  BuilderError,
  createBuilder,
  createBuilderArgs,
  inspectBuilder,
  inspectImage,
  listBuilders,
  mergeManifests,
  mergeManifestsArgs,
  parseBuilderInspect,
  parseBuilderLsJson,
  parseBuilderLsText,
  parseImageInspection,
  removeBuilder,
  stopBuilder,
  useBuilder,
} from "./lib/builders.ts";
export { normalizePlatform } from "./lib/plan.ts";
export type { RunOptions } from "./lib/run.ts";
export { build } from "./lib/run.ts";
export { shellCommand } from "./lib/spawn.ts";
export type { BuildResult } from "./lib/result.ts";
export type { BuildErrorDetails } from "./lib/errors.ts";
export { BuildError } from "./lib/errors.ts";
export type { ProgressEvent } from "./lib/progress.ts";
export type { ParsedBuildArgs } from "./lib/parse.ts";
export { parseBuildArgs } from "./lib/parse.ts";
export type { Buildx, TemplateOptions } from "./lib/template.ts";
export { BuildHandle, buildx, splitWords, TemplateError } from "./lib/template.ts";
export type {
  CheckboxQuestion,
  ConfirmQuestion,
  GuideAction,
  GuideIO,
  GuideOutcome,
  GuidePrompts,
  GuideStart,
  InputQuestion,
  KnownBuilder,
  PromptChoice,
  PromptContext,
  SelectQuestion,
} from "./lib/guide.ts";
export { guide, guideCommand, MoreHelpRequest } from "./lib/guide.ts";
export type {
  LoadedRecipe,
  MakeRecipeOptions,
  Recipe,
  RecipeCheck,
  RecipeProblem,
  RecipeBake,
  RecipeRunOptions,
  RecipeRunResult,
  RecipeSource,
  RunVia,
  SavedRecipe,
  SaveOptions,
} from "./lib/recipe.ts";
export type { SetOverride } from "./lib/overrides.ts";
export { applySets, parseSet } from "./lib/overrides.ts";
export {
  checkRecipe,
  credentialWarnings,
  formatProblem,
  formatRecipe,
  loadRecipe,
  loadRecipeFile,
  makeRecipe,
  parseRecipe,
  RECIPE_SCHEMA_URL,
  RECIPE_VERSION,
  RecipeError,
  recipeOptions,
  runRecipe,
  runRecipes,
  runResultJson,
  RUN_VIAS,
  saveRecipe,
  validateRecipe,
} from "./lib/recipe.ts";
export type { BakeCandidate, BakeGroup, BakePlan, BakePlanOptions } from "./lib/bake-run.ts";
export { AUTO_BAKE_FROM, BAKE_FILE_NAME, bakeObstacle, planBakes } from "./lib/bake-run.ts";
export type {
  BakeExport,
  BakeFile,
  BakeFileExport,
  BakeImport,
  BakeTarget,
  ExportBakeOptions,
  FromBakeOptions,
  ImportBakeOptions,
  ToBakeOptions,
} from "./lib/bake.ts";
export {
  BAKE_FS_ENTITLEMENTS_SINCE,
  BAKE_KEYS,
  exportBake,
  formatBake,
  fromBake,
  importBake,
  importBakeTargets,
  optionBakeKeys,
  probeBakeKeys,
  toBake,
} from "./lib/bake.ts";
export { githubOutputText, jobSummaryText, writeGithubResults, writeMetadataFiles } from "./lib/ci.ts";
export { recipeSchema, renderRecipeSchema } from "./lib/schema.ts";
