/**
 * probe()'s engine facts over the API socket, against a fake daemon on a unix socket: `/_ping` on
 * every probe (the daemon is up, its version), `/info` (the image store) only when this daemon
 * has not been asked before: a restart (a new pid file), another version, or no pid file at all.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rename, rm, utimes, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe } from "../lib/build/probe.ts";

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
let dir: string;
let server: Server;
const daemon = { version: "99.0.1", containerd: true, hits: [] as string[] };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "buildx-kit-daemon-"));
  await mkdir(join(dir, "bin"));
  // Only `buildx version` is asked (inspect: false reads the builder from files).
  await writeFile(join(dir, "bin/docker"), `#!/bin/sh\n[ "$1 $2" = "buildx version" ] && echo "github.com/docker/buildx v0.17.1 abc" && exit 0\nexit 1\n`);
  await chmod(join(dir, "bin/docker"), 0o755);
  server = createServer((req, res) => {
    daemon.hits.push(req.url ?? "");
    if (req.url === "/_ping") {
      res.writeHead(200, { Server: `Docker/${daemon.version} (linux)`, "Api-Version": "1.45" }).end("OK");
    } else if (req.url === "/info") {
      const driverStatus = daemon.containerd ? [["driver-type", "io.containerd.snapshotter.v1"]] : [["Backing Filesystem", "extfs"]];
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ ServerVersion: daemon.version, DriverStatus: driverStatus }));
    } else {
      res.writeHead(404).end(JSON.stringify({ message: "page not found" }));
    }
  });
  await new Promise<void>((resolve) => server.listen(join(dir, "docker.sock"), resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** A probe as a new process would make it: its own process-cache key, the same disk cache. */
async function probeFresh(cache = join(dir, "cache")) {
  daemon.hits = [];
  const caps = await probe({
    inspect: false,
    env: {
      PATH: join(dir, "bin"),
      HOME: dir,
      DOCKER_HOST: `unix://${join(dir, "docker.sock")}`,
      DOCKER_CONFIG: join(dir, `config-${n++}`),
      XDG_CACHE_HOME: cache,
    },
  });
  return { caps, hits: daemon.hits };
}

/** What a daemon start does to its pid file: a new file. */
async function restartDaemon(): Promise<void> {
  await writeFile(join(dir, "docker.pid.new"), `${process.pid}\n`);
  await rename(join(dir, "docker.pid.new"), join(dir, "docker.pid"));
}

describe("the engine's image store, cached per daemon", () => {
  it("asks /info once per daemon, then only /_ping", async () => {
    await restartDaemon();
    const first = await probeFresh();
    expect(first.hits).toEqual(["/_ping", "/info"]);
    expect(first.caps).toMatchObject({ engineVersion: "99.0.1", containerdImageStore: true, problems: [] });
    const second = await probeFresh();
    expect(second.hits).toEqual(["/_ping"]);
    expect(second.caps).toMatchObject({ engineVersion: "99.0.1", containerdImageStore: true, problems: [] });
  });

  it("asks again after a restart (a new pid file), and sees the store it now has", async () => {
    await restartDaemon();
    daemon.containerd = false;
    const after = await probeFresh();
    expect(after.hits).toEqual(["/_ping", "/info"]);
    expect(after.caps.containerdImageStore).toBe(false);
    expect((await probeFresh()).hits).toEqual(["/_ping"]);
    daemon.containerd = true;
  });

  it("asks again when /_ping names another version", async () => {
    await restartDaemon();
    await probeFresh();
    daemon.version = "99.0.2";
    const upgraded = await probeFresh();
    expect(upgraded.hits).toEqual(["/_ping", "/info"]);
    expect(upgraded.caps.engineVersion).toBe("99.0.2");
  });

  it("shares the cache with Deno and Bun: a probe on either asks only /_ping after Node's (keys in whole ms)", async () => {
    await restartDaemon();
    // Deno reads modification times in whole milliseconds; a key with Node's fraction would
    // never match there, and each runtime would overwrite the other's entry.
    await utimes(join(dir, "docker.pid"), 1_700_000_000.1234, 1_700_000_000.1234);
    expect((await probeFresh()).hits).toEqual(["/_ping", "/info"]);
    const config = join(dir, "config-runtimes");
    const env = {
      PATH: join(dir, "bin"),
      HOME: dir,
      DOCKER_HOST: `unix://${join(dir, "docker.sock")}`,
      DOCKER_CONFIG: config,
      XDG_CACHE_HOME: join(dir, "cache"),
    };
    const script = `import { probe } from ${JSON.stringify(join(ROOT, "lib/build/probe.ts"))};\n` +
      `const caps = await probe({ inspect: false, env: ${JSON.stringify(env)} });\n` +
      `console.log(JSON.stringify([caps.engineVersion, caps.containerdImageStore]));\n`;
    await writeFile(join(dir, "probe-once.ts"), script);
    for (const runtime of [[join(ROOT, "node_modules/.bin/deno"), "run", "-A", "--quiet"], [join(ROOT, "node_modules/.bin/bun")]]) {
      daemon.hits = [];
      const { stdout } = await exec(runtime[0]!, [...runtime.slice(1), join(dir, "probe-once.ts")], { cwd: ROOT, timeout: 60_000 });
      expect(JSON.parse(stdout)).toEqual([daemon.version, true]);
      expect(daemon.hits).toEqual(["/_ping"]);
    }
    expect((await probeFresh()).hits).toEqual(["/_ping"]);
  });

  it("asks /info every time without a pid file beside the socket", async () => {
    await rm(join(dir, "docker.pid"));
    expect((await probeFresh()).hits).toEqual(["/info"]);
    expect((await probeFresh()).hits).toEqual(["/info"]);
  });

  it("says the daemon is unreachable when its files are left but nobody answers, cache or not", async () => {
    await restartDaemon();
    await probeFresh();
    await new Promise((resolve) => server.close(resolve));
    // What a crashed daemon leaves: its socket file and its pid file, nobody listening.
    await writeFile(join(dir, "docker.sock"), "");
    const down = await probeFresh();
    expect(down.caps.problems.map((p) => p.code)).toContain("daemon-unreachable");
    expect(down.caps.engineVersion).toBeNull();
    await rm(join(dir, "docker.sock"), { force: true });
    await new Promise<void>((resolve) => server.listen(join(dir, "docker.sock"), resolve));
  });
});
