{{/* Chart name, cut to the 63 characters a label value allows. */}}
{{- define "ai-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of every object; the release name alone when it already contains the chart name. */}}
{{- define "ai-gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "ai-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that never change for a release: the Deployment's selector. */}}
{{- define "ai-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ai-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "ai-gateway.labels" -}}
helm.sh/chart: {{ include "ai-gateway.chart" . }}
{{ include "ai-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "ai-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ai-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The non-empty secret settings the chart writes into its own Secret. */}}
{{- define "ai-gateway.secretData" -}}
{{- $data := dict }}
{{- with .Values.secrets.signingKey }}{{ $_ := set $data "AIGW_SELF_SIGNED_JWT__SIGNING_KEY" . }}{{ end }}
{{- with .Values.secrets.validationKey }}{{ $_ := set $data "AIGW_SELF_SIGNED_JWT__VALIDATION_KEY" . }}{{ end }}
{{- range $k, $v := .Values.secrets.providerKeys }}{{ if $v }}{{ $_ := set $data $k $v }}{{ end }}{{ end }}
{{- toYaml $data }}
{{- end }}

{{/* Name of the Secret the pod reads, or empty when there is none. */}}
{{- define "ai-gateway.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else if ne (include "ai-gateway.secretData" .) "{}" }}
{{- include "ai-gateway.fullname" . }}
{{- end }}
{{- end }}
