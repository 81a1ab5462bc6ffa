#!/bin/sh
# SPEC section 7: the files exitd ships for D-Bus.  The introspection XML
# (one file per interface) is valid against the D-Bus introspection DTD
# and declares exactly the members of the contract; the activation file
# and the systemd unit name the configured exitd, Type=dbus, BusName=.
. "$top_srcdir/tests/lib.sh"

DTD=/usr/share/xml/dbus-1/introspect.dtd
XMLLINT=$(command -v xmllint)
if [ -z "$XMLLINT" ] || [ ! -f "$DTD" ]; then
	echo "1..0 # SKIP needs xmllint (Debian: libxml2-utils) and $DTD (libdbus-1-dev)"
	exit 0
fi

for i in Manager Voter; do
	f="$top_srcdir/exitd/org.exitpt.Exitd1.$i.xml"
	run "$XMLLINT" --noout --nonet --dtdvalid "$DTD" "$f"
	is "$status" 0 "introspection_xml_is_valid: org.exitpt.Exitd1.$i.xml"
	like "$(grep -c '<interface ' "$f")" '^1$' "one interface in $i.xml"
done

# members NAME: "kind name signature" lines of an interface file.
members() {
	"$XMLLINT" --nonet --xpath '//method|//signal|//property' \
	    "$top_srcdir/exitd/org.exitpt.Exitd1.$1.xml" |
	    python3 -c '
import sys, xml.dom.minidom as m
d = m.parseString("<x>" + sys.stdin.read() + "</x>")
for e in d.documentElement.childNodes:
    if e.nodeType != e.ELEMENT_NODE: continue
    if e.tagName == "property":
        print("property", e.getAttribute("name"), e.getAttribute("type"), e.getAttribute("access")); continue
    a = e.getElementsByTagName("arg")
    ins = "".join(x.getAttribute("type") for x in a if x.getAttribute("direction") != "out")
    outs = "".join(x.getAttribute("type") for x in a if x.getAttribute("direction") == "out")
    print(e.tagName, e.getAttribute("name"), ins + ("->" + outs if e.tagName == "method" else ""))
'
}

is "$(members Manager)" "method Check sb->tsu
method Prepare t->s
method Cancel t->s
method Complete tu->s
method Inhibit sssa{sv}->h
method RegisterVoter ossa{sv}->
method UnregisterVoter o->
method ListParticipants ->a(ssua{sv})
property State s read
property Operation t read
property Phase s read
property Action s read
property Window u read
signal OperationStarted ts
signal PhaseStarted tsu
signal Answer tsssiuss
signal PhaseEnded tss
signal OperationEnded ts" "Manager declares the members and signatures of SPEC section 7"
is "$(members Voter)" "method Check ts->ius
method Prepare tsu->
method Cancel ts->
method Complete tsu->" "Voter declares the members and signatures of SPEC section 7"

svc="$top_builddir/exitd/org.exitpt.Exitd1.service"
like "$(cat "$svc")" '^\[D-BUS Service\]' "activation file: its section"
like "$(cat "$svc")" '^Name=org\.exitpt\.Exitd1$' "activation file: the bus name"
like "$(cat "$svc")" "^Exec=$sbindir/exitd\$" "activation file: the configured exitd"
like "$(cat "$svc")" '^User=[a-z_][a-z0-9_-]*$' "activation file: a user"
like "$(cat "$svc")" '^SystemdService=dbus-org\.exitpt\.Exitd1\.service$' \
    "activation file: the systemd alias"
unit="$top_builddir/exitd/exitd.service"
like "$(cat "$unit")" '^Type=dbus$' "unit: Type=dbus"
like "$(cat "$unit")" '^BusName=org\.exitpt\.Exitd1$' "unit: BusName="
like "$(cat "$unit")" "^ExecStart=$sbindir/exitd -f\$" "unit: the configured exitd"
like "$(cat "$unit")" '^Alias=dbus-org\.exitpt\.Exitd1\.service$' \
    "unit: the alias that activation starts"
if [ -n "$systemdsystemunitdir" ]; then
	like "$systemdsystemunitdir" '^/' \
	    "make install puts the unit in a directory (configure: $systemdsystemunitdir)"
fi
unlike "$(cat "$unit" "$svc" "$top_builddir/exitd/org.exitpt.Exitd1.conf")" '@[A-Za-z_]+@' \
    "no placeholder is left unsubstituted"

done_testing
