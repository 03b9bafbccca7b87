/**
 * RTL8169 IntrStatus error bits across a migration: reconstruction makes each by the event
 * that sets it (nic/program.ts) — RDU by a looped-back frame with no descriptor owned, TER by
 * an owned TX descriptor that starts no frame — without moving the ring pointers. FOVW needs
 * a frame from the wire: a residual, named in the report.
 */
import { describe, expect, it } from 'vitest';
import { bootWithHypervisor, essential, migrate, type GuestSetup } from './helpers.js';

const INTR_TER = 0x0008;
const INTR_RDU = 0x0010;
const OWN = 0x80000000;
const LS = 0x10000000;

describe('RTL8169 interrupt status error bits', () => {
  it('RDU and TER are rebuilt by the events that set them, the ring pointers where they were', () => {
    const setup: GuestSetup = { guest: 'net-echo', input: 'net-echo.input' };
    const { machine, hv } = bootWithHypervisor(setup);
    machine.run({ maxInstructions: 2_900_000 }); // the driver is up, no frame has come yet
    const nic = machine.board.nic;
    const s0 = nic.oracle().state;
    expect(s0.chip_cmd as number & 0x0c).toBe(0x0c);
    // The outside world sends more frames than the RX ring holds while the guest is stopped.
    const frame = new Uint8Array(60);
    frame.set([0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52, 0x54, 0x00, 0xab, 0xcd, 0x01, 0x88, 0xb5]);
    for (let k = 0; k < 40 && !((nic.oracle().state.intr_status as number) & INTR_RDU); k++) nic.receiveFrame(frame);
    // A descriptor handed to the NIC that starts no frame (no FS), then TxPoll: a TX error.
    const base = s0.tx_desc_lo as number;
    const tail = s0.tx_tail as number;
    const d = machine.memory.readBytes(base + 16 * tail, 4);
    const eor = d[3] & 0x40;
    machine.memory.writeBytes(base + 16 * tail, Uint8Array.of(60, 0, 0, ((OWN | LS) >>> 24) | eor));
    const mmio = (nic.oracle().state.pci_bars as number[])[1] & ~0xff;
    machine.bus.mmioWrite(mmio + 0x38, 1, 0x40);
    machine.advancePaused(100_000);
    const status = nic.oracle().state.intr_status as number;
    expect(status & (INTR_RDU | INTR_TER)).toBe(INTR_RDU | INTR_TER);
    const m = migrate(machine, hv, setup);
    expect(essential(m.diffs)).toEqual([]);
    expect(m.dest.board.nic.oracle().state.intr_status).toBe(status);
    expect(m.notes.join('\n')).not.toMatch(/RDU|TER|IntrStatus 0x/);
  });
});
