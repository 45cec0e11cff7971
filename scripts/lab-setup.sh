#!/usr/bin/env bash
# Lab prerequisites for glance-wizard end-to-end tests, from Debian bookworm packages:
# MariaDB + memcached + Keystone (uWSGI, via /etc/init.d/keystone) on loopback, `controller`
# resolving to 127.0.0.1, and /root/admin-openrc. Glance itself is NOT installed here.
# Also: tinyproxy on 127.0.0.1:8888 (log /var/log/tinyproxy/tinyproxy.log), the real proxy of
# the package step's proxy test, and apt-utils (apt-ftparchive) for the test's local mirror.
# And python3-jsonschema (tests/integration/answers_schema.rs checks the answers schema with it), man-db
# (tests/integration/cli_docs.rs formats the man page).
#
# Idempotent: safe to run any number of times, on a fresh machine or with everything already
# running (second run takes a few seconds). Works without systemd (SysV init scripts).
#
# Lab-only secrets are generated once and kept under /var/lib/glance-wizard-lab/ (0600):
#   keystone-db-password   MariaDB password of 'keystone'@'localhost' / '%'
#   admin-password         Keystone admin password (also in /root/admin-openrc)
#
# It does not take the lab lock (scripts/lab-lock.sh): its callers do (test.sh, lab-demo.sh).
# Daemons are started through lab_daemon, with no descriptor but stdin, stdout and stderr:
# one that inherited the caller's lab lock would keep the lab locked for as long as it runs.
set -euo pipefail
# shellcheck source=scripts/lab-lock.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab-lock.sh"

export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"
export DEBIAN_FRONTEND=noninteractive
# Never send lab traffic through a proxy.
export no_proxy="controller,localhost,127.0.0.1${no_proxy:+,${no_proxy}}"
export NO_PROXY="${no_proxy}"

LAB_DIR=/var/lib/glance-wizard-lab
OPENRC=/root/admin-openrc
KEYSTONE_CONF=/etc/keystone/keystone.conf
KEYSTONE_URL=http://controller:5000/v3
MYSQL_SOCK=/run/mysqld/mysqld.sock
PACKAGES=(mariadb-server mariadb-client memcached python3-openstackclient keystone
    python3-pymysql python3-memcache qemu-utils curl tmux crudini openssl iproute2
    tinyproxy apt-utils python3-jsonschema man-db)

log() { printf '[lab-setup] %s\n' "$*"; }
die() { printf '[lab-setup] ERROR: %s\n' "$*" >&2; exit 1; }

[[ ${EUID} -eq 0 ]] || die "must run as root"

# wait_for DESCRIPTION SECONDS COMMAND...: poll COMMAND every 0.5 s until it succeeds.
wait_for() {
    local what=$1 secs=$2
    shift 2
    local i
    for ((i = 0; i < secs * 2; i++)); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.5
    done
    die "timed out after ${secs}s waiting for ${what}"
}

# quietly COMMAND...: run COMMAND with its output in ${RUN_LOG}; show the log if it fails.
RUN_LOG=/tmp/glance-wizard-lab-setup.log
quietly() {
    if ! "$@" >"${RUN_LOG}" 2>&1; then
        tail -n 40 "${RUN_LOG}" >&2
        die "failed: $*"
    fi
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# ---------------------------------------------------------------------------------------------
# 1. Packages
# ---------------------------------------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != installed ]]; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    # Refresh the package lists when there are none or they are older than 6 hours.
    if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -360 -print -quit)" ]]; then
        log "apt-get update"
        apt-get update -q >/dev/null
    fi
    apt_install() {
        apt-get install -y -q \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
    }
    if ! apt_install >/tmp/glance-wizard-lab-apt.log 2>&1; then
        log "install failed; retrying after apt-get update (log: /tmp/glance-wizard-lab-apt.log)"
        apt-get update -q >/dev/null
        apt_install >/tmp/glance-wizard-lab-apt.log 2>&1 \
            || { tail -n 30 /tmp/glance-wizard-lab-apt.log >&2; die "apt-get install failed"; }
    fi
fi

# ---------------------------------------------------------------------------------------------
# 2. controller -> 127.0.0.1
# ---------------------------------------------------------------------------------------------
if ! grep -Eq '^[[:space:]]*127\.0\.0\.1([[:space:]].*)?[[:space:]]controller([[:space:]]|$)' /etc/hosts; then
    log "adding 'controller' to /etc/hosts"
    # Append only (no sed -i): /etc/hosts may be a bind mount in containers.
    printf '127.0.0.1 controller\n' >>/etc/hosts
fi
resolved=$(getent ahostsv4 controller | awk 'NR==1 {print $1}')
[[ "${resolved}" == 127.0.0.1 ]] || die "'controller' resolves to '${resolved}', expected 127.0.0.1 (check /etc/hosts)"

# ---------------------------------------------------------------------------------------------
# 3. Lab secrets (generated once)
# ---------------------------------------------------------------------------------------------
install -d -m 0700 "${LAB_DIR}"
secret() {
    local f="${LAB_DIR}/$1"
    if [[ ! -s "$f" ]]; then
        (umask 077 && openssl rand -hex 16 >"$f")
    fi
    chmod 0600 "$f"
    cat "$f"
}
KEYSTONE_DBPASS=$(secret keystone-db-password)
ADMIN_PASS=$(secret admin-password)

# ---------------------------------------------------------------------------------------------
# 4. MariaDB on 127.0.0.1 only (root keeps Debian's unix_socket auth)
# ---------------------------------------------------------------------------------------------
mysql_ok() { mysqladmin --protocol=socket --socket="${MYSQL_SOCK}" ping >/dev/null 2>&1; }
MARIADB_CNF=/etc/mysql/mariadb.conf.d/99-glance-wizard-lab.cnf
MARIADB_CNF_CONTENT='# glance-wizard lab: listen on loopback only
[mysqld]
bind-address = 127.0.0.1'
mariadb_restart=no
if [[ "$(cat "${MARIADB_CNF}" 2>/dev/null || true)" != "${MARIADB_CNF_CONTENT}" ]]; then
    printf '%s\n' "${MARIADB_CNF_CONTENT}" >"${MARIADB_CNF}"
    mariadb_restart=yes
fi
if mysql_ok; then
    if [[ ${mariadb_restart} == yes ]]; then
        log "restarting MariaDB"
        lab_daemon /etc/init.d/mariadb restart >/dev/null
    fi
else
    log "starting MariaDB"
    lab_daemon /etc/init.d/mariadb start >/dev/null || true
fi
wait_for "MariaDB on ${MYSQL_SOCK}" 60 mysql_ok

# ---------------------------------------------------------------------------------------------
# 5. memcached on 127.0.0.1:11211
# ---------------------------------------------------------------------------------------------
if ! grep -Eq '^-l[[:space:]]+127\.0\.0\.1[[:space:]]*$' /etc/memcached.conf; then
    log "making memcached listen on 127.0.0.1 only"
    sed -i -E '/^-l([[:space:]]|$)/d' /etc/memcached.conf
    printf -- '-l 127.0.0.1\n' >>/etc/memcached.conf
    /etc/init.d/memcached stop >/dev/null 2>&1 || true
fi
if ! /etc/init.d/memcached status >/dev/null 2>&1; then
    log "starting memcached"
    lab_daemon /etc/init.d/memcached start >/dev/null
fi
wait_for "memcached on 127.0.0.1:11211" 30 tcp_open 127.0.0.1 11211

# ---------------------------------------------------------------------------------------------
# 6. Keystone
# ---------------------------------------------------------------------------------------------
# Issue a token over the REST API (fast: no Python start-up). The password goes via stdin.
keystone_token() {
    local body
    body=$(printf '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"%s"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}' "${ADMIN_PASS}")
    printf '%s' "${body}" | curl -fsS -m 10 -o /dev/null -D - -H 'Content-Type: application/json' \
        --data-binary @- "${KEYSTONE_URL}/auth/tokens" 2>/dev/null \
        | awk 'tolower($1) == "x-subject-token:" {sub(/\r$/, "", $2); print $2}'
}
service_project_exists() {
    local token=$1
    curl -fsS -m 10 -H @<(printf 'X-Auth-Token: %s\n' "${token}") \
        "${KEYSTONE_URL}/projects?name=service" 2>/dev/null | grep -q '"name": *"service"'
}
keystone_up() { curl -fsS -m 5 -o /dev/null "${KEYSTONE_URL}"; }

# 6a. Database and account (idempotent SQL; the password goes through stdin, not argv).
mysql --protocol=socket --socket="${MYSQL_SOCK}" <<SQL
CREATE DATABASE IF NOT EXISTS keystone;
CREATE USER IF NOT EXISTS 'keystone'@'localhost' IDENTIFIED BY '${KEYSTONE_DBPASS}';
CREATE USER IF NOT EXISTS 'keystone'@'%' IDENTIFIED BY '${KEYSTONE_DBPASS}';
ALTER USER 'keystone'@'localhost' IDENTIFIED BY '${KEYSTONE_DBPASS}';
ALTER USER 'keystone'@'%' IDENTIFIED BY '${KEYSTONE_DBPASS}';
GRANT ALL PRIVILEGES ON keystone.* TO 'keystone'@'localhost';
GRANT ALL PRIVILEGES ON keystone.* TO 'keystone'@'%';
SQL

# 6b. keystone.conf: [database] connection and [token] provider (crudini --merge reads stdin).
# Lab only, never on a real cloud: [identity] password_hash_rounds = 4, bcrypt's fewest (the
# default is 12). A password login cost half a second of a core here (0.57 s a token, measured),
# and the end-to-end tests log in hundreds of times (every `openstack` command, every probe);
# with 4 rounds the hash costs about a millisecond. What is tested does not change: Keystone
# still checks every password, only with a cheaper hash.
keystone_restart=no
want_conn="mysql+pymysql://keystone:${KEYSTONE_DBPASS}@controller/keystone"
LAB_HASH_ROUNDS=4
if [[ "$(crudini --get "${KEYSTONE_CONF}" database connection 2>/dev/null || true)" != "${want_conn}" ]] \
    || [[ "$(crudini --get "${KEYSTONE_CONF}" token provider 2>/dev/null || true)" != fernet ]] \
    || [[ "$(crudini --get "${KEYSTONE_CONF}" identity password_hash_rounds 2>/dev/null || true)" != "${LAB_HASH_ROUNDS}" ]]; then
    log "configuring ${KEYSTONE_CONF}"
    printf '[database]\nconnection = %s\n[token]\nprovider = fernet\n[identity]\npassword_hash_rounds = %s\n' \
        "${want_conn}" "${LAB_HASH_ROUNDS}" | crudini --merge "${KEYSTONE_CONF}"
    chown root:keystone "${KEYSTONE_CONF}"
    chmod 0640 "${KEYSTONE_CONF}"
    keystone_restart=yes
    rm -f "${LAB_DIR}/keystone-bootstrapped"
fi

# 6c. Make the init script bind uWSGI to 127.0.0.1 with a small worker pool. The init script
# sources /etc/default/keystone after computing DAEMON_ARGS, so this replaces
# "--http-socket :5000" (all addresses, 8 processes x 32 threads from keystone-uwsgi.ini).
KEYSTONE_DEFAULT=/etc/default/keystone
KEYSTONE_DEFAULT_CONTENT='# glance-wizard lab: keystone (uWSGI) on loopback only, small worker pool.
DAEMON_ARGS="--ini /etc/keystone/keystone-uwsgi.ini --http-socket 127.0.0.1:5000 --processes 2 --threads 4"'
if [[ "$(cat "${KEYSTONE_DEFAULT}" 2>/dev/null || true)" != "${KEYSTONE_DEFAULT_CONTENT}" ]]; then
    printf '%s\n' "${KEYSTONE_DEFAULT_CONTENT}" >"${KEYSTONE_DEFAULT}"
    keystone_restart=yes
fi

# 6d. Run keystone (uWSGI) through its SysV init script.
# By pid file: `/etc/init.d/keystone status` matches any uwsgi_python3 process (glance too).
KEYSTONE_PIDFILE=/run/keystone/keystone.pid
keystone_running() {
    local pid
    pid=$(cat "${KEYSTONE_PIDFILE}" 2>/dev/null) || return 1
    [[ -n "${pid}" ]] && kill -0 "${pid}" 2>/dev/null
}
keystone_stop() {
    if keystone_running; then
        log "stopping keystone"
        /etc/init.d/keystone stop >/dev/null || true
    fi
}
keystone_start() {
    if ! keystone_running; then
        if tcp_open 127.0.0.1 5000; then
            die "port 5000 is taken by something other than the keystone init script's uWSGI"
        fi
        log "starting keystone"
        lab_daemon /etc/init.d/keystone start >/dev/null
    fi
    wait_for "keystone at ${KEYSTONE_URL}" 90 keystone_up
}

# 6e. Schema, keys, bootstrap: skipped when a previous run completed and admin can log in.
token=""
if [[ -e "${LAB_DIR}/keystone-bootstrapped" ]]; then
    [[ ${keystone_restart} == no ]] || keystone_stop
    keystone_start
    token=$(keystone_token || true)
fi
if [[ -z "${token}" ]]; then
    log "keystone-manage db_sync"
    quietly runuser -u keystone -- keystone-manage db_sync
    if [[ -z "$(ls -A /etc/keystone/fernet-keys 2>/dev/null || true)" ]]; then
        log "keystone-manage fernet_setup"
        quietly keystone-manage fernet_setup --keystone-user keystone --keystone-group keystone
    fi
    if [[ -z "$(ls -A /etc/keystone/credential-keys 2>/dev/null || true)" ]]; then
        log "keystone-manage credential_setup"
        quietly keystone-manage credential_setup --keystone-user keystone --keystone-group keystone
    fi
    log "keystone-manage bootstrap"
    # keystone-manage reads OS_BOOTSTRAP_PASSWORD from the environment: keeps it out of argv.
    OS_BOOTSTRAP_PASSWORD="${ADMIN_PASS}" quietly runuser -u keystone -- keystone-manage bootstrap \
        --bootstrap-admin-url "${KEYSTONE_URL}/" \
        --bootstrap-internal-url "${KEYSTONE_URL}/" \
        --bootstrap-public-url "${KEYSTONE_URL}/" \
        --bootstrap-region-id RegionOne
    keystone_stop
    keystone_start
    token=$(keystone_token || true)
    [[ -n "${token}" ]] || die "cannot get a token for admin from ${KEYSTONE_URL} (see /var/log/keystone/keystone.log)"
fi
touch "${LAB_DIR}/keystone-bootstrapped"

# 6e'. The admin's password hashed with the lab's rounds: bootstrap keeps a hash that checks out,
# whatever its rounds, so a lab made before the setting keeps its 12-round hash until the
# password is set again (PATCH /v3/users/{id}, the password through stdin, not argv).
admin_hash_rounds() {
    mysql --protocol=socket --socket="${MYSQL_SOCK}" -N keystone -e "SELECT SUBSTRING(p.password_hash, 5, 2)
        FROM password p JOIN local_user u ON p.local_user_id = u.id
        WHERE u.name = 'admin' ORDER BY p.created_at_int DESC LIMIT 1"
}
if [[ "$(admin_hash_rounds)" != "$(printf '%02d' "${LAB_HASH_ROUNDS}")" ]]; then
    log "hashing the admin's password again with ${LAB_HASH_ROUNDS} rounds (lab only)"
    admin_id=$(curl -fsS -m 10 -H @<(printf 'X-Auth-Token: %s\n' "${token}") \
        "${KEYSTONE_URL}/users?name=admin&domain_id=default" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["users"][0]["id"])')
    printf '{"user":{"password":"%s"}}' "${ADMIN_PASS}" \
        | curl -fsS -m 30 -o /dev/null -X PATCH -H 'Content-Type: application/json' \
            -H @<(printf 'X-Auth-Token: %s\n' "${token}") --data-binary @- "${KEYSTONE_URL}/users/${admin_id}"
    [[ "$(admin_hash_rounds)" == "$(printf '%02d' "${LAB_HASH_ROUNDS}")" ]] \
        || die "the admin's password is not hashed with ${LAB_HASH_ROUNDS} rounds after setting it again"
    token=$(keystone_token || true)
    [[ -n "${token}" ]] || die "cannot get a token for admin after setting its password again"
fi

# ---------------------------------------------------------------------------------------------
# 6f. tinyproxy on 127.0.0.1:8888 only (the package step's proxy test; its access log shows
# what went through it). Debian's config with `Listen 127.0.0.1` and no other client allowed.
# ---------------------------------------------------------------------------------------------
TINYPROXY_CONF=/etc/tinyproxy/tinyproxy.conf
TINYPROXY_PIDFILE=/run/tinyproxy/tinyproxy.pid
TINYPROXY_CONTENT='# glance-wizard lab: tinyproxy on loopback only (scripts/lab-setup.sh writes this file).
User tinyproxy
Group tinyproxy
Port 8888
Listen 127.0.0.1
Timeout 600
DefaultErrorFile "/usr/share/tinyproxy/default.html"
StatFile "/usr/share/tinyproxy/stats.html"
LogFile "/var/log/tinyproxy/tinyproxy.log"
LogLevel Info
PidFile "/run/tinyproxy/tinyproxy.pid"
MaxClients 100
Allow 127.0.0.1
ViaProxyName "tinyproxy"'
tinyproxy_running() {
    local pid
    pid=$(cat "${TINYPROXY_PIDFILE}" 2>/dev/null) || return 1
    [[ -n "${pid}" ]] && kill -0 "${pid}" 2>/dev/null
}
tinyproxy_restart=no
if [[ "$(cat "${TINYPROXY_CONF}" 2>/dev/null || true)" != "${TINYPROXY_CONTENT}" ]]; then
    log "configuring tinyproxy on 127.0.0.1:8888"
    printf '%s\n' "${TINYPROXY_CONTENT}" >"${TINYPROXY_CONF}"
    tinyproxy_restart=yes
fi
# It opens its log after dropping to its user; the package leaves the directory root's.
if [[ "$(stat -c %U /var/log/tinyproxy 2>/dev/null || true)" != tinyproxy ]]; then
    install -d -o tinyproxy -g tinyproxy -m 0750 /var/log/tinyproxy
    chown tinyproxy:tinyproxy /var/log/tinyproxy
    tinyproxy_restart=yes
fi
if [[ ${tinyproxy_restart} == yes ]] && tinyproxy_running; then
    /etc/init.d/tinyproxy stop >/dev/null 2>&1 || true
    for _ in $(seq 1 20); do tinyproxy_running || break; sleep 0.2; done
fi
if ! tinyproxy_running; then
    log "starting tinyproxy"
    lab_daemon /etc/init.d/tinyproxy start >/dev/null
fi
wait_for "tinyproxy on 127.0.0.1:8888" 30 tcp_open 127.0.0.1 8888
listen_all=$(ss -Hltn 'sport = :8888' | awk '{print $4}' | grep -v '^127\.0\.0\.1:' || true)
[[ -z "${listen_all}" ]] || die "tinyproxy listens beyond loopback: ${listen_all}"

# ---------------------------------------------------------------------------------------------
# 7. admin-openrc (guide format) and the service project
# ---------------------------------------------------------------------------------------------
OPENRC_CONTENT="export OS_PROJECT_DOMAIN_NAME=Default
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_NAME=admin
export OS_USERNAME=admin
export OS_PASSWORD=${ADMIN_PASS}
export OS_AUTH_URL=${KEYSTONE_URL}
export OS_IDENTITY_API_VERSION=3
export OS_IMAGE_API_VERSION=2"
if [[ "$(cat "${OPENRC}" 2>/dev/null || true)" != "${OPENRC_CONTENT}" ]]; then
    log "writing ${OPENRC}"
    (umask 077 && printf '%s\n' "${OPENRC_CONTENT}" >"${OPENRC}.tmp.$$")
    mv -f "${OPENRC}.tmp.$$" "${OPENRC}"
fi
chmod 0600 "${OPENRC}"

# shellcheck source=/dev/null
. "${OPENRC}"
if ! service_project_exists "${token}"; then
    log "creating project 'service'"
    openstack project create --or-show --domain default --description "Service Project" service >/dev/null
fi

# ---------------------------------------------------------------------------------------------
# 8. Verify with the CLI, as the guide's user would
# ---------------------------------------------------------------------------------------------
expires=$(openstack token issue -f value -c expires) || die "openstack token issue failed"
listen=$(ss -Hltn | awk '{print $4}' | grep -E ':(3306|5000|8888|11211)$' | sort | tr '\n' ' ')
log "OK: controller=127.0.0.1 mariadb+memcached+keystone+tinyproxy up (listening: ${listen% }), openrc=${OPENRC}, token expires ${expires}"
