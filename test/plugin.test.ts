/**
 * Builds run docker's buildx plugin directly, the way docker runs it, when the probe is sure which
 * plugin `docker buildx` would run; through docker otherwise. The real engine, the real docker
 * CLI, and a logging plugin wrapper to see which process ran with which arguments. That a failing
 * build fails as through docker (exit code 125 for an unknown flag) is in build-failures.test.ts.
 */
import { chmod, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { afterAll, describe, expect, it } from "vitest";
import { findExecutable, probe } from "../lib/build/probe.ts";
import { build } from "../lib/build/run.ts";
import { cleanUp, collectLog, fixture, inspectImage, nonce, tempDir, trackImage } from "./fixtures/build/support.ts";
import { requireEngine } from "./support/engine.ts";

const engine = await requireEngine();

afterAll(cleanUp);

/** A docker config folder whose cli-plugins holds `docker-buildx`: a symlink, or a script. */
async function configWithPlugin(plugin: { link: string } | { script: string }, config?: object): Promise<{ dir: string; plugin: string }> {
  const dir = await tempDir("docker-config");
  await mkdir(join(dir, "cli-plugins"));
  const path = join(dir, "cli-plugins/docker-buildx");
  if ("link" in plugin) await symlink(plugin.link, path);
  else {
    await writeFile(path, plugin.script);
    await chmod(path, 0o755);
  }
  if (config) await writeFile(join(dir, "config.json"), JSON.stringify(config));
  return { dir, plugin: path };
}

describe.skipIf(!engine.ok)("which buildx plugin docker runs (real docker CLI)", () => {
  it("is found on this machine, and is what docker itself reports", async () => {
    const caps = await probe({ inspect: false, refresh: true });
    expect(caps.buildxPlugin).toMatch(/\/docker-buildx$/);
    // docker's own answer, which needs no daemon: the path of each plugin it would run.
    const docker = (await findExecutable("docker", process.env.PATH))!;
    const { capture } = await import("../lib/runtime/spawn.ts");
    const info = await capture([docker, "info", "--format", "{{json .ClientInfo.Plugins}}"]);
    const buildx = (JSON.parse(info.stdout) as { Name: string; Path: string }[]).find((p) => p.Name === "buildx");
    expect(caps.buildxPlugin).toBe(buildx?.Path);
  });

  it("takes the config folder's plugin first, as docker does", async () => {
    const real = (await probe({ inspect: false })).buildxPlugin!;
    const { dir, plugin } = await configWithPlugin({ link: real });
    const caps = await probe({ inspect: false, refresh: true, env: { ...process.env, DOCKER_CONFIG: dir } });
    expect(caps.buildxPlugin).toBe(plugin);
    expect(caps.problems).toEqual([]);
  });

  it("is not decided when config.json adds plugin folders (their order differs between docker releases)", async () => {
    const real = (await probe({ inspect: false })).buildxPlugin!;
    const { dir } = await configWithPlugin({ link: real }, { cliPluginsExtraDirs: ["/opt/plugins"] });
    const caps = await probe({ inspect: false, refresh: true, env: { ...process.env, DOCKER_CONFIG: dir } });
    expect(caps.buildxPlugin).toBeNull();
    expect(caps.buildxCommand?.[1]).toBe("buildx");
  });

  it("is not decided when docker is a script (a wrapper may do more than pass buildx on)", async () => {
    const bin = await tempDir("wrapper-bin");
    const docker = (await findExecutable("docker", process.env.PATH))!;
    await writeFile(join(bin, "docker"), `#!/bin/sh\nexec '${docker}' "$@"\n`);
    await chmod(join(bin, "docker"), 0o755);
    const caps = await probe({ inspect: false, refresh: true, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(caps.buildxCommand).toEqual([join(bin, "docker"), "buildx"]);
    expect(caps.buildxPlugin).toBeNull();
  });
});

describe.skipIf(!engine.ok)("a build runs the plugin directly (real engine)", () => {
  it("runs it once, as docker would (`buildx build ...`, the variable naming docker), with no metadata call", async () => {
    const real = (await probe({ inspect: false })).buildxPlugin!;
    const log = join(await tempDir("plugin-log"), "calls.log");
    const { dir } = await configWithPlugin({
      script: `#!/bin/sh\nprintf '%s|%s\\n' "$*" "$DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND" >> '${log}'\nexec '${real}' "$@"\n`,
    });
    const env = { ...process.env, DOCKER_CONFIG: dir };
    // The probe asks `docker buildx version` once for a plugin it has not seen: not the build.
    await probe({ inspect: false, env });
    await writeFile(log, "");
    const id = nonce();
    const tag = trackImage(`buildx-kit-test/plugin:${id}`);
    const result = await build({ context: fixture("image"), tag: [tag], buildArg: { NONCE: id } }, { env, log: collectLog().log });

    expect(result.ok).toBe(true);
    expect((await inspectImage(tag)).Id).toBe(result.digest);
    // What a user would paste is still docker's command.
    expect(result.argv.slice(1, 3)).toEqual(["buildx", "build"]);
    const calls = (await readFile(log, "utf8")).trim().split("\n");
    // docker would first have asked the plugin for its metadata (docker-cli-plugin-metadata).
    // The invocation shown, plus only the private metadata file after `build`.
    const ran = (argv: readonly string[]) => [...argv.slice(1, 3), "--metadata-file=M", ...argv.slice(3)].join(" ");
    expect(calls.map((c) => c.replace(/--metadata-file=\S+/, "--metadata-file=M"))).toEqual([`${ran(result.argv)}|${result.argv[0]}`]);
  });

  it("runs through docker when docker is a wrapper script, and the wrapper sees the build", async () => {
    const ran = (argv: readonly string[]) => [...argv.slice(1, 3), "--metadata-file=M", ...argv.slice(3)].join(" ");
    const bin = await tempDir("wrapper-bin");
    const log = join(bin, "calls.log");
    const docker = (await findExecutable("docker", process.env.PATH))!;
    await writeFile(join(bin, "docker"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${docker}' "$@"\n`);
    await chmod(join(bin, "docker"), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const id = nonce();
    const tag = trackImage(`buildx-kit-test/wrapped:${id}`);
    const result = await build({ context: fixture("image"), tag: [tag], buildArg: { NONCE: id } }, { env, log: collectLog().log });

    expect(result.ok).toBe(true);
    expect((await inspectImage(tag)).Id).toBe(result.digest);
    expect(result.argv[0]).toBe(join(bin, "docker"));
    const calls = (await readFile(log, "utf8")).trim().split("\n");
    expect(calls.at(-1)!.replace(/--metadata-file=\S+/, "--metadata-file=M")).toBe(ran(result.argv));
  });
});
