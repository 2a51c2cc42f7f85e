#!/usr/bin/env bash
# Stops everything deploy/local/up.sh (or test.sh) started, by the PIDs recorded in .relay/run/.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stop_relay
stop_postgres
for service in maildev apy dovecot; do
  if is_running "$service"; then log "stopping $service"; fi
  stop_pid "$service" 15
done
stop_rabbitmq
log "stopped"
