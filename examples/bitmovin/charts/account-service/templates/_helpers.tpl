{{- define "account-service.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
{{- define "account-service.labels" -}}
{{ include "account-service.selector" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
{{- with .Values.cascade.track }}
cascade.helm-cascade.dev/track: {{ . | quote }}
{{- end }}
{{- end }}
