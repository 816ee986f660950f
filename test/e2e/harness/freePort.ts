// A port on 127.0.0.1 that was free a moment ago, for a server a test or the
// demo starts (Prometheus, a daemon's metrics, a registry). The kernel picks
// it; a rare race with another process shows as that server failing to bind.

import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
