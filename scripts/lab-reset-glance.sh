#!/usr/bin/env bash
# Reset Glance's state in the glance-wizard lab before an end-to-end run.
#
#   scripts/lab-reset-glance.sh [--purge-packages]
#
# - stops glance-api (init script, then any leftover glance-api / glance uWSGI process by PID)
# - MariaDB: drops database `glance` and every account named 'glance' (any host)
# - Keystone: deletes every service of type `image` with its endpoints, and user(s) `glance`
#   (uses $GW_ADMIN_OPENRC, default /root/admin-openrc; skipped if that file does not exist)
# - empties /var/lib/glance/images/
# - config: if glance-common is installed, every file its postinst copies from
#   /usr/share/glance-common/ into /etc/glance/ is restored from there, root:glance 0640.
#   That is exactly what the postinst produces on a non-interactive install (debconf
#   glance/configure_db and glance/configure_ksat default to false, so it writes no values;
#   verified byte-identical on bookworm, glance 2:25.1.0-2+deb12u5). Other *.conf files in
#   /etc/glance that no package owns (e.g. a glance-registry.conf written for an old release)
#   are deleted. If glance-common is not installed, those files are deleted instead: its
#   postinst only copies a file that is missing, so a leftover edited file would survive a
#   reinstall.
# - deletes wizard backups and leftovers /etc/glance/**/*.glance-wizard.orig, .*.glance-wizard.tmp,
#   and the backups of the exported playbook's ini_file tasks (*.conf.PID.DATE@TIME~)
# - deletes the wizard's state dir(s) in $GW_STATE_DIR (':'-separated) if set
# - --purge-packages: `apt-get purge` glance, glance-api, glance-common, python3-glance,
#   python3-glance-store, glance-store-common (no autoremove: their dependencies stay, which
#   keeps the next install quick), then removes /etc/glance, /var/lib/glance, /var/log/glance.
#
# Idempotent; works when glance was never installed. Its callers hold the lab lock; MariaDB
# is started without any of their descriptors (lab_daemon, scripts/lab-lock.sh).
set -euo pipefail
# shellcheck source=scripts/lab-lock.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab-lock.sh"

export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"
export DEBIAN_FRONTEND=noninteractive
export no_proxy="controller,localhost,127.0.0.1${no_proxy:+,${no_proxy}}"
export NO_PROXY="${no_proxy}"

MYSQL_SOCK=/run/mysqld/mysqld.sock
OPENRC="${GW_ADMIN_OPENRC:-/root/admin-openrc}"
SHARE=/usr/share/glance-common
ETC=/etc/glance
# Files glance-common's postinst copies from ${SHARE} to ${ETC} (pkgos_write_new_conf).
POSTINST_FILES=(glance-api.conf glance-cache.conf glance-manage.conf glance-scrubber.conf
    glance-api-paste.ini glance-image-import.conf schema-image.json
    property-protections-policies.conf property-protections-roles.conf ovf-metadata.json
    glance-swift.conf)
GLANCE_PACKAGES=(glance glance-api glance-common python3-glance python3-glance-store
    glance-store-common)

log() { printf '[lab-reset-glance] %s\n' "$*"; }
die() { printf '[lab-reset-glance] ERROR: %s\n' "$*" >&2; exit 1; }

purge=no
for arg in "$@"; do
    case "${arg}" in
        --purge-packages) purge=yes ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument: ${arg} (usage: $0 [--purge-packages])" ;;
    esac
done
[[ ${EUID} -eq 0 ]] || die "must run as root"

# Validate $GW_STATE_DIR before touching anything.
state_dirs=()
if [[ -n "${GW_STATE_DIR:-}" ]]; then
    IFS=: read -r -a entries <<<"${GW_STATE_DIR}"
    for d in "${entries[@]}"; do
        [[ -n "${d}" ]] || continue
        real=$(realpath -m -- "${d}")
        # Refuse / and top-level directories such as /etc, /root, /tmp.
        [[ "${real}" =~ ^/[^/]+/.+ ]] || die "refusing to delete GW_STATE_DIR entry '${d}'"
        state_dirs+=("${real}")
    done
fi

pkg_status() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true; }
done_items=()

# ---------------------------------------------------------------------------------------------
# 1. Stop glance-api
# ---------------------------------------------------------------------------------------------
glance_pids() {
    # The eventlet server (/usr/bin/glance-api, what Debian's init script runs) or a uWSGI
    # running glance-wsgi-api / glance-api-uwsgi.ini. Matched by PID, never killed by name.
    pgrep -f -- '^(/usr/bin/)?python3(\.[0-9]+)? (/usr/bin/)?glance-api( |$)|^(/usr/bin/)?glance-api( |$)|^[^ ]*uwsgi[^ ]* .*(glance-wsgi-api|glance-api-uwsgi\.ini)' || true
}
stopped="glance-api not running"
if [[ -x /etc/init.d/glance-api ]] && [[ -n "$(glance_pids)" || -e /run/glance/glance-api.pid ]]; then
    /etc/init.d/glance-api stop >/dev/null 2>&1 || true
    stopped="glance-api stopped"
fi
pids=$(glance_pids)
if [[ -n "${pids}" ]]; then
    stopped="glance-api stopped (killed PIDs: ${pids//$'\n'/ })"
    # shellcheck disable=SC2086 # word splitting of the PID list is intended
    kill -TERM ${pids} 2>/dev/null || true
    for _ in {1..20}; do
        [[ -z "$(glance_pids)" ]] && break
        sleep 0.5
    done
    pids=$(glance_pids)
    # shellcheck disable=SC2086
    [[ -z "${pids}" ]] || kill -KILL ${pids} 2>/dev/null || true
fi
rm -f /run/glance/glance-api.pid
[[ -z "$(glance_pids)" ]] || die "glance-api processes still running: $(glance_pids | tr '\n' ' ')"
done_items+=("${stopped}")

# ---------------------------------------------------------------------------------------------
# 2. Database and accounts
# ---------------------------------------------------------------------------------------------
mysql_ok() { mysqladmin --protocol=socket --socket="${MYSQL_SOCK}" ping >/dev/null 2>&1; }
if command -v mysql >/dev/null && [[ -x /etc/init.d/mariadb ]]; then
    if ! mysql_ok; then
        log "starting MariaDB"
        lab_daemon /etc/init.d/mariadb start >/dev/null 2>&1 || true
        for _ in {1..60}; do mysql_ok && break; sleep 0.5; done
        mysql_ok || die "MariaDB is not answering on ${MYSQL_SOCK}"
    fi
    mysql --protocol=socket --socket="${MYSQL_SOCK}" -e 'DROP DATABASE IF EXISTS glance'
    while IFS= read -r host; do
        [[ -n "${host}" ]] || continue
        # Quote the host as an SQL string literal.
        mysql --protocol=socket --socket="${MYSQL_SOCK}" \
            -e "DROP USER IF EXISTS 'glance'@'${host//\'/\'\'}'"
    done < <(mysql --protocol=socket --socket="${MYSQL_SOCK}" -N -B \
        -e "SELECT Host FROM mysql.user WHERE User = 'glance'")
    done_items+=("db dropped")
else
    done_items+=("no MariaDB")
fi

# ---------------------------------------------------------------------------------------------
# 3. Keystone: image services + endpoints, user glance (REST API: one fast Python, stdlib only)
# ---------------------------------------------------------------------------------------------
if [[ -r "${OPENRC}" ]]; then
    keystone_summary=$(
        # shellcheck source=/dev/null
        . "${OPENRC}"
        export OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_PROJECT_NAME OS_USER_DOMAIN_NAME \
            OS_PROJECT_DOMAIN_NAME
        /usr/bin/python3 - <<'PY'
import json, os, sys, urllib.error, urllib.request

base = os.environ["OS_AUTH_URL"].rstrip("/")
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    with opener.open(req, timeout=30) as resp:
        raw = resp.read()
        return resp.headers, (json.loads(raw) if raw else None)

auth = {"auth": {
    "identity": {"methods": ["password"], "password": {"user": {
        "name": os.environ["OS_USERNAME"], "password": os.environ["OS_PASSWORD"],
        "domain": {"name": os.environ.get("OS_USER_DOMAIN_NAME") or "Default"}}}},
    "scope": {"project": {"name": os.environ.get("OS_PROJECT_NAME") or "admin",
                          "domain": {"name": os.environ.get("OS_PROJECT_DOMAIN_NAME") or "Default"}}}}}
try:
    headers, _ = call("POST", "/auth/tokens", auth)
except (urllib.error.URLError, OSError) as e:
    sys.exit(f"cannot authenticate to keystone at {base}: {e}")
tok = headers["X-Subject-Token"]

n_svc = n_ep = n_user = 0
_, svcs = call("GET", "/services?type=image", token=tok)
for svc in svcs["services"]:
    _, eps = call("GET", "/endpoints?service_id=" + svc["id"], token=tok)
    for ep in eps["endpoints"]:
        call("DELETE", "/endpoints/" + ep["id"], token=tok)
        n_ep += 1
    call("DELETE", "/services/" + svc["id"], token=tok)
    n_svc += 1
_, users = call("GET", "/users?name=glance", token=tok)
for user in users["users"]:
    call("DELETE", "/users/" + user["id"], token=tok)
    n_user += 1
print(f"keystone: -{n_svc} image service(s), -{n_ep} endpoint(s), -{n_user} user(s)")
PY
    ) || die "keystone cleanup failed (is keystone up? run scripts/lab-setup.sh)"
    done_items+=("${keystone_summary}")
else
    done_items+=("keystone skipped (no ${OPENRC})")
fi

# ---------------------------------------------------------------------------------------------
# 4. Image files, configuration, wizard backups, wizard state
# ---------------------------------------------------------------------------------------------
if [[ -d /var/lib/glance/images ]]; then
    find /var/lib/glance/images -mindepth 1 -delete
fi

if [[ -d "${ETC}" ]]; then
    find "${ETC}" \( -name '*.glance-wizard.orig' -o -name '.*.glance-wizard.tmp' \
        -o -name '*.conf.*@*~' \) -delete
fi

if [[ "$(pkg_status glance-common)" == installed ]]; then
    for f in "${POSTINST_FILES[@]}"; do
        if [[ -e "${SHARE}/${f}" ]] && ! cmp -s "${SHARE}/${f}" "${ETC}/${f}"; then
            install -m 0640 -o root -g glance "${SHARE}/${f}" "${ETC}/${f}"
            log "restored ${ETC}/${f} from ${SHARE}/${f}"
        elif [[ -e "${ETC}/${f}" ]]; then
            chown root:glance "${ETC}/${f}"
            chmod 0640 "${ETC}/${f}"
        fi
    done
    # Packaged conffiles (glance-api-uwsgi.ini, policy.d, rootwrap): report local changes.
    while read -r path sum _; do
        [[ "${path}" == "${ETC}"/* && -e "${path}" ]] || continue
        if [[ "$(md5sum <"${path}" | cut -d' ' -f1)" != "${sum}" ]]; then
            log "WARNING: ${path} differs from the packaged conffile (use --purge-packages)"
        fi
    done < <(dpkg-query -W -f='${Conffiles}\n' glance-api glance-common glance-store-common 2>/dev/null || true)
    restored="config restored"
else
    for f in "${POSTINST_FILES[@]}"; do
        rm -f "${ETC:?}/${f}"
    done
    restored="config removed (glance-common not installed)"
fi
if [[ -d "${ETC}" ]]; then
    for f in "${ETC}"/*.conf; do
        [[ -e "${f}" ]] || continue
        b=$(basename "${f}")
        if [[ ! -e "${SHARE}/${b}" ]] && ! dpkg-query -S "${f}" >/dev/null 2>&1; then
            rm -f "${f}"
            log "removed ${f} (no package ships it)"
        fi
    done
fi
done_items+=("${restored}")

if ((${#state_dirs[@]})); then
    rm -rf -- "${state_dirs[@]}"
    done_items+=("GW_STATE_DIR removed")
fi

# ---------------------------------------------------------------------------------------------
# 5. Purge the packages
# ---------------------------------------------------------------------------------------------
if [[ ${purge} == yes ]]; then
    present=()
    for p in "${GLANCE_PACKAGES[@]}"; do
        case "$(pkg_status "${p}")" in
            "" | not-installed) ;;
            *) present+=("${p}") ;;
        esac
    done
    if ((${#present[@]})); then
        log "apt-get purge ${present[*]}"
        if ! apt-get purge -y -q "${present[@]}" >/tmp/glance-wizard-lab-purge.log 2>&1; then
            tail -n 30 /tmp/glance-wizard-lab-purge.log >&2
            die "apt-get purge failed"
        fi
    fi
    for p in "${GLANCE_PACKAGES[@]}"; do
        case "$(pkg_status "${p}")" in
            "" | not-installed) ;;
            *) die "package ${p} is still present after purge (status: $(pkg_status "${p}"))" ;;
        esac
    done
    rm -rf /etc/glance /var/lib/glance /var/log/glance /run/glance
    done_items+=("packages purged")
fi

summary=$(printf '%s, ' "${done_items[@]}")
log "OK: ${summary%, }"
