import { PARKED_CA_VARIABLE, restoreParkedEnvironment } from './parked-env.js';

test('the parked value comes back under its own name and the parking variable goes', () => {
  const env: NodeJS.ProcessEnv = { PATH: '/bin', [PARKED_CA_VARIABLE]: '/etc/ssl/certs/ca-certificates.crt' };
  restoreParkedEnvironment(env);
  expect(env).toEqual({ PATH: '/bin', NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' });
});

test('an empty parked value stays empty; a value set meanwhile wins', () => {
  const empty: NodeJS.ProcessEnv = { [PARKED_CA_VARIABLE]: '' };
  restoreParkedEnvironment(empty);
  expect(empty).toEqual({ NODE_EXTRA_CA_CERTS: '' });
  const set: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: '/new.pem', [PARKED_CA_VARIABLE]: '/old.pem' };
  restoreParkedEnvironment(set);
  expect(set).toEqual({ NODE_EXTRA_CA_CERTS: '/new.pem' });
});

test('nothing parked: the environment is left alone', () => {
  const env: NodeJS.ProcessEnv = { PATH: '/bin' };
  restoreParkedEnvironment(env);
  expect(env).toEqual({ PATH: '/bin' });
});
