/**
 * lib/runtime/spawn.ts: capture() and launch() against real processes, and the shell quoting of printed
 * commands, checked by pasting into real shells: sh (dash on Debian) and bash.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { findExecutable } from "../lib/build/probe.ts";
import { capture, launch, quoteArg, shellCommand } from "../lib/runtime/spawn.ts";

describe("quoteArg", () => {
  it.each([
    ["--tag=app:1", "--tag=app:1"],
    ["--platform=linux/amd64,linux/arm64", "--platform=linux/amd64,linux/arm64"],
    ["user@host:~/x", "'user@host:~/x'"],
    ["a b", "'a b'"],
    ["it's", "'it'\\''s'"],
    ["", "''"],
    ["=cmd", "'=cmd'"],
    ["$(x) `y` *", "'$(x) `y` *'"],
    ["line\nbreak", "'line\nbreak'"],
  ])("%j -> %s", (arg, quoted) => {
    expect(quoteArg(arg)).toBe(quoted);
  });

  it("joins a command", () => {
    expect(shellCommand(["docker", "buildx", "build", "--build-arg=A=x y", "."])).toBe("docker buildx build '--build-arg=A=x y' .");
  });

  const HOSTILE = [
    "plain",
    "a b",
    "it's",
    `"dq"`,
    "$HOME",
    "`id`",
    "$(id)",
    "a\\b",
    "a\\\\'b",
    "*",
    "~",
    "#x",
    "a;b|c&d",
    "\t",
    "line\nbreak",
    "",
    "é🚀",
    "!x",
    "{a,b}",
    "%self",
  ];
  for (const shell of ["sh", "bash"]) {
    it(`pastes into ${shell}: each argument comes back exactly`, async () => {
      const path = await findExecutable(shell, process.env.PATH);
      expect(path).not.toBeNull();
      const script = `printf '%s\\0' ${HOSTILE.map(quoteArg).join(" ")}`;
      const out = execFileSync(path!, ["-c", script], { encoding: "utf8" });
      expect(out.split("\0").slice(0, -1)).toEqual(HOSTILE);
    });
  }
});

describe("capture", () => {
  it("collects stdout, stderr and the exit code", async () => {
    expect(await capture(["sh", "-c", "echo out; echo err >&2; exit 3"])).toEqual({ code: 3, signal: null, stdout: "out\n", stderr: "err\n" });
  });

  it("passes the environment and the working folder", async () => {
    const r = await capture(["sh", "-c", 'printf "%s %s" "$X" "$(pwd)"'], { env: { PATH: process.env.PATH, X: "y" }, cwd: "/tmp" });
    expect(r.stdout).toBe("y /tmp");
  });

  it("says why a program could not start, and never rejects", async () => {
    const r = await capture(["/nonexistent/docker", "version"]);
    expect(r.code).toBeNull();
    expect(r.stderr).toMatch(/^cannot run \/nonexistent\/docker: spawn \/nonexistent\/docker ENOENT$/);
  });

  it("stops a process that outlives its timeout", async () => {
    const started = Date.now();
    const r = await capture(["sleep", "30"], { timeoutMs: 200 });
    expect(r).toMatchObject({ code: null, signal: "SIGTERM" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("launch", () => {
  it("puts a detached process in a group of its own", async () => {
    let out = "";
    const child = await launch(["sh", "-c", "ps -o pgid= -p $$"], {
      stdin: "ignore",
      stdout: (c) => (out += new TextDecoder().decode(c)),
      stderr: "ignore",
      detached: true,
    });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(Number(out.trim())).toBe(child.pid);
  });
});
