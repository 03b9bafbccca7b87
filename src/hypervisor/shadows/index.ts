/** Every shadow the hypervisor keeps, built when it attaches. */
import type { Intercepts } from '../intercepts.js';
import type { HypervisorOptions } from '../api.js';
import { PicShadow } from './pic.js';
import { PitShadow } from './pit.js';
import { CmosShadow } from './cmos.js';
import { UartShadow } from './uart.js';
import { AtaShadow, type AtaGeometry } from './ata.js';
import { PostShadow } from './post.js';

export interface Shadows {
  readonly picMaster: PicShadow;
  readonly picSlave: PicShadow;
  readonly pit: PitShadow;
  readonly cmos: CmosShadow;
  readonly uart: UartShadow;
  readonly ata: AtaShadow;
  readonly post: PostShadow;
}

/** The shared disk as the hypervisor reaches it (storage is shared: BLMVisor 4.3). */
export interface SharedStorage {
  geometry: AtaGeometry;
  readSector(lba: number): Uint8Array;
}

export function createShadows(intercepts: Intercepts, options: HypervisorOptions, now: number, hz: number, storage: SharedStorage): Shadows {
  const boot = options.attach === 'boot';
  const picOptions = { skipIcw4: options.faults.has('icw4-shadow-skipped'), knownAtStart: boot };
  return {
    picMaster: new PicShadow(intercepts, 0x20, true, picOptions),
    picSlave: new PicShadow(intercepts, 0xa0, false, picOptions),
    pit: new PitShadow(intercepts, hz, now, {
      knownAtStart: boot,
      loseLatch: options.faults.has('pit-latch-lost'),
      loseFlipFlop: options.faults.has('pit-flipflop-lost'),
    }),
    cmos: new CmosShadow(intercepts, hz, now, boot),
    uart: new UartShadow(intercepts, hz, boot),
    ata: new AtaShadow(intercepts, boot, storage.geometry, (lba) => storage.readSector(lba)),
    post: new PostShadow(intercepts, boot),
  };
}
