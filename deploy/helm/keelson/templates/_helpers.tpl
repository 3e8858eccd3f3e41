{{/* Names and labels shared by every object. */}}
{{- define "keelson.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* keelson.serviceName: <fullname>-<service>; call with (dict "root" $ "name" "gateway"). */}}
{{- define "keelson.serviceName" -}}
{{- printf "%s-%s" (include "keelson.fullname" .root) .name -}}
{{- end -}}

{{- define "keelson.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/part-of: keelson
{{- end -}}

{{- define "keelson.labels" -}}
{{ include "keelson.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "keelson.image" -}}
{{- $image := .root.Values.image -}}
{{- $registry := ternary "" (printf "%s/" (trimSuffix "/" $image.registry)) (empty $image.registry) -}}
{{- printf "%s%s-%s:%s" $registry $image.repository .name (default .root.Chart.AppVersion $image.tag) -}}
{{- end -}}

{{- define "keelson.secretName" -}}
{{- default (printf "%s-credentials" (include "keelson.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* The HTTP port's environment variable of each service (its src/config.ts). */}}
{{- define "keelson.prefix" -}}
{{- upper .name -}}
{{- end -}}

{{/* Which services reach the database, and which hold the node token. */}}
{{- define "keelson.usesMongo" -}}
{{- ternary "true" "" (ne .name "prediction") -}}
{{- end -}}
{{- define "keelson.holdsNodeToken" -}}
{{- ternary "true" "" (has .name (list "prediction" "gateway" "recovery")) -}}
{{- end -}}
