import { Args, Flags } from '@oclif/core';
import { machineTypeLabel } from '../board/layout.js';
import { describeBootConfig } from '../board/boot-spec.js';
import { MigtraceCommand } from '../cli/base-command.js';
import { recordFilter } from '../cli/trace-filters.js';
import { formatBytes, formatSize, parseCount } from '../units.js';
import { describeRecord, deviceNames, recordJson } from '../trace/describe.js';
import { TraceReader, type TraceHeaderInfo, type TraceStatus } from '../trace/reader.js';
import { hexDigits } from '../hex.js';

export interface InspectOutput {
  dir: string;
  header: TraceHeaderInfo;
  status: TraceStatus;
  /** Records matching the filters, up to --limit. */
  records: Record<string, unknown>[];
  /** More records match than were shown. */
  more: boolean;
  checkpoints?: { ordinal: number; seq: number; icount: number; cs: number; eip: number; halted: boolean; changedPages: number; root: string }[];
}

export default class Inspect extends MigtraceCommand {
  static override description = 'Show a trace: its header, whether it is complete, and records (filtered by kind, device, port/address range, icount range)';
  static override examples = [
    '<%= config.bin %> inspect /tmp/hello',
    '<%= config.bin %> inspect /tmp/net --kind mmio,dma --device rtl8169 --limit 50',
    '<%= config.bin %> inspect /tmp/timer --port 0x40-0x43 --from 1e6 --to 2e6 --json',
  ];

  static override args = {
    trace: Args.string({ description: 'trace directory', required: true }),
  };

  static override flags = {
    kind: Flags.string({
      description: 'record kinds: pio, mmio, dma, transition, interrupt, input, output, hypervisor, migration, checkpoint (repeat or comma-separate)',
      multiple: true,
    }),
    device: Flags.string({ description: 'records naming this device (name, e.g. uart, or bus id)' }),
    port: Flags.string({ description: 'PIO accesses to these ports, e.g. 0x3f8-0x3ff' }),
    address: Flags.string({ description: 'MMIO accesses to these addresses, e.g. 0xfee00000-0xfee00fff' }),
    from: Flags.string({ description: 'first icount' }),
    to: Flags.string({ description: 'last icount' }),
    limit: Flags.string({ description: 'records to show at most (0: header only)', default: '20' }),
    checkpoints: Flags.boolean({ description: 'list the checkpoints', default: false }),
  };

  async run(): Promise<InspectOutput> {
    const { args, flags } = await this.parse(Inspect);
    const limit = parseCount(flags.limit, '--limit');
    const reader = await TraceReader.open(args.trace);
    try {
      const header = reader.header;
      const filter = recordFilter(flags, header.machine.devices);
      const names = deviceNames(header.machine.devices);
      const records: Record<string, unknown>[] = [];
      const lines: string[] = [];
      let more = false;
      if (limit > 0) {
        for await (const r of reader.records(filter)) {
          if (records.length === limit) {
            more = true;
            break;
          }
          records.push(recordJson(r, names));
          lines.push(describeRecord(r, names));
        }
      }
      const out: InspectOutput = { dir: args.trace, header, status: reader.status, records, more };
      if (flags.checkpoints) {
        out.checkpoints = [];
        for await (const c of reader.checkpoints()) {
          out.checkpoints.push({
            ordinal: c.ordinal,
            seq: c.seq,
            icount: c.icount,
            cs: c.cpu.cs.selector,
            eip: c.cpu.eip,
            halted: c.cpu.halted,
            changedPages: c.changedPages.length,
            root: c.root,
          });
        }
      }
      if (!this.jsonEnabled()) this.print(out, lines, limit);
      return out;
    } finally {
      await reader.close();
    }
  }

  private print(out: InspectOutput, lines: string[], limit: number): void {
    const h = out.header;
    const run = h.run;
    this.log(`trace ${out.dir}`);
    this.log(`  format       ${h.formatVersion.major}.${h.formatVersion.minor}, written by ${h.toolVersion}`);
    this.log(`  guest        ${run?.guestLabel ?? '(not recorded)'}, image sha256 ${h.guestImageSha256.slice(0, 16)}…, args ${run?.guestArgsSet === false ? '(as built)' : JSON.stringify(h.guestArgs)}`);
    if (run?.boot != null) this.log(`  boot         ${describeBootConfig(run.boot, h.guestImageSha256)}`);
    this.log(`  input        ${h.inputScriptSha256 === null ? 'none' : `${run?.inputEvents ?? '?'} events, sha256 ${h.inputScriptSha256.slice(0, 16)}…`}`);
    if (run !== null) {
      const d = run.disk;
      this.log(`  disk         ${d.kind === 'file' ? `${d.path} (${d.sectors} sectors, sha256 ${d.sha256.slice(0, 16)}…)` : `the boot image (${d.sectors} sectors)`}`);
    }
    this.log(`  machine      ${machineTypeLabel(h.machine.type)}, ${formatSize(h.machine.memoryBytes)} RAM, ${h.machine.instructionsPerSecond} instructions per virtual second, ${h.machine.devices.length} devices`);
    this.log(`  first icount ${h.firstIcount}`);
    this.log(`  checkpoints  every ${h.writer.checkpointInterval} instructions; chunks of ${h.writer.chunkRecords} records / ${formatBytes(h.writer.chunkBytes)}`);
    const s = out.status;
    this.log(
      s.complete
        ? `  status       complete: ${s.runStatus} at icount ${s.finalIcount}, ${s.recordCount} records${s.message === '' ? '' : ` (${s.message})`}`
        : `  status       INCOMPLETE: ${s.message}`,
    );
    if (out.checkpoints !== undefined) {
      this.log(`checkpoints (${out.checkpoints.length}):`);
      for (const c of out.checkpoints) {
        const at = `${hexDigits(c.cs, 4)}:${hexDigits(c.eip, 8)}${c.halted ? ' (halted)' : ''}`;
        this.log(`  #${c.ordinal} seq ${c.seq} icount ${c.icount}: cs:eip ${at}, ${c.changedPages} pages changed, memory root ${c.root}`);
      }
    }
    if (lines.length > 0) {
      this.log(`records${out.more ? ` (first ${lines.length}; more match: raise --limit)` : ` (${lines.length})`}:`);
      for (const l of lines) this.log(`  ${l}`);
    } else if (limit > 0) {
      this.log('records: none match');
    }
  }
}

