/**
 * The tests' guest agent (docs/guest-agent.md): it reports what the guest's drivers programmed
 * (read off the oracle, standing in for the drivers' own records) by writing the agent ports,
 * as guest accesses. No built-in guest runs one. Returns how many fields it reported.
 */
import { AGENT_FIELD_PORT, AGENT_FIELDS, AGENT_VALUE_PORT, agentFieldCode } from '../../src/hypervisor/agent.js';
import type { Machine } from '../../src/board/machine.js';

export function runTestAgent(m: Machine): number {
  let reports = 0;
  const report = (device: string, field: string, value: number, channel = 0) => {
    m.bus.pioWrite(AGENT_FIELD_PORT, 4, agentFieldCode(device, field, channel));
    m.bus.pioWrite(AGENT_VALUE_PORT, 4, value >>> 0);
    reports++;
  };
  const state = (name: string) => m.devices.find((d) => d.name === name)!.oracle().state;
  for (const chip of ['pic.master', 'pic.slave']) for (const f of AGENT_FIELDS[chip]) report(chip, f, state(chip)[f] as number);
  for (let ch = 0; ch < 3; ch++) for (const f of AGENT_FIELDS.pit) report('pit', f, (state('pit')[f] as number[])[ch], ch);
  for (const f of AGENT_FIELDS.rtc) report('rtc', f, state('rtc')[f] as number);
  report('uart', 'fcr', state('uart').fcr as number);
  for (const f of AGENT_FIELDS.ata0) report('ata0', f, state('ata0')[f] as number);
  if (m.board.slave !== null) for (const f of AGENT_FIELDS['ata0.slave']) report('ata0.slave', f, state('ata0.slave')[f] as number);
  report('post', 'code', state('post').code as number);
  for (const f of AGENT_FIELDS.i8042) report('i8042', f, state('i8042')[f] as number);
  report('crtc', 'index', state('crtc').index as number);
  (state('crtc').timing as number[]).forEach((v, r) => report('crtc', 'timing', v, r));
  return reports;
}
