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
{{- range $rules := list "kube-havoc.cronProblems" "kube-havoc.timezoneProblems" "kube-havoc.selectorProblems" "kube-havoc.durationProblems" "kube-havoc.windowProblems" }}
{{- range splitList "\n" (include $rules $) }}
{{- if trim . }}{{ $problems = append $problems (trim .) }}{{ end }}
{{- end }}
{{- end }}
{{- if $problems }}
{{- fail (printf "\n\nkube-havoc: invalid values:\n  - %s\n" (join "\n  - " $problems)) }}
{{- end }}
{{- end }}
