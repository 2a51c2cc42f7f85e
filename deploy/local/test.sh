#!/usr/bin/env bash
# Runs every test: installs what is missing, starts the real services the tests use (RabbitMQ,
# Apertium APY, maildev, PostgreSQL, dovecot) as local processes, builds Relay and runs `dotnet test`,
# then prints one total line "N passed, M failed". Services this script started are stopped at
# the end; services that were already running (deploy/local/up.sh) are left running.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_runtime
install_deploy_tools      # docker-compose, yamllint, kubectl: docker-compose.yml and deploy/k8s validated offline
apt_install chromium       # the review desk's browser test (Playwright drives Debian's Chromium)

started=()
for service in rabbitmq apy maildev postgres dovecot; do
  is_running "$service" || started+=("$service")
  "start_$service"
done
stop_started() {
  local service
  for service in "${started[@]}"; do
    case $service in
      rabbitmq) stop_rabbitmq ;;
      postgres) stop_postgres ;;
      *) stop_pid "$service" ;;
    esac
  done
}
trap stop_started EXIT

CONFIGURATION=${CONFIGURATION:-Release}
build_relay

export RabbitMq__Password=$RABBITMQ_PASSWORD
export RELAY_TEST_POSTGRES="Host=127.0.0.1;Port=$POSTGRES_PORT;Username=postgres"
export RELAY_TEST_APY="http://127.0.0.1:$APY_PORT"
export RELAY_TEST_SMTP_PORT=$SMTP_PORT
export RELAY_TEST_MAILDEV="http://127.0.0.1:$MAILDEV_WEB_PORT"
export RELAY_TEST_AXE="$STATE/tools/axe-core/node_modules/axe-core/axe.min.js"
export RELAY_TEST_RABBITMQ_MANAGEMENT="http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT"
export RELAY_TEST_RABBITMQ_PORT=$RABBITMQ_PORT
export RELAY_TEST_IMAP_PORT=$IMAP_PORT RELAY_TEST_IMAP_USER=$IMAP_USER RELAY_TEST_IMAP_PASSWORD=$IMAP_PASSWORD
export RELAY_TEST_INTAKE_IMAP_USER=$INTAKE_IMAP_USER RELAY_TEST_INTAKE_IMAP_PASSWORD=$INTAKE_IMAP_PASSWORD
# The fault suite (tests/Relay.EndToEnd.Tests/Faults) writes one line of figures per scenario here.
export RELAY_TEST_FAULT_REPORT=$LOGS/fault-suite.md
: >"$RELAY_TEST_FAULT_REPORT"

log "running the tests"
set +e
# One test project after the other: on two cores, the end-to-end tests' fifteen processes and the
# in-process tests starve each other when run side by side. A test that hangs is stopped after
# 10 minutes and named, instead of using up the CI run.
: >"$LOGS/test.log"
status=0
for project in "$ROOT"/tests/*/*.csproj; do
  grep -q '<IsTestProject>true</IsTestProject>' "$project" || continue
  dotnet test "$project" -c "$CONFIGURATION" --no-build --blame-hang-timeout 10m --blame-hang-dump-type none "$@" 2>&1 | tee -a "$LOGS/test.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
set -e

# One total over every test assembly, from the runner's per-assembly summaries.
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") { v = $(i+1); sub(",", "", v); f += v }
      if ($i == "Passed:") { v = $(i+1); sub(",", "", v); p += v }
      if ($i == "Skipped:") { v = $(i+1); sub(",", "", v); s += v }
    }
  }
  END { print p + 0, f + 0, s + 0 }' "$LOGS/test.log")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi # the run broke before reporting
if [ -s "$RELAY_TEST_FAULT_REPORT" ]; then
  echo
  echo "Fault suite, 500 letters a scenario ($RELAY_TEST_FAULT_REPORT):"
  cat "$RELAY_TEST_FAULT_REPORT"
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
