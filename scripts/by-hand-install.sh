#!/usr/bin/env bash
# The install guide's procedure (../shared/seed/glance-install-guide.zh.txt), done the way an
# admin does it by hand, adapted to this Debian lab: apt instead of yum, crudini instead of vi,
# the init script instead of systemctl. It is the baseline glance-wizard is measured against
# (scripts/bench-vs-by-hand.sh); it is not part of the product.
#
#   scripts/by-hand-install.sh IMAGE_FILE
#
# Environment: GLANCE_DBPASS, GLANCE_PASS (passwords, defaults below), GW_ADMIN_OPENRC
# (default /root/admin-openrc). Re-runnable like the guide is: a second run repeats every
# step; the `create` calls that already exist fail and are ignored, as an admin would.
set -uo pipefail

IMAGE=${1:?usage: by-hand-install.sh IMAGE_FILE}
GLANCE_DBPASS=${GLANCE_DBPASS:-byhand-db-pass}
GLANCE_PASS=${GLANCE_PASS:-byhand-service-pass}
OPENRC=${GW_ADMIN_OPENRC:-/root/admin-openrc}
CONF=/etc/glance/glance-api.conf
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"
export DEBIAN_FRONTEND=noninteractive
export no_proxy="controller,localhost,127.0.0.1" NO_PROXY="controller,localhost,127.0.0.1"

step() { printf '[by-hand] %s\n' "$*"; }

# 1. The database and its grants (MariaDB accepts the guide's GRANT ... IDENTIFIED BY).
step "database"
mysql -u root <<SQL
CREATE DATABASE IF NOT EXISTS glance;
GRANT ALL PRIVILEGES ON glance.* TO 'glance'@'localhost' IDENTIFIED BY '${GLANCE_DBPASS}';
GRANT ALL PRIVILEGES ON glance.* TO 'glance'@'%' IDENTIFIED BY '${GLANCE_DBPASS}';
SQL

# 2. Keystone: the user, its role, the service and three endpoints.
# shellcheck disable=SC1090
. "${OPENRC}"
step "keystone"
openstack user create --domain default --password "${GLANCE_PASS}" glance
openstack role add --project service --user glance admin
openstack service create --name glance --description "OpenStack Image" image
for interface in public internal admin; do
    openstack endpoint create --region RegionOne image "${interface}" http://controller:9292
done

# 3. The packages (present in this lab: apt only checks).
step "packages"
apt-get install -y glance >/dev/null

# 4. glance-api.conf, key by key.
step "config"
crudini --set "${CONF}" DEFAULT bind_host 127.0.0.1
crudini --set "${CONF}" database connection "mysql+pymysql://glance:${GLANCE_DBPASS}@controller/glance"
crudini --set "${CONF}" keystone_authtoken www_authenticate_uri http://controller:5000
crudini --set "${CONF}" keystone_authtoken auth_url http://controller:5000
crudini --set "${CONF}" keystone_authtoken memcached_servers controller:11211
crudini --set "${CONF}" keystone_authtoken auth_type password
crudini --set "${CONF}" keystone_authtoken project_domain_name Default
crudini --set "${CONF}" keystone_authtoken user_domain_name Default
crudini --set "${CONF}" keystone_authtoken project_name service
crudini --set "${CONF}" keystone_authtoken username glance
crudini --set "${CONF}" keystone_authtoken password "${GLANCE_PASS}"
crudini --set "${CONF}" paste_deploy flavor keystone
crudini --set "${CONF}" glance_store stores file,http
crudini --set "${CONF}" glance_store default_store file
crudini --set "${CONF}" glance_store filesystem_store_datadir /var/lib/glance/images/

# 5. The schema.
step "db_sync"
su -s /bin/sh -c "glance-manage db_sync" glance

# 6. The service, then wait until it answers.
step "service"
service glance-api restart
for _ in $(seq 1 300); do
    curl -s -o /dev/null http://controller:9292/ && break
    sleep 0.1
done

# 7. The test image, and the list.
step "image"
openstack image create "cirros-by-hand" --file "${IMAGE}" --disk-format qcow2 \
    --container-format bare --public
openstack image list
step "done"
