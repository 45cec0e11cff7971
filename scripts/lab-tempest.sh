#!/usr/bin/env bash
# Tempest, the OpenStack conformance suite, against the Glance of the lab.
#
#   scripts/lab-tempest.sh install        the venv (cached; a few seconds when present)
#   scripts/lab-tempest.sh run WORKDIR    configure a workspace from the lab, run the image
#                                         API v2 tests, write WORKDIR/results.json
#
# install: Tempest ${TEMPEST_VERSION} from PyPI into a venv under
#   /var/cache/glance-wizard-lab/tempest-${TEMPEST_VERSION}, with Debian's python3. A venv
#   finished earlier (its .complete marker) is reused; a half-made one is made again.
#   scripts/test.sh calls it before the tests; tests/e2e/e2e_tempest.rs needs it.
# run: WORKDIR is created (0700: tempest.conf holds the lab's admin password, which never goes
#   on a command line). tempest.conf comes from /root/admin-openrc ($GW_ADMIN_OPENRC) and the
#   lab's services: Keystone v3 at OS_AUTH_URL, only Glance available (no Nova, Cinder,
#   Neutron, Swift), dynamic credentials made by the admin. Then
#   `tempest run --regex '^tempest\.api\.image\.v2' --concurrency 2`, and results.json:
#   [{"id": TEST_ID, "status": "success|fail|skip|xfail|...", "reason": SKIP_REASON}, ...].
#   Exit 0 when tempest ran, whatever the tests said: the caller judges the results.
#
# Does not take the lab lock: its callers do (tests/e2e/e2e_tempest.rs holds it).
set -euo pipefail

TEMPEST_VERSION=47.0.0
CACHE=/var/cache/glance-wizard-lab
VENV="${CACHE}/tempest-${TEMPEST_VERSION}"
OPENRC="${GW_ADMIN_OPENRC:-/root/admin-openrc}"

export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"
# Lab traffic never goes through a proxy; PyPI may (pip honours https_proxy).
export no_proxy="controller,localhost,127.0.0.1${no_proxy:+,${no_proxy}}"
export NO_PROXY="${no_proxy}"

log() { printf '[lab-tempest] %s\n' "$*"; }
die() { printf '[lab-tempest] ERROR: %s\n' "$*" >&2; exit 1; }

install_venv() {
    if [[ -f "${VENV}/.complete" ]]; then
        log "tempest ${TEMPEST_VERSION} venv present: ${VENV}"
        return 0
    fi
    mkdir -p "${CACHE}"
    rm -rf "${VENV}"
    local started=${SECONDS}
    log "creating ${VENV} (tempest ${TEMPEST_VERSION} from PyPI)"
    /usr/bin/python3 -m venv "${VENV}"
    "${VENV}/bin/pip" install -q --disable-pip-version-check "tempest==${TEMPEST_VERSION}" \
        >"${CACHE}/tempest-install.log" 2>&1 ||
        { tail -n 30 "${CACHE}/tempest-install.log" >&2; die "pip install tempest failed"; }
    "${VENV}/bin/tempest" --version >/dev/null || die "tempest does not start"
    touch "${VENV}/.complete"
    log "tempest venv ready in $((SECONDS - started)) s"
}

# The tempest.conf of the lab, on stdout. Values come from the admin-openrc, read by bash
# as root (the lab's own file).
tempest_conf() {
    (
        # shellcheck source=/dev/null
        . "${OPENRC}"
        cat <<EOF
[DEFAULT]
log_file = tempest.log

[auth]
use_dynamic_credentials = true
admin_username = ${OS_USERNAME}
admin_password = ${OS_PASSWORD}
admin_project_name = ${OS_PROJECT_NAME}
admin_domain_name = ${OS_USER_DOMAIN_NAME:-Default}

[identity]
auth_version = v3
uri_v3 = ${OS_AUTH_URL}
region = ${OS_REGION_NAME:-RegionOne}
disable_ssl_certificate_validation = true

[identity-feature-enabled]
api_v2 = false

[service_available]
glance = true
nova = false
cinder = false
neutron = false
swift = false
horizon = false

[image]
region = ${OS_REGION_NAME:-RegionOne}
endpoint_type = public
# web-download imports fetch from this machine, not from download.cirros-cloud.net (the lab
# has no internet): port 80 (Glance's import filter allows only 80 and 443), on an address
# other than loopback (Glance refuses loopback and link-local ones: the SSRF fix in Debian's
# 2:25.1.0-2+deb12u5).
http_image = http://${WEB_HOST}/lab-image.qcow2
http_qcow2_image = http://${WEB_HOST}/lab-image.qcow2

[image-feature-enabled]
api_v2 = true
api_v1 = false
EOF
    )
}

run_tests() {
    local work=$1
    [[ -f "${VENV}/.complete" ]] || die "no tempest venv: run $0 install first"
    [[ -r "${OPENRC}" ]] || die "cannot read ${OPENRC}"
    rm -rf "${work}"
    mkdir -p "${work}"
    chmod 0700 "${work}"
    cd "${work}"
    # A throw-away workspace registry: the default (~/.tempest/workspace.yaml) refuses a
    # name it has seen with another directory, and would collect one entry per run.
    local registry said
    registry=$(mktemp -d)
    said=$("${VENV}/bin/tempest" init --workspace-path "${registry}/workspace.yaml" --name lab . \
        2>&1) || die "tempest init failed: ${said}"
    rm -rf "${registry}"
    # This machine's first address that is not loopback, for the web-download import.
    WEB_HOST=$(ip -4 -o addr show scope global | awk 'NR == 1 {sub("/.*", "", $4); print $4}')
    [[ -n "${WEB_HOST}" ]] || die "no global IPv4 address for the web-download test's server"
    (umask 077 && tempest_conf >etc/tempest.conf)
    mkdir www
    qemu-img create -q -f qcow2 www/lab-image.qcow2 16M
    # A web server for the web-download import, with no descriptor of ours; stopped by PID.
    setsid /usr/bin/python3 -m http.server 80 --bind "${WEB_HOST}" --directory www \
        </dev/null >www.log 2>&1 &
    WEB_PID=$!
    trap 'kill "${WEB_PID}" 2>/dev/null || true' EXIT
    local started=${SECONDS} status=0
    log "tempest run --regex '^tempest\\.api\\.image\\.v2' --concurrency 2"
    "${VENV}/bin/tempest" run --regex '^tempest\.api\.image\.v2' --concurrency 2 \
        >run.log 2>&1 || status=$?
    log "tempest finished in $((SECONDS - started)) s (exit ${status}); log ${work}/run.log"
    "${VENV}/bin/stestr" last --subunit >results.subunit 2>/dev/null ||
        die "no results (stestr last failed): $(tail -n 20 run.log)"
    "${VENV}/bin/python3" - results.subunit >results.json <<'PY'
import json, sys
import subunit, testtools

# One record per test: its final status and, for a skip, the reason Tempest gives.
results = {}
def on_test(test):
    reason = test["details"].get("reason")
    results[test["id"]] = {
        "id": test["id"],
        "status": test["status"],
        "reason": reason.as_text() if reason else "",
    }
with open(sys.argv[1], "rb") as stream:
    case = subunit.ByteStreamToStreamResult(stream, non_subunit_name="stdout")
    result = testtools.StreamToDict(on_test)
    result.startTestRun()
    case.run(result)
    result.stopTestRun()
print(json.dumps(sorted(results.values(), key=lambda r: r["id"]), indent=1))
PY
    log "results: ${work}/results.json"
}

[[ ${EUID} -eq 0 ]] || die "must run as root"
case "${1:-}" in
    install) install_venv ;;
    run)
        [[ -n "${2:-}" ]] || die "usage: $0 run WORKDIR"
        run_tests "$2"
        ;;
    *) die "usage: $0 install | run WORKDIR" ;;
esac
