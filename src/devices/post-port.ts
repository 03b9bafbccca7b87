/**
 * The POST diagnostic port 0x80: firmware and guests write progress codes to it. Write-only
 * (QEMU's ioport80 reads all-ones); the last code is kept for inspection, not essential.
 */
import { SIZE_8, type IoHandler } from '../machine/bus.js';
import { Device } from './device.js';
import type { StateSchema } from './schema.js';
import { trackedState } from './tracked-state.js';

const SCHEMA: StateSchema = {
  device: 'post',
  version: 1,
  fields: [{ name: 'code', width: 8, access: 'wo', role: 'statistic', doc: 'last POST code written' }],
};

export type PostState = { code: number };

export class PostPort extends Device<PostState> implements IoHandler {
  readonly schema = SCHEMA;
  state: PostState = trackedState(SCHEMA, { code: 0 });
  readonly sizes = SIZE_8;

  reset(): void {
    this.state.code = 0;
  }

  read(): number {
    return 0xff;
  }

  write(_port: number, _size: number, value: number): void {
    this.state.code = value & 0xff;
  }
}
