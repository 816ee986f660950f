{{/* Chart name, overridable. */}}
{{- define "kube-havoc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of the namespaced objects: <release>-kube-havoc, or the release name when it already contains the chart name. */}}
{{- define "kube-havoc.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of cluster-scoped objects (ClusterRoles and their bindings): qualified by the namespace, since two releases of the same name may live in two namespaces. */}}
{{- define "kube-havoc.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "kube-havoc.fullname" .) }}
{{- end }}

{{- define "kube-havoc.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kube-havoc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kube-havoc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kube-havoc.labels" -}}
helm.sh/chart: {{ include "kube-havoc.chart" . }}
{{ include "kube-havoc.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The job label of the daemon's scrape targets: prometheusRule.job, else the Service's value of the ServiceMonitor's jobLabel, else the Service name (the Prometheus Operator's own fallback). */}}
{{- define "kube-havoc.job" -}}
{{- $labels := include "kube-havoc.labels" . | fromYaml }}
{{- .Values.prometheusRule.job | default (get $labels .Values.metrics.serviceMonitor.jobLabel) | default (include "kube-havoc.fullname" .) }}
{{- end }}

{{- define "kube-havoc.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kube-havoc.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* <registry>/<repository>, the registry from global.imageRegistry (a parent chart's), else image.registry; none when both are empty. */}}
{{- define "kube-havoc.imageName" -}}
{{- $registry := (.Values.global).imageRegistry | default .Values.image.registry }}
{{- if $registry }}{{ printf "%s/%s" (trimSuffix "/" $registry) .Values.image.repository }}{{ else }}{{ .Values.image.repository }}{{ end }}
{{- end }}

{{- define "kube-havoc.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" (include "kube-havoc.imageName" .) .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" (include "kube-havoc.imageName" .) (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding the Slack webhook URL, empty when Slack is off. */}}
{{- define "kube-havoc.slackSecretName" -}}
{{- if .Values.slack.existingSecret }}
{{- .Values.slack.existingSecret }}
{{- else if .Values.slack.webhookSecret }}
{{- printf "%s-slack" (include "kube-havoc.fullname" .) }}
{{- end }}
{{- end }}

{{- define "kube-havoc.slackSecretKey" -}}
{{- if .Values.slack.existingSecret }}{{ .Values.slack.existingSecretKey }}{{ else }}webhook-url{{ end }}
{{- end }}

{{/* Where the config and the Slack webhook file appear in the container (the image's CMD reads this config path). */}}
{{- define "kube-havoc.configDir" -}}/etc/kube-havoc{{- end }}
{{- define "kube-havoc.configPath" -}}{{ include "kube-havoc.configDir" . }}/config.yaml{{- end }}
{{- define "kube-havoc.webhookFile" -}}{{ include "kube-havoc.configDir" . }}/slack/webhook-url{{- end }}

{{/*
Prometheus credentials and CA, mounted in the same projected volume under
prometheus/. Each file helper is empty when its value is not set, so a caller
can test it and config.yaml gets exactly the paths that are mounted.
*/}}
{{- define "kube-havoc.prometheusDir" -}}{{ include "kube-havoc.configDir" . }}/prometheus{{- end }}
{{/* The bearer token mounted from auth.existingSecret. */}}
{{- define "kube-havoc.secretBearerTokenFile" -}}
{{- with .Values.steadyState.prometheus.auth }}{{ if and .existingSecret .bearerTokenKey }}{{ include "kube-havoc.prometheusDir" $ }}/bearer-token{{ end }}{{ end }}
{{- end }}
{{/* The bearer token the daemon sends: the Secret's, else the pod's own with auth.serviceAccountToken. */}}
{{- define "kube-havoc.bearerTokenFile" -}}
{{- $secret := include "kube-havoc.secretBearerTokenFile" . }}
{{- if $secret }}{{ $secret }}
{{- else if .Values.steadyState.prometheus.auth.serviceAccountToken }}{{ include "kube-havoc.serviceAccountTokenFile" . }}
{{- end }}
{{- end }}
{{/* Where Kubernetes mounts the pod's own ServiceAccount token (automountServiceAccountToken is on: the daemon needs it for the API server). */}}
{{- define "kube-havoc.serviceAccountTokenFile" -}}/var/run/secrets/kubernetes.io/serviceaccount/token{{- end }}
{{- define "kube-havoc.basicAuthPasswordFile" -}}
{{- with .Values.steadyState.prometheus.auth }}{{ if and .existingSecret .basicAuthPasswordKey }}{{ include "kube-havoc.prometheusDir" $ }}/basic-auth-password{{ end }}{{ end }}
{{- end }}
{{- define "kube-havoc.caFile" -}}
{{- with .Values.steadyState.prometheus.tls }}{{ if or .caConfigMap .caSecret }}{{ include "kube-havoc.prometheusDir" $ }}/ca.crt{{ end }}{{ end }}
{{- end }}

{{/* The /kills bearer token, mounted from server.killsToken.existingSecret when server.kills is token. */}}
{{- define "kube-havoc.killsTokenFile" -}}
{{- if and (eq .Values.server.kills "token") .Values.server.killsToken.existingSecret }}{{ include "kube-havoc.configDir" . }}/server/kills-token{{ end }}
{{- end }}
