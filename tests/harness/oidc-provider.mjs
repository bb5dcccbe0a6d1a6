// A real OpenID Connect provider (the certified `oidc-provider` package) for the single sign-on tests,
// run as its own process: node tests/harness/oidc-provider.mjs PORT REDIRECT_URI. Its development
// login screen accepts any account id below (the password is not checked there: the provider is a
// stand-in for the bank's IdP, what is tested is our side of the protocol). Prints "ready" when up.
import Provider from 'oidc-provider';

const [port, redirect] = process.argv.slice(2);
const ACCOUNTS = {
  'zhou.sso': { name: '周统一', groups: ['CRM-RM'], department: 'SH-PD-T1' },
  'wu.sso': { name: '吴经理', groups: ['crm-manager', 'other'], department: 'SH-PD' },
  'nobody.sso': { name: '无角色', groups: ['canteen'] },
  // The same name as a local break-glass account of the platform.
  admin: { name: 'IdP 同名账号', groups: ['CRM-RM'] },
  'bad name!': { name: '非法用户名', groups: ['CRM-RM'] },
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'bank-crm',
    client_secret: 'bank-crm-oidc-secret-for-tests',
    redirect_uris: [redirect],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  async findAccount(_ctx, id) {
    const a = ACCOUNTS[id];
    if (!a) return undefined;
    return { accountId: id, async claims() { return { sub: id, preferred_username: id, ...a }; } };
  },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'groups', 'department'] },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['cookie-key-for-tests-only'] },
  ttl: { Session: 600, Interaction: 600, Grant: 600, AuthorizationCode: 60, IdToken: 600, AccessToken: 600 },
});
provider.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
