/**
 * The bin/ shims start Node without NODE_EXTRA_CA_CERTS (loading that CA bundle costs ~40 ms
 * per start here, and no tscare tool makes a TLS connection) and park its value in
 * TSCARE_SAVED_NODE_EXTRA_CA_CERTS. A CLI that starts other programs (make, the user's
 * build, rpmbuild, storage hooks, the program of `tscare-ctl exec`) puts it back first, so
 * they see the user's environment unchanged. A value already set wins.
 */
export const PARKED_CA_VARIABLE = 'TSCARE_SAVED_NODE_EXTRA_CA_CERTS';

export function restoreParkedEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const parked = env[PARKED_CA_VARIABLE];
  if (parked === undefined) return;
  if (env.NODE_EXTRA_CA_CERTS === undefined) env.NODE_EXTRA_CA_CERTS = parked;
  delete env[PARKED_CA_VARIABLE];
}
