/**
 * The JSON Schema of recipe files, generated from the flag table: one property per option, typed
 * by its value kind, described by its row. Shipped as `schema/recipe.schema.json` so editors
 * complete and check recipes; `recipe.test.ts` fails when that file is stale. Regenerate with
 * `npm run gen`, with lib/core/options.ts and the README's option table.
 *
 * Each kind's schema is its codec's (lib/core/kinds.ts), and accepts a value exactly when `plan()`
 * does (test/schema.test.ts holds them to that), but for what a schema cannot say, left to
 * loading: a soft limit above the hard one; a word within two edits of a choice, type or
 * attribute the table knows (refused as a typo); the attributes of a CSV value (its `type=`,
 * their names and values) and of `call` beyond its CSV syntax; an image reference's grammar; a NUL
 * byte in a value.
 */
import { CONTEXT, FLAG_ROWS, type FlagRow } from "../core/flags.ts";
import { codecOf, type JsonSchema } from "../core/kinds.ts";
import { RECIPE_SCHEMA_URL, RECIPE_VERSION } from "./recipe.ts";

export type { JsonSchema };

const NON_EMPTY: JsonSchema = { type: "string", minLength: 1 };

/** The schema of one option, from its row's value kind. */
export function optionSchema(row: FlagRow): JsonSchema {
  return codecOf(row).schema(row);
}

function example(row: FlagRow): unknown[] {
  if (row.example === undefined) return [];
  if (row.example.startsWith("{")) {
    try {
      return [JSON.parse(row.example)];
    } catch {
      return [];
    }
  }
  return [row.example];
}

/** The recipe JSON Schema (draft-07), from the flag table. */
export function recipeSchema(): JsonSchema {
  const options: Record<string, JsonSchema> = {
    // A context starting with "-" is only ever "-" (anything else would read as a flag).
    context: { ...NON_EMPTY, pattern: "^(?:-$|[^-])", description: `${CONTEXT.doc} Relative to the recipe's folder. Default ".".` },
  };
  for (const [name, row] of FLAG_ROWS) {
    const facts = [`${row.flag}${row.short ? ` (${row.short})` : ""}`, `buildx >= ${row.since}`, row.bake ? `bake: ${row.bake}` : "no bake key"];
    const examples = example(row);
    options[name] = {
      description: `${row.doc} [${facts.join("; ")}]`,
      ...optionSchema(row),
      ...(examples.length ? { examples } : {}),
    };
  }
  options.extraFlags = {
    description: "Flags buildx-kit does not know (a newer buildx), by name without dashes: passed through unchecked.",
    type: "object",
    additionalProperties: { anyOf: [{ type: "string" }, { type: "boolean" }, { type: "array", items: { type: "string" } }] },
  };
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: RECIPE_SCHEMA_URL,
    title: "buildx-kit recipe",
    description: "A saved docker buildx build: run it with `buildx-kit run FILE`. Relative paths resolve against the recipe's folder.",
    type: "object",
    required: ["recipe", "options"],
    additionalProperties: false,
    properties: {
      $schema: { type: "string", description: "The JSON Schema of this file." },
      recipe: { const: RECIPE_VERSION, description: "The recipe format version." },
      name: { ...NON_EMPTY, description: "The recipe's name (results are reported under it)." },
      description: { type: "string", description: "What the build is for." },
      builder: { ...NON_EMPTY, description: "The builder instance to build with (or options.builder; not both, unless equal)." },
      buildx: { type: "string", pattern: "^v?\\d+\\.\\d+(\\.\\d+)?([-+.].*)?$", description: "The buildx version the recipe was made with." },
      options: {
        description: "The build options: exactly the BuildOptions of build(), named as the buildx flags in camelCase.",
        type: "object",
        additionalProperties: false,
        properties: options,
      },
    },
  };
}

/** The text of `schema/recipe.schema.json`. */
export function renderRecipeSchema(): string {
  return `${JSON.stringify(recipeSchema(), null, 2)}\n`;
}
