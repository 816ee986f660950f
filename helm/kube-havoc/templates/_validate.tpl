{{/*
Checks that span several values (values.schema.json checks single values).
Each failure names the value and says what to do, before anything is installed.
*/}}
{{- define "kube-havoc.validate" -}}
{{- $problems := list }}
{{- if and .Values.slack.webhookSecret .Values.slack.existingSecret }}
{{- $problems = append $problems "slack.webhookSecret and slack.existingSecret are both set: use one (existingSecret names a Secret you manage)" }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.daemon.leaderElection.enabled) }}
{{- $problems = append $problems (printf "replicaCount is %d but daemon.leaderElection.enabled is false: several replicas would all act, so keep leader election on or use one replica" (int .Values.replicaCount)) }}
{{- end }}
{{- if and (not .Values.schedule.overnight) (le (.Values.schedule.end | toString) (.Values.schedule.start | toString)) }}
{{- $problems = append $problems (printf "schedule.end %q is not after schedule.start %q: set schedule.overnight=true for a window that wraps past midnight" .Values.schedule.end .Values.schedule.start) }}
{{- end }}
{{- if and .Values.schedule.overnight (ge (.Values.schedule.end | toString) (.Values.schedule.start | toString)) }}
{{- $problems = append $problems (printf "schedule.overnight is true but schedule.end %q is not before schedule.start %q" .Values.schedule.end .Values.schedule.start) }}
{{- end }}
{{- range .Values.rbac.namespaces }}
{{- if or (eq . $.Release.Namespace) (eq . "kube-system") }}
{{- $problems = append $problems (printf "rbac.namespaces lists %q, which is always protected (the release namespace and kube-system): remove it" .) }}
{{- end }}
{{- end }}
{{- if .Values.rbac.namespaces }}
{{- range .Values.namespaces.include }}
{{- if not (has . $.Values.rbac.namespaces) }}
{{- $problems = append $problems (printf "namespaces.include lists %q, which is not in rbac.namespaces: the daemon would have no rights there" .) }}
{{- end }}
{{- end }}
{{- end }}
{{- if eq (int .Values.server.port) (int .Values.server.healthPort) }}
{{- $problems = append $problems (printf "server.healthPort %d is also server.port: the kubelet's probes need a port of their own, so that networkPolicy can admit them without admitting anyone to /metrics and /kills; set server.healthPort to another port" (int .Values.server.healthPort)) }}
{{- end }}
{{- if and (eq .Values.server.kills "token") (not .Values.server.killsToken.existingSecret) }}
{{- $problems = append $problems "server.kills is token but server.killsToken.existingSecret is empty: name the Secret holding the token, or set server.kills to off" }}
{{- end }}
{{- range $rules := list "kube-havoc.cronProblems" "kube-havoc.timezoneProblems" "kube-havoc.selectorProblems" "kube-havoc.durationProblems" "kube-havoc.windowProblems" "kube-havoc.prometheusAuthProblems" }}
{{- range splitList "\n" (include $rules $) }}
{{- if trim . }}{{ $problems = append $problems (trim .) }}{{ end }}
{{- end }}
{{- end }}
{{- if $problems }}
{{- fail (printf "\n\nkube-havoc: invalid values:\n  - %s\n" (join "\n  - " $problems)) }}
{{- end }}
{{- end }}

{{/*
Prometheus credentials and CA, one problem per line. The daemon itself refuses
a bearer token (a Secret's or the pod's own) together with basic auth, and a
user name without a password (or the reverse); the chart also refuses what
would mount nothing or send nothing: a key without its Secret, a Secret
without a key, credentials or a CA without a URL, and a bearer token or a CA
named twice.
*/}}
{{- define "kube-havoc.prometheusAuthProblems" -}}
{{- $p := "steadyState.prometheus" }}
{{- $prom := .Values.steadyState.prometheus }}
{{- $auth := $prom.auth }}
{{- $tls := $prom.tls }}
{{- if and $auth.serviceAccountToken $auth.bearerTokenKey }}
{{ $p }}.auth.serviceAccountToken and {{ $p }}.auth.bearerTokenKey are both set: Prometheus gets one bearer token, so use the pod's or the Secret's
{{- end }}
{{- $bearer := ternary "bearerTokenKey" "serviceAccountToken" (not (empty $auth.bearerTokenKey)) }}
{{- if and (or $auth.bearerTokenKey $auth.serviceAccountToken) (or $auth.basicAuthUsername $auth.basicAuthPasswordKey) }}
{{ $p }}.auth.{{ $bearer }} and {{ $p }}.auth.{{ ternary "basicAuthUsername" "basicAuthPasswordKey" (not (empty $auth.basicAuthUsername)) }} are both set: Prometheus gets one kind of credentials, so use a bearer token or basic auth
{{- end }}
{{- if and $auth.basicAuthUsername (not $auth.basicAuthPasswordKey) }}
{{ $p }}.auth.basicAuthUsername {{ $auth.basicAuthUsername | quote }} has no password: set {{ $p }}.auth.basicAuthPasswordKey to its key in {{ $p }}.auth.existingSecret
{{- end }}
{{- if and $auth.basicAuthPasswordKey (not $auth.basicAuthUsername) }}
{{ $p }}.auth.basicAuthPasswordKey {{ $auth.basicAuthPasswordKey | quote }} has no user name: set {{ $p }}.auth.basicAuthUsername
{{- end }}
{{- range $key := list "bearerTokenKey" "basicAuthPasswordKey" }}
{{- if and (get $auth $key) (not $auth.existingSecret) }}
{{ $p }}.auth.{{ $key }} {{ get $auth $key | quote }} names a key but {{ $p }}.auth.existingSecret is empty: name the Secret that holds it
{{- end }}
{{- end }}
{{- if and $auth.existingSecret (not $auth.bearerTokenKey) (not $auth.basicAuthPasswordKey) }}
{{ $p }}.auth.existingSecret {{ $auth.existingSecret | quote }} is set but neither {{ $p }}.auth.bearerTokenKey nor {{ $p }}.auth.basicAuthPasswordKey says which of its keys to use
{{- end }}
{{- if and (or $auth.bearerTokenKey $auth.serviceAccountToken $auth.basicAuthPasswordKey) (hasPrefix "http://" $prom.url) }}
{{ $p }}.url {{ $prom.url | quote }} must be https: {{ $p }}.auth.{{ ternary "basicAuthPasswordKey" $bearer (not (empty $auth.basicAuthPasswordKey)) }} would send a credential in clear
{{- end }}
{{- if and $tls.caConfigMap $tls.caSecret }}
{{ $p }}.tls.caConfigMap and {{ $p }}.tls.caSecret are both set: name the CA bundle once
{{- end }}
{{- if not $prom.url }}
{{- $set := list }}
{{- range $key := list "existingSecret" "bearerTokenKey" "basicAuthUsername" "basicAuthPasswordKey" "serviceAccountToken" }}
{{- if get $auth $key }}{{ $set = append $set (printf "%s.auth.%s" $p $key) }}{{ end }}
{{- end }}
{{- range $key := list "caConfigMap" "caSecret" }}
{{- if get $tls $key }}{{ $set = append $set (printf "%s.tls.%s" $p $key) }}{{ end }}
{{- end }}
{{- if $set }}
{{ join ", " $set }} set but {{ $p }}.url is empty: credentials and a CA are for a Prometheus, so set its URL
{{- end }}
{{- end }}
{{- end }}
