// What the user reads, once per run, when boards start without some of the packages a Pico W
// has built in: which, why, and exactly how to provide them.
import type { PackageProblem } from './package-problem.ts';

export interface NoticeContext {
  /** The packages asked for, for the install command. */
  packages: readonly string[];
  missing: readonly string[];
  problems: readonly PackageProblem[];
  index: string;
  cacheDir: string;
  /** The CLI has --lib DIR; the app does not. */
  libFlag: boolean;
}

export function missingPackagesNotice(c: NoticeContext): string {
  // The same cause (the index unreachable) usually fails every package: say it once.
  const causes = new Map<string, string[]>();
  for (const p of c.problems) causes.set(p.detail, [...(causes.get(p.detail) ?? []), p.package]);
  const lines = [
    `The boards start without packages a Pico W has built in: ${c.missing.join(', ')} (importing them raises ImportError).`,
    ...[...causes].map(([detail, packages]) => `  ${packages.join(', ')}: ${detail}`),
    'To provide them:',
    `  - run once with access to ${c.index}; they are then kept in ${c.cacheDir} (a copy of that folder from another computer works as well)`,
  ];
  if (c.libFlag) {
    lines.push(
      `  - or pass --lib DIR, a folder laid out like a board's /lib, e.g. filled by MicroPython's Unix port: micropython -m mip install --target DIR --no-mpy ${c.packages.join(' ')}`,
    );
  }
  return lines.join('\n');
}
