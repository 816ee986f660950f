// A port on 127.0.0.1 that was free a moment ago, for a server a test or the
// demo starts (Prometheus, a daemon's metrics, a registry). The kernel picks
// it; a rare race with another process shows as that server failing to bind.

import { connect, createServer } from 'node:net';

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

// A port on 127.0.0.1 that refuses connections and stays refused for the
// test: one below the kernel's ephemeral range (net.ipv4.ip_local_port_range
// starts at 32768 by default), so no listen(0) of a test running beside this
// one can take it between the choice and the connect, as it can take a port
// that freePort() found free a moment ago. Port 1 is on fetch's list of
// "bad ports" (undici refuses it before connecting), so the search starts at 2.
export async function closedPort(): Promise<number> {
  for (let port = 2; port < 1024; port += 1) {
    if (await refuses(port)) return port;
  }
  throw new Error('no port below 1024 on 127.0.0.1 refuses connections');
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}
