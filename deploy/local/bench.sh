#!/usr/bin/env bash
# Benchmarks Relay against the raw limits on this machine, in one run (not part of the tests).
#   deploy/local/bench.sh [translation] [--messages N] [--concurrency C]
#   deploy/local/bench.sh delivery [--messages N] [--connections C] [--recipients R] [--batch-size B] [--sink-delay-ms D] [--smtp-port P]
#   deploy/local/bench.sh site [--messages N] [--unions U] [--requests R] [--rounds K] [--concurrency 1,4,16]
#   deploy/local/bench.sh bus [--messages N] [--rounds K]
#   deploy/local/bench.sh intake [--seconds S] [--warm-up S] [--clients 1,16,64]
#   deploy/local/bench.sh pipeline [--seconds S] [--rates 10,30] [--burst N] [--recipients R] [--languages L] [--rounds K]
# Starts what it needs (APY; the aiosmtpd sink, answering each DATA after D ms (default 0), stopped again afterwards, unless --smtp-port
# points at another sink such as maildev; nothing for site, which seeds its own SQLite database and hosts the intake in memory;
# RabbitMQ and APY for pipeline, which runs every Relay service as a process from the Release build, with its own SMTP sink
# and no-op translator inside the benchmark),
# builds in Release and writes its table to
# docs/benchmarks/<scenario>.md (options given here come first and win, --out included).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scenario=${1:-translation}
[ $# -gt 0 ] && shift
case $scenario in
  translation)
    install_runtime
    start_apy
    defaults=(--apy "http://127.0.0.1:$APY_PORT")
    ;;
  delivery)
    args=" $* "
    if [[ $args =~ \ --sink-delay-ms\ ([0-9]+)\  ]]; then SMTP_SINK_DELAY_MS=${BASH_REMATCH[1]}; fi
    [ "${SMTP_SINK_DELAY_MS:-0}" -gt 0 ] && report="delivery-sink-${SMTP_SINK_DELAY_MS}ms"
    defaults=(--smtp-port "$SMTP_SINK_PORT")
    if [[ " $* " != *" --smtp-port "* ]] && ! is_running smtp-sink; then
      start_smtp_sink
      trap stop_smtp_sink EXIT
    fi
    ;;
  site)
    defaults=()
    ;;
  bus)
    install_runtime
    secrets
    start_rabbitmq
    export RabbitMq__Password=$RABBITMQ_PASSWORD
    defaults=(--port "$RABBITMQ_PORT" --management "http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT")
    ;;
  intake)
    install_runtime
    secrets
    start_rabbitmq
    start_postgres
    export RabbitMq__Password=$RABBITMQ_PASSWORD
    defaults=(--port "$RABBITMQ_PORT" --management "http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT"
      --postgres "Host=127.0.0.1;Port=$POSTGRES_PORT;Username=postgres")
    ;;
  pipeline)
    install_runtime
    secrets
    start_rabbitmq
    start_apy
    export RabbitMq__Password=$RABBITMQ_PASSWORD
    # The harness starts each service from its Release dll: the benchmark's build below builds all five (project references).
    defaults=(--apy "http://127.0.0.1:$APY_PORT" --management "http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT")
    ;;
  *) echo "unknown scenario: $scenario (translation, delivery, site, bus, intake or pipeline)" >&2; exit 2 ;;
esac
log "building the benchmarks (Release)"
dotnet build "$ROOT/tests/Relay.Benchmarks" -c Release -nologo -v q -clp:ErrorsOnly >"$LOGS/bench-build.log" 2>&1 \
  || { cat "$LOGS/bench-build.log"; exit 1; }
mkdir -p "$ROOT/docs/benchmarks"
dotnet "$ROOT/tests/Relay.Benchmarks/bin/Release/net10.0/Relay.Benchmarks.dll" "$scenario" "$@" \
  "${defaults[@]}" --out "$ROOT/docs/benchmarks/${report:-$scenario}.md"
