#!/usr/bin/env bash
# t_pkg_deb.sh -- the Debian package, for real: `make deb`, lintian with
# no error, `apt-get install ./dnsbl_*.deb`, the user dnsbl made, the
# units installed and verified but neither enabled nor running, the
# config accepted by the installed loader, dnsbld started as the unit
# starts it (user dnsbl, CAP_NET_BIND_SERVICE only) answering and writing
# under /var/lib/dnsbl and /run/dnsbl, then `apt-get purge`.
#
# It installs a package on this machine, so it runs only with
# DNSBL_TEST_DEB=1 (CI sets it, as root); otherwise it skips.  A user
# dnsbl or directories that were not there before are removed at the end.
# run.sh timeout: 1500
source "$(dirname "$0")/lib.sh"

if [ "${DNSBL_TEST_DEB:-}" != 1 ]; then
	echo "1..0 # SKIP installs a package: run with DNSBL_TEST_DEB=1 (as root)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	ok 1 "DNSBL_TEST_DEB=1 needs root (apt-get install)"
	done_testing; exit 1
fi
if dpkg -s dnsbl >/dev/null 2>&1; then
	ok 1 "the package dnsbl is installed already: purge it first"
	done_testing; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -q -y -o DPkg::Lock::Timeout=600"
had_user=0; id dnsbl >/dev/null 2>&1 && had_user=1
had_dirs=
for d in /var/lib/dnsbl /var/backups/dnsbl /run/dnsbl; do
	[ -e "$d" ] && had_dirs="$had_dirs $d"
done
pkg_cleanup() {
	stop_dnsbld
	dpkg -s dnsbl >/dev/null 2>&1 && $APT purge dnsbl >/dev/null 2>&1
	for d in /var/lib/dnsbl /var/backups/dnsbl /run/dnsbl; do
		case " $had_dirs " in *" $d "*) ;; *) rm -rf "$d" ;; esac
	done
	if [ $had_user = 0 ] && id dnsbl >/dev/null 2>&1; then
		userdel dnsbl
		getent group dnsbl >/dev/null && groupdel dnsbl
	fi
	cleanup
}
trap pkg_cleanup EXIT

# Build, unit tests left to `make test` (DEB_BUILD_OPTIONS=nocheck).
before=$(git -C "$ROOT" status --porcelain --untracked-files=all 2>&1)
DEB_BUILD_OPTIONS=nocheck make -C "$ROOT" deb >"$T/build.log" 2>&1
st=$?; ok $st "make deb"
[ $st -ne 0 ] && { tail -n 30 "$T/build.log" | sed 's/^/#   /'; done_testing; exit 1; }
deb=$(ls "$ROOT"/build/deb/dnsbl_*.deb 2>/dev/null | head -n 1)
[ -f "$deb" ]; ok $? "a .deb in build/deb: $(basename "$deb")"
is "$(git -C "$ROOT" status --porcelain --untracked-files=all 2>&1)" "$before" \
	"the build changes nothing git sees in the source tree"

if command -v lintian >/dev/null; then
	lintian "$deb" >"$T/lintian.out" 2>&1
	grep '^[EW]:' "$T/lintian.out" | sed 's/^/# lintian: /'
	is "$(grep -c '^E:' "$T/lintian.out")" 0 "lintian reports no error"
else
	ok 1 "lintian is installed (tests/packages.txt)"
fi

$APT install "$deb" >"$T/install.log" 2>&1
st=$?; ok $st "apt-get install ./$(basename "$deb")"
[ $st -ne 0 ] && { tail -n 30 "$T/install.log" | sed 's/^/#   /'; done_testing; exit 1; }
is "$(dpkg-query -W -f='${Status}' dnsbl)" "install ok installed" "the package is installed"

pw=$(getent passwd dnsbl)
is "$(echo "$pw" | cut -d: -f6,7)" "/var/lib/dnsbl:/usr/sbin/nologin" \
	"the system user dnsbl exists, no login shell"
[ -n "$pw" ] && [ "$(echo "$pw" | cut -d: -f3)" -lt 1000 ]
ok $? "dnsbl is a system user (uid below 1000)"
is "$(id -gn dnsbl 2>/dev/null)" dnsbl "its group is dnsbl"
is "$(stat -c '%U:%G %a' /var/lib/dnsbl 2>&1)" "dnsbl:dnsbl 750" \
	"/var/lib/dnsbl is dnsbl's, mode 0750"
is "$(stat -c '%U:%G %a' /etc/dnsbl/dnsbl.yaml 2>&1)" "root:dnsbl 640" \
	"/etc/dnsbl/dnsbl.yaml is root:dnsbl, mode 0640"
grep -qx /etc/dnsbl/dnsbl.yaml /var/lib/dpkg/info/dnsbl.conffiles
ok $? "it is a conffile"

missing=
for f in /usr/sbin/dnsbld /usr/bin/dnsbl-loader /lib/systemd/system/dnsbld.service \
    /lib/systemd/system/dnsbl-web.service /usr/share/doc/dnsbl/web.md \
    /lib/systemd/system/dnsbl-expire.service /lib/systemd/system/dnsbl-expire.timer \
    /lib/systemd/system/dnsbl-backup.service /lib/systemd/system/dnsbl-backup.timer \
    /usr/lib/sysusers.d/dnsbl.conf /usr/lib/tmpfiles.d/dnsbl.conf \
    /usr/share/man/man8/dnsbld.8.gz /usr/share/man/man8/dnsbl-loader.8.gz \
    /usr/share/man/man5/dnsbl.yaml.5.gz; do
	dpkg -S "$f" >/dev/null 2>&1 || missing="$missing $f"
done
is "$missing" "" "programs, units, sysusers.d, tmpfiles.d, man pages and docs installed"
# Every file the package holds is one the lists above or below expect.
unexpected=$(dpkg -L dnsbl | while read -r f; do
	[ -d "$f" ] && continue
	case "$f" in
	/usr/sbin/dnsbld|/usr/bin/dnsbl-loader|/etc/dnsbl/dnsbl.yaml) ;;
	/lib/systemd/system/dnsbld.service|/lib/systemd/system/dnsbl-web.service) ;;
	/lib/systemd/system/dnsbl-expire.*|/lib/systemd/system/dnsbl-backup.*) ;;
	/usr/lib/sysusers.d/dnsbl.conf|/usr/lib/tmpfiles.d/dnsbl.conf) ;;
	/usr/share/man/man8/dnsbld.8.gz|/usr/share/man/man8/dnsbl-loader.8.gz) ;;
	/usr/share/man/man5/dnsbl.yaml.5.gz) ;;
	/usr/share/doc/dnsbl/examples/*.yaml) ;;
	/usr/share/doc/dnsbl/operations.md*|/usr/share/doc/dnsbl/mirrors.md*) ;;
	/usr/share/doc/dnsbl/policy.md*|/usr/share/doc/dnsbl/store.md*) ;;
	/usr/share/doc/dnsbl/web.md*) ;;
	/usr/share/doc/dnsbl/README.Debian|/usr/share/doc/dnsbl/changelog*.gz) ;;
	/usr/share/doc/dnsbl/copyright) ;;
	*) echo "$f" ;;
	esac
done | tr '\n' ' ')
is "$unexpected" "" "no installed file that this test does not know of"
is "$(systemctl is-enabled dnsbld.service 2>&1)" disabled "dnsbld.service is not enabled"
is "$(systemctl is-enabled dnsbl-web.service 2>&1)" disabled "dnsbl-web.service is not enabled"
is "$(systemctl is-enabled dnsbl-expire.timer dnsbl-backup.timer 2>&1 | sort -u)" \
	disabled "nor are the timers"
running=
for p in /proc/[0-9]*; do
	[ "$(readlink "$p/exe" 2>/dev/null)" = /usr/sbin/dnsbld ] && running="$running ${p#/proc/}"
done
if [ -d /run/systemd/system ]; then
	[ "$(systemctl is-active dnsbld.service)" != active ] || running="$running (active)"
fi
is "$running" "" "and it is not running"
check "systemd-analyze verify on the installed units" -- \
	systemd-analyze verify dnsbld.service dnsbl-web.service dnsbl-expire.service \
	dnsbl-expire.timer dnsbl-backup.service dnsbl-backup.timer
check "dnsbl-loader check-config as dnsbl on /etc/dnsbl/dnsbl.yaml" -- \
	runuser -u dnsbl -- dnsbl-loader check-config
runuser -u nobody -- dnsbl-loader check-config >/dev/null 2>&1
ok $((! $?)) "another user cannot read the config"
# One version: the package's is the programs' own.
v=$(dpkg-query -W -f='${Version}' dnsbl)
dnsbl-loader --version | grep -qw "$v" && dnsbld --version | grep -qw "$v"
ok $? "the programs say the package's version ($v)"
# The unit's ExecStartPre on a fresh install, before any database.
out=$(runuser -u dnsbl -- dnsbld -t 2>&1); st=$?
[ $st -eq 0 ] && echo "$out" | grep -q "not made yet"
ok $? "dnsbld -t as dnsbl before the database exists passes (the first start): $out"

# An upgrade (the same package again): the maintainer scripts' upgrade
# path runs, nothing gets enabled, and a running dnsbld would be restarted,
# not left stopped; removal stops it.
$APT install --reinstall "$deb" >"$T/reinstall.log" 2>&1
st=$?; ok $st "reinstall (the upgrade path of prerm and postinst)"
[ $st -ne 0 ] && tail -n 20 "$T/reinstall.log" | sed 's/^/#   /'
is "$(systemctl is-enabled dnsbld.service 2>&1)" disabled "still not enabled after the upgrade"
grep -q 'try-restart dnsbld.service dnsbl-web.service' /var/lib/dpkg/info/dnsbl.postinst
ok $? "postinst restarts a running dnsbld and dnsbl-web after an upgrade"
grep -q 'deb-systemd-invoke stop dnsbld.service' /var/lib/dpkg/info/dnsbl.prerm &&
    ! grep -q 'deb-systemd-invoke stop' /var/lib/dpkg/info/dnsbl.preinst 2>/dev/null
ok $? "prerm stops it on removal, and nothing stops it for an upgrade"

# Started as the unit starts it: user dnsbl, CAP_NET_BIND_SERVICE, no
# new privileges; on a free port (the installed config's port 53 may be
# taken), the database and pidfile where the installed config has them.
chmod 755 "$T"
sed -e "s|^  - 127.0.0.1@53$|  - 127.0.0.1@$PORT|" -e "s|^  - \"::1@53\"$|  - \"::1@$PORT\"|" \
	/etc/dnsbl/dnsbl.yaml >"$T/dnsbl.yaml"
chmod 644 "$T/dnsbl.yaml"
is "$(grep -c "@$PORT" "$T/dnsbl.yaml")" 2 "a copy of the config on port $PORT"
cat >"$T/as-service" <<SH
#!/bin/sh
exec setpriv --reuid=dnsbl --regid=dnsbl --init-groups --no-new-privs \
	--inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
	/usr/sbin/dnsbld "\$@"
SH
chmod 755 "$T/as-service"
DNSBLD=$T/as-service
if start_dnsbld; then
	ok 0 "dnsbld starts as dnsbl, unprivileged"
	is "$(awk '/^Uid:/{print $2}' /proc/$DNSBLD_PID/status)" "$(id -u dnsbl)" \
		"it runs as dnsbl"
	[ ! -e /run/dnsbl/dnsbld.pid ]
	ok $? "in the foreground, as the unit runs it, no pidfile (systemd knows the pid)"
	is "$(stat -c %U /var/lib/dnsbl/db/serve/data.mdb 2>&1)" dnsbl \
		"its database is /var/lib/dnsbl/db, dnsbl's"
	is "$(dig +short +norec -p "$PORT" @127.0.0.1 2.0.0.127.relays.example A)" \
		127.0.0.2 "it answers the RFC 5782 test entry"
	check "dnsbl-loader list as dnsbl" -- runuser -u dnsbl -- \
		dnsbl-loader -c "$T/dnsbl.yaml" list 192.0.2.7 --reason "t_pkg_deb"
	is "$(dig +short +norec -p "$PORT" @::1 7.2.0.192.relays.example A)" \
		127.0.0.2 "the listing is answered at once (over ::1)"
	stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
else
	ok 1 "dnsbld starts as dnsbl, unprivileged"
fi

$APT purge dnsbl >"$T/purge.log" 2>&1
st=$?; ok $st "apt-get purge dnsbl"
[ $st -ne 0 ] && tail -n 20 "$T/purge.log" | sed 's/^/#   /'
dpkg -s dnsbl >/dev/null 2>&1; ok $((! $?)) "the package is gone"
[ ! -e /usr/sbin/dnsbld ] && [ ! -e /etc/dnsbl/dnsbl.yaml ] &&
	[ ! -e /lib/systemd/system/dnsbld.service ]
ok $? "its files and its config are gone"
dpkg-statoverride --list /etc/dnsbl/dnsbl.yaml >/dev/null 2>&1
ok $((! $?)) "and the config's statoverride"
[ -d /var/lib/dnsbl/db ] && id dnsbl >/dev/null 2>&1
ok $? "the database and the user are kept (README.Debian)"

done_testing
