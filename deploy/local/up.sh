#!/usr/bin/env bash
# Runs the whole relay locally: installs what is missing, starts RabbitMQ, Apertium APY, maildev and
# dovecot (the intake mailbox) on 127.0.0.1 with their state under .relay/, builds Relay and starts
# every service in the background. Running it again while everything runs changes nothing. Stop with deploy/local/down.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_runtime
start_rabbitmq
start_apy
start_maildev
start_dovecot

running=0
for service in "${RELAY_SERVICES[@]}"; do is_running "$service" && running=$((running + 1)); done
if [ "$running" -eq ${#RELAY_SERVICES[@]} ]; then
  log "Relay is already running (deploy/local/down.sh stops it)"
else
  stop_relay # a partial set from an earlier run
  build_relay
  start_relay
fi
wait_for "Relay intake" 60 curl -fsS "$RELAY_URL/health/ready"

cat <<INFO

Relay is running.
  Public site           $RELAY_URL/
  API                   $RELAY_URL/api/unions   (see README.md)
  Mail inbox (maildev)  http://127.0.0.1:$MAILDEV_WEB_PORT/
  Intake mailbox (IMAP) 127.0.0.1:$IMAP_PORT   (user $INTAKE_IMAP_USER, password INTAKE_IMAP_PASSWORD in .relay/secrets.env)
  RabbitMQ management   http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT/   (user relay, password in .relay/secrets.env)
  Coordinator key       $STATE/coordinator.key
  Health and metrics    $RELAY_URL/health/ready and /metrics; workers on 127.0.0.1: translation ${RELAY_HEALTH_PORTS[translation]}, moderation ${RELAY_HEALTH_PORTS[moderation]}, delivery ${RELAY_HEALTH_PORTS[delivery]}, publication ${RELAY_HEALTH_PORTS[publication]}
  Logs                  $LOGS/
Stop everything with deploy/local/down.sh
INFO
