/** A real redis-server for the campaign's queue tests: on a free loopback port, no persistence. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export const HAVE_REDIS = spawnSync('redis-server', ['--version']).status === 0;

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Start redis-server and resolve once it accepts connections. */
export async function startRedisServer(): Promise<{ url: string; server: ChildProcess }> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (/Ready to accept connections/.test(out)) resolve();
    });
    server.on('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${out}`)));
  });
  return { url: `redis://127.0.0.1:${port}`, server };
}
