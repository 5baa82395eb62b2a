/** lib/guide/dockerfile.ts: stages and ARGs the way BuildKit reads them. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { argsFor, findDockerfiles, parseDockerfile, readDockerfile, stageNames, words } from "../../lib/guide/dockerfile.ts";

describe("parseDockerfile", () => {
  it("reads named and unnamed stages, case-insensitively", () => {
    const info = parseDockerfile([
      "from local/busybox:1 as Deps",
      "RUN true",
      "FROM --platform=$BUILDPLATFORM golang:1.22 AS build",
      "FROM build",
      "From scratch aS final",
    ].join("\n"));
    expect(info.stages.map((s) => [s.name, s.base, s.platform, s.line])).toEqual([
      ["Deps", "local/busybox:1", null, 1],
      ["build", "golang:1.22", "$BUILDPLATFORM", 3],
      [null, "build", null, 4],
      ["final", "scratch", null, 5],
    ]);
    expect(stageNames(info)).toEqual(["Deps", "build", "final"]);
    expect(info.stages[2]!.needs).toEqual(["build"]);
  });

  it("reads ARGs with and without defaults, several per line, quoted", () => {
    const info = parseDockerfile([
      "ARG BASE=local/busybox:1",
      "FROM $BASE AS app",
      'arg VERSION="1.0 beta" DEBUG',
      "ARG EMPTY=",
      "ARG SPACED=a\\ b",
      "ARG SINGLE='x y'",
    ].join("\n"));
    expect(info.args.map((a) => [a.name, a.default, a.stage])).toEqual([
      ["BASE", "local/busybox:1", null],
      ["VERSION", "1.0 beta", 0],
      ["DEBUG", null, 0],
      ["EMPTY", "", 0],
      ["SPACED", "a b", 0],
      ["SINGLE", "x y", 0],
    ]);
  });

  it("joins line continuations, dropping comments and blank lines inside them", () => {
    const info = parseDockerfile([
      "FROM \\",
      "  # the base",
      "",
      "  local/busybox:1 \\   ",
      "  AS base",
      "ARG A=1 \\",
      "    B=2",
      "RUN echo \\",
      "FROM not-a-stage AS nope",
    ].join("\n"));
    expect(stageNames(info)).toEqual(["base"]);
    expect(info.stages[0]!.line).toBe(1);
    expect(info.args.map((a) => `${a.name}=${a.default}`)).toEqual(["A=1", "B=2"]);
  });

  it("honours # escape=` and other parser directives, only at the top", () => {
    const info = parseDockerfile([
      "# syntax=docker/dockerfile:1",
      "# ESCAPE = `",
      "FROM mcr.microsoft.com/windows/servercore `",
      "",
      "  AS win",
      "ARG DIR=C:\\app",
      "ARG NEXT=`",
      "  x",
    ].join("\n"));
    expect(info.directives).toEqual({ syntax: "docker/dockerfile:1", escape: "`" });
    expect(stageNames(info)).toEqual(["win"]);
    // The backslash is an ordinary character once ` is the escape character.
    expect(info.args.map((a) => [a.name, a.default])).toEqual([["DIR", "C:\\app"], ["NEXT", ""], ["x", null]]);
  });

  it("stops reading directives at the first other line", () => {
    const info = parseDockerfile(["# a comment", "# escape=`", "FROM x AS y"].join("\n"));
    expect(info.directives).toEqual({});
    const after = parseDockerfile(["", "# escape=`", "FROM x AS y"].join("\n"));
    expect(after.directives).toEqual({});
    const twice = parseDockerfile(["# syntax=a", "# syntax=b", "# escape=`", "FROM x"].join("\n"));
    expect(twice.directives).toEqual({ syntax: "a" });
  });

  it("skips comment lines and heredoc bodies", () => {
    const info = parseDockerfile([
      "\uFEFFFROM a AS one",
      "# FROM b AS commented",
      "   # ARG NOPE=1",
      "RUN <<EOF",
      "FROM c AS inside",
      "ARG INSIDE=1",
      "EOF",
      "COPY <<-'END' /x",
      "\tFROM d AS tabbed",
      "\tEND",
      "FROM e AS two",
    ].join("\r\n"));
    expect(stageNames(info)).toEqual(["one", "two"]);
    expect(info.args).toEqual([]);
  });

  it("records what each stage needs from earlier ones", () => {
    const info = parseDockerfile([
      "FROM a AS deps",
      "FROM a AS tools",
      "FROM a AS unused",
      "ARG UNUSED_ARG=1",
      "FROM a AS app",
      "COPY --from=deps /x /x",
      "RUN --mount=type=cache,from=tools,target=/t true",
      "COPY --from=alpine:3 /y /y",
    ].join("\n"));
    expect(info.stages[3]!.needs).toEqual(["deps", "tools", "alpine:3"]);
  });

  it("never throws on garbage", () => {
    expect(parseDockerfile("FROM\nARG\nARG =x 1A=2\n\\").stages).toHaveLength(1);
    expect(parseDockerfile("").stages).toEqual([]);
  });
});

describe("words", () => {
  it("splits on whitespace outside quotes", () => {
    expect(words(`a "b c" 'd e' f\\ g`)).toEqual(["a", "b c", "d e", "f g"]);
    expect(words(`x="a \\"q\\""`)).toEqual(['x=a "q"']);
  });
});

describe("argsFor", () => {
  const info = parseDockerfile([
    "ARG BASE=local/busybox:1",
    "ARG VERSION=1.0",
    "FROM $BASE AS deps",
    "ARG DEPS_MODE=fast",
    "FROM $BASE AS test",
    "ARG TEST_FLAGS=-v",
    "FROM $BASE AS app",
    "ARG VERSION",
    "ARG TARGETARCH",
    "ARG NO_DEFAULT",
    "COPY --from=deps / /",
  ].join("\n"));

  it("offers global ARGs and those of the stages the target needs, once each", () => {
    expect(argsFor(info)).toEqual([
      { name: "BASE", default: "local/busybox:1", where: "global" },
      { name: "VERSION", default: "1.0", where: "global" },
      { name: "DEPS_MODE", default: "fast", where: "deps" },
      { name: "NO_DEFAULT", default: null, where: "app" },
    ]);
    expect(argsFor(info, "test").map((a) => a.name)).toEqual(["BASE", "VERSION", "TEST_FLAGS"]);
    expect(argsFor(info, "TEST").map((a) => a.name)).toContain("TEST_FLAGS");
  });
});

describe("files", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("finds the Dockerfiles at the top of a folder, Dockerfile first", async () => {
    const dir = await mkdtemp(join(tmpdir(), "buildx-kit-df-"));
    dirs.push(dir);
    for (const name of ["api.Dockerfile", "Dockerfile.dev", "Dockerfile", "Dockerfile.dockerignore", "README.md", "Containerfile"]) {
      await writeFile(join(dir, name), "FROM x AS y\n");
    }
    await mkdir(join(dir, "Dockerfile.d"));
    expect(await findDockerfiles(dir)).toEqual(["Dockerfile", "Containerfile", "api.Dockerfile", "Dockerfile.dev"]);
    expect(await findDockerfiles(join(dir, "missing"))).toEqual([]);
    expect(stageNames((await readDockerfile(join(dir, "Dockerfile")))!)).toEqual(["y"]);
    expect(await readDockerfile(join(dir, "missing"))).toBeNull();
  });
});
