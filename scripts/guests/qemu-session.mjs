#!/usr/bin/env node
// Drives a program's stdio like a serial console: waits for text, types text, with a
// deadline. Used to check the third-party guests under QEMU (-nographic: serial on stdio).
//
//   node scripts/guests/qemu-session.mjs [--timeout S] [--log FILE] STEP... -- COMMAND ARG...
//
// STEP is `expect=TEXT` (wait until TEXT appears in the output after the previous match),
// `send=TEXT` (write TEXT; `\n`, `\r`, `\t`, `\\` and `\xHH` are unescaped), or `exit` /
// `exit=N` (wait for the program to end by itself, with status N). After the last step the
// program is killed unless the last step was an exit. Prints each step with the seconds
// since start; exits 0 when every step happened in time, 1 on a timeout or a wrong exit
// status, 2 on usage errors.
// The whole transcript goes to --log (default: stdout after the steps).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

function usage(msg) {
  process.stderr.write(`qemu-session: ${msg}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let timeout = 60;
let logFile = null;
const steps = [];
while (argv.length > 0 && argv[0] !== '--') {
  const a = argv.shift();
  if (a === '--timeout') timeout = Number(argv.shift());
  else if (a === '--log') logFile = argv.shift();
  else if (/^exit(=\d+)?$/.test(a)) steps.push({ kind: 'exit', status: a.length > 4 ? Number(a.slice(5)) : null });
  else {
    const m = /^(expect|send)=(.*)$/s.exec(a);
    if (!m) usage(`bad step ${JSON.stringify(a)}`);
    steps.push({ kind: m[1], text: unescape(m[2]) });
  }
}
if (argv.shift() !== '--' || argv.length === 0) usage('no command (put it after --)');
if (!(timeout > 0)) usage('bad --timeout');

function unescape(s) {
  return s.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    return { n: '\n', r: '\r', t: '\t', '\\': '\\' }[e] ?? e;
  });
}

const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(2);
const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
let transcript = '';
let from = 0; // expect searches start here
let i = 0;
let done = false;

function finish(code, why) {
  if (done) return;
  done = true;
  clearTimeout(timer);
  if (why) process.stdout.write(`[${secs()}s] ${why}\n`);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (logFile) writeFileSync(logFile, transcript);
  else process.stdout.write(`----- transcript -----\n${transcript}\n----------------------\n`);
  process.exitCode = code;
}

function advance() {
  while (!done && i < steps.length) {
    const s = steps[i];
    if (s.kind === 'send') {
      child.stdin.write(s.text);
      process.stdout.write(`[${secs()}s] sent ${JSON.stringify(s.text)}\n`);
      i++;
    } else if (s.kind === 'expect') {
      const at = transcript.indexOf(s.text, from);
      if (at < 0) return;
      from = at + s.text.length;
      process.stdout.write(`[${secs()}s] saw ${JSON.stringify(s.text)}\n`);
      i++;
    } else {
      return; // exit: wait for the close event
    }
  }
  if (!done && i === steps.length) finish(0, 'all steps done');
}

const timer = setTimeout(() => {
  const s = steps[i];
  finish(1, `timeout after ${timeout}s waiting for ${s ? (s.kind === 'exit' ? 'exit' : JSON.stringify(s.text)) : '?'}`);
}, timeout * 1000);

child.stdout.on('data', (d) => {
  transcript += d.toString('latin1');
  advance();
});
child.on('close', (code, signal) => {
  if (done) return;
  const s = steps[i];
  if (s?.kind === 'exit') {
    const ok = s.status === null || code === s.status;
    finish(ok ? 0 : 1, `exited with ${signal ?? code}${ok ? '' : ` (want ${s.status})`}`);
  } else {
    finish(1, `program ended (${signal ?? code}) before ${steps[i] ? JSON.stringify(steps[i].text) : 'the end'}`);
  }
});
child.on('error', (e) => finish(2, `cannot run ${argv[0]}: ${e.message}`));
advance();
