#!/usr/bin/env node
// Lockstep against QEMU: run a guest under qemu-system-i386 one instruction per TB with its
// CPU log, and the same guest on migtrace one instruction at a time, and stop at the first
// instruction where EIP, a general register or EFLAGS differ. A debugging aid for bringing
// up third-party guests (needs `npm run build` and QEMU).
//
//   node scripts/lockstep.mjs --disk IMG [--slave IMG] [--start 0x7c00] [--steps N] [--flags-mask HEX]
//
// QEMU runs its own firmware first; logging starts at the first instruction at --start
// (through QEMU's gdb stub: break there, then `monitor log cpu,nochain`). Our machine is then
// seeded with QEMU's registers, segment caches, control and table registers at that point,
// so the comparison starts equal. Memory is not copied: firmware data areas differ.
// Interrupts arrive at different times on the two machines; the first one usually ends a
// useful comparison (the report shows both sides' next EIPs).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../dist/src/board/machine.js';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i === -1 ? dflt : argv[i + 1];
};
const disk = opt('--disk');
const slave = opt('--slave');
const start = Number(opt('--start', '0x7c00'));
const steps = Number(opt('--steps', '1000000'));
const flagsMask = Number(opt('--flags-mask', '0x0cd5')); // status flags + DF (undefined flags vary)
if (!disk) {
  console.error('usage: node scripts/lockstep.mjs --disk IMG [--slave IMG] [--start ADDR] [--steps N]');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'migtrace-lockstep-'));
const log = join(work, 'qemu.log');
const fifo = log;
const qemuArgs = ['-cpu', '486', '-m', '64', '-display', 'none', '-no-reboot', '-singlestep', '-s', '-S', '-D', fifo,
  '-drive', `file=${disk},format=raw,if=ide,index=0,snapshot=on`];
if (slave) qemuArgs.push('-drive', `file=${slave},format=raw,if=ide,index=1,snapshot=on`);
const qemu = spawn('qemu-system-i386', qemuArgs, { stdio: 'ignore' });
const gdb = spawn('gdb', ['-q', '-batch', '-ex', 'set architecture i8086', '-ex', 'target remote :1234',
  '-ex', `hbreak *${start}`, '-ex', 'continue', '-ex', 'monitor log cpu,nochain', '-ex', 'delete', '-ex', 'detach'], { stdio: 'ignore' });
await new Promise((r) => gdb.on('exit', r));

// ---- QEMU's log, parsed as it grows ----
const reg = (s, name) => parseInt(s.match(new RegExp(`${name}=([0-9a-f]+)`))[1], 16);
async function* dumps() {
  const { spawn: sp } = await import('node:child_process');
  const tail = sp('tail', ['-c', '+1', '-F', log], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: tail.stdout });
  let block = '';
  for await (const line of lines) {
    if (line.startsWith('EAX=') && block !== '') {
      yield block;
      block = '';
    }
    if (block !== '' || line.startsWith('EAX=')) block += line + '\n';
  }
}
const seg = (b, name) => {
  const m = b.match(new RegExp(`^${name} *=([0-9a-f]{4}) ([0-9a-f]{8}) ([0-9a-f]{8}) ([0-9a-f]{8})`, 'm'));
  const flags = parseInt(m[4], 16);
  return { selector: parseInt(m[1], 16), base: parseInt(m[2], 16), limit: parseInt(m[3], 16), attributes: ((flags >>> 8) & 0xff) | ((flags >>> 8) & 0xf000) };
};
const table = (b, name) => {
  const m = b.match(new RegExp(`^${name} *= *([0-9a-f]{8}) ([0-9a-f]{8})`, 'm'));
  return { base: parseInt(m[1], 16), limit: parseInt(m[2], 16) };
};
const GPRS = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
const qstate = (b) => ({
  gprs: GPRS.map((r) => reg(b, r)), eip: reg(b, 'EIP'), eflags: reg(b, 'EFL'), cs: seg(b, 'CS'),
});

const machine = Machine.boot(readFileSync(disk), { memory: 64 * 1024 * 1024 });
const cpu = machine.cpu;
const history = [];
let n = 0;
for await (const b of dumps()) {
  const q = qstate(b);
  if (n === 0) {
    const s = cpu.getState();
    [s.eax, s.ecx, s.edx, s.ebx, s.esp, s.ebp, s.esi, s.edi] = q.gprs;
    s.eip = q.eip;
    s.eflags = q.eflags & ~0x200; // firmware left IF on; our PIC has nothing routed for its vectors yet
    for (const k of ['es', 'cs', 'ss', 'ds', 'fs', 'gs']) s[k] = seg(b, k.toUpperCase());
    s.gdtr = table(b, 'GDT');
    s.idtr = table(b, 'IDT');
    s.cr0 = reg(b, 'CR0');
    s.cr3 = reg(b, 'CR3');
    s.cr4 = reg(b, 'CR4');
    cpu.setState(s);
  } else {
    const s = cpu.getState();
    const ours = [s.eax, s.ecx, s.edx, s.ebx, s.esp, s.ebp, s.esi, s.edi];
    const diffs = [];
    if (s.eip !== q.eip || s.cs.selector !== q.cs.selector) diffs.push(`CS:EIP ours ${s.cs.selector.toString(16)}:${s.eip.toString(16)} qemu ${q.cs.selector.toString(16)}:${q.eip.toString(16)}`);
    GPRS.forEach((r, i) => { if (ours[i] !== q.gprs[i]) diffs.push(`${r} ours ${ours[i].toString(16)} qemu ${q.gprs[i].toString(16)}`); });
    if ((s.eflags & flagsMask) !== (q.eflags & flagsMask)) diffs.push(`EFLAGS ours ${s.eflags.toString(16)} qemu ${q.eflags.toString(16)}`);
    if (diffs.length > 0) {
      console.log(`diverged after ${n} instructions (icount ${machine.clock.icount}):`);
      for (const d of diffs) console.log(`  ${d}`);
      console.log('last instructions (ours, before each):');
      for (const h of history.slice(-12)) console.log(`  ${h}`);
      break;
    }
  }
  cpu.startEip = cpu.eip;
  history.push(`${cpu.describeLocation()}  ${cpu.instructionBytes(8)}`);
  if (history.length > 64) history.shift();
  const r = machine.run({ maxInstructions: machine.clock.icount + 1 });
  if (r.status !== 'limit') {
    console.log(`migtrace stopped after ${n} instructions: ${r.status}: ${r.message}`);
    break;
  }
  if (++n >= steps) {
    console.log(`${n} instructions agree`);
    break;
  }
}
qemu.kill();
process.exit(0);
