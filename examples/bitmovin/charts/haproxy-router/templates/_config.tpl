{{- define "haproxy-router.cfg" -}}
global
  maxconn 4096

defaults
  mode http
  timeout connect {{ .Values.timeouts.connect }}
  timeout client {{ .Values.timeouts.client }}
  timeout server {{ .Values.timeouts.server }}
  # a track Service that does not exist yet must not stop HAProxy from starting
  default-server init-addr last,libc,none

frontend traffic
  bind {{ .Values.bind }}
{{- $default := "" }}
{{- range .Values.groups }}
{{- if .header }}
  use_backend group-{{ .name }} if { req.hdr({{ $.Values.header }}) -m str {{ .header }} }
{{- else }}
{{- $default = .name }}
{{- end }}
{{- end }}
{{- if $default }}
  default_backend group-{{ $default }}
{{- end }}
{{- $stable := required "backends.<stable> is required" (index .Values.backends .Values.stable) }}
{{- range .Values.groups }}
{{- $backend := required (printf "backends.%s is required" .track) (index $.Values.backends .track) }}
{{- $weight := int (default 0 $backend.weight) }}

backend group-{{ .name }}
  balance roundrobin
  server {{ .track }} {{ $backend.address }} weight {{ $weight }}
  server {{ $.Values.stable }} {{ $stable.address }} weight {{ sub 100 $weight }}
{{- end }}
{{ end }}
