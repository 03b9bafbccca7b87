// CPU micro-benchmark: `npx tsx test/cpu/bench-cpu.ts [instructions]` (or `npm run bench`, which calls benchCpuLoop).
import { benchCpuLoop } from '../../bench/cpu-loop.js';

const n = Number(process.argv[2] ?? 200_000_000);
const r = benchCpuLoop(n);
console.log(`cpu loop: ${r.mips.toFixed(1)} MIPS (${r.instructions} instructions in ${r.seconds.toFixed(2)} s)`);
