import { setFlagsFromString } from 'node:v8';

let applied = false;

/**
 * Keeps WebAssembly on V8's baseline compiler (Liftoff). Prisma's query compiler is a WebAssembly
 * module; by default V8 recompiles its hot functions with TurboFan in the background, which grew
 * every process by 40-70 MB within seconds of its first query (bench:footprint). The query
 * compiler runs once per query shape, so the optimised tier buys nothing measurable here. Call it
 * before the first query (a flag set later does not reach code already compiled).
 */
export function keepWasmOnBaselineTier(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--liftoff-only');
}
