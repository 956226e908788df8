// Why a package could not be provided, as a type the CLI and the app can act on.

export type ProblemKind =
  /** No connection to the index (DNS, refused, reset, no network). */
  | 'unreachable'
  /** The index did not answer within the per-request timeout. */
  | 'timeout'
  /** The index answered with something other than 200 (e.g. 404: no such package). */
  | 'http'
  /** A file's contents did not match the hash that names it: refused, never cached. */
  | 'hash'
  /** Not a package description, or too large. */
  | 'invalid'
  /** A package needing what mip fetches by URL, with no hash to check it by. */
  | 'unsupported';

export interface PackageProblem {
  /** The package whose description or file failed (may be a dependency of the one asked for). */
  package: string;
  kind: ProblemKind;
  detail: string;
}
