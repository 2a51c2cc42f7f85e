#!/usr/bin/env bash
# Issue 9's scale-out proof, in one run (not part of bench.sh):
#   deploy/local/scale-out.sh [--messages N] [--stop-after K]
# Starts a three-node RabbitMQ cluster (lib.sh start_rabbitmq_cluster; AMQP 5701–5703, beside the
# single broker on 5672), uses PostgreSQL (a database of the run's own, dropped at the end), runs
# the intake and two instances of every worker on the cluster (RabbitMq__ClusterNodes), submits
# N letters (1,000) over POST /api/messages and stops the node that leads the pipeline's queues
# once K letters (300) reached the SMTP sink. Then checks that every letter reached the sink exactly
# once and the database has each delivered, measures the pause, and writes docs/scale-out.md.
# Exits non-zero when the promise is broken. The scenario is tests/Relay.EndToEnd.Tests/ScaleOut
# (the same test deploy/local/test.sh runs); it stops the processes and the cluster it started,
# and this script stops what it started (PostgreSQL, APY) on the way out, failure or not.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

messages=1000
stop_after=300
while [ $# -gt 0 ]; do
  case $1 in
    --messages) messages=$2; shift 2 ;;
    --stop-after) stop_after=$2; shift 2 ;;
    *) echo "usage: deploy/local/scale-out.sh [--messages N] [--stop-after K]" >&2; exit 2 ;;
  esac
done
command="deploy/local/scale-out.sh --messages $messages --stop-after $stop_after"

install_runtime
started=()
for service in postgres apy; do
  is_running "$service" || started+=("$service")
  "start_$service"
done
finish() {
  # The test stops the cluster itself; this covers a run that was interrupted.
  stop_rabbitmq_cluster
  local service
  for service in "${started[@]}"; do
    case $service in
      postgres) stop_postgres ;;
      *) stop_pid "$service" ;;
    esac
  done
}
trap finish EXIT

CONFIGURATION=Release
build_relay

export RELAY_STATE=$STATE # the test starts the cluster through lib.sh, with this state folder's password
export RabbitMq__Password=$RABBITMQ_PASSWORD
export RELAY_TEST_POSTGRES="Host=127.0.0.1;Port=$POSTGRES_PORT;Username=postgres"
export RELAY_TEST_APY="http://127.0.0.1:$APY_PORT"
export RELAY_SCALE_OUT_MESSAGES=$messages RELAY_SCALE_OUT_STOP_AFTER=$stop_after
export RELAY_SCALE_OUT_REPORT=$ROOT/docs/scale-out.md RELAY_SCALE_OUT_COMMAND=$command

log "the scale-out proof: $messages letters, a cluster node stopped after $stop_after (a few minutes)"
set +e
dotnet test "$ROOT/tests/Relay.EndToEnd.Tests" -c Release --no-build \
  --filter "FullyQualifiedName~ScaleOutTests" --logger "console;verbosity=detailed" 2>&1 | tee "$LOGS/scale-out.log"
status=${PIPESTATUS[0]}
set -e
[ -f "$RELAY_SCALE_OUT_REPORT" ] && log "figures in $RELAY_SCALE_OUT_REPORT; each process's log in $LOGS/scale-out/"
[ "$status" -eq 0 ] && log "the promise held" || log "the promise was broken (see above and $LOGS/scale-out.log)"
exit "$status"
