# shellcheck shell=bash
# Real services for the compatibility run (tests/compat/run.sh), each one
# from Debian's packages, started inside the namespace of lib.sh's ns_setup
# with a config, data directory and log of its own under $PT_TMP, on the
# service's standard port (the namespace has nothing else; -sC's port rules
# and the service names of a scan without -sV go by port number).
#
# Invariants: nothing here touches the host's service configs or data;
# every service runs in the foreground under ns_bg (so `timeout` bounds its
# life and ns_cleanup kills it); every start waits for its port, bounded.
# A service whose package is missing is skipped (compat_skip records it),
# never half started.
#
# Functions: compat_cert, compat_skip, start_ftp, start_smtp, start_dns,
# start_web (http 80 and https 443), start_mysql, start_postgres,
# start_redis, start_memcached, start_rsync; start_identd and start_sshd
# come from lib.sh.

COMPAT_SKIPPED=()

compat_skip() {
  pt_log "skipping $1: $2"
  COMPAT_SKIPPED+=("$1")
}

# A self-signed certificate and key, made once: $PT_TMP/tls/{cert,key}.pem.
compat_cert() {
  [ -f "$PT_TMP/tls/cert.pem" ] && return 0
  mkdir -p "$PT_TMP/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
    -keyout "$PT_TMP/tls/key.pem" -out "$PT_TMP/tls/cert.pem" \
    -subj '/CN=compat.test/O=Portolan compat/C=XX' >/dev/null 2>&1 ||
    fail "openssl cannot make a test certificate"
  chmod 755 "$PT_TMP/tls"
  chmod 644 "$PT_TMP/tls/cert.pem" "$PT_TMP/tls/key.pem"
}

# vsftpd with anonymous logins (ftp-anon) over a small read-only tree.
start_ftp() {
  command -v vsftpd >/dev/null || { compat_skip ftp "needs vsftpd"; return 0; }
  local d="$PT_TMP/ftp"
  mkdir -p "$d/root/pub" "$d/empty"
  echo "hello" >"$d/root/pub/readme.txt"
  chmod 555 "$d/root"
  cat >"$d/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=21
background=NO
anonymous_enable=YES
local_enable=NO
write_enable=NO
anon_root=$d/root
secure_chroot_dir=$d/empty
nopriv_user=nobody
ftp_username=ftp
pasv_enable=YES
pasv_address=127.0.0.1
seccomp_sandbox=NO
xferlog_enable=NO
vsftpd_log_file=$d/vsftpd.log
EOF
  ns_bg vsftpd vsftpd "$d/vsftpd.conf"
  wait_port 21
}

# exim (daemon mode, foreground) answering EHLO with STARTTLS; it refuses
# every recipient. Exim wants its config owned by root and not writable by
# others.
start_smtp() {
  command -v exim4 >/dev/null || { compat_skip smtp "needs exim4-daemon-light"; return 0; }
  compat_cert
  local d="$PT_TMP/exim"
  mkdir -p "$d/spool" "$d/log"
  chown -R Debian-exim "$d/spool" "$d/log" 2>/dev/null || true
  cat >"$d/exim.conf" <<EOF
primary_hostname = compat.test
daemon_smtp_ports = 25
local_interfaces = 127.0.0.1
spool_directory = $d/spool
log_file_path = $d/log/%slog
keep_environment =
# Many scripts connect at once (ssl-enum-ciphers alone opens dozens of
# connections): no limit on concurrent or per-host connections, so that
# no result depends on which scanner connects faster.
smtp_accept_max = 1000
smtp_accept_max_per_host = 1000
smtp_connect_backlog = 256
tls_advertise_hosts = *
tls_certificate = $PT_TMP/tls/cert.pem
tls_privatekey = $PT_TMP/tls/key.pem
acl_smtp_rcpt = acl_check_rcpt
begin acl
acl_check_rcpt:
  deny
begin routers
begin transports
EOF
  chown root:root "$d/exim.conf"
  chmod 644 "$d/exim.conf"
  ns_bg exim exim4 -bdf -C "$d/exim.conf"
  wait_port 25
}

# dnsmasq as an authoritative-only server for a test zone (no upstream, no
# /etc/hosts), TCP and UDP 53.
start_dns() {
  command -v dnsmasq >/dev/null || { compat_skip dns "needs dnsmasq-base"; return 0; }
  ns_bg dnsmasq dnsmasq --keep-in-foreground --log-facility=- --port=53 \
    --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
    --no-poll --conf-file=/dev/null --pid-file="$PT_TMP/dnsmasq.pid" \
    --user=root --address=/compat.test/127.0.0.1 \
    --txt-record=compat.test,"portolan compat"
  wait_port 53
}

# nginx: http on 80 and https on 443 (self-signed), a titled page, a
# robots.txt with a Disallow (http-robots.txt) and the default server
# header.
start_web() {
  command -v nginx >/dev/null || { compat_skip web "needs nginx-light"; return 0; }
  compat_cert
  ensure_user www-data
  local d="$PT_TMP/web"
  mkdir -p "$d/www" "$d/tmp" "$d/logs"
  chmod 755 "$d" "$d/www"
  printf '<html><head><title>Portolan compat page</title></head><body>ok</body></html>\n' \
    >"$d/www/index.html"
  printf 'User-agent: *\nDisallow: /private/\nDisallow: /tmp/\n' >"$d/www/robots.txt"
  chmod 644 "$d/www/"*
  cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
user www-data;
pid $d/nginx.pid;
error_log $d/logs/error.log;
events { worker_connections 256; }
http {
  access_log $d/logs/access.log;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  server {
    listen 127.0.0.1:80;
    listen 127.0.0.1:443 ssl;
    ssl_certificate $PT_TMP/tls/cert.pem;
    ssl_certificate_key $PT_TMP/tls/key.pem;
    root $d/www;
  }
}
EOF
  ns_bg nginx nginx -e "$d/logs/error.log" -p "$d" -c "$d/nginx.conf"
  wait_port 80
  wait_port 443
}

# MariaDB with a fresh data directory (mariadb-install-db), TCP only on
# 127.0.0.1:3306, no grant for the scanner (mysql-info reads the greeting).
start_mysql() {
  local bin
  bin="$(command -v mariadbd || command -v mysqld || true)"
  [ -n "$bin" ] && command -v mariadb-install-db >/dev/null ||
    { compat_skip mysql "needs mariadb-server"; return 0; }
  local d="$PT_TMP/mysql"
  mkdir -p "$d/data" "$d/run"
  chown -R mysql:mysql "$d"
  mariadb-install-db --no-defaults --datadir="$d/data" --user=mysql \
    --auth-root-authentication-method=normal --skip-test-db \
    >"$PT_TMP/mysql-install.log" 2>&1 ||
    { compat_skip mysql "mariadb-install-db failed (see $PT_TMP/mysql-install.log)"; return 0; }
  ns_bg mysql "$bin" --no-defaults --user=mysql --datadir="$d/data" \
    --socket="$d/run/mysqld.sock" --pid-file="$d/run/mysqld.pid" \
    --bind-address=127.0.0.1 --port=3306 --skip-name-resolve \
    --log-error="$d/error.log"
  wait_port 3306 30
}

# PostgreSQL (Debian's major version, whatever it is) with a fresh cluster
# made by initdb, as user postgres, listening on 127.0.0.1:5432 only.
start_postgres() {
  local bindir
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  [ -n "$bindir" ] && [ -x "$bindir/initdb" ] ||
    { compat_skip postgres "needs postgresql"; return 0; }
  local d="$PT_TMP/pg"
  mkdir -p "$d"
  chown postgres "$d"
  runuser -u postgres -- "$bindir/initdb" -D "$d/data" -A trust -U postgres \
    >"$PT_TMP/pg-initdb.log" 2>&1 ||
    { compat_skip postgres "initdb failed (see $PT_TMP/pg-initdb.log)"; return 0; }
  ns_bg postgres runuser -u postgres -- "$bindir/postgres" -D "$d/data" \
    -h 127.0.0.1 -p 5432 -k "$d"
  wait_port 5432 30
}

start_redis() {
  command -v redis-server >/dev/null || { compat_skip redis "needs redis-server"; return 0; }
  local d="$PT_TMP/redis"
  mkdir -p "$d"
  chown redis "$d" 2>/dev/null || true
  ns_bg redis runuser -u redis -- redis-server --bind 127.0.0.1 --port 6379 \
    --dir "$d" --save '' --appendonly no --daemonize no --protected-mode no
  wait_port 6379
}

start_memcached() {
  command -v memcached >/dev/null || { compat_skip memcached "needs memcached"; return 0; }
  ns_bg memcached memcached -u memcache -l 127.0.0.1 -p 11211 -U 0 -m 16
  wait_port 11211
}

# rsync in daemon mode with one read-only module (rsync-list-modules).
start_rsync() {
  command -v rsync >/dev/null || { compat_skip rsync "needs rsync"; return 0; }
  local d="$PT_TMP/rsync"
  mkdir -p "$d/share"
  echo data >"$d/share/file.txt"
  cat >"$d/rsyncd.conf" <<EOF
pid file = $d/rsyncd.pid
use chroot = no
uid = nobody
gid = nogroup
[share]
  path = $d/share
  comment = Portolan compat share
  read only = yes
EOF
  ns_bg rsync rsync --daemon --no-detach --config="$d/rsyncd.conf" \
    --address=127.0.0.1 --port=873
  wait_port 873
}
