import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/board/machine.js';
import { resolveImage } from '../../src/guests/catalog.js';

/** A one-sector boot image holding `code` at 0x7C00. */
function bootImage(code: number[]): Uint8Array {
  const img = new Uint8Array(512);
  img.set(code, 0);
  img[510] = 0x55;
  img[511] = 0xaa;
  return img;
}

const CLI_HLT = [0xfa, 0xf4];
const STI_HLT = [0xfb, 0xf4];

describe('the machine', () => {
  it('runs a guest twice to the same final CPU state, memory hash and icount', () => {
    const image = resolveImage('memtouch').bytes;
    const finals = [0, 1].map(() => {
      const m = Machine.boot(image, { memory: 8 * 1024 * 1024, args: 'base=1 mb=2 passes=2' });
      const r = m.run({ maxInstructions: 50_000_000 });
      return {
        status: r.status,
        icount: r.icount,
        serial: r.serial,
        cpu: JSON.stringify(m.cpu.getState()),
        memory: createHash('sha256').update(m.memory.ram).digest('hex'),
      };
    });
    expect(finals[0].status).toBe('exited');
    expect(finals[1]).toEqual(finals[0]);
  });

  it('boots hello: serial greeting, isa-debug-exit status 1', () => {
    const m = Machine.boot(resolveImage('hello').bytes);
    const r = m.run({ maxInstructions: 10_000_000 });
    expect(r.serial).toMatch(/Hello/);
    expect(r.status).toBe('exited');
    expect(r.exitStatus).toBe(1);
  });

  it('stops with exit status (v << 1) | 1 when the guest writes v to port 0xF4, as QEMU does', () => {
    const m = Machine.boot(bootImage([0xb0, 0x05, 0xe6, 0xf4, ...CLI_HLT]));
    const r = m.run();
    expect(r.status).toBe('exited');
    expect(r.exitStatus).toBe(11);
    expect(r.icount).toBe(2);
  });

  it('ends the run when the CPU halts with interrupts disabled', () => {
    const r = Machine.boot(bootImage(CLI_HLT)).run();
    expect(r.status).toBe('halted');
    expect(r.message).toMatch(/halted with interrupts disabled at 0000:00007c02/);
  });

  it('ends the run when the CPU halts with interrupts enabled but every interrupt source is masked', () => {
    // mov al,0xff ; out 0x21,al ; sti ; hlt
    const r = Machine.boot(bootImage([0xb0, 0xff, 0xe6, 0x21, ...STI_HLT])).run();
    expect(r.status).toBe('halted');
    expect(r.message).toMatch(/nothing left that could wake it/);
  });

  it('skips idle time while halted, until the PIT\'s IRQ0 wakes the CPU through the PIC', () => {
    const handler = 0x7c00 + 0x30;
    const code = [
      0xfa, 0x31, 0xc0, 0x8e, 0xd8, // cli; xor ax,ax; mov ds,ax
      0xc7, 0x06, 0x20, 0x00, handler & 0xff, handler >> 8, // IVT[8].offset = handler
      0xc7, 0x06, 0x22, 0x00, 0x00, 0x00, // IVT[8].segment = 0
      0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x08, 0xe6, 0x21, // ICW1 (edge, cascade, ICW4), ICW2 vector base 8
      0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x01, 0xe6, 0x21, // ICW3, ICW4 (8086 mode)
      0xb0, 0xfe, 0xe6, 0x21, // OCW1: only IRQ0 unmasked
      0xfb, 0xf4, 0xeb, 0xfd, // sti; hlt; jmp back to hlt
    ];
    const img = new Array(0x30).fill(0x90);
    img.splice(0, code.length, ...code);
    img.push(0xb0, 0x2a, 0xe6, 0xf4); // handler: mov al,42; out 0xf4,al
    const m = Machine.boot(bootImage(img));
    const r = m.run({ maxInstructions: 100_000_000 });
    expect(r.status).toBe('exited');
    expect(r.exitStatus).toBe((42 << 1) | 1);
    // The PIT powers up in mode 3 with count 65536: OUT0 starts high, falls half a period in
    // and rises (IRQ0) after one full period, ~5.5 M instructions of virtual time, nearly all
    // of it skipped in HLT.
    const period = Math.ceil((65536 / 1193182) * m.clock.hz);
    expect(r.icount).toBeGreaterThan(period - 1000);
    expect(r.icount).toBeLessThan(period + 1000);
  });

  it('wraps addresses at 1 MiB when the guest closes the A20 gate through port 0x92', () => {
    // mov ax,0xffff; mov es,ax; in al,0x92; and al,0xfd; out 0x92,al; mov byte [es:0x10],0x5a; cli; hlt
    const code = [0xb8, 0xff, 0xff, 0x8e, 0xc0, 0xe4, 0x92, 0x24, 0xfd, 0xe6, 0x92, 0x26, 0xc6, 0x06, 0x10, 0x00, 0x5a, ...CLI_HLT];
    const m = Machine.boot(bootImage(code), { memory: 2 * 1024 * 1024 });
    m.run();
    expect(m.memory.ram[0]).toBe(0x5a);
    expect(m.memory.ram[0x100000]).toBe(0);
    expect(m.memory.a20Enabled).toBe(false);
  });

  it('reaches memory above 1 MiB with the A20 gate open (as the boot hands over)', () => {
    const code = [0xb8, 0xff, 0xff, 0x8e, 0xc0, 0x26, 0xc6, 0x06, 0x10, 0x00, 0x5a, ...CLI_HLT];
    const m = Machine.boot(bootImage(code), { memory: 2 * 1024 * 1024 });
    m.run();
    expect(m.memory.ram[0x100000]).toBe(0x5a);
    expect(m.memory.ram[0]).toBe(0);
  });

  it('hands over as a BIOS does: CS:IP 0000:7C00, DL 0x80', () => {
    // mov al, dl ; out 0xf4, al  → exit status (0x80 << 1) | 1
    const r = Machine.boot(bootImage([0x88, 0xd0, 0xe6, 0xf4])).run();
    expect(r.exitStatus).toBe((0x80 << 1) | 1);
  });
});
