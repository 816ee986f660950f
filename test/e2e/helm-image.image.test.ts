// The image and the chart as a user gets them, on this machine: the Dockerfile
// built with podman (scripts/image/build.sh), the image pushed by digest to a
// real OCI registry on 127.0.0.1, the chart packaged and pushed there too, the
// chart installed from oci:// onto the e2e control plane, and the pushed image
// run the way the chart runs it (read-only root, an arbitrary non-root UID, no
// capabilities, in-cluster ServiceAccount credentials) until it has killed a
// pod of an opted-in Deployment and recorded it. The pushed image, with the
// SBOM attested to it, and the pushed chart are signed with cosign and a key
// made here, as the tag workflow signs them keyless.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { parse as parseYaml, stringify } from 'yaml';
import { CHART_DIR, kubeTools, runHelm } from '../../scripts/tools/helm.ts';
import { startCluster, waitFor, type Cluster } from './harness/cluster.ts';
import { kwokDeployment } from './harness/kwokDeployment.ts';
import { run } from './harness/run.ts';
import { helm, installedConfig, liveConfig, release } from './helmRelease.ts';
import { freePort } from './harness/freePort.ts';
import { levelNumber } from '../../src/adapters/log/logger.ts';
import {
  buildImage,
  COSIGN_SIGN_LOCAL,
  COSIGN_VERIFY_LOCAL,
  podman,
  ROOT,
  RUN_LIMITS,
  serviceAccountDir,
  startContainer,
  startCosign,
  startRegistry,
  type Registry,
} from './helmImageTools.ts';

// Prints the first path under /app the container's user may write, or nothing.
const WRITABLE_UNDER_APP = `
const fs = require('node:fs'); const path = require('node:path');
const walk = (p) => { try { fs.accessSync(p, fs.constants.W_OK); return p; } catch {}
  if (!fs.lstatSync(p).isDirectory()) return undefined;
  for (const e of fs.readdirSync(p)) { const found = walk(path.join(p, e)); if (found) return found; } };
process.stdout.write(walk('/app') ?? '');`;
const PRESENT = `
const fs = require('node:fs');
const paths = ['/bin/sh', '/usr/bin/sh', '/bin/bash', '/usr/bin/apt', '/usr/bin/apt-get', '/usr/bin/dpkg', '/usr/local/bin/npm', '/usr/local/lib/node_modules', '/usr/local/bin/corepack'];
process.stdout.write(paths.filter((p) => fs.existsSync(p)).join(' '));`;

const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const VERSION = PKG.version;
const TAG = 'localhost/kube-havoc:image-test';
const r = release('havoc', 'havoc');
// The pod security settings the chart gives the container, as podman flags; the UID is one OpenShift might assign.
const RESTRICTED = ['--read-only', '--user', '1000770000:0', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

let cluster: Cluster;
let registry: Registry;
let repository = '';
let digest = '';
let chartDigest = '';
let chartArchive = '';
let baseImage = '';

test.before(async (t) => {
  const built = await buildImage(TAG);
  t.log(`image built in ${built.seconds.toFixed(1)} s`);
  // The base build.sh used (cached by then: base.sh only names it).
  baseImage = process.env.BASE_IMAGE ?? (await run('bash', [path.join(ROOT, 'scripts', 'image', 'base.sh')])).stdout.trim();
  [registry, cluster] = await Promise.all([startRegistry(), startCluster({ nodes: 1 })]);
  repository = `${registry.host}/kube-havoc/kube-havoc`;
  await cluster.createNamespace('shop');
  await cluster.createNamespace(r.namespace);
  await cluster.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify(
      kwokDeployment({
        namespace: 'shop',
        name: 'checkout',
        replicas: 2,
        labels: { 'havoc/enabled': 'true', 'havoc/mtbf': '1s' },
      }),
    ),
  );
});

test.after.always(async () => {
  await cluster?.stop();
  await registry?.stop();
});

test.serial(
  'the image runs as an arbitrary non-root UID on a read-only root with no capabilities: --version, help and validate',
  async (t) => {
    const image = ['--network', 'none', ...RESTRICTED, TAG];
    t.is(await podman(['run', '--rm', ...RUN_LIMITS, ...image, '--version']), `kube-havoc ${VERSION}`);
    t.regex(await podman(['run', '--rm', ...RUN_LIMITS, ...image, '--help']), /Usage: kube-havoc <command>/);
    // The config the chart renders, mounted where the chart mounts it: the image's default command checks it.
    const rendered = runHelm(['template', 'havoc', CHART_DIR, '--show-only', 'templates/configmap.yaml']);
    const configFile = path.join(mkdtempSync(path.join(tmpdir(), 'havoc-validate-')), 'config.yaml');
    writeFileSync(configFile, (parseYaml(rendered.stdout) as { data: Record<string, string> }).data['config.yaml'] ?? '');
    chmodSync(configFile, 0o644);
    const mount = ['--volume', `${configFile}:/etc/kube-havoc/config.yaml:ro`];
    t.is(
      await podman(['run', '--rm', ...RUN_LIMITS, ...mount, ...image, 'validate', '/etc/kube-havoc/config.yaml']),
      '/etc/kube-havoc/config.yaml: valid (dry run)',
    );
    const user = await podman(['image', 'inspect', TAG, '--format', '{{.Config.User}}']);
    t.is(user, '1000:1000', 'the default user is numeric and not root, so runAsNonRoot can check it');
    // Nothing in /app is writable by the container's user: the image needs no writable layer. (No find: no userland.)
    const writable = await podman([
      'run',
      '--rm',
      ...RUN_LIMITS,
      '--entrypoint',
      'node',
      ...RESTRICTED,
      TAG,
      '-e',
      WRITABLE_UNDER_APP,
    ]);
    t.is(writable, '');
    // No shell, no package manager, no npm: what a CVE scanner finds is node, its libraries and the app.
    const present = await podman(['run', '--rm', ...RUN_LIMITS, '--entrypoint', 'node', ...RESTRICTED, TAG, '-e', PRESENT]);
    t.is(present, '', 'none of /bin/sh, bash, apt, dpkg, npm, corepack is in the image');
    t.is(
      await podman(['run', '--rm', ...RUN_LIMITS, '--entrypoint', 'kube-havoc', ...image, '--version']),
      `kube-havoc ${VERSION}`,
    );
    const size = Number(await podman(['image', 'inspect', TAG, '--format', '{{.Size}}']));
    const base = Number(await podman(['image', 'inspect', baseImage, '--format', '{{.Size}}']));
    t.log(`image size ${(size / 1e6).toFixed(1)} MB (its build base: ${(base / 1e6).toFixed(1)} MB)`);
    t.true(size > 0 && size < base, 'smaller than the base it is built on: only node, its libraries and the app');
  },
);

test.serial(
  'release path: the image pushed by digest and the chart pushed to oci:// on 127.0.0.1; helm install from oci:// runs that digest',
  async (t) => {
    const digestFile = path.join(mkdtempSync(path.join(tmpdir(), 'havoc-push-')), 'digest');
    await podman(['push', '--tls-verify=false', '--digestfile', digestFile, TAG, `${repository}:${VERSION}`]);
    digest = readFileSync(digestFile, 'utf8').trim();
    t.regex(digest, /^sha256:[0-9a-f]{64}$/);
    const manifest = await fetch(`http://${registry.host}/v2/kube-havoc/kube-havoc/manifests/${digest}`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
    });
    t.is(manifest.status, 200, 'the registry serves the image by its digest');
    t.is(manifest.headers.get('docker-content-digest'), digest);

    const packages = mkdtempSync(path.join(tmpdir(), 'havoc-chart-'));
    const packaged = await helm(cluster, ['package', CHART_DIR, '--destination', packages]);
    const archive = path.join(packages, `kube-havoc-${VERSION}.tgz`);
    t.true(packaged.includes(archive), packaged);
    // helm push reports on stderr.
    const pushed = await run(kubeTools().helm, ['push', archive, `oci://${registry.host}/charts`, '--plain-http'], {
      timeoutMs: 120_000,
    });
    t.regex(
      pushed.stderr,
      new RegExp(`Pushed: ${registry.host}/charts/kube-havoc:${VERSION.replace(/\./g, '\\.')}\nDigest: sha256:[0-9a-f]{64}`),
    );
    chartDigest = /^Digest: (sha256:[0-9a-f]{64})$/m.exec(pushed.stderr)?.[1] ?? '';
    chartArchive = archive;

    const notes = await helm(cluster, [
      'install',
      r.name,
      `oci://${registry.host}/charts/kube-havoc`,
      '--version',
      VERSION,
      '--plain-http',
      '--namespace',
      r.namespace,
      '--set',
      'image.registry=',
      '--set',
      `image.repository=${repository}`,
      '--set',
      `image.digest=${digest}`,
      '--set',
      'tolerations[0].key=kwok.x-k8s.io/node',
      '--set',
      'tolerations[0].operator=Exists',
      '--set',
      'tolerations[0].effect=NoSchedule',
    ]);
    t.regex(notes, /STATUS: deployed/);
    const image = await cluster.kubectl([
      '-n',
      r.namespace,
      'get',
      'deployment',
      r.fullname,
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ]);
    t.is(image, `${repository}@${digest}`);
    const listed = JSON.parse(await helm(cluster, ['list', '-n', r.namespace, '-o', 'json'])) as {
      chart: string;
      app_version: string;
    }[];
    t.deepEqual(
      listed.map((l) => [l.chart, l.app_version]),
      [[`kube-havoc-${VERSION}`, VERSION]],
    );
  },
);

interface SimpleSigning {
  critical: { identity: { 'docker-reference': string }; image: { 'docker-manifest-digest': string } };
}
interface Statement {
  predicateType: string;
  subject: { name: string; digest: { sha256: string } }[];
  predicate: { bomFormat: string; components: { name: string }[] };
}
/** What `cosign verify` vouches for: [docker-reference, manifest digest] per signature. */
const signedFor = (stdout: string) =>
  (JSON.parse(stdout) as SimpleSigning[]).map((s) => [
    s.critical.identity['docker-reference'],
    s.critical.image['docker-manifest-digest'],
  ]);
/** The in-toto statements `cosign verify-attestation` prints, one DSSE envelope a line. */
const statements = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(Buffer.from((JSON.parse(line) as { payload: string }).payload, 'base64').toString('utf8')) as Statement,
    );

test.serial(
  'cosign: the pushed image and the SBOM attested to it verify with the key they were signed with; another key, a changed image and the signature moved onto it do not',
  async (t) => {
    t.not(digest, '', 'needs the pushed digest from the release-path test');
    const cosign = await startCosign();
    const [key, otherKey] = [await cosign.keyPair(), await cosign.keyPair()];
    const image = `${repository}@${digest}`;
    await cosign.run(['sign', ...COSIGN_SIGN_LOCAL, '--key', key.key, image]);
    const verified = await cosign.run(['verify', ...COSIGN_VERIFY_LOCAL, '--key', key.pub, image]);
    t.deepEqual(signedFor(verified.stdout), [[repository, digest]]);
    await t.throwsAsync(cosign.run(['verify', ...COSIGN_VERIFY_LOCAL, '--key', otherKey.pub, image]), {
      message: /no matching signatures: invalid signature/,
    });

    // The SBOM the tag workflow attaches: scripts/image/sbom.sh's CycloneDX document as a signed attestation.
    const sbom = path.join(mkdtempSync(path.join(tmpdir(), 'havoc-sbom-')), 'kube-havoc.cdx.json');
    await run('bash', [path.join(ROOT, 'scripts', 'image', 'sbom.sh'), sbom, '--offline'], { timeoutMs: 300_000 });
    await cosign.run(['attest', ...COSIGN_SIGN_LOCAL, '--key', key.key, '--type', 'cyclonedx', '--predicate', sbom, image]);
    const attested = statements(
      (await cosign.run(['verify-attestation', ...COSIGN_VERIFY_LOCAL, '--key', key.pub, '--type', 'cyclonedx', image])).stdout,
    );
    t.deepEqual(
      attested.map((s) => [s.predicateType, s.subject.map((subject) => subject.digest.sha256)]),
      [['https://cyclonedx.org/bom', [digest.slice('sha256:'.length)]]],
    );
    const components = new Set(attested[0]?.predicate.components.map((c) => c.name));
    t.is(attested[0]?.predicate.bomFormat, 'CycloneDX');
    for (const dependency of Object.keys(PKG.dependencies)) t.true(components.has(dependency), `${dependency} is listed`);
    for (const dependency of ['ava', 'typescript']) t.false(components.has(dependency), `${dependency} is not`);
    await t.throwsAsync(
      cosign.run(['verify-attestation', ...COSIGN_VERIFY_LOCAL, '--key', otherKey.pub, '--type', 'cyclonedx', image]),
      { message: /no matching attestations/ },
    );

    // The same image with one label more, pushed beside it: another digest, which nothing signed.
    const context = mkdtempSync(path.join(tmpdir(), 'havoc-tampered-'));
    writeFileSync(path.join(context, 'Containerfile'), `FROM ${TAG}\nLABEL org.example.tampered="true"\n`);
    await podman(['build', '--pull=never', '--isolation=chroot', '--tag', `${TAG}-tampered`, context]);
    const digestFile = path.join(context, 'digest');
    await podman(['push', '--tls-verify=false', '--digestfile', digestFile, `${TAG}-tampered`, `${repository}:tampered`]);
    const tampered = `${repository}@${readFileSync(digestFile, 'utf8').trim()}`;
    await podman(['rmi', `${TAG}-tampered`]);
    t.not(tampered, image);
    await t.throwsAsync(cosign.run(['verify', ...COSIGN_VERIFY_LOCAL, '--key', key.pub, tampered]), {
      message: /no signatures found/,
    });
    // The genuine signature copied to the tag where cosign looks for the changed image's: it names the other digest.
    const sigTag = async (ref: string) =>
      (await cosign.run(['triangulate', '--allow-insecure-registry', ref])).stdout.trim().split(':').at(-1) ?? '';
    const manifests = `http://${registry.host}/v2/kube-havoc/kube-havoc/manifests`;
    const mediaType = 'application/vnd.oci.image.manifest.v1+json';
    const signature = await fetch(`${manifests}/${await sigTag(image)}`, { headers: { accept: mediaType } });
    t.is(signature.status, 200);
    const moved = await fetch(`${manifests}/${await sigTag(tampered)}`, {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body: await signature.arrayBuffer(),
    });
    t.is(moved.status, 201);
    await t.throwsAsync(cosign.run(['verify', ...COSIGN_VERIFY_LOCAL, '--key', key.pub, tampered]), {
      message: new RegExp(`invalid or missing digest in claim: ${digest}`),
    });
  },
);

test.serial('cosign: the chart pushed to oci:// verifies with the key it was signed with, and not with another', async (t) => {
  t.not(chartDigest, '', 'needs the pushed chart from the release-path test');
  const cosign = await startCosign();
  const [key, otherKey] = [await cosign.keyPair(), await cosign.keyPair()];
  const chart = `${registry.host}/charts/kube-havoc@${chartDigest}`;
  await cosign.run(['sign', ...COSIGN_SIGN_LOCAL, '--key', key.key, chart]);
  const verified = await cosign.run(['verify', ...COSIGN_VERIFY_LOCAL, '--key', key.pub, chart]);
  t.deepEqual(signedFor(verified.stdout), [[`${registry.host}/charts/kube-havoc`, chartDigest]]);
  await t.throwsAsync(cosign.run(['verify', ...COSIGN_VERIFY_LOCAL, '--key', otherKey.pub, chart]), {
    message: /no matching signatures: invalid signature/,
  });
  // What is signed is the packed .tgz: the signed manifest's chart layer is that file, byte for byte.
  const manifest = (await (
    await fetch(`http://${registry.host}/v2/charts/kube-havoc/manifests/${chartDigest}`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    })
  ).json()) as { layers: { mediaType: string; digest: string }[] };
  t.deepEqual(
    manifest.layers.filter((l) => l.mediaType === 'application/vnd.cncf.helm.chart.content.v1.tar+gzip').map((l) => l.digest),
    [`sha256:${createHash('sha256').update(readFileSync(chartArchive)).digest('hex')}`],
  );
});

test.serial(
  'in a container as the chart runs it, with in-cluster credentials, the pushed image kills a pod of the opted-in Deployment and records it',
  async (t) => {
    t.not(digest, '', 'needs the pushed digest from the release-path test');
    const pinned = `${repository}@${digest}`;
    await podman(['pull', '--tls-verify=false', pinned]);
    const token = (await cluster.kubectl(['-n', r.namespace, 'create', 'token', r.fullname, '--duration', '1h'])).trim();
    const secrets = serviceAccountDir({ token, caFile: cluster.caFile, namespace: r.namespace });
    const [port, healthPort] = [await freePort(), await freePort()];
    const installed = await installedConfig(cluster, r);
    const config = { ...liveConfig(installed), server: { host: '127.0.0.1', port, healthHost: '127.0.0.1', healthPort } };
    const configFile = path.join(mkdtempSync(path.join(tmpdir(), 'havoc-config-')), 'config.yaml');
    writeFileSync(configFile, stringify(config));
    chmodSync(configFile, 0o644);
    const api = new URL(cluster.server);
    const before = (
      await cluster.kubectl(['-n', 'shop', 'get', 'pods', '-l', 'app=checkout', '-o', 'jsonpath={.items[*].metadata.uid}'])
    )
      .trim()
      .split(' ');

    const container = startContainer(`havoc-image-test-${process.pid}`, [
      '--network',
      'host',
      ...RESTRICTED,
      '--volume',
      `${secrets}:/var/run/secrets/kubernetes.io/serviceaccount:ro`,
      '--volume',
      `${configFile}:/etc/kube-havoc/config.yaml:ro`,
      '--env',
      `KUBERNETES_SERVICE_HOST=${api.hostname}`,
      '--env',
      `KUBERNETES_SERVICE_PORT=${api.port}`,
      '--env',
      `POD_NAMESPACE=${r.namespace}`,
      '--env',
      'POD_NAME=havoc-kube-havoc-image-test',
      pinned,
    ]);
    let stopped: { code: number | null; seconds: number } | undefined;
    try {
      const start = await container.waitForLine('the start-up line', (l) => /^kube-havoc \S+ starting/.test(l.msg), 60_000);
      t.is(start.version, VERSION);
      t.is(start.kubeconfig, 'in-cluster service account');
      t.is(start.server, cluster.server);
      await container.waitForLine('leadership', (l) => l.event === 'leader' && l.leader === true, 60_000);
      t.is((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status, 200);
      t.is((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 404, 'the probes are not on the metrics port');
      const kill = await container.waitForLine('a kill', (l) => l.event === 'kill', 90_000);
      t.is(kill.result, 'killed', JSON.stringify(kill));
      t.is(kill.namespace, 'shop', JSON.stringify(kill));
      const recovery = await container.waitForLine('the recovery verdict', (l) => l.event === 'recovery', 120_000);
      t.true(recovery.recovered, JSON.stringify(recovery));
    } finally {
      stopped = await container.stop();
    }
    t.is(stopped.code, 0, container.output.join('').slice(-800));
    t.log(`SIGTERM to exit: ${stopped.seconds.toFixed(1)} s`);
    t.is(
      container.lines.filter((l) => levelNumber(l.level) >= 50).length,
      0,
      container.lines
        .filter((l) => levelNumber(l.level) >= 50)
        .map((l) => l.msg)
        .join('\n'),
    );
    const after = (
      await cluster.kubectl(['-n', 'shop', 'get', 'pods', '-l', 'app=checkout', '-o', 'jsonpath={.items[*].metadata.uid}'])
    )
      .trim()
      .split(' ');
    t.true(
      before.some((uid) => !after.includes(uid)),
      'a pod that existed before is gone',
    );
    const events = await waitFor(
      async () =>
        (
          await cluster.kubectl([
            '-n',
            'shop',
            'get',
            'events.events.k8s.io',
            '--field-selector',
            'reason=HavocKilled',
            '-o',
            'json',
          ])
        ).trim(),
      { what: 'HavocKilled Events' },
    );
    const items = (JSON.parse(events) as { items: { reportingController: string; regarding: { kind: string } }[] }).items;
    t.true(
      items.some((e) => e.reportingController === 'kube-havoc' && e.regarding.kind === 'Deployment'),
      events.slice(0, 500),
    );
  },
);
