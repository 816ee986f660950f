// The Prometheus adapter against servers on 127.0.0.1 that answer the way
// Prometheus does (and the ways it fails): every failure is an answer with a
// reason, never an exception; credentials come from files; TLS with a CA file.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { createPrometheusSource } from '../../src/adapters/prometheus/prometheusSource.ts';
import { closedPort } from '../e2e/harness/freePort.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const success = (result: unknown, resultType = 'vector') => JSON.stringify({ status: 'success', data: { resultType, result } });

async function serve(t: ExecutionContext, handler: Handler): Promise<{ url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'havoc-prom-src-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a vector answer becomes samples; the query goes to <url path>/api/v1/query', async (t) => {
  const server = await serve(t, (_req, res) =>
    res.writeHead(200).end(success([{ metric: { job: 'app' }, value: [1, '0.002'] }])),
  );
  const source = createPrometheusSource({ url: `${server.url}/prom/`, timeoutMs: 30_000 });
  t.deepEqual(await source.query('up < 0.01'), { ok: true, samples: [{ labels: { job: 'app' }, value: '0.002' }] });
  const url = new URL(server.seen[0]?.url ?? '', server.url);
  t.is(url.pathname, '/prom/api/v1/query');
  t.is(url.searchParams.get('query'), 'up < 0.01');
  t.is(server.seen[0]?.headers.authorization, undefined);
});

test('an empty vector is an answer with no samples; a scalar is one sample', async (t) => {
  let body = success([]);
  const server = await serve(t, (_req, res) => res.writeHead(200).end(body));
  const source = createPrometheusSource({ url: server.url, timeoutMs: 30_000 });
  t.deepEqual(await source.query('x'), { ok: true, samples: [] });
  body = success([1, '3'], 'scalar');
  t.deepEqual(await source.query('scalar(x)'), { ok: true, samples: [{ labels: {}, value: '3' }] });
});

// Each case's timeout: generous for the answers that come at once, short only for the case about the timeout.
const failures: [string, Handler, RegExp, string, number?][] = [
  [
    "400 bad_data is an invalid query, with Prometheus's message",
    (_q, s) =>
      s.writeHead(400).end(
        JSON.stringify({
          status: 'error',
          errorType: 'bad_data',
          error: 'invalid parameter "query": 1:6: parse error: unclosed left parenthesis',
        }),
      ),
    /parse error: unclosed left parenthesis/,
    'invalid-query',
  ],
  [
    '422 execution error is an error',
    (_q, s) =>
      s
        .writeHead(422)
        .end(JSON.stringify({ status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed' })),
    /HTTP 422 execution: many-to-many/,
    'error',
  ],
  [
    '503 with an HTML page is an error',
    (_q, s) => s.writeHead(503).end('<html>down</html>'),
    /HTTP 503, not a Prometheus API answer: <html>down/,
    'error',
  ],
  [
    'no answer within the timeout is unreachable',
    (_q, s) => {
      setTimeout(() => s.writeHead(200).end(success([])), 3000).unref();
    },
    /no answer within 300 ms/,
    'unreachable',
    300,
  ],
];
for (const [title, handler, detail, problem, timeoutMs = 30_000] of failures) {
  test(`fails closed: ${title}`, async (t) => {
    const server = await serve(t, handler);
    const answer = await createPrometheusSource({ url: server.url, timeoutMs }).query('x');
    t.like(answer, { ok: false, problem });
    t.regex(answer.ok ? '' : answer.detail, detail);
  });
}

test('fails closed: a closed port is unreachable, naming the address', async (t) => {
  const port = await closedPort();
  const answer = await createPrometheusSource({ url: `http://127.0.0.1:${port}`, timeoutMs: 30_000 }).query('x');
  t.like(answer, { ok: false, problem: 'unreachable' });
  t.regex(answer.ok ? '' : answer.detail, new RegExp(`^http://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
});

test('a bearer token is read from its file at every query (a rotated Secret is picked up)', async (t) => {
  const dir = tempDir(t);
  const token = join(dir, 'token');
  writeFileSync(token, 'first-token\n');
  const server = await serve(t, (_req, res) => res.writeHead(200).end(success([])));
  const source = createPrometheusSource({ url: server.url, timeoutMs: 30_000, bearerTokenFile: token });
  await source.query('x');
  writeFileSync(token, 'second-token');
  await source.query('x');
  t.deepEqual(
    server.seen.map((r) => r.headers.authorization),
    ['Bearer first-token', 'Bearer second-token'],
  );
});

test('basic auth sends the user and the password from its file; a missing file is an error answer', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'password'), 's3cret\n');
  const server = await serve(t, (_req, res) => res.writeHead(200).end(success([])));
  await createPrometheusSource({
    url: server.url,
    timeoutMs: 30_000,
    basicAuth: { username: 'havoc', passwordFile: join(dir, 'password') },
  }).query('x');
  t.is(server.seen[0]?.headers.authorization, `Basic ${Buffer.from('havoc:s3cret').toString('base64')}`);
  const missing = await createPrometheusSource({ url: server.url, timeoutMs: 30_000, bearerTokenFile: join(dir, 'nope') }).query(
    'x',
  );
  t.like(missing, { ok: false, problem: 'error' });
  t.is(server.seen.length, 1, 'no request without the credential');
});

test('TLS: trusted through the CA file, refused without it', async (t) => {
  const dir = tempDir(t);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'ca.pem'),
    ],
    { stdio: 'ignore' },
  );
  const server = createTlsServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'ca.pem')) },
    (_req, res) => res.writeHead(200).end(success([{ metric: {}, value: [1, '1'] }])),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  t.deepEqual(await createPrometheusSource({ url, timeoutMs: 30_000, caFile: join(dir, 'ca.pem') }).query('x'), {
    ok: true,
    samples: [{ labels: {}, value: '1' }],
  });
  const untrusted = await createPrometheusSource({ url, timeoutMs: 30_000 }).query('x');
  t.like(untrusted, { ok: false, problem: 'unreachable' });
  t.regex(untrusted.ok ? '' : untrusted.detail, /self.signed|SELF_SIGNED/i);
});
