/** Starts the test OpenID provider (oidc-provider.mjs) as its own process, and the settings that point the server at it. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './server.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface TestIdp {
  url: string;
  stop(): void;
}

/** The provider, accepting `serverPort`'s callback as its client's redirect URI. */
export async function startOidcProvider(serverPort: number): Promise<TestIdp> {
  const port = await freePort();
  const proc = spawn(process.execPath, [path.join(here, 'oidc-provider.mjs'), String(port), `http://127.0.0.1:${serverPort}/api/auth/oidc/callback`], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    proc.once('exit', (code) => reject(new Error(`the OpenID provider exited ${code}: ${err}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => proc.kill() };
}

/** The server's CRM_OIDC_* settings for the test provider (plain HTTP allowed: loopback only). */
export function oidcEnv(issuer: string, serverPort: number): Record<string, string> {
  return {
    CRM_OIDC_ISSUER: issuer,
    CRM_OIDC_CLIENT_ID: 'bank-crm',
    CRM_OIDC_CLIENT_SECRET: 'bank-crm-oidc-secret-for-tests',
    CRM_OIDC_REDIRECT_URI: `http://127.0.0.1:${serverPort}/api/auth/oidc/callback`,
    CRM_OIDC_ROLE_MAP: JSON.stringify({ 'crm-rm': 'rm', 'crm-manager': ['manager'] }),
    CRM_OIDC_ORG_CLAIM: 'department',
    CRM_OIDC_ALLOW_INSECURE_HTTP: '1',
  };
}
