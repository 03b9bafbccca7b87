import { Args, Flags } from '@oclif/core';
import { MigtraceCommand } from '../cli/base-command.js';
import { postMortem, type PostMortem } from '../../verify/post-mortem.js';
import { renderPostMortem } from '../../verify/post-mortem-render.js';

export default class Diff extends MigtraceCommand {
  static override description =
    'Post-mortem of two traces (or two points: TRACE@ICOUNT, TRACE@#SEQ): unified diffs of CPU state, device states and memory pages (hexdump), and the two access sequences side by side where they part';
  static override examples = [
    '<%= config.bin %> diff ref.trace dest.trace',
    '<%= config.bin %> diff ref.trace dest.trace --at 12000000',
    '<%= config.bin %> diff ref.trace@5000000 ref.trace@6000000 --json',
  ];

  static override args = {
    a: Args.string({ description: 'a trace directory, optionally @ICOUNT or @#SEQ', required: true }),
    b: Args.string({ description: 'another trace (or the same one at another point)', required: true }),
  };

  static override flags = {
    at: Flags.string({ description: 'compare at this icount, or at record #SEQ (default: where the streams part, else the end)' }),
    pages: Flags.integer({ description: 'differing memory pages to show as hexdump diffs', default: 4 }),
    context: Flags.integer({ description: 'records shown before and after the point', default: 6 }),
  };

  async run(): Promise<PostMortem> {
    const { args, flags } = await this.parse(Diff);
    const result = await postMortem(args.a, args.b, flags.at, { maxPages: flags.pages, context: flags.context });
    if (!this.jsonEnabled()) this.log(renderPostMortem(result));
    return result;
  }
}
