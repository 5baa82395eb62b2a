/**
 * Progress events from `--progress=rawjson`: each line buildx prints is a BuildKit SolveStatus;
 * these turn its repeated vertex updates into one event per change.
 */

/** One thing that happened to a step of the build. */
export interface ProgressEvent {
  readonly type: "started" | "completed" | "cached" | "errored" | "log";
  /** The step's digest (stable for the build). */
  readonly vertex: string;
  /** The step as buildx names it: `[2/3] RUN make`. */
  readonly name: string;
  /** When it happened (ISO 8601, from BuildKit). */
  readonly time: string | null;
  /** For completed, cached and errored steps with both times: how long the step took. */
  readonly durationMs?: number;
  /** For errored steps: BuildKit's error. */
  readonly error?: string;
  /** For log events: the text the step printed. */
  readonly text?: string;
  /**
   * The bake target the step belongs to, for a build run through `docker buildx bake` (in
   * `runRecipes`, the recipe's target: `RecipeRunResult.bake.target`); absent for a build. `name`
   * is then the step's name without the target buildx puts in front of it.
   */
  readonly target?: string;
}

/** A step as a SolveStatus reports it. */
export interface StatusVertex {
  digest?: string;
  name?: string;
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
}

/** One BuildKit SolveStatus, as buildx prints it in rawjson: the steps that changed and what they printed. */
export interface SolveStatus {
  vertexes?: StatusVertex[];
  logs?: { vertex?: string; data?: string; timestamp?: string }[];
  [key: string]: unknown;
}

/**
 * Reassembles rawjson output into SolveStatus objects: one per line in recent buildx, pretty-printed
 * over many lines in older ones (0.13).
 */
export class RawjsonReader {
  #pending: string[] | null = null;

  /**
   * Feeds one line of stderr. Returns the statuses it completes (none while a pretty-printed one is
   * still open, or for one that does not parse), or null when the line is not rawjson (an `ERROR:`
   * line, say) and belongs to the caller.
   */
  feed(line: string): SolveStatus[] | null {
    if (this.#pending) {
      this.#pending.push(line);
      if (line !== "}") return [];
      const text = this.#pending.join("\n");
      this.#pending = null;
      return parsed(text);
    }
    if (!line.startsWith("{")) return null;
    if (line === "{") {
      this.#pending = [line];
      return [];
    }
    return parsed(line);
  }
}

function parsed(text: string): SolveStatus[] {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? [value as SolveStatus] : [];
  } catch {
    return [];
  }
}

/**
 * Turns rawjson output into events, remembering what each step already reported. buildx prints
 * one status per line in recent versions and pretty-printed over many lines in older ones (0.13):
 * both are read.
 */
export class ProgressReader {
  readonly #seen = new Map<string, { name: string; started: boolean; done: boolean }>();
  readonly #lines = new RawjsonReader();

  /**
   * Feeds one line of stderr. Returns the events it completes, or null when the line is not
   * rawjson (an `ERROR:` line, say) and belongs to the caller.
   */
  feed(line: string): ProgressEvent[] | null {
    const statuses = this.#lines.feed(line);
    return statuses === null ? null : statuses.flatMap((s) => this.read(s));
  }

  /** The events of one status (already parsed: a part of a bake's status, say). */
  read(status: SolveStatus): ProgressEvent[] {
    const events: ProgressEvent[] = [];
    for (const v of status.vertexes ?? []) {
      if (!v.digest) continue;
      const seen = this.#seen.get(v.digest) ?? { name: v.name ?? "", started: false, done: false };
      if (v.name) seen.name = v.name;
      this.#seen.set(v.digest, seen);
      const base = { vertex: v.digest, name: seen.name };
      // Not for a step already reported: a step taken from an imported cache is reported cached
      // first, then "started" and "completed" again while its result is loaded.
      if (v.started && !seen.started && !v.cached && !seen.done) {
        seen.started = true;
        events.push({ type: "started", ...base, time: v.started });
      }
      if (seen.done) continue;
      const duration = v.started && v.completed ? Date.parse(v.completed) - Date.parse(v.started) : undefined;
      const timing = duration !== undefined && Number.isFinite(duration) ? { durationMs: duration } : {};
      if (v.error) {
        seen.done = true;
        events.push({ type: "errored", ...base, time: v.completed ?? null, error: v.error, ...timing });
      } else if (v.cached) {
        seen.done = true;
        events.push({ type: "cached", ...base, time: v.completed ?? v.started ?? null, ...timing });
      } else if (v.completed) {
        seen.done = true;
        events.push({ type: "completed", ...base, time: v.completed, ...timing });
      }
    }
    for (const log of status.logs ?? []) {
      if (!log.vertex || !log.data) continue;
      let text: string;
      try {
        text = new TextDecoder().decode(Uint8Array.from(atob(log.data), (c) => c.charCodeAt(0)));
      } catch {
        continue;
      }
      events.push({ type: "log", vertex: log.vertex, name: this.#seen.get(log.vertex)?.name ?? "", time: log.timestamp ?? null, text });
    }
    return events;
  }
}
