/**
 * Reading what a Dockerfile offers a build: its stages (`FROM ... AS name`, for `target`) and its
 * `ARG`s with their defaults (for `buildArg`). Not a full parser: just enough of BuildKit's rules
 * to get those right — parser directives (`# escape=`), line continuations, comments, heredocs
 * and case-insensitive instructions.
 */
import { listDir, readText, stat } from "../runtime/host.ts";
import { join } from "../runtime/posix.ts";

/** One `FROM` of the Dockerfile. */
export interface DockerfileStage {
  /** The name after `AS`, as written; null for an unnamed stage. */
  readonly name: string | null;
  /** 0 for the first `FROM`. */
  readonly index: number;
  /** The image (or earlier stage) it starts from, as written. */
  readonly base: string;
  /** The `--platform=` of the `FROM`, if any. */
  readonly platform: string | null;
  /** 1-based line of the `FROM`. */
  readonly line: number;
  /** Names of earlier stages this one needs (its base, `COPY --from=`, `RUN --mount=from=`), lower-case. */
  readonly needs: readonly string[];
}

/** One name declared by an `ARG` instruction. */
export interface DockerfileArg {
  readonly name: string;
  /** The default after `=`, unquoted; null when the ARG has none. */
  readonly default: string | null;
  /** The stage it is declared in (its index), or null for a global ARG (before the first `FROM`). */
  readonly stage: number | null;
  readonly line: number;
}

/** What a Dockerfile declares. */
export interface DockerfileInfo {
  /** Parser directives (`syntax`, `escape`, `check`), keys lower-case. */
  readonly directives: Readonly<Record<string, string>>;
  readonly stages: readonly DockerfileStage[];
  readonly args: readonly DockerfileArg[];
}

/**
 * The build args BuildKit sets by itself: a Dockerfile declares them to read them, not for the
 * user to set.
 */
export const AUTOMATIC_ARGS: ReadonlySet<string> = new Set([
  "TARGETPLATFORM",
  "TARGETOS",
  "TARGETARCH",
  "TARGETVARIANT",
  "BUILDPLATFORM",
  "BUILDOS",
  "BUILDARCH",
  "BUILDVARIANT",
]);

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$/;
const HEREDOC = /<<(-?)\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

interface Instruction {
  readonly keyword: string;
  readonly rest: string;
  readonly line: number;
}

/** Reads the directives at the top of the file; they end at the first line that is not one. */
function readDirectives(lines: readonly string[]): { directives: Record<string, string>; next: number } {
  const directives: Record<string, string> = {};
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    // A repeated directive is a comment, and ends the directives (as BuildKit reads it).
    if (key in directives) break;
    directives[key] = m[2]!;
  }
  return { directives, next: i };
}

/** Joins continued lines into instructions, skipping comments, blank lines and heredoc bodies. */
function instructions(lines: readonly string[], from: number, escape: string): Instruction[] {
  const continued = new RegExp(`${escape === "`" ? "`" : "\\\\"}[ \\t]*$`);
  const out: Instruction[] = [];
  let i = from;
  while (i < lines.length) {
    const first = lines[i]!;
    if (first.trim() === "" || first.trimStart().startsWith("#")) {
      i++;
      continue;
    }
    const start = i + 1;
    let text = "";
    let line = first;
    for (;;) {
      i++;
      if (!continued.test(line)) {
        text += line;
        break;
      }
      text += line.replace(continued, "");
      // Inside a continuation, comment lines and blank lines are dropped, not the end of it.
      while (i < lines.length && (lines[i]!.trim() === "" || lines[i]!.trimStart().startsWith("#"))) i++;
      if (i >= lines.length) break;
      line = lines[i]!;
    }
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(text);
    if (!m) continue;
    const keyword = m[1]!.toUpperCase();
    out.push({ keyword, rest: m[2]!.trim(), line: start });
    // Heredoc bodies (RUN <<EOF ... EOF) are data: a body line "FROM x" is not an instruction.
    if (keyword === "RUN" || keyword === "COPY" || keyword === "ADD") {
      for (const h of m[2]!.matchAll(HEREDOC)) {
        const strip = h[1] === "-";
        const end = h[3]!;
        while (i < lines.length) {
          const body = lines[i++]!;
          if ((strip ? body.replace(/^\t+/, "") : body).trimEnd() === end) break;
        }
      }
    }
  }
  return out;
}

/** Splits an instruction's arguments into words, honouring quotes and the escape character. */
export function words(text: string, escape = "\\"): string[] {
  const out: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === escape && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '"' || c === "'") quote = c;
    else if (c === escape && i + 1 < text.length) word += text[++i];
    else word += c;
  }
  if (inWord) out.push(word);
  return out;
}

/** Reads a Dockerfile's text. Never throws: what it cannot read, it leaves out. */
export function parseDockerfile(text: string): DockerfileInfo {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const { directives, next } = readDirectives(lines);
  const escape = directives.escape === "`" ? "`" : "\\";
  const stages: { name: string | null; index: number; base: string; platform: string | null; line: number; needs: Set<string> }[] = [];
  const args: DockerfileArg[] = [];

  for (const ins of instructions(lines, next, escape)) {
    const current = stages[stages.length - 1];
    if (ins.keyword === "FROM") {
      const w = words(ins.rest, escape);
      let platform: string | null = null;
      const plain: string[] = [];
      for (const word of w) {
        const flag = /^--([a-z-]+)(?:=(.*))?$/i.exec(word);
        if (flag && plain.length === 0) {
          if (flag[1]!.toLowerCase() === "platform") platform = flag[2] ?? null;
        } else plain.push(word);
      }
      const base = plain[0] ?? "";
      const name = plain.length >= 3 && plain[1]!.toLowerCase() === "as" ? plain[2]! : null;
      const needs = new Set<string>();
      if (stages.some((s) => s.name?.toLowerCase() === base.toLowerCase())) needs.add(base.toLowerCase());
      stages.push({ name, index: stages.length, base, platform, line: ins.line, needs });
    } else if (ins.keyword === "ARG") {
      for (const word of words(ins.rest, escape)) {
        const eq = word.indexOf("=");
        const name = eq === -1 ? word : word.slice(0, eq);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
        args.push({ name, default: eq === -1 ? null : word.slice(eq + 1), stage: current ? current.index : null, line: ins.line });
      }
    } else if (current && (ins.keyword === "COPY" || ins.keyword === "ADD" || ins.keyword === "RUN")) {
      for (const m of ins.rest.matchAll(/--(?:from|mount=[^\s]*?\bfrom)=([^\s,]+)/gi)) current.needs.add(m[1]!.replace(/^["']|["']$/g, "").toLowerCase());
    }
  }
  return { directives, stages: stages.map((s) => ({ ...s, needs: [...s.needs] })), args };
}

/** The named stages, in order: what `target` can be. */
export function stageNames(info: DockerfileInfo): string[] {
  return info.stages.flatMap((s) => (s.name ? [s.name] : []));
}

/** A build arg worth offering: its name, default, and where it is declared. */
export interface OfferedArg {
  readonly name: string;
  readonly default: string | null;
  /** "global", or the stage's name (or `stage N`). */
  readonly where: string;
}

/**
 * The ARGs a build of `target` (default: the last stage) reads: the global ones and those of the
 * stages it needs, once each, without the ones BuildKit sets itself. A stage's `ARG X` without a
 * default takes the global default of X.
 */
export function argsFor(info: DockerfileInfo, target?: string): OfferedArg[] {
  const byName = new Map(info.stages.flatMap((s) => (s.name ? [[s.name.toLowerCase(), s] as const] : [])));
  const last = info.stages[info.stages.length - 1];
  const start = target ? byName.get(target.toLowerCase()) ?? last : last;
  const used = new Set<number>();
  const visit = (stage: DockerfileStage | undefined) => {
    if (!stage || used.has(stage.index)) return;
    used.add(stage.index);
    for (const need of stage.needs) visit(byName.get(need) ?? info.stages[Number(need)]);
  };
  visit(start);

  const globals = new Map<string, string | null>();
  for (const a of info.args) if (a.stage === null && !globals.has(a.name)) globals.set(a.name, a.default);
  const offered = new Map<string, OfferedArg>();
  for (const a of info.args) {
    if (AUTOMATIC_ARGS.has(a.name) || offered.has(a.name)) continue;
    if (a.stage !== null && !used.has(a.stage)) continue;
    const stage = a.stage === null ? null : info.stages[a.stage]!;
    offered.set(a.name, {
      name: a.name,
      default: a.default ?? globals.get(a.name) ?? null,
      where: stage === null ? "global" : stage.name ?? `stage ${stage.index}`,
    });
  }
  return [...offered.values()];
}

/** Reads and parses a Dockerfile; null when it cannot be read. */
export async function readDockerfile(path: string): Promise<DockerfileInfo | null> {
  try {
    return parseDockerfile(await readText(path));
  } catch {
    return null;
  }
}

const DOCKERFILE_NAME = /^(?:dockerfile|containerfile)(?:\..+)?$|^.+\.(?:dockerfile|containerfile)$/i;

/**
 * The Dockerfiles at the top of a folder (`Dockerfile`, `Containerfile`, `Dockerfile.dev`,
 * `api.Dockerfile`), plain `Dockerfile` first; [] when the folder cannot be read.
 */
export async function findDockerfiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await listDir(dir);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of names.filter((n) => DOCKERFILE_NAME.test(n) && !/\.(?:dockerignore|md|txt)$/i.test(n))) {
    try {
      if ((await stat(join(dir, name))).isFile) found.push(name);
    } catch {
      // gone meanwhile
    }
  }
  const rank = (n: string) => (n === "Dockerfile" ? 0 : /^dockerfile$/i.test(n) ? 1 : /^containerfile$/i.test(n) ? 2 : 3);
  return found.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
