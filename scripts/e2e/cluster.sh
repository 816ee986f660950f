#!/usr/bin/env bash
# Runs a real, kubelet-less Kubernetes control plane on 127.0.0.1 for the e2e
# suite: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the
# kwok controller with N fake nodes. See scripts/e2e/README.md.
#
#   cluster.sh up [--nodes N] [--dir DIR] [--no-taint] [--bin-dir BIN]
#       starts everything; the last stdout line is the admin kubeconfig path.
#       BIN defaults to the output of provision.sh (which builds if needed).
#   cluster.sh down [--purge] DIR|KUBECONFIG
#       stops what `up` started there (by PID, reverse order), drops etcd's
#       data (--purge: the whole DIR, logs included); safe to repeat
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KUBECTL=${HAVOC_E2E_KUBECTL:-/usr/bin/kubectl}
log() { printf '%s cluster: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---- down -------------------------------------------------------------------
# Stops the PIDs listed in DIR/pids (newest first). A PID is only signalled if
# its command line still names DIR, so a recycled PID is never touched.
stop_dir() {
  local dir=$1 pids=() line name pid i t
  [[ -f $dir/pids ]] || return 0
  while read -r line; do pids+=("$line"); done <"$dir/pids"
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    read -r name pid <<<"${pids[i]}"
    ours "$pid" "$dir" || continue
    kill -TERM "$pid" 2>/dev/null || continue
    for ((t = 0; t < 100; t++)); do ours "$pid" "$dir" || break; sleep 0.1; done
    if ours "$pid" "$dir"; then log "$name ($pid) ignored SIGTERM: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  done
  : >"$dir/pids"
}
running() { # pid: alive and not a zombie
  [[ -r /proc/$1/status ]] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}
ours() { # pid dir: running, and started by us for this dir
  running "$1" && tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF -- "$2/"
}

if [[ ${1:-} == down ]]; then
  purge=false; [[ ${2:-} == --purge ]] && { purge=true; shift; }
  target=${2:?usage: cluster.sh down [--purge] DIR|KUBECONFIG}
  [[ -f $target ]] && target=$(dirname "$target")
  [[ -d $target ]] || { log "nothing to stop: $target"; exit 0; }
  target=$(cd "$target" && pwd); t0=$(date +%s%N)
  stop_dir "$target"
  rm -rf "$target/etcd" # 60+ MB of preallocated WAL, useless once stopped
  $purge && [[ -f $target/pids && -d $target/pki ]] && rm -rf "$target"
  log "stopped in $((($(date +%s%N) - t0) / 1000000)) ms"
  exit 0
fi
[[ ${1:-} == up ]] || die "usage: cluster.sh up [--nodes N] [--dir DIR] [--no-taint] [--bin-dir BIN] | down [--purge] DIR|KUBECONFIG"
shift

NODES=${HAVOC_E2E_NODES:-3} DIR="" TAINT=${HAVOC_E2E_NODE_TAINT:-1} BIN=
while (($#)); do
  case $1 in
    --nodes) NODES=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --bin-dir) BIN=$2; shift 2 ;;
    --no-taint) TAINT=0; shift ;;
    *) die "unknown argument $1" ;;
  esac
done
[[ $NODES =~ ^[0-9]+$ ]] || die "--nodes must be a number"
[[ -x $KUBECTL ]] || die "kubectl not found at $KUBECTL (set HAVOC_E2E_KUBECTL)"

T0=$(date +%s%N)
[[ -n $BIN ]] || BIN=$("$HERE/provision.sh" | tail -n 1)
STAGES=$BIN/../kwok-stages
[[ -d $STAGES ]] || die "kwok stages not found next to $BIN"
[[ -n $DIR ]] || DIR=$(mktemp -d "${TMPDIR:-/tmp}/kube-havoc-e2e.XXXXXX")
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
[[ ! -s $DIR/pids ]] || die "$DIR already has a running cluster (cluster.sh down $DIR)"
mkdir -p "$DIR/logs" "$DIR/pki"; : >"$DIR/pids"
trap 'rc=$?; if ((rc)); then log "start failed, logs in $DIR/logs"; stop_dir "$DIR"; rm -rf "$DIR/etcd"; fi' EXIT
trap 'exit 130' INT TERM

# ---- ports: random free ports on 127.0.0.1 ----------------------------------
USED=" "
free_port() {
  local p
  while :; do
    # Below Linux's ephemeral range (32768+): a port there can be taken by any
    # outgoing connection between this check and the component's bind.
    p=$((20000 + RANDOM % 12000))
    [[ $USED == *" $p "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    USED+="$p "; echo "$p"; return
  done
}
for v in ETCD_PORT ETCD_PEER API_PORT KCM_PORT SCHED_PORT KWOK_PORT; do printf -v "$v" %s "$(free_port)"; done

# ---- PKI (EC P-256, valid 7 days), client certificates for every user --------
PKI=$DIR/pki
ossl() { openssl "$@" 2>>"$DIR/logs/openssl.log" >/dev/null; }
ossl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key"
ossl req -x509 -new -key "$PKI/ca.key" -subj "/CN=kube-havoc-e2e-ca" -days 7 -out "$PKI/ca.crt"
ossl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key"
cert() { # name subject [san]
  ossl ecparam -name prime256v1 -genkey -noout -out "$PKI/$1.key"
  ossl req -new -key "$PKI/$1.key" -subj "$2" -out "$PKI/$1.csr"
  local ext=$PKI/$1.ext
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >"$ext"
  if [[ -n ${3:-} ]]; then printf 'extendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$3" >>"$ext"
  else printf 'extendedKeyUsage=clientAuth\n' >>"$ext"; fi
  ossl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 7 -extfile "$ext" -out "$PKI/$1.crt"
}
cert apiserver "/CN=kube-apiserver" "IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes.default.svc"
cert admin "/O=system:masters/CN=kube-havoc-e2e-admin"
cert kcm "/CN=system:kube-controller-manager"
cert scheduler "/CN=system:kube-scheduler"
kubeconfig() { # user -> DIR/user.kubeconfig (JSON), certificates inline
  local c='"clusters":[{"name":"e2e","cluster":{"server":"https://127.0.0.1:%s","certificate-authority-data":"%s"}}]'
  local u='"users":[{"name":"%s","user":{"client-certificate-data":"%s","client-key-data":"%s"}}]'
  printf "{\"apiVersion\":\"v1\",\"kind\":\"Config\",\"current-context\":\"e2e\",$c,$u,%s}\n" \
    "$API_PORT" "$(base64 -w0 <"$PKI/ca.crt")" "$1" "$(base64 -w0 <"$PKI/$1.crt")" "$(base64 -w0 <"$PKI/$1.key")" \
    "\"contexts\":[{\"name\":\"e2e\",\"context\":{\"cluster\":\"e2e\",\"user\":\"$1\"}}]" >"$DIR/$1.kubeconfig"
}
kubeconfig admin; kubeconfig kcm; kubeconfig scheduler
cp "$DIR/admin.kubeconfig" "$DIR/kubeconfig"
export KUBECONFIG=$DIR/kubeconfig

start() { # name binary args...
  local name=$1; shift
  "$@" </dev/null >"$DIR/logs/$name.log" 2>&1 &
  echo "$name $!" >>"$DIR/pids"
}
wait_until() { # what timeout-seconds command...
  local what=$1 deadline=$((SECONDS + $2)); shift 2
  local name pid
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out waiting for $what"
    while read -r name pid; do # a component that died will not get ready
      # Not ours(): a component this run started a moment ago may not have exec'd
      # yet, and until then its command line is this script's, without "$DIR/".
      running "$pid" || { tail -n 20 "$DIR/logs/$name.log" >&2; die "$name exited early"; }
    done <"$DIR/pids"
    sleep 0.2
  done
  log "$what ready ($((($(date +%s%N) - T0) / 1000000)) ms since start)"
}
nodes_ready() { # count: that many kwok nodes report Ready=True
  local ready
  ready=$("$KUBECTL" get node -l type=kwok -o jsonpath='{range .items[*]}{range .status.conditions[?(@.type=="Ready")]}{.status}{"\n"}{end}{end}' | grep -c '^True$' || true)
  ((ready >= $1))
}
https_ok() { curl -sf --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$1"; }

log "dir $DIR, bin $BIN, ports etcd=$ETCD_PORT api=$API_PORT"
start etcd "$BIN/etcd" --name e2e --data-dir "$DIR/etcd" --log-level warn --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
  --initial-cluster "e2e=http://127.0.0.1:$ETCD_PEER"
wait_until etcd 30 curl -sf --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

start kube-apiserver "$BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
  --endpoint-reconciler-type none --service-cluster-ip-range 10.0.0.0/24 \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" --authorization-mode RBAC --allow-privileged \
  --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$PKI/sa.key" \
  --service-account-signing-key-file "$PKI/sa.key" --cert-dir "$DIR/pki/apiserver-generated" \
  --profiling=false --enable-priority-and-fairness=false
wait_until kube-apiserver 90 https_ok "https://127.0.0.1:$API_PORT/readyz"

start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig "$DIR/kcm.kubeconfig" \
  --authentication-kubeconfig "$DIR/kcm.kubeconfig" --authorization-kubeconfig "$DIR/kcm.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --leader-elect=false \
  --use-service-account-credentials --service-account-private-key-file "$PKI/sa.key" \
  --root-ca-file "$PKI/ca.crt" --cert-dir "$DIR/pki/kcm-generated" --profiling=false \
  --node-monitor-grace-period 120s --kube-api-qps 100 --kube-api-burst 200
start kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$DIR/scheduler.kubeconfig" \
  --authentication-kubeconfig "$DIR/scheduler.kubeconfig" --authorization-kubeconfig "$DIR/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --leader-elect=false \
  --cert-dir "$DIR/pki/scheduler-generated" --profiling=false --kube-api-qps 100 --kube-api-burst 200
cfgs=(); for f in node-initialize node-heartbeat-with-lease pod-ready pod-complete pod-delete; do cfgs+=(--config "$STAGES/$f.yaml"); done
start kwok "$BIN/kwok" --kubeconfig "$DIR/admin.kubeconfig" "${cfgs[@]}" \
  --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
  --node-ip 127.0.0.1 --node-lease-duration-seconds 40 --server-address "127.0.0.1:$KWOK_PORT"
wait_until kube-controller-manager 60 curl -sfk --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"
wait_until kube-scheduler 60 curl -sfk --max-time 2 "https://127.0.0.1:$SCHED_PORT/healthz"
wait_until kwok 60 curl -sf --max-time 2 "http://127.0.0.1:$KWOK_PORT/healthz"

# ---- fake nodes ---------------------------------------------------------------
if ((NODES > 0)); then
  taint=""
  ((TAINT)) && taint='{"key":"kwok.x-k8s.io/node","value":"fake","effect":"NoSchedule"}'
  for ((i = 0; i < NODES; i++)); do
    n=kwok-node-$i
    cat <<EOF
{"apiVersion":"v1","kind":"Node","metadata":{"name":"$n",
 "annotations":{"kwok.x-k8s.io/node":"fake","node.alpha.kubernetes.io/ttl":"0"},
 "labels":{"type":"kwok","kubernetes.io/hostname":"$n","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64","node-role.kubernetes.io/agent":""}},
 "spec":{"taints":[$taint]},
 "status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"},{"type":"Hostname","address":"$n"}],
  "allocatable":{"cpu":"32","memory":"256Gi","pods":"110"},"capacity":{"cpu":"32","memory":"256Gi","pods":"110"}}}
EOF
  done | "$KUBECTL" create -f - >/dev/null
  # Counted from one list rather than `kubectl wait` (whose --timeout covers all
  # nodes at once, so hundreds of nodes never fit in it); the deadline grows
  # with the count, one more second per ten nodes.
  wait_until "$NODES kwok nodes" $((60 + NODES / 10)) nodes_ready "$NODES"
fi
wait_until serviceaccount/default 60 "$KUBECTL" -n default get serviceaccount default

log "cluster up in $((($(date +%s%N) - T0) / 1000000)) ms; stop with: $HERE/cluster.sh down $DIR"
echo "$DIR/kubeconfig"
