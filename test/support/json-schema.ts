/**
 * Enough of JSON Schema draft-07 for what lib/recipe/schema.ts generates: `type` (with `integer`),
 * `const`, `enum`, `anyOf`, `minLength` (in code points), `pattern` (ECMA-262, with the `u` flag),
 * `minimum`, `maximum`, `minItems`, `maxItems`, `items` (one schema or a tuple), `required`,
 * `minProperties`, `properties`, `patternProperties`, `propertyNames` and `additionalProperties`.
 * Annotations (`description`, `examples`, `$id`, ...) are ignored. No dependency: the tests
 * hold the generated schema to `plan()` with it.
 */

/** A schema, or a part of one. */
export type Schema = Readonly<Record<string, unknown>>;

const KNOWN = new Set([
  "type",
  "const",
  "enum",
  "anyOf",
  "minLength",
  "pattern",
  "minimum",
  "maximum",
  "minItems",
  "maxItems",
  "items",
  "required",
  "minProperties",
  "properties",
  "patternProperties",
  "propertyNames",
  "additionalProperties",
  "$schema",
  "$id",
  "title",
  "description",
  "examples",
]);

const patterns = new Map<string, RegExp>();
function regExp(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) patterns.set(source, re = new RegExp(source, "u"));
  return re;
}

function typeOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
}

/**
 * Every way `value` fails `schema`, each as `path: keyword` (empty when it is valid). Throws on a
 * keyword this validator does not know, so a schema that grows one is never half-checked.
 */
export function schemaErrors(schema: Schema, value: unknown, path = ""): string[] {
  for (const key of Object.keys(schema)) {
    if (!KNOWN.has(key)) throw new Error(`the test's validator does not know the keyword ${key} (at ${path || "the root"})`);
  }
  const errors: string[] = [];
  const s = schema;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const t = typeOf(value);
    if (!types.some((x) => x === t || (x === "number" && t === "integer"))) return [`${path}: type`];
  }
  if (s.const !== undefined && value !== s.const) errors.push(`${path}: const`);
  if (Array.isArray(s.enum) && !s.enum.includes(value)) errors.push(`${path}: enum`);
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => schemaErrors(sub as Schema, value, path).length === 0)) errors.push(`${path}: anyOf`);
  if (typeof value === "string") {
    if (typeof s.minLength === "number" && [...value].length < s.minLength) errors.push(`${path}: minLength`);
    if (typeof s.pattern === "string" && !regExp(s.pattern).test(value)) errors.push(`${path}: pattern`);
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) errors.push(`${path}: minimum`);
    if (typeof s.maximum === "number" && value > s.maximum) errors.push(`${path}: maximum`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems) errors.push(`${path}: minItems`);
    if (typeof s.maxItems === "number" && value.length > s.maxItems) errors.push(`${path}: maxItems`);
    value.forEach((item: unknown, i) => {
      const sub = Array.isArray(s.items) ? s.items[i] : s.items;
      if (sub) errors.push(...schemaErrors(sub as Schema, item, `${path}[${i}]`));
    });
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    const patternProps = Object.entries((s.patternProperties ?? {}) as Record<string, Schema>);
    for (const key of (s.required ?? []) as string[]) if (!Object.hasOwn(obj, key)) errors.push(`${path}.${key}: required`);
    if (typeof s.minProperties === "number" && Object.keys(obj).length < s.minProperties) errors.push(`${path}: minProperties`);
    for (const [key, v] of Object.entries(obj)) {
      if (s.propertyNames) errors.push(...schemaErrors(s.propertyNames as Schema, key, `${path}.${key} (name)`));
      let matched = false;
      if (Object.hasOwn(props, key)) {
        matched = true;
        errors.push(...schemaErrors(props[key]!, v, `${path}.${key}`));
      }
      for (const [pattern, sub] of patternProps) {
        if (!regExp(pattern).test(key)) continue;
        matched = true;
        errors.push(...schemaErrors(sub, v, `${path}.${key}`));
      }
      if (matched) continue;
      if (s.additionalProperties === false) errors.push(`${path}.${key}: additionalProperties`);
      else if (typeof s.additionalProperties === "object") errors.push(...schemaErrors(s.additionalProperties as Schema, v, `${path}.${key}`));
    }
  }
  return errors;
}
