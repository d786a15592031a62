// `verify_ssh`: prove the fix from where it matters. The engine opens a brand-new,
// non-multiplexed SSH connection to the host over the chosen path(s) — `direct` is the client's
// own vantage point (the one that was locked out), `working` the path remedy reached the host
// by — and fails the host unless each gets through the banner exchange and authentication.
// An open session proves nothing: sshd keeps existing connections across a restart.
// It never changes the host, so it counts as ok, not changed; under plan/--check it does not run.
import { z } from 'zod';
import type { ModuleDef } from './module.js';
import type { VerifyChange } from '../engine/change.js';

const args = z.strictObject({
  over: z.enum(['direct', 'working', 'both']).default('direct'),
});

type Args = z.infer<typeof args>;

const PATHS: Record<Args['over'], VerifyChange['over']> = {
  direct: ['direct'],
  working: ['working'],
  both: ['direct', 'working'],
};

export const verifySsh: ModuleDef<Args> = {
  name: 'verify_ssh',
  summary: 'prove access with a brand-new SSH connection (banner and authentication) over the direct and/or working path',
  args,
  plan(a) {
    const over = PATHS[a.over];
    return {
      kind: 'change',
      changes: [{ kind: 'verify', over }],
      message: `a new SSH connection over the ${over.join(' and the ')} path must get through the banner exchange and authentication`,
    };
  },
};
