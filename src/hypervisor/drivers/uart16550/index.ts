/**
 * The 16550A UART as COM1 (device `uart`), driving ISA IRQ4 through the PC's OUT2 gate. FCR
 * is write-only and the transmitter internal (shadow); the receive FIFO is read out, which
 * drops and raises IRQ4 — so its capture runs with that line masked upstream — and its
 * character timeout is measured while the guest is paused.
 */
import type { DeviceDriver, FaultSpec } from '../driver.js';
import { BOARD } from '../../../board/layout.js';
import { COM1, UartShadow } from './shadow.js';
import { captureUart } from './capture.js';
import { reconstructUart, uartWindow } from './reconstruct.js';
import { CapturedView } from '../../captured.js';

/** Instructions beyond the timed actions' need. */
const WINDOW_SPARE = 1000;
import { IER_ETBEI, MCR_LOOP, MCR_OUT2 } from './rules.js';
import { RANK } from '../ranks.js';

export const UART_DIVISOR_DROPPED: FaultSpec = {
  name: 'uart-divisor-dropped',
  side: 'reconstruct',
  device: 'uart',
  effect: 'the divisor latch (DLL/DLM behind LCR.DLAB) is not written on the destination: it keeps the reset divisor 12 (9600 baud), so character times (transmit pacing, FIFO timeout) change',
};

export const uart16550Driver: DeviceDriver<UartShadow> = {
  devices: ['uart'],
  ports: [BOARD.uart.ports],
  mmio: [],
  irqs: [BOARD.uart.irq],
  faults: [UART_DIVISOR_DROPPED],
  captureStage: 'disturbs-line',

  attach({ intercepts, options, hz }) {
    return new UartShadow(intercepts, hz, options.attach === 'boot');
  },

  // Write-only fields only (the api's contract); the transmitter's internal state is reported per capture.
  unknownFields(shadow) {
    return shadow.known.unknown().filter((f) => f === 'fcr').map((f) => `uart.${f}`);
  },

  agentReport(shadow, device, field, _channel, value) {
    shadow.supply('fcr', value & 0xff);
    return `${device}.${field}`;
  },

  capture(ctx, shadow) {
    return { builders: [captureUart(ctx, shadow)] };
  },

  // INTR is pending when IIR says so; it reaches the line only through OUT2, and not in loopback.
  lineLevels(captured) {
    const uart = captured('uart');
    return uart && (uart.num('iir') & 1) === 0 && (uart.num('mcr') & (MCR_OUT2 | MCR_LOOP)) === MCR_OUT2 ? 1 << BOARD.uart.irq : 0;
  },

  // OUT2 and ETBEI: the THR-empty interrupt (PC16550D 8.6.4) with 8N1; IER = 0 drops it.
  irqLine: {
    irq: BOARD.uart.irq,
    restoreSafe: false,
    create(io) {
      return {
        raise() {
          io.out8(COM1 + 3, 0x03);
          io.out8(COM1 + 4, MCR_OUT2);
          io.out8(COM1 + 1, 0x00);
          io.out8(COM1 + 1, IER_ETBEI);
        },
        lower() {
          io.out8(COM1 + 1, 0x00);
        },
      };
    },
  },

  // Bytes into the receive FIFO through loopback, the shift register's byte, the RBR read that
  // restarts the timeout: timed before the switch-over (reconstruct.ts). Sized for the captured
  // divisor and for the reset one (a destination that lost the divisor still ends in its window,
  // so the verifier, not the window, finds that).
  window(capture, hz) {
    const uart = capture.devices.find((d) => d.device === 'uart');
    if (uart === undefined) return 0;
    const t = new CapturedView(uart);
    const need = Math.max(uartWindow(t, hz, t.num('dll'), t.num('dlm')), uartWindow(t, hz, 0x0c, 0));
    return need === 0 ? 0 : need + WINDOW_SPARE;
  },

  reconstruct: [{ rank: RANK.uart, plan: (ctx) => reconstructUart(ctx, ctx.must('uart')) }],
};
