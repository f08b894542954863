{{- define "cascade-demo.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- with .Values.cascade.track }}
cascade.helm-cascade.dev/track: {{ . | quote }}
{{- end }}
{{- with .Values.cascade.cluster }}
cascade.helm-cascade.dev/cluster: {{ . | quote }}
{{- end }}
{{- with .Values.cascade.region }}
cascade.helm-cascade.dev/region: {{ . | quote }}
{{- end }}
{{- with .Values.cascade.provider }}
cascade.helm-cascade.dev/provider: {{ . | quote }}
{{- end }}
{{- end }}
{{- define "cascade-demo.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
