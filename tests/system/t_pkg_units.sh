#!/usr/bin/env bash
# t_pkg_units.sh -- `make install` as a service: into a DESTDIR with
# PREFIX=/usr, every file where systemd and man look for it, the units'
# paths filled in from the .in templates, an /etc/dnsbl/dnsbl.yaml the
# installed loader accepts and a second install keeps; systemd-analyze
# verify passes on every unit (installed under $T, where its programs and
# man pages are), dnsbld.service's exposure is low, and systemd-sysusers
# makes the user from the installed sysusers.d entry.
source "$(dirname "$0")/lib.sh"

if ! command -v systemd-analyze >/dev/null; then
	echo "1..0 # SKIP systemd-analyze not installed (package systemd)"
	exit 0
fi

R=$T/root
check "make install PREFIX=/usr DESTDIR=" -- \
	make -s -C "$ROOT" install BUILD="$BUILD" PREFIX=/usr DESTDIR="$R"
units="dnsbld.service dnsbl-web.service dnsbl-expire.service dnsbl-expire.timer
	dnsbl-backup.service dnsbl-backup.timer"
missing=
for f in usr/sbin/dnsbld usr/bin/dnsbl-loader etc/dnsbl/dnsbl.yaml \
    usr/share/man/man8/dnsbld.8 usr/share/man/man8/dnsbl-loader.8 \
    usr/share/man/man5/dnsbl.yaml.5 usr/lib/sysusers.d/dnsbl.conf \
    usr/lib/tmpfiles.d/dnsbl.conf \
    usr/share/doc/dnsbl/examples/dnsbl.example.yaml usr/share/doc/dnsbl/web.md; do
	[ -f "$R/$f" ] || missing="$missing $f"
done
for u in $units; do
	[ -f "$R/usr/lib/systemd/system/$u" ] || missing="$missing $u"
done
is "$missing" "" "every file installed where systemd and man look"
[ -x "$R/usr/sbin/dnsbld" ] && [ -x "$R/usr/bin/dnsbl-loader" ]
ok $? "dnsbld and dnsbl-loader are executable"

U=$R/usr/lib/systemd/system
left=$(grep -l '@[A-Z]*@' "$U"/* 2>/dev/null | xargs -r -n1 basename)
is "$left" "" "no @VARIABLE@ left in the installed units"
is "$(sed -n 's/^ExecStart=//p' "$U/dnsbld.service")" \
	"/usr/sbin/dnsbld -c /etc/dnsbl/dnsbl.yaml" "dnsbld.service runs /usr/sbin/dnsbld"
is "$(sed -n 's/^ExecStartPre=//p' "$U/dnsbld.service")" \
	"/usr/sbin/dnsbld -t -c /etc/dnsbl/dnsbl.yaml" "it checks config and store first"
is "$(sed -n 's/^ExecStart=//p' "$U/dnsbl-expire.service")" \
	"/usr/bin/dnsbl-loader -c /etc/dnsbl/dnsbl.yaml expire" \
	"dnsbl-expire.service runs the installed /usr/bin/dnsbl-loader"
is "$(sed -n 's/^ExecStart=//p' "$U/dnsbl-web.service")" \
	"/usr/bin/dnsbl-loader -c /etc/dnsbl/dnsbl.yaml web" \
	"dnsbl-web.service runs the installed /usr/bin/dnsbl-loader web"
grep -qxF User=dnsbl "$U/dnsbl-web.service" && grep -qxF ProtectSystem=strict "$U/dnsbl-web.service"
ok $? "dnsbl-web.service: user dnsbl, sandboxed"
grep -q ' /usr/bin/dnsbl-loader -c /etc/dnsbl/dnsbl.yaml backup ' "$U/dnsbl-backup.service"
ok $? "dnsbl-backup.service runs the installed /usr/bin/dnsbl-loader"
for k in Type=notify User=dnsbl Group=dnsbl StateDirectory=dnsbl \
    RuntimeDirectory=dnsbl ProtectSystem=strict NoNewPrivileges=yes \
    AmbientCapabilities=CAP_NET_BIND_SERVICE \
    'ExecReload=/bin/kill -HUP $MAINPID'; do
	grep -qxF "$k" "$U/dnsbld.service" || missing="$missing $k"
done
is "$missing" "" "dnsbld.service: notify, user dnsbl, its directories, sandbox"

# The installed config works with the installed loader, points at the
# service's directories, and a second install leaves an edited one alone.
check "the installed dnsbl.yaml passes dnsbl-loader check-config" -- \
	"$R/usr/bin/dnsbl-loader" -c "$R/etc/dnsbl/dnsbl.yaml" check-config
grep -qx 'database: /var/lib/dnsbl/db' "$R/etc/dnsbl/dnsbl.yaml" &&
	grep -qx 'user: dnsbl' "$R/etc/dnsbl/dnsbl.yaml" &&
	grep -qx 'pidfile: /run/dnsbl/dnsbld.pid' "$R/etc/dnsbl/dnsbl.yaml"
ok $? "it uses /var/lib/dnsbl/db, user dnsbl and /run/dnsbl"
echo "# edited" >>"$R/etc/dnsbl/dnsbl.yaml"
make -s -C "$ROOT" install BUILD="$BUILD" PREFIX=/usr DESTDIR="$R" >/dev/null 2>&1
grep -qx '# edited' "$R/etc/dnsbl/dnsbl.yaml"
ok $? "a second make install keeps an existing dnsbl.yaml"

# systemd-analyze verify checks the programs and man pages the units
# name, so this install puts them under $T at their real paths.
P=$T/p
check "make install PREFIX=$P" -- make -s -C "$ROOT" install BUILD="$BUILD" \
	PREFIX="$P" SYSCONFDIR="$P/etc"
for u in $units; do
	(cd "$P/lib/systemd/system" &&
	 MANPATH=$P/share/man systemd-analyze verify --man=yes "$u") \
		>"$T/verify.out" 2>&1
	st=$?
	[ -s "$T/verify.out" ] && st=1
	ok $st "systemd-analyze verify $u: exit 0, no complaint"
	[ $st -ne 0 ] && sed 's/^/#   /' "$T/verify.out" | head -n 20
done
# The same check fails on a unit with a mistake (so it can fail).
mkdir -p "$T/bad"
sed -e 's/^ProtectHome=yes/ProtectHome=maybe/' \
	"$P/lib/systemd/system/dnsbld.service" >"$T/bad/dnsbld.service"
(cd "$T/bad" && MANPATH=$P/share/man systemd-analyze verify --man=yes \
	dnsbld.service) >"$T/verify.out" 2>&1
grep -q 'dnsbld.service:.*maybe' "$T/verify.out"
ok $? "systemd-analyze verify complains of a bad value"
(cd "$P/lib/systemd/system" &&
 systemd-analyze security --offline=true --threshold=30 dnsbld.service) \
	>"$T/security.out" 2>&1
ok $? "dnsbld.service's exposure (systemd-analyze security) is 3.0 or less"
grep -o 'Overall exposure level.*' "$T/security.out" | sed 's/^/# /'

# The sysusers.d entry makes the user and group (in a scratch root).
if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$T/sys/etc"
	check "systemd-sysusers reads dnsbl.conf" -- systemd-sysusers \
		--root="$T/sys" "$R/usr/lib/sysusers.d/dnsbl.conf"
	pw=$(grep '^dnsbl:' "$T/sys/etc/passwd")
	gid=$(echo "$pw" | cut -d: -f4)
	grep -q "^dnsbl:x:$gid:" "$T/sys/etc/group"
	ok $? "it makes the system user dnsbl with its own group dnsbl"
	is "$(echo "$pw" | cut -d: -f6,7)" "/var/lib/dnsbl:/usr/sbin/nologin" \
		"home /var/lib/dnsbl, no login shell"
else
	ok 0 "# SKIP systemd-sysusers not installed"
fi
is "$(awk '$2 == "/var/lib/dnsbl" { print $1, $3, $4, $5 }' \
	"$R/usr/lib/tmpfiles.d/dnsbl.conf")" "d 0750 dnsbl dnsbl" \
	"tmpfiles.d: /var/lib/dnsbl is dnsbl's, mode 0750"
is "$(awk '$2 == "/run/dnsbl" { print $1, $4 }' \
	"$R/usr/lib/tmpfiles.d/dnsbl.conf")" "d dnsbl" "tmpfiles.d: /run/dnsbl"

done_testing
