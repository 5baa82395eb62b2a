#!/usr/bin/env node
/** The `buildx-kit` command: `npx buildx-kit`, `deno run -A scripts/cli.ts`, `bun scripts/cli.ts`. */
import { args, setExitCode } from "../lib/runtime/host.ts";
import { main } from "../lib/cli/main.ts";

// No top-level await: on Node this file runs as CommonJS (tsconfig.cli.json says why).
void main(args()).then(setExitCode);
