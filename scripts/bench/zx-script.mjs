// What a zx user writes today: the build's argv, run by zx. Argument: the argv as JSON.
import process from "node:process";
import { $ } from "zx";

const { argv, cwd } = JSON.parse(process.argv[2] ?? "{}");
await $({ cwd })`${argv}`;
