{{/*
The daemon's own start-up checks (src/config), repeated here so that Helm
refuses at install time what would make the pod crash-loop. Each returns one
problem per line, naming the value; kube-havoc.validate fails with them.
test/integration/helm-agreement.test.ts renders many value sets and runs
`kube-havoc validate` on each rendered config: the two must agree.
*/}}

{{/* node-cron's fields: 5, or 6 with seconds first. Lists of *, N, N-M, each with an optional /step; names for months and weekdays. Or one of node-cron's macros (any letter case). */}}
{{- define "kube-havoc.cronProblems" -}}
{{- $cron := .Values.schedule.cron | toString | trim }}
{{- $fields := regexSplit "\\s+" $cron -1 }}
{{- $months := "jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(tember)?|oct(ober)?|nov(ember)?|dec(ember)?" }}
{{- $days := "sun(day)?|mon(day)?|tue(sday)?|wed(nesday)?|thu(rsday)?|fri(day)?|sat(urday)?" }}
{{- $values := dict
  "second" "[0-5]?[0-9]"
  "minute" "[0-5]?[0-9]"
  "hour" "0?[0-9]|1[0-9]|2[0-3]"
  "day of month" "0?[1-9]|[12][0-9]|3[01]"
  "month" (printf "0?[1-9]|1[0-2]|%s" $months)
  "day of week" (printf "0?[0-7]|%s" $days) }}
{{- $names := list "minute" "hour" "day of month" "month" "day of week" }}
{{- if eq (len $fields) 6 }}{{ $names = prepend $names "second" }}{{ end }}
{{- $macros := list "@yearly" "@annually" "@monthly" "@weekly" "@daily" "@midnight" "@hourly" }}
{{- if hasPrefix "@" $cron }}
{{- if not (has (lower $cron) $macros) }}
schedule.cron {{ $cron | quote }} is not a cron macro: use one of {{ join ", " $macros }}, or 5 or 6 fields
{{- end }}
{{- else if or (lt (len $fields) 5) (gt (len $fields) 6) }}
schedule.cron {{ $cron | quote }} is not a cron expression: expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got {{ len $fields }}
{{- else }}
{{- range $i, $field := $fields }}
{{- $name := index $names $i }}
{{- $v := printf "(%s)" (get $values $name) }}
{{- $element := printf "(\\*(/[1-9][0-9]*)?|%s(-%s(/[1-9][0-9]*)?)?)" $v $v }}
{{- if or (eq $name "day of month") (eq $name "day of week") }}{{ $element = printf "(%s|\\?)" $element }}{{ end }}
{{- if not (regexMatch (printf "(?i)^%s(,%s)*$" $element $element) $field) }}
schedule.cron {{ $cron | quote }}: {{ $field | quote }} is not a valid {{ $name }} (use *, N, N-M, lists and /steps within the field's range)
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* A name the daemon's Intl accepts: the IANA zones of files/timezones.txt (generated, checked for staleness by a test). */}}
{{- define "kube-havoc.timezoneProblems" -}}
{{- $zone := .Values.schedule.timezone | toString }}
{{- $zones := splitList "\n" (.Files.Get "files/timezones.txt") }}
{{- if not (has $zone $zones) }}
schedule.timezone {{ $zone | quote }} is not an IANA time zone such as Europe/Berlin, America/New_York or UTC
{{- end }}
{{- end }}

{{/* Kubernetes label selector syntax as the daemon parses it: key=v, key==v, key!=v, key in (a,b), key notin (a,b), key, !key; comma-separated. */}}
{{- define "kube-havoc.selectorProblems" -}}
{{- $key := "([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?" }}
{{- $value := "([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?" }}
{{- $term := printf "(%s\\s+(in|notin)\\s+\\(\\s*%s(\\s*,\\s*%s)*\\s*\\)|%s\\s*(==|=|!=)\\s*%s|!?\\s*%s)" $key $value $value $key $value $key }}
{{- $selector := printf "^\\s*(%s)?\\s*(,\\s*(%s)?\\s*)*$" $term $term }}
{{- range $path, $text := dict "namespaces.selector" .Values.namespaces.selector "nodes.selector" .Values.nodes.selector }}
{{- if not (regexMatch $selector ($text | toString)) }}
{{ $path }} {{ $text | quote }} is not a label selector (expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key, comma-separated)
{{- end }}
{{- end }}
{{- end }}

{{/* Seconds of a duration such as 1h30m (the pattern in values.schema.json guarantees the form). */}}
{{- define "kube-havoc.seconds" -}}
{{- $units := dict "s" 1 "m" 60 "h" 3600 "d" 86400 "w" 604800 }}
{{- $total := 0.0 }}
{{- range regexFindAll "[0-9]+(\\.[0-9]+)?[smhdw]" (. | toString) -1 }}
{{- $unit := substr (sub (len .) 1 | int) (len .) . }}
{{- $total = addf $total (mulf (trimSuffix $unit . | float64) (get $units $unit)) }}
{{- end }}
{{- $total }}
{{- end }}

{{/* Every duration is longer than zero; a lease outlives two renewals, so a leader renews before another may take over;
what breaks at run time (src/config/runTimeProblems.ts): whole-second leases, a renewal no quicker than a read and two
writes (with leader election on), 1s floors, a drain timeout shorter than the drain. */}}
{{- define "kube-havoc.durationProblems" -}}
{{- $v := .Values }}
{{- $durations := dict
  "selection.defaultMtbf" $v.selection.defaultMtbf "selection.minPodAge" $v.selection.minPodAge "selection.minTimeBetweenKills" $v.selection.minTimeBetweenKills
  "pods.probeTimeout" $v.pods.probeTimeout "pods.recoveryTimeout" $v.pods.recoveryTimeout "pods.recoveryPollInterval" $v.pods.recoveryPollInterval
  "nodes.mtbf" $v.nodes.mtbf "nodes.drainDuration" $v.nodes.drainDuration "nodes.drainTimeout" $v.nodes.drainTimeout "nodes.podEvictionTimeout" $v.nodes.podEvictionTimeout
  "slack.timeout" $v.slack.timeout
  "daemon.leaderElection.leaseDuration" $v.daemon.leaderElection.leaseDuration "daemon.leaderElection.renewInterval" $v.daemon.leaderElection.renewInterval }}
{{- range $path := keys $durations | sortAlpha }}
{{- $text := get $durations $path }}
{{- if not (gt (include "kube-havoc.seconds" $text | float64) 0.0) }}
{{ $path }} {{ $text | quote }} must be longer than zero
{{- end }}
{{- end }}
{{- $lease := $v.daemon.leaderElection }}
{{- $leaseSeconds := include "kube-havoc.seconds" $lease.leaseDuration | float64 }}
{{- $renewSeconds := include "kube-havoc.seconds" $lease.renewInterval | float64 }}
{{- if lt $leaseSeconds (mulf 2 $renewSeconds) }}
daemon.leaderElection.leaseDuration {{ $lease.leaseDuration | quote }} must be at least twice daemon.leaderElection.renewInterval {{ $lease.renewInterval | quote }}, so a leader renews before another may take over
{{- end }}
{{- $read := include "kube-havoc.seconds" $v.kubernetes.readTimeout | float64 }}
{{- $write := include "kube-havoc.seconds" $v.kubernetes.writeTimeout | float64 }}
{{- $floor := addf $read (mulf 2 $write) }}
{{- if and $lease.enabled (lt $renewSeconds $floor) }}
daemon.leaderElection.renewInterval {{ $lease.renewInterval | quote }} must be at least kubernetes.readTimeout {{ $v.kubernetes.readTimeout | quote }} + 2 x kubernetes.writeTimeout {{ $v.kubernetes.writeTimeout | quote }} ({{ $floor }}s): the leader stops acting only renewInterval before a successor may act
{{- end }}
{{- range $path, $text := dict "daemon.leaderElection.leaseDuration" $lease.leaseDuration "daemon.leaderElection.renewInterval" $lease.renewInterval }}
{{- $seconds := include "kube-havoc.seconds" $text | float64 }}
{{- if ne $seconds (floor $seconds) }}
{{ $path }} {{ $text | quote }} must be a whole number of seconds (the Lease API counts whole seconds)
{{- end }}
{{- end }}
{{- range $path, $text := dict "pods.recoveryPollInterval" $v.pods.recoveryPollInterval "daemon.leaderElection.renewInterval" $lease.renewInterval "schedule.tickDeadline" $v.schedule.tickDeadline }}
{{- if lt (include "kube-havoc.seconds" $text | float64) 1.0 }}
{{ $path }} {{ $text | quote }} is below the floor of 1s
{{- end }}
{{- end }}
{{- if ge (include "kube-havoc.seconds" $v.nodes.drainTimeout | float64) (include "kube-havoc.seconds" $v.nodes.drainDuration | float64) }}
nodes.drainTimeout {{ $v.nodes.drainTimeout | quote }} must be shorter than nodes.drainDuration {{ $v.nodes.drainDuration | quote }}: the node would be given back while its pods are still being evicted
{{- end }}
{{- end }}

{{/* The window opens at a time of day (24:00 only ends one); excluded dates exist in the calendar (no 2025-02-30). */}}
{{- define "kube-havoc.windowProblems" -}}
{{- if eq (.Values.schedule.start | toString) "24:00" }}
schedule.start "24:00" is not a time of day HH:MM (00:00 to 23:59); 24:00 may only end a window
{{- end }}
{{- range .Values.schedule.excludedDates }}
{{- if ne (toDate "2006-01-02" (. | toString) | date "2006-01-02") (. | toString) }}
schedule.excludedDates {{ . | quote }} is not a date of the calendar (YYYY-MM-DD)
{{- end }}
{{- end }}
{{- end }}
