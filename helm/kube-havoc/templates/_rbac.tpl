{{/*
What the daemon does to workloads in a target namespace: read pods and their
owners, evict or delete pods (both: pods.method can change without new RBAC),
and record Events.
*/}}
{{- define "kube-havoc.targetRules" -}}
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "delete"]
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
