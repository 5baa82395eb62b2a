/**
 * JSON with positions. JSON.parse says neither where nor why in a way that is the same on Node,
 * Deno and Bun, so recipes and bake files are read by this small strict parser: RFC 8259, plus
 * clear words for what people actually write by mistake (a BOM, a trailing comma, comments,
 * single quotes), and the line and column of every value.
 */
/** How deep JSON may nest (the deepest recipe option, a ulimit range, needs 5). */
const MAX_DEPTH = 32;

/** A 1-based line and column. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/** Where a value (and, for an object member, its key) starts. */
export interface Located {
  readonly value: TextPosition;
  readonly key?: TextPosition;
}

/** A JSON text that does not parse: the first error, with its position. */
export class JsonSyntaxError extends SyntaxError {
  override readonly name = "JsonSyntaxError";
  readonly line: number;
  readonly column: number;
  /** The message without the position. */
  readonly reason: string;
  constructor(reason: string, position: TextPosition) {
    super(`${reason} at line ${position.line}, column ${position.column}`);
    this.reason = reason;
    this.line = position.line;
    this.column = position.column;
  }
}

/** A parsed JSON text with the position of every value, keyed by path (`options.tag[1]`). */
export interface ParsedJson {
  readonly value: unknown;
  readonly positions: ReadonlyMap<string, Located>;
  /** Keys that appear twice in one object (JSON.parse would keep the last silently). */
  readonly duplicates: readonly { readonly path: string; readonly key: TextPosition }[];
}

/** Joins a path and an object key the way `values.ts` names paths. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return parent === "" ? key : `${parent}.${key}`;
}

/**
 * Parses strict JSON, recording where each value starts. Throws `JsonSyntaxError` for the first
 * error, with a message that says what to fix.
 */
export function parseJsonWithPositions(text: string): ParsedJson {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  const at = (index: number): TextPosition => {
    let lo = 0, hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: index - lineStarts[lo]! + 1 };
  };
  const fail = (reason: string, index: number): never => {
    throw new JsonSyntaxError(reason, at(index));
  };
  const positions = new Map<string, Located>();
  const duplicates: { path: string; key: TextPosition }[] = [];
  let i = 0;

  if (text.charCodeAt(0) === 0xfeff) {
    fail("the file starts with a byte order mark (BOM): save it as UTF-8 without a BOM", 0);
  }

  const show = (index: number): string => {
    const word = /^[A-Za-z0-9_$+.-]+/.exec(text.slice(index, index + 20))?.[0];
    const shown = word && word.length > 1 ? word : text[index]!;
    return JSON.stringify(shown);
  };

  const skip = (): void => {
    for (;;) {
      const c = text[i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") i++;
      else if (c === "/" && (text[i + 1] === "/" || text[i + 1] === "*")) fail("comments are not allowed in JSON: remove it", i);
      else return;
    }
  };

  const value = (path: string, depth: number): unknown => {
    skip();
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`, i);
    const start = i;
    const c = text[i];
    const record = (v: unknown, key?: TextPosition): unknown => {
      positions.set(path, key ? { value: at(start), key } : { value: at(start) });
      return v;
    };
    if (c === undefined) return fail("unexpected end of the file: expected a value", i);
    if (c === "{") return object(path, depth, start);
    if (c === "[") return array(path, depth, start);
    if (c === '"') return record(string());
    if (c === "-" || (c >= "0" && c <= "9")) return record(number());
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, i) && !/[A-Za-z0-9_]/.test(text[i + word.length] ?? "")) {
        i += word.length;
        return record(v);
      }
    }
    if (c === "'") return fail("strings take double quotes in JSON, not single quotes", i);
    if (/^(NaN|Infinity|undefined)\b/.test(text.slice(i))) {
      return fail(`unexpected ${show(i)}: JSON has no NaN, Infinity or undefined`, i);
    }
    if (/[A-Za-z_]/.test(c)) return fail(`unexpected ${show(i)}: expected a value (text takes double quotes)`, i);
    return fail(`unexpected ${show(i)}: expected a value`, i);
  };

  const object = (path: string, depth: number, start: number): Record<string, unknown> => {
    positions.set(path, { value: at(start) });
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    i++; // {
    skip();
    if (text[i] === "}") {
      i++;
      return out;
    }
    for (;;) {
      skip();
      const keyStart = i;
      const c = text[i];
      if (c !== '"') {
        if (c === undefined) fail("unexpected end of the file: expected a property name or }", i);
        if (c === "'") fail("property names take double quotes in JSON, not single quotes", i);
        if (/[A-Za-z_$]/.test(c!)) fail(`property names take double quotes in JSON: write "${/^[A-Za-z0-9_$]+/.exec(text.slice(i))![0]}"`, i);
        fail(`unexpected ${show(i)}: expected a property name in double quotes`, i);
      }
      const key = string();
      const keyPos = at(keyStart);
      const p = childPath(path, key);
      if (seen.has(key)) duplicates.push({ path: p, key: keyPos });
      seen.add(key);
      skip();
      if (text[i] !== ":") {
        fail(
          text[i] === undefined ? `unexpected end of the file: expected ":" after "${key}"` : `expected ":" after the property name "${key}", found ${show(i)}`,
          i,
        );
      }
      i++;
      const v = value(p, depth + 1);
      const loc = positions.get(p);
      positions.set(p, { value: loc?.value ?? keyPos, key: keyPos });
      if (key === "__proto__") Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      skip();
      if (text[i] === "}") {
        i++;
        return out;
      }
      if (text[i] !== ",") {
        if (text[i] === undefined) fail("unexpected end of the file: expected , or } (is a } missing?)", i);
        if (text[i] === '"') fail(`expected , or } after the value of "${key}": is a comma missing?`, i);
        fail(`unexpected ${show(i)} after the value of "${key}": expected , or }`, i);
      }
      const comma = i;
      i++;
      skip();
      if (text[i] === "}") fail("trailing comma after the last property: remove it (JSON allows none)", comma);
    }
  };

  const array = (path: string, depth: number, start: number): unknown[] => {
    positions.set(path, { value: at(start) });
    const out: unknown[] = [];
    i++; // [
    skip();
    if (text[i] === "]") {
      i++;
      return out;
    }
    for (;;) {
      out.push(value(childPath(path, out.length), depth + 1));
      skip();
      if (text[i] === "]") {
        i++;
        return out;
      }
      if (text[i] !== ",") {
        if (text[i] === undefined) fail("unexpected end of the file: expected , or ] (is a ] missing?)", i);
        fail(`unexpected ${show(i)} in an array: expected , or ] (is a comma missing?)`, i);
      }
      const comma = i;
      i++;
      skip();
      if (text[i] === "]") fail("trailing comma after the last element: remove it (JSON allows none)", comma);
    }
  };

  const string = (): string => {
    const start = i;
    i++; // "
    let out = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) return fail('unterminated string: a closing " is missing', start);
      if (c === '"') {
        i++;
        return out;
      }
      if (c === "\n" || c === "\r") return fail('unterminated string: a string cannot hold a line break (write \\n, or close it with ")', start);
      if (c < " ") return fail(`a control character (U+${c.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}) inside a string: write it escaped`, i);
      if (c === "\\") {
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
          continue;
        }
        if (e === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) return fail("\\u needs four hex digits", i);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          continue;
        }
        return fail(`invalid escape \\${e ?? ""} in a string: write a backslash as \\\\`, i);
      }
      out += c;
      i++;
    }
  };

  const number = (): number => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) return fail(`unexpected ${show(i)}: expected a number`, i);
    if (/^-?0\d/.test(text.slice(i))) return fail("numbers cannot start with 0 in JSON", i);
    const after = text[i + m[0].length];
    if (after === ".") return fail("expected a digit after the decimal point", i + m[0].length + 1);
    i += m[0].length;
    return Number(m[0]);
  };

  if (text.trim() === "") fail("the file is empty: a recipe is a JSON object", 0);
  const result = value("", 0);
  skip();
  if (i < text.length) fail(`unexpected ${show(i)} after the end of the JSON value`, i);
  return { value: result, positions, duplicates };
}

/** The position recorded for a path, or for its nearest ancestor that has one. */
export function positionOf(positions: ReadonlyMap<string, Located> | undefined, path: string, useKey: boolean): TextPosition | undefined {
  if (!positions) return undefined;
  let p = path;
  for (;;) {
    const loc = positions.get(p);
    if (loc) return useKey && loc.key ? loc.key : loc.value;
    if (p === "") return undefined;
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    p = cut <= 0 ? "" : p.slice(0, cut);
  }
}
