{{/* The six workloads, in start order; the four that consume a Kafka consumer group. */}}
{{- define "mentornet.serviceNames" -}}
registry matching sessions evaluation notifications portal
{{- end -}}
{{- define "mentornet.consumers" -}}
matching sessions evaluation notifications
{{- end -}}

{{- define "mentornet.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* A workload's name: <fullname>-<service>. Call with (dict "root" $ "service" name). */}}
{{- define "mentornet.name" -}}
{{- printf "%s-%s" (include "mentornet.fullname" .root) .service -}}
{{- end -}}

{{- define "mentornet.selectorLabels" -}}
app.kubernetes.io/name: mentornet
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "mentornet.labels" -}}
{{ include "mentornet.selectorLabels" . }}
app.kubernetes.io/part-of: mentornet
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "mentornet.image" -}}
{{- $svc := index .root.Values.services .service | default dict -}}
{{- $image := $svc.image | default .service -}}
{{- printf "%s%s:%s" .root.Values.image.prefix $image (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{- define "mentornet.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "mentornet.fullname" .)) -}}
{{- end -}}

{{- define "mentornet.smtpSecretName" -}}
{{- .Values.smtp.existingSecret | default (printf "%s-smtp" (include "mentornet.fullname" .)) -}}
{{- end -}}

{{- define "mentornet.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "mentornet.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* The internal URL of a service's API, as the portal and the JWKS fetch reach it. */}}
{{- define "mentornet.internalUrl" -}}
{{- printf "http://%s:8000" (include "mentornet.name" .) -}}
{{- end -}}

{{/* Kafka: where, and as whom (the Kafka user <namePrefix><user>). (dict "root" $ "user" name) */}}
{{- define "mentornet.kafkaEnv" -}}
{{- $k := .root.Values.kafka -}}
- name: MENTORNET_KAFKA_BOOTSTRAP
  value: {{ $k.bootstrap | quote }}
- name: MENTORNET_KAFKA_SECURITY_PROTOCOL
  value: {{ $k.securityProtocol | quote }}
{{- if hasPrefix "SASL_" $k.securityProtocol }}
- name: MENTORNET_KAFKA_SASL_MECHANISM
  value: {{ $k.saslMechanism | quote }}
- name: MENTORNET_KAFKA_USERNAME
  value: {{ printf "%s%s" $k.users.namePrefix .user | quote }}
- name: MENTORNET_KAFKA_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ printf "%s%s" $k.users.namePrefix .user }}
      key: {{ $k.users.passwordKey }}
{{- end }}
{{- if $k.caSecret.name }}
- name: MENTORNET_KAFKA_CA_FILE
  value: /etc/mentornet/kafka-ca/ca.crt
{{- end }}
- name: MENTORNET_KAFKA_PARTITIONS
  value: {{ .root.Values.settings.kafkaPartitions | quote }}
- name: MENTORNET_KAFKA_REPLICATION_FACTOR
  value: {{ .root.Values.settings.kafkaReplicationFactor | quote }}
{{- end -}}

{{- define "mentornet.mongoEnv" -}}
{{- $m := .Values.mongodb -}}
{{- if $m.existingSecret.name }}
- name: MENTORNET_MONGO_URL
  valueFrom:
    secretKeyRef:
      name: {{ $m.existingSecret.name }}
      key: {{ $m.existingSecret.key }}
{{- else }}
- name: MENTORNET_MONGO_URL
  value: {{ required "mongodb.url or mongodb.existingSecret.name is required" $m.url | quote }}
{{- end }}
- name: MENTORNET_DB_PREFIX
  value: {{ .Values.settings.dbPrefix | quote }}
{{- end -}}

{{/* What every Kafka service reads (shared/settings.py). (dict "root" $ "service" name) */}}
{{- define "mentornet.commonEnv" -}}
{{- $s := .root.Values.settings -}}
{{ include "mentornet.kafkaEnv" (dict "root" .root "user" .service) }}
{{- include "mentornet.mongoEnv" .root }}
- name: MENTORNET_TOPIC_PREFIX
  value: {{ $s.topicPrefix | quote }}
- name: MENTORNET_CONSUMER_MAX_BATCH
  value: {{ $s.consumerMaxBatch | quote }}
- name: MENTORNET_OUTBOX_SWEEP_SECONDS
  value: {{ $s.outboxSweepSeconds | quote }}
- name: MENTORNET_LOG_LEVEL
  value: {{ $s.logLevel | quote }}
- name: MENTORNET_RATE_LIMIT_UNKNOWN_KEY
  value: {{ $s.rateLimits.unknownKey | quote }}
- name: MENTORNET_RATE_LIMIT_CALENDAR_FEED
  value: {{ $s.rateLimits.calendarFeed | quote }}
- name: MENTORNET_RATE_LIMIT_MESSAGE_STREAM
  value: {{ $s.rateLimits.messageStream | quote }}
- name: MENTORNET_TOKEN_ISSUER
  value: {{ .root.Values.publicUrls.registry | quote }}
- name: MENTORNET_JWKS_URL
  value: {{ printf "%s/.well-known/jwks.json" (include "mentornet.internalUrl" (dict "root" .root "service" "registry")) | quote }}
{{- end -}}

{{- define "mentornet.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "mentornet.secretName" .root }}
      key: {{ .key }}
{{- end -}}

{{/* Each service's own settings, beyond the common ones. (dict "root" $ "service" name) */}}
{{- define "mentornet.serviceEnv" -}}
{{- $v := .root.Values -}}
{{- $svc := index $v.services .service -}}
{{- if eq .service "registry" }}
- name: MENTORNET_PUBLIC_URL
  value: {{ $v.publicUrls.registry | quote }}
{{ include "mentornet.secretEnv" (dict "root" .root "name" "MENTORNET_SECRET_KEY" "key" "secret-key") }}
- name: MENTORNET_ALLOW_HTTP_LOOPBACK_PROVIDERS
  value: {{ $svc.allowHttpLoopbackProviders | quote }}
- name: MENTORNET_ACCESS_TOKEN_SECONDS
  value: {{ $svc.accessTokenSeconds | quote }}
- name: MENTORNET_REFRESH_TOKEN_SECONDS
  value: {{ $svc.refreshTokenSeconds | quote }}
- name: MENTORNET_KEY_ROTATION_SECONDS
  value: {{ $svc.keyRotationSeconds | quote }}
- name: MENTORNET_SESSION_MAX_SECONDS
  value: {{ $svc.sessionMaxSeconds | quote }}
- name: MENTORNET_RATE_LIMIT_SIGN_IN
  value: {{ $svc.rateLimits.signIn | quote }}
- name: MENTORNET_RATE_LIMIT_TOKEN
  value: {{ $svc.rateLimits.token | quote }}
- name: MENTORNET_PORTAL_CLIENT_ID
  value: {{ $svc.portalClientId | quote }}
{{ include "mentornet.secretEnv" (dict "root" .root "name" "MENTORNET_PORTAL_CLIENT_SECRET" "key" "portal-client-secret") }}
- name: MENTORNET_PORTAL_REDIRECT_URI
  value: {{ printf "%s/auth/callback" (trimSuffix "/" $v.publicUrls.portal) | quote }}
{{- else if eq .service "evaluation" }}
- name: MENTORNET_MONITORING_SWEEP_SECONDS
  value: {{ $svc.monitoringSweepSeconds | quote }}
{{- else if eq .service "notifications" }}
{{ include "mentornet.secretEnv" (dict "root" .root "name" "MENTORNET_SECRET_KEY" "key" "secret-key") }}
- name: MENTORNET_PORTAL_PUBLIC_URL
  value: {{ $v.publicUrls.portal | quote }}
- name: MENTORNET_NOTIFICATIONS_PUBLIC_URL
  value: {{ $v.publicUrls.notifications | quote }}
- name: MENTORNET_SMTP_HOST
  value: {{ $v.smtp.host | quote }}
- name: MENTORNET_SMTP_PORT
  value: {{ $v.smtp.port | quote }}
- name: MENTORNET_SMTP_STARTTLS
  value: {{ $v.smtp.starttls | quote }}
- name: MENTORNET_SMTP_TIMEOUT_SECONDS
  value: {{ $v.smtp.timeoutSeconds | quote }}
- name: MENTORNET_SMTP_ATTEMPTS
  value: {{ $v.smtp.attempts | quote }}
- name: MENTORNET_SMTP_RETRY_SECONDS
  value: {{ $v.smtp.retrySeconds | quote }}
{{- if or $v.smtp.existingSecret $v.smtp.username }}
- name: MENTORNET_SMTP_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ include "mentornet.smtpSecretName" .root }}
      key: {{ $v.smtp.usernameKey }}
- name: MENTORNET_SMTP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "mentornet.smtpSecretName" .root }}
      key: {{ $v.smtp.passwordKey }}
{{- end }}
- name: MENTORNET_MAIL_FROM
  value: {{ $svc.mailFrom | quote }}
- name: MENTORNET_NOTIFICATIONS_SWEEP_SECONDS
  value: {{ $svc.sweepSeconds | quote }}
- name: MENTORNET_REMINDER_TIME
  value: {{ $svc.reminderTime | quote }}
- name: MENTORNET_LOG_DUE_AFTER_MINUTES
  value: {{ $svc.logDueAfterMinutes | quote }}
- name: MENTORNET_DIGEST_SETTLE_SECONDS
  value: {{ $svc.digestSettleSeconds | quote }}
- name: MENTORNET_FRESH_HOURS
  value: {{ $svc.freshHours | quote }}
- name: MENTORNET_WEBHOOKS_ALLOW_LOOPBACK
  value: {{ $svc.webhooksAllowLoopback | quote }}
- name: MENTORNET_WEBHOOK_RETRY_SCHEDULE_SECONDS
  value: {{ $svc.webhookRetryScheduleSeconds | quote }}
- name: MENTORNET_WEBHOOK_DISABLE_AFTER_SECONDS
  value: {{ $svc.webhookDisableAfterSeconds | quote }}
- name: MENTORNET_WEBHOOK_TIMEOUT_SECONDS
  value: {{ $svc.webhookTimeoutSeconds | quote }}
- name: MENTORNET_WEBHOOK_CONCURRENCY
  value: {{ $svc.webhookConcurrency | quote }}
- name: MENTORNET_WEBHOOK_SECRET_OVERLAP_HOURS
  value: {{ $svc.webhookSecretOverlapHours | quote }}
{{- end }}
{{- range $name, $value := $svc.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* The portal reads no Kafka setting: its own database, the services' APIs, its secrets. */}}
{{- define "mentornet.portalEnv" -}}
{{- $v := .Values -}}
{{- $svc := $v.services.portal -}}
{{- include "mentornet.mongoEnv" . | trim }}
- name: MENTORNET_LOG_LEVEL
  value: {{ $v.settings.logLevel | quote }}
- name: MENTORNET_PORTAL_PUBLIC_URL
  value: {{ $v.publicUrls.portal | quote }}
{{- range $service := list "registry" "matching" "sessions" "evaluation" "notifications" }}
- name: {{ printf "MENTORNET_%s_URL" (upper $service) }}
  value: {{ include "mentornet.internalUrl" (dict "root" $ "service" $service) | quote }}
{{- end }}
- name: MENTORNET_TOKEN_ISSUER
  value: {{ $v.publicUrls.registry | quote }}
- name: MENTORNET_JWKS_URL
  value: {{ printf "%s/.well-known/jwks.json" (include "mentornet.internalUrl" (dict "root" . "service" "registry")) | quote }}
- name: MENTORNET_PORTAL_CLIENT_ID
  value: {{ $v.services.registry.portalClientId | quote }}
{{ include "mentornet.secretEnv" (dict "root" . "name" "MENTORNET_PORTAL_CLIENT_SECRET" "key" "portal-client-secret") }}
{{ include "mentornet.secretEnv" (dict "root" . "name" "MENTORNET_SECRET_KEY" "key" "portal-secret-key") }}
- name: MENTORNET_PORTAL_SESSION_IDLE_SECONDS
  value: {{ $svc.sessionIdleSeconds | quote }}
- name: MENTORNET_PORTAL_SESSION_ABSOLUTE_SECONDS
  value: {{ $svc.sessionAbsoluteSeconds | quote }}
- name: MENTORNET_PORTAL_SERVICE_TIMEOUT_SECONDS
  value: {{ $svc.serviceTimeoutSeconds | quote }}
{{- if $svc.assetsDir }}
- name: MENTORNET_PORTAL_ASSETS_DIR
  value: {{ $svc.assetsDir | quote }}
{{- end }}
{{- range $name, $value := $svc.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{- define "mentornet.kafkaCaVolume" -}}
{{- if .Values.kafka.caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.caSecret.name }}
    items:
      - key: {{ .Values.kafka.caSecret.key }}
        path: ca.crt
{{- end }}
{{- end -}}

{{- define "mentornet.kafkaCaMount" -}}
{{- if .Values.kafka.caSecret.name }}
- name: kafka-ca
  mountPath: /etc/mentornet/kafka-ca
  readOnly: true
{{- end }}
{{- end -}}
