/**
 * build() against the real engine (scripts/engine.sh up): one test per feature ENGINE.md lists as
 * working on the docker driver with the containerd image store, each asserting what the build
 * produced (the image store, the registry, the files), not only that buildx exited 0.
 *
 * Caches, attestations and pushes are in build-registry.test.ts; failures, interrupts and temp
 * files in build-failures.test.ts.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BuildError, ValidationError } from "../lib/core/errors.ts";
import type { ProgressEvent } from "../lib/core/progress.ts";
import { build } from "../lib/build/run.ts";
import { shellCommand } from "../lib/runtime/spawn.ts";
import {
  blobsContaining,
  cleanUp,
  collectLog,
  docker,
  fakeDocker,
  fixture,
  imagetoolsRaw,
  inspectImage,
  isTar,
  nonce,
  platformsOf,
  privateTmp,
  registryDigest,
  REPO,
  run,
  runSteps,
  savedImage,
  sha256,
  tempDir,
  trackImage,
  trackPush,
} from "./fixtures/build/support.ts";
import { requireEngine } from "./support/engine.ts";

const engine = await requireEngine();
afterAll(cleanUp);

describe.skipIf(!engine.ok)("build() on the real engine", () => {
  it("--load: the image is in the image store, and runs with what RUN wrote", async () => {
    const id = nonce();
    const tag = trackImage(`buildx-kit-test/load:${id}`);
    const { log } = collectLog();
    const result = await build({ context: fixture("image"), tag: [tag], buildArg: { NONCE: id, GREETING: "loaded" } }, { log });

    expect(result.argv).toContain("--load");
    const image = await inspectImage(tag);
    expect(image.Config.Labels?.["org.example.greeting"]).toBe("loaded");
    expect((await docker("run", "--rm", tag, "cat", "/greeting", "/nonce")).split("\n")).toEqual(["loaded", id, ""]);
    // The metadata's digest is the image the store holds under the tag.
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image.Id).toBe(result.digest);
  });

  it("--build-arg: a value with spaces, quotes and $ reaches RUN and LABEL exactly", async () => {
    const id = nonce();
    const tag = trackImage(`buildx-kit-test/build-arg:${id}`);
    const greeting = `it's "quoted", $HOME & \`not run\` ${id}`;
    const result = await build({ context: fixture("image"), tag: [tag], buildArg: { NONCE: id, GREETING: greeting } }, collectLog());

    expect(result.argv).toContain(`--build-arg=GREETING=${greeting}`);
    expect((await inspectImage(tag)).Config.Labels?.["org.example.greeting"]).toBe(greeting);
    expect(await docker("run", "--rm", tag, "cat", "/greeting")).toBe(`${greeting}\n`);
  });

  it("--label: labels land in the image config", async () => {
    const id = nonce();
    const tag = trackImage(`buildx-kit-test/label:${id}`);
    await build({
      context: fixture("image"),
      tag: [tag],
      buildArg: { NONCE: id },
      label: { "org.opencontainers.image.title": "buildx-kit test", "org.example.run": id, "org.example.eq": "a=b,c" },
    }, collectLog());

    const labels = (await inspectImage(tag)).Config.Labels ?? {};
    expect(labels["org.opencontainers.image.title"]).toBe("buildx-kit test");
    expect(labels["org.example.run"]).toBe(id);
    expect(labels["org.example.eq"]).toBe("a=b,c");
    expect(labels["org.example.greeting"]).toBe("unset"); // the Dockerfile's own LABEL, from the ARG default
  });

  it("--platform with --load: both platforms are in the (containerd) image store", async () => {
    const id = nonce();
    const tag = trackImage(`buildx-kit-test/multi-load:${id}`);
    const result = await build({ context: fixture("scratch"), tag: [tag], platform: "linux/amd64,linux/arm64", buildArg: { NONCE: id } }, collectLog());

    expect(result.argv).toEqual(expect.arrayContaining(["--load", "--platform=linux/amd64,linux/arm64"]));
    const saved = await savedImage(tag);
    // docker save writes the tag's index; in it, one image manifest per platform, each with its
    // own config naming the architecture.
    const top = saved.index.manifests[0]!;
    const index = JSON.parse(saved.blobs.get(top.digest)!.toString()) as Parameters<typeof platformsOf>[0];
    expect(platformsOf(index)).toEqual(["linux/amd64", "linux/arm64"]);
    for (const m of index.manifests.filter((m) => m.platform?.os === "linux")) {
      const manifest = JSON.parse(saved.blobs.get(m.digest)!.toString()) as { config: { digest: string } };
      const config = JSON.parse(saved.blobs.get(manifest.config.digest)!.toString()) as { architecture: string };
      expect(config.architecture).toBe(m.platform!.architecture);
    }
    expect(result.digest, JSON.stringify(result.metadata)).toBe(top.digest);
  });

  it("--platform with --push: the registry holds an index with both platforms", async () => {
    const id = nonce();
    const ref = trackImage(`${REPO}/multi-push:${id}`);
    trackPush(ref);
    const result = await build(
      { context: fixture("scratch"), tag: [ref], platform: ["linux/amd64", "linux/arm64"], push: true, buildArg: { NONCE: id } },
      collectLog(),
    );

    expect(result.argv).toContain("--push");
    expect(result.argv).not.toContain("--load");
    const index = await imagetoolsRaw(ref);
    expect(platformsOf(index)).toEqual(["linux/amd64", "linux/arm64"]);
    expect(result.digest).toBe(await registryDigest(ref));
  });

  it("--output type=local: the files are written to dest", async () => {
    const id = nonce();
    const out = await tempDir("out-local");
    const dest = join(out, "rootfs");
    const result = await build({ context: fixture("scratch"), output: { type: "local", dest }, buildArg: { NONCE: id } }, collectLog());

    expect(result.argv).toContain(`--output=type=local,dest=${dest}`);
    expect(result.argv).not.toContain("--load");
    expect(await readdir(dest)).toEqual(["hello.txt"]);
    expect(await readFile(join(dest, "hello.txt"), "utf8")).toBe(await readFile(fixture("scratch/hello.txt"), "utf8"));
  });

  it("--output type=tar: dest is a tar of the image's files", async () => {
    const id = nonce();
    const out = await tempDir("out-tar");
    const dest = join(out, "rootfs.tar");
    await build({ context: fixture("scratch"), output: `type=tar,dest=${dest}`, buildArg: { NONCE: id } }, collectLog());

    const data = await readFile(dest);
    expect(isTar(data)).toBe(true);
    const listed = await run("tar", ["-tf", dest]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n").filter(Boolean)).toEqual(["hello.txt"]);
    const content = await run("tar", ["-xOf", dest, "hello.txt"]);
    expect(content.stdout).toBe(await readFile(fixture("scratch/hello.txt"), "utf8"));
  });

  it("--build-context name=./dir: COPY --from=name reads the named folder, resolved against cwd", async () => {
    const out = await tempDir("out-context");
    // Relative paths: the context and the named context resolve against RunOptions.cwd.
    const result = await build({ context: ".", buildContext: { extra: "./extra" }, output: `type=local,dest=${out}` }, {
      ...collectLog(),
      cwd: fixture("context"),
    });

    expect(result.argv).toContain("--build-context=extra=./extra");
    expect(await readFile(join(out, "from-extra.txt"), "utf8")).toBe("from the named context\n");
    expect(await readFile(join(out, "main.txt"), "utf8")).toBe("from the main context\n");
  });

  it("--add-host: RUN sees the host in /etc/hosts", async () => {
    const id = nonce();
    const out = await tempDir("out-hosts");
    await build(
      { context: fixture("runinfo"), addHost: { "buildx-kit.test": "10.11.12.13" }, output: `type=local,dest=${out}`, buildArg: { NONCE: id } },
      collectLog(),
    );

    expect(await readFile(join(out, "nonce"), "utf8")).toBe(`${id}\n`);
    expect((await readFile(join(out, "hosts"), "utf8")).trim().split(/\s+/)).toEqual(["10.11.12.13", "buildx-kit.test"]);
  });

  it("--ulimit: RUN runs with the limits asked for", async () => {
    const id = nonce();
    const out = await tempDir("out-ulimit");
    const result = await build({
      context: fixture("runinfo"),
      ulimit: { nofile: { soft: 1234, hard: 2345 } },
      output: `type=local,dest=${out}`,
      buildArg: { NONCE: id },
    }, collectLog());

    expect(result.argv).toContain("--ulimit=nofile=1234:2345");
    expect(await readFile(join(out, "nonce"), "utf8")).toBe(`${id}\n`);
    expect(await readFile(join(out, "nofile.soft"), "utf8")).toBe("1234\n");
    expect(await readFile(join(out, "nofile.hard"), "utf8")).toBe("2345\n");
    expect(await readFile(join(out, "hosts"), "utf8")).toBe(""); // no --add-host this time
  });

  it("--no-cache-filter: the named stage runs again, the others come from the cache", async () => {
    const id = nonce();
    const first = await tempDir("nocache-1");
    const second = await tempDir("nocache-2");
    const options = { context: fixture("nocache"), buildArg: { NONCE: id } };
    await build({ ...options, output: `type=local,dest=${first}` }, collectLog());
    const events: ProgressEvent[] = [];
    const result = await build({ ...options, noCacheFilter: "deps", output: `type=local,dest=${second}` }, {
      ...collectLog(),
      onProgress: (e) => events.push(e),
    });

    expect(result.argv).toContain("--no-cache-filter=deps");
    const steps = runSteps(events);
    expect(steps.filter((e) => e.name.startsWith("[deps ")).map((e) => e.type)).toEqual(["started", "completed"]);
    expect(steps.filter((e) => e.name.startsWith("[app ")).map((e) => e.type)).toEqual(["cached"]);
    const read = (dir: string, f: string) => readFile(join(dir, f), "utf8");
    expect(await read(second, "deps-id")).not.toBe(await read(first, "deps-id"));
    expect(await read(second, "app-id")).toBe(await read(first, "app-id"));
  });

  it("--secret id=x,src=file: RUN reads it, and it is in no layer of the image", async () => {
    const id = nonce();
    const tag = trackImage(`buildx-kit-test/secret:${id}`);
    const dir = await tempDir("secret-src");
    const value = `s3cr3t-${id}-${"x".repeat(20)}`;
    await writeFile(join(dir, "token.txt"), value, { mode: 0o600 });

    const result = await build(
      { context: fixture("secret"), tag: [tag], secret: `id=token,src=${join(dir, "token.txt")}`, buildArg: { NONCE: id } },
      collectLog(),
    );

    expect(result.argv).toContain(`--secret=id=token,src=${join(dir, "token.txt")}`);
    const hash = sha256(value);
    expect(await docker("run", "--rm", tag, "cat", "/token.sha256")).toBe(`${hash}\n`);
    const saved = await savedImage(tag);
    expect(saved.layers.length).toBeGreaterThanOrEqual(2);
    // The search does see into the layers: the hash RUN wrote is found, the secret is not.
    expect(blobsContaining(saved.blobs, hash)).not.toEqual([]);
    expect(blobsContaining(saved.blobs, value)).toEqual([]);
    // ...and configs are searched too: the image config's history names the NONCE build arg.
    expect(blobsContaining(saved.blobs, `NONCE=${id}`)).not.toEqual([]);
  });

  it("RunOptions.secrets: the value reaches RUN through buildx's environment only: no file, not in argv or command", async () => {
    const id = nonce();
    const tag = trackImage(`buildx-kit-test/run-secrets:${id}`);
    const value = `from-run-options-${id}`;
    const tmp = await privateTmp();
    const seen: { dirMode?: number; files?: string[]; holding?: string[] } = {};
    let result;
    try {
      result = await build({ context: fixture("secret"), tag: [tag], buildArg: { NONCE: id } }, {
        ...collectLog(),
        secrets: { token: value },
        onProgress: (e) => {
          // While RUN reads the secret: what build() keeps in TMPDIR.
          if (e.type !== "started" || !e.name.includes("RUN") || seen.files) return;
          const [folder] = readdirSync(tmp.dir);
          const path = join(tmp.dir, folder!);
          seen.dirMode = statSync(path).mode & 0o777;
          seen.files = readdirSync(path);
          seen.holding = seen.files.filter((name) => readFileSync(join(path, name), "utf8").includes(value));
        },
      });
    } finally {
      tmp.restore();
    }

    expect(seen.dirMode).toBe(0o700);
    // Only the metadata file (not written yet, or without the value): the secret is on no disk.
    expect(seen.holding).toEqual([]);
    expect(seen.files!.every((f) => f === "metadata.json")).toBe(true);
    expect(await tmp.entries()).toEqual([]); // the private folder is gone
    expect(result.argv).toContain("--secret=id=token,env=BUILDX_KIT_SECRET_TOKEN");
    expect(result.command).not.toContain(value);
    expect(JSON.stringify(result)).not.toContain(value);
    expect(await docker("run", "--rm", tag, "cat", "/token.sha256")).toBe(`${sha256(value)}\n`);
    const saved = await savedImage(tag);
    expect(saved.layers.length).toBeGreaterThanOrEqual(2);
    expect(blobsContaining(saved.blobs, value)).toEqual([]);
  });

  it("--metadata-file: digest, imageName, ref and the raw metadata; a caller's file is kept", async () => {
    const id = nonce();
    const tag = trackImage(`buildx-kit-test/metadata:${id}`);
    const cwd = await tempDir("metadata");
    const result = await build({ context: fixture("image"), tag: [tag], buildArg: { NONCE: id }, metadataFile: "meta/../build.json" }, {
      ...collectLog(),
      cwd,
    });

    expect(result.ok).toBe(true);
    expect(result.exitCode).toBe(0);
    expect(result.dryRun).toBe(false);
    expect(result.imageName).toBe(`docker.io/${tag}`);
    expect(result.imageNames).toEqual([`docker.io/${tag}`]);
    expect(result.ref).toMatch(/^default\/default\/\w+$/);
    expect(result.digest).toBe((await inspectImage(tag)).Id);
    expect(result.durationMs).toBeGreaterThan(0);
    // The caller's file, relative to cwd, is left in place and is what the result was read from.
    const onDisk = JSON.parse(await readFile(join(cwd, "build.json"), "utf8")) as Record<string, unknown>;
    expect(result.metadata).toEqual(onDisk);
    expect(onDisk["containerimage.digest"]).toBe(result.digest);
    expect(onDisk["buildx.build.ref"]).toBe(result.ref);
    expect(result.argv).toContain("--metadata-file=meta/../build.json");
  });

  it("the printed command is shell-quoted and, run by bash, builds the same image", async () => {
    const id = nonce();
    const tag = trackImage(`buildx-kit-test/command:${id}`);
    const greeting = `a 'b' "c" $d \\e ${id}`;
    const result = await build({ context: fixture("image"), tag: [tag], buildArg: { NONCE: id, GREETING: greeting } }, collectLog());
    const configOf = async () => (JSON.parse(await docker("image", "inspect", tag)) as { Config: unknown }[])[0]!.Config;
    const before = await configOf();

    // No temp file in it: the private metadata file is gone by now.
    expect(result.command).not.toContain("--metadata-file");
    expect(result.argv.some((a) => a.startsWith("--metadata-file="))).toBe(false);
    expect(result.command).toBe(`cd ${process.cwd()} && ${shellCommand(["docker", ...result.argv.slice(1)])}`);
    await docker("image", "rm", tag);
    // Pasted anywhere: it runs in the build's folder.
    const again = await run("bash", ["-c", result.command], { cwd: "/" });
    expect(again.stderr).not.toMatch(/ERROR/);
    expect(again.code).toBe(0);
    expect(await configOf()).toEqual(before);
    expect((await inspectImage(tag)).Config.Labels?.["org.example.greeting"]).toBe(greeting);
  });

  it("--progress=rawjson via onProgress: started, completed and cached steps, with names and times", async () => {
    const id = nonce();
    const out = await tempDir("progress");
    const options = { context: fixture("runinfo"), buildArg: { NONCE: id }, output: `type=local,dest=${out}` };
    const first: ProgressEvent[] = [];
    const r1 = await build(options, { ...collectLog(), onProgress: (e) => first.push(e) });
    const second: ProgressEvent[] = [];
    await build(options, { ...collectLog(), onProgress: (e) => second.push(e) });

    expect(r1.argv).toContain("--progress=rawjson");
    const run1 = runSteps(first);
    expect(run1.map((e) => e.type)).toEqual(["started", "completed"]);
    // buildx names the step by its stage and position, with the build args filled in.
    expect(run1[0]!.name.startsWith(`[probe 2/2] RUN echo "${id}" > /nonce`)).toBe(true);
    expect(run1[1]!.durationMs).toBeGreaterThanOrEqual(0);
    for (const e of run1) expect(Number.isNaN(Date.parse(e.time ?? ""))).toBe(false);
    expect(first.some((e) => e.type === "completed" && /exporting to client/.test(e.name))).toBe(true);
    // What RUN printed arrives as log events... (this RUN prints nothing); every event has a vertex.
    for (const e of first) expect(e.vertex).toMatch(/^sha256:/);
    expect(runSteps(second).map((e) => e.type)).toEqual(["cached"]);
    expect(runSteps(second)[0]!.name).toBe(run1[0]!.name);
  });

  it("dryRun: returns argv and command without spawning anything; offline, without probing", async () => {
    const fake = await fakeDocker("exit 0");
    const tmp = await privateTmp();
    const path = process.env.PATH;
    process.env.PATH = `${fake.dir}:${path}`;
    let plain, withCaps;
    try {
      plain = await build({ context: ".", tag: ["app:1"], push: true, buildArg: { A: "x y" } }, {
        dryRun: true,
        offline: true,
        secrets: { token: "not-written" },
      });
      withCaps = await build({ context: ".", tag: ["app:1"] }, { dryRun: true, capabilities: fake.capabilities });
    } finally {
      process.env.PATH = path;
      tmp.restore();
    }

    expect(plain.dryRun).toBe(true);
    expect(plain.exitCode).toBeNull();
    expect(plain.durationMs).toBe(0);
    expect(plain.argv).toEqual([
      "docker",
      "buildx",
      "build",
      "--build-arg=A=x y",
      "--progress=plain",
      "--push",
      "--secret=id=token,env=BUILDX_KIT_SECRET_TOKEN",
      "--tag=app:1",
      ".",
    ]);
    expect(plain.command).toBe(
      `cd ${process.cwd()} && docker buildx build '--build-arg=A=x y' --progress=plain --push --secret=id=token,env=BUILDX_KIT_SECRET_TOKEN --tag=app:1 .`,
    );
    expect(plain.command).not.toContain("not-written");
    expect(plain.diagnostics.map((d) => d.code)).toContain("buildx-version-unknown"); // not probed
    expect(withCaps.argv.slice(0, 3)).toEqual([fake.docker, "buildx", "build"]);
    expect(withCaps.argv).toContain("--load");
    // Nothing ran: the fake docker on PATH logs every call, and no secret file was written.
    await expect(stat(fake.calls)).rejects.toThrow(/ENOENT/);
    expect(await tmp.entries()).toEqual([]);
  });

  it("refuses options the plan rejects, before spawning anything, and leaves no temp files", async () => {
    const fake = await fakeDocker("exit 0");
    const tmp = await privateTmp();
    const err = await build({ context: ".", push: true }, { capabilities: fake.capabilities, ...collectLog() }).catch((e: unknown) => e).finally(() =>
      tmp.restore()
    );
    expect(await tmp.entries()).toEqual([]);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/^invalid build options \(1 problem\):\n {2}.*push.*pushing needs a tag/);
    await expect(stat(fake.calls)).rejects.toThrow(/ENOENT/);
    expect(err).not.toBeInstanceOf(BuildError);
  });
});
