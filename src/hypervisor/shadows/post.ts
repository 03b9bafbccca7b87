/** Port 0x80 (POST code): write-only; trapped so the last code is known (a statistic, but cheap). */
import { DIR_WRITE, type Intercepts } from '../intercepts.js';

export class PostShadow {
  code = 0;
  known: boolean;

  constructor(intercepts: Intercepts, bootAttach: boolean) {
    this.known = bootAttach;
    intercepts.onPort(0x80, (a) => {
      if (a.dir !== DIR_WRITE) return;
      this.code = a.value & 0xff;
      this.known = true;
    });
    intercepts.trapPort(0x80, DIR_WRITE);
  }
}
