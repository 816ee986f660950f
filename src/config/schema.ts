// The configuration schema: every setting, its documentation, its safe default
// and its validation rule. Environment variables are derived from the path
// (blastRadius.maxKillsPerDay -> HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY) by
// withEnvNames(), so the README table and the code cannot disagree.

import { formats } from './formats.ts';

export interface SchemaLeaf {
  doc: string;
  format: unknown;
  default: unknown;
  env?: string;
  sensitive?: boolean;
  nullable?: boolean;
}
export interface SchemaTree {
  [key: string]: SchemaLeaf | SchemaTree;
}

export function havocSchema(): SchemaTree {
  const f = formatNames();
  return {
    dryRun: {
      doc: "Do every step except the mutation (evictions and drains use the API server's own dry run). On by default.",
      format: f.boolean,
      default: true,
    },
    clusterName: {
      doc: 'Name shown in Slack messages and Events, to tell clusters apart.',
      format: String,
      default: 'kubernetes',
    },
    labelPrefix: {
      doc: 'Prefix of the opt-in labels and annotations: <prefix>/enabled, <prefix>/mtbf, ...',
      format: f.labelPrefix,
      default: 'havoc',
    },
    compat: {
      kubeMonkey: {
        doc: 'Also honour kube-monkey/enabled, kube-monkey/mtbf (days), kube-monkey/kill-mode and kube-monkey/kill-value.',
        format: f.boolean,
        default: false,
      },
    },
    schedule: {
      cron: {
        doc: 'When the daemon considers kills (node-cron expression, 5 or 6 fields), evaluated in schedule.timezone.',
        format: f.cron,
        default: '*/10 * * * *',
      },
      timezone: { doc: 'IANA time zone of the business window and the cron expression.', format: f.timezone, default: 'UTC' },
      weekdays: {
        doc: 'Days on which the window opens (sun..sat).',
        format: f.weekdays,
        default: ['mon', 'tue', 'wed', 'thu', 'fri'],
      },
      start: { doc: 'Window start, HH:MM local time.', format: f.clock, default: '10:00' },
      end: {
        doc: 'Window end, HH:MM local time (24:00 allowed). Must be after start unless overnight is true.',
        format: f.clock,
        default: '16:00',
      },
      overnight: {
        doc: 'The window wraps past midnight (end before start); it belongs to the day it opens.',
        format: f.boolean,
        default: false,
      },
      excludedDates: {
        doc: 'Local dates (YYYY-MM-DD) on which no window opens: holidays, freezes.',
        format: f.dates,
        default: [],
      },
      tickDeadline: {
        doc:
          'Longest a tick may run; it is also cut to 90% of the time until the next tick. ' +
          'A tick that reaches it starts no new kill and is reported. At least 1s.',
        format: f.duration,
        default: '5m',
      },
    },
    selection: {
      defaultMtbf: {
        doc: 'MTBF for opted-in workloads without an mtbf label, in business time (1d = one daily window).',
        format: f.duration,
        default: '2d',
      },
      minPodAge: {
        doc: 'Pods younger than this are never victims (lets a fresh rollout settle).',
        format: f.duration,
        default: '5m',
      },
      minTimeBetweenKills: {
        doc: 'Per workload: no new attempt until this much wall time has passed since the last one.',
        format: f.duration,
        default: '1h',
      },
    },
    namespaces: {
      include: { doc: 'Only these namespaces (empty: all).', format: f.names, default: [] },
      exclude: { doc: 'Never these namespaces.', format: f.names, default: [] },
      selector: {
        doc: 'Only namespaces whose labels match this label selector (e.g. "chaos=allowed,env!=prod"); empty: all.',
        format: f.labelSelector,
        default: '',
      },
      protected: {
        doc: "Never touched whatever their labels. kube-system and the daemon's own namespace are always protected in addition.",
        format: f.names,
        default: ['kube-system', 'kube-public', 'kube-node-lease'],
      },
      allowOverlap: {
        doc:
          'Act also in namespaces that another kube-havoc install, installed first, acts on: each install then spends ' +
          'its own budget there. Off: this install leaves them to the other. The overlap is reported either way.',
        format: f.boolean,
        default: false,
      },
    },
    blastRadius: {
      maxKillsPerTick: {
        doc: 'Cluster-wide: at most this many pods (or nodes) disrupted per tick.',
        format: f.count,
        default: 1,
      },
      maxKillsPerHour: { doc: 'Cluster-wide, rolling hour, surviving restarts.', format: f.count, default: 3 },
      maxKillsPerDay: {
        doc:
          'Cluster-wide, rolling 24 hours, surviving restarts. At most what the state can hold at the tick cap: ' +
          '113 at one kill per tick, 89 at three (docs/ARCHITECTURE.md, "The hot state").',
        format: f.count,
        default: 10,
      },
      maxUnavailablePercent: {
        doc: 'Per workload: never more than this share of desired replicas unavailable at once (at least one pod may always go).',
        format: f.percent,
        default: 50,
      },
      keepReadyPerZone: {
        doc:
          'Per workload whose pods span more than one zone (topology.kubernetes.io/zone of their nodes; nodes without ' +
          'it are one unknown zone): a kill never leaves a zone with fewer ready replicas than this, and a drain never ' +
          "takes a zone's last Ready node nor empties a workload's zone. Above 0 every node is watched, also " +
          'without node chaos (one LIST at start, then one open watch; no request per tick). 0 turns the zone rule off.',
        format: f.countOrZero,
        default: 1,
      },
    },
    pods: {
      method: {
        doc: 'How pods are terminated: evict (Eviction API, honours PodDisruptionBudgets) or delete.',
        format: ['evict', 'delete'],
        default: 'evict',
      },
      gracePeriodSeconds: {
        doc: "Grace period for delete and evict; null uses the pod's own terminationGracePeriodSeconds.",
        format: f.optionalSeconds,
        default: null,
        nullable: true,
      },
      probeTimeout: {
        doc: 'Timeout of one steady-state probe request (probe-url annotation).',
        format: f.duration,
        default: '5s',
      },
      probeAllowHosts: {
        doc:
          "Probe address policy: host names a probe-url may name besides Services of the workload's own namespace, " +
          'exact or *.suffix (e.g. "health.example.com", "*.shared.svc.cluster.local"). Their addresses are still checked ' +
          '(loopback and link-local refused unless in probeAllowCidrs). See docs/security.md.',
        format: f.hostPatterns,
        default: [],
      },
      probeAllowCidrs: {
        doc:
          'Probe address policy: address ranges a probe may reach besides pod IPs of the workload, also after DNS resolution ' +
          '(e.g. "10.0.0.0/8", "127.0.0.1/32" for local tests). Cloud metadata addresses, the API server and ' +
          'kubelet/control-plane ports stay refused whatever is listed. See docs/security.md.',
        format: f.cidrs,
        default: [],
      },
      recoveryTimeout: {
        doc: 'How long the recovery check waits for the workload to be back at steady state.',
        format: f.duration,
        default: '5m',
      },
      recoveryPollInterval: {
        doc:
          'How often the recovery check asks again what no watch reports: the probe URL, or a workload that left the watch. ' +
          'Replica counts and victims follow the watch without polling. At least 1s.',
        format: f.duration,
        default: '5s',
      },
    },
    nodes: {
      enabled: { doc: 'Node chaos (drains). Off by default.', format: f.boolean, default: false },
      selector: {
        doc: 'Label selector of candidate nodes; empty means <labelPrefix>/enabled=true.',
        format: f.labelSelector,
        default: '',
      },
      mtbf: { doc: 'Mean business time between drains of one node.', format: f.duration, default: '5d' },
      maxConcurrentDrains: { doc: 'Nodes drained at the same time.', format: f.count, default: 1 },
      minReadyNodes: {
        doc: 'Never drain when fewer than this many nodes would stay Ready and schedulable.',
        format: f.count,
        default: 2,
      },
      minReadyPercent: {
        doc: 'Never drain when less than this share of nodes would stay Ready and schedulable.',
        format: f.percent,
        default: 50,
      },
      drainDuration: {
        doc: 'How long a drained node stays cordoned before it is given back.',
        format: f.duration,
        default: '10m',
      },
      drainTimeout: {
        doc:
          "Overall time allowed for evicting a node's pods; after it the drain ends and the node is uncordoned. " +
          'Shorter than drainDuration, so a node is never given back while its pods are still being evicted.',
        format: f.duration,
        default: '5m',
      },
      podEvictionTimeout: {
        doc: "Time allowed for one pod's eviction (retries on a PDB 429) before the drain gives up.",
        format: f.duration,
        default: '2m',
      },
      deleteEmptyDirData: {
        doc: 'Evict pods that use emptyDir volumes (their data is lost), like kubectl drain --delete-emptydir-data.',
        format: f.boolean,
        default: false,
      },
      evictBarePods: {
        doc: 'Evict pods without a controller (they are not recreated), like kubectl drain --force.',
        format: f.boolean,
        default: false,
      },
    },
    kubernetes: {
      readTimeout: {
        doc:
          'Longest wait for the answer to one read (GET) from the API server; the request is then abandoned and reported. ' +
          'Watches are not bounded by it.',
        format: f.duration,
        default: '10s',
      },
      writeTimeout: {
        doc:
          'Longest wait for the answer to one write (eviction, delete, state, Lease, Event); ' +
          'a kill whose answer is lost is then followed for as long again, reading the pod.',
        format: f.duration,
        default: '10s',
      },
    },
    slack: {
      webhookUrl: {
        doc: 'Slack incoming-webhook URL. Secret: prefer webhookUrlFile. Never logged.',
        format: f.optionalUrl,
        default: '',
        sensitive: true,
      },
      webhookUrlFile: { doc: 'File holding the webhook URL (a mounted Secret).', format: String, default: '' },
      allowInsecureHttp: {
        doc:
          'Accept an http:// webhook URL when its host is a loopback address (127.0.0.0/8, ::1, localhost): local tests only. ' +
          'Otherwise the URL, a secret, must be https.',
        format: f.boolean,
        default: false,
      },
      timeout: { doc: 'Timeout of one Slack request.', format: f.duration, default: '5s' },
      retries: { doc: 'Retries after a failed Slack request (bounded, with backoff).', format: f.countOrZero, default: 2 },
      dailyPlan: { doc: "Post the day's plan when the business window opens.", format: f.boolean, default: true },
      dashboardUrl: {
        doc:
          'Grafana dashboard URL linked from kill, blocked and not-recovered messages ' +
          "(with var-namespace set to the workload's namespace). Empty: no link.",
        format: f.optionalUrl,
        default: '',
      },
    },
    steadyState: {
      prometheus: {
        url: {
          doc:
            'Prometheus base URL (e.g. http://prometheus.monitoring:9090) for alert blockers and steady-state hypotheses; ' +
            'empty: none, and the steady state is ready replicas plus the probe.',
          format: f.optionalHttpUrl,
          default: '',
        },
        timeout: {
          doc: 'Timeout of one Prometheus query. No answer in time means no chaos (fail closed).',
          format: f.duration,
          default: '5s',
        },
        allowInsecureHttp: {
          doc:
            'Send credentials (bearerTokenFile, basic auth) to an http:// url when its host is a loopback address: ' +
            'local tests only. Otherwise credentials go only to an https url.',
          format: f.boolean,
          default: false,
        },
        bearerTokenFile: {
          doc:
            "File holding a bearer token sent to Prometheus (a mounted Secret, or the pod's ServiceAccount token; " +
            're-read at each query). Needs an https url.',
          format: String,
          default: '',
        },
        basicAuthUsername: {
          doc: 'User name for basic auth to Prometheus; the password comes from basicAuthPasswordFile.',
          format: String,
          default: '',
        },
        basicAuthPasswordFile: {
          doc: 'File holding the basic-auth password (a mounted Secret; re-read at each query).',
          format: String,
          default: '',
        },
        caFile: { doc: "PEM file of the CA that signed Prometheus's TLS certificate.", format: String, default: '' },
      },
      blockers: {
        doc:
          'No chaos while an alert matching one of these fires in Prometheus. ' +
          'Each entry is PromQL label matchers without braces, ' +
          'e.g. severity="critical" or alertname=~"KubeAPIDown|EtcdNoLeader"; ' +
          'an entry naming {{namespace}} (namespace="{{namespace}}",severity="warning") blocks only that namespace. ' +
          'In env: a JSON list.',
        format: f.alertMatchers,
        default: [],
      },
      defaultHypothesis: {
        doc:
          'PromQL hypothesis for opted-in workloads without a <prefix>/steady-state annotation; ' +
          '{{namespace}}, {{name}} and {{kind}} are replaced. ' +
          'Must return a non-empty result before a kill and after recovery. Empty: none.',
        format: f.hypothesisTemplate,
        default: '',
      },
    },
    daemon: {
      namespace: {
        doc: "The daemon's own namespace (state, lease, always protected). In a pod: the downward API.",
        format: String,
        default: 'kube-havoc',
        env: 'POD_NAMESPACE',
      },
      podName: {
        doc: "The daemon's own pod name (it never kills itself; lease identity).",
        format: String,
        default: '',
        env: 'POD_NAME',
      },
      stateConfigMap: {
        doc: 'ConfigMap holding kill history and the kill switch.',
        format: f.dnsName,
        default: 'kube-havoc-state',
      },
      leaderElection: {
        enabled: { doc: 'Only the holder of the Lease acts.', format: f.boolean, default: true },
        leaseName: { doc: 'Name of the coordination.k8s.io Lease.', format: f.dnsName, default: 'kube-havoc' },
        leaseDuration: {
          doc:
            'How long a lease is valid without renewal; whole seconds (the Lease API counts them), ' +
            'at least twice renewInterval. A dead leader is replaced within about leaseDuration + 2 renewInterval.',
          format: f.duration,
          default: '3m',
        },
        renewInterval: {
          doc:
            'How often the leader renews and a standby looks at the Lease (one request each); whole seconds, at least 1s ' +
            'and at least kubernetes.readTimeout + 2 x kubernetes.writeTimeout. A failed try is repeated after 5s.',
          format: f.duration,
          default: '1m',
        },
      },
    },
    history: {
      retention: {
        doc:
          'How long every kill, drain and recovery verdict is kept in the history ConfigMaps (one per local day, ' +
          'deleted whole once the day is older than this).',
        format: f.duration,
        default: '30d',
      },
    },
    server: {
      host: {
        doc:
          'Address of the metrics listener (/metrics, and /kills when server.kills serves it). 0.0.0.0 (all) lets ' +
          "Prometheus reach it from outside the pod; restrict who may with the chart's NetworkPolicy. 127.0.0.1 keeps " +
          "it inside the pod. The daemon's outgoing probe requests (havoc/probe-url) never use it.",
        format: String,
        default: '0.0.0.0',
      },
      port: { doc: 'Port of the metrics listener; 0 disables it.', format: 'port', default: 8080 },
      healthHost: {
        doc:
          "Address of the health listener (/healthz, /readyz, and nothing else), for the kubelet's liveness and " +
          'readiness probes, which come from the node to the pod IP: 0.0.0.0 in a pod, 127.0.0.1 on a laptop.',
        format: String,
        default: '0.0.0.0',
      },
      healthPort: {
        doc:
          'Port of the health listener; 0 disables it. It must differ from server.port, so that a NetworkPolicy can ' +
          'admit the kubelet to the probes without admitting it to /metrics and /kills.',
        format: 'port',
        default: 8081,
      },
      kills: {
        doc:
          '/kills (every recent kill by namespace and workload): off (404), token (only with the bearer token of ' +
          'server.killsTokenFile) or open (anyone who reaches the port).',
        format: ['off', 'token', 'open'],
        default: 'off',
      },
      killsTokenFile: {
        doc: 'File holding the bearer token /kills asks for with server.kills: token (a mounted Secret; re-read per request).',
        format: String,
        default: '',
      },
    },
    log: {
      level: { doc: 'pino log level.', format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], default: 'info' },
      pretty: { doc: 'Human-readable logs instead of JSON.', format: f.boolean, default: false },
      format: {
        doc:
          'JSON lines: "json" has string levels ("level":"info") and ISO 8601 times, which GKE, Datadog and Loki map to ' +
          'severity; "pino" keeps pino\'s numeric levels and epoch-millisecond times (the form of 0.1.0).',
        format: ['json', 'pino'],
        default: 'json',
      },
    },
  };
}

function formatNames(): { [K in keyof typeof formats]: string } {
  return Object.fromEntries(Object.entries(formats).map(([key, format]) => [key, format.name])) as {
    [K in keyof typeof formats]: string;
  };
}

export function isLeaf(node: SchemaLeaf | SchemaTree): node is SchemaLeaf {
  return typeof node === 'object' && node !== null && 'doc' in node && 'format' in node;
}

/** HAVOC_<PATH> environment names for every leaf that has none of its own. */
export function withEnvNames(tree: SchemaTree, path: string[] = []): SchemaTree {
  const out: SchemaTree = {};
  for (const [key, node] of Object.entries(tree)) {
    const here = [...path, key];
    out[key] = isLeaf(node) ? { ...node, env: node.env ?? envName(here) } : withEnvNames(node, here);
  }
  return out;
}

export function envName(path: readonly string[]): string {
  return `HAVOC_${path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

/** [path, leaf] for every setting, in schema order (README reference, tests). */
export function leaves(tree: SchemaTree, path: string[] = []): [string, SchemaLeaf][] {
  return Object.entries(tree).flatMap(([key, node]) =>
    isLeaf(node) ? [[[...path, key].join('.'), node] as [string, SchemaLeaf]] : leaves(node, [...path, key]),
  );
}
