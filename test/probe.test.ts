/**
 * probe(), health(), healthReport(): against a fake `docker` (a small sh script on an otherwise
 * empty PATH) for every way a machine can fall short, then against the real engine.
 */
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildkitRelease, UNKNOWN_CAPABILITIES } from "../lib/core/capabilities.ts";
import { MIN_BUILDX } from "../lib/core/flags.ts";
import { plan } from "../lib/core/plan.ts";
import { health, healthReport, parseInspect, probe, supportsAttestation, usesContainerdStore } from "../lib/build/probe.ts";
import { formatDoctor } from "../lib/cli/doctor.ts";
import { cleanup as cleanupFakes, fakePath } from "./fixtures/cli/support.ts";
import { requireEngine } from "./support/engine.ts";

/**
 * A DOCKER_HOST that is not a unix socket: probe then asks the (fake) `docker info` instead of the
 * API socket, so these tests see the daemon the fake docker describes, not the real one.
 */
const FAKE_DAEMON = "tcp://127.0.0.1:1";

// ---------------------------------------------------------------------------------------------
// The fake tool

interface Reply {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly code?: number;
}

/** Replies by the start of the argument list ("info", "buildx version", "version", ...). */
type Replies = Record<string, Reply>;

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  await cleanupFakes();
});

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A directory holding fake executables. Each one logs its arguments (one line per call) to
 * `calls.log` in the same directory and answers from `replies`; it uses shell builtins only, since
 * PATH holds nothing else.
 */
async function fakeBin(tools: Record<string, Replies>): Promise<{ dir: string; calls: () => Promise<string[]> }> {
  const dir = await mkdtemp(join(tmpdir(), "buildx-kit-probe-"));
  dirs.push(dir);
  const log = join(dir, "calls.log");
  for (const [name, replies] of Object.entries(tools)) {
    const cases = Object.entries(replies).map(([args, r]) =>
      [
        `  ${shQuote(args)}|${shQuote(args)}\\ *)`,
        `    printf '%s' ${shQuote(r.stdout ?? "")}`,
        `    printf '%s' ${shQuote(r.stderr ?? "")} >&2`,
        `    exit ${r.code ?? 0} ;;`,
      ].join("\n")
    );
    const script = [
      "#!/bin/sh",
      `printf '%s\\n' "$*" >> ${shQuote(log)}`,
      `case "$*" in`,
      ...cases,
      `  *) printf 'fake ${name}: unexpected arguments: %s\\n' "$*" >&2; exit 99 ;;`,
      "esac",
      "",
    ].join("\n");
    await writeFile(join(dir, name), script);
    await chmod(join(dir, name), 0o755);
  }
  return {
    dir,
    calls: async () => (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean),
  };
}

// ---------------------------------------------------------------------------------------------
// Realistic tool output

const INFO_CONTAINERD = {
  stdout: `${JSON.stringify({ ServerVersion: "26.1.5", Driver: "overlayfs", DriverStatus: [["driver-type", "io.containerd.snapshotter.v1"]] })}\n`,
};
const INFO_CLASSIC = {
  stdout: `${
    JSON.stringify({
      ServerVersion: "24.0.7",
      Driver: "overlay2",
      DriverStatus: [["Backing Filesystem", "extfs"], ["Supports d_type", "true"], ["Using metacopy", "false"], ["Native Overlay Diff", "true"], [
        "userxattr",
        "false",
      ]],
    })
  }\n`,
};
const DAEMON_DOWN = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?";

const version = (v: string): Reply => ({ stdout: `github.com/docker/buildx ${v} 257815a6fb95a7ad6a7b0d0e2ea0ae6b73b5a8ff\n` });

const INSPECT_DEFAULT = {
  stdout: `Name:          default
Driver:        docker
Last Activity: 2024-05-02 09:12:44 +0000 UTC

Nodes:
Name:             default
Endpoint:         default
Status:           running
BuildKit version: v0.12.5
Platforms:        linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/386
Labels:
 org.mobyproject.buildkit.worker.moby.host-gateway-ip: 172.17.0.1
`,
};

/** `docker buildx inspect` of a docker-container builder with two nodes (buildx 0.13 layout). */
const INSPECT_TWO_NODES = `Name:          multi
Driver:        docker-container
Last Activity: 2024-05-02 09:12:44 +0000 UTC

Nodes:
Name:                  multi0
Endpoint:              unix:///var/run/docker.sock
Driver Options:        env.BUILDKIT_STEP_LOG_MAX_SIZE="10485760"
Status:                running
Flags:                 --allow-insecure-entitlement security.insecure
BuildKit daemon flags: --allow-insecure-entitlement=network.host
BuildKit version:      v0.13.2
Platforms:             linux/amd64*, linux/amd64/v2, linux/amd64/v3, linux/386
Labels:
 org.mobyproject.buildkit.worker.executor:         oci
 org.mobyproject.buildkit.worker.hostname:         3f1c5e9d2b7a
 org.mobyproject.buildkit.worker.network:          host
 org.mobyproject.buildkit.worker.oci.process-mode: sandbox
 org.mobyproject.buildkit.worker.selinux.enabled:  false
 org.mobyproject.buildkit.worker.snapshotter:      overlayfs
GC Policy rule#0:
 All:           false
 Filters:       type==source.local,type==exec.cachemount,type==source.git.checkout
 Keep Duration: 48h0m0s
 Keep Bytes:    488.3MiB
GC Policy rule#1:
 All:           true
 Keep Bytes:    9.313GiB

Name:                  multi1
Endpoint:              ssh://builder@arm-box
Status:                inactive
BuildKit version:
Platforms:             linux/arm64*, linux/arm/v7, linux/arm/v6
`;

/** A docker whose daemon is up, with buildx `v` and the default builder. */
function healthyDocker(v = "v0.13.1", info: Reply = INFO_CONTAINERD): Replies {
  return { "info": info, "buildx version": version(v), "buildx inspect": INSPECT_DEFAULT };
}

// ---------------------------------------------------------------------------------------------

describe("parseInspect", () => {
  it("reads the builder, its driver and both nodes of a two-node builder", () => {
    expect(parseInspect(INSPECT_TWO_NODES)).toEqual({
      name: "multi",
      driver: "docker-container",
      nodes: [
        {
          name: "multi0",
          status: "running",
          buildkitVersion: "0.13.2",
          buildkitVersionText: "v0.13.2",
          platforms: ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/386"],
          endpoint: "unix:///var/run/docker.sock",
          configuredPlatforms: ["linux/amd64"],
        },
        {
          name: "multi1",
          status: "inactive",
          buildkitVersion: null,
          buildkitVersionText: null,
          platforms: ["linux/arm64", "linux/arm/v7", "linux/arm/v6"],
          endpoint: "ssh://builder@arm-box",
          configuredPlatforms: ["linux/arm64"],
        },
      ],
    });
  });

  it("reads Windows line endings the same", () => {
    expect(parseInspect(INSPECT_TWO_NODES.replace(/\n/g, "\r\n"))).toEqual(parseInspect(INSPECT_TWO_NODES));
  });

  it.each([
    ["empty output", ""],
    ["an error", 'ERROR: no builder "nope" found\n'],
    ["no driver", "Name: x\n\nNodes:\nName: x0\n"],
    // What buildx inspect prints (exit code 0) when the daemon is down: the driver is empty.
    ["an empty driver", `Name:          default\nDriver:        \nLast Activity: 2026-11-27 15:56:02 +0000 UTC\nError:         ${DAEMON_DOWN}\n`],
  ])("is null for %s", (_, text) => {
    expect(parseInspect(text)).toBeNull();
  });
});

describe("parseInspect on recorded outputs (test/fixtures/buildx/inspect)", () => {
  const fixture = (name: string) => readFileSync(new URL(`./fixtures/buildx/inspect/${name}`, import.meta.url), "utf8");

  it("Debian's engine: BuildKit v0.0.0+unknown is no release, kept as text", () => {
    const info = parseInspect(fixture("docker-debian-0.13.1.txt"))!;
    expect(info.driver).toBe("docker");
    expect(info.nodes).toEqual([{
      name: "default",
      status: "running",
      buildkitVersion: null,
      buildkitVersionText: "v0.0.0+unknown",
      platforms: ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/amd64/v4"],
      endpoint: "default",
      configuredPlatforms: [],
    }]);
  });

  it("buildx 0.36 layout, two nodes: each node's BuildKit and platforms (Features and GC lines skipped)", () => {
    expect(parseInspect(fixture("docker-container-0.36.1.txt"))).toEqual({
      name: "multi",
      driver: "docker-container",
      nodes: [
        {
          name: "multi0",
          status: "running",
          buildkitVersion: "0.26.2",
          buildkitVersionText: "v0.26.2",
          platforms: ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/386"],
          endpoint: "unix:///var/run/docker.sock",
          configuredPlatforms: [],
        },
        {
          name: "multi1",
          status: "running",
          buildkitVersion: "0.12.5",
          buildkitVersionText: "v0.12.5",
          platforms: ["linux/arm64", "linux/arm/v7", "linux/arm/v6"],
          endpoint: "ssh://arm-host",
          configuredPlatforms: [],
        },
      ],
    });
  });

  it.each(
    [
      ["v0.13.2", "0.13.2"],
      ["0.12.5", "0.12.5"],
      ["v0.26.1-rc1", "0.26.1"],
      ["v0.0.0+unknown", null],
      ["", null],
      ["dev", null],
      [null, null],
    ] as const,
  )("buildkitRelease(%j) is %j", (text, release) => {
    expect(buildkitRelease(text)).toBe(release);
  });
});

describe("usesContainerdStore", () => {
  it.each([
    [JSON.parse(INFO_CONTAINERD.stdout), true],
    [JSON.parse(INFO_CLASSIC.stdout), false],
    [{ DriverStatus: null }, false],
    [{}, false],
    [{ DriverStatus: [["driver-type", "overlay2"]] }, false],
  ])("%j -> %s", (info, expected) => {
    expect(usesContainerdStore(info)).toBe(expected);
  });
});

describe("probe with a fake docker", () => {
  it("reports no-docker when neither docker nor buildx is on PATH", async () => {
    const { dir } = await fakeBin({});
    const report = await healthReport({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, refresh: true });
    expect(report.healthy).toBe(false);
    expect(report.problems).toEqual([{ code: "no-docker", message: "no docker (and no standalone buildx) on PATH" }]);
    expect(report.capabilities).toMatchObject({ buildxCommand: null, buildxVersion: null, driver: null, engineVersion: null });
    expect(await health({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON } })).toBe(false);
  });

  it("finds a healthy machine: version, driver, BuildKit, containerd store, platforms", async () => {
    const { dir, calls } = await fakeBin({ docker: healthyDocker() });
    const caps = await probe({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, refresh: true });
    expect(caps).toEqual({
      buildxVersion: "0.13.1",
      buildxVersionText: "github.com/docker/buildx v0.13.1 257815a6fb95a7ad6a7b0d0e2ea0ae6b73b5a8ff",
      buildxCommand: [join(dir, "docker"), "buildx"],
      // A docker that is a script may do more than run the plugin: builds go through it.
      buildxPlugin: null,
      engineVersion: "26.1.5",
      driver: "docker",
      buildkitVersion: "0.12.5",
      containerdImageStore: true,
      builder: {
        name: "default",
        driver: "docker",
        nodes: [{
          name: "default",
          status: "running",
          buildkitVersion: "0.12.5",
          buildkitVersionText: "v0.12.5",
          platforms: ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/386"],
          endpoint: "default",
          configuredPlatforms: [],
        }],
      },
      // DOCKER_HOST chose the (default) context, so its builder.
      builderSource: "context",
      dockerContext: "default",
      problems: [],
    });
    expect((await calls()).sort()).toEqual(["buildx inspect", "buildx version", "info --format {{json .}}"]);
    expect(await health({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON } })).toBe(true);
  });

  it("reads the classic image store", async () => {
    const { dir } = await fakeBin({ docker: healthyDocker("v0.13.1", INFO_CLASSIC) });
    const caps = await probe({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, refresh: true });
    expect(caps.containerdImageStore).toBe(false);
    expect(caps.engineVersion).toBe("24.0.7");
  });

  it.each([
    ["docker info exits 1 (docker 28)", { stderr: `${DAEMON_DOWN}\n`, code: 1, stdout: `${JSON.stringify({ ServerVersion: "" })}\n` }],
    ["docker info exits 0 with ServerErrors (docker 26)", { stdout: `${JSON.stringify({ ServerVersion: "", ServerErrors: [DAEMON_DOWN] })}\n`, code: 0 }],
  ])("reports daemon-unreachable when %s", async (_, info) => {
    const { dir } = await fakeBin({
      docker: {
        "info": info,
        "buildx version": version("v0.13.1"),
        "buildx inspect": { stdout: `Name:          default\nDriver:        \nLast Activity: 2026-11-27 15:56:02 +0000 UTC\nError:         ${DAEMON_DOWN}\n` },
      },
    });
    const report = await healthReport({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, refresh: true });
    expect(report.healthy).toBe(false);
    expect(report.problems).toEqual([{ code: "daemon-unreachable", message: `the Docker daemon is not reachable: ${DAEMON_DOWN}` }]);
    expect(report.capabilities).toMatchObject({ engineVersion: null, containerdImageStore: null, driver: null, builder: null, buildxVersion: "0.13.1" });
  });

  it("says how docker info failed when it printed nothing", async () => {
    const { dir } = await fakeBin({ docker: { ...healthyDocker(), info: { code: 3 } } });
    const report = await healthReport({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, refresh: true });
    expect(report.problems).toEqual([{ code: "daemon-unreachable", message: "the Docker daemon is not reachable: docker info exited with code 3" }]);
  });

  it.each([
    ["docker 26", "docker: 'buildx' is not a docker command.\nSee 'docker --help'\n"],
    ["docker 28", "docker: unknown command: docker buildx\n\nRun 'docker --help' for more information\n"],
  ])("reports no-buildx when the plugin is missing (%s)", async (_, stderr) => {
    const { dir } = await fakeBin({
      docker: { "info": INFO_CONTAINERD, "buildx version": { stderr, code: 1 }, "buildx inspect": { stderr, code: 1 } },
    });
    const report = await healthReport({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, refresh: true });
    expect(report.healthy).toBe(false);
    expect(report.problems).toEqual([{ code: "no-buildx", message: `buildx is not installed: ${stderr.split("\n")[0]}` }]);
    expect(report.capabilities.buildxCommand).toBeNull();
    expect(report.capabilities.engineVersion).toBe("26.1.5");
    expect(await supportsAttestation(report.capabilities)).toBe(false);
  });

  it("reads a build from source (v0.0.0+unknown) as an unknown version, still healthy", async () => {
    const { dir } = await fakeBin({ docker: { ...healthyDocker(), "buildx version": { stdout: "github.com/docker/buildx v0.0.0+unknown \n" } } });
    const report = await healthReport({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, refresh: true });
    expect(report.healthy).toBe(true);
    expect(report.capabilities.buildxVersion).toBeNull();
    expect(report.capabilities.buildxVersionText).toBe("github.com/docker/buildx v0.0.0+unknown");
    // ... which plans as the latest buildx, and says so.
    const info = plan({ load: true }, report.capabilities).diagnostics.find((d) => d.code === "buildx-version-unknown");
    expect(info).toEqual({
      level: "info",
      code: "buildx-version-unknown",
      option: null,
      message: 'could not read a release from "github.com/docker/buildx v0.0.0+unknown"; assuming the latest buildx',
    });
    expect(await supportsAttestation(report.capabilities)).toBe(true);
  });

  it("reads Debian's BuildKit v0.0.0+unknown as unknown (null), the text kept on the node", async () => {
    const inspect = { stdout: readFileSync(new URL("./fixtures/buildx/inspect/docker-debian-0.13.1.txt", import.meta.url), "utf8") };
    const { dir } = await fakeBin({ docker: { ...healthyDocker("v0.36.1"), "buildx inspect": inspect } });
    const caps = await probe({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, refresh: true });
    expect(caps.buildkitVersion).toBeNull();
    expect(caps.builder?.nodes[0]).toMatchObject({ buildkitVersion: null, buildkitVersionText: "v0.0.0+unknown" });
    // Planned as the latest BuildKit, said where BuildKit matters.
    expect(plan({ policy: "filename=p.rego", load: true }, caps).diagnostics).toContainEqual({
      level: "info",
      code: "buildkit-version-unknown",
      option: null,
      message: 'BuildKit on default reports "v0.0.0+unknown", no release; assuming the latest BuildKit for --policy',
    });
  });

  it("reports buildx-too-old below MIN_BUILDX", async () => {
    expect(MIN_BUILDX).toBe("0.8.0");
    const { dir } = await fakeBin({ docker: healthyDocker("v0.7.0") });
    const report = await healthReport({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, refresh: true });
    expect(report.healthy).toBe(false);
    expect(report.problems).toEqual([{ code: "buildx-too-old", message: "buildx 0.7.0 is older than 0.8.0, the oldest buildx-kit supports" }]);
    expect(report.capabilities.buildxVersion).toBe("0.7.0");
  });

  it("accepts buildx exactly at MIN_BUILDX", async () => {
    const { dir } = await fakeBin({ docker: healthyDocker("v0.8.0") });
    expect(await health({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, refresh: true })).toBe(true);
  });

  it("uses a standalone buildx binary when there is no docker", async () => {
    const { dir, calls } = await fakeBin({
      buildx: { "version": { stdout: "github.com/docker/buildx v0.11.2 9872040\n" }, "inspect": INSPECT_DEFAULT },
    });
    const report = await healthReport({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, refresh: true });
    expect(report.problems).toEqual([]);
    expect(report.capabilities).toMatchObject({
      buildxCommand: [join(dir, "buildx")],
      buildxVersion: "0.11.2",
      driver: "docker",
      engineVersion: null,
      containerdImageStore: null,
    });
    expect((await calls()).sort()).toEqual(["inspect", "version"]);
    // The plan runs that binary.
    expect(plan({ load: true }, report.capabilities).argv.slice(0, 2)).toEqual([join(dir, "buildx"), "build"]);
  });

  it("prefers docker over a standalone buildx", async () => {
    const { dir } = await fakeBin({ docker: healthyDocker(), buildx: { version: version("v0.9.0") } });
    const caps = await probe({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, refresh: true });
    expect(caps.buildxCommand).toEqual([join(dir, "docker"), "buildx"]);
    expect(caps.buildxVersion).toBe("0.13.1");
  });

  describe("which builder is inspected", () => {
    const inspectAny = { ...INSPECT_DEFAULT };
    it.each([
      ["the current one by default", {}, undefined, "buildx inspect"],
      ["BUILDX_BUILDER", { BUILDX_BUILDER: "from-env" }, undefined, "buildx inspect from-env"],
      ["the builder option", {}, "from-option", "buildx inspect from-option"],
      ["the builder option over BUILDX_BUILDER", { BUILDX_BUILDER: "from-env" }, "from-option", "buildx inspect from-option"],
    ])("%s", async (_, extraEnv, builder, expected) => {
      const { dir, calls } = await fakeBin({
        docker: { "info": INFO_CONTAINERD, "buildx version": version("v0.13.1"), "buildx inspect": inspectAny },
      });
      const env: Record<string, string | undefined> = { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON, BUILDX_BUILDER: undefined, ...extraEnv };
      await probe({ env, refresh: true, ...(builder ? { builder } : {}) });
      expect((await calls()).filter((c) => c.startsWith("buildx inspect"))).toEqual([expected]);
    });

    it("reports builder-unavailable with buildx's error", async () => {
      const { dir } = await fakeBin({
        docker: { ...healthyDocker(), "buildx inspect": { stderr: 'ERROR: no builder "nope" found\n', code: 1 } },
      });
      const report = await healthReport({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON }, builder: "nope", refresh: true });
      expect(report.healthy).toBe(false);
      expect(report.problems).toEqual([{ code: "builder-unavailable", message: 'cannot inspect builder nope: no builder "nope" found' }]);
      expect(report.capabilities.driver).toBeNull();
    });

    it("names the current builder when none was chosen", async () => {
      const { dir } = await fakeBin({ docker: { ...healthyDocker(), "buildx inspect": { code: 1 } } });
      const env = { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON, BUILDX_BUILDER: undefined };
      const report = await healthReport({ env, refresh: true });
      expect(report.problems).toEqual([{ code: "builder-unavailable", message: "cannot inspect builder (current): exit code 1" }]);
    });
  });

  it("caches per environment, and refresh asks again", async () => {
    const { dir, calls } = await fakeBin({ docker: healthyDocker() });
    const env = { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON };
    const first = probe({ env, refresh: true });
    expect(probe({ env })).toBe(first);
    await first;
    expect(await calls()).toHaveLength(3);
    const again = probe({ env, refresh: true });
    expect(again).not.toBe(first);
    await again;
    expect(await calls()).toHaveLength(6);
    expect(probe({ env })).toBe(again);
  });
});

describe("version texts from a fake docker (test/fixtures/cli/support.ts fakePath)", () => {
  /** A healthy docker whose `buildx version` prints what `printf FORMAT` prints (escapes such as \\000 for NUL). */
  async function dockerPrinting(format: string, code = 0): Promise<{ env: Record<string, string>; docker: string }> {
    const env = await fakePath(`case "$1 $2" in
  "buildx version") printf '${format}'; exit ${code} ;;
  "buildx inspect") printf '%s' '${INSPECT_DEFAULT.stdout}' ;;
  "info "*) printf '%s' '${INFO_CONTAINERD.stdout}' ;;
  *) echo "fake docker: unexpected $*" >&2; exit 99 ;;
esac`);
    return { env: { ...env, DOCKER_HOST: FAKE_DAEMON }, docker: join(env.PATH!, "docker") };
  }

  it.each([
    [
      "a WARNING: line before the version line",
      "WARNING: Error loading config file: /root/.docker/config.json: unexpected end of JSON input\\ngithub.com/docker/buildx v0.13.1 7884339\\n",
      "0.13.1",
      "github.com/docker/buildx v0.13.1 7884339",
    ],
    ["a NUL after the version", "github.com/docker/buildx v0.13.1\\000 7884339\\n", "0.13.1", "github.com/docker/buildx v0.13.1  7884339"],
    ["a ~ after the version", "github.com/docker/buildx 0.13.1~rc1 0.13.1~rc1-1\\n", "0.13.1", "github.com/docker/buildx 0.13.1~rc1 0.13.1~rc1-1"],
  ])("reads %s: healthy, with attestations", async (_, format, version, text) => {
    const { env } = await dockerPrinting(format);
    const report = await healthReport({ env, refresh: true });
    expect(report.problems).toEqual([]);
    expect(report.capabilities.buildxVersion).toBe(version);
    expect(report.capabilities.buildxVersionText).toBe(text);
    expect(await supportsAttestation(report.capabilities)).toBe(true);
  });

  it.each([
    ["v0.0.0+unknown", "github.com/docker/buildx v0.0.0+unknown\\n"],
    ["dev", "github.com/docker/buildx dev dev\\n"],
    ["a commit hash", "github.com/docker/buildx 3f1c5e9d2b7a 3f1c5e9d2b7a\\n"],
  ])("reads a development build (%s): healthy, with attestations", async (_, format) => {
    const { env } = await dockerPrinting(format);
    const report = await healthReport({ env, refresh: true });
    expect(report.problems).toEqual([]);
    expect(report.capabilities.buildxVersion).toBeNull();
    expect(await supportsAttestation(report.capabilities)).toBe(true);
  });

  it("reports empty output with exit 0 as a problem: not healthy, no attestations, and the doctor says so", async () => {
    const { env, docker } = await dockerPrinting("");
    const report = await healthReport({ env, refresh: true });
    const problem = {
      code: "buildx-version-unreadable",
      message: `buildx version printed nothing (exit code 0): reinstall buildx, or see what "${docker} buildx version" prints`,
    };
    expect(report.healthy).toBe(false);
    expect(report.problems).toEqual([problem]);
    expect(await supportsAttestation(report.capabilities)).toBe(false);
    const lines = formatDoctor(report.capabilities).split("\n");
    expect(lines).toContain("  buildx       unknown: buildx version printed nothing");
    expect(lines).toContain("  no  attestations kept with the image: buildx's version could not be read");
    expect(lines.slice(-2)).toEqual(["not healthy, but this machine can build:", `  - ${problem.message} [buildx-version-unreadable]`]);
  });

  it("reports output with no version in it as a problem, quoting it", async () => {
    const { env } = await dockerPrinting("Segmentation fault (core dumped)\\n");
    const report = await healthReport({ env, refresh: true });
    expect(report.healthy).toBe(false);
    expect(report.problems).toEqual([{
      code: "buildx-version-unreadable",
      message: 'cannot read a version in what buildx version printed: "Segmentation fault (core dumped)"',
    }]);
    expect(await supportsAttestation(report.capabilities)).toBe(false);
  });
});

describe("supportsAttestation without probing", () => {
  const caps = (buildxVersion: string | null, buildxCommand: string[] | null = ["docker", "buildx"]) => ({
    ...UNKNOWN_CAPABILITIES,
    buildxVersion,
    buildxCommand,
  });
  it.each(
    [
      ["0.9.1", true, false],
      ["0.10.0", true, true],
      ["0.13.1", true, true],
      // No version and no text: buildx printed nothing, which is not a development build.
      [null, true, false],
      ["0.13.1", false, false],
    ] as const,
  )("buildx %s (command found: %s) -> %s", async (v, found, expected) => {
    expect(await supportsAttestation(caps(v, found ? ["docker", "buildx"] : null))).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------

const engine = await requireEngine();

describe.skipIf(!engine.ok)("probe on the real engine", () => {
  it("reports buildx 0.13.1 on the docker driver with the containerd store", async () => {
    const caps = await probe({ refresh: true });
    expect(caps.problems).toEqual([]);
    expect(caps.buildxVersion).toBe("0.13.1");
    expect(caps.buildxVersionText).toMatch(/^github\.com\/docker\/buildx 0\.13\.1\b/);
    expect(caps.buildxCommand?.slice(-1)).toEqual(["buildx"]);
    expect(caps.engineVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(caps.driver).toBe("docker");
    expect(caps.containerdImageStore).toBe(true);
    expect(caps.builder?.driver).toBe("docker");
    expect(caps.builder?.nodes.length).toBeGreaterThan(0);
    expect(caps.builder?.nodes[0]?.platforms).toContain("linux/amd64");
  });

  it("is healthy and supports attestations", async () => {
    expect(await health()).toBe(true);
    expect((await healthReport()).problems).toEqual([]);
    expect(await supportsAttestation()).toBe(true);
  });

  it("is cached: a second call returns the same promise and object", async () => {
    const first = probe();
    const second = probe();
    expect(second).toBe(first);
    expect(await second).toBe(await first);
    expect((await healthReport()).capabilities).toBe(await first);
  });
});

describe("probing without spawning", () => {
  it("reads the engine over its API socket, and says which socket did not answer", async () => {
    const caps = await probe({ env: { ...process.env, DOCKER_HOST: "unix:///tmp/buildx-kit-no-such.sock" }, refresh: true, inspect: false });
    expect(caps.problems).toContainEqual({
      code: "daemon-unreachable",
      message:
        "the Docker daemon is not reachable: cannot connect to the Docker daemon at unix:///tmp/buildx-kit-no-such.sock (connect ENOENT /tmp/buildx-kit-no-such.sock)",
    });
  });

  it("keys the buildx version cache on the binaries, so a changed docker is asked again", async () => {
    const cacheHome = await mkdtemp(join(tmpdir(), "buildx-kit-cache-"));
    const { dir, calls } = await fakeBin({ docker: healthyDocker() });
    const env = { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON, XDG_CACHE_HOME: cacheHome };
    await probe({ env, refresh: true, inspect: false });
    await probe({ env: { ...env, BUILDX_BUILDER: "x" }, inspect: false }); // another process-cache key, same binaries
    expect((await calls()).filter((c) => c === "buildx version")).toHaveLength(1);
    const cache = JSON.parse(await readFile(join(cacheHome, "buildx-kit", "buildx-version.json"), "utf8"));
    expect(Object.keys(cache)[0]).toContain(join(dir, "docker"));
  });

  it("keeps the newest 8 binaries in the version cache, which every CLI run reads", async () => {
    const cacheHome = await mkdtemp(join(tmpdir(), "buildx-kit-cache-"));
    const dirs: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { dir } = await fakeBin({ docker: healthyDocker(`v0.13.${i}`) });
      dirs.push(dir);
      await probe({ env: { ...process.env, PATH: dir, DOCKER_HOST: FAKE_DAEMON, XDG_CACHE_HOME: cacheHome }, refresh: true, inspect: false });
    }
    const cache = JSON.parse(await readFile(join(cacheHome, "buildx-kit", "buildx-version.json"), "utf8")) as Record<string, string>;
    expect(Object.keys(cache).map((k) => dirs.findIndex((d) => k.startsWith(join(d, "docker") + ":")))).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Object.values(cache).at(-1)).toContain("v0.13.9");
  });
});
