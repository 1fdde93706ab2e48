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
{{- with .Values.secrets.agentPlatformSigningKey }}{{ $_ := set $data "DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY" . }}{{ end }}
{{- with .Values.secrets.agentPlatformValidationKey }}{{ $_ := set $data "DUO_WORKFLOW_SELF_SIGNED_JWT__VALIDATION_KEY" . }}{{ end }}
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

{{/*
The image to run. There is no published aigw-edge image, so a render that would name one that
does not exist fails here, saying what to set: no repository, a placeholder, or GitLab's own tag.
*/}}
{{- define "ai-gateway.image" -}}
{{- $repository := trim (toString (.Values.image.repository | default "")) }}
{{- $tag := trim (toString (.Values.image.tag | default .Chart.AppVersion)) }}
{{- if not $repository }}
{{- fail "image.repository is not set. There is no published aigw-edge image: build it from this repository's Dockerfile, push it to a registry the cluster can pull from, then add --set image.repository=<registry>/aigw-edge --set image.tag=<the tag you pushed> (docs/install.md, \"Build, tag and push the image\")." }}
{{- end }}
{{- if regexMatch "[<>]" (printf "%s%s" $repository $tag) }}
{{- fail (printf "image %s:%s still holds a placeholder (<...>): set image.repository and image.tag to where you pushed the aigw-edge image." $repository $tag) }}
{{- end }}
{{- if hasPrefix "self-hosted-" $tag }}
{{- fail (printf "image.tag=%s is a tag of GitLab's own AI gateway image, not of aigw-edge. Set image.tag to the tag you pushed aigw-edge with, or leave it out for %s." $tag .Chart.AppVersion) }}
{{- end }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}
