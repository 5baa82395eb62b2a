/**
 * lib/runtime/posix.ts against node:path's posix functions, the oracle: the same answer for every path
 * of a corpus of ordinary and awkward ones (dots, repeated and trailing slashes, the root).
 */
import { posix as oracle } from "node:path";
import process from "node:process";
import { describe, expect, it } from "vitest";
import * as posix from "../../lib/runtime/posix.ts";

const PATHS = [
  "",
  ".",
  "..",
  "/",
  "//",
  "///",
  "a",
  "a/",
  "a//",
  "/a",
  "//a",
  "///a",
  "/a/",
  "a/b",
  "a/b/",
  "a//b",
  "/a//b",
  "a/b//",
  "./a",
  "../a",
  "a/.",
  "a/..",
  "a/../",
  "a/../..",
  "../../a",
  "/..",
  "/../a",
  "/a/../..",
  "a/./b/../c/",
  "./",
  "../",
  ".a",
  "a.",
  "a/.b",
  "..a/b",
  "a/..b",
  "/a/b/c/../../d",
  "x/y/z",
  "/x/y/z/",
  "recipes/app.json",
  "/tmp/buildx-kit-x/metadata.json",
  "C:\\a\\b",
  "a b/c d",
  "~/x",
];

describe("posix path arithmetic, as node:path's posix functions", () => {
  it.each(PATHS)("normalize, dirname, basename, isAbsolute of %j", (p) => {
    expect(posix.normalize(p)).toBe(oracle.normalize(p));
    expect(posix.dirname(p)).toBe(oracle.dirname(p));
    expect(posix.basename(p)).toBe(oracle.basename(p));
    expect(posix.isAbsolute(p)).toBe(oracle.isAbsolute(p));
  });

  it("join, resolve and relative of every pair", () => {
    let pairs = 0;
    for (const a of PATHS) {
      for (const b of PATHS) {
        expect(posix.join(a, b), `join(${JSON.stringify(a)}, ${JSON.stringify(b)})`).toBe(oracle.join(a, b));
        expect(posix.resolve(a, b), `resolve(${JSON.stringify(a)}, ${JSON.stringify(b)})`).toBe(oracle.resolve(a, b));
        expect(posix.relative(a, b), `relative(${JSON.stringify(a)}, ${JSON.stringify(b)})`).toBe(oracle.relative(a, b));
        pairs++;
      }
    }
    expect(pairs).toBe(PATHS.length ** 2);
  });

  it("join and resolve of three parts and of none", () => {
    expect(posix.join()).toBe(oracle.join());
    expect(posix.resolve()).toBe(oracle.resolve());
    expect(posix.resolve()).toBe(process.cwd());
    for (const [a, b, c] of [["/a", "b", "../c"], ["a", "/b", "c/"], ["", "", ""], ["x", "", "/"], ["..", "..", "a"]]) {
      expect(posix.join(a!, b!, c!)).toBe(oracle.join(a!, b!, c!));
      expect(posix.resolve(a!, b!, c!)).toBe(oracle.resolve(a!, b!, c!));
    }
  });

  it("names the separators", () => {
    expect([posix.sep, posix.delimiter]).toEqual([oracle.sep, oracle.delimiter]);
  });
});
