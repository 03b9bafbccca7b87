import { describe, expect, it } from 'vitest';
import { PciHost } from '../../src/devices/pci-host.js';
import { Rtl8169 } from '../../src/devices/rtl8169.js';
import { describeConformance, makeTestBoard, type TestBoard } from './conformance.js';
import { BOARD } from '../../src/board/layout.js';

const RTL8169_DEFAULT_MMIO_BASE = BOARD.nic.mmioBase;
const RTL8169_PCI_SLOT = BOARD.nic.slot;

function setup(board: TestBoard = makeTestBoard()) {
  const pci = new PciHost(board.ctx, BOARD.pci.config);
  pci.id = board.bus.registerDevice(pci.name);
  board.bus.mapPorts(pci.id, BOARD.pci.config.base, BOARD.pci.config.count, pci);
  pci.reset();
  const nic = new Rtl8169(board.ctx, BOARD.nic);
  nic.id = board.bus.registerDevice(nic.name);
  nic.reset();
  pci.attach(RTL8169_PCI_SLOT, nic);
  const bus = board.bus;
  const select = (dev: number, reg: number) => bus.pioWrite(0xcf8, 4, (0x80000000 | (dev << 11) | reg) >>> 0);
  return {
    board, pci, nic, bus, select,
    cfgRead(dev: number, reg: number, size = 4) {
      select(dev, reg & 0xfc);
      return bus.pioRead(0xcfc + (reg & 3), size);
    },
    cfgWrite(dev: number, reg: number, size: number, value: number) {
      select(dev, reg & 0xfc);
      bus.pioWrite(0xcfc + (reg & 3), size, value);
    },
  };
}

describe('PCI host bridge (configuration mechanism #1)', () => {
  it('device 0 is an Intel 440FX host bridge', () => {
    const p = setup();
    expect(p.cfgRead(0, 0x00)).toBe(0x12378086);
    expect(p.cfgRead(0, 0x08)).toBe(0x06000002);
    expect(p.cfgRead(0, 0x04)).toBe(0x02800006);
    expect(p.cfgRead(0, 0x0e, 1)).toBe(0); // header type 0, single function
  });

  it('CONFIG_ADDRESS is a 32-bit register whose reserved bits read 0; narrower accesses do not reach it', () => {
    const p = setup();
    p.bus.pioWrite(0xcf8, 4, 0xffffffff);
    expect(p.bus.pioRead(0xcf8, 4)).toBe(0x80fffffc);
    p.bus.pioWrite(0xcf8, 1, 0x12);
    p.bus.pioWrite(0xcfa, 2, 0x3456);
    expect(p.bus.pioRead(0xcf8, 4)).toBe(0x80fffffc);
    expect(p.bus.pioRead(0xcf8, 1)).toBe(0xff);
  });

  it('byte and word accesses read the selected dword at their offset', () => {
    const p = setup();
    p.select(RTL8169_PCI_SLOT, 0);
    expect(p.bus.pioRead(0xcfc, 2)).toBe(0x10ec);
    expect(p.bus.pioRead(0xcfe, 2)).toBe(0x8169);
    expect(p.bus.pioRead(0xcfd, 1)).toBe(0x10);
    expect(p.bus.pioRead(0xcff, 1)).toBe(0x81);
  });

  it('a disabled address, an empty slot, another bus or function are a master abort: all-ones, writes dropped', () => {
    const p = setup();
    p.bus.pioWrite(0xcf8, 4, 0x00000000);
    expect(p.bus.pioRead(0xcfc, 4)).toBe(0xffffffff);
    expect(p.cfgRead(5, 0)).toBe(0xffffffff);
    p.bus.pioWrite(0xcf8, 4, 0x80010000);
    expect(p.bus.pioRead(0xcfc, 4)).toBe(0xffffffff);
    p.bus.pioWrite(0xcf8, 4, 0x80000100 | (RTL8169_PCI_SLOT << 11));
    expect(p.bus.pioRead(0xcfc, 2)).toBe(0xffff);
  });

  it('BAR sizing: writing all-ones reads back the size mask with the type bits', () => {
    const p = setup();
    p.cfgWrite(RTL8169_PCI_SLOT, 0x04, 2, 0); // decode off while sizing, as Linux does
    p.cfgWrite(RTL8169_PCI_SLOT, 0x10, 4, 0xffffffff);
    p.cfgWrite(RTL8169_PCI_SLOT, 0x14, 4, 0xffffffff);
    expect(p.cfgRead(RTL8169_PCI_SLOT, 0x10)).toBe(0xffffff01);
    expect(p.cfgRead(RTL8169_PCI_SLOT, 0x14)).toBe(0xffffff00);
    expect(p.cfgRead(RTL8169_PCI_SLOT, 0x18)).toBe(0); // BAR2: not implemented
  });

  it('relocating the memory BAR moves the NIC registers on the bus', () => {
    const p = setup();
    const idr0 = p.bus.mmioRead(RTL8169_DEFAULT_MMIO_BASE, 1);
    p.cfgWrite(RTL8169_PCI_SLOT, 0x14, 4, 0xfd000000);
    expect(p.bus.mmioRead(0xfd000000, 1)).toBe(idr0);
    expect(p.bus.mmioRead(RTL8169_DEFAULT_MMIO_BASE, 1)).toBe(0xff);
    p.cfgWrite(RTL8169_PCI_SLOT, 0x04, 1, 0x05); // memory space off
    expect(p.bus.mmioRead(0xfd000000, 1)).toBe(0xff);
    p.cfgWrite(RTL8169_PCI_SLOT, 0x04, 1, 0x07);
    expect(p.bus.mmioRead(0xfd000000, 1)).toBe(idr0);
  });

  it('command, latency timer and interrupt line are writable; ids and interrupt pin are not', () => {
    const p = setup();
    p.cfgWrite(RTL8169_PCI_SLOT, 0x00, 4, 0);
    expect(p.cfgRead(RTL8169_PCI_SLOT, 0x00)).toBe(0x816910ec);
    p.cfgWrite(RTL8169_PCI_SLOT, 0x04, 2, 0xffff);
    expect(p.cfgRead(RTL8169_PCI_SLOT, 0x04, 2)).toBe(0x0557);
    p.cfgWrite(RTL8169_PCI_SLOT, 0x0d, 1, 0x80);
    expect(p.cfgRead(RTL8169_PCI_SLOT, 0x0d, 1)).toBe(0x80);
    p.cfgWrite(RTL8169_PCI_SLOT, 0x3c, 2, 0xff05);
    expect(p.cfgRead(RTL8169_PCI_SLOT, 0x3c, 2)).toBe(0x0105);
  });

  it('slot 0 belongs to the host bridge and a slot takes one device', () => {
    const p = setup();
    expect(() => p.pci.attach(0, p.nic)).toThrow();
    expect(() => p.pci.attach(RTL8169_PCI_SLOT, p.nic)).toThrow();
  });
});

describeConformance({
  name: 'PCI host bridge',
  create(board) {
    const p = setup(board);
    return { device: p.pci, windows: [{ space: 'pio', base: BOARD.pci.config.base, length: BOARD.pci.config.count }] };
  },
  exercise(board) {
    board.bus.pioWrite(0xcf8, 4, 0x8000000c);
    board.bus.pioWrite(0xcfd, 1, 0x20); // host bridge latency timer
    board.bus.pioWrite(0xcf8, 4, 0x80000004);
  },
  probe(board) {
    const bus = board.bus;
    const out = [bus.pioRead(0xcf8, 4), bus.pioRead(0xcfc, 4)];
    bus.pioWrite(0xcf8, 4, 0x8000000c);
    out.push(bus.pioRead(0xcfc, 4));
    return out;
  },
});
