// A Slack-compatible incoming webhook on 127.0.0.1: answers "ok" as Slack
// does and hands each message (its header and fallback text) to `onMessage`,
// so the demo shows what a team would read in its channel.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackReceiver {
  /** The webhook URL to configure: http://127.0.0.1:PORT/services/demo. */
  readonly url: string;
  close(): Promise<void>;
}

interface Posted {
  readonly text?: string;
  readonly blocks?: readonly { readonly type: string; readonly text?: { readonly text?: string } }[];
}

/** The header block is what Slack shows in bold on top; the fallback text says the rest. */
function summary(message: Posted): string {
  const header = message.blocks?.find((b) => b.type === 'header')?.text?.text;
  return header ?? message.text ?? JSON.stringify(message);
}

export async function startSlackReceiver(options: {
  readonly onMessage: (summary: string, message: unknown) => void;
}): Promise<SlackReceiver> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Posted;
        options.onMessage(summary(message), message);
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      } catch {
        response.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/demo`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
