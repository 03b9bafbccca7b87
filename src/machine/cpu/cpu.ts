/**
 * The i386 CPU as the machine sees it: reset and boot, the run loop in virtual time,
 * the INTR pin and INTA, stop requests, and state capture for migration.
 *
 * Virtual time is `clock.icount`: +1 per retired instruction (+1 per REP iteration, see
 * ops-string.ts). A faulting instruction and interrupt/exception delivery count nothing;
 * HLT counts 1. Whenever the CPU reaches the bus, clock.icount equals the number of
 * instructions retired before the current one.
 *
 * run(until) executes slices: a slice ends at `until`, at the next timer deadline, or early
 * (sliceEnd = 0) when something needs the loop's attention at the next instruction
 * boundary: INTR raised, a stop request, an I/O or MMIO access, HLT, STI/POPF/IRET, MOV SS.
 */
import { MachineFault } from '../../errors.js';
import type { Bus } from '../bus.js';
import type { Clock } from '../clock.js';
import type { PhysicalMemory } from '../memory.js';
import { APIC_BASE_RESET, CR0_RESET, CS, DS, ES, EXC_DB, FLAGS_FIXED, FS, GS, IF, RunExit, SS, TF } from './constants.js';
import { CpuCore, GUEST_EXCEPTION } from './core.js';
import { execute } from './exec.js';
import { Jit, type JitStats } from './jit/jit.js';
import { deliverEvent, SOURCE_EXCEPTION, SOURCE_EXTERNAL } from './interrupts.js';
import { CPU_SIGNATURE, setTsc } from './ops-msr.js';
import { captureState, restoreState, type CpuState } from './state.js';

export { RunExit } from './constants.js';
export type { CpuState, SegmentCache, TableRegister } from './state.js';

/** EDX after reset holds the component identifier: family 4, model 2, stepping 0 - the same as CPUID leaf 1 EAX. */
const RESET_EDX = CPU_SIGNATURE;

/** How a new CPU runs code: hot blocks compiled (the default), =eager nearly every block (to test it); MIGTRACE_COMPILER=0 or off interprets. */
export type CompilerMode = 'off' | 'on' | 'eager';

function compilerByDefault(): CompilerMode {
  const v = process.env.MIGTRACE_COMPILER;
  return v === 'eager' ? 'eager' : v === '0' || v === 'off' ? 'off' : 'on';
}

export class Cpu extends CpuCore {
  /** Why run() returned FAULT; the CPU stays stopped until reset() or setState(). */
  fault: MachineFault | null = null;
  /** INTA cycle: the vector of the external interrupt being taken (the PIC answers, later). */
  interruptAcknowledge: () => number = () => 0x08;
  /** The compiler (jit/): hot guest code runs as JavaScript; null runs the interpreter alone. */
  private jit: Jit | null = null;

  constructor(memory: PhysicalMemory, bus: Bus, clock: Clock) {
    super(memory, bus, clock);
    this.reset();
    this.setCompiler(compilerByDefault());
  }

  /** Compile hot code (the default), or interpret everything: the guest sees no difference. */
  setCompiler(mode: CompilerMode | boolean): void {
    const m: CompilerMode = mode === true ? 'on' : mode === false ? 'off' : mode;
    if (this.jit !== null) {
      this.jit.flush();
      this.mem.codeWriteHook = null;
      this.jit = null;
    }
    if (m !== 'off') this.jit = new Jit(this, m === 'eager');
  }

  /** What the compiler did so far (null when it is off). */
  get compilerStats(): JitStats | null {
    return this.jit === null ? null : this.jit.stats;
  }

  /** Intel power-on state (SDM vol. 3, table 9-1): real mode, CS:EIP = F000:FFF0 with CS base FFFF0000. */
  reset(): void {
    this.diversions++;
    this.regs.fill(0);
    this.regs[2] = RESET_EDX;
    this.eip = 0xfff0;
    this.flags = FLAGS_FIXED;
    this.lazy = 0;
    this.cr0 = CR0_RESET;
    this.cr2 = this.cr3 = this.cr4 = 0;
    this.dr.fill(0);
    setTsc(this, 0, 0); // RESET clears the time-stamp counter
    this.apicBase = APIC_BASE_RESET;
    this.cpl = 0;
    this.gdtBase = 0;
    this.gdtLimit = 0xffff;
    this.idtBase = 0;
    this.idtLimit = 0xffff;
    this.ldtr.set([0, 0, 0xffff, 0x10082]);
    this.tr.set([0, 0, 0xffff, 0x8b]);
    this.prefixed = false;
    this.segOvr = -1;
    this.rep = 0;
    for (const s of [ES, SS, DS, FS, GS]) this.resetSeg(s, 0, 0);
    this.resetSeg(CS, 0xf000, 0xffff0000 | 0);
    this.halted = false;
    this.shadow = false;
    this.stopRequested = false;
    this.fault = null;
    this.updatePaging();
  }

  /** Boot as a PC BIOS hands over: real mode, CS:IP = cs:ip, DL = drive, other GPRs 0. */
  bootAt(cs: number, ip: number, dl: number): void {
    this.reset();
    this.regs.fill(0);
    this.r8[8] = dl;
    this.loadSegReal(CS, cs);
    this.eip = ip & 0xffff;
  }

  setIntrLine(level: boolean): void {
    this.intrLine = level;
    if (level) this.sliceEnd = 0;
  }

  requestStop(): void {
    this.stopRequested = true;
    this.sliceEnd = 0;
  }

  getState(): CpuState {
    return captureState(this);
  }

  setState(state: CpuState): void {
    restoreState(this, state);
    this.diversions++;
    this.fault = null;
    this.stopRequested = false;
  }

  /** EFLAGS.IF, read directly: IF is never lazy, so there is no need to build a CpuState for it. */
  get interruptsEnabled(): boolean {
    return (this.flags & IF) !== 0;
  }

  /** CS:EIP of the next instruction, e.g. "0008:00001a2c". */
  describeLocation(): string {
    return this.location(this.eip);
  }

  /** Execute until clock.icount >= until, or halt, or stop request, or fatal fault. */
  run(until: number): RunExit {
    if (this.fault !== null) return RunExit.FAULT;
    const clock = this.clock;
    this.revalidateMemory(); // the board may have changed A20 or the memory map between runs
    this.diversions++; // and device events, DMA or a hypervisor may have written memory
    try {
      for (;;) {
        if (this.stopRequested) {
          this.stopRequested = false;
          return RunExit.STOPPED;
        }
        const next = clock.nextEventAt;
        const limit = next < until ? next : until;
        if (clock.icount >= limit) return RunExit.REACHED;
        if (this.shadow) {
          // The instruction after STI / MOV SS runs before any interrupt is recognised.
          this.shadow = false;
          this.runSlice(clock.icount + 1);
        } else if (this.intrLine && (this.flags & IF) !== 0) {
          this.halted = false;
          this.takeExternalInterrupt();
        } else if (this.halted) {
          return RunExit.HALTED;
        } else if (this.flags & TF) {
          this.singleStep();
        } else {
          this.runSlice(limit);
        }
      }
    } catch (e) {
      if (e instanceof MachineFault) {
        this.fault = e;
        this.eip = this.startEip;
        return RunExit.FAULT;
      }
      throw e;
    }
  }

  /** Run instructions until clock.icount reaches `limit` or the slice is cut. False if one faulted. */
  private runSlice(limit: number): boolean {
    this.sliceEnd = limit;
    try {
      if (this.jit !== null) this.jit.execute();
      else execute(this);
      return true;
    } catch (e) {
      if (e !== GUEST_EXCEPTION) throw e;
      const length = (this.eip - this.startEip) | 0;
      this.eip = this.startEip; // faults report the faulting instruction
      this.prefixed = true; // the decode state of the aborted instruction is stale
      deliverEvent(this, this.excVector, this.excCode, SOURCE_EXCEPTION, length);
      return false;
    }
  }

  /** TF set: one instruction, then a single-step #DB trap (SDM vol. 3, 17.3.1.4). */
  private singleStep(): void {
    if (this.runSlice(this.clock.icount + 1) && !this.halted) {
      this.dr[6] |= 0x4000; // BS
      this.startEip = this.eip;
      deliverEvent(this, EXC_DB, 0, SOURCE_EXCEPTION, 1);
    }
  }

  private takeExternalInterrupt(): void {
    const vector = this.interruptAcknowledge() & 0xff;
    this.afterIo();
    this.startEip = this.eip;
    deliverEvent(this, vector, 0, SOURCE_EXTERNAL, 1);
  }
}
