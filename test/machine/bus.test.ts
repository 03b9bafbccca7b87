import { describe, expect, it } from 'vitest';
import { Bus, DIR_READ, DIR_WRITE, SIZE_8, SIZES_ALL, SPACE_MMIO, SPACE_PIO, type BusObserver } from '../../src/machine/bus.js';
import { PhysicalMemory } from '../../src/machine/memory.js';

function recorder(): { log: string[]; observer: BusObserver } {
  const log: string[] = [];
  return {
    log,
    observer: {
      access: (space, dir, addr, size, value, device) =>
        log.push(`${space === SPACE_PIO ? 'pio' : 'mmio'} ${dir === DIR_READ ? 'r' : 'w'} ${addr.toString(16)}/${size}=${value.toString(16)} d${device}`),
      dma: (dir, device, addr, data) => log.push(`dma ${dir === DIR_WRITE ? 'w' : 'r'} d${device} ${addr.toString(16)}+${data.length}`),
    },
  };
}

describe('bus', () => {
  it('unmapped ports read all-ones at every width and ignore writes', () => {
    const bus = new Bus(new PhysicalMemory(65536));
    expect(bus.pioRead(0x1234, 1)).toBe(0xff);
    expect(bus.pioRead(0x1234, 2)).toBe(0xffff);
    expect(bus.pioRead(0x1234, 4)).toBe(0xffffffff);
    bus.pioWrite(0x1234, 4, 0);
  });

  it('splits a word access to a byte-wide device into byte accesses at consecutive ports, as the ISA bus does', () => {
    const bus = new Bus(new PhysicalMemory(65536));
    const seen: string[] = [];
    const id = bus.registerDevice('pic');
    bus.mapPorts(id, 0x20, 2, {
      sizes: SIZE_8,
      read: (port) => (port === 0x20 ? 0x12 : 0x34),
      write: (port, _s, v) => seen.push(`${port.toString(16)}=${v.toString(16)}`),
    });
    expect(bus.pioRead(0x20, 2)).toBe(0x3412);
    bus.pioWrite(0x20, 2, 0xbeef);
    expect(seen).toEqual(['20=ef', '21=be']);
    // The half beyond the device reaches nothing: all-ones.
    expect(bus.pioRead(0x21, 2)).toBe(0xff34);
  });

  it('shows every device-level access, with its device and value, to the observer', () => {
    const bus = new Bus(new PhysicalMemory(1 << 20));
    const { log, observer } = recorder();
    bus.observer = observer;
    const id = bus.registerDevice('dev');
    bus.mapPorts(id, 0x60, 1, { sizes: SIZES_ALL, read: () => 0xaa, write: () => {} });
    bus.mapMmio(id, 0xe0000, 0x100, { sizes: SIZES_ALL, read: (off) => off, write: () => {} });
    bus.pioRead(0x60, 1);
    bus.pioWrite(0x61, 1, 5);
    bus.mmioRead(0xe0010, 4);
    bus.dmaWrite(id, 0x1000, new Uint8Array(8));
    expect(log).toEqual(['pio r 60/1=aa d1', 'pio w 61/1=5 d0', `mmio r e0010/4=10 d${id}`, `dma w d${id} 1000+8`]);
    expect(bus.deviceNames[id]).toBe('dev');
  });

  it('refuses to map a port twice, naming the owner', () => {
    const bus = new Bus(new PhysicalMemory(65536));
    const a = bus.registerDevice('a');
    bus.mapPorts(a, 0x70, 2, { sizes: SIZE_8, read: () => 0, write: () => {} });
    expect(() => bus.mapPorts(a, 0x71, 1, { sizes: SIZE_8, read: () => 0, write: () => {} })).toThrow(/already mapped to a/);
  });

  it('moves an MMIO region (a relocated PCI BAR) and gives the RAM back', () => {
    const mem = new PhysicalMemory(1 << 20);
    const bus = new Bus(mem);
    const id = bus.registerDevice('nic');
    const handler = { sizes: SIZES_ALL, read: () => 0x77, write: () => {} };
    const region = bus.mapMmio(id, 0x80000, 256, handler);
    mem.write8(0x90000, 9);
    bus.unmapMmio(region);
    bus.mapMmio(id, 0x90000, 256, handler);
    expect(mem.read8(0x80000)).toBe(0);
    expect(mem.read8(0x90000)).toBe(0x77);
    expect(bus.mmioRegions().map((r) => r.base)).toEqual([0x90000]);
    expect(SPACE_MMIO).toBe(1);
  });
});

describe('bus observers', () => {
  it('fans out to every observer and stops calling one once removed', () => {
    const bus = new Bus(new PhysicalMemory(65536));
    const a = recorder();
    const b = recorder();
    bus.addObserver(a.observer);
    bus.addObserver(b.observer);
    bus.pioRead(0x10, 1);
    bus.removeObserver(a.observer);
    bus.pioRead(0x11, 1);
    expect(a.log).toHaveLength(1);
    expect(b.log).toHaveLength(2);
    bus.removeObserver(b.observer);
    expect(bus.observer).toBeNull();
  });

  it('marks accesses made inside asHypervisor with the hypervisor origin, and restores the guest origin after', () => {
    const bus = new Bus(new PhysicalMemory(65536));
    const origins: number[] = [];
    bus.addObserver({ access: (_s, _d, _a, _z, _v, _dev, origin) => origins.push(origin), dma: () => {} });
    bus.asHypervisor(() => bus.pioRead(0x20, 1));
    bus.pioRead(0x20, 1);
    expect(origins).toEqual([1, 0]);
  });
});
