/**
 * Motorola MC146818A real-time clock and its 128 bytes of CMOS RAM, as on a PC/AT.
 *
 * Ports: 0x70 index (write-only: bits 6–0 select the byte, bit 7 = NMI disable, kept apart
 * from the index; reads float: 0xFF), 0x71 data. IRQ8 (the wiring's irq) follows register C's IRQF.
 * Bytes 0x00–0x09: seconds, alarm seconds, minutes, alarm minutes, hours, alarm hours, day of
 * week (1 = Sunday), date, month, year (00–99); 0x0A–0x0D registers A–D; 0x0E–0x7F NVRAM
 * (0x32: century, BCD, set from the start time).
 *
 * Board: `const rtc = new RtcCmos(ctx, BOARD.rtc, startTime)` (startTime in Unix seconds from the
 * machine configuration, default DEFAULT_RTC_START = 2026-01-01T00:00:00Z);
 * `rtc.mapPorts(ctx.bus)` (device "rtc", ports 0x70–0x71); add it to the device list.
 *
 * Time is virtual: at reset the clock holds the start time; the divider chain's second
 * boundaries fall every clock.hz instructions from there, and each one runs an update cycle
 * that advances the time bytes by one second in their current format (datasheet,
 * "Update Cycle"). UIP reads 1 during the 244 µs before each update; the update itself is
 * instantaneous. SET halts updates (and clears UIE); divider reset (DV = 11x) stops the chain,
 * and leaving it starts the first update half a second later. Periodic flag PF at the rate of
 * register A's RS bits; alarm (AF, with 0xC0–0xFF as "don't care") and update-ended (UF)
 * flags at each update; IRQF = PF·PIE + AF·AIE + UF·UIE drives IRQ8; reading C clears it.
 * Not modelled: DSE (the 1980s US daylight-saving switch), SQW output (not wired on a PC).
 *
 * Datasheet: Motorola MC146818A: "Address Map", "Time, Calendar and Alarm Locations",
 * "Register A"–"Register D", "Update Cycle", "Interrupts".
 */
import { SIZE_8, type Bus, type IoHandler, type PortRange } from '../machine/bus.js';
import { mulDivFloor } from '../machine/clock.js';
import { Device, type DeviceContext } from './device.js';
import type { StateSchema } from './schema.js';
import { hexDigits } from '../hex.js';
import { trackedState } from './tracked-state.js';

/** Where the board puts the RTC: index and data port, and the ISA line IRQF drives. */
export interface RtcWiring {
  readonly ports: PortRange;
  readonly irq: number;
}
/** The data port follows the index port. */
export const RTC_DATA_OFFSET = 1;
/** 2026-01-01T00:00:00Z in Unix seconds. */
export const DEFAULT_RTC_START = 1_767_225_600;
export const CMOS_SIZE = 128;
export const CMOS_CENTURY = 0x32;

export const RTC_SECONDS = 0x00;
export const RTC_SECONDS_ALARM = 0x01;
export const RTC_MINUTES = 0x02;
export const RTC_MINUTES_ALARM = 0x03;
export const RTC_HOURS = 0x04;
export const RTC_HOURS_ALARM = 0x05;
export const RTC_DAY_OF_WEEK = 0x06;
export const RTC_DATE = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_REG_A = 0x0a;
export const RTC_REG_B = 0x0b;
export const RTC_REG_C = 0x0c;
export const RTC_REG_D = 0x0d;

export const REG_A_UIP = 0x80;
export const REG_B_SET = 0x80;
export const REG_B_PIE = 0x40;
export const REG_B_AIE = 0x20;
export const REG_B_UIE = 0x10;
export const REG_B_DM_BINARY = 0x04;
export const REG_B_24H = 0x02;
export const REG_C_IRQF = 0x80;
export const REG_C_PF = 0x40;
export const REG_C_AF = 0x20;
export const REG_C_UF = 0x10;
export const REG_D_VRT = 0x80;

/** Register A as a PC BIOS leaves it: 32.768 kHz time base (DV = 010), 1024 Hz periodic rate (RS = 0110). */
const REG_A_DEFAULT = 0x26;
/** UIP is set this long before each update (datasheet, "Update Cycle": tBUC = 244 µs). */
export const UIP_WINDOW_US = 244;
const DIVIDER_HZ = 32768;
const ALARM_DONT_CARE = 0xc0;

export type RtcCmosState = {
  cmos_index: number;
  nmi_disable: number;
  cmos: number[];
  divider_phase: number;
};

const SCHEMA: StateSchema = {
  device: 'rtc',
  version: 1,
  fields: [
    { name: 'cmos_index', width: 7, access: 'wo', role: 'config', doc: 'port 0x70 bits 6–0: the selected CMOS byte' },
    { name: 'nmi_disable', width: 1, access: 'wo', role: 'config', doc: 'port 0x70 bit 7: NMI disabled' },
    {
      name: 'cmos', width: 8, length: CMOS_SIZE, access: 'rw', role: 'processing',
      doc: 'CMOS bytes: time/calendar/alarm (0x00–0x09, advanced by update cycles), registers A–D (A bit 7 is computed; C is read-to-clear, so reading it to capture it loses the flags), NVRAM 0x0E–0x7F',
    },
    { name: 'divider_phase', width: 64, access: 'internal', role: 'processing', doc: 'icount of a divider-chain second boundary, modulo clock.hz: updates happen at phase + k·hz' },
    { name: 'update_timer', width: 64, access: 'internal', role: 'processing', timer: true, doc: 'next update cycle (second boundary); disarmed while SET or the divider is held' },
    { name: 'periodic_timer', width: 64, access: 'internal', role: 'processing', timer: true, doc: 'next periodic flag (PF) at the register A RS rate' },
  ],
};

function toBcd(v: number): number {
  return ((Math.floor(v / 10) % 10) << 4) | (v % 10);
}

function fromBcd(v: number): number {
  return (v >> 4) * 10 + (v & 15);
}

/** Periodic interval in 32.768 kHz divider ticks for RS3–RS0 (datasheet, Table "Periodic Interrupt Rate"); 0: none. */
export function periodicTicks(rs: number): number {
  if (rs === 0) return 0;
  if (rs <= 2) return 64 << rs; // 1: 256 Hz, 2: 128 Hz
  return 1 << (rs - 1); // 3: 8192 Hz … 15: 2 Hz
}

/** Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant, "civil_from_days"). */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function daysInMonth(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 ? 29 : 28; // the MC146818 leap rule: year divisible by 4
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

export class RtcCmos extends Device<RtcCmosState> implements IoHandler {
  readonly schema = SCHEMA;
  readonly sizes = SIZE_8;
  state: RtcCmosState = trackedState(SCHEMA, { cmos_index: 0, nmi_disable: 0, cmos: new Array<number>(CMOS_SIZE).fill(0), divider_phase: 0 });
  private readonly updateTimer = this.addTimer('update_timer', (now) => this.updateCycle(now));
  private readonly periodicTimer = this.addTimer('periodic_timer', (now) => this.periodicEvent(now));

  constructor(
    ctx: DeviceContext,
    readonly wiring: RtcWiring,
    /** Wall-clock time at reset, Unix seconds (machine configuration; never read from the host). */
    readonly startTime: number = DEFAULT_RTC_START,
  ) {
    super(ctx);
  }

  /** Register on the bus and map the index and data ports. */
  mapPorts(bus: Bus): void {
    this.id = bus.registerDevice(this.name);
    bus.mapPorts(this.id, this.wiring.ports.base, this.wiring.ports.count, this);
  }

  /** NMI masked by port 0x70 bit 7 (for the board's NMI logic). */
  get nmiDisabled(): boolean {
    return this.state.nmi_disable === 1;
  }

  reset(): void {
    const s = this.state;
    const c = s.cmos;
    c.fill(0);
    const secs = Math.floor(this.startTime);
    const days = Math.floor(secs / 86400);
    const secOfDay = secs - days * 86400;
    const date = civilFromDays(days);
    c[RTC_SECONDS] = toBcd(secOfDay % 60);
    c[RTC_MINUTES] = toBcd(Math.floor(secOfDay / 60) % 60);
    c[RTC_HOURS] = toBcd(Math.floor(secOfDay / 3600));
    c[RTC_DAY_OF_WEEK] = ((((days + 4) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday; Sunday = 1
    c[RTC_DATE] = toBcd(date.day);
    c[RTC_MONTH] = toBcd(date.month);
    c[RTC_YEAR] = toBcd(((date.year % 100) + 100) % 100);
    c[CMOS_CENTURY] = toBcd(Math.floor(date.year / 100) % 100);
    c[RTC_REG_A] = REG_A_DEFAULT;
    c[RTC_REG_B] = REG_B_24H; // BCD, 24-hour, no interrupts
    c[RTC_REG_C] = 0;
    c[RTC_REG_D] = REG_D_VRT;
    s.cmos_index = 0;
    s.nmi_disable = 0;
    const hz = this.ctx.clock.hz;
    s.divider_phase = this.ctx.clock.icount % hz;
    this.ctx.irq.setIrq(this.wiring.irq, false);
    this.armUpdate(this.ctx.clock.icount);
    this.armPeriodic(this.ctx.clock.icount);
  }

  read(port: number): number {
    if (port === this.wiring.ports.base) return 0xff;
    const s = this.state;
    const c = s.cmos;
    switch (s.cmos_index) {
      case RTC_REG_A:
        return (c[RTC_REG_A] & 0x7f) | (this.updateInProgress(this.ctx.clock.icount) ? REG_A_UIP : 0);
      case RTC_REG_C: {
        // Reading C clears all flags and releases IRQ8 (datasheet, "Register C").
        const v = c[RTC_REG_C];
        c[RTC_REG_C] = 0;
        if (v & REG_C_IRQF) this.ctx.irq.setIrq(this.wiring.irq, false);
        return v;
      }
      case RTC_REG_D:
        return REG_D_VRT;
      default:
        return c[s.cmos_index];
    }
  }

  write(port: number, _size: number, value: number): void {
    const s = this.state;
    if (port === this.wiring.ports.base) {
      s.cmos_index = value & 0x7f;
      s.nmi_disable = (value >> 7) & 1;
      return;
    }
    const c = s.cmos;
    const now = this.ctx.clock.icount;
    switch (s.cmos_index) {
      case RTC_REG_A: {
        const wasRunning = this.dividerRunning();
        c[RTC_REG_A] = value & 0x7f; // UIP is read-only
        // Leaving divider reset: the first update comes half a second later (datasheet, "Register A", DV).
        if (!wasRunning && this.dividerRunning()) s.divider_phase = (now + Math.floor(this.ctx.clock.hz / 2)) % this.ctx.clock.hz;
        this.armUpdate(now);
        this.armPeriodic(now);
        break;
      }
      case RTC_REG_B:
        // Setting SET aborts updates and clears UIE (datasheet, "Register B", SET and UIE).
        c[RTC_REG_B] = value & REG_B_SET ? value & ~REG_B_UIE : value;
        this.updateIrq();
        this.armUpdate(now);
        break;
      case RTC_REG_C:
      case RTC_REG_D:
        break; // read-only
      default:
        c[s.cmos_index] = value;
    }
  }

  /** DV2–DV0 select a running time base (000–010); 11x holds the divider in reset, others are test modes. */
  private dividerRunning(): boolean {
    return (this.state.cmos[RTC_REG_A] & 0x70) <= 0x20;
  }

  /** Instructions into the current divider second, 0 ≤ r < hz. */
  private phaseOffset(now: number): number {
    const hz = this.ctx.clock.hz;
    const r = (now - (this.state.divider_phase % hz)) % hz;
    return r < 0 ? r + hz : r;
  }

  updateInProgress(now: number): boolean {
    if (!this.dividerRunning() || this.state.cmos[RTC_REG_B] & REG_B_SET) return false;
    const hz = this.ctx.clock.hz;
    return this.phaseOffset(now) >= hz - mulDivFloor(UIP_WINDOW_US, hz, 1_000_000);
  }

  /** The next second boundary, while the divider runs and SET is clear. */
  private armUpdate(now: number): void {
    if (this.dividerRunning() && (this.state.cmos[RTC_REG_B] & REG_B_SET) === 0) {
      this.updateTimer.arm(now + this.ctx.clock.hz - this.phaseOffset(now));
    } else {
      this.updateTimer.cancel();
    }
  }

  /** The next periodic edge, while the divider runs and RS selects a rate (PF is set whether or not PIE is). */
  private armPeriodic(now: number): void {
    const period = periodicTicks(this.state.cmos[RTC_REG_A] & 15);
    if (this.dividerRunning() && period > 0) this.periodicTimer.arm(this.nextPeriodic(now, period));
    else this.periodicTimer.cancel();
  }

  /** The icount of the next periodic divider edge after `now`: periods divide the second, so they align with it. */
  private nextPeriodic(now: number, period: number): number {
    const hz = this.ctx.clock.hz;
    const r = this.phaseOffset(now);
    const tick = Math.floor((r * DIVIDER_HZ) / hz);
    const target = (Math.floor(tick / period) + 1) * period;
    // Smallest offset whose divider tick is >= target: ceil(target * hz / 32768), exact in doubles.
    const product = target * hz;
    const ceil = Math.floor(product / DIVIDER_HZ) + (product % DIVIDER_HZ === 0 ? 0 : 1);
    return now - r + ceil;
  }

  /** PF (and IRQF with PIE); false when both were set already, as they mostly are: nothing declared changed. */
  private periodicEvent(now: number): boolean {
    const c = this.state.cmos;
    const before = c[RTC_REG_C];
    c[RTC_REG_C] |= REG_C_PF;
    this.updateIrq();
    this.armPeriodic(now);
    return c[RTC_REG_C] !== before;
  }

  /** Update cycle: advance one second, then the alarm compare and the update-ended flag. */
  private updateCycle(now: number): void {
    const c = this.state.cmos;
    if (this.dividerRunning() && (c[RTC_REG_B] & REG_B_SET) === 0) {
      this.advanceOneSecond();
      const match = (alarm: number, value: number) => (alarm & ALARM_DONT_CARE) === ALARM_DONT_CARE || alarm === value;
      if (match(c[RTC_SECONDS_ALARM], c[RTC_SECONDS]) && match(c[RTC_MINUTES_ALARM], c[RTC_MINUTES])
        && match(c[RTC_HOURS_ALARM], c[RTC_HOURS])) {
        c[RTC_REG_C] |= REG_C_AF;
      }
      c[RTC_REG_C] |= REG_C_UF;
      this.updateIrq();
    }
    this.armUpdate(now);
  }

  /** +1 s on the time bytes in their current format (BCD or binary, 12 or 24 h); only carried fields are rewritten. */
  private advanceOneSecond(): void {
    const c = this.state.cmos;
    const binary = (c[RTC_REG_B] & REG_B_DM_BINARY) !== 0;
    const dec = (v: number) => (binary ? v : fromBcd(v));
    const enc = (v: number) => (binary ? v : toBcd(v));
    const sec = dec(c[RTC_SECONDS]) + 1;
    if (sec < 60) { c[RTC_SECONDS] = enc(sec); return; }
    c[RTC_SECONDS] = enc(0);
    const min = dec(c[RTC_MINUTES]) + 1;
    if (min < 60) { c[RTC_MINUTES] = enc(min); return; }
    c[RTC_MINUTES] = enc(0);
    const h24 = (c[RTC_REG_B] & REG_B_24H) !== 0;
    const rawHour = c[RTC_HOURS];
    // 12-hour mode: 1–12 with bit 7 = PM (datasheet, "Time, Calendar and Alarm Data Modes").
    const hour = (h24 ? dec(rawHour) : (dec(rawHour & 0x7f) % 12) + (rawHour & 0x80 ? 12 : 0)) + 1;
    const newHour = hour < 24 ? hour : 0;
    c[RTC_HOURS] = h24 ? enc(newHour) : enc(newHour % 12 || 12) | (newHour >= 12 ? 0x80 : 0);
    if (hour < 24) return;
    const dow = c[RTC_DAY_OF_WEEK];
    c[RTC_DAY_OF_WEEK] = dow >= 7 ? 1 : dow + 1;
    const month = dec(c[RTC_MONTH]);
    const year = dec(c[RTC_YEAR]);
    const day = dec(c[RTC_DATE]) + 1;
    if (day <= daysInMonth(month, year)) { c[RTC_DATE] = enc(day); return; }
    c[RTC_DATE] = enc(1);
    if (month < 12) { c[RTC_MONTH] = enc(month + 1); return; }
    c[RTC_MONTH] = enc(1);
    c[RTC_YEAR] = enc(year >= 99 ? 0 : year + 1);
  }

  /** IRQF = PF·PIE + AF·AIE + UF·UIE (flag and enable bits share positions in C and B). */
  private updateIrq(): void {
    const c = this.state.cmos;
    const was = (c[RTC_REG_C] & REG_C_IRQF) !== 0;
    const now = (c[RTC_REG_C] & c[RTC_REG_B] & (REG_C_PF | REG_C_AF | REG_C_UF)) !== 0;
    if (now) c[RTC_REG_C] |= REG_C_IRQF;
    else c[RTC_REG_C] &= ~REG_C_IRQF;
    if (now !== was) this.ctx.irq.setIrq(this.wiring.irq, now);
  }

  protected override afterRestore(): void {
    this.ctx.irq.setIrq(this.wiring.irq, (this.state.cmos[RTC_REG_C] & REG_C_IRQF) !== 0);
  }

  protected override derived(): Record<string, number | string> {
    const c = this.state.cmos;
    return {
      uip: this.updateInProgress(this.ctx.clock.icount) ? 1 : 0,
      irq8: (c[RTC_REG_C] & REG_C_IRQF) !== 0 ? 1 : 0,
      time_bytes: `${hexDigits(c[RTC_YEAR], 2)}-${hexDigits(c[RTC_MONTH], 2)}-${hexDigits(c[RTC_DATE], 2)} ${hexDigits(c[RTC_HOURS], 2)}:${hexDigits(c[RTC_MINUTES], 2)}:${hexDigits(c[RTC_SECONDS], 2)}`,
    };
  }
}
