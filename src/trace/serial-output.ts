/** What a recorded guest printed: the serial output records of a trace, as latin1 text. */
import { TraceReader } from './reader.js';

export async function traceSerialText(dir: string): Promise<string> {
  const r = await TraceReader.open(dir);
  try {
    let text = '';
    for await (const rec of r.records({ kinds: ['output'] })) if (rec.kind === 'output' && rec.channel === 'serial') text += Buffer.from(rec.data).toString('latin1');
    return text;
  } finally {
    await r.close();
  }
}
