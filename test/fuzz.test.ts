/**
 * Issue 14: no untyped exception. Property-based tests (fast-check, seeded, shrinking on failure)
 * over every entry point that takes input from a person or a file: `plan()`, `parseBuildArgs()`,
 * the recipe parser and validator, `applySets()` and `fromBake()`. Any value at all, JSON-ish or
 * hostile (sparse arrays, null-prototype objects, symbols, `{ toString: 1 }`, bigints, functions,
 * promises, huge strings, deep nesting), comes out as diagnostics or a `RecipeError` naming
 * where, never a TypeError. Getters that throw are out of scope. Then the reproductions, one by one.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromBake } from "../lib/recipe/bake.ts";
import type { Diagnostic } from "../lib/core/diagnostics.ts";
import { FLAGS } from "../lib/core/flags.ts";
import { applySets } from "../lib/recipe/overrides.ts";
import { parseBuildArgs } from "../lib/core/parse.ts";
import { plan } from "../lib/core/plan.ts";
import { parseRecipe, RecipeError, validateRecipe } from "../lib/recipe/recipe.ts";

const RUNS = { seed: 42, numRuns: 10_000 } as const;
const OPTION_NAMES = ["context", "extraFlags", ...Object.keys(FLAGS)];

/** Values nobody should pass, and people do. */
const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(Symbol("s")),
  fc.constant({ toString: 1 }),
  fc.constant({ toString: () => ({}), valueOf: () => ({}) }),
  fc.constant(Object.create(null)),
  fc.constant(Object.assign(Object.create(null), { type: "local", dest: "out" })),
  fc.constant(Object.assign(Object.create(null), { id: "x", src: Object.create(null) })),
  fc.constant({ type: Symbol("t") }),
  fc.constant({ then: () => undefined }),
  fc.constant(() => "f"),
  fc.constant(new Array(3)),
  fc.constant([, "a", , "b"]),
  fc.constant(["id=x,src=y", , { id: "z", env: "Z" }]),
  fc.constant(Number.NaN),
  fc.constant(-Infinity),
  fc.constant(2n ** 70n),
  fc.constant(new Date(0)),
  fc.constant(new Map([["a", 1]])),
  fc.constant("x".repeat(200_000)),
  fc.constant("\0"),
  fc.constant("__proto__"),
  fc.constant(JSON.parse('{"__proto__": {"push": true}}')),
);

/** Anything: JSON-ish values with hostile ones mixed in at every depth. */
const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
    hostileLeaf,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.sparseArray(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("type", "id", "src", "env", "dest", "soft", "hard", "nofile", "__proto__", "toString")), tie("value"), {
      maxKeys: 4,
    }),
    fc.dictionary(fc.string(), tie("value"), { maxKeys: 3, noNullPrototype: false }),
  ),
})).value;

/** Options-shaped: real option names (so values reach every encoder), a few wrong ones, hostile values. */
const anyOptions: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.dictionary(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...OPTION_NAMES) }, fc.string()), anyValue, {
      maxKeys: 5,
      noNullPrototype: false,
    }),
  },
  { weight: 1, arbitrary: anyValue },
);

/** A `--set` argument: an option (or nearly), maybe an entry, and a value. */
const anySet: fc.Arbitrary<string> = fc.tuple(
  fc.oneof(fc.constantFrom(...OPTION_NAMES, "options.tag", "buildArg.__proto__", "extraFlags.__proto__", "ulimit.__proto__"), fc.string()),
  fc.option(fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor", "VERSION", "nofile")), { nil: null }),
  fc.oneof(fc.string(), fc.constantFrom("", "true", "false", "1024:2048", "__proto__=x", "a=b", "type=local,dest=out")),
).map(([option, key, value]) => `${option}${key === null ? "" : `.${key}`}=${value}`);

function checkDiagnostics(diagnostics: readonly Diagnostic[]): void {
  expect(Array.isArray(diagnostics)).toBe(true);
  for (const d of diagnostics) {
    expect(["error", "warning", "info"]).toContain(d.level);
    expect(typeof d.code).toBe("string");
    expect(typeof d.message).toBe("string");
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.option === null || typeof d.option === "string").toBe(true);
  }
}

/** Runs `f`; a throw must be a RecipeError whose every problem names where (a path, maybe ""). */
function onlyRecipeError(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof RecipeError)) throw e;
    expect(e.problems.length).toBeGreaterThan(0);
    for (const p of e.problems) {
      expect(typeof p.path).toBe("string");
      expect(typeof p.message).toBe("string");
      expect(typeof p.code).toBe("string");
    }
  }
}

describe("no untyped exception (issue 14, property-based)", () => {
  it("plan(): any options give diagnostics, never a throw", () => {
    fc.assert(
      fc.property(anyOptions, (options) => {
        const p = plan(options as never);
        checkDiagnostics(p.diagnostics);
        expect(p.ok).toBe(!p.diagnostics.some((d) => d.level === "error"));
        for (const a of p.argv) expect(typeof a).toBe("string");
      }),
      RUNS,
    );
  });

  it("parseBuildArgs(): any words (and non-words) give diagnostics, and what they read plans", () => {
    const word = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(...Object.values(FLAGS).flatMap((r) => (r.short ? [r.flag, r.short] : [r.flag])), "--", "-", ".", "-qt", "--no-such"),
      },
      { weight: 4, arbitrary: fc.string() },
      { weight: 1, arbitrary: anyValue },
    );
    const words = fc.oneof({ weight: 9, arbitrary: fc.oneof(fc.array(word, { maxLength: 8 }), fc.sparseArray(word, { maxLength: 8 })) }, {
      weight: 1,
      arbitrary: anyValue,
    });
    fc.assert(
      fc.property(words, (w) => {
        const parsed = parseBuildArgs(w as never);
        checkDiagnostics(parsed.diagnostics);
        checkDiagnostics(plan(parsed.options).diagnostics);
      }),
      RUNS,
    );
  });

  it("validateRecipe(): any value gives problems, never a throw", () => {
    const recipe = fc.oneof(
      fc.record({ recipe: fc.oneof(fc.constant(1), anyValue), options: anyOptions }, { requiredKeys: ["options"] }),
      fc.record({ recipe: fc.constant(1), name: anyValue, builder: anyValue, buildx: anyValue, options: anyOptions }),
      anyValue,
    );
    fc.assert(
      fc.property(recipe, (r) => {
        for (const p of validateRecipe(r)) {
          expect(typeof p.path).toBe("string");
          expect(typeof p.message).toBe("string");
        }
      }),
      RUNS,
    );
  });

  it("parseRecipe(): any text, JSON or not, is a recipe or a RecipeError", () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const text = fc.oneof(
      fc.string(),
      json.map((v) => JSON.stringify({ recipe: 1, options: v })),
      fc.dictionary(fc.constantFrom(...OPTION_NAMES), json, { maxKeys: 4 }).map((o) => JSON.stringify({ recipe: 1, options: o }, null, 2)),
      json.map((v) => JSON.stringify(v)),
      fc.tuple(json, fc.nat(), fc.string({ maxLength: 3 })).map(([v, at, junk]) => {
        const t = JSON.stringify({ recipe: 1, options: v }) ?? "";
        return t.slice(0, at % (t.length + 1)) + junk + t.slice(at % (t.length + 1));
      }),
    );
    fc.assert(fc.property(text, (t) => onlyRecipeError(() => parseRecipe(t, "r.json"))), RUNS);
  });

  it("applySets(): any options and --set arguments are options or a RecipeError", () => {
    const sets = fc.oneof({ weight: 9, arbitrary: fc.array(anySet, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(anyValue, { maxLength: 3 }) }, {
      weight: 1,
      arbitrary: anyValue,
    });
    fc.assert(
      fc.property(anyOptions, sets, (options, s) => {
        onlyRecipeError(() => {
          const out = applySets(options as never, s as never);
          // No --set reaches a prototype: every record it made is a plain one.
          expect(Object.getPrototypeOf(out) === Object.prototype).toBe(true);
          for (const [k, v] of Object.entries(out)) {
            const given = (options as Record<string, unknown>)[k];
            if (v !== given && typeof v === "object" && v !== null && !Array.isArray(v)) expect(Object.getPrototypeOf(v) === Object.prototype).toBe(true);
          }
          checkDiagnostics(plan(out).diagnostics);
        });
      }),
      RUNS,
    );
  });

  it("fromBake(): any bake file, text or value, is a recipe or a RecipeError", () => {
    const BAKE_KEYS = [
      "context",
      "dockerfile",
      "args",
      "tags",
      "platforms",
      "output",
      "secret",
      "ssh",
      "labels",
      "cache-from",
      "cache-to",
      "target",
      "ulimits",
      "extra-hosts",
      "inherits",
      "matrix",
      "attest",
      "no-cache",
      "pull",
      "shm-size",
      "network",
      "description",
      "annotations",
      "entitlements",
      "contexts",
      "no-cache-filter",
      "call",
    ];
    const target = fc.dictionary(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...BAKE_KEYS) }, fc.string()), anyValue, {
      maxKeys: 5,
      noNullPrototype: false,
    });
    const bake = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          target: fc.dictionary(fc.constantFrom("app", "default", "base"), fc.oneof({ weight: 5, arbitrary: target }, anyValue), { minKeys: 1, maxKeys: 3 }),
          group: fc.oneof(fc.constant(undefined), anyValue),
        }, { requiredKeys: ["target"] }),
      },
      { weight: 2, arbitrary: anyValue },
      { weight: 2, arbitrary: fc.string() },
    );
    const name = fc.option(fc.oneof(fc.constantFrom("app", "default", "base", "__proto__", "toString"), fc.string()), { nil: undefined });
    fc.assert(
      fc.property(bake, name, fc.boolean(), (b, t, asText) => {
        let input: unknown = b;
        if (asText) {
          try {
            input = JSON.stringify(b) ?? b;
          } catch {
            input = b; // a bigint or a symbol: pass the value
          }
        }
        onlyRecipeError(() => fromBake(input as never, t));
      }),
      RUNS,
    );
  });
});

describe("the reproductions (issue 14), each a TypeError before", () => {
  const errors = (options: unknown) => plan(options as never).diagnostics.filter((d) => d.level === "error").map((d) => `${d.option}: ${d.message}`);

  it.each([
    ["a sparse tag array", { tag: [, "a:1"] }, ["tag[0]: expects a string, got undefined"]],
    ["a sparse platform array", { platform: [, "linux/amd64"] }, ["platform[0]: expects a platform such as linux/amd64, got undefined"]],
    ["a sparse buildArg array", { buildArg: [, "A=1"] }, ["buildArg[0]: expects key=value, got undefined"]],
    ["an Object.create(null) attribute", { output: { type: "local", dest: Object.create(null) } }, [
      "output.dest: expects a string, number or boolean, got an object",
    ]],
    ["a { toString: 1 } attribute", { output: { type: "local", dest: { toString: 1 } } }, ["output.dest: expects a string, number or boolean, got an object"]],
    ["a { toString: 1 } secret source", { secret: { id: "x", src: { toString: 1 } } }, ["secret.src: expects a string, got an object"]],
  ])("plan() with %s: an error diagnostic", (_name, options, expected) => {
    expect(errors(options)).toEqual(expected);
  });

  it.each([
    ["undefined", undefined, "expects the words of a command line (an array of strings), got undefined", undefined],
    ["a sparse array", [, "-t", "a:1"], "word 1 is undefined, not text", "pass every word as a string"],
    ["a symbol", [Symbol("a"), "-t", "a:1"], "word 1 is a symbol, not text", "pass every word as a string"],
  ])("parseBuildArgs(%s): an error diagnostic", (_name, words, message, hint) => {
    const parsed = parseBuildArgs(words as never);
    expect(parsed.diagnostics).toEqual([{ level: "error", code: "invalid-words", option: null, message, ...(hint ? { hint } : {}) }]);
  });

  it.each([
    [["buildArg.__proto__=x"], {}, '--set buildArg.__proto__=x: "__proto__" cannot be an entry name (it names a part of every JavaScript object)'],
    [
      ["buildArg=__proto__=x"],
      { buildArg: { A: "1" } },
      '--set buildArg=__proto__=x: options.buildArg: "__proto__" cannot be an entry name (it names a part of every JavaScript object)',
    ],
    [["extraFlags.__proto__=x"], {}, '--set extraFlags.__proto__=x: "__proto__" cannot be an entry name (it names a part of every JavaScript object)'],
    [["ulimit.__proto__=1"], {}, '--set ulimit.__proto__=1: "__proto__" cannot be an entry name (it names a part of every JavaScript object)'],
    [[0], {}, "expects key=value text, got the number 0"],
  ])("applySets(%j): a RecipeError, not a silent drop or a TypeError", (sets, options, line) => {
    expect(() => applySets(options, sets as never)).toThrow(RecipeError);
    expect(() => applySets(options, sets as never)).toThrow(`invalid --set (1 problem):\n  ${line}`);
  });

  it("applySets() on something that is not options: a RecipeError", () => {
    expect(() => applySets("tag=a" as never, [])).toThrow('invalid --set (1 problem):\n  options: expects an object of build options, got the string "tag=a"');
    expect(() => applySets({}, "tag=a" as never)).toThrow('invalid --set (1 problem):\n  expects a list of key=value texts, got the string "tag=a"');
  });

  it("fromBake() with a { toString: 1 } attribute: a RecipeError naming it", () => {
    expect(() => fromBake({ target: { app: { "cache-to": [{ type: { toString: 1 } }] } } })).toThrow(
      "cannot import (1 problem):\n  target.app.cache-to[0].type: expects a string, number or boolean, got an object",
    );
  });
});
