/**
 * The JSON Schema of recipe files, generated from the flag table: one property per option, typed
 * by its value kind, described by its row. Shipped as `schema/recipe.schema.json` so editors
 * complete and check recipes; `recipe.test.ts` fails when that file is stale. Regenerate with
 * `npm run gen`, with lib/options.ts and the README's option table.
 *
 * The schema mirrors what loading a recipe accepts (`lib/values.ts` via `plan()`); what a schema
 * cannot say (a soft limit above the hard one, an image reference's grammar) is left to loading.
 */
import { CONTEXT, FLAGS, type FlagRow } from "./flags.ts";
import { PLATFORM_LIST_PATTERN } from "./values.ts";
import { RECIPE_SCHEMA_URL, RECIPE_VERSION, SECRET_KEYS } from "./recipe.ts";

/** A JSON Schema (draft-07) fragment. */
export type JsonSchema = { readonly [key: string]: unknown };

const NON_EMPTY: JsonSchema = { type: "string", minLength: 1 };
const SCALAR: JsonSchema = { type: ["string", "number", "boolean"] };
const BYTES = "^\\s*\\d+(?:\\.\\d+)?\\s*(?:[kmgtpeKMGTPE][iI]?[bB]?|[bB])?\\s*$";
const ULIMIT_TEXT = "^[a-z]+=-?\\d+(?::-?\\d+)?$";

function oneOrMany(item: JsonSchema): JsonSchema {
  return { anyOf: [item, { type: "array", items: item }] };
}

function keyValues(itemPattern: string, itemDescription: string, keys?: readonly string[]): JsonSchema {
  const item: JsonSchema = { type: "string", pattern: itemPattern, description: itemDescription };
  return {
    anyOf: [
      { type: "object", propertyNames: keys ? { enum: [...keys] } : { minLength: 1, pattern: "^[^=]*$" }, additionalProperties: SCALAR },
      item,
      { type: "array", items: item },
    ],
  };
}

function csvItem(name: string): JsonSchema {
  // A secret names where its value comes from: only these attributes (see lib/recipe.ts).
  const record: JsonSchema = name === "secret"
    ? { type: "object", minProperties: 1, propertyNames: { enum: [...SECRET_KEYS] }, additionalProperties: SCALAR }
    : { type: "object", minProperties: 1, additionalProperties: SCALAR };
  return { anyOf: [{ type: "string", pattern: "\\S", description: "CSV attributes, e.g. type=local,dest=out" }, record] };
}

/** The schema of one option, from its row's value kind. */
export function optionSchema(name: string, row: FlagRow): JsonSchema {
  switch (row.kind) {
    case "bool":
      return { type: "boolean" };
    case "string":
      return row.choices && !row.open ? { type: "string", enum: [...row.choices] } : row.choices ? { ...NON_EMPTY, examples: [...row.choices] } : NON_EMPTY;
    case "list":
      return oneOrMany(row.choices ? { ...NON_EMPTY, examples: [...row.choices] } : NON_EMPTY);
    case "platforms":
      // The same pattern plan() checks each platform with (lib/values.ts).
      return oneOrMany({ type: "string", pattern: PLATFORM_LIST_PATTERN, description: "os/arch[/variant], an OS or architecture alone, os(version)/arch, or local; comma-separated" });
    case "map":
      // A build arg without "=" takes its value from the environment.
      return name === "buildArg" ? keyValues("^[^=]", "KEY=VALUE, or KEY to take it from the environment") : keyValues(row.keys ? `^(?:${row.keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})=` : "^[^=]+=", "KEY=VALUE", row.keys);
    case "hosts":
      return keyValues("^[^:=\\s]+[:=]\\S+$", "host:ip");
    case "csv":
      return oneOrMany(csvItem(name));
    case "csvOrBool":
      return { anyOf: [{ type: "boolean" }, oneOrMany(csvItem(name))] };
    case "ulimit": {
      const limit: JsonSchema = { type: "integer", minimum: -1 };
      const text: JsonSchema = { type: "string", pattern: ULIMIT_TEXT, description: "name=soft[:hard], e.g. nofile=1024:2048" };
      return {
        anyOf: [
          text,
          { type: "array", items: text },
          {
            type: "object",
            propertyNames: { pattern: "^[a-z]+$" },
            additionalProperties: {
              anyOf: [
                limit,
                { type: "array", items: [limit, limit], minItems: 2, maxItems: 2 },
                { type: "object", required: ["soft", "hard"], properties: { soft: limit, hard: limit }, additionalProperties: false },
              ],
            },
          },
        ],
      };
    }
    case "bytes":
      return { anyOf: [{ type: "integer", minimum: 0 }, { type: "string", pattern: BYTES }] };
  }
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
    context: { ...NON_EMPTY, description: `${CONTEXT.doc} Relative to the recipe's folder. Default ".".` },
  };
  for (const [name, row] of Object.entries(FLAGS)) {
    const facts = [`${row.flag}${row.short ? ` (${row.short})` : ""}`, `buildx >= ${row.since}`, row.bake ? `bake: ${row.bake}` : "no bake key"];
    const examples = example(row);
    options[name] = {
      description: `${row.doc} [${facts.join("; ")}]`,
      ...optionSchema(name, row),
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
