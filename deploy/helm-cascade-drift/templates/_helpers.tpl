{{- define "helm-cascade-drift.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "helm-cascade-drift.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "helm-cascade-drift.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "helm-cascade-drift.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The folder holding clusters.yaml inside the pod. */}}
{{- define "helm-cascade-drift.repoDir" -}}
{{- if .Values.repository.git.url -}}
{{- $p := trimAll "/" .Values.repository.git.path -}}
{{- if $p }}/repo/checkout/{{ $p }}{{ else }}/repo/checkout{{ end -}}
{{- else -}}
/repo/config
{{- end -}}
{{- end -}}
