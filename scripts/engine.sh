#!/usr/bin/env bash
# Bring up (or down) a real build engine for buildx-kit's tests on Debian 12:
# Docker Engine + buildx + containerd image store, a local registry on
# 127.0.0.1:5000, an offline base image `local/busybox:1`, two bridge sockets
# to the engine's own BuildKit for buildx's `remote` driver ($STATE_DIR/bridge-a.sock
# and bridge-b.sock, see start_bridge); and a second, separate engine (its own
# dockerd, containerd and bridge) on unix:///run/buildx-kit/docker2.sock, the
# docker context `buildx-kit-second`, for the tests of which builder buildx picks.
#
#   bash scripts/engine.sh up|down|status          everything
#   bash scripts/engine.sh up|down|status second   the second engine only
#
# Everything comes from Debian's own packages because nothing else is reachable
# here, and anything installed by hand would not survive to CI or the next machine.
# Debian 12 has no buildx and too old an engine, so both come from the trixie suite (pinned low).
set -euo pipefail

# State lives outside the repo so several checkouts share one engine.
STATE_DIR=/var/run/buildx-kit          # pid files (ours only; down trusts nothing else)
DATA_DIR=/var/lib/buildx-kit           # registry storage, survives down/up
CONTAINERD_LOG=/var/log/buildx-kit-containerd.log
DOCKERD_LOG=/var/log/buildx-kit-dockerd.log
REGISTRY_LOG=/var/log/buildx-kit-registry.log
REGISTRY_CONFIG=$DATA_DIR/registry.yml
REGISTRY_ADDR=127.0.0.1:5000
CONTAINERD_SOCK=/run/containerd/containerd.sock
BASE_IMAGE=local/busybox:1
START_TIMEOUT=60                       # seconds to wait for each service to answer
# Unix sockets that speak BuildKit's API, for `docker buildx create --driver remote
# unix://...`: every connection runs `docker buildx dial-stdio --builder default`
# (buildx >= 0.13), the engine's own BuildKit. Two, because buildx refuses one
# endpoint on two nodes: a two-node remote builder needs two sockets.
BRIDGES=(bridge-a bridge-b)
BRIDGE_LOG_DIR=/var/log

TRIXIE_SOURCES=/etc/apt/sources.list.d/buildx-kit-trixie.sources
TRIXIE_PREF=/etc/apt/preferences.d/buildx-kit-trixie
# bookworm's docker.io is 20.10 (BuildKit 0.8) and it has no buildx at all, so these
# come from trixie. docker-cli is the client matching the engine (a fallback for
# machines without a docker client of their own on PATH).
TRIXIE_PACKAGES=(docker.io docker-buildx docker-cli)
# tmux drives the guide and the REPL in a real terminal in the tests.
# socat serves the bridge sockets (one `buildx dial-stdio` per connection).
BOOKWORM_PACKAGES=(docker-registry busybox-static jq curl tmux socat)

log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] error: %s\n' "$*" >&2; exit 1; }

# Print the last lines of a log, so a failure to start is diagnosable from CI output.
die_with_log() {
  local msg=$1 file=$2
  if [[ -f $file ]]; then
    printf '[engine] ---- last lines of %s ----\n' "$file" >&2
    tail -n 25 "$file" >&2 || true
    printf '[engine] ----\n' >&2
  fi
  die "$msg (log: $file)"
}

# A pid file only counts if its process is alive AND is the program we started:
# pids get reused, and we must never signal someone else's process.
pid_alive() {
  local pidfile=$1 prog=$2 pid exe
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [[ ${exe##*/} == "$prog" ]]
}

pidfile_of() { printf '%s/%s.pid' "$STATE_DIR" "$1"; }

# Start a long-lived program detached from this shell (its own session, no tty,
# stdio to a log) so it outlives the caller, and record its pid.
start_detached() {
  local name=$1 logfile=$2; shift 2
  mkdir -p "$STATE_DIR"
  # One log per run (previous kept as .prev), so a failure's tail is about this run.
  [[ -f $logfile ]] && mv -f "$logfile" "$logfile.prev"
  # In a non-interactive script the background child is not a process group
  # leader, so setsid exec()s in place and $! is the program's own pid.
  setsid nohup "$@" </dev/null >>"$logfile" 2>&1 &
  echo $! >"$(pidfile_of "$name")"
}

# wait_until NAME PROG LOG CHECK...: poll CHECK until it succeeds, failing fast
# (with the log tail) if the process dies, or after START_TIMEOUT seconds.
wait_until() {
  local name=$1 prog=$2 logfile=$3; shift 3
  local deadline=$((SECONDS + START_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    pid_alive "$(pidfile_of "$name")" "$prog" || die_with_log "$name exited during startup" "$logfile"
    ((SECONDS < deadline)) || die_with_log "$name did not answer within ${START_TIMEOUT}s" "$logfile"
    sleep 0.5
  done
}

docker_answers() { timeout 10 docker info >/dev/null 2>&1; }
registry_answers() { curl -fsS --max-time 3 "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; }

preflight() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (installs packages and starts dockerd)"
  [[ -r /etc/os-release ]] || die "not Debian: /etc/os-release missing"
  # shellcheck disable=SC1091
  local id codename
  id=$(. /etc/os-release && echo "${ID:-}")
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [[ $id == debian ]] || die "not Debian (ID=$id); this script only knows Debian's packages"
  DEBIAN_CODENAME=$codename
}

# ---------------------------------------------------------------------------
# Packages

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# Write an apt source for trixie that mirrors the machine's own bookworm source:
# same URIs and keyring, so it works wherever the machine's apt works, and no
# host name is baked into this repository.
add_trixie_source() {
  local src uris="" keyring=""
  # Take the stanza of the main archive (suite exactly "$DEBIAN_CODENAME", not
  # -security/-updates) from the deb822 .sources files.
  for src in /etc/apt/sources.list.d/*.sources; do
    [[ -f $src ]] || continue
    IFS=$'\t' read -r uris keyring < <(awk -v suite="$DEBIAN_CODENAME" '
      function flush() {
        if (!found && is_deb && has_suite && u != "") { print u "\t" (k == "" ? "-" : k); found = 1 }
        u = ""; k = ""; is_deb = 0; has_suite = 0
      }
      /^[[:space:]]*$/ { flush(); next }
      /^#/ { next }
      tolower($1) == "types:"     { for (i = 2; i <= NF; i++) if ($i == "deb") is_deb = 1 }
      tolower($1) == "suites:"    { for (i = 2; i <= NF; i++) if ($i == suite) has_suite = 1 }
      tolower($1) == "uris:"      { u = $2; for (i = 3; i <= NF; i++) u = u " " $i }
      tolower($1) == "signed-by:" { k = $2 }
      END { flush() }
    ' "$src") || true
    [[ -n $uris ]] && break
  done
  [[ -n $uris ]] || die "no deb822 apt source for suite '$DEBIAN_CODENAME' in /etc/apt/sources.list.d/*.sources to copy for trixie"

  log "adding apt source for trixie (URIs: $uris)"
  {
    echo "# Written by buildx-kit scripts/engine.sh: docker.io and docker-buildx from trixie."
    echo "Types: deb"
    echo "URIs: $uris"
    echo "Suites: trixie"
    echo "Components: main"
    [[ $keyring == - || -z $keyring ]] || echo "Signed-By: $keyring"
  } >"$TRIXIE_SOURCES"
  # Low priority: trixie is only used for packages we explicitly ask for.
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' >"$TRIXIE_PREF"
}

install_packages() {
  # Only ask apt for what is missing: naming an installed package would also
  # upgrade it, and this script must not change anything it does not need.
  local p want=()
  for p in "${BOOKWORM_PACKAGES[@]}"; do
    is_installed "$p" || want+=("$p")
  done
  local need_trixie=""
  for p in "${TRIXIE_PACKAGES[@]}"; do
    is_installed "$p" && continue
    need_trixie=1
    # pkg/trixie, not `-t trixie`: -t raises ALL of trixie to priority 990 for
    # this run, and apt then "upgrades" libc6, systemd, perl, python3, apt...
    # pkg/trixie takes only these from trixie (plus containerd, whose bookworm
    # version is too old) and satisfies every other dependency from bookworm.
    if [[ $DEBIAN_CODENAME == trixie ]]; then want+=("$p"); else want+=("$p/trixie"); fi
  done
  if ((${#want[@]} == 0)); then
    return 0
  fi
  log "installing: ${want[*]}"
  if [[ -n $need_trixie && $DEBIAN_CODENAME != trixie ]] && [[ ! -f $TRIXIE_SOURCES || ! -f $TRIXIE_PREF ]]; then
    add_trixie_source
  fi

  # There is no init system here: keep maintainer scripts from trying to start
  # containerd/docker/registry services (we start our own below). Leave an
  # existing policy-rc.d alone; remove only one we created.
  local own_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# temporary, from buildx-kit scripts/engine.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi

  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  # Recommends (apparmor, criu, needrestart, git...) are not needed to build.
  apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${want[@]}" || die "apt-get install failed: ${want[*]}"

  if [[ -n $own_policy ]]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
}

# ---------------------------------------------------------------------------
# Configuration

# The containerd image store lets the default `docker` driver load multi-platform
# images and keep attestations. Sets a flag: 0 if unchanged, 1 if rewritten.
configure_daemon() {
  local f=/etc/docker/daemon.json
  DAEMON_JSON_CHANGED=0
  mkdir -p /etc/docker
  if [[ ! -s $f ]]; then
    echo '{"features":{"containerd-snapshotter":true}}' | jq . >"$f"
    DAEMON_JSON_CHANGED=1
  elif [[ $(jq -r '.features["containerd-snapshotter"] // false' "$f") != true ]]; then
    # Merge, keeping whatever else the machine has configured.
    local tmp
    tmp=$(mktemp "$f.XXXXXX")
    jq '.features["containerd-snapshotter"] = true' "$f" >"$tmp" || { rm -f "$tmp"; die "$f is not valid JSON"; }
    mv "$tmp" "$f"
    DAEMON_JSON_CHANGED=1
  fi
}

write_registry_config() {
  mkdir -p "$DATA_DIR/registry"
  # Debian's default config asks for htpasswd auth; tests need an open local one.
  cat >"$REGISTRY_CONFIG" <<EOF
# Written by buildx-kit scripts/engine.sh
version: 0.1
log:
  level: warn        # errors only; per-request logging would bury them
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $DATA_DIR/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
EOF
}

# ---------------------------------------------------------------------------
# Services

# dockerd would otherwise spawn and supervise a containerd of its own; we run it
# ourselves so that `down` can stop it by a pid we saved, like everything else.
start_containerd() {
  if pid_alive "$(pidfile_of containerd)" containerd; then return 0; fi
  if [[ -S $CONTAINERD_SOCK ]] && timeout 5 ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; then
    log "containerd already answers on $CONTAINERD_SOCK (not started by us); using it"
    return 0
  fi
  log "starting containerd"
  start_detached containerd "$CONTAINERD_LOG" containerd
  wait_until containerd containerd "$CONTAINERD_LOG" \
    timeout 5 ctr --address "$CONTAINERD_SOCK" version
}

start_dockerd() {
  if pid_alive "$(pidfile_of dockerd)" dockerd; then
    if ((DAEMON_JSON_CHANGED)); then
      log "daemon.json changed: restarting our dockerd"
      stop_one dockerd dockerd
    else
      return 0
    fi
  elif docker_answers; then
    log "a Docker Engine not started by us already answers; using it"
    return 0
  fi
  log "starting dockerd"
  start_detached dockerd "$DOCKERD_LOG" dockerd --containerd "$CONTAINERD_SOCK"
  wait_until dockerd dockerd "$DOCKERD_LOG" docker_answers
}

start_registry() {
  if pid_alive "$(pidfile_of registry)" docker-registry; then return 0; fi
  if registry_answers; then
    log "a registry not started by us already answers on $REGISTRY_ADDR; using it"
    return 0
  fi
  write_registry_config
  log "starting registry on $REGISTRY_ADDR"
  start_detached registry "$REGISTRY_LOG" docker-registry serve "$REGISTRY_CONFIG"
  wait_until registry docker-registry "$REGISTRY_LOG" registry_answers
}

# Docker Hub is unreachable, so `FROM local/busybox:1` is the only base image
# that can run RUN steps: busybox-static plus a symlink per applet.
ensure_base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then return 0; fi
  log "creating base image $BASE_IMAGE from busybox-static"
  local root applet
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$root/bin/$applet"
  done
  # So that `id`, `whoami` and USER root resolve.
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' - "$BASE_IMAGE" >/dev/null \
    || { rm -rf "$root"; die "docker import of $BASE_IMAGE failed"; }
  rm -rf "$root"
}

# The first `docker` on PATH may be a newer client from /usr/local/bin; it must
# still find Debian's buildx plugin. Its search path normally includes
# /usr/libexec/docker/cli-plugins; if not, link the plugin where it does look.
ensure_buildx_plugin() {
  local plugin=/usr/libexec/docker/cli-plugins/docker-buildx
  if docker buildx version >/dev/null 2>&1; then return 0; fi
  [[ -x $plugin ]] || die "buildx plugin missing at $plugin (is docker-buildx installed?)"
  log "linking buildx plugin into /usr/local/lib/docker/cli-plugins for $(command -v docker)"
  mkdir -p /usr/local/lib/docker/cli-plugins
  ln -sf "$plugin" /usr/local/lib/docker/cli-plugins/docker-buildx
  docker buildx version >/dev/null 2>&1 || die "'docker buildx version' fails with $(command -v docker)"
}

bridge_socket() { printf '%s/%s.sock' "$STATE_DIR" "$1"; }

# A remote BuildKit without pulling a BuildKit image (nothing can be pulled here):
# socat listens on a unix socket and, per connection (fork), runs
# `docker buildx dial-stdio --builder default`, which pipes stdin/stdout to the
# docker engine's embedded BuildKit. buildx's `remote` driver then sees a real,
# separate BuildKit endpoint. The dial-stdio runs with the machine's own buildx
# configuration: BUILDX_CONFIG/BUILDX_BUILDER/DOCKER_CONFIG of whoever ran `up`
# (a test's private folder) are removed from its environment. The socket is
# root-only (0660): it is as powerful as the docker socket.
start_bridge() {
  local name=$1 sock logfile
  sock=$(bridge_socket "$name")
  logfile=$BRIDGE_LOG_DIR/buildx-kit-$name.log
  if pid_alive "$(pidfile_of "$name")" socat && [[ -S $sock ]]; then return 0; fi
  stop_one "$name" socat
  log "starting $name on unix://$sock"
  rm -f "$sock"
  # In a subshell, so the variables are unset for socat (and so dial-stdio) only; not through
  # env(1), whose pid would be checked as `env` until it exec()s socat.
  (
    unset BUILDX_CONFIG BUILDX_BUILDER DOCKER_CONFIG DOCKER_CONTEXT DOCKER_HOST
    start_detached "$name" "$logfile" socat "UNIX-LISTEN:$sock,fork,unlink-early,mode=660" "EXEC:docker buildx dial-stdio --builder default"
  )
  wait_until "$name" socat "$logfile" test -S "$sock"
}

start_bridges() {
  docker buildx dial-stdio --help >/dev/null 2>&1 || { log "warning: this buildx has no dial-stdio (needs >= 0.13): no bridge sockets"; return 0; }
  local name
  for name in "${BRIDGES[@]}"; do start_bridge "$name"; done
}

# ---------------------------------------------------------------------------
# The second engine: a dockerd of its own (socket, data, exec root, pid file),
# with a containerd of its own (config, root, state, socket, namespace) and a
# bridge of its own, so nothing it does reaches the main engine. Never
# `--bridge none`: dockerd then deletes the host's docker0 and the main
# engine's RUN steps lose their network. It needs no base image (the tests
# build FROM scratch), and keeps images in the classic store. Its pids are
# ours, in $STATE_DIR like the rest.

SECOND_CONTEXT=buildx-kit-second
SECOND_RUN=/run/buildx-kit                       # its sockets and runtime state
SECOND_SOCK=$SECOND_RUN/docker2.sock
SECOND_HOST=unix://$SECOND_SOCK
SECOND_DATA=$DATA_DIR/docker2                    # dockerd --data-root
SECOND_EXEC=$SECOND_RUN/docker2-exec             # dockerd --exec-root (short: socket paths)
SECOND_DOCKERD_PIDFILE=$SECOND_RUN/docker2-dockerd.pid  # dockerd's own --pidfile
SECOND_DAEMON_JSON=$DATA_DIR/docker2-daemon.json # its own, not /etc/docker/daemon.json
SECOND_DOCKERD_LOG=/var/log/buildx-kit-docker2.log
SECOND_CONTAINERD_ROOT=$DATA_DIR/containerd2
SECOND_CONTAINERD_STATE=$SECOND_RUN/containerd2
SECOND_CONTAINERD_SOCK=$SECOND_RUN/containerd2.sock
SECOND_CONTAINERD_CONFIG=$DATA_DIR/containerd2.toml
SECOND_CONTAINERD_LOG=/var/log/buildx-kit-containerd2.log
SECOND_NAMESPACE=buildx-kit-second               # containerd namespace (main: moby)
SECOND_BRIDGE=bxk-second                         # at most 15 characters
SECOND_BRIDGE_CIDR=10.231.77.1/24

second_answers() { timeout 10 docker --host "$SECOND_HOST" info >/dev/null 2>&1; }
second_containerd_answers() { timeout 5 ctr --address "$SECOND_CONTAINERD_SOCK" version >/dev/null 2>&1; }

write_second_configs() {
  mkdir -p "$SECOND_RUN" "$SECOND_CONTAINERD_ROOT" "$SECOND_DATA"
  cat >"$SECOND_CONTAINERD_CONFIG" <<EOF
# Written by buildx-kit scripts/engine.sh: the second engine's containerd.
version = 2
root = "$SECOND_CONTAINERD_ROOT"
state = "$SECOND_CONTAINERD_STATE"
# No CRI: it would want the host's CNI setup; dockerd needs none of it.
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SECOND_CONTAINERD_SOCK"
[ttrpc]
  address = "$SECOND_CONTAINERD_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$SECOND_CONTAINERD_ROOT/opt"
EOF
  # Its own daemon.json (else dockerd reads /etc/docker/daemon.json), with the classic image
  # store: unlike the main engine's, so a probe shows which engine it describes. A change
  # restarts our second dockerd.
  local want
  want=$(echo '{"features":{"containerd-snapshotter":false}}' | jq .)
  SECOND_DAEMON_JSON_CHANGED=0
  if [[ ! -f $SECOND_DAEMON_JSON || $(<"$SECOND_DAEMON_JSON") != "$want" ]]; then
    printf '%s\n' "$want" >"$SECOND_DAEMON_JSON"
    SECOND_DAEMON_JSON_CHANGED=1
  fi
}

# The bridge of the second engine's default network; made once, kept while it runs.
ensure_second_bridge() {
  if ! ip link show "$SECOND_BRIDGE" >/dev/null 2>&1; then
    if ip -4 route show | grep -q "^${SECOND_BRIDGE_CIDR%.*}\."; then
      die "${SECOND_BRIDGE_CIDR%.*}.0/24 is already routed here; change SECOND_BRIDGE_CIDR"
    fi
    log "creating bridge $SECOND_BRIDGE ($SECOND_BRIDGE_CIDR) for the second engine"
    ip link add "$SECOND_BRIDGE" type bridge || die "ip link add $SECOND_BRIDGE type bridge failed"
  fi
  if ! ip -4 addr show dev "$SECOND_BRIDGE" | grep -q "inet $SECOND_BRIDGE_CIDR "; then
    ip addr add "$SECOND_BRIDGE_CIDR" dev "$SECOND_BRIDGE" || die "cannot give $SECOND_BRIDGE the address $SECOND_BRIDGE_CIDR"
  fi
  ip link set "$SECOND_BRIDGE" up
}

start_second_containerd() {
  if pid_alive "$(pidfile_of containerd2)" containerd; then return 0; fi
  if second_containerd_answers; then
    log "a containerd not started by us already answers on $SECOND_CONTAINERD_SOCK; using it"
    return 0
  fi
  log "starting the second engine's containerd on $SECOND_CONTAINERD_SOCK"
  start_detached containerd2 "$SECOND_CONTAINERD_LOG" containerd --config "$SECOND_CONTAINERD_CONFIG"
  wait_until containerd2 containerd "$SECOND_CONTAINERD_LOG" second_containerd_answers
}

start_second_dockerd() {
  if pid_alive "$(pidfile_of docker2)" dockerd; then
    ((SECOND_DAEMON_JSON_CHANGED)) || return 0
    log "$SECOND_DAEMON_JSON changed: restarting the second dockerd"
    stop_one docker2 dockerd
  fi
  if second_answers; then
    log "a Docker Engine not started by us already answers on $SECOND_SOCK; using it"
    return 0
  fi
  # What a killed dockerd leaves behind would stop the next start.
  rm -f "$SECOND_SOCK" "$SECOND_DOCKERD_PIDFILE"
  log "starting the second dockerd on $SECOND_HOST"
  start_detached docker2 "$SECOND_DOCKERD_LOG" dockerd \
    --config-file "$SECOND_DAEMON_JSON" \
    --host "$SECOND_HOST" \
    --data-root "$SECOND_DATA" \
    --exec-root "$SECOND_EXEC" \
    --pidfile "$SECOND_DOCKERD_PIDFILE" \
    --containerd "$SECOND_CONTAINERD_SOCK" \
    --containerd-namespace "$SECOND_NAMESPACE" \
    --containerd-plugins-namespace "$SECOND_NAMESPACE-plugins" \
    --iptables=false \
    --bridge "$SECOND_BRIDGE"
  wait_until docker2 dockerd "$SECOND_DOCKERD_LOG" second_answers
}

# The docker context that names the second engine (in root's docker config).
ensure_second_context() {
  local host
  host=$(docker context inspect --format '{{.Endpoints.docker.Host}}' "$SECOND_CONTEXT" 2>/dev/null || true)
  [[ $host == "$SECOND_HOST" ]] && return 0
  if [[ -n $host ]]; then
    log "docker context $SECOND_CONTEXT points at $host; pointing it at $SECOND_HOST"
    docker context update --docker "host=$SECOND_HOST" "$SECOND_CONTEXT" >/dev/null || die "docker context update $SECOND_CONTEXT failed"
  else
    log "creating docker context $SECOND_CONTEXT ($SECOND_HOST)"
    docker context create "$SECOND_CONTEXT" --description "buildx-kit's second test engine" --docker "host=$SECOND_HOST" >/dev/null \
      || die "docker context create $SECOND_CONTEXT failed"
  fi
}

# `ip` makes the bridge; a minimal Debian may lack it.
ensure_second_tools() {
  command -v ip >/dev/null 2>&1 && return 0
  log "installing: iproute2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2; } \
    || die "apt-get install iproute2 failed"
}

second_up() {
  ensure_second_tools
  write_second_configs
  ensure_second_bridge
  start_second_containerd
  start_second_dockerd
  ensure_second_context
  second_status
}

second_down() {
  stop_one docker2 dockerd
  stop_one containerd2 containerd
  rm -f "$SECOND_DOCKERD_PIDFILE"
  # The bridge is ours and unused once its dockerd is gone. The context stays (config only).
  if ip link show "$SECOND_BRIDGE" >/dev/null 2>&1; then
    log "removing bridge $SECOND_BRIDGE"
    ip link delete "$SECOND_BRIDGE" type bridge 2>/dev/null || true
  fi
}

second_status() {
  pid_status containerd2:containerd docker2:dockerd
  if second_answers; then
    echo "second engine:    $(docker --host "$SECOND_HOST" version --format '{{.Server.Version}}' 2>/dev/null || echo '?') on $SECOND_HOST (bridge $SECOND_BRIDGE, containerd $SECOND_CONTAINERD_SOCK, storage $(docker --host "$SECOND_HOST" info --format '{{.Driver}}' 2>/dev/null || echo '?'))"
  else
    echo "second engine:    not answering on $SECOND_HOST"
  fi
  echo "second context:   $SECOND_CONTEXT -> $(docker context inspect --format '{{.Endpoints.docker.Host}}' "$SECOND_CONTEXT" 2>/dev/null || echo 'missing')"
}

# ---------------------------------------------------------------------------
# Reporting

containerd_store() {
  if docker info --format '{{json .DriverStatus}}' 2>/dev/null | grep -q 'io.containerd.snapshotter.v1'; then
    echo yes
  else
    echo no
  fi
}

print_versions() {
  local buildx
  buildx=$(docker buildx version 2>/dev/null || echo "not found")
  echo "docker engine:    $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
  echo "docker client:    $(docker version --format '{{.Client.Version}}' 2>/dev/null || echo '?') ($(command -v docker))"
  echo "buildx:           $buildx"
  echo "containerd store: $(containerd_store) ($(docker info --format '{{json .DriverStatus}}' 2>/dev/null))"
  echo "registry:         http://$REGISTRY_ADDR (push as localhost:${REGISTRY_ADDR##*:}/NAME:TAG)"
  echo "base image:       $BASE_IMAGE ($(docker image inspect --format '{{.Id}}' "$BASE_IMAGE" 2>/dev/null || echo missing))"
  [[ $buildx == *" v0.13."* || $buildx == *" 0.13."* ]] \
    || log "warning: expected Debian's buildx 0.13.x, got: $buildx"
}

# ---------------------------------------------------------------------------
# Commands

cmd_up() {
  preflight
  install_packages
  configure_daemon
  start_containerd
  start_dockerd
  start_registry
  ensure_buildx_plugin
  ensure_base_image
  start_bridges
  print_versions
  second_up
}

# Stop one service we started, by its saved pid; wait for it to exit, since a
# following `up` (or dockerd's own shutdown) must not race a dying process.
stop_one() {
  local name=$1 prog=$2 pidfile pid i
  pidfile=$(pidfile_of "$name")
  if pid_alive "$pidfile" "$prog"; then
    pid=$(<"$pidfile")
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    # dockerd may take a while (it stops containers and BuildKit first).
    for ((i = 0; i < 60; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not exit after 30s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  fi
  rm -f "$pidfile"
}

cmd_down() {
  [[ $(id -u) -eq 0 ]] || die "must run as root"
  # Reverse order of up: dockerd needs containerd to shut down cleanly.
  local name
  for name in "${BRIDGES[@]}"; do
    stop_one "$name" socat
    rm -f "$(bridge_socket "$name")"
  done
  second_down
  stop_one registry docker-registry
  stop_one dockerd dockerd
  stop_one containerd containerd
  log "down"
}

# pid_status NAME:PROG...: whether each program this script started (by its pid file) runs.
pid_status() {
  local name prog pidfile
  for name in "$@"; do
    prog=${name#*:} name=${name%%:*}
    pidfile=$(pidfile_of "$name")
    if pid_alive "$pidfile" "$prog"; then
      printf '%-12s running (pid %s)\n' "$name:" "$(<"$pidfile")"
    else
      printf '%-12s not running (by this script)\n' "$name:"
    fi
  done
}

cmd_status() {
  pid_status containerd:containerd dockerd:dockerd registry:docker-registry "${BRIDGES[@]/%/:socat}"
  if docker_answers; then
    print_versions
  else
    echo "docker engine:    not answering"
  fi
  registry_answers && echo "registry answers: http://$REGISTRY_ADDR/v2/" || echo "registry:         not answering on $REGISTRY_ADDR"
  for name in "${BRIDGES[@]}"; do
    if pid_alive "$(pidfile_of "$name")" socat && [[ -S $(bridge_socket "$name") ]]; then
      printf '%-17s unix://%s (docker buildx create --driver remote unix://%s)\n' "$name:" "$(bridge_socket "$name")" "$(bridge_socket "$name")"
    else
      printf '%-17s not serving\n' "$name:"
    fi
  done
  second_status
}

case "${1:-} ${2:-}" in
  "up ") cmd_up ;;
  "down ") cmd_down ;;
  "status ") cmd_status ;;
  "up second") preflight; install_packages; second_up ;;
  "down second") [[ $(id -u) -eq 0 ]] || die "must run as root"; second_down; log "second engine down" ;;
  "status second") second_status ;;
  *) echo "usage: $0 up|down|status [second]" >&2; exit 2 ;;
esac
