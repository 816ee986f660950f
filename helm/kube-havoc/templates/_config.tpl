{{/*
The daemon's config.yaml. Only keys of the daemon's schema may appear (it
refuses unknown keys). daemon.namespace and daemon.podName come from the
downward API (POD_NAMESPACE, POD_NAME), so they are not written here.
*/}}
{{- define "kube-havoc.config" -}}
{{- $v := .Values }}
{{- $namespaces := deepCopy $v.namespaces }}
{{- if and $v.rbac.namespaces (not $namespaces.include) }}
{{- $_ := set $namespaces "include" $v.rbac.namespaces }}
{{- end }}
{{- $slack := dict "timeout" $v.slack.timeout "retries" $v.slack.retries "dailyPlan" $v.slack.dailyPlan "dashboardUrl" (default "" $v.slack.dashboardUrl) }}
{{- if include "kube-havoc.slackSecretName" . }}
{{- $_ := set $slack "webhookUrlFile" (include "kube-havoc.webhookFile" .) }}
{{- end }}
{{- /* The auth and tls values name Secrets and keys; the daemon knows only the mounted files and the user name. */}}
{{- $prom := $v.steadyState.prometheus }}
{{- $prometheus := dict "url" $prom.url "timeout" $prom.timeout }}
{{- with include "kube-havoc.bearerTokenFile" . }}{{ $_ := set $prometheus "bearerTokenFile" . }}{{ end }}
{{- with include "kube-havoc.basicAuthPasswordFile" . }}{{ $_ := set $prometheus "basicAuthPasswordFile" . }}{{ end }}
{{- with $prom.auth.basicAuthUsername }}{{ $_ := set $prometheus "basicAuthUsername" . }}{{ end }}
{{- with include "kube-havoc.caFile" . }}{{ $_ := set $prometheus "caFile" . }}{{ end }}
{{- $steadyState := dict "prometheus" $prometheus "blockers" $v.steadyState.blockers "defaultHypothesis" $v.steadyState.defaultHypothesis }}
{{- /* All addresses: the ServiceMonitor (metrics port) and the kubelet's probes (health port) come from outside the pod (networkPolicy limits who). */}}
{{- $server := dict "host" "0.0.0.0" "port" $v.server.port "healthHost" "0.0.0.0" "healthPort" $v.server.healthPort "kills" $v.server.kills }}
{{- with include "kube-havoc.killsTokenFile" . }}{{ $_ := set $server "killsTokenFile" . }}{{ end }}
{{- $config := dict
  "dryRun" $v.dryRun
  "clusterName" $v.clusterName
  "labelPrefix" $v.labelPrefix
  "compat" $v.compat
  "schedule" $v.schedule
  "selection" $v.selection
  "namespaces" $namespaces
  "blastRadius" $v.blastRadius
  "pods" $v.pods
  "nodes" $v.nodes
  "kubernetes" $v.kubernetes
  "slack" $slack
  "steadyState" $steadyState
  "daemon" $v.daemon
  "history" $v.history
  "server" $server
  "log" $v.log
}}
{{- toYaml $config }}
{{- end }}
