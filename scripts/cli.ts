#!/usr/bin/env node
/** The `buildx-kit` command: `npx buildx-kit`, `deno run -A scripts/cli.ts`, `bun scripts/cli.ts`. */
import process from "node:process";
import { main } from "../lib/cli.ts";

process.exitCode = await main(process.argv.slice(2));
