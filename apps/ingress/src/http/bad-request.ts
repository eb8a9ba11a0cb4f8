import type { z } from 'zod';

export type Issue = { path: string; message: string };

/** Each zod issue as `{path, message}`; `root` names an issue about the whole value. */
export const zodIssues = (error: z.ZodError, root = ''): Issue[] =>
  error.issues.map((i) => ({ path: i.path.join('.') || root, message: i.message }));

/** One sentence for the `message` of a 400 with issues: every `path: message`, bounded. */
export const issuesMessage = (issues: readonly Issue[]): string =>
  `invalid input: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`.slice(
    0,
    1000,
  );
