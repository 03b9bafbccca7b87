/**
 * Guest agent protocol (docs/guest-agent.md). After a late attach the hypervisor cannot know
 * write-only values the guest wrote before; a cooperating agent in the guest (it knows what
 * its drivers programmed) reports them through two I/O ports that no device decodes:
 *
 *   BOARD.agent.field (0x0EE0, 32-bit write)  FIELD = device << 16 | channel << 8 | field
 *   BOARD.agent.value (0x0EE4, 32-bit write)  VALUE — the value of FIELD; the pair is one report
 *
 * Device and field codes are the indices below. Reports go straight into the shadows, through
 * the device's driver (DeviceDriver.agentReport; the shadows then keep tracking the guest's
 * writes from there), and capture marks those fields' values
 * with provenance `agent`. The ports are trapped only when HypervisorOptions.agent is set.
 */
import { BOARD } from '../board/layout.js';
import type { CapturedDevice } from './api.js';
import { DIR_WRITE, type Intercepts } from './intercepts.js';
import { PIC_SHADOW_FIELDS } from './drivers/pic8259/shadow.js';
import { PIT_CHANNEL_FIELDS } from './drivers/pit8254/write-log.js';
import { CMOS_SHADOW_FIELDS } from './drivers/rtc-cmos/shadow.js';
import { ATA_SHADOW_FIELDS } from './drivers/ata-disk/shadow.js';
import { I8042_SHADOW_FIELDS } from './drivers/i8042/shadow.js';
import { CRTC_SHADOW_FIELDS } from './drivers/cga-crtc.js';

export const AGENT_FIELD_PORT = BOARD.agent.field;
export const AGENT_VALUE_PORT = BOARD.agent.value;

/** Codes are only ever appended: an agent's FIELD words keep their meaning. */
export const AGENT_DEVICES = ['', 'pic.master', 'pic.slave', 'pit', 'rtc', 'uart', 'ata0', 'post', 'i8042', 'crtc', 'ata0.slave'] as const;
export const AGENT_FIELDS: Record<string, readonly string[]> = {
  'pic.master': PIC_SHADOW_FIELDS,
  'pic.slave': PIC_SHADOW_FIELDS,
  pit: PIT_CHANNEL_FIELDS,
  rtc: CMOS_SHADOW_FIELDS,
  uart: ['fcr'],
  ata0: ATA_SHADOW_FIELDS,
  post: ['code'],
  i8042: I8042_SHADOW_FIELDS,
  /** `timing`: the channel is the register (R0-R11). */
  crtc: CRTC_SHADOW_FIELDS,
  /** Device 1 on the primary ATA channel: its own settings and latched registers, as ata0's. */
  'ata0.slave': ATA_SHADOW_FIELDS,
};

/** The FIELD word for a report (what an agent writes to AGENT_FIELD_PORT). */
export function agentFieldCode(device: string, field: string, channel = 0): number {
  const d = AGENT_DEVICES.indexOf(device as (typeof AGENT_DEVICES)[number]);
  const f = AGENT_FIELDS[device]?.indexOf(field) ?? -1;
  if (d <= 0 || f < 0) throw new Error(`the guest agent protocol has no field ${device}.${field}`);
  return ((d << 16) | (channel << 8) | f) >>> 0;
}

/** Hands one report to the device's driver; returns the key it is reported under, or null to ignore it. */
export type AgentSupply = (device: string, field: string, channel: number, value: number) => string | null;

export class GuestAgent {
  private field = -1;
  /** "device.field" or "pit.field[i]" reported by the agent. */
  readonly reported = new Set<string>();
  reports = 0;

  constructor(
    intercepts: Intercepts,
    private readonly supply: AgentSupply,
  ) {
    intercepts.onPort(AGENT_FIELD_PORT, (a) => {
      if (a.dir === DIR_WRITE && a.guest) this.field = a.value >>> 0;
    });
    intercepts.onPort(AGENT_VALUE_PORT, (a) => {
      if (a.dir === DIR_WRITE && a.guest && this.field >= 0) this.report(this.field, a.value >>> 0);
    });
    intercepts.trapPort(AGENT_FIELD_PORT, DIR_WRITE);
    intercepts.trapPort(AGENT_VALUE_PORT, DIR_WRITE);
  }

  private report(code: number, value: number): void {
    const device = AGENT_DEVICES[(code >>> 16) & 0xff];
    const channel = (code >>> 8) & 0xff;
    const field = AGENT_FIELDS[device ?? '']?.[code & 0xff];
    if (device === undefined || device === '' || field === undefined) return;
    const key = this.supply(device, field, channel, value);
    if (key === null) return;
    this.reported.add(key);
    this.reports++;
  }

  /** Mark the reported fields' provenance in a capture (their values came through the shadows). */
  fill(devices: CapturedDevice[]): void {
    for (const d of devices) {
      for (const f of Object.keys(d.fields)) {
        if (this.reported.has(`${d.device}.${f}`) || [0, 1, 2].some((i) => this.reported.has(`${d.device}.${f}[${i}]`))) {
          d.provenance[f] = 'agent';
        }
      }
    }
  }
}
