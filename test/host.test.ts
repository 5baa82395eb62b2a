/**
 * lib/runtime/host.ts and lib/runtime/spawn.ts: the right answers, and the same on Node, Deno and Bun. Deno goes
 * through its own APIs, Node and Bun through node: modules: Deno and Bun run
 * test/fixtures/host/exercise.ts, Node calls it in this process, and the answers are compared
 * call by call.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as host from "../lib/runtime/host.ts";
import { exercise } from "./fixtures/host/exercise.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const BIN = join(ROOT, "node_modules", ".bin");
const EXERCISE = join(ROOT, "test/fixtures/host/exercise.ts");
const OTHERS = { deno: [join(BIN, "deno"), "run", "-A", "--quiet"], bun: [join(BIN, "bun")] } as const;

let dir: string;
const servers: Server[] = [];
const answers: Record<string, Record<string, unknown>> = {};
const sockets = () => [join(dir, "answers.sock"), join(dir, "silent.sock")] as const;

function listen(path: string, onData: (socket: import("node:net").Socket) => void): Promise<void> {
  const server = createServer((socket) => socket.once("data", () => onData(socket)));
  servers.push(server);
  return new Promise((resolve) => server.listen(path, resolve));
}

async function scratchFor(name: string): Promise<string> {
  const scratch = join(dir, name);
  await mkdir(scratch);
  await writeFile(join(scratch, "tool"), "#!/bin/sh\n");
  await chmod(join(scratch, "tool"), 0o755);
  return scratch;
}

function runOn(command: readonly string[], scratch: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(command[0]!, [...command.slice(1), EXERCISE, scratch, ...sockets()], {
      cwd: scratch,
      env: { ...process.env, HOST_TEST: "from the test" },
      timeout: 60_000,
    }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command[0]}: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split("\n").pop()!));
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "buildx-kit-host-"));
  await listen(sockets()[0], (socket) => socket.end("HTTP/1.0 200 OK\r\n\r\nOK"));
  await listen(sockets()[1], () => {});
  answers.node = await exercise(await scratchFor("node"), ...sockets());
  for (const [name, command] of Object.entries(OTHERS)) answers[name] = await runOn(command, await scratchFor(name));
}, 120_000);

afterAll(async () => {
  for (const s of servers) s.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the build path on Deno", () => {
  it("imports no node: module: only the REPL does (Deno's Node layer costs ~20-25 ms to start)", async () => {
    const { readdir, readFile } = await import("node:fs/promises");
    const files = [
      "mod.ts",
      "scripts/cli.ts",
      ...(await readdir(join(ROOT, "lib"), { recursive: true })).filter((f) => f.endsWith(".ts")).map((f) => `lib/${f}`),
    ];
    const importing: string[] = [];
    for (const file of files) {
      const text = await readFile(join(ROOT, file), "utf8");
      if (/^import\s+(?!type\b)[^;]*?\bfrom\s+"node:/m.test(text)) importing.push(file);
    }
    expect(files.length).toBeGreaterThan(25);
    expect(importing).toEqual(["lib/cli/repl.ts"]);
  });
});

describe("host and spawn", () => {
  it("answer right on Node", () => {
    const scratch = join(dir, "node");
    expect(answers.node).toEqual({
      pid: true,
      writeText: "ok",
      stat: { isFile: true, isDirectory: false, size: 7, mode: 0o600, wholeMs: true, ino: true },
      statMissing: { error: "ENOENT" },
      readText: "héllo\n",
      readBytes: [...new TextEncoder().encode("héllo\n")],
      readHead: [104, 195, 169],
      readHeadLonger: 7,
      readMissing: { error: "ENOENT" },
      executable: [true, false, false, false],
      makeDir: true,
      rename: ["1", "gone"],
      makeTempDir: { named: true, mode: 0o700, removed: true },
      remove: "gone",
      removeNowSync: "gone",
      socket: "HTTP/1.0 200 OK\r\n\r\nOK",
      socketSilent: { error: "timed out" },
      socketMissing: { error: "ENOENT" },
      capture: { code: 3, signal: null, stdout: "out", stderr: "err" },
      captureEnv: "given|unset",
      captureCwd: scratch,
      captureSignal: { code: null, signal: "SIGTERM", stdout: "", stderr: "" },
      captureTimeout: { code: null, signal: "SIGTERM", stdout: "", stderr: "", timedOut: true },
      captureTree: { code: null, signal: "SIGTERM", stdout: "", stderr: "", timedOut: true, fast: true },
      launchBound: { end: { code: 3, signal: null }, ownGroup: true },
      launchBoundMissing: { code: null, signal: null, startError: "cannot run no-such-program-here: spawn no-such-program-here ENOENT" },
      captureMissing: { code: null, signal: null, stderr: true },
      launchGroup: { end: { code: 0, signal: null }, ownGroup: true },
      launchKill: { code: null, signal: "SIGINT" },
      killGroup: { code: null, signal: "SIGTERM" },
    });
  });

  it("tell this process on Node: its environment, folder and terminals", () => {
    expect(host.env()).toEqual({ ...process.env });
    expect(host.cwd()).toBe(process.cwd());
    expect(host.pid()).toBe(process.pid);
    expect(host.args()).toEqual(process.argv.slice(2));
    expect(host.isTerminal("stderr")).toBe(Boolean(process.stderr.isTTY));
  });

  it.each(Object.keys(OTHERS))("answer on %s as on Node, call by call", (name) => {
    const { process: itself, ...other } = answers[name]! as { process: unknown };
    expect(itself).toEqual({ args: 3, cwd: join(dir, name), env: "from the test", terminal: [false, false] });
    // Only the scratch folder differs between runtimes.
    const same = (a: Record<string, unknown>, folder: string) => JSON.parse(JSON.stringify(a).replaceAll(folder, "<scratch>"));
    const mine = same(other, join(dir, name));
    const node = same(answers.node!, join(dir, "node"));
    expect(Object.keys(mine).sort()).toEqual(Object.keys(node).sort());
    for (const key of Object.keys(node)) expect(mine[key], key).toEqual(node[key]);
  });
});
