/**
 * verify/ must not share the code paths it judges: nothing in it may import the migration
 * engine (src/migration/) or the hypervisor (src/hypervisor/). A test runs this over every
 * verify/ file; it is a function of the source text so the test can also show that it
 * would catch a violation.
 */
import path from 'node:path';

/** Directories verify/ must never import from (relative to the package root). */
export const FORBIDDEN_DIRS = ['src/migration', 'src/hypervisor'] as const;

export interface ForbiddenImport {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
}

/** Module specifiers a TypeScript file imports: static imports and exports, `import type`, dynamic `import()`, `require()`. */
export function importSpecifiers(source: string): { specifier: string; line: number }[] {
  const out: { specifier: string; line: number }[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) {
    for (let m = re.exec(source); m !== null; m = re.exec(source)) {
      out.push({ specifier: m[1], line: source.slice(0, m.index).split('\n').length });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/**
 * Imports of `source` (the file at `file`, relative to `root`) that resolve into a forbidden
 * directory.
 */
export function forbiddenImports(file: string, source: string, root: string): ForbiddenImport[] {
  const out: ForbiddenImport[] = [];
  const dir = path.dirname(path.resolve(root, file));
  for (const { specifier, line } of importSpecifiers(source)) {
    if (!specifier.startsWith('.') && !specifier.startsWith('/')) continue; // packages
    const target = path.relative(root, path.resolve(dir, specifier)).split(path.sep).join('/');
    if (FORBIDDEN_DIRS.some((d) => target === d || target.startsWith(`${d}/`))) out.push({ file, line, specifier });
  }
  return out;
}
