/**
 * The errors of the GitHub client: ERR_GITHUB_RATE_LIMIT (the quota or a secondary limit,
 * and waiting for it was not allowed: retryable, with retryAfterMs), ERR_GITHUB_AUTH (401:
 * the token), ERR_GITHUB (anything else, retryable for 5xx and network failures).
 * Repositories that are gone (404, 410, 451, access blocked) are results, not errors.
 */
import { MallardError } from '../../engine/errors.js';
import { isRetryableStatus } from '../../http/index.js';

export const ERR_GITHUB = 'ERR_GITHUB';
export const ERR_GITHUB_RATE_LIMIT = 'ERR_GITHUB_RATE_LIMIT';
export const ERR_GITHUB_AUTH = 'ERR_GITHUB_AUTH';

export interface GithubErrorInput {
  status: number;
  message: string;
  /** Path asked, e.g. /repos/o/n (never a token). */
  path: string;
  retryAfterMs?: number;
  rateLimited: boolean;
}

export function githubError(input: GithubErrorInput): MallardError {
  const context = { path: input.path, status: input.status, serverMessage: input.message };
  const what = `GET ${input.path} answered ${input.status}: ${input.message}`;
  if (input.rateLimited) {
    return new MallardError(ERR_GITHUB_RATE_LIMIT, `${what} (rate limit)`, {
      context,
      retryable: true,
      retryAfterMs: input.retryAfterMs,
      suggestions: ['set a token in the env var named by github.tokenEnv (5,000 requests an hour instead of 60), or rerun after the reset: finished repositories are not asked again'],
    });
  }
  if (input.status === 401) {
    return new MallardError(ERR_GITHUB_AUTH, what, { context, retryable: false, suggestions: ['the token in the env var named by github.tokenEnv is wrong or expired'] });
  }
  const retryable = isRetryableStatus(input.status);
  return new MallardError(ERR_GITHUB, what, { context, retryable, suggestions: retryable ? ['GitHub failed; try again later'] : [] });
}
