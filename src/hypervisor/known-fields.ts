/**
 * Which write-only fields a shadow has actually seen written. After a boot-time attach every
 * field starts at its documented reset value and is known; after a late attach (a dynamic
 * hypervisor, background/000) it is unknown until the guest writes it — or a guest agent
 * tells us (agent.ts).
 */
export class KnownFields {
  private readonly known = new Set<string>();

  constructor(
    private readonly all: readonly string[],
    knownAtStart: boolean,
  ) {
    if (knownAtStart) for (const f of all) this.known.add(f);
  }

  learn(...fields: string[]): void {
    for (const f of fields) this.known.add(f);
  }

  has(field: string): boolean {
    return this.known.has(field);
  }

  unknown(): string[] {
    return this.all.filter((f) => !this.known.has(f));
  }
}
