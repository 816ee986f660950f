{{/*
What the daemon does to workloads in a target namespace: read pods and their
owners, evict pods (or delete them, and only then may it: a delete bypasses
the PodDisruptionBudgets an eviction honours), and record Events.
*/}}
{{- define "kube-havoc.targetRules" -}}
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"{{ if eq .Values.pods.method "delete" }}, "delete"{{ end }}]
- apiGroups: [""]
  resources: ["pods/eviction"]
  verbs: ["create"]
- apiGroups: ["apps"]
  resources: ["daemonsets", "deployments", "replicasets", "statefulsets"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create"]
{{- end }}

{{- define "kube-havoc.subject" -}}
- kind: ServiceAccount
  name: {{ include "kube-havoc.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end }}
