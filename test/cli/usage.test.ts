/**
 * Every message a user can get before a command does its work is one complete line with the
 * "migtrace: " prefix and the README's exit status, and every refusable request is refused
 * before any recording or migration starts.
 */
import { describe, expect, it } from 'vitest';
import { describeGuestExit } from '../../src/board/machine.js';
import { migtrace } from './cli.js';

function expectUsage(r: { status: number; stdout: string; stderr: string }, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^migtrace: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.status).toBe(2);
}

describe('oclif messages, completed', () => {
  it('a missing argument is named, with what it is', () => {
    expectUsage(migtrace(['verify']), /missing 2 required arguments: REFERENCE \(.+\), DESTINATION \(.+\); see migtrace verify --help$/);
    expectUsage(migtrace(['inspect']), /missing 1 required argument: TRACE/);
  });

  it('an unknown command lists the commands, in the same form', () => {
    expectUsage(migtrace(['frobnicate']), /^migtrace: unknown command "frobnicate" \(commands: .*migrate.*; see migtrace help\)$/);
  });

  it('an unknown flag and an extra argument say which, and where help is', () => {
    expectUsage(migtrace(['run', 'hello', '--bogus']), /Nonexistent flag: --bogus; see migtrace run --help/);
    expectUsage(migtrace(['inspect', 'a', 'b']), /Unexpected argument: b; see migtrace inspect --help/);
  });

  it('migtrace help lists every command; help COMMAND shows its usage', () => {
    const all = migtrace(['help']);
    expect(all.status).toBe(0);
    for (const c of ['record', 'migrate', 'verify', 'diff', 'inspect']) expect(all.stdout).toMatch(new RegExp(`\\n\\s+${c}\\s`));
    const one = migtrace(['help', 'migrate']);
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/USAGE[\s\S]*migtrace migrate/);
    expectUsage(migtrace(['help', 'nope']), /unknown command "nope"/);
  });
});

describe('validated before working', () => {
  it('demo refuses an unknown fault before recording anything', () => {
    const r = migtrace(['demo', '--fault', 'typo']);
    expectUsage(r, /--fault typo: no such fault/);
    expect(r.stdout).toBe('');
  });

  it('demo refuses a pre-copy-only fault with --strategy postcopy before recording', () => {
    const r = migtrace(['demo', '--fault', 'dirty-bit-lost', '--strategy', 'postcopy']);
    expectUsage(r, /acts on pre-copy's dirty log/);
    expect(r.stdout).toBe('');
  });

  it('golden check --only with a name that matches nothing is refused, not a pass of 0 traces', () => {
    expectUsage(migtrace(['golden', 'check', '--only', 'typo']), /--only typo: no golden guest or scenario matches/);
  });

  it('guest arguments a built-in guest does not take are refused before it runs', () => {
    expectUsage(migtrace(['run', 'hello', '--args', 'bogus']), /guest hello takes no arguments/);
    expectUsage(migtrace(['run', 'timer', '--args', 'hz=100 foo=1']), /guest timer has no argument "foo" \(it takes hz= every= ticks= eoi=\)/);
    expectUsage(migtrace(['record', 'timer', '--args', 'hz', '--out', '/tmp/never-written']), /"hz" is not key=value/);
  });
});

describe('what an exit means', () => {
  it('a run shows the guest\'s own value and its meaning beside the isa-debug-exit status', () => {
    expect(describeGuestExit(1)).toBe('guest exited with status 1 (it wrote 0 to isa-debug-exit: success)');
    expect(describeGuestExit(7)).toBe('guest exited with status 7 (it wrote 3 to isa-debug-exit: failure, code 3)');
  });
});
