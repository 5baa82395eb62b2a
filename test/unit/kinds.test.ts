/**
 * Each value kind's codec (lib/core/kinds.ts) reads back what it writes, through every door a value
 * comes in by: the command line (`parseBuildArgs()` of what `plan()` wrote), bake (a target's
 * key and back), the guide (its entries and back) and `--set NAME=TEXT`. Property tests over
 * the grammars of test/support/kind-values.ts: every value `plan()` accepts gives, after the
 * round trip, the same flag arguments (as buildx reads them: `host=ip` is `host:ip`, a key=value
 * flag's last value of a key wins).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../lib/core/diagnostics.ts";
import { FLAG_ROWS, type FlagRow } from "../../lib/core/flags.ts";
import { type BakeSource, codecOf, KINDS } from "../../lib/core/kinds.ts";
import { applySets } from "../../lib/recipe/overrides.ts";
import { parseBuildArgs } from "../../lib/core/parse.ts";
import { plan } from "../../lib/core/plan.ts";
import { valuesOf } from "../support/kind-values.ts";

const RUNS = { seed: 3, numRuns: 300 } as const;

/** The arguments of one option's flag that `plan()` writes for a value, or null when it refuses the value. */
function argsOf(name: string, row: FlagRow, value: unknown): string[] | null {
  // No value: no flag (plan() of no options at all would load by default).
  if (value === undefined) return [];
  const p = plan({ [name]: value });
  if (p.diagnostics.some((d) => d.level === "error" && d.option !== null && /^[A-Za-z]+/.exec(d.option)?.[0] === name)) return null;
  const args = p.args.filter((a) => a === row.flag || a.startsWith(`${row.flag}=`));
  if (row.kind !== "map" && row.kind !== "hosts" && row.kind !== "ulimit") return args;
  // As buildx reads a key=value flag: host=ip is host:ip, nofile=0:0 is nofile=0; the last value of a key wins.
  const entries = new Map<string, string>();
  for (const arg of args) {
    const text = arg.slice(row.flag.length + 1).replace(
      /^([a-z]+=)(-?\d+):(-?\d+)$/,
      (all, limit: string, soft: string, hard: string) => row.kind === "ulimit" && soft === hard ? `${limit}${soft}` : all,
    );
    const at = row.kind === "hosts" ? text.search(/[:=]/) : text.indexOf("=");
    const [key, v] = at === -1 ? [text, null] : [text.slice(0, at), text.slice(at + 1)];
    entries.set(key, v === null ? key : `${key}${row.kind === "hosts" ? ":" : "="}${v}`);
  }
  return [...entries.values()].map((e) => `${row.flag}=${e}`);
}

/** A property of the values of an option that `plan()` accepts, with the arguments it writes for them. */
function whenAccepted(name: string, row: FlagRow, check: (value: unknown, args: string[]) => void): fc.IPropertyWithHooks<[unknown]> {
  return fc.property(valuesOf(name, row), (value) => {
    const args = argsOf(name, row, value);
    fc.pre(args !== null);
    check(value, args!);
  });
}

/** Bake's lists as lib/recipe/bake.ts reads them (strings, or records as CSV text), problems recorded. */
function bakeSource(path: string, problems: string[]): BakeSource {
  return {
    path,
    problem: (at, message) => problems.push(`${at}: ${message}`),
    strings: (value, at) => {
      if (!Array.isArray(value)) {
        problems.push(`${at}: not a list`);
        return null;
      }
      return value.map((item) => (typeof item === "string" ? item : JSON.stringify(item)));
    },
    child: (at, key) => `${at}.${key}`,
  };
}

describe("every kind's codec reads back what it writes", () => {
  it("has one codec for every kind the table uses, each of its own kind", () => {
    for (const [, row] of FLAG_ROWS) expect(codecOf(row).kind).toBe(row.kind);
    for (const [kind, codec] of Object.entries(KINDS)) expect(codec.kind).toBe(kind);
  });

  for (const [name, row] of FLAG_ROWS) {
    describe(`${name} (${row.kind})`, () => {
      it("the command line: what plan() writes parses back to a value that writes the same", () => {
        fc.assert(
          whenAccepted(name, row, (_value, args) => {
            const parsed = parseBuildArgs(args);
            expect(parsed.diagnostics.filter((d) => d.level === "error"), args.join(" ")).toEqual([]);
            expect(argsOf(name, row, (parsed.options as Record<string, unknown>)[name]), args.join(" ")).toEqual(args);
          }),
          RUNS,
        );
      });

      // Only the kinds and rows these apply to get the test (no skipped test stands for "not applicable").
      if (row.bake !== null) {
        it("bake: its bake key's value converts back to a value that writes the same", () => {
          fc.assert(
            whenAccepted(name, row, (value, args) => {
              const codec = codecOf(row);
              const notes: Diagnostic[] = [];
              const baked = codec.toBake(name, row, value, notes);
              // A value bake cannot hold (a build arg from the environment) is said, and left out.
              if (notes.length) return;
              expect(baked).not.toBeNull();
              const problems: string[] = [];
              const back = codec.fromBake(row, JSON.parse(JSON.stringify(baked)) as unknown, bakeSource(`target.t.${row.bake}`, problems));
              expect(problems).toEqual([]);
              expect(argsOf(name, row, back), JSON.stringify(baked)).toEqual(args);
            }),
            RUNS,
          );
        });
      }

      if (codecOf(row).question === "entries") {
        it("the guide: its entries, typed back, give a value that writes the same", () => {
          fc.assert(
            whenAccepted(name, row, (value, args) => {
              const codec = codecOf(row);
              const entries = codec.toEntries(row, value);
              expect(argsOf(name, row, codec.fromEntries(row, entries)), entries.join(" | ")).toEqual(args);
            }),
            RUNS,
          );
        });
      }

      it("--set: each flag argument written, set again as NAME=TEXT, writes the same", () => {
        fc.assert(
          whenAccepted(name, row, (_value, args) => {
            // --push is push=true; the first --set of a list replaces it, the next ones add to it.
            const sets = args.map((a) => `${name}=${a === row.flag ? "true" : a.slice(row.flag.length + 1)}`);
            let options: Record<string, unknown>;
            try {
              options = applySets({}, sets) as Record<string, unknown>;
            } catch {
              // A key=value option takes NAME=VALUE: a key alone (a build arg from the environment) is refused.
              expect(codecOf(row).settable && args.some((a) => !a.slice(row.flag.length + 1).includes("=")), sets.join(" ")).toBe(true);
              return;
            }
            expect(argsOf(name, row, options[name]), sets.join(" ")).toEqual(args);
          }),
          RUNS,
        );
      });
    });
  }
});
