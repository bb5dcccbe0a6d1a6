/** Connection URLs of a cluster: over its Unix socket when it has a usable one, else loopback TCP. */
import { describe, expect, it } from '@jest/globals';
import { clusterUrl, socketDirFor } from './pg-cluster.js';

describe('cluster URLs', () => {
  it('names the socket directory in the host parameter, and falls back to TCP without one or when the path cannot be a socket', () => {
    expect(clusterUrl({ port: 5433, password: 'p@ss' }, 'crm')).toBe('postgres://postgres:p%40ss@127.0.0.1:5433/crm');
    expect(clusterUrl({ port: 5433, password: 'pw', socketDir: '/var/lib/crm/pg' }, 'crm')).toBe('postgres://postgres:pw@127.0.0.1:5433/crm?host=%2Fvar%2Flib%2Fcrm%2Fpg');
    // sockaddr_un holds 107 characters: "<dir>/.s.PGSQL.<port>" must fit.
    expect(socketDirFor({ port: 5433, socketDir: `/${'d'.repeat(92)}` })).toBe(`/${'d'.repeat(92)}`);
    expect(socketDirFor({ port: 5433, socketDir: `/${'d'.repeat(93)}` })).toBeNull();
    // unix_socket_directories is a comma-separated list: such a directory is not used.
    expect(socketDirFor({ port: 5433, socketDir: '/srv/a,b' })).toBeNull();
    expect(clusterUrl({ port: 5433, password: 'pw', socketDir: '/srv/a,b' }, 'crm')).toBe('postgres://postgres:pw@127.0.0.1:5433/crm');
  });
});
