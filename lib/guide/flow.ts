/**
 * The guided build, `buildx-kit guide`: asks for each option of a build in a natural order,
 * checks every answer with the same `plan()` as everything else while the person is still at that
 * question, then runs the build, saves it as a recipe, or prints the command.
 *
 * The questions are a view of the flag table (`lib/core/flags.ts`): each row's `guide` group says
 * where it is asked, its `question` is the question (the flag shown dimmed beside it), its `doc`
 * the longer help, its `example`, `choices` and `since` shape the answer. What the guide decides
 * (wording, help, defaults, the plan's rules in words, destinations, warnings, where the result
 * went) is in `lib/guide/steps.ts`, pure; this file asks. The prompt functions are injected
 * (`GuideIO.prompts`); the real ones are `@inquirer/prompts`, loaded only when the guide runs, so
 * importing buildx-kit never loads them.
 *
 * `?` at any question that sets a flag says more about it (`longHelp`) and asks it again: an input
 * answered `?`, or the key `?` pressed at a select, checkbox or confirm (`helpKeyPrompt`).
 */
import * as host from "../runtime/host.ts";
import { basename, dirname, join, normalize, relative, resolve } from "../runtime/posix.ts";
import { buildBlocker, type Capabilities, UNKNOWN_CAPABILITIES } from "../core/capabilities.ts";
import { formatCsv, parseCsv } from "../core/csv.ts";
import type { Diagnostic } from "../core/diagnostics.ts";
import { argsFor, type DockerfileInfo, findDockerfiles, readDockerfile, stageNames } from "./dockerfile.ts";
import { BuildError, BuildxKitError, EXIT } from "../core/errors.ts";
import { FEATURES, FLAG_ROWS, type FlagRow, flagRow, FLAGS } from "../core/flags.ts";
import { listBuilders } from "../build/builders.ts";
import { codecOf, exampleEntry as kindExampleEntry, splitEntry } from "../core/kinds.ts";
import {
  type Answers,
  asksBuilder,
  builderChoices,
  builderOption,
  defaultBuilder,
  defaultTag,
  type Destination,
  destinationChoices,
  explainLine,
  failureLines,
  helpFor,
  type KnownBuilder,
  longHelp,
  questionLine,
  questionText,
  shortReason,
  type Style,
  summaryLine,
  tagWarnings,
  whereItWent,
  wrap,
  type Written,
} from "./steps.ts";
import type { BuildOptions } from "../core/options.ts";
import { type Plan, plan, platformsOf, readOutputs } from "../core/plan.ts";
import { probe, PROBE_TIMEOUT_MS } from "../build/probe.ts";
import { isRemote, mapPaths, rebase } from "../recipe/paths.ts";
import { referenceProblem } from "../core/reference.ts";
import type { BuildResult } from "../core/result.ts";
import { build as runBuild, invocationFor, type RunOptions } from "../build/run.ts";
import { chooseBuilder } from "../build/selection.ts";
import { shellCommand } from "../runtime/spawn.ts";
import { atLeast } from "../core/version.ts";

export type { Destination, KnownBuilder } from "./steps.ts";

// ---------------------------------------------------------------------------------------------
// The prompts the guide needs: the shape of @inquirer/prompts' input, select, checkbox, confirm.

/** One choice of a select or checkbox question. */
export interface PromptChoice<V> {
  readonly value: V;
  readonly name?: string;
  readonly description?: string;
  readonly short?: string;
  /** True, or the reason shown beside it (`needs buildx >= 0.10.0`): the choice cannot be picked. */
  readonly disabled?: boolean | string;
  readonly checked?: boolean;
}

/** A line of text. An empty answer means `default`, as in Inquirer. */
export interface InputQuestion {
  readonly message: string;
  readonly default?: string;
  /** Returns true, or the message to show under the answer (which is then not accepted). */
  readonly validate?: (value: string) => boolean | string | Promise<boolean | string>;
  /** How the answer is shown as it is typed (`isFinal` once it is accepted). */
  readonly transformer?: (value: string, flags: { isFinal: boolean }) => string;
}

/** One of several choices. */
export interface SelectQuestion<V> {
  readonly message: string;
  readonly choices: readonly PromptChoice<V>[];
  readonly default?: V;
  readonly pageSize?: number;
  /** The key `?` ends the question with a `MoreHelpRequest` (the guide then says more, and asks again). */
  readonly helpKey?: boolean;
}

/** Any number of choices. */
export interface CheckboxQuestion<V> {
  readonly message: string;
  readonly choices: readonly PromptChoice<V>[];
  readonly pageSize?: number;
  readonly validate?: (selected: readonly { readonly value: V }[]) => boolean | string | Promise<boolean | string>;
  /** The key `?` ends the question with a `MoreHelpRequest` (the guide then says more, and asks again). */
  readonly helpKey?: boolean;
}

/** Yes or no. */
export interface ConfirmQuestion {
  readonly message: string;
  readonly default?: boolean;
  /** The key `?` ends the question with a `MoreHelpRequest` (the guide then says more, and asks again). */
  readonly helpKey?: boolean;
}

/** Where a prompt reads and draws, and what cancels it (Inquirer's context). */
export interface PromptContext {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  signal?: AbortSignal;
  /** Erase the question once it ends, instead of leaving its last line (Inquirer reads it when the prompt ends). */
  clearPromptOnDone?: boolean;
}

/**
 * The prompt functions the guide asks with. The real ones are `@inquirer/prompts`; tests pass
 * fakes. A prompt cancelled with Ctrl-C rejects with an error named `ExitPromptError`; a select,
 * checkbox or confirm asked with `helpKey` rejects with a `MoreHelpRequest` when `?` is pressed.
 */
export interface GuidePrompts {
  input(question: InputQuestion, context?: PromptContext): Promise<string>;
  select<V>(question: SelectQuestion<V>, context?: PromptContext): Promise<V>;
  checkbox<V>(question: CheckboxQuestion<V>, context?: PromptContext): Promise<V[]>;
  confirm(question: ConfirmQuestion, context?: PromptContext): Promise<boolean>;
}

const plain = (text: string) => text;

/**
 * Inquirer's look without its colours: every part of its default theme (and select's and
 * checkbox's) that colours something, drawn the same without the colour.
 */
const PLAIN_THEME = {
  prefix: { idle: "?", done: "\u2714" },
  spinner: { interval: 80, frames: ["\u280b", "\u2819", "\u2839", "\u2838", "\u283c", "\u2834", "\u2826", "\u2827", "\u2807", "\u280f"] },
  icon: { checked: "\u25c9" },
  style: {
    answer: plain,
    message: plain,
    error: (text: string) => `> ${text}`,
    defaultAnswer: (text: string) => `(${text})`,
    help: plain,
    highlight: plain,
    key: (text: string) => `<${text}>`,
    description: plain,
    disabled: (text: string) => `- ${text}`,
    disabledChoice: (text: string) => `- ${text}`,
    keysHelpTip: (keys: [string, string][]) => keys.map(([key, action]) => `${key} ${action}`).join(" \u2022 "),
  },
};

/**
 * What a select, checkbox or confirm asked with `helpKey` rejects with when the person presses `?`:
 * the guide then says more about the question and asks it again.
 */
export class MoreHelpRequest extends Error {
  override readonly name = "MoreHelpRequest";
  constructor() {
    super("the person asked for more about this question (?)");
  }
}

/** An Inquirer prompt function: a config, where to read and draw, the answer. */
export type InquirerPrompt<V> = (config: never, context?: PromptContext) => Promise<V>;

/** Whether a keypress (as Node's readline reports it, or @inquirer/testing fakes it) is `?`. */
function isQuestionMark(text: unknown, key: unknown): boolean {
  const k = key as { name?: unknown; sequence?: unknown } | null | undefined;
  return text === "?" || k?.sequence === "?" || k?.name === "?";
}

/** A signal that aborts when either does; `forget` stops listening to `outer`. */
function eitherSignal(outer: AbortSignal | undefined, inner: AbortController): { signal: AbortSignal; forget: () => void } {
  if (!outer) return { signal: inner.signal, forget: () => {} };
  if (outer.aborted) inner.abort(outer.reason);
  const pass = () => inner.abort(outer.reason);
  outer.addEventListener("abort", pass, { once: true });
  return { signal: inner.signal, forget: () => outer.removeEventListener("abort", pass) };
}

/**
 * An Inquirer select, checkbox or confirm that, for a question asked with `helpKey`, takes the key
 * `?`: the question is erased and the prompt rejects with `MoreHelpRequest`. Inquirer 7's prompts
 * have no hook for a key of one's own (a select reads typed letters as a search), so the key is
 * read from the input the prompt reads, and the prompt is ended through its AbortSignal, Inquirer's
 * own way of ending a prompt from outside; the key is added to the prompt's line of keys
 * (`? more`) where it draws one. Without `helpKey` the prompt is Inquirer's, untouched.
 *
 * @example
 * const select = helpKeyPrompt((await import("@inquirer/prompts")).select);
 * try { await select({ message: "Which?", choices: [{ value: 1 }], helpKey: true }); }
 * catch (e) { if (e instanceof MoreHelpRequest) console.log("more about it"); }
 */
export function helpKeyPrompt<V>(
  prompt: InquirerPrompt<V>,
  options: { readonly color?: boolean } = {},
): (config: object & { readonly helpKey?: boolean; readonly theme?: unknown }, context?: PromptContext) => Promise<V> {
  const tip = (keys: readonly [string, string][]) => {
    const all = [...keys, ["?", "more"] as const];
    return options.color === false
      ? all.map(([key, action]) => `${key} ${action}`).join(" \u2022 ")
      : all.map(([key, action]) => `\x1b[1m${key}\x1b[22m \x1b[2m${action}\x1b[22m`).join("\x1b[2m \u2022 \x1b[22m");
  };
  return (config, context = {}) => {
    const { helpKey, ...rest } = config;
    const call = (c: object, ctx: PromptContext) => prompt(c as never, ctx);
    if (!helpKey) return call(rest, context);
    const theme = (rest.theme ?? {}) as { style?: object };
    const withTip = { ...rest, theme: { ...theme, style: { ...(theme.style ?? {}), keysHelpTip: tip } } };
    // deno-lint-ignore no-explicit-any
    const input = (context.input ?? (globalThis as any).process?.stdin) as NodeJS.ReadableStream | undefined;
    const asked = new AbortController();
    const { signal, forget } = eitherSignal(context.signal, asked);
    const ctx: PromptContext = { ...context, signal };
    const onKey = (text: unknown, key: unknown) => {
      if (!isQuestionMark(text, key) || asked.signal.aborted) return;
      // Read by Inquirer as the prompt ends: the half-answered question goes, the help takes its place.
      ctx.clearPromptOnDone = true;
      asked.abort(new MoreHelpRequest());
    };
    input?.on("keypress", onKey);
    const done = () => {
      input?.removeListener("keypress", onKey);
      forget();
    };
    return call(withTip, ctx).then(
      (answer) => (done(), answer),
      (e: unknown) => {
        done();
        throw asked.signal.aborted && asked.signal.reason instanceof MoreHelpRequest && !context.signal?.aborted ? asked.signal.reason : e;
      },
    );
  };
}

/**
 * Loads `@inquirer/prompts` (only now: importing buildx-kit must not load it). With `color: false`
 * the prompts draw no colour at all (Inquirer's own choice looks at the environment only). Select,
 * checkbox and confirm take `?` for a question asked with `helpKey` (`helpKeyPrompt`).
 */
export async function inquirerPrompts(options: { readonly color?: boolean } = {}): Promise<GuidePrompts> {
  const inquirer = await import("@inquirer/prompts");
  // Our question shapes are a subset of Inquirer's configs; the casts only widen them.
  // deno-lint-ignore no-explicit-any
  type Any = any;
  const themed = (q: object): Any => (options.color === false ? { ...q, theme: PLAIN_THEME } : q);
  const color = { color: options.color !== false };
  const select = helpKeyPrompt<Any>(inquirer.select as InquirerPrompt<Any>, color);
  const checkbox = helpKeyPrompt<Any>(inquirer.checkbox as InquirerPrompt<Any>, color);
  const confirm = helpKeyPrompt<boolean>(inquirer.confirm as InquirerPrompt<boolean>, color);
  return {
    input: (q, c) => inquirer.input(themed(q), c),
    select: (q, c) => select(themed(q), c),
    checkbox: (q, c) => checkbox(themed(q), c),
    confirm: (q, c) => confirm(themed(q), c),
  };
}

/** Whether the guide may colour: not with NO_COLOR set (https://no-color.org, and `--no-color`) or TERM=dumb. */
export function guideColor(env: Readonly<Record<string, string | undefined>>): boolean {
  return !(env.NO_COLOR ?? "") && env.TERM !== "dumb";
}

// ---------------------------------------------------------------------------------------------
// What the guide is given and what it returns

/** How long the first question waits for the probe's answer (a cached probe takes ~15 ms). */
const MACHINE_WAIT_MS = 150;
/** How long the builder question waits for `docker buildx ls` (~0.2 s; 20 s with a builder it cannot reach). */
const BUILDER_WAIT_MS = 5000;

/** What the guide runs with. Everything is optional: the defaults are this process's terminal. */
export interface GuideIO {
  /** Where the prompts read keys (default: stdin). */
  readonly input?: NodeJS.ReadableStream;
  /** Where the prompts and the guide's own lines go (default: stdout). */
  readonly output?: NodeJS.WritableStream;
  /** Aborting it ends the guide like Ctrl-C. */
  readonly signal?: AbortSignal;
  /** The prompt functions (default: `@inquirer/prompts`, loaded on first use). */
  readonly prompts?: GuidePrompts;
  /**
   * What the machine can do with a builder (default: `probe()`, started in the background): with
   * no name, the builder buildx picks (or the one the starting options name); with a name, the
   * builder the person chose.
   */
  readonly probe?: (builder?: string) => Promise<Capabilities>;
  /**
   * The builders to offer (default: `machineBuilders()`: `docker buildx ls`, read in the background
   * once the first question is on screen).
   */
  readonly builders?: () => Promise<readonly KnownBuilder[]>;
  /** Runs the build (default: `build()` of lib/build/run.ts). */
  readonly build?: (options: BuildOptions, run: RunOptions) => Promise<BuildResult>;
  /** The working directory: paths in answers are relative to it (default: the working directory). */
  readonly cwd?: string;
  /** The environment buildx and the secrets see (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How long to wait for the probe before the first question, in ms (default 150). */
  readonly machineWaitMs?: number;
  /**
   * How long the builder question waits for the list of builders, in ms (default 5000): `docker
   * buildx ls` waits up to 20 s for a builder it cannot reach. Past it the build stays on the
   * current builder, and "change an answer" offers the others once the list is there.
   */
  readonly builderWaitMs?: number;
}

/** Where a guided build starts from. */
export interface GuideStart {
  readonly options?: BuildOptions;
  /** The recipe the options came from (`guide --from`): the default place to save. */
  readonly recipePath?: string;
  readonly name?: string;
  readonly description?: string;
}

/** What the person chose at the end. */
export type GuideAction = "run" | "save" | "both" | "print";

/** How a guided build ended. */
export interface GuideOutcome {
  readonly action: GuideAction;
  readonly options: BuildOptions;
  /** The command, shell-quoted. */
  readonly command: string;
  /** Where the recipe was saved, or null. */
  readonly recipePath: string | null;
  /** The build's result, when it ran. */
  readonly result: BuildResult | null;
  /** Why the last build failed, when the person left after a failed build. */
  readonly error?: BuildError;
}

// ---------------------------------------------------------------------------------------------
// The machine, in one line

/** Why this machine cannot run builds, or null when it can. */
export function cannotRun(caps: Capabilities): string | null {
  return buildBlocker(caps)?.message ?? null;
}

/** The builder's platforms, each once. */
export function builderPlatforms(caps: Capabilities): string[] {
  return [...new Set(caps.builder?.nodes.flatMap((n) => n.platforms) ?? [])];
}

/**
 * This machine's builders as the guide offers them: `docker buildx ls`, the current one as buildx
 * picks it (lib/build/selection.ts), and for each whether buildx can build with it from here (another
 * docker context's own builder cannot: buildx asks to switch to that context first). No builder
 * (no docker, a buildx that fails) is an empty list.
 *
 * @example
 * for (const b of await machineBuilders(process.env)) console.log(b.name, b.current, b.unavailable);
 */
export async function machineBuilders(env: Readonly<Record<string, string | undefined>>): Promise<KnownBuilder[]> {
  let listed;
  try {
    listed = await listBuilders({ env, timeoutMs: PROBE_TIMEOUT_MS });
  } catch {
    return [];
  }
  const current = (await chooseBuilder(undefined, env)).name;
  return Promise.all(listed.map(async (b): Promise<KnownBuilder> => {
    const decision = await chooseBuilder(b.name, env);
    const unavailable = b.error
      ? "buildx cannot load it"
      : decision.kind === "context" && decision.error
      ? "only from its docker context"
      : decision.error
      ? "buildx cannot use it from here"
      : null;
    return {
      name: b.name,
      driver: b.driver,
      nodes: b.nodes.map((n) => ({ name: n.name, platforms: n.platforms, status: n.status })),
      current: current !== null && current.toLowerCase() === b.name.toLowerCase(),
      unavailable,
    };
  }));
}

/** What the guide says about the machine before it asks: one line, plus why it cannot build. */
export function describeMachine(caps: Capabilities): string[] {
  const why = cannotRun(caps);
  if (caps.buildxCommand === null) {
    return [
      `Machine: ${caps.problems.map((p) => p.message).join("; ") || "docker with buildx was not found"}.`,
      "You can still plan the build, save it as a recipe and print the command; running it needs docker with buildx.",
    ];
  }
  const version = caps.buildxVersion
    ? `buildx ${caps.buildxVersion}`
    : `buildx of unknown release (${JSON.stringify(caps.buildxVersionText || "?")}; assuming the latest)`;
  const driver = caps.driver ? `${caps.driver} driver${caps.builder ? ` (builder ${caps.builder.name})` : ""}` : "driver unknown";
  const store = caps.containerdImageStore === null ? "image store unknown" : caps.containerdImageStore ? "containerd image store" : "classic image store";
  const platforms = builderPlatforms(caps);
  const lines = [`Machine: ${version} · ${driver} · ${store} · platforms ${platforms.join(", ") || "unknown"}`];
  for (const p of caps.problems) lines.push(`  ${p.message}`);
  if (why) lines.push("You can still plan the build, save it as a recipe and print the command; running it needs a working docker with buildx.");
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Reading the table

/** The question's line from the table: `Image name and tag  (--tag)`. */
export function title(name: string, dim?: Style): string {
  return questionLine(name, dim);
}

/** An example entry as the guide asks for it (`key=value`, `host=ip`, `nofile=1024:2048`). */
export function exampleEntry(row: FlagRow): string | null {
  return kindExampleEntry(row);
}

/** The entries of a multi-valued option, as the guide shows and asks them. */
export function entriesOf(row: FlagRow, value: unknown): string[] {
  return codecOf(row).toEntries(row, value);
}

/** The option value for entries: a record for key=value kinds, else the list (undefined when empty). */
export function valueOf(row: FlagRow, entries: readonly string[]): unknown {
  return codecOf(row).fromEntries(row, entries);
}

/** A value of the option that would pass, to ask the plan whether the option itself is possible here. */
function sampleValue(row: FlagRow): unknown {
  return codecOf(row).sample(row);
}

function listOf(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The option a diagnostic is about, without its path: `tag[1]` -> `tag`, `buildArg.X` -> `buildArg`. */
function rootOf(option: string | null): string | null {
  return option === null ? null : option.split(/[.[]/)[0]!;
}

// ---------------------------------------------------------------------------------------------
// The questions, in order

/** The questions in order. Each owns the rows of the table it sets. */
const STEPS = ["context", "file", "target", "tag", "builder", "platform", "destination", "buildArg", "more"] as const;
type StepName = (typeof STEPS)[number];

const STEP_ROWS: Readonly<Record<StepName, readonly string[]>> = {
  context: ["context"],
  file: ["file"],
  target: ["target"],
  tag: ["tag"],
  builder: ["builder"],
  platform: ["platform"],
  destination: ["push", "load", "output"],
  buildArg: ["buildArg"],
  more: FLAG_ROWS.filter(([, row]) => row.guide === "more").map(([n]) => n),
};

/** Rows the table puts among the first questions that no question above asks: asked one by one before "more options?". */
const OTHER_BASIC: readonly string[] = FLAG_ROWS.filter(([n, row]) => row.guide === "basic" && !STEPS.some((s) => STEP_ROWS[s].includes(n))).map(([n]) => n);

function stepOf(option: string | null): string | null {
  const root = rootOf(option);
  if (root === null) return null;
  for (const step of STEPS) if (STEP_ROWS[step].includes(root)) return step;
  return OTHER_BASIC.includes(root) ? `row:${root}` : null;
}

const FILE_DESTINATIONS: Readonly<Record<"local" | "tar" | "oci", { readonly question: string; readonly fallback: string }>> = {
  local: { question: "Folder to write the files to", fallback: "out" },
  tar: { question: "Tar file to write the files to", fallback: "image.tar" },
  oci: { question: "File for the OCI layout (a tar)", fallback: "image-oci.tar" },
};

/** The destination these options describe, "custom" for any other output, or null when none is chosen yet. */
export function destinationOf(options: BuildOptions): Destination | "custom" | null {
  const outputs = readOutputs(options.output);
  if (outputs.length === 0) {
    if (options.push === true) return options.load === true ? "both" : "push";
    if (options.load === true) return "load";
    if (options.load === false) return "cache";
    return null;
  }
  if (outputs.length === 1 && options.push !== true && options.load !== true) {
    const type = outputs[0]!.type;
    if (type === "local" || type === "tar" || type === "oci") return outputs[0]!.attrs.dest ? type : "custom";
    if (type === "cacheonly") return "cache";
  }
  return "custom";
}

const CHOICE_OTHER = "\u0000other";
const LAST_STAGE = "";
const COMMON_PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v6", "linux/386", "linux/ppc64le", "linux/s390x", "linux/riscv64"];

/** Diagnostics the guide does not repeat as an answer's finding: the machine line already said it. */
const NOT_LIVE = new Set(["buildx-version-unknown"]);

/** Thrown (by the guide's prompts) when the person leaves with Ctrl-C or the signal aborts. */
export function isCancel(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "ExitPromptError" || name === "AbortPromptError" || name === "CancelPromptError";
}

/** Waits `ms` milliseconds. */
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Guide {
  private readonly o: Record<string, unknown>;
  private caps: Capabilities | null = null;
  private probing: Promise<Capabilities>;
  /** The builder the capabilities are probed for (undefined: the one buildx picks). */
  private probedFor: string | undefined;
  private machineShown = false;
  /** The builders on offer, once `docker buildx ls` answered (started after the first question is drawn). */
  private builders: readonly KnownBuilder[] | null = null;
  private listing: Promise<readonly KnownBuilder[]> | null = null;
  /** The question being asked, for `?`: a step or a row of the table; null where `?` is an ordinary answer. */
  private topic: string | null = null;
  /** Whether the guide has said that `?` says more. */
  private toldAboutMore = false;
  private readonly answered = new Set<string>();
  private readonly shown = new Set<string>();
  private dockerfile: DockerfileInfo | null = null;
  private readonly cwd: string;
  private readonly env: Readonly<Record<string, string | undefined>>;
  /** Draws the less important part of a line (the flag beside a question, a help line). */
  private readonly dim: Style;
  /** The terminal's width, when the output is one: the guide's own lines are wrapped to it. */
  private readonly width: number | null;

  constructor(private readonly p: GuidePrompts, private readonly io: GuideIO, private readonly start: GuideStart) {
    this.o = { ...(start.options ?? {}) } as Record<string, unknown>;
    this.cwd = resolve(io.cwd ?? host.cwd());
    this.env = io.env ?? host.env();
    // Colour only with the real prompts at a terminal that takes it (injected prompts get plain text).
    const color = !io.prompts && guideColor(this.env);
    this.dim = color ? (t) => `\x1b[2m${t}\x1b[22m` : (t) => t;
    // deno-lint-ignore no-explicit-any
    const columns = ((io.output ?? (io.prompts ? undefined : (globalThis as any).process?.stdout)) as { columns?: unknown } | undefined)?.columns;
    this.width = typeof columns === "number" && columns > 20 ? columns : null;
    // A recipe that names its builder is planned against that builder from the start.
    this.probedFor = typeof this.o.builder === "string" && this.o.builder ? this.o.builder : undefined;
    this.probing = this.startProbe(this.probedFor);
  }

  /** Probes the machine for a builder (undefined: buildx's pick) in the background; its answer becomes `caps`. */
  private startProbe(builder: string | undefined): Promise<Capabilities> {
    const env = this.env;
    const asked = this.io.probe ? this.io.probe(builder) : probe({ env, ...(builder ? { builder } : {}) });
    const probing = asked.catch((e: unknown) => ({
      ...UNKNOWN_CAPABILITIES,
      problems: [{ code: "no-docker" as const, message: `the machine could not be probed: ${(e as Error)?.message ?? String(e)}` }],
    }));
    void probing.then((caps) => {
      // A later choice of builder wins over an earlier probe that answers late.
      if (this.probing === probing) this.caps = caps;
    });
    return probing;
  }

  /** The builders (started once; the first question is on screen by then, so it does not wait for them). */
  private builderList(): Promise<readonly KnownBuilder[]> {
    this.listing ??= (this.io.builders ?? (() => machineBuilders(this.env)))()
      .catch(() => [] as readonly KnownBuilder[])
      .then((list) => (this.builders = list));
    return this.listing;
  }

  // --- output ---------------------------------------------------------------------------------

  /** A line of the guide's own, wrapped at words to the terminal (unless `whole`: a command to copy), each line drawn with `style`. */
  private say(text: string, style: Style = (t) => t, whole = false): void {
    const lines = text.split("\n").flatMap((l) => (this.width && !whole ? wrap(l, this.width - 1, "    ").split("\n") : [l]));
    writeTo(this.io.output, "stdout", lines.map((l) => (l ? style(l) : l)).join("\n"));
  }

  /** The answers as the step functions read them. */
  private answers(): Answers {
    return { options: this.o as BuildOptions, folder: basename(this.cwd), destinationChosen: this.answered.has("destination") };
  }

  /** The step whose help is said right before its next prompt (a step may end up asking nothing). */
  private pendingHelp: string | null = null;

  /** The one-line help of a question, dimmed, said right before it is asked. */
  private help(step: string): void {
    this.pendingHelp = step;
  }

  private sayHelp(): void {
    this.showMachine();
    const step = this.pendingHelp;
    this.pendingHelp = null;
    const text = step ? helpFor(step, this.answers(), this.caps0()) : "";
    if (text) this.say(`  ${text}`, this.dim);
  }

  /** Says a diagnostic in the person's words, once (the same rule is not explained twice). */
  private explain(d: Diagnostic, again = false): void {
    const line = explainLine(d, this.caps0(), platformsOf(this.o.platform).length);
    if (!again && this.shown.has(line)) return;
    this.shown.add(line);
    this.say(`  ${line}`);
  }

  /** Warnings about the tags: one that would push to Docker Hub. */
  private warnTags(): void {
    if (!this.answered.has("destination")) return;
    for (const w of tagWarnings(this.o as BuildOptions)) {
      if (this.shown.has(w)) continue;
      this.shown.add(w);
      this.say(`  ${w}`);
    }
  }

  private context(): PromptContext {
    const c: PromptContext = {};
    if (this.io.input) c.input = this.io.input;
    if (this.io.output) c.output = this.io.output;
    if (this.io.signal) c.signal = this.io.signal;
    return c;
  }

  private showMachine(): void {
    if (this.machineShown || !this.caps) return;
    this.machineShown = true;
    for (const line of describeMachine(this.caps)) this.say(line);
  }

  /** Waits for the probe (saying so when it is slower than the first question's wait). */
  private async machine(): Promise<Capabilities> {
    if (!this.caps) {
      await Promise.race([this.probing, delay(this.io.machineWaitMs ?? MACHINE_WAIT_MS)]);
      if (!this.caps) {
        this.say(this.probedFor ? `Checking the builder ${this.probedFor}...` : "Checking this machine...");
        await this.probing;
      }
    }
    this.showMachine();
    return this.caps!;
  }

  // --- asking, with the machine line as soon as it is known -----------------------------------

  private ask = {
    input: (q: InputQuestion) => this.asking((more) => this.p.input(more ? questionMarkInput(q) : q, this.context()), (a) => a.trim() === "?"),
    select: <V>(q: SelectQuestion<V>) => this.asking((more) => this.p.select<V>(more ? { ...q, helpKey: true } : q, this.context())),
    checkbox: <V>(q: CheckboxQuestion<V>) => this.asking((more) => this.p.checkbox<V>(more ? { ...q, helpKey: true } : q, this.context())),
    confirm: (q: ConfirmQuestion) => this.asking((more) => this.p.confirm(more ? { ...q, helpKey: true } : q, this.context())),
  };

  /**
   * Asks (the help line and machine line first), and while the question has a topic, takes `?`:
   * an input answered `?`, or a prompt ended with `MoreHelpRequest`. Then the long help, and the
   * same question again, with the same default.
   */
  private async asking<T>(call: (more: boolean) => Promise<T>, askedForMore?: (answer: T) => boolean): Promise<T> {
    const topic = this.topic;
    for (;;) {
      this.showMachine();
      if (topic !== null && !this.toldAboutMore) {
        this.toldAboutMore = true;
        this.say("  Answer ? to a question to read more about it.", this.dim);
      }
      this.sayHelp();
      let answer: T;
      try {
        const asked = call(topic !== null);
        // The first question is on screen: now the builders may be listed meanwhile.
        void this.builderList();
        answer = await asked;
      } catch (e) {
        if (topic !== null && (e as Error | null)?.name === "MoreHelpRequest") {
          this.sayMore(topic);
          continue;
        }
        throw e;
      }
      if (topic !== null && askedForMore?.(answer)) {
        this.sayMore(topic);
        continue;
      }
      return answer;
    }
  }

  /** What `?` prints: the long help of the question, wrapped to the terminal. */
  private sayMore(topic: string): void {
    for (const line of longHelp(topic, this.caps0(), this.builders ?? [])) this.say(line);
  }

  /** Runs `ask` with `topic` as the question `?` is about, then the previous topic again. */
  private async about<T>(topic: string, ask: () => Promise<T>): Promise<T> {
    const before = this.topic;
    this.topic = topic;
    try {
      return await ask();
    } finally {
      this.topic = before;
    }
  }

  // --- planning ---------------------------------------------------------------------------------

  private caps0(): Capabilities {
    return this.caps ?? UNKNOWN_CAPABILITIES;
  }

  /**
   * The plan of these options. Until the destination is chosen, the result is planned as going
   * nowhere yet, so an early answer is not blamed for a "load" no one asked for.
   */
  private planOf(options: Record<string, unknown>): Plan {
    const clean = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    if (this.answered.has("destination")) return plan(clean as BuildOptions, this.caps0());
    const { push: _p, output: _o, ...rest } = clean;
    return plan({ ...rest, load: false } as BuildOptions, this.caps0());
  }

  /** The errors that stop this answer: those about this question or one already answered. */
  private blocking(p: Plan, step: string): Diagnostic[] {
    return p.diagnostics.filter((d) => {
      if (d.level !== "error") return false;
      const owner = stepOf(d.option);
      return d.option === null || owner === step || (owner !== null && this.answered.has(owner));
    });
  }

  /** What is wrong with answering `patch` at `step`, as one message, or null. */
  private problem(patch: Record<string, unknown>, step: string): string | null {
    const errors = this.blocking(this.planOf({ ...this.o, ...patch }), step);
    if (!errors.length) return null;
    return errors.map((d) => explainLine(d, this.caps0(), platformsOf({ ...this.o, ...patch }.platform).length).replace(/^Problem: /, "")).join(" ");
  }

  private set(patch: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete this.o[k];
      else this.o[k] = v;
    }
  }

  /** Shows what the plan newly says (warnings and notes) right after an answer. */
  private findings(): Plan {
    const p = this.planOf(this.o);
    for (const d of p.diagnostics) {
      if (d.level === "error" || NOT_LIVE.has(d.code)) continue;
      if ((d.code === "result-stays-in-cache" || d.code === "docker-driver-loads-anyway") && !this.answered.has("destination")) continue;
      this.explain(d);
    }
    this.warnTags();
    return p;
  }

  // --- the questions ----------------------------------------------------------------------------

  private contextText(): string {
    return typeof this.o.context === "string" ? this.o.context : ".";
  }

  private async askContext(): Promise<void> {
    const answer = (await this.ask.input({
      message: questionLine("context", this.dim),
      default: this.contextText(),
      validate: async (value) => (await this.contextProblem(value.trim())) ?? this.problem({ context: value.trim() }, "context") ?? true,
    })).trim();
    this.set({ context: answer });
  }

  private async contextProblem(context: string): Promise<string | null> {
    if (context === "") return "name a folder (. is this one)";
    if (context === "-") return "- (a tarball on stdin) cannot be the context of a guided build: stdin is the terminal";
    if (isRemote(context)) return null;
    try {
      if ((await host.stat(resolve(this.cwd, context))).isDirectory) return null;
      return `${context} is a file, not a folder`;
    } catch {
      return `there is no folder ${context} in ${this.cwd}`;
    }
  }

  /** The path of the Dockerfile, relative to the working directory (null for a remote context). */
  private dockerfilePath(): string | null {
    const context = this.contextText();
    if (typeof this.o.file === "string") return isRemote(context) ? null : this.o.file;
    return isRemote(context) ? null : normalize(join(context, "Dockerfile"));
  }

  private async askFile(): Promise<void> {
    const context = this.contextText();
    const current = typeof this.o.file === "string" ? this.o.file : null;
    if (isRemote(context)) {
      const answer = (await this.ask.input({
        message: `${questionLine("file", this.dim)} ${this.dim("in the repository")}`,
        default: current ?? "Dockerfile",
      })).trim();
      this.set({ file: answer === "Dockerfile" ? undefined : answer });
      this.dockerfile = null;
      return;
    }
    const found = await findDockerfiles(resolve(this.cwd, context));
    const pathOf = (name: string) => normalize(join(context, name));
    const choices: PromptChoice<string>[] = found.map((name) => ({ value: pathOf(name), name }));
    if (current && !choices.some((c) => c.value === normalize(current))) {
      choices.unshift({ value: normalize(current), name: `${current} (as given)` });
    }
    let answer: string;
    if (choices.length === 0) {
      this.say(`No Dockerfile in ${context}: name one (its path from here).`);
      answer = await this.askFilePath(pathOf("Dockerfile"));
    } else {
      choices.push({ value: CHOICE_OTHER, name: "another file..." });
      answer = await this.ask.select({
        message: questionLine("file", this.dim),
        choices,
        default: current ? normalize(current) : choices[0]!.value,
      });
      if (answer === CHOICE_OTHER) answer = await this.askFilePath(current ?? "");
    }
    this.set({ file: answer === pathOf("Dockerfile") ? undefined : answer });
    await this.readDockerfile();
  }

  private async askFilePath(fallback: string): Promise<string> {
    const question: InputQuestion = {
      message: "Path of the Dockerfile, from here (not from the context)",
      validate: async (value) => {
        const path = value.trim();
        if (!path) return "name the Dockerfile";
        try {
          if ((await host.stat(resolve(this.cwd, path))).isFile) return this.problem({ file: path }, "file") ?? true;
          return `${path} is not a file`;
        } catch {
          return `there is no file ${path} in ${this.cwd}`;
        }
      },
    };
    return normalize((await this.ask.input(fallback ? { ...question, default: fallback } : question)).trim());
  }

  private async readDockerfile(): Promise<void> {
    const path = this.dockerfilePath();
    this.dockerfile = path ? await readDockerfile(resolve(this.cwd, path)) : null;
    if (path && !this.dockerfile) this.say(`  Cannot read ${path}: its stages and ARGs are not offered.`);
    else if (path && this.dockerfile && this.dockerfile.stages.length === 0) this.say(`  ${path} has no FROM instruction.`);
  }

  private async askTarget(): Promise<void> {
    const current = typeof this.o.target === "string" ? this.o.target : null;
    const info = this.dockerfile;
    if (!info) {
      const answer = (await this.ask.input({
        message: `${questionLine("target", this.dim)} ${this.dim("empty: the last")}`,
        default: current ?? "",
        validate: (value) => this.problem({ target: value.trim() || undefined }, "target") ?? true,
      })).trim();
      this.set({ target: answer || undefined });
      return;
    }
    const names = stageNames(info);
    const path = this.dockerfilePath();
    const known = current ? names.find((n) => n.toLowerCase() === current.toLowerCase()) ?? null : null;
    if (current && !known) this.say(`  ${current} is not a stage of ${path}: choose another.`);
    if (!names.length) {
      if (current) this.set({ target: undefined });
      this.say(`  ${path} has no named stages (FROM ... AS name): its last stage is built.`);
      return;
    }
    const last = info.stages[info.stages.length - 1]!;
    const answer = await this.ask.select<string>({
      message: questionLine("target", this.dim),
      choices: [
        { value: LAST_STAGE, name: `the last stage${last.name ? ` (${last.name})` : ""}`, description: "what buildx builds without --target" },
        ...info.stages.filter((s) => s.name).map((s) => ({ value: s.name!, name: s.name!, description: `FROM ${s.base}, line ${s.line}` })),
      ],
      default: known ?? LAST_STAGE,
    });
    this.set({ target: answer === LAST_STAGE ? undefined : answer });
  }

  private async askTag(): Promise<void> {
    const current = listOf(this.o.tag).filter((t): t is string => typeof t === "string");
    const question: InputQuestion = {
      message: questionLine("tag", this.dim),
      transformer: (value, { isFinal }) => (isFinal ? value : value + tagHint(value)),
      validate: (value) => {
        const tags = splitTags(value);
        for (const tag of tags) {
          const why = referenceProblem(tag);
          if (why) return `${JSON.stringify(tag)} ${why}`;
        }
        return this.problem({ tag: tags.length ? tags : undefined }, "tag") ?? true;
      },
    };
    const fallback = current.length ? current.join(" ") : defaultTag(this.contextText(), basename(this.cwd));
    const answer = await this.ask.input({ ...question, default: fallback });
    const tags = splitTags(answer);
    this.set({ tag: tags.length ? tags : undefined });
    this.warnTags();
  }

  /**
   * Which builder: asked when two builders or more can build here (or the options name one). The
   * choice sets `builder` and the machine is probed again for it, so the platforms offered and the
   * plan's checks are the chosen builder's.
   */
  private async askBuilder(): Promise<void> {
    if (!this.builders) {
      // Listed while the first questions were answered; a slow `buildx ls` is said, and not waited for long.
      await Promise.race([this.builderList(), delay(this.io.machineWaitMs ?? MACHINE_WAIT_MS)]);
      if (!this.builders) {
        this.say("Looking for this machine's builders...");
        await Promise.race([this.builderList(), delay(this.io.builderWaitMs ?? BUILDER_WAIT_MS)]);
      }
      if (!this.builders) {
        this.say('  docker buildx ls has not answered yet: the build stays on the current builder; "change an answer" offers the others once it has.');
        return;
      }
    }
    const builders = this.builders;
    const named = typeof this.o.builder === "string" && this.o.builder ? this.o.builder : undefined;
    if (!asksBuilder(builders, named)) return;
    const highlighted = defaultBuilder(builders, named);
    const chosen = await this.ask.select<string>({
      message: questionLine("builder", this.dim),
      choices: builderChoices(builders, named),
      ...(highlighted !== null ? { default: highlighted } : {}),
      pageSize: 10,
    });
    this.set({ builder: builderOption(chosen, builders, typeof this.start.options?.builder === "string") });
    const builder = typeof this.o.builder === "string" ? this.o.builder : undefined;
    if (builder !== this.probedFor) {
      // Another builder: its own platforms, driver and image store, said in a new machine line.
      this.probedFor = builder;
      this.caps = null;
      this.machineShown = false;
      this.probing = this.startProbe(builder);
      await this.machine();
    }
  }

  private async askPlatform(): Promise<void> {
    await this.askPlatformOnly();
    // With the destination chosen, several platforms may not fit it: the plan says, the guide offers a way out.
    if (this.answered.has("destination") && this.blocking(this.planOf(this.o), "platform").length) await this.settleDestination(null, false);
  }

  private async askPlatformOnly(): Promise<void> {
    const caps = await this.machine();
    const own = builderPlatforms(caps);
    const current = platformsOf(this.o.platform);
    const all = [...new Set([...own, ...COMMON_PLATFORMS, ...current])];
    const choices = all.map((p) => ({
      value: p,
      name: own.includes(p) || !own.length ? p : `${p} ${this.dim("(not this builder's own: emulated, slower)")}`,
      short: p,
      checked: current.includes(p),
    }));
    const answer = await this.ask.checkbox<string>({
      message: questionLine("platform", this.dim),
      choices,
      pageSize: 12,
      validate: (selected) => {
        // Several platforms that cannot be loaded are not refused here: the guide offers push or an OCI layout instead.
        const errors = this.blocking(this.planOf({ ...this.o, ...platformPatch(selected.map((c) => c.value)) }), "platform")
          .filter((d) => d.code !== "multi-platform-load-needs-containerd-store");
        return errors.length ? errors.map((d) => explainLine(d, caps, selected.length).replace(/^Problem: /, "")).join(" ") : true;
      },
    });
    this.set(platformPatch(answer));
  }

  /** The destination choices, with the ones this buildx cannot do disabled. */
  private destinationChoices(current: Destination | "custom" | null): PromptChoice<string>[] {
    const choices: PromptChoice<string>[] = destinationChoices(this.o as BuildOptions, this.caps0());
    if (current === "custom") {
      const outputs = listOf(this.o.output).map((o) => (typeof o === "string" ? o : entriesOf(FLAGS.output, o)[0]));
      choices.unshift({ value: "custom", name: `as given: ${outputs.join(" and ")}${this.o.push === true ? " and push" : ""}` });
    }
    return choices;
  }

  private async askDestination(): Promise<void> {
    const caps = await this.machine();
    const current = this.answered.has("destination") || this.start.options ? destinationOf(this.o as BuildOptions) : null;
    const many = platformsOf(this.o.platform).length > 1;
    const classic = caps.driver === "docker" && caps.containerdImageStore === false;
    const choice = await this.ask.select<string>({
      message: questionLine("destination", this.dim),
      choices: this.destinationChoices(current),
      default: current ?? (many && classic ? "push" : "load"),
    });
    await this.settleDestination(choice, true);
  }

  /**
   * Applies a destination (null: keep the current one) and checks it with the plan until it fits:
   * several platforms that cannot be loaded lead to push or an OCI layout instead; a push without a
   * tag asks for one.
   */
  private async settleDestination(first: string | null, explain: boolean): Promise<void> {
    let choice = first;
    for (;;) {
      if (choice !== null && choice !== "custom") await this.setDestination(choice as Destination);
      this.answered.add("destination");
      const errors = this.blocking(this.planOf(this.o), "destination");
      if (!errors.length) break;
      for (const d of errors) this.explain(d, true);
      explain = true;
      if (errors.some((d) => d.code === "multi-platform-load-needs-containerd-store")) {
        choice = await this.offerInstead();
        if (choice === "platform") {
          await this.about("platform", () => this.askPlatformOnly());
          choice = null;
        }
      } else if (errors.some((d) => d.code === "push-needs-tag")) {
        this.help("tag");
        await this.about("tag", () => this.askTag());
        choice = null;
      } else {
        choice = await this.ask.select<string>({
          message: questionLine("destination", this.dim),
          choices: this.destinationChoices(destinationOf(this.o as BuildOptions)),
          ...(choice !== null ? { default: choice } : {}),
        });
      }
    }
    this.findings();
    if (explain) this.explainDestination();
  }

  /** Several platforms cannot be loaded here: what to do instead. */
  private offerInstead(): Promise<string> {
    return this.about("destination", () =>
      this.ask.select<string>({
        message: `${platformsOf(this.o.platform).length} platforms cannot be loaded here. Instead:`,
        choices: [
          { value: "push", name: "push to a registry", description: "a registry keeps every platform in one image index" },
          { value: "oci", name: "write an OCI layout", description: "a tarball holding every platform" },
          { value: "platform", name: "choose other platforms", description: "back to the platforms: one platform can be loaded" },
        ],
      }));
  }

  private async setDestination(choice: Destination): Promise<void> {
    switch (choice) {
      case "load":
        return this.set({ load: true, push: undefined, output: undefined });
      case "push":
        return this.set({ push: true, load: undefined, output: undefined });
      case "both":
        return this.set({ push: true, load: true, output: undefined });
      case "cache":
        return this.set({ load: false, push: undefined, output: undefined });
      default: {
        const spec = FILE_DESTINATIONS[choice];
        const existing = readOutputs(this.o.output);
        const dest = existing.length === 1 && existing[0]!.type === choice ? existing[0]!.attrs.dest : undefined;
        const answer = (await this.ask.input({
          message: spec.question,
          default: dest ?? spec.fallback,
          validate: (value) => {
            const path = value.trim();
            if (!path) return "name where to write it";
            if (path === "-") return "- (stdout) is the terminal here: name a file";
            return this.problem({ output: formatCsv([`type=${choice}`, `dest=${path}`]), push: undefined, load: undefined }, "destination") ?? true;
          },
        })).trim();
        return this.set({ output: formatCsv([`type=${choice}`, `dest=${answer}`]), push: undefined, load: undefined });
      }
    }
  }

  /** Says what the destination means for push and load, in the plan's own words. */
  private explainDestination(): void {
    const p = this.planOf(this.o);
    const fileOutput = p.outputs.find((o) => o.type === "local" || o.type === "tar");
    if (fileOutput) {
      // Ask the plan what it would do with push and load on as well: its reasons are the why.
      const what = this.planOf({ ...this.o, push: true, load: true });
      for (const d of what.diagnostics) {
        if (d.code === "local-output-disables-push" || d.code === "local-output-disables-load") this.explain(d);
      }
    } else if (p.outputs.some((o) => o.type === "oci")) {
      this.say(`  Note: the image goes to ${p.outputs[0]!.attrs.dest} only: it is neither pushed nor loaded.`);
    }
  }

  private async askBuildArgs(): Promise<void> {
    const row = FLAGS.buildArg;
    const info = this.dockerfile;
    const offered = info ? argsFor(info, typeof this.o.target === "string" ? this.o.target : undefined) : [];
    const current = new Map<string, string>();
    for (const entry of entriesOf(row, this.o.buildArg)) {
      const eq = entry.indexOf("=");
      current.set(eq === -1 ? entry : entry.slice(0, eq), eq === -1 ? "" : entry.slice(eq + 1));
    }
    const values = new Map<string, string>();
    if (info && !offered.length && !current.size) {
      this.say(`  ${this.dockerfilePath()} declares no ARG${typeof this.o.target === "string" ? ` for ${this.o.target}` : ""}: no build arguments to set.`);
    } else if (offered.length || current.size) {
      const declared = new Set(offered.map((a) => a.name));
      const picked = await this.ask.checkbox<string>({
        message: questionLine("buildArg", this.dim),
        pageSize: 12,
        choices: [
          ...offered.map((a) => ({
            value: a.name,
            name: `${a.name} ${a.default === null ? "(no default)" : `(default: ${JSON.stringify(a.default)})`}`,
            short: a.name,
            description: `ARG ${
              a.where === "global"
                ? "before the first FROM"
                : /^stage \d+$/.test(a.where)
                ? `in ${a.where.replace("stage ", "stage #")}`
                : `in stage ${a.where}`
            } of ${this.dockerfilePath()}`,
            checked: current.has(a.name),
          })),
          ...[...current.keys()].filter((k) => !declared.has(k)).map((k) => ({
            value: k,
            name: `${k}=${current.get(k)} (not declared by an ARG${info ? ` in ${this.dockerfilePath()}` : ""})`,
            checked: true,
          })),
        ],
      });
      for (const name of picked) {
        const arg = offered.find((a) => a.name === name);
        if (!arg) {
          values.set(name, current.get(name)!);
          continue;
        }
        const fallback = current.get(name) ?? arg.default ?? "";
        const answer = await this.ask.input({
          message: `${name} =`,
          ...(fallback !== "" ? { default: fallback } : {}),
          validate: (value) => this.problem({ buildArg: { ...Object.fromEntries(values), [name]: value } }, "buildArg") ?? true,
        });
        values.set(name, answer);
      }
    }
    // Without a Dockerfile to read (a remote context), build args are typed: NAME=value, one at a time.
    while (!info) {
      const answer = (await this.ask.input({
        message: `${values.size ? "Another build argument" : "A build argument"}, NAME=value  ${
          this.dim(`(${row.flag}) e.g. ${exampleEntry(row)}; empty: ${values.size ? "no more" : "none"}`)
        }`,
        validate: (value) => {
          const text = value.trim();
          if (!text) return true;
          const entry = splitEntry("map", text);
          if (!entry || entry[1] === null) return "write NAME=value";
          return this.problem({ buildArg: { ...Object.fromEntries(values), [entry[0]]: entry[1] } }, "buildArg") ?? true;
        },
      })).trim();
      if (!answer) break;
      const entry = splitEntry("map", answer);
      if (entry && entry[1] !== null) values.set(entry[0], entry[1]);
    }
    this.set({ buildArg: values.size ? Object.fromEntries(values) : undefined });
    // Build args stay in the image's history: one named like a credential should be a secret.
    const { credentialWarnings } = await import("../recipe/recipe.ts");
    for (const w of credentialWarnings({ buildArg: Object.fromEntries(values) })) this.say(`  Warning: ${w.message}`);
  }

  /** The "more options" rows, each available or disabled with the reason the plan gives. */
  private moreChoices(): PromptChoice<string>[] {
    return STEP_ROWS.more.map((name) => {
      const row = flagRow(name)!;
      const set = this.o[name] !== undefined;
      const label = questionLine(name, this.dim);
      // What the plan says of this option here, with a value that is otherwise fine.
      const trial = this.planOf({ ...this.o, [name]: set ? this.o[name] : sampleValue(row) });
      const errors = trial.diagnostics.filter((d) => d.level === "error" && rootOf(d.option) === name && d.code !== "invalid-value");
      // What the installed buildx lacks comes first: no other setting of the machine helps with that.
      const against = errors.find((d) => d.code === "flag-needs-newer-buildx") ?? errors[0];
      const why = against ? shortReason(against, this.caps0()) : null;
      if (why && set) return { value: name, name: `${label} (${why}; untick to drop it)`, description: row.doc, checked: true };
      if (why) return { value: name, name: label, description: row.doc, disabled: why };
      return { value: name, name: label, description: row.doc, checked: set };
    });
  }

  private async askMore(): Promise<void> {
    const rows = STEP_ROWS.more;
    const anySet = rows.some((n) => this.o[n] !== undefined);
    const more = await this.ask.confirm({ message: questionText("more"), default: anySet });
    if (!more) return;
    const picked = await this.ask.checkbox<string>({ message: "Which options?", choices: this.moreChoices(), pageSize: 12 });
    for (const name of rows) {
      if (!picked.includes(name) && this.o[name] !== undefined) {
        this.set({ [name]: undefined });
        this.say(`  Dropped: ${questionText(name).replace(/\?$/, "").toLowerCase()} ${this.dim(`(${flagRow(name)!.flag})`)}.`);
      }
    }
    for (const name of rows) {
      if (picked.includes(name)) {
        await this.about(name, () => this.askRow(name, "more"));
        this.findings();
      }
    }
  }

  /** Asks one row of the table, by its kind. */
  private async askRow(name: string, step: string): Promise<void> {
    const row = flagRow(name)!;
    const current = this.o[name];
    const check = (value: unknown) => this.problem({ [name]: value }, step);
    const message = questionLine(name, this.dim);

    if (name === "secret") return this.askSecrets(step);
    if (name === "noCacheFilter" && this.dockerfile && stageNames(this.dockerfile).length) {
      const names = stageNames(this.dockerfile);
      const now = listOf(current).map(String);
      const answer = await this.ask.checkbox<string>({
        message,
        choices: [...new Set([...names, ...now])].map((s) => ({ value: s, name: s, checked: now.includes(s) })),
        validate: (selected) => check(selected.length ? selected.map((s) => s.value) : undefined) ?? true,
      });
      return this.set({ [name]: answer.length ? answer : undefined });
    }
    switch (codecOf(row).question) {
      case "confirm": {
        const answer = await this.ask.confirm({ message, default: current === undefined ? true : current === true });
        return this.set({ [name]: answer || undefined });
      }
      case "toggle": {
        const choice = await this.ask.select<string>({
          message,
          choices: [
            { value: "true", name: "yes" },
            { value: "false", name: "no, explicitly", description: "buildx may add a minimal one by itself unless told no" },
            { value: "attrs", name: "yes, with settings", description: row.example?.includes("=") ? `e.g. ${row.example}` : "key=value,..." },
          ],
          default: current === true ? "true" : current === false ? "false" : typeof current === "string" || typeof current === "object" ? "attrs" : "true",
        });
        if (choice !== "attrs") {
          const value = choice === "true";
          const why = check(value);
          if (why) this.say(`  Left out: ${why}`);
          return this.set({ [name]: why ? undefined : value });
        }
        const fallback = typeof current === "string" ? current : row.example?.includes("=") ? row.example : "";
        const answer = await this.ask.input({
          message: `Settings, key=value,...  ${this.dim(`(${row.flag})`)}`,
          ...(fallback ? { default: fallback } : {}),
          validate: (value) => (value.trim() ? check(value.trim()) ?? true : "give settings (key=value,...), or choose yes"),
        });
        return this.set({ [name]: answer.trim() });
      }
      case "text": {
        if (row.choices?.length) {
          const answer = await this.ask.select<string>({
            message,
            choices: row.choices.map((c) => ({ value: c, name: c })),
            default: typeof current === "string" ? current : row.choices[0]!,
          });
          return this.set({ [name]: answer });
        }
        const fallback = current === undefined ? row.example : String(current);
        const answer = await this.ask.input({
          message,
          ...(fallback ? { default: fallback } : {}),
          validate: (value) => (value.trim() ? check(value.trim()) ?? true : "give a value, or untick the option"),
        });
        return this.set({ [name]: answer.trim() });
      }
      default: {
        if (row.choices?.length) {
          const now = listOf(current).map(String);
          const answer = await this.ask.checkbox<string>({
            message,
            choices: [...new Set([...row.choices, ...now])].map((c) => ({ value: c, name: c, checked: now.includes(c) })),
            validate: (selected) => check(selected.length ? selected.map((s) => s.value) : undefined) ?? true,
          });
          return this.set({ [name]: answer.length ? answer : undefined });
        }
        const entries = await this.askEntries(row, entriesOf(row, current), (list) => check(valueOf(row, list)));
        return this.set({ [name]: valueOf(row, entries) });
      }
    }
  }

  /** A multi-valued option: keep which of its entries, then add more, one at a time. */
  private async askEntries(row: FlagRow, existing: string[], problem: (entries: string[]) => string | null): Promise<string[]> {
    let entries = existing;
    if (existing.length) {
      entries = await this.ask.checkbox<string>({
        message: `${questionText(nameOf(row))}: keep which?`,
        choices: existing.map((e) => ({ value: e, name: e, checked: true })),
      });
    }
    const example = exampleEntry(row);
    this.say(`  ${example ? `e.g. ${example}; ` : ""}an empty answer: done`, this.dim);
    for (;;) {
      const answer = (await this.ask.input({
        message: `${questionText(nameOf(row)).replace(/\?$/, "")}: ${entries.length ? "another" : "first"}?  ${this.dim(`(${row.flag})`)}`,
        validate: (value) => (value.trim() ? problem([...entries, value.trim()]) ?? true : true),
      })).trim();
      if (!answer) return entries;
      entries = [...entries, answer];
    }
  }

  /** Secrets: an id, and where its value comes from (an environment variable or a file). */
  private async askSecrets(step: string): Promise<void> {
    const row = FLAGS.secret;
    const check = (list: string[]) => this.problem({ secret: valueOf(row, list) }, step);
    let entries = entriesOf(row, this.o.secret);
    if (entries.length) {
      entries = await this.ask.checkbox<string>({
        message: `${questionText("secret")}: keep which?`,
        choices: entries.map((e) => ({ value: e, name: e, checked: true })),
      });
    }
    const envSince = FEATURES.secretEnv.since;
    for (;;) {
      const id = (await this.ask.input({
        message: `${entries.length ? "Another secret" : "A secret"}: its id  ${this.dim("(RUN --mount=type=secret,id=...; empty: done)")}`,
        validate: (value) => {
          const text = value.trim();
          if (!text) return true;
          if (!/^[A-Za-z0-9_.-]+$/.test(text)) return "an id is letters, digits, . _ and -";
          if (entries.some((e) => secretId(e) === text)) return `there is a secret ${text} already`;
          return true;
        },
      })).trim();
      if (!id) break;
      const from = await this.ask.select<string>({
        message: `Where does ${id} come from?`,
        choices: [
          {
            value: "env",
            name: "an environment variable",
            description: "read when the build runs; never written to the recipe",
            ...(atLeast(this.caps0().buildxVersion, envSince)
              ? {}
              : { disabled: `needs buildx ${envSince}+ (this is ${this.caps0().buildxVersion ?? "unknown"})` }),
          },
          { value: "src", name: "a file", description: "its path, from here" },
        ],
        default: atLeast(this.caps0().buildxVersion, envSince) ? "env" : "src",
      });
      const answer = (await this.ask.input({
        message: from === "env" ? "The environment variable" : "The file",
        default: from === "env" ? id.toUpperCase().replace(/[^A-Z0-9_]/g, "_") : "",
        validate: async (value) => {
          const text = value.trim();
          if (!text) return from === "env" ? "name the variable" : "name the file";
          if (from === "src") {
            try {
              await host.stat(resolve(this.cwd, text));
            } catch {
              return `there is no file ${text} in ${this.cwd}`;
            }
          }
          return check([...entries, formatCsv([`id=${id}`, `${from}=${text}`])]) ?? true;
        },
      })).trim();
      if (from === "env" && this.env[answer] === undefined) {
        this.say(`  Warning: ${answer} is not set here: set it before the build runs, or the secret is empty.`);
      }
      entries = [...entries, formatCsv([`id=${id}`, `${from}=${answer}`])];
    }
    this.set({ secret: valueOf(row, entries) });
  }

  // --- the whole flow -------------------------------------------------------------------------

  private async askStep(step: string): Promise<void> {
    if (!step.startsWith("row:")) this.help(step);
    this.topic = step.startsWith("row:") ? step.slice("row:".length) : step;
    try {
      await this.askStepNow(step);
    } finally {
      this.topic = null;
    }
    this.pendingHelp = null;
    this.answered.add(step);
    if (step !== "destination") this.findings();
  }

  private async askStepNow(step: string): Promise<void> {
    switch (step) {
      case "context":
        await this.askContext();
        break;
      case "file":
        await this.askFile();
        break;
      case "target":
        await this.askTarget();
        break;
      case "tag":
        await this.askTag();
        break;
      case "builder":
        await this.askBuilder();
        break;
      case "platform":
        await this.askPlatform();
        break;
      case "destination":
        await this.askDestination();
        break;
      case "buildArg":
        await this.askBuildArgs();
        break;
      case "more":
        await this.askMore();
        break;
      default:
        await this.askRow(step.slice("row:".length), step);
    }
  }

  /** Every question, in order (the builder question asks nothing where one builder can build). */
  private allSteps(): string[] {
    return [...STEPS.slice(0, -1), ...OTHER_BASIC.map((n) => `row:${n}`), "more"];
  }

  /** The questions that have an answer to show or change: the builder's only where it is asked. */
  private shownSteps(): string[] {
    const named = typeof this.o.builder === "string" && this.o.builder ? this.o.builder : undefined;
    return this.allSteps().filter((s) => s !== "builder" || asksBuilder(this.builders ?? [], named));
  }

  /** One line per question with its answer, for "change an answer" and a recipe's summary. */
  private summaryOf(step: string): string {
    return summaryLine(step, this.o as BuildOptions, step === "file" ? this.dockerfilePath() : null, this.caps0());
  }

  /** After an answer changed, the questions that depend on it, when their answers no longer fit. */
  private async followUp(step: string): Promise<void> {
    if (step === "builder") {
      // The platforms and the destination were checked against the builder before.
      if (this.blocking(this.planOf(this.o), "platform").length) {
        await this.askStep("platform");
      } else if (this.answered.has("destination") && this.blocking(this.planOf(this.o), "destination").length) {
        await this.about("destination", () => this.settleDestination(null, false));
      }
      return;
    }
    if (step === "context") {
      await this.askStep("file");
      return this.followUp("file");
    }
    if (step === "file") {
      const names = this.dockerfile ? stageNames(this.dockerfile).map((n) => n.toLowerCase()) : null;
      const target = typeof this.o.target === "string" ? this.o.target.toLowerCase() : null;
      if (target && names && !names.includes(target)) await this.askStep("target");
    }
  }

  async run(): Promise<GuideOutcome> {
    // The probe runs while the first questions are asked: a quick answer (a cached probe) is shown
    // first, a slow one (a builder that takes a while to inspect) before the next question.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.probing, new Promise((r) => (timer = setTimeout(r, this.io.machineWaitMs ?? MACHINE_WAIT_MS)))]);
    clearTimeout(timer);
    this.showMachine();
    if (this.start.recipePath) await this.fromRecipe();
    else for (const step of this.allSteps()) await this.askStep(step);
    let failed: BuildError | undefined;
    /** Right after a failed build: what failed and the hint lead straight to the choice (the command is above). */
    let justFailed = false;
    for (;;) {
      // What will run, as build() will run it here: the command printed is the one that runs. At a
      // terminal too, buildx prints plain lines, read as they are shown: a failure's step and hint
      // are known (its own drawing is not read back).
      const caps = await this.machine();
      const running: RunOptions = { cwd: this.cwd, env: this.env, capabilities: caps, plainAtTerminal: true };
      const inv = await invocationFor(this.finalOptions(), running);
      const command = inv.command;
      if (!justFailed) {
        this.say("");
        this.say("The command:");
        this.say(`  ${command}`, undefined, true);
      }
      justFailed = false;
      const errors = inv.plan.diagnostics.filter((d) => d.level === "error");
      for (const d of errors) this.explain(d, true);
      const noRun = errors.length ? "fix the problems first" : cannotRun(caps);
      const noSave = errors.length ? "fix the problems first" : null;
      const again = failed !== undefined;
      const choices: PromptChoice<string>[] = [
        { value: "run", name: again ? "run it again" : "run it now", ...(noRun ? { disabled: `(${noRun})` } : {}) },
        { value: "save", name: "save it as a recipe", ...(noSave ? { disabled: `(${noSave})` } : {}) },
        { value: "both", name: "save it as a recipe and run it", ...(noRun ? { disabled: `(${noRun})` } : {}) },
        { value: "print", name: "print the command only" },
        { value: "change", name: again ? "change an answer and run again" : "change an answer" },
        ...(again ? [{ value: "leave", name: "leave" }] : []),
      ];
      // After a failure the answers are what to look at first.
      if (again) choices.unshift(choices.splice(4, 1)[0]!);
      const action = await this.ask.select<string>({
        message: "What now?",
        choices,
        default: again ? "change" : noRun ? (noSave ? "change" : "save") : "run",
      });
      const options = this.finalOptions();
      if (action === "leave") return { action: "run", options, command, recipePath: null, result: null, error: failed! };
      if (action === "change") {
        // The builders as far as they are known (a slow `buildx ls` is not waited for long).
        await Promise.race([this.builderList(), delay(this.io.machineWaitMs ?? MACHINE_WAIT_MS)]);
        const steps = this.shownSteps();
        const step = await this.ask.select<string>({
          message: "Which answer?",
          pageSize: 12,
          choices: steps.map((s) => ({ value: s, name: this.summaryOf(s) })),
        });
        await this.askStep(step);
        await this.followUp(step);
        continue;
      }
      let recipePath: string | null = null;
      if (action === "save" || action === "both") {
        recipePath = await this.save(options, caps);
        if (recipePath === null) continue;
      }
      if (action === "print") {
        this.say(command, undefined, true);
        return { action, options, command, recipePath, result: null };
      }
      let result: BuildResult | null = null;
      if (action === "run" || action === "both") {
        this.say("Building...");
        try {
          result = await (this.io.build ?? runBuild)(options, running);
        } catch (e) {
          if (!(e instanceof BuildError) || e.interrupted) throw e;
          // What failed and what to do, then the choice: buildx's lines are above, unless it was quiet.
          const shown = !(options.quiet === true || options.progress === "quiet" || options.progress === "none");
          this.say("");
          for (const line of failureLines(e, shown)) this.say(line);
          failed = e;
          justFailed = true;
          continue;
        }
        // The indented lines are a command or a URL, to copy: never wrapped.
        for (const line of whereItWent(result, options, caps, await this.written(options))) this.say(line, undefined, line.startsWith("  "));
      }
      return { action: action as GuideAction, options, command, recipePath, result };
    }
  }

  /** `guide --from`: the recipe's answers in one summary, then straight to what to do with them. */
  private async fromRecipe(): Promise<void> {
    if (!isRemote(this.contextText())) await this.readDockerfile();
    for (const step of this.allSteps()) this.answered.add(step);
    const what = this.start.description ? ` (${this.start.description})` : "";
    this.say(`Starting from ${this.start.recipePath}${what}:`);
    for (const step of this.shownSteps()) this.say(`  ${this.summaryOf(step)}`);
    const target = typeof this.o.target === "string" ? this.o.target : null;
    if (target && this.dockerfile && !stageNames(this.dockerfile).some((n) => n.toLowerCase() === target.toLowerCase())) {
      this.say(`  Problem: ${target} is not a stage of ${this.dockerfilePath()}: change the stage.`);
    }
    this.findings();
  }

  /** What a file destination holds after the build: a folder's first entries, a file's size. */
  private async written(options: BuildOptions): Promise<Written> {
    const out = readOutputs(options.output).find((o) => o.type === "local" || o.type === "tar" || o.type === "oci");
    const dest = out?.attrs.dest;
    if (!out || !dest || dest === "-") return {};
    const path = resolve(this.cwd, dest);
    try {
      if (out.type !== "local") return { size: (await host.stat(path)).size };
      const names = (await host.listDir(path)).sort();
      const entries = await Promise.all(
        names.slice(0, 5).map(async (n) => (await host.stat(join(path, n)).then((i) => i.isDirectory, () => false)) ? `${n}/` : n),
      );
      return { entries, count: names.length };
    } catch {
      return {};
    }
  }

  /** The answers as options: exactly what was chosen, without the plan's defaults filled in. */
  private finalOptions(): BuildOptions {
    return Object.fromEntries(Object.entries(this.o).filter(([, v]) => v !== undefined)) as BuildOptions;
  }

  /**
   * Asks where to save (confirming before overwriting) and saves. When the file cannot be written
   * (no space, a read-only file system, a folder that cannot be made), says why and offers another
   * place: every answer is kept. Null when nothing was saved (back to "What now?").
   */
  private async save(options: BuildOptions, caps: Capabilities): Promise<string | null> {
    const { makeRecipe, recipeFolder, saveRecipe, writeFailure } = await import("../recipe/recipe.ts");
    let suggestion = this.start.recipePath ?? `${recipeName(options, this.cwd)}.json`;
    let description: string | null = null;
    for (;;) {
      const { path, overwrite } = await this.askWhere(suggestion);
      description ??= (await this.ask.input({
        message: "A description for the recipe (empty: none)",
        ...(this.start.description ? { default: this.start.description } : {}),
      })).trim();
      const file = resolve(this.cwd, path);
      // Everything was asked: from here on nothing can be cancelled half-way. The file is written
      // atomically, and not over a file that appeared meanwhile unless overwriting was confirmed.
      let why: string;
      try {
        try {
          await (await import("../runtime/files.ts")).makeFolders(dirname(file));
        } catch (e) {
          throw Object.assign(new Error(`the folder ${dirname(path) || "."} cannot be made: ${writeFailure(e)}`), { name: "FolderError" });
        }
        // The recipe's paths are relative to its own real folder, where `buildx-kit run` builds it
        // (both as the file system has them: ".." of a symlinked folder is its real parent).
        const [here, folder] = await Promise.all([host.realPath(this.cwd).catch(() => resolve(this.cwd)), recipeFolder(path, this.cwd)]);
        const recipe = makeRecipe(mapPaths(options, (p) => rebase(p, here, folder)), {
          name: this.start.name ?? (basename(path).replace(/\.json$/i, "") || "build"),
          ...(description ? { description } : {}),
          capabilities: caps,
        });
        // (Its warnings, build args named like credentials, were shown at the build args.)
        await saveRecipe(path, recipe, { overwrite, cwd: this.cwd });
        this.say(`Saved ${path}. Rebuild it with: buildx-kit run ${shellCommand([path])}`);
        return path;
      } catch (e) {
        const name = (e as Error)?.name;
        if (name !== "RecipeError" && name !== "FolderError") throw e;
        why = (e as Error).message;
        // A file that appeared meanwhile is someone else's: back to "What now?" to decide.
        if ((e as { problems?: { code: string }[] }).problems?.some((p) => p.code === "file-exists")) {
          this.say(`Not saved: ${why}`);
          return null;
        }
      }
      this.say(`Not saved: ${why}`);
      this.say("Your answers are kept.");
      if (!(await this.ask.confirm({ message: "Save it somewhere else?", default: true }))) return null;
      suggestion = path;
    }
  }

  /** Asks where to save, until the answer is a file that may be written (confirming an overwrite). */
  private async askWhere(suggestion: string): Promise<{ path: string; overwrite: boolean }> {
    for (;;) {
      const path = (await this.ask.input({
        message: "Save the recipe as",
        default: suggestion,
        validate: async (value) => {
          const text = value.trim();
          if (!text) return "name a file";
          if (!/\.json$/i.test(text)) return "a recipe is a .json file";
          try {
            if ((await host.stat(resolve(this.cwd, text))).isDirectory) return `${text} is a folder: name a file in it`;
          } catch {
            // A folder that does not exist yet is made when saving; a file in the way is not.
            const blocker = await firstNonFolder(dirname(resolve(this.cwd, text)));
            if (blocker) return `${relative(this.cwd, blocker) || blocker} is a file, not a folder`;
          }
          return true;
        },
      })).trim();
      if (!(await host.stat(resolve(this.cwd, path)).then(() => true, () => false))) return { path, overwrite: false };
      if (await this.ask.confirm({ message: `${path} exists. Overwrite it?`, default: false })) return { path, overwrite: true };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small pure helpers

/** The nearest existing ancestor of `dir` (itself included) when it is not a folder, else null. */
async function firstNonFolder(dir: string): Promise<string | null> {
  for (let at = dir;; at = dirname(at)) {
    try {
      return (await host.stat(at)).isDirectory ? null : at;
    } catch {
      if (dirname(at) === at) return null;
    }
  }
}

/**
 * An input question that takes `?` as an answer (for more about it): neither refused nor hinted at
 * as it is typed. Everything else is checked as before.
 */
function questionMarkInput(q: InputQuestion): InputQuestion {
  const { validate, transformer } = q;
  return {
    ...q,
    ...(validate ? { validate: (value: string) => (value.trim() === "?" ? true : validate(value)) } : {}),
    ...(transformer ? { transformer: (value: string, flags: { isFinal: boolean }) => (value.trim() === "?" ? value : transformer(value, flags)) } : {}),
  };
}

/** Tags as typed: separated by spaces or commas. */
export function splitTags(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** What is wrong with the tags typed so far, shown beside them as they are typed. */
export function tagHint(text: string): string {
  for (const tag of splitTags(text)) {
    const why = referenceProblem(tag);
    if (why) return `  ✗ ${tag} ${why}`;
  }
  return "";
}

/** The option name of a row of the table. */
function nameOf(row: FlagRow): string {
  return FLAG_ROWS.find(([, r]) => r === row)?.[0] ?? row.flag;
}

function platformPatch(platforms: readonly string[]): Record<string, unknown> {
  return { platform: platforms.length ? [...platforms] : undefined };
}

function secretId(entry: string): string | null {
  try {
    for (const field of parseCsv(entry)) if (field.startsWith("id=")) return field.slice(3);
  } catch {
    // not CSV: no id
  }
  return null;
}

/** A name for a recipe: the last part of the first tag's repository, else the context folder's name. */
export function recipeName(options: BuildOptions, cwd: string): string {
  const tag = listOf(options.tag).find((t): t is string => typeof t === "string");
  const fromTag = tag?.split("@")[0]?.replace(/:[^/:]*$/, "").split("/").pop();
  const context = typeof options.context === "string" && !isRemote(options.context) ? basename(resolve(cwd, options.context)) : "";
  return (fromTag || context || "build").replace(/[^A-Za-z0-9._-]/g, "-");
}

// ---------------------------------------------------------------------------------------------
// The entry point of `buildx-kit guide`

const USAGE = "usage: buildx-kit guide [--from RECIPE]";

/** What `buildx-kit guide` says when stdin is not a terminal (a pipe, /dev/null, CI). */
export const NO_TERMINAL = "error: the guide asks its questions at a terminal, and stdin is not one\n" +
  "hint: without a terminal, build with flags (buildx-kit build [flags] [context]) or rerun a saved recipe (buildx-kit run recipe.json)";

/**
 * Runs the guide: asks, checks, then runs, saves or prints. Resolves to how it ended; rejects with
 * the prompt's `ExitPromptError` when the person leaves with Ctrl-C (nothing is written then).
 *
 * @example
 * const outcome = await guide({}, { options: { context: "." } });
 * console.log(outcome.command);
 */
export async function guide(io: GuideIO = {}, start: GuideStart = {}): Promise<GuideOutcome> {
  const prompts = io.prompts ?? (await inquirerPrompts({ color: guideColor(io.env ?? host.env()) }));
  return new Guide(prompts, io, start).run();
}

/** A line to the guide's own output when given, else to this process's stdout or stderr. */
function writeTo(output: NodeJS.WritableStream | undefined, stream: "stdout" | "stderr", text: string): void {
  if (output) output.write(`${text}\n`);
  else host.write(stream, `${text}\n`);
}

/**
 * `buildx-kit guide [--from recipe.json]`. Returns the exit code: 0 done, 1 the build failed,
 * 2 bad input (an unknown argument, a recipe that cannot be read), 130 left with Ctrl-C.
 */
export async function guideCommand(args: readonly string[], io: GuideIO = {}): Promise<number> {
  const out = (text: string) => writeTo(io.output, "stdout", text);
  const err = (text: string) => writeTo(io.output, "stderr", text);
  let from: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--from" || arg.startsWith("--from=")) {
      from = arg === "--from" ? args[++i] : arg.slice("--from=".length);
      if (!from) {
        err(`error: --from needs a recipe file\n${USAGE}`);
        return EXIT.badInput;
      }
    } else if (arg === "--help" || arg === "-h") {
      out(
        `${USAGE}\n\nAsks for each option of a build, checks the combination as you answer, then runs it,\nsaves it as a recipe, or prints the command. Ctrl-C leaves without writing anything.`,
      );
      return EXIT.ok;
    } else {
      err(`error: unexpected argument ${JSON.stringify(arg)}\n${USAGE}`);
      return EXIT.badInput;
    }
  }
  // The real prompts read this process's stdin: without a terminal there they could only fail.
  if (!io.prompts && !io.input && !host.isTerminal("stdin")) {
    err(NO_TERMINAL);
    return EXIT.badInput;
  }
  const cwd = resolve(io.cwd ?? host.cwd());
  let start: GuideStart = {};
  if (from !== undefined) {
    const file = resolve(cwd, from);
    try {
      start = await startFrom(file, cwd, from);
    } catch (e) {
      // The recipe's messages name the file as it was given, not as resolved.
      const message = (e as Error)?.message ?? String(e);
      err(`error: ${(e as Error)?.name === "RecipeError" ? message.split(file).join(from) : `cannot start from ${from}: ${message}`}`);
      return EXIT.badInput;
    }
  }
  try {
    const outcome = await guide(io, start);
    return outcome.error || (outcome.result && !outcome.result.ok) ? EXIT.failed : EXIT.ok;
  } catch (e) {
    if (isCancel(e)) {
      out("\nLeft the guide: nothing was written.");
      return EXIT.interrupted;
    }
    if (e instanceof BuildxKitError) {
      err(`error: ${e.message}`);
      return e.exitStatus;
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Recipes. A recipe's relative paths resolve against its own folder (its builds run there); the
// guide's answers are relative to the working directory. These convert one into the other.

async function startFrom(path: string, cwd: string, shown: string): Promise<GuideStart> {
  const { loadRecipeFile, recipeOptions } = await import("../recipe/recipe.ts");
  const { recipe, dir } = await loadRecipeFile(path);
  // From the recipe's real folder to the real working directory: as the file system has them.
  const here = await host.realPath(cwd).catch(() => resolve(cwd));
  return {
    options: mapPaths(recipeOptions(recipe), (p) => rebase(p, dir, here)),
    recipePath: shown,
    ...(recipe.name ? { name: recipe.name } : {}),
    ...(recipe.description ? { description: recipe.description } : {}),
  };
}
