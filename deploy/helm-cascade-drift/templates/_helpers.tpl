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

{{/* The helm-cascade image reference. */}}
{{- define "helm-cascade-drift.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* A memory quantity (512Mi, 1Gi, 1G, 800M, bytes) in MiB, rounded down. */}}
{{- define "helm-cascade-drift.mebibytes" -}}
{{- $m := toString . -}}
{{- if hasSuffix "Gi" $m -}}{{ mul (trimSuffix "Gi" $m | int) 1024 }}
{{- else if hasSuffix "Mi" $m -}}{{ trimSuffix "Mi" $m | int }}
{{- else if hasSuffix "Ki" $m -}}{{ div (trimSuffix "Ki" $m | int) 1024 }}
{{- else if hasSuffix "G" $m -}}{{ div (mul (trimSuffix "G" $m | int64) 1000000000) 1048576 }}
{{- else if hasSuffix "M" $m -}}{{ div (mul (trimSuffix "M" $m | int64) 1000000) 1048576 }}
{{- else -}}{{ div ($m | int64) 1048576 }}
{{- end -}}
{{- end -}}

{{/*
--concurrency: drift.concurrency, else what the memory limit holds. Measured on
the example fleet: helm-cascade with its kubectl proxies about 260 MiB, each
helm or kubectl in flight about 40 MiB for a small chart; budgeted here at
384 MiB + 128 MiB per slot, so larger charts fit too.
*/}}
{{- define "helm-cascade-drift.concurrency" -}}
{{- if .Values.drift.concurrency -}}
{{- .Values.drift.concurrency -}}
{{- else -}}
{{- $limit := dig "limits" "memory" "" (.Values.resources | default dict) -}}
{{- if $limit -}}
{{- $mi := include "helm-cascade-drift.mebibytes" $limit | int -}}
{{- max 1 (min 16 (div (sub $mi 384) 128)) -}}
{{- else -}}
4
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "helm-cascade-drift.reportsClaim" -}}
{{- default (printf "%s-reports" (include "helm-cascade-drift.fullname" .)) .Values.reports.persistence.existingClaim -}}
{{- end -}}

{{/* --selector: drift.selector, narrowed to the in-cluster cluster when no kubeconfig reaches the others. */}}
{{- define "helm-cascade-drift.selector" -}}
{{- $sel := .Values.drift.selector -}}
{{- if and .Values.inCluster.cluster (not .Values.kubeconfig.secretName) (not (regexMatch "(^|,)cluster=" $sel)) -}}
{{- $sel = printf "%s%scluster=%s" $sel (ternary "" "," (eq $sel "")) .Values.inCluster.cluster -}}
{{- end -}}
{{- $sel -}}
{{- end -}}
