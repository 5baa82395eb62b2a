/**
 * build() against a plain zx call inside one process that has already built once: alternating,
 * `runs` pairs. Argument: {options, argv, cwd, runs} as JSON. Prints the times as JSON.
 */
import process from "node:process";
import { $ } from "zx";
import { KIT } from "./kit.mjs";

const { options, argv, cwd, runs } = JSON.parse(process.argv[2] ?? "{}");
const { build } = await import(KIT);
const quiet = () => {};
const times = { build: [], zx: [], own: [] };
const viaBuild = async () => {
  const t0 = performance.now();
  const r = await build(options, { cwd, log: quiet });
  const ms = performance.now() - t0;
  times.build.push(ms);
  times.own.push(ms - r.durationMs);
};
const viaZx = async () => {
  const t0 = performance.now();
  await $({ cwd })`${argv}`;
  times.zx.push(performance.now() - t0);
};
await build(options, { cwd, log: quiet });
await $({ cwd })`${argv}`;
for (let i = 0; i < runs; i++) {
  if (i % 2 === 0) {
    await viaBuild();
    await viaZx();
  } else {
    await viaZx();
    await viaBuild();
  }
}
console.log(JSON.stringify(times));
