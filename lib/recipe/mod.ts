/**
 * Recipes and bake (`buildx-kit/recipes`): saved builds to rerun (one file per build, checked
 * against the flag table, `--set` overrides), many at once through one `docker buildx bake`, bake
 * files both ways, and results for CI.
 *
 * @example
 * import { runRecipes } from "buildx-kit/recipes";
 * const results = await runRecipes(["recipes/api.json", "recipes/web.json"], { set: ["push=true"] });
 *
 * @module
 */

// A recipe: make, check, load, save.
export type { LoadedRecipe, MakeRecipeOptions, Recipe, SavedRecipe, SaveOptions } from "./recipe.ts";
export type { RecipeCheck } from "./run.ts";
export {
  credentialWarnings,
  formatRecipe,
  loadRecipe,
  loadRecipeFile,
  makeRecipe,
  parseRecipe,
  RECIPE_SCHEMA_URL,
  RECIPE_VERSION,
  recipeOptions,
  saveRecipe,
  validateRecipe,
} from "./recipe.ts";
export { checkRecipe } from "./run.ts";
export type { RecipeProblem } from "./problems.ts";
export { formatProblem, RecipeError } from "./problems.ts";
export type { SetOverride } from "./overrides.ts";
export { applySets, parseSet } from "./overrides.ts";
export { recipeSchema } from "./schema.ts";

// Rerunning: one, or many (through one bake where they can share it).
export type { RecipeBake, RecipeRunOptions, RecipeRunResult, RecipeSource } from "./run.ts";
export { runRecipe, runRecipes, runResultJson } from "./run.ts";
export type { RunVia } from "./via.ts";
export { RUN_VIAS } from "./via.ts";
export type { BakeCandidate, BakeGroup, BakePlan, BakePlanOptions } from "./bake-run.ts";
export { AUTO_BAKE_FROM, planBakes } from "./bake-run.ts";

// Bake files, both ways.
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
} from "./bake.ts";
export { BAKE_FS_ENTITLEMENTS_SINCE, exportBake, fromBake, importBake, importBakeTargets, toBake } from "./bake.ts";

// Results for CI.
export { writeGithubResults, writeMetadataFiles } from "./ci.ts";
